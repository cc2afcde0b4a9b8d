"""The skill co-occurrence graph (method.md §1).

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
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np
import scipy.sparse as sp

from .errors import InputError

Progress = Callable[[int, "int | None"], None]

#: Edge weightings, each a function of the counts (method.md §1).
WEIGHTINGS = {
    "lift": "w_ij = (c_ij + 2) / ((n_i + 1) (n_j + 1)); favours pairs that co-occur more than their "
            "frequencies predict (the reference weighting, default)",
    "count": "w_ij = c_ij; raw number of records tagged with both skills",
    "npmi": "w_ij = max(0, log(p_ij / (p_i p_j)) / -log p_ij) with p = counts / records; normalised "
            "pointwise mutual information, clipped at 0",
}


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


@dataclass(frozen=True, eq=False)
class SkillGraph:
    """A weighted skill graph: symmetric sparse ``adjacency`` (zero diagonal) over ``skills``.

    ``counts[i]`` is n_i (0 when unknown), ``weighting`` says how weights were made, ``n_records`` how many
    records were counted (0 when the graph came from an edge list).
    """

    skills: tuple[str, ...]
    adjacency: sp.csr_array
    counts: np.ndarray
    weighting: str = "lift"
    n_records: int = 0

    @property
    def n_skills(self) -> int:
        return len(self.skills)

    @cached_property
    def n_edges(self) -> int:
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
        up = sp.triu(self.adjacency, k=1).tocoo()
        order = np.lexsort((up.col, up.row))
        return up.row[order].astype(np.int64), up.col[order].astype(np.int64), up.data[order].astype(float)

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


def build_graph(cooc: Cooccurrence, *, weighting: str = "lift", min_count: int = 1,
                min_cooccur: int = 1) -> SkillGraph:
    """Weight the co-occurrence counts into a :class:`SkillGraph`.

    Skills with ``n_i < min_count`` are dropped; an edge exists when ``c_ij >= min_cooccur`` (and its weight
    is positive: npmi clips anti-correlated pairs to 0, which removes them). Skills left without edges stay as
    isolated nodes.

    >>> g = build_graph(count_cooccurrences([["a", "b"], ["a", "c"], ["a"]]), weighting="lift")
    >>> round(g.weight("a", "b"), 6)   # (1 + 2) / ((3 + 1) (1 + 1))
    0.375
    """
    check_weighting(weighting)
    for name, v in (("min_count", min_count), ("min_cooccur", min_cooccur)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
            raise InputError(f"{name} must be an integer >= 1, got {v!r}")
    if cooc.n_records == 0:
        raise InputError("the corpus has no records")
    keep = np.flatnonzero(cooc.counts >= min_count)
    up = sp.triu(cooc.pairs, k=1).tocoo()
    new = np.full(cooc.n_skills, -1, np.int64)
    new[keep] = np.arange(keep.size)
    mask = (up.data >= min_cooccur) & (new[up.row] >= 0) & (new[up.col] >= 0)
    r, c, cnt = up.row[mask], up.col[mask], up.data[mask]
    w = _weights(weighting, cnt, cooc.counts[r], cooc.counts[c], cooc.n_records)
    pos = w > 0
    r, c, w = new[r[pos]], new[c[pos]], w[pos]
    n = keep.size
    adj = sp.csr_array(sp.coo_array((np.r_[w, w], (np.r_[r, c], np.r_[c, r])), shape=(n, n)))
    adj.sort_indices()
    return SkillGraph(tuple(cooc.skills[i] for i in keep), adj, cooc.counts[keep].copy(), weighting,
                      cooc.n_records)


def graph_from_edges(edges: Iterable[tuple[str, str, float]], *, skills: Iterable[str] = (),
                     counts: dict[str, int] | None = None, weighting: str = "given",
                     source: str | None = None, lines: Sequence[int] | None = None) -> SkillGraph:
    """Build a graph from ``(source, target, weight)`` triples (plus optional extra, isolated ``skills``).

    Weights must be finite and non-negative; zero-weight edges are dropped. A self-loop or an edge listed
    twice is an error naming ``source`` (a file) and the line: ``lines[i]`` for the i-th triple when given,
    else its position (1-based).
    """
    names: dict[str, None] = dict.fromkeys(skills)
    rows: list[tuple[str, str, float]] = []
    seen: dict[tuple[str, str], int] = {}
    for i, (a, b, w) in enumerate(edges):
        pos = lines[i] if lines is not None else i + 1
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
    ordered = tuple(sorted(names))
    index = {s: i for i, s in enumerate(ordered)}
    n = len(ordered)
    r = np.fromiter((index[a] for a, _, _ in rows), np.int64, len(rows))
    c = np.fromiter((index[b] for _, b, _ in rows), np.int64, len(rows))
    w = np.fromiter((x for _, _, x in rows), float, len(rows))
    adj = sp.csr_array(sp.coo_array((np.r_[w, w], (np.r_[r, c], np.r_[c, r])), shape=(n, n)))
    adj.sort_indices()
    cnt = np.array([(counts or {}).get(s, 0) for s in ordered], np.int64)
    return SkillGraph(ordered, adj, cnt, weighting)


def nodes_path(edges_path: str | Path) -> Path:
    """Where the node list of an edge list lives: ``graph.csv`` -> ``graph.nodes.csv``."""
    p = Path(edges_path)
    return p.with_name(p.stem + ".nodes.csv")


def write_graph_csv(graph: SkillGraph, path: str | Path) -> tuple[Path, Path]:
    """Write the edge list ``source,target,weight`` and the node list ``skill,count`` beside it.

    Weights are written with ``repr`` so that reading them back gives the same floats.
    """
    path = Path(path)
    src, dst, w = graph.edges()
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["source", "target", "weight"])
        out.writerows((graph.skills[a], graph.skills[b], repr(float(x))) for a, b, x in zip(src, dst, w))
    npath = nodes_path(path)
    with npath.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["skill", "count"])
        out.writerows((s, int(c)) for s, c in zip(graph.skills, graph.counts))
    return path, npath


def _csv_rows(path: Path, required: Sequence[str]):
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
            cols = [header.index(c) for c in required]
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
    """Read an edge list written by :func:`write_graph_csv` (and its node list, when present)."""
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
    rows = list(_csv_rows(path, ("source", "target", "weight")))
    return graph_from_edges((r for _, r in rows), skills=counts, counts=counts, source=str(path),
                            lines=[line for line, _ in rows])


def blend_semantic(graph: SkillGraph, embeddings: np.ndarray, *, alpha: float = 0.3,
                   knn: int = 10) -> SkillGraph:
    """Blend co-occurrence weights with semantic similarity (method.md §1).

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
    return SkillGraph(graph.skills, adj, graph.counts, f"{graph.weighting}+semantic({alpha})", graph.n_records)
