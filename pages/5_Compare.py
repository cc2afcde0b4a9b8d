"""Compare samplers: how STEPS's choice of skill combinations compares with random ways of choosing them (gain,
novelty, coherence, spread), before a token is spent."""

from __future__ import annotations

import streamlit as st

from pages.ui import build, charts, datasource, frame, state, text
from steps_core.compare import SAMPLERS, compare_samplers
from steps_core.tree import EncodingTree

frame.frame("Compare samplers")

KS = list(range(2, 9))


def controls() -> dict:
    c = st.columns([1.6, 1, 1, 1], vertical_alignment="bottom")
    ks = c[0].multiselect("Skills per combination (k)", KS,
                          key=state.bind("compare.ks", [3, 4, 5],
                                          lambda v: isinstance(v, list) and set(v) <= set(KS)),
                          on_change=state.save, args=("compare.ks",))
    n = c[1].number_input("Combinations per sampler", 10, 5000, step=50,
                          key=state.bind_int("compare.n", 500, 10, 5000),
                          on_change=state.save, args=("compare.n",),
                          help="how many combinations every sampler draws for every k")
    seed = c[2].number_input("Seed", 0, state.MAX_SEED, step=1,
                             key=state.bind_int("compare.seed", 0, 0, state.MAX_SEED),
                             on_change=state.save, args=("compare.seed",),
                             help="the random samplers' seed: the same seed gives the same table")
    coherence = c[3].toggle("Coherence", key=state.bind_bool("compare.coherence", True),
                            on_change=state.save, args=("compare.coherence",),
                            help="also measure coherence (MiniLM embeddings; the model loads once, a few seconds)")
    samplers = st.multiselect("Samplers", list(SAMPLERS), help="; ".join(f"{k}: {v}" for k, v in SAMPLERS.items()),
                              key=state.bind("compare.samplers", list(SAMPLERS),
                                              lambda v: isinstance(v, list) and set(v) <= set(SAMPLERS)),
                              on_change=state.save, args=("compare.samplers",))
    return dict(ks=tuple(sorted(int(k) for k in ks)), n=int(n), seed=int(seed), coherence=bool(coherence),
                samplers=tuple(s for s in SAMPLERS if s in samplers))


def run(tree: EncodingTree, opts: dict, key: str, compute: bool):
    """The comparison rows for ``opts`` (cached for the server), or None when not computed and not asked for."""
    if not compute and not state.memo_ready("compare", key):
        return None
    source = datasource.current_source()
    skip_bad = datasource.skip_bad()

    def work():
        embeddings = build.skill_embeddings(tree, source) if opts["coherence"] else None
        index = datasource.support_index(source, skip_bad)
        with st.spinner("Comparing samplers…"):
            bar, update = state.progress_bar("Sampler runs")
            rows = compare_samplers(tree, index, ks=opts["ks"], n=opts["n"], samplers=opts["samplers"],
                                    seed=opts["seed"], embeddings=embeddings, progress=update)
            bar.empty()
        return rows

    return state.memo("compare", key, work)


def summary_sentence(rows) -> str:
    """One plain sentence on what the table shows, for the largest k compared."""
    k = max(r.k for r in rows)
    by = {r.sampler: r for r in rows if r.k == k}
    steps = by.get("steps") or by.get("steps-global")
    if steps is None:
        return f"At k = {k}: no STEPS sampler was compared."
    text = (f"At k = {k}, {steps.novelty_rate:.0%} of STEPS's combinations are new to the corpus and "
            f"{steps.connected_share:.0%} hang together through pairs the corpus attests")
    others = [f"{name} {r.connected_share:.0%}" for name, r in by.items() if name in ("uniform", "pair-extend")]
    if others:
        text += f" (random choices: {', '.join(others)})"
    text += f"; no skill is in more than {steps.max_skill_share:.0%} of them."
    plain = by.get("gain-only")
    if plain is not None:
        text += (f" Ranking by gain alone would add {plain.mean_gain - steps.mean_gain:+.3f} bits per combination "
                 f"but put one skill in {plain.max_skill_share:.0%} of them.")
    return text


def results(rows) -> None:
    measures = charts.COMPARE_MEASURES
    if all(r.mean_coherence is None for r in rows):
        measures = {k: v for k, v in measures.items() if k != "mean_coherence"}
    measure = st.radio("Measure", list(measures), format_func=lambda m: measures[m][0], horizontal=True,
                       key="cmp_measure")
    if measure not in measures:
        measure = next(iter(measures))
    title, unit, meaning = measures[measure]
    st.markdown(summary_sentence(rows))
    st.markdown(f"**{title}**{f' ({unit})' if unit else ''}: {meaning}.")
    st.plotly_chart(charts.compare_figure(rows, measure), key="cmp_chart", width="stretch")
    df = charts.compare_frame(rows)
    if "mean_coherence" not in measures:
        df = df.drop(columns=["mean_coherence"])
    st.dataframe(df, hide_index=True, width="stretch", height=state.table_height(len(df), 600),
                 column_config={
                     "n": st.column_config.NumberColumn("n", help="distinct combinations drawn (fewer when the "
                                                                  "sampler cannot find more)"),
                     **{m: st.column_config.NumberColumn(t, help=d, format="percent" if m in charts.SHARE_MEASURES
                                                         else ("%d" if m == "communities" else "%.3f"))
                        for m, (t, _u, d) in measures.items()}})
    with st.expander("What the samplers and the measures mean", icon=":material/help:"):
        st.markdown("**Samplers**\n\n" + "\n".join(f"- **{k}**: {v}." for k, v in SAMPLERS.items()) +
                    "\n\n**Measures** (over the n combinations of one sampler and one k)\n\n" +
                    "\n".join(f"- **{t}**{f' ({u})' if u else ''}: {d}." for t, u, d in measures.values()))


def main() -> None:
    text.page_intro("Compare samplers", "See, before a token is spent, how the combinations STEPS proposes compare "
                                          "with choosing skills at random: how much new structure they add, how "
                                          "often the corpus has never shown them together, how well they fit, "
                                          "and how widely they spread over the taxonomy.")
    tree = build.tree_or_none()
    if tree is None:
        return
    opts = controls()
    if not opts["ks"] or not opts["samplers"]:
        st.info("Choose at least one k and one sampler.", icon=":material/info:")
        return
    source = datasource.current_source()
    key = state.cache_key(tree.version, opts, str(source.catalog), datasource.content_key(source.catalog),
                      str(source.corpus), datasource.fingerprint(source.corpus), datasource.skip_bad())
    pressed = st.button("Compare", key="cmp_go", type="primary", icon=":material/play_arrow:")
    rows = None
    with text.shown_errors("Cannot compare: "):
        rows = run(tree, opts, key, pressed)
    if rows is None:
        st.info(f"Press Compare to draw {opts['n']:,} combinations per sampler for k = "
                f"{', '.join(map(str, opts['ks']))} ({len(opts['samplers'])} samplers).", icon=":material/info:")
        return
    results(rows)


with text.shown_errors():          # a bug shows as a message, never as a traceback page
    main()
