"""Editing the taxonomy on the Taxonomy page: an edit changes H^T, Undo returns exactly to the previous tree
and Redo re-applies it; edits survive a new session, invalid edits are messages, a changed base tree makes
the log stale (never a crash), and the edited tree's version reaches combinations, samples and exports."""

from __future__ import annotations

import json

import pyarrow.parquet as pq

from app_helpers import (assert_ok, button, confirm, figures, new_app, open_ws, picker, reference_tree,
                         texts)
from pages.ui import text
from steps_core.edits import replay


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def edit_view(at):
    at.radio(key="tax_view").set_value("edit").run()
    assert_ok(at)
    return at


def move(at, skill: str, to: str):
    at.radio(key="edit_kind").set_value("move").run()
    at.selectbox(key="edit_skill").set_value(skill).run()
    picker(at, "edit_to").set_value(to).run()
    at.button(key="edit_go").click().run()
    assert_ok(at)
    return at


def test_move_a_skill_then_undo_and_redo(app_env):
    base = reference_tree(app_env.files["corpus"])
    op = {"op": "move", "skill": "regex", "to": "2"}
    edited = replay(base, [op])
    assert round(edited.entropy, 4) != round(base.entropy, 4)
    at = edit_view(new_app("taxonomy"))
    assert metric(at, "H^T now (bits)") == f"{base.entropy:.4f}"
    move(at, "regex", "2")
    assert metric(at, "H^T now (bits)") == f"{edited.entropy:.4f}"
    assert any(f"H^T {text.num(edited.entropy)} of" in str(c.value) for c in at.caption)   # the page's header
    assert any(f"version `{edited.version}`" in str(c.value) for c in at.caption)
    log = next(d.value for d in at.dataframe if "edit" in d.value.columns)
    assert list(log["edit"]) == ["move 'regex' to community 2"] and list(log["state"]) == ["active"]
    assert log["H^T before (bits)"].iloc[0] == base.entropy and log["H^T after (bits)"].iloc[0] == edited.entropy
    with open_ws(app_env.ws) as ws:
        assert ws.active_ops() == [{**op, "base": base.version}]
        assert ws.get_setting("tree_version") == edited.version
    table = at.radio(key="tax_view").set_value("skills").run().dataframe[-1].value
    home = int(edited.parent[edited.graph.index["regex"]])
    assert table.set_index("skill").loc["regex", "community"] == edited.ids[home]     # where the tree shows it
    assert "foreshadowing" in {edited.skills[i] for i in edited.members(edited.path(home)[0])}

    at = edit_view(at)
    at.button(key="edit_undo").click().run()
    assert_ok(at)
    assert metric(at, "H^T now (bits)") == f"{base.entropy:.4f}"        # exactly back
    with open_ws(app_env.ws) as ws:
        assert ws.active_ops() == [] and ws.get_setting("tree_version") == base.version
    log = next(d.value for d in at.dataframe if "edit" in d.value.columns)
    assert list(log["state"]) == ["undone"]
    at.button(key="edit_redo").click().run()
    assert metric(at, "H^T now (bits)") == f"{edited.entropy:.4f}"

    from pages.ui import state

    state.clear_memo()                                                 # a restart: only the workspace remains
    fresh = edit_view(new_app("taxonomy"))                              # a new session: the edit is there
    assert metric(fresh, "H^T now (bits)") == f"{edited.entropy:.4f}"
    assert fresh.button(key="edit_undo").disabled is False and fresh.button(key="edit_redo").disabled is True


