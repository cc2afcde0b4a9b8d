"""`steps eval` driven through click against a local student and judge: records, metrics with standard errors
per k, the held-out split, and refusal of records made with another student."""

from __future__ import annotations

import json

import pytest

from fake_openai import FakeOpenAI, write_inputs
from synthesis_cli import assert_every_option_has_help, invoke


@pytest.fixture
def inputs(tmp_path):
    return write_inputs(tmp_path / "in")


def test_eval_command(tmp_path, inputs):
    with FakeOpenAI() as server:
        r = invoke(["eval", "--catalog", inputs["catalog"], "--topics", inputs["topics"], "--k", "2,3", "--draws", "2",
                 "--student-model", "student", "--judge-model", "judge", "--base-url", server.base_url,
                 "--rounds", "1", "--generations", "2", "--cache", tmp_path / "c.sqlite", "-o", tmp_path / "ev.jsonl",
                 "--report", tmp_path / "ev.json", "--split", "heldout", "--heldout-fraction", "0.5"])
        assert r.exit_code == 0, r.output
        assert server.n_requests == 4 * 2 * 3
    records = [json.loads(x) for x in (tmp_path / "ev.jsonl").read_text().splitlines()]
    assert len(records) == 4 and all(len(x["generations"]) == 2 for x in records)
    assert all(x["id"].startswith("eval-heldout-s0-k") for x in records)
    report = json.loads((tmp_path / "ev.json").read_text())
    assert report["per_k"]["2"]["n"] == 2 and report["per_k"]["3"]["n"] == 2
    assert "full_marks_se" in report["per_k"]["2"] and report["settings"]["split"] == "heldout"
    assert "±" in r.output
    r = invoke(["eval", "--catalog", inputs["catalog"], "--topics", inputs["topics"], "--k", "2,x",
             "--student-model", "s", "--judge-model", "j"])
    assert r.exit_code == 2


def test_eval_with_another_student_refuses_the_old_records(tmp_path, inputs):
    # B2 repro: eval with model-A, then model-B into the same file used to make 0 requests and print A's table
    def ev(model, *extra):
        return invoke(["eval", "--catalog", inputs["catalog"], "--topics", inputs["topics"], "--k", "2", "--draws", "2",
                    "--student-model", model, "--judge-model", "judge", "--base-url", server.base_url, "--rounds", "1",
                    "--cache", tmp_path / "c.sqlite", "-o", tmp_path / "ev.jsonl", *extra])

    with FakeOpenAI() as server:
        assert ev("model-A").exit_code == 0
        n = server.n_requests
        assert ev("model-A").exit_code == 0 and server.n_requests == n       # same settings: resumed, nothing sent
        r = ev("model-B")
        assert r.exit_code == 2 and "other settings" in r.output and server.n_requests == n
        r = ev("model-B", "--overwrite")
        # 2 draws x 2 student rounds; the fake student writes the same texts, so the judge answers from the cache
        assert r.exit_code == 0 and server.n_requests == n + 2 * 2
        r = ev("model-B", "--generations", "2")
        assert r.exit_code == 2
    records = [json.loads(x) for x in (tmp_path / "ev.jsonl").read_text().splitlines()]
    assert len(records) == 2
    assert {g["provenance"]["model"] for rec in records for g in rec["generations"]} == {"model-B"}


def test_every_eval_option_has_help():
    assert_every_option_has_help("eval")
