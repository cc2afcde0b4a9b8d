"""Figures and tables of the app: pure functions of steps_core results, no Streamlit calls.

Colours
    One sequential, colour-blind-safe scale for entropy in the figures (:data:`ENTROPY_SCALE`, viridis; the
    tables show entropy as bars), and one colour per community (:func:`node_colours`): each top-level community
    takes a colour of a colour-blind-safe palette (Okabe-Ito, then Paul Tol's muted), nested communities a
    lighter shade of it, a skill the colour of its community. The sunburst, the network and the tables (a
    swatch beside the community, :func:`with_swatch`) use the same colours.

Escaping
    Plotly reads a few HTML tags in labels (``<b>``, ``<a href>``, ...) and the pyvis tooltip is set with
    ``innerHTML``, so every name from the data is HTML-escaped before it goes there (:func:`html.escape`);
    the node data that pyvis embeds in its page is JSON with ``<``, ``>`` and ``&`` escaped (Jinja's
    ``tojson``), and node labels are drawn on a canvas as plain text.
"""

from __future__ import annotations

import html
import math
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from steps_core.compare import MEASURES
from steps_core.tree import EncodingTree

#: The plotly name of the entropy colour scale (sequential, colour-blind safe, readable in grey).
ENTROPY_SCALE = "Viridis"
#: Colours of the top-level communities, in order of volume: Okabe-Ito (without black), then Tol's muted.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#332288", "#DDCC77", "#117733", "#88CCEE", "#882255", "#44AA99", "#999933", "#AA4499", "#CC6677")
#: Colour of skills that belong to no community (no edges, or alone under the root).
NO_COMMUNITY = "#BBBBBB"

#: What the tree can be coloured by: key -> (legend title, plain-words meaning).
COLOUR_OPTIONS = {
    "community": ("community", "one colour per top-level community, lighter for nested ones"),
    "h": ("uncertainty (bits)", "h(α): the node's own share of the structural entropy H^T"),
    "se": ("bits to locate", "Se: bits needed to locate the node in the tree, h summed from the node up to the root"),
}


# ------------------------------------------------------------------------------------------------ colours
def _mix(hex_colour: str, white: float) -> str:
    """``hex_colour`` mixed with ``white`` (0..1) parts of white, as ``#rrggbb``."""
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    r, g, b = (round(c + (255 - c) * white) for c in (r, g, b))
    return f"#{r:02x}{g:02x}{b:02x}"


def top_level(tree: EncodingTree) -> np.ndarray:
    """For every node, its ancestor just below the root (itself for the root's children; the root: itself)."""
    parent = np.asarray(tree.parent).copy()
    parent[tree.root] = tree.root
    top = np.arange(tree.n_nodes)
    for _ in range(int(np.max(tree.depth))):          # climb every node at once until its parent is the root
        up = parent[top] != tree.root
        if not up.any():
            break
        top = np.where(up, parent[top], top)
    return top


def node_colours(tree: EncodingTree) -> list[str]:
    """A colour per node: top-level communities take :data:`PALETTE` colours in order (by volume), each
    level below is 22 % lighter (at most 66 %), a skill takes its community's colour; skills directly under
    the root (no community) are :data:`NO_COMMUNITY`; the root is white."""
    base: dict[int, str] = {}
    for c in tree.children[tree.root]:
        if c >= tree.n_skills:
            base[c] = PALETTE[len(base) % len(PALETTE)]
    top = top_level(tree)
    owners = np.arange(tree.n_nodes)
    owners[:tree.n_skills] = np.asarray(tree.parent[:tree.n_skills])
    mixed: dict[tuple[int, int], str] = {}                # few (top community, depth) pairs: mix each once
    out = []
    for v in range(tree.n_nodes):
        owner = int(owners[v])
        if v == tree.root:
            out.append("#ffffff")
        elif owner == tree.root:
            out.append(NO_COMMUNITY)
        else:
            pair = (int(top[owner]), int(tree.depth[owner]))
            if pair not in mixed:
                mixed[pair] = _mix(base[pair[0]], min(0.66, 0.22 * (pair[1] - 1)))
            out.append(mixed[pair])
    return out


