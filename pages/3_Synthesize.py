"""Synthesize: samples for the approved combinations (an LLM endpoint or the offline template backend), the
estimate before a run and the tokens and cost spent per community after, then review: accept, reject or edit
each sample, and grade on demand."""

from __future__ import annotations

import json

import streamlit as st

from pages.ui import charts, common
from steps_core.coverage import usage_by_community
from steps_core.corpus import iter_records
from steps_core.grade import Judge, grade_sample, graded_points, metrics_report
from steps_core.llm import LLMClient, Price, ResponseCache, default_cache_path, resolve_api_key
from steps_core.synth import (STYLES, OpenAIBackend, TemplateBackend, estimate_run, format_prompt, plan_jobs,
                              synthesize)

frame = common.frame("Synthesize")

BACKENDS = {"template": "Template (offline, no model)", "openai": "OpenAI-compatible endpoint"}
STYLE_HELP = {
    "composite": "a new multi-turn conversation that fuses one real example per skill from your corpus",
    "skillmix": "a short text on a topic that shows every skill, written then improved (Skill-Mix)",
    "agentic": "a task on concrete data (a table, JSON, code or a log) solved step by step with every skill",
}
FILTERS = {"undecided": ("To review", None), "accepted": ("Accepted", True), "rejected": ("Rejected", False),
           "all": ("All", "any")}
PAGE_SIZE = 10
KEY_FIELD = "synth_api_key"          # session only: never bound to the workspace


# ------------------------------------------------------------------------------------------------ settings
def endpoint_settings() -> dict:
    """Backend choice and endpoint settings; the API key stays in this session."""
    kind = st.radio("Backend", list(BACKENDS), format_func=BACKENDS.get, horizontal=True,
                    key=common.bind("synth.backend", "template", BACKENDS.__contains__),
                    on_change=common.save, args=("synth.backend",))
    cfg: dict = {"kind": kind}
    if kind == "template":
        st.caption("The template backend needs no model: it writes a placeholder sample from the skills' "
                   "definitions, labelled “[template sample — not model output]”. Use it to try the flow.")
        return cfg
    c = st.columns([2, 1.4, 1.6])
    cfg["base_url"] = c[0].text_input("Base URL", key=common.bind("synth.base_url", "", lambda v: isinstance(v, str)),
                                      on_change=common.save, args=("synth.base_url",),
                                      placeholder="empty: $OPENAI_BASE_URL or api.openai.com",
                                      help="the endpoint's address, e.g. http://localhost:8000/v1 for vLLM")
    cfg["model"] = c[1].text_input("Model", key=common.bind("synth.model", "", lambda v: isinstance(v, str)),
                                   on_change=common.save, args=("synth.model",))
    env_key = resolve_api_key() is not None
    cfg["api_key"] = c[2].text_input(
        "API key", type="password", key=KEY_FIELD,
        placeholder="from $OPENAI_API_KEY" if env_key else "none (fine for local endpoints)",
        help="Used for this browser session only: never saved to the workspace, logs or exports.")
    if cfg["api_key"]:
        common.workspace().guard_secret(cfg["api_key"])
    d = st.columns(5)
    cfg["temperature"] = d[0].slider("Temperature", 0.0, 2.0, step=0.1,
                                     key=common.bind("synth.temperature", 0.7, lambda v: isinstance(v, float)),
                                     on_change=common.save, args=("synth.temperature",))
    cfg["workers"] = d[1].number_input("Parallel requests", 1, 64, step=1,
                                       key=common.bind("synth.workers", 4, lambda v: isinstance(v, int)),
                                       on_change=common.save, args=("synth.workers",))
    cfg["timeout"] = d[2].number_input("Timeout (s)", 5, 600, step=5,
                                       key=common.bind("synth.timeout", 120, lambda v: isinstance(v, int)),
                                       on_change=common.save, args=("synth.timeout",))
    cfg["price_in"] = d[3].number_input("$ per 1M input tokens", 0.0, 1000.0, step=0.05, format="%.2f",
                                        key=common.bind("synth.price_in", 0.0, lambda v: isinstance(v, float)),
                                        on_change=common.save, args=("synth.price_in",),
                                        help="for the cost estimate; 0 = unknown")
    cfg["price_out"] = d[4].number_input("$ per 1M output tokens", 0.0, 1000.0, step=0.05, format="%.2f",
                                         key=common.bind("synth.price_out", 0.0, lambda v: isinstance(v, float)),
                                         on_change=common.save, args=("synth.price_out",))
    return cfg


def price(cfg: dict) -> Price | None:
    if cfg.get("price_in") or cfg.get("price_out"):
        return Price(float(cfg["price_in"]), float(cfg["price_out"]))
    return None


