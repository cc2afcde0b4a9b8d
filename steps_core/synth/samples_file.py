"""``samples.jsonl``: one sample (or graded sample, or evaluation record) per line, appended the moment it is
made; reading it back (the last line of an id wins, a line cut short by a crash is skipped), resuming from
it, and compacting it to one line per id."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..errors import InputError, from_os_error
from ..io import bad_json_value, check_output, guarded_output, json_text

log = logging.getLogger(__name__)


def _check_sample(obj: Any, *, path: str, line: int) -> dict:
    """Validate one line of samples.jsonl: the fields that export, grade and the workspace rely on."""
    def bad(message: str, field: str | None = None) -> InputError:
        return InputError(message, path=path, line=line, field=field)

    if not isinstance(obj, dict):
        raise bad("expected a JSON object")
    if not isinstance(obj.get("id"), str) or not obj["id"]:
        raise bad("missing or empty", "id")
    if obj.get("status") not in ("ok", "failed"):
        raise bad(f"expected 'ok' or 'failed', got {obj.get('status')!r}", "status")
    skills = obj.get("skills")
    if not isinstance(skills, list) or not all(isinstance(x, str) and x.strip() for x in skills):
        raise bad("expected a list of skill names", "skills")
    k = obj.get("k", len(set(skills)))
    if isinstance(k, bool) or not isinstance(k, int) or k != len(set(skills)):
        raise bad(f"expected the number of distinct skills ({len(set(skills))}), got {k!r}", "k")
    if not isinstance(obj.get("style", ""), str):
        raise bad(f"expected a style name, got {obj.get('style')!r}", "style")
    if not isinstance(obj.get("provenance", {}), dict):
        raise bad(f"expected an object, got {type(obj.get('provenance')).__name__}", "provenance")
    msgs = obj.get("messages")
    if not isinstance(msgs, list) or not all(isinstance(m, dict) and m.get("role") in ("system", "user", "assistant")
                                             and isinstance(m.get("content"), str) for m in msgs):
        raise bad('expected a list of {"role": "system"|"user"|"assistant", "content": text} objects', "messages")
    if obj["status"] == "ok" and (not msgs or msgs[-1]["role"] != "assistant"):
        raise bad("an ok sample needs a conversation ending with an assistant turn", "messages")
    if obj.get("accepted") not in (None, True, False):
        raise bad("expected true, false or null", "accepted")
    found = bad_json_value(obj)
    if found is not None:
        raise bad(found[1], found[0])
    return obj


def _check_record(obj: Any, *, path: str, line: int) -> dict:
    """The minimum of any results line (eval records): a JSON object with a non-empty string id, holding
    only values JSON can (no NaN, no lone surrogate)."""
    if not isinstance(obj, dict):
        raise InputError("expected a JSON object", path=path, line=line)
    if not isinstance(obj.get("id"), str) or not obj["id"]:
        raise InputError("missing or empty", path=path, line=line, field="id")
    found = bad_json_value(obj)
    if found is not None:
        raise InputError(found[1], path=path, line=line, field=found[0])
    return obj


def _read_lines(path: Path, validate: bool) -> tuple[list[dict], int]:
    """The records of a results JSONL file, last line per id (see :func:`read_samples`), and the number
    of non-blank lines."""
    check = _check_sample if validate else _check_record
    by_id: dict[str, dict] = {}
    n_lines = 0
    with path.open("rb") as fh:
        lines = list(fh)
    for lineno, raw in enumerate(lines, start=1):
        cut_short = lineno == len(lines) and not raw.endswith(b"\n")  # a write interrupted by a crash
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            if cut_short:
                log.warning("%s:%d: skipping a line cut short (inside a character)", path, lineno)
                continue
            raise InputError(f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})",
                             path=str(path), line=lineno) from None
        if not line.strip():
            continue
        n_lines += 1
        try:
            obj = json.loads(line.rstrip("\r\n"))
        except json.JSONDecodeError as exc:
            if cut_short:
                log.warning("%s:%d: skipping a line cut short (%s)", path, lineno, exc.msg)
                n_lines -= 1
                continue
            raise InputError(f"invalid JSON: {exc.msg} (column {exc.colno})", path=str(path),
                             line=lineno) from None
        sample = check(obj, path=str(path), line=lineno)
        by_id[sample["id"]] = sample
    return list(by_id.values()), n_lines


def read_samples(path: str | Path, *, validate: bool = True) -> list[dict]:
    """Read ``samples.jsonl``. When an id appears on several lines the last one wins (a rerun appends the
    retried sample), in the order ids first appear. A final line cut short by a crash (no newline, and not
    valid JSON or cut inside a character) is skipped with a warning; any other bad line raises
    :class:`InputError` with file, line and field.

    ``validate=False`` reads any results file whose lines are JSON objects with an ``id`` (the records of
    ``steps eval``) without checking the sample fields.
    """
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=str(path))
    return _read_lines(path, validate)[0]


def completed_ids(path: str | Path, is_done: Any = None, *, validate: bool = True) -> set[str]:
    """Ids of the records of an output file that ``is_done(record)`` accepts (default: ``status`` is
    ``"ok"``); empty if the file does not exist or is empty."""
    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        return set()
    done = is_done or (lambda r: r.get("status") == "ok")
    return {r["id"] for r in read_samples(path, validate=validate) if done(r)}


class SampleWriter:
    """Append samples to a JSONL file, one line each, flushed at once so an interruption loses nothing.

    The path is checked first (:func:`steps_core.io.check_output`: never one of ``inputs``, a database, a
    device or another special file). If the file ends in a line without a newline (a write cut short by a
    crash), that line is completed with a newline when it is valid JSON, and otherwise removed (it holds no
    usable sample), so the next line is never glued to a broken one. A sample holding a value JSON cannot
    (NaN, a lone surrogate) raises :class:`InputError` naming it, and nothing of it is written.
    """

    def __init__(self, path: str | Path, *, inputs: Iterable[str | Path] = ()):
        self.path = check_output(path, inputs)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.path.exists() and self.path.stat().st_size > 0:
                self._repair_tail()
            self._fh = self.path.open("a", encoding="utf-8")
        except OSError as exc:
            raise from_os_error(exc, "cannot write", path) from None
        self.written = 0

    def _repair_tail(self) -> None:
        with self.path.open("rb+") as fh:
            size = fh.seek(0, os.SEEK_END)
            fh.seek(size - 1)
            if fh.read(1) == b"\n":
                return
            start = size
            while start > 0:  # find the start of the last line
                step = min(start, 1 << 16)
                fh.seek(start - step)
                chunk = fh.read(step)
                cut = chunk.rfind(b"\n")
                if cut >= 0:
                    start = start - step + cut + 1
                    break
                start -= step
            fh.seek(start)
            tail = fh.read()
            try:
                json.loads(tail.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                log.warning("%s: removing an unfinished last line (%d bytes)", self.path, len(tail))
                fh.truncate(start)
            else:
                fh.write(b"\n")

    def write(self, sample: Mapping) -> None:
        line = json_text(sample, path=self.path, field=f"sample {sample.get('id')!r}")
        try:
            self._fh.write(line + "\n")
            self._fh.flush()
        except OSError as exc:
            raise from_os_error(exc, "cannot write", self.path) from None
        self.written += 1

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()

    def __enter__(self) -> "SampleWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def write_samples(path: str | Path, samples: Iterable[Mapping], *, inputs: Iterable[str | Path] = ()) -> int:
    """Write samples as JSONL with :func:`steps_core.io.guarded_output` (atomic, never over one of
    ``inputs``); returns the number written."""
    lines = [json_text(s, path=path, field=f"sample {s.get('id')!r}") for s in samples]
    with guarded_output(path, inputs=inputs) as fh:
        for line in lines:
            fh.write(line + "\n")
    return len(lines)


def compact_samples(path: str | Path, *, validate: bool = True) -> int:
    """Rewrite a results file keeping one line per id (the last), atomically, when it holds more lines
    than ids (a rerun appended retried ones) or a line cut short; returns the record count."""
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=str(path))
    records, n_lines = _read_lines(path, validate)
    if n_lines != len(records) or not _ends_with_newline(path):
        write_samples(path, records)
    return len(records)


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as fh:
        if fh.seek(0, os.SEEK_END) == 0:
            return True
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) == b"\n"