# ------------------------------------------------------------------------------------------------ ids and labels
def node_id(tree: EncodingTree, v: int) -> str:
    """The id of a node in the figures: the community id (``"2.1"``, ``"root"``) or ``"skill:<index>"``."""
    return f"skill:{v}" if v < tree.n_skills else tree.ids[v]


def node_from_id(tree: EncodingTree, ident: str) -> int | None:
    """Inverse of :func:`node_id`; None for an id this tree does not have."""
    if not isinstance(ident, str):
        return None
    if ident.startswith("skill:"):
        try:
            v = int(ident[6:])
        except ValueError:
            return None
        return v if 0 <= v < tree.n_skills else None
    v = tree.id_index.get(ident)
    return v if v is not None and v >= tree.n_skills else None


def node_label(tree: EncodingTree, v: int) -> str:
    """Plain text naming a node: a skill's name, a community's label, ``all skills`` for the root."""
    if v < tree.n_skills:
        return tree.skills[v]
    return "all skills" if v == tree.root else tree.labels[v]


def short_label(text: str, width: int = 24) -> str:
    """``text`` cut to ``width`` characters (with an ellipsis), at a word boundary when one is near.

    >>> short_label("python debugging / sql queries / code review")
    'python debugging / sql…'
    """
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    space = cut.rfind(" ")
    if space >= width // 2:
        cut = cut[:space]
    return cut.rstrip(" /") + "…"


def community_name(tree: EncodingTree, v: int) -> str:
    """``"2.1 · a / b / c"`` for a community, ``"—"`` for the root (no community)."""
    if v == tree.root:
        return "—"
    return f"{tree.ids[v]} · {tree.labels[v]}"


# ------------------------------------------------------------------------------------------------ the tree
def _units(tree: EncodingTree) -> np.ndarray:
    """Integer sizes that add up exactly up the tree (plotly's ``branchvalues="total"`` needs it): a skill's
    record count (at least 1), or, for a graph without counts, its share of the volume in 1/10,000."""
    counts = np.asarray(tree.graph.counts, np.int64)
    units = np.zeros(tree.n_nodes, np.int64)
    if counts.sum() > 0:
        units[: tree.n_skills] = np.maximum(1, counts)
    else:
        vol_g = float(tree.vol[tree.root]) or 1.0
        units[: tree.n_skills] = np.maximum(1, np.round(1e4 * tree.vol[: tree.n_skills] / vol_g)).astype(np.int64)
    for v in sorted(range(tree.n_skills, tree.n_nodes), key=lambda v: -int(tree.depth[v])):
        units[v] = int(sum(units[c] for c in tree.children[v]))
    return units


def subtree_nodes(tree: EncodingTree, root: int, levels: int | None, show_skills: bool) -> list[int]:
    """``root`` and the nodes below it down to ``levels`` levels (all when None), breadth first; skills only
    when ``show_skills``."""
    out, frontier = [root], [root]
    depth = 0
    while frontier and (levels is None or depth < levels):
        frontier = [c for v in frontier for c in tree.children[v] if show_skills or c >= tree.n_skills]
        out.extend(frontier)
        depth += 1
    return out


#: Most sectors the tree chart draws at once: a view whose two levels hold more shows one level (Ask Ubuntu's
#: top: 398 sectors become 24). The browser draws and labels every sector whenever the page runs.
MAX_SECTORS = 200


def levels_shown(tree: EncodingTree, root: int, show_skills: bool) -> int:
    """How many levels below ``root`` the chart shows: two, or one when two would draw more than
    :data:`MAX_SECTORS` sectors."""
    return 2 if len(subtree_nodes(tree, root, 2, show_skills)) <= MAX_SECTORS else 1


