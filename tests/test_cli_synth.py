"""`steps synth` driven through click against a local server: outputs, reruns that make zero requests, resume
after an interruption, prompts and estimates without sending, exit codes, and the API key never on disk."""

from __future__ import annotations

import json

import pytest

from fake_openai import FakeOpenAI, default_responder, write_inputs
from steps_core.synth import TEMPLATE_LABEL, read_samples
from synthesis_cli import SECRET, assert_every_option_has_help, invoke, synth, template_synth


@pytest.fixture
def inputs(tmp_path):
    return write_inputs(tmp_path / "in")


def test_template_backend_offline(tmp_path, inputs):
    out = tmp_path / "t.jsonl"
    r = template_synth(inputs, out)
    assert r.exit_code == 0, r.output
    samples = read_samples(out)
    assert len(samples) == 3 and all(s["status"] == "ok" for s in samples)
    assert all(s["messages"][-1]["content"].startswith(TEMPLATE_LABEL) for s in samples)
    assert "wrote 3 sample(s)" in r.output and "3 ok, 0 failed" in r.output


def test_synth_rerun_and_cache_make_zero_requests(tmp_path, inputs):
    out = tmp_path / "samples.jsonl"
    with FakeOpenAI() as server:
        r = synth(inputs, server, out, "--workers", "3", "--price-input", "1", "--price-output", "2")
        assert r.exit_code == 0, r.output
        assert server.n_requests == 3 and "3 ok, 0 failed" in r.output and "cost     $0.00" in r.output
        first = read_samples(out)
        # same output: everything is already done
        r = synth(inputs, server, out)
        assert r.exit_code == 0 and server.n_requests == 3 and "wrote 0 sample(s)" in r.output
        assert "3 already done" in r.output
        # a new output file: every answer comes from the cache
        other = tmp_path / "again.jsonl"
        r = synth(inputs, server, other)
        assert r.exit_code == 0 and server.n_requests == 3
        assert "requests 0, answered from cache 3" in r.output
    assert {s["id"]: s["messages"] for s in read_samples(other)} == {s["id"]: s["messages"] for s in first}


def test_failed_samples_are_retried_by_a_rerun(tmp_path, inputs):
    out = tmp_path / "samples.jsonl"
    with FakeOpenAI() as server:
        server.inject("500", times=4, match="red herring")
        r = synth(inputs, server, out)
        assert r.exit_code == 1 and "2 ok, 1 failed" in r.output and "1 of 3 sample(s) failed" in r.output
        assert "run the same command again" in r.output
        failed = [s for s in read_samples(out) if s["status"] == "failed"]
        assert len(failed) == 1 and "HTTP 500" in failed[0]["error"]
        r = synth(inputs, server, out)
        assert r.exit_code == 0 and "wrote 1 sample(s)" in r.output and "1 ok, 0 failed" in r.output
        assert server.n_requests == 4 + 2 + 1
    samples = read_samples(out)
    assert len(samples) == 3 and all(s["status"] == "ok" for s in samples)
    assert len(out.read_text().splitlines()) == 3          # compacted: one line per id


def test_resume_after_an_interrupted_run(tmp_path, inputs):
    out = tmp_path / "samples.jsonl"
    with FakeOpenAI() as server:
        assert synth(inputs, server, out, style="agentic").exit_code == 0
        lines = out.read_text().splitlines()
        out.write_text(lines[0] + "\n" + lines[1][:40])     # as if killed while writing the second line
        (tmp_path / "cache.sqlite").unlink()                 # and nothing cached: the missing ones are asked again
        for extra in ("-wal", "-shm"):
            (tmp_path / f"cache.sqlite{extra}").unlink(missing_ok=True)
        r = synth(inputs, server, out, style="agentic")
        assert r.exit_code == 0, r.output
        assert server.n_requests == 3 + 2 and "1 already done" in r.output
    assert len(read_samples(out)) == 3 and len(out.read_text().splitlines()) == 3


