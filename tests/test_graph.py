"""Co-occurrence counting and weighting, the edge-list files and their errors."""

import itertools
import math

import numpy as np
import pytest

from steps_core.errors import InputError
from steps_core.graph import (VERSION_TAG, auto_min_count, blend_semantic, build_graph, count_cooccurrences,
                              graph_from_edges, nodes_path, pair_rows, read_graph_csv, write_graph_csv)

RECORDS = [["python", "debugging", "explain"], ["python", "debugging"], ["metaphor", "persuasion"],
           ["persuasion", "python", "persuasion"], ["explain"], ["metaphor", "persuasion", "explain"]]


def brute_counts(records):
    n, c = {}, {}
    for r in records:
        s = set(r)
        for a in s:
            n[a] = n.get(a, 0) + 1
        for a, b in itertools.combinations(sorted(s), 2):
            c[(a, b)] = c.get((a, b), 0) + 1
    return n, c


def test_counts_match_brute_force():
    cooc = count_cooccurrences(RECORDS)
    n, c = brute_counts(RECORDS)
    assert cooc.skills == tuple(sorted(n))
    assert dict(zip(cooc.skills, cooc.counts.tolist())) == n
    dense = cooc.pairs.toarray()
    for (a, b), v in c.items():
        i, j = cooc.skills.index(a), cooc.skills.index(b)
        assert dense[i, j] == dense[j, i] == v
    assert dense.sum() == 2 * sum(c.values()) and np.all(np.diag(dense) == 0)
    assert cooc.n_records == len(RECORDS)


def test_counting_streams_in_chunks_and_ignores_record_order():
    rng = np.random.default_rng(0)
    names = [f"skill-{i}" for i in range(40)]
    records = [list(rng.choice(names, rng.integers(1, 9))) for _ in range(3000)]
    consumed = []

    def stream():
        for r in records:
            consumed.append(1)
            yield r

    a = count_cooccurrences(stream(), chunk_size=7)
    b = count_cooccurrences(records[::-1], chunk_size=100_000)
    n, c = brute_counts(records)
    assert a.skills == b.skills == tuple(sorted(n))
    assert (a.pairs != b.pairs).nnz == 0 and np.array_equal(a.counts, b.counts)
    assert len(consumed) == 3000
    assert int(a.pairs.sum()) == 2 * sum(c.values())


def test_weightings_by_hand():
    cooc = count_cooccurrences(RECORDS)
    N = len(RECORDS)
    n, c = brute_counts(RECORDS)
    lift = build_graph(cooc, weighting="lift")
    count = build_graph(cooc, weighting="count")
    npmi = build_graph(cooc, weighting="npmi")
    for (a, b), cab in c.items():
        assert lift.weight(a, b) == pytest.approx((cab + 2) / ((n[a] + 1) * (n[b] + 1)))
        assert count.weight(a, b) == cab
        p_ab, p_a, p_b = cab / N, n[a] / N, n[b] / N
        expected = max(0.0, math.log(p_ab / (p_a * p_b)) / -math.log(p_ab))
        assert npmi.weight(a, b) == pytest.approx(expected, abs=1e-12)
    # python & persuasion share 1 record of 6 but each is in 3: p_ab = 1/6 < p_a p_b = 1/4, clipped to 0
    assert npmi.weight("persuasion", "python") == 0.0
    assert npmi.weight("metaphor", "persuasion") > 0


def test_npmi_clips_anticorrelated_pairs_and_handles_certain_pairs():
    records = [["a", "b"]] * 3
    g = build_graph(count_cooccurrences(records), weighting="npmi")
    assert g.weight("a", "b") == 1.0
    records = [["a", "x"], ["a", "y"], ["a", "z"], ["b", "x"], ["a", "b"]] + [["a"]] * 20 + [["b"]] * 20
    g = build_graph(count_cooccurrences(records), weighting="npmi")
    assert ("a", "b") not in {(g.skills[i], g.skills[j]) for i, j in zip(*g.adjacency.nonzero())}


def test_filters_keep_isolated_skills():
    cooc = count_cooccurrences(RECORDS)
    g = build_graph(cooc, weighting="count", min_count=2, min_cooccur=2)
    n, _ = brute_counts(RECORDS)
    assert g.skills == tuple(sorted(s for s, v in n.items() if v >= 2))
    assert g.n_edges == 2          # python-debugging, metaphor-persuasion
    assert g.degree[g.index["explain"]] == 0


@pytest.mark.parametrize("kwargs,message", [(dict(weighting="pmi"), "unknown weighting"),
                                            (dict(min_count=0), "min_count"), (dict(min_cooccur=1.5), "min_cooccur")])
def test_bad_graph_settings(kwargs, message):
    with pytest.raises(InputError, match=message):
        build_graph(count_cooccurrences(RECORDS), **kwargs)


