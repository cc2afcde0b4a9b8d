"""Co-occurrence counting on Ray (``engine="ray"``), for corpora spread over many shard files.

The corpus is a file, a folder of shards, a glob (``data/**/*.jsonl.gz``) or a URI of any fsspec or pyarrow
filesystem (``s3://bucket/corpus/``, ``gs://...``, ``file:///...``; globs too). It is read shard by shard:

1. **Map.** One Ray task per shard file reads it with the in-memory engine itself
   (:func:`steps_core.corpus.load_cooccurrence` with ``engine="memory"``: the same readers, the same rules for
   bad and untagged records) and returns the shard's skills with their counts, and its pair counts as the pair
   keys of :mod:`steps_core.graph` (``lo << 32 | hi`` in the shard's own skill order) split into one piece per
   reducer by a hash of the two skills' names, so that a pair goes to the same reducer from every shard. A
   shard on a remote filesystem is first copied to a temporary file on the worker; messages name the URI.
2. **Reduce.** The driver merges the shards' skills into the corpus's vocabulary (sorted by name: 10^3-10^5
   names, small) and sums their counts; one reducer task per part maps each shard's pair keys into the
   corpus's skill order and sums them (:func:`steps_core.graph._reduce_pairs`, as the memory engine does).
3. The driver concatenates the reducers' disjoint results into the :class:`~steps_core.graph.Cooccurrence`
   the memory engine returns (same skills, counts, pairs and number of records) and adds the shards'
   :class:`~steps_core.corpus.ReadReport` counts up in file order, keeping the first bad-record messages
   exactly as the memory engine would.

Ray Data's own ``groupby().sum()`` was tried for step 2 and dropped: on this machine it took 100-180 s to sum
~680,000 rows (sort or hash shuffle alike) that numpy sums in well under a second.

Without ``skip_bad`` the first bad record *in file order* stops the run with the memory engine's message
(tasks of later shards are cancelled once every earlier shard is done). Nothing is written here: the command
line writes its outputs after counting, so a failed run leaves no half graph.

Ray is an optional dependency (``pip install 'steps-studio[ray]'``); it is imported only when the engine runs.
``address`` connects to an existing cluster (``ray://head:10001``, ``auto``); without it Ray joins
``RAY_ADDRESS`` when that is set, else starts on this machine. When Ray is already initialised (a test, a
notebook), that session is used and left running. On a cluster, local paths must exist on every node (a
shared filesystem); URIs need the filesystem's package (``s3fs``, ``gcsfs``) or pyarrow's built-in support.
"""

from __future__ import annotations

import contextlib
import glob as globlib
import logging
import os
import shutil
import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import scipy.sparse as sp

from .corpus import ReadReport, load_cooccurrence
from .errors import EnvironmentFault, InputError, StepsError
from .formats import corpus_files, detect_format, name_format, read_spec
from .graph import Cooccurrence, Progress, _reduce_pairs
from .names import INPUT_FORMATS

#: What to install when Ray is missing.
RAY_MISSING = ("the ray engine needs Ray: pip install 'steps-studio[ray]' (from a checkout: pip install -e "
               "'.[ray]'; or: pip install 'ray[data]')")
_GLOB_CHARS = "*?["
_COPY_CHUNK = 8 << 20
_POLL_SECONDS = 0.5


@dataclass(frozen=True)
class Shard:
    """One file of a corpus: ``source`` as messages name it (a path or a URI), its ``format`` (None: detected
    from the content when it is read), and for a remote file the filesystem ``root`` URI and the ``fs_path``
    inside it."""

    source: str
    format: str | None
    root: str | None = None
    fs_path: str | None = None

    @property
    def remote(self) -> bool:
        return self.root is not None


# --------------------------------------------------------------------------------------------- files
def is_uri(path: str | os.PathLike) -> bool:
    """True for ``scheme://...`` (read through fsspec or pyarrow), False for a local path."""
    return "://" in os.fspath(path)


