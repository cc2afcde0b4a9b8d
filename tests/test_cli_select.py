"""`steps select`."""

import json

from cli_helpers import bundled_records, chain_records, run, write_corpus
from steps_core.select import read_combos, select_combinations
from steps_core.tree import read_tree_json

PLAIN = ("--connect", "none", "--allow-seen", "--diversity", "0", "--max-per-skill", "none")


def make_tree(tmp_path):
    corpus = write_corpus(tmp_path / "c.jsonl", bundled_records(500, seed=1))
    run("tree", corpus, "--height", "3", "-o", tmp_path / "tree.json")
    return tmp_path / "tree.json"


def test_select_sweep_matches_library(tmp_path):
    tree_path = make_tree(tmp_path)
    run("select", tree_path, "--k", "3", "--beam", "5", "--top", "6", *PLAIN, "-o", tmp_path / "combos.jsonl")
    combos = read_combos(tmp_path / "combos.jsonl")
    expected = select_combinations(read_tree_json(tree_path), k=3, beam=5, top=6, connect="none", novel=False,
                                   diversity=0.0, max_per_skill=None)
    assert combos == expected
    line = json.loads((tmp_path / "combos.jsonl").read_text().splitlines()[0])
    assert {"skills", "start", "gain", "step_gains", "lca", "scope", "k"} <= set(line)


def test_select_start_pin_exclude(tmp_path):
    tree_path = make_tree(tmp_path)
    run("select", tree_path, "--k", "4", "--start", "python", "--start", "persuasion,metaphor",
        "--pin", "charting", "--exclude", "debugging", "--scope", "global", "--per-start", "2", *PLAIN,
        "-o", tmp_path / "c.jsonl")
    combos = read_combos(tmp_path / "c.jsonl")
    assert combos and all("charting" in c.skills and "debugging" not in c.skills for c in combos)
    assert {c.start for c in combos} == {("python",), ("persuasion", "metaphor")}
    assert all(c.scope == "global" for c in combos)


def test_select_exclude_combo(tmp_path):
    tree_path = make_tree(tmp_path)
    run("select", tree_path, "--k", "3", "--top", "1", *PLAIN, "-o", tmp_path / "a.jsonl")
    best = read_combos(tmp_path / "a.jsonl")[0]
    run("select", tree_path, "--k", "3", "--top", "1", "--exclude-combo", ",".join(best.skills), *PLAIN,
        "-o", tmp_path / "b.jsonl")
    assert read_combos(tmp_path / "b.jsonl")[0].key != best.key


def test_select_unknown_pin(tmp_path):
    tree_path = make_tree(tmp_path)
    result = run("select", tree_path, "--pin", "pyhton", ok=False)
    assert "unknown pinned skill 'pyhton'" in result.output and "python" in result.output


def test_select_missing_tree(tmp_path):
    result = run("select", tmp_path / "nope.json", ok=False)
    assert "nope.json" in result.output and "not found" in result.output


def test_select_with_a_coherence_floor_and_semantic_graph(tmp_path):
    corpus = write_corpus(tmp_path / "c.jsonl", bundled_records(500, seed=1))
    run("tree", corpus, "--height", "2", "--semantic", "0.3", "-o", tmp_path / "tree.json")
    semantic = read_tree_json(tmp_path / "tree.json")
    run("tree", corpus, "--height", "2", "-o", tmp_path / "plain.json")
    assert semantic.graph.n_edges > read_tree_json(tmp_path / "plain.json").graph.n_edges
    run("select", tmp_path / "tree.json", "--k", "3", "--top", "5", "--min-coherence", "0.2", *PLAIN,
        "-o", tmp_path / "c.jsonl")
    combos = read_combos(tmp_path / "c.jsonl")
    assert combos and all(c.coherence is not None and c.coherence >= 0.2 for c in combos)


def test_default_list_is_attested_novel_and_explained(tmp_path):
    # a ring of skills where only neighbours are tagged together: every path of 3 is attested and new
    corpus = write_corpus(tmp_path / "ring.jsonl", chain_records(30, 1500, seed=3))
    run("tree", corpus, "--height", "2", "-o", tmp_path / "tree.json")
    out = run("select", tmp_path / "tree.json", "--k", "3", "--top", "8", "--corpus", corpus,
              "-o", tmp_path / "c.jsonl").output
    combos = read_combos(tmp_path / "c.jsonl")
    assert len(combos) == 8 and all(c.novel and c.connected for c in combos)
    assert "attested:" in out and "never seen together:" in out
    uses = {}
    for c in combos:
        for s in c.skills:
            uses[s] = uses.get(s, 0) + 1
    assert max(uses.values()) <= 2                                 # auto cap: 10% of 8, at least 2
    capped = run("select", tmp_path / "tree.json", "--k", "3", "--top", "8", "--max-per-skill", "1",
                 "-o", tmp_path / "d.jsonl")
    assert "combinations" in capped.output
    one = read_combos(tmp_path / "d.jsonl")
    assert len({s for c in one for s in c.skills}) == 3 * len(one)       # no skill twice


def test_no_coherent_novel_combination_says_what_to_try(tmp_path):
    tree_path = make_tree(tmp_path)                  # bundles: every attested set is seen, every new set unattested
    result = run("select", tree_path, "--k", "3", ok=False)
    assert "--connect none" in result.output and "--min-pair-count" in result.output