def client(cfg: dict) -> LLMClient:
    return LLMClient(base_url=cfg.get("base_url") or None, api_key=cfg.get("api_key") or None,
                     timeout=float(cfg.get("timeout") or 120),
                     cache=ResponseCache(default_cache_path()))        # shared with the `steps` CLI


def backend(cfg: dict):
    if cfg["kind"] == "template":
        return TemplateBackend()
    return OpenAIBackend(client(cfg), cfg.get("model") or "", temperature=cfg.get("temperature"), price=price(cfg))


# ------------------------------------------------------------------------------------------------ planning
def plan(approved: list[dict], style: str, per_combo: int, seed: int):
    """The jobs for the approved combinations (cached by the combinations, style, seed and data files)."""
    source = common.current_source()
    combos = [e["info"] if e["info"].get("skills") else {"skills": e["skills"]} for e in approved]
    key = json.dumps([combos, style, per_combo, seed, str(source.corpus), common.fingerprint(source.corpus),
                      common.fingerprint(source.catalog), common.fingerprint(source.topics)], sort_keys=True,
                     default=str)

    def compute():
        return plan_jobs(combos, style=style, catalog=common.catalog(source), topics=common.topics(source),
                         records=iter_records(source.corpus, skip_bad=True) if style == "composite" else None,
                         seed=seed, samples_per_combo=per_combo)

    return common.memo("jobs", common._key(key), compute)


def generate(jobs, cfg: dict, version: str | None) -> None:
    """Run the jobs, saving and showing each sample the moment it arrives; each records ``version``, the
    taxonomy in use (the combination in its provenance keeps the version it was selected in)."""
    ws = common.workspace()
    bar = st.progress(0.0, text=f"0 / {len(jobs)} samples")
    live = st.container(height=360)
    ok = failed = 0
    with common.shown_errors("Generation stopped: "):
        for done, sample in enumerate(synthesize(jobs, backend(cfg), workers=int(cfg.get("workers") or 1)), 1):
            sample["tree_version"] = version
            ws.add_samples([sample])
            ok += sample["status"] == "ok"
            failed += sample["status"] != "ok"
            bar.progress(done / len(jobs), text=f"{done} / {len(jobs)} samples · {ok} ok · {failed} failed")
            with live:
                brief(sample)
    if ok + failed:
        st.success(f"Saved {ok + failed} sample(s) to the workspace ({failed} failed). Review them below.")


def brief(sample: dict) -> None:
    skills = " + ".join(common.md(s) for s in sample["skills"])
    if sample["status"] != "ok":
        st.markdown(f":red[failed] {skills}: {common.md(sample.get('error') or '')}")
        return
    last = next((m["content"] for m in reversed(sample["messages"]) if m["role"] == "assistant"), "")
    st.markdown(f":green[ok] **{skills}** — {common.md(last[:220])}{'…' if len(last) > 220 else ''}")


def generation(cfg: dict, version: str | None) -> None:
    ws = common.workspace()
    approved = ws.combo_marks()["approved"]
    c = st.columns([1.4, 1, 1])
    style = c[0].selectbox("Prompt style", STYLES, format_func=lambda s: f"{s}: {STYLE_HELP[s]}",
                           key=common.bind("synth.style", "composite", STYLES.__contains__),
                           on_change=common.save, args=("synth.style",))
    per_combo = c[1].number_input("Samples per combination", 1, 20, step=1,
                                  key=common.bind("synth.per_combo", 1, lambda v: isinstance(v, int)),
                                  on_change=common.save, args=("synth.per_combo",))
    seed = c[2].number_input("Seed", 0, 2**31 - 1, step=1, key=common.bind("synth.seed", 0, lambda v: isinstance(v, int)),
                             on_change=common.save, args=("synth.seed",),
                             help="same seed, same seed examples, topics and request seeds")
    if not approved:
        st.info("No approved combinations yet: approve some on the Combinations page.", icon=":material/info:")
        st.page_link(common.page_path("Combinations"), label="Go to Combinations", icon=":material/arrow_forward:")
        return
    with common.shown_errors("Cannot prepare the prompts: "):
        jobs = plan(approved, style, int(per_combo), int(seed))
        made = {s["id"] for s in ws.samples()}
        redo = st.checkbox("Make again the samples already made", key="synth_redo",
                           help="replaces their text; your accept/reject and edits stay")
        todo = [j for j in jobs if redo or j.id not in made]
        st.markdown(f"**{len(jobs):,}** sample(s) planned for **{len(approved):,}** approved combination(s); "
                    f"**{len(jobs) - len([j for j in jobs if j.id not in made]):,}** already made, "
                    f"**{len(todo):,}** to make now.")
        with st.expander("The prompt that will be sent", icon=":material/visibility:"):
            pick = st.selectbox("Combination", range(len(jobs)), key="synth_preview",
                                format_func=lambda i: " + ".join(jobs[i].skill_names) + f" (#{jobs[i].index + 1})")
            job = jobs[pick]
            if job.problem:
                st.warning(f"This one cannot be made: {job.problem}")
            st.code(format_prompt(job.prompt), language=None, wrap_lines=True)
            if job.improve:
                st.caption("Second round (after the model's draft):")
                st.code(job.improve, language=None, wrap_lines=True)
        est = estimate_run(todo, price=price(cfg))
        m = st.columns(4)
        m[0].metric("Requests", f"{est.requests:,}")
        m[1].metric("Input tokens (≈)", f"{est.input_tokens:,}", help="4 characters per token, rough")
        m[2].metric("Output tokens (≈)", f"{est.output_tokens:,}", help="a typical answer length per style")
        m[3].metric("Cost (≈)", "free" if cfg["kind"] == "template" else
                    ("unknown" if est.cost_usd is None else f"${est.cost_usd:,.4f}"),
                    help="set the prices per million tokens above to estimate it")
        if cfg["kind"] == "openai" and not cfg.get("model"):
            st.warning("Type the model name to generate.")
        ready = bool(todo) and (cfg["kind"] == "template" or bool(cfg.get("model")))
        if st.button(f"Generate {len(todo):,} sample(s)", type="primary", icon=":material/auto_awesome:",
                     disabled=not ready, key="synth_go"):
            generate(todo, cfg, version)