def _wanted(name: str, format: str | None) -> bool:
    """A file found by a folder listing or a glob is read when its name says a format (``format`` when given);
    names starting with ``.`` or ``_`` are skipped, as :func:`~steps_core.formats.corpus_files` does."""
    fmt = name_format(name)
    return (not name.startswith((".", "_")) and fmt is not None
            and (format is None or fmt == format or (format == "jsonl" and fmt == "json")))


def shard_files(path: str | os.PathLike, format: str | None = None) -> list[Shard]:
    """The shard files of a corpus, in sorted order: a local file or folder (exactly
    :func:`~steps_core.formats.corpus_files`), a local glob, or a URI (file, folder or glob) of an fsspec or
    pyarrow filesystem. Nothing matching is an :class:`InputError` naming the path."""
    text = os.fspath(path)
    if format is not None:
        read_spec(format=format)                 # the memory engine's message for an unknown format
    if is_uri(text):
        return _remote_shards(text, format)
    if any(c in text for c in _GLOB_CHARS) and not Path(text).exists():
        found = [Path(p) for p in sorted(globlib.glob(text, recursive=True))]
        shards = [Shard(str(p), format or detect_format(p)) for p in found if p.is_file() and _wanted(p.name, format)]
        if not shards:
            raise InputError(f"no corpus files ({format or '/'.join(INPUT_FORMATS)}) match this pattern", path=text)
        return shards
    return [Shard(str(p), fmt) for p, fmt in corpus_files(text, format)]


def _filesystem(uri: str):
    """``(filesystem, path)`` for a URI: fsspec's implementation when it is installed, else pyarrow's (S3, GCS,
    HDFS, Azure are built in) through fsspec's wrapper, so both answer the same calls."""
    import fsspec

    try:
        return fsspec.core.url_to_fs(uri)
    except (ImportError, ValueError) as fsspec_error:
        import pyarrow as pa
        import pyarrow.fs as pafs
        from fsspec.implementations.arrow import ArrowFSWrapper

        try:
            fs, fs_path = pafs.FileSystem.from_uri(uri)
        except (pa.ArrowException, ValueError, OSError) as exc:
            raise InputError(f"cannot open this filesystem ({fsspec_error}; pyarrow: {exc})", path=uri) from None
        return ArrowFSWrapper(fs), fs_path


def _shown(fs, root: str, fs_path: str) -> str:
    """The URI of a file found under ``root``, as messages name it."""
    scheme = root.split("://", 1)[0]
    protocols = (fs.protocol,) if isinstance(fs.protocol, str) else tuple(fs.protocol)
    return fs.unstrip_protocol(fs_path) if scheme in protocols else f"{scheme}://{fs_path}"


def _remote_shards(uri: str, format: str | None) -> list[Shard]:
    fs, root = _filesystem(uri)
    try:
        if any(c in root for c in _GLOB_CHARS):
            paths = [p for p in fs.glob(root) if fs.isfile(p) and _wanted(p.rsplit("/", 1)[-1], format)]
            if not paths:
                raise InputError(f"no corpus files ({format or '/'.join(INPUT_FORMATS)}) match this pattern",
                                 path=uri)
        elif fs.isdir(root):
            base = root.rstrip("/")
            paths = []
            for p in fs.find(root):
                rel = p[len(base):].strip("/").split("/") if p.startswith(base) else [p.rsplit("/", 1)[-1]]
                if not any(part.startswith((".", "_")) for part in rel) and _wanted(rel[-1], format):
                    paths.append(p)
            if not paths:
                raise InputError(f"no corpus files ({format or '/'.join(INPUT_FORMATS)}) in this folder", path=uri)
        elif fs.isfile(root):
            paths = [root]
        else:
            raise InputError("file not found", path=uri)
    except (FileNotFoundError, PermissionError) as exc:
        raise InputError(f"cannot list ({exc})", path=uri) from None
    return [Shard(_shown(fs, uri, p), format or name_format(p), root=uri, fs_path=p) for p in sorted(paths)]


