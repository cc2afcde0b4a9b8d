"""Corpus files: which format a file is in (its name, else its content; gzip looked through), the files of a
corpus (a file or a folder of shards), and a row reader per format (:data:`READERS`) that yields every record as
a JSON-like object with its file and line, errors located. Skills, text and records are :mod:`steps_core.corpus`'s
business; the DuckDB engine (:mod:`steps_core.duck`) reads the same files with :func:`csv_header`,
:func:`check_columns` and :func:`parquet_file`."""

from __future__ import annotations

import codecs
import csv
import gzip
import json
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Iterator, Sequence

from .errors import InputError
from .names import INPUT_FORMATS, LANGS

#: File name endings and the format they mean (each may be followed by :data:`GZIP_SUFFIX`).
EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv", ".tsv": "tsv", ".tab": "tsv",
              ".parquet": "parquet", ".pq": "parquet"}
#: The name ending of a gzip-compressed corpus file (``c.jsonl.gz``).
GZIP_SUFFIX = ".gz"
#: Field separators of the delimited formats.
DELIMITERS = {"csv": ",", "tsv": "\t"}
#: CSV columns whose cells are decoded when they hold a JSON object or list.
STRUCTURED_COLUMNS = ("messages", "conversations", "label", "instances")

#: Whitespace stripped from skill names (ASCII only, so that the DuckDB path strips exactly the same).
WHITESPACE = " \t\n\r\f\v"

try:  # orjson parses JSONL several times faster; the standard library is the fallback
    import orjson

    loads_fast = orjson.loads
except ImportError:  # pragma: no cover - orjson is installed here
    orjson = None
    loads_fast = json.loads

BOM = b"\xef\xbb\xbf"
#: What a broken gzip stream raises while it is read.
_READ_ERRORS = (OSError, EOFError, zlib.error)

# --------------------------------------------------------------------------------------------- options
@dataclass(frozen=True, slots=True)
class ReadSpec:
    """Validated reading options (see :func:`iter_records`)."""

    format: str | None = None
    skills_field: str = "skills"
    lang: str = "en"
    skip_bad: bool = False
    require_skills: bool = True     # False: untagged records are yielded (with skills=()) rather than skipped

    @property
    def field_parts(self) -> tuple[str, ...]:
        return tuple(self.skills_field.split("."))

    @property
    def uses_label_fallback(self) -> bool:
        """True when a missing ``skills`` falls back to Infinity-Instruct's ``label.ability_<lang>``."""
        return self.skills_field == "skills"

    @property
    def label_field(self) -> str:
        return f"label.ability_{self.lang}"


def read_spec(*, format: str | None = None, skills_field: str = "skills", lang: str = "en",
              skip_bad: bool = False, require_skills: bool = True) -> ReadSpec:
    """Validate reading options once, at the boundary."""
    if format is not None:
        format = str(format).strip().lower()
        if format not in INPUT_FORMATS:
            raise InputError(f"unknown format {format!r}; choose one of {', '.join(INPUT_FORMATS)}", field="format")
    if not isinstance(skills_field, str) or not skills_field.strip() or any(not p for p in skills_field.split(".")):
        raise InputError(f"skills field must be a non-empty name (dots for nested fields), got {skills_field!r}",
                         field="skills_field")
    if lang not in LANGS:
        raise InputError(f"unknown language {lang!r}; choose one of {', '.join(LANGS)}", field="lang")
    return ReadSpec(format, skills_field.strip(), lang, bool(skip_bad), bool(require_skills))



# --------------------------------------------------------------------------------------------- files
def is_gzip(path: str | Path) -> bool:
    """True when the file's name says it is gzip-compressed (ends in :data:`GZIP_SUFFIX`)."""
    return Path(path).suffix.lower() == GZIP_SUFFIX


def name_format(path: str | Path) -> str | None:
    """The format a file's name means (a ``.gz`` ending looked through), or ``None``.

    >>> name_format("q.jsonl.gz"), name_format("t.TAB"), name_format("notes.gz")
    ('jsonl', 'tsv', None)
    """
    path = Path(path)
    if is_gzip(path):
        path = path.with_suffix("")
    return EXTENSIONS.get(path.suffix.lower())


def open_corpus_file(path: str | Path) -> BinaryIO:
    """Open a corpus file for reading bytes, decompressing as it is read when it is gzipped (:func:`is_gzip`).

    A broken gzip stream shows when the data is read: :func:`numbered_lines` and :class:`_TextChunks` turn
    that into an :class:`InputError` naming the line.
    """
    try:
        return gzip.open(path, "rb") if is_gzip(path) else open(path, "rb")
    except OSError as exc:
        raise InputError(f"cannot read file ({exc.strerror or exc})", path=str(path)) from None


