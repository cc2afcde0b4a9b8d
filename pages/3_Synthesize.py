"""Synthesize: samples for the approved combinations (an LLM endpoint or the offline template backend), the
estimate before a run and the tokens and cost spent per community after, then review: accept, reject or edit
each sample, and grade on demand."""

from __future__ import annotations

import streamlit as st

from pages.ui import charts, common
from steps_core.coverage import usage_by_community, usage_totals
from steps_core.corpus import iter_records
from steps_core.grade import Judge, grade_sample, graded_points, metrics_report
from steps_core.llm import LLMClient, Price, ResponseCache, default_cache_path, resolve_api_key
from steps_core.synth import (STYLES, OpenAIBackend, TemplateBackend, estimate_run, format_prompt, plan_jobs,
                              synthesize)
from steps_core.workspace import READ_ONLY_NOTE

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


# ------------------------------------------------------------------------------------------------ the API key
KEY_FIELD = "synth_api_key"          # the widget; Streamlit drops its state when the user leaves the page
API_KEY = "_api_key"                 # the key typed for this session (kept across pages and workspaces)
GUARDED = "_api_key_guarded"         # the workspace files on which it is guarded


def _guard(key: str) -> None:
    """Refuse to write ``key`` to the open workspace (a key of 8 characters or more: see ``guard_secret``)."""
    ws = common.workspace()
    ws.guard_secret(key)
    st.session_state.setdefault(GUARDED, set()).add(str(ws.path))


def key_changed() -> None:
    """The key field changed: the old key is no longer guarded (anywhere this session guarded it), the new
    one is. A key left guarded would block writing any value holding it, for every session of the server."""
    old = st.session_state.get(API_KEY) or ""
    new = st.session_state.get(KEY_FIELD) or ""
    if old and old != new:
        for path in st.session_state.pop(GUARDED, set()):
            common.open_workspace_named(path).unguard_secret(old)
    st.session_state[API_KEY] = new
    if new:
        _guard(new)


