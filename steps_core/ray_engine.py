"""Co-occurrence counting on Ray (``engine="ray"``), for corpora spread over many shard files.

The corpus is a file, a folder of shards, a glob (``data/**/*.jsonl.gz``) or a URI of any fsspec or pyarrow
filesystem (``s3://bucket/corpus/``, ``gs://...``, ``file:///...``; globs too). It is read shard by shard:

1. **Map.** One Ray task per shard file reads it with the in-memory engine itself
   (:func:`steps_core.corpus.load_cooccurrence` with ``engine="memory"``: the same readers, the same rules for
   bad and untagged records, the same pair keys) and returns the shard's counts as a table of rows
   ``(a, b, n)``: ``a == b`` for a skill (n_i), ``a < b`` for a pair (c_ij), by name, so shards need no
   shared vocabulary. A shard on a remote filesystem is first copied to a temporary file on the worker;
   its messages name the URI, not the copy.
2. **Reduce.** A Ray Data ``groupby(["a", "b"]).sum("n")`` adds the shards' tables up across the cluster
   (a sort-based shuffle: no actors to start, a few seconds of overhead on a small run).
3. The driver turns the summed table into the :class:`~steps_core.graph.Cooccurrence` the memory engine
   returns (skills sorted by name, the same counts, pairs and number of records) and adds the shards'
   :class:`~steps_core.corpus.ReadReport` counts up in file order, keeping the first bad-record messages
   exactly as the memory engine would.

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import scipy.sparse as sp

from .corpus import ReadReport, load_cooccurrence
from .errors import EnvironmentFault, InputError, StepsError
from .formats import corpus_files, detect_format, name_format, read_spec
from .graph import Cooccurrence, Progress
from .names import INPUT_FORMATS

#: What to install when Ray is missing.
RAY_MISSING = "the ray engine needs Ray Data: pip install 'steps-studio[ray]' (or: pip install 'ray[data]')"
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


def _shard_table(cooc: Cooccurrence | None):
    """A shard's counts as an Arrow table ``a, b, n``: one row ``(s, s, n_s)`` per skill, one ``(s, t, c_st)``
    per pair with ``s < t``."""
    import pyarrow as pa

    if cooc is None or not cooc.n_skills:
        return pa.table({"a": pa.array([], pa.large_string()), "b": pa.array([], pa.large_string()),
                         "n": pa.array([], pa.int64())})
    skills = pa.array(cooc.skills, pa.large_string())
    up = sp.triu(cooc.pairs, k=1).tocoo()
    return pa.table({"a": pa.concat_arrays([skills, skills.take(pa.array(up.row))]),
                     "b": pa.concat_arrays([skills, skills.take(pa.array(up.col))]),
                     "n": pa.array(np.r_[cooc.counts, up.data].astype(np.int64))})


def count_shard(index: int, shard: Shard, options: dict, tracker: Any = None) -> tuple[dict, Any]:
    """Count one shard with the memory engine (run as a Ray task): ``(summary, table)``, the summary holding the
    shard's report counts and messages, and the :class:`InputError` (or other located error) that stopped it,
    if one did."""
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
    table = _shard_table(cooc)
    summary = {"n_records": report.n_records, "n_skipped": report.n_skipped, "n_untagged": report.n_untagged,
               "n_without_skills": report.n_without_skills, "n_rows": table.num_rows,
               "files": [_repath(f, local, shard.source) for f in report.files],
               "errors": [_repath(m, local, shard.source) for m in report.errors],
               "notes": [_repath(m, local, shard.source) for m in report.notes], "error": error}
    return summary, table


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
        import ray.data  # noqa: F401
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


@contextlib.contextmanager
def _quiet_data(ray):
    """Ray Data without its progress bars and log lines (ours show progress), sorting rather than hashing in
    the shuffle (no aggregator actors to start); the caller's settings restored after."""
    from ray.data.context import ShuffleStrategy

    ctx = ray.data.DataContext.get_current()
    saved = ctx.enable_progress_bars, ctx.shuffle_strategy
    logger = logging.getLogger("ray.data")
    level = logger.level
    ctx.enable_progress_bars, ctx.shuffle_strategy = False, ShuffleStrategy.SORT_SHUFFLE_PULL_BASED
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        ctx.enable_progress_bars, ctx.shuffle_strategy = saved
        logger.setLevel(level)


