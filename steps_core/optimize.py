"""Building encoding trees that minimise structural entropy (method.md §2).

Everything reduces to one problem, *inserting a level*: given the children ("items") of one tree node P, with
volumes ``V_x`` and the weights between them, group them so as to minimise

    Phi = sum over groups G of  I_G * log2(V_G / V_P)

where ``I_G`` is twice the weight between different items of G. ``Phi / vol(G)`` is exactly the change of H^T
when the groups are inserted as new nodes between P and its children (a group of one item inserts nothing).
For the root's vertices this is the 2-D problem ``H^P = H^1 + Phi / vol(G)``; for the top communities it adds
a level above; for a bottom community it adds a level below.

The optimiser (:func:`partition_level`) is

1. greedy merging over adjacent groups only, best reduction first, with a heap and lazy invalidation
   (merging groups with no edge between them never helps, so only edges are candidates);
2. refinement, O(m) per pass, until a pass gains less than a tolerance: node moves (Louvain-style passes
   moving single items to the neighbouring group that lowers Phi most) alternated with group dissolves (a
   group's items leave for their best neighbouring groups, kept only if Phi drops: the inverse of a merge,
   which frees local optima where two items must move at once);
3. a multilevel search (local moves, then aggregate groups into items and repeat) from a few seeded item
   orders; the best partition found wins. Plain greedy (``refine=False``) is step 1 alone.

Trees of height k > 2 grow by stratification (:func:`build_tree`): from the best 2-level tree, either insert
a level above (partition the top communities) or a level below (partition inside each bottom community).
The two kinds of insertion change disjoint terms of H^T, so both chains are computed and the split
``a`` above + ``b`` below with ``a + b = k - 2`` that lowers H^T most is kept. ``method="topdown"`` only
goes below (2-D inside each community, level by level, like the reference), so the default is never worse.

The hot loops are compiled with numba (``cache=True``: the first call in a fresh install compiles them).
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from typing import Callable

import numba
import numpy as np
import scipy.sparse as sp
from numba import types
from numba.typed import Dict, List

from .errors import InputError
from .graph import SkillGraph
from .tree import EncodingTree

Progress = Callable[[int, "int | None"], None]

METHODS = ("greedy", "topdown")
MIN_K, MAX_K = 2, 8
#: relative tolerance: a move or a level must lower H^T by more than this many bits to count
TOL_BITS = 1e-10
#: with refinement, greedy merging seeds the candidates only for levels up to this many items: above it the
#: heap work grows faster than the edges (every merge re-prices the merged group's neighbours) and the
#: multilevel starts win (on the 20,000-skill benchmark: Phi/vol -2.457 for refined greedy, -2.884 multilevel)
GREEDY_SEED_MAX = 5000


# ------------------------------------------------------------------------------------------- kernels
@numba.njit(cache=True)
def _reduction(i_a, v_a, i_b, v_b, e, log_vp):
    """R = -Delta Phi of merging groups a and b joined by weight e (method.md, 2-D special case)."""
    r = 2.0 * e * log_vp - (i_a + i_b + 2.0 * e) * math.log2(v_a + v_b)
    if i_a > 0.0:
        r += i_a * math.log2(v_a)
    if i_b > 0.0:
        r += i_b * math.log2(v_b)
    return r


@numba.njit(cache=True)
def _greedy_merge(indptr, indices, data, vol, self_in, vp, min_gain):
    """Merge adjacent groups, largest reduction first, until no merge lowers Phi by more than min_gain.

    Groups are kept as typed dicts of neighbour -> weight; the smaller dict merges into the larger. Heap
    entries carry both groups' versions; an entry whose versions are stale is skipped when popped.
    """
    n = vol.shape[0]
    i_in = self_in.copy()
    v = vol.copy()
    alive = np.ones(n, np.bool_)
    ver = np.zeros(n, np.int64)
    parent = np.arange(n)
    log_vp = math.log2(vp)
    adj = List()
    for i in range(n):
        d = Dict.empty(key_type=types.int64, value_type=types.float64)
        for p in range(indptr[i], indptr[i + 1]):
            d[indices[p]] = data[p]
        adj.append(d)
    heap = [(0.0, 0, 0, 0, 0)]
    heap.pop()
    for a in range(n):
        for p in range(indptr[a], indptr[a + 1]):
            b = indices[p]
            if a < b:
                r = _reduction(i_in[a], v[a], i_in[b], v[b], data[p], log_vp)
                if r > min_gain:
                    heap.append((-r, a, b, 0, 0))
    heapq.heapify(heap)
    while len(heap) > 0:
        neg_r, a, b, va, vb = heapq.heappop(heap)
        if not alive[a] or not alive[b] or ver[a] != va or ver[b] != vb:
            continue
        e = adj[a][b]
        if len(adj[a]) >= len(adj[b]):
            big, small = a, b
        else:
            big, small = b, a
        d_big = adj[big]
        d_small = adj[small]
        for c, x in d_small.items():
            if c == big:
                continue
            d_big[c] = d_big.get(c, 0.0) + x
            d_c = adj[c]
            d_c.pop(small)
            d_c[big] = d_c.get(big, 0.0) + x
        d_big.pop(small)
        d_small.clear()
        i_in[big] += i_in[small] + 2.0 * e
        v[big] += v[small]
        alive[small] = False
        ver[big] += 1
        parent[small] = big
        for c, x in d_big.items():
            r = _reduction(i_in[big], v[big], i_in[c], v[c], x, log_vp)
            if r > min_gain:
                lo, hi = (big, c) if big < c else (c, big)
                heapq.heappush(heap, (-r, lo, hi, ver[lo], ver[hi]))
    labels = np.empty(n, np.int64)
    for i in range(n):
        r = i
        while parent[r] != r:
            r = parent[r]
        labels[i] = r
    return labels


@numba.njit(cache=True)
def _f(i_g, v_g, log_vp):
    if i_g <= 0.0 or v_g <= 0.0:
        return 0.0
    return i_g * (math.log2(v_g) - log_vp)


@numba.njit(cache=True)
def _group_totals(indptr, indices, data, vol, self_in, labels, i_g, v_g, cnt):
    """Fill I, V and the member count of every group from scratch."""
    i_g[:] = 0.0
    v_g[:] = 0.0
    cnt[:] = 0
    for i in range(vol.shape[0]):
        c = labels[i]
        v_g[c] += vol[i]
        i_g[c] += self_in[i]
        cnt[c] += 1
        for p in range(indptr[i], indptr[i + 1]):
            if labels[indices[p]] == c:
                i_g[c] += data[p]


@numba.njit(cache=True)
def _best_move(i, indptr, indices, data, vol, self_in, labels, i_g, v_g, log_vp, kw, mark, touched):
    """The neighbouring group b != a (a = item i's group) whose joining changes Phi least.

    Returns (delta Phi of the move, b, weight from i into a, weight from i into b) and the delta of i leaving
    a alone as the 5th value (to price a move into a new group); b = -1 (delta inf) when i has no other
    neighbouring group. ``kw``, ``mark``, ``touched`` are scratch arrays, left clean.
    """
    a = labels[i]
    nt = 0
    for p in range(indptr[i], indptr[i + 1]):
        c = labels[indices[p]]
        if not mark[c]:
            mark[c] = True
            touched[nt] = c
            nt += 1
        kw[c] += data[p]
    k_a = kw[a]
    s_i = self_in[i]
    leave = _f(i_g[a] - 2.0 * k_a - s_i, v_g[a] - vol[i], log_vp) - _f(i_g[a], v_g[a], log_vp)
    best = np.inf
    best_b = -1
    for q in range(nt):
        b = touched[q]
        if b == a:
            continue
        d = leave + _f(i_g[b] + 2.0 * kw[b] + s_i, v_g[b] + vol[i], log_vp) - _f(i_g[b], v_g[b], log_vp)
        if d < best:
            best = d
            best_b = b
    k_b = kw[best_b] if best_b >= 0 else 0.0
    for q in range(nt):
        c = touched[q]
        kw[c] = 0.0
        mark[c] = False
    return best, best_b, k_a, k_b, leave


@numba.njit(cache=True)
def _move(i, a, b, k_a, k_b, vol, self_in, labels, i_g, v_g, cnt):
    """Move item i from group a to group b, updating the totals (k_*: weight from i into a and b)."""
    i_g[a] -= 2.0 * k_a + self_in[i]
    v_g[a] -= vol[i]
    cnt[a] -= 1
    if cnt[a] == 0:
        i_g[a] = 0.0
        v_g[a] = 0.0
    i_g[b] += 2.0 * k_b + self_in[i]
    v_g[b] += vol[i]
    cnt[b] += 1
    labels[i] = b


@numba.njit(cache=True)
def _local_moves(indptr, indices, data, vol, self_in, labels, order, vp, tol, max_passes, allow_new):
    """Move single items to the neighbouring group (or, with allow_new, a new group) that lowers Phi most.

    Passes visit items in ``order``; group totals are recomputed exactly at the start of each pass. Stops
    when a pass gains less than ``tol``. Returns the total change of Phi (<= 0); ``labels`` is updated.
    """
    n = vol.shape[0]
    log_vp = math.log2(vp)
    i_g = np.zeros(n)
    v_g = np.zeros(n)
    cnt = np.zeros(n, np.int64)
    kw = np.zeros(n)
    mark = np.zeros(n, np.bool_)
    touched = np.empty(n, np.int64)
    free = np.empty(n, np.int64)
    total = 0.0
    for _ in range(max_passes):
        _group_totals(indptr, indices, data, vol, self_in, labels, i_g, v_g, cnt)
        n_free = 0
        for c in range(n - 1, -1, -1):
            if cnt[c] == 0:
                free[n_free] = c
                n_free += 1
        gained = 0.0
        for t in range(order.shape[0]):
            i = order[t]
            if vol[i] <= 0.0:
                continue
            a = labels[i]
            best, best_b, k_a, k_b, leave = _best_move(i, indptr, indices, data, vol, self_in, labels, i_g, v_g,
                                                       log_vp, kw, mark, touched)
            new_group = False
            if allow_new and cnt[a] > 1 and n_free > 0:
                d = leave + _f(self_in[i], vol[i], log_vp)
                if d < best:
                    best, new_group, k_b = d, True, 0.0
            if best < -tol:
                if new_group:
                    n_free -= 1
                    best_b = free[n_free]
                _move(i, a, best_b, k_a, k_b, vol, self_in, labels, i_g, v_g, cnt)
                if cnt[a] == 0:
                    free[n_free] = a
                    n_free += 1
                gained += best
        total += gained
        if gained > -tol:
            break
    return total


@numba.njit(cache=True)
def _dissolve_moves(indptr, indices, data, vol, self_in, labels, vp, tol):
    """Try dissolving each group: its items leave one by one for the neighbouring group that suits them
    best (the last one may stay). Kept when Phi drops by more than ``tol``, undone otherwise.

    The inverse of a merge: it frees node moves from local optima where two items must leave a group
    together (two triangles joined by a bridge: greedy pairs the bridge ends, no single move helps).
    Returns the total change of Phi (<= 0); ``labels`` is updated.
    """
    n = vol.shape[0]
    log_vp = math.log2(vp)
    i_g = np.zeros(n)
    v_g = np.zeros(n)
    cnt = np.zeros(n, np.int64)
    _group_totals(indptr, indices, data, vol, self_in, labels, i_g, v_g, cnt)
    # members of each group, by counting sort
    start = np.zeros(n + 1, np.int64)
    for i in range(n):
        start[labels[i] + 1] += 1
    for c in range(n):
        start[c + 1] += start[c]
    fill = start[:-1].copy()
    by_group = np.empty(n, np.int64)
    for i in range(n):
        by_group[fill[labels[i]]] = i
        fill[labels[i]] += 1
    kw = np.zeros(n)
    mark = np.zeros(n, np.bool_)
    touched = np.empty(n, np.int64)
    moved = np.empty(n, np.int64)
    total = 0.0
    for a in range(n):
        m = start[a + 1] - start[a]
        if m < 2 or cnt[a] != m:
            continue
        trial = 0.0
        n_moved = 0
        for q0 in range(start[a], start[a + 1]):
            i = by_group[q0]
            if vol[i] <= 0.0:
                continue
            best, best_b, k_a, k_b, _ = _best_move(i, indptr, indices, data, vol, self_in, labels, i_g, v_g,
                                                   log_vp, kw, mark, touched)
            if best_b < 0:
                continue                                   # no other group to join: stays in a
            _move(i, a, best_b, k_a, k_b, vol, self_in, labels, i_g, v_g, cnt)
            moved[n_moved] = i
            n_moved += 1
            trial += best
        if trial < -tol:
            total += trial
            continue
        for q in range(n_moved - 1, -1, -1):             # undo, in reverse order
            i = moved[q]
            b = labels[i]
            k_a = 0.0
            k_b = 0.0
            for p in range(indptr[i], indptr[i + 1]):
                c = labels[indices[p]]
                if c == a:
                    k_a += data[p]
                elif c == b:
                    k_b += data[p]
            _move(i, b, a, k_b, k_a, vol, self_in, labels, i_g, v_g, cnt)
    return total


def _refine(parts, vol, self_in, labels, order, vp, tol) -> None:
    """Node moves and group dissolves, alternated until neither lowers Phi by more than ``tol``."""
    for _ in range(100):
        gain = _local_moves(*parts, vol, self_in, labels, order, vp, tol, 1000, True)
        gain += _dissolve_moves(*parts, vol, self_in, labels, vp, tol)
        if gain > -tol:
            break


# ------------------------------------------------------------------------------------ level problem
@dataclass(frozen=True, eq=False)
class LevelProblem:
    """Items to group under one parent: volumes, symmetric weights between items, the parent's volume."""

    vol: np.ndarray
    adjacency: sp.csr_array
    parent_vol: float

    @property
    def n_items(self) -> int:
        return self.vol.size


def level_objective(problem: LevelProblem, labels: np.ndarray) -> float:
    """Phi = sum_G I_G log2(V_G / V_P) of a grouping (I_G: twice the weight inside G between items).

    >>> p = LevelProblem(np.array([1.0, 1.0]), sp.csr_array(np.array([[0, 1.0], [1.0, 0]])), 2.0)
    >>> level_objective(p, np.array([0, 0])), level_objective(p, np.array([0, 1]))
    (0.0, 0.0)
    """
    labels = np.asarray(labels)
    if problem.n_items == 0:
        return 0.0
    _, lab = np.unique(labels, return_inverse=True)
    n_groups = int(lab.max()) + 1
    vg = np.bincount(lab, weights=problem.vol, minlength=n_groups)
    a = problem.adjacency.tocoo()
    same = lab[a.row] == lab[a.col]
    ig = np.bincount(lab[a.row[same]], weights=a.data[same], minlength=n_groups)
    ok = (ig > 0) & (vg > 0)
    return float((ig[ok] * np.log2(vg[ok] / problem.parent_vol)).sum())


def _canonical(labels: np.ndarray) -> np.ndarray:
    """Relabel groups 0, 1, ... in order of their first item."""
    _, first, inv = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(first.size, np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(first.size)
    return rank[inv]


def _csr_parts(adj: sp.csr_array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    adj = sp.csr_array(adj)
    adj.sort_indices()
    return adj.indptr.astype(np.int64), adj.indices.astype(np.int64), adj.data.astype(np.float64)


def _aggregate(adj: sp.csr_array, vol: np.ndarray, self_in: np.ndarray, labels: np.ndarray):
    """Collapse groups into items: returns (adjacency between groups, group volumes, inside weights)."""
    n_groups = int(labels.max()) + 1
    pmat = sp.csr_array((np.ones(labels.size), (np.arange(labels.size), labels)), shape=(labels.size, n_groups))
    q = sp.csr_array(pmat.T @ adj @ pmat)
    inside = q.diagonal() + np.bincount(labels, weights=self_in, minlength=n_groups)
    q.setdiag(0.0)
    q.eliminate_zeros()
    return q, np.bincount(labels, weights=vol, minlength=n_groups), inside


def _multilevel(indptr, indices, data, adj, vol, vp, order, tol) -> np.ndarray:
    """Louvain-style search on Phi: local moves from singletons, aggregate, repeat; returns item labels."""
    n = vol.size
    mapping = np.arange(n)
    cur_adj, cur_vol, cur_self = adj, vol, np.zeros(n)
    cur_parts = (indptr, indices, data)
    cur_order = order
    while True:
        labels = np.arange(cur_vol.size)
        _local_moves(*cur_parts, cur_vol, cur_self, labels, cur_order, vp, tol, 1000, False)
        labels = _canonical(labels)
        if labels.max() + 1 == cur_vol.size:
            break
        mapping = labels[mapping]
        cur_adj, cur_vol, cur_self = _aggregate(cur_adj, cur_vol, cur_self, labels)
        cur_parts = _csr_parts(cur_adj)
        cur_order = np.arange(cur_vol.size)
    return mapping


def partition_level(problem: LevelProblem, *, refine: bool = True, n_starts: int = 4, seed: int = 0,
                    tol: float | None = None, initial: np.ndarray | None = None) -> np.ndarray:
    """Group the items of a :class:`LevelProblem` to minimise Phi; returns canonical group labels.

    ``refine=False`` is plain greedy merging. Otherwise greedy merging (for up to :data:`GREEDY_SEED_MAX`
    items) is followed by refinement and compared with ``n_starts`` multilevel runs from seeded item orders; the
    lowest Phi wins (ties: the earliest candidate, greedy first). ``initial``, a grouping to improve, is refined
    and joins the candidates (so the result is never worse than it). Items of zero volume stay alone. Deterministic.
    """
    n = problem.n_items
    if n == 0:
        return np.zeros(0, np.int64)
    vol = np.asarray(problem.vol, np.float64)
    active = np.flatnonzero(vol > 0)
    labels_out = np.arange(n, dtype=np.int64)
    if active.size < 2 or problem.adjacency.nnz == 0:
        return labels_out
    adj = sp.csr_array(problem.adjacency)[active][:, active]
    adj = sp.csr_array(adj)
    sub_vol = vol[active]
    vp = float(problem.parent_vol)
    if tol is None:
        tol = TOL_BITS * max(vp, 1e-300)
    parts = _csr_parts(adj)
    candidates = []
    if not refine or active.size <= GREEDY_SEED_MAX:
        greedy = _greedy_merge(*parts, sub_vol, np.zeros(active.size), vp, tol)
        candidates.append(greedy)
    if refine:
        ident = np.arange(active.size, dtype=np.int64)
        if candidates:
            lab = _canonical(candidates.pop())
            _refine(parts, sub_vol, np.zeros(active.size), lab, ident, vp, tol)
            candidates.append(lab)
        rng = np.random.default_rng(seed)
        for s in range(n_starts):
            order = ident if s == 0 else rng.permutation(active.size).astype(np.int64)
            lab = _multilevel(*parts, adj, sub_vol, vp, order, tol)
            _refine(parts, sub_vol, np.zeros(active.size), lab, ident, vp, tol)
            candidates.append(lab)
        if initial is not None:
            lab = _canonical(np.asarray(initial, np.int64)[active])
            _refine(parts, sub_vol, np.zeros(active.size), lab, ident, vp, tol)
            candidates.append(lab)
    sub_problem = LevelProblem(sub_vol, adj, vp)
    scores = [level_objective(sub_problem, c) for c in candidates]
    best = candidates[int(np.argmin(np.round(scores, 12)))]
    labels_out[active] = best + n                       # keep group ids apart from the lone items
    return _canonical(labels_out)


# ---------------------------------------------------------------------------------- tree building
def _check_k(k) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not MIN_K <= k <= MAX_K:
        raise InputError(f"k (tree height) must be an integer from {MIN_K} to {MAX_K}, got {k!r}")
    return int(k)


class _Builder:
    """A growing tree as a parent array over nodes (leaves 0..n-1, root n, communities after)."""

    def __init__(self, parent: list[int], n: int):
        self.parent = list(parent)
        self.n = n

    def insert_groups(self, node: int, items: list[int], labels: np.ndarray) -> list[int]:
        """Put the items (children of ``node``) that share a label under a new child of ``node``.

        Returns the new communities (a group of one item, or of all items, inserts nothing)."""
        created = []
        for g in np.unique(labels):
            members = [items[i] for i in np.flatnonzero(labels == g)]
            if len(members) < 2 or len(members) == len(items):
                continue
            self.parent.append(node)
            c = len(self.parent) - 1
            for m in members:
                self.parent[m] = c
            created.append(c)
        return created


def _subgraph_problem(graph: SkillGraph, members: np.ndarray, parent_vol: float) -> LevelProblem:
    adj = sp.csr_array(graph.adjacency[members][:, members])
    return LevelProblem(graph.degree[members].astype(float), adj, parent_vol)


def _quotient_problem(graph: SkillGraph, item_of_vertex: np.ndarray, n_items: int) -> LevelProblem:
    """Items = groups of vertices (label -1: not an item); weights between items; root volume as parent."""
    keep = item_of_vertex >= 0
    rows = np.flatnonzero(keep)
    pmat = sp.csr_array((np.ones(rows.size), (rows, item_of_vertex[rows])), shape=(graph.n_skills, n_items))
    q = sp.csr_array(pmat.T @ graph.adjacency @ pmat)
    q.setdiag(0.0)
    q.eliminate_zeros()
    vol = np.bincount(item_of_vertex[rows], weights=graph.degree[rows], minlength=n_items)
    return LevelProblem(vol, q, graph.vol)


def build_tree(graph: SkillGraph, *, k: int = 3, method: str = "greedy", refine: bool = True,
               n_starts: int = 4, seed: int = 0, progress: Progress | None = None) -> EncodingTree:
    """Build an encoding tree of height at most ``k`` minimising the structural entropy of ``graph``.

    ``method="greedy"`` (default) grows levels by stratification, ``"topdown"`` only inside communities.
    ``refine=False`` uses plain greedy merging at every level. Skills without edges stay as leaves under
    the root. ``progress(done, total)`` counts level problems solved.

    >>> from steps_core.graph import graph_from_edges
    >>> e = [("a", "b", 1), ("b", "c", 1), ("a", "c", 1), ("d", "e", 1), ("e", "f", 1), ("d", "f", 1)]
    >>> t = build_tree(graph_from_edges(e), k=2)
    >>> round(t.entropy, 6), [t.labels[c] for c in t.communities]   # log2 3: the two triangles
    (1.584963, ['a / b / c', 'd / e / f'])
    """
    k = _check_k(k)
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    n = graph.n_skills
    if n == 0:
        raise InputError("the graph has no skills")
    vol_g = graph.vol
    kw = dict(refine=refine, n_starts=n_starts, seed=seed)
    levels_total = 1 + (k - 2) * (2 if method == "greedy" else 1)
    done = [0]

    def tick() -> None:
        done[0] += 1
        if progress is not None:
            progress(done[0], levels_total)

    # 2-level tree
    base = _Builder([n] * n + [-1], n)
    labels = partition_level(_subgraph_problem(graph, np.arange(n), vol_g), **kw)
    bottoms = base.insert_groups(n, list(range(n)), labels)
    tick()

    # chain of levels below: inside each bottom community (whose children are all leaves)
    below_gain: list[float] = []
    below_steps: list[list[int]] = []
    cur = _Builder(base.parent, n)
    frontier = bottoms
    for _ in range(k - 2):
        leaf_parent = np.asarray(cur.parent[:n])
        order = np.argsort(leaf_parent, kind="stable")
        bounds = np.searchsorted(leaf_parent[order], frontier), np.searchsorted(leaf_parent[order], frontier, "right")
        phi, new_frontier = 0.0, []
        for c, lo, hi in zip(frontier, *bounds):
            members = order[lo:hi]
            if members.size < 3:
                continue
            prob = _subgraph_problem(graph, members, float(graph.degree[members].sum()))
            lab = partition_level(prob, **kw)
            if lab.max() + 1 in (1, members.size):
                continue
            phi += level_objective(prob, lab)
            new_frontier += cur.insert_groups(c, members.tolist(), lab)
        tick()
        if not new_frontier or phi >= -TOL_BITS * vol_g:
            break
        below_gain.append(phi / vol_g)
        below_steps.append(list(cur.parent))
        frontier = new_frontier

    # chain of levels above: group the root's children (top communities and top-level skills)
    above_gain: list[float] = []
    above_steps: list[list[int]] = []
    if method == "greedy":
        cur = _Builder(base.parent, n)
        top_of = np.asarray(cur.parent[:n])
        top_of = np.where(top_of == n, np.arange(n), top_of)     # the root's child above each skill
        for _ in range(k - 2):
            items, item_of = np.unique(top_of, return_inverse=True)
            prob = _quotient_problem(graph, item_of.astype(np.int64), items.size)
            lab = partition_level(prob, **kw)
            tick()
            if items.size < 3 or lab.max() + 1 in (1, items.size):
                break
            phi = level_objective(prob, lab)
            if phi >= -TOL_BITS * vol_g:
                break
            created = cur.insert_groups(n, items.tolist(), lab)
            parent_now = np.asarray(cur.parent)
            moved = parent_now[items] != n
            remap = np.where(moved, parent_now[items], items)
            top_of = remap[item_of]
            above_gain.append(phi / vol_g)
            above_steps.append(list(cur.parent))
            if not created:
                break

    # best split: a levels above + b below, a + b <= k - 2 (the gains of the two chains add up)
    best = (0.0, 0, 0)
    for a in range(len(above_gain) + 1):
        for b in range(len(below_gain) + 1):
            if a + b <= k - 2:
                total = sum(above_gain[:a]) + sum(below_gain[:b])
                if total < best[0] - TOL_BITS:
                    best = (total, a, b)
    _, a, b = best
    parent = _compose(base.parent, above_steps[a - 1] if a else None, below_steps[b - 1] if b else None, n)
    if refine and method == "greedy" and a + b > 0:
        parent = _polish(graph, parent, n, **kw)
    if progress is not None:
        progress(levels_total, levels_total)
    return EncodingTree.from_parent(graph, parent, method=method if refine else f"{method}-norefine", k=k)


def _children_lists(parent: list[int]) -> list[list[int]]:
    kids: list[list[int]] = [[] for _ in parent]
    for v, p in enumerate(parent):
        if p >= 0:
            kids[p].append(v)
    return kids


def _items_problem(graph: SkillGraph, kids: list[list[int]], items: list[int], n: int) -> LevelProblem:
    """The grouping problem of some sibling subtrees: item volumes and the weights between items, from the
    rows of their own skills only (cost: the edges of those skills, not of the whole graph)."""
    members: list[int] = []
    owner: list[int] = []
    for i, x in enumerate(items):
        stack = [x]
        while stack:
            v = stack.pop()
            if v < n:
                members.append(v)
                owner.append(i)
            else:
                stack.extend(kids[v])
    members_a = np.asarray(members, np.int64)
    owner_a = np.asarray(owner, np.int64)
    sub = sp.csr_array(graph.adjacency[members_a][:, members_a])
    pmat = sp.csr_array((np.ones(members_a.size), (np.arange(members_a.size), owner_a)),
                        shape=(members_a.size, len(items)))
    q = sp.csr_array(pmat.T @ sub @ pmat)
    q.setdiag(0.0)
    q.eliminate_zeros()
    vol = np.bincount(owner_a, weights=graph.degree[members_a], minlength=len(items))
    return LevelProblem(vol, q, float(vol.sum()))


def _polish(graph: SkillGraph, parent: list[int], n: int, **kw) -> list[int]:
    """Re-solve each middle level with the levels above and below it fixed.

    For every community p whose children include communities, the grandchildren of p (and p's own leaf
    children) are regrouped under new children of p by :func:`partition_level`, starting from the current
    grouping, so H^T never rises. Levels were grown one at a time, each optimised for the tree as it was; a
    level added later changes what is best for the levels before it (e.g. two sibling communities that a
    level above makes worth merging). Passes run top-down until one changes nothing. Each problem is built
    from p's own skills, so a pass costs about (tree height) x (edges).
    """
    parent = list(parent)
    kids = _children_lists(parent)
    vol_g = graph.vol
    for _ in range(3):
        changed = False
        order = [n]
        for v in order:
            order.extend(c for c in kids[v] if c >= n)
        for p in order:
            inner = [c for c in kids[p] if c >= n]
            if not inner:
                continue
            items: list[int] = []
            current: list[int] = []
            for pos, c in enumerate(kids[p]):
                for x in (kids[c] if c >= n else [c]):
                    items.append(x)
                    current.append(pos)
            if len(items) < 3:
                continue
            prob = _items_problem(graph, kids, items, n)
            cur = np.asarray(current, np.int64)
            new = partition_level(prob, initial=cur, **kw)
            if level_objective(prob, new) < level_objective(prob, cur) - TOL_BITS * vol_g:
                for c in inner:                        # detached: dropped by canonicalisation
                    parent[c] = -2
                    kids[c] = []
                for x in items:
                    parent[x] = p
                b = _Builder(parent, n)
                created = b.insert_groups(p, items, new)
                parent = b.parent
                kids.extend([] for _ in range(len(parent) - len(kids)))
                for c in created:
                    kids[c] = [x for x in items if parent[x] == c]
                kids[p] = [x for x in items if parent[x] == p] + created
                changed = True
        if not changed:
            break
    # detached nodes: hang them under the root with no members (canonicalisation drops empty communities)
    return [n if q == -2 else q for q in parent]


def _compose(base: list[int], above: list[int] | None, below: list[int] | None, n: int) -> list[int]:
    """Merge an above-chain result and a below-chain result, both grown from ``base``.

    Nodes ``0 .. len(base) - 1`` are shared. The above chain only adds nodes between the root and the
    base's top-level nodes; the below chain only adds nodes inside base communities.
    """
    if above is None and below is None:
        return list(base)
    if above is None:
        return list(below)
    if below is None:
        return list(above)
    m = len(base)
    out = list(below)
    shift = len(below) - m
    for v in range(m, len(above)):                   # append the above chain's new nodes
        p = above[v]
        out.append(p if p < m else p + shift)
    for v in range(m):
        if base[v] == n and above[v] != n:           # a top-level node re-parented by the above chain
            out[v] = above[v] + shift if above[v] >= m else above[v]
    return out
