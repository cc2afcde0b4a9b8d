"""Building encoding trees that minimise structural entropy (docs/method.md §3; docs/core.md, "How the default
optimiser works" and "Optimiser performance (issue 16)").

Everything reduces to one problem, *inserting a level*: group the children of tree nodes so as to minimise
``Phi = sum_G I_G log2(V_G / V_P)``, solved by :func:`~steps_core.levels.partition_level` (module
:mod:`steps_core.levels`; its compiled kernels are in :mod:`steps_core.level_kernels`). ``Phi / vol(G)`` is the
change of H^T when the groups are inserted. For the root's vertices this is the 2-D problem
``H^P = H^1 + Phi / vol(G)``; for the top communities it adds a level above; for the bottom communities (all
of them at once, one block each) a level below.

:func:`build_tree` runs the phases in turn:

1. :func:`solve_two_level`: the best 2-level tree;
2. :func:`levels_below` and :func:`levels_above`: chains of levels inside the bottom communities and over the
   top communities (they change disjoint terms of H^T);
3. :func:`best_split`: the split ``a`` above + ``b`` below with ``a + b <= k - 2`` that lowers H^T most,
   assembled by :func:`compose`;
4. :func:`polish`: every middle level re-solved with the levels above and below fixed.

Phases 2-3 are :func:`grow`. On graphs under :data:`~steps_core.levels.LARGE_BLOCK_NNZ` adjacency entries, at
k >= 3 they also run from a second 2-level tree, the best seeded start's, when the winner came from elsewhere (the
best 2-level tree is not always the best start for the levels above), and the lower tree is kept (see
:func:`build_tree`).

``method="topdown"`` only goes below (2-D inside each community, level by level, like the reference), so the
default is never worse.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np
import scipy.sparse as sp

from . import level_kernels as kern
from .errors import InputError
from .graph import SkillGraph
from .levels import LARGE_BLOCK_NNZ, TOL_BITS, LevelProblem, block_objectives, level_objective, partition_level
from .tree import EncodingTree

__all__ = ["METHODS", "MIN_K", "MAX_K", "TOL_BITS", "LevelProblem", "build_tree", "level_objective",
           "partition_level", "solve_two_level", "levels_below", "levels_above", "best_split", "compose", "grow",
           "polish"]

Progress = Callable[[int, "int | None"], None]

METHODS = ("greedy", "topdown")
MIN_K, MAX_K = 2, 8
#: polish problems of this many adjacency entries or more (in all) run no seeded start, and so no core-groups
#: search: the current grouping, refined, is all they try. At 100,000 skills the starts gave 0.011 bits for 60% of
#: the build time (sparse-100000, k = 3: 12.683 -> 12.694 bits, 23 -> 9.5 s at load 1.2). Below it every start runs
#: (Ask Ubuntu, k = 3: 7.0509 bits with one start, 7.0448 with four)
POLISH_NO_STARTS_NNZ = LARGE_BLOCK_NNZ


class Chain(NamedTuple):
    """Levels grown one at a time: the entropy change of each (bits) and the parent array after each."""

    gains: list[float]
    trees: list[np.ndarray]


# ------------------------------------------------------------------------------------ parent arrays
def insert_groups(parent: np.ndarray, items: np.ndarray, owners: np.ndarray,
                  labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Put the items (children of their ``owners``) that share a label under a new child of their owner.

    Labels must not be shared across owners. A group of one item, or of all of its owner's items, inserts
    nothing. Returns the new parent array and the new communities (in order of label)."""
    parent = np.asarray(parent, np.int64)
    items = np.asarray(items, np.int64)
    if items.size == 0:
        return parent.copy(), np.zeros(0, np.int64)
    owners = np.asarray(owners, np.int64)
    _, first, inv, counts = np.unique(labels, return_index=True, return_inverse=True, return_counts=True)
    _, o_inv, o_counts = np.unique(owners, return_inverse=True, return_counts=True)
    make = (counts >= 2) & (counts < o_counts[o_inv[first]])
    new_ids = np.full(counts.size, -1, np.int64)
    new_ids[make] = parent.size + np.arange(int(make.sum()))
    out = np.concatenate([parent, owners[first[make]]])
    sel = make[inv]
    out[items[sel]] = new_ids[inv[sel]]
    return out, new_ids[make]


def node_depths(parent: np.ndarray) -> np.ndarray:
    """Depth of every node (root 0), by pointer jumping: O(nodes x height)."""
    parent = np.asarray(parent, np.int64)
    depth = np.zeros(parent.size, np.int64)
    cur = parent.copy()
    up = np.flatnonzero(cur >= 0)
    while up.size:
        depth[up] += 1
        cur[up] = parent[cur[up]]
        up = up[cur[up] >= 0]
    return depth


