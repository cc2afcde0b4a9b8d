"""Reading records and skill catalogues.

A *record* is one instruction or dialogue with the skills it is tagged with. Readers stream: they yield
records one at a time and never hold a whole file. Every problem is an :class:`~steps_core.errors.InputError`
naming file, line and field.

This module currently reads JSONL records whose ``skills`` field is a list of strings, and catalogue CSV
files; the other formats (JSON, CSV, Parquet, Infinity-Instruct, Alpaca, ...) extend :func:`iter_records`.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .errors import InputError


@dataclass(frozen=True, slots=True)
class Record:
    """One corpus record.

    ``messages`` is the conversation as ``({"role": ..., "content": ...}, ...)`` (empty if the record is
    plain text), ``text`` a plain-text rendering used for tagging and seeding prompts, ``skills`` the tags
    (deduplicated, in the order given), ``source`` where it came from (``file:line``) and ``raw`` the
    record as read, so that writers can keep the fields they do not know.
    """

    id: str
    skills: tuple[str, ...]
    messages: tuple[dict, ...] = ()
    text: str = ""
    source: str = ""
    raw: dict = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Skill:
    """One catalogue entry: a skill name with its category, one-sentence definition and example."""

    name: str
    category: str = ""
    definition: str = ""
    example: str = ""


def _text_of(obj: dict) -> tuple[tuple[dict, ...], str]:
    msgs = obj.get("messages")
    if isinstance(msgs, list):
        clean = tuple({"role": str(m.get("role", "")), "content": str(m.get("content", ""))}
                      for m in msgs if isinstance(m, dict))
        text = "\n".join(m["content"] for m in clean if m["role"] == "user") or \
            "\n".join(m["content"] for m in clean)
        return clean, text
    for key in ("text", "instruction"):
        if isinstance(obj.get(key), str):
            return (), obj[key]
    return (), ""


def parse_skills(value: Any, *, path: str, line: int, field: str = "skills") -> tuple[str, ...]:
    """Validate a record's skill list: a non-empty list of non-empty strings, deduplicated in order.

    >>> parse_skills(["a", "b", "a"], path="x", line=1)
    ('a', 'b')
    """
    if not isinstance(value, list):
        raise InputError(f"expected a list of skill names, got {type(value).__name__}",
                         path=path, line=line, field=field)
    out: dict[str, None] = {}
    for item in value:
        if not isinstance(item, str):
            raise InputError(f"expected skill names as strings, got {type(item).__name__} {item!r}",
                             path=path, line=line, field=field)
        if not item.strip():
            raise InputError("empty skill name", path=path, line=line, field=field)
        out[item] = None
    if not out:
        raise InputError("empty skill list", path=path, line=line, field=field)
    return tuple(out)


def iter_records(path: str | Path, *, skills_field: str = "skills") -> Iterator[Record]:
    """Stream the records of a JSONL file, one per non-blank line, validating each.

    Raises :class:`InputError` naming file, line and field at the first bad record.
    """
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=str(path))
    with path.open("r", encoding="utf-8") as fh:
        lineno = 0
        while True:
            try:
                line = fh.readline()
            except UnicodeDecodeError as exc:
                raise InputError(f"not valid UTF-8 ({exc.reason})", path=str(path), line=lineno + 1) from None
            if not line:
                break
            lineno += 1
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"invalid JSON: {exc.msg} (column {exc.colno})",
                                 path=str(path), line=lineno) from None
            if not isinstance(obj, dict):
                raise InputError(f"expected a JSON object, got {type(obj).__name__}", path=str(path), line=lineno)
            if skills_field not in obj:
                raise InputError("missing", path=str(path), line=lineno, field=skills_field)
            skills = parse_skills(obj[skills_field], path=str(path), line=lineno, field=skills_field)
            messages, text = _text_of(obj)
            rid = obj.get("id")
            yield Record(id=str(rid) if rid is not None else f"{path.name}:{lineno}", skills=skills,
                         messages=messages, text=text, source=f"{path}:{lineno}", raw=obj)


def iter_skill_lists(path: str | Path, *, skills_field: str = "skills") -> Iterator[tuple[str, ...]]:
    """Stream only the skill lists of a corpus (what co-occurrence counting needs)."""
    for rec in iter_records(path, skills_field=skills_field):
        yield rec.skills


def read_catalog(path: str | Path) -> tuple[Skill, ...]:
    """Read a skill catalogue CSV with columns ``skill, category, definition, example``.

    Extra columns are ignored; rows whose ``status`` column says ``remove`` are dropped.
    """
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=str(path))
    out: list[Skill] = []
    seen: set[str] = set()
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        cols = {c.strip().lower(): c for c in (reader.fieldnames or [])}
        if "skill" not in cols:
            raise InputError(f"missing column 'skill' (found: {', '.join(reader.fieldnames or []) or 'none'})",
                             path=str(path), line=1)
        for row in reader:
            get = lambda k: (row.get(cols[k]) or "").strip() if k in cols else ""  # noqa: E731
            if "remove" in get("status").lower():
                continue
            name = get("skill")
            if not name:
                raise InputError("empty skill name", path=str(path), line=reader.line_num, field="skill")
            if name in seen:
                continue
            seen.add(name)
            out.append(Skill(name, get("category"), get("definition"), get("example")))
    return tuple(out)
