"""Taxonomy page: the tree builds, picking a community or a skill in a table shows its skills and figures, the
chart's selection works the same way, the figures and the network escape names, and a skill called
``<script>alert(1)</script>`` shows as text everywhere."""

from __future__ import annotations

import html
import json
import re

from app_helpers import (HOSTILE, HOSTILE_IMG, assert_ok, figures, new_app,
                         reference_tree, write_demo)


def select_row(at, key: str, row: int):
    at.session_state[key] = {"selection": {"rows": [row], "columns": []}}
    return at.run()


def test_community_from_the_table_shows_its_skills(app_env):
    at = new_app("taxonomy")
    tree = reference_tree(app_env.files["corpus"])
    assert any(f"version {tree.version}" in str(c.value).replace("`", "") for c in at.caption)
    table = at.dataframe[0].value
    assert list(table["community"]) == [tree.ids[v] for v in tree.communities]
    row = 1                                                           # the second community in tree order
    node = tree.n_skills + 1 + row
    select_row(at, "tax_table", row)
    assert_ok(at)
    assert at.subheader[0].value == f"Community {tree.ids[node]}"
    members = {tree.skills[i] for i in tree.members(node)}
    figures = {m.label: m.value for m in at.metric}
    assert figures["Skills"] == str(tree.n_members(node))
    assert figures["Uncertainty (bits)"] == f"{tree.h[node]:.3g}"   # three significant digits
    records = [set(json.loads(line)["skills"]) for line in app_env.files["corpus"].read_text().splitlines()]
    assert figures["Records"] == f"{sum(1 for r in records if r & members):,}"   # records touching it, by hand
    assert figures["Accepted samples"] == "0"
    # named by its most representative skills; three example records, those holding the most of its skills
    reps = " · ".join(tree.representatives(node, 5))
    assert any(reps in str(m.value) for m in at.markdown)
    best = sorted(range(len(records)), key=lambda i: (-len(records[i] & members), i))[:3]
    shown = next(str(m.value) for m in at.markdown if str(m.value).startswith("- "))     # one list of the three
    examples = [re.sub(r"\\(.)", r"\1", e) for e in shown.split("\n- ")]
    assert len(examples) == 3 and all(f"Task {i}:" in e for i, e in zip(best, examples))
    # the new combinations inside each community: gap_combinations' three best as one list, or the caption that
    # says there is none (as in every community of this small corpus)
    from steps_core.corpus import iter_skill_lists
    from steps_core.coverage import gap_combinations
    from steps_core.novelty import SupportIndex

    index = SupportIndex.from_skill_lists(iter_skill_lists(app_env.files["corpus"]))
    for row, node in enumerate(tree.communities):
        if tree.n_members(node) < 3:
            continue
        select_row(at, "tax_table", row)
        want = [" + ".join(c.skills) for c in gap_combinations(tree, tree.ids[node], k=3, top=3, index=index)]
        shown = [re.sub(r"\\(.)", r"\1", str(m.value)).split("\n- ")[1:] for m in at.markdown
                 if str(m.value).startswith("**New combinations inside it**")]
        none = any("No new combination of three skills" in str(c.value) for c in at.caption)
        assert (shown, none) == (([want], False) if want else ([], True)), tree.ids[node]


def test_chart_selection_and_skill_search(app_env):
    at = new_app("taxonomy")
    tree = reference_tree(app_env.files["corpus"])
    skill = tree.graph.index["regex"]
    # what a click on the sunburst's "regex" sector puts into the chart's state
    at.session_state["tax_chart"] = {"selection": {"points": [{"id": f"skill:{skill}", "label": "regex"}],
                                                   "point_indices": [0], "box": [], "lasso": []}}
    at.run()
    assert_ok(at)
    assert at.subheader[0].value == "Skill: regex"
    figures = {m.label: m.value for m in at.metric}
    assert figures["Records"] == str(int(tree.graph.counts[skill]))
    assert figures["Bits to locate"] == f"{tree.se[skill]:.3g}"
    neighbours = at.dataframe[0].value
    start, end = tree.graph.adjacency.indptr[skill], tree.graph.adjacency.indptr[skill + 1]
    heaviest = tree.skills[int(tree.graph.adjacency.indices[start:end][tree.graph.adjacency.data[start:end].argmax()])]
    assert neighbours["skill"].iloc[0] == heaviest
    # the skills view: search, then a table pick wins over the older chart click
    at.radio(key="tax_view").set_value("skills").run()
    at.text_input(key="tax_search").input("unit").run()
    found = at.dataframe[-1].value
    names, paths = list(found["skill"]), list(found["path"])
    assert set(names[:2]) == {"unit testing", "unit conversion"}    # name matches first, then label matches
    assert all("unit" in p for p in paths[2:]) and all("unit" not in n for n in names[2:])
    select_row(at, "tax_skills", list(found["skill"]).index("unit conversion"))
    assert at.subheader[0].value == "Skill: unit conversion"


