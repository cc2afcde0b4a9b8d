"""Tests of steps_core.workspace, all on real SQLite files in tmp_path."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from steps_core import workspace as wsmod
from steps_core.workspace import schema as wsschema
from steps_core.errors import InputError, StepsError
from steps_core.workspace import (APPLICATION_ID, AddResult, Workspace, combo_key, content_hash,
                                  looks_secret, open_workspace, workspace_path)

HOSTILE = [
    "it's \"quoted\"",
    "'); DROP TABLE samples; --",
    "<script>alert('x')</script>",
    "naïve café – 数学推理 🧮 مرحبا",
    "line one\nline two\r\nthree\ttab",
    "nul\x00inside",
    "  leading and trailing spaces  ",
    "e\u0301 (combining) vs \u00e9",
    "back\\slash %s {} ? ?1 :name",
]


def sample(sid: str, skills: list[str], *, text: str = "answer", accepted=None, **more) -> dict:
    out = {"id": sid, "skills": skills, "k": len(skills), "style": "composite", "status": "ok",
           "messages": [{"role": "user", "content": f"q {sid}"}, {"role": "assistant", "content": text}],
           "accepted": accepted, "provenance": {"model": "m", "seed_ids": ["r1", "r2"]}}
    out.update(more)
    return out


def grade(skills: dict[str, int], *, judge=None, **more) -> dict:
    """A grade as :func:`steps_core.grade.grade_sample` makes it (points for every skill, the judge's votes and
    settings, the prompt and raw requests)."""
    points = {"skills": skills, "on_topic": 1, "makes_sense": 1, "sentence_limit": None}
    score = sum(skills.values()) + 3
    out = {"status": "ok", "error": None, "points": points, "score": score, "max_score": len(skills) + 3,
           "full_marks": score == len(skills) + 3, "all_skills": all(skills.values()), "skill_fraction": 1.0,
           "n_sentences": 2, "max_sentences": None, "named_verbatim": [], "votes": [[*skills.values(), 1, 1]],
           "judge": judge if judge is not None else {"model": "j", "rounds": 1}, "fingerprint": "f" * 16,
           "prompt": [{"role": "user", "content": "grade this"}], "requests": [{"round": 0, "raw_response": {}}],
           "usage": {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12, "cost_usd": None},
           "graded_at": "2026-01-01T00:00:00Z"}
    out.update(more)
    return out


def raw(path: Path, sql: str, params=()):
    """Query a file with a plain sqlite3 connection (not through Workspace)."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------------- opening


def test_open_workspace_creates_parent_dirs_and_maps_names(tmp_path):
    root = tmp_path / "a" / "b"
    with open_workspace("demo", root=root) as ws:
        assert ws.path == root / "demo.sqlite"
        assert ws.schema_version == wsmod.schema_version() == len(wsschema.MIGRATIONS) == 2
    assert (root / "demo.sqlite").is_file()
    assert raw(root / "demo.sqlite", "PRAGMA application_id") == [(APPLICATION_ID,)]
    assert raw(root / "demo.sqlite", "PRAGMA journal_mode") == [("wal",)]
    assert workspace_path("x/y.sqlite", root=root) == Path("x/y.sqlite")
    assert workspace_path(tmp_path / "p", root=root) == tmp_path / "p"
    for bad in ["..", "a b ", "semi;colon", ""]:
        with pytest.raises(InputError):
            workspace_path(bad, root=root)


def test_create_false_refuses_missing_file(tmp_path):
    with pytest.raises(InputError) as err:
        Workspace(tmp_path / "typo.sqlite", create=False)
    assert "typo.sqlite" in str(err.value)
    assert not (tmp_path / "typo.sqlite").exists()


def test_closed_workspace_raises(tmp_path):
    ws = Workspace(tmp_path / "w.sqlite")
    ws.close()
    ws.close()  # idempotent
    assert ws.closed
    with pytest.raises(StepsError, match="closed"):
        ws.pin_skill("a")


def test_reopen_persists_every_kind_of_state(tmp_path):
    path = tmp_path / "ws.sqlite"
    with Workspace.open(path) as ws:
        ws.set_setting("data_source", {"kind": "path", "path": "/data/c.jsonl"})
        ws.set_setting("k", 3)
        tree = json.dumps({"root": {"children": [1, 2]}})
        tree_hash = ws.put_artefact("tree", tree, meta={"k": 3})
        ws.put_artefact("graph", "[1, 2, 3]")
        ws.pin_skill("algebra")
        ws.exclude_skill("poetry")
        key = ws.approve_combo(["b", "a"], info={"gain": 0.5})
        ws.exclude_combo(["c", "d", "e"])
        ws.add_samples([sample("s1", ["a", "b"], tree_version=tree_hash), sample("s2", ["c", "d"]),
                        sample("s3", ["a", "c"])])
        ws.set_decision("s1", True)
        ws.set_decision("s2", False, edited_messages=[{"role": "user", "content": "edited"}])
        first, second = grade({"a": 1, "b": 0}), grade({"a": 1, "b": 1}, judge={"model": "j2"})
        assert ws.add_grade("s1", first) == 1 and ws.add_grade("s1", second) == 2
        export_id = ws.record_export(tmp_path / "out.jsonl", "jsonl", {"n": 1}, tree_version=tree_hash)
        ws.push_op({"op": "rename", "community": "1", "label": "maths"})
        ws.push_op({"op": "move", "skill": "a", "to": "2"})
        ws.undo()
    with Workspace(path) as ws:
        assert ws.settings() == {"data_source": {"kind": "path", "path": "/data/c.jsonl"}, "k": 3}
        art = ws.get_artefact("tree")
        assert (art.hash, art.content, art.meta) == (tree_hash, tree, {"k": 3})
        assert art.hash == content_hash(tree)
        assert ws.get_artefact("graph").content == "[1, 2, 3]"
        assert ws.skill_marks() == {"pinned": ["algebra"], "excluded": ["poetry"]}
        marks = ws.combo_marks()
        assert [(m["key"], m["skills"], m["info"]) for m in marks["approved"]] == \
            [(key, ["a", "b"], {"gain": 0.5})]
        assert [m["skills"] for m in marks["excluded"]] == [["c", "d", "e"]]
        got = {s["id"]: s for s in ws.samples()}
        assert list(got) == ["s1", "s2", "s3"]
        assert got["s1"]["accepted"] is True and got["s1"]["tree_version"] == tree_hash
        assert got["s2"]["accepted"] is False and got["s2"]["edited"] is True
        assert got["s2"]["messages"] == [{"role": "user", "content": "edited"}]
        assert got["s2"]["original_messages"] == sample("s2", ["c", "d"])["messages"]
        assert got["s3"]["accepted"] is None and got["s3"]["provenance"] == {"model": "m",
                                                                             "seed_ids": ["r1", "r2"]}
        kept = [{k: v for k, v in g.items() if k not in ("prompt", "requests", "fingerprint", "graded_at")}
                for g in (first, second)]                   # the audit trail stays in graded samples files
        assert [(g["round"], g["grade"]) for g in ws.grades("s1")] == [(1, kept[0]), (2, kept[1])]
        exports = ws.exports()
        assert [(e["id"], e["path"], e["format"], e["manifest"], e["tree_version"]) for e in exports] == \
            [(export_id, str(tmp_path / "out.jsonl"), "jsonl", {"n": 1}, tree_hash)]
        log = ws.op_log()
        assert log.cursor == 1 and len(log.ops) == 2 and log.can_redo
        assert ws.active_ops() == [{"op": "rename", "community": "1", "label": "maths"}]
        assert ws.redo() == {"op": "move", "skill": "a", "to": "2"}
    assert raw(path, "PRAGMA integrity_check") == [("ok",)]


