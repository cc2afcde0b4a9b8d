"""Conditional structural entropy and the search for skill combinations (docs/core.md).

Let A(S) be the non-root tree nodes on the paths from the skills in S to the root. Then

    H(S)     = sum of h(α) for α in A(S)              (each node once)
    H(Y | X) = sum of h(α) for α in A(Y) \\ A(X) = H(X ∪ Y) - H(X)

a weighted coverage function: monotone, submodular, independent of the order of the skills. A combination
is a start set X plus skills Y chosen (by beam search) to maximise H(Y | X) under the constraints:

* locality (``scope="local"``, the default): step t may only draw from the t-th lowest ancestor community
  of X that has more members than X (local subtree first, widening one level per step, ending at the
  root); if that community has no usable member left, the next larger one is used;
* coherence the corpus vouches for (``connect="attested"``, the default): each added skill is linked to a skill
  already chosen through an attested pair (:mod:`steps_core.evidence`), so the combination is connected; at
  k = 2 the two skills must share a linked neighbour (a linked pair was seen together, so it is never new);
* novelty (``novel=True``): no record holds the whole combination;
* pins (always in the combination, right after the start skills), excluded skills (never), excluded
  combinations (never returned), an optional floor on the embeddings' mean cosine.

The sweep (every skill a start) gives a pool of candidates; the list returned is chosen as a whole by
:func:`steps_core.shortlist.shortlist`: a coverage value with diminishing returns, so one skill or one community
cannot fill the list (``diversity``, ``max_per_skill``). Every combination keeps its exact gain H(Y | X).

>>> from steps_core.graph import graph_from_edges
>>> from steps_core.tree import EncodingTree
>>> g = graph_from_edges([("a", "b", 1), ("c", "d", 1)])
>>> t = EncodingTree.from_parent(g, [5, 5, 6, 6, -1, 4, 4])     # {a, b} and {c, d}
>>> round(conditional_entropy(t, ["c"], ["a"]), 6) == round(subset_entropy(t, ["a", "c"]) - subset_entropy(t, ["a"]), 6)
True
"""

from __future__ import annotations

import difflib
import json
import os
from itertools import combinations
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np
import scipy.sparse as sp

from .errors import InputError
from .beam import Found, Resolved, Swept, beam_search, resolve, sweep_found
from .evidence import mean_cosine, pair_evidence
from .names import CONNECT, DIVERSITY, MAX_K, MIN_K, MIN_PAIR_COUNT, SCOPES
from .shortlist import auto_max_per_skill, shortlist
from .tree import EncodingTree

Progress = Callable[[int, "int | None"], None]


@dataclass(frozen=True)
class Combination:
    """A selected skill combination.

    ``skills`` lists the start skills first, then pins, then the searched skills in the order chosen;
    ``gain`` is H(Y | X) with X = ``start``, ``step_gains`` the gain of each skill after the start, ``lca``
    the id of the lowest community holding every skill (``"root"`` if none), ``lca_label`` its label and
    ``lca_path`` the labels from the top community down to it, ``coherence`` the mean pairwise cosine of the
    skills' embeddings (None when no embeddings were given) and ``tree_version`` the content hash of the tree
    it was selected in, so a dataset says exactly which taxonomy produced it.

    Why it is there: ``pairs`` lists every pair as ``(skill, skill, records with both or None, linked)``,
    ``novel`` whether no record holds all the skills (None: not known), ``communities`` how many top-level
    communities the skills span, ``value`` what the combination added to the list when it was chosen (its gain,
    less the discount for skills and communities already used; 0 when it was not chosen as part of a list).
    """

    skills: tuple[str, ...]
    start: tuple[str, ...]
    gain: float
    step_gains: tuple[float, ...]
    lca: str
    scope: str
    k: int
    coherence: float | None = None
    lca_label: str = ""
    lca_path: str = ""
    tree_version: str = ""
    pairs: tuple[tuple[str, str, int | None, bool], ...] = ()
    novel: bool | None = None
    communities: int = 0
    value: float = 0.0

    @property
    def key(self) -> frozenset[str]:
        return frozenset(self.skills)

    @property
    def connected(self) -> bool:
        """Whether the skills are connected through linked pairs (from ``pairs``)."""
        if len(self.skills) < 2:
            return True
        adj: dict[str, set[str]] = {s: set() for s in self.skills}
        for a, b, _, linked in self.pairs:
            if linked:
                adj[a].add(b)
                adj[b].add(a)
        seen, todo = {self.skills[0]}, [self.skills[0]]
        while todo:
            for nb in adj[todo.pop()] - seen:
                seen.add(nb)
                todo.append(nb)
        return len(seen) == len(self.skills)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["skills"], d["start"], d["step_gains"] = list(self.skills), list(self.start), list(self.step_gains)
        d["pairs"] = [list(p) for p in self.pairs]
        return d