def api_key_field(col) -> str:
    """The key field, started from the key typed earlier in this session; the key in use."""
    if KEY_FIELD not in st.session_state:
        st.session_state[KEY_FIELD] = st.session_state.get(API_KEY, "")
    env_key = resolve_api_key() is not None
    col.text_input("API key", type="password", key=KEY_FIELD, on_change=key_changed,
                   placeholder="from $OPENAI_API_KEY" if env_key else "none (fine for local endpoints)",
                   help="Used for this browser session only: never saved to the workspace, logs or exports.")
    key = st.session_state.get(API_KEY) or ""
    if key:
        _guard(key)                  # also on a workspace opened since it was typed
    return key


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
    cfg["base_url"] = c[0].text_input("Base URL", key=common.bind_text("synth.base_url"),
                                      on_change=common.save, args=("synth.base_url",),
                                      placeholder="empty: $OPENAI_BASE_URL or api.openai.com",
                                      help="the endpoint's address, e.g. http://localhost:8000/v1 for vLLM")
    cfg["model"] = c[1].text_input("Model", key=common.bind_text("synth.model"),
                                   on_change=common.save, args=("synth.model",))
    cfg["api_key"] = api_key_field(c[2])
    d = st.columns(5)
    cfg["temperature"] = d[0].slider("Temperature", 0.0, 2.0, step=0.1,
                                     key=common.bind_float("synth.temperature", 0.7, 0.0, 2.0),
                                     on_change=common.save, args=("synth.temperature",))
    cfg["workers"] = d[1].number_input("Parallel requests", 1, 64, step=1,
                                       key=common.bind_int("synth.workers", 4, 1, 64),
                                       on_change=common.save, args=("synth.workers",))
    cfg["timeout"] = d[2].number_input("Timeout (s)", 5, 600, step=5,
                                       key=common.bind_int("synth.timeout", 120, 5, 600),
                                       on_change=common.save, args=("synth.timeout",))
    cfg["price_in"] = d[3].number_input("$ per 1M input tokens", 0.0, 1000.0, step=0.05, format="%.2f",
                                        key=common.bind_float("synth.price_in", 0.0, 0.0, 1000.0),
                                        on_change=common.save, args=("synth.price_in",),
                                        help="for the cost estimate; 0 = unknown")
    cfg["price_out"] = d[4].number_input("$ per 1M output tokens", 0.0, 1000.0, step=0.05, format="%.2f",
                                         key=common.bind_float("synth.price_out", 0.0, 0.0, 1000.0),
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
def job_input(approved: list[dict]) -> list[dict]:
    """What to synthesise, from the workspace's approved entries: each combination as it was approved (its
    skills, gain, LCA path and tree version go into the samples' provenance), or its skills alone for an
    entry stored without them."""
    return [e["info"] if e["info"].get("skills") else {"skills": e["skills"]} for e in approved]


def plan(approved: list[dict], style: str, per_combo: int, seed: int):
    """The jobs for the approved combinations (cached by the combinations, style, seed and data files)."""
    source = common.current_source()
    combos = job_input(approved)
    key = common.cache_key(combos, style, per_combo, seed, str(source.corpus), common.fingerprint(source.corpus),
                           common.content_key(source.catalog), common.content_key(source.topics))

    def compute():
        return plan_jobs(combos, style=style, catalog=common.catalog(source), topics=common.topics(source),
                         records=iter_records(source.corpus, skip_bad=True) if style == "composite" else None,
                         seed=seed, samples_per_combo=per_combo)

    return common.memo("jobs", key, compute)


def generate(jobs, cfg: dict, version: str | None) -> None:
    """Run the jobs, saving and showing each sample the moment it arrives; each records ``version``, the
    taxonomy in use (the combination in its provenance keeps the version it was selected in)."""
    ws = common.workspace()
    _bar, update = common.progress_bar("Samples")
    live = st.container(height=360)
    ok = failed = 0
    with common.shown_errors("Generation stopped: "):
        for done, sample in enumerate(synthesize(jobs, backend(cfg), workers=int(cfg.get("workers") or 1)), 1):
            sample["tree_version"] = version
            ws.add_samples([sample])
            ok += sample["status"] == "ok"
            failed += sample["status"] != "ok"
            update(done, len(jobs), f"{ok} ok · {failed} failed")
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
                                  key=common.bind_int("synth.per_combo", 1, 1, 20),
                                  on_change=common.save, args=("synth.per_combo",))
    seed = c[2].number_input("Seed", 0, common.MAX_SEED, step=1, key=common.bind_int("synth.seed", 0, 0, common.MAX_SEED),
                             on_change=common.save, args=("synth.seed",),
                             help="same seed, same seed examples, topics and request seeds")
    if not approved:
        st.info("No approved combinations yet: approve some on the Combinations page.", icon=":material/info:")
        st.page_link(common.page_path("Combinations"), label="Go to Combinations", icon=":material/arrow_forward:")
        return
    with common.shown_errors("Cannot prepare the prompts: "):
        jobs = plan(approved, style, int(per_combo), int(seed))
        made = set(ws.sample_ids())
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
                st.warning(f"This one cannot be made: {common.md(job.problem)}")
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


#: What the workspace keeps of a grade (its points; the judge, usage and votes go to ``judge``).
GRADE_FIELDS = ("status", "points", "score", "max_score", "full_marks", "all_skills", "skill_fraction",
                "n_sentences", "max_sentences", "named_verbatim", "error")


def store_grade(sample_id: str, grade: dict) -> None:
    """Keep a grade (:func:`steps_core.grade.grade_sample`'s ``grade``) in the workspace."""
    common.workspace().add_grade(sample_id, grade)


def grade(sample_ids: list[str], cfg: dict, judge_model: str, rounds: int) -> None:
    """Grade these samples (read with their provenance: the judge needs the topic)."""
    ws = common.workspace()
    judge = Judge(client(cfg), judge_model, rounds=rounds, catalog=common.catalog(common.current_source()),
                  price=price(cfg))
    _bar, update = common.progress_bar("Graded")
    for i, sid in enumerate(sample_ids, 1):
        sample = ws.sample(sid)
        g = grade_sample(sample, judge)["grade"] if sample is not None else None
        if g is not None:
            store_grade(sid, g)
        update(i, len(sample_ids))


