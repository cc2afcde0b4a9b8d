"""The encoding tree's canonical form and figures, computed on arrays a level at a time
(:meth:`steps_core.tree.EncodingTree.from_parent`; issue 16: 100,000 skills ~0.3 s instead of ~2 s).

Every result is the one the node-by-node definition gives, float for float: volumes that order siblings are
exact sums (floats with an error bound, :func:`math.fsum` where the bound cannot tell), and sums over children
are taken in the order of the node-by-node walk (:func:`_fold_into_parents`). tests/test_tree.py compares every
field with a node-by-node reference on messy parent arrays and tied volumes.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np

from .errors import InputError
from .graph import SkillGraph

ROOT_ID = "root"


def canonical_form(graph: SkillGraph, parent: Sequence[int] | np.ndarray, labels: Mapping[int, str] | None
                   ) -> tuple[np.ndarray, list[np.ndarray], dict[int, str]]:
    """The canonical parent array of ``parent`` (see :meth:`~steps_core.tree.EncodingTree.from_parent`), its
    levels (``levels[d]``: the nodes at depth d, breadth first) and the custom labels moved to their new nodes.

    Works on arrays, a level of the tree at a time; the result is the one the node-by-node definition gives
    (tests/test_tree.py holds it to that definition)."""
    parent = np.asarray(parent, dtype=np.int64)
    n = graph.n_skills
    n_nodes = parent.size
    if n_nodes < n + 1:
        raise InputError(f"a tree over {n} skills needs at least {n + 1} nodes, got {n_nodes}")
    roots = np.flatnonzero(parent < 0)
    if roots.size != 1 or roots[0] < n:
        raise InputError("the tree must have exactly one root, and it must not be a skill")
    if np.any(parent >= n_nodes) or np.any((parent >= 0) & (parent < n)):
        raise InputError("a skill (leaf) cannot be the parent of another node")
    root = int(roots[0])
    # the levels below the root (nodes a cycle keeps from the root are never reached)
    levels = _levels(parent, root)
    reached = np.zeros(n_nodes, bool)
    for lv in levels:
        reached[lv] = True
    if not reached[:n].all():
        raise InputError("some skills are not under the root (the parent array has a cycle)")
    # canonical form: drop empty communities (no skill below), splice single-child ones
    n_leaves = np.zeros(n_nodes, np.int64)
    n_leaves[:n] = 1
    for lv in reversed(levels[1:]):
        n_leaves += np.bincount(parent[lv], weights=n_leaves[lv], minlength=n_nodes).astype(np.int64)
    kept = n_leaves > 0
    kept_kid = np.flatnonzero(kept & reached & (parent >= 0))
    n_kept_kids = np.bincount(parent[kept_kid], minlength=n_nodes)
    single = n_kept_kids == 1
    single[:n] = False
    only_kid = np.arange(n_nodes)
    only_kid[parent[kept_kid]] = kept_kid             # the kept child, where there is one only
    rep = np.where(single, only_kid, np.arange(n_nodes))
    while True:                                       # follow chains of single-child communities down
        deeper = rep[rep]
        if np.array_equal(deeper, rep):
            break
        rep = deeper
    top = root                                        # a root with one community child: splice it
    if n_kept_kids[root] == 1 and rep[only_kid[root]] >= n:
        top = int(rep[only_kid[root]])
    # the kept tree: each kept child of a branching node (or of the top) stands for its chain's end
    stays = kept_kid[(n_kept_kids[parent[kept_kid]] >= 2) | (parent[kept_kid] == top)]
    up = np.full(n_nodes, -1, np.int64)
    up[rep[stays]] = parent[stays]
    tree_levels = _levels(up, top)
    # children are ordered by volume (exact sums of their skills' degrees), then by their smallest skill
    deg = np.asarray(graph.degree, float)
    below = np.full((n, len(tree_levels)), -1, np.int64)     # below[v, d]: v's ancestor at depth d
    below[:, 0] = top
    depth_of = np.zeros(n_nodes, np.int64)
    for d, lv in enumerate(tree_levels[1:], start=1):
        depth_of[lv] = d
    leaf_depth = depth_of[:n]
    cur = np.arange(n)
    for step in range(len(tree_levels)):          # walk each leaf up, filling its column of ancestors
        at = leaf_depth - step
        live = at >= 0
        below[live, at[live]] = cur[live]
        cur = np.where(live, up[np.maximum(cur, 0)], cur)
    exact = bool(np.all(deg == np.floor(deg))) and float(deg.sum()) < 2.0 ** 53   # integer sums: exact
    new_index = np.full(n_nodes, -1, np.int64)
    new_index[:n] = np.arange(n)
    new_index[top] = n
    next_id = n + 1
    new_parent = np.full(n + 1 + sum(int((lv >= n).sum()) for lv in tree_levels[1:]), -1, np.int64)
    new_levels = [np.array([n], np.int64)]
    order_levels = []
    for d, lv in enumerate(tree_levels[1:], start=1):
        key_parent = new_index[up[lv]]
        order = _sibling_order(lv, key_parent, d, deg, below, leaf_depth, exact, n_nodes)
        lv = lv[order]
        comm = lv >= n
        new_index[lv[comm]] = np.arange(next_id, next_id + int(comm.sum()))
        next_id += int(comm.sum())
        new_lv = new_index[lv]
        new_parent[new_lv] = key_parent[order]
        new_levels.append(new_lv)
        order_levels.append(lv)
    custom: dict[int, str] = {}
    if labels and root in labels:
        custom[n] = labels[root]
    if labels:
        for lv in order_levels:
            for c, nc in zip(lv.tolist(), new_index[lv].tolist()):
                if c >= n and c in labels:
                    custom[nc] = labels[c]
    return new_parent, new_levels, custom


def figures(graph: SkillGraph, parent: np.ndarray, levels: list[np.ndarray]) -> dict:
    """Every figure of the canonical tree ``parent`` (leaves first, root n, communities breadth first);
    ``levels[d]``: its nodes at depth d in breadth-first order (siblings together, in their order). The keys are
    :class:`~steps_core.tree.EncodingTree`'s fields, and ``ranges`` its leaf ranges.

    Sums are taken in the order of a node-by-node walk (children before parents, siblings last to first),
    so every float is the one that walk gives."""
    n = graph.n_skills
    n_nodes = parent.size
    root = n
    height = len(levels) - 1
    depth = np.zeros(n_nodes, np.int64)
    for d, lv in enumerate(levels):
        depth[lv] = d
    children = _children_tuples(parent, levels, n_nodes)
    deg = graph.degree
    vol = np.zeros(n_nodes)
    vol[:n] = deg
    for d in range(height, 0, -1):
        _fold_into_parents(vol, parent, levels[d], levels[d - 1], n)
    # ancestors matrix: anc[v, j] = ancestor of v at depth j (v itself at its depth, padded with -1 - v)
    anc = np.empty((n_nodes, height + 1), np.int64)
    anc[:] = -1 - np.arange(n_nodes)[:, None]
    anc[root, 0] = root
    for d in range(1, height + 1):
        lv = levels[d]
        anc[lv, :d] = anc[parent[lv], :d]
        anc[lv, d] = lv
    src, dst, w = graph.edges()
    inside = np.zeros(n_nodes)                       # 2 * weight of the edges whose LCA is the node
    lca_depth = None
    if src.size:
        lca_depth = _lca_depth(anc, src, dst)
        lca = anc[src, lca_depth]
        inside = np.bincount(lca, weights=2.0 * w, minlength=n_nodes)
    for d in range(height, 0, -1):                   # subtree sums: I(α) = inside weight under α
        _fold_into_parents(inside, parent, levels[d], levels[d - 1], n)
    cut = vol - inside
    cut[cut < 0] = 0.0                               # rounding
    vol_g = float(vol[root])
    h = np.zeros(n_nodes)
    if vol_g > 0:
        pv = vol[np.where(parent >= 0, parent, root)]
        ok = (vol > 0) & (parent >= 0)
        h[ok] = -(cut[ok] / vol_g) * np.log2(vol[ok] / pv[ok])
    se = np.zeros(n_nodes)
    for d in range(1, height + 1):
        lv = levels[d]
        se[lv] = se[parent[lv]] + h[lv]
    ids = _path_ids(parent, levels, n_nodes)
    ranges = leaf_order(parent, levels, n)
    labels = _default_labels(graph, depth, anc, ranges[0], src, dst, w, lca_depth)
    return dict(children=children, depth=depth, vol=vol, cut=cut, h=h, se=se, ids=tuple(ids), labels=labels,
                ranges=ranges)


def _children_csr(parent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(ptr, kids)``: the children of node v are ``kids[ptr[v]:ptr[v + 1]]``, in increasing order."""
    has = np.flatnonzero(parent >= 0)
    kids = has[np.argsort(parent[has], kind="stable")]
    ptr = np.zeros(parent.size + 1, np.int64)
    np.cumsum(np.bincount(parent[has], minlength=parent.size), out=ptr[1:])
    return ptr, kids


