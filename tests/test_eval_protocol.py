"""The Skill-Mix protocol (`steps eval --protocol skillmix`): the reference's rounds and limits in the prompts,
each metric's maximum over generations (hand-computed where it differs from the generation with the best total,
and against a brute-force port of the reference's aggregation), the judge at temperature 1.0 with unreadable
rounds voting 0, and the whole command against a local server."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest

from fake_openai import FakeOpenAI, write_inputs
from steps_core.corpus import Skill
from steps_core.evaluation import PROTOCOLS, draw_values, eval_report, protocol
from steps_core.grade import Judge, Points, max_over_generations
from steps_core.llm import LLMClient, RetryPolicy
from steps_core.synth import build_job
from steps_core.names import EVAL_PROTOCOLS
from synthesis_cli import assert_every_option_has_help, invoke


def _gen(points: Points | None, names, *, status="ok"):
    if points is None:
        return {"grade": {"status": "failed", "points": None}}
    return {"grade": {"status": status, "points": points.to_dict(names), "score": points.score}}


def _record(k, generations, names):
    graded = [i for i, g in enumerate(generations) if g["grade"]["status"] == "ok"]
    scores = [(generations[i]["grade"]["score"], -i) for i in graded]
    best = -max(scores)[1] if scores else None
    return {"id": f"d{k}-{len(names)}", "k": k, "status": "ok" if graded else "failed", "best": best,
            "grade": generations[best]["grade"] if best is not None else None, "generations": generations}


K3 = ["a", "b", "c"]
# draw A: g0 has the best total (5: all skills, but off topic, so skill fraction 0); g1 (4) has skill fraction
#         1/3; g2 is a text the student failed to write (all 0).
DRAW_A = _record(3, [_gen(Points((1, 1, 1), 0, 1, 1), K3), _gen(Points((1, 0, 0), 1, 1, 1), K3),
                     _gen(Points((0, 0, 0), 0, 0, 0), K3)], K3)
# draw B: g0 and g1 tie at 5 (the first counts for best-total): g0 skill fraction 2/3, g1 all skills; g2 the
#         judge could not grade (left out).
DRAW_B = _record(3, [_gen(Points((1, 1, 0), 1, 1, 1), K3), _gen(Points((1, 1, 1), 1, 0, 1), K3), _gen(None, K3)], K3)
DRAW_C = _record(2, [_gen(Points((1, 1), 1, 1, 1), ["a", "b"])], ["a", "b"])          # full marks
DRAW_D = _record(2, [_gen(None, ["a", "b"])], ["a", "b"])                             # nothing graded


def test_per_metric_max_differs_from_best_total_hand_computed():
    assert draw_values(DRAW_A, "best-total") == {"full_marks": 0.0, "all_skills": 1.0, "skill_fraction": 0.0}
    assert draw_values(DRAW_A, "per-metric-max") == {"full_marks": 0.0, "all_skills": 1.0, "skill_fraction": 1 / 3}
    assert draw_values(DRAW_B, "best-total") == {"full_marks": 0.0, "all_skills": 0.0, "skill_fraction": 2 / 3}
    assert draw_values(DRAW_B, "per-metric-max") == {"full_marks": 0.0, "all_skills": 1.0, "skill_fraction": 2 / 3}
    assert draw_values(DRAW_D, "per-metric-max") is None and draw_values(DRAW_D, "best-total") is None
    records = [DRAW_A, DRAW_B, DRAW_C, DRAW_D]
    best, peak = eval_report(records, "best-total"), eval_report(records, "per-metric-max")
    assert best["aggregation"] == "best-total" and peak["aggregation"] == "per-metric-max"
    # k = 3 over A, B.  best-total: all skills [1, 0] -> .5 (se = sd .7071 / sqrt 2 = .5); fraction [0, 2/3] -> 1/3
    b3, p3 = best["per_k"]["3"], peak["per_k"]["3"]
    assert (b3["n"], b3["full_marks"], b3["all_skills"]) == (2, 0.0, 0.5)
    assert math.isclose(b3["skill_fraction"], 1 / 3) and math.isclose(b3["all_skills_se"], 0.5)
    # per-metric-max: all skills [1, 1] -> 1 (se 0); fraction [1/3, 2/3] -> .5 (se = sd .2357 / sqrt 2 = 1/6)
    assert (p3["all_skills"], p3["all_skills_se"]) == (1.0, 0.0)
    assert math.isclose(p3["skill_fraction"], 0.5) and math.isclose(p3["skill_fraction_se"], 1 / 6)
    # overall, A, B, C (D left out): best-total 1/3, 2/3, 5/9; per-metric-max 1/3, 1, 2/3
    assert best["overall"]["n"] == peak["overall"]["n"] == 3
    assert [best["overall"][m] for m in ("full_marks", "all_skills")] == [1 / 3, 2 / 3]
    assert math.isclose(best["overall"]["skill_fraction"], 5 / 9)
    assert [peak["overall"][m] for m in ("full_marks", "all_skills")] == [1 / 3, 1.0]
    assert math.isclose(peak["overall"]["skill_fraction"], 2 / 3)


def _reference_aggregation(scores: np.ndarray, k: int) -> dict[str, np.ndarray]:
    """A port of the reference's aggregate_metrics.py for one k: ``scores`` has shape (generations, items,
    k + 3) of majority-voted points; each metric per generation and item, then the max over generations."""
    c = 3
    skills, rest = scores[:, :, :k].sum(axis=2), scores[:, :, k:].sum(axis=2)
    full = np.where(scores.sum(axis=2) == k + c, 1, 0)
    all_skills = np.where(skills == k, 1, 0) * np.where(rest >= c - 1, 1, 0)
    fraction = np.where(rest == c, skills / k, 0)
    return {name: m.max(axis=0) for name, m in
            (("full_marks", full), ("all_skills", all_skills), ("skill_fraction", fraction))}


def test_per_metric_max_equals_the_reference_aggregation_brute_force():
    rng = np.random.default_rng(12)
    for k in (2, 3, 4):
        scores = rng.integers(0, 2, size=(3, 40, k + 3))
        names = [f"s{i}" for i in range(k)]
        points = [[Points(tuple(int(x) for x in scores[g, item, :k]), *map(int, scores[g, item, k:]))
                   for g in range(3)] for item in range(40)]
        records = [_record(k, [_gen(p, names) for p in gens], names) for gens in points]
        want = _reference_aggregation(scores, k)
        ours = eval_report(records, "per-metric-max")["overall"]
        for m, per_item in want.items():
            assert math.isclose(ours[m], float(per_item.mean())), (k, m)
            assert [max_over_generations(gens)[m] for gens in points] == pytest.approx(list(per_item)), (k, m)


def test_protocols_are_named_once():
    assert set(PROTOCOLS) == set(EVAL_PROTOCOLS)
    sm = protocol("skillmix")
    assert (sm.generations, sm.judge_temperature, sm.judge_rounds, sm.unparsed_as_zero, sm.aggregation) == \
        (3, 1.0, 3, True, "per-metric-max")
    st = protocol("steps")
    assert (st.generations, st.judge_temperature, st.aggregation) == (1, 0.3, "best-total")


def test_the_reference_prompts_round_by_round():
    """Round 1 asks for "up to a few lines" and states no sentence limit; round 2 asks to improve and only
    then states max(1, k-1) sentences in words; definitions and examples are shown."""
    template = protocol("skillmix").load_template()
    skills = [Skill("metaphor", "lit", "A likeness.", "Time is a thief."), Skill("irony", "lit", "Opposite.", "Nice."),
              Skill("red herring", "rhet", "A distraction.", "What about the weather?")]
    for k, limit in ((2, "at most one sentence"), (3, "at most two sentences")):
        job = build_job(skills[:k], style="skillmix", template=template, topic="Sewing")
        first = job.prompt[-1]["content"]
        assert "up to a few lines" in first and "Sewing" in first and "Time is a thief." in first
        assert "A likeness." in first and "sentence" not in first
        assert "improve" in job.improve and limit in job.improve and job.improve.count("sentence") == 1
        assert "Answer:" in first and "Explanation:" in first
    steps = protocol("steps").load_template()
    job = build_job(skills[:3], style="skillmix", template=steps, topic="Sewing")
    assert "at most 2 sentence(s)" in job.prompt[-1]["content"]              # the steps protocol: limit in round 1


def _client(server):
    return LLMClient(base_url=server.base_url, api_key="k", retry=RetryPolicy(max_attempts=1, base_delay=0.01))


def test_unreadable_judge_rounds_vote_zero_under_the_reference_rule():
    answers = iter(["no idea", "cannot say", '{"scores": [1, 1, 1, 1]}'] * 2)
    with FakeOpenAI(lambda body: next(answers)) as server:
        zero = Judge(_client(server), "judge", rounds=3, unparsed_as_zero=True)
        skip = Judge(_client(server), "judge", rounds=3)
        g_zero = zero.grade_text("A short text.", ["metaphor", "irony"], topic="t")
        g_skip = skip.grade_text("A short text.", ["metaphor", "irony"], topic="t")
    # two unreadable rounds and one [1, 1, 1, 1]: with zeros 1 of 3 -> 0; left out, 1 of 1 -> 1
    assert g_zero["points"]["skills"] == {"metaphor": 0, "irony": 0} and g_zero["score"] == 1      # the limit, by code
    assert g_skip["points"]["skills"] == {"metaphor": 1, "irony": 1} and g_skip["score"] == 5
    assert g_zero["votes"][:2] == [[0, 0, 0, 0], [0, 0, 0, 0]] and g_skip["votes"][:2] == [None, None]
    assert "counted as 0" in g_zero["error"]
    assert zero.settings()["unparsed"] == "zero" and "unparsed" not in skip.settings()


def _responder(body):
    """Student: round 1 a draft; round 2 "text g<seed>" (the request seed is the generation). Judge (k=2, four
    points): g0 all skills but off topic; g1 one skill missing, the rest earned; g2 unreadable."""
    last = body["messages"][-1]["content"]
    if "Score each of the following" in last:
        if "g0" in last:
            return '{"scores": [1, 1, 0, 1]}'
        if "g1" in last:
            return '{"scores": [1, 0, 1, 1]}'
        return "I would rather not grade this."
    if "look over your answer" in last or "Improve the text" in last:
        return f"Answer: Final text g{body['seed']}.\nExplanation: y"
    return "Answer: A draft.\nExplanation: x"


@pytest.mark.parametrize("name, fraction", [("skillmix", 0.5), ("steps", 0.0)])
def test_eval_command_protocols(tmp_path, name, fraction):
    inputs = write_inputs(tmp_path / "in")
    with FakeOpenAI(_responder) as server:
        r = invoke(["eval", "--catalog", inputs["catalog"], "--topics", inputs["topics"], "--k", "2", "--draws", "2",
                    "--student-model", "student", "--judge-model", "judge", "--base-url", server.base_url,
                    "--protocol", name, "--cache", tmp_path / "c.sqlite", "-o", tmp_path / "ev.jsonl",
                    "--report", tmp_path / "ev.json", "--split", "heldout", "--heldout-categories", "logic,rhetoric",
                    *(["--generations", "3"] if name == "steps" else [])])
        bodies = list(server.requests)
    assert r.exit_code == 0, r.output
    judge = [b for b in bodies if "Score each of the following" in b["messages"][-1]["content"]]
    student = [b for b in bodies if b not in judge]
    # 2 draws x 3 generations x 2 rounds; the judge: 3 rounds per text (2 draws x 3 generations)
    assert len(student) == 12 and len(judge) == 2 * 3 * 3
    assert {b["temperature"] for b in judge} == {1.0 if name == "skillmix" else 0.3}
    assert {b["temperature"] for b in student} == {0.7}
    report = json.loads((tmp_path / "ev.json").read_text())
    assert report["aggregation"] == ("per-metric-max" if name == "skillmix" else "best-total")
    # per draw: per-metric max (0, 1, 1/2) under skillmix; g0's (0, 1, 0) under steps (the best total, first of 4s)
    assert (report["overall"]["full_marks"], report["overall"]["all_skills"]) == (0.0, 1.0)
    assert report["overall"]["skill_fraction"] == fraction and report["overall"]["n"] == 2
    assert report["protocol"]["name"] == name and report["protocol"]["generations"] == 3
    assert report["split"]["by"] == "category" and report["split"]["heldout_categories"] == ["logic", "rhetoric"]
    records = [json.loads(x) for x in (tmp_path / "ev.jsonl").read_text().splitlines()]
    assert all({s for s in rec["skills"]} <= {"metaphor", "red herring", "modus ponens", "irony"} for rec in records)
    if name == "skillmix":
        assert all(rec["max_metrics"]["skill_fraction"] == 0.5 for rec in records)
        firsts = [b["messages"][-1]["content"] for b in student if len(b["messages"]) == 2]
        assert firsts and all("up to a few lines" in m and "sentence" not in m for m in firsts)
    assert re.search(r"protocol " + name, r.output) and "heldout part (by category" in r.output


def test_every_option_of_eval_and_mix_has_help():
    assert_every_option_has_help("eval")
    assert_every_option_has_help("mix")
