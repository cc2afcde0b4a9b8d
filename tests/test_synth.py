"""Synthesis: templates, seed choice, answer parsing, the backends, faults end to end, cache reruns, estimates,
and the samples file."""

from __future__ import annotations

import hashlib
import json
import random

import pytest

from fake_openai import COMBOS, FakeOpenAI, default_responder, usage_for, write_inputs
from steps_core.corpus import Record, Skill, iter_records, read_catalog
from steps_core.errors import InputError
from steps_core.llm import EndpointError, LLMClient, Price, ResponseCache, RetryPolicy, Usage
from steps_core.synth import (TEMPLATE_LABEL, OpenAIBackend, ParseError, SampleWriter, SeedExample, TemplateBackend,
                              choose_seeds, collect_seed_pools, estimate_run, extract_answer, iter_json_values,
                              load_template, parse_messages, parse_template, plan_jobs, read_combinations,
                              read_samples, read_topic_list, run_job, sample_id, summarize, synthesize)

CONV = [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}]


# ----------------------------------------------------------------------------------------------------------
# Parsing
# ----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    json.dumps(CONV),
    "Sure! Here it is:\n```json\n" + json.dumps(CONV) + "\n```\nLet me know if you need more.",
    "```\n" + json.dumps(CONV) + "\n```",
    "Here [as requested] is the dialogue: " + json.dumps(CONV) + " -- end of dialogue.",
    "[{'role': 'user', 'content': 'Q'}, {'role': 'assistant', 'content': 'A',},]",
    json.dumps({"messages": CONV}),
    json.dumps([{"from": "human", "value": "Q"}, {"from": "gpt", "value": "A"}]),
    "```json\n" + json.dumps(CONV, indent=2) + "\n(the closing fence is missing)",
    " \n" + json.dumps([{"role": "User", "content": " Q "}, {"role": "Assistant", "content": "A\n"}]),
])
def test_parse_messages_finds_the_conversation(text):
    assert parse_messages(text) == CONV


def test_parse_messages_accepts_raw_newlines_inside_strings():
    # B7: models put literal newlines inside JSON strings all the time
    raw = '[{"role": "user", "content": "Line one\nline two"}, {"role": "assistant", "content": "A\n\tB"}]'
    assert "\n" in raw and parse_messages(raw) == [{"role": "user", "content": "Line one\nline two"},
                                                    {"role": "assistant", "content": "A\n\tB"}]
    assert parse_messages("Here:\n" + raw + "\nDone.")[0]["content"] == "Line one\nline two"


def test_parse_messages_keeps_a_leading_system_turn():
    conv = [{"role": "system", "content": "S"}] + CONV
    assert parse_messages(json.dumps(conv)) == conv


@pytest.mark.parametrize("text, why", [
    ("", "empty"),
    ("I cannot help with that.", "no JSON"),
    (json.dumps([{"role": "assistant", "content": "A"}, {"role": "user", "content": "Q"}]), "start with a user"),
    (json.dumps([{"role": "user", "content": "Q"}]), "end with an assistant"),
    (json.dumps([{"role": "user", "content": "Q"}, {"role": "assistant", "content": "  "}]), "no text content"),
    (json.dumps([{"role": "narrator", "content": "Q"}, {"role": "assistant", "content": "A"}]), "no valid role"),
    (json.dumps({"answer": "x"}), "without a 'messages' list"),
    (json.dumps(CONV[:1] + [{"role": "system", "content": "late"}] + CONV[1:]), "system message may only"),
])
def test_parse_messages_rejects_what_is_not_a_conversation(text, why):
    with pytest.raises(ParseError) as err:
        parse_messages(text)
    assert why in str(err.value)


def test_iter_json_values_order_and_safety():
    text = "first [1, 2] then ```json\n{\"a\": 1}\n``` and [__import__('os')]"
    values = list(iter_json_values(text))
    assert values[0] == {"a": 1}          # fenced blocks first
    assert [1, 2] in values
    assert all("__import__" not in repr(v) for v in values)  # never evaluated


