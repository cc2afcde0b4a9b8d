"""Conditional structural entropy and the combination search, against brute force."""

import itertools

import numpy as np
import pytest

from brute import best_extension
from steps_core.errors import InputError
from steps_core.generators import planted_hierarchy
from steps_core.optimize import build_tree
from steps_core.select import (PLAIN, Combination, conditional_entropy, evaluate_combination, read_combos, search,
                               make_settings, select_combinations, subset_entropy, write_combos)


@pytest.fixture(scope="module")
def tree():
    g, _, _ = planted_hierarchy(48, n_groups=2, n_sub=3, p_sub=0.7, p_group=0.2, p_out=0.03, seed=1)
    return build_tree(g, k=3)


def paths_and_h(tree):
    paths = {v: [x for x in tree.path(v)] for v in range(tree.n_skills)}
    return paths, {x: float(tree.h[x]) for x in range(tree.n_nodes)}


def test_subset_entropy_by_definition(tree):
    rng = np.random.default_rng(0)
    for _ in range(30):
        s = [tree.skills[i] for i in rng.choice(tree.n_skills, rng.integers(1, 6), replace=False)]
        nodes = set()
        for name in s:
            nodes.update(tree.path(tree.graph.index[name]))
        assert subset_entropy(tree, s) == pytest.approx(sum(tree.h[x] for x in nodes), abs=1e-12)


def test_conditional_identity_and_order_independence(tree):
    rng = np.random.default_rng(1)
    for _ in range(40):
        pick = [tree.skills[i] for i in rng.choice(tree.n_skills, 6, replace=False)]
        x, y = pick[:2], pick[2:]
        value = conditional_entropy(tree, y, x)
        assert value == pytest.approx(subset_entropy(tree, x + y) - subset_entropy(tree, x), abs=1e-12)
        assert value == pytest.approx(conditional_entropy(tree, y[::-1], x[::-1]), abs=1e-12)
        assert value >= 0
        # submodular: the gain of one more skill shrinks as the conditioning set grows
        z = y[0]
        assert conditional_entropy(tree, [z], x) >= conditional_entropy(tree, [z], x + y[1:]) - 1e-12


def test_single_skill_entropy_is_se(tree):
    for v in range(tree.n_skills):
        assert subset_entropy(tree, [tree.skills[v]]) == pytest.approx(tree.skill_entropy[v], abs=1e-12)


@pytest.mark.parametrize("k", [2, 3, 4])
def test_global_beam_finds_brute_force_optimum(tree, k):
    paths, h = paths_and_h(tree)
    n = tree.n_skills
    for s in range(0, n, 7):
        cands = [v for v in range(n) if v != s]
        n_sets = len(list(itertools.combinations(cands, k - 1)))
        got = select_combinations(tree, starts=[[tree.skills[s]]], k=k, beam=n_sets, scope="global", **PLAIN)
        best = best_extension(h, paths, [s], cands, k - 1)
        assert got[0].gain == pytest.approx(best, abs=1e-12)
        # a narrow beam can only do worse or equal
        narrow = select_combinations(tree, starts=[[tree.skills[s]]], k=k, beam=1, scope="global", **PLAIN)
        assert narrow[0].gain <= best + 1e-12


def local_pools(tree, start):
    node = start
    out = []
    while True:
        if tree.n_members(node) > 1:
            out.append(set(tree.members(node).tolist()))
        if node == tree.root:
            return out
        node = int(tree.parent[node])


@pytest.mark.parametrize("k", [3, 4])
def test_local_beam_matches_brute_force_over_local_sequences(tree, k):
    paths, h = paths_and_h(tree)
    for s in range(0, tree.n_skills, 5):
        pools = local_pools(tree, s)
        # brute force: every sequence whose step t draws from pool t (clamped to the root)
        best = -1.0
        seqs = [[]]
        for t in range(k - 1):
            pool = pools[min(t, len(pools) - 1)]
            seqs = [q + [y] for q in seqs for y in pool if y != s and y not in q]
        for q in seqs:
            nodes = set().union(*(paths[v] for v in q)) - set(paths[s])
            best = max(best, sum(h[x] for x in nodes))
        got = select_combinations(tree, starts=[[tree.skills[s]]], k=k, beam=10_000, **PLAIN)
        assert got[0].gain == pytest.approx(best, abs=1e-12)


def test_local_scope_never_leaves_the_t_th_ancestor(tree):
    combos = select_combinations(tree, k=5, beam=8, per_start=3, **PLAIN)
    assert combos
    for c in combos:
        s = tree.graph.index[c.start[0]]
        pools = local_pools(tree, s)
        for t, name in enumerate(c.skills[1:]):
            assert tree.graph.index[name] in pools[min(t, len(pools) - 1)], (c, t)
        assert c.scope == "local"