def count_cooccurrences_ray(path: str | os.PathLike, *, address: str | None = None,
                            progress: Progress | None = None, format: str | None = None,
                            skills_field: str = "skills", lang: str = "en", skip_bad: bool = False,
                            report: ReadReport | None = None) -> Cooccurrence:
    """Count skills and skill pairs of a sharded corpus on Ray; the same result and report as
    ``load_cooccurrence(path, engine="memory", ...)`` (see the module docs). ``progress(records_done, None)``
    is called about twice a second while the shards are read."""
    spec = read_spec(format=format, skills_field=skills_field, lang=lang, skip_bad=skip_bad)
    report = report if report is not None else ReadReport()
    shards = shard_files(path, spec.format)
    options = {"skills_field": spec.skills_field, "lang": spec.lang, "skip_bad": spec.skip_bad,
               "max_errors": report.max_errors}
    with ray_session(address) as ray:
        summaries, tables = _map_shards(ray, shards, options, progress)
        for s in summaries:
            _merge(report, s)
        n_records = sum(s["n_records"] for s in summaries)
        with _quiet_data(ray):
            summed = _reduce(ray, [t for t, s in zip(tables, summaries) if s["n_rows"]])
        return _cooccurrence(summed, n_records)          # inside the session: the table may live in its memory


def _map_shards(ray, shards: list[Shard], options: dict, progress: Progress | None) -> tuple[list[dict], list]:
    """Run one counting task per shard; the summaries in shard order and the refs of their tables. Raises the
    first error in shard order once every earlier shard is done, cancelling the rest."""
    tracker = ray.remote(num_cpus=0)(_Tracker).remote() if progress is not None else None
    task = ray.remote(num_returns=2)(count_shard)
    refs = [task.remote(i, s, options, tracker) for i, s in enumerate(shards)]
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
    return summaries, [r[1] for r in refs]


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


def _reduce(ray, tables: list):
    """The shards' tables summed by ``(a, b)`` with a Ray Data groupby: one Arrow table ``a, b, n``."""
    import pyarrow as pa

    if not tables:
        return pa.table({"a": pa.array([], pa.large_string()), "b": pa.array([], pa.large_string()),
                         "n": pa.array([], pa.int64())})
    cpus = int(ray.cluster_resources().get("CPU", 1))
    grouped = ray.data.from_arrow_refs(tables).groupby(["a", "b"], num_partitions=max(1, min(len(tables), cpus)))
    parts = [t for t in ray.get(grouped.sum("n").to_arrow_refs()) if t.num_rows]
    if not parts:
        return _reduce(ray, [])
    out = pa.concat_tables(parts, promote_options="permissive")
    total = next(c for c in out.column_names if c not in ("a", "b"))
    return pa.table({"a": out["a"], "b": out["b"], "n": out[total]})


def _cooccurrence(table, n_records: int) -> Cooccurrence:
    """The :class:`Cooccurrence` of a summed ``a, b, n`` table, built as the memory engine builds its own."""
    import pyarrow as pa
    import pyarrow.compute as pc

    a, b, n = table["a"], table["b"], table["n"]
    diagonal = pc.equal(a, b)
    names = sorted(pc.filter(a, diagonal).to_pylist())
    vocabulary = pa.array(names, pa.large_string())

    def positions(values) -> np.ndarray:           # every name of a pair has its own row, so none is missing
        found = pc.index_in(values, value_set=vocabulary)
        assert found.null_count == 0, "a pair names a skill without a count"
        return np.asarray(found.to_numpy(), np.int64)

    k = len(names)
    counts = np.zeros(k, np.int64)
    counts[positions(pc.filter(a, diagonal))] = np.asarray(pc.filter(n, diagonal).to_numpy(), np.int64)
    off = pc.invert(diagonal)
    lo, hi = positions(pc.filter(a, off)), positions(pc.filter(b, off))
    c = np.asarray(pc.filter(n, off).to_numpy(), np.int64)
    order = np.lexsort((hi, lo))
    lo, hi, c = lo[order], hi[order], c[order]
    mat = sp.coo_array((np.r_[c, c], (np.r_[lo, hi], np.r_[hi, lo])), shape=(k, k))
    return Cooccurrence(tuple(names), counts, sp.csr_array(mat), n_records)
