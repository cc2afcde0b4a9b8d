"""Taxonomy: the skills grouped into nested communities, one level at a time (click a community to go inside,
"Up" to come back), coloured by community, by what the accepted samples cover or by uncertainty; a card for what
was picked; below, one view at a time: the communities, the skills, the network around a community, coverage
and gaps ("fill this gap"), and editing the taxonomy by hand with undo.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages.ui import build, card, charts, datasource, frame, network, state, tables, text, weak
from pages.ui.edits import edit_view
from pages.ui.gaps import gaps_view
from steps_core.coverage import community_counts, skill_counts
from steps_core.tree import EncodingTree
from steps_core.weak_spots import node_weakness

frame.frame("Taxonomy")

VIEWS = {"communities": "Communities", "skills": "Skills", "network": "Network", "gaps": "Coverage & gaps",
         "edit": "Edit"}
#: What the tree can be coloured by: the tree's own figures, and coverage by the accepted samples.
COLOURS = {**charts.COLOUR_OPTIONS,
           "coverage": ("coverage", "accepted samples with at least one skill in the community (or the skill)"),
           "weak": ("weak spots", "how weak your model is there: 1 − its per-skill score, averaged over a "
                                  "community (upload the scores on the Combinations page)")}
NUMBER_FORMATS = {"share of links": "%.3g", "links": "%.3g", "weight": "%.3g", "count": "localized"}
COLUMN_HELP = {
    "community": st.column_config.TextColumn("community", help="id of the community: its path from the top"),
    "share of links": st.column_config.Column("share of links", help=text.HELP["volume"]),
    "uncertainty (bits)": st.column_config.Column("uncertainty (bits)", help=text.HELP["h"]),
    "bits to locate": st.column_config.Column("bits to locate", help=text.HELP["se"]),
    "count": st.column_config.Column("count", help="records tagged with the skill"),
    "links": st.column_config.Column("links", help="degree: the sum of the skill's edge weights"),
    "samples": st.column_config.Column("samples", help="accepted samples that use the skill"),
}


# cache_resource: the figure object itself (cache_data would unpickle it on every run: 0.2 s on Ask Ubuntu);
# st.plotly_chart copies it before writing it out, so the cached one is never changed
@st.cache_resource(show_spinner=False, max_entries=64)
def figure(_tree: EncodingTree, version: str, kind: str, colour: str, show_skills: bool, coverage: tuple | None,
           root: int, levels: int = 2):
    opts = dict(kind=kind, show_skills=show_skills, root=root, levels=levels)
    if colour == "coverage":
        return charts.tree_figure(_tree, values=coverage, values_title="accepted samples", colourscale="Blues",
                                  **opts)
    if colour == "weak":
        return charts.tree_figure(_tree, values=coverage, values_title="weakness", colourscale="Reds", **opts)
    return charts.tree_figure(_tree, colour=colour, **opts)


@st.cache_data(show_spinner="Drawing the network…", max_entries=16)
def network_page(_tree: EncodingTree, version: str, focus: int) -> str:
    return network.network_html(_tree, focus=focus)


def styled(df, tree: EncodingTree) -> tuple[pd.DataFrame, dict]:
    """A table with the community colours (a swatch), entropy as bars, numbers to 3 significant digits and units,
    and its column config (a plain dataframe: a pandas Styler is slow to build, send and draw, every cell carrying
    its CSS)."""
    df = df.rename(columns={"h(α) (bits)": "uncertainty (bits)", "Se (bits)": "bits to locate",
                            "volume share": "share of links", "degree": "links"})
    df = charts.with_swatch(df, charts.community_colour_map(tree))
    types = {**{c: tables.number_column(f) for c, f in NUMBER_FORMATS.items()},
             **{c: tables.bar_column(df[c]) for c in ("uncertainty (bits)", "bits to locate") if c in df.columns}}
    return df, {**tables.swatch_column(), **tables.merged_config(df, types, COLUMN_HELP)}


@st.cache_resource(show_spinner=False, max_entries=16)
def community_table(_tree: EncodingTree, version: str) -> tuple[pd.DataFrame, dict]:
    """The communities view's table, the same on every run for a tree version (never changed once made)."""
    return styled(charts.community_frame(_tree), _tree)


