"""Choosing a list of combinations as a whole: a coverage value with diminishing returns (docs/core.md).

Each candidate combination c brings the tree nodes its gain is made of, ``N(c) = A(Y) minus A(X)`` (the nodes on
the paths of its added skills that the start did not cover), so that ``gain(c) = sum of h(α) over N(c)``. A list
L is worth

    F(L) = sum over nodes α of  h(α) * (1 + ρ_α + ρ_α² + ... + ρ_α^(m_α(L) - 1))

where ``m_α(L)`` counts the combinations of L that bring α. The first combination to bring a node gets all of
h(α), the second ρ·h(α), the third ρ²·h(α): a skill (a leaf) or a community used again is worth less each time.
``ρ = 1 - diversity`` for skills and ``1 - diversity / 2`` for communities (communities are shared by many
skills, so they are discounted more weakly). F is a sum of concave functions of counts, hence monotone and
submodular; F({c}) = gain(c); diversity 0 gives back the plain ranking by gain, diversity 1 counts every
node once (the list's total conditional entropy). The list is built greedily, which keeps the (1 - 1/e) guarantee
of greedy for a monotone submodular F, under two caps: a skill may appear in at most
``max_per_skill`` combinations, a start in at most ``per_start``.

>>> h = np.array([0.0, 1.0, 1.0, 0.5])           # nodes 0..3; 0..1 leaves (n_skills = 2)
>>> list_value([np.array([1, 3]), np.array([1, 3])], h, n_skills=2, diversity=0.5)   # 1.5 + (0.5 + 0.375)
2.375
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import scipy.sparse as sp

from .errors import InputError
from .names import DIVERSITY
from .shortlist_kernels import lazy_greedy

#: ``max_per_skill="auto"``: a skill may fill at most this share of the list (at least 2 combinations).
AUTO_SKILL_SHARE = 0.1


def discounts(n_nodes: int, n_skills: int, diversity: float) -> np.ndarray:
    """ρ per node: ``1 - diversity`` for the skills' leaves (nodes < n_skills), ``1 - diversity/2`` otherwise."""
    if not 0.0 <= diversity <= 1.0:
        raise InputError(f"diversity must be in [0, 1], got {diversity}")
    rho = np.full(n_nodes, 1.0 - diversity / 2)
    rho[:n_skills] = 1.0 - diversity
    return rho


def list_value(nodes: Sequence[np.ndarray], h: np.ndarray, *, n_skills: int, diversity: float) -> float:
    """F(L) of a list given, per combination, the nodes it brings (see the module docstring)."""
    rho = discounts(h.size, n_skills, diversity)
    m = np.zeros(h.size, np.int64)
    for arr in nodes:
        m[np.asarray(arr, np.int64)] += 1
    with np.errstate(divide="ignore", invalid="ignore"):
        geo = np.where(rho < 1.0, (1.0 - rho ** m) / (1.0 - rho), m)
    return float((h * geo).sum())


def auto_max_per_skill(n_list: int) -> int:
    """The per-skill cap used when none is set: 10% of the list, at least 2."""
    return max(2, math.ceil(AUTO_SKILL_SHARE * n_list))


def shortlist(nodes: sp.csr_array | Sequence[np.ndarray], skills: Sequence[Sequence[int]], starts: Sequence[object],
              gains: Sequence[float], h: np.ndarray, *, n_skills: int, n: int | None = None,
              diversity: float = DIVERSITY, max_per_skill: int | None = None,
              per_start: int | None = None, node_weights: np.ndarray | None = None) -> list[tuple[int, float]]:
    """Greedy list of up to ``n`` candidates (all when None) maximising F under the caps.

    Candidate i brings the nodes ``nodes[i]`` (a list of node arrays, or a candidates x nodes incidence
    matrix whose row i marks them), holds the skills ``skills[i]`` (indices; or row i of a 2-D array), came from
    the start ``starts[i]`` (any hashable, or an int array) and has the exact gain ``gains[i]`` (= the sum of h
    over its nodes). Returns ``(candidate, marginal value)`` in the order chosen; ties go to the earlier
    candidate. ``node_weights`` (one per node, >= 0) multiply each node's h in the list's value
    (:mod:`steps_core.weak_spots`).

    The greedy is lazy (Minoux; compiled in :mod:`steps_core.shortlist_kernels`): a candidate's value only falls
    as nodes are discounted, so a heap of values computed earlier holds upper bounds; the top is re-valued exactly
    and picked when it still comes first (ties: the earlier candidate), otherwise put back with its new value. The
    choice and its value are those of the plain greedy, ties included.
    """
    m = len(gains)
    if m == 0:
        return []
    rho = discounts(h.size, n_skills, diversity)
    if not sp.issparse(nodes):
        lengths = np.fromiter((len(x) for x in nodes), np.int64, m)
        cols = np.concatenate([np.asarray(x, np.int64) for x in nodes]) if lengths.sum() else np.zeros(0, np.int64)
        nodes = sp.csr_array((np.ones(cols.size), (np.repeat(np.arange(m), lengths), cols)), shape=(m, h.size))
    brings = sp.csr_array(nodes, dtype=float)
    worth = h if node_weights is None else h * np.asarray(node_weights, float)
    brings.data = worth[brings.indices]                                        # h(α) where candidate i brings α
    value = np.asarray(gains, float).copy() if node_weights is None else np.asarray(brings.sum(axis=1)).ravel()
    if isinstance(skills, np.ndarray) and skills.ndim == 2:      # one row of skills per candidate
        skill_ptr = np.arange(m + 1, dtype=np.int64) * skills.shape[1]
        skill_idx = np.ascontiguousarray(skills, np.int64).ravel()
    else:
        skill_len = np.fromiter((len(sk) for sk in skills), np.int64, m)
        skill_ptr = np.r_[0, np.cumsum(skill_len)].astype(np.int64)
        skill_idx = np.fromiter((int(x) for sk in skills for x in sk), np.int64, int(skill_ptr[-1]))
    if isinstance(starts, np.ndarray) and starts.dtype.kind in "iu":  # starts as ints already
        uniq, start_id = np.unique(starts, return_inverse=True)
        n_starts, start_id = uniq.size, start_id.astype(np.int64).ravel()
    else:
        start_ids: dict[object, int] = {}
        start_id = np.fromiter((start_ids.setdefault(st, len(start_ids)) for st in starts), np.int64, m)
        n_starts = len(start_ids)
    picked, values = lazy_greedy(brings.indptr.astype(np.int64), brings.indices.astype(np.int64), brings.data,
                                 value, rho, skill_ptr, skill_idx, start_id,
                                 int(max(n_skills, skill_idx.max(initial=-1) + 1)), n_starts,
                                 m if n is None else int(n), -1 if max_per_skill is None else int(max_per_skill),
                                 -1 if per_start is None else int(per_start), diversity > 0)
    return list(zip(picked.tolist(), values.tolist()))