# ---------------------------------------------------------------------------- files that are not ours


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("content", [b"{\"id\": 1, \"skills\": [\"a\"]}\n", b"SQLite format 2\x00junk" * 10,
                                     b"\x00\x01\x02" * 500])
def test_not_sqlite_file_is_refused_and_untouched(tmp_path, content):
    folder = tmp_path / "d"
    folder.mkdir()
    path = folder / "corpus.jsonl"
    path.write_bytes(content)
    before = _snapshot(folder)
    with pytest.raises(InputError) as err:
        Workspace(path)
    assert str(path) in str(err.value) and "not a STEPS workspace" in str(err.value)
    assert _snapshot(folder) == before


@pytest.mark.parametrize("journal", ["delete", "wal"])
def test_foreign_sqlite_database_is_refused_and_untouched(tmp_path, journal):
    folder = tmp_path / "d"
    folder.mkdir()
    path = folder / "other.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA journal_mode={journal}")
    conn.execute("CREATE TABLE people(name TEXT)")
    conn.execute("INSERT INTO people VALUES ('ada')")
    conn.commit()
    conn.close()
    before = _snapshot(folder)
    with pytest.raises(InputError) as err:
        Workspace(path)
    assert str(path) in str(err.value) and "people" in str(err.value)
    assert _snapshot(folder) == before


def test_empty_files_become_workspaces(tmp_path):
    zero = tmp_path / "zero.sqlite"
    zero.touch()
    empty_db = tmp_path / "empty.sqlite"
    sqlite3.connect(empty_db).execute("PRAGMA user_version=0").connection.close()
    for path in (zero, empty_db):
        with Workspace(path) as ws:
            ws.pin_skill("x")
        with Workspace(path) as ws:
            assert ws.skill_marks()["pinned"] == ["x"]


def test_newer_schema_version_is_refused_and_untouched(tmp_path):
    path = tmp_path / "w.sqlite"
    with Workspace(path) as ws:
        ws.pin_skill("a")
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version=99")
    conn.close()
    before = _snapshot(tmp_path)
    with pytest.raises(StepsError) as err:
        Workspace(path)
    assert not isinstance(err.value, InputError)
    assert "99" in str(err.value) and str(path) in str(err.value)
    assert _snapshot(tmp_path) == before


def test_migration_to_a_new_version_keeps_data(tmp_path, monkeypatch):
    path = tmp_path / "w.sqlite"
    n = len(wsschema.MIGRATIONS)
    with Workspace(path) as ws:  # a file at the current version, written by the current code
        ws.pin_skill("kept")
        ws.add_samples([sample("s1", ["a", "b"])])
    assert raw(path, "PRAGMA user_version") == [(n,)]

    def to_next(conn):
        conn.execute("ALTER TABLE samples ADD COLUMN note TEXT NOT NULL DEFAULT 'none'")
        conn.execute("CREATE TABLE notes(x TEXT)")

    monkeypatch.setattr(wsschema, "MIGRATIONS", [*wsschema.MIGRATIONS, to_next])
    with Workspace(path) as ws:
        assert ws.schema_version == n + 1
        assert ws.skill_marks()["pinned"] == ["kept"]
        assert [s["id"] for s in ws.samples()] == ["s1"]
    assert raw(path, "PRAGMA user_version") == [(n + 1,)]
    assert raw(path, "SELECT id, note FROM samples") == [("s1", "none")]
    # a fresh file goes through every migration
    with Workspace(tmp_path / "fresh.sqlite") as ws:
        assert ws.summary().schema_version == n + 1
    assert raw(tmp_path / "fresh.sqlite", "SELECT count(*) FROM notes") == [(0,)]


def test_failed_migration_leaves_file_as_it_was(tmp_path, monkeypatch):
    path = tmp_path / "w.sqlite"
    with Workspace(path) as ws:
        ws.pin_skill("kept")

    def broken(conn):
        conn.execute("CREATE TABLE half_done(x)")
        conn.execute("ALTER TABLE no_such_table ADD COLUMN y")

    n = len(wsschema.MIGRATIONS)
    monkeypatch.setattr(wsschema, "MIGRATIONS", [*wsschema.MIGRATIONS, broken])
    with pytest.raises(StepsError, match=f"from schema version {n} to {n + 1}"):
        Workspace(path)
    assert raw(path, "PRAGMA user_version") == [(n,)]
    assert raw(path, "SELECT name FROM sqlite_master WHERE name = 'half_done'") == []
    monkeypatch.setattr(wsschema, "MIGRATIONS", wsschema.MIGRATIONS[:n])
    with Workspace(path) as ws:
        assert ws.skill_marks()["pinned"] == ["kept"]