def tree_figure(tree: EncodingTree, *, kind: str = "sunburst", colour: str = "community", show_skills: bool = True,
                height: int = 640, values: Sequence[float] | None = None, values_title: str = "",
                colourscale: str = ENTROPY_SCALE, root: int | None = None, levels: int | None = None) -> go.Figure:
    """The encoding tree (or the subtree under ``root``, ``levels`` levels deep) as a plotly sunburst
    (``kind="sunburst"``) or icicle (``"icicle"``).

    Sectors are sized by records (a skill's count; a community the sum of its skills'), labelled with their
    names, coloured by ``colour`` (a key of :data:`COLOUR_OPTIONS`), or by any per-node ``values`` (indexed like
    the tree's nodes, e.g. samples per community) titled ``values_title`` on ``colourscale``, shown in the hover
    too; the colour range of ``values`` leaves out the root (which usually holds the total and would wash every
    other sector out). Every sector has an ``id`` (:func:`node_id`) so that a click returns it as a selection.
    """
    if kind not in ("sunburst", "icicle"):
        raise ValueError(f"unknown kind {kind!r}")
    if values is None and colour not in COLOUR_OPTIONS:
        raise ValueError(f"unknown colour {colour!r}")
    if values is not None and len(values) != tree.n_nodes:
        raise ValueError(f"need one value per node ({tree.n_nodes}), got {len(values)}")
    n = tree.n_skills
    top = tree.root if root is None else root
    nodes = subtree_nodes(tree, top, levels, show_skills)
    units = _units(tree)
    vol_g = float(tree.vol[tree.root]) or 1.0
    ids = [node_id(tree, v) for v in nodes]
    parents = ["" if v == top else node_id(tree, int(tree.parent[v])) for v in nodes]
    labels = [html.escape(node_label(tree, v)) for v in nodes]
    short = [html.escape(short_label(node_label(tree, v))) for v in nodes]      # what fits in a sector
    # what the hover shows as one numpy array: copied and written as JSON in one piece (plotly sends it as
    # base64), not element by element like a list of lists
    picked = np.asarray(nodes)
    columns = [tree.n_members(v) for v in nodes], units[picked], tree.vol[picked] / vol_g, tree.h[picked], \
        tree.se[picked]
    if values is not None:
        columns += (np.asarray(values, float)[picked],)
    custom = np.column_stack([np.asarray(c, float) for c in columns])
    kinds = ["skill" if v < n else f"community {tree.ids[v]}" if v != tree.root else "all skills" for v in nodes]
    hover = ("<b>%{label}</b><br>%{hovertext}<br>skills: %{customdata[0]:,}<br>"
             "tags: %{customdata[1]:,} (records × skills)<br>"
             "links: %{customdata[2]:.3g} of all co-occurrence weight<br>"
             "uncertainty h(α): %{customdata[3]:.3g} bits<br>bits to locate Se: %{customdata[4]:.3g}"
             + (f"<br>{html.escape(values_title or 'value')}: %{{customdata[5]:,.4~g}}" if values is not None else "")
             + "<extra></extra>")
    if values is None and colour == "community":
        palette = node_colours(tree)
        marker = dict(colors=[palette[v] for v in nodes], line=dict(color="#ffffff", width=1))
    else:
        shade = np.asarray(values if values is not None else tree.h if colour == "h" else tree.se, float)
        title = values_title if values is not None else COLOUR_OPTIONS[colour][0]
        ranged = np.delete(shade, tree.root) if values is not None and tree.n_nodes > 1 else shade
        marker = dict(colors=shade[picked].tolist(), colorscale=colourscale, showscale=True,
                      cmin=float(min(ranged.min(), 0.0)), cmax=float(max(ranged.max(), 1e-9)),
                      line=dict(color="#ffffff", width=1),
                      colorbar=dict(title=dict(text=title, side="right"), thickness=14, x=1.02))
    common = dict(ids=ids, labels=labels, text=short, texttemplate="%{text}", parents=parents,
                  values=units[picked].tolist(),
                  branchvalues="total", marker=marker, customdata=custom, hovertext=kinds, hovertemplate=hover)
    if kind == "sunburst":
        trace = go.Sunburst(**common, insidetextorientation="radial")
    else:
        trace = go.Icicle(**common, tiling=dict(orientation="v"))
    fig = go.Figure(trace)
    fig.update_layout(margin=dict(l=0, r=0, t=30, b=10), height=height, uniformtext=dict(minsize=10, mode="hide"))
    return fig