@pytest.mark.parametrize("text, expected", [
    ("Answer: The text.\nExplanation: because.", "The text."),
    ("Answer: draft one.\nExplanation: x\nAnswer: final one.\nExplanation: y", "final one."),
    ('**Answer:** "Quoted text here."\n\n**Explanation**: ...', "Quoted text here."),
    ("No marker at all, just text.", "No marker at all, just text."),
    ("Answer: A line.\nAnother line.", "A line.\nAnother line."),
    ("Answer:\nExplanation: nothing given", ""),
    ('Answer: He said "hi" and left "now"', 'He said "hi" and left "now"'),
    # B6: "Explanation" inside the answer is text, not the marker; dialogue keeps its quotes
    ("Answer: The Explanation of tides is simple: the moon pulls.",
     "The Explanation of tides is simple: the moon pulls."),
    ("Answer: Tides rise.\nexplanation: the moon.", "Tides rise."),
    ("Answer: Tides rise.\n  **EXPLANATION:** the moon.", "Tides rise."),
    ('Answer: "Hi," she said. "Bye."', '"Hi," she said. "Bye."'),
    ("Answer: 'Tis the season.", "'Tis the season."),
    ("Answer: “A whole quoted text.”", "A whole quoted text."),
])
def test_extract_answer(text, expected):
    assert extract_answer(text) == expected


# ----------------------------------------------------------------------------------------------------------
# Templates
# ----------------------------------------------------------------------------------------------------------

def test_builtin_templates_load_and_user_templates_are_checked(tmp_path):
    for kind in ("composite", "skillmix", "agentic", "grade"):
        t = load_template(kind)
        assert t.section("user") and len(t.sha256) == 64
    own = tmp_path / "mine.txt"
    text = "# my template\n=== user ===\nCombine $skills (k=$k) and pay $$5.\n"
    own.write_text(text, encoding="utf-8")
    t = load_template("agentic", own)
    assert t.sha256 == hashlib.sha256(text.encode()).hexdigest() and t.name == "mine.txt"
    assert t.render("user", {"skills": "a, b", "k": 2}) == "Combine a, b (k=2) and pay $5."

    bad = tmp_path / "bad.txt"
    bad.write_text("=== system ===\nok\n=== user ===\nUse $skils here\n")
    with pytest.raises(InputError) as err:
        load_template("agentic", bad)
    assert err.value.path == str(bad) and err.value.line == 3 and "$skils" in str(err.value)

    with pytest.raises(InputError, match="missing section '=== improve ==='"):
        parse_template("=== user ===\nx\n=== task ===\ny\n", kind="skillmix", name="t")
    with pytest.raises(InputError) as err:
        parse_template("stray text\n=== user ===\nx\n", kind="composite", name="t")
    assert err.value.line == 1
    with pytest.raises(InputError, match="unknown section"):
        parse_template("=== usr ===\nx\n", kind="composite", name="t")
    with pytest.raises(InputError, match="invalid placeholder"):
        parse_template("=== user ===\ncosts $5\n", kind="composite", name="t")
    with pytest.raises(InputError, match="not found"):
        load_template("composite", tmp_path / "missing.txt")


# ----------------------------------------------------------------------------------------------------------
# Planning jobs
# ----------------------------------------------------------------------------------------------------------

@pytest.fixture
def inputs(tmp_path):
    return write_inputs(tmp_path / "in")


def _jobs(inputs, style="composite", **kw):
    kw.setdefault("catalog", read_catalog(inputs["catalog"]))
    if style == "composite":
        kw.setdefault("records", iter_records(inputs["corpus"]))
    if style == "skillmix":
        kw.setdefault("topics", read_topic_list(inputs["topics"]))
    return plan_jobs(read_combinations(inputs["combos"]), style=style, **kw)


def test_composite_jobs_use_one_distinct_seed_record_per_skill(inputs):
    jobs = _jobs(inputs)
    assert [j.skill_names for j in jobs] == [c["skills"] for c in COMBOS]
    corpus = {json.loads(line)["id"]: json.loads(line) for line in inputs["corpus"].read_text().splitlines()}
    for job in jobs:
        ids = [s.record_id for s in job.seeds]
        assert len(ids) == len(set(ids)) == job.k
        for seed, skill in zip(job.seeds, job.skill_names):
            assert seed.skill == skill and skill in corpus[seed.record_id]["skills"]
        user = job.prompt[-1]["content"]
        assert all(f"(skill: {s})" in user for s in job.skill_names)
        assert job.prompt[0]["role"] == "system"
    again = _jobs(inputs)
    assert [[s.record_id for s in j.seeds] for j in again] == [[s.record_id for s in j.seeds] for j in jobs]
    assert [j.id for j in jobs] == [sample_id(c["skills"], "composite", 0, 0) for c in COMBOS]