def table(styled_table: tuple[pd.DataFrame, dict], **kwargs):
    df, config = styled_table
    return st.dataframe(df, hide_index=True, width="stretch", column_config=dict(config), **kwargs)


def skills_found(tree: EncodingTree, samples=None):
    """The skill table filtered by the search box (its state is read before the box is drawn)."""
    df = charts.skill_frame(tree, samples=samples)
    query = str(st.session_state.get("tax_search") or "").strip().lower()
    if query:
        by_name = df["skill"].str.lower().str.contains(query, regex=False)
        by_path = df["path"].str.lower().str.contains(query, regex=False)
        df = pd.concat([df[by_name], df[by_path & ~by_name]]).reset_index(drop=True)   # name matches first
    return df


def go_up(tree: EncodingTree, node: int) -> None:
    """Show the level above ``node`` (a button callback)."""
    st.session_state["tax_up"] = charts.node_id(tree, int(tree.parent[node]))


def focus(tree: EncodingTree) -> int | None:
    """The node the user picked last: a sector of the chart, a community row, a skill row, or "Up"."""

    def community_row(state):
        row = tables.table_row(state)
        return tree.ids[tree.n_skills + 1 + row] if row is not None and row < len(tree.communities) else None

    def skill_row(state):
        row = tables.table_row(state)
        if row is None:
            return None
        found = skills_found(tree)                 # only when a skill row is picked: the table is long
        return None if row >= len(found) else charts.node_id(tree, tree.graph.index[found["skill"].iloc[row]])

    ident = tables.latest_selection("taxonomy", {"tax_chart": tables.chart_point_id, "tax_table": community_row,
                                                 "tax_skills": skill_row, "tax_up": lambda v: v})
    return charts.node_from_id(tree, ident) if ident else None


def chart_controls(tree: EncodingTree) -> tuple[str, str, bool]:
    c1, c2, c3, c4 = st.columns([1.3, 3.4, 1.2, 1], vertical_alignment="bottom")
    kind = state.bound(c1.radio, "Chart", "tax.chart", "sunburst", state.one_of(("sunburst", "icicle")),
                       options=["sunburst", "icicle"], horizontal=True)
    colour = state.bound(c2.radio, "Colour by", "tax.colour", "community", state.one_of(COLOURS),
                         options=list(COLOURS), horizontal=True, format_func=lambda k: COLOURS[k][0],
                         help="; ".join(f"{t}: {d}" for t, d in COLOURS.values()))
    show = state.bound(c3.toggle, "Skills ring", "tax.skills", tree.n_skills <= 400, state.is_bool,
                       help="Show the skills as the outer ring (off: communities only).")
    c4.button("Rebuild", key="tax_rebuild", icon=":material/refresh:", on_click=state.request_rebuild,
              help="Read the data again and rebuild the tree (it is rebuilt by itself when a setting changes).")
    return kind, colour, show


