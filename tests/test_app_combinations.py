"""Combinations page: the ranked table is steps_core's ranking; pinning a skill changes it and survives a new
session; approving and excluding combinations is saved; a combination typed by hand is scored at once."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app_helpers import figures as chart_figures
from app_helpers import (assert_ok, button, corpus_skill_sets, new_app, open_ws,
                         reference_tree, select_rows, table_key)
from steps_core.novelty import SupportIndex
from steps_core.select import conditional_entropy, select_combinations


@pytest.fixture()
def no_coherence(app_env):
    """The app env with the coherence column switched off (no model to load) unless a test turns it on, on data
    where new combinations whose skills hang together exist (areas as rings of skills)."""
    from app_helpers import write_demo

    write_demo(app_env.tmp / "demo", rings=True)
    with open_ws(app_env.ws) as ws:
        ws.set_setting("combo.coherence", False)
    return app_env


def ranked_rows(at):
    df = next(d.value for d in at.dataframe if "gain (bits)" in d.value.columns and "rank" in d.value.columns)
    return [tuple(s.split(" + ")) for s in df["skills"]], list(df["gain (bits)"])


def test_ranked_table_is_the_core_ranking(no_coherence):
    at = new_app("combinations")
    tree = reference_tree(no_coherence.files["corpus"])
    want = select_combinations(tree, k=3, beam=20, scope="local", top=100)
    skills, gains = ranked_rows(at)
    assert skills == [c.skills for c in want]
    assert np.allclose(gains, [c.gain for c in want])
    # novelty by brute force over the records: support, smallest pair count, the "novel" marker
    records = corpus_skill_sets(no_coherence.files["corpus"])
    df = next(d.value for d in at.dataframe if "support" in d.value.columns)
    support = [sum(1 for r in records if set(c) <= r) for c in skills]
    min_pair = [min(sum(1 for r in records if {a, b} <= r) for i, a in enumerate(c) for b in c[i + 1:])
                for c in skills]
    assert list(df["support"]) == support and list(df["min pair"]) == min_pair
    assert [bool(m) for m in df["novel"]] == [n == 0 for n in support]
    assert skills and support.count(0) == len(support)                  # the default list holds only new sets
    assert any(f"{support.count(0)} of {len(skills)} never seen together" in str(c.value) for c in at.caption)
    # why each row is there: its attested pairs with their record counts, by brute force
    pair = lambda a, b: sum(1 for r in records if {a, b} <= r)          # noqa: E731
    for why in df["why"]:
        shown = [p for p in why.split(" · ")[0].removeprefix("attested: ").split(", ")]
        a, b = shown[0].split(" (")[0].split(" + ")
        assert f"({pair(a, b)} records)" in shown[0]
    at.number_input(key="ws:cfg:combo.k").set_value(2).run()
    at.radio(key="ws:cfg:combo.scope").set_value("global").run()
    assert_ok(at)
    skills, _ = ranked_rows(at)
    assert skills and skills == [c.skills for c in select_combinations(tree, k=2, beam=20, scope="global", top=100)]
    # the plain ranking when the skills need not hang together: seen and new sets both appear
    at.radio(key="ws:cfg:combo.connect").set_value("none").run()
    at.slider(key="ws:cfg:combo.diversity").set_value(0.0).run()
    assert_ok(at)
    skills, _ = ranked_rows(at)
    assert skills == [c.skills for c in select_combinations(tree, k=2, beam=20, scope="global", top=100,
                                                             connect="none", diversity=0.0)]


def test_pin_changes_the_ranking_and_persists(no_coherence):
    at = new_app("combinations")
    tree = reference_tree(no_coherence.files["corpus"])
    before, _ = ranked_rows(at)
    at.multiselect(key="ws:marks:pinned").set_value(["metaphor"]).run()
    assert_ok(at)
    after, gains = ranked_rows(at)
    assert after != before and all("metaphor" in c for c in after)
    want = select_combinations(tree, k=3, beam=20, scope="local", top=100, pins=["metaphor"])
    assert after == [c.skills for c in want] and np.allclose(gains, [c.gain for c in want])
    with open_ws(no_coherence.ws) as ws:
        assert ws.skill_marks() == {"pinned": ["metaphor"], "excluded": []}
    fresh = new_app("combinations")                                   # a new session on the same workspace
    assert fresh.multiselect(key="ws:marks:pinned").value == ["metaphor"]
    assert ranked_rows(fresh)[0] == after
    fresh.multiselect(key="ws:marks:excluded").set_value(["metaphor"]).run()   # excluding moves the mark
    assert fresh.multiselect(key="ws:marks:pinned").value == []
    assert all("metaphor" not in c for c in ranked_rows(fresh)[0])


def test_approve_exclude_and_restore(no_coherence):
    at = new_app("combinations")
    skills, gains = ranked_rows(at)
    at.number_input(key="combo_topn").set_value(4).run()
    next(b for b in at.button if b.label == "Approve the top 4").click().run()
    assert_ok(at)
    with open_ws(no_coherence.ws) as ws:
        approved = ws.combo_marks()["approved"]
    assert [tuple(e["info"]["skills"]) for e in approved] == skills[:4]
    assert np.allclose([e["info"]["gain"] for e in approved], gains[:4])
    assert all(e["info"]["tree_version"] for e in approved)
    # exclude the 6th combination through a table selection
    select_rows(at, table_key(at, "combo_table"), 5)                  # the table's key changes after a mark
    next(b for b in at.button if b.label.startswith("Exclude selected (1)")).click().run()
    assert_ok(at)
    now, _ = ranked_rows(at)
    assert skills[5] not in now and skills[:5] == now[:5]
    with open_ws(no_coherence.ws) as ws:
        assert [tuple(e["info"]["skills"]) for e in ws.combo_marks()["excluded"]] == [skills[5]]
    shown = next(d.value for d in at.dataframe if "mark" in d.value.columns)
    marks = dict(zip([" + ".join(c) for c in now], shown["mark"]))
    assert [marks[" + ".join(c)] for c in skills[:4]] == ["approved"] * 4
    # restore it from the excluded list
    select_rows(at, table_key(at, "marked_excluded"), 0)
    next(b for b in at.button if b.label == "Restore (1)").click().run()
    assert ranked_rows(at)[0] == skills
    with open_ws(no_coherence.ws) as ws:
        assert ws.combo_marks()["excluded"] == []


def test_combination_typed_by_hand(no_coherence):
    at = new_app("combinations")
    tree = reference_tree(no_coherence.files["corpus"])
    chosen = ["regex", "metaphor", "probability"]
    at.multiselect(key="manual_skills").set_value(chosen).run()
    assert_ok(at)
    figures = {m.label: m.value for m in at.metric}
    assert figures["Gain (bits)"] == f"{conditional_entropy(tree, chosen[1:], chosen[:1]):.3f}"
    records = corpus_skill_sets(no_coherence.files["corpus"])
    support = sum(1 for r in records if set(chosen) <= r)
    assert figures["Support"] == f"{support:,}" + (" ✦ novel" if support == 0 else "")
    assert figures["Min pair"] == str(min(sum(1 for r in records if {a, b} <= r)
                                          for i, a in enumerate(chosen) for b in chosen[i + 1:]))
    at.button(key="manual_approve").click().run()
    with open_ws(no_coherence.ws) as ws:
        assert ws.combo_mark(chosen) == "approved"


def test_too_many_pins_is_a_message_not_a_crash(no_coherence):
    at = new_app("combinations")
    at.number_input(key="ws:cfg:combo.k").set_value(2).run()
    at.multiselect(key="ws:marks:pinned").set_value(["regex", "metaphor"]).run()
    assert_ok(at)
    assert any("leave no room" in str(e.value) for e in at.error)
    assert "Score a combination by hand" in [s.value for s in at.subheader]   # the rest of the page works


def test_coherence_is_the_mean_cosine_of_minilm_embeddings(app_env):
    from steps_core.corpus import read_catalog
    from steps_core.embed import embed_texts, skill_texts

    with open_ws(app_env.ws) as ws:
        ws.set_setting("combo.connect", "none")       # in these data every set that hangs together was seen
    at = new_app("combinations")                                      # computes the embeddings, then reruns
    assert_ok(at)
    df = next(d.value for d in at.dataframe if "coherence" in d.value.columns)
    tree = reference_tree(app_env.files["corpus"])
    by_name = {s.name: s for s in read_catalog(app_env.files["catalog"])}
    vectors = embed_texts(skill_texts([by_name[s] for s in tree.skills]))
    for skills, got in zip(df["skills"][:5], df["coherence"][:5]):
        idx = [tree.graph.index[s] for s in skills.split(" + ")]
        sims = [float(vectors[a] @ vectors[b]) for i, a in enumerate(idx) for b in idx[i + 1:]]
        assert got == pytest.approx(sum(sims) / len(sims), abs=1e-4)


def test_hostile_skill_name_is_data_and_escaped_text(tmp_path, monkeypatch):
    from app_helpers import HOSTILE, HOSTILE_IMG, write_demo

    write_demo(tmp_path / "demo", hostile=True)
    monkeypatch.setenv("STEPS_DEMO_DIR", str(tmp_path / "demo"))
    monkeypatch.setenv("STEPS_WORKSPACE", str(tmp_path / "ws.sqlite"))
    with open_ws(tmp_path / "ws.sqlite") as ws:
        ws.set_setting("combo.coherence", False)
        ws.set_setting("combo.connect", "none")       # in these data every set that hangs together was seen
    at = new_app("combinations")
    at.multiselect(key="ws:marks:pinned").set_value([HOSTILE]).run()
    assert_ok(at)
    skills, _ = ranked_rows(at)
    assert skills and all(HOSTILE in c for c in skills)              # the name is table data, shown as text
    at.multiselect(key="manual_skills").set_value([HOSTILE, HOSTILE_IMG, "regex"]).run()
    assert_ok(at)
    for piece in [str(e.value) for e in (*at.markdown, *at.caption, *at.subheader, *at.warning)]:
        assert HOSTILE not in piece and HOSTILE_IMG not in piece, piece  # markdown source escaped
    at.multiselect(key="ws:marks:pinned").set_value([]).run()
    at.multiselect(key="ws:marks:excluded").set_value([HOSTILE]).run()
    assert all(HOSTILE not in c for c in ranked_rows(at)[0])


def test_a_selection_does_not_survive_a_new_ranking(no_coherence):
    """Row 3 selected, then a pin changes the ranking: "Approve selected" must not approve whatever is now in
    row 3."""
    at = new_app("combinations")
    select_rows(at, table_key(at, "combo_table"), 2)
    assert button(at, "Approve selected").label == "Approve selected (1)"
    at.multiselect(key="ws:marks:pinned").set_value(["metaphor"]).run()
    assert_ok(at)
    approve = button(at, "Approve selected")
    assert approve.label == "Approve selected (0)" and approve.disabled
    with open_ws(no_coherence.ws) as ws:
        assert ws.combo_marks()["approved"] == []


def test_more_skills_per_combination_than_skills_is_explained(app_env):
    """A corpus with one skill (or two, with k = 3): the page says k is larger than the number of skills."""
    tiny = app_env.tmp / "tiny.jsonl"
    tiny.write_text("".join(json.dumps({"skills": s}) + "\n" for s in (["solo"], ["solo"], ["solo"])),
                    encoding="utf-8")
    with open_ws(app_env.ws) as ws:
        ws.set_setting("combo.coherence", False)
        ws.set_setting("source", {"kind": "path", "corpus": str(tiny), "name": "tiny.jsonl"})
    at = new_app("combinations")
    assert_ok(at)
    notes = [str(i.value) for i in at.info]
    assert any("k = 3" in n and "larger than the number of skills (1)" in n for n in notes), notes
    assert not at.error
    assert "Score a combination by hand" in [s.value for s in at.subheader]   # the rest of the page works
    pair = app_env.tmp / "pair.jsonl"
    pair.write_text("".join(json.dumps({"skills": s}) + "\n" for s in (["a", "b"], ["a"], ["b"])), encoding="utf-8")
    with open_ws(app_env.ws) as ws:
        ws.set_setting("source", {"kind": "path", "corpus": str(pair), "name": "pair.jsonl"})
    at.run()
    assert any("larger than the number of skills (2)" in str(i.value) for i in at.info)
    at.number_input(key="ws:cfg:combo.k").set_value(2).run()
    assert_ok(at)
    # the only pair was seen together: nothing is new, and the page says what to change
    assert any("No new combination" in str(i.value) for i in at.info) and not at.error


def test_coherence_follows_a_catalogue_edited_in_place(app_env):
    """The coherence column is keyed on the catalogue's content: rewriting the file changes it."""
    from steps_core.embed import embed_texts, skill_texts
    from steps_core.corpus import read_catalog

    catalog = app_env.files["catalog"]
    with open_ws(app_env.ws) as ws:
        ws.set_setting("combo.connect", "none")       # in these data every set that hangs together was seen
    at = new_app("combinations")
    tree = reference_tree(app_env.files["corpus"])
    lines = catalog.read_text(encoding="utf-8").splitlines()
    rewritten = [lines[0]] + [line.replace("Using ", "Never confuse with cooking: ") for line in lines[1:]]
    catalog.write_text("\n".join(rewritten) + "\n", encoding="utf-8")
    at.run()
    assert_ok(at)
    by_name = {s.name: s for s in read_catalog(catalog)}
    vectors = embed_texts(skill_texts([by_name[s] for s in tree.skills]))
    df = next(d.value for d in at.dataframe if "coherence" in d.value.columns)
    for skills, got in zip(df["skills"][:5], df["coherence"][:5]):
        idx = [tree.graph.index[s] for s in skills.split(" + ")]
        sims = [float(vectors[a] @ vectors[b]) for i, a in enumerate(idx) for b in idx[i + 1:]]
        assert got == pytest.approx(sum(sims) / len(sims), abs=1e-4)


