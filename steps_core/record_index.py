"""Records of a corpus fetched by position without reading the corpus again: an index of where each record is.

:func:`steps_core.corpus.records_at` reads the corpus from the start up to the last position asked, building a
:class:`~steps_core.corpus.Record` for every record on the way (about 3 s for Ask Ubuntu's 271,233 records,
every time). A :class:`RecordIndex` reads the corpus once and keeps, for each record :func:`iter_records` yields,
the line it is on and where that line starts; :meth:`RecordIndex.records_at` then reads only the lines asked for
and gives exactly the records :func:`records_at` gives: the same positions (the tagged records, bad ones skipped
with ``skip_bad``), the same parsing (each line goes through the same functions) and the same
:class:`~steps_core.errors.InputError` naming file, line and field when a bad record or a broken file comes at or
before the last position asked (with ``skip_bad=False``).

How the lines are found:

- **JSONL**: one pass over the file's bytes split at ``\\n``. A line of the common shape (a JSON object whose
  skills are a list of names and whose ``messages``/``conversations``, if any, are a list of objects) is a
  record without more ado; any other line goes through the reader's own steps (:func:`_jsonl_record`). The
  index keeps each record's line number and the byte offset where the line starts in the (decompressed)
  stream. A plain file is then read with a seek; a gzipped one from the nearest *checkpoint*: every few MB of
  output the pass keeps a copy of the zlib decompressor with the file position it had reached (as zlib's
  ``zran`` example does), so a line costs at most that much decompression, never the whole file.
- **A gzip stream that zlib reads differently from** :mod:`gzip` (cut short, corrupt, a bad checksum,
  garbage after it) or a bad record that stops the read (``skip_bad=False``) in a gzipped file, and **every
  other format** (CSV, TSV, JSON lists, Parquet): the file is read with the reader :func:`iter_records` uses,
  every record checked as it checks them, and the index keeps each record's row (its rank among the rows the
  reader gives); a fetch reads that file's rows again up to the last one asked, building records only for
  those.

The index holds 16 bytes a record (Ask Ubuntu: 4.3 MB) and, for a gzipped file, one zlib state (about 40 KB)
every :data:`CHECKPOINT_EVERY` bytes of output. It belongs to the files as they were: :meth:`RecordIndex.fresh`
says whether they still have the size and modification time they had, and a fetch from a changed file is an
:class:`InputError`; build a new index then.

>>> import tempfile, pathlib
>>> from steps_core.corpus import records_at
>>> p = pathlib.Path(tempfile.mkdtemp()) / "c.jsonl"
>>> _ = p.write_text('{"skills": ["a"]}\\n\\n{"skills": []}\\n{"skills": "<b><c>", "text": "hi"}\\n')
>>> index = RecordIndex.build(p)
>>> len(index), [r.skills for r in index.records_at([1, 0])] == [r.skills for r in records_at(p, [1, 0])]
(2, True)
>>> index.records_at([1])[0].source.endswith("c.jsonl:4")
True
"""

from __future__ import annotations

import bisect
import os
import zlib
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from .corpus import Progress, Record, _make_record, _skills_of
from .errors import InputError
from .formats import (BOM, READERS, WHITESPACE, ReadSpec, corpus_files, is_gzip, json_type, loads_fast, parse_line,
                      read_spec)
from .graph import MAX_SKILLS_PER_RECORD

#: Bytes of decompressed output between two checkpoints of a gzipped file.
CHECKPOINT_EVERY = 1 << 21
#: Bytes read from a file at a time, and the most output one decompression step gives (a corpus of zeros would
#: otherwise give 1,000 times what was read).
_CHUNK = 1 << 18
_OUT_LIMIT = 1 << 23
#: Records between two progress reports.
_PROGRESS_EVERY = 50_000
_GZIP_WBITS = 31                       # zlib reads one gzip member (header, deflate data, CRC-32 and size)


class _Fallback(Exception):
    """The fast pass cannot vouch for this file: read it with the reader :func:`iter_records` uses."""


@dataclass(frozen=True, slots=True)
class _Checkpoint:
    raw_pos: int             # bytes of the compressed file consumed
    out_pos: int             # bytes of output produced
    state: Any               # the zlib decompressor at that point (copied before each use)


@dataclass(eq=False)
class _FileIndex:
    """Where the records of one corpus file are: line numbers, and byte offsets (JSONL read by the fast pass)
    or the rows of the reader (anything else)."""

    path: Path
    fmt: str
    stamp: tuple[int, int]
    lines: array = field(default_factory=lambda: array("q"))
    offsets: array | None = None                      # start of each record's line (fast pass)
    rows: array | None = None                         # rank among the reader's rows (reader pass)
    checkpoints: list[_Checkpoint] | None = None      # gzipped file read by the fast pass


