"""The application layer of the synthesis half (steps_core.synthesis, steps_core.sample_sinks): the same run into
a samples file or a workspace, resuming from either, grades into a workspace, what a run kept when it stopped,
typed settings that refuse bad values, and exports recorded in the workspace."""

from __future__ import annotations

import pytest

from fake_openai import FakeOpenAI, write_inputs
from steps_core.corpus import iter_records, read_catalog
from steps_core.errors import InputError
from steps_core.llm import EndpointError
from steps_core.sample_sinks import GRADED, SAMPLES, SamplesFile, StaleResults, WorkspaceGrades, WorkspaceSamples
from steps_core.synth import TemplateBackend, read_combinations, read_samples
from steps_core.synthesis import (Endpoint, ExportSettings, Generator, JudgeSettings, SynthSettings,
                                  approved_combinations, export_workspace, grade, plan_synthesis, synthesise)
from steps_core.workspace import Workspace


@pytest.fixture
def inputs(tmp_path):
    return write_inputs(tmp_path / "in")


def composite_jobs(inputs, **settings):
    return plan_synthesis(read_combinations(inputs["combos"]), SynthSettings(**settings),
                          catalog=read_catalog(inputs["catalog"]), records=iter_records(inputs["corpus"]))


def fast(server) -> Endpoint:
    return Endpoint(base_url=server.base_url, api_key="sk-test", max_retries=0, backoff=0.01, timeout=5)


def without_times(sample: dict) -> dict:
    prov = {k: v for k, v in sample["provenance"].items() if k not in ("started_at", "finished_at")}
    return {k: v for k, v in sample.items() if k not in ("provenance", "tree_version")} | {"provenance": prov}


def test_one_run_into_a_samples_file_or_a_workspace_gives_the_same_samples(tmp_path, inputs):
    jobs = composite_jobs(inputs)
    with SamplesFile(tmp_path / "s.jsonl") as sink:
        run = synthesise(jobs, TemplateBackend(), sink)
        assert (len(run.todo), run.skipped) == (3, set())
        list(run.results(workers=2))
        in_file = sink.finish()
    with Workspace(tmp_path / "w.sqlite") as ws:
        run = synthesise(jobs, TemplateBackend(), WorkspaceSamples(ws, tree_version="v1"))
        list(run.results(workers=2))
        in_ws = ws.samples()
    assert sorted(map(without_times, in_file), key=lambda s: s["id"]) == \
        sorted(({k: v for k, v in without_times(s).items() if k in in_file[0]} for s in in_ws), key=lambda s: s["id"])
    assert {s["tree_version"] for s in in_ws} == {"v1"}


def test_a_workspace_resumes_whatever_the_settings_unless_made_again(tmp_path, inputs):
    jobs = composite_jobs(inputs)
    with Workspace(tmp_path / "w.sqlite") as ws, FakeOpenAI() as server:
        sink = WorkspaceSamples(ws)
        list(synthesise(jobs, TemplateBackend(), sink).results(workers=1))
        ws.set_decision(jobs[0].id, True)
        other = Generator(model="fake-model").make(fast(server), None)      # other settings: still done
        again = synthesise(jobs, other, sink)
        assert again.todo == [] and again.skipped == {j.id for j in jobs}
        redo = synthesise(jobs, other, sink, overwrite=True)
        assert len(redo.todo) == 3 and list(redo.results(workers=1)) and server.n_requests == 3
        samples = {s["id"]: s for s in ws.samples()}
    assert {s["provenance"]["backend"] for s in samples.values()} == {"openai"}
    assert samples[jobs[0].id]["accepted"] is None              # its conversation changed: the decision went


def test_a_samples_file_refuses_results_made_with_other_settings(tmp_path, inputs):
    jobs = composite_jobs(inputs)
    out = tmp_path / "s.jsonl"
    with SamplesFile(out, SAMPLES, stale_hint="pick another file") as sink:
        list(synthesise(jobs, TemplateBackend(), sink).results(workers=1))
        sink.finish()
    with FakeOpenAI() as server, SamplesFile(out, SAMPLES, stale_hint="pick another file") as sink:
        other = Generator(model="fake-model").make(fast(server), None)
        with pytest.raises(StaleResults) as err:
            synthesise(jobs, other, sink)
        assert err.value.path == str(out) and len(err.value.ids) == 3 and "pick another file" in str(err.value)
        assert server.n_requests == 0
        assert synthesise(jobs, TemplateBackend(), sink).todo == []           # same settings: all done
        run = synthesise(jobs, other, sink, overwrite=True)
        list(run.results(workers=1))
        assert {s["provenance"]["backend"] for s in sink.finish()} == {"openai"}
    assert len(out.read_text().splitlines()) == 3