def test_community_labels_are_text_in_the_scores(no_coherence):
    """A community label from data (here a rename with Markdown in it) reaches no Markdown unescaped."""
    from app_helpers import MARKDOWN, assert_escaped

    tree = reference_tree(no_coherence.files["corpus"])
    node = tree.lca([tree.graph.index["regex"], tree.graph.index["unit testing"]])
    with open_ws(no_coherence.ws) as ws:
        ws.push_op({"op": "relabel", "node": tree.ids[node], "label": MARKDOWN, "base": tree.version})
    at = new_app("combinations")
    at.multiselect(key="manual_skills").set_value(["regex", "unit testing"]).run()
    assert_ok(at)
    assert any(MARKDOWN in str(m.proto.help).replace("\\", "") for m in at.metric)
    assert_escaped(at)


def test_weak_spots_steer_the_list_and_colour_the_tree(no_coherence):
    """Closing the loop: a model's per-skill scores, uploaded, change the ranking the way the core does, are kept
    in the workspace, and colour the taxonomy by weakness."""
    from steps_core.weak_spots import node_weakness

    at = new_app("combinations")
    tree = reference_tree(no_coherence.files["corpus"])
    before, _ = ranked_rows(at)
    from app_helpers import AREAS

    weak_area = set(AREAS["rhetoric"])
    csv = "skill,score\n" + "".join(f"{s},{0 if s in weak_area else 1}\n" for s in tree.skills)
    at.session_state["weak_upload"] = None                              # AppTest cannot upload: use the callback
    from pages.ui import weak

    class Upload:                                                       # what st.file_uploader returns
        name = "scores.csv"

        def getvalue(self):
            return csv.encode()

    weak._use(Upload())
    at.run()
    at.slider(key="ws:cfg:combo.emphasis").set_value(3.0).run()
    assert_ok(at)
    after, _ = ranked_rows(at)
    scores = {s: (0.0 if s in weak_area else 1.0) for s in tree.skills}
    want = select_combinations(tree, k=3, beam=20, scope="local", top=100, skill_scores=scores, emphasis=3.0,
                               index=SupportIndex.from_skill_lists(corpus_skill_sets(no_coherence.files["corpus"])))
    assert after == [c.skills for c in want] and after != before
    assert set(after[0]) <= weak_area                                   # the weak area's combination comes first
    with open_ws(no_coherence.ws) as ws:
        assert json.loads(ws.get_artefact("skill_scores").content) == scores
    assert any("weakest" in str(m.value) for m in at.markdown)
    tax = new_app("taxonomy")
    tax.radio(key="ws:cfg:tax.colour").set_value("weak").run()
    assert_ok(tax)
    trace = chart_figures(tax)[0]["data"][0]
    weakness = node_weakness(tree, scores)
    from pages.ui import charts

    assert list(trace["marker"]["colors"]) == [float(weakness[charts.node_from_id(tree, i) if i != "root" else
                                                              tree.root]) for i in trace["ids"]]
