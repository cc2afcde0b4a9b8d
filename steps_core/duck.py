"""Co-occurrence counting with DuckDB, for corpora larger than memory.

DuckDB reads the corpus files itself (``read_json_objects``, ``read_csv``, ``read_parquet``; gzipped ``.gz``
files decompressed by DuckDB), extracts and validates each record's skills in SQL with exactly the rules of
:mod:`steps_core.corpus` (lists, JSON-list strings, ``<a><b>`` tags, delimited strings; untagged records
skipped and counted), and counts skills and skill pairs with joins and aggregations that spill to disk when
they outgrow memory. The result is the same :class:`~steps_core.graph.Cooccurrence` as the in-memory path:
same skills (sorted by name), counts, pairs and number of records, and the same counts in the report.

Errors: the SQL marks every bad record; the in-memory reader then re-reads only the files holding bad records
to produce the same located message (file, line, field) as ``engine="memory"``. With ``skip_bad`` the bad
records are counted in SQL and the first few messages come from that re-read. When DuckDB cannot parse a file
at all (a CSV row with the wrong number of fields, a syntax error inside a JSON list, a byte-order mark, a
column type it cannot turn into skills), the whole corpus is counted by the in-memory reader instead, which
raises the located error or, with ``skip_bad``, skips the bad records; the report then carries a note.

One known difference: a JSON object with the same key twice (which RFC 8259 leaves undefined) takes the
*last* value in the in-memory reader and the *first* in DuckDB.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "c.jsonl"
>>> _ = p.write_text('{"skills": ["a", "b"]}\\n{"skills": "b;c"}\\n')
>>> c = count_cooccurrences_duckdb(p)
>>> c.skills, c.counts.tolist(), c.pairs.toarray().tolist(), c.n_records
(('a', 'b', 'c'), [1, 2, 1], [[0, 1, 0], [1, 0, 1], [0, 1, 0]], 2)
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path
from typing import Sequence

import numpy as np
import scipy.sparse as sp

from . import corpus, formats
from .corpus import SE_TAGS, ReadReport
from .formats import DELIMITERS, WHITESPACE, ReadSpec, check_columns, csv_header, parquet_file, read_spec
from .errors import StepsError
from .graph import MAX_SKILLS_PER_RECORD, Cooccurrence, Progress, count_cooccurrences


class _CannotRead(Exception):
    """DuckDB cannot read this corpus the way the in-memory reader does; fall back."""


def _q(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _json_path(parts: Sequence[str]) -> str:
    return _q("$." + ".".join('"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"' for p in parts))


_WS = _q(WHITESPACE)


def _value_sql(spec: ReadSpec) -> str:
    """SQL for the JSON value holding a record's skills, from the record object ``j`` (NULL when missing)."""
    parts = spec.field_parts
    v = f"json_extract(j, {_json_path(parts)})"
    if len(parts) > 1:   # a literal dotted key wins, as in corpus.lookup
        lit = f"json_extract(j, {_json_path(['.'.join(parts)])})"
        v = f"CASE WHEN {lit} IS NOT NULL THEN {lit} ELSE {v} END"
    if spec.uses_label_fallback:
        v = (f"CASE WHEN coalesce(json_type({v}), 'NULL') = 'NULL' AND json_type(j, '$.\"label\"') = 'OBJECT' "
             f"THEN json_extract(j, {_json_path(['label', 'ability_' + spec.lang])}) ELSE {v} END")
    return v