# ---------------------------------------------------------------------------------- curation rules


def test_skill_marks_are_exclusive(tmp_path):
    with Workspace(tmp_path / "w.sqlite") as ws:
        ws.pin_skill("a")
        ws.pin_skill("b")
        ws.exclude_skill("a")  # moves a from pinned to excluded
        assert ws.skill_marks() == {"pinned": ["b"], "excluded": ["a"]}
        assert ws.skill_mark("a") == "excluded" and ws.skill_mark("zzz") is None
        assert ws.unpin_skill("a") is False  # a is excluded, not pinned: left alone
        assert ws.skill_mark("a") == "excluded"
        assert ws.unexclude_skill("a") is True
        ws.pin_skill("b")  # pinning twice is harmless
        assert ws.clear_skill_mark("b") is True and ws.clear_skill_mark("b") is False
        assert ws.skill_marks() == {"pinned": [], "excluded": []}
        for bad in ["", "   ", None, 3]:
            with pytest.raises(InputError):
                ws.pin_skill(bad)


def test_combo_marks_are_order_free_and_exclusive(tmp_path):
    assert combo_key(["b", "a", "b"]) == combo_key(("a", "b")) == '["a","b"]'
    # a separator inside a name cannot make two combinations collide
    assert combo_key(["a,b", "c"]) != combo_key(["a", "b,c"])
    with pytest.raises(InputError):
        combo_key("ab")
    with pytest.raises(InputError):
        combo_key([])
    with Workspace(tmp_path / "w.sqlite") as ws:
        k1 = ws.approve_combo(["y", "x"], info={"gain": 1.5})
        k2 = ws.exclude_combo(["x", "y"])  # same combination: the exclusion replaces the approval
        assert k1 == k2
        marks = ws.combo_marks()
        assert marks["approved"] == [] and [m["info"] for m in marks["excluded"]] == [{}]
        assert ws.combo_mark(["y", "x"]) == "excluded"
        assert ws.clear_combo_mark(("x", "y")) is True and ws.combo_mark(["x", "y"]) is None
        assert ws.clear_combo_mark(("x", "y")) is False


def test_add_samples_is_idempotent_and_keeps_decisions(tmp_path):
    path = tmp_path / "w.sqlite"
    batch = [sample(f"s{i}", ["a", "b"], text=f"t{i}") for i in range(5)]
    with Workspace(path) as ws:
        assert ws.add_samples(batch) == AddResult(inserted=5, updated=0, unchanged=0)
        ws.set_decision("s0", True)
        ws.set_decision("s1", False)
        ws.set_decision("s2", None, edited_messages=[{"role": "assistant", "content": "fixed"}])
        assert ws.add_samples(batch) == AddResult(0, 0, 5)
    with Workspace(path) as ws:
        # regenerated content with a conflicting 'accepted' for every sample
        again = [sample(f"s{i}", ["a", "b"], text=f"new{i}", accepted=(i % 2 == 1)) for i in range(5)]
        assert ws.add_samples(again) == AddResult(0, 5, 0, reset=2)
        got = {s["id"]: s for s in ws.samples()}
        # the curator's decisions on s0 and s1 judged conversations that are gone: the import's count now
        assert got["s0"]["accepted"] is False and got["s1"]["accepted"] is True
        assert got["s2"]["accepted"] is None  # edited: the decision stays with the curator
        assert got["s2"]["messages"] == [{"role": "assistant", "content": "fixed"}]
        assert got["s2"]["original_messages"][1]["content"] == "new2"
        assert got["s3"]["accepted"] is True and got["s4"]["accepted"] is False  # undecided: taken
        assert got["s0"]["messages"][1]["content"] == "new0"
        # re-adding what samples() returned changes nothing
        assert ws.add_samples(ws.samples()) == AddResult(0, 0, 5)
        assert {s["id"]: s for s in ws.samples()} == got
        # a later conflicting import of the same conversation does not override s3's accepted (now decided)
        ws.add_samples([sample("s3", ["a", "b"], text="new3", accepted=False)])
        assert ws.sample("s3")["accepted"] is True


def test_a_decision_does_not_survive_a_change_of_content(tmp_path):
    # B9: an accepted sample regenerated with another conversation is undecided again
    with Workspace(tmp_path / "w.sqlite") as ws:
        ws.add_samples([sample("a", ["x"], text="first"), sample("b", ["x"], text="first"),
                        sample("c", ["x"], text="first")])
        ws.set_decision("a", True)
        ws.set_decision("b", False)
        ws.set_decision("c", True, edited_messages=[{"role": "user", "content": "q"},
                                                    {"role": "assistant", "content": "mine"}])
        result = ws.add_samples([sample("a", ["x"], text="second"), sample("b", ["x"], text="first", model="m2"),
                                 sample("c", ["x"], text="second")])
        assert result == AddResult(inserted=0, updated=3, unchanged=0, reset=1)
        assert ws.sample("a")["accepted"] is None                       # content changed, no edit: reset
        assert ws.sample("b")["accepted"] is False                      # same conversation: decision kept
        c = ws.sample("c")
        assert c["accepted"] is True and c["messages"][1]["content"] == "mine"   # the edit was accepted
        assert c["original_messages"][1]["content"] == "second"
        assert ws.summary().accepted == 1 and ws.summary().undecided == 1


def test_add_samples_flip_of_decided_sample_is_ignored(tmp_path):
    with Workspace(tmp_path / "w.sqlite") as ws:
        ws.add_samples([sample("s", ["a"], accepted=None)])
        ws.set_decision("s", False)
        assert ws.add_samples([sample("s", ["a"], accepted=True)]) == AddResult(0, 0, 1)
        assert ws.sample("s")["accepted"] is False