def test_a_skill_without_a_distinct_record_falls_back_to_the_catalogue_or_fails(tmp_path):
    records = [Record("only", ("a", "b"), text="one record for both")]
    combos = [{"skills": ["a", "b"]}]
    jobs = plan_jobs(combos, style="composite", records=records, catalog=[Skill("b", example="B example")])
    assert [s.record_id for s in jobs[0].seeds] == ["only", "catalog:b"] and jobs[0].problem is None
    jobs = plan_jobs(combos, style="composite", records=records)
    assert jobs[0].problem and "'b'" in jobs[0].problem
    sample = run_job(jobs[0], TemplateBackend())
    assert sample["status"] == "failed" and sample["error"] == jobs[0].problem and sample["messages"] == []


def test_choose_seeds_finds_distinct_records_whenever_they_exist():
    # B8: a: {R1, R2}, b: {R1} can always be seeded (a=R2, b=R1); greedy failed about half the time
    def ex(skill, rid):
        return SeedExample(skill, rid, f"text of {rid}")

    pools = {"a": [ex("a", "R1"), ex("a", "R2")], "b": [ex("b", "R1")]}
    for i in range(40):
        seeds, problem = choose_seeds(["a", "b"], pools, rng=random.Random(i))
        assert problem is None and [(s.skill, s.record_id) for s in seeds] == [("a", "R2"), ("b", "R1")]
    # a chain needing a two-step augmenting path: c can only take R1, b only R1/R2, a any of R1..R3
    pools = {"a": [ex("a", r) for r in ("R1", "R2", "R3")], "b": [ex("b", "R1"), ex("b", "R2")], "c": [ex("c", "R1")]}
    for i in range(40):
        seeds, problem = choose_seeds(["a", "b", "c"], pools, rng=random.Random(i))
        assert problem is None and [s.record_id for s in seeds] == ["R3", "R2", "R1"]
    # brute force over small random pools: a seed for every skill exactly when a matching exists
    from itertools import permutations
    rng = random.Random(7)
    for _ in range(200):
        skills = ["a", "b", "c"][: rng.randint(1, 3)]
        pools = {s: [ex(s, f"R{j}") for j in range(4) if rng.random() < 0.4] for s in skills}
        possible = any(all(f"R{p[i]}" in {e.record_id for e in pools[s]} for i, s in enumerate(skills))
                       for p in permutations(range(4), len(skills)))
        seeds, problem = choose_seeds(skills, pools, rng=random.Random(1))
        assert (problem is None) == possible
        if possible:
            assert len({s.record_id for s in seeds}) == len(skills)
    # deterministic for a given rng seed, and the choice varies with it
    pools = {"a": [ex("a", f"R{j}") for j in range(6)]}
    picks = {choose_seeds(["a"], pools, rng=random.Random(i))[0][0].record_id for i in range(20)}
    assert len(picks) > 1
    assert choose_seeds(["a"], pools, rng=random.Random(3)) == choose_seeds(["a"], pools, rng=random.Random(3))


def test_seed_pools_skip_records_without_text():
    records = [Record("empty", ("a",), text="  "), Record("chat", ("a",), messages=({"role": "user", "content": "Q"},)),
               Record("plain", ("a",), text="some text")]
    assert sorted(s.record_id for s in collect_seed_pools(records, {"a"})["a"]) == ["chat", "plain"]


def test_seed_pools_are_bounded_uniform_samples():
    records = [Record(f"r{i}", ("a",) if i % 2 else ("a", "b"), text=f"text {i}") for i in range(50)]
    pools = collect_seed_pools(records, {"a", "b"}, pool_size=5, seed=3)
    assert len(pools["a"]) == 5 and len(pools["b"]) == 5
    assert len({s.record_id for s in pools["a"]}) == 5
    assert all(int(s.record_id[1:]) % 2 == 0 for s in pools["b"])
    assert collect_seed_pools(records, {"a"}, pool_size=5, seed=3)["a"] == pools["a"]


def test_style_requirements_and_topics(inputs):
    with pytest.raises(InputError, match="--topics"):
        plan_jobs(COMBOS, style="skillmix")
    with pytest.raises(InputError, match="--corpus"):
        plan_jobs(COMBOS, style="composite")
    with pytest.raises(InputError, match="unknown style"):
        plan_jobs(COMBOS, style="poem")
    jobs = _jobs(inputs, "skillmix", samples_per_combo=2)
    assert len(jobs) == 6 and len({j.id for j in jobs}) == 6
    topics = read_topic_list(inputs["topics"])
    for job in jobs:
        assert job.topic in topics
        assert f'about "{job.topic}"' in job.prompt[-1]["content"]
        assert f"at most {max(1, job.k - 1)} sentence" in job.prompt[-1]["content"]
        assert job.improve and job.task and job.topic in job.task
        assert job.request_seed == job.index
    agentic = _jobs(inputs, "agentic")
    assert all(j.data_kind and j.data_kind in j.prompt[-1]["content"] for j in agentic)