def sample_card(s: dict, grades: dict) -> None:
    sid = s["id"]
    decision = {True: ":green[accepted]", False: ":red[rejected]", None: ":gray[to review]"}[s["accepted"]]
    g = grades.get(sid)
    score = f" · grade {g['grade'].get('score')}/{g['grade'].get('max_score')}" \
        if g and g["grade"].get("status") == "ok" else ""
    with st.container(border=True):
        st.markdown(f"**{' + '.join(common.md(x) for x in s['skills'])}** · k={s['k']} · {common.md(s['style'])} · "
                    f"{decision}{' · edited' if s['edited'] else ''}{score}")
        if s["status"] != "ok":
            st.error(f"Synthesis failed: {common.md(s.get('error'))}")
        editing = st.session_state.get(f"editing_{sid}", False)
        for i, m in enumerate(s["messages"]):
            with st.chat_message(m["role"]):
                if editing:
                    st.text_area(m["role"], m["content"], key=f"edit_{sid}_{i}", height=160,
                                 label_visibility="collapsed")
                else:
                    st.text(m["content"])                   # model output is text, never Markdown
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
    samples = ws.samples(accepted=FILTERS[which][1], with_provenance=False)
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
            judge_model = c[0].text_input("Judge model", key=common.bind_text("synth.judge_model",
                                                                               cfg.get("model") or ""),
                                          on_change=common.save, args=("synth.judge_model",))
            rounds = c[1].number_input("Rounds", 1, 9, step=2, key=common.bind_int("synth.judge_rounds", 3, 1, 9),
                                       on_change=common.save, args=("synth.judge_rounds",),
                                       help="the judge answers this many times; the majority counts")
            if c[2].button(f"Grade the {len(shown)} shown", key="grade_go", disabled=not judge_model):
                with common.shown_errors("Grading stopped: "):
                    grade([x["id"] for x in shown if x["status"] == "ok"], cfg, judge_model, int(rounds))
                    st.rerun()
        points = graded_points({"grade": g["grade"]} for g in grades.values())
        if points:
            report = metrics_report(points)
            rows = [{"k": k, **m} for k, m in [*report["per_k"].items(), ("all", report["overall"])]]
            st.dataframe(rows, hide_index=True, column_order=["k", "n", "full_marks", "all_skills", "skill_fraction"],
                         column_config={c: st.column_config.NumberColumn(format="%.3f")
                                        for c in ("full_marks", "all_skills", "skill_fraction")})
    for sample in shown:
        sample_card(sample, grades)


def spending(tree) -> None:
    """Tokens and cost spent so far, per community (the LCA of each sample's skills in the tree in use): the
    one place that reads the samples' provenance (their usage)."""
    samples = common.workspace().samples()
    if not samples:
        return
    usage = usage_by_community(tree, samples)
    total = usage_totals(usage)
    st.subheader("Spent so far, per community")
    m = st.columns(4)
    m[0].metric("Samples made", f"{total.samples:,}")
    m[1].metric("Input tokens", f"{total.prompt_tokens:,}",
                help="prompt tokens the endpoint reported (cached answers included)")
    m[2].metric("Output tokens", f"{total.completion_tokens:,}", help="completion tokens the endpoint reported")
    template = all((s.get("provenance") or {}).get("backend") == "template" for s in samples)
    m[3].metric("Cost", "free" if template else "unknown" if total.cost_usd is None else f"${total.cost_usd:,.4f}",
                help="from the prices per million tokens set above when the samples were made; unknown when a "
                     "sample was made without prices (or by the template backend)")
    df = charts.usage_frame(usage)
    st.dataframe(charts.styled(df, colours=charts.community_colour_map(tree), formats={"cost ($)": "{:,.4f}"}),
                 hide_index=True, width="stretch", height=common.table_height(len(df), 320),
                 column_config={"community": st.column_config.Column(
                     "community", help="lowest community holding every skill of the sample (— : only the root)")})


def main() -> None:
    common.page_intro("Synthesize", "Turn the approved combinations into training samples with an LLM (or the "
                                    "offline template backend), then accept, reject or edit each one.")
    if common.workspace().read_only:
        st.warning(common.md(READ_ONLY_NOTE.format(path=common.workspace().path)), icon=":material/lock:")
    tree = common.tree_or_none()
    cfg = endpoint_settings()
    st.divider()
    generation(cfg, common.tree_version(tree))
    if tree is not None:
        spending(tree)
    st.divider()
    review(cfg)


with common.shown_errors():          # a bug shows as a message, never as a traceback page
    main()
