"""Support, pairwise counts, coherence and coverage of combinations: brute force on small corpora."""

import itertools

import numpy as np
import pytest

from cli_helpers import bundled_records
from steps_core.graph import build_graph, count_cooccurrences
from steps_core.novelty import SupportIndex, covered_nodes, min_pair_count, novelty
from steps_core.optimize import build_tree
from steps_core.errors import InputError


def brute_support(records, skills):
    return sum(1 for r in records if set(skills) <= set(r))


@pytest.mark.parametrize("seed", range(3))
def test_support_equals_brute_force(seed):
    rng = np.random.default_rng(seed)
    names = [f"k{i}" for i in range(30)]
    popular = rng.random(30) ** 3
    records = [[names[i] for i in rng.choice(30, rng.integers(1, 7), p=popular / popular.sum())]
               for _ in range(3000)]
    index = SupportIndex.from_skill_lists(records)
    assert index.n_records == 3000
    for size in (1, 2, 3, 4):
        for _ in range(60):
            q = list(rng.choice(names, size, replace=False))
            assert index.support(q) == brute_support(records, q), q
    assert index.support([]) == 3000
    assert index.support(["never seen", names[0]]) == 0


def test_dense_bitmaps_agree_with_postings():
    rng = np.random.default_rng(5)
    records = [["common"] + [f"x{j}" for j in rng.choice(20, 2, replace=False)] for _ in range(100_000)]
    index = SupportIndex.from_skill_lists(records)
    assert index.posting("common").size > index._dense           # the bitmap path is used
    for a, b in itertools.combinations(["common", "x1", "x2", "x3"], 2):
        assert index.support([a, b]) == brute_support(records[:], [a, b])


def test_min_pair_coverage_and_novelty():
    records = bundled_records(300, seed=4)
    cooc = count_cooccurrences(records)
    tree = build_tree(build_graph(cooc), k=3)
    index = SupportIndex.from_skill_lists(records)
    combo = ["python", "debugging", "metaphor"]
    pairs = [brute_support(records, p) for p in itertools.combinations(combo, 2)]
    assert min_pair_count(cooc, combo) == min(pairs)
    nodes = covered_nodes(tree, combo)
    expected = set()
    for s in combo:
        expected.update(tree.ids[v] for v in tree.path(tree.graph.index[s]))
    assert set(nodes) == expected
    emb = np.random.default_rng(0).normal(size=(3, 4))
    nv = novelty(combo, index=index, cooc=cooc, tree=tree, embeddings=emb, embedding_skills=combo)
    e = emb / np.linalg.norm(emb, axis=1, keepdims=True)
    assert nv.coherence == pytest.approx(np.mean([e[0] @ e[1], e[0] @ e[2], e[1] @ e[2]]))
    assert nv.support == brute_support(records, combo) and nv.novel == (nv.support == 0)
    with pytest.raises(InputError, match="no embedding"):
        novelty(combo, index=index, embeddings=emb[:2], embedding_skills=combo[:2])