# ----------------------------------------------------------------------------------------------------------
# Backends
# ----------------------------------------------------------------------------------------------------------

def test_template_backend_is_labelled_and_offline(inputs):
    for style in ("composite", "skillmix", "agentic"):
        for job in _jobs(inputs, style):
            sample = run_job(job, TemplateBackend())
            assert sample["status"] == "ok", sample["error"]
            assistant = sample["messages"][-1]
            assert assistant["role"] == "assistant" and assistant["content"].startswith(TEMPLATE_LABEL)
            prov = sample["provenance"]
            assert prov["backend"] == "template" and prov["model"] == "template" and prov["base_url_host"] is None
            assert prov["usage"]["total_tokens"] == 0 and prov["usage"]["cost_usd"] == 0.0
    first = [run_job(j, TemplateBackend())["messages"] for j in _jobs(inputs, "composite")]
    assert first == [run_job(j, TemplateBackend())["messages"] for j in _jobs(inputs, "composite")]


def _backend(server, cache=None, **kw):
    client = LLMClient(base_url=server.base_url, api_key="sk-x", timeout=kw.pop("timeout", 5),
                       retry=RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.02), cache=cache)
    return OpenAIBackend(client, "fake-model", temperature=0.5, **kw)


def test_openai_composite_sample_and_its_provenance(fake_openai, inputs):
    jobs = _jobs(inputs)
    price = Price(1.0, 3.0)
    samples = {s["id"]: s for s in synthesize(jobs, _backend(fake_openai, price=price), workers=3)}
    assert set(samples) == {j.id for j in jobs} and fake_openai.n_requests == 3
    composite = load_template("composite")
    for job in jobs:
        s = samples[job.id]
        assert s["status"] == "ok" and s["accepted"] is None and s["error"] is None
        assert s["skills"] == job.skill_names and s["k"] == job.k and s["style"] == "composite"
        body = next(b for b in fake_openai.requests if b["messages"] == list(job.prompt))
        answer = default_responder(body)
        assert s["messages"] == parse_messages(answer)
        p = s["provenance"]
        assert p["combination"]["skills"] == job.skill_names and p["combination"]["gain"] == \
            next(c["gain"] for c in COMBOS if c["skills"] == job.skill_names)
        assert p["seed_records"] == [{"skill": x.skill, "id": x.record_id} for x in job.seeds]
        assert p["template"] == {"name": "composite", "sha256": composite.sha256}
        assert p["backend"] == "openai" and p["model"] == "fake-model" and p["temperature"] == 0.5
        assert p["base_url_host"] == fake_openai.base_url.split("/")[2] and p["seed"] == 0
        assert p["started_at"] <= p["finished_at"]
        u = usage_for(body, answer)
        assert p["usage"]["prompt_tokens"] == u["prompt_tokens"]
        assert p["usage"]["completion_tokens"] == u["completion_tokens"]
        assert p["usage"]["cost_usd"] == pytest.approx((u["prompt_tokens"] * 1 + u["completion_tokens"] * 3) / 1e6)
        [req] = p["requests"]
        assert req["prompt"] == list(job.prompt) and req["response_text"] == answer
        assert req["raw_response"]["choices"][0]["message"]["content"] == answer
        assert body["seed"] == 0 and body["temperature"] == 0.5 and body["model"] == "fake-model"


def test_skillmix_two_rounds(fake_openai, inputs):
    jobs = _jobs(inputs, "skillmix")
    samples = list(synthesize(jobs, _backend(fake_openai), workers=2))
    assert fake_openai.n_requests == 6
    for s in samples:
        job = next(j for j in jobs if j.id == s["id"])
        assert s["status"] == "ok"
        r0, r1 = s["provenance"]["requests"]
        assert r0["prompt"] == list(job.prompt)
        assert r1["prompt"] == list(job.prompt) + [{"role": "assistant", "content": r0["response_text"]},
                                                   {"role": "user", "content": job.improve}]
        assert r0["response_text"].startswith("Answer: A first draft")
        assert s["messages"] == [{"role": "user", "content": job.task},
                                 {"role": "assistant", "content": extract_answer(r1["response_text"])}]
        assert s["messages"][1]["content"].startswith("The improved text ")
        assert s["provenance"]["topic"] == job.topic
        total = Usage(r0["usage"]["prompt_tokens"], r0["usage"]["completion_tokens"]) + \
            Usage(r1["usage"]["prompt_tokens"], r1["usage"]["completion_tokens"])
        assert s["provenance"]["usage"]["total_tokens"] == total.total_tokens