# ------------------------------------------------------------------------------------ entropies
def _indices(tree: EncodingTree, skills: Iterable[str], what: str = "skill") -> list[int]:
    out = []
    for s in skills:
        i = tree.graph.index.get(s)
        if i is None:
            close = difflib.get_close_matches(s, tree.skills, n=3)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise InputError(f"unknown {what} {s!r}: not a skill of the tree{hint}")
        out.append(i)
    return out


def _covered(tree: EncodingTree, idx: Iterable[int]) -> set[int]:
    anc = tree.ancestors
    out: set[int] = set()
    for i in idx:
        out.update(int(x) for x in anc[i] if x < tree.n_nodes)
    return out


def subset_entropy(tree: EncodingTree, skills: Iterable[str]) -> float:
    """H(S): the sum of h(α) over the union of the skills' paths to the root (each node once)."""
    return float(sum(tree.h[v] for v in _covered(tree, _indices(tree, skills))))


def conditional_entropy(tree: EncodingTree, y: Iterable[str], x: Iterable[str] = ()) -> float:
    """H(Y | X) = sum of h(α) over A(Y) minus A(X)."""
    cov_x = _covered(tree, _indices(tree, x))
    cov_y = _covered(tree, _indices(tree, y))
    return float(sum(tree.h[v] for v in cov_y - cov_x))


coherence = mean_cosine          # mean pairwise cosine of the skills' embeddings (the name used across the app)


# ------------------------------------------------------------------------------------ settings
@dataclass(frozen=True)
class SelectionSettings:
    """Validated settings of a combination search (see :func:`select_combinations`)."""

    k: int = 4
    beam: int = 20
    scope: str = "local"
    pins: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    exclude_combos: tuple[frozenset, ...] = ()
    per_start: int = 1
    top: int | None = None
    min_coherence: float | None = None
    connect: str = "attested"
    min_pair_count: int = MIN_PAIR_COUNT
    semantic_links: float | None = None
    novel: bool = True
    diversity: float = DIVERSITY
    max_per_skill: int | str | None = "auto"


#: The settings that reproduce the plain ranking by gain (no coherence, novelty or diversity requirement).
PLAIN = dict(connect="none", novel=False, diversity=0.0, max_per_skill=None)


