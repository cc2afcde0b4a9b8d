"""Synthetic skill graphs with known structure, for checks and benchmarks.

>>> g, groups, subgroups = planted_hierarchy(64, n_groups=2, n_sub=2, seed=0)
>>> g.n_skills, sorted(set(groups.tolist())), sorted(set(subgroups.tolist()))
(64, [0, 1], [0, 1, 2, 3])
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .graph import SkillGraph


def _graph(n: int, rows: np.ndarray, cols: np.ndarray, w: np.ndarray, name: str) -> SkillGraph:
    width = len(str(max(n - 1, 0)))
    adj = sp.csr_array(sp.coo_array((np.r_[w, w], (np.r_[rows, cols], np.r_[cols, rows])), shape=(n, n)))
    adj.sort_indices()
    return SkillGraph(tuple(f"skill {i:0{width}d}" for i in range(n)), adj, np.zeros(n, np.int64), name)


def planted_hierarchy(n: int, *, n_groups: int = 4, n_sub: int = 4, p_sub: float = 0.5, p_group: float = 0.1,
                      p_out: float = 0.01, w_low: float = 0.5, w_high: float = 1.5,
                      seed: int = 0) -> tuple[SkillGraph, np.ndarray, np.ndarray]:
    """A two-level planted hierarchy: ``n_groups`` groups of ``n_sub`` subgroups each.

    Skill i is in subgroup ``i mod (n_groups * n_sub)`` and group ``subgroup div n_sub``. An edge appears with
    probability ``p_sub`` inside a subgroup, ``p_group`` between subgroups of one group and ``p_out``
    otherwise; weights are uniform in ``[w_low, w_high]``. Returns the graph and the group and subgroup of
    each skill.
    """
    rng = np.random.default_rng(seed)
    n_blocks = n_groups * n_sub
    sub = np.arange(n) % n_blocks
    group = sub // n_sub
    members = [np.flatnonzero(sub == b) for b in range(n_blocks)]
    rows, cols = [], []
    for a in range(n_blocks):
        for b in range(a, n_blocks):
            p = p_sub if a == b else (p_group if a // n_sub == b // n_sub else p_out)
            ma, mb = members[a], members[b]
            hit = rng.random((ma.size, mb.size)) < p
            if a == b:
                hit = np.triu(hit, k=1)
            r, c = np.nonzero(hit)
            rows.append(ma[r])
            cols.append(mb[c])
    rows_a, cols_a = np.concatenate(rows), np.concatenate(cols)
    w = rng.uniform(w_low, w_high, rows_a.size)
    return _graph(n, rows_a, cols_a, w, "planted"), group, sub


def erdos_renyi(n: int, n_edges: int, *, w_low: float = 0.5, w_high: float = 1.5, seed: int = 0) -> SkillGraph:
    """A G(n, m)-style random graph with about ``n_edges`` distinct edges and uniform weights (a control)."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, n, int(n_edges * 1.1) + 10)
    b = rng.integers(0, n, a.size)
    keep = a != b
    lo, hi = np.minimum(a[keep], b[keep]), np.maximum(a[keep], b[keep])
    key = np.unique(lo.astype(np.int64) * n + hi)[:n_edges]
    rows, cols = key // n, key % n
    return _graph(n, rows, cols, rng.uniform(w_low, w_high, rows.size), "erdos-renyi")
