"""The `steps synth | grade | eval | export` commands, driven through click against a local server: outputs,
reruns that make zero requests, resume after an interruption, exit codes, and the API key never on disk."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from fake_openai import FakeOpenAI, default_responder, write_inputs
from steps_core.cli import cli
from steps_core.synth import TEMPLATE_LABEL, read_samples

SECRET = "sk-live-DO-NOT-LEAK-4c9e2a7b1f"


@pytest.fixture
def inputs(tmp_path):
    return write_inputs(tmp_path / "in")


def run(args, env=None):
    result = CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)
    return result


def _synth(inputs, server, out, *extra, style="composite", env=None):
    args = ["synth", inputs["combos"], "--style", style, "--catalog", inputs["catalog"], "--model", "fake-model",
            "--base-url", server.base_url, "--cache", out.parent / "cache.sqlite", "-o", out, "--max-retries", "3", "--backoff", "0.01",
            *extra]
    if style == "composite":
        args += ["--corpus", inputs["corpus"]]
    if style == "skillmix":
        args += ["--topics", inputs["topics"]]
    return run(args, env=env)


def test_template_backend_offline(tmp_path, inputs):
    out = tmp_path / "t.jsonl"
    r = run(["synth", inputs["combos"], "--corpus", inputs["corpus"], "--catalog", inputs["catalog"],
             "--backend", "template", "-o", out])
    assert r.exit_code == 0, r.output
    samples = read_samples(out)
    assert len(samples) == 3 and all(s["status"] == "ok" for s in samples)
    assert all(s["messages"][-1]["content"].startswith(TEMPLATE_LABEL) for s in samples)
    assert "wrote 3 sample(s)" in r.output and "3 ok, 0 failed" in r.output


def test_synth_rerun_and_cache_make_zero_requests(tmp_path, inputs):
    out = tmp_path / "samples.jsonl"
    with FakeOpenAI() as server:
        r = _synth(inputs, server, out, "--workers", "3", "--price-input", "1", "--price-output", "2")
        assert r.exit_code == 0, r.output
        assert server.n_requests == 3 and "3 ok, 0 failed" in r.output and "cost     $0.00" in r.output
        first = read_samples(out)
        # same output: everything is already done
        r = _synth(inputs, server, out)
        assert r.exit_code == 0 and server.n_requests == 3 and "wrote 0 sample(s)" in r.output
        assert "3 already done" in r.output
        # a new output file: every answer comes from the cache
        other = tmp_path / "again.jsonl"
        r = _synth(inputs, server, other)
        assert r.exit_code == 0 and server.n_requests == 3
        assert "requests 0, answered from cache 3" in r.output
    assert {s["id"]: s["messages"] for s in read_samples(other)} == {s["id"]: s["messages"] for s in first}


def test_failed_samples_are_retried_by_a_rerun(tmp_path, inputs):
    out = tmp_path / "samples.jsonl"
    with FakeOpenAI() as server:
        server.inject("500", times=4, match="red herring")
        r = _synth(inputs, server, out)
        assert r.exit_code == 1 and "2 ok, 1 failed" in r.output and "1 of 3 sample(s) failed" in r.output
        assert "run the same command again" in r.output
        failed = [s for s in read_samples(out) if s["status"] == "failed"]
        assert len(failed) == 1 and "HTTP 500" in failed[0]["error"]
        r = _synth(inputs, server, out)
        assert r.exit_code == 0 and "wrote 1 sample(s)" in r.output and "1 ok, 0 failed" in r.output
        assert server.n_requests == 4 + 2 + 1
    samples = read_samples(out)
    assert len(samples) == 3 and all(s["status"] == "ok" for s in samples)
    assert len(out.read_text().splitlines()) == 3          # compacted: one line per id


def test_resume_after_an_interrupted_run(tmp_path, inputs):
    out = tmp_path / "samples.jsonl"
    with FakeOpenAI() as server:
        assert _synth(inputs, server, out, style="agentic").exit_code == 0
        lines = out.read_text().splitlines()
        out.write_text(lines[0] + "\n" + lines[1][:40])     # as if killed while writing the second line
        (tmp_path / "cache.sqlite").unlink()                 # and nothing cached: the missing ones are asked again
        for extra in ("-wal", "-shm"):
            (tmp_path / f"cache.sqlite{extra}").unlink(missing_ok=True)
        r = _synth(inputs, server, out, style="agentic")
        assert r.exit_code == 0, r.output
        assert server.n_requests == 3 + 2 and "1 already done" in r.output
    assert len(read_samples(out)) == 3 and len(out.read_text().splitlines()) == 3


def test_dry_run_and_estimate_send_nothing(tmp_path, inputs, fake_openai):
    out = tmp_path / "never.jsonl"
    r = _synth(inputs, fake_openai, out, "--dry-run", style="skillmix")
    assert r.exit_code == 0 and fake_openai.n_requests == 0 and not out.exists()
    assert r.output.count("=== sample skillmix-") == 3 and "--- round 2: user" in r.output
    assert "--- training sample: user turn ---" in r.output and "nothing sent" in r.output
    r = _synth(inputs, fake_openai, out, "--dry-run", "--limit", "1")
    assert r.output.count("=== sample composite-") == 1 and "(skill: metaphor)" in r.output
    r = _synth(inputs, fake_openai, out, "--estimate", "--expected-output-tokens", "100", style="skillmix")
    assert r.exit_code == 0 and fake_openai.n_requests == 0 and not out.exists()
    assert "requests         6" in r.output and "output tokens    ~600" in r.output
    assert "unknown" in r.output
    tpl = tmp_path / "mine.txt"
    tpl.write_text("=== user ===\nJust combine $skills, please.\n")
    r = _synth(inputs, fake_openai, out, "--dry-run", "--template", tpl, style="agentic")
    assert "Just combine metaphor, red herring, please." in r.output


def test_bad_input_exits_2_with_a_located_message(tmp_path, inputs, fake_openai):
    r = run(["synth", inputs["combos"], "--corpus", inputs["corpus"], "-o", tmp_path / "x.jsonl"])
    assert r.exit_code == 2 and "--model" in r.output
    r = run(["synth", inputs["combos"], "--style", "skillmix", "--backend", "template", "-o", tmp_path / "x.jsonl"])
    assert r.exit_code == 2 and "--topics" in r.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"skills": ["a", "b"]}) + "\n{oops\n")
    r = run(["synth", bad, "--backend", "template", "--style", "agentic", "-o", tmp_path / "x.jsonl"])
    assert r.exit_code == 2 and f"{bad}:2" in r.output
    tpl = tmp_path / "t.txt"
    tpl.write_text("=== user ===\n$nope\n")
    r = run(["synth", inputs["combos"], "--backend", "template", "--style", "agentic", "--template", tpl,
             "-o", tmp_path / "x.jsonl"])
    assert r.exit_code == 2 and f"{tpl}:1" in r.output and "$nope" in r.output
    fake_openai.inject("401", times=99)
    r = _synth(inputs, fake_openai, tmp_path / "denied.jsonl")
    assert r.exit_code == 2 and "401" in r.output


def test_the_api_key_is_never_written(tmp_path, inputs):
    env = {"OPENAI_API_KEY": SECRET}
    out = tmp_path / "samples.jsonl"
    log = tmp_path / "run.log"
    with FakeOpenAI() as server:
        server.inject("429")
        server.inject("malformed")
        server.inject("400", match="modus ponens")        # one final failure with an error message
        outputs = []
        r = _synth(inputs, server, out, "--log", log, "--workers", "2", env=env)
        outputs.append(r.output)
        r = _synth(inputs, server, tmp_path / "sm.jsonl", "--log", log, style="skillmix", env=env)
        outputs.append(r.output)
        r = run(["grade", tmp_path / "sm.jsonl", "--judge-model", "judge", "--base-url", server.base_url,
                 "--cache", tmp_path / "cache.sqlite", "--report", tmp_path / "rep.json", "--log", log], env=env)
        outputs.append(r.output)
        server.inject("401", times=9)
        r = _synth(inputs, server, tmp_path / "x.jsonl", "--log", log, "--no-cache", env=env)
        outputs.append(r.output)
        assert server.authorizations == {f"Bearer {SECRET}"}   # the key did reach the endpoint
    assert "HTTP 400" in log.read_text() and "key from $OPENAI_API_KEY (set)" in log.read_text()
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"samples.jsonl", "sm.jsonl", "sm.graded.jsonl", "rep.json", "run.log",
                                      "cache.sqlite"}
    for p in files:
        assert SECRET.encode() not in p.read_bytes(), p
    for text in outputs:
        assert SECRET not in text


def mixed_judge(body):
    """Judge scores that differ per combination (the same in every round), for hand-computed metrics:
    'red herring' texts miss a skill, 'statistics' texts are off topic, the k=3 texts get every point."""
    prompt = body["messages"][-1]["content"]
    if "Score each of the following" not in prompt:
        return default_responder(body)
    if '"red herring"' in prompt:
        return '{"scores": [1, 0, 1, 1]}'
    if '"statistics"' in prompt:
        return 'Off topic. {"scores": [1, 1, 0, 1]}'
    return '{"scores": [1, 1, 1, 1, 1]}'


def test_grade_command_writes_graded_samples_and_the_report(tmp_path, inputs):
    sm = tmp_path / "sm.jsonl"
    graded_path = tmp_path / "graded.jsonl"
    grade = ["grade", sm, "--rounds", "3", "--cache", tmp_path / "cache.sqlite", "-o", graded_path,
             "--catalog", inputs["catalog"]]
    with FakeOpenAI(mixed_judge) as server:
        assert _synth(inputs, server, sm, style="skillmix").exit_code == 0
        n = server.n_requests
        r = run([*grade, "--judge-model", "judge", "--base-url", server.base_url, "--report", tmp_path / "report.json"])
        assert r.exit_code == 0, r.output
        assert server.n_requests == n + 3 * 3
        r2 = run([*grade, "--judge-model", "judge", "--base-url", server.base_url])
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


def test_grade_and_synth_refuse_results_made_with_other_settings(tmp_path, inputs):
    # B2: a rerun with another judge (or model) must not report the old results under the new name
    sm = tmp_path / "sm.jsonl"
    graded_path = tmp_path / "graded.jsonl"
    with FakeOpenAI(mixed_judge) as server:
        assert _synth(inputs, server, sm, style="skillmix").exit_code == 0
        grade = ["grade", sm, "--rounds", "1", "--cache", tmp_path / "cache.sqlite", "-o", graded_path,
                 "--base-url", server.base_url]
        assert run([*grade, "--judge-model", "judge-A"]).exit_code == 0
        n = server.n_requests
        r = run([*grade, "--judge-model", "judge-B"])
        assert r.exit_code == 2 and "other settings" in r.output and "--overwrite" in r.output
        assert server.n_requests == n
        r = run([*grade, "--judge-model", "judge-B", "--overwrite"])
        assert r.exit_code == 0 and server.n_requests == n + 3 and "graded 3 sample(s) now, 0 before" in r.output
        assert {s["grade"]["judge"]["model"] for s in read_samples(graded_path)} == {"judge-B"}
        assert len(graded_path.read_text().splitlines()) == 3
        # synth: another model for the same output
        n = server.n_requests
        r = _synth(inputs, server, sm, "--model", "other-model", style="skillmix")
        assert r.exit_code == 2 and "other settings" in r.output and server.n_requests == n
        r = _synth(inputs, server, sm, "--model", "other-model", "--overwrite", style="skillmix")
        assert r.exit_code == 0 and "wrote 3 sample(s)" in r.output
        assert {s["provenance"]["model"] for s in read_samples(sm)} == {"other-model"}


def test_an_unparseable_answer_is_retried_by_a_rerun_despite_the_cache(tmp_path, inputs):
    # B3: the bad answer is not cached, so the rerun asks again and gets a good one
    out = tmp_path / "samples.jsonl"
    bad = {"left": 1}

    def responder(body):
        if "red herring" in body["messages"][-1]["content"] and bad["left"]:
            bad["left"] -= 1
            return '[{"role": "user", "content": "cut off'
        return default_responder(body)

    with FakeOpenAI(responder) as server:
        r = _synth(inputs, server, out)
        assert r.exit_code == 1 and "2 ok, 1 failed" in r.output
        r = _synth(inputs, server, out)
        assert r.exit_code == 0 and "1 ok, 0 failed" in r.output and server.n_requests == 4
    assert all(s["status"] == "ok" for s in read_samples(out))


def test_eval_command(tmp_path, inputs):
    with FakeOpenAI() as server:
        r = run(["eval", "--catalog", inputs["catalog"], "--topics", inputs["topics"], "--k", "2,3", "--draws", "2",
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
    r = run(["eval", "--catalog", inputs["catalog"], "--topics", inputs["topics"], "--k", "2,x",
             "--student-model", "s", "--judge-model", "j"])
    assert r.exit_code == 2


def test_export_command(tmp_path, inputs):
    src = tmp_path / "t.jsonl"
    run(["synth", inputs["combos"], "--corpus", inputs["corpus"], "--catalog", inputs["catalog"],
         "--backend", "template", "-o", src])
    r = run(["export", src, "--format", "openai", "-o", tmp_path / "out" / "train.jsonl"])
    assert r.exit_code == 2 and "--all" in r.output
    r = run(["export", src, "--format", "parquet", "-o", tmp_path / "out" / "train.parquet", "--all"])
    assert r.exit_code == 0, r.output
    table = pq.read_table(tmp_path / "out" / "train.parquet").to_pylist()
    assert sorted(row["id"] for row in table) == sorted(s["id"] for s in read_samples(src))
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["counts"]["per_k"] == {"2": 2, "3": 1} and "per community" in r.output
    r = run(["export", src, "--format", "sharegpt", "-o", tmp_path / "sg.jsonl", "--all", "--curriculum", "none"])
    assert r.exit_code == 0
    assert [json.loads(x)["conversations"][0]["from"] for x in (tmp_path / "sg.jsonl").read_text().splitlines()] \
        == ["human"] * 3
    r = run(["export", src, "--format", "alpaca", "-o", tmp_path / "a.jsonl", "--curriculum", tmp_path / "nope.json"])
    assert r.exit_code == 2 and "nope.json" in r.output


def test_help_explains_every_option():
    for cmd in ("synth", "grade", "eval", "export"):
        r = run([cmd, "--help"])
        assert r.exit_code == 0
        command = cli.commands[cmd]
        for param in command.params:
            if param.param_type_name == "option" and param.name != "help":
                assert param.help, f"{cmd} {param.name} has no help"


def test_export_never_overwrites_its_input(tmp_path, inputs):
    # B1: `-o` naming the samples file or the workspace exits 2 and leaves it intact
    src = tmp_path / "t.jsonl"
    run(["synth", inputs["combos"], "--corpus", inputs["corpus"], "--catalog", inputs["catalog"],
         "--backend", "template", "-o", src])
    before = src.read_bytes()
    r = run(["export", src, "--all", "--format", "openai", "-o", src])
    assert r.exit_code == 2 and "overwrite the input" in r.output and src.read_bytes() == before
    r = run(["export", src, "--all", "--format", "openai", "-o", tmp_path / "train.jsonl", "--manifest", src])
    assert r.exit_code == 2 and src.read_bytes() == before
    from steps_core.workspace import Workspace

    ws_path = tmp_path / "ws.sqlite"
    with Workspace(ws_path) as ws:
        ws.add_samples(read_samples(src))
    for out in (ws_path, tmp_path / "ws.sqlite-wal"):
        r = run(["export", "--workspace", ws_path, "--all", "--format", "openai", "-o", out])
        assert r.exit_code == 2 and "overwrite the input" in r.output
    with Workspace(ws_path, create=False) as ws:
        assert len(ws.samples()) == 3 and ws.exports() == []


def test_eval_with_another_student_refuses_the_old_records(tmp_path, inputs):
    # B2 repro: eval with model-A, then model-B into the same file used to make 0 requests and print A's table
    def ev(model, *extra):
        return run(["eval", "--catalog", inputs["catalog"], "--topics", inputs["topics"], "--k", "2", "--draws", "2",
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


def test_ctrl_c_returns_at_once_although_requests_are_in_flight(tmp_path, inputs):
    # B12: the answers take 60 s; an interrupt must not wait for them
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "samples.jsonl"
    with FakeOpenAI(slow_seconds=60) as server:
        server.inject("slow", times=99)
        cmd = [sys.executable, "-m", "steps_core.cli", "synth", str(inputs["combos"]), "--style", "agentic",
               "--model", "m", "--base-url", server.base_url, "--cache", str(tmp_path / "c.sqlite"),
               "--workers", "2", "--timeout", "120", "-o", str(out)]
        env = {**os.environ, "OPENAI_API_KEY": "sk-x"}
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        try:
            deadline = time.monotonic() + 30
            while server.n_requests < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert server.n_requests == 2                       # both workers wait for an answer
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=20)               # far less than the 60 s the server needs
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 1, err
    assert "interrupted: 0 sample(s) written" in err and "abandoned 2 request(s)" in err
    assert "Traceback" not in err


def test_grade_exits_1_when_a_sample_could_not_be_graded(tmp_path, inputs):
    """Issue 11, item 9: a grade run with failures exits 1 after its summary; the rerun that grades them exits 0."""
    sm = tmp_path / "sm.jsonl"
    graded_path = tmp_path / "graded.jsonl"
    with FakeOpenAI(mixed_judge) as server:
        assert _synth(inputs, server, sm, style="skillmix").exit_code == 0
        grade = ["grade", sm, "--rounds", "1", "--cache", tmp_path / "cache.sqlite", "-o", graded_path,
                 "--base-url", server.base_url, "--judge-model", "judge", "--max-retries", "0"]
        server.inject("500", match="Score each")
        r = run(grade)
        assert r.exit_code == 1 and "1 could not be graded" in r.output and "1 of 3 sample(s) to grade failed" in r.output
        r = run(grade)
        assert r.exit_code == 0 and "graded 1 sample(s) now, 2 before" in r.output