def test_add_samples_validates_everything_before_storing(tmp_path):
    with Workspace(tmp_path / "w.sqlite") as ws:
        good = sample("ok", ["a", "b"])
        cases = [
            (dict(good, id=""), "id"),
            (dict(good, skills="a,b"), "skills"),
            (dict(good, k=3), "k"),
            (dict(good, messages=[{"role": "user"}]), "messages"),
            (dict(good, accepted="yes"), "accepted"),
            (dict(good, provenance=[1]), "provenance"),
            (dict(good, provenance={"x": float("nan")}), "provenance"),
        ]
        for bad, field in cases:
            with pytest.raises(InputError) as err:
                ws.add_samples([good, bad])
            assert err.value.field == field and err.value.line == 2
        assert ws.samples() == []  # nothing of the failed batches was stored


def test_set_decision_and_revert_edit(tmp_path):
    with Workspace(tmp_path / "w.sqlite") as ws:
        ws.add_samples([sample("s", ["a", "b"])])
        edit = [{"role": "user", "content": "better question"}]
        s = ws.set_decision("s", True, edited_messages=edit)
        assert (s["accepted"], s["edited"], s["messages"]) == (True, True, edit)
        s = ws.set_decision("s", False)  # edited_messages=None keeps the edit
        assert (s["accepted"], s["messages"]) == (False, edit)
        s = ws.revert_edit("s")
        assert s["edited"] is False and s["messages"] == s["original_messages"]
        assert [x["id"] for x in ws.samples(accepted=False)] == ["s"]
        assert ws.samples(accepted=True) == [] and ws.samples(accepted=None) == []
        with pytest.raises(InputError):
            ws.set_decision("missing", True)
        with pytest.raises(InputError):
            ws.set_decision("s", 1)
        with pytest.raises(InputError, match="no sample with id 'missing'"):
            ws.add_grade("missing", grade({"a": 1}))
        for bad, field in (({"points": {}}, "status"), ({"status": "ok", "judge": "j"}, "judge"), ([1], "grade")):
            with pytest.raises(InputError) as err:
                ws.add_grade("s", bad)
            assert err.value.field == field
        assert ws.grades() == []


def test_samples_filters_and_extra_fields(tmp_path):
    with Workspace(tmp_path / "w.sqlite") as ws:
        ws.add_samples([sample("a", ["x", "y"]), sample("b", ["x", "y", "z"], status="error", error="timeout"),
                        sample("c", ["x", "z"], accepted=True)])
        assert [s["id"] for s in ws.samples(status="ok")] == ["a", "c"]
        assert [s["id"] for s in ws.samples(k=3)] == ["b"]
        assert [s["id"] for s in ws.samples(accepted=None)] == ["a", "b"]
        assert [s["id"] for s in ws.samples(accepted=True, k=2)] == ["c"]
        assert ws.sample("b")["error"] == "timeout"  # an unknown field is kept
        assert ws.sample("b")["combo_key"] == combo_key(["z", "y", "x"])
        with pytest.raises(InputError):
            ws.samples(accepted="yes")


def test_summary_counts(tmp_path):
    with Workspace(tmp_path / "w.sqlite") as ws:
        ws.add_samples([sample("a", ["x", "y"]), sample("b", ["x", "y", "z"]), sample("c", ["x", "z"]),
                        sample("d", ["x", "w"], status="error")])
        ws.set_decision("a", True)
        ws.set_decision("b", True, edited_messages=[{"role": "user", "content": "e"}])
        ws.set_decision("c", False)
        ws.add_grade("a", grade({"x": 1}))
        ws.add_grade("a", grade({"x": 0}))
        ws.add_grade("c", grade({"x": 1}))
        ws.pin_skill("x")
        ws.exclude_skill("y")
        ws.exclude_skill("z")
        ws.approve_combo(["x", "w"])
        ws.set_setting("k", 2)
        h = ws.put_artefact("tree", "{}")
        ws.push_op({"op": "a"})
        ws.push_op({"op": "b"})
        ws.undo()
        ws.record_export("o.jsonl", "jsonl", {})
        s = ws.summary()
    assert (s.samples, s.accepted, s.rejected, s.undecided, s.edited, s.graded) == (4, 2, 1, 1, 1, 2)
    assert s.samples_by_status == {"error": 1, "ok": 3}
    assert s.samples_by_k == {2: 3, 3: 1} and s.accepted_by_k == {2: 1, 3: 1}
    assert (s.pinned_skills, s.excluded_skills, s.approved_combos, s.excluded_combos) == (1, 2, 1, 0)
    assert (s.settings, s.exports, s.ops_active, s.ops_total, s.schema_version) == (1, 1, 1, 2, 2)
    assert s.artefacts == {"tree": h}


def test_artefacts_are_content_addressed(tmp_path):
    with Workspace(tmp_path / "w.sqlite") as ws:
        assert ws.get_artefact("tree") is None
        h1 = ws.put_artefact("tree", '{"v": 1}')
        h2 = ws.put_artefact("tree", '{"v": 2}')
        assert ws.get_artefact("tree").hash == h2
        assert ws.put_artefact("tree", '{"v": 1}') == h1  # stored again: one copy, now the latest
        assert ws.get_artefact("tree").hash == h1
        assert ws.get_artefact("tree", h2).content == '{"v": 2}'
        assert ws.get_artefact("tree", "0" * 64) is None and ws.get_artefact("graph") is None
        assert [(a["hash"], a["size"]) for a in ws.artefacts("tree")] == [(h2, 8), (h1, 8)]
        with pytest.raises(InputError):
            ws.put_artefact("tree", "not json")
        with pytest.raises(InputError):
            ws.put_artefact("tree", b"{}")
    assert raw(tmp_path / "w.sqlite", "SELECT count(*) FROM artefacts") == [(2,)]


# ------------------------------------------------------------------------------------------ op log


