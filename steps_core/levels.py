"""The level problem: group the children of tree nodes so as to minimise Phi (docs/core.md, "How the default
optimiser works" and "Optimiser performance (issue 16)").

Given the children ("items") of a tree node P, with volumes ``V_x`` and the weights between them, a grouping
has ``Phi = sum over groups G of I_G * log2(V_G / V_P)`` (``I_G``: twice the weight between different items of
G). ``Phi / vol(G)`` is exactly the change of H^T when the groups are inserted as new nodes between P and its
children. A :class:`LevelProblem` may hold several such problems at once (*blocks*, one per parent): their
items share one weight matrix without edges between blocks, and each block is solved as if alone.

:func:`partition_level` solves it with

1. greedy merging over adjacent groups only, best reduction first (a heap with lazy invalidation), on
   problems that are not *large* (:data:`LARGE_BLOCK_NNZ`);
2. refinement: queued node moves alternated with group dissolves, revisiting only what a change touched;
3. multilevel searches (local moves, then aggregate groups into items and repeat) from seeded item orders
   (at most :data:`LARGE_STARTS` on large problems), each refined; a start stops the search when it agrees
   with the best grouping so far in every block;
4. optionally a *top-down* start: one group per block, split by refinement (for problems whose best grouping
   has a few large groups, such as the level above communities);
5. rounds of multilevel searches from the *core groups* of the best two groupings so far (items in one group
   in both move as one from the start: Ovelgoenne & Geyer-Schulz's core groups), one per free thread, each
   refined, repeated while a round lowers Phi (at most :data:`CORE_ROUNDS` rounds). Different local optima
   mostly agree; searching from what they agree on finds groupings lower than both (sparse-20000: H^2
   11.4468 -> 11.4332 bits) for the price of a fraction of a start.

Per block the grouping with the lowest Phi wins (ties: the earliest candidate, greedy first).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable

import numpy as np
import scipy.sparse as sp

from . import level_kernels as kern

#: a move or a level must lower H^T by more than this many bits (times the parent's volume) to count
TOL_BITS = 1e-10
#: refinement stops when a round (the queue as it stood, then the dissolves) gains less than this share of |Phi|
REL_TOL = 1e-9
#: at most this many rounds of queued moves and dissolves per refinement
MAX_ROUNDS = 200
#: a multilevel start that agrees with the best grouping so far ends the search, on problems with at least
#: this many edges (on smaller ones every start is cheap, and the fourth start still finds optima sometimes)
AGREE_MIN_EDGES = 10_000
#: candidates are computed on this many threads at once (environment ``STEPS_THREADS``; default: up to 2 cores),
#: for problems with at least PARALLEL_MIN_NNZ adjacency entries
PARALLEL_MIN_NNZ = 40_000
_POOL: list[ThreadPoolExecutor] = []
#: at most this many rounds of multilevel searches from the core groups of the best two candidates (the groups
#: they agree on; one search per thread, the first in the core groups' order, the others in seeded orders), each
#: round after the last; they stop after a round that lowers Phi in no block
CORE_ROUNDS = 2
#: a problem is *large* when its blocks hold this many adjacency entries or more on average. There greedy merging
#: is no candidate: on the bench graphs it never won on large blocks and cost more than all the starts together
#: (planted-10000, 2 levels: 8.9 of 13.2 s); and at most LARGE_STARTS seeded starts run: rounds of core-groups
#: searches lower Phi more than further starts, for less (sparse-100000, 2 levels: two starts and three rounds on
#: one thread reach a Phi 0.06% lower than four starts and two rounds, for two thirds of the CPU time). Below it,
#: where a build takes a few seconds at most, everything runs: on Ask Ubuntu (222,398 entries, hubs) greedy
#: merging and the four starts are worth 0.002-0.01 bits at k = 2, 3 and 4
LARGE_BLOCK_NNZ = 500_000
LARGE_STARTS = 2


def _threads() -> int:
    try:
        return max(1, int(os.environ.get("STEPS_THREADS", "")))
    except ValueError:
        return max(1, min(2, os.cpu_count() or 1))


def _run(fns: list[Callable[[], np.ndarray]]) -> list[np.ndarray]:
    """Call each function, on the shared thread pool when there are several (the kernels release the GIL)."""
    if len(fns) < 2:
        return [fn() for fn in fns]
    if not _POOL:
        _POOL.append(ThreadPoolExecutor(max_workers=2, thread_name_prefix="steps-level"))
    futures = [_POOL[0].submit(fn) for fn in fns[1:]]
    first = fns[0]()
    return [first] + [f.result() for f in futures]


@dataclass(frozen=True, eq=False)
class LevelProblem:
    """Items to group under one parent, or under several (``blocks``).

    ``vol``: item volumes; ``adjacency``: symmetric weights between items (zero diagonal; weights between
    items of different blocks are ignored); ``parent_vol``: the parent's volume, or one per block;
    ``blocks``: the block (0, 1, ...) of each item, or None for a single block.
    """

    vol: np.ndarray
    adjacency: sp.csr_array
    parent_vol: float | np.ndarray
    blocks: np.ndarray | None = None

    @property
    def n_items(self) -> int:
        return self.vol.size

    @property
    def n_blocks(self) -> int:
        return 1 if self.blocks is None else int(np.size(self.parent_vol))

    def item_blocks(self) -> np.ndarray:
        return np.zeros(self.n_items, np.int64) if self.blocks is None else np.asarray(self.blocks, np.int64)

    def block_parent_vol(self) -> np.ndarray:
        return np.atleast_1d(np.asarray(self.parent_vol, np.float64))


def block_objectives(problem: LevelProblem, labels: np.ndarray) -> np.ndarray:
    """Phi of a grouping for each block (numpy, from the definition; groups must not span blocks)."""
    labels = np.asarray(labels)
    out = np.zeros(problem.n_blocks)
    if problem.n_items == 0:
        return out
    _, lab = np.unique(labels, return_inverse=True)
    n_groups = int(lab.max()) + 1
    vg = np.bincount(lab, weights=problem.vol, minlength=n_groups)
    a = problem.adjacency.tocoo()
    same = lab[a.row] == lab[a.col]
    ig = np.bincount(lab[a.row[same]], weights=a.data[same], minlength=n_groups)
    block_of_group = np.zeros(n_groups, np.int64)
    block_of_group[lab] = problem.item_blocks()
    vp = problem.block_parent_vol()[block_of_group]
    ok = (ig > 0) & (vg > 0)
    np.add.at(out, block_of_group[ok], ig[ok] * np.log2(vg[ok] / vp[ok]))
    return out


def level_objective(problem: LevelProblem, labels: np.ndarray) -> float:
    """Phi = sum_G I_G log2(V_G / V_P) of a grouping (I_G: twice the weight inside G between items).

    >>> p = LevelProblem(np.array([1.0, 1.0]), sp.csr_array(np.array([[0, 1.0], [1.0, 0]])), 2.0)
    >>> level_objective(p, np.array([0, 0])), level_objective(p, np.array([0, 1]))
    (0.0, 0.0)
    """
    return float(block_objectives(problem, labels).sum())


def canonical_labels(labels: np.ndarray) -> np.ndarray:
    """Relabel groups 0, 1, ... in order of their first item."""
    labels = np.asarray(labels, np.int64)
    if labels.size == 0:
        return labels.copy()
    _, first, inv = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(first.size, np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(first.size)
    return rank[inv]


def _csr_parts(adj: sp.csr_array, blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR arrays (int64, int64, float64) without the diagonal, zero weights and weights between blocks."""
    adj = sp.csr_array(adj)
    indptr, indices, data = adj.indptr.astype(np.int64), adj.indices.astype(np.int64), adj.data.astype(np.float64)
    rows = np.repeat(np.arange(adj.shape[0]), np.diff(indptr))
    keep = (rows != indices) & (data != 0.0) & (blocks[rows] == blocks[indices])
    if not keep.all():
        indices, data = indices[keep], data[keep]
        indptr = np.r_[0, np.cumsum(np.bincount(rows[keep], minlength=adj.shape[0]))].astype(np.int64)
    return indptr, indices, data