def _lists_sql(source: str, spec: ReadSpec) -> str:
    """SQL turning ``source`` (columns ``filename``, ``j`` JSON object) into ``filename, state, sk``.

    ``state`` is ``'ok'`` (``sk`` holds the skills), ``'untagged'`` (missing, null or no names) or ``'bad'``.
    """
    return f"""
    WITH v AS (
        SELECT filename, (j IS NOT NULL AND json_type(j) = 'OBJECT') AS obj, {_value_sql(spec)} AS v
        FROM ({source})
    ), s AS (
        SELECT filename, obj, v, json_type(v) AS t,
               CASE WHEN json_type(v) = 'VARCHAR' THEN trim(json_extract_string(v, '$'), {_WS}) END AS st,
               CASE WHEN json_type(v) = 'VARCHAR' THEN json_extract_string(v, '$') END AS raw
        FROM v
    ), a AS (
        SELECT filename, obj, t,
               CASE WHEN t = 'ARRAY' THEN v
                    WHEN starts_with(st, '[') AND json_valid(st) THEN st::JSON END AS arr,
               CASE WHEN t = 'VARCHAR' AND NOT starts_with(st, '[') THEN
                    list_filter(list_transform(
                        CASE WHEN regexp_full_match(st, {_q(SE_TAGS)}) THEN regexp_extract_all(st, '<([^<>]*)>', 1)
                             ELSE string_split(st, CASE WHEN contains(st, ';') THEN ';' ELSE ',' END) END,
                        lambda p: trim(p, {_WS})), lambda p: p <> '') END AS parts
        FROM s
    ), c AS (
        SELECT filename,
               coalesce(obj AND CASE
                   WHEN arr IS NOT NULL THEN json_type(arr) = 'ARRAY' AND (json_array_length(arr) = 0
                        OR list_bool_and(list_transform(json_extract(arr, '$[*]'),
                            lambda x: json_type(x) = 'VARCHAR' AND trim(json_extract_string(x, '$'), {_WS}) <> '')))
                   WHEN parts IS NOT NULL THEN true
                   ELSE coalesce(t, 'NULL') = 'NULL' END, false) AS valid,
               CASE WHEN arr IS NOT NULL THEN json_array_length(arr) WHEN parts IS NOT NULL THEN len(parts)
                    ELSE 0 END AS n,
               arr, parts
        FROM a
    ), d AS (
        SELECT filename, valid, n,
               CASE WHEN valid AND n > 0 THEN list_distinct(
                   CASE WHEN arr IS NOT NULL THEN json_extract_string(arr, '$[*]') ELSE parts END) END AS sk
        FROM c
    )
    SELECT filename,
           CASE WHEN NOT valid OR len(sk) > {MAX_SKILLS_PER_RECORD} THEN 'bad' WHEN n = 0 THEN 'untagged' ELSE 'ok'
                END AS state,
           CASE WHEN len(sk) <= {MAX_SKILLS_PER_RECORD} THEN sk END AS sk
    FROM d"""


def _files_sql(files: Sequence[Path]) -> str:
    return "[" + ", ".join(_q(str(f)) for f in files) + "]"


def _has_bom(path: Path) -> bool:
    return formats.read_head(path, 3) == b"\xef\xbb\xbf"


#: Longest row DuckDB reads from a gzipped CSV/TSV file (it allocates a buffer this big per reader).
GZIP_CSV_MAX_LINE = 1 << 25


def _csv_source(files: Sequence[Path], spec: ReadSpec, fmt: str) -> str:
    """SQL reading CSV or TSV files (``fmt``) into ``filename, j``."""
    raw_headers = []
    for f in files:
        header = csv_header(f, fmt)
        check_columns(header, spec, str(f), kind="column")
        raw_headers.append(header)
    present = set().union(*map(set, raw_headers))
    top = spec.field_parts[0]
    cols = [c for c in dict.fromkeys([top, spec.skills_field] + (["label"] if spec.uses_label_fallback else []))
            if c in present]
    structured = set(formats.STRUCTURED_COLUMNS) | ({top} if len(spec.field_parts) > 1 else set())
    # corpus reads a header name stripped of surrounding spaces; DuckDB keeps it: only plain names here
    for f in files:
        with formats.open_corpus_file(f) as fh:
            first = fh.readline().decode("utf-8", "replace")
        if any(f" {c}" in first or f"{c} " in first for c in cols):
            raise _CannotRead("a CSV header name has surrounding spaces")
    pairs = []
    for c in cols:
        ref = _ident(c)
        if c in structured:
            val = (f"CASE WHEN json_valid(ltrim({ref})) AND json_type(ltrim({ref})) IN ('OBJECT', 'ARRAY') "
                   f"THEN ltrim({ref})::JSON ELSE to_json({ref}) END")
        else:
            val = f"to_json({ref})"
        pairs.append(f"{_q(c)}, {val}")
    obj = f"json_object({', '.join(pairs)})" if pairs else "json_object()"
    # DuckDB decompresses into a buffer of at least max_line_size: a smaller limit for gzipped files (a longer
    # row makes DuckDB fail, and the in-memory reader counts instead)
    if any(formats.is_gzip(f) for f in files):
        sizes = f"max_line_size = {GZIP_CSV_MAX_LINE}, buffer_size = {GZIP_CSV_MAX_LINE}"
    else:
        sizes = "max_line_size = 1073741824"
    return (f"SELECT filename, {obj} AS j FROM read_csv({_files_sql(files)}, header = true, all_varchar = true, "
            f"delim = {_q(DELIMITERS[fmt])}, quote = '\"', escape = '\"', comment = '', union_by_name = true, "
            f"filename = true, strict_mode = true, null_padding = false, {sizes})")


