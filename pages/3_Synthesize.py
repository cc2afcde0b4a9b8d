"""Synthesize: samples for the approved combinations (an LLM endpoint or the offline template backend), the list of
combinations a run will make and its estimate before it starts, the tokens and cost spent per community after,
then the review at volume: a filtered queue with keyboard shortcuts, bulk decisions, reject reasons and Undo, and
grading on demand.

The work is :mod:`steps_core.synthesis`'s (plan, synthesise into the workspace, grade) and
:mod:`steps_core.review`'s; the model section is :mod:`pages.ui.endpoint`, the review :mod:`pages.ui.review`."""

from __future__ import annotations

import streamlit as st

from pages.ui import charts, usage
from pages.ui.build import tree_or_none, tree_version
from pages.ui.datasource import catalog, content_key, current_source, fingerprint, topics
from pages.ui.endpoint import ModelChoice, model_section
from pages.ui.frame import frame as page_frame
from pages.ui.nav import page_path
from pages.ui.review import review
from pages.ui.tables import swatch_column
from pages.ui.state import MAX_SEED, bound, cache_key, memo, progress_bar, table_height, valid_int, workspace
from pages.ui.text import md, page_intro, shown_errors
from steps_core.corpus import iter_records
from steps_core.coverage import usage_totals
from steps_core.review import run_plan
from steps_core.sample_sinks import WorkspaceSamples
from steps_core.synth import estimate_run, format_prompt
from steps_core.synthesis import SynthSettings, approved_combinations, plan_synthesis, synthesise
from steps_core.names import STYLES
from steps_core.workspace import READ_ONLY_NOTE

frame = page_frame("Synthesize")


# ------------------------------------------------------------------------------------------------ planning
def synth_settings() -> SynthSettings:
    """The prompt style, samples per combination and seed, as workspace settings."""
    c = st.columns([1.4, 1, 1])
    style = bound(c[0].selectbox, "Prompt style", "synth.style", "composite", STYLES.__contains__,
                         options=list(STYLES), format_func=lambda s: f"{s}: {STYLES[s]}")
    per_combo = bound(c[1].number_input, "Samples per combination", "synth.per_combo", 1,
                             valid_int(1, 20), min_value=1, max_value=20, step=1)
    seed = bound(c[2].number_input, "Seed", "synth.seed", 0, valid_int(0, MAX_SEED),
                        min_value=0, max_value=MAX_SEED, step=1,
                        help="same seed, same seed examples, topics and request seeds")
    return SynthSettings(style=style, seed=int(seed), samples_per_combo=int(per_combo))


def plan(combos: list[dict], settings: SynthSettings):
    """The jobs for the approved combinations (cached by the combinations, settings and data files)."""
    source = current_source()
    key = cache_key(combos, settings.style, settings.samples_per_combo, settings.seed, str(source.corpus),
                           fingerprint(source.corpus), content_key(source.catalog),
                           content_key(source.topics))

    def compute():
        records = iter_records(source.corpus, skip_bad=True) if settings.style == "composite" else None
        return plan_synthesis(combos, settings, catalog=catalog(source), topics=topics(source),
                              records=records)

    return memo("jobs", key, compute)


def preview(jobs) -> None:
    """The exact prompt of one planned sample (the second round too, for Skill-Mix)."""
    with st.expander("The prompt that will be sent", icon=":material/visibility:"):
        pick = st.selectbox("Combination", range(len(jobs)), key="synth_preview",
                            format_func=lambda i: " + ".join(jobs[i].skill_names) + f" (#{jobs[i].index + 1})")
        job = jobs[pick]
        if job.problem:
            st.warning(f"This one cannot be made: {md(job.problem)}")
        st.code(format_prompt(job.prompt), language=None, wrap_lines=True)
        if job.improve:
            st.caption("Second round (after the model's draft):")
            st.code(job.improve, language=None, wrap_lines=True)


def run_list(jobs, todo) -> None:
    """The combinations the next run will make, before it starts: skills, k, where they meet, how many samples
    to make now (and already made), and any that cannot be made."""
    rows = run_plan(jobs, [j.id for j in todo])
    with st.expander(f"Combinations this run will make ({len(rows):,})", icon=":material/checklist:",
                     expanded=0 < len(rows) <= 12):
        if not rows:
            st.caption("None: every planned sample is made. Tick *Make again* to redo them.")
            return
        data = [{"skills": " + ".join(r["skills"]), "k": r["k"], "community": r["community"],
                 "to make": r["to_make"], "already made": r["made"], "problem": r["problem"] or ""} for r in rows]
        st.dataframe(data, hide_index=True, width="stretch", height=table_height(len(data), 300), key="synth_plan",
                     column_order=["skills", "k", "community", "to make", "already made", "problem"])


def estimate(todo, model: ModelChoice) -> None:
    est = estimate_run(todo, price=model.generator.price)
    m = st.columns(4)
    m[0].metric("Requests", f"{est.requests:,}")
    m[1].metric("Input tokens (≈)", f"{est.input_tokens:,}", help="4 characters per token, rough")
    m[2].metric("Output tokens (≈)", f"{est.output_tokens:,}", help="a typical answer length per style")
    m[3].metric("Cost (≈)", "free" if model.offline else
                ("unknown" if est.cost_usd is None else f"${est.cost_usd:,.4f}"),
                help="set the prices per million tokens above to estimate it")


