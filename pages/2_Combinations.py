"""Combinations: the ranked combinations with how novel they are (support in the corpus, smallest pair count),
pins and exclusions, approvals, and scoring a combination by hand."""

from __future__ import annotations

import streamlit as st

from pages.ui import build, datasource, frame, state, tables, text, weak
from steps_core.names import CONNECT, DIVERSITY, MAX_K, MIN_K, SCOPES, describe
from steps_core.select import evaluate_combination, select_combinations
from steps_core.tree import EncodingTree

frame.frame("Combinations")

COLUMNS = {
    "rank": st.column_config.NumberColumn("rank", width=44),
    "skills": st.column_config.Column("skills", width=280),
    "novel": st.column_config.Column("novel", width=70,
                                     help="✦ novel: no record of the corpus is tagged with all these "
                                          "skills (support 0): the corpus has never shown them together"),
    "support": st.column_config.Column("support", help="records of the corpus tagged with every skill of the "
                                                       "combination; 0 = never seen together"),
    "min pair": st.column_config.Column("min pair", help="the smallest number of records any two of its skills "
                                                         "share; 0 = some pair never co-occurs"),
    "gain (bits)": st.column_config.Column("gain (bits)", width=80, help=text.HELP["gain"]),
    "step gains (bits)": st.column_config.Column("step gains (bits)",
                                                 help="the gain of each added skill, in the order chosen"),
    "community": st.column_config.Column("community", help="lowest community holding every skill of the "
                                                           "combination (— : only the root)"),
    "coherence": st.column_config.Column("fit", width=48, help=text.HELP["coherence"]),
    "mark": st.column_config.Column("mark", width=76,
                                    help="approved: will be synthesised; excluded: never proposed again"),
    "adds (bits)": st.column_config.Column("adds (bits)", width=80,
                                           help="what the combination added to the list when it was chosen: its "
                                                "gain, less a discount for skills and communities the list already "
                                                "holds"),
    "why": st.column_config.Column("why", width=300,
                                   help="pairs the corpus attests (records holding both), pairs never seen "
                                        "together, and how many top communities it bridges"),
}


@st.cache_data(show_spinner="Searching combinations…", max_entries=64)
def ranked(_tree: EncodingTree, version: str, starts: tuple, k: int, beam: int, scope: str, top: int, pins: tuple,
           exclude: tuple, exclude_combos: tuple, diversity: float, connect: str, _embeddings,
           embeddings_key: str | None, _index, index_key: str, scores: tuple | None, emphasis: float):
    return select_combinations(_tree, starts=[[s] for s in starts] or None, k=k, beam=beam, scope=scope, top=top,
                               pins=pins, exclude=exclude, exclude_combos=exclude_combos, embeddings=_embeddings,
                               diversity=diversity, connect=connect, index=_index,
                               skill_scores=dict(scores) if scores else None, emphasis=emphasis)


def search_controls(tree: EncodingTree) -> dict:
    c = st.columns([1, 1, 1.3, 1, 1.2], vertical_alignment="bottom")
    k = state.bound(c[0].number_input, "Skills per combination", "combo.k", 3, state.valid_int(MIN_K, MAX_K),
                    min_value=MIN_K, max_value=MAX_K, step=1, help="k: how many skills each sample combines")
    beam = state.bound(c[1].number_input, "Search breadth", "combo.beam", 20, state.valid_int(1, 200),
                       min_value=1, max_value=200, step=1,
                       help="the beam width: partial combinations kept at each step of the search; wider = slower, "
                            "sometimes better")
    scope = state.bound(c[2].radio, "Where to look", "combo.scope", "local", state.one_of(SCOPES),
                        options=list(SCOPES), horizontal=True, format_func={"local": "near first",
                                                                            "global": "anywhere"}.get,
                        help="the scope. " + describe(SCOPES))
    top = state.bound(c[3].number_input, "Show top", "combo.top", 100, state.valid_int(5, 2000),
                      min_value=5, max_value=2000, step=5, help="how many combinations to rank")
    coh = state.bound(c[4].toggle, "Fit", "combo.coherence", True, state.is_bool,
                      help="compute how well the skills fit together in meaning (mean cosine of MiniLM embeddings "
                           "of the skill descriptions; the model loads in a few seconds the first time)")
    d = st.columns([2, 1.4], vertical_alignment="bottom")
    diversity = state.bound(d[0].slider, "Variety", "combo.diversity", DIVERSITY, state.valid_float(0.0, 1.0),
                            min_value=0.0, max_value=1.0, step=0.05,
                            help="how much a skill already in the list is worth less the next time (its second use "
                                 "counts 1 − variety of its gain; communities half as much); 0 = rank by gain alone")
    connect = state.bound(d[1].radio, "Skills must hang together", "combo.connect", "attested",
                          state.one_of(CONNECT), options=list(CONNECT), horizontal=True,
                          format_func={"attested": "yes", "none": "no"}.get,
                          help="yes: " + CONNECT["attested"] + ", and never seen all together; no: " + CONNECT["none"])
    starts = state.bound(st.multiselect, "Start from", "combo.starts", [],
                         lambda v: isinstance(v, list) and all(s in tree.graph.index for s in v),
                         options=list(tree.skills), placeholder="every skill (the sweep)",
                         help="each chosen skill starts its own search; leave empty to start from every skill")
    return dict(k=int(k), beam=int(beam), scope=scope, top=int(top), coherence=bool(coh), starts=tuple(starts),
                diversity=float(diversity), connect=connect)


