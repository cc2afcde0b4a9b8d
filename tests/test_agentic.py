"""Agentic data as the STEPS reference makes it: one seed fragment per skill in the prompt (distinct corpus
records, else catalogue examples), and a yes/no filter asked of a model (here a local fake one, through the
real `openai` client) that drops the combinations it rejects, once per combination, cached, and recorded."""

from __future__ import annotations

import json

from fake_openai import CORPUS, FakeOpenAI, default_responder, write_inputs
from steps_core.corpus import Skill, iter_records, read_catalog
from steps_core.llm import LLMClient, ResponseCache, RetryPolicy
from steps_core.synth import TemplateBackend, filter_agentic, plan_jobs, run_job, says_yes
from synthesis_cli import invoke

FILTER_MARK = "autonomous agent workflow"


def filtering_responder(body):
    """The fake model: NO to any combination holding sql, YES otherwise; the usual answers to the rest."""
    last = body["messages"][-1]["content"]
    if FILTER_MARK in last:
        assert body["temperature"] == 0.0 and body["max_tokens"] == 10
        return "NO." if "sql" in last else "Yes"
    return default_responder(body)


COMBOS = [{"skills": ["metaphor", "red herring"]}, {"skills": ["statistics", "sql"]},
          {"skills": ["red herring", "metaphor"]}, {"skills": ["irony", "modus ponens", "metaphor"]}]


def _client(server, cache=None):
    return LLMClient(base_url=server.base_url, api_key="k", cache=cache,
                     retry=RetryPolicy(max_attempts=1, base_delay=0.01))


def test_the_filter_drops_what_the_model_rejects(tmp_path):
    jobs = plan_jobs(COMBOS, style="agentic", samples_per_combo=2)
    assert len(jobs) == 8
    cache = ResponseCache(tmp_path / "c.sqlite")
    try:
        with FakeOpenAI(filtering_responder) as server:
            result = filter_agentic(jobs, _client(server, cache), "auditor", workers=2)
            asked = [b for b in server.requests if FILTER_MARK in b["messages"][-1]["content"]]
            again = filter_agentic(jobs, _client(server, cache), "auditor")
            n_after = server.n_requests
    finally:
        cache.close()
    # 3 distinct combinations (as sets): one question each, whatever the order of skills or samples per combo
    assert len(asked) == 3 and result.requests == 3 and again.requests == 0 and n_after == 3
    assert [j.id for j in result.kept] == [j.id for j in jobs if "sql" not in j.skill_names]
    assert result.rejected == [(("sql", "statistics"), "NO.")] and result.failed == []
    for job in result.kept:
        assert job.combination["agentic_filter"] == {"model": "auditor", "verdict": "yes", "answer": "Yes"}
        assert job.problem is None
    assert [j.id for j in again.kept] == [j.id for j in result.kept]
    sample = run_job(result.kept[0], TemplateBackend())
    assert sample["provenance"]["combination"]["agentic_filter"]["verdict"] == "yes"


def test_an_unanswered_question_fails_those_samples_instead_of_keeping_them():
    jobs = plan_jobs(COMBOS[:2], style="agentic")
    with FakeOpenAI(filtering_responder) as server:
        server.inject("400", times=1, match="statistics")
        result = filter_agentic(jobs, _client(server), "auditor", workers=1)
    assert len(result.failed) == 1 and result.failed[0][0] == ("sql", "statistics")
    failing = [j for j in result.kept if j.problem]
    assert [j.skill_names for j in failing] == [["statistics", "sql"]]
    sample = run_job(failing[0], TemplateBackend())
    assert sample["status"] == "failed" and "agentic filter" in sample["error"]


def test_says_yes():
    assert [says_yes(a) for a in ("YES", " yes\n", "Yes, clearly.", "NO", "Nope", "", "YESTERDAY")] == \
        [True, True, True, False, False, False, False]


def test_agentic_prompts_show_one_seed_fragment_per_skill(tmp_path):
    inputs = write_inputs(tmp_path / "in")
    catalog = read_catalog(inputs["catalog"])
    combos = [{"skills": ["metaphor", "irony", "red herring"]}, {"skills": ["sql", "statistics"]}]
    jobs = plan_jobs(combos, style="agentic", catalog=catalog, records=iter_records(inputs["corpus"]))
    texts = {r["id"]: r["messages"][-1]["content"] if "messages" in r else r["text"] for r in CORPUS}
    for job in jobs:
        prompt = job.prompt[-1]["content"]
        assert len(job.seeds) == job.k and len({s.record_id for s in job.seeds}) == job.k     # distinct records
        for seed in job.seeds:
            assert f"(skill: {seed.skill})" in prompt and texts[seed.record_id] in prompt
        assert job.data_kind in prompt and "Return only a JSON list" in prompt
    # without a corpus: the catalogue's examples; a skill without one gets no fragment and the job still runs
    bare = plan_jobs([{"skills": ["metaphor", "unknown skill"]}], style="agentic", catalog=catalog)[0]
    assert [s.record_id for s in bare.seeds] == ["catalog:metaphor"]
    assert "Time is a thief." in bare.prompt[-1]["content"]
    assert bare.problem is None
    lone = plan_jobs([{"skills": ["x", "y"]}], style="agentic", catalog=[Skill("x"), Skill("y")])[0]
    assert "(no fragments" in lone.prompt[-1]["content"]


def test_synth_command_with_the_agentic_filter(tmp_path):
    inputs = write_inputs(tmp_path / "in")
    out = tmp_path / "agentic.jsonl"
    with FakeOpenAI(filtering_responder) as server:
        args = ["synth", inputs["combos"], "--style", "agentic", "--catalog", inputs["catalog"],
                "--corpus", inputs["corpus"], "--model", "writer", "--agentic-filter", "auditor",
                "--base-url", server.base_url, "--cache", tmp_path / "c.sqlite", "-o", out]
        r = invoke(args)
        assert r.exit_code == 0, r.output
        assert "agentic filter (auditor): kept 2 of 3 combination(s), rejected 1" in r.output
        r = invoke(["synth", inputs["combos"], "--style", "composite", "--corpus", inputs["corpus"], "--model", "w",
                    "--agentic-filter", "auditor", "--base-url", server.base_url, "-o", tmp_path / "c.jsonl",
                    "--cache", tmp_path / "c.sqlite"])
        assert r.exit_code == 2 and "--style agentic" in r.output
    samples = [json.loads(x) for x in out.read_text().splitlines()]
    assert sorted(s["skills"] for s in samples) == sorted(c["skills"] for c in
                                                          map(json.loads, inputs["combos"].read_text().splitlines())
                                                          if "sql" not in c["skills"])
    assert all(s["provenance"]["combination"]["agentic_filter"]["verdict"] == "yes" for s in samples)
    assert all(len(s["provenance"]["seed_records"]) == s["k"] for s in samples)