def test_op_log_undo_redo(tmp_path):
    path = tmp_path / "w.sqlite"
    a, b, c, d = ({"op": n} for n in "abcd")
    with Workspace(path) as ws:
        assert ws.undo() is None and ws.redo() is None and ws.active_ops() == []
        assert [ws.push_op(a), ws.push_op(b), ws.push_op(c)] == [1, 2, 3]
        assert ws.undo() == c and ws.undo() == b
        assert ws.active_ops() == [a]
        assert ws.op_log().ops == (a, b, c) and ws.op_log().cursor == 1
        assert ws.redo() == b and ws.active_ops() == [a, b]
    with Workspace(path) as ws:  # the cursor survives a restart
        assert ws.active_ops() == [a, b] and ws.op_log().can_redo
        assert ws.push_op(d) == 3  # pushing after an undo discards the redo tail (c)
        assert ws.op_log().ops == (a, b, d) and not ws.op_log().can_redo
        assert ws.redo() is None
        assert [ws.undo(), ws.undo(), ws.undo(), ws.undo()] == [d, b, a, None]
        assert ws.active_ops() == [] and ws.op_log().cursor == 0
        assert ws.push_op(c) == 1 and ws.op_log().ops == (c,)
        assert ws.clear_ops() == 1 and ws.op_log().ops == () and ws.undo() is None
        with pytest.raises(InputError):
            ws.push_op(["not", "an", "object"])


# ------------------------------------------------------------------------------------------ hostile


def test_hostile_strings_round_trip_exactly(tmp_path):
    path = tmp_path / "w.sqlite"
    with Workspace(path) as ws:
        for i, name in enumerate(HOSTILE):
            (ws.pin_skill if i % 2 else ws.exclude_skill)(name)
            ws.set_setting(name, {name: [name]})
        ws.approve_combo(HOSTILE[:3], info={"why": HOSTILE[3]})
        ws.add_samples([{"id": name, "skills": [name, "plain"], "style": name, "status": name,
                         "messages": [{"role": "user", "content": name}], "provenance": {name: name},
                         "tree_version": name} for name in HOSTILE])
        ws.set_decision(HOSTILE[1], True, edited_messages=[{"role": "assistant", "content": HOSTILE[2]}])
        ws.add_grade(HOSTILE[1], grade({HOSTILE[4]: 1}, judge={"raw": HOSTILE[5]}, error=HOSTILE[6]))
        h = ws.put_artefact(HOSTILE[0], json.dumps({"labels": HOSTILE}, ensure_ascii=False))
        ws.push_op({"op": "rename", "label": HOSTILE[2]})
        ws.record_export(HOSTILE[6], HOSTILE[7], {"note": HOSTILE[8]})
    with Workspace(path) as ws:
        marks = ws.skill_marks()
        assert sorted(marks["pinned"] + marks["excluded"]) == sorted(HOSTILE)
        assert marks["pinned"] == sorted(HOSTILE[1::2])
        assert ws.settings() == {name: {name: [name]} for name in HOSTILE}
        assert ws.combo_marks()["approved"][0]["skills"] == sorted(HOSTILE[:3])
        assert ws.combo_marks()["approved"][0]["info"] == {"why": HOSTILE[3]}
        got = ws.samples()
        assert [s["id"] for s in got] == HOSTILE
        for s in got:
            assert s["skills"] == [s["id"], "plain"] and s["style"] == s["status"] == s["id"]
            assert s["original_messages"] == [{"role": "user", "content": s["id"]}]
            assert s["provenance"] == {s["id"]: s["id"]} and s["tree_version"] == s["id"]
        assert ws.sample(HOSTILE[1])["messages"] == [{"role": "assistant", "content": HOSTILE[2]}]
        (stored,) = ws.grades(HOSTILE[1])
        assert stored["grade"]["points"]["skills"] == {HOSTILE[4]: 1} and stored["grade"]["error"] == HOSTILE[6]
        assert stored["grade"]["judge"] == {"raw": HOSTILE[5]}
        assert json.loads(ws.get_artefact(HOSTILE[0], h).content) == {"labels": HOSTILE}
        assert ws.active_ops() == [{"op": "rename", "label": HOSTILE[2]}]
        assert [(e["path"], e["format"], e["manifest"]) for e in ws.exports()] == \
            [(HOSTILE[6], HOSTILE[7], {"note": HOSTILE[8]})]
        assert ws.summary().samples == len(HOSTILE)
        with pytest.raises(InputError):
            ws.pin_skill("lone \ud800 surrogate")
    tables = {r[0] for r in raw(path, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"samples", "skill_marks", "settings", "tree_ops"} <= tables


# ------------------------------------------------------------------------------------------ secrets


@pytest.mark.parametrize("name", ["api_key", "OPENAI_API_KEY", "openaiApiKey", "apikey", "llm.api_key",
                                  "hf_token", "access-token", "accessToken", "client_secret", "password",
                                  "db_password", "my secret", "private_key", "key", "Authorization"])
def test_secret_looking_settings_are_refused(tmp_path, name):
    assert looks_secret(name)
    with Workspace(tmp_path / "w.sqlite") as ws:
        with pytest.raises(StepsError, match="secret"):
            ws.set_setting(name, "sk-live-0123456789abcdef")
        with pytest.raises(StepsError, match="secret"):
            ws.set_setting("llm", {"model": "gpt", "auth": {name: "sk-live-0123456789abcdef"}})
        assert ws.settings() == {}
    for f in tmp_path.iterdir():
        assert b"sk-live-0123456789abcdef" not in f.read_bytes()


@pytest.mark.parametrize("name", ["max_tokens", "tokenizer", "model", "monkey", "keyboard", "k",
                                  "temperature", "base_url", "data_source"])
def test_ordinary_settings_are_allowed(tmp_path, name):
    assert not looks_secret(name)
    with Workspace(tmp_path / "w.sqlite") as ws:
        ws.set_setting(name, {"max_tokens": 10})
        assert ws.get_setting(name) == {"max_tokens": 10}
        assert ws.delete_setting(name) is True and ws.get_setting(name, "gone") == "gone"


def test_secret_values_from_environment_and_guard_are_never_written(tmp_path, monkeypatch):
    key = "sk-test-ABCDEFGH12345678"
    monkeypatch.setenv("STEPS_TEST_API_KEY", key)
    path = tmp_path / "w.sqlite"
    with Workspace(path) as ws:
        with pytest.raises(StepsError, match="STEPS_TEST_API_KEY"):
            ws.add_samples([sample("s", ["a"], provenance={"headers": f"Bearer {key}"})])
        with pytest.raises(StepsError, match="STEPS_TEST_API_KEY"):
            ws.record_export("o.jsonl", "jsonl", {"client": {"note": key}})
        with pytest.raises(StepsError, match="STEPS_TEST_API_KEY"):
            ws.put_artefact("tree", json.dumps({"x": key}))
        typed = "typed-in-the-app-9876"
        ws.guard_secret(typed)
        with pytest.raises(StepsError, match="guarded"):
            ws.set_setting("note", f"my key is {typed}")
        assert ws.summary().samples == 0 and ws.exports() == [] and ws.settings() == {}
    for f in tmp_path.iterdir():
        data = f.read_bytes()
        assert key.encode() not in data and typed.encode() not in data


# ------------------------------------------------------------------------------------------ concurrency

N_ACTIONS = 150  # per process; each iteration below is 4 transactions -> 600 actions per process


def _worker(path: str, tag: str, n: int, barrier) -> None:
    barrier.wait()  # both processes create/open the (missing) file at the same moment
    with Workspace(path) as ws:
        for i in range(n):
            ws.pin_skill(f"{tag}-skill-{i}")
            ws.add_samples([sample(f"{tag}-{i}", [f"{tag}-skill-{i}", "shared"])])
            ws.set_decision(f"{tag}-{i}", i % 3 == 0)
            ws.push_op({"tag": tag, "i": i})


def test_two_processes_write_concurrently(tmp_path):
    path = tmp_path / "shared" / "w.sqlite"
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=_worker, args=(str(path), tag, N_ACTIONS, barrier)) for tag in "AB"]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    assert raw(path, "PRAGMA integrity_check") == [("ok",)]
    with Workspace(path) as ws:
        pinned = set(ws.skill_marks()["pinned"])
        assert pinned == {f"{t}-skill-{i}" for t in "AB" for i in range(N_ACTIONS)}
        got = {s["id"]: s["accepted"] for s in ws.samples()}
        assert got == {f"{t}-{i}": i % 3 == 0 for t in "AB" for i in range(N_ACTIONS)}
        ops = ws.active_ops()
        assert len(ops) == 2 * N_ACTIONS
        for t in "AB":  # each process's ops are in its own order
            assert [o["i"] for o in ops if o["tag"] == t] == list(range(N_ACTIONS))


