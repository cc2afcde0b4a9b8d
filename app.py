"""STEPS Studio, the app: ``streamlit run app.py``. This file is the Home page: the data at a glance, where the
pipeline stands, and the way to the next step.

The other pages are ``pages/<n>_<Name>.py`` (Streamlit's pages directory); every page, this one included,
starts with :func:`pages.ui.frame.frame`, which draws the sidebar (page links, workspace, data source,
settings), so a page opened directly by its URL has the same frame.
"""

from __future__ import annotations

import streamlit as st

from pages.ui import build, datasource, frame, nav, state, text
from steps_core.workspace import READ_ONLY_NOTE

frame.frame("Home")

ABOUT = """
**The idea.** A training set teaches a model the skills it shows, and mostly the *combinations* of skills
it shows together. STEPS finds the combinations your corpus is missing by asking how surprising they are
under the corpus's own structure, then has an LLM write new samples for them.

1. **Count.** Every record is tagged with the skills it needs. Two skills are linked when records use them
   together; the link is stronger the more they co-occur (the *edge weighting* decides how counts become
   weights).
2. **Group.** The skills are arranged in an *encoding tree*: nested communities of skills that are used
   together. The tree is chosen to make the *structural entropy* as small as possible — the number of
   bits needed to say where a random walk on the skill graph is, when you may name its community first.
   A good tree explains the co-occurrences, so it needs fewer bits (H^T well below H¹). You can correct
   it by hand (rename, move, merge, split, with undo) and see the bits each edit costs or saves.
3. **Select.** A combination is novel when its skills sit in different corners of the tree: naming them
   costs many bits that the start skill did not already pay for (the *conditional structural entropy*,
   the **gain**). A beam search picks combinations with the highest gain, looking first near the start skill
   and widening step by step; you pin, exclude and approve. Each combination also shows whether any record
   ever used its skills together, and *Compare samplers* sets STEPS against random ways of choosing.
4. **Synthesise.** For every approved combination an LLM writes a new sample that needs all its skills at
   once (seeded with real examples of each skill from the corpus); you accept, reject or edit each one, and
   an LLM judge can grade them with the Skill-Mix rubric.
5. **Export.** The accepted samples are written for a trainer (OpenAI chat, ShareGPT, Alpaca or Parquet),
   optionally ordered as a curriculum from fewer to more skills per sample, with a manifest recording how
   they were made.
"""


def metrics(tree) -> None:
    g = tree.graph
    cols = st.columns(6)
    cols[0].metric("Records", f"{g.n_records:,}", help=text.HELP["records"])
    cols[1].metric("Skills", f"{g.n_skills:,}", help=text.HELP["skills"])
    cols[2].metric("Skill pairs", f"{g.n_edges:,}", help=text.HELP["edges"])
    cols[3].metric("Communities", f"{len(tree.communities):,}",
                   help=f"groups of skills used together, nested in {tree.height - 1} level(s)")
    cols[4].metric("Explained by the tree", text.pct(tree.theta), help=text.HELP["theta"])
    cols[5].metric("Uncertainty left (bits)", text.num(tree.entropy), help=text.HELP["ht"])
    st.caption(f"Without the tree, placing a step of a walk on the skill graph takes H¹ = {text.num(tree.h1)} bits; "
               f"with it, H^T = {text.num(tree.entropy)} bits.")


def next_step(tree) -> None:
    """One plain sentence on what to do now, with the way there."""
    s = state.workspace().summary()
    if tree is None:
        return
    if s.approved_combos == 0:
        what, page = "look at the combinations your data is missing and approve a few", "Combinations"
    elif s.samples == 0:
        what, page = f"synthesise samples for the {s.approved_combos:,} approved combination(s)", "Synthesize"
    elif s.undecided:
        what, page = f"review the {s.undecided:,} sample(s) waiting for a decision", "Synthesize"
    elif s.accepted and not s.exports:
        what, page = f"export the {s.accepted:,} accepted sample(s)", "Export"
    else:
        what, page = "see what your accepted samples cover, and fill the gaps", "Taxonomy"
    with st.container(border=True):
        st.markdown(f"**Next:** {what}.")
        st.page_link(nav.page_path(page), label=f"Go to {page}", icon=":material/arrow_forward:")