def _read_error(exc: BaseException, path: str, line: int) -> InputError:
    what = "cannot decompress" if is_gzip(path) else "cannot read"
    return InputError(f"{what} ({exc})", path=path, line=line)


def numbered_lines(fh: BinaryIO, path: str) -> Iterator[tuple[int, bytes]]:
    """``(line number, line)`` of a file opened with :func:`open_corpus_file`; read errors are located."""
    line = 0
    try:
        for line, raw in enumerate(fh, 1):
            yield line, raw
    except _READ_ERRORS as exc:
        raise _read_error(exc, path, line + 1) from None


def read_head(path: str | Path, size: int) -> bytes:
    """The first ``size`` bytes of a corpus file (decompressed when gzipped)."""
    with open_corpus_file(path) as fh:
        try:
            return fh.read(size)
        except _READ_ERRORS as exc:
            raise _read_error(exc, str(path), 1) from None


def detect_format(path: str | Path) -> str:
    """The format of one corpus file, from its name (a ``.gz`` ending looked through), else from its first
    (decompressed) bytes.

    A ``.json`` file starting with ``{`` is JSONL; a file starting with ``PAR1`` is Parquet.
    """
    path = Path(path)
    ext = name_format(path)
    if ext in ("jsonl", "csv", "tsv", "parquet"):
        return ext
    head = read_head(path, 4096)
    if head.startswith(b"PAR1"):
        return "parquet"
    first = head.removeprefix(BOM).lstrip()[:1]
    if first == b"{":
        return "jsonl"
    if first == b"[":
        return "json"
    if ext == "json":
        return "json"
    raise InputError("unknown format: cannot tell it from the file name or content; pass --format "
                     f"({'|'.join(INPUT_FORMATS)})", path=str(path), field="format")


def corpus_files(path: str | Path, format: str | None = None) -> list[tuple[Path, str]]:
    """The files of a corpus with their formats: ``path`` itself, or the shard files in a folder.

    A folder is searched recursively (hive-style ``key=value/`` folders work) for files with a known
    extension (also gzipped: ``part-0.jsonl.gz``), skipping names starting with ``.`` or ``_``; files are taken
    in sorted path order.
    """
    path = Path(path)
    if format is not None and format not in INPUT_FORMATS:
        raise InputError(f"unknown format {format!r}; choose one of {', '.join(INPUT_FORMATS)}", field="format")
    if not path.exists():
        raise InputError("file not found", path=str(path))
    if path.is_file():
        return [(path, format or detect_format(path))]
    found = []
    for p in sorted(path.rglob("*")):
        rel = p.relative_to(path).parts
        if not p.is_file() or any(part.startswith((".", "_")) for part in rel):
            continue
        fmt = name_format(p)
        if fmt is None or (format is not None and fmt != format and not (format == "jsonl" and fmt == "json")):
            continue
        found.append((p, format or detect_format(p)))
    if not found:
        want = format or "/".join(INPUT_FORMATS)
        raise InputError(f"no corpus files ({want}) in this folder", path=str(path))
    return found


# --------------------------------------------------------------------------------------------- readers
# Each reader yields (line_or_row, obj) where obj is a dict, or an InputError for a bad record that a
# caller may skip. File-level problems are raised.
Rows = Iterator[tuple[int, Any]]


def _json_error(raw: bytes, path: str, line: int) -> InputError:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return InputError(f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})",
                          path=path, line=line)
    try:
        json.loads(text.rstrip("\r\n"))  # a line cut at its end: the column of the cut, not of line 2
    except json.JSONDecodeError as exc:
        return InputError(f"invalid JSON: {exc.msg} (column {exc.colno})", path=path, line=line)
    return InputError("invalid JSON", path=path, line=line)  # pragma: no cover - orjson stricter than json


def parse_line(raw: bytes, path: str, line: int) -> Any:
    try:
        return loads_fast(raw)
    except ValueError:
        pass
    try:   # the standard library also accepts NaN / Infinity, as DuckDB does
        return json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return _json_error(raw, path, line)


def _rows_jsonl(path: Path, spec: ReadSpec, columns: Sequence[str] | None) -> Rows:
    sp = str(path)
    with open_corpus_file(path) as fh:
        for lineno, raw in numbered_lines(fh, sp):
            if lineno == 1 and raw.startswith(BOM):
                raw = raw[3:]
            if not raw.strip():
                continue
            obj = parse_line(raw, sp, lineno)
            if not isinstance(obj, (dict, InputError)):
                obj = InputError(f"expected a JSON object, got {json_type(obj)}", path=sp, line=lineno)
            yield lineno, obj


def json_type(obj: Any) -> str:
    return {list: "list", str: "string", int: "number", float: "number", bool: "boolean",
            type(None): "null"}.get(type(obj), type(obj).__name__)