def test_rename_shows_in_the_tree_and_merge_and_split(app_env):
    base = reference_tree(app_env.files["corpus"])
    at = edit_view(new_app("taxonomy"))
    picker(at, "edit_node").set_value("2")
    at.text_input(key="edit_label").input("Storytelling <b>craft</b>").run()
    at.button(key="edit_go").click().run()
    assert_ok(at)
    trace = figures(at)[0]["data"][0]
    labels = dict(zip(trace["ids"], trace["labels"]))
    assert labels["2"] == "Storytelling &lt;b&gt;craft&lt;/b&gt;"        # a label is text, escaped in the chart
    assert metric(at, "H^T now (bits)") == f"{base.entropy:.4f}"        # a name changes no entropy

    at.radio(key="edit_kind").set_value("merge").run()
    picker(at, "edit_a").set_value("1.1").run()
    assert picker(at, "edit_b").options == [f"1.2 · {base.labels[base.node_of('1.2')]}"]  # siblings only
    at.button(key="edit_go").click().run()
    ops = [{"op": "relabel", "node": "2", "label": "Storytelling <b>craft</b>"},
           {"op": "merge", "a": "1.1", "b": "1.2"}]
    merged = replay(base, ops)
    assert metric(at, "H^T now (bits)") == f"{merged.entropy:.4f}"
    at.radio(key="edit_kind").set_value("split").run()
    picker(at, "edit_split").set_value("1").run()           # 6 children after the merge
    at.button(key="edit_go").click().run()
    assert_ok(at)
    split = replay(base, ops + [{"op": "split", "node": "1"}])
    assert metric(at, "H^T now (bits)") == f"{split.entropy:.4f}"
    trace = figures(at)[0]["data"][0]
    shown = [v for v in range(split.n_nodes) if 0 < split.depth[v] <= 2]      # the chart shows two levels
    assert sorted(trace["ids"]) == sorted(["root"] + [split.ids[v] if v >= split.n_skills else f"skill:{v}"
                                                      for v in shown])
    assert len(split.children[split.node_of("1")]) < 6                 # the merged community was regrouped
    with open_ws(app_env.ws) as ws:
        assert [op["op"] for op in ws.active_ops()] == ["relabel", "merge", "split"]


def test_invalid_edits_are_messages_and_not_logged(app_env):
    at = edit_view(new_app("taxonomy"))
    picker(at, "edit_node").set_value("1")
    at.button(key="edit_go").click().run()                             # no label typed
    assert_ok(at)
    assert any("This edit cannot be made" in str(e.value) and "label" in str(e.value) for e in at.error)
    at.radio(key="edit_kind").set_value("split").run()
    picker(at, "edit_split").set_value("1").run()           # 2 children: nothing to split
    at.button(key="edit_go").click().run()
    assert any("nothing to split" in str(e.value) for e in at.error)
    with open_ws(app_env.ws) as ws:
        assert ws.op_log().ops == ()


def test_edits_on_another_base_tree_are_stale_not_a_crash(app_env):
    base = reference_tree(app_env.files["corpus"])
    at = move(edit_view(new_app("taxonomy")), "regex", "2")
    edited = replay(base, [{"op": "move", "skill": "regex", "to": "2"}])
    at.selectbox(key="ws:cfg:weighting").set_value("count").run()         # another base tree
    assert_ok(at)
    counted = reference_tree(app_env.files["corpus"], weighting="count")
    assert any("1 edit(s) made on another tree" in str(w.value) for w in at.warning)
    assert any(f"H^T {text.num(counted.entropy)} of" in str(c.value) for c in at.caption)   # the built tree, unedited
    at = edit_view(at)
    assert any("Clear the edit log" in str(i.value) for i in at.info)
    assert not [b for b in at.button if b.key == "edit_go"]           # no new edits on a stale log
    for page in ("combinations", "synthesize", "export", "home"):       # every page says it and works
        other = new_app(page)
        assert any("made on another tree" in str(w.value) for w in other.warning), page
    at.selectbox(key="ws:cfg:weighting").set_value("lift").run()          # back: the edit applies again
    assert not at.warning and metric(at, "H^T now (bits)") == f"{edited.entropy:.4f}"
    at.selectbox(key="ws:cfg:weighting").set_value("count").run()
    button(at, "Clear the edit log").click().run()
    assert_ok(at)
    assert not at.warning
    with open_ws(app_env.ws) as ws:
        assert ws.op_log().ops == ()


