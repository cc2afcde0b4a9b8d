"""`steps grade` driven through click against a local judge: graded samples and hand-computed metrics, reruns
that skip what is graded, refusal of grades made by another judge, and exit 1 when a sample could not be graded."""

from __future__ import annotations

import json

import pytest

from fake_openai import FakeOpenAI, write_inputs
from steps_core.synth import read_samples
from synthesis_cli import assert_every_option_has_help, invoke, mixed_judge, synth


@pytest.fixture
def inputs(tmp_path):
    return write_inputs(tmp_path / "in")


def test_grade_command_writes_graded_samples_and_the_report(tmp_path, inputs):
    sm = tmp_path / "sm.jsonl"
    graded_path = tmp_path / "graded.jsonl"
    grade = ["grade", sm, "--rounds", "3", "--cache", tmp_path / "cache.sqlite", "-o", graded_path,
             "--catalog", inputs["catalog"]]
    with FakeOpenAI(mixed_judge) as server:
        assert synth(inputs, server, sm, style="skillmix").exit_code == 0
        n = server.n_requests
        r = invoke([*grade, "--judge-model", "judge", "--base-url", server.base_url,
                    "--report", tmp_path / "report.json"])
        assert r.exit_code == 0, r.output
        assert server.n_requests == n + 3 * 3
        r2 = invoke([*grade, "--judge-model", "judge", "--base-url", server.base_url])
        assert r2.exit_code == 0 and server.n_requests == n + 9 and "graded 0 sample(s) now, 3 before" in r2.output
    report = json.loads((tmp_path / "report.json").read_text())
    # every fake text is one sentence (limit max(1, k-1) is met). Hand-computed points per text:
    #   k=2 red herring: skills (1, 0), on topic, sense       -> not full, not all skills, fraction 1/2
    #   k=2 statistics:  skills (1, 1), off topic, sense      -> not full, all skills (2 of 3 others), fraction 0
    #   k=3:             every point                          -> full, all skills, fraction 1
    assert report["per_k"]["2"] == {**report["per_k"]["2"], "n": 2, "full_marks": 0.0, "all_skills": 0.5,
                                    "skill_fraction": 0.25}
    assert report["per_k"]["3"] == {**report["per_k"]["3"], "n": 1, "full_marks": 1.0, "all_skills": 1.0,
                                    "skill_fraction": 1.0}
    overall = report["overall"]
    assert overall["n"] == 3 and overall["full_marks"] == pytest.approx(1 / 3)
    assert overall["all_skills"] == pytest.approx(2 / 3) and overall["skill_fraction"] == pytest.approx(0.5)
    graded = read_samples(graded_path)
    assert all(s["grade"]["status"] == "ok" and len(s["grade"]["votes"]) == 3 for s in graded)
    assert "full_marks" in r.output and "all" in r.output.splitlines()[3]


def skillmix_samples_to_grade(inputs, server, tmp_path, *extra) -> list:
    """Makes Skill-Mix samples in ``tmp_path/sm.jsonl``; the ``steps grade`` arguments that grade them into
    ``tmp_path/graded.jsonl`` with one judge round."""
    sm = tmp_path / "sm.jsonl"
    assert synth(inputs, server, sm, style="skillmix").exit_code == 0
    return ["grade", sm, "--rounds", "1", "--cache", tmp_path / "cache.sqlite", "-o", tmp_path / "graded.jsonl",
            "--base-url", server.base_url, *extra]


def test_grade_refuses_grades_made_by_another_judge(tmp_path, inputs):
    # B2: a rerun with another judge must not report the old results under the new name
    graded_path = tmp_path / "graded.jsonl"
    with FakeOpenAI(mixed_judge) as server:
        grade = skillmix_samples_to_grade(inputs, server, tmp_path)
        assert invoke([*grade, "--judge-model", "judge-A"]).exit_code == 0
        n = server.n_requests
        r = invoke([*grade, "--judge-model", "judge-B"])
        assert r.exit_code == 2 and "other settings" in r.output and "--overwrite" in r.output
        assert server.n_requests == n
        r = invoke([*grade, "--judge-model", "judge-B", "--overwrite"])
        assert r.exit_code == 0 and server.n_requests == n + 3 and "graded 3 sample(s) now, 0 before" in r.output
    assert {s["grade"]["judge"]["model"] for s in read_samples(graded_path)} == {"judge-B"}
    assert len(graded_path.read_text().splitlines()) == 3


def test_grade_exits_1_when_a_sample_could_not_be_graded(tmp_path, inputs):
    """Issue 11, item 9: a grade run with failures exits 1 after its summary; the rerun that grades them exits 0."""
    with FakeOpenAI(mixed_judge) as server:
        grade = skillmix_samples_to_grade(inputs, server, tmp_path, "--judge-model", "judge", "--max-retries", "0")
        server.inject("500", match="Score each")
        r = invoke(grade)
        assert r.exit_code == 1 and "1 could not be graded" in r.output
        assert "1 of 3 sample(s) to grade failed" in r.output
        r = invoke(grade)
        assert r.exit_code == 0 and "graded 1 sample(s) now, 2 before" in r.output


def test_every_grade_option_has_help():
    assert_every_option_has_help("grade")


def test_grade_shows_what_it_paid_and_a_cached_rerun_is_free(tmp_path, inputs):
    sm = tmp_path / "sm.jsonl"
    grade = ["grade", sm, "--rounds", "2", "--cache", tmp_path / "cache.sqlite", "-o", tmp_path / "g.jsonl",
             "--catalog", inputs["catalog"], "--judge-model", "judge", "--price-input", "1", "--price-output", "2"]
    with FakeOpenAI(mixed_judge) as server:
        assert synth(inputs, server, sm, style="skillmix").exit_code == 0
        r = invoke([*grade, "--base-url", server.base_url])
        assert r.exit_code == 0, r.output
        graded = read_samples(tmp_path / "g.jsonl")
        paid = sum(q["usage"]["cost_usd"] for s in graded for q in s["grade"]["requests"])
        assert paid > 0 and f"cost     ${paid:.4f}" in r.output
        again = invoke([*grade, "--base-url", server.base_url, "--overwrite"])   # every answer from the cache
        assert again.exit_code == 0 and "cost     $0.0000" in again.output, again.output