def test_step_gains_add_up_and_match_conditional_entropy(tree):
    for c in select_combinations(tree, k=4, beam=5, top=20):
        assert c.gain == pytest.approx(sum(c.step_gains), abs=1e-12)
        rest = [s for s in c.skills if s not in c.start]
        assert c.gain == pytest.approx(conditional_entropy(tree, rest, c.start), abs=1e-12)
        assert len(c.skills) == c.k == 4 and len(set(c.skills)) == 4


def test_pins_excludes_and_excluded_combinations(tree):
    pin, banned = tree.skills[3], tree.skills[10]
    base = select_combinations(tree, k=4, beam=6, top=30, **PLAIN)
    assert any(banned in c.skills for c in select_combinations(tree, k=4, beam=6, **PLAIN))
    combos = select_combinations(tree, k=4, beam=6, pins=[pin], exclude=[banned], **PLAIN)
    assert combos
    for c in combos:
        assert pin in c.skills and banned not in c.skills
        assert c.skills[len(c.start)] == pin or pin in c.start
    blocked = [list(c.skills) for c in base[:5]]
    again = select_combinations(tree, k=4, beam=6, exclude_combos=blocked, **PLAIN)
    keys = {frozenset(b) for b in blocked}
    assert not any(c.key in keys for c in again)
    assert len(again) > 0


def test_sweep_ranks_and_deduplicates(tree):
    combos = select_combinations(tree, k=3, beam=4, per_start=2, **PLAIN)
    keys = [c.key for c in combos]
    assert len(keys) == len(set(keys))
    gains = [c.gain for c in combos]
    assert gains == sorted(gains, reverse=True)
    assert len(select_combinations(tree, k=3, beam=4, per_start=2, top=7, **PLAIN)) == 7


def test_multi_skill_start_and_lca(tree):
    a, b = tree.skills[0], tree.skills[1]
    (c,) = select_combinations(tree, starts=[[a, b]], k=4, beam=5, **PLAIN)
    assert c.skills[:2] == (a, b) and c.start == (a, b)
    idx = [tree.graph.index[s] for s in c.skills]
    assert c.lca == tree.ids[tree.lca(idx)]


@pytest.mark.parametrize("kwargs,message", [
    (dict(k=1), "k"), (dict(k=9), "k"), (dict(beam=0), "beam"), (dict(scope="nearby"), "scope"),
    (dict(pins=["no such skill"]), "unknown pinned skill"), (dict(exclude=["nope"]), "unknown excluded"),
    (dict(pins=["skill 01"], exclude=["skill 01"]), "both pinned and excluded"),
    (dict(k=2, pins=["skill 01", "skill 02"]), "no room"),
])
def test_bad_settings(tree, kwargs, message):
    with pytest.raises(InputError, match=message):
        select_combinations(tree, **kwargs)


def test_excluded_start_is_an_error(tree):
    s = make_settings(tree, exclude=["skill 05"])
    with pytest.raises(InputError, match="excluded"):
        search(tree, ["skill 05"], s)


def test_coherence_floor(tree):
    rng = np.random.default_rng(0)
    emb = rng.normal(size=(tree.n_skills, 8))
    combos = select_combinations(tree, k=3, beam=5, embeddings=emb, min_coherence=0.2)
    assert all(c.coherence >= 0.2 for c in combos)
    with pytest.raises(InputError, match="embeddings"):
        select_combinations(tree, k=3, min_coherence=0.2)


def test_evaluate_by_hand(tree):
    names = [tree.skills[i] for i in (4, 20, 33)]
    c = evaluate_combination(tree, names)
    assert c.start == (names[0],)
    assert c.gain == pytest.approx(conditional_entropy(tree, names[1:], names[:1]), abs=1e-12)
    with pytest.raises(InputError, match="did you mean"):
        evaluate_combination(tree, ["skill 4", "skill 20"])


def test_combos_file_round_trip(tmp_path, tree):
    combos = select_combinations(tree, k=3, beam=3, top=5)
    path = write_combos(tmp_path / "c.jsonl", combos)
    assert read_combos(path) == combos
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"skills": ["a"]}\n{"skills": "a"}\n')
    with pytest.raises(InputError, match=r"bad.jsonl:2: field 'skills'"):
        read_combos(bad)
    assert isinstance(read_combos(path)[0], Combination)