def _parquet_source(files: Sequence[Path], spec: ReadSpec) -> str:
    import pyarrow as pa

    present: dict[str, pa.DataType] = {}
    for f in files:
        schema = parquet_file(f).schema_arrow
        check_columns(schema.names, spec, str(f), kind="column")
        for name in schema.names:
            present[name] = schema.field(name).type
    top = spec.field_parts[0]
    cols = [c for c in dict.fromkeys([top, spec.skills_field] + (["label"] if spec.uses_label_fallback else []))
            if c in present]
    for c in cols:
        t = present[c]
        if not (pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_list(t)
                or pa.types.is_large_list(t) or pa.types.is_struct(t) or pa.types.is_null(t)
                or pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t)):
            raise _CannotRead(f"column {c!r} has type {t}")
    obj = ", ".join(f"{_q(c)}, to_json({_ident(c)})" for c in cols)
    return (f"SELECT filename, json_object({obj}) AS j FROM read_parquet({_files_sql(files)}, filename = true, "
            "union_by_name = true)")


def _sources(files: Sequence[tuple[Path, str]], spec: ReadSpec) -> str:
    by_fmt: dict[str, list[Path]] = {}
    for f, fmt in files:
        by_fmt.setdefault(fmt, []).append(f)
    parts = []
    big = "maximum_object_size = 1073741824"
    if "jsonl" in by_fmt:
        parts.append(f"SELECT filename, json AS j FROM read_json_objects({_files_sql(by_fmt['jsonl'])}, "
                     f"format = 'newline_delimited', ignore_errors = true, filename = true, {big})")
    if "json" in by_fmt:
        parts.append(f"SELECT filename, json AS j FROM read_json_objects({_files_sql(by_fmt['json'])}, "
                     f"format = 'array', filename = true, {big})")
    for fmt in DELIMITERS:
        if fmt in by_fmt:
            parts.append(_csv_source(by_fmt[fmt], spec, fmt))
    if "parquet" in by_fmt:
        parts.append(_parquet_source(by_fmt["parquet"], spec))
    return " UNION ALL ".join(parts)


#: Seconds between two reads of DuckDB's query progress.
PROGRESS_POLL_SECONDS = 0.5


def _run(con, sql: str, progress: Progress | None) -> None:
    """Execute ``sql``, reporting DuckDB's own progress (percent of the scan) while it runs: every
    :data:`PROGRESS_POLL_SECONDS`, only when it grew (a bar never goes back), and ``(100, 100)`` at the end."""
    if progress is None:
        con.execute(sql)
        return
    done = threading.Event()
    shown = -1

    def poll() -> None:
        nonlocal shown
        while not done.wait(PROGRESS_POLL_SECONDS):
            try:
                pct = con.query_progress()
            except Exception:  # noqa: BLE001 - progress is best effort
                return
            if pct is not None and 0 <= pct < 100 and int(pct) > shown:
                shown = int(pct)
                progress(shown, 100)

    t = threading.Thread(target=poll, daemon=True)
    t.start()
    try:
        con.execute(sql)
    finally:
        done.set()
        t.join()
    progress(100, 100)


def _explain_bad(files: Sequence[tuple[Path, str]], bad: dict[str, int], spec: ReadSpec,
                 report: ReadReport) -> None:
    """Have the in-memory reader word the errors of the files DuckDB flagged."""
    opts = dict(skills_field=spec.skills_field, lang=spec.lang)
    flagged = [(f, fmt) for f, fmt in files if bad.get(str(f))]
    if not spec.skip_bad:
        for f, fmt in flagged:
            for _ in corpus.iter_skill_lists(f, format=fmt, **opts):
                pass
        raise StepsError(f"DuckDB found {sum(bad.values())} bad record(s) that the in-memory reader accepts "
                         f"(in {', '.join(str(f) for f, _ in flagged)}); please report this and use --engine memory")
    for f, fmt in flagged:
        need = min(bad[str(f)], report.max_errors - len(report.errors))
        if need <= 0:
            break
        sub = ReadReport(max_errors=need)
        for _ in corpus.iter_skill_lists(f, format=fmt, skip_bad=True, report=sub, **opts):
            if sub.n_skipped >= need:
                break
        report.errors.extend(sub.errors)
    report.n_skipped += sum(bad.values())


