"""The skill network: skills as nodes coloured by community, links as edges, drawn by pyvis into a
self-contained page (vis-network inlined, nothing fetched), every name from the data escaped."""

from __future__ import annotations

import html
import json
import math
import re

import numpy as np

from steps_core.tree import EncodingTree

from .charts import node_colours

_NETWORK_OPTIONS = {
    "physics": {"barnesHut": {"gravitationalConstant": -6000, "springLength": 110, "springConstant": 0.02},
                "stabilization": {"iterations": 250}},
    "interaction": {"hover": True, "tooltipDelay": 80},
    "edges": {"smooth": False, "color": {"inherit": "both", "opacity": 0.35}},
    "nodes": {"shape": "dot", "font": {"size": 13, "face": "sans-serif"}},
}
_CDN_TAG = re.compile(r"<(?:link|script)\b[^>]*(?:href|src)=\"https?://[^\"]*\"[^>]*>(?:\s*</script>)?", re.I)


def neighbourhood(tree: EncodingTree, node: int, max_outside: int = 30) -> np.ndarray:
    """The skills of community ``node`` and the ``max_outside`` skills outside it most strongly linked to them."""
    inside = tree.members(node)
    adj = tree.graph.adjacency
    pull = np.asarray(adj[inside].sum(axis=0)).ravel()
    pull[inside] = 0.0
    outside = np.flatnonzero(pull > 0)
    outside = outside[np.lexsort((outside, -pull[outside]))][:max_outside]
    return np.sort(np.concatenate([inside, outside]))


def _strongest_edges(tree: EncodingTree, max_edges: int, skills: np.ndarray | None = None
                     ) -> list[tuple[int, int, float]]:
    """The ``max_edges`` heaviest edges (among ``skills`` when given), plus each skill's heaviest edge so no
    connected skill floats alone."""
    src, dst, w = tree.graph.edges()
    if skills is not None:
        keep = np.isin(src, skills) & np.isin(dst, skills)
        src, dst, w = src[keep], dst[keep], w[keep]
    if src.size <= max_edges:
        return list(zip(src.tolist(), dst.tolist(), w.tolist()))
    order = np.lexsort((dst, src, -w))
    keep = set(order[:max_edges].tolist())
    best: dict[int, int] = {}
    for e in order.tolist():                     # heaviest first: the first edge seen per skill is its best
        for v in (int(src[e]), int(dst[e])):
            best.setdefault(v, e)
    keep.update(best.values())
    return [(int(src[e]), int(dst[e]), float(w[e])) for e in sorted(keep)]


def network_html(tree: EncodingTree, *, focus: int | None = None, max_outside: int = 30, max_edges: int = 1500,
                 height_px: int = 620) -> str:
    """A self-contained HTML page (vis-network inlined: no internet needed) drawing the skill graph with pyvis:
    one node per skill, sized by its count and coloured by its community (:func:`node_colours`); edges
    weighted by co-occurrence (the ``max_edges`` heaviest). With ``focus`` (a community), only its skills and
    the ``max_outside`` skills outside it they are linked to most (:func:`neighbourhood`).

    Names are escaped: tooltips are HTML-escaped text and the node data is embedded as escaped JSON, so a
    skill called ``<script>...`` shows as text and runs nothing.
    """
    from pyvis.network import Network

    colours = node_colours(tree)
    counts = tree.graph.counts
    cmax = max(1, int(counts.max()) if counts.size else 1)
    net = Network(height=f"{height_px}px", width="100%", cdn_resources="in_line", bgcolor="#ffffff",
                  font_color="#222222")
    shown = np.arange(tree.n_skills) if focus is None or focus == tree.root else \
        neighbourhood(tree, focus, max_outside)
    for i in shown.tolist():
        name = tree.skills[i]
        p = int(tree.parent[i])
        community = "no community" if p == tree.root else f"community {tree.ids[p]}: {tree.labels[p]}"
        title = "<br>".join([f"<b>{html.escape(name)}</b>", html.escape(community),
                             f"{int(counts[i]):,} records · Se {float(tree.se[i]):.3f} bits"])
        net.add_node(i, label=name, title=title, color=colours[i],
                     size=float(8 + 22 * math.sqrt(int(counts[i]) / cmax)))
    edges = _strongest_edges(tree, max_edges, None if len(shown) == tree.n_skills else shown)
    wmax = max((w for *_, w in edges), default=1.0) or 1.0
    for a, b, w in edges:
        net.add_edge(a, b, value=float(w / wmax), width=float(0.5 + 4 * w / wmax))
    net.set_options(json.dumps(_NETWORK_OPTIONS))
    nodes, edge_list, _heading, height, width, options = net.get_network_data()
    template = net.templateEnv.get_template(net.path)
    # tooltip_link: the tooltip is set with innerHTML for every node (titles are escaped above), rather
    # than only when some title happens to contain "href" (pyvis's rule), so all tooltips look the same.
    page = template.render(height=height, width=width, nodes=nodes, edges=edge_list, heading="", options=options,
                           physics_enabled=True, use_DOT=False, dot_lang=None, widget=False, bgcolor="#ffffff",
                           conf=False, tooltip_link=True, neighborhood_highlight=False, select_menu=False,
                           filter_menu=False, notebook=False, cdn_resources="in_line")
    # pyvis always links Bootstrap from a CDN (only its menus need it): drop it, the page must work offline
    return _CDN_TAG.sub("", page)