# ------------------------------------------------------------------------------------------------ tables
def community_frame(tree: EncodingTree) -> pd.DataFrame:
    """One row per community (tree order: top level first): id, label, level, skills, volume share,
    h(α) and Se in bits, parent id."""
    vol_g = float(tree.vol[tree.root]) or 1.0
    rows = []
    for v in tree.communities:
        p = int(tree.parent[v])
        rows.append({"community": tree.ids[v], "label": tree.labels[v], "level": int(tree.depth[v]),
                     "skills": tree.n_members(v), "volume share": float(tree.vol[v] / vol_g),
                     "h(α) (bits)": float(tree.h[v]), "Se (bits)": float(tree.se[v]),
                     "parent": tree.ids[p]})
    return pd.DataFrame(rows, columns=["community", "label", "level", "skills", "volume share", "h(α) (bits)",
                                       "Se (bits)", "parent"])


def skill_frame(tree: EncodingTree, members: Iterable[int] | None = None,
                samples: Sequence[int] | None = None) -> pd.DataFrame:
    """One row per skill (all, or ``members`` in that order): name, community id, count (records),
    ``samples`` (accepted samples using the skill, when given: one value per skill in tree order), degree
    (weighted), Se in bits, and the community path."""
    idx = range(tree.n_skills) if members is None else [int(i) for i in members]
    paths: dict[int, str] = {tree.root: "—"}                # one path per community, not per skill
    rows = []
    for i in idx:
        p = int(tree.parent[i])
        if p not in paths:
            paths[p] = tree.community_path(p)
        row = {"skill": tree.skills[i], "community": tree.ids[p] if p != tree.root else "—",
               "count": int(tree.graph.counts[i]), "degree": float(tree.graph.degree[i]),
               "Se (bits)": float(tree.se[i]), "path": paths[p]}
        if samples is not None:
            row["samples"] = int(samples[i])
        rows.append(row)
    columns = ["skill", "community", "count", *(["samples"] if samples is not None else []), "degree", "Se (bits)",
               "path"]
    return pd.DataFrame(rows, columns=columns)


def neighbour_frame(tree: EncodingTree, skill: int, top: int = 10) -> pd.DataFrame:
    """A skill's strongest co-occurring skills: name, edge weight, same community or not."""
    adj = tree.graph.adjacency
    start, end = adj.indptr[skill], adj.indptr[skill + 1]
    cols, weights = adj.indices[start:end], adj.data[start:end]
    order = np.lexsort((cols, -weights))[:top]
    p = int(tree.parent[skill])
    return pd.DataFrame([{"skill": tree.skills[int(cols[j])], "weight": float(weights[j]),
                          "same community": int(tree.parent[int(cols[j])]) == p} for j in order],
                        columns=["skill", "weight", "same community"])


def community_colour_map(tree: EncodingTree) -> dict[str, str]:
    """Community id -> colour (see :func:`node_colours`), plus ``"—"`` for skills without a community."""
    colours = node_colours(tree)
    out = {tree.ids[v]: colours[v] for v in tree.communities}
    out["—"] = NO_COMMUNITY
    out["root"] = NO_COMMUNITY
    return out


#: The column of a table holding each row's community colour (an image column: :func:`with_swatch`).
SWATCH = "colour"


def swatch(colour: str) -> str:
    """A small square of ``colour`` (``#rrggbb``, one of our palette's) as an SVG data URL: a table's image cell,
    drawn without any request."""
    return ("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='14' height='14'%3E"
            f"%3Crect width='14' height='14' rx='3' fill='%23{colour.lstrip('#')}'/%3E%3C/svg%3E")