def _fetch(shard: Shard, folder: str) -> Path:
    """Copy a remote shard to ``folder`` under its own name (so its format shows as it would at home)."""
    fs, _ = _filesystem(shard.root)
    local = Path(folder) / shard.fs_path.rstrip("/").rsplit("/", 1)[-1]
    try:
        with fs.open(shard.fs_path, "rb") as src, open(local, "wb") as dst:
            shutil.copyfileobj(src, dst, _COPY_CHUNK)
    except FileNotFoundError:
        raise InputError("file not found", path=shard.source) from None
    except OSError as exc:
        raise EnvironmentFault(f"cannot copy to the worker ({exc})", path=shard.source) from None
    return local


# --------------------------------------------------------------------------------------------- one shard
def _repath(text: str, local: str, shown: str) -> str:
    return text.replace(local, shown) if local != shown else text


def _name_hashes(names) -> np.ndarray:
    """A hash of each skill name that every process computes alike (Python's own ``hash`` is salted)."""
    return np.fromiter((zlib.crc32(n.encode("utf-8")) for n in names), np.uint64, len(names))


def _partition(cooc: Cooccurrence | None, parts: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """A shard's pair counts split into ``parts`` by a hash of the two skills' names (the same pair lands in the
    same part in every shard): per part, pair keys ``lo << 32 | hi`` in the shard's own skill order (sorted by
    name, so ``lo < hi`` in every shard) and their counts."""
    empty = (np.empty(0, np.int64), np.empty(0, np.int64))
    if cooc is None or not cooc.n_skills:
        return [empty] * parts
    up = sp.triu(cooc.pairs, k=1).tocoo()
    lo, hi = up.row.astype(np.int64), up.col.astype(np.int64)
    keys, counts = (lo << 32) | hi, up.data.astype(np.int64)
    if parts == 1:
        return [(keys, counts)]
    h = _name_hashes(cooc.skills)
    where = ((h[lo] * np.uint64(0x9E3779B1)) ^ h[hi]) % np.uint64(parts)
    return [(keys[where == j], counts[where == j]) for j in range(parts)]


def count_shard(index: int, shard: Shard, options: dict, parts: int = 1, tracker: Any = None) -> tuple:
    """Count one shard with the memory engine (run as a Ray task): ``(summary, part_0, ..., part_{parts-1})``.

    The summary holds the shard's report counts and messages, its skills (sorted by name) with their counts,
    and the :class:`~steps_core.errors.StepsError` that stopped it, if one did; the parts are its pair counts
    (see :func:`_partition`)."""
    report = ReadReport(max_errors=options["max_errors"])
    read = {k: v for k, v in options.items() if k != "max_errors"}
    progress = None if tracker is None else (lambda done, total=None: tracker.update.remote(index, done))
    folder = tempfile.mkdtemp(prefix="steps-ray-") if shard.remote else None
    local, cooc, error = shard.source, None, None
    try:
        if folder is not None:
            local = str(_fetch(shard, folder))
        cooc = load_cooccurrence(local, engine="memory", progress=progress, format=shard.format, report=report,
                                 **read)
    except StepsError as exc:
        error = exc
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
    if isinstance(error, InputError) and error.path == local and local != shard.source:
        error = type(error)(_repath(error.message, local, shard.source), path=shard.source, line=error.line,
                            field=error.field)
    summary = {"n_records": report.n_records, "n_skipped": report.n_skipped, "n_untagged": report.n_untagged,
               "n_without_skills": report.n_without_skills,
               "files": [_repath(f, local, shard.source) for f in report.files],
               "errors": [_repath(m, local, shard.source) for m in report.errors],
               "notes": [_repath(m, local, shard.source) for m in report.notes], "error": error,
               "skills": cooc.skills if cooc is not None else (),
               "counts": cooc.counts if cooc is not None else np.empty(0, np.int64)}
    pieces = _partition(cooc, parts)
    summary["n_pairs"] = sum(k.size for k, _ in pieces)
    return (summary, *pieces)


def sum_part(n_shards: int, *args) -> tuple[np.ndarray, np.ndarray]:
    """One reducer (run as a Ray task): ``args`` are the shards' pieces of one part, then each shard's map from
    its skill order to the corpus's; returns the part's pair keys in the corpus's order, summed and sorted."""
    pieces, remaps = args[:n_shards], args[n_shards:]
    keys, counts = [], []
    for (k, c), remap in zip(pieces, remaps):
        if k.size:
            keys.append((remap[k >> 32] << 32) | remap[k & 0xFFFFFFFF])
            counts.append(c)
    if not keys:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return _reduce_pairs(np.concatenate(keys), np.concatenate(counts))


class _Tracker:
    """Records done per shard, reported by the tasks as they read (a Ray actor), polled by the driver."""

    def __init__(self) -> None:
        self.done: dict[int, int] = {}

    def update(self, index: int, done: int) -> None:
        self.done[index] = done

    def snapshot(self) -> dict[int, int]:
        return dict(self.done)


# --------------------------------------------------------------------------------------------- driver
def import_ray():
    """The ``ray`` module, or a :class:`StepsError` saying how to install it."""
    try:
        import ray
    except ImportError:
        raise StepsError(RAY_MISSING) from None
    return ray


@contextlib.contextmanager
def ray_session(address: str | None = None, **init_options) -> Iterator:
    """Ray, initialised for the duration: the session already running when there is one (left running), else
    a connection to ``address`` (the ``steps_core`` package shipped to the cluster with the job), else a local
    Ray (or ``RAY_ADDRESS``), shut down at the end."""
    ray = import_ray()
    if ray.is_initialized():
        yield ray
        return
    kwargs = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.WARNING,
              **init_options}
    if address:
        import steps_core

        kwargs.setdefault("runtime_env", {"py_modules": [steps_core]})
        try:
            ray.init(address=address, **kwargs)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise EnvironmentFault(f"cannot connect to the Ray cluster at {address} ({exc})") from None
    else:
        ray.init(**kwargs)
    try:
        yield ray
    finally:
        ray.shutdown()