def tree_chart(tree: EncodingTree, picked: int | None, kind: str, colour: str, show: bool, coverage) -> None:
    """Two levels (one when two hold too many sectors) below the community in view: the picked community, or the
    one holding the picked skill."""
    shown = tree.root if picked is None else picked if picked >= tree.n_skills else int(tree.parent[picked])
    crumbs = " › ".join(["all skills"] + [tree.ids[v] for v in tree.path(shown)])
    c = st.columns([4, 1], vertical_alignment="center")
    levels = charts.levels_shown(tree, shown, show)
    c[0].caption(f"Showing {text.md(crumbs)} ({'two levels' if levels == 2 else 'one level'}; click a community to "
                 "go inside)")
    c[1].button("Up", key="tax_go_up", icon=":material/arrow_upward:", disabled=shown == tree.root,
                on_click=go_up, args=(tree, shown), width="stretch")
    values = tuple(float(x) for x in coverage) if colour == "coverage" else None
    if colour == "weak":
        scores = weak.current_scores()
        if not scores:
            st.info("No model scores yet: upload your model's per-skill results on the Combinations page "
                    "(Steer toward a model's weak spots).", icon=":material/info:")
            colour = "community"
        else:
            values = tuple(float(x) for x in node_weakness(tree, scores))
    st.plotly_chart(figure(tree, tree.version, kind, colour, show, values, shown, levels), key="tax_chart",
                    on_select="rerun", selection_mode="points", width="stretch",
                    config={"displaylogo": False, "modeBarButtonsToRemove": ["toImage"]})
    if colour == "coverage" and not coverage[tree.root]:
        st.caption("No accepted samples yet: every community is at 0. Accept samples on the Synthesize page.")


def communities_view(tree: EncodingTree) -> None:
    st.caption("Pick a row to inspect a community (the same as clicking it in the chart).")
    table(community_table(tree, tree.version), key="tax_table", on_select="rerun", selection_mode="single-row",
          height=420)


def skills_view(tree: EncodingTree, samples) -> None:
    st.text_input("Search skills", key="tax_search", placeholder="part of a skill name or community label")
    df = skills_found(tree, samples)
    st.caption(f"{len(df):,} of {tree.n_skills:,} skills. Pick a row to inspect a skill.")
    table(styled(df, tree), key="tax_skills", on_select="rerun", selection_mode="single-row", height=420)


def network_view(tree: EncodingTree, picked: int | None) -> None:
    top = [c for c in tree.children[tree.root] if c >= tree.n_skills]
    around = picked if picked is not None and picked >= tree.n_skills else \
        int(tree.parent[picked]) if picked is not None and tree.parent[picked] != tree.root else \
        (top[0] if top else tree.root)
    st.caption(f"The skills of community {text.md(charts.community_name(tree, around))} and the skills outside it "
               "they are used with most (size: records; colour: community, as in the chart). Pick another "
               "community in the chart to move. Drag to move, scroll to zoom, hover for figures.")
    # st.iframe, like the deprecated components.v1.html it replaces (the same element), gives the page
    # scripts and same-origin access: it is our own HTML, with every name from the data escaped
    st.iframe(network_page(tree, tree.version, around), height=640)


def main() -> None:
    text.page_intro("Taxonomy", "See how the corpus's skills group into nested communities: click a community to "
                                "go inside and see what it holds; see what your accepted samples cover, fill the "
                                "gaps, and correct the taxonomy by hand.")
    edited = build.state_or_none()
    if edited is None:
        return
    tree = edited.tree
    edits = f" · {len(edited.log.active)} edit(s) by hand" if edited.applied and edited.log.active else ""
    st.caption(f"{tree.n_skills:,} skills · {len(tree.communities):,} communities in {tree.height - 1} level(s) · "
               f"the tree explains {text.pct(tree.theta)} of the data (H^T {text.num(tree.entropy)} of H¹ "
               f"{text.num(tree.h1)} bits) · weighting {tree.graph.weighting} · version `{tree.version}`{edits}")
    accepted = datasource.accepted_skill_lists()
    coverage = community_counts(tree, accepted)
    picked = focus(tree)
    options = chart_controls(tree)
    left, right = st.columns([3, 2], gap="large")
    with left:
        tree_chart(tree, picked, *options, coverage)
    with right:
        card.card(tree, picked, coverage)
    view = st.radio("View", list(VIEWS), format_func=VIEWS.get, horizontal=True, key="tax_view")
    if view == "skills":
        skills_view(tree, skill_counts(tree, accepted))
    elif view == "gaps":
        gaps_view(tree, coverage)
    elif view == "edit":
        edit_view(edited)
    elif view == "network":
        network_view(tree, picked)
    else:
        communities_view(tree)


with text.shown_errors():          # a bug shows as a message, never as a traceback page
    main()