def _stamp(path: Path) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns


# ------------------------------------------------------------------------------------------------ one line
def _jsonl_record(raw: bytes, file: Path, line: int, spec: ReadSpec) -> Record | None:
    """The record a JSONL line makes, as the reader and :func:`iter_records` make it: ``None`` for a blank line
    or an untagged record (skipped), an :class:`InputError` raised for a bad one."""
    sp = str(file)
    if line == 1 and raw.startswith(BOM):
        raw = raw[3:]
    if not raw.strip():
        return None
    obj = parse_line(raw, sp, line)
    if isinstance(obj, InputError):
        raise obj
    if not isinstance(obj, dict):
        raise InputError(f"expected a JSON object, got {json_type(obj)}", path=sp, line=line)
    skills = _skills_of(obj, spec, sp, line)
    if not skills and spec.require_skills:
        return None
    return _make_record(obj, skills, file, line)


def _common_shape(part: bytes, key: str | None) -> bool:
    """True when the line is a record :func:`_jsonl_record` accepts, checked without building it: a JSON object
    whose ``key`` holds a list of 1 to MAX_SKILLS_PER_RECORD names with something besides whitespace, and whose
    conversation (``messages``, else ``conversations``), if any, is a list of objects. Anything else (also what
    would pass) goes the long way. orjson never gives a string :func:`check_unicode` refuses (it rejects lone
    surrogates), so the names and the texts need no further check."""
    if key is None:
        return False
    try:
        obj = loads_fast(part)
    except ValueError:
        return False
    if type(obj) is not dict:
        return False
    value = obj.get(key)
    if type(value) is not list or not value or len(value) > MAX_SKILLS_PER_RECORD:
        return False
    for s in value:
        if type(s) is not str or not s.strip(WHITESPACE):
            return False
    turns = obj.get("messages")
    if turns is None:
        turns = obj.get("conversations")
    if turns is None:
        return True
    if type(turns) is not list:
        return False
    for t in turns:
        if type(t) is not dict:
            return False
    return True


# ------------------------------------------------------------------------------------------------ bytes
def _inflate(fh, d, raw_pos: int = 0, out_pos: int = 0, checkpoints: list | None = None) -> Iterator[bytes]:
    """The decompressed bytes of a gzip file (all its members, zero padding between them skipped, as
    :mod:`gzip` does), read from ``fh`` positioned at ``raw_pos`` with the decompressor ``d`` in the state it had
    there (a fresh one at the start). Appends a checkpoint to ``checkpoints`` every :data:`CHECKPOINT_EVERY`
    bytes of output. Anything zlib refuses, a stream cut short or bytes after the last member that are not
    zeros or a new member raise :class:`_Fallback`."""
    next_checkpoint = out_pos + CHECKPOINT_EVERY
    between = False                    # a member has ended: zeros or another member may follow
    pending = b""
    started = raw_pos > 0
    while True:
        if pending:
            data, pending = pending, b""
        else:
            data = fh.read(_CHUNK)
            raw_pos += len(data)
            if not data:
                if between:
                    return
                raise _Fallback("the stream ends inside a member" if started else "an empty file")
        if between:
            data = data.lstrip(b"\x00")
            if not data:
                continue
            d, between = zlib.decompressobj(_GZIP_WBITS), False
        started = True
        try:
            out = d.decompress(data, _OUT_LIMIT)
        except zlib.error as exc:
            raise _Fallback(str(exc)) from None
        if out:
            out_pos += len(out)
            yield out
        if d.eof:
            pending, between = d.unused_data, True
        elif d.unconsumed_tail:                     # output limited: the rest of the input next time
            pending = d.unconsumed_tail
        elif checkpoints is not None and out_pos >= next_checkpoint:      # all that was read is consumed
            checkpoints.append(_Checkpoint(raw_pos, out_pos, d.copy()))
            next_checkpoint = out_pos + CHECKPOINT_EVERY


def _plain_chunks(fh) -> Iterator[bytes]:
    while True:
        data = fh.read(_CHUNK)
        if not data:
            return
        yield data


# ------------------------------------------------------------------------------------------------ passes
class _Stop(Exception):
    """A bad record or a broken file ends the read here (``skip_bad=False`` or a whole-file problem)."""

    def __init__(self, error: InputError):
        super().__init__(str(error))
        self.error = error