# ------------------------------------------------------------------------------------------------ review
def decide(sample_id: str, accepted: bool | None) -> None:
    with common.shown_errors("Could not save: "):
        common.workspace().set_decision(sample_id, accepted)


def save_edit(sample: dict) -> None:
    messages = [{"role": m["role"], "content": st.session_state.get(f"edit_{sample['id']}_{i}", m["content"])}
                for i, m in enumerate(sample["messages"])]
    with common.shown_errors("Could not save the edit: "):
        common.workspace().set_decision(sample["id"], sample["accepted"], edited_messages=messages)
    st.session_state[f"editing_{sample['id']}"] = False


def revert(sample_id: str) -> None:
    with common.shown_errors("Could not revert: "):
        common.workspace().revert_edit(sample_id)


def grade(samples: list[dict], cfg: dict, judge_model: str, rounds: int) -> None:
    ws = common.workspace()
    judge = Judge(client(cfg), judge_model, rounds=rounds, catalog=common.catalog(common.current_source()),
                  price=price(cfg))
    bar = st.progress(0.0, text="Grading")
    for i, s in enumerate(samples, 1):
        g = grade_sample(s, judge)["grade"]
        if g is not None:
            ws.add_grade(s["id"], {k: g.get(k) for k in ("status", "points", "score", "max_score", "full_marks",
                                                         "all_skills", "skill_fraction", "n_sentences",
                                                         "max_sentences", "named_verbatim", "error")},
                         judge={**g["judge"], "usage": g.get("usage"), "votes": g.get("votes")})
        bar.progress(i / len(samples), text=f"Graded {i} / {len(samples)}")


def sample_card(s: dict, grades: dict) -> None:
    sid = s["id"]
    decision = {True: ":green[accepted]", False: ":red[rejected]", None: ":gray[to review]"}[s["accepted"]]
    g = grades.get(sid)
    score = f" · grade {g['points'].get('score')}/{g['points'].get('max_score')}" \
        if g and g["points"].get("status") == "ok" else ""
    with st.container(border=True):
        st.markdown(f"**{' + '.join(common.md(x) for x in s['skills'])}** · k={s['k']} · {s['style']} · "
                    f"{decision}{' · edited' if s['edited'] else ''}{score}")
        if s["status"] != "ok":
            st.error(f"Synthesis failed: {s.get('error')}")
        editing = st.session_state.get(f"editing_{sid}", False)
        for i, m in enumerate(s["messages"]):
            with st.chat_message(m["role"]):
                if editing:
                    st.text_area(m["role"], m["content"], key=f"edit_{sid}_{i}", height=160,
                                 label_visibility="collapsed")
                else:
                    st.markdown(m["content"])
        c = st.columns([1, 1, 1.1, 1.1, 1.2, 2.5])
        c[0].button("Accept", key=f"acc_{sid}", icon=":material/check:", on_click=decide, args=(sid, True),
                    disabled=s["accepted"] is True or s["status"] != "ok")
        c[1].button("Reject", key=f"rej_{sid}", icon=":material/close:", on_click=decide, args=(sid, False),
                    disabled=s["accepted"] is False)
        c[2].button("Undecide", key=f"und_{sid}", on_click=decide, args=(sid, None), disabled=s["accepted"] is None)
        if editing:
            c[3].button("Save edit", key=f"save_{sid}", type="primary", on_click=save_edit, args=(s,))
            c[4].button("Cancel", key=f"cancel_{sid}", on_click=st.session_state.__setitem__,
                        args=(f"editing_{sid}", False))
        else:
            c[3].button("Edit", key=f"editbtn_{sid}", icon=":material/edit:", disabled=not s["messages"],
                        on_click=st.session_state.__setitem__, args=(f"editing_{sid}", True))
            c[4].button("Revert edit", key=f"rev_{sid}", disabled=not s["edited"], on_click=revert, args=(sid,))


