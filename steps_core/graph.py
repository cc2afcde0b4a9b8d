"""The skill co-occurrence graph (docs/method.md §1).

Counting streams over skill lists and keeps only the counts: ``n_i`` (records tagged with skill i, once per
record) and ``c_ij`` (records tagged with both). A :class:`SkillGraph` is the weighted, symmetric, sparse graph
built from those counts with one of the weightings of :data:`WEIGHTINGS`.

>>> cooc = count_cooccurrences([["a", "b"], ["a", "b", "c"], ["c"]])
>>> cooc.skills, cooc.counts.tolist(), cooc.n_records
(('a', 'b', 'c'), [2, 2, 2], 3)
>>> g = build_graph(cooc, weighting="count")
>>> g.weight("a", "b"), g.weight("a", "c")
(2.0, 1.0)
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np
import scipy.sparse as sp

from .errors import InputError
from .names import WEIGHTINGS

Progress = Callable[[int, "int | None"], None]

#: The most skills one record may carry (its pairs grow as the square); the corpus readers say the same.
MAX_SKILLS_PER_RECORD = 1000



@dataclass(frozen=True, eq=False)
class Cooccurrence:
    """Skill and pair counts of a corpus.

    ``skills`` are sorted by name (so the result does not depend on record order), ``counts[i]`` is n_i,
    ``pairs`` a symmetric sparse matrix of c_ij (zero diagonal) and ``n_records`` the number of records read.
    """

    skills: tuple[str, ...]
    counts: np.ndarray
    pairs: sp.csr_array
    n_records: int

    @property
    def n_skills(self) -> int:
        return len(self.skills)

    @cached_property
    def index(self) -> dict[str, int]:
        return {s: i for i, s in enumerate(self.skills)}


def _reduce_pairs(keys: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sum ``counts`` over equal ``keys``; returns sorted unique keys and their totals."""
    if keys.size == 0:
        return keys, counts
    order = np.argsort(keys, kind="stable")
    keys, counts = keys[order], counts[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    return keys[starts], np.add.reduceat(counts, starts)


class _PairCounter:
    """Accumulates pair counts chunk by chunk as (i << 32 | j) keys with i < j, consolidating lazily."""

    def __init__(self) -> None:
        self.keys = np.empty(0, np.int64)
        self.counts = np.empty(0, np.int64)
        self.pending: list[tuple[np.ndarray, np.ndarray]] = []
        self.n_pending = 0

    def add(self, keys: np.ndarray) -> None:
        k, c = _reduce_pairs(keys, np.ones(keys.size, np.int64))
        self.pending.append((k, c))
        self.n_pending += k.size
        if self.n_pending > max(4_000_000, self.keys.size):
            self.consolidate()

    def consolidate(self) -> None:
        if self.pending:
            ks = [self.keys] + [p[0] for p in self.pending]
            cs = [self.counts] + [p[1] for p in self.pending]
            self.keys, self.counts = _reduce_pairs(np.concatenate(ks), np.concatenate(cs))
            self.pending, self.n_pending = [], 0


def _chunk_pairs(flat: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Pair keys (lo << 32 | hi) of every record in a chunk, grouped by record length to vectorise."""
    offsets = np.r_[0, np.cumsum(lengths)[:-1]]
    out = []
    for length in np.unique(lengths):
        if length < 2:
            continue
        rows = offsets[lengths == length]
        mat = flat[rows[:, None] + np.arange(length)]
        iu, ju = np.triu_indices(int(length), 1)
        a, b = mat[:, iu].ravel(), mat[:, ju].ravel()
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        out.append((lo << 32) | hi)
    return np.concatenate(out) if out else np.empty(0, np.int64)


def count_cooccurrences(skill_lists: Iterable[Sequence[str]], *, chunk_size: int = 50_000,
                        progress: Progress | None = None) -> Cooccurrence:
    """Count skills and skill pairs over a stream of skill lists.

    A skill listed twice in one record counts once. Only one chunk of ``chunk_size`` records is held at a
    time, so the corpus may be far larger than memory. ``progress(records_done, None)`` is called per chunk.

    >>> c = count_cooccurrences([["x", "y", "x"], ["y"]])
    >>> c.counts.tolist(), c.pairs.toarray().tolist()
    ([1, 2], [[0, 1], [1, 0]])
    """
    index: dict[str, int] = {}
    node_counts = np.zeros(0, np.int64)
    pairs = _PairCounter()
    flat: list[int] = []
    lengths: list[int] = []
    n_records = 0

    def flush() -> None:
        nonlocal node_counts, flat, lengths
        if not lengths:
            return
        f = np.asarray(flat, np.int64)
        ln = np.asarray(lengths, np.int64)
        bc = np.bincount(f, minlength=len(index))
        if node_counts.size < bc.size:
            node_counts = np.pad(node_counts, (0, bc.size - node_counts.size))
        node_counts[: bc.size] += bc
        pairs.add(_chunk_pairs(f, ln))
        flat, lengths = [], []
        if progress is not None:
            progress(n_records, None)

    lookup = index.get
    for skills in skill_lists:
        n_records += 1
        before = len(flat)
        for s in skills:
            i = lookup(s)
            if i is None:
                i = index[s] = len(index)
            flat.append(i)
        if len(flat) - before > 1 and len(set(flat[before:])) != len(flat) - before:
            flat[before:] = list(dict.fromkeys(flat[before:]))
        if len(flat) - before > MAX_SKILLS_PER_RECORD:
            raise InputError(f"record {n_records:,} has {len(flat) - before:,} skills; at most "
                             f"{MAX_SKILLS_PER_RECORD:,} per record", field="skills")
        lengths.append(len(flat) - before)
        if len(lengths) >= chunk_size:
            flush()
    flush()
    pairs.consolidate()

    n = len(index)
    names = list(index)
    order = sorted(range(n), key=names.__getitem__)          # sorted by name: record order never matters
    remap = np.empty(n, np.int64)
    remap[order] = np.arange(n)
    lo = remap[pairs.keys >> 32]
    hi = remap[pairs.keys & 0xFFFFFFFF]
    mat = sp.coo_array((np.r_[pairs.counts, pairs.counts], (np.r_[lo, hi], np.r_[hi, lo])), shape=(n, n))
    counts = np.zeros(n, np.int64)
    counts[remap[: node_counts.size]] = node_counts
    return Cooccurrence(tuple(names[i] for i in order), counts, sp.csr_array(mat), n_records)


@dataclass(frozen=True)
class Pruning:
    """Which skills :func:`build_graph` left out, and why (reported to the user).

    ``min_count`` is the threshold used (``auto`` says whether it was chosen from the data), ``rare`` the skills
    below it, ``versions`` the version-number tags dropped (``14.04``, ``v2.1``).
    """

    min_count: int
    auto: bool
    rare: tuple[str, ...] = ()
    versions: tuple[str, ...] = ()
    rare_tags: int = 0
    total_tags: int = 0

    def summary(self) -> list[str]:
        """Plain-words lines for a terminal or a page (empty when nothing was dropped)."""
        out = []
        if self.rare:
            how = "chosen from the data" if self.auto else "as set"
            share = f", {self.rare_tags / self.total_tags:.2%} of all tags" if self.total_tags else ""
            out.append(f"dropped {len(self.rare):,} rare skill(s) tagged on fewer than {self.min_count} records "
                       f"(min count {how}{share}), e.g. {_examples(self.rare)}")
        if self.versions:
            out.append(f"dropped {len(self.versions):,} version-number tag(s), e.g. {_examples(self.versions)}")
        return out


def _examples(names: Sequence[str], n: int = 5) -> str:
    shown = ", ".join(repr(x) for x in names[:n])
    return shown + (f" and {len(names) - n:,} more" if len(names) > n else "")


@dataclass(frozen=True, eq=False)
class SkillGraph:
    """A weighted skill graph: symmetric sparse ``adjacency`` (zero diagonal) over ``skills``.

    ``counts[i]`` is n_i (0 when unknown), ``weighting`` says how weights were made, ``n_records`` how many
    records were counted (0 when the graph came from an edge list). ``cooccur`` holds c_ij, the records tagged
    with both skills, for every pair seen together at least once (None when the graph did not come from
    counts); it is the corpus's evidence that two skills belong together (docs/core.md, "Choosing a list").
    ``pruning`` says which skills of the corpus were left out.
    """

    skills: tuple[str, ...]
    adjacency: sp.csr_array
    counts: np.ndarray
    weighting: str = "lift"
    n_records: int = 0
    cooccur: sp.csr_array | None = None
    pruning: Pruning | None = None

    @property
    def n_skills(self) -> int:
        return len(self.skills)

    @cached_property
    def n_edges(self) -> int:
        if _compiled(self.adjacency):
            from .graph_kernels import upper_count

            return upper_count(self.adjacency)
        return int(sp.triu(self.adjacency, k=1).nnz)

    @cached_property
    def degree(self) -> np.ndarray:
        """d_v = sum of the weights of v's edges."""
        return np.asarray(self.adjacency.sum(axis=1)).ravel()

    @cached_property
    def vol(self) -> float:
        """vol(G) = sum of degrees = twice the total edge weight."""
        return float(self.degree.sum())

    @cached_property
    def index(self) -> dict[str, int]:
        return {s: i for i, s in enumerate(self.skills)}

    def edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each undirected edge once, as arrays (source index, target index, weight) with source < target."""
        adj = self.adjacency
        if _compiled(adj) and adj.has_sorted_indices:   # row by row, sorted: the upper entries come in order
            from .graph_kernels import upper_entries

            return upper_entries(adj)
        up = sp.triu(adj, k=1).tocoo()
        row, col = up.row.astype(np.int64), up.col.astype(np.int64)
        key = row * self.n_skills + col
        if (key[1:] > key[:-1]).all():                 # rows of sorted indices come out in order: no sort
            return row, col, up.data.astype(float)
        order = np.argsort(key, kind="stable")
        return row[order], col[order], up.data[order].astype(float)

    @cached_property
    def fingerprint(self) -> str:
        """A content hash of the graph (skills, counts, edges and weights), computed once."""
        import hashlib

        h = hashlib.sha256()
        h.update("\0".join(self.skills).encode("utf-8", "surrogatepass"))
        h.update(np.asarray(self.counts, "<i8").tobytes())
        for arr, dtype in zip(self.edges(), ("<i8", "<i8", "<f8")):
            h.update(np.asarray(arr, dtype).tobytes())
        return h.hexdigest()

    def weight(self, a: str, b: str) -> float:
        return float(self.adjacency[self.index[a], self.index[b]])


def _compiled(adj) -> bool:
    """Whether to walk a large CSR matrix with a compiled pass (:mod:`steps_core.graph_kernels`, no temporary
    arrays): when numba is loaded already (building a tree loads it; counting a corpus does not pay for it)."""
    import sys

    return adj.format == "csr" and adj.nnz >= 100_000 and "numba" in sys.modules


def _weights(weighting: str, c: np.ndarray, ni: np.ndarray, nj: np.ndarray, n_records: int) -> np.ndarray:
    c = c.astype(float)
    if weighting == "lift":
        return (c + 2.0) / ((ni + 1.0) * (nj + 1.0))
    if weighting == "count":
        return c
    # npmi, with p = counts / records; p_ij = 1 is the limit npmi = 1
    p_ij = c / n_records
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(p_ij / ((ni / n_records) * (nj / n_records)))
        out = np.where(p_ij >= 1.0, 1.0, pmi / -np.log(p_ij))
    return np.maximum(out, 0.0)


def check_weighting(weighting: str) -> str:
    if weighting not in WEIGHTINGS:
        raise InputError(f"unknown weighting {weighting!r}; choose one of {', '.join(WEIGHTINGS)}")
    return weighting


#: A tag that is only a version number: ``14.04``, ``12.04.5``, ``v2.1``, ``3.x`` (not ``python-3`` or ``ext4``).
VERSION_TAG = re.compile(r"[vV]?\d+(?:\.(?:\d+|x))+[a-z]?")

#: ``min_count="auto"``: the rarest skills that together hold at most this share of all tag assignments are
#: dropped (the long tail) ...
AUTO_TAIL_SHARE = 0.005
#: ... but never a skill tagged on at least this share of the records, and a skill on one record always.
AUTO_KEEP_SHARE = 0.001


def auto_min_count(counts: np.ndarray, n_records: int) -> int:
    """The ``min_count`` chosen from the data: drop the long tail of rare skills.

    The rarest skills that together hold at most 0.5% of all tag assignments are dropped, except that a
    skill tagged on at least 0.1% of the records is always kept, and a skill seen on a single record is always
    dropped (it cannot show what it is combined with). Returns the threshold (>= 2).

    >>> auto_min_count(np.array([1, 2, 3, 500, 500]), 5000)      # 1 and 2 hold 3 of 1,006 tags (0.3%)
    3
    >>> auto_min_count(np.array([3, 40, 50, 60]), 1500)          # 0.1% of 1,500 records is 1.5: keep the 3
    2
    """
    c = np.sort(np.asarray(counts, np.int64))
    c = c[c > 0]
    if c.size == 0:
        return 2
    tail = np.cumsum(c) <= AUTO_TAIL_SHARE * c.sum()
    by_tail = int(c[tail.sum()]) if tail.sum() < c.size else int(c[-1]) + 1
    never_above = max(1, math.ceil(AUTO_KEEP_SHARE * n_records))
    return max(2, min(by_tail, never_above))


def _no_edges_error(cooc: Cooccurrence, kept: np.ndarray) -> InputError:
    """Why a corpus gave a graph without edges, in words a user can act on."""
    glued = [s for s in cooc.skills if re.search(r"[<>|;,]|\s{2,}", s) or len(s.split()) > 6][:3]
    if cooc.pairs.nnz == 0:
        why = (f"no record has two or more skills ({cooc.n_records:,} records, {cooc.n_skills:,} distinct skills), so "
               "no two skills are ever seen together")
    else:
        why = (f"no two of the {kept.size:,} skills kept are ever tagged on the same record (the filters "
               "--min-count / --min-cooccur removed every pair)")
    hint = ""
    if glued:
        hint = (f"; skill names such as {', '.join(repr(g[:60]) for g in glued)} look like several tags glued into "
                "one string: give the skills as a list, or as a string separated by ';' or ',' or as <a><b><c>")
    return InputError(f"the skill graph has no edges: {why}{hint}")


def build_graph(cooc: Cooccurrence, *, weighting: str = "lift", min_count: int | str = "auto",
                min_cooccur: int = 1, drop_versions: bool = True) -> SkillGraph:
    """Weight the co-occurrence counts into a :class:`SkillGraph`.

    Skills with ``n_i < min_count`` are dropped (``"auto"``: :func:`auto_min_count` chooses it from the data),
    and so are tags that are only version numbers (:data:`VERSION_TAG`) unless ``drop_versions`` is false; the
    graph's ``pruning`` says what was dropped. An edge exists when ``c_ij >= min_cooccur`` (and its weight is
    positive: npmi clips anti-correlated pairs to 0, which removes them). Skills left without edges stay as
    isolated nodes; a graph with no edge at all is an error that says why.

    >>> g = build_graph(count_cooccurrences([["a", "b"], ["a", "c"], ["a"]]), weighting="lift", min_count=1)
    >>> round(g.weight("a", "b"), 6)   # (1 + 2) / ((3 + 1) (1 + 1))
    0.375
    """
    check_weighting(weighting)
    auto = min_count == "auto"
    if not auto and (not isinstance(min_count, (int, np.integer)) or isinstance(min_count, bool) or min_count < 1):
        raise InputError(f"min_count must be an integer >= 1 or 'auto', got {min_count!r}")
    if not isinstance(min_cooccur, (int, np.integer)) or isinstance(min_cooccur, bool) or min_cooccur < 1:
        raise InputError(f"min_cooccur must be an integer >= 1, got {min_cooccur!r}")
    if cooc.n_records == 0:
        raise InputError("the corpus has no records")
    threshold = auto_min_count(cooc.counts, cooc.n_records) if auto else int(min_count)
    is_version = np.array([drop_versions and VERSION_TAG.fullmatch(s) is not None for s in cooc.skills], bool)
    rare = (cooc.counts < threshold) & ~is_version
    keep = np.flatnonzero(~rare & ~is_version)
    pruning = Pruning(threshold, auto, tuple(cooc.skills[i] for i in np.flatnonzero(rare)),
                      tuple(cooc.skills[i] for i in np.flatnonzero(is_version)),
                      int(cooc.counts[rare].sum()), int(cooc.counts.sum()))
    new = np.full(cooc.n_skills, -1, np.int64)
    new[keep] = np.arange(keep.size)
    up = sp.triu(cooc.pairs, k=1).tocoo()
    both = (new[up.row] >= 0) & (new[up.col] >= 0)
    r, c, cnt = up.row[both], up.col[both], up.data[both]
    n = keep.size
    cooccur = _symmetric(new[r], new[c], cnt.astype(np.int64), n)
    edge = cnt >= min_cooccur
    w = _weights(weighting, cnt[edge], cooc.counts[r[edge]], cooc.counts[c[edge]], cooc.n_records)
    pos = w > 0
    er, ec = new[r[edge][pos]], new[c[edge][pos]]
    if er.size == 0 and n > 1:
        raise _no_edges_error(cooc, keep)
    adj = _symmetric(er, ec, w[pos], n)
    return SkillGraph(tuple(cooc.skills[i] for i in keep), adj, cooc.counts[keep].copy(), weighting,
                      cooc.n_records, cooccur, pruning)


def _symmetric(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, n: int) -> sp.csr_array:
    """The symmetric sparse matrix with ``values`` at (rows, cols) and (cols, rows), indices sorted."""
    out = sp.csr_array(sp.coo_array((np.r_[values, values], (np.r_[rows, cols], np.r_[cols, rows])), shape=(n, n)))
    out.sort_indices()
    return out


def graph_from_edges(edges: Iterable[Sequence], *, skills: Iterable[str] = (),
                     counts: dict[str, int] | None = None, weighting: str = "given",
                     source: str | None = None, lines: Sequence[int] | None = None) -> SkillGraph:
    """Build a graph from ``(source, target, weight)`` triples (plus optional extra, isolated ``skills``).

    Weights must be finite and non-negative; zero-weight edges are dropped. Each triple may carry a fourth
    value, the pair's co-occurrence count c_ij (an integer >= 0): then the graph keeps them as ``cooccur``,
    also for pairs of weight 0. A self-loop or an edge listed twice is an error naming ``source`` (a file) and
    the line: ``lines[i]`` for the i-th triple when given, else its position (1-based).

    >>> g = graph_from_edges([("a", "b", 0.5, 3), ("b", "c", 0.0, 1)])
    >>> g.n_edges, int(g.cooccur[1, 2])
    (1, 1)
    """
    names: dict[str, None] = dict.fromkeys(skills)
    rows: list[tuple[str, str, float]] = []
    pairs: list[tuple[str, str, int]] = []
    seen: dict[tuple[str, str], int] = {}
    with_counts = None
    for i, edge in enumerate(edges):
        pos = lines[i] if lines is not None else i + 1
        if len(edge) not in (3, 4) or (with_counts is not None and (len(edge) == 4) != with_counts):
            raise InputError("expected source, target, weight" + (", cooccur" if with_counts else ""),
                             path=source, line=pos)
        with_counts = len(edge) == 4
        a, b, w = edge[:3]
        try:
            w = float(w)
        except (TypeError, ValueError):
            raise InputError(f"weight {w!r} is not a number", path=source, line=pos, field="weight") from None
        if not math.isfinite(w) or w < 0:
            raise InputError(f"weight must be a finite number >= 0, got {w!r}", path=source, line=pos,
                             field="weight")
        for name, fld in ((a, "source"), (b, "target")):
            if not isinstance(name, str) or not name.strip():
                raise InputError("empty skill name", path=source, line=pos, field=fld)
            if name != name.strip():
                raise InputError(f"skill name {name!r} starts or ends with whitespace (a space after a comma?)",
                                 path=source, line=pos, field=fld)
        if a == b:
            raise InputError(f"self-loop on {a!r}: a skill cannot co-occur with itself", path=source, line=pos)
        key = (a, b) if a < b else (b, a)
        if key in seen:
            raise InputError(f"edge {a!r} - {b!r} is listed twice (first on line {seen[key]})",
                             path=source, line=pos)
        seen[key] = pos
        names.setdefault(a)
        names.setdefault(b)
        if w > 0:
            rows.append((a, b, w))
        if with_counts:
            c = edge[3]
            try:
                c = int(c) if not isinstance(c, (bool, float)) else None
            except (TypeError, ValueError):
                c = None
            if c is None or c < 0:
                raise InputError(f"cooccur must be an integer >= 0, got {edge[3]!r}", path=source, line=pos,
                                 field="cooccur")
            if c > 0:
                pairs.append((a, b, c))
    ordered = tuple(sorted(names))
    index = {s: i for i, s in enumerate(ordered)}
    n = len(ordered)

    def matrix(items, dtype) -> sp.csr_array:
        r = np.fromiter((index[x[0]] for x in items), np.int64, len(items))
        c = np.fromiter((index[x[1]] for x in items), np.int64, len(items))
        return _symmetric(r, c, np.fromiter((x[2] for x in items), dtype, len(items)), n)

    with np.errstate(over="ignore"):
        total = 2.0 * float(np.sum([w for _, _, w in rows])) if rows else 0.0
    if not math.isfinite(total):
        raise InputError("the edge weights are too large: their total overflows a floating-point number; divide "
                         "them all by a constant (only their ratios matter)", path=source, field="weight")
    cnt = np.array([(counts or {}).get(s, 0) for s in ordered], np.int64)
    return SkillGraph(ordered, matrix(rows, float), cnt, weighting,
                      cooccur=matrix(pairs, np.int64) if with_counts else None)


def nodes_path(edges_path: str | Path) -> Path:
    """Where the node list of an edge list lives: ``graph.csv`` -> ``graph.nodes.csv``."""
    p = Path(edges_path)
    return p.with_name(p.stem + ".nodes.csv")


def pair_arrays(graph: SkillGraph) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """:func:`pair_rows` as arrays ``(i, j, weight, c_ij)``; ``c_ij`` is None when the counts are unknown."""
    src, dst, w = graph.edges()
    if graph.cooccur is None:
        return src, dst, w, None
    up = sp.triu(graph.cooccur, k=1).tocoo()
    n = graph.n_skills
    keys = np.union1d(src * n + dst, up.row.astype(np.int64) * n + up.col)
    weight = np.zeros(keys.size)
    weight[np.searchsorted(keys, src * n + dst)] = w
    count = np.zeros(keys.size, np.int64)
    count[np.searchsorted(keys, up.row.astype(np.int64) * n + up.col)] = up.data
    return keys // n, keys % n, weight, count


def pair_rows(graph: SkillGraph) -> Iterator[tuple[int, int, float, int | None]]:
    """Every pair of the graph once, as ``(i, j, weight, c_ij)`` with i < j, sorted: the edges and, when the
    graph knows its co-occurrence counts, the pairs seen together that are not edges (weight 0). c_ij is
    None when the counts are unknown."""
    src, dst, w, count = pair_arrays(graph)
    if count is None:
        yield from ((a, b, x, None) for a, b, x in zip(src.tolist(), dst.tolist(), w.tolist()))
    else:
        yield from zip(src.tolist(), dst.tolist(), w.tolist(), count.tolist())


def write_graph_csv(graph: SkillGraph, path: str | Path, *, inputs: Sequence[str | Path] = ()) -> tuple[Path, Path]:
    """Write the edge list ``source,target,weight[,cooccur]`` and the node list ``skill,count`` beside it.

    Weights are written with ``repr`` so that reading them back gives the same floats. When the graph knows
    its co-occurrence counts, a fourth column holds c_ij and pairs seen together without an edge are rows of
    weight 0. Both outputs are checked before either is written (neither may be one of ``inputs``, the other
    output, a database or a special file); each is written atomically, the node list first.
    """
    from .io import check_output, guarded_output

    path = Path(path)
    npath = nodes_path(path)
    check_output(path, [*inputs, npath])
    check_output(npath, [*inputs, path])
    with guarded_output(npath, newline="", inputs=inputs) as fh:
        out = csv.writer(fh)
        out.writerow(["skill", "count"])
        out.writerows((s, int(c)) for s, c in zip(graph.skills, graph.counts))
    names = graph.skills
    with guarded_output(path, newline="", inputs=inputs) as fh:
        out = csv.writer(fh)
        if graph.cooccur is None:
            out.writerow(["source", "target", "weight"])
            out.writerows((names[a], names[b], repr(x)) for a, b, x, _ in pair_rows(graph))
        else:
            out.writerow(["source", "target", "weight", "cooccur"])
            out.writerows((names[a], names[b], repr(x), c) for a, b, x, c in pair_rows(graph))
    return path, npath


def _csv_rows(path: Path, required: Sequence[str], optional: Sequence[str] = ()):
    try:
        fh = path.open("r", encoding="utf-8-sig", newline="")         # a byte-order mark (Excel) is fine
    except FileNotFoundError:
        raise InputError("file not found", path=str(path)) from None
    with fh:
        reader = csv.reader(fh)
        try:
            header = next(reader, None)
            if header is None:
                raise InputError("empty file", path=str(path))
            header = [h.strip().lower() for h in header]
            missing = [c for c in required if c not in header]
            if missing:
                raise InputError(f"missing column(s) {', '.join(missing)}; the header must be "
                                 f"{','.join(required)} (found {','.join(header)})", path=str(path), line=1)
            cols = [header.index(c) for c in required] + [header.index(c) for c in optional if c in header]
            for row in reader:
                if not row or all(not x.strip() for x in row):
                    continue
                if len(row) != len(header):
                    raise InputError(f"expected {len(header)} fields, found {len(row)}", path=str(path),
                                     line=reader.line_num)
                yield reader.line_num, [row[c] for c in cols]
        except UnicodeDecodeError as exc:
            raise InputError(f"not valid UTF-8 ({exc.reason})", path=str(path)) from None
        except csv.Error as exc:
            raise InputError(f"malformed CSV: {exc}", path=str(path), line=reader.line_num) from None


def read_graph_csv(path: str | Path) -> SkillGraph:
    """Read an edge list written by :func:`write_graph_csv` (and its node list, when present).

    A clean file is read by pyarrow (:mod:`steps_core.graph_arrow`); one with anything to report is read line by
    line, so the error names its line."""
    path = Path(path)
    counts: dict[str, int] = {}
    npath = nodes_path(path)
    if npath.exists():
        for line, (skill, count) in _csv_rows(npath, ("skill", "count")):
            try:
                counts[skill] = int(count)
            except ValueError:
                raise InputError(f"count {count!r} is not an integer", path=str(npath), line=line,
                                 field="count") from None
    from .graph_arrow import read_edges_arrow

    if path.is_file() and (fast := read_edges_arrow(path, counts)) is not None:
        return fast                                    # a clean file, read by pyarrow (errors: the careful way)
    rows = list(_csv_rows(path, ("source", "target", "weight"), ("cooccur",)))
    return graph_from_edges((r for _, r in rows), skills=counts, counts=counts, source=str(path),
                            lines=[line for line, _ in rows])


def blend_semantic(graph: SkillGraph, embeddings: np.ndarray, *, alpha: float = 0.3,
                   knn: int = 10) -> SkillGraph:
    """Blend co-occurrence weights with semantic similarity (docs/method.md §1).

    ``w = (1 - alpha) w_cooc / max(w_cooc) + alpha max(0, cos)``, where the cosine term is kept only for each
    skill's ``knn`` most similar skills (symmetrised), so the graph stays sparse. ``embeddings`` has one row
    per skill of ``graph.skills``.
    """
    if not 0.0 <= alpha <= 1.0:
        raise InputError(f"alpha must be in [0, 1], got {alpha}")
    emb = np.asarray(embeddings, float)
    if emb.shape[0] != graph.n_skills:
        raise InputError(f"need one embedding per skill: {emb.shape[0]} rows for {graph.n_skills} skills")
    norm = np.linalg.norm(emb, axis=1, keepdims=True)
    unit = emb / np.where(norm > 0, norm, 1.0)
    n = graph.n_skills
    k = max(0, min(knn, n - 1))
    rows, cols, vals = [], [], []
    for start in range(0, n, 1024):
        sims = unit[start:start + 1024] @ unit.T
        for r in range(sims.shape[0]):
            sims[r, start + r] = -np.inf
        if k:
            idx = np.argpartition(-sims, k - 1, axis=1)[:, :k]
            for r in range(sims.shape[0]):
                for c in idx[r]:
                    if sims[r, c] > 0:
                        rows.append(start + r)
                        cols.append(c)
                        vals.append(sims[r, c])
    cos = sp.csr_array(sp.coo_array((vals, (rows, cols)), shape=(n, n)))
    cos = cos.maximum(cos.T)
    wmax = graph.adjacency.max() if graph.adjacency.nnz else 1.0
    adj = sp.csr_array((1 - alpha) * graph.adjacency / wmax + alpha * cos)
    adj.setdiag(0)
    adj.eliminate_zeros()
    adj.sort_indices()
    return replace(graph, adjacency=adj, weighting=f"{graph.weighting}+semantic({alpha})")
