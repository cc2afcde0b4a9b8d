"""`steps mix` (steps_core/mixing.py): the random sampler's k-distribution (exact per k) and its uniformity
(chi-square against every k-subset), draws that stay put when more are asked for, the training data written,
graded, resumed and refused under another judge, and the command end to end with the template backend and a
local judge, whose full marks `steps export --min-grade full` keeps."""

from __future__ import annotations

import json
from collections import Counter
from itertools import combinations

import pytest

from fake_openai import FakeOpenAI, write_inputs
from steps_core.corpus import Skill
from steps_core.errors import InputError
from steps_core.grade import Judge
from steps_core.llm import LLMClient, RetryPolicy
from steps_core.mixing import MIX_RECORDS, draw_mix, make_training_data, mix_counts, plan_mix
from steps_core.sample_sinks import SamplesFile, StaleResults
from steps_core.synth import TemplateBackend, load_template
from synthesis_cli import invoke

POOL = [Skill(f"s{i}", "c", f"definition {i}", f"example {i}") for i in range(6)]


def test_k_distribution_is_exact():
    assert mix_counts(10, [1, 2, 3]) == {1: 4, 2: 3, 3: 3}           # 3.33 each: the 1 left to the smallest k
    assert mix_counts(7, [5, 2]) == {2: 4, 5: 3}
    assert mix_counts(2, [1, 2, 3]) == {1: 1, 2: 1, 3: 0}
    for n in (1, 9, 100, 301):
        for ks in ([1, 2, 3], [2, 4], [3]):
            counts = mix_counts(n, ks)
            assert sum(counts.values()) == n and max(counts.values()) - min(counts.values()) <= 1
            draws = draw_mix(POOL, ["t"], ks, n, seed=n)
            assert Counter(d.k for d in draws) == {k: c for k, c in counts.items() if c}
            assert all(len({s.name for s in d.skills}) == d.k for d in draws)
    with pytest.raises(InputError):
        mix_counts(0, [1])
    with pytest.raises(InputError):
        mix_counts(5, [0, 1])
    with pytest.raises(InputError, match="cannot draw 7"):
        draw_mix(POOL, ["t"], [7], 3)
    with pytest.raises(InputError):
        draw_mix(POOL, [], [2], 3)


def test_subsets_and_topics_are_uniform():
    """3,000 draws of k=2 from 6 skills (15 subsets) and 2 topics: each (subset, topic) pair is expected 100
    times; the chi-square statistic over the 30 cells stays below the 0.1% critical value for 29 degrees of
    freedom (58.3), and each skill appears about 3000 x 2 / 6 = 1000 times."""
    draws = draw_mix(POOL, ["t1", "t2"], [2], 3000, seed=4)
    cells = Counter((tuple(sorted(s.name for s in d.skills)), d.topic) for d in draws)
    assert len(cells) == 30
    expected = 3000 / 30
    chi2 = sum((cells.get((tuple(c), t), 0) - expected) ** 2 / expected
               for c in combinations([s.name for s in POOL], 2) for t in ("t1", "t2"))
    assert chi2 < 58.3, chi2
    per_skill = Counter(s.name for d in draws for s in d.skills)
    assert all(abs(n - 1000) < 100 for n in per_skill.values()), per_skill


def test_draws_are_distinct_while_they_can_be_and_stable():
    draws = draw_mix(POOL, ["t1", "t2"], [1, 2], 30, seed=1)
    pairs = [(frozenset(s.name for s in d.skills), d.topic) for d in draws]
    # k=1: 15 draws from 6 x 2 = 12 pairs -> every pair once before any repeat; k=2: 15 draws from 30 -> distinct
    assert len(set(p for p, d in zip(pairs, draws) if d.k == 1)) == 12
    assert len(set(p for p, d in zip(pairs, draws) if d.k == 2)) == 15
    assert len(set(p for p, d in zip(pairs[:12], draws) if d.k == 1)) == 12
    more = draw_mix(POOL, ["t1", "t2"], [1, 2], 60, seed=1)
    by_id = {d.id: d for d in more}
    assert all(by_id[d.id] == d for d in draws)                               # asking for more keeps these
    assert draw_mix(list(reversed(POOL)), ["t1", "t2"], [1, 2], 30, seed=1) == draws
    assert draw_mix(POOL, ["t1", "t2"], [1, 2], 30, seed=2) != draws


