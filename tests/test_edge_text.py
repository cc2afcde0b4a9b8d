"""The column-wise edge list of tree.json is byte for byte what json.dumps writes for the list of rows."""

import json
from pathlib import Path

import numpy as np
import pytest

from steps_core.corpus import load_cooccurrence
from steps_core.edge_text import edges_json, edges_json_bytes
from steps_core.errors import InputError
from steps_core.graph import SkillGraph, graph_from_edges, pair_rows
from steps_core.taxonomy import BuildSettings, weighted_graph
from steps_core.tree import read_tree_json, write_tree_json
from steps_core.optimize import build_tree

DEMO = Path(__file__).resolve().parents[1] / "assets" / "demo" / "corpus.jsonl"


def reference(graph: SkillGraph) -> str:
    rows = [[graph.skills[a], graph.skills[b], x] + ([] if c is None else [c]) for a, b, x, c in pair_rows(graph)]
    return json.dumps(rows, ensure_ascii=False, allow_nan=False)


def test_awkward_names_and_weights():
    g = graph_from_edges([("b", "a", 1.5), ("a", 'qu"ote\\', 1 / 3), ("é ü", "a", 1e-300), ("x\ny", "b", 7.0),
                          ("b", "c", 123456789.123)])
    assert edges_json(g) == reference(g)
    assert json.loads(edges_json(g))[1][2] == 1 / 3


def test_demo_graph_with_cooccurrence_counts():
    g = weighted_graph(load_cooccurrence(DEMO), BuildSettings(min_cooccur=3))
    assert g.cooccur is not None
    text = edges_json(g)
    assert text == reference(g)
    assert any(row[2] == 0 for row in json.loads(text))      # pairs seen together that are not edges


def test_random_graphs_match(tmp_path):
    rng = np.random.default_rng(3)
    for n in (2, 5, 40):
        edges = {(int(min(a, b)), int(max(a, b))) for a, b in rng.integers(0, n, (3 * n, 2)) if a != b}
        g = graph_from_edges([(f"s{a}", f"s{b}", float(rng.random())) for a, b in edges])
        assert edges_json(g) == reference(g)
        path = write_tree_json(build_tree(g, k=2), tmp_path / f"t{n}.json")
        back = read_tree_json(path)
        assert back.skills == g.skills or sorted(back.skills) == sorted(g.skills)
        assert np.array_equal(back.graph.adjacency.toarray(),
                              g.adjacency.toarray()[np.ix_([g.index[s] for s in back.skills],
                                                           [g.index[s] for s in back.skills])])


def test_empty_graph():
    g = graph_from_edges([], skills=["a", "b"])
    assert edges_json(g) == "[]" == reference(g)


def test_bad_values_are_located():
    g = graph_from_edges([("a", "b", 1.0), ("a", "c", 2.0)])
    adj = g.adjacency.tolil()
    adj[0, 2] = adj[2, 0] = float("nan")
    with pytest.raises(InputError, match=r"t\.json: field 'edges\[1\]\[2\]': not a finite number"):
        edges_json(_with_adjacency(g, adj.tocsr()), path="t.json")
    g2 = graph_from_edges([("a", "b" + chr(0xD800), 1.0)])
    with pytest.raises(InputError, match=r"field 'edges\[0\]\[1\]': not valid Unicode"):
        edges_json(g2, path="t.json")


def _with_adjacency(g: SkillGraph, adjacency) -> SkillGraph:
    from dataclasses import replace

    return replace(g, adjacency=adjacency)


def test_edges_are_sorted_even_when_the_matrix_indices_are_not():
    import scipy.sparse as sp

    g = graph_from_edges([("a", "b", 1.0), ("a", "c", 2.0), ("b", "c", 3.0), ("a", "d", 4.0)])
    adj = g.adjacency
    perm_rows = []
    for r in range(adj.shape[0]):                       # each row's entries reversed: unsorted indices
        lo, hi = adj.indptr[r], adj.indptr[r + 1]
        perm_rows.extend(range(hi - 1, lo - 1, -1))
    shuffled = sp.csr_array((adj.data[perm_rows], adj.indices[perm_rows], adj.indptr), shape=adj.shape)
    assert not shuffled.has_sorted_indices
    src, dst, w = _with_adjacency(g, shuffled).edges()
    assert list(zip(src.tolist(), dst.tolist(), w.tolist())) == [(0, 1, 1.0), (0, 2, 2.0), (0, 3, 4.0), (1, 2, 3.0)]


