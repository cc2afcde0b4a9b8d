"""Encoding trees and their structural entropy (docs/method.md §2).

An encoding tree has a root (all skills), internal nodes (communities) and exactly one leaf per skill. For a
non-root node α with parent α⁻::

    vol(α) = sum of the degrees of the skills under α
    cut(α) = total weight of the edges with exactly one endpoint under α      (a leaf: its degree)
    h(α)   = -(cut(α) / vol(G)) * log2(vol(α) / vol(α⁻))                       (0 when vol(α) = 0)

``H^T = sum of h(α)`` over the non-root nodes, ``H^1`` the one-level entropy of the degree distribution,
``theta = 1 - H^T / H^1`` the compression ratio and ``Se(v)`` the sum of h(α) on the path from leaf v up to (not
including) the root.

Trees are immutable. :meth:`EncodingTree.from_parent` builds one from any parent array and puts it in a
canonical form: empty communities dropped, single-child communities spliced out (they carry no entropy),
children ordered by volume, nodes numbered leaves first (leaf i is skill i), then the root, then the other
communities breadth first; community ids are paths such as ``"2.1"`` (root: ``"root"``).

>>> from steps_core.graph import graph_from_edges
>>> g = graph_from_edges([("a", "b", 1), ("b", "c", 1), ("a", "c", 1), ("c", "d", 1)])
>>> t = EncodingTree.from_parent(g, [4, 4, 4, 4, -1])          # height 1: every skill under the root
>>> round(t.entropy, 6) == round(t.h1, 6)
True
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np

from .errors import InputError
from .graph import SkillGraph, graph_from_edges, pair_rows
from .io import read_json_file
from .tree_arrays import ROOT_ID as ROOT_ID
from .tree_arrays import canonical_form, figures, leaf_order, rank_members, representative_scores


def one_level_entropy(degree: np.ndarray) -> float:
    """H^1 = -sum_v (d_v / vol) log2(d_v / vol), over the vertices with d_v > 0.

    >>> one_level_entropy(np.array([1.0, 1.0]))
    1.0
    """
    d = np.asarray(degree, float)
    d = d[d > 0]
    if d.size == 0:
        return 0.0
    p = d / d.sum()
    return float(-(p * np.log2(p)).sum())


@dataclass(frozen=True, eq=False)
class EncodingTree:
    """An encoding tree of a :class:`~steps_core.graph.SkillGraph` with every entropy figure computed.

    Arrays are indexed by node: ``parent`` (-1 for the root), ``depth``, ``vol``, ``cut``, ``h``, ``se``
    (sum of h from the node up to, not including, the root). Leaves are nodes ``0 .. n_skills - 1``.
    """

    graph: SkillGraph
    parent: np.ndarray
    children: tuple[tuple[int, ...], ...]
    depth: np.ndarray
    vol: np.ndarray
    cut: np.ndarray
    h: np.ndarray
    se: np.ndarray
    ids: tuple[str, ...]
    labels: tuple[str, ...]
    method: str = "given"
    k: int | None = None
    custom_labels: Mapping[int, str] = field(default_factory=dict)

    # ----------------------------------------------------------------------------------- construction
    @classmethod
    def from_parent(cls, graph: SkillGraph, parent: Sequence[int] | np.ndarray, *, method: str = "given",
                    k: int | None = None, labels: Mapping[int, str] | None = None) -> "EncodingTree":
        """Build the canonical tree from a parent array over nodes ``0 .. N-1``.

        Nodes ``0 .. n_skills - 1`` must be the leaves (leaf i is skill i), every other node an internal node,
        exactly one of them the root (parent -1). ``labels`` may give custom labels of internal nodes (keyed by
        their index in ``parent``); other communities are labelled by their three most connected skills.
        Computed on arrays (:mod:`steps_core.tree_arrays`: 100,000 skills in ~0.3 s).
        """
        new_parent, levels, custom = canonical_form(graph, parent, labels)
        return cls._compute(graph, new_parent, levels, method, k, custom)

    @classmethod
    def _compute(cls, graph: SkillGraph, parent: np.ndarray, levels: list[np.ndarray], method: str,
                 k: int | None, custom: Mapping[int, str]) -> "EncodingTree":
        fig = figures(graph, parent, levels)
        labels = fig["labels"]
        for node, text in custom.items():
            labels[node] = text
        height = len(levels) - 1
        if k is not None and height > k:
            k = height                     # an edit (split, combine) added a level: k is the height reached
        tree = cls(graph, parent, fig["children"], fig["depth"], fig["vol"], fig["cut"], fig["h"], fig["se"],
                   fig["ids"], tuple(labels), method, k, dict(custom))
        tree.__dict__["_leaf_ranges"] = fig["ranges"]          # the cached property, known already
        return tree

    # ------------------------------------------------------------------------------------ properties
    @property
    def n_skills(self) -> int:
        return self.graph.n_skills

    @property
    def skills(self) -> tuple[str, ...]:
        return self.graph.skills

    @property
    def n_nodes(self) -> int:
        return self.parent.size

    @property
    def root(self) -> int:
        return self.n_skills

    @property
    def height(self) -> int:
        return int(self.depth.max()) if self.n_nodes > 1 else 0

    @property
    def communities(self) -> range:
        """The internal non-root nodes."""
        return range(self.n_skills + 1, self.n_nodes)

    @cached_property
    def h1(self) -> float:
        """One-level structural entropy H^1 of the graph (bits)."""
        return one_level_entropy(self.graph.degree)

    @cached_property
    def entropy(self) -> float:
        """H^T: the structural entropy of the graph under this tree (bits)."""
        return float(self.h.sum())

    @property
    def theta(self) -> float:
        """Compression ratio 1 - H^T / H^1 (0 when H^1 = 0)."""
        return 1.0 - self.entropy / self.h1 if self.h1 > 0 else 0.0

    @property
    def skill_entropy(self) -> np.ndarray:
        """Se(v) per skill: bits needed to locate the skill in the tree (not a decomposition of H^T)."""
        return self.se[: self.n_skills]

    @cached_property
    def id_index(self) -> dict[str, int]:
        return {s: i for i, s in enumerate(self.ids)}

    @cached_property
    def _leaf_ranges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(order, start, end)``: the skills in tree order (depth first, children in order); the skills under
        node v are ``order[start[v]:end[v]]``."""
        levels = [np.array([self.root], np.int64)]
        while True:
            nxt = [c for v in levels[-1].tolist() for c in self.children[v]]
            if not nxt:
                break
            levels.append(np.asarray(nxt, np.int64))
        return leaf_order(self.parent, levels, self.n_skills)

    def members(self, node: int) -> np.ndarray:
        """Skill indices under ``node``, in tree order."""
        order, start, end = self._leaf_ranges
        return order[start[node]:end[node]]

    def n_members(self, node: int) -> int:
        _, start, end = self._leaf_ranges
        return int(end[node] - start[node])

    @cached_property
    def ancestors(self) -> np.ndarray:
        """``ancestors[v]``: the non-root nodes from leaf v upwards, padded with ``n_nodes`` (a node of h = 0).

        Shape ``(n_skills, height)``; used by conditional entropy: H(S) sums h over the union of these rows.
        """
        n = self.n_skills
        out = np.full((n, max(self.height, 1)), self.n_nodes, np.int64)
        cur = np.arange(n)
        for j in range(out.shape[1]):
            live = np.flatnonzero(cur != self.root)
            if live.size == 0:
                break
            out[live, j] = cur[live]
            cur[live] = self.parent[cur[live]]
        return out

    def path(self, node: int) -> list[int]:
        """Nodes from the root's child down to ``node`` (empty for the root)."""
        out = []
        while node != self.root and node >= 0:
            out.append(node)
            node = int(self.parent[node])
        return out[::-1]

    def lca_community(self, skills: Sequence[int]) -> int:
        """The community a combination belongs to: the LCA of its skills (a single skill's parent)."""
        skills = list(skills)
        return self.lca(skills) if len(skills) > 1 else int(self.parent[skills[0]])

    def representatives(self, node: int, n: int = 5) -> list[str]:
        """The ``n`` skills that best represent a community: frequent (record count) and central (most of their
        edge weight stays inside it); the first three make its default label."""
        if node < self.n_skills:
            return [self.skills[node]]
        best = rank_members(self.graph, self.members(node).tolist(), self._representative_score,
                             int(self.depth[node]))
        return [self.skills[v] for v in best[:n]]

    @cached_property
    def _representative_score(self) -> np.ndarray:
        """:func:`representative_scores` of this tree (computed once; the app asks for every community)."""
        n = self.n_skills
        anc = -1 - np.repeat(np.arange(n)[:, None], self.height + 1, axis=1)      # unique padding
        anc[:, 0] = self.root
        up = self.ancestors
        depth = self.depth[:n]
        for j in range(up.shape[1]):                 # up[v, j] is v's ancestor at depth depth[v] - j
            live = np.flatnonzero(depth - j >= 1)
            anc[live, depth[live] - j] = up[live, j]
        src, dst, w = self.graph.edges()
        return representative_scores(self.graph, anc, src, dst, w)

    def siblings(self, node: int) -> list[int]:
        """The other children of ``node``'s parent (empty for the root)."""
        if node == self.root:
            return []
        return [c for c in self.children[int(self.parent[node])] if c != node]

    def lca(self, nodes: Iterable[int]) -> int:
        """Lowest common ancestor of some nodes (the root for none)."""
        paths = [self.path(int(v)) for v in nodes]
        if not paths:
            return self.root
        best = self.root
        for level in zip(*paths):
            if all(x == level[0] for x in level):
                best = level[0]
            else:
                break
        return best

    def node_of(self, ref: str) -> int:
        """A node by community id (``"2.1"``, ``"root"``) or by skill name."""
        if ref in self.id_index:
            return self.id_index[ref]
        if ref in self.graph.index:
            return self.graph.index[ref]
        raise InputError(f"no community or skill called {ref!r} in the tree")

    def community_path(self, node: int) -> str:
        """Labels from the top community down to ``node``, joined by ' > ' (the root's label for the root)."""
        if node == self.root:
            return self.labels[node]
        return " > ".join(self.labels[v] for v in self.path(node) if v >= self.n_skills)

    def entropy_by_lca(self) -> float:
        """H^T from the identity ``(2 sum_e w log2 vol(LCA) - sum_v d log2 d) / vol`` (a cross-check)."""
        vol_g = float(self.vol[self.root])
        if vol_g <= 0:
            return 0.0
        src, dst, w = self.graph.edges()
        lcas = np.array([self.lca([a, b]) for a, b in zip(src, dst)], np.int64)
        d = self.graph.degree[self.graph.degree > 0]
        return float((2 * (w * np.log2(self.vol[lcas])).sum() - (d * np.log2(d)).sum()) / vol_g)

    @cached_property
    def version(self) -> str:
        """A content hash of the tree: its graph (:attr:`SkillGraph.fingerprint`), structure and custom labels;
        12 hex digits. The same tree however made (method, k, weighting name) has the same version; default
        labels are derived from the graph and the structure, so they are not hashed again."""
        custom = sorted((int(v), text) for v, text in self.custom_labels.items())
        payload = json.dumps([self.graph.fingerprint, self.parent.tolist(), custom],
                             ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()[:12]


# ------------------------------------------------------------------------------------------ JSON
def to_dict(tree: EncodingTree, *, include_edges: bool = True) -> dict:
    """The ``tree.json`` document: ``{"k", "method", "h1", "entropy", "root": NODE, "edges": [...], ...}``."""

    def node(v: int) -> dict:
        base = {"id": tree.ids[v], "vol": float(tree.vol[v]), "cut": float(tree.cut[v]), "h": float(tree.h[v])}
        if v < tree.n_skills:
            return {"id": base["id"], "skill": tree.skills[v], **{k: base[k] for k in ("vol", "cut", "h")},
                    "se": float(tree.se[v]), "count": int(tree.graph.counts[v])}
        out = {"id": base["id"], "children": [node(c) for c in tree.children[v]],
               **{k: base[k] for k in ("vol", "cut", "h")}, "label": tree.labels[v]}
        if v in tree.custom_labels:
            out["label_custom"] = True                  # kept through edits; other labels are recomputed
        return out

    out = {"k": tree.k if tree.k is not None else tree.height, "method": tree.method, "h1": tree.h1,
           "entropy": tree.entropy, "theta": tree.theta, "weighting": tree.graph.weighting,
           "n_records": tree.graph.n_records, "root": node(tree.root)}
    if include_edges:
        names = tree.skills
        if tree.graph.cooccur is None:                  # pair_rows' order, without a tuple per edge
            src, dst, w = tree.graph.edges()
            out["edges"] = [[names[a], names[b], x] for a, b, x in zip(src.tolist(), dst.tolist(), w.tolist())]
        else:
            out["edges"] = [[names[a], names[b], x, c] for a, b, x, c in pair_rows(tree.graph)]
    return out


def _head_text(tree: EncodingTree) -> str | None:
    """``json_text(to_dict(tree, include_edges=False), indent=1)``, written straight from the arrays (the floats by
    :func:`steps_core.edge_text.float_texts`; 100,000 skills: ~2.5 s -> ~0.3 s). None when a value is not
    plain (a float that is not finite, a number that is not a Python int or float): then json_text speaks."""
    from .edge_text import float_texts

    k = tree.k if tree.k is not None else tree.height
    top = (tree.h1, tree.entropy, tree.theta)
    arrays = (tree.vol, tree.cut, tree.h, tree.se)
    if (type(k) is not int or type(tree.graph.n_records) is not int or not all(type(x) is float for x in top)
            or not all(math.isfinite(x) for x in top) or not all(np.isfinite(a).all() for a in arrays)
            or not isinstance(tree.method, str) or not isinstance(tree.graph.weighting, str)):
        return None
    vol, cut, h, se = (float_texts(a) for a in arrays)
    enc = json.encoder.encode_basestring
    ids, labels, skills, custom = tree.ids, tree.labels, tree.skills, tree.custom_labels
    counts = np.asarray(tree.graph.counts).tolist()
    n, out = tree.n_skills, []

    def node(v: int, level: int) -> None:              # the object of node v, nested ``level`` deep
        more, pad = " " * (level + 1), " " * level
        out.append(f'{{\n{more}"id": {enc(ids[v])},\n')
        if v < n:
            out.append(f'{more}"skill": {enc(skills[v])},\n{more}"vol": {vol[v]},\n{more}"cut": {cut[v]},\n'
                       f'{more}"h": {h[v]},\n{more}"se": {se[v]},\n{more}"count": {counts[v]}\n{pad}}}')
            return
        kids = tree.children[v]
        out.append(f'{more}"children": [' + ("\n" if kids else "],\n"))
        for i, c in enumerate(kids):
            out.append(more + " ")
            node(c, level + 2)
            out.append(",\n" if i + 1 < len(kids) else f"\n{more}],\n")
        out.append(f'{more}"vol": {vol[v]},\n{more}"cut": {cut[v]},\n{more}"h": {h[v]},\n{more}"label": '
                   f'{enc(labels[v])}')
        out.append(f',\n{more}"label_custom": true\n{pad}}}' if v in custom else f"\n{pad}}}")

    out.append(f'{{\n "k": {k},\n "method": {enc(tree.method)},\n "h1": {top[0]!r},\n "entropy": {top[1]!r},\n'
               f' "theta": {top[2]!r},\n "weighting": {enc(tree.graph.weighting)},\n'
               f' "n_records": {tree.graph.n_records},\n "root": ')
    node(tree.root, 1)
    out.append("\n}")
    return "".join(out)


def write_tree_json(tree: EncodingTree, path: str | Path, *, inputs: Sequence[str | Path] = (),
                    edges_text: str | bytes | np.ndarray | None = None) -> Path:
    """Write ``tree.json`` atomically, never over one of ``inputs`` (:func:`steps_core.io.guarded_output`), and
    never with a ``NaN`` or infinite number in it. ``edges_text``: ``edges_json(tree.graph)`` or
    ``edges_json_bytes(tree.graph)`` (:mod:`steps_core.edge_text`) when the caller has it already (``steps tree``
    writes it while the tree builds)."""
    from .edge_text import edges_json_bytes
    from .io import guarded_output, json_text

    path = Path(path)
    head = _head_text(tree)
    try:
        head_bytes = head.encode("utf-8") if head is not None else None
    except UnicodeEncodeError:                         # a lone surrogate: json_text names the field
        head_bytes = None
    if head_bytes is None:
        head_bytes = json_text(to_dict(tree, include_edges=False), path=path, indent=1).encode("utf-8")
    # the edge list on one line, by a compiled pass (indented, 2.9M edges took ~20 s in pure Python)
    edges = edges_json_bytes(tree.graph, path=str(path)) if edges_text is None else edges_text
    if isinstance(edges, str):
        edges = edges.encode("utf-8")
    # the bytes a text-mode file gives (its newlines are the platform's), the edge list written as it is
    newline = os.linesep.encode("ascii")
    with guarded_output(path, mode="wb", inputs=inputs) as fh:
        fh.write((head_bytes[:-1].rstrip() + b',\n "edges": ').replace(b"\n", newline))
        fh.write(edges)
        fh.write(b"\n}".replace(b"\n", newline))
    return path


def _expect(cond: bool, message: str, path: str, field: str) -> None:
    if not cond:
        raise InputError(message, path=path, field=field)


def from_dict(doc: dict, *, source: str = "tree.json") -> EncodingTree:
    """Rebuild a tree from a ``tree.json`` document; every entropy figure is recomputed from the edges."""
    _expect(isinstance(doc, dict), "expected a JSON object", source, "$")
    for key in ("root", "edges"):
        _expect(key in doc, "missing", source, key)
    edges = doc["edges"]
    _expect(isinstance(edges, list), "expected a list of [source, target, weight]", source, "edges")
    triples = []
    for i, e in enumerate(edges):
        _expect(isinstance(e, list) and len(e) in (3, 4) and all(isinstance(x, str) for x in e[:2])
                and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in e[2:]),
                "expected [source, target, weight] or [source, target, weight, cooccur]", source, f"edges[{i}]")
        triples.append(tuple(e))
    # collect leaves and structure
    skills: list[str] = []
    counts: dict[str, int] = {}
    custom: dict[int, str] = {}
    nodes: list[tuple[str, int]] = []                # (skill or "", parent position) in document order

    def visit(node, where: str, parent_pos: int) -> list:
        """Check one node, record it; returns its children to visit (iterative: any depth works)."""
        _expect(isinstance(node, dict), "expected a node object", source, where)
        pos = len(nodes)
        if "skill" in node:
            _expect(isinstance(node["skill"], str) and node["skill"] != "", "expected a skill name", source,
                    where + ".skill")
            _expect(not node.get("children"), "a leaf cannot have children", source, where + ".children")
            skills.append(node["skill"])
            if isinstance(node.get("count"), int):
                counts[node["skill"]] = node["count"]
            nodes.append((node["skill"], parent_pos))
            return []
        _expect(isinstance(node.get("children"), list) and node["children"],
                "a community needs a non-empty 'children' list (or a leaf a 'skill')", source, where)
        nodes.append(("", parent_pos))
        if isinstance(node.get("label"), str) and node.get("label_custom") is True:
            custom[pos] = node["label"]
        return [(c, f"{where}.children[{i}]", pos) for i, c in enumerate(node["children"])]

    todo = [(doc["root"], "root", -1)]
    while todo:
        todo.extend(reversed(visit(*todo.pop())))
    _expect(len(set(skills)) == len(skills), "a skill appears more than once", source, "root")
    known = set(skills)
    for i, (a, b, *_) in enumerate(triples):
        _expect(a in known and b in known, f"edge names a skill that is not a leaf of the tree: "
                f"{a if a not in known else b!r}", source, f"edges[{i}]")
    n_records = doc.get("n_records", 0)
    _expect(n_records is None or (isinstance(n_records, int) and not isinstance(n_records, bool) and n_records >= 0),
            "expected a record count (an integer >= 0)", source, "n_records")
    try:
        graph = graph_from_edges(triples, skills=skills, counts=counts, weighting=str(doc.get("weighting", "given")))
    except InputError as exc:                          # located by position: report the JSON path instead
        raise InputError(exc.message, path=source, field=f"edges[{(exc.line or 1) - 1}]") from None
    graph = _with_records(graph, n_records or 0)
    n = graph.n_skills
    index = graph.index
    # map document positions to parent-array nodes: leaves by skill index, communities after
    node_id: list[int] = []
    nxt = n
    for skill, _ in nodes:
        if skill:
            node_id.append(index[skill])
        else:
            node_id.append(nxt)
            nxt += 1
    parent = np.full(nxt, -1, np.int64)
    for (_, ppos), nid in zip(nodes, node_id):
        parent[nid] = -1 if ppos < 0 else node_id[ppos]
    _expect(nodes[0][0] == "", "the root must be a community", source, "root")
    labels = {node_id[pos]: text for pos, text in custom.items()}
    k = doc.get("k")
    _expect(k is None or (isinstance(k, int) and not isinstance(k, bool) and k >= 1),
            "expected the tree height as an integer >= 1", source, "k")
    return EncodingTree.from_parent(graph, parent, method=str(doc.get("method", "given")), k=k, labels=labels)