def make_settings(tree: EncodingTree, *, k: int = 4, beam: int = 20, scope: str = "local",
                  pins: Iterable[str] = (), exclude: Iterable[str] = (),
                  exclude_combos: Iterable[Iterable[str]] = (), per_start: int = 1, top: int | None = None,
                  min_coherence: float | None = None, connect: str = "attested",
                  min_pair_count: int = MIN_PAIR_COUNT, semantic_links: float | None = None, novel: bool = True,
                  diversity: float = DIVERSITY, max_per_skill: int | str | None = "auto") -> SelectionSettings:
    """Validate search settings against a tree once, at the boundary."""
    def pos_int(name, v, lo=1, hi=None):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo or (hi is not None and v > hi):
            rng = f"from {lo} to {hi}" if hi is not None else f">= {lo}"
            raise InputError(f"{name} must be an integer {rng}, got {v!r}")
        return int(v)

    k = pos_int("k (skills per combination)", k, MIN_K, MAX_K)
    if k > tree.n_skills:
        raise InputError(f"k={k} skills per combination, but the tree has only {tree.n_skills} skill(s)")
    beam = pos_int("beam", beam)
    per_start = pos_int("per_start", per_start)
    if top is not None:
        top = pos_int("top", top)
    if scope not in SCOPES:
        raise InputError(f"unknown scope {scope!r}; choose one of {', '.join(SCOPES)}")
    if connect not in CONNECT:
        raise InputError(f"unknown connect {connect!r}; choose one of {', '.join(CONNECT)}")
    min_pair_count = pos_int("min_pair_count", min_pair_count)
    if max_per_skill not in ("auto", None):
        max_per_skill = pos_int("max_per_skill", max_per_skill)
    if isinstance(diversity, bool) or not isinstance(diversity, (int, float)) or not 0.0 <= diversity <= 1.0:
        raise InputError(f"diversity must be a number from 0 to 1, got {diversity!r}")
    if semantic_links is not None and not -1.0 <= float(semantic_links) <= 1.0:
        raise InputError(f"semantic_links must be a cosine threshold in [-1, 1], got {semantic_links}")
    pins = tuple(dict.fromkeys(pins))
    exclude = tuple(dict.fromkeys(exclude))
    _indices(tree, pins, "pinned skill")
    _indices(tree, exclude, "excluded skill")
    both = set(pins) & set(exclude)
    if both:
        raise InputError(f"skill(s) both pinned and excluded: {', '.join(sorted(both))}")
    if len(pins) >= k:
        raise InputError(f"{len(pins)} pinned skills leave no room for a start skill in combinations of k={k}")
    combos = []
    for c in exclude_combos:
        c = frozenset(c)
        _indices(tree, c, "skill in an excluded combination")
        combos.append(c)
    if min_coherence is not None and not -1.0 <= float(min_coherence) <= 1.0:
        raise InputError(f"min_coherence must be in [-1, 1], got {min_coherence}")
    return SelectionSettings(k, beam, scope, pins, exclude, tuple(combos), per_start, top,
                             None if min_coherence is None else float(min_coherence), connect, min_pair_count,
                             None if semantic_links is None else float(semantic_links), bool(novel),
                             float(diversity), max_per_skill)


# ------------------------------------------------------------------------------------ search
def _resolve(tree: EncodingTree, s: SelectionSettings, embeddings: np.ndarray | None = None, index=None) -> Resolved:
    blocked = np.zeros(tree.n_skills, bool)
    blocked[_indices(tree, s.exclude)] = True
    evidence = pair_evidence(tree.graph, min_pair_count=s.min_pair_count, embeddings=embeddings,
                             semantic_links=s.semantic_links, index=index)
    return resolve(tree, evidence, blocked=blocked, pins=_indices(tree, s.pins),
                   excluded_sets=[frozenset(_indices(tree, c)) for c in s.exclude_combos], scope=s.scope, k=s.k,
                   beam=s.beam, connect=s.connect != "none", novel=s.novel, min_coherence=s.min_coherence)


def _start_indices(tree: EncodingTree, start: Sequence[str], res: Resolved) -> list[int]:
    start_idx = list(dict.fromkeys(_indices(tree, start, "start skill")))
    bad = [tree.skills[i] for i in start_idx if res.blocked[i]]
    if bad:
        raise InputError(f"start skill(s) excluded: {', '.join(bad)}")
    n_fixed = len(set(start_idx) | set(res.pins))
    if n_fixed > res.k:
        raise InputError(f"start and pinned skills ({n_fixed}) exceed k={res.k}")
    return start_idx