def test_edited_version_reaches_combinations_samples_and_exports(app_env):
    base = reference_tree(app_env.files["corpus"])
    moved = replay(base, [{"op": "move", "skill": "regex", "to": "2"}])
    code = moved.ids[moved.path(moved.graph.index["unit testing"])[0]]      # the top community of the code skills
    edited = replay(moved, [{"op": "relabel", "node": code, "label": "Software craft"}])
    at = move(edit_view(new_app("taxonomy")), "regex", "2")
    at.radio(key="edit_kind").set_value("relabel").run()
    picker(at, "edit_node").set_value(code)
    at.text_input(key="edit_label").input("Software craft").run()
    at.button(key="edit_go").click().run()
    assert metric(at, "H^T now (bits)") == f"{edited.entropy:.4f}"
    assert edited.version not in (base.version, moved.version)

    with open_ws(app_env.ws) as ws:
        ws.set_setting("combo.coherence", False)
        ws.set_setting("combo.connect", "none")       # in these data every set that hangs together was seen
    combos = new_app("combinations")
    chosen = ["unit testing", "refactoring", "sql queries"]
    combos.multiselect(key="manual_skills").set_value(chosen).run()
    combos.button(key="manual_approve").click().run()
    combos.number_input(key="combo_topn").set_value(1).run()
    button(combos, "Approve the top 1").click().run()
    assert_ok(combos)
    with open_ws(app_env.ws) as ws:
        approved = [e["info"] for e in ws.combo_marks()["approved"]]
    assert len(approved) == 2 and [a["tree_version"] for a in approved] == [edited.version] * 2
    for a in approved:                                                  # the LCA path in the edited tree
        idx = [edited.graph.index[s] for s in a["skills"]]
        assert a["lca_path"] == edited.community_path(edited.lca(idx))
    assert approved[0]["lca_path"].startswith("Software craft > ")

    synth = new_app("synthesize")
    synth.button(key="synth_go").click().run()
    assert_ok(synth)
    with open_ws(app_env.ws) as ws:
        samples = ws.samples()
        for s in samples:
            ws.set_decision(s["id"], True)
    assert len(samples) == 2 and all(s["tree_version"] == edited.version for s in samples)
    assert sorted(s["provenance"]["combination"]["lca_path"] for s in samples) == \
        sorted(a["lca_path"] for a in approved)
    assert all(s["provenance"]["combination"]["tree_version"] == edited.version for s in samples)

    export = new_app("export")
    export.selectbox(key="ws:cfg:export.format").set_value("parquet").run()
    out = app_env.ws.parent / "edited.parquet"
    export.text_input(key="ws:cfg:export.path.parquet").input(str(out)).run()
    confirm(export).button(key="export_write").click().run()
    assert_ok(export)
    manifest = json.loads((out.parent / "edited.manifest.json").read_text(encoding="utf-8"))
    assert manifest["settings"]["tree_version"] == edited.version
    rows = pq.read_table(out).to_pylist()
    assert {json.loads(r["provenance"])["combination"]["tree_version"] for r in rows} == {edited.version}
    with open_ws(app_env.ws) as ws:
        assert [e["tree_version"] for e in ws.exports()] == [edited.version]
    assert "Software craft" in texts(export) or any(
        "Software craft" in " ".join(map(str, d.value.get("label", []))) for d in export.dataframe)


def test_a_label_is_text_in_every_message(app_env):
    """A label with Markdown in it (an image from a server, bold type) shows as typed: the success message,
    the log and the pickers render none of it."""
    from app_helpers import MARKDOWN, assert_escaped

    at = edit_view(new_app("taxonomy"))
    picker(at, "edit_node").set_value("2")
    at.text_input(key="edit_label").input(MARKDOWN).run()
    at.button(key="edit_go").click().run()
    assert_ok(at)
    done = [str(s.value) for s in at.success]
    assert len(done) == 1 and MARKDOWN in done[0].replace("\\", "")
    assert_escaped(at)
    log = next(d.value for d in at.dataframe if "edit" in d.value.columns)
    assert list(log["edit"]) == [f"rename community 2 to {MARKDOWN!r}"]
    at.radio(key="edit_kind").set_value("merge").run()                   # the label in other views
    assert_escaped(at)


def test_an_edit_is_applied_once_per_click(app_env, monkeypatch):
    """The edit button's check makes the edited tree; the page's replay of the log reuses it instead of applying
    the edit again (on Ask Ubuntu each application rebuilds the tree's figures)."""
    import steps_core.edits as core_edits
    from pages.ui import edits as page_edits
    from pages.ui import state

    state.clear_memo()                                               # no replay cached by an earlier test
    calls = []
    real = core_edits.apply_op

    def counted(tree, op):
        calls.append(op["op"])
        return real(tree, op)

    monkeypatch.setattr(core_edits, "apply_op", counted)           # replay_each looks it up at each call
    monkeypatch.setattr(page_edits, "apply_op", counted)           # the button's check
    at = edit_view(new_app("taxonomy"))
    calls.clear()
    move(at, "regex", "2")
    assert calls == ["move"]                                         # checked once, replayed from the check
    base = reference_tree(app_env.files["corpus"])
    want = replay(base, [{"op": "move", "skill": "regex", "to": "2"}])
    assert metric(at, "H^T now (bits)") == f"{want.entropy:.4f}"       # the reused tree is the edited one
    calls.clear()
    at.button(key="edit_undo").click().run()                       # undo: the shorter log was replayed before
    assert calls == [] and metric(at, "H^T now (bits)") == f"{base.entropy:.4f}"