def step_card(col, number: int, title: str, done: bool, lines: list[str], page: str | None, link: str) -> None:
    with col.container(border=True):
        icon = ":material/check_circle:" if done else ":material/radio_button_unchecked:"
        st.markdown(f"**{number}. {title}** {icon}")
        for line in lines:
            if line:
                st.caption(line)
        if page is None:
            st.caption(link)
        else:
            st.page_link(page, label=link, icon=":material/arrow_forward:")


def pipeline_status(tree) -> None:
    ws = state.workspace()
    s = ws.summary()
    marks = ws.skill_marks()
    source = datasource.current_source()
    st.subheader("Where you are")
    cols = st.columns(5)
    step_card(cols[0], 1, "Data", True,
              [f"{text.md(source.name)}", f"{tree.graph.n_records:,} records" if tree else "not readable yet"],
              None, "Change it in the sidebar.")
    step_card(cols[1], 2, "Taxonomy", tree is not None,
              [f"{len(tree.communities):,} communities, height {tree.height}" if tree else "not built",
               f"explains {text.pct(tree.theta)} of the data" if tree else "",
               f"{s.ops_active:,} edit(s) by hand" if s.ops_active else ""], nav.page_path("Taxonomy"), "Taxonomy")
    step_card(cols[2], 3, "Combinations", s.approved_combos > 0,
              [f"{s.approved_combos:,} approved, {s.excluded_combos:,} excluded",
               f"{len(marks['pinned']):,} pinned, {len(marks['excluded']):,} excluded skills"],
              nav.page_path("Combinations"), "Combinations")
    step_card(cols[3], 4, "Samples", s.accepted > 0,
              [f"{s.samples:,} made, {s.accepted:,} accepted", f"{s.undecided:,} to review, {s.graded:,} graded"],
              nav.page_path("Synthesize"), "Synthesize")
    exports = ws.exports() if s.exports else []
    step_card(cols[4], 5, "Export", s.exports > 0,
              [f"{s.exports:,} export(s)",
               f"last: {exports[-1]['manifest'].get('counts', {}).get('total', 0):,} samples, "
               f"{text.md(exports[-1]['format'])}" if exports else "nothing written yet"],
              nav.page_path("Export"), "Export")


def data_details(tree) -> None:
    source = datasource.current_source()
    with st.expander("About this data"):
        st.markdown(f"- **Source:** {text.md(source.name)} ({source.kind})\n"
                    f"- **Corpus:** {text.md(source.corpus)}\n"
                    f"- **Skill catalogue:** {text.md(source.catalog) if source.catalog else 'none'}\n"
                    f"- **Topics:** {text.md(source.topics) if source.topics else 'none'}")
        with text.shown_errors():
            cat, top = datasource.catalog(source), datasource.topics(source)
            st.caption(f"{len(cat):,} skills described in the catalogue, {len(top):,} topics.")
        report = datasource.read_report(source, datasource.skip_bad())
        if report:
            st.code(report, language=None)
        if tree is not None:
            st.caption(f"Tree version `{tree.version}` · weighting {tree.graph.weighting}")


def main() -> None:
    text.page_intro("STEPS Studio", "Find the skill combinations your instruction data is missing, synthesise "
                                      "training samples for them and export them; this page shows your data at a "
                                      "glance and where you are.")
    if state.workspace().read_only:
        st.warning(text.md(READ_ONLY_NOTE.format(path=state.workspace().path)), icon=":material/lock:")
    tree = build.tree_or_none("Could not build the taxonomy from this data: ")
    if tree is not None:
        metrics(tree)
        next_step(tree)
    else:
        st.info("Choose other data in the sidebar (demo, upload or a file on the server), or fix the file and "
                "reload.")
    pipeline_status(tree)
    data_details(tree)
    with st.expander("About the method", icon=":material/school:"):
        st.markdown(ABOUT)


with text.shown_errors():          # a bug shows as a message, never as a traceback page
    main()