def count_cooccurrences_ray(path: str | os.PathLike, *, address: str | None = None,
                            progress: Progress | None = None, format: str | None = None,
                            skills_field: str = "skills", lang: str = "en", skip_bad: bool = False,
                            report: ReadReport | None = None, parts: int | None = None) -> Cooccurrence:
    """Count skills and skill pairs of a sharded corpus on Ray; the same result and report as
    ``load_cooccurrence(path, engine="memory", ...)`` (see the module docs). ``progress(records_done, None)``
    is called about twice a second while the shards are read. ``parts``: reducers (default: the cluster's
    CPUs, at most one per shard)."""
    spec = read_spec(format=format, skills_field=skills_field, lang=lang, skip_bad=skip_bad)
    report = report if report is not None else ReadReport()
    shards = shard_files(path, spec.format)
    options = {"skills_field": spec.skills_field, "lang": spec.lang, "skip_bad": spec.skip_bad,
               "max_errors": report.max_errors}
    with ray_session(address) as ray:
        if parts is None:
            parts = max(1, min(len(shards), int(ray.cluster_resources().get("CPU", 1))))
        summaries, pieces = map_shards(ray, shards, options, parts, progress)
        for s in summaries:
            _merge(report, s)
        return reduce_shards(ray, summaries, pieces)


