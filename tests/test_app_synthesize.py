"""Synthesize page: template synthesis adds samples with provenance, the list of combinations a run will make,
the prompt shown is the prompt sent, the review queue (filters, accept / reject with reasons / edit saved at once,
bulk decisions, Undo, auto-reject below a grade), an OpenAI-compatible endpoint (a local fake server over HTTP)
with a key typed for the session that never reaches disk, Test connection, grading on demand, and endpoint
errors as messages."""

from __future__ import annotations

import pytest

from app_helpers import assert_ok, new_app, open_ws, plain, reference_tree
from fake_openai import FakeOpenAI
from steps_core.corpus import iter_records, read_catalog, read_topics
from steps_core.select import PLAIN, select_combinations
from steps_core.synth import TEMPLATE_LABEL, estimate_run, format_prompt, plan_jobs

KEY = "sk-test-0123456789abcdef"


def approve_top(env, n: int = 3):
    tree = reference_tree(env.files["corpus"])
    combos = select_combinations(tree, k=3, beam=20, top=n, **PLAIN)      # the plain ranking by gain
    with open_ws(env.ws) as ws:
        for c in combos:
            ws.approve_combo(c.skills, c.to_dict())
    return combos


def files_containing(folder, needle: str) -> list[str]:
    return [str(p) for p in folder.rglob("*") if p.is_file() and needle.encode() in p.read_bytes()]


def shown_id(at) -> str:
    """The id of the sample the review shows (the caption under its card names it)."""
    return next(plain(c.value)[len("Sample id: "):] for c in at.caption if plain(c.value).startswith("Sample id: "))


def last_decision(at) -> str:
    """The last decision the review says it can undo ("" when none)."""
    return next((plain(i.value) for i in at.info if plain(i.value).startswith("Last decision")), "")


def queue_ids(at) -> list[str]:
    """The ids of the review queue, in order (its table)."""
    return list(next(d.value for d in at.dataframe if "decision" in d.value.columns)["id"])


def test_template_synthesis_review_and_edit(app_env):
    combos = approve_top(app_env)
    at = new_app("synthesize")
    go = at.button(key="synth_go")
    assert go.label == "Generate 3 sample(s)"
    go.click().run()
    assert_ok(at)
    with open_ws(app_env.ws) as ws:
        samples = ws.samples()
        version = ws.get_setting("tree_version")
    assert [tuple(s["skills"]) for s in samples] == [c.skills for c in combos]
    assert all(s["status"] == "ok" and s["provenance"]["backend"] == "template" for s in samples)
    assert all(s["tree_version"] == version and version for s in samples)
    assert all(s["messages"][-1]["content"].startswith(TEMPLATE_LABEL) for s in samples)
    assert at.run().button(key="synth_go").label == "Generate 0 sample(s)"   # nothing left to make
    spent = {m.label: m.value for m in at.metric}
    assert spent["Samples made"] == "3" and spent["Input tokens"] == "0"
    assert spent["Cost"] == "free"                                                # no model, no cost

    first, second = samples[0]["id"], samples[1]["id"]
    assert shown_id(at) == first                                      # the queue starts with the first to review
    at.button(key="rev_accept").click().run()                          # accept: the next one is shown
    assert shown_id(at) == second
    at.button(key="rev_next").click().run()
    assert shown_id(at) == samples[2]["id"]
    at.button(key="rev_reject").click().run()
    assert shown_id(at) == second                                     # the only one left to review
    at.button(key="rev_edit").click().run()
    edited = "A better answer, written by a person."
    at.text_area(key=f"edit_{second}_1").input(edited)
    at.button(key="rev_save").click().run()
    assert_ok(at)
    with open_ws(app_env.ws) as ws:
        assert ws.sample(first)["accepted"] is True
        assert ws.sample(samples[2]["id"])["accepted"] is False
        s2 = ws.sample(second)
    assert s2["edited"] and s2["messages"][1]["content"] == edited
    assert s2["original_messages"][1]["content"].startswith(TEMPLATE_LABEL)

    fresh = new_app("synthesize")                                     # a reload loses nothing
    fresh.radio(key="ws:cfg:review.decision").set_value("accepted").run()
    assert shown_id(fresh) == first and queue_ids(fresh) == [first]
    fresh.radio(key="ws:cfg:review.decision").set_value("undecided").run()
    cards = [m.value for m in fresh.markdown if "· k=3 ·" in str(m.value)]
    assert len(cards) == 1 and "edited" in cards[0] and shown_id(fresh) == second
    fresh.button(key="rev_revert").click().run()                      # revert the edit
    with open_ws(app_env.ws) as ws:
        assert not ws.sample(second)["edited"]


