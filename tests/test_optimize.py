"""The tree optimiser: sanity values of method.md, exhaustive optima, planted hierarchies, determinism."""

import math

import networkx as nx
import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from brute import best_partition_entropy, tree_entropy
from steps_core.errors import InputError
from steps_core.generators import erdos_renyi, planted_hierarchy
from steps_core.graph import graph_from_edges
from steps_core.optimize import LevelProblem, build_tree, level_objective, partition_level
from steps_core.tree import check_tree


def graph_of(edges, n=None, names=None):
    n = n or (max(max(a, b) for a, b, *_ in edges) + 1)
    names = names or [f"s{i:02d}" for i in range(n)]
    return graph_from_edges([(names[e[0]], names[e[1]], e[2] if len(e) > 2 else 1.0) for e in edges], skills=names)


BRIDGE = [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5), (2, 3)]


def communities(tree):
    return sorted(sorted(tree.skills[i] for i in tree.members(c)) for c in tree.children[tree.root])


def test_plain_greedy_gets_stuck_on_bridge_exactly_as_documented():
    t = build_tree(graph_of(BRIDGE), k=2, refine=False)
    assert t.entropy == pytest.approx(1.865642098113, abs=1e-12)
    assert communities(t) == [["s00", "s01"], ["s02", "s03"], ["s04", "s05"]]


def test_refinement_escapes_to_the_triangles():
    t = build_tree(graph_of(BRIDGE), k=2)
    assert t.entropy == pytest.approx(1.699513850320, abs=1e-12)
    assert communities(t) == [["s00", "s01", "s02"], ["s03", "s04", "s05"]]


def test_single_edge_and_two_triangles():
    assert build_tree(graph_of([(0, 1)]), k=2).entropy == pytest.approx(1.0, abs=1e-12)
    two = graph_of([(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5)])
    assert build_tree(two, k=2).entropy == pytest.approx(math.log2(3), abs=1e-12)
    assert build_tree(two, k=2, refine=False).entropy == pytest.approx(math.log2(3), abs=1e-12)


@pytest.mark.parametrize("m,greedy,optimum", [(4, None, 5 / 3), (6, 2.245313, math.log2(6) - 0.4),
                                              (8, 2.606220, 3 - 3 / 7)])
def test_complete_graphs(m, greedy, optimum):
    g = graph_of(list(nx.complete_graph(m).edges()))
    assert build_tree(g, k=2).entropy == pytest.approx(optimum, abs=1e-6)
    if greedy is not None:
        assert build_tree(g, k=2, refine=False).entropy == pytest.approx(greedy, abs=1e-6)


@pytest.mark.parametrize("n,optimum", [(4, 1.792481), (8, 2.292481), (10, 2.453445)])
def test_stars(n, optimum):
    g = graph_of([(0, i) for i in range(1, n + 1)])
    assert build_tree(g, k=2).entropy == pytest.approx(optimum, abs=1e-6)


def karate():
    return graph_of(list(nx.karate_club_graph().edges()), n=34)


def test_karate_plain_greedy():
    t = build_tree(karate(), k=2, refine=False)
    assert t.entropy == pytest.approx(3.406634, abs=1e-6)
    assert len(t.children[t.root]) == 6


def test_karate_default_beats_louvain_and_reaches_3_37():
    g = karate()
    t = build_tree(g, k=2)
    assert t.entropy <= 3.37
    assert t.entropy >= 3.351999 - 1e-6          # the best partition known
    louvain = nx.community.louvain_communities(nx.karate_club_graph(), seed=0)
    labels = [next(i for i, c in enumerate(louvain) if v in c) for v in range(34)]
    prob = LevelProblem(g.degree, g.adjacency, g.vol)
    assert t.entropy < t.h1 + level_objective(prob, np.array(labels)) / g.vol


@pytest.mark.parametrize("seed", range(30))
def test_default_finds_the_exhaustive_optimum_on_small_graphs(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 9))
    p = rng.uniform(0.3, 0.8)
    weighted = seed % 2 == 1
    edges = [(a, b, float(rng.uniform(0.5, 2.0)) if weighted else 1.0)
             for a in range(n) for b in range(a + 1, n) if rng.random() < p] or [(0, 1, 1.0)]
    g = graph_of(edges, n=n)
    optimum = best_partition_entropy(n, edges)
    t = build_tree(g, k=2)
    plain = build_tree(g, k=2, refine=False)
    assert t.entropy == pytest.approx(optimum, abs=1e-9)
    assert plain.entropy >= optimum - 1e-9
    # the reported entropy is the definition's, for the tree returned
    parent = t.parent.tolist()
    assert t.entropy == pytest.approx(tree_entropy(n, edges, parent), abs=1e-9)


