"""The Taxonomy page's Edit view: correct the taxonomy by hand (rename a community, move a skill, merge two
sibling communities, split a community), with the edit log, Undo and Redo.

An edit is a JSON op of :mod:`steps_core.edits` plus ``base``, the version of the tree built from the data
it was made on; it is checked on the tree in use before it is stored (``ws.push_op``), so an invalid edit is
a message and never reaches the log. The edit buttons store the edit in a callback, before the page runs, so one
run draws the edited tree.
"""

from __future__ import annotations

import streamlit as st

from steps_core.edits import apply_op, describe_op, with_base
from steps_core.errors import InputError
from steps_core.tree import EncodingTree

from . import build, charts, state, tables, text

KINDS = {"relabel": "Rename a community", "move": "Move a skill", "merge": "Merge two communities",
         "split": "Split a community"}


def _undo() -> None:
    with text.shown_errors("Could not undo: "):
        state.workspace().undo()


def _redo() -> None:
    with text.shown_errors("Could not redo: "):
        state.workspace().redo()


def _name(tree: EncodingTree):
    return lambda ident: "(root: no community)" if ident == "root" else \
        charts.community_name(tree, tree.id_index[ident])


def _submit(edits: build.EditState, kind: str, fields: dict[str, str]) -> None:
    """The edit button's callback: the op from the form's widgets (``fields``: op field -> widget key), checked
    on the tree in use and stored, before the page runs (one run shows the edited tree)."""
    tree = edits.tree
    op = {"op": kind, **{f: st.session_state.get(key) for f, key in fields.items()}}
    try:
        after = apply_op(tree, op)                       # checked on the tree in use before it is stored
    except InputError as exc:
        st.session_state["_edit_error"] = f"This edit cannot be made: {text.md(exc)}"
        return
    with text.shown_errors("Could not save the edit: "):
        ws = state.workspace()
        ws.push_op(with_base(op, edits.base))
        _remember(edits, tuple(ws.op_log().active), after)
        st.session_state["_edit_label_done"] = kind == "relabel"
        st.session_state["_edit_done"] = f"{describe_op(op)}: H^T {tree.entropy:.4f} → {after.entropy:.4f} bits"


def _remember(edits: build.EditState, active: tuple, after: EncodingTree) -> None:
    """Keep the replay of the log ``active`` (the edits before, then the one just stored) as the tree the
    check made, so the page's run does not apply the edit a second time (a rename on Ask Ubuntu rebuilds
    the tree's figures: about 0.3 s each)."""
    if edits.applied and len(active) == len(edits.log.active) + 1 and list(active[:-1]) == list(edits.log.active):
        trees = (*edits.trees, after)
        state.memo("edited", state.cache_key(edits.base.version, active), lambda: trees)


def op_form(edits: build.EditState) -> None:
    """The form of one kind of edit; its button stores the edit (:func:`_submit`)."""
    tree = edits.tree
    kind = st.radio("Edit", list(KINDS), format_func=KINDS.get, horizontal=True, key="edit_kind",
                    label_visibility="collapsed")
    ids = [tree.ids[c] for c in tree.communities]
    if not ids:
        st.caption("This tree has no communities to edit.")
        return
    name = _name(tree)
    v = tree.version

    def button(label: str, icon: str, fields: dict[str, str]) -> None:
        st.button(label, key="edit_go", type="primary", icon=icon, on_click=_submit, args=(edits, kind, fields))

    if kind == "relabel":
        if st.session_state.pop("_edit_label_done", False):
            st.session_state["edit_label"] = ""           # the last name was used: start empty
        node = tables.tree_selectbox("Community", ids, "edit_node", tree, format_func=name)
        st.text_input("New label", key="edit_label", placeholder=tree.labels[tree.id_index[node]],
                      help="a name for people; it stays through later edits")
        button("Rename", ":material/edit:", {"node": f"edit_node@{v}", "label": "edit_label"})
    elif kind == "move":
        skill = st.selectbox("Skill", list(tree.skills), key="edit_skill")
        here = tree.ids[int(tree.parent[tree.graph.index[skill]])]
        st.caption(f"Now in: {text.md(name(here))}")
        tables.tree_selectbox("Move to", [i for i in ["root", *ids] if i != here], "edit_to", tree, format_func=name)
        button("Move", ":material/drive_file_move:", {"skill": "edit_skill", "to": f"edit_to@{v}"})
    elif kind == "merge":
        def sibling_communities(ident: str) -> list[str]:
            return [tree.ids[c] for c in tree.siblings(tree.id_index[ident]) if c >= tree.n_skills]

        with_siblings = [i for i in ids if sibling_communities(i)]
        if not with_siblings:
            st.caption("No community has a sibling community to merge with.")
            return
        a = tables.tree_selectbox("Community", with_siblings, "edit_a", tree, format_func=name)
        siblings = sibling_communities(a)
        tables.tree_selectbox("Merge with (a sibling)", siblings, "edit_b", tree, format_func=name)
        button("Merge", ":material/merge:", {"a": f"edit_a@{v}", "b": f"edit_b@{v}"})
    else:
        tables.tree_selectbox("Community", ids, "edit_split", tree, format_func=name,
                              help="the optimiser groups its children into new sub-communities")
        button("Split", ":material/call_split:", {"node": f"edit_split@{v}"})