def test_prompt_shown_is_the_prompt_sent_and_estimate(app_env):
    combos = approve_top(app_env, 2)
    at = new_app("synthesize")
    at.selectbox(key="ws:cfg:synth.style").set_value("skillmix").run()
    assert_ok(at)
    jobs = plan_jobs([c.to_dict() for c in combos], style="skillmix", catalog=read_catalog(app_env.files["catalog"]),
                     topics=read_topics(app_env.files["topics"]))
    shown = [c.value for c in at.code]
    assert shown[0] == format_prompt(jobs[0].prompt) and shown[1] == jobs[0].improve
    est = estimate_run(jobs)
    figures = {m.label: m.value for m in at.metric}
    assert figures["Requests"] == f"{est.requests:,}" == "4"              # skill-mix: two rounds per sample
    assert figures["Input tokens (≈)"] == f"{est.input_tokens:,}"
    at.selectbox(key="synth_preview").set_value(1).run()
    assert at.code[0].value == format_prompt(jobs[1].prompt)
    at.selectbox(key="ws:cfg:synth.style").set_value("composite").run()
    composite = plan_jobs([c.to_dict() for c in combos], style="composite",
                          catalog=read_catalog(app_env.files["catalog"]), records=iter_records(app_env.files["corpus"]))
    assert at.code[0].value == format_prompt(composite[1].prompt)


@pytest.fixture()
def server():
    with FakeOpenAI() as s:
        yield s


def use_endpoint(at, server, key: str = KEY):
    at.radio(key="ws:cfg:synth.backend").set_value("openai").run()
    at.text_input(key="ws:cfg:synth.base_url").input(server.base_url).run()
    at.text_input(key="ws:cfg:synth.model").input("fake-model").run()
    at.text_input(key="synth_api_key").input(key).run()


def test_endpoint_synthesis_and_grading_key_never_saved(app_env, server):
    approve_top(app_env, 2)
    at = new_app("synthesize")
    use_endpoint(at, server)
    at.number_input(key="ws:cfg:synth.workers").set_value(2).run()
    at.number_input(key="ws:cfg:synth.price_in").set_value(2.0).run()
    at.number_input(key="ws:cfg:synth.price_out").set_value(8.0).run()
    at.button(key="synth_go").click().run()
    assert_ok(at)
    with open_ws(app_env.ws) as ws:
        samples = ws.samples()
        settings = ws.settings()
    assert len(samples) == 2 and all(s["status"] == "ok" for s in samples)
    # spent per community: the lowest community holding all of a sample's skills, by brute force
    tree = reference_tree(app_env.files["corpus"])
    spent: dict[str, list] = {}
    for s in samples:
        holders = [c for c in tree.communities if set(s["skills"]) <= {tree.skills[i] for i in tree.members(c)}]
        where = tree.ids[max(holders, key=lambda c: tree.depth[c])] if holders else "—"
        usage = s["provenance"]["usage"]
        row = spent.setdefault(where, [0, 0, 0, 0.0])
        row[0] += 1
        row[1] += usage["prompt_tokens"]
        row[2] += usage["completion_tokens"]
        row[3] += (usage["prompt_tokens"] * 2.0 + usage["completion_tokens"] * 8.0) / 1e6
    table = next(d.value for d in at.dataframe if "cost ($)" in d.value.columns)
    got = {r["community"]: [r["samples"], r["prompt tokens"], r["completion tokens"], r["cost ($)"]]
           for r in table.to_dict("records")}
    assert got.keys() == spent.keys()
    for where, want in spent.items():
        assert got[where][:3] == want[:3] and got[where][3] == pytest.approx(want[3])
    figures = {m.label: m.value for m in at.metric}
    assert figures["Input tokens"] == f"{sum(s['provenance']['usage']['prompt_tokens'] for s in samples):,}" != "0"
    assert figures["Cost"] == f"${sum(w[3] for w in spent.values()):,.4f}"
    assert all(s["provenance"]["model"] == "fake-model" and s["provenance"]["backend"] == "openai" for s in samples)
    assert server.authorizations == {f"Bearer {KEY}"}                 # the typed key was used...
    assert settings["synth.model"] == "fake-model" and settings["synth.base_url"] == server.base_url
    assert KEY not in repr(settings)

    at.button(key="grade_go").click().run()                           # grade the shown samples (3 rounds each)
    assert_ok(at)
    with open_ws(app_env.ws) as ws:
        grades = ws.grades()
    assert len(grades) == 2 and all(g["grade"]["status"] == "ok" for g in grades)
    assert all(g["grade"]["score"] == g["grade"]["max_score"] == 3 + 3 for g in grades)   # fake judge: all 1s
    rows = next(d.value for d in at.dataframe if "full_marks" in d.value.columns)
    assert list(rows["k"]) == ["3", "all"] and list(rows["full_marks"]) == [1.0, 1.0]
    assert KEY not in str(server.requests)
    del at
    assert files_containing(app_env.ws.parent, KEY) == []            # ...and is nowhere on disk