def test_icicle_community_colours_and_rebuild(app_env):
    from pages.ui import charts, state

    at = new_app("taxonomy")
    tree = reference_tree(app_env.files["corpus"])
    at.radio(key="ws:cfg:tax.chart").set_value("icicle").run()
    at.radio(key="ws:cfg:tax.colour").set_value("community").run()
    assert_ok(at)
    trace = figures(at)[0]["data"][0]
    assert trace["type"] == "icicle"
    palette = charts.node_colours(tree)                               # one colour per community, skills alike
    shown = dict(zip(trace["ids"], trace["marker"]["colors"]))
    assert shown == {i: palette[charts.node_from_id(tree, i) if i != "root" else tree.root] for i in shown}
    assert len(set(shown.values())) > 3
    state.memo("bench-sentinel", "other data", lambda: "kept")        # a cached result of other data
    at.button(key="tax_rebuild").click().run()                         # Rebuild: re-read and rebuild
    assert_ok(at)
    assert [s.label for s in at.status][0].startswith("Built the taxonomy")
    assert state.memo_ready("bench-sentinel", "other data")          # only this source's results were dropped
    fresh = new_app("taxonomy")
    assert fresh.radio(key="ws:cfg:tax.chart").value == "icicle"
    assert figures(fresh)[0]["data"][0]["type"] == "icicle"


def test_tree_height_help_and_levels(app_env):
    """k = 2 is one level of communities (a flat partition): the help says "levels of communities + 1"."""
    at = new_app("taxonomy")
    assert "levels of communities + 1" in at.sidebar.select_slider(key="ws:cfg:height").help
    at.select_slider(key="ws:cfg:height").set_value(2).run()
    assert_ok(at)
    levels = set(at.dataframe[0].value["level"])
    assert levels == {1} == {2 - 1}
    at.select_slider(key="ws:cfg:height").set_value(4).run()
    assert max(at.dataframe[0].value["level"]) == 4 - 1


def test_hostile_skill_name_is_text_everywhere(tmp_path, monkeypatch):
    write_demo(tmp_path / "demo", hostile=True)
    monkeypatch.setenv("STEPS_DEMO_DIR", str(tmp_path / "demo"))
    monkeypatch.setenv("STEPS_WORKSPACE", str(tmp_path / "ws.sqlite"))
    at = new_app("taxonomy")
    tree = reference_tree(tmp_path / "demo" / "corpus.jsonl")
    at.radio(key="tax_view").set_value("skills").run()
    for name, query in ((HOSTILE, "script"), (HOSTILE_IMG, "onerror")):
        assert name in tree.skills
        at.text_input(key="tax_search").input(query).run()
        table = at.dataframe[-1].value
        assert table["skill"].iloc[0] == name                          # dataframes hold the name as data
        select_row(at, "tax_skills", 0)
        assert_ok(at)
        heading = at.subheader[0].value
        assert not re.search(r"(?<!\\)<", heading)                     # markdown source is escaped...
        assert re.sub(r"\\(.)", r"\1", heading) == f"Skill: {name}"    # ...and reads as the name
        for piece in [str(e.value) for e in (*at.markdown, *at.caption, *at.subheader)]:
            assert name not in piece and not re.search(r"(?<!\\)<[a-z/]", piece), piece
    at.radio(key="tax_view").set_value("network").run()            # the network's page: see the test below
    assert_ok(at)


