"""The Synthesize page's review at volume: a queue of samples with filters (decision, community, k, grade), one
sample at a time with accept / reject (with a reason and a note) / undecide / edit, keyboard shortcuts, bulk
decisions on the whole filtered set, an Undo of the last decision, and grading with an LLM judge that can
reject automatically what it grades low.

Every decision goes through :meth:`~steps_core.workspace.Workspace.decide` (saved and logged at once, so *Undo*
works after a reload too); the filters, the reason and the auto-reject threshold are workspace settings; the
queue logic is :mod:`steps_core.review`'s. The sample shown is remembered in the session and in the workspace
(``review.cursor``), so a reload comes back to it.
"""

from __future__ import annotations

from typing import Any, Callable

import pandas as pd
import streamlit as st

from steps_core import review as rv
from steps_core.grade import graded_points, metrics_report
from steps_core.sample_sinks import WorkspaceGrades
from steps_core.synthesis import grade
from steps_core.tree import EncodingTree

from .endpoint import ModelChoice
from .keys import shortcuts
from .state import bound, cache_key, progress_bar, table_height, valid_float, valid_int, workspace
from .text import md, shown_errors
from .usage import sample_communities

#: Keyboard shortcuts of the review: key -> action.
KEYMAP = {"a": "accept", "r": "reject", "j": "next", "n": "next", "k": "previous", "p": "previous", "e": "edit",
          "u": "undo"}
KEY_HELP = ("**Keys:** `a` accept · `r` reject (with the reason chosen) · `j` / `n` next · `k` / `p` previous · "
            "`e` edit · `u` undo the last decision. Keys typed in a text box are text, not shortcuts.")
DECISION_LABELS = {"undecided": "To review", "accepted": "Accepted", "rejected": "Rejected", "all": "All"}
GRADE_LABELS = {"any": "Any grade", "ungraded": "Not graded", "full": "Full marks", "partial": "Below full marks",
                "failed": "Grading failed"}
DECISIONS = {True: ":green[accepted]", False: ":red[rejected]", None: ":gray[to review]"}
#: Session keys: the sample shown, the message of the last action (shown as a toast), the note being typed.
CURSOR, FLASH, NOTE = "rev_cursor", "rev_flash", "rev_note"
#: Most rows the queue's table lists (the queue itself has no limit).
MAX_TABLE = 2000


# ------------------------------------------------------------------------------------------------ decisions
def _skills(ids: list[str]) -> str:
    s = workspace().sample(ids[0]) if len(ids) == 1 else None
    return " + ".join(s["skills"]) if s else f"{len(ids)} samples"


def _move(sample_id: str | None) -> None:
    """Show ``sample_id`` next (session and workspace: a reload comes back to it)."""
    st.session_state[CURSOR] = sample_id
    with shown_errors("Could not save: "):
        workspace().set_setting("review.cursor", sample_id)


def decide(ids: list[str], accepted: bool | None, then: str | None = None, *, reason: str | None = None,
           note: str | None = None, what: str | None = None) -> None:
    """Decide on ``ids`` (one logged, undoable action) and show ``then`` next; a toast says what was done."""
    verb = {True: "Accepted", False: "Rejected", None: "Marked to review"}[accepted]
    label = f"{verb} {what or _skills(ids)}" + (f" ({reason})" if reason else "")
    with shown_errors("Could not save: "):
        done = workspace().decide(ids, accepted, reason=reason, note=note, label=label)
        if accepted is False:
            st.session_state[NOTE] = ""
        st.session_state[FLASH] = (f"{done.label} — press u or Undo to take it back" if done else
                                   "Nothing changed: " + ("failed samples are never accepted"
                                                          if accepted else "already so"))
        _move(then)


def undo() -> None:
    with shown_errors("Could not undo: "):
        done = workspace().undo_decision()
        st.session_state[FLASH] = f"Undone: {done.label}" if done else "Nothing to undo."
        if done and done.sample_ids:
            _move(done.sample_ids[0])