def test_endpoint_refusal_is_an_error_message(app_env, server):
    approve_top(app_env, 2)
    server.inject("401", times=100)
    at = new_app("synthesize")
    use_endpoint(at, server, key="sk-wrong-key-000000")
    at.button(key="synth_go").click().run()
    assert_ok(at)
    errors = [str(e.value) for e in at.error]
    assert any(e.startswith("Generation stopped:") for e in errors), errors
    assert not any("sk-wrong-key-000000" in e for e in errors)
    assert "Review" in [s.value for s in at.subheader]                # the page keeps working
    with open_ws(app_env.ws) as ws:
        assert ws.samples() == []


def test_no_approved_combinations_points_to_the_combinations_page(app_env):
    at = new_app("synthesize")
    assert any("No approved combinations yet" in str(i.value) for i in at.info)


def test_hostile_skill_in_sample_cards(tmp_path, monkeypatch):
    from app_helpers import HOSTILE, HOSTILE_IMG, write_demo

    files = write_demo(tmp_path / "demo", hostile=True)
    monkeypatch.setenv("STEPS_DEMO_DIR", str(tmp_path / "demo"))
    monkeypatch.setenv("STEPS_WORKSPACE", str(tmp_path / "ws.sqlite"))
    tree = reference_tree(files["corpus"])
    with open_ws(tmp_path / "ws.sqlite") as ws:
        ws.approve_combo([HOSTILE, "regex"], {"skills": [HOSTILE, "regex"]})
        ws.approve_combo([HOSTILE_IMG, "humour"], {"skills": [HOSTILE_IMG, "humour"]})
    at = new_app("synthesize")
    at.button(key="synth_go").click().run()
    assert_ok(at)
    assert HOSTILE in tree.skills and HOSTILE_IMG in tree.skills
    headers = [str(m.value) for m in at.markdown if "· k=2 ·" in str(m.value)]
    at.button(key="rev_next").click().run()                              # the second sample's card
    headers += [str(m.value) for m in at.markdown if "· k=2 ·" in str(m.value)]
    assert len(headers) == 2 and headers[0] != headers[1]
    assert all(HOSTILE not in h and HOSTILE_IMG not in h for h in headers)
    assert any("\\<script\\>alert\\(1\\)\\</script\\>" in h for h in headers)
    assert any("\\<img src=x onerror=alert\\(1\\)\\>" in h for h in headers)


def saving_errors(at) -> list[str]:
    return [str(e.value) for e in at.error if "Could not save" in str(e.value)]


def test_a_short_key_blocks_nothing(app_env, server):
    """A local endpoint's dummy key ("test") is used but guards nothing: settings and decisions still save."""
    approve_top(app_env, 2)
    at = new_app("synthesize")
    use_endpoint(at, server, key="test")
    at.text_input(key="ws:cfg:synth.model").input("test-model").run()   # a value containing the key
    at.button(key="synth_go").click().run()
    assert_ok(at)
    assert saving_errors(at) == []
    assert server.authorizations == {"Bearer test"}
    with open_ws(app_env.ws) as ws:
        samples = ws.samples()
        assert ws.get_setting("synth.model") == "test-model" and len(samples) == 2
    at.button(key="rev_accept").click().run()
    assert saving_errors(at) == []
    with open_ws(app_env.ws) as ws:
        assert ws.sample(samples[0]["id"])["accepted"] is True


