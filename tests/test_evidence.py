"""Pair evidence: attested pairs against counts made by hand, connectivity, closeness and novelty, and the
search respecting them (checked against the records by brute force)."""

import itertools
import math

import numpy as np
import pytest

from cli_helpers import chain_records
from steps_core.errors import InputError
from steps_core.evidence import CHANCE, pair_evidence
from steps_core.graph import build_graph, count_cooccurrences, graph_from_edges
from steps_core.novelty import SupportIndex
from steps_core.optimize import build_tree
from steps_core.select import PLAIN, evaluate_combination, select_combinations


def poisson_tail(c: int, mu: float) -> float:
    """P(X >= c) for X ~ Poisson(mu), by the series."""
    return 1.0 - sum(math.exp(-mu) * mu ** i / math.factorial(i) for i in range(c))


RECORDS = ([["a", "b"]] * 18 + [["b", "c"]] * 12 + [["a", "c", "d"]] + [["d", "e"]] * 9
           + [["hub", x] for x in "abcde"] * 6 + [["hub"]] * 400 + [["f"]] * 200)


def by_hand(records, m=2):
    n = {}
    for r in records:
        for s in set(r):
            n[s] = n.get(s, 0) + 1
    pairs = {}
    for r in records:
        for a, b in itertools.combinations(sorted(set(r)), 2):
            pairs[(a, b)] = pairs.get((a, b), 0) + 1
    N = len(records)
    attested = {p for p, c in pairs.items() if c >= m and c > n[p[0]] * n[p[1]] / N
                and poisson_tail(c, n[p[0]] * n[p[1]] / N) < CHANCE}
    return n, pairs, attested


def test_attested_pairs_by_hand():
    g = build_graph(count_cooccurrences(RECORDS), min_count=1)
    ev = pair_evidence(g)
    _, pairs, attested = by_hand(RECORDS)
    for a, b in itertools.combinations(g.skills, 2):
        i, j = g.index[a], g.index[b]
        assert ev.linked(i, j) == ((a, b) in attested), (a, b)
        assert ev.pair_count(i, j) == pairs.get((a, b), 0)
    assert attested == {("a", "b"), ("b", "c"), ("d", "e")}
    # the hub meets everything 6 times, less often than chance would have it: it vouches for nothing
    assert not any(ev.linked(g.index["hub"], g.index[x]) for x in "abcde")
    assert ev.linked(g.index["a"], g.index["b"]) and not ev.linked(g.index["a"], g.index["c"])   # 18 vs 1
    # a lower bar: one record suffices if it is beyond chance
    loose = pair_evidence(g, min_pair_count=1)
    assert loose.links.nnz >= ev.links.nnz
    _, _, attested1 = by_hand(RECORDS, m=1)
    assert {(g.skills[i], g.skills[j]) for i, j in zip(*loose.links.nonzero()) if i < j} == attested1


def test_connected_close_and_novel_by_hand():
    g = build_graph(count_cooccurrences(RECORDS), min_count=1)
    ev = pair_evidence(g, index=SupportIndex.from_skill_lists(RECORDS))
    ix = g.index
    idx = lambda *names: [ix[x] for x in names]                     # noqa: E731
    assert ev.is_connected(idx("a", "b", "c")) and not ev.is_connected(idx("a", "d"))
    assert ev.is_close(idx("a", "b", "c"))                          # a-b, b-c: a and c one skill apart
    assert ev.is_novel(idx("a", "b", "c"))                          # a-b-c never on one record
    assert ev.is_novel(idx("a", "c", "d")) is False                  # one record holds all three
    plain = pair_evidence(g)                                         # no index: pairs all seen -> cannot tell
    assert plain.is_novel(idx("a", "c", "d")) is None and plain.is_novel(idx("a", "b", "e")) is True


def test_graph_without_counts_uses_its_edges():
    g = graph_from_edges([("a", "b", 1.0), ("b", "c", 2.0)])
    ev = pair_evidence(g)
    assert g.cooccur is None and ev.counts is None
    assert ev.linked(0, 1) and not ev.linked(0, 2) and ev.pair_count(0, 1) is None
    assert ev.is_novel([0, 1, 2]) is True                             # a and c: no edge, never seen


def test_semantic_links_where_the_corpus_is_silent():
    g = graph_from_edges([("a", "b", 1.0)], skills=["c"])
    emb = np.array([[1.0, 0.0], [0.0, 1.0], [0.9, 0.1]])
    ev = pair_evidence(g, embeddings=emb, semantic_links=0.8)
    assert ev.linked(g.index["a"], g.index["c"]) and not ev.linked(g.index["b"], g.index["c"])
    with pytest.raises(InputError, match="embeddings"):
        pair_evidence(g, semantic_links=0.8)
    with pytest.raises(InputError, match="min_pair_count"):
        pair_evidence(g, min_pair_count=0)


@pytest.mark.parametrize("k", [3, 4])
def test_every_default_combination_is_attested_close_and_new(k):
    records = chain_records(30, 3000, seed=1, width=3)
    tree = build_tree(build_graph(count_cooccurrences(records)), k=3)
    index = SupportIndex.from_skill_lists(records)
    combos = select_combinations(tree, k=k, top=20, index=index)
    assert combos
    _, pairs, attested = by_hand(records)
    sets = [set(r) for r in records]
    for c in combos:
        assert not any(set(c.skills) <= r for r in sets)                       # new
        links = {p for p in itertools.combinations(sorted(c.skills), 2) if p in attested}
        for a, b in itertools.combinations(sorted(c.skills), 2):               # close: linked or via a third
            assert (a, b) in links or any({tuple(sorted((a, t))), tuple(sorted((b, t)))} <= links
                                          for t in c.skills if t not in (a, b)), c
        assert c.connected and c.novel
        assert {(a, b, n, linked) for a, b, n, linked in c.pairs} == {
            (a, b, pairs.get(tuple(sorted((a, b))), 0), tuple(sorted((a, b))) in attested)
            for a, b in itertools.combinations(c.skills, 2)}


def test_k2_pairs_share_a_linked_neighbour():
    records = chain_records(20, 2000, seed=4)                       # neighbours only: i, i+1
    tree = build_tree(build_graph(count_cooccurrences(records)), k=2)
    combos = select_combinations(tree, k=2, top=10)
    assert combos
    for c in combos:
        a, b = (int(s[1:]) for s in c.skills)
        assert (a - b) % 20 in (2, 18)                               # two apart on the ring: never together, one
        assert c.novel                                               # shared neighbour between them


def test_plain_settings_ignore_the_evidence_but_still_report_it():
    records = chain_records(12, 1200, seed=2)
    tree = build_tree(build_graph(count_cooccurrences(records)), k=2)
    plain = select_combinations(tree, k=3, top=5, **PLAIN)
    assert any(not c.connected for c in plain) or any(not c.novel for c in plain) or len(plain) == 5
    c = evaluate_combination(tree, ["s00", "s01", "s02"])
    assert c.connected and c.novel and [p[2] for p in c.pairs] == [
        sum({"s00", "s01"} <= set(r) for r in records), 0, sum({"s01", "s02"} <= set(r) for r in records)]