def map_shards(ray, shards: list[Shard], options: dict, parts: int,
               progress: Progress | None = None) -> tuple[list[dict], list[list]]:
    """Run one counting task per shard; the summaries in shard order and, per part, the refs of the shards'
    pieces. Raises the first error in shard order once every earlier shard is done, cancelling the rest."""
    tracker = ray.remote(num_cpus=0)(_Tracker).remote() if progress is not None else None
    task = ray.remote(num_returns=1 + parts)(count_shard)
    refs = [task.remote(i, s, options, parts, tracker) for i, s in enumerate(shards)]
    position = {r[0]: i for i, r in enumerate(refs)}
    summaries: list[dict | None] = [None] * len(shards)
    waiting = [r[0] for r in refs]
    last_call = 0.0
    try:
        while waiting:
            ready, waiting = ray.wait(waiting, num_returns=len(waiting), timeout=_POLL_SECONDS)
            for ref in ready:
                summaries[position[ref]] = _get(ray, ref, shards[position[ref]])
            failed = [i for i, s in enumerate(summaries) if s is not None and s["error"] is not None]
            if failed and all(s is not None for s in summaries[:failed[0]]):
                raise summaries[failed[0]]["error"]
            if progress is not None and (not waiting or time.monotonic() - last_call >= _POLL_SECONDS):
                live = ray.get(tracker.snapshot.remote())
                progress(sum(s["n_records"] if s is not None else live.get(i, 0) for i, s in enumerate(summaries)),
                         None)
                last_call = time.monotonic()
    except BaseException:
        for ref in waiting:
            ray.cancel(ref)
        raise
    return summaries, [[r[1 + j] for r in refs] for j in range(parts)]


def _get(ray, ref, shard: Shard) -> dict:
    """A task's summary; Ray's own failures (a worker or node lost, out of memory) become an
    :class:`EnvironmentFault` naming the shard, a bug in the task propagates."""
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError:
        raise
    except ray.exceptions.RayError as exc:
        raise EnvironmentFault(f"Ray failed while reading this shard ({type(exc).__name__}: {exc})",
                               path=shard.source) from None


def _merge(report: ReadReport, s: dict) -> None:
    """Add one shard's summary to the report, as the memory engine would have filled it reading on."""
    report.n_records += s["n_records"]
    report.n_skipped += s["n_skipped"]
    report.n_untagged += s["n_untagged"]
    report.n_without_skills += s["n_without_skills"]
    report.files.extend(s["files"])
    report.errors.extend(s["errors"][: max(0, report.max_errors - len(report.errors))])
    report.notes.extend(s["notes"])


def reduce_shards(ray, summaries: list[dict], pieces: list[list]) -> Cooccurrence:
    """Sum the shards' counts: the skills on the driver (a vocabulary: small), the pairs by one reducer task per
    part, each adding up the same pairs from every shard; the result built as the memory engine builds its own
    (skills sorted by name)."""
    names = sorted(set().union(*(s["skills"] for s in summaries)))
    index = {name: i for i, name in enumerate(names)}
    counts = np.zeros(len(names), np.int64)
    remaps = []
    for s in summaries:
        remap = np.fromiter((index[x] for x in s["skills"]), np.int64, len(s["skills"]))
        counts[remap] += s["counts"]
        remaps.append(ray.put(remap))
    reducer = ray.remote(num_returns=2)(sum_part)
    out = [reducer.remote(len(summaries), *part, *remaps) for part in pieces]
    keys = np.concatenate([np.empty(0, np.int64)] + ray.get([o[0] for o in out]))
    totals = np.concatenate([np.empty(0, np.int64)] + ray.get([o[1] for o in out]))
    order = np.argsort(keys, kind="stable")                   # parts hold disjoint pairs: concatenate, sort
    keys, totals = keys[order], totals[order]
    lo, hi, k = keys >> 32, keys & 0xFFFFFFFF, len(names)
    mat = sp.coo_array((np.r_[totals, totals], (np.r_[lo, hi], np.r_[hi, lo])), shape=(k, k))
    return Cooccurrence(tuple(names), counts, sp.csr_array(mat), sum(s["n_records"] for s in summaries))


