"""A model's weak spots in the app (the closed loop, :mod:`steps_core.weak_spots`): the per-skill scores a user
uploads are kept in the workspace (an artefact ``skill_scores``), steer the Combinations page's list, and colour
the Taxonomy page's tree."""

from __future__ import annotations

import json

import streamlit as st

from steps_core.weak_spots import read_skill_scores, weakest_skills

from . import datasource, state, text

KIND = "skill_scores"


def current_scores() -> dict[str, float] | None:
    """The scores in use: the latest uploaded, unless the user stopped using them."""
    ws = state.workspace()
    if state.setting("weak.active", False) is not True:
        return None
    art = ws.get_artefact(KIND)
    return None if art is None else json.loads(art.content)


def _use(upload) -> None:
    """Read an uploaded scores file and keep it in the workspace (a button callback)."""
    with text.shown_errors("Could not read the scores: "):
        path = datasource.save_upload(upload.getvalue(), upload.name)
        scores = read_skill_scores(path)
        ws = state.workspace()
        ws.put_artefact(KIND, json.dumps(scores, sort_keys=True), meta={"name": upload.name})
        ws.set_setting("weak.active", True)


def _stop() -> None:
    with text.shown_errors("Could not save: "):
        state.workspace().set_setting("weak.active", False)


def steering_panel() -> tuple[dict[str, float] | None, float]:
    """The Combinations page's "weak spots" controls; the scores in use and the emphasis."""
    scores = current_scores()
    title = "Steer toward a model's weak spots" + (" (on)" if scores else "")
    with st.expander(title, icon=":material/target:", expanded=False):
        st.caption("Upload your model's per-skill results — a CSV with columns skill,score (0 to 1, 1 = mastered) "
                   "or the results file of `steps eval` — and the list puts first the combinations that exercise "
                   "the skills and communities it is weakest at. Gains stay as they are.")
        c = st.columns([3, 1], vertical_alignment="bottom")
        upload = c[0].file_uploader("Per-skill results", type=["csv", "jsonl", "json"], key="weak_upload")
        c[1].button("Use these scores", key="weak_use", disabled=upload is None, on_click=_use, args=(upload,),
                    icon=":material/upload:")
        emphasis = state.bound(st.slider, "Emphasis", "combo.emphasis", 1.0, state.valid_float(0.0, 5.0),
                               min_value=0.0, max_value=5.0, step=0.5,
                               help="how strongly weakness counts: a tree node is worth h × (1 + emphasis × "
                                    "weakness) in the list; 0 = ignore the scores")
        if scores:
            worst = ", ".join(f"{text.md(name)} ({text.num(score)})" for name, score in weakest_skills(scores, 5))
            st.markdown(f"Using scores for {len(scores):,} skills; weakest: {worst}.")
            st.button("Stop using them", key="weak_stop", on_click=_stop, icon=":material/close:")
    return scores, float(emphasis)
