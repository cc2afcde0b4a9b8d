"""The Synthesize page's review: accept, reject or edit each sample (saved at once), and grade the shown ones
with an LLM judge (:func:`steps_core.synthesis.grade` into the workspace), with the Skill-Mix metrics."""

from __future__ import annotations

import streamlit as st

from pages.ui import common
from pages.ui.endpoint import ModelChoice
from steps_core.grade import graded_points, metrics_report
from steps_core.sample_sinks import WorkspaceGrades
from steps_core.synthesis import grade

#: The review filters: label and the ``accepted`` value :meth:`~steps_core.workspace.Workspace.samples` takes.
FILTERS = {"undecided": ("To review", None), "accepted": ("Accepted", True), "rejected": ("Rejected", False),
           "all": ("All", "any")}
PAGE_SIZE = 10
DECISIONS = {True: ":green[accepted]", False: ":red[rejected]", None: ":gray[to review]"}


# ------------------------------------------------------------------------------------------------ decisions
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


def _set_editing(sample_id: str, on: bool) -> None:
    st.session_state[f"editing_{sample_id}"] = on


def _buttons(s: dict, editing: bool) -> None:
    sid = s["id"]
    c = st.columns([1, 1, 1.1, 1.1, 1.2, 2.5])
    c[0].button("Accept", key=f"acc_{sid}", icon=":material/check:", on_click=decide, args=(sid, True),
                disabled=s["accepted"] is True or s["status"] != "ok")
    c[1].button("Reject", key=f"rej_{sid}", icon=":material/close:", on_click=decide, args=(sid, False),
                disabled=s["accepted"] is False)
    c[2].button("Undecide", key=f"und_{sid}", on_click=decide, args=(sid, None), disabled=s["accepted"] is None)
    if editing:
        c[3].button("Save edit", key=f"save_{sid}", type="primary", on_click=save_edit, args=(s,))
        c[4].button("Cancel", key=f"cancel_{sid}", on_click=_set_editing, args=(sid, False))
    else:
        c[3].button("Edit", key=f"editbtn_{sid}", icon=":material/edit:", disabled=not s["messages"],
                    on_click=_set_editing, args=(sid, True))
        c[4].button("Revert edit", key=f"rev_{sid}", disabled=not s["edited"], on_click=revert, args=(sid,))


def sample_card(s: dict, grades: dict) -> None:
    """One sample: its skills, decision and grade, its conversation (as plain text, or text areas while
    editing), and the decision buttons."""
    sid = s["id"]
    g = grades.get(sid)
    score = f" · grade {g['grade'].get('score')}/{g['grade'].get('max_score')}" \
        if g and g["grade"].get("status") == "ok" else ""
    with st.container(border=True):
        st.markdown(f"**{' + '.join(common.md(x) for x in s['skills'])}** · k={s['k']} · {common.md(s['style'])} · "
                    f"{DECISIONS[s['accepted']]}{' · edited' if s['edited'] else ''}{score}")
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
        _buttons(s, editing)


# ------------------------------------------------------------------------------------------------ grading
def grade_samples(sample_ids: list[str], model: ModelChoice, judge_model: str, rounds: int) -> None:
    """Grade these samples into the workspace, a round each (read with their provenance: the judge needs the
    topic)."""
    ws = common.workspace()
    judge = model.judge(judge_model, rounds)
    samples = [s for s in map(ws.sample, sample_ids) if s is not None]
    _bar, update = common.progress_bar("Graded")
    for _ in grade(samples, judge, WorkspaceGrades(ws)).results(workers=1, progress=update):
        pass


def grading(shown: list[dict], grades: dict, model: ModelChoice) -> None:
    """The judge's settings, a button grading the shown samples, and the metrics of every graded sample."""
    if model.offline:
        st.caption("Grading needs an LLM judge: choose the OpenAI-compatible backend above.")
    else:
        c = st.columns([2, 1.4, 1.4], vertical_alignment="bottom")
        judge_model = common.bound(c[0].text_input, "Judge model", "synth.judge_model", model.generator.model,
                                   lambda v: isinstance(v, str))
        rounds = common.bound(c[1].number_input, "Rounds", "synth.judge_rounds", 3, common.valid_int(1, 9),
                              min_value=1, max_value=9, step=2,
                              help="the judge answers this many times; the majority counts")
        if c[2].button(f"Grade the {len(shown)} shown", key="grade_go", disabled=not judge_model):
            with common.shown_errors("Grading stopped: "):
                grade_samples([x["id"] for x in shown if x["status"] == "ok"], model, judge_model, int(rounds))
                st.rerun()
    points = graded_points({"grade": g["grade"]} for g in grades.values())
    if points:
        report = metrics_report(points)
        rows = [{"k": k, **m} for k, m in [*report["per_k"].items(), ("all", report["overall"])]]
        st.dataframe(rows, hide_index=True, column_order=["k", "n", "full_marks", "all_skills", "skill_fraction"],
                     column_config={c: st.column_config.NumberColumn(format="%.3f")
                                    for c in ("full_marks", "all_skills", "skill_fraction")})


def review(model: ModelChoice) -> None:
    """The samples of the chosen filter, a page at a time, each with its decision buttons; grading above them."""
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
        grading(shown, grades, model)
    for sample in shown:
        sample_card(sample, grades)
