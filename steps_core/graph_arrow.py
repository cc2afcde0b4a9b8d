"""Fast path of :func:`steps_core.graph.read_graph_csv`: the edge list read by pyarrow's CSV reader, names
interned once (issue 16, item 3).

Only a clean file takes this path: anything the careful reader would refuse or read differently (a field that
does not parse, a missing value, a negative or non-finite weight, an empty or padded name, a self-loop, a pair
listed twice, a malformed row) makes :func:`read_edges_arrow` return None, and the caller reads the file again
line by line, so every error still names its line. The graph built here equals the careful reader's.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

REQUIRED = ("source", "target", "weight")


def _header(path: Path) -> list[str] | None:
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        first = fh.readline()
    if not first or '"' in first:
        return None
    return [h.strip().lower() for h in first.rstrip("\r\n").split(",")]


def read_edges_arrow(path: Path, counts: dict[str, int]):
    """The :class:`~steps_core.graph.SkillGraph` of a clean edge list, or None (read it the careful way)."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
        from pyarrow import csv as pacsv
    except ImportError:                                             # pragma: no cover - pyarrow is a dependency
        return None
    try:
        header = _header(path)
    except (OSError, UnicodeDecodeError):
        return None
    if header is None or len(set(header)) != len(header) or any(c not in header for c in REQUIRED):
        return None
    with_counts = "cooccur" in header
    names = [f"c{i}" for i in range(len(header))]
    col = {h: names[i] for i, h in enumerate(header)}
    types = {col["source"]: pa.string(), col["target"]: pa.string(), col["weight"]: pa.float64()}
    if with_counts:
        types[col["cooccur"]] = pa.int64()
    try:
        table = pacsv.read_csv(
            path, read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, use_threads=True),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types=types, include_columns=list(types),
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowException, OSError, ValueError):
        return None
    if any(table.column(c).null_count for c in types):
        return None
    src, dst = table.column(col["source"]), table.column(col["target"])
    both = pa.chunked_array(src.chunks + dst.chunks, pa.string())
    uniq = pc.unique(both)
    edge_names = uniq.to_pylist()
    if any(not s or s != s.strip() for s in edge_names):
        return None
    ordered = tuple(sorted(set(edge_names).union(counts)))
    value_set = pa.array(ordered, pa.string())
    a = pc.index_in(src, value_set=value_set).to_numpy().astype(np.int64)
    b = pc.index_in(dst, value_set=value_set).to_numpy().astype(np.int64)
    w = table.column(col["weight"]).to_numpy()
    if (a == b).any() or not np.isfinite(w).all() or (w < 0).any():
        return None
    n = len(ordered)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    key = np.sort(lo * n + hi)
    if (key[1:] == key[:-1]).any():                    # a pair listed twice
        return None
    with np.errstate(over="ignore"):
        total = 2.0 * float(w.sum())
    if not np.isfinite(total):
        return None
    from .graph import SkillGraph, _symmetric

    keep = w > 0
    adj = _symmetric(a[keep], b[keep], w[keep], n)
    cooccur = None
    if with_counts:
        c = table.column(col["cooccur"]).to_numpy()
        if (c < 0).any():
            return None
        pos = c > 0
        cooccur = _symmetric(a[pos], b[pos], c[pos].astype(np.int64), n)
    cnt = np.array([counts.get(s, 0) for s in ordered], np.int64)
    return SkillGraph(ordered, adj, cnt, "given", cooccur=cooccur)