def test_a_run_stopped_by_a_refusing_endpoint_says_what_it_kept(tmp_path, inputs):
    jobs = composite_jobs(inputs)
    with FakeOpenAI() as server, SamplesFile(tmp_path / "s.jsonl") as sink:
        server.inject("401", times=9, match="modus ponens")                # the second combination
        run = synthesise(jobs, Generator(model="fake-model").make(fast(server), None), sink)
        with pytest.raises(EndpointError):
            list(run.results(workers=1))
        assert [s["skills"] for s in run.written] == [jobs[0].skill_names] and run.failed == 0
        assert run.stop() == 0 and run.clients[0].stopped
    assert [s["id"] for s in read_samples(tmp_path / "s.jsonl")] == [jobs[0].id]


def test_grades_go_to_the_workspace_a_round_each(tmp_path, inputs):
    jobs = composite_jobs(inputs)
    with Workspace(tmp_path / "w.sqlite") as ws, FakeOpenAI() as server:
        list(synthesise(jobs, TemplateBackend(), WorkspaceSamples(ws)).results(workers=1))
        judge = JudgeSettings("judge", rounds=1).make(fast(server).client(None))
        for _ in range(2):
            run = grade(ws.samples(), judge, WorkspaceGrades(ws))
            assert len(run.todo) == 3 and list(run.results(workers=2))
        rounds = ws.grades(jobs[0].id)
    assert [r["round"] for r in rounds] == [1, 2]
    g, k = rounds[-1]["grade"], len(jobs[0].skills)
    # the fake judge gives every point, but template samples name their skills: those points are 0
    assert g["status"] == "ok" and g["named_verbatim"] == jobs[0].skill_names
    assert (g["score"], g["max_score"]) == (3, k + 3)
    assert g["judge"]["model"] == "judge" and g["votes"] == [[1] * (k + 2)]
    assert "prompt" not in g and "requests" not in g


def test_graded_samples_files_resume_by_judge(tmp_path, inputs):
    jobs = composite_jobs(inputs)
    with SamplesFile(tmp_path / "s.jsonl") as sink:
        list(synthesise(jobs, TemplateBackend(), sink).results(workers=1))
        samples = sink.finish()
    out = tmp_path / "graded.jsonl"
    with FakeOpenAI() as server:
        judge = JudgeSettings("judge", rounds=1).make(fast(server).client(None))
        with SamplesFile(out, GRADED) as sink:
            list(grade(samples, judge, sink).results(workers=1))
            sink.finish()
        with SamplesFile(out, GRADED) as sink:
            assert grade(samples, judge, sink).skipped == {s["id"] for s in samples}
            with pytest.raises(StaleResults):
                grade(samples, JudgeSettings("judge", rounds=3).make(fast(server).client(None)), sink)


def test_settings_refuse_bad_values_by_name():
    for make, field in ((lambda: SynthSettings(style="poem"), "style"),
                        (lambda: SynthSettings(samples_per_combo=0), "samples_per_combo"),
                        (lambda: SynthSettings(limit=0), "limit"),
                        (lambda: Generator(backend="local"), "backend"),
                        (lambda: ExportSettings("csv"), "format")):
        with pytest.raises(InputError) as err:
            make()
        assert err.value.field == field
    with pytest.raises(InputError, match="model"):
        Generator(model="").make(Endpoint(), None)
    assert isinstance(Generator(backend="template").make(Endpoint(), None), TemplateBackend)


def test_plan_keeps_the_limit_and_the_workspace_gives_the_approved_combinations(tmp_path, inputs):
    assert len(composite_jobs(inputs, samples_per_combo=2)) == 6
    assert [j.index for j in composite_jobs(inputs, samples_per_combo=2, limit=3)] == [0, 1, 0]
    with Workspace(tmp_path / "w.sqlite") as ws:
        ws.approve_combo(["b", "a"], {"skills": ["a", "b"], "gain": 0.4, "lca": "1"})
        ws.approve_combo(["c", "d"])
        assert approved_combinations(ws) == [{"skills": ["a", "b"], "gain": 0.4, "lca": "1"}, {"skills": ["c", "d"]}]


def test_export_workspace_records_the_export_unless_read_only(tmp_path, inputs):
    jobs = composite_jobs(inputs)
    path = tmp_path / "w.sqlite"
    with Workspace(path) as ws:
        list(synthesise(jobs, TemplateBackend(), WorkspaceSamples(ws, "v1")).results(workers=1))
        ws.set_decision(jobs[0].id, True)
        settings = ExportSettings("openai", curriculum=None)
        assert settings.counts(ws.samples())["total"] == len(settings.chosen(ws.samples())) == 1
        result, recorded = export_workspace(ws, tmp_path / "out" / "train.jsonl", settings, tree_version="v1")
        assert recorded and result.rows == 1
        (rec,) = ws.exports()
        assert rec["path"] == str((tmp_path / "out" / "train.jsonl").resolve()) and rec["tree_version"] == "v1"
    with Workspace(path, read_only=True) as ws:
        result, recorded = export_workspace(ws, tmp_path / "ro" / "train.jsonl",
                                            ExportSettings("alpaca", curriculum=None), tree_version=None)
        assert not recorded and result.rows == 1 and len(ws.exports()) == 1