def count_cooccurrences_duckdb(path: str | Path, *, format: str | None = None, skills_field: str = "skills",
                               lang: str = "en", skip_bad: bool = False, report: ReadReport | None = None,
                               progress: Progress | None = None, memory_limit: str | None = None,
                               threads: int | None = None, temp_dir: str | Path | None = None) -> Cooccurrence:
    """Count skills and skill pairs of a corpus file or folder with DuckDB (see the module docs).

    ``memory_limit`` (e.g. ``"4GB"``) and ``threads`` are passed to DuckDB; intermediate tables live in a
    temporary database under ``temp_dir`` (default: the system's temporary folder) and spill there.
    ``progress(percent, 100)`` follows DuckDB's scan.
    """
    import duckdb

    spec = read_spec(format=format, skills_field=skills_field, lang=lang, skip_bad=skip_bad)
    report = report if report is not None else ReadReport()
    files = formats.corpus_files(path, spec.format)

    def fallback(reason: str) -> Cooccurrence:
        note = f"DuckDB could not read the corpus as given ({reason}); counted with the in-memory reader"
        sub = ReadReport(max_errors=report.max_errors)
        cooc = count_cooccurrences(corpus.iter_skill_lists(path, format=spec.format, skills_field=skills_field,
                                                           lang=lang, skip_bad=skip_bad, report=sub),
                                   progress=progress)
        report.n_records += sub.n_records
        report.n_untagged += sub.n_untagged
        report.n_skipped += sub.n_skipped
        report.files.extend(sub.files)
        report.errors.extend(sub.errors[: max(0, report.max_errors - len(report.errors))])
        report.notes.append(note)
        return cooc

    if any(fmt != "parquet" and _has_bom(f) for f, fmt in files):
        return fallback("a file starts with a byte-order mark")
    try:
        source = _sources(files, spec)
    except _CannotRead as exc:
        return fallback(str(exc))

    with tempfile.TemporaryDirectory(prefix="steps-duck-", dir=temp_dir) as tmp:
        config = {"temp_directory": str(Path(tmp) / "spill"), "preserve_insertion_order": False}
        if memory_limit:
            config["memory_limit"] = str(memory_limit)
        if threads:
            config["threads"] = int(threads)
        con = duckdb.connect(str(Path(tmp) / "count.duckdb"), config=config)
        # DuckDB tracks progress (read by query_progress) but never prints its own bar on stdout
        con.execute(f"SET enable_progress_bar = {'true' if progress is not None else 'false'}")
        con.execute("SET enable_progress_bar_print = false")
        try:
            try:
                _run(con, f"CREATE TABLE lists AS {_lists_sql(source, spec)}", progress)
            except duckdb.Error as exc:
                con.close()
                return fallback(str(exc).splitlines()[0])
            bad = dict(con.execute("SELECT filename, count(*) FROM lists WHERE state = 'bad' "
                                   "GROUP BY filename").fetchall())
            # DuckDB reports file names as given; map them back to ours
            bad = {str(Path(k)): int(v) for k, v in bad.items()}
            if bad:
                _explain_bad(files, bad, spec, report)
            n_records, n_untagged = con.execute("SELECT count(*) FILTER (state = 'ok'), "
                                                "count(*) FILTER (state = 'untagged') FROM lists").fetchone()
            rows = con.execute("SELECT s, count(*) FROM (SELECT unnest(sk) AS s FROM lists WHERE state = 'ok') "
                               "GROUP BY s").fetchall()
            names = sorted(r[0] for r in rows)
            by_name = dict(rows)
            counts = np.array([by_name[s] for s in names], np.int64)
            n = len(names)
            import pyarrow as pa

            ids = pa.table({"name": pa.array(names, pa.string()), "idx": pa.array(np.arange(n, dtype=np.int64))})
            con.register("ids_arrow", ids)
            con.execute("CREATE TABLE ids AS SELECT * FROM ids_arrow")
            con.unregister("ids_arrow")
            con.execute("CREATE TABLE ex AS SELECT l.rid, i.idx FROM (SELECT rowid AS rid, unnest(sk) AS s "
                        "FROM lists WHERE state = 'ok') l JOIN ids i ON l.s = i.name")
            res = con.execute("SELECT a.idx AS i, b.idx AS j, count(*) AS c FROM ex a JOIN ex b "
                              "ON a.rid = b.rid AND a.idx < b.idx GROUP BY ALL").fetchnumpy()
        finally:
            con.close()
    lo = np.asarray(res["i"], np.int64)
    hi = np.asarray(res["j"], np.int64)
    c = np.asarray(res["c"], np.int64)
    order = np.lexsort((hi, lo))          # the same entry order as the in-memory path
    lo, hi, c = lo[order], hi[order], c[order]
    mat = sp.coo_array((np.r_[c, c], (np.r_[lo, hi], np.r_[hi, lo])), shape=(n, n))
    report.n_records += int(n_records)
    report.n_untagged += int(n_untagged)
    report.files.extend(str(f) for f, _ in files)
    return Cooccurrence(tuple(names), counts, sp.csr_array(mat), int(n_records))