def _gather_children(ptr: np.ndarray, kids: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """The children of ``nodes``, node after node."""
    first = ptr[nodes]
    count = ptr[nodes + 1] - first
    total = int(count.sum())
    if total == 0:
        return np.empty(0, np.int64)
    ends = np.cumsum(count)
    return kids[np.repeat(first - (ends - count), count) + np.arange(total)]


def _levels(parent: np.ndarray, root: int) -> list[np.ndarray]:
    """The nodes under ``root`` level by level (``[root], its children, ...``), each level parent after parent;
    nodes a cycle keeps from the root are never reached."""
    ptr, kids = _children_csr(parent)
    levels = [np.array([root], np.int64)]
    while True:
        nxt = _gather_children(ptr, kids, levels[-1])
        if nxt.size == 0:
            return levels
        levels.append(nxt)


def _sibling_order(nodes: np.ndarray, parent_key: np.ndarray, d: int, deg: np.ndarray, below: np.ndarray,
                   leaf_depth: np.ndarray, exact: bool, n_nodes: int) -> np.ndarray:
    """The order of ``nodes`` (the kept tree's depth-``d`` nodes) by parent, then volume, largest first, then
    smallest skill.

    A volume is the exact sum of the degrees of the skills below (what :func:`math.fsum` gives), so the order
    never depends on how nodes were numbered. The sums are taken in floats with an error bound; siblings whose
    sums are too close for the bound to separate are summed again exactly (rare, except for ties)."""
    n = leaf_depth.size
    deep = np.flatnonzero(leaf_depth > d)                 # skills strictly below a depth-d community
    group = below[deep, d]
    size = np.bincount(group, minlength=n_nodes)
    vol = np.bincount(group, weights=deg[deep], minlength=n_nodes).astype(float, copy=False)[nodes]
    low = np.arange(n_nodes)                              # a skill's smallest skill is itself
    np.minimum.at(low, group, deep)
    smallest = low[nodes]
    is_leaf = nodes < n
    vol[is_leaf] = deg[nodes[is_leaf]]
    slack = np.zeros(nodes.size) if exact else np.where(is_leaf, 0.0, size[nodes] * 2.0 ** -52 * vol)
    order = np.lexsort((smallest, -vol, parent_key))
    a, b = order[:-1], order[1:]
    near = ((parent_key[a] == parent_key[b]) & (slack[a] + slack[b] > 0)
            & (vol[a] - vol[b] <= slack[a] + slack[b] + 2.0 ** -50 * vol[a]))
    if not near.any():
        return order
    redo = np.flatnonzero(np.isin(parent_key, parent_key[a[near]]) & ~is_leaf)
    need = nodes[redo]
    mine = np.isin(group, need)
    by = np.argsort(group[mine], kind="stable")
    g_sorted, d_sorted = group[mine][by], deg[deep[mine]][by]
    cuts = np.flatnonzero(np.r_[True, g_sorted[1:] != g_sorted[:-1], True])
    sums = {int(g_sorted[i]): math.fsum(d_sorted[i:j].tolist()) for i, j in zip(cuts[:-1], cuts[1:])}
    vol = vol.copy()
    vol[redo] = [sums[int(v)] for v in need]
    return np.lexsort((smallest, -vol, parent_key))


def _fold_into_parents(values: np.ndarray, parent: np.ndarray, kids: np.ndarray, parents: np.ndarray,
                       n: int) -> None:
    """``values[parent[v]] += values[v]`` for the nodes ``kids`` of one level, in the order of a walk from the
    last node of the level to the first (breadth-first order reversed): a parent's value first, then its
    children's from the last to the first, summed left to right (``np.bincount`` adds in array order)."""
    own = parents[parents >= n]
    back = kids[::-1]
    total = np.bincount(np.concatenate([own, parent[back]]), weights=np.concatenate([values[own], values[back]]),
                        minlength=values.size)
    values[own] = total[own]


def _lca_depth(anc: np.ndarray, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Depth of the lowest common ancestor of each pair (rows of ``anc`` agree on a prefix, then differ)."""
    cols = np.ascontiguousarray(anc.T)
    same = np.ones(src.size, bool)
    out = np.full(src.size, -1, np.int64)
    for col in cols:
        same &= col[src] == col[dst]
        out += same
    return out


def _children_tuples(parent: np.ndarray, levels: list[np.ndarray], n_nodes: int) -> tuple[tuple[int, ...], ...]:
    out: list[tuple[int, ...]] = [()] * n_nodes
    for lv in levels[1:]:
        par = parent[lv]
        cuts = np.flatnonzero(np.r_[True, par[1:] != par[:-1], True]).tolist()
        nodes = lv.tolist()
        for p, i, j in zip(par[cuts[:-1]].tolist(), cuts[:-1], cuts[1:]):
            out[p] = tuple(nodes[i:j])
    return tuple(out)


def _sibling_positions(par: np.ndarray) -> np.ndarray:
    """1-based position of each node among its siblings (siblings are together, in order)."""
    if par.size == 0:
        return np.empty(0, np.int64)
    starts = np.flatnonzero(np.r_[True, par[1:] != par[:-1]])
    first = np.repeat(starts, np.diff(np.r_[starts, par.size]))
    return np.arange(par.size) - first + 1


def _path_ids(parent: np.ndarray, levels: list[np.ndarray], n_nodes: int) -> list[str]:
    """Community ids: ``"2"`` is the root's second child, ``"2.1"`` its first child, ..."""
    ids = [""] * n_nodes
    if levels:
        ids[int(levels[0][0])] = ROOT_ID
    for d, lv in enumerate(levels[1:], start=1):
        par = parent[lv]
        pos = _sibling_positions(par).tolist()
        if d == 1:
            texts = list(map(str, pos))
        else:
            texts = [f"{ids[p]}.{q}" for p, q in zip(par.tolist(), pos)]
        for v, text in zip(lv.tolist(), texts):
            ids[v] = text
    return ids


def representative_scores(graph: SkillGraph, anc: np.ndarray, src: np.ndarray, dst: np.ndarray,
                           w: np.ndarray, lca_depth: np.ndarray | None = None) -> np.ndarray:
    """``score[v, j]``: how well skill v represents its depth-j ancestor: its record count n_v times the share of
    its edge weight that stays inside that ancestor (frequent and central). Without counts (an edge list without
    a node list) the score is the weight inside. ``lca_depth``: :func:`_lca_depth` of the edges, when known."""
    n = graph.n_skills
    height = anc.shape[1] - 1
    # inner[v, j]: weight of v's edges whose LCA has depth >= j, i.e. v's degree inside its depth-j ancestor
    inner = np.zeros((n, height + 2))
    if src.size:
        if lca_depth is None:
            lca_depth = _lca_depth(anc, src, dst)
        # the source ends' weights, then the target ends', each in edge order (as np.add.at adds them)
        flat = np.concatenate([src * (height + 2) + lca_depth, dst * (height + 2) + lca_depth])
        inner = np.bincount(flat, weights=np.concatenate([w, w]), minlength=n * (height + 2)).reshape(n, height + 2)
    inner = np.cumsum(inner[:, ::-1], axis=1)[:, ::-1]
    deg = graph.degree
    counts = np.asarray(graph.counts, float)
    if counts.sum() > 0:
        return counts[:, None] * inner / np.where(deg > 0, deg, 1.0)[:, None]
    return inner


def rank_members(graph: SkillGraph, members: Sequence[int], score: np.ndarray, depth: int) -> list[int]:
    """``members`` best first: by score, then degree, then name."""
    deg = graph.degree
    return sorted(members, key=lambda v: (-score[v, depth], -deg[v], graph.skills[v]))


def _name_rank(skills: Sequence[str]) -> np.ndarray:
    """Each skill's position in name order (the skills of a graph are usually sorted already)."""
    if list(skills) == sorted(skills):                  # (names are unique)
        return np.arange(len(skills))
    rank = np.empty(len(skills), np.int64)
    rank[sorted(range(len(skills)), key=skills.__getitem__)] = np.arange(len(skills))
    return rank


def leaf_order(parent: np.ndarray, levels: list[np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(order, start, end)`` of :attr:`EncodingTree._leaf_ranges` from the breadth-first ``levels`` (siblings
    together, in order): a node's skills start where its parent's do, after those of its elder siblings."""
    n_nodes = parent.size
    size = np.zeros(n_nodes, np.int64)
    size[:n] = 1
    for lv in reversed(levels[1:]):
        size += np.bincount(parent[lv], weights=size[lv], minlength=n_nodes).astype(np.int64)
    start = np.zeros(n_nodes, np.int64)
    for lv in levels[1:]:
        par = parent[lv]
        before = np.cumsum(size[lv]) - size[lv]                      # skills of the level's earlier nodes
        first = np.flatnonzero(np.r_[True, par[1:] != par[:-1]])
        before -= np.repeat(before[first], np.diff(np.r_[first, lv.size]))
        start[lv] = start[par] + before
    order = np.empty(n, np.int64)
    order[start[:n]] = np.arange(n)
    return order, start, start + size


def _default_labels(graph: SkillGraph, depth: np.ndarray, anc: np.ndarray, order: np.ndarray, src: np.ndarray,
                    dst: np.ndarray, w: np.ndarray, lca_depth: np.ndarray | None = None) -> list[str]:
    """Label each community by the three skills that best represent it (:meth:`EncodingTree.representatives`):
    the first three of :func:`rank_members` over the skills below it, for all communities at once. ``order``:
    the skills in tree order, so that the skills below each community at a depth come together."""
    n = graph.n_skills
    n_nodes = anc.shape[0]
    skills = graph.skills
    labels = list(skills) + ["all skills"]
    if n_nodes == n + 1:
        return labels
    score = representative_scores(graph, anc, src, dst, w, lca_depth)
    deg = np.asarray(graph.degree, float)
    name = _name_rank(skills)
    picked: list[np.ndarray] = []
    comms: list[np.ndarray] = []
    for j in range(1, anc.shape[1] - 1):                 # skill v is below its ancestors at depths 1 .. depth - 1
        vs = order[depth[order] > j]
        g = anc[vs, j]
        first = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
        gid = np.repeat(np.arange(first.size), np.diff(np.r_[first, vs.size]))
        s, dv, nv = score[vs, j], deg[vs], name[vs]
        free = np.ones(vs.size, bool)
        best = np.full((first.size, 3), -1, np.int64)
        for r in range(3):                              # the best by score, then degree, then name; 3 times
            cand = free.copy()
            for key in (s, dv, -nv):
                top = np.maximum.reduceat(np.where(cand, key, -np.inf), first)
                cand &= key == top[gid]
                if np.count_nonzero(cand) == np.count_nonzero(top > -np.inf):
                    break                               # one candidate per community left: no tie to break
            at = np.flatnonzero(cand)
            best[gid[at], r] = vs[at]
            free[at] = False
        picked.append(best)
        comms.append(g[first])
    best = np.concatenate(picked)
    text = np.array(skills + ("",), object)[best]       # -1 (no third member): ""
    joined = text[:, 0] + " / " + text[:, 1] + np.where(best[:, 2] >= 0, " / ", "").astype(object) + text[:, 2]
    out = np.empty(n_nodes - n - 1, object)
    out[np.concatenate(comms) - n - 1] = joined
    return labels[: n + 1] + out.tolist()