def save_edit(sample: dict) -> None:
    messages = [{"role": m["role"], "content": st.session_state.get(f"edit_{sample['id']}_{i}", m["content"])}
                for i, m in enumerate(sample["messages"])]
    with shown_errors("Could not save the edit: "):
        workspace().set_decision(sample["id"], sample["accepted"], edited_messages=messages)
        st.session_state[FLASH] = "Edit saved (the generated text is kept: Revert edit brings it back)."
    st.session_state[f"editing_{sample['id']}"] = False


def revert(sample_id: str) -> None:
    with shown_errors("Could not revert: "):
        workspace().revert_edit(sample_id)


def _set_editing(sample_id: str, on: bool) -> None:
    st.session_state[f"editing_{sample_id}"] = on


def act(action: str, current: str | None, nxt: str | None, prev: str | None) -> None:
    """One review action on the sample shown (``current``; its neighbours in the queue ``nxt`` and ``prev``):
    what a button or a key does. Accept and reject show the next sample."""
    if action == "undo":
        undo()
    elif current is None:
        return
    elif action == "accept":
        decide([current], True, nxt or prev)
    elif action == "reject":
        decide([current], False, nxt or prev, reason=chosen_reason(), note=st.session_state.get(NOTE) or None)
    elif action == "next" and nxt:
        _move(nxt)
    elif action == "previous" and prev:
        _move(prev)
    elif action == "edit":
        _set_editing(current, True)


def _on_key(event: dict) -> None:
    context = event.get("context") or {}
    act(event["action"], context.get("current"), context.get("next"), context.get("previous"))


def chosen_reason() -> str:
    """The reject reason chosen (a workspace setting)."""
    value = workspace().get_setting("review.reason", "off-topic")
    return value if value in rv.REJECT_REASONS else "off-topic"


# ------------------------------------------------------------------------------------------------ the queue
def _choice(widget: Callable, label: str, key: str, default: Any, options: list, **kwargs) -> Any:
    """A workspace-bound choice among ``options`` (a stored value no longer offered falls back to ``default``)."""
    widget_key = "ws:cfg:" + key
    if widget_key in st.session_state and st.session_state[widget_key] not in options:
        st.session_state[widget_key] = default
    return bound(widget, label, key, default, lambda v: v in options, options=options, **kwargs)


def _community_label(tree: EncodingTree | None, ident: str | None) -> str:
    if ident is None:
        return "All communities"
    if ident == rv.BRIDGES:
        return "Across top-level communities"
    node = tree.id_index.get(ident) if tree is not None else None
    return f"{ident} · {tree.labels[node]}" if node is not None else ident


def filters(tree: EncodingTree | None, rows: list[dict], lca: dict) -> rv.ReviewFilter:
    """The queue's filters, as workspace settings."""
    c = st.columns([2.3, 2.2, 0.9, 1.4], vertical_alignment="bottom")
    decision = _choice(c[0].radio, "Show", "review.decision", "undecided", list(rv.DECISIONS), horizontal=True,
                       format_func=DECISION_LABELS.get)
    counts = rv.community_counts(tree, lca) if tree is not None else {}
    community = _choice(c[1].selectbox, "Community", "review.community", None, [None, *counts],
                        format_func=lambda i: _community_label(tree, i) + (f" ({counts[i]:,})" if i in counts else ""),
                        help="where the sample's skills meet in the taxonomy in use (a community includes its "
                             "sub-communities)")
    ks = sorted({r["k"] for r in rows})
    k = _choice(c[2].selectbox, "k", "review.k", None, [None, *ks],
                format_func=lambda v: "all" if v is None else str(v), help="number of skills in the sample")
    band = _choice(c[3].selectbox, "Grade", "review.grade", "any", list(rv.GRADE_BANDS),
                   format_func=GRADE_LABELS.get, help="the band of the sample's latest grade")
    return rv.ReviewFilter(decision=decision, community=community, k=k, grade=band)