def review(cfg: dict) -> None:
    ws = common.workspace()
    st.subheader("Review")
    s = ws.summary()
    which = st.radio("Show", list(FILTERS), horizontal=True, key="rev_filter", format_func=lambda k: FILTERS[k][0])
    st.caption(f"{s.samples:,} samples: {s.undecided:,} to review, {s.accepted:,} accepted, {s.rejected:,} rejected, "
               f"{s.edited:,} edited, {s.graded:,} graded.")
    samples = ws.samples(accepted=FILTERS[which][1])
    if not samples:
        st.caption("Nothing here.")
        return
    pages = (len(samples) - 1) // PAGE_SIZE + 1
    page = st.number_input(f"Page (of {pages})", 1, pages, 1, key=f"rev_page_{which}") if pages > 1 else 1
    shown = samples[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    grades = {g["sample_id"]: g for g in ws.grades()}               # the last round wins
    with st.expander("Grade with an LLM judge (Skill-Mix rubric)", icon=":material/grading:"):
        if cfg["kind"] != "openai":
            st.caption("Grading needs an LLM judge: choose the OpenAI-compatible backend above.")
        else:
            c = st.columns([2, 1, 1.4], vertical_alignment="bottom")
            judge_model = c[0].text_input("Judge model", value=cfg.get("model") or "", key="judge_model")
            rounds = c[1].number_input("Rounds", 1, 9, 3, step=2, key="judge_rounds",
                                       help="the judge answers this many times; the majority counts")
            if c[2].button(f"Grade the {len(shown)} shown", key="grade_go", disabled=not judge_model):
                with common.shown_errors("Grading stopped: "):
                    grade([x for x in shown if x["status"] == "ok"], cfg, judge_model, int(rounds))
                    st.rerun()
        points = graded_points([{**x, "grade": grades[x["id"]]["points"]} for x in ws.samples()
                                if x["id"] in grades])
        if points:
            report = metrics_report(points)
            rows = [{"k": k, **m} for k, m in [*report["per_k"].items(), ("all", report["overall"])]]
            st.dataframe(rows, hide_index=True, column_order=["k", "n", "full_marks", "all_skills", "skill_fraction"],
                         column_config={c: st.column_config.NumberColumn(format="%.3f")
                                        for c in ("full_marks", "all_skills", "skill_fraction")})
    for sample in shown:
        sample_card(sample, grades)


def spending(tree) -> None:
    """Tokens and cost spent so far, per community (the LCA of each sample's skills in the tree in use)."""
    samples = common.workspace().samples()
    if not samples:
        return
    usage = usage_by_community(tree, samples)
    st.subheader("Spent so far, per community")
    prompt = sum(u.prompt_tokens for u in usage)
    completion = sum(u.completion_tokens for u in usage)
    costs = [u.cost_usd for u in usage]
    m = st.columns(4)
    m[0].metric("Samples made", f"{sum(u.samples for u in usage):,}")
    m[1].metric("Input tokens", f"{prompt:,}", help="prompt tokens the endpoint reported (cached answers included)")
    m[2].metric("Output tokens", f"{completion:,}", help="completion tokens the endpoint reported")
    template = all((s.get("provenance") or {}).get("backend") == "template" for s in samples)
    m[3].metric("Cost", "free" if template else "unknown" if any(c is None for c in costs) else f"${sum(costs):,.4f}",
                help="from the prices per million tokens set above when the samples were made; unknown when a "
                     "sample was made without prices (or by the template backend)")
    df = charts.usage_frame(usage)
    st.dataframe(charts.styled(df, colours=charts.community_colour_map(tree), formats={"cost ($)": "{:,.4f}"}),
                 hide_index=True, width="stretch", height=min(320, 35 * (len(df) + 1) + 3),
                 column_config={"community": st.column_config.Column(
                     "community", help="lowest community holding every skill of the sample (— : only the root)")})


def main() -> None:
    common.page_intro("Synthesize", "Turn the approved combinations into training samples with an LLM (or the "
                                    "offline template backend), then accept, reject or edit each one.")
    tree = common.tree_or_none()
    cfg = endpoint_settings()
    st.divider()
    generation(cfg, tree.version if tree is not None else common.workspace().get_setting("tree_version"))
    if tree is not None:
        spending(tree)
    st.divider()
    review(cfg)


with common.shown_errors():          # a bug shows as a message, never as a traceback page
    main()