def test_dry_run_and_estimate_send_nothing(tmp_path, inputs, fake_openai):
    out = tmp_path / "never.jsonl"
    r = synth(inputs, fake_openai, out, "--dry-run", style="skillmix")
    assert r.exit_code == 0 and fake_openai.n_requests == 0 and not out.exists()
    assert r.output.count("=== sample skillmix-") == 3 and "--- round 2: user" in r.output
    assert "--- training sample: user turn ---" in r.output and "nothing sent" in r.output
    r = synth(inputs, fake_openai, out, "--dry-run", "--limit", "1")
    assert r.output.count("=== sample composite-") == 1 and "(skill: metaphor)" in r.output
    r = synth(inputs, fake_openai, out, "--estimate", "--expected-output-tokens", "100", style="skillmix")
    assert r.exit_code == 0 and fake_openai.n_requests == 0 and not out.exists()
    assert "requests         6" in r.output and "output tokens    ~600" in r.output
    assert "unknown" in r.output
    tpl = tmp_path / "mine.txt"
    tpl.write_text("=== user ===\nJust combine $skills, please.\n")
    r = synth(inputs, fake_openai, out, "--dry-run", "--template", tpl, style="agentic")
    assert "Just combine metaphor, red herring, please." in r.output


def test_bad_input_exits_2_with_a_located_message(tmp_path, inputs, fake_openai):
    r = invoke(["synth", inputs["combos"], "--corpus", inputs["corpus"], "-o", tmp_path / "x.jsonl"])
    assert r.exit_code == 2 and "--model" in r.output
    r = invoke(["synth", inputs["combos"], "--style", "skillmix", "--backend", "template", "-o", tmp_path / "x.jsonl"])
    assert r.exit_code == 2 and "--topics" in r.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"skills": ["a", "b"]}) + "\n{oops\n")
    r = invoke(["synth", bad, "--backend", "template", "--style", "agentic", "-o", tmp_path / "x.jsonl"])
    assert r.exit_code == 2 and f"{bad}:2" in r.output
    tpl = tmp_path / "t.txt"
    tpl.write_text("=== user ===\n$nope\n")
    r = invoke(["synth", inputs["combos"], "--backend", "template", "--style", "agentic", "--template", tpl,
             "-o", tmp_path / "x.jsonl"])
    assert r.exit_code == 2 and f"{tpl}:1" in r.output and "$nope" in r.output
    fake_openai.inject("401", times=99)
    r = synth(inputs, fake_openai, tmp_path / "denied.jsonl")
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
        r = synth(inputs, server, out, "--log", log, "--workers", "2", env=env)
        outputs.append(r.output)
        r = synth(inputs, server, tmp_path / "sm.jsonl", "--log", log, style="skillmix", env=env)
        outputs.append(r.output)
        r = invoke(["grade", tmp_path / "sm.jsonl", "--judge-model", "judge", "--base-url", server.base_url,
                 "--cache", tmp_path / "cache.sqlite", "--report", tmp_path / "rep.json", "--log", log], env=env)
        outputs.append(r.output)
        server.inject("401", times=9)
        r = synth(inputs, server, tmp_path / "x.jsonl", "--log", log, "--no-cache", env=env)
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
        r = synth(inputs, server, out)
        assert r.exit_code == 1 and "2 ok, 1 failed" in r.output
        r = synth(inputs, server, out)
        assert r.exit_code == 0 and "1 ok, 0 failed" in r.output and server.n_requests == 4
    assert all(s["status"] == "ok" for s in read_samples(out))


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


def test_synth_refuses_samples_made_with_another_model(tmp_path, inputs):
    sm = tmp_path / "sm.jsonl"
    with FakeOpenAI() as server:
        assert synth(inputs, server, sm, style="skillmix").exit_code == 0
        n = server.n_requests
        r = synth(inputs, server, sm, "--model", "other-model", style="skillmix")
        assert r.exit_code == 2 and "other settings" in r.output and "--overwrite" in r.output
        assert server.n_requests == n
        r = synth(inputs, server, sm, "--model", "other-model", "--overwrite", style="skillmix")
        assert r.exit_code == 0 and "wrote 3 sample(s)" in r.output
    assert {s["provenance"]["model"] for s in read_samples(sm)} == {"other-model"}
    assert len(sm.read_text().splitlines()) == 3


def test_every_synth_option_has_help():
    assert_every_option_has_help("synth")
