"""Closing the loop: per-skill scores read from a CSV or a `steps eval` results file, weakness per tree node by
hand, and the list of combinations steered toward weak skills while every gain stays exact."""

import json

import pytest

from cli_helpers import chain_records, run, write_corpus
from steps_core.errors import InputError
from steps_core.graph import build_graph, count_cooccurrences
from steps_core.novelty import SupportIndex
from steps_core.optimize import build_tree
from steps_core.select import conditional_entropy, read_combos, select_combinations
from steps_core.weak_spots import node_weakness, read_skill_scores, weakest_skills


def test_scores_from_a_csv_and_from_eval_results(tmp_path):
    csv = tmp_path / "scores.csv"
    csv.write_text("skill,score,notes\nirony,0.25,x\nsql,1\n\n")
    assert read_skill_scores(csv) == {"irony": 0.25, "sql": 1.0}
    results = tmp_path / "eval.jsonl"
    rows = [{"skills": ["irony", "sql"], "grade": {"points": {"skills": {"irony": 0, "sql": 1}}}},
            {"skills": ["irony", "metaphor"], "grade": {"points": {"skills": {"irony": 1, "metaphor": 1}}}},
            {"skills": ["irony", "sql"], "grade": {"points": None}},                 # a failed draw: skipped
            {"skills": ["irony"], "grade": {"points": {"skills": {"irony": 0}}}}]
    results.write_text("".join(json.dumps(r) + "\n" for r in rows))
    # irony earned its point in 1 of 3 graded texts, sql in 1 of 1, metaphor in 1 of 1
    assert read_skill_scores(results) == pytest.approx({"irony": 1 / 3, "sql": 1.0, "metaphor": 1.0})
    assert weakest_skills(read_skill_scores(results), 1) == [("irony", pytest.approx(1 / 3))]


@pytest.mark.parametrize("body,where", [("skill,score\nirony,1.5\n", "scores.csv:2: field 'score'"),
                                        ("skill,score\nirony,high\n", "scores.csv:2: field 'score'"),
                                        ("name,value\n", "scores.csv:1"), ("skill,score\n,0.5\n", "field 'skill'")])
def test_bad_scores_are_located(tmp_path, body, where):
    p = tmp_path / "scores.csv"
    p.write_text(body)
    with pytest.raises(InputError) as err:
        read_skill_scores(p)
    assert where in str(err.value)


@pytest.fixture(scope="module")
def ring():
    records = chain_records(40, 6000, seed=5, width=3)
    tree = build_tree(build_graph(count_cooccurrences(records)), k=3)
    return records, tree, SupportIndex.from_skill_lists(records)


def test_node_weakness_by_hand(ring):
    _, tree, _ = ring
    scores = {"s00": 0.0, "s01": 0.5, "s02": 1.0}
    weak = node_weakness(tree, scores)
    assert [weak[tree.graph.index[s]] for s in ("s00", "s01", "s02", "s03")] == [1.0, 0.5, 0.0, 0.0]
    for c in tree.communities:                          # a community: the mean over its scored skills
        inside = [1.0 - v for s, v in scores.items() if tree.graph.index[s] in set(tree.members(c).tolist())]
        assert weak[c] == pytest.approx(sum(inside) / len(inside) if inside else 0.0)


def test_the_list_turns_to_weak_skills_and_gains_stay_exact(ring):
    _, tree, index = ring
    weak = {f"s{i:02d}" for i in range(20, 30)}
    scores = {s: (0.0 if s in weak else 1.0) for s in tree.skills}
    plain = select_combinations(tree, k=4, top=10, index=index)
    steered = select_combinations(tree, k=4, top=10, index=index, skill_scores=scores, emphasis=3.0)
    share = lambda combos: sum(len(set(c.skills) & weak) for c in combos) / sum(len(c.skills) for c in combos)  # noqa: E731
    # 10 weak skills of 40, each in at most 2 of the 10 combinations (the cap): at most half the slots
    assert share(steered) > share(plain) + 0.1 and share(steered) >= 0.4
    for c in steered:
        assert c.gain == pytest.approx(conditional_entropy(tree, c.skills[1:], c.start), abs=1e-12)
    neutral = select_combinations(tree, k=4, top=10, index=index, skill_scores=scores, emphasis=0.0)
    assert [c.skills for c in neutral] == [c.skills for c in plain]
    assert [c.value for c in neutral] == pytest.approx([c.value for c in plain], abs=1e-12)


def test_cli_select_with_skill_scores(tmp_path):
    corpus = write_corpus(tmp_path / "ring.jsonl", chain_records(40, 6000, seed=5, width=3))
    run("tree", corpus, "--height", "3", "-o", tmp_path / "tree.json")
    scores = tmp_path / "scores.csv"
    scores.write_text("skill,score\n" + "".join(f"s{i:02d},0\n" for i in range(20, 30)))
    out = run("select", tmp_path / "tree.json", "--k", "4", "--top", "10", "--skill-scores", scores,
              "--emphasis", "3", "-o", tmp_path / "c.jsonl").output
    combos = read_combos(tmp_path / "c.jsonl")
    weak = {f"s{i:02d}" for i in range(20, 30)}
    assert sum(bool(set(c.skills) & weak) for c in combos) >= 5
    assert "weakest skills" in out