def test_tiny_trees():
    from steps_core.graph import graph_from_edges

    one = build_tree(graph_from_edges([], skills=["a"]), k=2)
    with pytest.raises(InputError, match="only 1 skill"):
        select_combinations(one, k=2)
    two = build_tree(graph_from_edges([("a", "b", 1.0)]), k=2)
    assert [c.skills for c in select_combinations(two, starts=[["a"]], k=2, **PLAIN)] == [("a", "b")]
    with pytest.raises(InputError, match="only 2 skill"):
        select_combinations(two, k=3)
    assert select_combinations(two, starts=[["a", "b"]], k=2, **PLAIN)[0].gain == 0.0


def test_coherence_floor_keeps_feasible_low_gain_combinations(tree):
    # only one partner of the start is coherent with it, and it is not the best by gain
    s = tree.skills[0]
    best = select_combinations(tree, starts=[[s]], k=2, beam=1, scope="global", **PLAIN)[0].skills[1]
    partner = next(x for x in tree.skills if x not in (s, best))
    emb = np.eye(tree.n_skills)
    emb[tree.graph.index[partner]] = emb[0]
    got = select_combinations(tree, starts=[[s]], k=2, beam=1, scope="global", embeddings=emb, min_coherence=0.5,
                              **PLAIN)
    assert [c.skills for c in got] == [(s, partner)] and got[0].coherence == pytest.approx(1.0)


def test_locality_widens_per_beam_entry():
    from steps_core.graph import graph_from_edges
    from steps_core.tree import EncodingTree

    # tree: root > {community 1.1 = {s, a, b}, p} and root > {x, y}; start s, pin p, k = 4
    g = graph_from_edges([("s", "a", 1), ("a", "b", 1), ("s", "b", 1), ("b", "p", 1), ("p", "x", 1), ("x", "y", 1)])
    ix = g.index
    parent = [0] * 6 + [-1, 8, 6, 6]
    for v in "sab":
        parent[ix[v]] = 7
    parent[ix["p"]] = 8
    parent[ix["x"]] = parent[ix["y"]] = 9
    t = EncodingTree.from_parent(g, parent)
    combos = select_combinations(t, starts=[["s"]], k=4, beam=5, pins=["p"], per_start=5, **PLAIN)
    # step 1 draws from {s, a, b}; step 2 from community 1 = {s, a, b, p}, where each entry still has a free
    # member (b or a): no entry may jump to the root's x or y
    assert combos and all(set(c.skills) == {"s", "p", "a", "b"} for c in combos)


@pytest.mark.parametrize("line,field", [
    ('{"skills": ["a"], "step_gains": ["x"]}', "step_gains"),
    ('{"skills": ["a"], "coherence": "high"}', "coherence"),
    ('{"skills": ["a"], "start": [1, null]}', "start"),
    ('{"skills": ["a"], "k": "two"}', "k"),
    ('{"skills": []}', "skills"),
])
def test_bad_combos_lines(tmp_path, line, field):
    p = tmp_path / "c.jsonl"
    p.write_text('{"skills": ["a", "b"]}\n' + line + "\n")
    with pytest.raises(InputError) as err:
        read_combos(p)
    assert (err.value.path, err.value.line, err.value.field) == (str(p), 2, field)
    q = tmp_path / "latin.jsonl"
    q.write_bytes(b'{"skills": ["caf\xe9"]}\n')
    with pytest.raises(InputError, match="UTF-8"):
        read_combos(q)


def test_exact_ties_are_kept_and_match_brute_force():
    """A complete graph with equal weights: every candidate ties; the beam must keep tied candidates (a strict
    cutoff would keep none) and find the brute-force optimum."""
    from steps_core.graph import graph_from_edges

    names = [f"s{i:02d}" for i in range(30)]
    g = graph_from_edges([(a, b, 1.0) for i, a in enumerate(names) for b in names[i + 1:]])
    t = build_tree(g, k=2)
    got = select_combinations(t, starts=[["s00"]], k=3, beam=2, **PLAIN)
    paths, h = paths_and_h(t)
    assert got and got[0].gain == pytest.approx(best_extension(h, paths, [0], list(range(1, 30)), 2), abs=1e-12)
    assert len(select_combinations(t, k=3, beam=3, top=10, **PLAIN)) == 10


def test_a_set_found_from_two_starts_keeps_its_best_gain(tree):
    a = select_combinations(tree, k=3, beam=6, per_start=6, **PLAIN)[0]
    # the same set searched from each of its skills, one start at a time: H(rest | start) differs by start
    single = [select_combinations(tree, starts=[[s]], k=3, beam=50, per_start=50, **PLAIN) for s in a.skills]
    gains = [next((c.gain for c in found if c.key == a.key), -1.0) for found in single]
    both = select_combinations(tree, starts=[[s] for s in a.skills], k=3, beam=50, per_start=50, **PLAIN)
    assert next(c.gain for c in both if c.key == a.key) == pytest.approx(max(gains), abs=1e-12)
    assert next(c.start for c in both if c.key == a.key) == (a.skills[int(np.argmax(gains))],)


