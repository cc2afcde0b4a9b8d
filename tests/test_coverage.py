"""Coverage of curated samples per community and skill; the emptiest communities; gap filling."""

import pytest

from steps_core.coverage import community_counts, emptiest_communities, gap_combinations, skill_counts
from steps_core.errors import InputError
from steps_core.generators import planted_hierarchy
from steps_core.optimize import build_tree


@pytest.fixture(scope="module")
def tree():
    g, _, _ = planted_hierarchy(48, n_groups=2, n_sub=3, p_sub=0.7, p_group=0.2, p_out=0.02, seed=1)
    return build_tree(g, k=3)


def test_counts_by_brute_force(tree):
    samples = [[tree.skills[i] for i in (0, 7, 13)], [tree.skills[2]], [tree.skills[i] for i in (5, 6)], ["unknown"]]
    counts = community_counts(tree, samples)
    for node in range(tree.n_nodes):
        members = {tree.skills[i] for i in tree.members(node)}
        assert counts[node] == sum(1 for s in samples if members & set(s))
    per_skill = skill_counts(tree, samples)
    assert per_skill[0] == 1 and per_skill.sum() == 6


def test_emptiest_first(tree):
    samples = [[tree.skills[i]] for i in tree.members(next(iter(tree.communities)))]
    counts = community_counts(tree, samples)
    gaps = emptiest_communities(tree, counts, n=5)
    assert [g.samples for g in gaps] == sorted(g.samples for g in gaps)
    assert gaps[0].samples == 0


def test_gap_combinations_stay_inside(tree):
    comm = next(c for c in tree.communities if tree.n_members(c) >= 4)
    cid = tree.ids[comm]
    combos = gap_combinations(tree, cid, k=3, top=8)
    assert combos
    inside = {tree.skills[i] for i in tree.members(comm)}
    for c in combos:
        assert set(c.skills) <= inside
        assert c.lca == cid or c.lca.startswith(cid + ".")
    with pytest.raises(InputError):
        gap_combinations(tree, "no.such", k=3)


def test_usage_by_community(tree):
    comm = next(c for c in tree.communities if tree.n_members(c) >= 2)
    a, b = (tree.skills[i] for i in tree.members(comm)[:2])
    lca = tree.lca([tree.graph.index[a], tree.graph.index[b]])
    far = [tree.skills[tree.members(x)[0]] for x in tree.children[tree.root][:2]]
    samples = [
        {"skills": [a, b], "provenance": {"usage": {"prompt_tokens": 10, "completion_tokens": 5, "cost_usd": 0.5}}},
        {"skills": [a, b], "provenance": {"usage": {"prompt_tokens": 1, "completion_tokens": 2, "cost_usd": 0.25}}},
        {"skills": far, "provenance": {"usage": {"prompt_tokens": 7, "completion_tokens": 0, "cost_usd": None}}},
    ]
    from steps_core.coverage import usage_by_community

    rows = {r.id: r for r in usage_by_community(tree, samples)}
    mine = rows[tree.ids[lca]]
    assert (mine.samples, mine.prompt_tokens, mine.completion_tokens, mine.cost_usd) == (2, 11, 7, 0.75)
    assert rows["root"].cost_usd is None and rows["root"].prompt_tokens == 7


def test_usage_totals_and_siblings(tree):
    from steps_core.coverage import CommunityUsage, usage_totals

    rows = [CommunityUsage("1", "x", 2, 10, 5, 0.5), CommunityUsage("2", "y", 1, 3, 1, 0.25)]
    total = usage_totals(rows)
    assert (total.samples, total.prompt_tokens, total.completion_tokens, total.cost_usd) == (3, 13, 6, 0.75)
    assert usage_totals(rows + [CommunityUsage("3", "z", 1, 1, 1, None)]).cost_usd is None
    c = next(iter(tree.communities))
    sib = tree.siblings(c)
    assert c not in sib and all(tree.parent[x] == tree.parent[c] for x in sib)
    assert tree.siblings(tree.root) == []