def test_level_objective_is_the_entropy_change():
    g = graph_of(BRIDGE)
    prob = LevelProblem(g.degree, g.adjacency, g.vol)
    for labels in ([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2], [0, 1, 2, 3, 4, 5], [0] * 6):
        from brute import partition_entropy
        assert g.vol and partition_entropy(6, [(a, b, 1.0) for a, b in BRIDGE], labels) == pytest.approx(
            build_tree(g, k=2).h1 + level_objective(prob, np.array(labels)) / g.vol, abs=1e-12)


def levels(tree):
    """For each skill: its top community and its second-level community (or itself)."""
    top, second = [], []
    for v in range(tree.n_skills):
        path = tree.path(v)
        top.append(path[0])
        second.append(path[1] if len(path) > 2 else -1 - v)
    return np.array(top), np.array(second)


def test_planted_hierarchy_recovered_by_default_method():
    g, groups, subgroups = planted_hierarchy(512, seed=0)
    t = build_tree(g, k=3)
    top, second = levels(t)
    assert adjusted_rand_score(groups, top) >= 0.9
    assert adjusted_rand_score(subgroups, second) >= 0.9
    td = build_tree(g, k=3, method="topdown")
    assert t.entropy <= td.entropy + 1e-12 < td.h1
    assert t.height == td.height == 3


def test_topdown_first_level_finds_the_subgroups():
    """2-D minimisation prefers the 16 subgroups to the 4 groups (H^2 lower by ~0.4 bits here), so the
    top-down variant, which starts from the 2-D partition, puts subgroups at its first level and cannot
    recover the groups: the reason the default grows levels above as well as below."""
    g, groups, subgroups = planted_hierarchy(512, seed=0)
    td = build_tree(g, k=3, method="topdown")
    top, _ = levels(td)
    assert adjusted_rand_score(subgroups, top) >= 0.9
    assert adjusted_rand_score(groups, top) < 0.5
    two = build_tree(g, k=2)
    group_tree_h = two.h1 + level_objective(LevelProblem(g.degree, g.adjacency, g.vol), groups) / g.vol
    assert two.entropy < group_tree_h


@pytest.mark.parametrize("k", [2, 3, 4, 5])
def test_heights_and_leaves(k):
    g = erdos_renyi(120, 900, seed=k)
    t = build_tree(g, k=k)
    check_tree(t)
    assert t.height <= k
    assert sorted(t.members(t.root).tolist()) == list(range(120))
    assert t.entropy <= build_tree(g, k=k, method="topdown").entropy + 1e-12
    if k > 2:
        assert t.entropy <= build_tree(g, k=k - 1).entropy + 1e-12


def test_deterministic_whatever_the_input_order():
    g, _, _ = planted_hierarchy(200, seed=3)
    src, dst, w = g.edges()
    triples = [(g.skills[a], g.skills[b], x) for a, b, x in zip(src, dst, w)]
    rng = np.random.default_rng(0)
    shuffled = [triples[i] for i in rng.permutation(len(triples))]
    shuffled = [(b, a, x) if i % 2 else (a, b, x) for i, (a, b, x) in enumerate(shuffled)]
    t1 = build_tree(graph_from_edges(triples), k=3)
    t2 = build_tree(graph_from_edges(shuffled), k=3)
    assert t1.version == t2.version
    assert t1.entropy == t2.entropy


def test_disconnected_graph_and_isolated_skills():
    edges = [("a", "b", 1), ("b", "c", 1), ("a", "c", 1), ("x", "y", 2)]
    g = graph_from_edges(edges, skills=["lonely", "alone"])
    t = build_tree(g, k=3)
    check_tree(t)
    for s in ("lonely", "alone"):
        v = g.index[s]
        assert t.parent[v] == t.root and t.h[v] == 0.0 and t.skill_entropy[v] == 0.0
    # two components: the optimum keeps them apart
    assert communities(t) == [["a", "b", "c"], ["alone"], ["lonely"], ["x", "y"]]


def test_graph_without_edges():
    g = graph_from_edges([], skills=["a", "b", "c"])
    t = build_tree(g, k=3)
    assert t.entropy == 0.0 and t.height == 1