class _TextChunks:
    """UTF-8 text of a binary file, chunk by chunk, with decoding and read errors located by line."""

    def __init__(self, fh, path: str, size: int = 1 << 20):
        self.fh, self.path, self.size = fh, path, size
        self.dec = codecs.getincrementaldecoder("utf-8-sig")()
        self.lines_before = 0
        self.eof = False
        self.error: BaseException | None = None     # a read error, raised after the data read before it

    def _bytes(self) -> bytes:
        if self.error is not None:
            raise _read_error(self.error, self.path, self.lines_before + 1)
        parts, n = [], 0
        try:
            while n < self.size:     # read1: a broken gzip stream still gives the data before the break
                piece = self.fh.read1(self.size - n)
                if not piece:
                    break
                parts.append(piece)
                n += len(piece)
        except _READ_ERRORS as exc:
            if not parts:
                raise _read_error(exc, self.path, self.lines_before + 1) from None
            self.error = exc
        return b"".join(parts)

    def read(self) -> str:
        data = self._bytes()
        self.eof = not data
        try:
            text = self.dec.decode(data, final=self.eof)
        except UnicodeDecodeError as exc:
            line = self.lines_before + data.count(b"\n", 0, max(exc.start, 0)) + 1
            raise InputError(f"not valid UTF-8 ({exc.reason})", path=self.path, line=line) from None
        self.lines_before += data.count(b"\n")
        return text


def _rows_json(path: Path, spec: ReadSpec, columns: Sequence[str] | None) -> Rows:
    """Stream the elements of a JSON list without loading the file (elements located by their first line)."""
    sp = str(path)
    decoder = json.JSONDecoder()
    with open_corpus_file(path) as fh:
        src = _TextChunks(fh, sp)
        buf, pos, line, counted = "", 0, 1, 0

        def at(i: int) -> int:          # line number of buf[i]
            nonlocal line, counted
            if i >= counted:
                line += buf.count("\n", counted, i)
                counted = i
                return line
            return line - buf.count("\n", i, counted)

        def skip_ws() -> bool:           # advance pos to the next non-space; False at end of input
            nonlocal buf, pos, counted
            while True:
                while pos < len(buf) and buf[pos] in " \t\r\n":
                    pos += 1
                if pos < len(buf):
                    return True
                if src.eof:
                    return False
                at(pos)
                buf, pos, counted = src.read(), 0, 0

        if not skip_ws():
            raise InputError("empty file: expected a JSON list of objects", path=sp, line=1)
        if buf[pos] != "[":
            raise InputError(f"expected a JSON list of objects, found {buf[pos]!r}", path=sp, line=at(pos))
        pos += 1
        first = True
        while True:
            if not skip_ws():
                raise InputError("invalid JSON: the list is not closed (missing ']')", path=sp, line=at(pos))
            if buf[pos] == "]":
                pos += 1
                if skip_ws():
                    raise InputError("invalid JSON: extra data after the list", path=sp, line=at(pos))
                return
            if not first:
                if buf[pos] != ",":
                    raise InputError(f"invalid JSON: expected ',' or ']' between elements, found {buf[pos]!r}",
                                     path=sp, line=at(pos))
                pos += 1
                if not skip_ws():
                    raise InputError("invalid JSON: the list is not closed (missing ']')", path=sp, line=at(pos))
            first = False
            while True:
                try:
                    obj, end = decoder.raw_decode(buf, pos)
                    if end < len(buf) or src.eof:
                        break
                except json.JSONDecodeError as exc:
                    near_end = exc.pos >= len(buf) - 64 or exc.msg.startswith("Unterminated string")
                    if src.eof or not near_end:
                        raise InputError(f"invalid JSON: {exc.msg}", path=sp, line=at(exc.pos)) from None
                at(pos)                               # need more text for this element
                buf, counted = buf[pos:] + src.read(), counted - pos
                pos = 0
            where = at(pos)
            if not isinstance(obj, dict):
                obj = InputError(f"expected a JSON object, got {json_type(obj)}", path=sp, line=where)
            yield where, obj
            pos = end
            if pos > (1 << 20):
                at(pos)
                buf, pos, counted = buf[pos:], 0, 0


def csv_lines(fh, bad: dict[int, str], path: str = "") -> Iterator[str]:
    for n, raw in numbered_lines(fh, path):
        if n == 1 and raw.startswith(BOM):
            raw = raw[3:]
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad[n] = f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})"
            yield raw.decode("utf-8", "replace")


def _decode_cell(value: str) -> Any:
    s = value.lstrip()
    if not s:
        return None           # an empty cell of a structured column: no such field
    if s[:1] in ("{", "["):
        try:
            obj = json.loads(s)
        except json.JSONDecodeError:
            return value
        if isinstance(obj, (dict, list)):
            return obj
    return value