def test_empty_corpus():
    with pytest.raises(InputError, match="no records"):
        build_graph(count_cooccurrences([]))


def test_csv_round_trip_is_exact(tmp_path):
    g = build_graph(count_cooccurrences(RECORDS + [["a,b \"quoted\"", "python"]]), weighting="lift", min_count=1)
    edges, nodes = write_graph_csv(g, tmp_path / "graph.csv")
    assert nodes == tmp_path / "graph.nodes.csv" == nodes_path(edges)
    assert edges.read_text().splitlines()[0] == "source,target,weight,cooccur"
    assert nodes.read_text().splitlines()[0] == "skill,count"
    back = read_graph_csv(edges)
    assert back.skills == g.skills and np.array_equal(back.counts, g.counts)
    assert (back.adjacency != g.adjacency).nnz == 0
    assert (back.cooccur != g.cooccur).nnz == 0
    # an edge list without counts still reads (a graph made elsewhere): no co-occurrence evidence then
    plain = tmp_path / "plain.csv"
    plain.write_text("source,target,weight\na,b,1.5\n")
    assert read_graph_csv(plain).cooccur is None


@pytest.mark.parametrize("body,line,message", [
    ("a,b,1\nb,c,-2\n", 3, "finite number >= 0"),
    ("a,b,1\nb,c,nan\n", 3, "finite number >= 0"),
    ("a,b,1\nb,c,heavy\n", 3, "not a number"),
    ("a,b,1\nb,c\n", 3, "expected 3 fields"),
    ("a,b,1\nc,c,1\n", 3, "self-loop"),
    ("a,b,1\nb,a,2\n", 3, "listed twice"),
])
def test_bad_edge_lists_name_the_line(tmp_path, body, line, message):
    p = tmp_path / "g.csv"
    p.write_text("source,target,weight\n" + body)
    with pytest.raises(InputError) as err:
        read_graph_csv(p)
    assert f"g.csv:{line}:" in str(err.value) and message in str(err.value)


def test_missing_columns(tmp_path):
    p = tmp_path / "g.csv"
    p.write_text("from,to,w\na,b,1\n")
    with pytest.raises(InputError, match="missing column"):
        read_graph_csv(p)


def test_zero_weight_edges_are_dropped():
    g = graph_from_edges([("a", "b", 0.0), ("b", "c", 2.0)])
    assert g.n_edges == 1 and g.skills == ("a", "b", "c")


def test_semantic_blend():
    g = graph_from_edges([("a", "b", 2.0), ("c", "d", 1.0)])
    emb = np.array([[1, 0], [0.9, 0.1], [0, 1], [1, 0.05]], float)
    b = blend_semantic(g, emb, alpha=0.5, knn=2)
    # a-b: 0.5 * 2/2 + 0.5 * cos(a, b)
    cos_ab = emb[0] @ emb[1] / np.linalg.norm(emb[0]) / np.linalg.norm(emb[1])
    assert b.weight("a", "b") == pytest.approx(0.5 + 0.5 * cos_ab)
    assert b.weight("a", "d") == pytest.approx(0.5 * emb[0] @ emb[3] / np.linalg.norm(emb[3]))  # semantic only
    assert b.weight("a", "c") == 0.0
    with pytest.raises(InputError):
        blend_semantic(g, emb[:2])


def test_edge_list_with_bom_and_padded_names(tmp_path):
    p = tmp_path / "excel.csv"
    p.write_bytes("\ufeffsource,target,weight\na,b,1\n".encode("utf-8"))
    assert read_graph_csv(p).skills == ("a", "b")
    q = tmp_path / "typo.csv"
    q.write_text("source,target,weight\na, b,1\n")
    with pytest.raises(InputError) as err:
        read_graph_csv(q)
    assert "typo.csv:2" in str(err.value) and "whitespace" in str(err.value) and err.value.field == "target"


def test_auto_min_count_drops_the_long_tail_and_says_so():
    # 4 common skills over 20,000 records, a tail of rare ones: 1 x 'once', 3 x 'thrice', 'v2.1' a version tag
    records = [["alpha", "beta"]] * 6000 + [["gamma", "delta"]] * 6000 + [["alpha", "gamma"]] * 7990 + \
              [["alpha", "once"]] + [["beta", "thrice"]] * 3 + [["alpha", "v2.1"]] * 6
    cooc = count_cooccurrences(records)
    total = int(cooc.counts.sum())
    # by hand: sorted counts 1, 3, 6, ...: the tail holding <= 0.5% of the tags is 1 + 3 + 6 (versions still count
    # as tags before they are dropped), so min_count is the next count; 0.1% of 20,000 records = 20 caps it
    assert (1 + 3 + 6) <= 0.005 * total
    g = build_graph(cooc)
    assert g.pruning.auto and g.pruning.min_count == 20
    assert set(g.pruning.rare) == {"once", "thrice"} and g.pruning.versions == ("v2.1",)
    assert g.skills == ("alpha", "beta", "delta", "gamma")
    text = " ".join(g.pruning.summary())
    assert "dropped 2 rare skill(s)" in text and "fewer than 20 records" in text and "'v2.1'" in text
    kept = build_graph(cooc, min_count=1, drop_versions=False)
    assert "v2.1" in kept.skills and "once" in kept.skills and kept.pruning.summary() == []
    # a small curated corpus keeps every skill seen twice or more
    small = count_cooccurrences([["a", "b"], ["a", "b", "c"], ["c", "a"]])
    assert build_graph(small).skills == ("a", "b", "c") and auto_min_count(small.counts, 3) == 2