@pytest.mark.parametrize("k", [1, 9, 0, 2.5, "3", True])
def test_k_out_of_range(k):
    with pytest.raises(InputError, match="k"):
        build_tree(graph_of(BRIDGE), k=k)


def test_unknown_method():
    with pytest.raises(InputError, match="method"):
        build_tree(graph_of(BRIDGE), method="spectral")


def test_partition_level_keeps_zero_volume_items_alone():
    import scipy.sparse as sp
    adj = sp.csr_array(np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0]], float))
    labels = partition_level(LevelProblem(np.array([1.0, 1.0, 0.0]), adj, 2.0))
    assert labels[2] not in (labels[0], labels[1])


@pytest.mark.parametrize("k", [3, 4])
def test_polish_never_raises_entropy_and_helps_on_karate(k):
    from steps_core.optimize import polish as _polish
    from steps_core.tree import EncodingTree

    for g in (karate(), erdos_renyi(150, 1200, seed=k)):
        td = build_tree(g, k=k, method="topdown")
        polished = EncodingTree.from_parent(g, _polish(g, td.parent.tolist(), g.n_skills))
        check_tree(polished)
        assert polished.height <= k
        assert polished.entropy <= td.entropy + 1e-12
    # re-solving the middle level finds what growing levels one at a time missed
    g = karate()
    td = build_tree(g, k=3, method="topdown")
    assert EncodingTree.from_parent(g, _polish(g, td.parent.tolist(), g.n_skills)).entropy < td.entropy - 0.01


def test_core_groups_are_what_two_groupings_agree_on():
    from steps_core.levels import core_groups

    core = core_groups(np.array([0, 0, 0, 1, 1, 2]), np.array([5, 5, 7, 7, 7, 7]))
    assert [sorted(np.flatnonzero(core == c).tolist()) for c in np.unique(core)] == [[0, 1], [2], [3, 4], [5]]


def _root_problem(g):
    return LevelProblem(g.degree.astype(float), g.adjacency, g.vol)


def test_core_rounds_never_raise_phi_and_lower_it_on_sparse_graphs():
    """The core-groups search (levels.py) joins the candidates: Phi never rises, and on sparse random graphs,
    where the candidates are different local optima, it finds lower groupings than all of them. Phi checked
    against the brute-force entropy of the 2-level tree."""
    from brute import partition_entropy

    lowered = 0
    for seed in range(4):
        g = erdos_renyi(400, 1000, seed=seed)
        prob = _root_problem(g)
        without = level_objective(prob, partition_level(prob, core_rounds=0))
        labels = partition_level(prob)
        with_core = level_objective(prob, labels)
        assert with_core <= without + 1e-9 * g.vol
        lowered += with_core < without - 1e-6 * g.vol
        src, dst, w = g.edges()
        edges = list(zip(src.tolist(), dst.tolist(), w.tolist()))
        h1 = build_tree(g, k=2).h1
        assert partition_entropy(g.n_skills, edges, labels.tolist()) == pytest.approx(h1 + with_core / g.vol, abs=1e-9)
    assert lowered >= 2


def test_core_rounds_per_block_never_worse():
    """Several parents at once (blocks): the core groups never join items of different blocks, and every block
    keeps its own best grouping."""
    from steps_core.levels import block_objectives
    from steps_core.optimize import quotient_problem

    g = erdos_renyi(600, 1500, seed=7)
    blocks = np.arange(g.n_skills) % 3                         # three parents, edges between them ignored
    prob = quotient_problem(g, np.arange(g.n_skills), g.n_skills, blocks=blocks)
    base = partition_level(prob, core_rounds=0)
    labels = partition_level(prob)
    for lab in (base, labels):
        for grp in np.unique(lab):
            assert np.unique(blocks[lab == grp]).size == 1
    assert np.all(block_objectives(prob, labels) <= block_objectives(prob, base) + 1e-9 * g.vol)
    assert np.any(block_objectives(prob, labels) < block_objectives(prob, base) - 1e-6 * g.vol)