def ancestors_at(parent: np.ndarray, depth: np.ndarray, nodes: np.ndarray, d: int) -> np.ndarray:
    """The ancestor at depth ``d`` of each of ``nodes`` (a node no deeper than ``d`` is its own answer)."""
    cur = np.asarray(nodes, np.int64).copy()
    deep = np.flatnonzero(depth[cur] > d)
    while deep.size:
        cur[deep] = parent[cur[deep]]
        deep = deep[depth[cur[deep]] > d]
    return cur


def compose(base: np.ndarray, above: np.ndarray | None, below: np.ndarray | None, n: int) -> np.ndarray:
    """Merge an above-chain result and a below-chain result, both grown from ``base``.

    Nodes ``0 .. len(base) - 1`` are shared. The above chain only adds nodes between the root and the base's
    top-level nodes; the below chain only adds nodes inside base communities.
    """
    base = np.asarray(base, np.int64)
    if above is None and below is None:
        return base.copy()
    if above is None or below is None:
        return np.asarray(below if above is None else above, np.int64).copy()
    m = base.size
    shift = below.size - m
    added = above[m:]
    out = np.concatenate([below, np.where(added < m, added, added + shift)])
    moved = (base == n) & (above[:m] != n)             # top-level nodes re-parented by the above chain
    out[:m][moved] = np.where(above[:m][moved] >= m, above[:m][moved] + shift, above[:m][moved])
    return out


# ---------------------------------------------------------------------------------------- problems
def quotient_problem(graph: SkillGraph, item_of_vertex: np.ndarray, n_items: int, *,
                     blocks: np.ndarray | None = None, parent_vol=None) -> LevelProblem:
    """Items = groups of vertices (label -1: not an item); weights between items; the items' ``blocks`` and
    the parents' volumes (default: one block under the root). Costs the edges of the vertices concerned."""
    item_of_vertex = np.asarray(item_of_vertex, np.int64)
    adj = graph.adjacency
    ptr, idx, w = kern.quotient(adj.indptr.astype(np.int64, copy=False), adj.indices.astype(np.int64, copy=False),
                                adj.data.astype(np.float64, copy=False), item_of_vertex, int(n_items))
    q = sp.csr_array((w, idx, ptr), shape=(n_items, n_items))
    rows = item_of_vertex >= 0
    vol = np.bincount(item_of_vertex[rows], weights=graph.degree[rows], minlength=n_items)
    if parent_vol is None:
        parent_vol = graph.vol if blocks is None else np.bincount(blocks, weights=vol)
    return LevelProblem(vol, q, parent_vol, blocks)


def children_problem(graph: SkillGraph, parent: np.ndarray, node: int) -> tuple[LevelProblem, np.ndarray]:
    """The grouping problem of the children of ``node`` (subtrees as items); returns it and the children."""
    parent = np.asarray(parent, np.int64)
    n = graph.n_skills
    depth = node_depths(parent)
    kids = np.flatnonzero(parent == node)
    top = ancestors_at(parent, depth, np.arange(n), int(depth[node]) + 1)
    pos = np.full(parent.size, -1, np.int64)
    pos[kids] = np.arange(kids.size)
    prob = quotient_problem(graph, pos[top], kids.size)
    return LevelProblem(prob.vol, prob.adjacency, float(prob.vol.sum())), kids


# ------------------------------------------------------------------------------------------ phases
def solve_two_level(graph: SkillGraph, opts: dict, alternative: bool = False):
    """Phase 1: the 2-level tree (the 2-D problem over all vertices); returns its parent array (root = n).

    ``alternative=True`` returns ``(parent, alt)``: ``alt`` is the tree of the best seeded multilevel start when
    the winner came from elsewhere (greedy merging or the core-groups search), else None."""
    n = graph.n_skills
    prob = LevelProblem(graph.degree.astype(float), graph.adjacency, graph.vol)
    labels, alt = partition_level(prob, alternative=True, **opts)
    parent = np.r_[np.full(n, n, np.int64), -1]
    base = insert_groups(parent, np.arange(n), np.full(n, n), labels)[0]
    if not alternative:
        return base
    return base, None if alt is None else insert_groups(parent, np.arange(n), np.full(n, n), alt)[0]


def grow(graph: SkillGraph, base: np.ndarray, extra: int, opts: dict, tick: Callable[[], None],
         above: bool = True) -> tuple[np.ndarray, float]:
    """Phases 2-3 from one 2-level tree: the best split of ``extra`` levels above and below, composed; returns
    the parent array and its H^T change from the 2-level tree (bits)."""
    n = graph.n_skills
    below_c = levels_below(graph, base, extra, opts, tick)
    above_c = levels_above(graph, base, extra, opts, tick) if above else Chain([], [])
    a, b = best_split(above_c.gains, below_c.gains, extra)
    parent = compose(base, above_c.trees[a - 1] if a else None, below_c.trees[b - 1] if b else None, n)
    return parent, sum(above_c.gains[:a]) + sum(below_c.gains[:b])