def csv_header(path: Path, fmt: str = "csv") -> list[str]:
    """The header row of a CSV or TSV file (``fmt``), names stripped."""
    with open_corpus_file(path) as fh:
        reader = csv.reader(csv_lines(fh, {}, str(path)), delimiter=DELIMITERS[fmt])
        try:
            header = next(reader, None)
        except csv.Error as exc:
            raise InputError(f"malformed {fmt.upper()} header: {exc}", path=str(path), line=1) from None
    if not header:
        raise InputError("empty file: expected a header row", path=str(path), line=1)
    return [h.strip(WHITESPACE) for h in header]


def located_rows(fh: BinaryIO, path: str, fmt: str = "csv") -> Iterator[tuple[int, list[str], str | None]]:
    """The rows of a delimited text file (``fmt`` csv or tsv), each with the line it starts on and the problem
    found while decoding its lines (None when there is none); a malformed file raises, naming the line."""
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    bad: dict[int, str] = {}
    reader = csv.reader(csv_lines(fh, bad, path), delimiter=DELIMITERS[fmt])
    before = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputError(f"malformed {fmt.upper()}: {exc}", path=path, line=reader.line_num) from None
        start, before = before + 1, reader.line_num
        yield start, row, next((bad.pop(n) for n in range(start, before + 1) if n in bad), None)


def _rows_csv(path: Path, spec: ReadSpec, columns: Sequence[str] | None, fmt: str = "csv") -> Rows:
    """Rows of a CSV file, or of a TSV file with ``fmt="tsv"`` (the same rules, tab-separated)."""
    sp = str(path)
    structured = set(STRUCTURED_COLUMNS) | ({spec.field_parts[0]} if len(spec.field_parts) > 1 else set())
    with open_corpus_file(path) as fh:
        header = None
        for start, row, problem in located_rows(fh, sp, fmt):
            if header is None:
                if problem:
                    raise InputError(problem, path=sp, line=start)
                header = [h.strip(WHITESPACE) for h in row]
                check_columns(header, spec, sp, kind="column")
                continue
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if problem:
                yield start, InputError(problem, path=sp, line=start)
            elif len(row) != len(header):
                yield start, InputError(f"expected {len(header)} fields (as in the header), found {len(row)}",
                                        path=sp, line=start)
            else:
                yield start, {h: (_decode_cell(v) if h in structured else v) for h, v in zip(header, row)}
        if header is None:
            raise InputError("empty file: expected a header row", path=sp, line=1)


def check_columns(names: Sequence[str], spec: ReadSpec, path: str, *, kind: str) -> None:
    """A tabular file (CSV, TSV, Parquet) must have the skills column when skills are required."""
    if not spec.require_skills:
        return
    top = spec.field_parts[0]
    if top in names or spec.skills_field in names or (spec.uses_label_fallback and "label" in names):
        return
    raise InputError(f"missing {kind} {spec.skills_field!r} (found: {', '.join(names) or 'none'}); "
                     "name the skills column with --skills-field", path=path, line=1 if kind == "column" else None,
                     field=spec.skills_field)


def parquet_file(path: Path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    if is_gzip(path):
        raise InputError("a gzip-compressed Parquet file cannot be read: Parquet compresses inside; "
                         "decompress it (gunzip) first", path=str(path))
    try:
        return pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"not a readable Parquet file ({exc})", path=str(path)) from None


def _rows_parquet(path: Path, spec: ReadSpec, columns: Sequence[str] | None) -> Rows:
    import pyarrow as pa

    sp = str(path)
    pf = parquet_file(path)
    names = pf.schema_arrow.names
    check_columns(names, spec, sp, kind="column")
    cols = None if columns is None else list(dict.fromkeys(c for c in columns if c in names)) or None
    row = 0
    try:
        for batch in pf.iter_batches(batch_size=8192, columns=cols):
            for obj in batch.to_pylist():
                row += 1
                yield row, obj
    except pa.ArrowException as exc:
        raise InputError(f"cannot read Parquet data ({exc})", path=sp, line=row + 1) from None


def _rows_tsv(path: Path, spec: ReadSpec, columns: Sequence[str] | None) -> Rows:
    return _rows_csv(path, spec, columns, "tsv")


READERS = {"jsonl": _rows_jsonl, "json": _rows_json, "csv": _rows_csv, "tsv": _rows_tsv, "parquet": _rows_parquet}


def parquet_rows(files: Sequence[tuple[Path, str]]) -> int | None:
    total = 0
    for p, fmt in files:
        if fmt != "parquet":
            return None
        total += parquet_file(p).metadata.num_rows
    return total


