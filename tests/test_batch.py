"""Synthesis and grading through the Batch API (`--batch`), against the local fake server's /v1/files and
/v1/batches: the same samples and grades as online, one batch per dependent round, interruptions at every
step (a real kill between submit and download, before and after the batch is created, in the middle of the
merge) that resume without a second batch or a paid request, batch errors reported and retried, the key never
on disk, and the budget (`--max-cost`) stopping online and batch runs in time."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fake_openai import FakeOpenAI, default_responder, write_inputs
from steps_core.corpus import iter_records, read_catalog
from steps_core.llm import EndpointUnreachable
from steps_core.llm.batch import BatchAPI, BatchState
from steps_core.sample_sinks import SAMPLES, SamplesFile, WorkspaceGrades, WorkspaceSamples
from steps_core.synth import read_combinations, read_samples
from steps_core.synthesis import (BatchSettings, Endpoint, Generator, JudgeSettings, SynthSettings, grade,
                                  open_cache, plan_synthesis, synthesise)
from steps_core.workspace import Workspace
from synthesis_cli import SECRET, invoke, synth

REPO = Path(__file__).resolve().parents[1]
FAST = ["--poll-interval", "0.02"]


@pytest.fixture
def inputs(tmp_path):
    return write_inputs(tmp_path / "in")


def comparable(sample: dict) -> dict:
    """What must not differ between an online and a batch run of the same settings."""
    prov = sample["provenance"]
    return {"id": sample["id"], "status": sample["status"], "messages": sample["messages"], "error": sample["error"],
            "fingerprint": prov["fingerprint"], "usage": {k: prov["usage"][k] for k in ("prompt_tokens",
                                                                                      "completion_tokens")},
            "requests": [(r["round"], r["prompt"], r["response_text"], r["ok"], r["cached"], r["attempts"])
                         for r in prov["requests"]]}


def by_id(path: Path) -> dict[str, dict]:
    return {s["id"]: s for s in read_samples(path)}


def online_reference(inputs, server, folder: Path, style: str) -> dict[str, dict]:
    """The samples of an online run (cache of its own) against ``server``; its requests are then forgotten."""
    r = synth(inputs, server, folder / "online.jsonl", "--price-input", "1", "--price-output", "2", style=style)
    assert r.exit_code == 0, r.output
    assert server.n_requests == (6 if style == "skillmix" else 3)
    server.requests.clear()
    server._count = 0
    return by_id(folder / "online.jsonl")


def files_under(*paths: Path) -> list[Path]:
    out = []
    for p in paths:
        out += [p] if p.is_file() else [q for q in p.rglob("*") if q.is_file()]
    return out


# ----------------------------------------------------------------------------------------------------------
# The same samples as online
# ----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("style,batches", [("composite", 1), ("skillmix", 2), ("agentic", 1)])
def test_batch_synthesis_gives_the_same_samples_as_online(tmp_path, inputs, style, batches):
    out = tmp_path / "b" / "samples.jsonl"
    with FakeOpenAI() as server:
        reference = online_reference(inputs, server, tmp_path / "a", style)
        r = synth(inputs, server, out, "--batch", *FAST, "--price-input", "1", "--price-output", "2", style=style)
        assert r.exit_code == 0, r.output
        assert server.n_requests == 0                               # nothing online
        assert server.batches_created == batches                    # one batch per dependent round
        assert len(server.batch_requests) == 3 * batches
    made = by_id(out)
    assert {i: comparable(s) for i, s in made.items()} == {i: comparable(s) for i, s in reference.items()}
    assert all(s["provenance"]["batch"]["discount"] == 0.5 for s in made.values())
    assert [len(s["provenance"]["batch"]["ids"]) for s in made.values()] == [batches] * 3
    # the cost is the online cost at half price
    for i, s in made.items():
        assert s["provenance"]["usage"]["cost_usd"] == pytest.approx(reference[i]["provenance"]["usage"]["cost_usd"]
                                                                     / 2)
    assert "submitted batch_0001" in r.output and "(batch API, 50% off)" in r.output
    assert "in_progress" in r.output                                # polling shows the status


def test_a_batch_run_fills_the_cache_an_online_run_then_reads(tmp_path, inputs):
    out = tmp_path / "samples.jsonl"
    with FakeOpenAI() as server:
        assert synth(inputs, server, out, "--batch", *FAST).exit_code == 0
        r = synth(inputs, server, tmp_path / "again.jsonl")          # online, same cache
        assert r.exit_code == 0 and "requests 0, answered from cache 3" in r.output
        assert server.n_requests == 0 and server.batches_created == 1


# ----------------------------------------------------------------------------------------------------------
# Interrupted at any step
# ----------------------------------------------------------------------------------------------------------

def test_killed_between_submit_and_download_collects_the_same_batch(tmp_path, inputs):
    out = tmp_path / "run" / "samples.jsonl"
    state = Path(str(out) + ".batch") / "state.json"
    with FakeOpenAI() as server:
        reference = online_reference(inputs, server, tmp_path / "ref", "composite")
        server.hold_batches = True                                  # submitted, never finished while held
        args = ["synth", inputs["combos"], "--corpus", inputs["corpus"], "--catalog", inputs["catalog"],
                "--model", "fake-model", "--base-url", server.base_url, "--cache", out.parent / "cache.sqlite",
                "-o", out, "--batch", "--poll-interval", "0.05"]
        env = {**os.environ, "OPENAI_API_KEY": SECRET, "PYTHONPATH": str(REPO)}
        proc = subprocess.Popen([sys.executable, "-m", "steps_core.cli", *map(str, args)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 120
            while not (state.exists() and '"batch_id": "batch_0001"' in state.read_text()):
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline, "the batch was never recorded"
                time.sleep(0.05)
            time.sleep(0.3)                                         # it is polling now
            assert proc.poll() is None
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        assert server.batches_created == 1 and server.batch_requests == []
        assert not out.exists() or read_samples(out) == []          # nothing merged yet
        assert SECRET not in state.read_text()
        server.hold_batches = False                                 # the batch finishes on the server
        r = invoke([*args[:-2], "--poll-interval", "0.02"], env={"OPENAI_API_KEY": SECRET})
        assert r.exit_code == 0, r.output
        assert "collecting 1 batch(es) submitted earlier: batch_0001" in r.output
        assert server.batches_created == 1 and server.n_requests == 0 and len(server.batch_requests) == 3
        # run again: nothing to do, nothing paid
        r = invoke([*args[:-2], "--poll-interval", "0.02"], env={"OPENAI_API_KEY": SECRET})
        assert r.exit_code == 0 and "3 already done" in r.output and "batches: none needed" in r.output
        assert server.batches_created == 1 and server.n_requests == 0 and len(server.batch_requests) == 3
    made = by_id(out)
    assert {i: comparable(s) for i, s in made.items()} == {i: comparable(s) for i, s in reference.items()}
    for path in files_under(out.parent):
        assert SECRET.encode() not in path.read_bytes(), path


def test_ctrl_c_while_polling_says_where_the_batch_is(tmp_path, inputs):
    out = tmp_path / "samples.jsonl"
    with FakeOpenAI() as server:
        server.hold_batches = True
        args = ["synth", inputs["combos"], "--corpus", inputs["corpus"], "--catalog", inputs["catalog"], "--model",
                "m", "--base-url", server.base_url, "--cache", tmp_path / "c.sqlite", "-o", out, "--batch",
                "--poll-interval", "0.05"]
        proc = subprocess.Popen([sys.executable, "-m", "steps_core.cli", *map(str, args)],
                                env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        state = tmp_path / "samples.jsonl.batch" / "state.json"
        deadline = time.monotonic() + 120
        while not (state.exists() and "batch_0001" in state.read_text()):
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 1, output
    assert "interrupted: 0 sample(s) written" in output and "Traceback" not in output
    assert (f"batch(es) batch_0001 keep running on the server (recorded in {state}): run the same command again to "
            "collect them, nothing is submitted twice.") in " ".join(output.split())


def test_a_workspace_batch_run_keeps_its_state_beside_the_workspace(tmp_path, inputs):
    with FakeOpenAI() as server, Workspace(tmp_path / "w.sqlite") as ws:
        jobs = plan_synthesis(read_combinations(inputs["combos"]), SynthSettings(style="agentic"),
                              catalog=read_catalog(inputs["catalog"]))
        endpoint = Endpoint(base_url=server.base_url, api_key="sk-test-key-123456", max_retries=1, backoff=0.01)
        cache = open_cache(tmp_path / "cache.sqlite")
        backend = Generator(model="fake-model").make(endpoint, cache)
        run = synthesise(jobs, backend, WorkspaceSamples(ws), batch=BatchSettings(poll_interval=0.02))
        assert len(list(run.results())) == 3 and len(ws.samples()) == 3
        judge = JudgeSettings("judge", rounds=2).make(endpoint.client(cache))
        run = grade(ws.samples(), judge, WorkspaceGrades(ws), batch=BatchSettings(poll_interval=0.02))
        assert len(list(run.results())) == 3
        assert server.batches_created == 2 and server.n_requests == 0 and len(server.batch_requests) == 3 + 6
    assert (tmp_path / "w.sqlite.batch" / "samples" / "state.json").exists()
    assert (tmp_path / "w.sqlite.batch" / "grades" / "state.json").exists()


def core_run(inputs, server, tmp_path, *, out="s.jsonl", key="sk-test-key-123456", cache=True):
    """A batch synthesis run of the test combinations, not yet iterated."""
    jobs = plan_synthesis(read_combinations(inputs["combos"]), SynthSettings(),
                          catalog=read_catalog(inputs["catalog"]), records=iter_records(inputs["corpus"]))
    endpoint = Endpoint(base_url=server.base_url, api_key=key, max_retries=1, backoff=0.01, timeout=10)
    backend = Generator(model="fake-model").make(endpoint, open_cache(tmp_path / "cache.sqlite", enabled=cache))
    sink = SamplesFile(tmp_path / out, SAMPLES)
    return synthesise(jobs, backend, sink, batch=BatchSettings(poll_interval=0.02)), sink


class Killed(BaseException):
    """Stands for the process dying at that point."""


def test_killed_after_upload_before_the_batch_exists_submits_once(tmp_path, inputs, monkeypatch):
    with FakeOpenAI() as server:
        real_create = BatchAPI.create
        monkeypatch.setattr(BatchAPI, "create", lambda self, *a, **k: (_ for _ in ()).throw(Killed()))
        run, sink = core_run(inputs, server, tmp_path)
        with pytest.raises(Killed):
            list(run.results())
        sink.close()
        (entry,) = BatchState(tmp_path / "s.jsonl.batch").entries
        assert entry.status == "uploaded" and entry.input_file_id and entry.batch_id is None
        monkeypatch.setattr(BatchAPI, "create", real_create)
        run, sink = core_run(inputs, server, tmp_path)
        assert len(list(run.results())) == 3
        assert server.batches_created == 1 and server.n_requests == 0
        assert [e.status for e in BatchState(tmp_path / "s.jsonl.batch").entries] == ["abandoned", "completed"]


def test_killed_after_the_batch_was_created_adopts_it(tmp_path, inputs, monkeypatch):
    with FakeOpenAI() as server:
        real_create = BatchAPI.create

        def create_then_die(self, *args, **kwargs):
            real_create(self, *args, **kwargs)                      # made on the server, its id never recorded
            raise Killed()

        monkeypatch.setattr(BatchAPI, "create", create_then_die)
        run, sink = core_run(inputs, server, tmp_path)
        with pytest.raises(Killed):
            list(run.results())
        sink.close()
        assert server.batches_created == 1
        assert BatchState(tmp_path / "s.jsonl.batch").entries[0].batch_id is None
        monkeypatch.setattr(BatchAPI, "create", real_create)
        run, sink = core_run(inputs, server, tmp_path)
        notes = []
        run.batch.on_note = notes.append
        assert len(list(run.results())) == 3
        assert server.batches_created == 1 and server.n_requests == 0 and len(server.batch_requests) == 3
        assert any("found on the server" in n for n in notes)


def test_a_failed_lookup_while_recovering_stops_rather_than_submitting_again(tmp_path, inputs, monkeypatch):
    with FakeOpenAI() as server:
        real_create = BatchAPI.create
        monkeypatch.setattr(BatchAPI, "create", lambda self, *a, **k: (_ for _ in ()).throw(Killed()))
        run, sink = core_run(inputs, server, tmp_path)
        with pytest.raises(Killed):
            list(run.results())
        sink.close()
        monkeypatch.setattr(BatchAPI, "create", real_create)
        server.fail_lists = 2                                       # the server cannot say whether it made one
        run, sink = core_run(inputs, server, tmp_path)
        with pytest.raises(EndpointUnreachable, match="listing the batches"):
            list(run.results())
        sink.close()
        assert server.batches_created == 0
        assert [e.status for e in BatchState(tmp_path / "s.jsonl.batch").entries] == ["uploaded"]
        run, sink = core_run(inputs, server, tmp_path)              # it can now: none was made
        assert len(list(run.results())) == 3 and server.batches_created == 1


def test_a_lost_answer_to_create_does_not_make_a_second_batch(tmp_path, inputs):
    with FakeOpenAI() as server:
        server.drop_creates = 1                                     # made, but the connection closes
        run, sink = core_run(inputs, server, tmp_path)
        assert len(list(run.results())) == 3
        assert server.batches_created == 1 and len(server.batch_requests) == 3


def test_killed_in_the_middle_of_the_merge_resumes_from_the_kept_answers(tmp_path, inputs):
    with FakeOpenAI() as server:
        run, sink = core_run(inputs, server, tmp_path)
        first = next(run.results())                                 # dies after writing one sample
        sink.close()
        assert len(read_samples(tmp_path / "s.jsonl")) == 1
        run, sink = core_run(inputs, server, tmp_path)
        assert len(run.todo) == 2 and run.skipped == {first["id"]}
        rest = list(run.results())
        sink.finish()
        assert server.batches_created == 1 and server.n_requests == 0 and len(server.batch_requests) == 3
    assert len(rest) == 2 and all(s["status"] == "ok" and not s["provenance"]["usage"]["cached"] for s in rest)
    assert len(read_samples(tmp_path / "s.jsonl")) == 3


def test_without_cache_the_kept_answers_still_answer_a_rerun(tmp_path, inputs):
    with FakeOpenAI() as server:
        run, sink = core_run(inputs, server, tmp_path, cache=False)
        next(run.results())                                         # dies after writing one sample
        sink.close()
        run, sink = core_run(inputs, server, tmp_path, cache=False)
        assert len(list(run.results())) == 2
        assert server.batches_created == 1 and server.n_requests == 0 and len(server.batch_requests) == 3
    assert not (tmp_path / "cache.sqlite").exists()


def test_no_wait_submits_and_a_rerun_collects(tmp_path, inputs):
    out = tmp_path / "samples.jsonl"
    with FakeOpenAI(batch_polls=3) as server:
        r = synth(inputs, server, out, "--batch", *FAST, "--no-wait")
        assert r.exit_code == 0, r.output
        assert "waiting: batch(es) batch_0001 still running on the server for 3 sample(s)" in r.output
        assert not out.exists() or read_samples(out) == []
        for _ in range(10):                                         # look until it is done
            r = synth(inputs, server, out, "--batch", *FAST, "--no-wait")
            if "wrote 3 sample(s)" in r.output:
                break
        assert r.exit_code == 0 and "collected batch_0001" in r.output
        assert server.batches_created == 1 and server.n_requests == 0


# ----------------------------------------------------------------------------------------------------------
# Errors
# ----------------------------------------------------------------------------------------------------------

def test_failed_requests_are_reported_and_retried_online_or_in_a_new_batch(tmp_path, inputs):
    out = tmp_path / "samples.jsonl"
    with FakeOpenAI() as server:
        server.inject("500", match="red herring")
        server.inject("expired", match="statistics")
        r = synth(inputs, server, out, "--batch", *FAST)
        assert r.exit_code == 1 and "1 ok, 2 failed" in r.output and "2 request(s) failed in a batch" in r.output
        assert "batch batch_0001: completed, 1 answer(s), 2 failed" in r.output
        errors = sorted(s["error"] for s in read_samples(out) if s["status"] == "failed")
        assert errors[0].startswith("batch batch_0001: HTTP 500: internal error")
        assert errors[1].startswith("batch batch_0001: batch_expired: This request could not be executed")
        # retried in a new batch: only the failed requests
        r = synth(inputs, server, out, "--batch", *FAST, "--limit", "2")
        assert r.exit_code == 0 and "submitted batch_0002" in r.output and len(server.batch_requests) == 4
        # and online
        r = synth(inputs, server, out)
        assert r.exit_code == 0 and "wrote 1 sample(s)" in r.output and server.n_requests == 1
    assert all(s["status"] == "ok" for s in read_samples(out))


def test_a_batch_that_fails_validation_is_reported(tmp_path, inputs):
    out = tmp_path / "samples.jsonl"
    with FakeOpenAI() as server:
        server.fail_batches = 1
        r = synth(inputs, server, out, "--batch", *FAST)
        assert r.exit_code == 1 and "0 ok, 3 failed" in r.output
        assert "batch batch_0001: failed, 0 answer(s), 3 failed" in r.output
        assert all("line 1: invalid_request: the fake server refused this batch" in s["error"]
                   for s in read_samples(out))
        r = synth(inputs, server, out, "--batch", *FAST)             # a rerun submits them again
        assert r.exit_code == 0 and server.batches_created == 2


def test_unusable_answers_fail_their_sample_and_leave_the_cache(tmp_path, inputs):
    out = tmp_path / "samples.jsonl"
    with FakeOpenAI() as server:
        server.inject("nan", match="red herring")
        server.inject("empty", match="statistics")
        r = synth(inputs, server, out, "--batch", *FAST)
        assert r.exit_code == 1 and "1 ok, 2 failed" in r.output
        failed = sorted(s["error"] for s in read_samples(out) if s["status"] == "failed")
        assert "response has no choices" in failed[0] and "not valid text" in failed[1]
        r = synth(inputs, server, tmp_path / "online.jsonl")          # the cache holds only the good answer
        assert "answered from cache 1" in r.output and server.n_requests == 2


def test_an_endpoint_without_the_batch_api_says_so(tmp_path, inputs):
    with FakeOpenAI(batch_api=False) as server:
        r = synth(inputs, server, tmp_path / "s.jsonl", "--batch", *FAST)
    assert r.exit_code == 2
    assert "does not seem to offer the Batch API (/v1/files and /v1/batches); run without --batch" in r.output


def test_the_key_is_never_written_even_when_an_answer_echoes_it(tmp_path, inputs):
    out = tmp_path / "samples.jsonl"
    with FakeOpenAI() as server:
        server.inject("echo_key", match="red herring")
        r = synth(inputs, server, out, "--batch", *FAST, "--log", tmp_path / "run.log", env={"OPENAI_API_KEY": SECRET})
        assert r.exit_code == 0, r.output
        assert server.batch_authorizations == {"batch_0001": f"Bearer {SECRET}"}   # the key was sent...
        assert all(SECRET.encode() not in upload for upload in server.uploads)
    assert SECRET not in r.output                                   # ...and never written or shown
    assert "[redacted]" in out.read_text()
    written = files_under(tmp_path)
    assert any(p.name == "state.json" for p in written) and any(p.name.endswith(".results.jsonl") for p in written)
    for path in written:
        assert SECRET.encode() not in path.read_bytes(), path


def test_batch_options_are_checked(tmp_path, inputs):
    r = invoke(["synth", inputs["combos"], "--corpus", inputs["corpus"], "--backend", "template", "--batch",
                "-o", tmp_path / "s.jsonl"])
    assert r.exit_code == 2 and "--batch needs the openai backend" in r.output
    r = invoke(["synth", inputs["combos"], "--corpus", inputs["corpus"], "--model", "m", "--no-wait",
                "-o", tmp_path / "s.jsonl"])
    assert r.exit_code == 2 and "--no-wait only applies with --batch" in r.output
    state = tmp_path / "s.jsonl.batch" / "state.json"
    state.parent.mkdir()
    state.write_text('{"something": "else"}')
    with FakeOpenAI() as server:
        r = synth(inputs, server, tmp_path / "s.jsonl", "--batch", *FAST)
    assert r.exit_code == 2 and "not a batch state file" in r.output
    assert state.read_text() == '{"something": "else"}'             # never replaced


def test_the_estimate_shows_the_batch_discount(tmp_path, inputs):
    args = ["synth", inputs["combos"], "--corpus", inputs["corpus"], "--catalog", inputs["catalog"], "--model", "m",
            "--price-input", "0.15", "--price-output", "0.60", "--estimate"]
    online = invoke(args).output
    batch = invoke([*args, "--batch"]).output
    cost = float(online.split("cost")[1].split("$")[1].split()[0])
    assert f"cost             ${cost / 2:.4f} (batch API, 50% off ${cost:.4f} online)" in batch
    other = invoke([*args, "--batch", "--batch-discount", "0.25"]).output
    assert f"(batch API, 25% off ${cost:.4f} online)" in other


# ----------------------------------------------------------------------------------------------------------
# Grading through a batch
# ----------------------------------------------------------------------------------------------------------

def grade_args(samples: Path, server, out: Path, *extra) -> list:
    return ["grade", samples, "--judge-model", "judge", "--base-url", server.base_url, "--rounds", "3",
            "--cache", out.parent / "grade-cache.sqlite", "-o", out, "--backoff", "0.01", *extra]


def test_batch_grading_gives_the_same_grades_in_one_batch_for_every_round(tmp_path, inputs):
    samples = tmp_path / "sm.jsonl"
    with FakeOpenAI() as server:
        assert synth(inputs, server, samples, style="skillmix").exit_code == 0
    with FakeOpenAI() as server:
        r = invoke(grade_args(samples, server, tmp_path / "a" / "online.jsonl"))
        assert r.exit_code == 0 and server.n_requests == 9, r.output
        r = invoke(grade_args(samples, server, tmp_path / "b" / "batch.jsonl", "--batch", *FAST))
        assert r.exit_code == 0, r.output
        assert server.batches_created == 1 and len(server.batch_requests) == 3 * 3 and server.n_requests == 9
        assert "batches: submitted batch_0001; collected batch_0001; 0 request(s) failed" in r.output
        r = invoke(grade_args(samples, server, tmp_path / "b" / "batch.jsonl", "--batch", *FAST))
        assert r.exit_code == 0 and "graded 0 sample(s) now, 3 before" in r.output
        assert server.batches_created == 1
    online = by_id(tmp_path / "a" / "online.jsonl")
    batch = by_id(tmp_path / "b" / "batch.jsonl")
    for i, s in batch.items():
        g, h = s["grade"], online[i]["grade"]
        assert (g["points"], g["votes"], g["fingerprint"], g["score"]) == (h["points"], h["votes"], h["fingerprint"],
                                                                          h["score"])
        assert g["batch"] == {"ids": ["batch_0001"], "discount": 0.5}


# ----------------------------------------------------------------------------------------------------------
# The budget
# ----------------------------------------------------------------------------------------------------------

def composite_answer_tokens() -> int:
    """The completion tokens the fake server reports for any composite answer (its length is fixed)."""
    text = default_responder({"messages": [{"role": "user", "content": "Return only a JSON list"}], "seed": 0})
    return len(text) // 4 + 1


def budget_args(n: int, tokens: int) -> list:
    """Options under which each request is estimated, and costs, exactly $0.001 x tokens / tokens = tokens/1000;
    the budget admits ``n`` requests and half of one more."""
    return ["--samples-per-combo", "3", "--max-tokens", str(tokens), "--price-input", "0", "--price-output", "1000",
            "--max-cost", f"{(n + 0.5) * tokens / 1000:.6f}"]


@pytest.mark.parametrize("workers", [1, 4])
def test_max_cost_stops_online_work_in_time(tmp_path, inputs, workers):
    tokens = composite_answer_tokens()
    out = tmp_path / "samples.jsonl"
    with FakeOpenAI(latency=0.05) as server:
        r = synth(inputs, server, out, "--workers", workers, *budget_args(4, tokens))
        assert server.n_requests == 4, r.output                    # not 4 + workers
    assert r.exit_code == 1
    assert len(read_samples(out)) == 4
    assert (f"budget: stopped at --max-cost ${4.5 * tokens / 1000:.4f}: 4 of 9 sample(s) done, "
            f"${4 * tokens / 1000:.4f} spent, 5 remaining") in r.output


def test_max_cost_continues_from_where_it_stopped(tmp_path, inputs):
    tokens = composite_answer_tokens()
    out = tmp_path / "samples.jsonl"
    with FakeOpenAI() as server:
        assert synth(inputs, server, out, "--workers", "3", *budget_args(2, tokens)).exit_code == 1
        r = synth(inputs, server, out, "--workers", "3", *budget_args(20, tokens))
        assert r.exit_code == 0, r.output
        assert server.n_requests == 9 and "2 already done" in r.output


def test_max_cost_limits_what_a_batch_submits(tmp_path, inputs):
    tokens = composite_answer_tokens()
    out = tmp_path / "samples.jsonl"
    with FakeOpenAI() as server:
        # at half price, a budget of 2.5 online requests admits 5 batch requests
        r = synth(inputs, server, out, "--batch", *FAST, *budget_args(2, tokens))
        assert r.exit_code == 1
        assert len(server.batch_requests) == 5 and server.batches_created == 1 and server.n_requests == 0
    assert len(read_samples(out)) == 5
    assert "5 of 9 sample(s) done" in r.output and "4 remaining" in r.output


def test_max_cost_needs_prices(tmp_path, inputs):
    with FakeOpenAI() as server:
        r = synth(inputs, server, tmp_path / "s.jsonl", "--max-cost", "1")
        assert r.exit_code == 2 and "--max-cost needs the model's price" in r.output and server.n_requests == 0


def fixed_judge(body: dict) -> str:
    """Judge answers of one length (60 characters: 16 tokens) whatever the number of points."""
    prompt = body["messages"][-1]["content"]
    n = int(prompt.split("Score each of the following ")[1].split()[0])
    return ("All points are shown.\n" + json.dumps({"scores": [1] * n})).ljust(60)


def test_max_cost_stops_grading_in_time_and_a_rerun_pays_nothing_twice(tmp_path, inputs):
    samples = tmp_path / "sm.jsonl"
    with FakeOpenAI() as server:
        assert synth(inputs, server, samples, style="skillmix").exit_code == 0
    money = ["--price-input", "0", "--price-output", "1000", "--judge-max-tokens", "16", "--workers", "4"]
    with FakeOpenAI(responder=fixed_judge, latency=0.05) as server:
        # each judge request costs $0.016, a sample's 3 rounds $0.048: $0.11 admits 2 of the 3 samples
        r = invoke(grade_args(samples, server, tmp_path / "g.jsonl", *money, "--max-cost", "0.11"))
        assert server.n_requests == 6, r.output                    # whole samples: no round cut off
        assert r.exit_code == 1 and "budget: stopped at --max-cost $0.1100: 2 of 3 sample(s) to grade done, " \
                                    "$0.0960 spent, 1 remaining" in r.output
        r = invoke(grade_args(samples, server, tmp_path / "g.jsonl", *money, "--max-cost", "1"))
        assert r.exit_code == 0 and "graded 1 sample(s) now, 2 before" in r.output
        assert server.n_requests == 9
    assert all(s["grade"]["status"] == "ok" for s in read_samples(tmp_path / "g.jsonl"))


def test_max_cost_never_cuts_a_two_round_sample_in_a_batch(tmp_path, inputs):
    out = tmp_path / "sm.jsonl"
    with FakeOpenAI() as server:
        # a skillmix sample: 2 requests of at most 60 answer tokens at $1000 per 1M (input free), $0.03 each at
        # half price, $0.06 a sample: $0.15 admits 2 samples, whose 4 requests go into 2 batches (one per round)
        r = synth(inputs, server, out, "--batch", *FAST, "--max-tokens", "60", "--price-input", "0",
                  "--price-output", "1000", "--max-cost", "0.15", style="skillmix")
        assert r.exit_code == 1, r.output
        assert server.batches_created == 2 and len(server.batch_requests) == 4 and server.n_requests == 0
    assert [s["status"] for s in read_samples(out)] == ["ok", "ok"]
    assert "2 of 3 sample(s) done" in r.output and "1 remaining" in r.output


def test_answers_in_the_cache_are_free_under_any_budget(tmp_path, inputs):
    out = tmp_path / "samples.jsonl"
    with FakeOpenAI() as server:
        assert synth(inputs, server, out, style="agentic").exit_code == 0
        r = synth(inputs, server, tmp_path / "copy.jsonl", "--price-input", "1", "--price-output", "1",
                  "--max-cost", "0", style="agentic")
        assert r.exit_code == 0 and "wrote 3 sample(s)" in r.output and server.n_requests == 3