def with_swatch(df: pd.DataFrame, colours: Mapping[str, str] | None, column: str = "community") -> pd.DataFrame:
    """``df`` with a :data:`SWATCH` column just before ``column``: each row's community colour from ``colours``
    (community id -> ``#rrggbb``, :func:`community_colour_map`) as a :func:`swatch`. A categorical column, so
    each colour's image is sent to the browser once, not once per row. Replaces a pandas Styler painting the
    cells, which is slow to build, to send and to draw (every cell carries its CSS)."""
    if not colours or column not in df.columns:
        return df
    urls = {ident: swatch(c) for ident, c in colours.items()}
    out = df.copy()
    out.insert(list(df.columns).index(column), SWATCH, pd.Categorical([urls.get(str(v)) for v in df[column]]))
    return out


# ------------------------------------------------------------------------------------------------ combinations
def combination_frame(combos: Sequence, marks: Mapping[str, str], key_of, novelty: Sequence | None = None
                      ) -> pd.DataFrame:
    """The ranked combinations as a table: rank, skills, the curator's mark (``approved``/``excluded``/empty,
    looked up by ``key_of(skills)``), coherence (when computed), why it is there, gain, what it added to the
    list, step gains (bits), LCA community, and novelty (when ``novelty`` gives one
    :class:`steps_core.novelty.Novelty` per combination: ``support``, the records tagged with all the skills;
    ``min pair``, the smallest pairwise co-occurrence count; ``novel`` when the skills were never seen
    together)."""
    from steps_core.select import why

    rows = []
    for rank, c in enumerate(combos, start=1):
        row = {"rank": rank, "skills": " + ".join(c.skills), "gain (bits)": float(c.gain),
               "adds (bits)": float(c.value), "why": why(c),
               "step gains (bits)": ", ".join(f"{g:.3f}" for g in c.step_gains),
               "community": c.lca if c.lca != "root" else "—", "community label": c.lca_label,
               "coherence": math.nan if c.coherence is None else float(c.coherence),
               "mark": marks.get(key_of(c.skills), "")}
        if novelty is not None:
            nov = novelty[rank - 1]
            row.update({"novel": NOVEL_MARK if nov.support == 0 else "", "support": int(nov.support),
                        "min pair": int(nov.min_pair)})
        rows.append(row)
    # the columns a person decides by come first, so they fit a laptop screen (1280 px wide, sidebar open:
    # tests/test_browser.py measures it); the details follow
    columns = ["rank", "skills", "mark", "coherence", "why", "gain (bits)", "adds (bits)", "step gains (bits)",
               "community", "community label"]
    if novelty is not None:
        columns[6:6] = ["novel"]
        columns += ["support", "min pair"]
    if not any(c.value for c in combos):
        columns.remove("adds (bits)")                    # not chosen as a list (e.g. typed by hand)
    if all(c.coherence is None for c in combos):
        columns.remove("coherence")                      # not computed: no column of blanks
    return pd.DataFrame(rows, columns=columns)


#: The marker of a combination no record is tagged with (support 0).
NOVEL_MARK = "✦ novel"
# ------------------------------------------------------------------------------------------------ coverage
def gap_frame(gaps: Sequence) -> pd.DataFrame:
    """The emptiest communities (:func:`steps_core.coverage.emptiest_communities`): id, label, level, skills
    and accepted samples touching them."""
    return pd.DataFrame([{"community": g.id, "label": g.label, "level": g.depth, "skills": g.n_skills,
                          "samples": g.samples} for g in gaps],
                        columns=["community", "label", "level", "skills", "samples"])


