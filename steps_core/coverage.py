"""What curated data covers: samples per community and per skill, the emptiest communities, and
combinations proposed to fill a gap.

A sample *touches* every node on the paths from its skills to the root, so a community's count is the number
of samples with at least one skill inside it.

>>> from steps_core.graph import graph_from_edges
>>> from steps_core.optimize import build_tree
>>> t = build_tree(graph_from_edges([("a", "b", 1), ("b", "c", 1), ("a", "c", 1), ("d", "e", 1)]), k=2)
>>> counts = community_counts(t, [["a", "b"], ["a", "d"]])
>>> int(counts[t.node_of("1")]), int(counts[t.node_of("2")]), int(counts[t.root])
(2, 1, 2)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import numpy as np

from .errors import InputError
from .select import Combination, select_combinations
from .tree import EncodingTree


def community_counts(tree: EncodingTree, samples: Iterable[Sequence[str]]) -> np.ndarray:
    """Per node: how many samples touch it (skills unknown to the tree are ignored)."""
    counts = np.zeros(tree.n_nodes, np.int64)
    index = tree.graph.index
    for skills in samples:
        nodes: set[int] = set()
        for s in skills:
            v = index.get(s)
            if v is not None:
                nodes.update(tree.path(v))
        if nodes:
            nodes.add(tree.root)
        for v in nodes:
            counts[v] += 1
    return counts


def skill_counts(tree: EncodingTree, samples: Iterable[Sequence[str]]) -> np.ndarray:
    """Per skill (tree order): how many samples use it."""
    out = np.zeros(tree.n_skills, np.int64)
    index = tree.graph.index
    for skills in samples:
        for s in set(skills):
            if s in index:
                out[index[s]] += 1
    return out


@dataclass(frozen=True)
class Gap:
    """A community and how little of the curated data touches it."""

    id: str
    label: str
    n_skills: int
    samples: int
    depth: int


def emptiest_communities(tree: EncodingTree, counts: np.ndarray, *, n: int = 10) -> list[Gap]:
    """Communities with the fewest samples (ties: the larger community first, then id)."""
    rows = [Gap(tree.ids[c], tree.labels[c], tree.n_members(c), int(counts[c]), int(tree.depth[c]))
            for c in tree.communities]
    rows.sort(key=lambda g: (g.samples, -g.n_skills, g.id))
    return rows[:n]


def gap_combinations(tree: EncodingTree, community: str, *, k: int = 3, beam: int = 20, top: int = 10,
                     exclude: Iterable[str] = (), **settings) -> list[Combination]:
    """Combinations whose skills all lie in ``community`` (so their lowest common ancestor is in it),
    ranked by conditional structural entropy, from every skill of the community as a start."""
    node = tree.id_index.get(community)
    if node is None or node < tree.n_skills:
        raise InputError(f"no community {community!r} in the tree")
    inside = {tree.skills[i] for i in tree.members(node)}
    outside = [s for s in tree.skills if s not in inside]
    excluded = set(exclude)
    if len(inside - excluded) < k:
        raise InputError(f"community {community} has {len(inside - excluded)} usable skills, fewer than k={k}")
    starts = [[s] for s in tree.skills if s in inside and s not in excluded]
    return select_combinations(tree, starts=starts, k=k, beam=beam, top=top,
                               exclude=list(excluded) + outside, **settings)


@dataclass(frozen=True)
class CommunityUsage:
    """Tokens and cost spent on the samples made for one community (the LCA of their combination)."""

    id: str
    label: str
    samples: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None


def usage_by_community(tree: EncodingTree, samples: Iterable[dict]) -> list[CommunityUsage]:
    """Spent tokens and cost per community, most expensive first.

    A sample's community is the lowest common ancestor of its skills in ``tree`` (so samples made with an
    older taxonomy are counted where they fall in this one); its usage is ``provenance.usage``. Cost is None
    when some sample's cost is unknown (no price set).
    """
    index = tree.graph.index

    def placed():
        for s in samples:
            idx = [index[x] for x in s.get("skills", ()) if x in index]
            if idx:
                yield tree.lca_community(idx), (s.get("provenance") or {}).get("usage") or {}

    return usage_rows(tree, placed())


def usage_rows(tree: EncodingTree, placed: Iterable[tuple[int, Mapping]]) -> list[CommunityUsage]:
    """:func:`usage_by_community` of samples already placed: ``(community node, usage)`` pairs (a front end that
    caches each sample's community passes them), most expensive first."""
    rows: dict[int, list] = {}
    for node, usage in placed:
        row = rows.setdefault(node, [0, 0, 0, 0.0])
        row[0] += 1
        row[1] += int(usage.get("prompt_tokens") or 0)
        row[2] += int(usage.get("completion_tokens") or 0)
        cost = usage.get("cost_usd")
        row[3] = None if cost is None or row[3] is None else row[3] + float(cost)
    out = [CommunityUsage(tree.ids[v], tree.labels[v], r[0], r[1], r[2], r[3]) for v, r in rows.items()]
    out.sort(key=lambda u: (-(u.cost_usd or 0.0), -(u.prompt_tokens + u.completion_tokens), u.id))
    return out


def usage_totals(rows: Iterable[CommunityUsage]) -> CommunityUsage:
    """The sum of per-community usage rows (cost None when any row's cost is unknown)."""
    rows = list(rows)
    cost: float | None = 0.0
    for r in rows:
        cost = None if cost is None or r.cost_usd is None else cost + r.cost_usd
    return CommunityUsage("all", "all communities", sum(r.samples for r in rows),
                          sum(r.prompt_tokens for r in rows), sum(r.completion_tokens for r in rows), cost)
