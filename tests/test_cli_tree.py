"""`steps tree`."""

import json

import pytest

from cli_helpers import bundled_records, run, write_corpus
from steps_core.graph import build_graph, count_cooccurrences
from steps_core.optimize import build_tree
from steps_core.tree import read_tree_json


def test_tree_from_edge_list_and_from_corpus_agree(tmp_path):
    records = bundled_records()
    corpus = write_corpus(tmp_path / "c.jsonl", records)
    run("graph", corpus, "-o", tmp_path / "graph.csv")
    r1 = run("tree", tmp_path / "graph.csv", "--height", "3", "-o", tmp_path / "t1.json")
    run("tree", corpus, "--height", "3", "-o", tmp_path / "t2.json")
    t1, t2 = read_tree_json(tmp_path / "t1.json"), read_tree_json(tmp_path / "t2.json")
    expected = build_tree(build_graph(count_cooccurrences(records)), k=3)
    assert t1.version == t2.version == expected.version
    assert f"{expected.entropy:.6f}" in r1.output
    doc = json.loads((tmp_path / "t1.json").read_text())
    assert doc["k"] == 3 and doc["method"] == "greedy"
    assert doc["entropy"] == pytest.approx(expected.entropy) and doc["h1"] == pytest.approx(expected.h1)


def test_tree_methods_and_no_refine(tmp_path):
    corpus = write_corpus(tmp_path / "c.jsonl", bundled_records(300, seed=2))
    for args, method in ((["--method", "topdown"], "topdown"), (["--no-refine"], "greedy-norefine")):
        run("tree", corpus, "--height", "2", *args, "-o", tmp_path / "t.json")
        assert json.loads((tmp_path / "t.json").read_text())["method"] == method


@pytest.mark.parametrize("height", ["1", "9"])
def test_tree_height_out_of_range(tmp_path, height):
    corpus = write_corpus(tmp_path / "c.jsonl", bundled_records(50))
    result = run("tree", corpus, "--height", height, "-o", tmp_path / "t.json", ok=False)
    assert "--height" in result.output


def test_old_k_flag_is_the_height_and_says_so(tmp_path):
    corpus = write_corpus(tmp_path / "c.jsonl", bundled_records(100))
    old = run("tree", corpus, "--k", "2", "-o", tmp_path / "old.json")
    run("tree", corpus, "--height", "2", "-o", tmp_path / "new.json")
    assert "--k is the old name of --height" in old.output
    assert read_tree_json(tmp_path / "old.json").version == read_tree_json(tmp_path / "new.json").version
    assert json.loads((tmp_path / "old.json").read_text())["k"] == 2


def test_tree_malformed_edge_list(tmp_path):
    p = tmp_path / "g.csv"
    p.write_text("source,target,weight\na,b,1\nb,c,NaN\n")
    result = run("tree", p, "-o", tmp_path / "t.json", ok=False)
    assert "g.csv:3" in result.output and "weight" in result.output


def test_tree_applies_workspace_edits(tmp_path):
    from steps_core.edits import replay, with_base
    from steps_core.workspace import open_workspace

    corpus = write_corpus(tmp_path / "c.jsonl", bundled_records(400, seed=5))
    run("tree", corpus, "--height", "3", "-o", tmp_path / "base.json")
    base = read_tree_json(tmp_path / "base.json")
    top = next(c for c in base.children[base.root] if c >= base.n_skills)
    op = with_base({"op": "relabel", "node": base.ids[top], "label": "renamed by hand"}, base)
    with open_workspace(tmp_path / "ws.sqlite") as ws:
        ws.push_op(op)
    out = run("tree", corpus, "--height", "3", "--apply-edits", tmp_path / "ws.sqlite",
              "-o", tmp_path / "e.json").output
    assert "edits applied  1" in out
    edited = read_tree_json(tmp_path / "e.json")
    assert edited.version == replay(base, [op]).version and "renamed by hand" in edited.labels
    # the same edits on a tree built with other settings are refused
    stale = run("tree", corpus, "--height", "2", "--apply-edits", tmp_path / "ws.sqlite", "-o", tmp_path / "s.json",
                ok=False).output
    assert "other data or settings" in stale


def test_tree_file_from_the_cli_is_the_library_file_byte_for_byte(tmp_path):
    """`steps tree` writes the edge list while the tree builds; the file must not differ from the library's."""
    from steps_core.graph import read_graph_csv
    from steps_core.taxonomy import BuildSettings, build_taxonomy
    from steps_core.tree import write_tree_json

    corpus = write_corpus(tmp_path / "c.jsonl", bundled_records(400, seed=5))
    run("graph", corpus, "-o", tmp_path / "graph.csv")
    for source in (tmp_path / "graph.csv", corpus):
        run("tree", source, "--height", "3", "-o", tmp_path / "cli.json")
        graph = read_graph_csv(source) if str(source).endswith(".csv") else source    # an edge list or a corpus
        write_tree_json(build_taxonomy(graph, BuildSettings(height=3)), tmp_path / "lib.json")
        assert (tmp_path / "cli.json").read_bytes() == (tmp_path / "lib.json").read_bytes()


def test_tree_file_from_an_edge_list_without_counts_is_the_library_file(tmp_path):
    """An edge list without co-occurrence counts (the compiled writer walks the adjacency itself)."""
    from steps_core.generators import planted_hierarchy
    from steps_core.graph import read_graph_csv, write_graph_csv
    from steps_core.tree import write_tree_json

    write_graph_csv(planted_hierarchy(200, n_groups=2, n_sub=2, seed=3)[0], tmp_path / "g.csv")
    run("tree", tmp_path / "g.csv", "--height", "2", "-o", tmp_path / "cli.json")
    write_tree_json(build_tree(read_graph_csv(tmp_path / "g.csv"), k=2), tmp_path / "lib.json")
    assert (tmp_path / "cli.json").read_bytes() == (tmp_path / "lib.json").read_bytes()
    assert json.loads((tmp_path / "cli.json").read_text())["edges"][0][2] > 0
