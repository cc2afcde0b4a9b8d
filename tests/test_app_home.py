"""Home page and the frame (sidebar): the demo loads, the cards show the right figures, settings and the data
source persist in the workspace, bad data becomes an error message, a restart reads the stored tree."""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from itertools import combinations

from app_helpers import PAGES, assert_ok, new_app, open_ws, plain, reference_tree


def brute_figures(corpus, weighting: str = "lift") -> dict:
    """Records, skills, edges and H^1 counted by hand from the JSONL file (method.md §1-2)."""
    recs = [set(json.loads(line)["skills"]) for line in corpus.read_text(encoding="utf-8").splitlines()]
    n = Counter(s for r in recs for s in r)
    c = Counter(p for r in recs for p in combinations(sorted(r), 2))
    deg: dict[str, float] = defaultdict(float)
    for (a, b), cab in c.items():
        w = (cab + 2) / ((n[a] + 1) * (n[b] + 1)) if weighting == "lift" else float(cab)
        deg[a] += w
        deg[b] += w
    vol = sum(deg.values())
    h1 = -sum(d / vol * math.log2(d / vol) for d in deg.values() if d > 0)
    return {"records": len(recs), "skills": len(n), "edges": len(c), "h1": h1}


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def three(x: float) -> str:
    """Three significant digits, as the app shows numbers."""
    return f"{x:.3g}"


def h1_caption(at) -> str:
    return next(c.value for c in at.caption if "H¹ =" in c.value).split("H¹ = ")[1].split(" bits")[0]


def test_demo_loads_with_figures_computed_by_hand(app_env):
    at = new_app()
    want = brute_figures(app_env.files["corpus"])
    tree = reference_tree(app_env.files["corpus"])
    got = metrics(at)
    assert got["Records"] == f"{want['records']:,}"
    assert got["Skills"] == f"{want['skills']:,}"
    assert got["Skill pairs"] == f"{want['edges']:,}"
    assert h1_caption(at) == three(want["h1"])
    assert got["Uncertainty left (bits)"] == three(tree.entropy)
    assert got["Explained by the tree"] == f"{100 * (1 - tree.entropy / want['h1']):.3g}%"
    assert got["Communities"] == f"{len(tree.communities):,}"
    assert any("**Next:**" in str(m.value) for m in at.markdown)                  # what to do now, first
    assert "About the method" in [e.label for e in at.expander]
    with open_ws(app_env.ws) as ws:                                   # created on first use, tree stored
        assert ws.get_setting("tree_version") == tree.version
        assert [a["meta"]["version"] for a in ws.artefacts("tree")] == [tree.version]


def test_settings_persist_and_change_the_graph(app_env):
    at = new_app()
    at.selectbox(key="ws:cfg:weighting").set_value("count").run()
    assert_ok(at)
    want = brute_figures(app_env.files["corpus"], weighting="count")
    assert h1_caption(at) == three(want["h1"])
    at.select_slider(key="ws:cfg:height").set_value(2).run()
    with open_ws(app_env.ws) as ws:
        assert ws.get_setting("weighting") == "count" and ws.get_setting("height") == 2
    fresh = new_app()                                                 # a reload: a new session, same file
    assert fresh.selectbox(key="ws:cfg:weighting").value == "count"
    assert fresh.select_slider(key="ws:cfg:height").value == 2
    want = reference_tree(app_env.files["corpus"], k=2, weighting="count")
    assert metrics(fresh)["Uncertainty left (bits)"] == three(want.entropy)


def test_restart_reads_the_stored_tree(app_env):
    first = new_app()
    assert [s.label for s in first.status][0].startswith("Built the taxonomy")
    with open_ws(app_env.ws) as ws:
        stored = ws.artefacts("tree")
    # a server restart: every cache is gone, only the workspace remains
    from pages.ui import state

    state.clear_memo()
    at = new_app()
    assert not at.status                                              # nothing was built
    assert metrics(at)["Uncertainty left (bits)"] == three(reference_tree(app_env.files["corpus"]).entropy)
    with open_ws(app_env.ws) as ws:
        assert ws.artefacts("tree") == stored                         # read back, not rebuilt and stored again


def test_bad_file_is_an_error_message_and_keeps_the_source(app_env):
    bad = app_env.tmp / "bad.jsonl"
    bad.write_text('{"skills": ["a", "b"]}\n{"skills": 3}\n', encoding="utf-8")
    at = new_app()
    at.radio(key="ws:src_kind").set_value("path").run()
    [t for t in at.text_input if t.label == "Corpus file or folder"][0].input(str(bad))
    [b for b in at.button if b.label == "Load"][0].click().run()
    assert_ok(at)
    errors = [plain(e.value) for e in at.error]                       # escaped: the path reads as typed
    assert any(f"{bad}:2" in e and "skills" in e for e in errors), errors
    assert metrics(at)["Records"] == "240"                            # the demo is still shown
    with open_ws(app_env.ws) as ws:
        assert ws.get_setting("source") is None


