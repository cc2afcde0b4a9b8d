"""The card of what the user picked on the Taxonomy page: a community (its representative skills, how many
records and accepted samples touch it, example records from the corpus, new combinations inside it) or a skill
(its records, the skills it is used with most). Numbers to three significant digits, symbols in the help."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from steps_core.tree import EncodingTree

from . import charts, datasource, text

#: Characters of an example record shown on a card.
EXAMPLE_CHARS = 280


@dataclass(frozen=True)
class CommunityFacts:
    """What a community's card shows that depends only on the tree and the corpus (not on the samples)."""

    members: frozenset[str]
    n_members: int
    n_sub: int
    representatives: tuple[str, ...]
    path: str
    n_records: int                     # records tagged with at least one of its skills
    examples: tuple[int, ...]          # positions of the records tagged with most of its skills


# The card is drawn on every run of the Taxonomy page while a community is picked (a page switch, a click, an
# edit): what it computes is cached per tree version and community (0.1-0.2 s of server time a run on Ask Ubuntu)
@st.cache_resource(show_spinner=False, max_entries=512)
def community_facts(_tree: EncodingTree, version: str, node: int, _index, index_key: str) -> CommunityFacts:
    members = [_tree.skills[i] for i in _tree.members(node)]
    return CommunityFacts(frozenset(members), len(members), sum(1 for x in _tree.children[node] if x >= _tree.n_skills),
                          tuple(_tree.representatives(node, 5)), _tree.community_path(node),
                          len(_index.records_with_any(members)), tuple(_index.most_covered(members, 3)))


@st.cache_resource(show_spinner=False, max_entries=512)
def new_combinations(_tree: EncodingTree, version: str, node: int, _index, index_key: str) -> tuple:
    """The three best new combinations inside the community (the same list as "fill this gap")."""
    from steps_core.coverage import gap_combinations

    return tuple(gap_combinations(_tree, _tree.ids[node], k=3, top=3, index=_index))


def community_card(tree: EncodingTree, node: int, coverage) -> None:
    """Everything a person needs to judge a community at a glance."""
    source = datasource.current_source()
    flag = datasource.skip_bad()
    index = datasource.support_index(source, flag)
    index_key = datasource.corpus_key(source, flag)
    facts = community_facts(tree, tree.version, node, index, index_key)
    st.subheader(f"Community {tree.ids[node]}")
    st.markdown("**" + text.md(" · ".join(facts.representatives)) + "**")
    st.caption("Path: " + text.md(facts.path))
    c = st.columns(4)
    c[0].metric("Skills", f"{facts.n_members:,}", help=f"{facts.n_sub} sub-communities")
    c[1].metric("Records", f"{facts.n_records:,}", help="records of the corpus tagged with at least one of its skills")
    c[2].metric("Accepted samples", f"{int(coverage[node]):,}",
                help="accepted samples with at least one skill in the community")
    c[3].metric("Uncertainty (bits)", text.num(tree.h[node]),
                help=text.HELP["h"] + f"; bits to locate it (Se): {text.num(tree.se[node])}")
    examples = datasource.example_records(source, facts.examples)
    with st.expander(f"Example records ({len(examples)})", expanded=True):
        lines = []
        for record in examples:
            inside = [s for s in record.skills if s in facts.members]
            body = record.text[:EXAMPLE_CHARS] + ("…" if len(record.text) > EXAMPLE_CHARS else "")
            lines.append(f"- {text.md(body) if body else '*(no text in the corpus)*'}  \n"
                         f"  <small>{text.md(', '.join(inside))}</small>")
        if lines:                      # one element for the three: fewer for the browser to draw
            st.markdown("\n".join(lines), unsafe_allow_html=True)
    new_inside(tree, node, index, index_key)


def new_inside(tree: EncodingTree, node: int, index, index_key: str) -> None:
    """The best new combinations inside the community (the same list as "fill this gap")."""
    if tree.n_members(node) < 3:
        return
    with text.shown_errors("New combinations: "):
        combos = new_combinations(tree, tree.version, node, index, index_key)
        if combos:
            st.markdown("**New combinations inside it**\n"
                        + "".join("\n- " + text.md(" + ".join(combo.skills)) for combo in combos))
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