def test_excluded_combinations_can_fill_the_whole_final_beam(tree):
    s = tree.skills[0]
    first = select_combinations(tree, starts=[[s]], k=3, beam=4, per_start=4, **PLAIN)
    assert len(first) == 4
    again = select_combinations(tree, starts=[[s]], k=3, beam=4, per_start=4,
                                exclude_combos=[c.skills for c in first], **PLAIN)
    assert len(again) == 4 and not {c.key for c in again} & {c.key for c in first}


def test_novel_pairs_are_found_two_links_apart(tree):
    """At k = 2 with the defaults (attested links, novel), a pair of linked skills has been seen together, so
    every novel pair joins skills two links apart; the search must find exactly those (brute force)."""
    adj = {v: set() for v in range(tree.n_skills)}
    for a, b in zip(*tree.graph.edges()[:2]):
        a, b = int(a), int(b)
        adj[a].add(b)
        adj[b].add(a)
    for s in range(0, tree.n_skills, 7):
        got = select_combinations(tree, starts=[[tree.skills[s]]], k=2, scope="global", beam=100, per_start=100,
                                  diversity=0.0, max_per_skill=None)
        expected = {y for x in adj[s] for y in adj[x]} - adj[s] - {s}
        assert {tree.skills.index(c.skills[1] if c.skills[0] == tree.skills[s] else c.skills[0])
                for c in got} == expected
        assert expected and all(c.novel for c in got)


def test_a_sweep_on_threads_gives_the_list_of_one_thread():
    """The sweep's starts run in chunks on threads; the list (skills, gains, values) must not depend on it."""
    g, _, _ = planted_hierarchy(300, n_groups=3, n_sub=4, p_sub=0.3, p_group=0.05, p_out=0.01, seed=3)
    t = build_tree(g, k=3)
    one = select_combinations(t, k=4, beam=8, workers=1)
    two = select_combinations(t, k=4, beam=8, workers=2)
    assert len(one) > 100 and [(c.skills, c.gain, c.value) for c in one] == [(c.skills, c.gain, c.value) for c in two]
    with pytest.raises(InputError, match="workers"):
        select_combinations(t, k=4, workers=0)


def _tag_corpus(seed: int) -> list[list[str]]:
    """Records of 2-4 tags, mostly from one of three areas of 15 tags, often repeated (so pairs are attested and
    many combinations are seen whole): the support index decides novelty for many candidates."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(900):
        area = int(rng.integers(3))
        size = int(rng.integers(2, 5))
        tags = {f"t{15 * area + int(x):02d}" for x in rng.integers(0, 15, size)}
        if rng.random() < 0.1:
            tags.add(f"t{int(rng.integers(45)):02d}")
        out.append(sorted(tags))
    return out


@pytest.mark.parametrize("seed", [0, 1])
def test_the_compiled_sweep_gives_the_lists_of_one_search_per_start(seed):
    """The sweep's single-skill starts run the whole beam in one compiled pass (beam_kernels.sweep_singles); it
    must give, start by start, the combinations of beam_search in the same order with the same gains and step
    gains. Equal weights (a planted graph) make candidates tie; a tagged corpus with its support index makes
    novelty depend on the records; both scopes, coherence on and off, novelty on and off, kept 1 or a beam."""
    from steps_core import beam
    from steps_core.graph import build_graph, count_cooccurrences
    from steps_core.novelty import SupportIndex
    from steps_core.select import _resolve

    g, _, _ = planted_hierarchy(90, n_groups=2, n_sub=3, p_sub=0.4, p_group=0.1, p_out=0.02, w_low=1.0, w_high=1.0,
                                seed=seed)
    records = _tag_corpus(seed)
    cases = [(build_tree(g, k=3), None),
             (build_tree(build_graph(count_cooccurrences(records), min_count=1), k=3),
              SupportIndex.from_skill_lists(records))]
    compared = found = 0
    for t, index in cases:
        starts = [[i] for i in range(t.n_skills)]
        for k, scope, plain, novel in itertools.product((2, 3, 4, 5), ("local", "global"), (False, True),
                                                        (True, False)):
            s = make_settings(t, k=k, scope=scope, beam=4, novel=novel, **(dict(connect="none") if plain else {}))
            res = _resolve(t, s, index=index)
            assert beam.batched(res, starts)
            for n_keep in (1, 4):
                one = list(beam.sweep(t, starts, res, n_keep, compiled=False))
                assert list(beam.sweep(t, starts, res, n_keep)) == one
                compared += 1
                found += sum(len(f) for _, f in one)
    assert compared == 2 * 32 * 2 and found > 5000