def test_server_path_source_is_used_and_remembered(app_env):
    good = app_env.tmp / "mine.jsonl"
    good.write_text("".join(json.dumps({"skills": s}) + "\n" for s in (["x", "y"], ["y", "z"], ["x", "z"], ["x"])),
                    encoding="utf-8")
    at = new_app()
    at.radio(key="ws:src_kind").set_value("path").run()
    [t for t in at.text_input if t.label == "Corpus file or folder"][0].input(str(good))
    [b for b in at.button if b.label == "Load"][0].click().run()
    assert_ok(at)
    assert metrics(at)["Records"] == "4" and metrics(at)["Skills"] == "3" and metrics(at)["Skill pairs"] == "3"
    fresh = new_app()
    assert metrics(fresh)["Records"] == "4"
    assert fresh.radio(key="ws:src_kind").value == "path"
    fresh.radio(key="ws:src_kind").set_value("demo").run()
    assert metrics(fresh)["Records"] == "240"


def test_switching_workspace_and_two_sessions(app_env):
    other = app_env.tmp / "other" / "second.sqlite"
    a, b = new_app(), new_app()                                       # two tabs on the same workspace
    a.selectbox(key="ws:cfg:weighting").set_value("npmi").run()
    b.switch_page(PAGES["combinations"]).run()
    b.multiselect(key="ws:marks:pinned").set_value(["regex"]).run()
    assert_ok(a)
    assert_ok(b)
    with open_ws(app_env.ws) as ws:
        assert ws.get_setting("weighting") == "npmi" and ws.skill_marks()["pinned"] == ["regex"]
    a.text_input(key="ws_name").input(str(other)).run()               # switch tab a to a new workspace
    assert_ok(a)
    assert other.exists()
    assert a.selectbox(key="ws:cfg:weighting").value == "lift"          # the new workspace's own settings
    assert any(str(other) in plain(c.value) for c in a.caption)
    with open_ws(app_env.ws) as ws:
        assert ws.get_setting("weighting") == "npmi"                  # the first one is untouched


def test_not_a_workspace_file_is_refused(app_env):
    junk = app_env.tmp / "notes.sqlite"
    junk.write_text("these are my notes, not a database", encoding="utf-8")
    at = new_app()
    at.text_input(key="ws_name").input(str(junk)).run()
    assert_ok(at)
    assert any("not a STEPS workspace" in str(e.value) for e in at.error)
    assert junk.read_text(encoding="utf-8") == "these are my notes, not a database"


def test_skip_bad_records_reads_the_rest_and_reports(app_env):
    mixed = app_env.tmp / "mixed.jsonl"
    mixed.write_text('{"skills": ["a", "b"]}\n{"skills": 7}\n{"skills": ["b", "c"]}\nnot json\n{"skills": ["a"]}\n',
                     encoding="utf-8")
    at = new_app()
    at.checkbox(key="ws:cfg:skip_bad").check().run()
    at.radio(key="ws:src_kind").set_value("path").run()
    [t for t in at.text_input if t.label == "Corpus file or folder"][0].input(str(mixed))
    [b for b in at.button if b.label == "Load"][0].click().run()
    assert_ok(at)
    # c is on one record only: the automatic min count leaves it out (and says so)
    assert metrics(at)["Records"] == "3" and metrics(at)["Skills"] == "2"
    report = "\n".join(c.value for c in at.code)
    assert "read 3 record(s)" in report and "skipped 2 bad record(s)" in report and f"{mixed}:2" in report


def test_every_page_file_is_linked_and_runs_in_its_frame(app_env):
    """The files Streamlit lists as pages (``pages/*.py`` but ``__init__.py``; not the helpers in ``pages/ui/``)
    are exactly the sidebar's links, and each page opened on its own draws the frame and its title."""
    from app_helpers import REPO
    from pages.ui.nav import PAGES

    listed = {f"pages/{p.name}" for p in (REPO / "pages").glob("*.py") if p.name != "__init__.py"}
    assert listed == {path for path, _t, _i in PAGES if path != "app.py"}
    assert (REPO / "pages" / "__init__.py").exists()
    at = new_app()
    for path, title, _icon in PAGES:
        at.switch_page(path).run()
        assert_ok(at)
        assert at.title[0].value == ("STEPS Studio" if title == "Home" else title)
        assert at.sidebar.text_input(key="ws_name").value == str(app_env.ws)    # the frame, on every page
        assert at.sidebar.select_slider(key="ws:cfg:height").value == 3


