"""Export page: the counts of what will be written, a file written to a path that reads back (JSONL and
Parquet) with its manifest and its dataset card, the export recorded in the workspace, and the empty case;
placeholders and ungraded samples are blocked until confirmed; the list of exports includes a download at once;
reject reasons reach the manifest; *Write file* never replaces the workspace, a device or an earlier export and
writes only in the workspace's or the export folder; a read-only workspace shows a banner."""

from __future__ import annotations

import io
import json
import zipfile
from collections import Counter

import pyarrow.parquet as pq
import pytest
from streamlit.testing.v1.errors import AppTestError

from app_helpers import assert_ok, confirm, new_app, open_ws, plain, reference_tree
from steps_core.corpus import read_catalog
from steps_core.dataset_card import card_text
from steps_core.select import PLAIN, select_combinations
from steps_core.synth import TemplateBackend, plan_jobs, synthesize


def make_samples(env, accept: int, reject: int = 0) -> list[dict]:
    """Template samples for combinations of 2 and 3 skills, the first ``accept`` accepted, then ``reject``
    rejected, the rest undecided; stored in the workspace as the app would."""
    tree = reference_tree(env.files["corpus"])
    combos = select_combinations(tree, k=2, top=3, **PLAIN) + select_combinations(tree, k=3, top=4, **PLAIN)
    jobs = plan_jobs(combos, style="agentic", catalog=read_catalog(env.files["catalog"]))
    samples = sorted(synthesize(jobs, TemplateBackend(), workers=1), key=lambda s: s["id"])
    for i, s in enumerate(samples):
        s["accepted"] = True if i < accept else False if i < accept + reject else None
        s["tree_version"] = tree.version
    with open_ws(env.ws) as ws:
        ws.add_samples(samples)
    return samples