def levels_below(graph: SkillGraph, base: np.ndarray, steps: int, opts: dict, tick: Callable[[], None]) -> Chain:
    """Phase 2a: up to ``steps`` levels inside the bottom communities, each level solved for all of them at once
    (one block per community of 3 or more skills). Stops when a level lowers H^T by nothing."""
    n = graph.n_skills
    vol_g = graph.vol
    chain = Chain([], [])
    parent = np.asarray(base, np.int64)
    frontier = np.unique(parent[:n][parent[:n] != n])
    for _ in range(steps):
        in_front = np.zeros(parent.size, bool)
        in_front[frontier] = True
        members = np.flatnonzero(in_front[parent[:n]])
        owners = parent[members]
        _, o_inv, o_cnt = np.unique(owners, return_inverse=True, return_counts=True)
        members, owners = members[o_cnt[o_inv] >= 3], owners[o_cnt[o_inv] >= 3]
        if members.size == 0:
            tick()
            break
        _, blocks = np.unique(owners, return_inverse=True)
        item_of = np.full(n, -1, np.int64)
        item_of[members] = np.arange(members.size)
        prob = quotient_problem(graph, item_of, members.size, blocks=blocks)
        labels = partition_level(prob, **opts)
        phi = level_objective(prob, labels)
        parent, created = insert_groups(parent, members, owners, labels)
        tick()
        if created.size == 0 or phi >= -TOL_BITS * vol_g:
            break
        chain.gains.append(phi / vol_g)
        chain.trees.append(parent)
        frontier = created
    return chain


def levels_above(graph: SkillGraph, base: np.ndarray, steps: int, opts: dict, tick: Callable[[], None]) -> Chain:
    """Phase 2b: up to ``steps`` levels over the root's children (top communities and top-level skills), each the
    grouping problem of the quotient graph, searched top-down too (``partition_level(top_down=True)``: between
    communities the best grouping often has a few large groups, which merging from single items does not reach).
    Stops when a level lowers H^T by nothing."""
    n = graph.n_skills
    vol_g = graph.vol
    chain = Chain([], [])
    parent = np.asarray(base, np.int64)
    top_of = np.where(parent[:n] == n, np.arange(n), parent[:n])       # the root's child above each skill
    for _ in range(steps):
        items, item_of = np.unique(top_of, return_inverse=True)
        prob = quotient_problem(graph, item_of.astype(np.int64), items.size)
        labels = partition_level(prob, top_down=True, **opts)
        tick()
        if items.size < 3 or labels.max() + 1 in (1, items.size):
            break
        phi = level_objective(prob, labels)
        if phi >= -TOL_BITS * vol_g:
            break
        parent, created = insert_groups(parent, items, np.full(items.size, n), labels)
        top_of = np.where(parent[items] != n, parent[items], items)[item_of]
        chain.gains.append(phi / vol_g)
        chain.trees.append(parent)
        if created.size == 0:
            break
    return chain


def best_split(above: list[float], below: list[float], extra: int) -> tuple[int, int]:
    """Phase 3: ``(a, b)``, a levels above and b below with ``a + b <= extra``, whose gains (which add up) lower
    H^T most; (0, 0) when nothing lowers it by more than the tolerance."""
    best = (0.0, 0, 0)
    for a in range(len(above) + 1):
        for b in range(len(below) + 1):
            if a + b <= extra:
                total = sum(above[:a]) + sum(below[:b])
                if total < best[0] - TOL_BITS:
                    best = (total, a, b)
    return best[1], best[2]


def polish(graph: SkillGraph, parent, n: int, *, refine: bool = True, n_starts: int = 4, seed: int = 0) -> np.ndarray:
    """Phase 4: re-solve each middle level with the levels above and below it fixed.

    For every community p whose children include communities, the grandchildren of p (and p's own leaf
    children) are regrouped under new children of p by :func:`partition_level`, starting from the current
    grouping (which takes greedy merging's place among the candidates; with the seeded starts and the core-groups
    search below :data:`POLISH_NO_STARTS_NNZ` adjacency entries), and kept when Phi drops, so H^T never
    rises. Levels were grown one at a time, each optimised for the tree as it was; a level added later changes
    what is best for the levels before it. All nodes of one
    depth are solved at once (one block each), depth by depth from the root; passes repeat until one changes
    nothing (at most 3). A pass costs about (tree height) x (edges).
    """
    parent = np.asarray(parent, np.int64).copy()
    vol_g = graph.vol
    opts = dict(refine=refine, n_starts=n_starts, seed=seed)
    for _ in range(3):
        changed = False
        d = 0
        while True:
            depth = node_depths(parent)
            if not (depth[n:] == d).any():
                break
            parent, did = _polish_depth(graph, parent, depth, d, n, vol_g, opts)
            changed |= did
            d += 1
        if not changed:
            break
    return parent