def search(tree: EncodingTree, start: Sequence[str], settings: SelectionSettings,
           embeddings: np.ndarray | None = None, resolved: Resolved | None = None,
           n_keep: int | None = None) -> list[Combination]:
    """Beam search from one start set (:func:`steps_core.beam.beam_search`); returns up to ``n_keep`` (default
    ``settings.per_start``) combinations, best gain first."""
    res = resolved or _resolve(tree, settings, embeddings)
    start_idx = _start_indices(tree, start, res)
    found = beam_search(tree, start_idx, res, settings.per_start if n_keep is None else n_keep, embeddings)
    return _combinations(tree, found, [start_idx] * len(found), res, embeddings, [0.0] * len(found))


def _combination(tree: EncodingTree, found: Found, start_idx: Sequence[int], res: Resolved,
                 embeddings: np.ndarray | None, scope: str | None = None, value: float = 0.0) -> Combination:
    return _combinations(tree, [found], [start_idx], res, embeddings, [value], scope)[0]


def _combinations(tree: EncodingTree, found: Sequence[Found], starts: Sequence[Sequence[int]], res: Resolved,
                  embeddings: np.ndarray | None, values: Sequence[float], scope: str | None = None
                  ) -> list[Combination]:
    """The :class:`Combination` of each found set, with the evidence about its pairs (as
    :meth:`~steps_core.evidence.Evidence.pairs` and :meth:`~steps_core.evidence.Evidence.is_novel` give it) and
    its lowest community, looked up for all of them at once."""
    ev = res.evidence
    n = tree.n_skills
    names = tree.skills
    firsts, seconds, bounds = [], [], [0]
    for f in found:
        for a, b in combinations(f.skills, 2):
            firsts.append(a)
            seconds.append(b)
        bounds.append(len(firsts))
    query = np.asarray(firsts, np.int64) * n + np.asarray(seconds, np.int64)
    linked = _member(ev.link_keys, query).tolist()
    seen = _member(ev.seen_keys, query)
    if ev.counts is None:
        counts = [None] * query.size
    else:
        c = ev.counts.tocoo()
        keys = c.row.astype(np.int64) * n + c.col
        order = np.argsort(keys, kind="stable")
        keys, data = keys[order], c.data[order]
        pos = np.minimum(np.searchsorted(keys, query), max(keys.size - 1, 0))
        counts = (np.where(keys[pos] == query, data[pos], 0) if keys.size else np.zeros(query.size)).astype(
            np.int64).tolist()
    n_unseen = np.r_[0, np.cumsum(~seen)]
    unseen = (n_unseen[bounds[1:]] - n_unseen[bounds[:-1]] > 0).tolist()     # a pair never seen together
    lca_cache: dict[int, tuple[str, str, str]] = {}
    lcas = _lcas(tree, res, found)
    out = []
    for i, f in enumerate(found):
        skills = list(f.skills)
        lo, hi = bounds[i], bounds[i + 1]
        pairs = tuple((names[a], names[b], counts[p], linked[p])
                      for p, a, b in zip(range(lo, hi), firsts[lo:hi], seconds[lo:hi]))
        if unseen[i]:
            novel = True
        elif ev.index is not None:
            novel = ev.index.support([names[v] for v in skills]) == 0
        else:
            novel = None if len(skills) > 2 else False
        node = lcas[i]
        if node not in lca_cache:
            lca_cache[node] = (tree.ids[node], tree.labels[node], tree.community_path(node))
        lca, label, path = lca_cache[node]
        coh = coherence(embeddings, skills) if embeddings is not None else None
        out.append(Combination(tuple(names[v] for v in skills), tuple(names[v] for v in starts[i]),
                               float(f.total), tuple(f.steps), lca, scope or res.scope, len(skills), coh, label,
                               path, tree.version, pairs, novel, len(set(res.top_community[skills].tolist())),
                               values[i]))
    return out