#: The widget keys of the pinned and excluded skills (workspace-derived: cleared on a workspace switch).
MARK_KEYS = {"pinned": state.ws_key("marks:pinned"), "excluded": state.ws_key("marks:excluded")}


def marks_changed(kind: str) -> None:
    """The user changed a box: their change (from what the box last showed) is applied to the workspace's
    marks as they are now, so a pin made meanwhile in another tab stays."""
    key = MARK_KEYS[kind]
    ws = state.workspace()
    with text.shown_errors("Could not save: "):
        ws.set_skill_marks(kind, state.merge_marks(ws.skill_marks()[kind], state.last_seen(key, []),
                                                    st.session_state.get(key) or []))


def skill_marks(tree: EncodingTree) -> dict[str, list[str]]:
    marks = state.workspace().skill_marks()
    for kind, key in MARK_KEYS.items():
        state.follow(key, marks[kind], marks[kind])
    options = list(tree.skills) + sorted({s for v in marks.values() for s in v} - set(tree.graph.index))
    c1, c2 = st.columns(2)
    c1.multiselect("Pinned skills", options, key=MARK_KEYS["pinned"], on_change=marks_changed, args=("pinned",),
                   help="every proposed combination must contain the pinned skills", placeholder="none")
    c2.multiselect("Excluded skills", options, key=MARK_KEYS["excluded"], on_change=marks_changed,
                   args=("excluded",), help="never proposed, and not used as start skills", placeholder="none")
    unknown = sorted({s for v in marks.values() for s in v} - set(tree.graph.index))
    if unknown:
        st.warning("Not in the current taxonomy, so ignored: " + ", ".join(text.md(s) for s in unknown))
    return {k: [s for s in v if s in tree.graph.index] for k, v in marks.items()}


def ranked_table(tree: EncodingTree, combos: list, novelty: list | None) -> None:
    if novelty is not None:
        n_novel = sum(1 for x in novelty if x.novel)
        st.caption(f"{n_novel:,} of {len(combos):,} never seen together in the corpus (✦ novel, support 0).")
    rows = tables.combination_table(tree, combos, "combo_table", novelty=novelty, column_config=COLUMNS)
    c = st.columns([1, 1, 1, 0.8, 1.2], vertical_alignment="bottom")
    c[0].button(f"Approve selected ({len(rows)})", icon=":material/check:", disabled=not rows,
                on_click=tables.mark_combos, args=(combos, rows, "approved"), type="primary")
    c[1].button(f"Exclude selected ({len(rows)})", icon=":material/block:", disabled=not rows,
                on_click=tables.mark_combos, args=(combos, rows, "excluded"))
    c[2].button("Clear their marks", disabled=not rows, on_click=tables.mark_combos, args=(combos, rows, None))
    n = c[3].number_input("Top N", 1, 2000, 10, key="combo_topn")
    c[4].button(f"Approve the top {int(n)}", icon=":material/done_all:", disabled=not combos,
                on_click=tables.mark_combos, args=(combos, list(range(min(int(n), len(combos)))), "approved"))


def clear_marks(entries: list[dict], rows: list[int]) -> None:
    """Remove the approval or exclusion of the marked ``entries[r]`` (a button callback)."""
    st.session_state[tables.MARK_GEN] = st.session_state.get(tables.MARK_GEN, 0) + 1
    ws = state.workspace()
    with text.shown_errors("Could not save: "):
        for r in rows:
            if r < len(entries):
                ws.clear_combo_mark(entries[r]["skills"])


def marked_lists(tree: EncodingTree) -> None:
    combo_marks = state.workspace().combo_marks()
    c1, c2 = st.columns(2)
    for col, mark, action in ((c1, "approved", "Remove approval"), (c2, "excluded", "Restore")):
        entries = combo_marks[mark]
        with col:
            st.markdown(f"**{mark.capitalize()} combinations ({len(entries)})**")
            if not entries:
                st.caption("none yet")
                continue
            df = [{"skills": " + ".join(e["info"].get("skills") or e["skills"]),
                   "gain (bits)": e["info"].get("gain"),
                   "community": e["info"].get("lca") if e["info"].get("lca") not in (None, "", "root") else "—"}
                  for e in entries]
            key = tables.rows_key(f"marked_{mark}", [e["key"] for e in entries])
            st.dataframe(df, hide_index=True, width="stretch", height=state.table_height(len(df), 300),
                         key=key, on_select="rerun", selection_mode="multi-row",
                         column_config={"gain (bits)": st.column_config.NumberColumn(format="%.3f",
                                                                                     help=text.HELP["gain"])})
            rows = tables.table_rows(st.session_state.get(key))
            st.button(f"{action} ({len(rows)})", disabled=not rows, on_click=clear_marks, args=(entries, rows),
                      key=f"clear_{mark}")