# ------------------------------------------------------------------------------------------------ generating
def generate(jobs, model: ModelChoice, sink: WorkspaceSamples, redo: bool) -> None:
    """Make the samples not yet in the workspace (all of them with ``redo``), saving and showing each the moment
    it arrives; each records the taxonomy in use (the sink's tree version)."""
    _bar, update = progress_bar("Samples")
    live = st.container(height=360)
    ok = failed = 0
    with shown_errors("Generation stopped: "):
        run = synthesise(jobs, model.backend(), sink, overwrite=redo)
        for done, sample in enumerate(run.results(workers=model.workers), 1):
            ok += sample["status"] == "ok"
            failed += sample["status"] != "ok"
            update(done, len(run.todo), f"{ok} ok · {failed} failed")
            with live:
                brief(sample)
    if ok + failed:
        st.success(f"Saved {ok + failed} sample(s) to the workspace ({failed} failed). Review them below.")


def brief(sample: dict) -> None:
    skills = " + ".join(md(s) for s in sample["skills"])
    if sample["status"] != "ok":
        st.markdown(f":red[failed] {skills}: {md(sample.get('error') or '')}")
        return
    last = next((m["content"] for m in reversed(sample["messages"]) if m["role"] == "assistant"), "")
    st.markdown(f":green[ok] **{skills}** — {md(last[:220])}{'…' if len(last) > 220 else ''}")


def generation(model: ModelChoice, version: str | None) -> None:
    ws = workspace()
    combos = approved_combinations(ws)
    settings = synth_settings()
    if not combos:
        st.info("No approved combinations yet: approve some on the Combinations page.", icon=":material/info:")
        st.page_link(page_path("Combinations"), label="Go to Combinations", icon=":material/arrow_forward:")
        return
    with shown_errors("Cannot prepare the prompts: "):
        jobs = plan(combos, settings)
        sink = WorkspaceSamples(ws, tree_version=version)
        made = sink.done_ids(dict.fromkeys(j.id for j in jobs))
        redo = st.checkbox("Make again the samples already made", key="synth_redo",
                           help="replaces their text; your accept/reject and edits stay")
        todo = [j for j in jobs if redo or j.id not in made]
        st.markdown(f"**{len(jobs):,}** sample(s) planned for **{len(combos):,}** approved combination(s); "
                    f"**{len(made):,}** already made, **{len(todo):,}** to make now.")
        run_list(jobs, todo)
        preview(jobs)
        estimate(todo, model)
        if not model.offline and not model.generator.model:
            st.warning("Type the model name to generate.")
        ready = bool(todo) and (model.offline or bool(model.generator.model))
        if st.button(f"Generate {len(todo):,} sample(s)", type="primary", icon=":material/auto_awesome:",
                     disabled=not ready, key="synth_go"):
            generate(jobs, model, sink, redo)


# ------------------------------------------------------------------------------------------------ spending
def spending(tree) -> None:
    """Tokens and cost spent so far, per community (the LCA of each sample's skills in the tree in use), read
    lean from the samples' provenance (:mod:`pages.ui.usage`)."""
    found = usage.spending(tree)
    if found is None:
        return
    per_community, template, _ = found
    total = usage_totals(per_community)
    st.subheader("Spent so far, per community")
    m = st.columns(4)
    m[0].metric("Samples made", f"{total.samples:,}")
    m[1].metric("Input tokens", f"{total.prompt_tokens:,}",
                help="prompt tokens the endpoint reported (cached answers included)")
    m[2].metric("Output tokens", f"{total.completion_tokens:,}", help="completion tokens the endpoint reported")
    m[3].metric("Cost", "free" if template else "unknown" if total.cost_usd is None else f"${total.cost_usd:,.4f}",
                help="from the prices per million tokens set above when the samples were made; unknown when a "
                     "sample was made without prices (or by the template backend)")
    df = charts.usage_frame(per_community)
    st.dataframe(charts.with_swatch(df, charts.community_colour_map(tree)), hide_index=True, width="stretch",
                 height=table_height(len(df), 320),
                 column_config={**swatch_column(), "cost ($)": st.column_config.NumberColumn(format="%.4f"),
                                "community": st.column_config.Column(
                                    "community", help="lowest community holding every skill of the sample (— : "
                                                      "only the root)")})


def main() -> None:
    page_intro("Synthesize", "Turn the approved combinations into training samples with an LLM (or the "
                                    "offline template backend), then accept, reject or edit each one.")
    if workspace().read_only:
        st.warning(md(READ_ONLY_NOTE.format(path=workspace().path)), icon=":material/lock:")
    tree = tree_or_none()
    model = model_section()
    st.divider()
    generation(model, tree_version(tree))
    if tree is not None:
        spending(tree)
    st.divider()
    review(model, tree)


with shown_errors():          # a bug shows as a message, never as a traceback page
    main()
