"""Reading corpora, skill catalogues and topic lists.

A *record* is one instruction or dialogue with the skills it is tagged with. A *corpus* is a file, or a folder
of shard files, in one of :data:`INPUT_FORMATS`:

- ``jsonl``: one JSON object per line (blank lines skipped);
- ``json``: one JSON list of objects (read element by element, never whole);
- ``csv``: a header row, then one record per row; cells holding JSON (``messages``, ``conversations``,
  ``label``, ``instances``) are decoded;
- ``tsv``: the same with tab-separated fields;
- ``parquet``: read batch by batch with pyarrow (only the skills column when only skills are needed).

The format comes from the file name (``.jsonl``/``.ndjson``, ``.json``, ``.csv``, ``.tsv``/``.tab``,
``.parquet``/``.pq``) or, when that is unknown, from the content; ``format=`` overrides it. A ``.json`` file
whose first character is ``{`` is read as JSONL. A name ending in ``.gz`` (``c.jsonl.gz``, ``c.csv.gz``) is a
gzip-compressed file of the format its name means without the ``.gz``; it is decompressed as it is read,
never whole (Parquet compresses inside and cannot be gzipped).

Record shapes understood (text and messages are taken from the first that matches):

- OpenAI chat: ``messages`` = ``[{"role", "content"}, ...]``;
- Infinity-Instruct / ShareGPT: ``conversations`` = ``[{"from", "value"}, ...]``, skills in
  ``label.ability_en`` or ``label.ability_zh`` (``lang``);
- Alpaca: ``instruction`` / ``input`` / ``output`` (also Self-Instruct's ``instances[0].input/output``);
- plain: ``prompt`` (``response``/``completion``) or ``text``.

Skills come from the field ``skills_field`` (default ``skills``; a dotted name such as ``label.ability_en``
reaches into nested objects). When that field is absent and ``skills_field`` is the default, Infinity-Instruct's
``label.ability_<lang>`` is used. The value is a list of strings, or a string holding a JSON list, Stack
Exchange's tags (``<ubuntu><bash>``: a string made only of ``<...>`` groups) or names delimited by ``;`` (when
the string has one) or else ``,``. Names are deduplicated in order; in a string each name is stripped of
surrounding whitespace and empty parts are dropped.

A record whose skills are missing, null or hold no name (``[]``, ``""``, what ``steps tag`` writes when no
skill reached its threshold) is *untagged*: it is skipped and counted (:attr:`ReadReport.n_untagged`), or
yielded with ``skills=()`` when ``require_skills=False``. It is not an error.

Every problem is an :class:`~steps_core.errors.InputError` naming file, line (or row, for Parquet and JSON
lists: the record's 1-based position; for JSON lists the line where the element starts) and field. With
``skip_bad=True`` bad *records* are skipped and counted in a :class:`ReadReport`; problems with a whole file
(not found, unknown format, missing column, unreadable Parquet, broken JSON list syntax, a broken gzip
stream) always stop.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "c.jsonl"
>>> _ = p.write_text('{"skills": ["a", "b"]}\\n{"skills": "<b><c>"}\\n{"skills": []}\\n')
>>> report = ReadReport()
>>> [r.skills for r in iter_records(p, report=report)], report.n_untagged
([('a', 'b'), ('b', 'c')], 1)
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from .errors import InputError
from .formats import (BOM, READERS, WHITESPACE, ReadSpec, corpus_files, json_type, loads_fast, located_rows,
                      numbered_lines, open_corpus_file, orjson, parquet_rows, parse_line, read_spec)
from .names import ENGINES
from .graph import MAX_SKILLS_PER_RECORD


Progress = Callable[[int, "int | None"], None]



_MISSING = object()
#: Stack Exchange's tags column: nothing but ``<...>`` groups (the DuckDB engine uses the same pattern).
SE_TAGS = r"(?:<[^<>]*>)+"
_SE_TAGS = re.compile(SE_TAGS)
_PROGRESS_EVERY = 20_000


@dataclass(frozen=True, slots=True)
class Record:
    """One corpus record.

    ``messages`` is the conversation as ``({"role": ..., "content": ...}, ...)`` (empty if the record is
    plain text), ``text`` a plain-text rendering used for tagging and seeding prompts (the user turns),
    ``skills`` the tags (deduplicated, in the order given), ``source`` where it came from (``file:line``) and
    ``raw`` the record as read, so that writers can keep the fields they do not know.
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