def test_one_workspace_shared_by_threads(tmp_path):
    errors: list[BaseException] = []
    with Workspace(tmp_path / "w.sqlite") as ws:
        def run(t: int) -> None:
            try:
                for i in range(50):
                    ws.add_samples([sample(f"{t}-{i}", ["a", "b"])])
                    ws.set_decision(f"{t}-{i}", True)
                    ws.push_op({"t": t, "i": i})
                    ws.summary()
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(t,)) for t in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert errors == []
        assert ws.summary().accepted == 200 and len(ws.active_ops()) == 200


CRASH_CHILD = """
import sys
from steps_core.workspace import Workspace
with Workspace(sys.argv[1]) as ws:
    for i in range(100000):
        ws.add_samples([{"id": f"b{i}-{j}", "skills": ["a", f"s{j}"], "messages": [],
                         "provenance": {"batch": i}} for j in range(40)])
        ws.pin_skill(f"s{i}")
        print(i, flush=True)
"""


def test_crash_loses_no_committed_action(tmp_path):
    path = tmp_path / "w.sqlite"
    proc = subprocess.Popen([sys.executable, "-c", CRASH_CHILD, str(path)], stdout=subprocess.PIPE,
                            text=True)
    acked = -1
    try:
        for line in proc.stdout:
            acked = int(line)
            if acked >= 60:
                break
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        rest = proc.stdout.read()
        proc.wait()
    acked = max([acked, *map(int, rest.split())])
    assert proc.returncode == -signal.SIGKILL and acked >= 60
    assert raw(path, "PRAGMA integrity_check") == [("ok",)]
    with Workspace(path) as ws:
        pinned = ws.skill_marks()["pinned"]
        batches: dict[int, int] = {}
        for s in ws.samples():
            batches[s["provenance"]["batch"]] = batches.get(s["provenance"]["batch"], 0) + 1
    done = sorted(int(p[1:]) for p in pinned)
    # every acknowledged action is there, with no hole, plus at most the one in flight
    assert done == list(range(len(done))) and acked + 1 <= len(done) <= acked + 2
    # each add_samples batch is all or nothing
    assert sorted(batches) == list(range(len(batches))) and set(batches.values()) == {40}
    assert len(done) <= len(batches) <= len(done) + 1


def test_a_new_workspace_opens_while_another_process_holds_a_lock(tmp_path):
    # B13: the shared WAL helper retries the switch while another connection holds a lock
    from test_io import _hold_reserved_lock

    path = tmp_path / "ws.sqlite"
    t = _hold_reserved_lock(path, 0.3)
    try:
        with Workspace(path) as ws:
            ws.pin_skill("a")
            assert ws.skill_marks()["pinned"] == ["a"]
    finally:
        t.join()


def test_light_sample_reads(tmp_path):
    from steps_core.workspace import open_workspace

    with open_workspace(tmp_path / "w.sqlite") as ws:
        ws.add_samples([{"id": f"s{i}", "skills": ["a", "b"], "k": 2, "style": "composite", "status": "ok",
                         "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
                         "accepted": None, "provenance": {"big": "x" * 1000}} for i in range(3)])
        assert ws.sample_ids() == ["s0", "s1", "s2"]
        light = ws.samples(with_provenance=False)
        full = ws.samples()
        assert [s["provenance"] for s in light] == [None] * 3
        assert [s["provenance"]["big"] for s in full] == ["x" * 1000] * 3
        assert [{k: v for k, v in s.items() if k != "provenance"} for s in light] == \
               [{k: v for k, v in s.items() if k != "provenance"} for s in full]