def _member(keys: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Whether each of ``query`` is in the sorted array ``keys``."""
    if keys.size == 0:
        return np.zeros(query.shape, bool)
    pos = np.minimum(np.searchsorted(keys, query), keys.size - 1)
    return keys[pos] == query


def _lcas(tree: EncodingTree, res: Resolved, found: Sequence[Found]) -> list[int]:
    """:meth:`~steps_core.tree.EncodingTree.lca_community` of each set, read off ``by_depth`` (each skill's ancestor
    by depth): the deepest depth at which all its skills have the same ancestor (a single skill's parent)."""
    out = [0] * len(found)
    by_size: dict[int, list[int]] = {}
    for i, f in enumerate(found):
        by_size.setdefault(len(f.skills), []).append(i)
    for size, members in by_size.items():
        skills = np.asarray([found[i].skills for i in members], np.int64)
        if size == 1:
            nodes = tree.parent[skills[:, 0]]
        else:
            rows = res.by_depth[skills]                                   # (sets, skills, depths)
            same = (rows == rows[:, :1, :]).all(axis=1) & (rows[:, 0, :] >= 0)
            depth = np.where(same.all(axis=1), same.shape[1], np.argmin(same, axis=1)) - 1
            nodes = rows[np.arange(len(members)), 0, depth]
        for i, node in zip(members, nodes.tolist()):
            out[i] = int(node)
    return out


def select_combinations(tree: EncodingTree, *, starts: Iterable[Sequence[str]] | None = None,
                        embeddings: np.ndarray | None = None, index=None, progress: Progress | None = None,
                        skill_scores: Mapping[str, float] | None = None, emphasis: float = 1.0,
                        workers: int | None = None, **settings) -> list[Combination]:
    """A list of combinations maximising H(Y | X), chosen as a whole, from given start sets or from every skill.

    ``starts`` is a list of start sets (each a list of skills); None runs the sweep: every skill that is
    not excluded is a start. Each start's final beam is a pool of candidates; the list is then chosen by
    :func:`steps_core.shortlist.shortlist` (diminishing returns for skills and communities already used).
    Keyword settings: ``k`` (2-8), ``beam``, ``scope`` ("local"/"global"), ``pins``, ``exclude``,
    ``exclude_combos``, ``per_start`` (combinations one start may place in the list), ``top`` (list length;
    None: as long as the pool allows), ``min_coherence`` (needs ``embeddings``, one row per skill of the tree),
    ``connect`` ("attested"/"none"), ``min_pair_count``, ``semantic_links`` (a cosine threshold; needs
    ``embeddings``), ``novel``, ``diversity`` (0-1), ``max_per_skill`` (an int, "auto" or None). ``index``, a
    :class:`~steps_core.novelty.SupportIndex` of the corpus, makes novelty exact. ``skill_scores`` (a model's
    per-skill results in [0, 1], :mod:`steps_core.weak_spots`) steer the list toward the skills and communities
    the model is weakest at, by ``emphasis``. ``workers`` threads share a sweep of many starts (None: this
    machine's cores, at most 8; the list does not depend on it). ``PLAIN`` settings give the plain ranking by gain.

    >>> from steps_core.graph import graph_from_edges
    >>> from steps_core.optimize import build_tree
    >>> t = build_tree(graph_from_edges([("a", "b", 1), ("b", "c", 1), ("c", "d", 1)]), k=2)
    >>> [c.skills for c in select_combinations(t, starts=[["a"]], k=3)]     # a-b, b-c linked; a, c never met
    [('a', 'b', 'c')]
    """
    s = make_settings(tree, **settings)
    if s.min_coherence is not None and embeddings is None:
        raise InputError("a coherence floor needs skill embeddings")
    if s.semantic_links is not None and embeddings is None:
        raise InputError("semantic links need skill embeddings")
    if starts is None:
        excluded = set(s.exclude)
        start_sets = [[name] for name in tree.skills if name not in excluded]
    else:
        start_sets = [list(st) for st in starts]
        if not start_sets or any(not st for st in start_sets):
            raise InputError("each start set needs at least one skill")
    if workers is None:
        workers = min(os.cpu_count() or 1, 8)
    elif isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InputError(f"workers must be an integer >= 1, got {workers!r}")
    res = _resolve(tree, s, embeddings, index)
    n_keep = s.beam if s.diversity > 0 else s.per_start
    start_idx_sets = [_start_indices(tree, st, res) for st in start_sets]
    found = sweep_found(tree, start_idx_sets, res, n_keep, embeddings, workers, progress=progress)
    pool = _pool(tree, found, start_idx_sets)
    start_key: dict[tuple[int, ...], int] = {}                 # the same start set given twice is one start
    start_id = np.asarray([start_key.setdefault(tuple(st), len(start_key)) for st in start_idx_sets], np.int64)
    cap = s.max_per_skill
    if cap == "auto":
        cap = auto_max_per_skill(s.top if s.top is not None else len(start_sets) * s.per_start)
    weights = None
    if skill_scores:
        from .weak_spots import node_weakness

        if isinstance(emphasis, bool) or not isinstance(emphasis, (int, float)) or not 0 <= emphasis <= 100:
            raise InputError(f"emphasis must be a number from 0 to 100, got {emphasis!r}")
        weights = 1.0 + float(emphasis) * node_weakness(tree, skill_scores)
    start_size = np.asarray([len(st) for st in start_idx_sets], np.int64)[pool.start]
    chosen = shortlist(_brought(tree, res.anc, pool.skills, start_size), pool.skills, start_id[pool.start],
                       pool.total, tree.h, n_skills=tree.n_skills, n=s.top, diversity=s.diversity,
                       max_per_skill=cap, per_start=s.per_start, node_weights=weights)
    picked = [i for i, _ in chosen]
    starts = [start_idx_sets[j] for j in pool.start[picked].tolist()]
    skills, totals, steps = pool.skills[picked].tolist(), pool.total[picked].tolist(), pool.steps[picked].tolist()
    found = [Found(tuple(sk), t, tuple(st[:res.k - len(start)]))
             for sk, t, st, start in zip(skills, totals, steps, starts)]
    return _combinations(tree, found, starts, res, embeddings, [v for _, v in chosen])


def _pool(tree: EncodingTree, found: Swept, starts: Sequence[Sequence[int]]) -> Swept:
    """Each set of skills once, from the start that found it with the best gain (the first such start: a later
    one replaces it only when its gain is larger by more than 1e-12), ordered by gain rounded to 12 decimals
    (largest first), then by the skills' names in the combination's order."""
    if found.total.size == 0:
        return found
    key = np.sort(found.skills, axis=1)
    order = np.lexsort(key.T[::-1])                          # by set, each set's rows in the order found
    same = np.r_[False, (key[order[1:]] == key[order[:-1]]).all(axis=1)]
    heads = np.flatnonzero(~same)
    keep = order[heads]
    total = found.total.tolist()
    for g in np.flatnonzero(np.diff(np.r_[heads, order.size]) > 1).tolist():
        best = int(order[heads[g]])
        end = heads[g + 1] if g + 1 < heads.size else order.size
        for j in order[heads[g] + 1:end].tolist():
            if total[j] > total[best] + 1e-12:
                best = j
        keep[g] = best
    names = tree.skills
    rank = np.empty(len(names), np.int64)
    rank[sorted(range(len(names)), key=names.__getitem__)] = np.arange(len(names))
    rounded = np.asarray([round(total[i], 12) for i in keep.tolist()])
    skills = found.skills[keep]
    keep = keep[np.lexsort([rank[skills[:, j]] for j in range(skills.shape[1] - 1, -1, -1)] + [-rounded])]
    return Swept(found.start[keep], found.skills[keep], found.total[keep], found.steps[keep])


def _brought(tree: EncodingTree, anc: np.ndarray, skills: np.ndarray, start_size: np.ndarray) -> sp.csr_array:
    """Incidence (candidate x node) of N(c), the nodes on each candidate's added skills' paths (the skills after
    the first ``start_size``) that its start's paths do not hold: the nodes whose h makes up its gain."""
    rows, cols = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    sizes = np.unique(start_size).tolist()
    for s0 in sizes:
        members = np.flatnonzero(start_size == s0)
        added = anc[skills[members, s0:]].reshape(members.size, -1)
        start = anc[skills[members, :s0]].reshape(members.size, -1)
        ok = added < tree.n_nodes
        for j in range(start.shape[1]):
            ok &= added != start[:, j:j + 1]
        added = np.sort(np.where(ok, added, -1), axis=1)
        keep = added >= 0
        keep[:, 1:] &= added[:, 1:] != added[:, :-1]                 # a node shared by two added skills, once
        if len(sizes) == 1:                                          # rows in order: the CSR arrays directly
            indptr = np.r_[0, np.cumsum(keep.sum(axis=1))]
            return sp.csr_array((np.ones(int(indptr[-1]), bool), added[keep], indptr),
                                shape=(skills.shape[0], tree.n_nodes))
        r, c = np.nonzero(keep)
        rows.append(members[r])
        cols.append(added[r, c])
    r, c = np.concatenate(rows), np.concatenate(cols)
    return sp.csr_array((np.ones(r.size, bool), (r, c)), shape=(skills.shape[0], tree.n_nodes))


def why(c: Combination) -> str:
    """Why a combination is in the list, in one line: its attested pairs (with their record counts), its pairs
    never seen together, the communities it bridges and what it added to the list.

    >>> why(Combination(("a", "b", "c"), ("a",), 0.5, (0.2, 0.3), "root", "local", 3,
    ...                 pairs=(("a", "b", 4, True), ("a", "c", 0, False), ("b", "c", 2, True)), novel=True,
    ...                 communities=2, value=0.4))
    'attested: a + b (4 records), b + c (2) · never seen together: a + c · bridges 2 communities · adds 0.400 bits'
    """
    parts = []
    attested = [(a, b, n) for a, b, n, linked in c.pairs if linked]
    if attested:
        parts.append("attested: " + ", ".join(f"{a} + {b}" + (f" ({n} records)" if i == 0 and n is not None else
                                                                (f" ({n})" if n is not None else ""))
                                               for i, (a, b, n) in enumerate(attested)))
    unseen = [(a, b) for a, b, n, _ in c.pairs if n == 0]
    if unseen:
        parts.append("never seen together: " + ", ".join(f"{a} + {b}" for a, b in unseen))
    elif c.novel:
        parts.append("every pair seen, never all together")
    elif c.novel is False:
        parts.append("already in the corpus")
    if c.communities > 1:
        parts.append(f"bridges {c.communities} communities")
    if c.value:
        parts.append(f"adds {c.value:.3f} bits")
    return " · ".join(parts)


def evaluate_combination(tree: EncodingTree, skills: Sequence[str], *, start: Sequence[str] | None = None,
                         scope: str = "manual", embeddings: np.ndarray | None = None, index=None,
                         min_pair_count: int = MIN_PAIR_COUNT) -> Combination:
    """Score a combination typed by hand: gains of the skills in the given order after ``start``, and the
    corpus's evidence about its pairs and novelty (exact with ``index``).

    ``start`` defaults to the first skill. The gain is H(rest | start).
    """
    names = list(dict.fromkeys(skills))
    if len(names) < 1:
        raise InputError("a combination needs at least one skill")
    idx = _indices(tree, names)
    start = list(start) if start is not None else names[:1]
    st_idx = _indices(tree, start, "start skill")
    cov = _covered(tree, st_idx)
    steps = []
    for i in idx:
        if i in st_idx:
            continue
        new = _covered(tree, [i]) - cov
        steps.append(float(sum(tree.h[v] for v in new)))
        cov |= new
    all_idx = st_idx + [i for i in idx if i not in st_idx]
    res = _resolve(tree, SelectionSettings(k=max(len(all_idx), MIN_K), min_pair_count=min_pair_count), None, index)
    return _combination(tree, Found(tuple(all_idx), float(sum(steps)), tuple(steps)), st_idx, res, embeddings,
                        scope=scope)


# ------------------------------------------------------------------------------------ files
def write_combos(path: str | Path, combos: Iterable[Combination], *, inputs: Sequence[str | Path] = ()) -> Path:
    """Write ``combos.jsonl`` (one combination per line) atomically, never over one of ``inputs``."""
    from .io import guarded_output, json_text

    path = Path(path)
    lines = [json_text(c.to_dict(), path=path, line=i) + "\n" for i, c in enumerate(combos, start=1)]
    with guarded_output(path, inputs=inputs) as fh:
        fh.writelines(lines)
    return path


def read_combos(path: str | Path) -> list[Combination]:
    """Read ``combos.jsonl``; errors name the file, line and field."""
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=str(path))
    out = []
    with path.open("rb") as fh:
        for line_no, raw in enumerate(fh, start=1):
            where = dict(path=str(path), line=line_no)
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(f"not valid UTF-8 ({exc.reason})", **where) from None
            if not line.strip():
                continue
            try:
                d = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"invalid JSON: {exc.msg}", **where) from None
            if not isinstance(d, dict):
                raise InputError("expected a JSON object", **where)
            out.append(_combo_from_dict(d, where))
    return out