def test_switching_workspace_forgets_the_old_pins(app_env):
    """The pins shown come from the workspace open now: switching never carries the old ones over, and a pin
    made after the switch lands alone in the new workspace."""
    other = app_env.tmp / "other" / "second.sqlite"
    with open_ws(app_env.ws) as ws:
        ws.set_setting("combo.coherence", False)
    at = new_app("combinations")
    at.multiselect(key="ws:marks:pinned").set_value(["regex"]).run()
    at.multiselect(key="ws:marks:excluded").set_value(["irony"]).run()
    at.text_input(key="ws_name").input(str(other)).run()
    assert_ok(at)
    assert at.multiselect(key="ws:marks:pinned").value == [] and at.multiselect(key="ws:marks:excluded").value == []
    at.multiselect(key="ws:marks:pinned").set_value(["metaphor"]).run()
    assert_ok(at)
    with open_ws(other) as ws:
        assert ws.skill_marks() == {"pinned": ["metaphor"], "excluded": []}
    with open_ws(app_env.ws) as ws:
        assert ws.skill_marks() == {"pinned": ["regex"], "excluded": ["irony"]}
    at.text_input(key="ws_name").input(str(app_env.ws)).run()         # and back: the first one's marks
    assert at.multiselect(key="ws:marks:pinned").value == ["regex"]
    assert at.multiselect(key="ws:marks:excluded").value == ["irony"]


def test_meaning_in_the_graph_goes_through_the_shared_build(app_env):
    """The sidebar's semantic blend reaches the tree through steps_core.taxonomy, as the CLI's --semantic does."""
    from steps_core.corpus import load_cooccurrence, read_catalog
    from steps_core.taxonomy import BuildSettings, build_taxonomy

    at = new_app()
    plain = metrics(at)["Uncertainty left (bits)"]
    at.sidebar.slider(key="ws:cfg:semantic").set_value(0.5).run()
    assert_ok(at)
    want = build_taxonomy(load_cooccurrence(app_env.files["corpus"]), BuildSettings(semantic=0.5),
                          catalog=read_catalog(app_env.files["catalog"]))
    assert metrics(at)["Uncertainty left (bits)"] == three(want.entropy) != plain
    assert metrics(at)["Skill pairs"] == f"{want.graph.n_edges:,}"          # semantic links added edges
    assert want.graph.weighting == "lift+semantic(0.5)"
    with open_ws(app_env.ws) as ws:
        assert ws.get_setting("semantic") == 0.5


def test_two_tabs_follow_the_workspace(app_env):
    """The workspace is the source of truth: a setting changed in one tab shows in the other at its next run,
    and is the one its pages use."""
    a, b = new_app(), new_app()
    a.selectbox(key="ws:cfg:weighting").set_value("count").run()
    b.run()
    assert_ok(b)
    assert b.selectbox(key="ws:cfg:weighting").value == "count"
    assert h1_caption(b) == three(brute_figures(app_env.files["corpus"], weighting="count")["h1"])
    b.select_slider(key="ws:cfg:height").set_value(2).run()
    a.run()
    assert a.select_slider(key="ws:cfg:height").value == 2 and a.selectbox(key="ws:cfg:weighting").value == "count"
    with open_ws(app_env.ws) as ws:
        assert ws.get_setting("weighting") == "count" and ws.get_setting("height") == 2


def test_two_tabs_pinning_keep_each_others_pins(app_env):
    """A pin made in one tab is not undone by a pin made in another tab that had not seen it yet."""
    with open_ws(app_env.ws) as ws:
        ws.set_setting("combo.coherence", False)
    a, b = new_app("combinations"), new_app("combinations")
    a.multiselect(key="ws:marks:pinned").set_value(["regex"]).run()
    b.multiselect(key="ws:marks:pinned").set_value(["metaphor"]).run()     # b never saw "regex"
    assert_ok(b)
    with open_ws(app_env.ws) as ws:
        assert ws.skill_marks()["pinned"] == ["metaphor", "regex"]
    assert b.multiselect(key="ws:marks:pinned").value == ["metaphor", "regex"]
    a.run()
    assert a.multiselect(key="ws:marks:pinned").value == ["metaphor", "regex"]


def test_error_messages_quote_data_as_text(app_env):
    """An error naming a file whose name holds Markdown shows the name as typed (nothing turns bold, no
    image is drawn)."""
    bad = app_env.tmp / "**bold** ![i](x).jsonl"
    bad.write_text('{"skills": ["a", "b"]}\n{"skills": 3}\n', encoding="utf-8")
    at = new_app()
    at.radio(key="ws:src_kind").set_value("path").run()
    [t for t in at.text_input if t.label == "Corpus file or folder"][0].input(str(bad))
    [b for b in at.button if b.label == "Load"][0].click().run()
    assert_ok(at)
    errors = [str(e.value) for e in at.error]
    assert any(f"{bad}:2" in plain(e) for e in errors), errors
    assert all("**bold**" not in e and "![i]" not in e for e in errors), errors
