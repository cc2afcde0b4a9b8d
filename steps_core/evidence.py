"""What the corpus vouches for: which skill pairs are *attested*, and whether a combination is new.

A combination should hang together, and it should be new (docs/core.md, "Choosing a list"). Both are read off
the pair counts c_ij (records tagged with both skills), which a graph built from a corpus carries
(:attr:`~steps_core.graph.SkillGraph.cooccur`):

* a pair is **attested** when ``c_ij >= min_pair_count`` and the two skills meet more often than chance can
  explain: under independence c_ij would be about Poisson with mean ``n_i * n_j / N``, and the chance of seeing
  c_ij or more must be below :data:`CHANCE` (a hub tag that meets everything a few times, or two tags that
  meet twice where 1.5 meetings are expected, vouch for nothing); where the corpus is silent, two skills whose
  embeddings have a cosine of at least ``semantic_links`` may be linked too;
* a combination is **connected** when its skills form one connected graph through linked pairs, and **close**
  when every two of its skills are linked or both linked to a third skill of the combination (no chains that
  drift from one topic to another);
* a combination is **novel** when no record is tagged with all its skills. One pair never seen together
  proves it; otherwise a :class:`~steps_core.novelty.SupportIndex` over the corpus decides, and without one
  the combination is "maybe seen" (``None``).

A graph without counts (an edge list made elsewhere) uses its edges as the evidence: an edge is an attested
pair, a missing edge a pair never seen.

>>> from steps_core.graph import build_graph, count_cooccurrences
>>> g = build_graph(count_cooccurrences([["a", "b"]] * 5 + [["b", "c"]] * 5 + [["d"]] * 100))
>>> ev = pair_evidence(g)
>>> ev.linked(g.index["a"], g.index["b"]), ev.linked(g.index["a"], g.index["c"])
(True, False)
>>> [ev.is_connected([g.index[s] for s in c]) for c in (["a", "b", "c"], ["a", "c"])]
[True, False]
>>> ev.is_novel([g.index[s] for s in ["a", "b", "c"]])          # a and c never meet
True
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from itertools import combinations
from typing import Sequence

import numpy as np
import scipy.sparse as sp

from .errors import InputError
from .graph import SkillGraph
from .names import MIN_PAIR_COUNT

#: A pair is attested only if chance alone would show it this often with a probability below this
#: (one-sided Poisson test on c_ij with mean n_i n_j / N).
CHANCE = 0.01


@dataclass(frozen=True, eq=False)
class Evidence:
    """Pair evidence over the skills of one graph (indices as in ``graph.skills``).

    ``seen`` marks the pairs tagged together at least once, ``counts`` holds c_ij (None when the graph has no
    counts), ``links`` the linked pairs (attested, or semantically close), ``index`` an optional
    :class:`~steps_core.novelty.SupportIndex` for exact novelty.
    """

    skills: tuple[str, ...]
    seen: sp.csr_array
    counts: sp.csr_array | None
    links: sp.csr_array
    min_pair_count: int
    index: object | None = None

    def neighbours(self, i: int, matrix: str = "links") -> np.ndarray:
        """The skills linked to (or, with ``matrix="seen"``, seen with) skill ``i``."""
        m = getattr(self, matrix)
        return m.indices[m.indptr[i]:m.indptr[i + 1]]

    @cached_property
    def link_keys(self) -> np.ndarray:
        """The linked pairs as sorted keys ``i * n + j`` (both directions), for vectorised lookups."""
        return _keys(self.links)

    @cached_property
    def seen_keys(self) -> np.ndarray:
        """The pairs seen together as sorted keys ``i * n + j`` (both directions)."""
        return _keys(self.seen)

    @cached_property
    def links_seen(self) -> bool:
        """Whether every linked pair was also seen together (no semantic links where the corpus is silent): then
        a link proves a pair seen, and only unlinked pairs need a lookup."""
        linked = self.links.astype(bool)
        return bool(linked.multiply(self.seen.astype(bool)).count_nonzero() == linked.count_nonzero())

    def _key(self, i: int, j: int) -> int:
        return int(i) * len(self.skills) + int(j)

    def linked(self, i: int, j: int) -> bool:
        keys = self.link_keys
        pos = int(np.searchsorted(keys, self._key(i, j)))
        return pos < keys.size and int(keys[pos]) == self._key(i, j)

    def was_seen(self, i: int, j: int) -> bool:
        keys = self.seen_keys
        pos = int(np.searchsorted(keys, self._key(i, j)))
        return pos < keys.size and int(keys[pos]) == self._key(i, j)

    def pair_count(self, i: int, j: int) -> int | None:
        """c_ij, or None when the graph has no counts."""
        if self.counts is None:
            return None
        row = self.counts.indices[self.counts.indptr[i]:self.counts.indptr[i + 1]]
        pos = int(np.searchsorted(row, j))
        return int(self.counts.data[self.counts.indptr[i] + pos]) if pos < row.size and row[pos] == j else 0

    def is_connected(self, idx: Sequence[int]) -> bool:
        """Whether the skills form one connected graph through linked pairs (True for one skill)."""
        idx = list(idx)
        reached, todo = {idx[0]}, [idx[0]]
        while todo:
            a = todo.pop()
            for b in idx:
                if b not in reached and self.linked(a, b):
                    reached.add(b)
                    todo.append(b)
        return len(reached) == len(set(idx))

    def is_close(self, idx: Sequence[int]) -> bool:
        """Whether every two of the skills are linked, or both linked to a third skill of the combination."""
        idx = list(idx)
        nb = {a: {b for b in idx if b != a and self.linked(a, b)} for a in idx}
        return all(b in nb[a] or nb[a] & nb[b] for a, b in combinations(idx, 2))

    def is_novel(self, idx: Sequence[int]) -> bool | None:
        """True when no record holds all the skills, False when one does, None when it cannot be told."""
        idx = list(idx)
        if any(not self.was_seen(a, b) for a, b in combinations(idx, 2)):
            return True
        if self.index is not None:
            return self.index.support([self.skills[i] for i in idx]) == 0
        return None if len(idx) > 2 else False

    def pairs(self, idx: Sequence[int]) -> tuple[tuple[str, str, int | None, bool], ...]:
        """Every pair of the combination: (skill, skill, c_ij or None, linked)."""
        return tuple((self.skills[a], self.skills[b], self.pair_count(a, b), self.linked(a, b))
                     for a, b in combinations(idx, 2))


def _keys(m: sp.csr_array) -> np.ndarray:
    coo = m.tocoo()
    return np.sort(coo.row.astype(np.int64) * m.shape[0] + coo.col)


def mean_cosine(embeddings: np.ndarray, idx: Sequence[int]) -> float:
    """Mean pairwise cosine similarity of the rows ``idx`` of ``embeddings`` (1.0 for fewer than 2).

    >>> mean_cosine(np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]]), [0, 2])
    0.0
    """
    if len(idx) < 2:
        return 1.0
    e = np.asarray(embeddings, float)[list(idx)]
    norm = np.linalg.norm(e, axis=1, keepdims=True)
    e = e / np.where(norm > 0, norm, 1.0)
    sims = e @ e.T
    m = len(idx)
    return float((sims.sum() - np.trace(sims)) / (m * (m - 1)))


def _bool_matrix(m: sp.spmatrix | sp.sparray, n: int) -> sp.csr_array:
    out = sp.csr_array(m, shape=(n, n), dtype=bool)
    out.setdiag(False)
    out.eliminate_zeros()
    out.sort_indices()
    return out


def attested_pairs(graph: SkillGraph, min_pair_count: int = MIN_PAIR_COUNT) -> sp.csr_array:
    """The attested pairs of a graph as a symmetric boolean matrix (see the module docstring)."""
    n = graph.n_skills
    if graph.cooccur is None:
        return _bool_matrix(graph.adjacency > 0, n)
    c = sp.triu(graph.cooccur, k=1).tocoo()
    keep = c.data >= min_pair_count
    if graph.n_records > 0 and np.asarray(graph.counts).sum() > 0:
        from scipy.special import pdtrc                 # Poisson upper tail: pdtrc(c - 1, mu) = P(X >= c)

        counts = np.asarray(graph.counts, float)
        expected = counts[c.row] * counts[c.col] / float(graph.n_records)
        keep &= (c.data > expected) & (pdtrc(c.data - 1, expected) < CHANCE)
    r, col = c.row[keep], c.col[keep]
    return _bool_matrix(sp.coo_array((np.ones(2 * r.size, bool), (np.r_[r, col], np.r_[col, r])), shape=(n, n)), n)


def semantic_pairs(embeddings: np.ndarray, threshold: float, *, block: int = 1024) -> sp.csr_array:
    """Pairs whose embeddings have a cosine similarity of at least ``threshold`` (symmetric, boolean)."""
    emb = np.asarray(embeddings, float)
    norm = np.linalg.norm(emb, axis=1, keepdims=True)
    unit = emb / np.where(norm > 0, norm, 1.0)
    n = unit.shape[0]
    rows, cols = [], []
    for start in range(0, n, block):
        sims = unit[start:start + block] @ unit.T
        r, c = np.nonzero(sims >= threshold)
        rows.append(r + start)
        cols.append(c)
    r, c = np.concatenate(rows), np.concatenate(cols)
    return _bool_matrix(sp.coo_array((np.ones(r.size, bool), (r, c)), shape=(n, n)), n)


def pair_evidence(graph: SkillGraph, *, min_pair_count: int = MIN_PAIR_COUNT, embeddings: np.ndarray | None = None,
                  semantic_links: float | None = None, index=None) -> Evidence:
    """The :class:`Evidence` of a graph: attested pairs, plus semantic links when ``semantic_links`` (a cosine
    threshold) and ``embeddings`` (one row per skill) are given, plus exact novelty with ``index``."""
    if isinstance(min_pair_count, bool) or not isinstance(min_pair_count, (int, np.integer)) or min_pair_count < 1:
        raise InputError(f"min_pair_count must be an integer >= 1, got {min_pair_count!r}")
    n = graph.n_skills
    links = attested_pairs(graph, int(min_pair_count))
    if semantic_links is not None:
        if not -1.0 <= float(semantic_links) <= 1.0:
            raise InputError(f"semantic_links must be a cosine threshold in [-1, 1], got {semantic_links}")
        if embeddings is None:
            raise InputError("semantic links need skill embeddings")
        if np.asarray(embeddings).shape[0] != n:
            raise InputError(f"need one embedding per skill: {np.asarray(embeddings).shape[0]} rows for {n} skills")
        links = _bool_matrix(links + semantic_pairs(embeddings, float(semantic_links)), n)
    if graph.cooccur is None:
        seen, counts = _bool_matrix(graph.adjacency > 0, n), None
    else:
        seen, counts = _bool_matrix(graph.cooccur > 0, n), graph.cooccur
    return Evidence(graph.skills, seen, counts, links, int(min_pair_count), index)