def test_a_changed_or_cleared_key_is_no_longer_guarded(app_env, server):
    """Only the key in use is guarded: after changing it, the old one no longer blocks saving; the new one
    does; after clearing the field nothing is guarded."""
    old, new = "sk-old-key-11111111", "sk-new-key-22222222"
    at = new_app("synthesize")
    use_endpoint(at, server, key=old)
    at.text_input(key="synth_api_key").input(new).run()
    at.text_input(key="ws:cfg:synth.base_url").input(f"http://127.0.0.1:9/{old}").run()
    assert saving_errors(at) == []
    with open_ws(app_env.ws) as ws:
        assert ws.get_setting("synth.base_url") == f"http://127.0.0.1:9/{old}"
    at.text_input(key="ws:cfg:synth.base_url").input(f"http://127.0.0.1:9/{new}").run()
    assert saving_errors(at)                                           # the key in use is refused...
    at.run()
    assert at.text_input(key="ws:cfg:synth.base_url").value == f"http://127.0.0.1:9/{old}"   # ...and not shown
    with open_ws(app_env.ws) as ws:
        assert new not in repr(ws.settings())
    at.text_input(key="synth_api_key").input("").run()
    at.text_input(key="ws:cfg:synth.base_url").input(f"http://127.0.0.1:9/{new}").run()
    assert saving_errors(at) == []


def test_the_key_and_the_judge_survive_leaving_the_page(app_env, server):
    """The typed key stays for the session when the user visits another page; the judge model and rounds
    are workspace settings like the others."""
    approve_top(app_env, 2)
    at = new_app("synthesize")
    use_endpoint(at, server)
    at.switch_page("app.py").run()
    at.switch_page("pages/3_Synthesize.py").run()
    assert_ok(at)
    assert at.text_input(key="synth_api_key").value == KEY
    at.button(key="synth_go").click().run()
    assert server.authorizations == {f"Bearer {KEY}"}
    at.text_input(key="ws:cfg:synth.judge_model").input("judge-model").run()
    at.number_input(key="ws:cfg:synth.judge_rounds").set_value(5).run()
    fresh = new_app("synthesize")
    assert fresh.text_input(key="ws:cfg:synth.judge_model").value == "judge-model"
    assert fresh.number_input(key="ws:cfg:synth.judge_rounds").value == 5
    assert fresh.text_input(key="synth_api_key").value == ""           # a new session: no key
    with open_ws(app_env.ws) as ws:
        assert ws.get_setting("synth.judge_rounds") == 5
    del at, fresh
    assert files_containing(app_env.ws.parent, KEY) == []


def test_model_output_and_errors_are_plain_text(app_env):
    """A model's answer and an endpoint's error are shown as text: Markdown in them renders nothing (no image
    is fetched, nothing turns bold)."""
    from app_helpers import MARKDOWN, assert_escaped

    base = {"skills": ["regex", "metaphor"], "k": 2, "style": "agentic", "accepted": None}
    with open_ws(app_env.ws) as ws:
        ws.add_samples([{**base, "id": "ok1", "status": "ok",
                         "messages": [{"role": "user", "content": "Write it."},
                                      {"role": "assistant", "content": MARKDOWN}]},
                        {**base, "id": "bad1", "status": "failed", "error": f"endpoint said {MARKDOWN}",
                         "messages": []}])
    at = new_app("synthesize")
    at.radio(key="ws:cfg:review.decision").set_value("all").run()
    assert_ok(at)
    assert MARKDOWN in [t.value for t in at.text]                       # the answer, as plain text
    assert_escaped(at)
    at.button(key="rev_next").click().run()                             # the failed sample
    assert any("endpoint said" in str(e.value) for e in at.error)
    assert_escaped(at)


def test_an_endpoint_echoing_the_typed_key_gets_it_redacted_and_saved(app_env, server):
    """Issue 11, item 7: an answer holding the key is saved with ``[redacted]`` in its place (the workspace,
    guarding the key, used to refuse the whole batch), and the key is nowhere on disk."""
    approve_top(app_env, 2)
    server.inject("echo_key", times=10)
    at = new_app("synthesize")
    use_endpoint(at, server)
    at.button(key="synth_go").click().run()
    assert_ok(at)
    with open_ws(app_env.ws) as ws:
        samples = ws.samples()
    assert len(samples) == 2 and all(s["status"] == "ok" for s in samples)
    assert all("[redacted]" in s["provenance"]["requests"][0]["response_text"] for s in samples)
    del at
    assert files_containing(app_env.ws.parent, KEY) == []