def test_faults_end_in_retries_and_no_sample_is_lost(inputs):
    jobs = _jobs(inputs, "agentic", samples_per_combo=3)
    with FakeOpenAI(slow_seconds=1.0, retry_after=0) as server:
        for fault in ("429", "500", "slow", "malformed", "truncated", "empty"):
            server.inject(fault)
        samples = list(synthesize(jobs, _backend(server, timeout=0.4), workers=4))
        assert sorted(server.faults_served) == sorted(["429", "500", "slow", "malformed", "truncated", "empty"])
        assert server.n_requests == len(jobs) + 6
    assert sorted(s["id"] for s in samples) == sorted(j.id for j in jobs)
    assert all(s["status"] == "ok" for s in samples)
    assert sum(r["attempts"] for s in samples for r in s["provenance"]["requests"]) == len(jobs) + 6


def test_unparseable_and_unanswered_samples_are_kept_as_failed(inputs):
    jobs = _jobs(inputs)
    target, broken = jobs[0], jobs[1]

    def responder(body):
        if body["messages"] == list(target.prompt):
            return "I'm sorry, I can't produce JSON today."
        return default_responder(body)

    with FakeOpenAI(responder) as server:
        server.inject("500", times=99, match=broken.skill_names[0])
        samples = {s["id"]: s for s in synthesize(jobs, _backend(server), workers=2)}
    assert len(samples) == 3
    bad = samples[target.id]
    assert bad["status"] == "failed" and bad["messages"] == []
    assert bad["error"].startswith("unparseable answer")
    assert bad["provenance"]["requests"][0]["response_text"] == "I'm sorry, I can't produce JSON today."
    down = samples[broken.id]
    assert down["status"] == "failed" and "HTTP 500" in down["error"] and "gave up after 4" in down["error"]
    assert down["provenance"]["requests"][0]["attempts"] == 4
    assert samples[jobs[2].id]["status"] == "ok"


def test_a_refused_key_stops_the_run(fake_openai, inputs):
    fake_openai.inject("401", times=99)
    with pytest.raises(EndpointError, match="401"):
        list(synthesize(_jobs(inputs), _backend(fake_openai), workers=2))


def test_rerun_with_the_cache_makes_zero_requests(tmp_path, inputs):
    cache_path = tmp_path / "cache.sqlite"
    jobs = _jobs(inputs, "skillmix")
    with FakeOpenAI() as server:
        with ResponseCache(cache_path) as cache:
            first = {s["id"]: s for s in synthesize(jobs, _backend(server, cache=cache), workers=3)}
            assert server.n_requests == 6
        with ResponseCache(cache_path) as cache:
            second = {s["id"]: s for s in synthesize(jobs, _backend(server, cache=cache), workers=3)}
            assert server.n_requests == 6
    assert {k: v["messages"] for k, v in first.items()} == {k: v["messages"] for k, v in second.items()}
    assert all(s["provenance"]["usage"]["cached"] for s in second.values())
    summary = summarize(second.values())
    assert summary.requests == 0 and summary.cached_requests == 6 and summary.paid == Usage()
    assert summary.cached == summarize(first.values()).paid


def test_interrupted_run_loses_nothing_already_answered(tmp_path, inputs):
    out = tmp_path / "samples.jsonl"
    cache_path = tmp_path / "cache.sqlite"
    jobs = _jobs(inputs, "agentic", samples_per_combo=4)  # 12 jobs
    with FakeOpenAI() as server, ResponseCache(cache_path) as cache:
        with SampleWriter(out) as writer:
            with pytest.raises(KeyboardInterrupt):
                for n, sample in enumerate(synthesize(jobs, _backend(server, cache=cache), workers=1)):
                    writer.write(sample)
                    if n == 4:
                        raise KeyboardInterrupt
        assert server.n_requests == 5
    assert len(read_samples(out)) == 5
    done = {s["id"] for s in read_samples(out)}
    with FakeOpenAI() as server, ResponseCache(cache_path) as cache:
        with SampleWriter(out) as writer:
            for sample in synthesize(jobs, _backend(server, cache=cache), workers=3, skip_ids=done):
                writer.write(sample)
        assert server.n_requests == 7
    assert sorted(s["id"] for s in read_samples(out)) == sorted(j.id for j in jobs)