def edit_log(edits: build.EditState) -> None:
    log = edits.log
    st.markdown(f"**Edit log** ({len(log.active)} active, {len(log.ops) - len(log.active)} undone)")
    if not log.ops:
        st.caption("No edits yet. Every edit is saved in the workspace at once and can be undone.")
    else:
        df = charts.edit_log_frame(log.ops, log.cursor, edits.trees if edits.applied else None, describe_op)
        st.dataframe(df, hide_index=True, width="stretch", height=state.table_height(len(df), 320),
                     column_order=["step", "edit", "state", "H^T after (bits)", "ΔH^T (bits)"],
                     column_config={c: st.column_config.NumberColumn(c, format="%.4f", help=text.HELP["ht"])
                                    for c in ("H^T before (bits)", "H^T after (bits)", "ΔH^T (bits)")})
    c = st.columns(3)
    c[0].button("Undo", key="edit_undo", icon=":material/undo:", disabled=not log.can_undo, on_click=_undo,
                width="stretch")
    c[1].button("Redo", key="edit_redo", icon=":material/redo:", disabled=not log.can_redo, on_click=_redo,
                width="stretch")
    c[2].button("Clear all", key="edit_clear", icon=":material/delete_sweep:", disabled=not log.ops,
                on_click=build.clear_edits, width="stretch", help="forget every edit, active and undone")


def edit_view(edits: build.EditState) -> None:
    tree = edits.tree
    st.caption("Correct the taxonomy by hand. The edited tree is the one used everywhere: the chart, the "
               "combinations, synthesis and exports (which record its version).")
    m = st.columns(3)
    change = tree.entropy - edits.base.entropy
    m[0].metric("H^T now (bits)", f"{tree.entropy:.4f}", help=text.HELP["ht"],
                delta=f"{change:+.4f} vs. built" if abs(change) >= 5e-5 else None, delta_color="inverse")
    m[1].metric("H^T built from the data (bits)", f"{edits.base.entropy:.4f}",
                help="the tree the optimiser built, before any edit")
    m[2].metric("Communities", f"{len(tree.communities):,}", help=f"built: {len(edits.base.communities):,}")
    st.caption(f"Version in use `{tree.version}` (built: `{edits.base.version}`): samples and exports record it.")
    left, right = st.columns([1, 1], gap="large")
    with right:
        edit_log(edits)
    with left:
        if not edits.applied:
            st.info("Clear the edit log (above) to make new edits on this tree.", icon=":material/info:")
            return
        op_form(edits)
        error = st.session_state.pop("_edit_error", None)
        if error:
            st.error(error, icon=":material/error:")
        done = st.session_state.pop("_edit_done", None)
        if done:
            st.success(f"Done — {text.md(done)}.", icon=":material/check:")