@dataclass
class ReadReport:
    """What a read saw: records yielded, untagged records skipped, bad records skipped (with the first few
    messages), notes.

    Pass one to :func:`iter_records` (or :func:`load_cooccurrence`) and read it afterwards; it is filled as
    the stream is consumed. ``n_untagged`` counts records without skills that were skipped (reading for
    skills); ``n_without_skills`` those yielded with ``skills=()`` (``require_skills=False``, as ``steps tag``
    reads); ``n_records`` includes the latter, not the former.

    >>> r = ReadReport(); r.skip(InputError("bad", path="c.jsonl", line=3)); r.n_skipped, r.errors
    (1, ['c.jsonl:3: bad'])
    """

    n_records: int = 0
    n_skipped: int = 0
    n_untagged: int = 0
    n_without_skills: int = 0
    files: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    max_errors: int = 10

    def skip(self, exc: InputError) -> None:
        """Count one skipped bad record, keeping its message if fewer than ``max_errors`` are kept."""
        self.n_skipped += 1
        if len(self.errors) < self.max_errors:
            self.errors.append(str(exc))

    def summary(self) -> str:
        """A few plain lines for a person: counts, the first bad records, notes."""
        lines = [f"read {self.n_records:,} record(s) from {len(self.files)} file(s)"
                 + (f", {self.n_without_skills:,} without skills" if self.n_without_skills else "")
                 + (f"; {self.n_untagged:,} untagged record(s) skipped" if self.n_untagged else "")
                 + (f"; skipped {self.n_skipped:,} bad record(s)" if self.n_skipped else "")]
        if self.n_skipped:
            lines += [f"  {m}" for m in self.errors]
            if self.n_skipped > len(self.errors):
                lines.append(f"  ... and {self.n_skipped - len(self.errors):,} more")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------- skills
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
        if not item.strip(WHITESPACE):
            raise InputError("empty skill name", path=path, line=line, field=field)
        check_unicode(item, path=path, line=line, field=field)
        out[item] = None
    if not out:
        raise InputError("empty skill list", path=path, line=line, field=field)
    if len(out) > MAX_SKILLS_PER_RECORD:
        raise InputError(f"{len(out):,} skills on one record; at most {MAX_SKILLS_PER_RECORD:,} (is this field a "
                         "list of something other than skills?)", path=path, line=line, field=field)
    return tuple(out)