def _polish_depth(graph: SkillGraph, parent: np.ndarray, depth: np.ndarray, d: int, n: int, vol_g: float,
                  opts: dict) -> tuple[np.ndarray, bool]:
    """One depth of :func:`polish`; returns the parent array (empty communities dropped) and whether it changed."""
    verts = np.arange(n)
    if depth[:n].max() < d + 2:
        return parent, False
    top = ancestors_at(parent, depth, verts, d)
    mid = ancestors_at(parent, depth, verts, d + 1)
    item = ancestors_at(parent, depth, verts, d + 2)
    # the nodes p at depth d with a community child: the vertices two levels or more below p
    has_inner = np.zeros(parent.size, bool)
    has_inner[top[depth[verts] >= d + 2]] = True
    scope = np.flatnonzero(has_inner[top] & (depth[top] == d))
    if scope.size == 0:
        return parent, False
    items, item_of = np.unique(item[scope], return_inverse=True)
    first = np.zeros(items.size, np.int64)
    first[item_of[::-1]] = scope[::-1]                   # one vertex of each item
    owners = top[first]
    ps, blocks = np.unique(owners, return_inverse=True)
    _, current = np.unique(mid[first], return_inverse=True)
    vertex_item = np.full(n, -1, np.int64)
    vertex_item[scope] = item_of
    prob = quotient_problem(graph, vertex_item, items.size, blocks=blocks)
    if prob.adjacency.nnz >= POLISH_NO_STARTS_NNZ:
        opts = dict(opts, n_starts=0)
    new = partition_level(prob, initial=current, greedy=False, **opts)       # the current grouping replaces greedy
    gain = block_objectives(prob, new) - block_objectives(prob, current)
    accept = gain < -TOL_BITS * vol_g
    if not accept.any():
        return parent, False
    take = accept[blocks]
    old_mid = np.unique(mid[first][take & (mid[first] >= n)])
    parent = parent.copy()
    parent[old_mid] = -2                                  # detached (they lose every child below)
    parent[items[take]] = owners[take]
    parent, _ = insert_groups(parent, items[take], owners[take], new[take])
    keep = parent != -2
    remap = np.full(parent.size, -1, np.int64)
    remap[keep] = np.arange(int(keep.sum()))
    out = parent[keep]
    return np.where(out >= 0, remap[np.maximum(out, 0)], -1), True


# ------------------------------------------------------------------------------------- entry point
def _check_k(k) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not MIN_K <= k <= MAX_K:
        raise InputError(f"k (tree height) must be an integer from {MIN_K} to {MAX_K}, got {k!r}")
    return int(k)


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
    opts = dict(refine=refine, n_starts=n_starts, seed=seed)
    levels_total = 1 + (k - 2) * (2 if method == "greedy" else 1)
    done = [0]

    def tick() -> None:
        done[0] += 1
        if progress is not None:
            progress(min(done[0], levels_total), levels_total)

    greedy = method == "greedy"
    # below a large graph the best 2-level tree is not always the best start for the levels above: the best seeded
    # start's tree is grown and polished too, and the lower tree kept (exact)
    small = graph.adjacency.nnz < LARGE_BLOCK_NNZ
    two = solve_two_level(graph, opts, alternative=refine and greedy and k > 2 and small)
    base, alt = two if isinstance(two, tuple) else (two, None)
    tick()
    parent, gain = grow(graph, base, k - 2, opts, tick, above=greedy)
    if alt is not None:
        alt_parent, alt_gain = grow(graph, alt, k - 2, opts, lambda: None)
        trees = [polish(graph, p, n, **opts) if g < 0 else p for p, g in ((parent, gain), (alt_parent, alt_gain))]
        kept = min(trees, key=lambda p: EncodingTree.from_parent(graph, p).entropy)      # ties: the best base
        return _finish(graph, kept, method, refine, k, progress, levels_total)
    if refine and greedy and gain < 0:
        parent = polish(graph, parent, n, **opts)
    return _finish(graph, parent, method, refine, k, progress, levels_total)


def _finish(graph: SkillGraph, parent: np.ndarray, method: str, refine: bool, k: int, progress: Progress | None,
            levels_total: int) -> EncodingTree:
    if progress is not None:
        progress(levels_total, levels_total)
    return EncodingTree.from_parent(graph, parent, method=method if refine else f"{method}-norefine", k=k)