def by_hand(tree: EncodingTree, embeddings) -> None:
    st.subheader("Score a combination by hand")
    chosen = st.multiselect("Skills (the first is the start)", list(tree.skills), key="manual_skills",
                            max_selections=MAX_K, placeholder="type skill names")
    if not chosen:
        st.caption("Pick two or more skills to see their gain at once.")
        return
    with text.shown_errors():
        c = evaluate_combination(tree, chosen, embeddings=embeddings)
        m = st.columns(6)
        m[0].metric("Gain (bits)", f"{c.gain:.3f}", help=text.HELP["gain"])
        m[1].metric("Step gains (bits)", ", ".join(f"{g:.3f}" for g in c.step_gains) or "—",
                    help="the gain of each skill after the start, in order")
        m[2].metric("Community", c.lca if c.lca != "root" else "—",
                    help="lowest community holding every skill: " + text.md(c.lca_label))
        m[3].metric("Coherence", "—" if c.coherence is None else f"{c.coherence:.2f}", help=text.HELP["coherence"])
        nov = datasource.novelty_of([c], datasource.current_source(), datasource.skip_bad())[0]
        m[4].metric("Support", f"{nov.support:,}" + (" ✦ novel" if nov.novel else ""),
                    help="records tagged with every skill; 0 = never seen together")
        m[5].metric("Min pair", f"{nov.min_pair:,}", help="the smallest number of records any two skills share")
        mark = state.workspace().combo_mark(c.skills)
        st.button("Approve this combination" if mark != "approved" else "Approved", icon=":material/check:",
                  disabled=len(c.skills) < 2 or mark == "approved", key="manual_approve",
                  on_click=tables.mark_combos, args=([c], [0], "approved"))


def k_fits(tree: EncodingTree, k: int) -> bool:
    """Whether combinations of ``k`` skills can be formed; if not, say why (plainly, not as an error)."""
    if k <= tree.n_skills:
        return True
    fix = "choose a smaller k" if tree.n_skills >= MIN_K else "use data with at least two skills"
    st.info(f"Each combination needs k = {k} skills, but k is larger than the number of skills "
            f"({tree.n_skills}) in this data: {fix}.", icon=":material/info:")
    return False


def coherence_embeddings(tree: EncodingTree, source):
    """The skills' embeddings when ready (None while they are computed at the end of the page)."""
    embeddings = None
    with text.shown_errors("Coherence is not available: "):
        embeddings = build.skill_embeddings(tree, source, compute_now=False)
    if embeddings is None:
        st.caption(":material/hourglass_top: Coherence is being computed (the MiniLM model loads once, a few "
                   "seconds); the column fills in by itself.")
    return embeddings


def main() -> None:
    text.page_intro("Combinations", "Rank skill combinations by how much structure they add beyond what your "
                                      "data already covers (the gain, in bits) and see whether the corpus ever shows "
                                      "them together, then approve the ones to synthesise.")
    tree = build.tree_or_none()
    if tree is None:
        return
    source = datasource.current_source()
    opts = search_controls(tree)
    marks = skill_marks(tree)
    scores, emphasis = weak.steering_panel()
    embeddings = coherence_embeddings(tree, source) if opts["coherence"] else None
    combos = None
    if k_fits(tree, opts["k"]):
        with text.shown_errors("Could not search: "):
            skip_bad = datasource.skip_bad()
            combos = ranked(tree, tree.version, tuple(s for s in opts["starts"] if s not in marks["excluded"]),
                            opts["k"], opts["beam"], opts["scope"], opts["top"], tuple(marks["pinned"]),
                            tuple(marks["excluded"]), tables.excluded_combos(tree), opts["diversity"],
                            opts["connect"], embeddings, None if embeddings is None else state.array_key(embeddings),
                            datasource.support_index(source, skip_bad), datasource.corpus_key(source, skip_bad),
                            tuple(sorted(scores.items())) if scores else None, emphasis)
            if not combos and opts["connect"] == "attested":
                st.info("No new combination whose skills hang together through pairs the corpus attests: set "
                        "**Skills must hang together** to *no*, lower k, or remove pins and exclusions.",
                        icon=":material/info:")
    if combos is not None:
        novelty = None
        with text.shown_errors("Novelty is not available: "):
            novelty = datasource.novelty_of(combos, source, datasource.skip_bad())
        st.subheader(f"Ranked combinations ({len(combos):,})")
        ranked_table(tree, combos, novelty)
    marked_lists(tree)
    by_hand(tree, embeddings)
    if opts["coherence"] and embeddings is None:          # page drawn: now the slow part, then redraw
        with text.shown_errors("Coherence is not available: "):
            build.skill_embeddings(tree, source)
            st.rerun()


with text.shown_errors():          # a bug shows as a message, never as a traceback page
    main()