def check_unicode(text: str, *, path: str, line: int, field: str) -> str:
    """``text`` if it can be written as UTF-8, else an :class:`InputError`: a JSON escape such as ``\\ud800``
    decodes to a lone surrogate, which no file, hash or database can hold.

    >>> check_unicode("ok", path="c.jsonl", line=1, field="text")
    'ok'
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(f"not valid Unicode: a lone surrogate \\u{ord(text[exc.start]):04x} (as a JSON escape "
                         f"can write) at character {exc.start + 1}", path=path, line=line, field=field) from None
    return text


def split_skills(text: str) -> list[str]:
    """Split a skill string: Stack Exchange's ``<a><b>`` when the string is nothing but ``<...>`` groups, else
    on ``;`` when it has one, else on ``,``; parts stripped, empties dropped.

    >>> split_skills("python, debugging ,"), split_skills("a, b; c"), split_skills(" <ubuntu><grub2> ")
    (['python', 'debugging'], ['a, b', 'c'], ['ubuntu', 'grub2'])
    """
    text = text.strip(WHITESPACE)
    if _SE_TAGS.fullmatch(text):
        parts = text[1:-1].split("><")
    else:
        parts = text.split(";" if ";" in text else ",")
    return [p for p in (part.strip(WHITESPACE) for part in parts) if p]


def coerce_skills(value: Any, *, path: str, line: int, field: str = "skills",
                  require: bool = True) -> tuple[str, ...]:
    """A record's skills from a list, a JSON-list string, a ``<a><b>`` string or a delimited string (see the
    module docs).

    ``None`` (or a missing field, passed as ``None``) and values holding no name (``[]``, ``""``, ``"[]"``) are
    an error when ``require`` is true, else give ``()`` (the readers call it so, and skip untagged records).

    >>> coerce_skills('["a", "b"]', path="x", line=1), coerce_skills("a;b;a", path="x", line=1)
    (('a', 'b'), ('a', 'b'))
    """
    if isinstance(value, str):
        stripped = value.strip(WHITESPACE)
        if stripped.startswith("["):
            try:
                value = json.loads(stripped)
            except json.JSONDecodeError as exc:
                raise InputError(f"looks like a JSON list but is not valid JSON ({exc.msg})",
                                 path=path, line=line, field=field) from None
            if not isinstance(value, list):
                raise InputError(f"expected a JSON list of skill names, got {type(value).__name__}",
                                 path=path, line=line, field=field)
        else:
            value = split_skills(value)
    if value is None:
        if require:
            raise InputError("missing (no skills)", path=path, line=line, field=field)
        return ()
    if not isinstance(value, list):
        raise InputError(f"expected a list of skill names or a delimited string, got {type(value).__name__}",
                         path=path, line=line, field=field)
    if not value and not require:
        return ()
    return parse_skills(value, path=path, line=line, field=field)


def _lookup(obj: dict, parts: Sequence[str]) -> Any:
    if len(parts) > 1 and ".".join(parts) in obj:
        return obj[".".join(parts)]
    cur: Any = obj
    for p in parts:
        if not isinstance(cur, dict) or p not in cur:
            return _MISSING
        cur = cur[p]
    return cur


def _skills_of(obj: dict, spec: ReadSpec, path: str, line: int) -> tuple[str, ...]:
    value = _lookup(obj, spec.field_parts)
    name = spec.skills_field
    if (value is _MISSING or value is None) and spec.uses_label_fallback and isinstance(obj.get("label"), dict):
        value, name = obj["label"].get(f"ability_{spec.lang}"), spec.label_field
    return coerce_skills(None if value is _MISSING else value, path=path, line=line, field=name, require=False)


# --------------------------------------------------------------------------------------------- text
#: Speaker names of chat formats (OpenAI, ShareGPT, model answers) and the role they mean; compared
#: case-insensitively after stripping spaces. Used by the corpus reader and by the parser of model answers.
ROLE_ALIASES = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant",
                "chatgpt": "assistant", "bard": "assistant", "bing": "assistant", "model": "assistant",
                "bot": "assistant", "ai": "assistant", "system": "system"}


def _content(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):          # OpenAI content parts
        return "\n".join(p.get("text", "") for p in value if isinstance(p, dict) and isinstance(p.get("text"), str))
    return "" if value is None else str(value)


def _turns(value: Any, role_key: str, content_key: str, fld: str, path: str, line: int) -> tuple[dict, ...]:
    if not isinstance(value, list):
        raise InputError(f"expected a list of turns, got {type(value).__name__}", path=path, line=line, field=fld)
    out = []
    for k, turn in enumerate(value):
        if not isinstance(turn, dict):
            raise InputError(f"turn {k + 1}: expected an object with {role_key!r} and {content_key!r}, "
                             f"got {type(turn).__name__}", path=path, line=line, field=fld)
        role = str(turn.get(role_key, "") or "")
        out.append({"role": ROLE_ALIASES.get(role.strip().lower(), role), "content": _content(turn.get(content_key))})
    return tuple(out)


def _prompt_answer(prompt: str, extra: Any, answer: Any) -> tuple[tuple[dict, ...], str]:
    user = prompt + (f"\n\n{extra}" if isinstance(extra, str) and extra.strip() else "")
    msgs = [{"role": "user", "content": user}]
    if isinstance(answer, str) and answer:
        msgs.append({"role": "assistant", "content": answer})
    return tuple(msgs), user


def text_of(obj: dict, *, path: str = "", line: int = 0) -> tuple[tuple[dict, ...], str]:
    """The messages and plain text of a record, whatever its shape (see the module docs).

    >>> text_of({"instruction": "Add", "input": "2 and 3", "output": "5"})[1]
    'Add\\n\\n2 and 3'
    """
    if obj.get("messages") is not None:
        msgs = _turns(obj["messages"], "role", "content", "messages", path, line)
    elif obj.get("conversations") is not None:
        msgs = _turns(obj["conversations"], "from", "value", "conversations", path, line)
    else:
        msgs = None
    if msgs is not None:
        text = "\n".join(m["content"] for m in msgs if m["role"] == "user") or \
            "\n".join(m["content"] for m in msgs)
        return msgs, text
    if isinstance(obj.get("instruction"), str):
        inst = obj.get("instances")
        first = inst[0] if isinstance(inst, list) and inst and isinstance(inst[0], dict) else {}
        extra = obj.get("input", obj.get("context", first.get("input")))
        answer = obj.get("output", obj.get("response", first.get("output")))
        return _prompt_answer(obj["instruction"], extra, answer)
    if isinstance(obj.get("prompt"), str):
        return _prompt_answer(obj["prompt"], None, obj.get("response", obj.get("completion")))
    if isinstance(obj.get("text"), str):
        return (), obj["text"]
    return (), ""


def _records(path: str | Path, spec: ReadSpec, report: ReadReport | None, progress: Progress | None,
             columns: Sequence[str] | None, make: Callable[[dict, tuple[str, ...], Path, int], Any]) -> Iterator:
    files = corpus_files(path, spec.format)
    report = report if report is not None else ReadReport()
    total = parquet_rows(files) if progress is not None else None
    done = 0
    for file, fmt in files:
        report.files.append(str(file))
        sp = str(file)
        for line, obj in READERS[fmt](file, spec, columns):
            try:
                if isinstance(obj, InputError):
                    raise obj
                skills = _skills_of(obj, spec, sp, line)
                if not skills and spec.require_skills:
                    report.n_untagged += 1
                    continue
                item = make(obj, skills, file, line)
            except InputError as exc:
                if not spec.skip_bad:
                    raise
                report.skip(exc)
                continue
            report.n_records += 1
            if not skills:
                report.n_without_skills += 1
            yield item
            done += 1
            if progress is not None and done % _PROGRESS_EVERY == 0:
                progress(done, total)
    if progress is not None:
        progress(done, total)


def _text_field(obj: dict) -> str:
    """The field :func:`text_of` takes a record's text from (for error messages)."""
    for name in ("messages", "conversations"):
        if obj.get(name) is not None:
            return name
    for name in ("instruction", "prompt", "text"):
        if isinstance(obj.get(name), str):
            return name
    return "text"