def test_network_in_an_iframe_without_deprecated_calls(app_env, monkeypatch):
    """The network is drawn with st.iframe (components.v1.html is deprecated and past its removal date): the
    page holds the network's own HTML and no deprecation is reported."""
    import streamlit.deprecation_util as deprecation

    said = []
    monkeypatch.setattr(deprecation, "show_deprecation_warning", lambda message, *a, **k: said.append(message))
    at = new_app("taxonomy")
    at.radio(key="tax_view").set_value("network").run()
    assert_ok(at)
    frames = at.get("iframe")
    assert len(frames) == 1 and "new vis.DataSet" in frames[0].proto.srcdoc
    assert said == []


def test_drill_down_one_level_at_a_time(app_env):
    at = new_app("taxonomy")
    tree = reference_tree(app_env.files["corpus"])
    shown = lambda: {i for i in figures(at)[0]["data"][0]["ids"]}          # noqa: E731
    top = [c for c in tree.children[tree.root] if c >= tree.n_skills]
    assert {tree.ids[c] for c in top} <= shown() and "root" in shown()      # all skills, two levels down
    deep = [v for v in tree.communities if tree.depth[v] == 3]
    assert not {tree.ids[v] for v in deep} & shown()
    community = top[0]
    at.session_state["tax_chart"] = {"selection": {"points": [{"id": tree.ids[community]}], "point_indices": [0],
                                                   "box": [], "lasso": []}}
    at.run()
    assert_ok(at)
    inside = shown()
    assert tree.ids[community] in inside and "root" not in inside            # the chart went inside it
    assert all(i == tree.ids[community] or i.startswith(tree.ids[community] + ".") or i.startswith("skill:")
               for i in inside)
    at.button(key="tax_go_up").click().run()                                 # and back up
    assert "root" in shown() and at.button(key="tax_go_up").disabled


def test_figures_escape_names_and_sizes_add_up(tmp_path):
    from pages.ui import charts

    files = write_demo(tmp_path / "demo", hostile=True)
    tree = reference_tree(files["corpus"])
    for kind in ("sunburst", "icicle"):
        for colour in charts.COLOUR_OPTIONS:
            trace = charts.tree_figure(tree, kind=kind, colour=colour).data[0]
            for name in (HOSTILE, HOSTILE_IMG):
                assert html.escape(name) in trace.labels and name not in trace.labels
            values = dict(zip(trace.ids, trace.values))
            children: dict[str, int] = {}
            for ident, parent in zip(trace.ids, trace.parents):
                if parent:
                    children[parent] = children.get(parent, 0) + values[ident]
            assert all(values[p] == total for p, total in children.items())   # "total" branch values exact
    custom = charts.tree_figure(tree, values=tree.depth.astype(float), values_title="level").data[0]
    assert list(custom.marker.colors) == [float(tree.depth[charts.node_from_id(tree, i) if i != "root" else tree.root])
                                          for i in custom.ids]          # any per-node values (coverage, ...)
    colours = charts.node_colours(tree)
    top = [c for c in tree.children[tree.root] if c >= tree.n_skills]
    assert [colours[c] for c in top] == [c.lower() for c in charts.PALETTE[:len(top)]]
    for i in range(tree.n_skills):                                    # a skill wears its community's colour
        assert colours[i] == colours[int(tree.parent[i])] or int(tree.parent[i]) == tree.root
    top_of = charts.top_level(tree)                                   # the vectorised climb = the path's head
    assert [int(x) for x in top_of] == [tree.path(v)[0] if tree.path(v) else v for v in range(tree.n_nodes)]
    for v in tree.communities:                                        # deeper is lighter, by 22 % a level
        base = charts.PALETTE[top.index(int(top_of[v]))]
        assert colours[v] == charts._mix(base, min(0.66, 0.22 * (int(tree.depth[v]) - 1)))