def test_estimate_is_computed_from_the_prompts(tmp_path):
    tpl = tmp_path / "t.txt"
    tpl.write_text("=== system ===\n" + "x" * 8 + "\n=== user ===\n" + "y" * 12 + "\n=== improve ===\n" + "z" * 20
                   + "\n=== task ===\nt\n")
    combos = [{"skills": ["a", "b"]}]
    jobs = plan_jobs(combos, style="skillmix", topics=["t"], template=load_template("skillmix", tpl))
    # round 1: (8/4 + 4) + (12/4 + 4) = 13; round 2: 13 + 100 + 4 + 20/4 + 4 = 126
    est = estimate_run(jobs, expected_output_tokens=100, price=Price(1.0, 2.0))
    assert (est.samples, est.requests, est.input_tokens, est.output_tokens) == (1, 2, 139, 200)
    assert est.cost_usd == pytest.approx((139 * 1.0 + 200 * 2.0) / 1e6)
    tpl2 = tmp_path / "a.txt"
    tpl2.write_text("=== user ===\n" + "w" * 41 + "\n")
    jobs = plan_jobs(combos * 3, style="agentic", template=load_template("agentic", tpl2))
    est = estimate_run(jobs)
    assert (est.requests, est.input_tokens, est.output_tokens, est.cost_usd) == (3, 3 * (11 + 4), 3 * 900, None)


# ----------------------------------------------------------------------------------------------------------
# samples.jsonl
# ----------------------------------------------------------------------------------------------------------

def _sample(i, status="ok", **kw):
    return {"id": f"s{i}", "skills": ["a", "b"], "k": 2, "style": "composite", "status": status,
            "messages": CONV if status == "ok" else [], "accepted": None, "error": None, "provenance": {}, **kw}


def test_samples_file_last_line_per_id_wins_and_a_cut_line_is_skipped(tmp_path):
    path = tmp_path / "s.jsonl"
    with SampleWriter(path) as w:
        w.write(_sample(1, "failed"))
        w.write(_sample(2))
        w.write(_sample(1))
    with path.open("a") as fh:
        fh.write('{"id": "s3", "skills": [')  # a crash in the middle of a write
    got = read_samples(path)
    assert [s["id"] for s in got] == ["s1", "s2"] and got[0]["status"] == "ok"
    with SampleWriter(path) as w:  # appending after a cut line starts on a new line
        w.write(_sample(4))
    assert [s["id"] for s in read_samples(path)] == ["s1", "s2", "s4"]
    with path.open("a") as fh:
        fh.write(json.dumps(_sample(5)))  # complete, but without its newline
    with SampleWriter(path) as w:
        w.write(_sample(6))
    assert [s["id"] for s in read_samples(path)] == ["s1", "s2", "s4", "s5", "s6"]