def test_k3_keeps_the_lower_tree_of_the_two_2_level_bases():
    """The best 2-level tree is not always the best start for the level above: here the tree grown from the best
    seeded start's 2-level tree is lower. build_tree keeps the lower of the two, each grown and polished
    independently through the public phases and scored by the brute-force definition of H^T."""
    from steps_core.optimize import grow, polish, solve_two_level

    g = erdos_renyi(40, 80, seed=12)
    opts = dict(refine=True, n_starts=4, seed=0)
    base, alt = solve_two_level(g, opts, alternative=True)
    assert alt is not None
    src, dst, w = g.edges()
    edges = list(zip(src.tolist(), dst.tolist(), w.tolist()))
    finals = []
    for b in (base, alt):
        parent, gain = grow(g, b, 1, opts, lambda: None)
        finals.append(tree_entropy(g.n_skills, edges, polish(g, parent, g.n_skills, **opts).tolist()))
    assert finals[1] < finals[0] - 1e-3                         # the two bases lead to different trees
    t = build_tree(g, k=3)
    assert t.entropy == pytest.approx(min(finals), abs=1e-9)
    assert tree_entropy(g.n_skills, edges, t.parent.tolist()) == pytest.approx(t.entropy, abs=1e-9)


@pytest.mark.parametrize("seed", range(3))
def test_quotient_problem_is_the_indicator_product_less_its_diagonal(seed):
    """quotient_problem's weights are P^T A P (P: vertex -> item indicator) without the diagonal, with vertices
    outside every item (-1) dropped; volumes are the items' summed degrees. Checked against dense numpy."""
    from steps_core.optimize import quotient_problem

    g = erdos_renyi(60, 200, seed=seed)
    rng = np.random.default_rng(seed)
    item_of = rng.integers(-1, 9, g.n_skills)
    prob = quotient_problem(g, item_of, 9)
    dense = g.adjacency.toarray()
    p = np.zeros((g.n_skills, 9))
    p[np.flatnonzero(item_of >= 0), item_of[item_of >= 0]] = 1.0
    want = p.T @ dense @ p
    np.fill_diagonal(want, 0.0)
    got = prob.adjacency.toarray()
    np.testing.assert_allclose(got, want, atol=1e-12)
    assert prob.adjacency.has_sorted_indices and not np.any(prob.adjacency.data == 0)
    np.testing.assert_allclose(prob.vol, p.T @ dense.sum(axis=1))
    assert prob.parent_vol == pytest.approx(g.vol)


def test_large_problems_skip_greedy_and_search_from_core_groups(monkeypatch):
    """On a *large* problem (levels.LARGE_BLOCK_NNZ, lowered here) greedy merging is no candidate, two seeded
    starts run, and rounds of core-groups searches lower Phi below both (checked by the brute-force entropy)."""
    from brute import partition_entropy
    from steps_core import level_kernels, levels

    g = erdos_renyi(400, 1000, seed=1)
    prob = _root_problem(g)
    monkeypatch.setattr(levels, "LARGE_BLOCK_NNZ", 1)

    def no_greedy(*args):
        raise AssertionError("greedy merging ran on a large problem")

    monkeypatch.setattr(level_kernels, "greedy_merge", no_greedy)
    starts = level_objective(prob, partition_level(prob, core_rounds=0))
    labels = partition_level(prob)
    assert level_objective(prob, labels) < starts - 1e-6 * g.vol
    src, dst, w = g.edges()
    h = partition_entropy(g.n_skills, list(zip(src.tolist(), dst.tolist(), w.tolist())), labels.tolist())
    assert h == pytest.approx(build_tree(g, k=2).h1 + level_objective(prob, labels) / g.vol, abs=1e-9)


def test_top_down_start_reaches_groupings_merging_misses(monkeypatch):
    """Between communities, merging from single items can stall where every merge of two groups raises Phi but
    merging many lowers it. The top-down start (one group, split by refinement) is one more candidate; on the
    communities of this sparse random graph, searched as a large problem (two starts, no greedy merging:
    levels.LARGE_BLOCK_NNZ lowered), it lowers Phi (from its definition, numpy)."""
    from steps_core import levels
    from steps_core.optimize import quotient_problem, solve_two_level

    g = erdos_renyi(3000, 15000, seed=1)
    n = g.n_skills
    base = solve_two_level(g, dict(refine=True, n_starts=4, seed=0))
    items, item_of = np.unique(np.where(base[:n] == n, np.arange(n), base[:n]), return_inverse=True)
    prob = quotient_problem(g, item_of.astype(np.int64), items.size)
    monkeypatch.setattr(levels, "LARGE_BLOCK_NNZ", 1)
    merged = level_objective(prob, partition_level(prob))
    both = level_objective(prob, partition_level(prob, top_down=True))
    assert both < merged - 1e-6 * g.vol