# --------------------------------------------------------------------------------------------- tagging
class _TagActor:
    """One tagger, hence one model, per actor (a Ray actor); on a GPU when the actor was given one."""

    def __init__(self, tagger: Any, gpu: bool = False) -> None:
        self.tagger = tagger
        if gpu:
            import torch

            if torch.cuda.is_available():
                from .embed import load_model

                load_model().to("cuda")

    def tag(self, texts: list[str]) -> list:
        return self.tagger.tag(texts)


class RayTagger:
    """A :class:`~steps_core.tagging.Tagger` that spreads each call over a pool of Ray actors, each holding its
    own copy of ``tagger`` (for the :class:`~steps_core.tagging.EmbeddingTagger`: one MiniLM per actor), in
    chunks of ``chunk`` texts; results come back in input order, as ``tagger.tag`` would give them.

    ``actors`` (default and at most: as many as the cluster's CPUs, or GPUs / ``num_gpus``, hold when the pool
    starts) take one CPU each; ``num_gpus`` per actor (e.g. 1, or 0.25 to share a GPU by four) is asked of Ray
    when the cluster has GPUs, and the model is moved there.
    Give :func:`~steps_core.tagging.tag_records` a ``batch_size`` of several chunks per actor so every call
    keeps the whole pool busy. Use inside :func:`ray_session`; :meth:`close` ends the actors.
    """

    def __init__(self, tagger: Any, *, actors: int | None = None, num_gpus: float = 0.0, chunk: int = 256):
        ray = import_ray()
        if not ray.is_initialized():
            raise StepsError("RayTagger needs a Ray session (use it inside ray_session())")
        from ray.util import ActorPool

        self.tagger, self.chunk = tagger, max(1, int(chunk))
        self.name = f"{getattr(tagger, 'name', 'tagger')} on ray"
        self.catalog = getattr(tagger, "catalog", ())
        resources = ray.cluster_resources()
        gpus = float(num_gpus) if resources.get("GPU", 0) > 0 else 0.0
        fits = int(resources.get("GPU", 0) / gpus) if gpus else int(resources.get("CPU", 1))
        actors = max(1, min(fits, actors if actors is not None else fits))   # more would wait for room forever
        cls = ray.remote(num_cpus=1, num_gpus=gpus)(_TagActor)
        shared = ray.put(tagger)
        self.actors = [cls.remote(shared, gpus > 0) for _ in range(actors)]
        self.pool = ActorPool(self.actors)

    def tag(self, texts, *, progress: Progress | None = None) -> list:
        texts = list(texts)
        chunks = [texts[i:i + self.chunk] for i in range(0, len(texts), self.chunk)]
        out: list = []
        for results in self.pool.map(lambda actor, c: actor.tag.remote(c), chunks):
            out.extend(results)
            if progress is not None:
                progress(len(out), len(texts))
        return out

    def close(self) -> None:
        ray = import_ray()
        for actor in self.actors:
            ray.kill(actor)
        self.actors = []


def tag_records_ray(records, tagger: Any, *, address: str | None = None, actors: int | None = None,
                    num_gpus: float = 0.0, chunk: int = 256, **options) -> Iterator[dict]:
    """:func:`steps_core.tagging.tag_records` with the tagging spread over a pool of Ray actors
    (:class:`RayTagger`): the same records out, in the same order, with the same skills and scores. The records
    are read and the output written where this runs; ``options`` are those of ``tag_records`` (its
    ``batch_size`` defaults to two chunks per actor)."""
    from .tagging import tag_records

    with ray_session(address):
        pool = RayTagger(tagger, actors=actors, num_gpus=num_gpus, chunk=chunk)
        try:
            options.setdefault("batch_size", 2 * pool.chunk * len(pool.actors))
            yield from tag_records(records, pool, **options)
        finally:
            pool.close()