def test_network_is_offline_and_escaped(tmp_path):
    from pages.ui import network

    files = write_demo(tmp_path / "demo", hostile=True)
    tree = reference_tree(files["corpus"])
    page = network.network_html(tree)
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert not re.search(r"(?:src|href)=\"https?://", page)          # nothing fetched from the internet
    data = re.search(r"nodes = new vis\.DataSet\((\[.*?\])\);", page, re.S).group(1)
    assert "\\u003cscript\\u003e" in data and "\\u003cimg src=x onerror=alert(1)\\u003e" in data
    nodes = json.loads(data)
    assert sorted(n["label"] for n in nodes) == sorted(tree.skills)
    hostile = next(n for n in nodes if n["label"] == HOSTILE)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hostile["title"] and "<script>" not in hostile["title"]
    img = next(n for n in nodes if n["label"] == HOSTILE_IMG)
    assert "&lt;img src=x onerror=alert(1)&gt;" in img["title"] and "<img" not in img["title"]
    edges = json.loads(re.search(r"edges = new vis\.DataSet\((\[.*?\])\);", page, re.S).group(1))
    assert len(edges) == tree.graph.n_edges
    # around one community: its skills and their strongest neighbours outside it, not everything
    community = next(c for c in tree.children[tree.root] if c >= tree.n_skills)
    around = network.network_html(tree, focus=community, max_outside=4)
    shown = {n["label"] for n in json.loads(re.search(r"nodes = new vis\.DataSet\((\[.*?\])\);", around,
                                                      re.S).group(1))}
    members = {tree.skills[i] for i in tree.members(community)}
    assert members <= shown and len(shown) == len(members) + 4
    linked = {tree.skills[j] for i in tree.members(community)
              for j in tree.graph.adjacency.indices[tree.graph.adjacency.indptr[i]:tree.graph.adjacency.indptr[i + 1]]}
    assert shown <= members | linked


def test_tables_carry_community_colours_without_a_styler(app_env):
    """The tables are plain dataframes (no pandas Styler: slow to build, send and draw): each row's community
    colour is a swatch image column, the same colour as the chart's; entropy is a bar column."""
    from pages.ui import charts

    at = new_app("taxonomy")
    tree = reference_tree(app_env.files["corpus"])
    colours = charts.community_colour_map(tree)
    table = at.dataframe[0].value
    assert list(table.columns[:2]) == [charts.SWATCH, "community"]
    assert list(table[charts.SWATCH].astype(str)) == [charts.swatch(colours[c]) for c in table["community"]]
    assert all(u.startswith("data:image/svg+xml,") and "http" not in u.split("xmlns")[0]
               for u in table[charts.SWATCH].astype(str))                 # drawn without any request
    config = json.loads(at.dataframe[0].proto.columns)
    assert config[charts.SWATCH]["type_config"]["type"] == "image"
    assert config["uncertainty (bits)"]["type_config"]["type"] == "progress"
    assert config["uncertainty (bits)"]["type_config"]["max_value"] == float(table["uncertainty (bits)"].max())
    assert not at.dataframe[0].proto.arrow_data.styler.styles                 # no per-cell CSS sent


def test_a_crowded_view_shows_one_level(app_env, monkeypatch):
    """When two levels would draw more than MAX_SECTORS sectors, the chart shows one level (and says so);
    going inside a community shows two levels again when they fit."""
    from pages.ui import charts

    at = new_app("taxonomy")
    tree = reference_tree(app_env.files["corpus"])
    two = charts.subtree_nodes(tree, tree.root, 2, True)
    monkeypatch.setattr(charts, "MAX_SECTORS", len(two) - 1)
    at.run()
    ids = set(figures(at)[0]["data"][0]["ids"])
    top = [c for c in tree.children[tree.root]]
    assert ids == {"root", *(charts.node_id(tree, c) for c in top)}            # the top level only
    assert any("one level" in str(c.value) for c in at.caption)
    community = max((c for c in top if c >= tree.n_skills), key=lambda c: len(tree.children[c]))
    assert len(charts.subtree_nodes(tree, community, 2, True)) <= len(two) - 1
    at.session_state["tax_chart"] = {"selection": {"points": [{"id": tree.ids[community]}], "point_indices": [0],
                                                   "box": [], "lasso": []}}
    at.run()
    assert any("two levels" in str(c.value) for c in at.caption)
    assert set(figures(at)[0]["data"][0]["ids"]) == {charts.node_id(tree, v)
                                                     for v in charts.subtree_nodes(tree, community, 2, True)}