def _make_record(obj: dict, skills: tuple[str, ...], file: Path, line: int) -> Record:
    messages, text = text_of(obj, path=str(file), line=line)
    where = {"path": str(file), "line": line}
    check_unicode(text, field=_text_field(obj), **where)
    for m in messages:
        check_unicode(m["content"], field=_text_field(obj), **where)
        check_unicode(m["role"], field=_text_field(obj), **where)
    rid = obj.get("id")
    if isinstance(rid, str):
        check_unicode(rid, field="id", **where)
    return Record(id=str(rid) if rid is not None else f"{file.name}:{line}", skills=skills,
                  messages=messages, text=text, source=f"{file}:{line}", raw=obj)


def iter_records(path: str | Path, *, format: str | None = None, skills_field: str = "skills", lang: str = "en",
                 skip_bad: bool = False, report: ReadReport | None = None, progress: Progress | None = None,
                 require_skills: bool = True) -> Iterator[Record]:
    """Stream the records of a corpus file or folder of shards, validating each (see the module docs).

    ``format`` is one of :data:`INPUT_FORMATS` (``None``: detect), ``skills_field`` where the skills are,
    ``lang`` the Infinity-Instruct label language. The first bad record raises :class:`InputError` naming
    file, line and field, unless ``skip_bad`` (then it is counted in ``report``). Untagged records (no skills)
    are skipped and counted in ``report.n_untagged``; with ``require_skills=False`` they are yielded with
    ``skills=()`` instead. ``progress(records_done, total_or_None)`` is called every few thousand records (the
    total is known for Parquet only).
    """
    spec = read_spec(format=format, skills_field=skills_field, lang=lang, skip_bad=skip_bad,
                     require_skills=require_skills)
    yield from _records(path, spec, report, progress, None, _make_record)