def test_samples_file_errors_name_line_and_field(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text(json.dumps(_sample(1)) + "\nnot json\n" + json.dumps(_sample(2)) + "\n")
    with pytest.raises(InputError) as err:
        read_samples(path)
    assert err.value.line == 2
    path.write_text(json.dumps(_sample(1, status="maybe")) + "\n")
    with pytest.raises(InputError) as err:
        read_samples(path)
    assert err.value.field == "status" and err.value.line == 1
    path.write_text(json.dumps({**_sample(1), "messages": [{"role": "user"}]}) + "\n")
    with pytest.raises(InputError) as err:
        read_samples(path)
    assert err.value.field == "messages"


def test_summarize_counts_hand_made_samples():
    def req(pt, ct, cached, attempts, cost):
        return {"usage": {"prompt_tokens": pt, "completion_tokens": ct, "cost_usd": cost}, "cached": cached,
                "attempts": attempts, "raw_response": {}, "error": None}
    samples = [
        {**_sample(1), "provenance": {"requests": [req(10, 5, False, 2, 0.5), req(20, 5, True, 0, 1.0)]}},
        {**_sample(2, "failed"), "provenance": {"requests": [req(0, 0, False, 3, None)]}},
    ]
    s = summarize(samples)
    assert (s.ok, s.failed, s.requests, s.cached_requests) == (1, 1, 5, 1)
    assert s.paid == Usage(10, 5) and s.cached == Usage(20, 5) and s.cost_usd == 0.5


def test_sample_ids_are_stable_and_distinct():
    a = sample_id(["x", "y"], "composite", 0, 0)
    assert a == sample_id(["x", "y"], "composite", 0, 0) and a.startswith("composite-")
    others = {sample_id(["y", "x"], "composite", 0, 0), sample_id(["x", "y"], "agentic", 0, 0),
              sample_id(["x", "y"], "composite", 1, 0), sample_id(["x", "y"], "composite", 0, 1),
              sample_id(["x", "y"], "composite", 0, 0, topic="t")}
    assert len(others) == 5 and a not in others
    random.seed(0)  # ids never depend on global random state
    assert sample_id(["x", "y"], "composite", 0, 0) == a


# ----------------------------------------------------------------------------------------------------------
# Review fixes: rejected answers leave the cache (B3), cut files (B10), sample validation (B11), cost,
# fingerprints (B2)
# ----------------------------------------------------------------------------------------------------------

def test_an_unparseable_answer_is_not_served_again_from_the_cache(tmp_path, inputs):
    jobs = _jobs(inputs)[:1]
    bad_once = {"n": 0}

    def responder(body):
        if bad_once["n"] == 0:
            bad_once["n"] += 1
            return '[{"role": "user", "content": "cut off mid'          # truncated JSON
        return default_responder(body)

    with FakeOpenAI(responder) as server, ResponseCache(tmp_path / "c.sqlite") as cache:
        first = run_job(jobs[0], _backend(server, cache=cache))
        assert first["status"] == "failed" and "unparseable" in first["error"] and len(cache) == 0
        again = run_job(jobs[0], _backend(server, cache=cache))
        assert again["status"] == "ok" and server.n_requests == 2 and len(cache) == 1
        third = run_job(jobs[0], _backend(server, cache=cache))
        assert third["provenance"]["usage"]["cached"] and server.n_requests == 2


def test_a_skillmix_answer_cut_at_max_tokens_fails_and_is_forgotten(tmp_path, inputs):
    jobs = _jobs(inputs, "skillmix")[:1]

    def responder(body):
        if "Improve the text" in body["messages"][-1]["content"]:
            return "Answer: The improved text stops in the mid"
        return default_responder(body)

    import fake_openai as fo

    class Cut(FakeOpenAI):                    # the server reports finish_reason 'length' for round 2
        def _send(self, h, status, payload, headers=None, length=None):
            if b"stops in the mid" in payload:
                payload = payload.replace(b'"finish_reason": "stop"', b'"finish_reason": "length"')
            fo.FakeOpenAI._send(h, status, payload, headers, length)

    with Cut(responder) as server, ResponseCache(tmp_path / "c.sqlite") as cache:
        sample = run_job(jobs[0], _backend(server, cache=cache))
        assert sample["status"] == "failed" and "cut off at max_tokens" in sample["error"]
        assert len(cache) == 1                # the draft stays cached, the cut answer does not


def test_cost_of_a_sample_counts_only_requests_sent(tmp_path, inputs):
    jobs = _jobs(inputs, "skillmix")[:1]
    price = Price(1_000_000.0, 1_000_000.0)   # one dollar per token: the cost is the paid token count
    with FakeOpenAI() as server, ResponseCache(tmp_path / "c.sqlite") as cache:
        paid = run_job(jobs[0], _backend(server, cache=cache, price=price))
        cached = run_job(jobs[0], _backend(server, cache=cache, price=price))
    tokens = paid["provenance"]["usage"]["total_tokens"]
    assert paid["provenance"]["usage"]["cost_usd"] == pytest.approx(tokens)
    assert cached["provenance"]["usage"]["total_tokens"] == tokens
    assert cached["provenance"]["usage"]["cost_usd"] == 0.0
    assert [r["usage"]["cost_usd"] for r in cached["provenance"]["requests"]] == [0.0, 0.0]


def test_fingerprint_changes_with_every_setting_the_answer_depends_on(tmp_path, inputs, fake_openai):
    from steps_core.synth import job_fingerprint

    job = _jobs(inputs)[0]
    base = job_fingerprint(job, _backend(fake_openai))
    assert base == job_fingerprint(job, _backend(fake_openai))
    assert run_job(job, TemplateBackend())["provenance"]["fingerprint"] == job_fingerprint(job, TemplateBackend())
    client = LLMClient(base_url=fake_openai.base_url, api_key="x")
    other_host = LLMClient(base_url="http://localhost:1/v1", api_key="x")
    variants = [OpenAIBackend(client, "other-model", temperature=0.5),
                OpenAIBackend(client, "fake-model", temperature=0.9),
                OpenAIBackend(client, "fake-model", temperature=0.5, max_tokens=9),
                OpenAIBackend(other_host, "fake-model", temperature=0.5), TemplateBackend()]
    fps = {job_fingerprint(job, b) for b in variants}
    assert len(fps) == len(variants) and base not in fps
    changed = _jobs(inputs, catalog=[])[0]     # no definitions in the prompt
    assert changed.id == job.id and job_fingerprint(changed, _backend(fake_openai)) != base


def test_a_samples_file_cut_inside_a_character_resumes(tmp_path):
    # B10: the last line ends inside a multi-byte character
    path = tmp_path / "s.jsonl"
    line = json.dumps({**_sample(2), "messages": [{"role": "user", "content": "é"},
                                                 {"role": "assistant", "content": "ü"}]}, ensure_ascii=False)
    cut = line.encode("utf-8")[: line.encode().index("é".encode()) + 1]      # inside the two bytes of "é"
    path.write_bytes((json.dumps(_sample(1)) + "\n").encode() + cut)
    assert [s["id"] for s in read_samples(path)] == ["s1"]
    from steps_core.synth import completed_ids, compact_samples
    assert completed_ids(path) == {"s1"}
    assert compact_samples(path) == 1 and path.read_text(encoding="utf-8") == json.dumps(_sample(1)) + "\n"
    # the same bytes on an earlier line are an error naming it
    path.write_bytes(b'{"id": "\xc3"}\n' + (json.dumps(_sample(1)) + "\n").encode())
    with pytest.raises(InputError) as err:
        read_samples(path)
    assert err.value.line == 1 and "UTF-8" in str(err.value)


def test_a_json_error_column_ignores_the_line_end(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text('{"id": "a"\r\n' + json.dumps(_sample(1)) + "\n")
    with pytest.raises(InputError, match=r"column 11\)"):
        read_samples(path)


@pytest.mark.parametrize("change, field", [
    ({"k": "two"}, "k"), ({"k": 3}, "k"), ({"k": True}, "k"), ({"style": 7}, "style"),
    ({"provenance": "oops"}, "provenance"), ({"skills": "a, b"}, "skills"), ({"skills": ["a", 3]}, "skills"),
    ({"messages": [{"role": "narrator", "content": "x"}]}, "messages"),
    ({"messages": [{"role": "user", "content": "only a question"}]}, "messages"),
    ({"messages": "hello"}, "messages"),
])
def test_samples_file_fields_are_validated(tmp_path, change, field):
    # B11: what export and grade rely on is checked when reading
    path = tmp_path / "s.jsonl"
    path.write_text(json.dumps(_sample(0)) + "\n" + json.dumps({**_sample(1), **change}) + "\n")
    with pytest.raises(InputError) as err:
        read_samples(path)
    assert err.value.field == field and err.value.line == 2


def test_results_files_without_sample_fields_read_with_validate_false(tmp_path):
    path = tmp_path / "ev.jsonl"
    path.write_text('{"id": "d1", "status": "ok"}\n{"id": "d2", "status": "failed"}\n'
                    '{"id": "d1", "status": "failed"}\n')
    with pytest.raises(InputError):
        read_samples(path)
    assert read_samples(path, validate=False) == [{"id": "d1", "status": "failed"}, {"id": "d2", "status": "failed"}]
    from steps_core.synth import completed_ids, compact_samples
    assert completed_ids(path, validate=False) == set()
    assert completed_ids(path, lambda r: r["id"] == "d2", validate=False) == {"d2"}
    assert compact_samples(path, validate=False) == 2 and len(path.read_text().splitlines()) == 2


def test_sample_writer_refuses_special_files_and_values_json_cannot_hold(tmp_path):
    """Issue 11: a FIFO output would block (or /dev/full fail) forever; NaN would be written as an invalid token."""
    import os

    from steps_core.errors import OutputError
    from steps_core.synth import SampleWriter

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(OutputError, match="named pipe"):
        SampleWriter(fifo)
    src = tmp_path / "combos.jsonl"
    src.write_text("{}\n")
    with pytest.raises(OutputError, match="input"):
        SampleWriter(src, inputs=[src])
    out = tmp_path / "s.jsonl"
    with SampleWriter(out) as writer:
        writer.write({"id": "a", "status": "ok"})
        with pytest.raises(InputError, match="finite") as err:
            writer.write({"id": "b", "provenance": {"combination": {"gain": float("inf")}}})
        assert err.value.field == "sample 'b'.provenance.combination.gain"
    assert out.read_text() == '{"id": "a", "status": "ok"}\n'