def _combo_from_dict(d: dict, where: dict) -> Combination:
    def names(key: str, required: bool) -> tuple[str, ...]:
        v = d.get(key, [])
        if key not in d and required:
            raise InputError("missing", field=key, **where)
        if not isinstance(v, list) or not all(isinstance(x, str) and x for x in v) or (required and not v):
            raise InputError("expected a " + ("non-empty " if required else "") + "list of skill names",
                             field=key, **where)
        return tuple(v)

    def number(key: str, v, optional: bool = False):
        if optional and v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise InputError(f"expected a number, got {type(v).__name__}", field=key, **where)
        return float(v)

    def text(key: str) -> str:
        v = d.get(key, "")
        if not isinstance(v, str):
            raise InputError(f"expected text, got {type(v).__name__}", field=key, **where)
        return v

    def pairs() -> tuple:
        v = d.get("pairs", [])
        ok = isinstance(v, list) and all(
            isinstance(p, list) and len(p) == 4 and isinstance(p[0], str) and isinstance(p[1], str)
            and (p[2] is None or (isinstance(p[2], int) and not isinstance(p[2], bool) and p[2] >= 0))
            and isinstance(p[3], bool) for p in v)
        if not ok:
            raise InputError("expected a list of [skill, skill, records with both or null, linked]", field="pairs",
                             **where)
        return tuple(tuple(p) for p in v)

    def integer(key: str, default: int) -> int:
        v = d.get(key, default)
        if isinstance(v, bool) or not isinstance(v, int):
            raise InputError(f"expected an integer, got {type(v).__name__}", field=key, **where)
        return v

    skills = names("skills", True)
    steps = d.get("step_gains", [])
    if not isinstance(steps, list):
        raise InputError("expected a list of numbers", field="step_gains", **where)
    novel = d.get("novel")
    if novel is not None and not isinstance(novel, bool):
        raise InputError(f"expected true, false or null, got {type(novel).__name__}", field="novel", **where)
    return Combination(skills, names("start", False), number("gain", d.get("gain", 0.0)),
                       tuple(number("step_gains", x) for x in steps), text("lca"), text("scope"),
                       integer("k", len(skills)), number("coherence", d.get("coherence"), optional=True),
                       text("lca_label"), text("lca_path"), text("tree_version"), pairs(), novel,
                       integer("communities", 0), number("value", d.get("value", 0.0)))