def bulk(queue: list[dict], flt: rv.ReviewFilter) -> None:
    """Accept or reject every sample the filters show (one action: one Undo takes it back), behind a popover."""
    ids = [r["id"] for r in queue]
    n_ok = sum(1 for r in queue if r["status"] == "ok")
    with st.popover(f"Bulk: all {len(ids):,} shown", icon=":material/done_all:", disabled=not ids):
        st.caption("Decide on every sample the filters above show, in one step; Undo takes the whole step back.")
        reason = chosen_reason()
        st.button(f"Accept all {n_ok:,}", key="bulk_accept", icon=":material/check:", disabled=not n_ok,
                  on_click=decide, args=(ids, True, None), kwargs={"what": f"{len(ids):,} samples (bulk)"},
                  help="failed samples are skipped")
        st.button(f"Reject all {len(ids):,} ({reason})", key="bulk_reject", icon=":material/close:",
                  on_click=decide, args=(ids, False, None),
                  kwargs={"reason": reason, "what": f"{len(ids):,} samples (bulk)"})


def last_action() -> None:
    """What the last decision was, with its Undo (it is in the workspace: it survives a reload)."""
    if st.session_state.get(FLASH):
        st.toast(md(st.session_state.pop(FLASH)), icon=":material/undo:")
    last = workspace().last_decision()
    c = st.columns([5, 1.2], vertical_alignment="center")
    if last is None:
        c[0].caption("No decision to undo yet.")
    else:
        c[0].info(f"Last decision: {md(last.label)} ({last.changed:,} sample{'s' if last.changed != 1 else ''}, "
                  f"{last.created_at[11:19]} UTC)", icon=":material/history:")
    c[1].button("Undo (u)", key="rev_undo", icon=":material/undo:", on_click=undo, disabled=last is None,
                width="stretch")


def _grade_text(g: dict | None) -> str:
    if not g:
        return "not graded"
    if g.get("status") != "ok":
        return "grading failed"
    return f"{g.get('score')}/{g.get('max_score')}"


def card(s: dict, position: int, total: int, community: str, g: dict | None, nxt: str | None,
         prev: str | None) -> None:
    """The sample shown: its skills, decision and grade, its conversation (plain text, or text areas while
    editing), and the buttons (their keys in brackets)."""
    sid = s["id"]
    reason = f" ({md(s['reject_reason'])}" + (f": {md(s['reject_note'])}" if s.get("reject_note") else "") + ")" \
        if s["accepted"] is False and s.get("reject_reason") else ""
    with st.container(border=True):
        st.markdown(f"**{position:,} of {total:,}** · **{' + '.join(md(x) for x in s['skills'])}** · k={s['k']} · "
                    f"{md(s['style'])} · {md(community)} · grade {md(_grade_text(g))} · {DECISIONS[s['accepted']]}"
                    f"{reason}{' · edited' if s['edited'] else ''}")
        if s["status"] != "ok":
            st.error(f"Synthesis failed: {md(s.get('error'))}")
        editing = st.session_state.get(f"editing_{sid}", False)
        for i, m in enumerate(s["messages"]):
            with st.chat_message(m["role"]):
                if editing:
                    st.text_area(m["role"], m["content"], key=f"edit_{sid}_{i}", height=160,
                                 label_visibility="collapsed")
                else:
                    st.text(m["content"])                   # model output is text, never Markdown
        st.caption(f"Sample id: {md(sid)}")
        b = st.columns(4) + st.columns(4)          # two rows: labels stay whole on a laptop screen
        b[0].button("Accept (a)", key="rev_accept", icon=":material/check:", type="primary", width="stretch",
                    disabled=s["status"] != "ok", on_click=act, args=("accept", sid, nxt, prev))
        b[1].button("Reject (r)", key="rev_reject", icon=":material/close:", width="stretch", on_click=act,
                    args=("reject", sid, nxt, prev))
        b[2].button("To review", key="rev_undecide", disabled=s["accepted"] is None, width="stretch",
                    on_click=decide, args=([sid], None, sid), help="undecided again")
        if editing:
            b[3].button("Save edit", key="rev_save", type="primary", width="stretch", on_click=save_edit, args=(s,))
            b[4].button("Cancel", key="rev_cancel", width="stretch", on_click=_set_editing, args=(sid, False))
        else:
            b[3].button("Edit (e)", key="rev_edit", icon=":material/edit:", disabled=not s["messages"],
                        width="stretch", on_click=_set_editing, args=(sid, True))
            b[4].button("Revert edit", key="rev_revert", disabled=not s["edited"], width="stretch", on_click=revert,
                        args=(sid,))
        b[5].button("Previous (k)", key="rev_prev", icon=":material/arrow_back:", disabled=prev is None,
                    width="stretch", on_click=_move, args=(prev,))
        b[6].button("Next (j)", key="rev_next", icon=":material/arrow_forward:", disabled=nxt is None,
                    width="stretch", on_click=_move, args=(nxt,))
        r = st.columns([1.3, 3])
        _choice(r[0].selectbox, "Reason for a rejection", "review.reason", "off-topic", list(rv.REJECT_REASONS),
                format_func=lambda k: f"{k}: {rv.REJECT_REASONS[k]}")
        r[1].text_input("Note (optional, saved with the rejection)", key=NOTE, max_chars=500,
                        placeholder="what is wrong, in a few words")