# ------------------------------------------------------------------------------------------------ review at volume
def review_workspace(env, n_k2: int = 3, n_k3: int = 4):
    """Template samples for the plain top combinations of k = 2 and 3 in the app's workspace, all undecided; the
    tree the app uses."""
    from app_helpers import add_template_samples

    tree = reference_tree(env.files["corpus"])
    combos = [c.to_dict() for c in select_combinations(tree, k=2, beam=20, top=n_k2, **PLAIN)
              + select_combinations(tree, k=3, beam=20, top=n_k3, **PLAIN)]
    samples = add_template_samples(env, combos, accept=0)
    return tree, samples


def lca_id(tree, skills) -> str:
    """The id of the lowest community holding all ``skills``, by brute force over the communities."""
    holders = [c for c in tree.communities if set(skills) <= {tree.skills[i] for i in tree.members(c)}]
    return tree.ids[max(holders, key=lambda c: tree.depth[c])] if holders else "root"


def test_filters_narrow_the_queue_and_are_saved(app_env):
    tree, samples = review_workspace(app_env)
    with open_ws(app_env.ws) as ws:                                  # a grade for two samples: one full, one not
        ws.add_grade(samples[0]["id"], {"status": "ok", "score": 5, "max_score": 5})
        ws.add_grade(samples[4]["id"], {"status": "ok", "score": 3, "max_score": 6})
        ws.set_decision(samples[1]["id"], True)
    at = new_app("synthesize")
    undecided = [s["id"] for s in samples if s["id"] != samples[1]["id"]]
    assert queue_ids(at) == undecided                                # default: to review
    at.radio(key="ws:cfg:review.decision").set_value("all").run()
    assert queue_ids(at) == [s["id"] for s in samples]
    at.selectbox(key="ws:cfg:review.k").set_value(3).run()
    assert queue_ids(at) == [s["id"] for s in samples if s["k"] == 3]
    at.selectbox(key="ws:cfg:review.k").set_value(None).run()
    at.selectbox(key="ws:cfg:review.grade").set_value("full").run()
    assert queue_ids(at) == [samples[0]["id"]]
    at.selectbox(key="ws:cfg:review.grade").set_value("partial").run()
    assert queue_ids(at) == [samples[4]["id"]]
    at.selectbox(key="ws:cfg:review.grade").set_value("ungraded").run()
    assert queue_ids(at) == [s["id"] for s in samples[1:4] + samples[5:]]
    at.selectbox(key="ws:cfg:review.grade").set_value("any").run()
    # community: each option holds the samples whose skills meet in it or in one of its sub-communities
    wanted_by = {}
    for s in samples:
        lca = lca_id(tree, s["skills"])
        node = tree.id_index.get(lca)
        chain = ["root"] if lca == "root" else [tree.ids[v] for v in tree.path(node)]
        for c in chain:
            wanted_by.setdefault(c, []).append(s["id"])
    assert len(wanted_by) > 2 and len(at.selectbox(key="ws:cfg:review.community").options) == len(wanted_by) + 1
    for community, ids in wanted_by.items():
        at.selectbox(key="ws:cfg:review.community").set_value(community).run()
        assert_ok(at)
        assert queue_ids(at) == ids, community
    with open_ws(app_env.ws) as ws:                                  # every filter is a workspace setting
        assert ws.get_setting("review.decision") == "all" and ws.get_setting("review.community") == community
    fresh = new_app("synthesize")                                    # ...and a reload keeps them
    assert fresh.selectbox(key="ws:cfg:review.community").value == community and queue_ids(fresh) == ids


