"""Operators on encoding trees and their exact entropy changes (docs/method.md §2-3: the closed forms of
COMBINE, COMPRESS, MERGE and a move).

Each operator returns a new, canonical :class:`~steps_core.tree.EncodingTree` (trees are immutable) whose
entropies are recomputed from scratch; the ``delta_*`` functions give the same change in closed form,
ΔH = H(after) - H(before) in bits, with V = volumes, g = cuts, e = weight between two siblings and
``G_α`` = the sum of the cuts of α's children:

* COMBINE(α, β): a new node γ over siblings α and β:      ΔH·vol = -2e log2(V_p / V_γ)          (<= 0)
* COMPRESS(α): α removed, its children move up:           ΔH·vol = (G_α - g_α) log2(V_p / V_α)  (>= 0)
* MERGE(α, β): COMBINE then COMPRESS both:
  ΔH·vol = (G_α - g_α) log2(V_γ/V_α) + (G_β - g_β) log2(V_γ/V_β) - 2e log2(V_p/V_γ)
  (a leaf sibling has no children and contributes no compress term)
* MOVE a leaf to another community (2-D closed form in :func:`delta_move_2d`).

Operators keep custom community labels (see :func:`relabel`).

>>> from steps_core.graph import graph_from_edges
>>> from steps_core.tree import EncodingTree
>>> g = graph_from_edges([("a", "b", 1), ("c", "d", 1), ("b", "c", 1)])
>>> t = EncodingTree.from_parent(g, [4, 4, 4, 4, -1])
>>> after = combine(t, 0, 1)
>>> round(after.entropy - t.entropy, 12) == round(delta_combine(t, 0, 1), 12)
True
"""

from __future__ import annotations

import math

import numpy as np

from .errors import InputError
from .tree import EncodingTree


def _edge_weight_between(tree: EncodingTree, a: int, b: int) -> float:
    ma, mb = tree.members(a), tree.members(b)
    return float(tree.graph.adjacency[ma][:, mb].sum())


def _children_cut(tree: EncodingTree, node: int) -> float:
    return float(sum(tree.cut[c] for c in tree.children[node]))


def _check_siblings(tree: EncodingTree, a: int, b: int) -> int:
    if a == b or a == tree.root or b == tree.root:
        raise InputError("choose two different non-root nodes")
    p = int(tree.parent[a])
    if p != int(tree.parent[b]):
        raise InputError(f"{tree.ids[a]} and {tree.ids[b]} are not siblings")
    return p


def _log_ratio(x: float, y: float) -> float:
    return math.log2(x / y) if x > 0 and y > 0 else 0.0


def _rebuild(tree: EncodingTree, parent: list[int], labels: dict[int, str] | None = None) -> EncodingTree:
    custom = dict(tree.custom_labels)
    if labels:
        custom.update(labels)
    return EncodingTree.from_parent(tree.graph, parent, method=tree.method, k=tree.k, labels=custom)


def delta_combine(tree: EncodingTree, a: int, b: int) -> float:
    """ΔH of COMBINE(a, b), closed form."""
    p = _check_siblings(tree, a, b)
    vol_g = float(tree.vol[tree.root])
    if vol_g <= 0:
        return 0.0
    e = _edge_weight_between(tree, a, b)
    return -2.0 * e * _log_ratio(tree.vol[p], tree.vol[a] + tree.vol[b]) / vol_g


def combine(tree: EncodingTree, a: int, b: int) -> EncodingTree:
    """Insert a new node over siblings ``a`` and ``b``."""
    p = _check_siblings(tree, a, b)
    parent = tree.parent.tolist()
    parent.append(p)
    parent[a] = parent[b] = len(parent) - 1
    return _rebuild(tree, parent)


def _check_compressible(tree: EncodingTree, a: int) -> None:
    if a < tree.n_skills or a == tree.root:
        raise InputError("only a community (not a skill, not the root) can be compressed")


def delta_compress(tree: EncodingTree, a: int) -> float:
    """ΔH of COMPRESS(a), closed form."""
    _check_compressible(tree, a)
    vol_g = float(tree.vol[tree.root])
    if vol_g <= 0:
        return 0.0
    p = int(tree.parent[a])
    return (_children_cut(tree, a) - tree.cut[a]) * _log_ratio(tree.vol[p], tree.vol[a]) / vol_g


def compress(tree: EncodingTree, a: int) -> EncodingTree:
    """Remove community ``a``; its children move up to its parent."""
    _check_compressible(tree, a)
    parent = tree.parent.tolist()
    for c in tree.children[a]:
        parent[c] = parent[a]        # a is left empty: canonicalisation drops it
    return _rebuild(tree, parent)


