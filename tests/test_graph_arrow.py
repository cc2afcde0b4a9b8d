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