def test_bulk_decisions_on_the_filtered_set_with_undo(app_env):
    tree, samples = review_workspace(app_env)
    k3 = [s["id"] for s in samples if s["k"] == 3]
    at = new_app("synthesize")
    at.selectbox(key="ws:cfg:review.k").set_value(3).run()
    at.selectbox(key="ws:cfg:review.reason").set_value("missing skill").run()
    assert at.button(key="bulk_reject").label == f"Reject all {len(k3)} (missing skill)"
    at.button(key="bulk_reject").click().run()
    assert_ok(at)
    with open_ws(app_env.ws) as ws:
        by_id = {s["id"]: s for s in ws.samples()}
        assert ws.reject_reason_counts() == {"missing skill": len(k3)}
    assert all(by_id[i]["accepted"] is False and by_id[i]["reject_reason"] == "missing skill" for i in k3)
    assert all(by_id[s["id"]]["accepted"] is None for s in samples if s["k"] == 2)       # outside the filter
    assert last_decision(at).startswith(f"Last decision: Rejected {len(k3)} samples (bulk) (missing skill)")
    assert queue_ids(at) == [] and any("Nothing here" in str(i.value) for i in at.info)
    at.button(key="rev_undo").click().run()                          # one Undo takes the whole step back
    with open_ws(app_env.ws) as ws:
        assert all(ws.sample(i)["accepted"] is None for i in k3) and ws.reject_reason_counts() == {}
    assert queue_ids(at) == k3
    at.selectbox(key="ws:cfg:review.k").set_value(None).run()
    at.button(key="bulk_accept").click().run()
    with open_ws(app_env.ws) as ws:
        assert ws.summary().accepted == len(samples)
    at.button(key="rev_undo").click().run()
    with open_ws(app_env.ws) as ws:
        assert ws.summary().undecided == len(samples)


def test_an_accepted_sample_does_not_vanish_without_a_word(app_env):
    """Accepting in "To review" takes the sample off the list: the page says so (toast and the last decision
    with its Undo), and Undo brings it back on screen; the Undo survives a reload."""
    _tree, samples = review_workspace(app_env, 1, 1)
    first = samples[0]["id"]
    at = new_app("synthesize")
    at.button(key="rev_accept").click().run()
    skills = " + ".join(samples[0]["skills"])
    assert first not in queue_ids(at)
    assert [plain(t.value) for t in at.toast] == [f"Accepted {skills} — press u or Undo to take it back"]
    assert last_decision(at).startswith(f"Last decision: Accepted {skills} (1 sample,")
    fresh = new_app("synthesize")                                    # a reload: the Undo is still offered
    assert last_decision(fresh).startswith(f"Last decision: Accepted {skills}")
    fresh.button(key="rev_undo").click().run()
    assert shown_id(fresh) == first and queue_ids(fresh)[0] == first
    with open_ws(app_env.ws) as ws:
        assert ws.sample(first)["accepted"] is None
    assert fresh.button(key="rev_undo").disabled                    # nothing more to undo


def test_reject_reasons_and_notes_are_saved(app_env):
    _tree, samples = review_workspace(app_env, 2, 1)
    at = new_app("synthesize")
    at.selectbox(key="ws:cfg:review.reason").set_value("factual error").run()
    at.text_input(key="rev_note").input("2 + 2 is not 5").run()
    at.button(key="rev_reject").click().run()
    at.selectbox(key="ws:cfg:review.reason").set_value("unsafe").run()
    assert at.text_input(key="rev_note").value == ""                 # the note went with the rejection
    at.button(key="rev_reject").click().run()
    with open_ws(app_env.ws) as ws:
        got = [(s["reject_reason"], s["reject_note"]) for s in ws.samples()]
        assert ws.get_setting("review.reason") == "unsafe"          # the reason chosen is a setting
    assert got == [("factual error", "2 + 2 is not 5"), ("unsafe", None), (None, None)]
    at.radio(key="ws:cfg:review.decision").set_value("rejected").run()
    header = next(str(m.value) for m in at.markdown if "· k=" in str(m.value))
    assert "factual error: 2 \\+ 2 is not 5" in header
    table = next(d.value for d in at.dataframe if "decision" in d.value.columns)
    assert list(table["reason"]) == ["factual error", "unsafe"]