def records_at(path: str | Path, positions: Iterable[int], **options) -> list[Record]:
    """The records at ``positions`` (0-based, counting the tagged records :func:`iter_records` yields, the order
    a :class:`~steps_core.novelty.SupportIndex` numbers them in), in the order asked; reads no further than the
    last one. To fetch records again and again, :class:`steps_core.record_index.RecordIndex` reads the corpus
    once and then only the records asked for, with the same results."""
    wanted = list(dict.fromkeys(int(p) for p in positions))
    if not wanted:
        return []
    found: dict[int, Record] = {}
    last = max(wanted)
    for i, record in enumerate(iter_records(path, **options)):
        if i in wanted:
            found[i] = record
        if i >= last:
            break
    return [found[i] for i in wanted if i in found]


def _fast_skill_lists(path: str | Path, spec: ReadSpec, report: ReadReport, progress: Progress | None):
    """JSONL fast path: parse each line with orjson and accept the common shape without building Records."""
    files = corpus_files(path, spec.format)
    if any(fmt != "jsonl" for _, fmt in files) or len(spec.field_parts) != 1:
        yield from _records(path, spec, report, progress, _skill_columns(spec),
                            lambda obj, skills, file, line: skills)
        return
    key, ws, done = spec.skills_field, WHITESPACE, 0
    for file, _ in files:
        report.files.append(str(file))
        sp = str(file)
        with open_corpus_file(file) as fh:
            for lineno, raw in numbered_lines(fh, sp):
                try:
                    obj = loads_fast(raw)
                    value = obj[key] if type(obj) is dict else None
                except (ValueError, KeyError):
                    value = None
                if type(value) is list and value and len(value) <= MAX_SKILLS_PER_RECORD:
                    for s in value:
                        if type(s) is not str or not s.strip(ws):
                            break
                    else:
                        report.n_records += 1
                        done += 1
                        if progress is not None and done % _PROGRESS_EVERY == 0:
                            progress(done, None)
                        yield tuple(dict.fromkeys(value))
                        continue
                # anything else (strings, fallbacks, blank lines, errors) takes the general path
                if lineno == 1 and raw.startswith(BOM):
                    raw = raw[3:]
                if not raw.strip():
                    continue
                obj = parse_line(raw, sp, lineno)
                try:
                    if isinstance(obj, InputError):
                        raise obj
                    if not isinstance(obj, dict):
                        raise InputError(f"expected a JSON object, got {json_type(obj)}", path=sp, line=lineno)
                    skills = _skills_of(obj, spec, sp, lineno)
                except InputError as exc:
                    if not spec.skip_bad:
                        raise
                    report.skip(exc)
                    continue
                if not skills and spec.require_skills:
                    report.n_untagged += 1
                    continue
                report.n_records += 1
                if not skills:
                    report.n_without_skills += 1
                done += 1
                if progress is not None and done % _PROGRESS_EVERY == 0:
                    progress(done, None)
                yield skills
    if progress is not None:
        progress(done, None)


def _skill_columns(spec: ReadSpec) -> list[str]:
    cols = [spec.field_parts[0], spec.skills_field]
    if spec.uses_label_fallback:
        cols.append("label")
    return cols


def iter_skill_lists(path: str | Path, *, format: str | None = None, skills_field: str = "skills",
                     lang: str = "en", skip_bad: bool = False, report: ReadReport | None = None,
                     progress: Progress | None = None, require_skills: bool = True) -> Iterator[tuple[str, ...]]:
    """Stream only the skill tuples of a corpus (what co-occurrence counting needs).

    Same options and errors as :func:`iter_records`, but cheaper: Parquet reads only the skills column and
    JSONL lines of the common shape are accepted without building a :class:`Record`. Only what counting
    needs is validated: a record whose skills are good but whose ``messages`` are malformed is accepted here
    (and by the DuckDB engine) while :func:`iter_records` rejects it.
    """
    spec = read_spec(format=format, skills_field=skills_field, lang=lang, skip_bad=skip_bad,
                     require_skills=require_skills)
    yield from _fast_skill_lists(path, spec, report if report is not None else ReadReport(), progress)


#: Counting engines of :func:`load_cooccurrence`.