def _fast_pass(entry: _FileIndex, spec: ReadSpec, count) -> None:
    """Index a JSONL file from its bytes (see the module docs); raises :class:`_Fallback` or :class:`_Stop`."""
    file, key = entry.path, spec.field_parts[0] if len(spec.field_parts) == 1 else None
    lines, offsets = array("q"), array("q")
    gz = is_gzip(file)
    checkpoints = [_Checkpoint(0, 0, zlib.decompressobj(_GZIP_WBITS))] if gz else None
    entry.lines, entry.offsets, entry.checkpoints = lines, offsets, checkpoints      # filled as the pass goes
    try:
        fh = open(file, "rb")
    except OSError:
        raise _Fallback("cannot open") from None

    def take(part: bytes, raw: bytes, line: int, pos: int) -> None:
        if not _common_shape(part, key):
            try:
                record = _jsonl_record(raw, file, line, spec)
            except InputError as exc:
                if not spec.skip_bad:
                    # with gzip, what comes before a broken stream depends on how it is read: let the reader say
                    raise (_Fallback("bad record") if gz else _Stop(exc)) from None
                return
            if record is None:
                return
        lines.append(line)
        offsets.append(pos)
        count()

    with fh:
        line, pos, tail = 0, 0, b""
        try:
            for chunk in (_inflate(fh, checkpoints[0].state.copy(), checkpoints=checkpoints) if gz
                          else _plain_chunks(fh)):
                parts = (tail + chunk).split(b"\n") if tail else chunk.split(b"\n")
                tail = parts.pop()
                for part in parts:
                    line += 1
                    raw = part + b"\n"
                    take(part, raw, line, pos)
                    pos += len(raw)
        except OSError:
            raise _Fallback("cannot read") from None
        if tail:
            take(tail, tail, line + 1, pos)


def _reader_pass(entry: _FileIndex, spec: ReadSpec, count) -> None:
    """Index a file with the reader :func:`iter_records` uses, each record checked as it checks them."""
    file, sp = entry.path, str(entry.path)
    lines, rows = array("q"), array("q")
    entry.lines, entry.rows, entry.offsets, entry.checkpoints = lines, rows, None, None
    rows_read = READERS[entry.fmt](file, spec, None)
    try:
        for row, (line, obj) in enumerate(rows_read):
            try:
                if isinstance(obj, InputError):
                    raise obj
                skills = _skills_of(obj, spec, sp, line)
                if not skills and spec.require_skills:
                    continue
                _make_record(obj, skills, file, line)
            except InputError as exc:
                if not spec.skip_bad:
                    raise _Stop(exc) from None
                continue
            lines.append(line)
            rows.append(row)
            count()
    except InputError as exc:                     # a problem with the whole file stops any read
        raise _Stop(exc) from None
    finally:
        rows_read.close()