def test_set_skill_marks_and_guard_lifecycle(tmp_path):
    from steps_core.errors import StepsError
    from steps_core.workspace import open_workspace

    with open_workspace(tmp_path / "w.sqlite") as ws:
        ws.exclude_skill("c")
        ws.pin_skill("a")
        ws.set_skill_marks("pinned", ["b", "c"])
        assert ws.skill_marks() == {"pinned": ["b", "c"], "excluded": []}
        ws.set_skill_marks("pinned", [])
        assert ws.skill_marks() == {"pinned": [], "excluded": []}
        ws.guard_secret("test")                       # too short to be a real key: not guarded
        ws.set_setting("model", "my-test-model")
        ws.guard_secret("sk-long-secret-123")
        with pytest.raises(StepsError):
            ws.set_setting("note", "x sk-long-secret-123 y")
        ws.unguard_secret("sk-long-secret-123")
        ws.set_setting("note", "fine now")
        assert ws.get_setting("model") == "my-test-model"


# ----------------------------------------------------------------------------------------------------------
# Issue 11: hashing through the connection, damaged and read-only files
# ----------------------------------------------------------------------------------------------------------

def test_content_sha256_reads_through_the_connection(tmp_path):
    from steps_core.io import is_open_database

    with Workspace(tmp_path / "w.sqlite") as ws:
        assert is_open_database(ws.path)
        first = ws.content_sha256()
        assert ws.content_sha256() == first and len(first) == 64
        ws.pin_skill("a")
        assert ws.content_sha256() != first
    assert not is_open_database(tmp_path / "w.sqlite")


def test_a_damaged_file_is_refused_on_open_with_its_path(tmp_path):
    path = tmp_path / "w.sqlite"
    with Workspace(path) as ws:
        ws.add_samples([{"id": f"s{i}", "skills": ["a", "b"], "messages": [], "status": "failed"}
                        for i in range(200)])
    data = bytearray(path.read_bytes())
    data[3 * 4096:6 * 4096] = b"\x07" * (3 * 4096)
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match="damaged") as err:
        Workspace(path)
    assert err.value.path == str(path)


def test_a_read_only_workspace_reads_and_refuses_changes(tmp_path):
    from steps_core.errors import EnvironmentFault

    path = tmp_path / "w.sqlite"
    with Workspace(path) as ws:
        ws.pin_skill("a")
    with Workspace(path, read_only=True) as ws:
        assert ws.read_only and ws.skill_marks()["pinned"] == ["a"]
        with pytest.raises(EnvironmentFault, match="read-only") as err:
            ws.pin_skill("b")
        assert err.value.exit_code == 1 and str(path) in str(err.value)
    with Workspace(path) as ws:
        assert not ws.read_only and ws.skill_marks()["pinned"] == ["a"]


# ---------------------------------------------------------------------------------- review decisions (schema v2)

V1_FILE = Path(__file__).parent / "data" / "workspace-v1.sqlite"


def test_a_version_1_workspace_opens_upgraded_without_loss(tmp_path):
    """``tests/data/workspace-v1.sqlite`` was written by STEPS Studio before reject reasons (schema v1): it opens,
    is upgraded to the current version in place, and keeps every setting, mark, sample, decision, edit, grade,
    export and taxonomy edit; its rejected sample has no reason; the new features work on it at once."""
    path = tmp_path / "old.sqlite"
    path.write_bytes(V1_FILE.read_bytes())
    assert raw(path, "PRAGMA user_version") == [(1,)]
    before = {table: raw(path, f"SELECT * FROM {table} ORDER BY 1") for table in
              ("settings", "artefacts", "skill_marks", "combo_marks", "samples", "grades", "exports", "tree_ops")}
    with Workspace(path) as ws:
        assert ws.schema_version == 2
    assert raw(path, "PRAGMA user_version") == [(2,)]
    after = {table: raw(path, f"SELECT * FROM {table} ORDER BY 1") for table in before}
    assert {t: rows for t, rows in after.items() if t != "samples"} == \
           {t: rows for t, rows in before.items() if t != "samples"}
    assert [r[:-2] for r in after["samples"]] == before["samples"]            # two new columns, at the end
    assert {r[-2:] for r in after["samples"]} == {(None, None)}
    with Workspace(path) as ws:
        by_id = {s["id"]: s for s in ws.samples()}
        assert {i: s["accepted"] for i, s in by_id.items()} == {
            "s-acc": True, "s-rej": False, "s-edit": True, "s-new": None, "s-fail": None}
        assert by_id["s-edit"]["messages"][1]["content"] == "edited by a person"
        assert by_id["s-edit"]["original_messages"][1]["content"] == "original"
        assert all(s["reject_reason"] is None and s["reject_note"] is None for s in by_id.values())
        assert ws.reject_reason_counts() == {None: 1}
        assert ws.get_setting("synth.style") == "agentic"
        assert ws.skill_marks() == {"pinned": ["metaphor"], "excluded": ["poetry"]}
        assert [g["sample_id"] for g in ws.grades()] == ["s-acc"] and len(ws.exports()) == 1
        assert ws.active_ops() == [{"op": "relabel", "node": "1", "label": "rhetoric"}]
        assert ws.last_decision() is None
        d = ws.decide(["s-new"], False, reason="off-topic")                     # the new features work at once
        assert d is not None and d.sample_ids == ("s-new",)
        assert ws.undo_decision().sample_ids == ("s-new",) and ws.sample("s-new")["accepted"] is None