def test_auto_reject_below_a_grade(app_env):
    _tree, samples = review_workspace(app_env, 2, 2)
    scores = [(6, 6), (2, 5), (4, 6), (3, 6)]                          # 100%, 40%, 67%, 50%
    with open_ws(app_env.ws) as ws:
        for s, (score, top) in zip(samples, scores):
            ws.add_grade(s["id"], {"status": "ok", "score": score, "max_score": top})
        ws.set_decision(samples[1]["id"], True)                      # a person's decision is never changed
    at = new_app("synthesize")
    at.slider(key="ws:cfg:review.auto_reject_below").set_value(0.6).run()
    low = [samples[3]["id"]]                                         # 40% is accepted by a person; 50% < 60%
    assert at.button(key="auto_reject_now").label == "Reject the 1 undecided graded below 60% now"
    at.button(key="auto_reject_now").click().run()
    with open_ws(app_env.ws) as ws:
        rejected = [s["id"] for s in ws.samples(accepted=False)]
        assert ws.get_setting("review.auto_reject_below") == 0.6
        assert ws.sample(low[0])["reject_reason"] == "low grade" and ws.sample(samples[1]["id"])["accepted"]
    assert rejected == low
    at.button(key="rev_undo").click().run()
    with open_ws(app_env.ws) as ws:
        assert ws.samples(accepted=False) == []


def test_grading_rejects_automatically_what_the_judge_grades_low(app_env, fake_openai):
    """With a threshold set, grading the queue rejects the samples the judge graded below it (a judge that
    gives a point to the first skill only)."""
    import json
    import re

    from fake_openai import default_responder

    def stingy(body):
        last = body["messages"][-1]["content"]
        m = re.search(r"Score each of the following (\d+) points", last)
        if m:
            return json.dumps({"scores": [1] + [0] * (int(m.group(1)) - 1)})
        return default_responder(body)

    fake_openai.responder = stingy
    approve_top(app_env, 2)
    at = new_app("synthesize")
    use_endpoint(at, fake_openai)
    at.button(key="synth_go").click().run()
    at.number_input(key="ws:cfg:synth.judge_rounds").set_value(1).run()
    at.slider(key="ws:cfg:review.auto_reject_below").set_value(0.5).run()
    at.button(key="grade_go").click().run()
    assert_ok(at)
    with open_ws(app_env.ws) as ws:
        samples = ws.samples()
        grades = {g["sample_id"]: g["grade"] for g in ws.grades()}
    assert len(grades) == 2 and all(g["score"] / g["max_score"] < 0.5 for g in grades.values())
    assert [(s["accepted"], s["reject_reason"]) for s in samples] == [(False, "low grade")] * 2


def plan_table(at):
    """The table of combinations the next run will make."""
    return next(d.value for d in at.dataframe if "to make" in d.value.columns)


def test_the_run_lists_its_combinations_before_it_starts(app_env):
    combos = approve_top(app_env, 3)
    at = new_app("synthesize")
    plan = plan_table(at)
    assert sorted(plan["skills"]) == sorted(" + ".join(c.skills) for c in combos)
    assert list(plan["to make"]) == [1, 1, 1] and list(plan["already made"]) == [0, 0, 0]
    assert "Combinations this run will make (3)" in [e.label for e in at.expander]
    at.number_input(key="ws:cfg:synth.per_combo").set_value(2).run()
    assert list(plan_table(at)["to make"]) == [2, 2, 2]
    at.button(key="synth_go").click().run()
    assert "Combinations this run will make (0)" in [e.label for e in at.run().expander]
    at.checkbox(key="synth_redo").check().run()                         # make again: all of them
    assert list(plan_table(at)["already made"]) == [0, 0, 0]
    assert list(plan_table(at)["to make"]) == [2, 2, 2]


def test_connection_against_the_fake_server(app_env, fake_openai):
    at = new_app("synthesize")
    use_endpoint(at, fake_openai)
    at.button(key="synth_test").click().run()
    assert_ok(at)
    said = plain(at.success[0].value)
    assert "Models listed in" in said and "fake-judge, fake-model" in said
    assert "Model fake-model answered in" in said and "API key: typed for this session" in said
    assert [r["model"] for r in fake_openai.requests] == ["fake-model"]
    assert KEY not in said and KEY not in str([e.value for e in at.error])
    at.text_input(key="ws:cfg:synth.model").input("other").run()          # another model: the report is gone
    assert not at.success
    fake_openai.inject("401", times=3)
    at.button(key="synth_test").click().run()
    assert "did not answer: the endpoint refused the API key (HTTP 401)" in plain(at.error[0].value)
    del at
    assert files_containing(app_env.ws.parent, KEY) == []