# ------------------------------------------------------------------------------------------------ the index
class RecordIndex:
    """Where each record of a corpus is (see the module docs): build it once with :meth:`build`, then
    :meth:`records_at` reads only the records asked for.

    ``len(index)`` is the number of records :func:`iter_records` yields before it stops; :attr:`error` is the
    :class:`InputError` it stops with (``skip_bad=False``), or ``None`` when it reads to the end.
    """

    def __init__(self, spec: ReadSpec, files: list[_FileIndex], error: InputError | None):
        self.spec = spec
        self.files = files
        self.error = error
        self._starts = [0]
        for f in files:
            self._starts.append(self._starts[-1] + len(f.lines))

    def __len__(self) -> int:
        return self._starts[-1]

    @classmethod
    def build(cls, path: str | Path, *, format: str | None = None, skills_field: str = "skills", lang: str = "en",
              skip_bad: bool = False, require_skills: bool = True, progress: Progress | None = None) -> "RecordIndex":
        """Read the corpus at ``path`` (a file or a folder of shards) once and index its records; the options are
        those of :func:`iter_records`. A path that is missing or of no known format raises as there; a bad record
        or a broken file is kept (:attr:`error`) and raised by :meth:`records_at` when a position asked lies at
        or after it. ``progress(records_indexed, None)`` is called every few tens of thousands of records."""
        spec = read_spec(format=format, skills_field=skills_field, lang=lang, skip_bad=skip_bad,
                         require_skills=require_skills)
        files: list[_FileIndex] = []
        done = 0

        def count() -> None:
            nonlocal done
            done += 1
            if progress is not None and done % _PROGRESS_EVERY == 0:
                progress(done, None)

        error = None
        for file, fmt in corpus_files(path, spec.format):
            entry = _FileIndex(file, fmt, _stamp(file))
            files.append(entry)
            before = done
            try:
                if fmt != "jsonl":
                    raise _Fallback(fmt)
                _fast_pass(entry, spec, count)
            except _Fallback:
                done = before
                try:
                    _reader_pass(entry, spec, count)
                except _Stop as stop:
                    error = stop.error
            except _Stop as stop:
                error = stop.error
            if error is not None:
                break
        if progress is not None:
            progress(done, None)
        return cls(spec, files, error)

    def fresh(self) -> bool:
        """Whether every indexed file still has the size and modification time it had when it was indexed."""
        try:
            return all(_stamp(f.path) == f.stamp for f in self.files)
        except OSError:
            return False

    def records_at(self, positions: Iterable[int]) -> list[Record]:
        """The records at ``positions`` (0-based, as :func:`steps_core.corpus.records_at` counts them), in the
        order asked, positions past the end left out; exactly what ``records_at(path, positions, **options)``
        gives, also the error it raises."""
        wanted = list(dict.fromkeys(int(p) for p in positions))
        if not wanted:
            return []
        if self.error is not None and max(max(wanted), 0) >= len(self):
            raise self.error
        by_file: dict[int, list[tuple[int, int]]] = {}
        for p in wanted:
            if 0 <= p < len(self):
                k = bisect.bisect_right(self._starts, p) - 1
                by_file.setdefault(k, []).append((p - self._starts[k], p))
        found: dict[int, Record] = {}
        for k, items in by_file.items():
            entry = self.files[k]
            try:
                current = _stamp(entry.path) == entry.stamp
            except OSError:
                current = False
            if not current:
                raise InputError("the file changed (or went) since it was indexed: index the corpus again",
                                 path=str(entry.path))
            fetch = _fetch_lines if entry.offsets is not None else _fetch_rows
            for (_, p), record in zip(items, fetch(entry, self.spec, [i for i, _ in items])):
                found[p] = record
        return [found[p] for p in wanted if p in found]


# ------------------------------------------------------------------------------------------------ fetching
def _fetch_lines(entry: _FileIndex, spec: ReadSpec, items: list[int]) -> list[Record]:
    """Records of a file indexed by the fast pass: each line read from its offset."""
    out = []
    with open(entry.path, "rb") as fh:
        for i in items:
            raw = _line_at(fh, entry, entry.offsets[i])
            record = _jsonl_record(raw, entry.path, entry.lines[i], spec)
            if record is None:         # pragma: no cover - the pass indexed only lines that make records
                raise InputError("the file changed since it was indexed: index the corpus again",
                                 path=str(entry.path), line=entry.lines[i])
            out.append(record)
    return out


def _line_at(fh, entry: _FileIndex, offset: int) -> bytes:
    """The line starting at byte ``offset`` of the (decompressed) file, with its ``\\n`` if it has one."""
    if entry.checkpoints is None:
        fh.seek(offset)
        return fh.readline()
    k = bisect.bisect_right([c.out_pos for c in entry.checkpoints], offset) - 1
    cp = entry.checkpoints[k]
    fh.seek(cp.raw_pos)
    parts, pos = [], cp.out_pos
    try:
        for chunk in _inflate(fh, cp.state.copy(), cp.raw_pos, cp.out_pos):
            start = max(offset - pos, 0)
            pos += len(chunk)
            if pos <= offset:
                continue
            end = chunk.find(b"\n", start)
            if end >= 0:
                parts.append(chunk[start:end + 1])
                break
            parts.append(chunk[start:])
    except _Fallback as exc:           # pragma: no cover - the pass read the same bytes without a problem
        raise InputError(f"cannot decompress ({exc}): the file changed since it was indexed",
                         path=str(entry.path)) from None
    return b"".join(parts)


def _fetch_rows(entry: _FileIndex, spec: ReadSpec, items: list[int]) -> list[Record]:
    """Records of a file indexed by the reader pass: its rows read again up to the last one asked."""
    want = {entry.rows[i]: i for i in items}
    last = max(want)
    made: dict[int, Record] = {}
    sp = str(entry.path)
    rows_read = READERS[entry.fmt](entry.path, spec, None)
    try:
        for row, (line, obj) in enumerate(rows_read):
            if row in want:
                if isinstance(obj, InputError):      # pragma: no cover - the pass indexed good records only
                    raise obj
                made[want[row]] = _make_record(obj, _skills_of(obj, spec, sp, line), entry.path, line)
            if row >= last:
                break
    finally:
        rows_read.close()
    return [made[i] for i in items]