def test_decide_logs_and_undo_walks_back(tmp_path):
    with Workspace(tmp_path / "w.sqlite") as ws:
        ws.add_samples([sample(f"s{i}", ["a", "b"]) for i in range(4)]
                       + [sample("bad", ["a", "b"], status="failed", messages=[])])
        assert ws.undo_decision() is None and ws.last_decision() is None
        one = ws.decide(["s0"], True, label="Accepted: a + b")
        assert (one.label, one.accepted, one.sample_ids, one.skipped) == ("Accepted: a + b", True, ("s0",), 0)
        bulk = ws.decide(["s1", "s2", "s3", "bad"], False, reason="off-topic", note=" not about the topic ")
        assert bulk.sample_ids == ("s1", "s2", "s3", "bad") and bulk.label == "rejected 4 samples (off-topic)"
        rows = {r["id"]: r for r in ws.sample_rows()}
        assert rows["s2"]["reject_reason"] == "off-topic" and rows["s2"]["reject_note"] == "not about the topic"
        assert ws.reject_reason_counts() == {"off-topic": 4}
        accept_all = ws.decide(["s1", "s2", "bad"], True)           # a failed sample is never accepted
        assert accept_all.sample_ids == ("s1", "s2") and accept_all.skipped == 1
        assert ws.sample("s1")["reject_reason"] is None                # accepting drops the reason
        assert ws.decide(["s1", "s2"], True) is None                   # nothing changes: nothing logged
        assert ws.last_decision().seq == accept_all.seq

        undone = ws.undo_decision()                                    # back to rejected, with reason and note
        assert undone.seq == accept_all.seq and set(undone.sample_ids) == {"s1", "s2"}
        assert [ws.sample(i)["reject_reason"] for i in ("s1", "s2")] == ["off-topic", "off-topic"]
        assert ws.sample("s1")["reject_note"] == "not about the topic"
        assert ws.last_decision().seq == bulk.seq
        ws.undo_decision()                                             # back to undecided
        assert [ws.sample(f"s{i}")["accepted"] for i in range(4)] == [True, None, None, None]
        assert ws.sample("bad")["accepted"] is None and ws.reject_reason_counts() == {}
        ws.undo_decision()
        assert ws.sample("s0")["accepted"] is None and ws.undo_decision() is None
    with Workspace(tmp_path / "w.sqlite") as ws:                       # the log survives a restart
        ws.decide(["s0"], False)
    with Workspace(tmp_path / "w.sqlite") as ws:
        assert ws.last_decision().label == "rejected 1 sample"
        assert ws.undo_decision().sample_ids == ("s0",) and ws.sample("s0")["accepted"] is None


def test_undo_leaves_alone_a_sample_changed_since(tmp_path):
    """Undo restores a sample only while it is still as the action left it: a later change by another tab (or
    a regeneration that dropped the decision) is not overwritten."""
    with Workspace(tmp_path / "w.sqlite") as ws:
        ws.add_samples([sample("x", ["a", "b"]), sample("y", ["a", "b"])])
        ws.decide(["x", "y"], True)
        ws.set_decision("y", False)                                    # changed since, outside the log
        assert ws.undo_decision().sample_ids == ("x",)
        assert ws.sample("x")["accepted"] is None and ws.sample("y")["accepted"] is False


def test_reasons_follow_the_decision(tmp_path):
    with Workspace(tmp_path / "w.sqlite") as ws:
        ws.add_samples([sample("x", ["a", "b"]), sample("y", ["a", "b"])])
        ws.decide(["x", "y"], False, reason="factual error", note="2 + 2 = 5")
        ws.set_decision("x", False, edited_messages=[{"role": "user", "content": "q"},
                                                     {"role": "assistant", "content": "fixed"}])
        assert ws.sample("x")["reject_reason"] == "factual error"      # still rejected: the reason stays
        ws.set_decision("x", None)
        assert ws.sample("x")["reject_reason"] is None and ws.sample("x")["reject_note"] is None
        assert raw(tmp_path / "w.sqlite", "SELECT reject_reason FROM samples WHERE id = 'x'") == [(None,)]
        ws.add_samples([sample("y", ["a", "b"], text="regenerated")])   # new text: decision and reason dropped
        assert ws.sample("y")["accepted"] is None and ws.sample("y")["reject_reason"] is None
        ws.decide(["y"], False, reason="unsafe")
        again = ws.samples()
        assert ws.add_samples(again).unchanged == 2                    # re-adding what samples() gave: no change
        assert ws.sample("y")["reject_reason"] == "unsafe"
        assert "reject_reason" not in json.loads(raw(tmp_path / "w.sqlite",
                                                     "SELECT extra FROM samples WHERE id = 'y'")[0][0])


def test_decide_refuses_bad_input_and_changes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-value-123456")
    with Workspace(tmp_path / "w.sqlite") as ws:
        ws.add_samples([sample("x", ["a", "b"])])
        for call in (lambda: ws.decide(["x", "nope"], True),
                     lambda: ws.decide(["x"], True, reason="off-topic"),
                     lambda: ws.decide(["x"], "yes"),
                     lambda: ws.decide(["x"], False, reason="  "),
                     lambda: ws.decide(["x"], False, note="key sk-secret-value-123456")):
            with pytest.raises(StepsError):
                call()
        assert ws.sample("x")["accepted"] is None and ws.last_decision() is None
        assert b"sk-secret-value-123456" not in (tmp_path / "w.sqlite").read_bytes()


def test_bulk_decisions_on_thousands_of_samples(tmp_path):
    """More ids than SQLite binds at once: one transaction, one log entry, one undo."""
    with Workspace(tmp_path / "w.sqlite") as ws:
        ws.add_samples([sample(f"s{i}", ["a", "b"]) for i in range(1500)])
        d = ws.decide([f"s{i}" for i in range(1500)], False, reason="low grade")
        assert d.changed == 1500 and ws.reject_reason_counts() == {"low grade": 1500}
        assert len(ws.undo_decision().sample_ids) == 1500 and ws.summary().undecided == 1500


def test_sample_rows_are_the_samples_without_their_text(tmp_path):
    with Workspace(tmp_path / "w.sqlite") as ws:
        ws.add_samples([sample("x", ["b", "a"], text="long " * 100), sample("y", ["a", "c"])])
        ws.decide(["y"], False, reason="other", note="n")
        rows = ws.sample_rows()
        full = ws.samples()
    keys = ["id", "skills", "k", "style", "status", "accepted", "edited", "reject_reason", "reject_note", "combo_key"]
    assert [list(r) for r in rows] == [keys, keys]
    assert rows == [{k: s[k] for k in keys} for s in full]