def _judge_responder(body):
    """Full marks unless the text shows example 0 (a skill point missing)."""
    last = body["messages"][-1]["content"]
    n = int(last.split("Score each of the following ")[1].split()[0])
    return json.dumps({"scores": ([1, 0] + [1] * (n - 2)) if "example 0" in last else [1] * n})


def _judge(server, model="judge"):
    client = LLMClient(base_url=server.base_url, api_key="k", retry=RetryPolicy(max_attempts=1, base_delay=0.01))
    return Judge(client, model, rounds=1, catalog=POOL)


def test_training_data_is_written_graded_and_resumed(tmp_path):
    draws = draw_mix(POOL, ["gardening"], [1, 2], 8, seed=0)
    jobs = plan_mix(draws, load_template("skillmix", builtin="skillmix-reference"), combination={"split": "train"})
    out = tmp_path / "mix.jsonl"
    with FakeOpenAI(_judge_responder) as server:
        with SamplesFile(out, MIX_RECORDS) as sink:
            run = make_training_data(jobs, TemplateBackend(), _judge(server), sink)
            list(run.results(workers=2))
            records = sink.finish()
        assert server.n_requests == 8
        with SamplesFile(out, MIX_RECORDS) as sink:                           # a rerun: nothing to do
            assert make_training_data(jobs, TemplateBackend(), _judge(server), sink).todo == []
        with SamplesFile(out, MIX_RECORDS) as sink, pytest.raises(StaleResults):
            make_training_data(jobs, TemplateBackend(), _judge(server, "other-judge"), sink)
    assert len(records) == 8 and all(r["grade"]["status"] == "ok" and r["mix_fingerprint"] for r in records)
    for r in records:
        has_s0 = "s0" in r["skills"]
        assert r["grade"]["full_marks"] is (not has_s0), r["skills"]
        assert r["provenance"]["combination"]["sampler"] == "random"
        assert r["provenance"]["topic"] == "gardening" and r["messages"][0]["role"] == "user"


def test_mix_command_then_export_keeps_the_full_marks(tmp_path):
    inputs = write_inputs(tmp_path / "in")
    out = tmp_path / "mix.jsonl"

    def judge(body):
        last = body["messages"][-1]["content"]
        n = int(last.split("Score each of the following ")[1].split()[0])
        return json.dumps({"scores": [0] + [1] * (n - 1) if '"metaphor"' in last else [1] * n})

    with FakeOpenAI(judge) as server:
        args = ["mix", "--catalog", inputs["catalog"], "--topics", inputs["topics"], "--k", "1,2", "--n", "6",
                "--backend", "template", "--judge-model", "judge", "--base-url", server.base_url,
                "--heldout-categories", "math,code", "--cache", tmp_path / "c.sqlite", "-o", out,
                "--report", tmp_path / "mix.json"]
        r = invoke(args)
        assert r.exit_code == 0, r.output
        n = server.n_requests
        assert invoke(args[:-2]).exit_code == 0 and server.n_requests == n   # resumed: nothing sent again
    records = [json.loads(x) for x in out.read_text().splitlines()]
    assert Counter(r["k"] for r in records) == {1: 3, 2: 3}
    train = {"metaphor", "red herring", "modus ponens", "irony"}              # rhetoric and logic
    assert all(set(r["skills"]) <= train for r in records)
    report = json.loads((tmp_path / "mix.json").read_text())
    full = [r["id"] for r in records if r["grade"]["full_marks"]]
    assert report["kept_full_marks"] == len(full) and report["split"]["heldout_categories"] == ["code", "math"]
    assert all(("metaphor" in r["skills"]) != r["grade"]["full_marks"] for r in records if r["grade"]["points"])
    assert "have full marks" in r.output and "train part (by category" in r.output
    r = invoke(["export", out, "--all", "--min-grade", "full", "--format", "openai", "-o", tmp_path / "t.jsonl",
                "--curriculum", "none"])
    assert r.exit_code == 0, r.output
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["ids"] == full and manifest["settings"]["min_grade"] == "full"