def load_cooccurrence(path: str | Path, *, engine: str = "memory", progress: Progress | None = None,
                      chunk_size: int = 50_000, address: str | None = None, **read_options):
    """Count skills and skill pairs of a corpus into a :class:`~steps_core.graph.Cooccurrence`.

    ``engine="memory"`` streams :func:`iter_skill_lists` into :func:`~steps_core.graph.count_cooccurrences`;
    ``engine="duckdb"`` has DuckDB read the files and count (:mod:`steps_core.duck`), spilling to disk when the
    pair table outgrows memory. Both give the same result, skip and count the same untagged records and reject
    the same bad records. ``engine="ray"`` counts shard files in parallel on Ray (:mod:`steps_core.ray_engine`:
    also globs and fsspec/pyarrow URIs; ``address`` names a cluster to join) with the same result and report.
    ``read_options`` are those of :func:`iter_records` (``format``, ``skills_field``, ``lang``, ``skip_bad``,
    ``report``).
    """
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}", field="engine")
    unknown = set(read_options) - {"format", "skills_field", "lang", "skip_bad", "report"}
    if unknown:
        raise TypeError(f"unknown read option(s): {', '.join(sorted(unknown))}")
    if address is not None and engine != "ray":
        raise InputError(f"an address is for the ray engine, not {engine!r}", field="address")
    if engine == "ray":
        from .ray_engine import count_cooccurrences_ray

        return count_cooccurrences_ray(path, address=address, progress=progress, **read_options)
    if engine == "duckdb":
        from .duck import count_cooccurrences_duckdb

        return count_cooccurrences_duckdb(path, progress=progress, **read_options)
    from .graph import count_cooccurrences

    return count_cooccurrences(iter_skill_lists(path, **read_options), chunk_size=chunk_size, progress=progress)


# --------------------------------------------------------------------------------------------- catalogue
def read_catalog(path: str | Path) -> tuple[Skill, ...]:
    """Read a skill catalogue CSV with columns ``skill, category, definition, example``.

    Column names are matched without regard to case or surrounding spaces; extra columns are ignored (the
    Skill-Mix ``skills.csv`` layout reads as it is); rows whose ``status`` column says ``remove`` are dropped;
    a skill listed twice keeps its first row.
    """
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=str(path))
    out: list[Skill] = []
    seen: set[str] = set()
    with path.open("rb") as fh:
        rows = located_rows(fh, str(path))
        names = next((row for _, row, _ in rows), [])
        cols = {c.strip(WHITESPACE).lower(): i for i, c in enumerate(names)}
        if "skill" not in cols:
            raise InputError(f"missing column 'skill' (found: {', '.join(names) or 'none'})",
                             path=str(path), line=1, field="skill")
        for start, row, problem in rows:
            if problem:
                raise InputError(problem, path=str(path), line=start)

            def get(k: str) -> str:
                return row[cols[k]].strip(WHITESPACE) if k in cols and cols[k] < len(row) else ""

            if "remove" in get("status").lower():
                continue
            name = get("skill")
            if not name:
                if not any(v.strip() for v in row):
                    continue      # a row of empty cells
                raise InputError("empty skill name", path=str(path), line=start, field="skill")
            if name in seen:
                continue
            seen.add(name)
            out.append(Skill(name, get("category"), get("definition"), get("example")))
    if not out:
        raise InputError("the catalogue has no skills", path=str(path))
    return tuple(out)


def read_topics(path: str | Path) -> tuple[str, ...]:
    """Read a topic list: one topic per line; blank lines and lines starting with ``#`` are skipped.

    Topics are stripped and deduplicated in order.
    """
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=str(path))
    out: dict[str, None] = {}
    with path.open("rb") as fh:
        for n, raw in enumerate(fh, 1):
            if n == 1 and raw.startswith(BOM):
                raw = raw[3:]
            try:
                line = raw.decode("utf-8").strip()
            except UnicodeDecodeError as exc:
                raise InputError(f"not valid UTF-8 ({exc.reason})", path=str(path), line=n) from None
            if line and not line.startswith("#"):
                out[line] = None
    if not out:
        raise InputError("the topic list is empty", path=str(path))
    return tuple(out)


def iter_json_lines(records: Iterable[dict]) -> Iterator[bytes]:
    """Serialise dicts as JSONL lines (UTF-8 bytes ending in a newline); values JSON cannot hold become strings."""
    if orjson is not None:
        opt = orjson.OPT_APPEND_NEWLINE | orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
        for obj in records:
            yield orjson.dumps(obj, default=_jsonable, option=opt)
    else:  # pragma: no cover
        for obj in records:
            yield (json.dumps(obj, ensure_ascii=False, default=_jsonable) + "\n").encode("utf-8")


def _jsonable(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8", "replace")
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
