"""The Taxonomy page's coverage view: which communities the accepted samples leave empty, and "fill this gap":
combinations whose skills all lie in a chosen community, to approve for synthesis."""

from __future__ import annotations

import numpy as np
import streamlit as st

from steps_core.coverage import emptiest_communities, gap_combinations
from steps_core.select import CONNECT
from steps_core.shortlist import DIVERSITY
from steps_core.tree import EncodingTree

from . import charts, datasource, nav, state, tables, text

GAP_ROWS = 12


@st.cache_data(show_spinner="Proposing combinations…", max_entries=32)
def proposals(_tree: EncodingTree, version: str, community: str, k: int, top: int, exclude: tuple,
              exclude_combos: tuple, connect: str, diversity: float, _index, index_key: str):
    return gap_combinations(_tree, community, k=k, top=top, exclude=exclude, exclude_combos=exclude_combos,
                            connect=connect, diversity=diversity, index=_index)


def chosen_community(tree: EncodingTree, gaps) -> str | None:
    """The community to fill: a row of the gaps table, or any community from the box (the latest wins)."""
    def gap_row(state):
        row = tables.table_row(state)
        return gaps[row].id if row is not None and row < len(gaps) else None

    ident = tables.latest_selection("gap", {"gap_table": gap_row, f"gap_pick@{tree.version}": lambda v: v})
    return ident if ident in tree.id_index and tree.id_index[ident] > tree.n_skills else None


def gaps_view(tree: EncodingTree, counts: np.ndarray) -> None:
    total = int(counts[tree.root])
    gaps = emptiest_communities(tree, counts, n=GAP_ROWS)
    st.caption(f"{total:,} accepted sample(s) cover the taxonomy so far. The communities they touch least come "
               "first (a sample touches a community when one of its skills lies inside it); pick one to fill.")
    left, right = st.columns([2, 3], gap="large")
    with left:
        st.dataframe(charts.gap_frame(gaps), hide_index=True, width="stretch", key="gap_table", on_select="rerun",
                     selection_mode="single-row", height=state.table_height(len(gaps), 460),
                     column_config={"samples": st.column_config.Column(
                         "samples", help="accepted samples with at least one skill in the community")})
        tables.tree_selectbox("…or any community", [tree.ids[c] for c in tree.communities], "gap_pick", tree,
                              index=None, placeholder="choose a community",
                              format_func=lambda i: charts.community_name(tree, tree.id_index[i]))
    with right:
        community = chosen_community(tree, gaps)
        if community is None:
            st.info("Pick a community on the left to propose combinations inside it.", icon=":material/touch_app:")
            return
        fill(tree, community)


def fill(tree: EncodingTree, community: str) -> None:
    node = tree.id_index[community]
    st.markdown(f"**Fill community {community}** · {text.md(tree.labels[node])} "
                f"({tree.n_members(node)} skills)")
    c = st.columns(2)
    k = c[0].number_input("Skills per combination", 2, 8, 3, key="gap_k")
    top = c[1].number_input("Proposals", 1, 200, 10, key="gap_top")
    excluded = tuple(state.workspace().skill_marks()["excluded"])
    with text.shown_errors("Cannot propose: "):
        source, skip_bad = datasource.current_source(), datasource.skip_bad()
        connect = state.setting("combo.connect", "attested")            # as on the Combinations page
        combos = proposals(tree, tree.version, community, int(k), int(top), excluded, tables.excluded_combos(tree),
                           connect if connect in CONNECT else "attested",
                           float(state.setting("combo.diversity", DIVERSITY)),
                           datasource.support_index(source, skip_bad), datasource.corpus_key(source, skip_bad))
        if not combos:
            st.info("No new combination inside this community whose skills hang together through pairs the corpus "
                    "attests. Try fewer skills per combination, or set **Skills must hang together** to *no* on "
                    "the Combinations page.", icon=":material/info:")
        rows = tables.combination_table(tree, combos, "gap_props", height=400,
                                        column_order=["rank", "skills", "gain (bits)", "community",
                                                      "community label", "mark"])
        b = st.columns(2)
        b[0].button(f"Approve selected ({len(rows)})", key="gap_approve_sel", disabled=not rows,
                    on_click=tables.mark_combos, args=(combos, rows, "approved"), icon=":material/check:")
        b[1].button(f"Approve all {len(combos)}", key="gap_approve_all", disabled=not combos, type="primary",
                    on_click=tables.mark_combos, args=(combos, list(range(len(combos))), "approved"),
                    icon=":material/done_all:")
        st.page_link(nav.page_path("Synthesize"), label="Synthesise the approved combinations",
                     icon=":material/arrow_forward:")
