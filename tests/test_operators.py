"""Tree operators: the closed-form ΔH of each equals recomputing H^T before and after."""

import networkx as nx
import numpy as np
import pytest

from brute import tree_entropy
from steps_core.errors import InputError
from steps_core.generators import planted_hierarchy
from steps_core.graph import graph_from_edges
from steps_core.operators import (combine, compress, delta_combine, delta_compress, delta_merge, delta_move_2d,
                                  merge, move_leaf, relabel, split)
from steps_core.optimize import build_tree
from steps_core.tree import check_tree


@pytest.fixture(scope="module")
def tree():
    kc = nx.karate_club_graph()
    g = graph_from_edges([(f"m{u:02d}", f"m{v:02d}", float(d["weight"])) for u, v, d in kc.edges(data=True)])
    return build_tree(g, k=4)


def sibling_pairs(t):
    for p in range(t.n_skills, t.n_nodes):
        kids = t.children[p]
        for i in range(len(kids)):
            for j in range(i + 1, len(kids)):
                yield kids[i], kids[j]


def brute(t):
    src, dst, w = t.graph.edges()
    return tree_entropy(t.n_skills, list(zip(src.tolist(), dst.tolist(), w.tolist())), t.parent.tolist())


def test_combine_and_merge(tree):
    pairs = list(sibling_pairs(tree))
    assert len(pairs) > 20
    for a, b in pairs[:60]:
        c = combine(tree, a, b)
        check_tree(c)
        assert c.entropy - tree.entropy == pytest.approx(delta_combine(tree, a, b), abs=1e-12)
        assert delta_combine(tree, a, b) <= 1e-15
        m = merge(tree, a, b)
        check_tree(m)
        assert m.entropy - tree.entropy == pytest.approx(delta_merge(tree, a, b), abs=1e-12)
        assert m.entropy == pytest.approx(brute(m), abs=1e-10)


def test_compress(tree):
    for a in tree.communities:
        c = compress(tree, a)
        check_tree(c)
        assert c.entropy - tree.entropy == pytest.approx(delta_compress(tree, a), abs=1e-12)
        assert delta_compress(tree, a) >= -1e-15
        assert c.n_nodes == tree.n_nodes - 1


def test_merge_without_edges_never_lowers_entropy():
    g = graph_from_edges([("a", "b", 1), ("c", "d", 1), ("e", "f", 1), ("b", "c", 0.1)])
    t = build_tree(g, k=2)
    top = [c for c in t.children[t.root] if c >= t.n_skills]
    ab = t.lca([g.index["a"], g.index["b"]])
    ef = t.lca([g.index["e"], g.index["f"]])
    assert ab in top and ef in top
    assert delta_merge(t, ab, ef) >= 0


@pytest.mark.parametrize("seed", range(5))
def test_node_move_closed_form_2d(seed):
    g, _, _ = planted_hierarchy(40, n_groups=2, n_sub=2, p_sub=0.6, p_group=0.2, p_out=0.05, seed=seed)
    t = build_tree(g, k=2)
    rng = np.random.default_rng(seed)
    targets = [c for c in t.communities] + [t.root]
    for v in rng.choice(t.n_skills, 10, replace=False):
        for target in targets:
            moved = move_leaf(t, int(v), target)
            check_tree(moved)
            assert moved.entropy - t.entropy == pytest.approx(delta_move_2d(t, int(v), target), abs=1e-12)


def test_relabel_and_split(tree):
    c = next(iter(tree.communities))
    t2 = relabel(tree, c, "my own name")
    assert t2.labels[c] == "my own name" and t2.entropy == tree.entropy
    # a community with many leaf children can be split; the split never raises the entropy
    big = max(tree.communities, key=lambda x: len(tree.children[x]))
    if len(tree.children[big]) >= 3:
        s = split(tree, big)
        check_tree(s)
        assert s.entropy <= tree.entropy + 1e-12
        assert s.entropy == pytest.approx(brute(s), abs=1e-10)


def test_operator_errors(tree):
    a, b = next(sibling_pairs(tree))
    with pytest.raises(InputError, match="siblings"):
        combine(tree, a, tree.root + 1 if tree.parent[tree.root + 1] != tree.parent[a] else 0)
    with pytest.raises(InputError):
        compress(tree, 0)
    with pytest.raises(InputError):
        move_leaf(tree, 0, 1)
    with pytest.raises(InputError):
        relabel(tree, tree.n_skills + 1, "   ")


def test_move_closed_form_rejects_skills_as_targets():
    g, _, _ = planted_hierarchy(40, n_groups=2, n_sub=2, p_sub=0.6, p_group=0.2, p_out=0.05, seed=0)
    t = build_tree(g, k=2)
    assert delta_move_2d(t, 0, int(t.parent[0])) == 0.0
    with pytest.raises(InputError):
        delta_move_2d(t, 0, 1)