def _with_records(graph: SkillGraph, n_records: int) -> SkillGraph:
    return replace(graph, n_records=n_records)


def read_tree_json(path: str | Path) -> EncodingTree:
    """Read ``tree.json``; errors name the file and the JSON path of the bad field.

    A corpus given where a tree is expected (JSON lines, so "extra data" on line 2) says which file was meant.
    """
    try:
        doc = read_json_file(path)
    except InputError as exc:
        if exc.message.startswith("invalid JSON: Extra data") and exc.line is not None and exc.line > 1:
            raise InputError(exc.message + "; this looks like a JSON-lines file (a corpus?), but a tree.json was "
                             "expected: build one with `steps tree CORPUS -o tree.json`", path=exc.path,
                             line=exc.line) from None
        raise
    return from_dict(doc, source=str(path))


def check_tree(tree: EncodingTree) -> None:
    """Assert the invariants of an encoding tree (used by tests and after edits).

    Every skill is exactly one leaf, volumes add up, no community is empty or has a single child.
    """
    n = tree.n_skills
    assert tree.parent[tree.root] == -1
    assert all(tree.parent[v] >= n for v in range(tree.n_nodes) if v != tree.root)
    for v in range(n):
        assert not tree.children[v]
    for c in range(n, tree.n_nodes):
        assert c == tree.root or len(tree.children[c]) >= 2, \
            f"community {tree.ids[c]} has {len(tree.children[c])} child(ren)"
        assert math.isclose(tree.vol[c], sum(tree.vol[x] for x in tree.children[c]), rel_tol=1e-9, abs_tol=1e-12)
    assert sorted(tree.members(tree.root).tolist()) == list(range(n))