def _multilevel(parts, vol, lvp, tol, order, start: np.ndarray | None = None) -> np.ndarray:
    """Louvain-style search on Phi: queued local moves from singletons, aggregate, repeat; returns item labels.

    ``start``: groups 0 .. g - 1 to aggregate first (their items then move as one), e.g. the core groups of two
    groupings; ``order`` then orders the groups (length g), else the items.
    """
    n = vol.size
    mapping = np.arange(n, dtype=np.int64)
    cur_parts, cur_vol, cur_self, cur_lvp, cur_tol, cur_order = parts, vol, np.zeros(n), lvp, tol, order
    if start is not None:
        mapping, k = np.asarray(start, np.int64), int(np.max(start)) + 1
        ptr, idx, w, cur_vol, cur_self, rep = kern.aggregate(*parts, vol, cur_self, mapping, k)
        cur_parts, cur_lvp, cur_tol = (ptr, idx, w), lvp[rep], tol[rep]
    while True:
        labels = np.arange(cur_vol.size, dtype=np.int64)
        kern.refine(*cur_parts, cur_vol, cur_self, cur_lvp, cur_tol, labels, cur_order, False, False, REL_TOL, 1,
                    False)
        labels, k = kern.canonical(labels)
        if k == cur_vol.size:
            break
        mapping = labels[mapping]
        ptr, idx, w, cur_vol, cur_self, rep = kern.aggregate(*cur_parts, cur_vol, cur_self, labels, k)
        cur_parts, cur_lvp, cur_tol = (ptr, idx, w), cur_lvp[rep], cur_tol[rep]
        cur_order = np.arange(k, dtype=np.int64)
    return mapping


