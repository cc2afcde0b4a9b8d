"""Taxonomy: the encoding tree of the skills (coloured by entropy, community or coverage), a community's skills
and figures, and below, one view at a time: the communities, the skills (with samples per skill), the network,
coverage and gaps ("fill this gap") and editing the taxonomy by hand with undo.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages.ui import build, charts, datasource, frame, state, tables, text
from pages.ui.edits import edit_view
from pages.ui.gaps import gaps_view
from steps_core.coverage import community_counts, skill_counts
from steps_core.tree import EncodingTree

frame.frame("Taxonomy")

VIEWS = {"communities": "Communities", "skills": "Skills", "network": "Network", "gaps": "Coverage & gaps",
         "edit": "Edit"}
#: What the tree can be coloured by: the tree's own figures, and coverage by the accepted samples.
COLOURS = {**charts.COLOUR_OPTIONS,
           "coverage": ("coverage", "accepted samples with at least one skill in the community (or the skill)")}
NUMBER_FORMATS = {"volume share": "{:.1%}", "h(α) (bits)": "{:.3f}", "Se (bits)": "{:.3f}", "degree": "{:.3f}",
                  "weight": "{:.4f}", "count": "{:,}"}
COLUMN_HELP = {
    "community": st.column_config.TextColumn("community", help="id of the community: its path from the top"),
    "volume share": st.column_config.Column("volume share", help=text.HELP["volume"]),
    "h(α) (bits)": st.column_config.Column("h(α) (bits)", help=text.HELP["h"]),
    "Se (bits)": st.column_config.Column("Se (bits)", help=text.HELP["se"]),
    "count": st.column_config.Column("count", help="records tagged with the skill"),
    "degree": st.column_config.Column("degree", help="sum of the skill's edge weights"),
    "samples": st.column_config.Column("samples", help="accepted samples that use the skill"),
}


@st.cache_data(show_spinner=False, max_entries=32)
def figure(_tree: EncodingTree, version: str, kind: str, colour: str, show_skills: bool, coverage: tuple | None):
    if colour == "coverage":
        return charts.tree_figure(_tree, kind=kind, show_skills=show_skills, values=coverage,
                                  values_title="accepted samples", colourscale="Blues")
    return charts.tree_figure(_tree, kind=kind, colour=colour, show_skills=show_skills)


@st.cache_data(show_spinner="Drawing the network…", max_entries=8)
def network(_tree: EncodingTree, version: str) -> str:
    return charts.network_html(_tree)


def table(df, tree: EncodingTree, **kwargs):
    """A dataframe with entropy shading, community colours and units (see ``charts.styled``)."""
    sty = charts.styled(df, entropy=[c for c in ("h(α) (bits)", "Se (bits)") if c in df.columns],
                        colours=charts.community_colour_map(tree), formats=NUMBER_FORMATS)
    return st.dataframe(sty, hide_index=True, width="stretch", column_config=COLUMN_HELP, **kwargs)


def skills_found(tree: EncodingTree, samples=None):
    """The skill table filtered by the search box (its state is read before the box is drawn)."""
    df = charts.skill_frame(tree, samples=samples)
    query = str(st.session_state.get("tax_search") or "").strip().lower()
    if query:
        by_name = df["skill"].str.lower().str.contains(query, regex=False)
        by_path = df["path"].str.lower().str.contains(query, regex=False)
        df = pd.concat([df[by_name], df[by_path & ~by_name]]).reset_index(drop=True)   # name matches first
    return df


def focus(tree: EncodingTree) -> int | None:
    """The node the user picked last: a sunburst sector, a community row or a skill row."""
    found = skills_found(tree)

    def community_row(state):
        row = tables.table_row(state)
        return tree.ids[tree.n_skills + 1 + row] if row is not None and row < len(tree.communities) else None

    def skill_row(state):
        row = tables.table_row(state)
        if row is None or row >= len(found):
            return None
        return charts.node_id(tree, tree.graph.index[found["skill"].iloc[row]])

    ident = tables.latest_selection("taxonomy", {"tax_chart": tables.chart_point_id, "tax_table": community_row,
                                                 "tax_skills": skill_row})
    return charts.node_from_id(tree, ident) if ident else None


def chart_controls(tree: EncodingTree) -> tuple[str, str, bool]:
    c1, c2, c3, c4 = st.columns([1.3, 3.2, 1.2, 1], vertical_alignment="bottom")
    kind = c1.radio("Chart", ["sunburst", "icicle"], horizontal=True,
                    key=state.bind("tax.chart", "sunburst", lambda v: v in ("sunburst", "icicle")),
                    on_change=state.save, args=("tax.chart",))
    colour = c2.radio("Colour by", list(COLOURS), horizontal=True, format_func=lambda k: COLOURS[k][0],
                      help="; ".join(f"{t}: {d}" for t, d in COLOURS.values()),
                      key=state.bind("tax.colour", "h", lambda v: v in COLOURS),
                      on_change=state.save, args=("tax.colour",))
    show = c3.toggle("Skills ring", help="Show every skill as the outer ring (off: communities only).",
                     key=state.bind_bool("tax.skills", tree.n_skills <= 400),
                     on_change=state.save, args=("tax.skills",))
    c4.button("Rebuild", key="tax_rebuild", icon=":material/refresh:", on_click=state.request_rebuild,
              help="Read the data again and rebuild the tree (it is rebuilt by itself when a setting changes).")
    return kind, colour, show


def tree_chart(tree: EncodingTree, kind: str, colour: str, show: bool, coverage) -> None:
    values = tuple(float(x) for x in coverage) if colour == "coverage" else None
    st.plotly_chart(figure(tree, tree.version, kind, colour, show, values), key="tax_chart", on_select="rerun",
                    selection_mode="points", width="stretch")
    if colour == "coverage" and not coverage[tree.root]:
        st.caption("No accepted samples yet: every community is at 0. Accept samples on the Synthesize page.")


def focus_panel(tree: EncodingTree, node: int | None) -> None:
    vol_g = float(tree.vol[tree.root]) or 1.0
    if node is None or node == tree.root:
        st.info("Click a sector of the tree, or pick a row in the Communities or Skills table below, to see its "
                "skills and figures.", icon=":material/touch_app:")
        return
    if node < tree.n_skills:
        p = int(tree.parent[node])
        st.subheader(f"Skill: {text.md(tree.skills[node])}")
        st.caption("Community: " + (text.md(charts.community_name(tree, p)) if p != tree.root else "none"))
        c = st.columns(3)
        c[0].metric("Records", f"{int(tree.graph.counts[node]):,}", help="records tagged with this skill")
        c[1].metric("Degree", f"{tree.graph.degree[node]:.3f}", help="sum of the skill's edge weights")
        c[2].metric("Se (bits)", f"{tree.se[node]:.3f}", help=text.HELP["se"])
        st.markdown("**Used most with**")
        table(charts.neighbour_frame(tree, node), tree, height=320)
        return
    st.subheader(f"Community {tree.ids[node]}")
    st.markdown(text.md(tree.labels[node]))
    st.caption("Path: " + text.md(tree.community_path(node)))
    sub = sum(1 for x in tree.children[node] if x >= tree.n_skills)
    c = st.columns(4)
    c[0].metric("Skills", f"{tree.n_members(node):,}", help=f"{sub} sub-communities")
    c[1].metric("Volume", f"{tree.vol[node] / vol_g:.0%}", help=text.HELP["volume"])
    c[2].metric("h(α) (bits)", f"{tree.h[node]:.3f}", help=text.HELP["h"])
    c[3].metric("Se (bits)", f"{tree.se[node]:.3f}",
                help="bits needed to locate this community in the tree (h summed up to the root)")
    members = charts.skill_frame(tree, tree.members(node))[["skill", "community", "count", "Se (bits)"]]
    table(members, tree, height=330)


def communities_view(tree: EncodingTree) -> None:
    st.caption("Pick a row to inspect a community (the same as clicking it in the chart).")
    table(charts.community_frame(tree), tree, key="tax_table", on_select="rerun", selection_mode="single-row",
          height=420)


def skills_view(tree: EncodingTree, samples) -> None:
    st.text_input("Search skills", key="tax_search", placeholder="part of a skill name or community label")
    df = skills_found(tree, samples)
    st.caption(f"{len(df):,} of {tree.n_skills:,} skills. Pick a row to inspect a skill.")
    table(df, tree, key="tax_skills", on_select="rerun", selection_mode="single-row", height=420)


def network_view(tree: EncodingTree) -> None:
    st.caption("Skills as nodes (size: records; colour: community, as in the chart); drag to move, scroll to "
               "zoom, hover for figures. The heaviest 1,500 edges are drawn.")
    # st.iframe, like the deprecated components.v1.html it replaces (the same element), gives the page
    # scripts and same-origin access: it is our own HTML, with every name from the data escaped
    st.iframe(network(tree, tree.version), height=640)
    top = [c for c in tree.children[tree.root] if c >= tree.n_skills]
    legend = charts.community_frame(tree)
    legend = legend[legend["community"].isin([tree.ids[c] for c in top])][["community", "label", "skills"]]
    table(legend.reset_index(drop=True), tree, height=state.table_height(len(legend)))


def main() -> None:
    text.page_intro("Taxonomy", "See how the corpus's skills group into nested communities: click a sector of "
                                  "the tree, or pick a row below, to inspect a community or a skill; see what your "
                                  "accepted samples cover, fill the gaps, and correct the taxonomy by hand.")
    edited = build.state_or_none()
    if edited is None:
        return
    tree = edited.tree
    edits = f" · {len(edited.log.active)} edit(s) by hand" if edited.applied and edited.log.active else ""
    st.caption(f"{tree.n_skills:,} skills · {len(tree.communities):,} communities · height {tree.height} · "
               f"H^T {tree.entropy:.3f} bits of H¹ {tree.h1:.3f} (θ = {tree.theta:.1%}) · "
               f"weighting {tree.graph.weighting} · version `{tree.version}`{edits}")
    accepted = datasource.accepted_skill_lists()
    coverage = community_counts(tree, accepted)
    picked = focus(tree)
    options = chart_controls(tree)
    left, right = st.columns([3, 2], gap="large")
    with left:
        tree_chart(tree, *options, coverage)
    with right:
        focus_panel(tree, picked)
    view = st.radio("View", list(VIEWS), format_func=VIEWS.get, horizontal=True, key="tax_view")
    if view == "skills":
        skills_view(tree, skill_counts(tree, accepted))
    elif view == "gaps":
        gaps_view(tree, coverage)
    elif view == "edit":
        edit_view(edited)
    else:
        {"communities": communities_view, "network": network_view}[view](tree)


with text.shown_errors():          # a bug shows as a message, never as a traceback page
    main()