def _pick(key: str, ids: list[str]) -> None:
    rows = (st.session_state.get(key) or {}).get("selection", {}).get("rows") or []
    if rows and rows[0] < len(ids):
        _move(ids[rows[0]])


def queue_table(queue: list[dict], grades: dict, names: dict[str, str], current: str | None) -> None:
    """The queue as a table; picking a row shows that sample."""
    shown = queue[:MAX_TABLE]
    ids = [r["id"] for r in shown]
    data = [{"#": i + 1, "id": r["id"], "skills": " + ".join(r["skills"]), "k": r["k"],
             "community": names.get(r["id"], ""),
             "grade": _grade_text(grades.get(r["id"])), "decision": DECISION_LABELS[
                 {True: "accepted", False: "rejected", None: "undecided"}[r["accepted"]]],
             "reason": r.get("reject_reason") or "", "shown": "◀" if r["id"] == current else ""} for i, r in
            enumerate(shown)]
    key = f"rev_table_{cache_key(ids, current)[:12]}"
    columns = ["shown", "#", "skills", "k", "community", "grade", "decision", "reason", "id"]
    st.dataframe(pd.DataFrame(data, columns=columns), hide_index=True, width="stretch",
                 height=table_height(len(data), 320), key=key, on_select=lambda: _pick(key, ids),
                 selection_mode="single-row")
    if len(queue) > MAX_TABLE:
        st.caption(f"The table lists the first {MAX_TABLE:,} of {len(queue):,}; the filters narrow the queue.")


def review(model: ModelChoice, tree: EncodingTree | None) -> None:
    """The review: filters, the last decision with Undo, the sample shown with its buttons and keys, bulk
    decisions, the queue as a table, and grading."""
    ws = workspace()
    st.subheader("Review")
    rows = ws.sample_rows()
    if not rows:
        st.caption("No samples yet: generate some above.")
        return
    grades = rv.latest_grades(ws.grades())                   # the last round wins
    lca = sample_communities(tree, rows) if tree is not None else {}
    names = {sid: (_community_label(tree, rv.BRIDGES if v == tree.root else tree.ids[v]) if v is not None else "")
             for sid, v in lca.items()}
    flt = filters(tree, rows, lca)
    queue = rv.filter_rows(rows, flt, grades=grades, communities=lca, tree=tree)
    ids = [r["id"] for r in queue]
    s = ws.summary()
    st.caption(f"**{len(queue):,}** shown by the filters, of {s.samples:,} samples: {s.undecided:,} to review, "
               f"{s.accepted:,} accepted, {s.rejected:,} rejected, {s.edited:,} edited, {s.graded:,} graded.")
    last_action()
    if CURSOR not in st.session_state:
        st.session_state[CURSOR] = ws.get_setting("review.cursor")
    current = st.session_state[CURSOR] if st.session_state[CURSOR] in ids else (ids[0] if ids else None)
    prev, nxt = rv.neighbours(ids, current)
    shortcuts("review_keys", KEYMAP, {"current": current, "next": nxt, "previous": prev}, _on_key)
    if current is None:
        st.info("Nothing here: change the filters above.", icon=":material/filter_alt_off:")
    else:
        sample = ws.sample(current)
        card(sample, ids.index(current) + 1, len(ids), names.get(current, ""), grades.get(current), nxt, prev)
        st.caption(KEY_HELP)
    b = st.columns([1.2, 4])
    with b[0]:
        bulk(queue, flt)
    with st.expander(f"The queue ({len(queue):,})", icon=":material/list:", expanded=False):
        queue_table(queue, grades, names, current)
    with st.expander("Grade with an LLM judge (Skill-Mix rubric)", icon=":material/grading:"):
        grading(queue, grades, model, rows)