def core_groups(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The groups two groupings agree on: items share a core group when they share a group in both."""
    _, out = np.unique(np.asarray(a, np.int64) * (int(np.max(b)) + 1) + np.asarray(b, np.int64),
                       return_inverse=True)
    return out.astype(np.int64)


def partition_level(problem: LevelProblem, *, refine: bool = True, n_starts: int = 4, seed: int = 0,
                    tol: float | None = None, initial: np.ndarray | None = None, greedy: bool = True,
                    core_rounds: int = CORE_ROUNDS, alternative: bool = False, top_down: bool = False):
    """Group the items of a :class:`LevelProblem` to minimise Phi; returns canonical group labels.

    ``refine=False`` is plain greedy merging (exact best-first order). Otherwise greedy merging is refined and
    compared, block by block, with up to ``n_starts`` refined multilevel runs from seeded item orders (a run that
    agrees with the best so far in every block ends the search); on a large problem (:data:`LARGE_BLOCK_NNZ`)
    greedy merging is left out and at most :data:`LARGE_STARTS` starts run. ``initial``, a grouping to improve,
    is refined and joins the candidates (so the result is never worse than it in any block). Then up to
    ``core_rounds`` rounds of refined multilevel runs start from the *core groups* of the best and the
    runner-up so far (the items they group alike), one run per thread (the first round in the slots the
    candidates leave free); the rounds stop after one that lowers Phi in no block, and are skipped when a start
    agreed with the best (the search has converged).

    ``top_down=True`` adds a candidate that starts from one group per block and lets refinement split it (items
    leave for new groups). Merging from single items stalls where every merge of two groups raises Phi but
    merging many lowers it, which happens between communities: the level above sparse-200000's communities,
    -695,496 from the seeded starts and core groups, -1,010,896 top-down (38 groups instead of 691), in half the
    time (the core rounds stop sooner).
    Items of zero volume stay alone. Deterministic.

    ``alternative=True`` returns ``(labels, alt)``: ``alt`` is the best seeded start's grouping (per block) when it
    differs from ``labels``, else None (a second base for the levels above, see optimize.build_tree).
    """
    n = problem.n_items
    if n == 0:
        return (np.zeros(0, np.int64), None) if alternative else np.zeros(0, np.int64)
    vol = np.asarray(problem.vol, np.float64)
    active = np.flatnonzero(vol > 0)
    labels_out = np.arange(n, dtype=np.int64)
    if active.size < 2 or problem.adjacency.nnz == 0:
        return (labels_out, None) if alternative else labels_out
    adj = sp.csr_array(problem.adjacency)
    if active.size < n:
        adj = sp.csr_array(adj[active][:, active])
    blocks = problem.item_blocks()[active]
    vp = problem.block_parent_vol()
    parts = _csr_parts(adj, blocks)
    sub_vol = vol[active]
    lvp = np.log2(np.maximum(vp, 1e-300))[blocks]
    tol_b = TOL_BITS * np.maximum(vp, 1e-300) if tol is None else np.full(vp.size, float(tol))
    tol_i = tol_b[blocks]
    zeros = np.zeros(active.size)
    if not refine:
        labels_out[active] = canonical_labels(kern.greedy_merge(*parts, sub_vol, zeros, lvp, tol_i, True)) + n
        return (canonical_labels(labels_out), None) if alternative else canonical_labels(labels_out)
    ident = np.arange(active.size, dtype=np.int64)

    def refined(lab: np.ndarray) -> np.ndarray:
        lab, _ = kern.canonical(np.asarray(lab, np.int64))
        kern.refine(*parts, sub_vol, zeros, lvp, tol_i, lab, ident, True, True, REL_TOL, MAX_ROUNDS, True)
        return lab

    def scores(lab: np.ndarray) -> np.ndarray:
        return np.round(kern.block_phi(*parts, sub_vol, zeros, lab, lvp, blocks, vp.size), 12)

    large = parts[1].size >= LARGE_BLOCK_NNZ * vp.size
    tasks: list[tuple[bool, Callable[[], np.ndarray]]] = []         # (is a multilevel start, make a candidate)
    if (greedy or initial is None) and not large:
        tasks.append((False, lambda: refined(kern.greedy_merge(*parts, sub_vol, zeros, lvp, tol_i, False))))
    rng = np.random.default_rng(seed)
    for s in range(min(n_starts, LARGE_STARTS) if large else n_starts):
        order = ident if s == 0 else rng.permutation(active.size).astype(np.int64)
        tasks.append((True, lambda order=order: refined(_multilevel(parts, sub_vol, lvp, tol_i, order))))
    if top_down and n_starts > 0:
        tasks.append((False, lambda: refined(blocks)))                # one group per block, split by moves
    if initial is not None:
        init = canonical_labels(np.asarray(initial, np.int64)[active])
        tasks.insert(0 if not tasks or tasks[0][0] else 1, (False, lambda: refined(init)))
    width = _threads() if parts[1].size >= PARALLEL_MIN_NNZ else 1
    best, best_score, agreed, pos = None, None, False, 0
    second, second_score = None, None
    start_best, start_score = None, None
    rounds, stop = core_rounds, False
    while True:
        batch = [t for t in tasks[pos:pos + width] if not (agreed and t[0])]
        pos += width
        if len(batch) < width and rounds > 0 and not (stop or agreed) and second is not None:
            # searches from the groups the best two so far agree on (core groups), in the free slots: the first
            # visits the core groups in order, the others in seeded random orders
            core = core_groups(best, np.where(np.isfinite(second_score)[blocks], second, best))
            n_core = int(core.max()) + 1
            for j in range(width - len(batch)):
                order = np.arange(n_core, dtype=np.int64) if j == 0 else rng.permutation(n_core).astype(np.int64)
                batch.append((None, lambda core=core, order=order: refined(
                    _multilevel(parts, sub_vol, lvp, tol_i, order, start=core))))
            rounds -= 1
            stop = True                               # unless one of them lowers Phi somewhere
        if not batch:
            break
        for (is_start, _), lab in zip(batch, _run([fn for _, fn in batch])):
            if agreed and is_start:
                continue                              # computed beside the start that agreed: dropped
            sc = scores(lab)
            if is_start:
                start_best, start_score = (lab, sc) if start_best is None else _pick(start_best, start_score, lab, sc,
                                                                                     blocks, active.size)
            if best is None:
                best, best_score = lab, sc
                continue
            second, second_score = _second(best, best_score, second, second_score, lab, sc, blocks, active.size, tol_b)
            if is_start is None and (sc < best_score - tol_b).any():
                stop = False                          # the core groups found something better: another round
            if is_start and parts[1].size >= 2 * AGREE_MIN_EDGES and np.all(
                    np.abs(sc - best_score) <= 1e-9 * np.abs(best_score) + tol_b):
                agreed = True                         # agrees with the best so far everywhere: no more starts
                continue
            best, best_score = _pick(best, best_score, lab, sc, blocks, active.size)
    labels_out[active] = canonical_labels(best) + n              # keep group ids apart from the lone items
    if not alternative:
        return canonical_labels(labels_out)
    alt = None
    if start_best is not None and np.any(start_score > best_score + tol_b):
        alt = np.arange(n, dtype=np.int64)
        alt[active] = canonical_labels(start_best) + n
        alt = canonical_labels(alt)
    return canonical_labels(labels_out), alt


def _second(best: np.ndarray, best_score: np.ndarray, second: np.ndarray | None, second_score: np.ndarray | None,
            lab: np.ndarray, score: np.ndarray, blocks: np.ndarray, n: int,
            tol: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per block, the best grouping other than the best one (by more than the tolerance), given a new candidate
    ``lab`` (call before the best is updated with it)."""
    if second is None:
        second, second_score = best.copy(), np.full(best_score.size, np.inf)
    demote = score < best_score - tol                                # lab becomes the best: the best is second
    take = (score > best_score + tol) & (score < second_score)       # lab is a distinct runner-up
    if not (demote.any() or take.any()):
        return second, second_score
    out = np.where(demote[blocks], best + n, np.where(take[blocks], lab + 2 * n, second))
    return canonical_labels(out), np.where(demote, best_score, np.where(take, score, second_score))


def _pick(best: np.ndarray, best_score: np.ndarray, lab: np.ndarray, score: np.ndarray, blocks: np.ndarray,
          n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per block, the better of two groupings (ties: the first)."""
    better = score < best_score
    if not better.any():
        return best, best_score
    take = better[blocks]
    out = np.where(take, lab + n, best)
    return canonical_labels(out), np.where(better, score, best_score)