def _graph_with_weights(weights: np.ndarray, counts: np.ndarray | None = None) -> SkillGraph:
    """A graph whose i-th pair (in pair order) has weight ``weights[i]``: skill 0 joined to every other."""
    import scipy.sparse as sp

    m = weights.size
    n = m + 1
    rows, cols = np.r_[np.zeros(m, np.int64), np.arange(1, n)], np.r_[np.arange(1, n), np.zeros(m, np.int64)]
    adj = sp.csr_array(sp.coo_array((np.r_[weights, weights], (rows, cols)), shape=(n, n)))
    adj.sort_indices()
    co = None if counts is None else sp.csr_array(sp.coo_array((np.r_[counts, counts], (rows, cols)), shape=(n, n)))
    return SkillGraph(tuple(f"s{i:07d}" for i in range(n)), adj, np.zeros(n, np.int64), cooccur=co)


def float_families(rng, size):
    """Floats that take every path of the formatter: random bits over its whole range, its ends, powers of 2
    and 10 and their neighbours, integers, short decimals, halfway cases (few significant bits: the shortest
    digits tie and the even one is taken), lift-like weights, negatives, zeros, and floats beyond its range
    (written by repr itself)."""
    lo, hi = np.float64(1e-18).view(np.uint64), np.float64(1e17).view(np.uint64)
    p2, p10 = 2.0 ** np.arange(-70, 70), 10.0 ** np.arange(-20, 20)
    few = rng.integers(1, 2 ** 12, size) * 2.0 ** rng.integers(-60, 40, size)
    return np.concatenate([
        rng.integers(int(lo), int(hi), size, dtype=np.uint64).view(np.float64),
        rng.random(size) * 3, few, rng.integers(1, 10 ** 17, size).astype(float),
        np.array([round(x, int(d)) for x, d in zip(rng.random(size // 4) * 1000, rng.integers(0, 10, size // 4))]),
        (rng.integers(0, 50, size) + 2.0) / ((rng.integers(1, 5000, size) + 1.0) * (rng.integers(1, 5000, size) + 1)),
        p2, np.nextafter(p2, 0), np.nextafter(p2, np.inf), p10, np.nextafter(p10, 0), np.nextafter(p10, np.inf),
        -rng.random(size // 4), [0.0, -0.0, 1e-18, np.nextafter(1e-18, 0), np.nextafter(1e17, 0), 1e17, 5e-324,
                                 2.2250738585072014e-308, 1.7976931348623157e308, 1e300, -1e-300, 0.1, 0.3]])


def first_difference(text: str, want: str) -> str | None:
    """Where two long texts first differ (None if equal): a short message instead of pytest's diff."""
    if text == want:
        return None
    at = next((i for i, (a, b) in enumerate(zip(text, want)) if a != b), min(len(text), len(want)))
    return f"at {at}: {text[at - 40:at + 40]!r} != {want[at - 40:at + 40]!r}"


def test_weights_are_written_as_repr_writes_them():
    rng = np.random.default_rng(11)
    weights = float_families(rng, 20_000)
    g = _graph_with_weights(weights)
    text = edges_json(g)
    assert first_difference(text, reference(g)) is None
    assert [row[2] for row in json.loads(text)] == weights.tolist()
    # the pairs' path (co-occurrence counts: edges and counted pairs merged) writes the same floats
    counts = rng.integers(1, 10 ** 6, weights.size)
    g2 = _graph_with_weights(np.abs(weights), counts)
    assert first_difference(edges_json(g2), reference(g2)) is None


def test_bytes_are_the_text_encoded():
    g = graph_from_edges([("é", "b", 0.1), ("b", "c", 2.5e-7), ("c", "d", 123456.0)])
    data = edges_json_bytes(g)
    assert data.dtype == np.uint8 and data.tobytes() == edges_json(g).encode("utf-8")
    assert data.tobytes().decode() == '[["b", "c", 2.5e-07], ["b", "é", 0.1], ["c", "d", 123456.0]]'