# ------------------------------------------------------------------------------------------------ grading
def grade_samples(sample_ids: list[str], model: ModelChoice, judge_model: str, rounds: int) -> None:
    """Grade these samples into the workspace, a round each (read with their provenance: the judge needs the
    topic)."""
    ws = workspace()
    judge = model.judge(judge_model, rounds)
    samples = [s for s in map(ws.sample, sample_ids) if s is not None]
    _bar, update = progress_bar("Graded")
    for _ in grade(samples, judge, WorkspaceGrades(ws)).results(workers=1, progress=update):
        pass


def auto_reject(threshold: float, sample_ids: list[str] | None = None) -> None:
    with shown_errors("Could not reject: "):
        done = rv.auto_reject(workspace(), threshold, sample_ids=sample_ids)
        st.session_state[FLASH] = (f"{done.label} — press u or Undo to take it back" if done else
                                   f"No undecided sample is graded below {threshold:.0%} of full marks.")


def grading(queue: list[dict], grades: dict, model: ModelChoice, rows: list[dict]) -> None:
    """The judge's settings, a button grading the samples the filters show (``queue``), rejecting automatically
    below a grade, and the metrics of every graded sample."""
    ok_ids = [r["id"] for r in queue if r["status"] == "ok"]
    threshold = bound(st.slider, "Reject automatically below this share of full marks (0: never)",
                      "review.auto_reject_below", 0.0, valid_float(0.0, 1.0), min_value=0.0, max_value=1.0,
                      step=0.05, format="%.2f",
                      help="after grading, undecided samples graded below it are rejected with the reason "
                           "'low grade' (one action: Undo takes it back); a person's decision is never changed")
    if model.offline:
        st.caption("Grading needs an LLM judge: choose the OpenAI-compatible backend above.")
    else:
        c = st.columns([2, 1.4, 1.6], vertical_alignment="bottom")
        judge_model = bound(c[0].text_input, "Judge model", "synth.judge_model", model.generator.model,
                            lambda v: isinstance(v, str))
        rounds = bound(c[1].number_input, "Rounds", "synth.judge_rounds", 3, valid_int(1, 9), min_value=1,
                       max_value=9, step=2, help="the judge answers this many times; the majority counts")
        if c[2].button(f"Grade the {len(ok_ids):,} shown", key="grade_go", disabled=not judge_model or not ok_ids,
                       help="every ok sample the filters show"):
            with shown_errors("Grading stopped: "):
                grade_samples(ok_ids, model, judge_model, int(rounds))
                if threshold:
                    auto_reject(float(threshold), ok_ids)
                st.rerun()
    if threshold:
        low = rv.low_graded(rows, grades, float(threshold))
        st.button(f"Reject the {len(low):,} undecided graded below {threshold:.0%} now", key="auto_reject_now",
                  disabled=not low, on_click=auto_reject, args=(float(threshold),))
    points = graded_points({"grade": g} for g in grades.values())
    if points:
        report = metrics_report(points)
        table = [{"k": k, **m} for k, m in [*report["per_k"].items(), ("all", report["overall"])]]
        st.dataframe(table, hide_index=True, column_order=["k", "n", "full_marks", "all_skills", "skill_fraction"],
                     column_config={c: st.column_config.NumberColumn(format="%.3f")
                                    for c in ("full_marks", "all_skills", "skill_fraction")})
