"""`steps select`."""

import json

from cli_helpers import bundled_records, run, write_corpus
from steps_core.select import read_combos, select_combinations
from steps_core.tree import read_tree_json


def make_tree(tmp_path):
    corpus = write_corpus(tmp_path / "c.jsonl", bundled_records(500, seed=1))
    run("tree", corpus, "--k", "3", "-o", tmp_path / "tree.json")
    return tmp_path / "tree.json"


def test_select_sweep_matches_library(tmp_path):
    tree_path = make_tree(tmp_path)
    run("select", tree_path, "--k", "3", "--beam", "5", "--top", "6", "-o", tmp_path / "combos.jsonl")
    combos = read_combos(tmp_path / "combos.jsonl")
    expected = select_combinations(read_tree_json(tree_path), k=3, beam=5, top=6)
    assert combos == expected
    line = json.loads((tmp_path / "combos.jsonl").read_text().splitlines()[0])
    assert {"skills", "start", "gain", "step_gains", "lca", "scope", "k"} <= set(line)


def test_select_start_pin_exclude(tmp_path):
    tree_path = make_tree(tmp_path)
    run("select", tree_path, "--k", "4", "--start", "python", "--start", "persuasion,metaphor",
        "--pin", "charting", "--exclude", "debugging", "--scope", "global", "--per-start", "2",
        "-o", tmp_path / "c.jsonl")
    combos = read_combos(tmp_path / "c.jsonl")
    assert combos and all("charting" in c.skills and "debugging" not in c.skills for c in combos)
    assert {c.start for c in combos} == {("python",), ("persuasion", "metaphor")}
    assert all(c.scope == "global" for c in combos)


def test_select_exclude_combo(tmp_path):
    tree_path = make_tree(tmp_path)
    run("select", tree_path, "--k", "3", "--top", "1", "-o", tmp_path / "a.jsonl")
    best = read_combos(tmp_path / "a.jsonl")[0]
    run("select", tree_path, "--k", "3", "--top", "1", "--exclude-combo", ",".join(best.skills),
        "-o", tmp_path / "b.jsonl")
    assert read_combos(tmp_path / "b.jsonl")[0].key != best.key


def test_select_unknown_pin(tmp_path):
    tree_path = make_tree(tmp_path)
    result = run("select", tree_path, "--pin", "pyhton", ok=False)
    assert "unknown pinned skill 'pyhton'" in result.output and "python" in result.output


def test_select_missing_tree(tmp_path):
    result = run("select", tmp_path / "nope.json", ok=False)
    assert "nope.json" in result.output and "not found" in result.output


def test_select_help():
    out = run("select", "--help").output
    for opt in ("--k", "--beam", "--start", "--pin", "--exclude", "--exclude-combo", "--scope", "--per-start",
                "--top", "--output"):
        assert opt in out


def test_select_with_a_coherence_floor_and_semantic_graph(tmp_path):
    corpus = write_corpus(tmp_path / "c.jsonl", bundled_records(500, seed=1))
    run("tree", corpus, "--k", "2", "--semantic", "0.3", "-o", tmp_path / "tree.json")
    semantic = read_tree_json(tmp_path / "tree.json")
    run("tree", corpus, "--k", "2", "-o", tmp_path / "plain.json")
    assert semantic.graph.n_edges > read_tree_json(tmp_path / "plain.json").graph.n_edges
    run("select", tmp_path / "tree.json", "--k", "3", "--top", "5", "--min-coherence", "0.2", "-o", tmp_path / "c.jsonl")
    combos = read_combos(tmp_path / "c.jsonl")
    assert combos and all(c.coherence is not None and c.coherence >= 0.2 for c in combos)