@pytest.mark.parametrize("tag,version", [("14.04", True), ("12.04.5", True), ("v2.1", True), ("3.x", True),
                                         ("python-3", False), ("ext4", False), ("802", False), ("2.7-dev", False)])
def test_version_tags(tag, version):
    assert bool(VERSION_TAG.fullmatch(tag)) is version


def test_zero_edges_is_an_error_that_says_why():
    glued = count_cooccurrences([["<ubuntu><bash><grub2>"], ["<ubuntu><apt>"], ["<bash>"]] * 3)
    with pytest.raises(InputError) as err:
        build_graph(glued)
    msg = str(err.value)
    assert "no edges" in msg and "no record has two or more skills" in msg and "glued" in msg and "<a><b><c>" in msg
    filtered = count_cooccurrences([["a", "b"]] * 3 + [["c"]] * 5)
    with pytest.raises(InputError, match="min-cooccur"):
        build_graph(filtered, min_cooccur=4)


def test_graph_keeps_pair_counts_also_below_min_cooccur():
    cooc = count_cooccurrences(RECORDS)
    g = build_graph(cooc, weighting="count", min_count=1, min_cooccur=2)
    n, c = brute_counts(RECORDS)
    for (a, b), cab in c.items():
        assert g.cooccur[g.index[a], g.index[b]] == cab                 # every pair seen, edge or not
        assert g.weight(a, b) == (cab if cab >= 2 else 0)
    assert pair_rows(g) is not None and len(list(pair_rows(g))) == len(c)


@pytest.mark.parametrize("alpha", [0.0, 0.3, 1.0])
def test_semantic_blend_weights_by_alpha(alpha):
    g = graph_from_edges([("a", "b", 2.0), ("c", "d", 1.0)])
    emb = np.array([[1, 0], [0.6, 0.8], [0, 1], [1, 0.05]], float)
    b = blend_semantic(g, emb, alpha=alpha, knn=3)
    unit = emb / np.linalg.norm(emb, axis=1, keepdims=True)
    cos = unit @ unit.T
    # w = (1 - alpha) w / max(w) + alpha max(0, cos): c-d has co-occurrence 1 of max 2, a-d only meaning
    assert b.weight("a", "b") == pytest.approx((1 - alpha) * 1.0 + alpha * cos[0, 1])
    assert b.weight("c", "d") == pytest.approx((1 - alpha) * 0.5 + alpha * cos[2, 3])
    assert b.weight("a", "d") == pytest.approx(alpha * cos[0, 3])


def test_compiled_upper_entries_are_the_upper_triangle():
    """graph_kernels.upper_entries / upper_count (used by SkillGraph.edges and n_edges on large graphs once numba
    is loaded) against scipy's triu, with explicit zeros and a column stored twice."""
    import scipy.sparse as sp

    from steps_core.graph_kernels import upper_count, upper_entries

    rng = np.random.default_rng(4)
    for n in (1, 5, 60):
        dense = np.triu(rng.random((n, n)) * (rng.random((n, n)) < 0.3), 1)
        dense[dense > 0.25] = np.round(dense[dense > 0.25], 1)
        adj = sp.csr_array(dense + dense.T + np.diag(rng.random(n)))         # a diagonal: not above it
        adj.data[:: 3] = 0.0                              # explicit zeros stay entries
        if adj.nnz:
            r = int(np.flatnonzero(np.diff(adj.indptr))[0])
            lo = adj.indptr[r]                             # a row's first column stored twice
            adj = sp.csr_array((np.insert(adj.data, lo, 0.5), np.insert(adj.indices, lo, adj.indices[lo]),
                                np.r_[adj.indptr[: r + 1], adj.indptr[r + 1:] + 1]), shape=adj.shape)
        up = sp.triu(adj, k=1).tocoo()
        src, dst, w = upper_entries(adj)
        assert src.dtype == dst.dtype == np.int64 and w.dtype == np.float64
        assert list(zip(src.tolist(), dst.tolist(), w.tolist())) == list(zip(up.row.tolist(), up.col.tolist(),
                                                                             up.data.tolist()))
        assert upper_count(adj) == up.nnz