def delta_merge(tree: EncodingTree, a: int, b: int) -> float:
    """ΔH of MERGE(a, b), closed form."""
    p = _check_siblings(tree, a, b)
    vol_g = float(tree.vol[tree.root])
    if vol_g <= 0:
        return 0.0
    e = _edge_weight_between(tree, a, b)
    v_new = tree.vol[a] + tree.vol[b]
    out = -2.0 * e * _log_ratio(tree.vol[p], v_new)
    for x in (a, b):
        if x >= tree.n_skills:
            out += (_children_cut(tree, x) - tree.cut[x]) * _log_ratio(v_new, tree.vol[x])
    return out / vol_g


def merge(tree: EncodingTree, a: int, b: int, *, label: str | None = None) -> EncodingTree:
    """Fuse siblings ``a`` and ``b`` into one node whose children are the union of theirs."""
    p = _check_siblings(tree, a, b)
    parent = tree.parent.tolist()
    parent.append(p)
    new = len(parent) - 1
    for x in (a, b):
        if x < tree.n_skills:
            parent[x] = new
        else:
            for c in tree.children[x]:
                parent[c] = new
    return _rebuild(tree, parent, {new: label} if label else None)


def move_leaf(tree: EncodingTree, skill: int, target: int) -> EncodingTree:
    """Move the leaf of ``skill`` under community ``target`` (any internal node, root included)."""
    if not 0 <= skill < tree.n_skills:
        raise InputError("only a skill (leaf) can be moved")
    if target < tree.n_skills:
        raise InputError("the target must be a community, not a skill")
    parent = tree.parent.tolist()
    parent[skill] = target
    return _rebuild(tree, parent)


def delta_move_2d(tree: EncodingTree, skill: int, target: int) -> float:
    """ΔH of moving a skill between communities of a 2-level tree, closed form.

    With F(I, V) = I log2(V / vol) and k_iX the weight from i into X:
    ΔH·vol = F(I_A - 2k_iA, V_A - d_i) - F(I_A, V_A) + F(I_B + 2k_iB, V_B + d_i) - F(I_B, V_B).
    Skills directly under the root count as singleton communities.
    """
    if tree.height > 2:
        raise InputError("the closed form holds for 2-level trees")
    if not 0 <= skill < tree.n_skills:
        raise InputError("only a skill (leaf) can be moved")
    if target < tree.n_skills:
        raise InputError("the target must be a community, not a skill")
    if target == int(tree.parent[skill]):
        return 0.0
    vol_g = float(tree.vol[tree.root])
    if vol_g <= 0:
        return 0.0
    a = int(tree.parent[skill])
    adj = tree.graph.adjacency
    d = float(tree.graph.degree[skill])

    def stats(node: int) -> tuple[float, float, float]:
        if node == tree.root:                            # singleton: I = 0, V = d_i, k = 0
            return 0.0, 0.0, 0.0
        members = tree.members(node)
        return float(tree.vol[node] - tree.cut[node]), float(tree.vol[node]), float(adj[[skill]][:, members].sum())

    def f(i: float, v: float) -> float:
        return i * math.log2(v / vol_g) if i > 0 and v > 0 else 0.0

    i_a, v_a, k_a = stats(a)
    if a == tree.root:
        i_a, v_a = 0.0, d
    i_b, v_b, k_b = stats(target)
    return (f(i_a - 2 * k_a, v_a - d) - f(i_a, v_a) + f(i_b + 2 * k_b, v_b + d) - f(i_b, v_b)) / vol_g


def relabel(tree: EncodingTree, node: int, label: str) -> EncodingTree:
    """Give community ``node`` a custom label (kept through later edits)."""
    if node < tree.n_skills:
        raise InputError("only a community can be relabelled")
    label = label.strip()
    if not label:
        raise InputError("a label cannot be empty")
    return _rebuild(tree, tree.parent.tolist(), {node: label})


def split(tree: EncodingTree, node: int, *, refine: bool = True, seed: int = 0) -> EncodingTree:
    """Re-run the optimiser inside community ``node``: group its children into new sub-communities."""
    from .optimize import children_problem, insert_groups, partition_level

    if node < tree.n_skills:
        raise InputError("only a community can be split")
    if len(tree.children[node]) < 3:
        raise InputError(f"community {tree.ids[node]} has {len(tree.children[node])} children: nothing to split")
    problem, kids = children_problem(tree.graph, tree.parent, node)
    labels = partition_level(problem, refine=refine, seed=seed)
    parent, _ = insert_groups(tree.parent, kids, np.full(kids.size, node), labels)
    return _rebuild(tree, parent.tolist())