def test_counts_then_write_a_file_that_reads_back(app_env):
    samples = make_samples(app_env, accept=4, reject=1)
    accepted = [s for s in samples if s["accepted"]]
    at = new_app("export")
    assert {m.label: m.value for m in at.metric}["Samples"] == "4"
    per_community = next(d.value for d in at.dataframe if "label" in d.value.columns)
    want = Counter(s["provenance"]["combination"]["lca"] for s in accepted)
    assert dict(zip(per_community["community"].replace("—", "root"), per_community["samples"])) == dict(want)
    out = app_env.ws.parent / "out" / "train.jsonl"
    at.text_input(key="ws:cfg:export.path.openai").input(str(out)).run()
    confirm(at).button(key="export_write").click().run()
    assert_ok(at)
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(r["messages"][-1]["content"] for r in rows) == sorted(s["messages"][-1]["content"] for s in accepted)
    manifest = json.loads((out.parent / "train.manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest["ids"]) == sorted(s["id"] for s in accepted)
    assert manifest["counts"]["per_k"] == {str(k): n for k, n in sorted(Counter(s["k"] for s in accepted).items())}
    assert manifest["settings"]["curriculum"] is not None
    with open_ws(app_env.ws) as ws:
        exports = ws.exports()
    assert [e["path"] for e in exports] == [str(out.resolve())] and exports[0]["tree_version"]
    fresh = new_app("export")                                          # the history survives a reload
    assert any(str(out.resolve()) in list(d.value.get("path", [])) for d in fresh.dataframe)


def test_parquet_including_unreviewed_without_curriculum(app_env, monkeypatch):
    monkeypatch.setenv("STEPS_EXPORT_DIR", str(app_env.tmp))          # a folder allowed besides the workspace's
    samples = make_samples(app_env, accept=2, reject=1)
    at = new_app("export")
    at.selectbox(key="ws:cfg:export.format").set_value("parquet").run()
    at.toggle(key="ws:cfg:export.include_all").set_value(True).run()
    at.toggle(key="ws:cfg:export.curriculum").set_value(False).run()
    out = app_env.tmp / "train.parquet"
    at.text_input(key="ws:cfg:export.path.parquet").input(str(out)).run()
    confirm(at).button(key="export_write").click().run()
    assert_ok(at)
    table = pq.read_table(out).to_pylist()
    kept = [s for s in samples if s["accepted"] is not False]
    assert [r["id"] for r in table] == [s["id"] for s in kept]      # no curriculum: the workspace's order
    assert all(r["epoch"] is None for r in table)
    with open_ws(app_env.ws) as ws:
        assert ws.get_setting("export.format") == "parquet" and ws.get_setting("export.include_all") is True


def test_nothing_to_export(app_env):
    at = new_app("export")
    assert any("Nothing to export yet" in str(i.value) for i in at.info)
    assert not [b for b in at.button if b.key == "export_write"]


def test_download_is_built_on_click_and_records_its_manifest(app_env, monkeypatch):
    """The download is a zip of the data file and its manifest, built only when the button is clicked (a
    deferred download: the callable the page hands to Streamlit is what a click runs), and the workspace
    records the real manifest."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    deferred = {}
    real = MediaFileManager.add_deferred

    def capture(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        deferred[file_name] = data_callable
        return real(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", capture)
    samples = make_samples(app_env, accept=4, reject=1)
    accepted = [s for s in samples if s["accepted"]]
    at = confirm(new_app("export"))
    assert_ok(at)
    with open_ws(app_env.ws) as ws:
        assert ws.exports() == []                                       # nothing built nor recorded yet
    data = deferred["app-openai.zip"]()                                 # what a click runs (no script context)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert sorted(z.namelist()) == ["app-openai.README.md", "app-openai.jsonl", "app-openai.manifest.json"]
        assert z.read("app-openai.README.md").decode() == card_text(json.loads(z.read("app-openai.manifest.json")))
        rows = [json.loads(line) for line in z.read("app-openai.jsonl").decode().splitlines()]
        manifest = json.loads(z.read("app-openai.manifest.json"))
    assert sorted(r["messages"][-1]["content"] for r in rows) == sorted(s["messages"][-1]["content"] for s in accepted)
    assert sorted(manifest["ids"]) == sorted(s["id"] for s in accepted) and manifest["counts"]["total"] == 4
    assert manifest["output"]["path"] == "app-openai.jsonl"
    with open_ws(app_env.ws) as ws:
        exports = ws.exports()
    assert [e["path"] for e in exports] == ["download:app-openai.zip"]
    assert exports[0]["manifest"] == manifest and exports[0]["tree_version"] == samples[0]["tree_version"]


def test_preview_counts_are_the_manifest_counts(app_env):
    """The counts shown before writing are the ones the manifest will hold (per k, community, style, epoch)."""
    from steps_core.export import PARTITION_CURRICULUM, export_counts

    samples = make_samples(app_env, accept=6, reject=1)
    want = export_counts(samples, curriculum=PARTITION_CURRICULUM, seed=0)      # the page's curriculum
    at = new_app("export")
    assert {m.label: m.value for m in at.metric}["Samples"] == str(want["total"])
    captions = " ".join(str(c.value) for c in at.caption)
    assert "Per epoch: " + ", ".join(f"{e}: {n:,}" for e, n in want["per_epoch"].items()) in captions
    assert "Styles: " + ", ".join(f"{k} {v:,}" for k, v in want["per_style"].items()) in captions
    per_community = next(d.value for d in at.dataframe if "label" in d.value.columns)
    shown = dict(zip(per_community["community"].replace("—", "root"), per_community["samples"]))
    assert shown == want["per_community"]


def _write(at, target, replace: bool = False):
    at.text_input(key="ws:cfg:export.path.openai").input(str(target)).run()
    at.checkbox(key="export_replace").set_value(replace).run()
    at.button(key="export_write").click().run()
    assert_ok(at)
    return " ".join(str(e.value) for e in at.error)


def test_write_file_never_replaces_the_workspace_a_device_or_an_earlier_export(app_env):
    """Issue 11, items 2 and 10: typing the workspace's own path replaced the SQLite file by JSONL."""
    import os
    import sqlite3

    samples = make_samples(app_env, accept=3)
    ws_file = app_env.ws
    before = ws_file.read_bytes()[:16]
    fifo = app_env.ws.parent / "pipe"
    os.mkfifo(fifo)
    other = app_env.ws.parent / "other.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE t(x)")
    at = confirm(new_app("export"))
    for target, reason in [(ws_file, "overwrite the input"), (f"{ws_file}-wal", "overwrite the input"),
                           (other, "database"), (fifo, "named pipe"),
                           (app_env.ws.parent, "folder"), (app_env.tmp / "elsewhere.jsonl", "outside the folders"),
                           ("/etc/steps-export.jsonl", "outside the folders")]:
        message = plain(_write(at, target))
        assert reason in message and "Export failed" in message, (target, message)
    assert ws_file.read_bytes()[:16] == before == b"SQLite format 3\x00"
    assert not (app_env.tmp / "elsewhere.jsonl").exists() and not os.path.exists("/etc/steps-export.jsonl")
    with open_ws(ws_file) as ws:
        assert len(ws.samples()) == len(samples) and ws.exports() == []
    out = app_env.ws.parent / "exports" / "first.jsonl"
    assert _write(at, out) == ""
    first = out.read_bytes()
    assert "already exists" in plain(_write(at, out)) and out.read_bytes() == first      # refused without Replace
    assert _write(at, "exports/first.jsonl", replace=True) == ""                 # relative: the workspace's folder
    with open_ws(ws_file) as ws:
        assert [e["path"] for e in ws.exports()] == [str(out.resolve())] * 2


def test_a_read_only_workspace_shows_a_banner_not_a_traceback(app_env, monkeypatch):
    """Issue 11, item 8: a workspace the app may not write is opened read-only, with a banner."""
    from steps_core.workspace import connection

    make_samples(app_env, accept=3)
    monkeypatch.setattr(connection, "_writable", lambda path: False)
    for page in (None, "synthesize", "export"):
        at = new_app(page)
        assert any("read-only here" in plain(w.value) for w in at.warning), page
        assert not at.error, [plain(e.value) for e in at.error]      # the taxonomy is built, just not stored
    assert not new_app("taxonomy").error


def test_a_damaged_workspace_is_a_message_not_a_traceback(app_env):
    """Issue 11, item 8: a damaged workspace file is named in a message (``PRAGMA quick_check`` on open)."""
    make_samples(app_env, accept=3)
    data = bytearray(app_env.ws.read_bytes())
    data[2 * 4096:5 * 4096] = b"\x5a" * (3 * 4096)
    app_env.ws.write_bytes(bytes(data))
    at = new_app(None)
    assert any("damaged" in plain(e.value) and app_env.ws.name in plain(e.value) for e in at.error), \
        [e.value for e in at.error]


# ------------------------------------------------------------------------------------------------ export you can trust
def warned(at) -> str:
    """The Export page's warning about what the export holds, as read (no Markdown)."""
    return plain(at.warning[0].value).replace("**", "")


def capture_downloads(monkeypatch) -> dict:
    """The deferred download callables the page registers, by file name (the last one of each)."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    deferred = {}
    real = MediaFileManager.add_deferred

    def capture(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        deferred[file_name] = data_callable
        return real(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", capture)
    return deferred


def real_samples(env, n: int) -> list[dict]:
    """Samples written by a model (not placeholders): the template samples with their answers rewritten."""
    made = make_samples(env, accept=0)
    samples = made[:n]
    for i, s in enumerate(samples):
        s["messages"] = [{"role": "user", "content": f"Task {i}"},
                         {"role": "assistant", "content": f"A real answer {i}."}]
        s["provenance"] = {**s["provenance"], "backend": "openai", "model": "writer-model"}
        s["accepted"] = True
    with open_ws(env.ws) as ws:
        ws.add_samples(samples)
        for s in made[n:]:
            ws.set_decision(s["id"], False)
    return samples


def test_placeholders_and_ungraded_samples_block_the_export_until_confirmed(app_env, monkeypatch):
    deferred = capture_downloads(monkeypatch)
    samples = make_samples(app_env, accept=4)
    at = new_app("export")
    warning = warned(at)
    assert "4 of the 4 samples are template placeholders" in warning and "4 of the 4 samples have no grade" in warning
    assert at.button(key="export_write").disabled and at.download_button(key="export_download").disabled
    out = app_env.ws.parent / "exports" / "blocked.jsonl"
    at.text_input(key="ws:cfg:export.path.openai").input(str(out)).run()
    with pytest.raises(AppTestError, match="disabled"):               # nobody can click it
        at.button(key="export_write").click()
    assert not out.exists()
    confirm(at)
    assert not at.button(key="export_write").disabled and not at.download_button(key="export_download").disabled
    with open_ws(app_env.ws) as ws:
        confirmed = ws.get_setting("export.confirmed")                 # saved, for exactly these samples
    assert confirmed and new_app("export").checkbox(key=f"export_confirm_{confirmed}").value is True
    at.button(key="export_write").click().run()
    assert out.exists() and json.loads(out.with_name("blocked.manifest.json").read_text())["placeholders"] == 4
    with open_ws(app_env.ws) as ws:                                    # one more placeholder: asked again
        ws.set_decision(samples[4]["id"], True)
    again = new_app("export")
    assert "5 of the 5 samples are template placeholders" in warned(again)
    assert again.button(key="export_write").disabled
    assert deferred                                                    # the download was offered all along


def test_graded_model_samples_export_without_a_question(app_env):
    samples = real_samples(app_env, 3)
    with open_ws(app_env.ws) as ws:
        for s in samples:
            ws.add_grade(s["id"], {"status": "ok", "score": 5, "max_score": 5})
    at = new_app("export")
    assert not at.warning and not [c for c in at.checkbox if str(c.key).startswith("export_confirm_")]
    assert not at.button(key="export_write").disabled
    with open_ws(app_env.ws) as ws:                                    # one ungraded: asked about that one only
        ws.add_samples([{**samples[0], "id": "new", "accepted": True}])
    warning = warned(new_app("export"))
    assert "1 of the 4 samples have no grade" in warning and "placeholder" not in warning


def test_the_exports_list_includes_a_download_at_once(app_env, monkeypatch):
    """The click's rerun runs while the zip is still being built (in another thread): it waits for it, so
    "Exports so far" counts the download (it used to say 0)."""
    import threading
    import time

    deferred = capture_downloads(monkeypatch)
    make_samples(app_env, accept=3)
    at = confirm(new_app("export"))
    assert [s.value for s in at.subheader if s.value.startswith("Exports so far")] == ["Exports so far (0)"]
    build = deferred["app-openai.zip"]                                  # the callable of the button shown
    worker = threading.Thread(target=lambda: (time.sleep(1.0), build()))
    worker.start()
    at.download_button(key="export_download").click().run()            # the click: its rerun starts at once
    worker.join()
    assert_ok(at)
    assert [s.value for s in at.subheader if s.value.startswith("Exports so far")] == ["Exports so far (1)"]
    table = next(d.value for d in at.dataframe if "path" in d.value.columns)
    assert list(table["path"]) == ["download:app-openai.zip"]
    assert any("Its dataset card" in e.label for e in at.expander)


def test_reject_reasons_reach_the_manifest_and_the_card(app_env):
    samples = make_samples(app_env, accept=3)
    rest = [s["id"] for s in samples[3:]]
    with open_ws(app_env.ws) as ws:
        ws.decide(rest[:2], False, reason="off-topic")
        ws.decide(rest[2:3], False, reason="factual error", note="wrong sum")
        ws.decide(rest[3:], False)
    at = confirm(new_app("export"))
    out = app_env.ws.parent / "exports" / "r.jsonl"
    at.text_input(key="ws:cfg:export.path.openai").input(str(out)).run()
    at.button(key="export_write").click().run()
    assert_ok(at)
    manifest = json.loads(out.with_name("r.manifest.json").read_text(encoding="utf-8"))
    want = {"off-topic": 2, "factual error": 1}
    if rest[3:]:
        want["unspecified"] = len(rest[3:])
    assert manifest["reject_reasons"] == want
    card = out.with_name("r.README.md").read_text(encoding="utf-8")
    assert card == card_text(manifest) and "| off-topic |" in card and "| factual error |" in card
    assert "dataset card to" in plain(at.success[0].value)
    with open_ws(app_env.ws) as ws:
        assert ws.exports()[0]["manifest"]["reject_reasons"] == want
