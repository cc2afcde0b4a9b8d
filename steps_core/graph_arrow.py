"""Fast path of :func:`steps_core.graph.read_graph_csv`: the edge list read by pyarrow's CSV reader, names
interned once (issue 16, item 3).

Only a clean file takes this path: anything the careful reader would refuse or read differently (a field that
does not parse, a missing value, a negative or non-finite weight, an empty or padded name, a self-loop, a pair
listed twice, a malformed row) makes :func:`read_edges_arrow` return None, and the caller reads the file again
line by line, so every error still names its line. The graph built here equals the careful reader's.

The name columns are read dictionary-encoded (the reader's threads intern each block's names), so only the
blocks' dictionaries are encoded once more into the list of names, and the symmetric matrices are built by one
compiled pass over the blocks as they are (:mod:`steps_core.graph_kernels`): no column of names or indices is
ever gathered into one array.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

REQUIRED = ("source", "target", "weight")
#: pyarrow's blocks: larger ones, fewer dictionaries of names to encode again (4 MiB: 30 for 2.9M edges)
BLOCK_BYTES = 4 << 20


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
    name_type = pa.dictionary(pa.int32(), pa.string())
    types = {col["source"]: name_type, col["target"]: name_type, col["weight"]: pa.float64()}
    if with_counts:
        types[col["cooccur"]] = pa.int64()
    try:
        table = pacsv.read_csv(
            path, read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, use_threads=True,
                                                  block_size=BLOCK_BYTES),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types=types, include_columns=list(types),
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowException, OSError, ValueError):
        return None
    if any(table.column(c).null_count for c in types):
        return None
    batches = table.to_batches()
    # the blocks' dictionaries of names encoded once more, into one list of names (first seen first)
    encoded = pa.chunked_array([blk.column(i).dictionary for blk in batches for i in (0, 1)],
                               pa.string()).dictionary_encode()
    edge_names = encoded.chunk(0).dictionary.to_pylist() if encoded.num_chunks else []
    if any(not s or s != s.strip() for s in edge_names):
        return None
    ordered = tuple(sorted(set(edge_names).union(counts)))
    position = {s: i for i, s in enumerate(ordered)}
    rank = np.array([position[s] for s in edge_names], np.int32)
    maps = iter([rank[chunk.indices.to_numpy(zero_copy_only=False)] for chunk in encoded.chunks])
    blocks, total = [], 0.0
    for blk in batches:                                # columns: source, target, weight(, cooccur)
        w = blk.column(2).to_numpy()
        c = blk.column(3).to_numpy() if with_counts else w
        with np.errstate(over="ignore"):
            total += 2.0 * float(w.sum())
        a, b = (blk.column(i).indices.to_numpy(zero_copy_only=False) for i in (0, 1))
        blocks.append((a, next(maps), b, next(maps), w, c))     # a block's name indices, where those sort
    if not total < 1e307:                              # near overflow (or NaN): the careful reader says
        return None
    from .graph_kernels import symmetric_pairs

    n = len(ordered)
    built = symmetric_pairs(blocks, n, with_counts)
    if built is None:
        return None
    from .graph import SkillGraph

    cnt = np.array([counts.get(s, 0) for s in ordered], np.int64)
    return SkillGraph(ordered, built[0], cnt, "given", cooccur=built[1])