def usage_frame(usage: Sequence) -> pd.DataFrame:
    """Spent tokens and cost per community (:func:`steps_core.coverage.usage_by_community`); cost NaN when
    unknown (no price set)."""
    return pd.DataFrame([{"community": u.id if u.id != "root" else "—", "label": u.label, "samples": u.samples,
                          "prompt tokens": u.prompt_tokens, "completion tokens": u.completion_tokens,
                          "cost ($)": math.nan if u.cost_usd is None else float(u.cost_usd)} for u in usage],
                        columns=["community", "label", "samples", "prompt tokens", "completion tokens", "cost ($)"])


# ------------------------------------------------------------------------------------------------ edits
def edit_log_frame(ops: Sequence[Mapping], cursor: int, trees: Sequence[EncodingTree] | None,
                   describe) -> pd.DataFrame:
    """The taxonomy-edit log: step, what it does (``describe(op)``), active or undone, and H^T before and
    after it in bits (for active edits, from ``trees``: the base tree then the tree after each active edit)."""
    rows = []
    for i, op in enumerate(ops):
        active = i < cursor
        before = after = math.nan
        if active and trees is not None and i + 1 < len(trees):
            before, after = float(trees[i].entropy), float(trees[i + 1].entropy)
        rows.append({"step": i + 1, "edit": describe(op), "state": "active" if active else "undone",
                     "H^T before (bits)": before, "H^T after (bits)": after, "ΔH^T (bits)": after - before})
    return pd.DataFrame(rows, columns=["step", "edit", "state", "H^T before (bits)", "H^T after (bits)",
                                       "ΔH^T (bits)"])


# ------------------------------------------------------------------------------------------------ samplers
#: Measures of the sampler comparison: column -> (title, unit or "", plain-words meaning).
COMPARE_MEASURES = MEASURES
#: The measures shown as percentages.
SHARE_MEASURES = ("novelty_rate", "connected_share", "max_skill_share", "distinct_share")
#: A colour per sampler (Okabe-Ito): the STEPS samplers in blues, the random baselines in warm colours.
SAMPLER_COLOURS = {"steps": "#0072B2", "steps-global": "#56B4E9", "gain-only": "#009E73", "uniform": "#E69F00",
                   "pair-extend": "#D55E00", "random-walk": "#CC79A7"}


def compare_frame(rows: Sequence) -> pd.DataFrame:
    """The comparison rows (:class:`steps_core.compare.SamplerStats`) as a table, one row per k and sampler."""
    return pd.DataFrame([{"k": r.k, "sampler": r.sampler, "n": r.n,
                          **{m: (math.nan if getattr(r, m) is None else getattr(r, m)) for m in COMPARE_MEASURES}}
                         for r in rows], columns=["k", "sampler", "n", *COMPARE_MEASURES])


def compare_figure(rows: Sequence, measure: str, *, height: int = 420) -> go.Figure:
    """Grouped bars: for every k (x) one bar per sampler, showing ``measure`` (a key of
    :data:`COMPARE_MEASURES`)."""
    if measure not in COMPARE_MEASURES:
        raise ValueError(f"unknown measure {measure!r}")
    title, unit, _ = COMPARE_MEASURES[measure]
    df = compare_frame(rows)
    fig = go.Figure()
    for sampler in dict.fromkeys(df["sampler"]):
        part = df[df["sampler"] == sampler]
        fig.add_bar(x=[f"k = {k}" for k in part["k"]], y=part[measure].tolist(), name=html.escape(sampler),
                    marker_color=SAMPLER_COLOURS.get(sampler, "#999999"),
                    hovertemplate=f"{html.escape(sampler)}<br>%{{x}}<br>{title}: %{{y:.3f}}"
                                  f"{' ' + unit if unit else ''}<extra></extra>")
    fig.update_layout(barmode="group", height=height, margin=dict(l=10, r=10, t=30, b=10),
                      yaxis_title=f"{title} ({unit})" if unit else title,
                      yaxis_tickformat=".0%" if measure in SHARE_MEASURES else None,
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0), plot_bgcolor="#ffffff")
    fig.update_yaxes(gridcolor="#e6e6e6", rangemode="tozero")
    return fig
