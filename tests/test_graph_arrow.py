"""The pyarrow reading of an edge list (steps_core/graph_arrow.py) gives the careful reader's graph."""

import numpy as np

from steps_core import graph as G
from steps_core.generators import planted_hierarchy
from steps_core.graph_arrow import read_edges_arrow


def careful(path):
    counts = {s: int(c) for _, (s, c) in G._csv_rows(G.nodes_path(path), ("skill", "count"))}
    rows = list(G._csv_rows(path, ("source", "target", "weight"), ("cooccur",)))
    return G.graph_from_edges((r for _, r in rows), skills=counts, counts=counts)


def same(a, b):
    assert a.skills == b.skills and np.array_equal(a.counts, b.counts) and a.weighting == b.weighting
    for x, y in ((a.adjacency, b.adjacency), (a.cooccur, b.cooccur)):
        assert (x is None) == (y is None)
        if x is not None:
            assert np.array_equal(x.indptr, y.indptr) and np.array_equal(x.indices, y.indices)
            assert np.array_equal(x.data, y.data)


def test_fast_equals_careful(tmp_path):
    g = planted_hierarchy(300, seed=0)[0]
    path = tmp_path / "g.csv"
    G.write_graph_csv(g, path)
    fast = read_edges_arrow(path, {s: int(c) for s, c in zip(g.skills, g.counts)})
    assert fast is not None
    same(fast, careful(path))
    same(G.read_graph_csv(path), fast)


def test_counts_column_and_zero_weights(tmp_path):
    path = tmp_path / "g.csv"
    path.write_text("\ufeffSource,Target,Weight,Cooccur\nb,a,0.5,3\nb,c,0.0,1\nd,e,1e-3,0\n", encoding="utf-8")
    fast = read_edges_arrow(path, {})
    assert fast is not None and fast.skills == ("a", "b", "c", "d", "e")
    same(fast, G.graph_from_edges([("b", "a", "0.5", "3"), ("b", "c", "0.0", "1"), ("d", "e", "1e-3", "0")]))


def test_anything_to_report_takes_the_careful_path(tmp_path):
    bad = {"dup": "a,b,1\nb,a,2\n", "loop": "a,a,1\n", "neg": "a,b,-1\n", "nan": "a,b,nan\n", "pad": "a, b,1\n",
           "empty": "a,,1\n", "text": "a,b,x\n", "short": "a,b\n"}
    for name, body in bad.items():
        path = tmp_path / f"{name}.csv"
        path.write_text("source,target,weight\n" + body, encoding="utf-8")
        assert read_edges_arrow(path, {}) is None, name


def test_many_blocks_any_order_and_counts(tmp_path, monkeypatch):
    """Small reading blocks (each with its own dictionaries of names), pairs in any order and either direction,
    zero weights and counts: the careful reader's graph. A pair listed twice, a self-loop or a negative count in
    a later block still sends the file to the careful reader."""
    import steps_core.graph_arrow as GA

    monkeypatch.setattr(GA, "BLOCK_BYTES", 1 << 10)
    rng = np.random.default_rng(8)
    pairs = sorted({(int(a), int(b)) for a, b in rng.integers(0, 400, (3000, 2)) if a < b})
    order = rng.permutation(len(pairs))
    lines = []
    for k in order:
        a, b = pairs[k]
        if rng.random() < 0.5:
            a, b = b, a
        w = 0.0 if rng.random() < 0.1 else float(rng.random())
        lines.append(f"skill {a},skill {b},{w!r},{int(rng.integers(0, 4))}")
    path = tmp_path / "g.csv"
    path.write_text("source,target,weight,cooccur\n" + "\n".join(lines) + "\n", encoding="utf-8")
    fast = read_edges_arrow(path, {"lonely": 3})
    assert fast is not None
    careful = G.graph_from_edges([line.split(",") for line in lines], skills=["lonely"], counts={"lonely": 3})
    same(fast, careful)
    no_counts = tmp_path / "n.csv"
    no_counts.write_text("source,target,weight\n" + "\n".join(x.rsplit(",", 1)[0] for x in lines) + "\n")
    same(read_edges_arrow(no_counts, {}), G.graph_from_edges([x.split(",")[:3] for x in lines]))
    for bad in (lines[5].rsplit(",", 1)[0].split(",")[1] + "," + lines[5].split(",")[0] + ",1.0,1",
                "skill 7,skill 7,1.0,1", "skill 1,skill 2,1.0,-1"):
        path.write_text("source,target,weight,cooccur\n" + "\n".join(lines + [bad]) + "\n", encoding="utf-8")
        assert read_edges_arrow(path, {}) is None, bad


def test_header_only(tmp_path):
    path = tmp_path / "g.csv"
    path.write_text("source,target,weight\n", encoding="utf-8")
    g = read_edges_arrow(path, {"a": 1})
    assert g is not None and g.skills == ("a",) and g.adjacency.nnz == 0
