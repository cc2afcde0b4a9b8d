"""The card of what the user picked on the Taxonomy page: a community (its representative skills, how many
records and accepted samples touch it, example records from the corpus, new combinations inside it) or a skill
(its records, the skills it is used with most). Numbers to three significant digits, symbols in the help."""

from __future__ import annotations

import streamlit as st

from steps_core.tree import EncodingTree

from . import charts, datasource, text

#: Characters of an example record shown on a card.
EXAMPLE_CHARS = 280


def community_card(tree: EncodingTree, node: int, coverage) -> None:
    """Everything a person needs to judge a community at a glance."""
    source = datasource.current_source()
    index = datasource.support_index(source, datasource.skip_bad())
    members = [tree.skills[i] for i in tree.members(node)]
    st.subheader(f"Community {tree.ids[node]}")
    st.markdown("**" + text.md(" · ".join(tree.representatives(node, 5))) + "**")
    st.caption("Path: " + text.md(tree.community_path(node)))
    sub = sum(1 for x in tree.children[node] if x >= tree.n_skills)
    c = st.columns(4)
    c[0].metric("Skills", f"{len(members):,}", help=f"{sub} sub-communities")
    c[1].metric("Records", f"{len(index.records_with_any(members)):,}",
                help="records of the corpus tagged with at least one of its skills")
    c[2].metric("Accepted samples", f"{int(coverage[node]):,}",
                help="accepted samples with at least one skill in the community")
    c[3].metric("Uncertainty (bits)", text.num(tree.h[node]),
                help=text.HELP["h"] + f"; bits to locate it (Se): {text.num(tree.se[node])}")
    examples = datasource.example_records(source, tuple(index.most_covered(members, 3)))
    with st.expander(f"Example records ({len(examples)})", expanded=True):
        for record in examples:
            inside = [s for s in record.skills if s in set(members)]
            body = record.text[:EXAMPLE_CHARS] + ("…" if len(record.text) > EXAMPLE_CHARS else "")
            st.markdown(f"- {text.md(body) if body else '*(no text in the corpus)*'}  \n"
                        f"  <small>{text.md(', '.join(inside))}</small>", unsafe_allow_html=True)
    new_inside(tree, node, index)


def new_inside(tree: EncodingTree, node: int, index) -> None:
    """The best new combinations inside the community (the same list as "fill this gap")."""
    from steps_core.coverage import gap_combinations

    if tree.n_members(node) < 3:
        return
    with text.shown_errors("New combinations: "):
        combos = gap_combinations(tree, tree.ids[node], k=3, top=3, index=index)
        if combos:
            st.markdown("**New combinations inside it**")
            for combo in combos:
                st.markdown("- " + text.md(" + ".join(combo.skills)))
        else:
            st.caption("No new combination of three skills hangs together inside it.")


def skill_card(tree: EncodingTree, node: int) -> None:
    p = int(tree.parent[node])
    st.subheader(f"Skill: {text.md(tree.skills[node])}")
    st.caption("Community: " + (text.md(charts.community_name(tree, p)) if p != tree.root else "none"))
    c = st.columns(3)
    c[0].metric("Records", f"{int(tree.graph.counts[node]):,}", help="records tagged with this skill")
    c[1].metric("Links", text.num(tree.graph.degree[node]), help="degree: the sum of the skill's edge weights")
    c[2].metric("Bits to locate", text.num(tree.se[node]), help=text.HELP["se"])
    st.markdown("**Used most with**")
    st.dataframe(charts.neighbour_frame(tree, node), hide_index=True, width="stretch", height=320,
                 column_config={"weight": st.column_config.NumberColumn("weight", format="%.3g")})


def card(tree: EncodingTree, node: int | None, coverage) -> None:
    if node is None or node == tree.root:
        st.info("Click a community in the chart, or pick a row below, to see what it holds: its skills, records, "
                "examples and the new combinations inside it.", icon=":material/touch_app:")
    elif node < tree.n_skills:
        skill_card(tree, node)
    else:
        community_card(tree, node, coverage)

