"""The beam search behind :func:`steps_core.select.select_combinations` (docs/core.md, "Selecting combinations").

From a start set X (plus pins) the search adds one skill per step, keeping the ``beam`` best partial
combinations by H(chosen | X). A step's candidates for one beam entry are the members of its pool (the start's
t-th ancestor community under ``scope="local"``, widened when the entry has no usable member left in it, or
every skill under ``"global"``) that are not chosen or excluded and, with ``connect="attested"``, are linked to a
chosen skill and keep every chosen skill at most two links away. The checks on a complete combination
(excluded sets, coherence floor, connected, novel) are applied to the last step's candidates, so feasible
combinations are kept.

The beam is held as arrays, one row per entry, and each step is a few vectorised operations over all rows:
this is the hot loop of the sweep (every skill a start), so no per-entry Python work is done except the
best-first scan that de-duplicates sets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple, Sequence

import numpy as np
import scipy.sparse as sp

from .evidence import Evidence, mean_cosine
from .tree import EncodingTree


@dataclass(frozen=True, eq=False)
class Resolved:
    """What every search of one selection reads, resolved once: indices, arrays, the pair evidence."""

    blocked: np.ndarray
    pins: tuple[int, ...]
    excluded_sets: frozenset
    h_ext: np.ndarray
    anc: np.ndarray
    evidence: Evidence
    top_community: np.ndarray
    scope: str
    k: int
    beam: int
    connect: bool
    novel: bool
    min_coherence: float | None


def resolve(tree: EncodingTree, evidence: Evidence, *, blocked: np.ndarray, pins: Sequence[int],
            excluded_sets: Sequence[frozenset], scope: str, k: int, beam: int, connect: bool, novel: bool,
            min_coherence: float | None) -> Resolved:
    anc = tree.ancestors
    depth = np.maximum((anc < tree.n_nodes).sum(axis=1) - 1, 0)
    top = anc[np.arange(tree.n_skills), depth]          # each skill's top-level community (itself if at the top)
    return Resolved(blocked, tuple(pins), frozenset(excluded_sets), np.r_[tree.h, 0.0], anc, evidence, top,
                    scope, k, beam, connect, novel, min_coherence)


class Found(NamedTuple):
    """A complete combination found from one start: skill indices (start first), gain and step gains."""

    skills: tuple[int, ...]
    total: float
    steps: tuple[float, ...]


class _Beam(NamedTuple):
    """The beam: one row per partial combination."""

    skills: np.ndarray            # (R, m) chosen skills, start first
    total: np.ndarray             # (R,) H(chosen | start)
    steps: np.ndarray             # (R, s) gain of each skill after the start
    covered: np.ndarray           # (R, nodes + 1) A(chosen), the last column a padding node of h = 0
    links: np.ndarray | None      # (R, m, n) the skills each chosen skill is linked to (None: no coherence requirement)
    common: np.ndarray            # (R, n) seen together with every chosen skill
    gap: np.ndarray               # (R,) the chosen skills hold a pair never seen together: novel already


def _dense_rows(m: sp.csr_array, rows: np.ndarray) -> np.ndarray:
    """Rows of a boolean CSR matrix as a dense array (a direct gather: scipy's row indexing costs ~100x more)."""
    rows = np.asarray(rows, np.int64)
    out = np.zeros((rows.size, m.shape[1]), bool)
    lo, hi = m.indptr[rows], m.indptr[rows + 1]
    lengths = hi - lo
    if lengths.sum():
        which = np.repeat(np.arange(rows.size), lengths)
        pos = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths) + np.repeat(lo, lengths)
        out[which, m.indices[pos]] = True
    return out


def _first(tree: EncodingTree, start: list[int], fixed: list[int], res: Resolved) -> _Beam:
    """The beam's first row: the start skills, then the pins (whose gains are the first steps)."""
    n = tree.n_skills
    ev = res.evidence
    covered = np.zeros(tree.n_nodes + 1, bool)
    covered[tree.n_nodes] = True
    common = np.ones(n, bool)
    gap = False
    steps: list[float] = []
    for pos, i in enumerate(fixed):
        path = res.anc[i]
        if pos >= len(start):
            steps.append(float(res.h_ext[path][~covered[path]].sum()))
        covered[path] = True
        gap = gap or not common[i]
        common &= _dense_rows(ev.seen, np.array([i]))[0]
    links = None
    if res.connect:
        links = _dense_rows(ev.links, np.asarray(fixed))
        if res.k == 2 and len(fixed) == 1:
            # one skill to add to one: it must share a linked neighbour with the start (a linked pair is not new)
            links = _dense_rows(ev.links, np.flatnonzero(links[0])).any(axis=0, keepdims=True)
    return _Beam(np.asarray([fixed], np.int64), np.array([sum(steps)]), np.asarray([steps], float).reshape(1, -1),
                 covered[None, :], None if links is None else links[None], common[None, :], np.array([gap]))


def _usable(res: Resolved, b: _Beam, n: int) -> np.ndarray:
    """(R, n): the skills each row may add: not chosen and, with the coherence requirement, linked to a chosen
    skill and keeping every chosen skill at most two links away (for each chosen s, ``link(s, y)`` or a chosen t
    with ``link(s, t)`` and ``link(t, y)``)."""
    n_rows, m = b.skills.shape
    if b.links is None:
        usable = np.ones((n_rows, n), bool)
    elif res.k > 2 and m >= 2:
        idx = np.arange(n_rows)[:, None, None]
        among = b.links[idx, np.arange(m)[None, :, None], b.skills[:, None, :]]       # (R, m, m): link(s, t)
        among |= np.eye(m, dtype=bool)
        usable = (np.matmul(among.astype(np.float32), b.links.astype(np.float32)) > 0).all(axis=1)
    else:
        usable = b.links.any(axis=1)
    usable[np.repeat(np.arange(n_rows), m), b.skills.ravel()] = False
    return usable


def _candidates(res: Resolved, b: _Beam, pool_mask: np.ndarray, step: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, skill) candidates of one step, each row widening its pool until it has one."""
    usable = _usable(res, b, n)
    level = np.full(b.total.size, min(step, pool_mask.shape[0] - 1))
    cand = usable & pool_mask[level]
    while True:
        empty = ~cand.any(axis=1) & (level < pool_mask.shape[0] - 1)
        if not empty.any():
            return np.nonzero(cand)
        level[empty] += 1
        cand[empty] = usable[empty] & pool_mask[level[empty]]


def _complete(res: Resolved, skills: tuple[int, ...], proven_new: bool, embeddings: np.ndarray | None,
              check_close: bool) -> bool:
    """The checks on a complete combination: excluded sets, coherence floor, closeness (when the start or pins
    may be in pieces) and novelty (``proven_new``: a pair never seen together; else the support index decides)."""
    if frozenset(skills) in res.excluded_sets:
        return False
    if res.min_coherence is not None and embeddings is not None and \
            mean_cosine(embeddings, skills) < res.min_coherence:
        return False
    if check_close and not res.evidence.is_close(skills):
        return False
    if res.novel and not proven_new:
        return res.evidence.index is not None and res.evidence.is_novel(skills) is True
    return True


def _grow(res: Resolved, b: _Beam, rows: np.ndarray, ys: np.ndarray, gains: np.ndarray) -> _Beam:
    """The new beam: row ``rows[i]`` plus skill ``ys[i]``."""
    ev = res.evidence
    covered = b.covered[rows]
    covered[np.arange(rows.size)[:, None], res.anc[ys]] = True
    links = None if b.links is None else np.concatenate([b.links[rows], _dense_rows(ev.links, ys)[:, None]], axis=1)
    common = b.common[rows]
    gap = b.gap[rows] | ~common[np.arange(rows.size), ys]
    common &= _dense_rows(ev.seen, ys)
    return _Beam(np.column_stack([b.skills[rows], ys]), b.total[rows] + gains,
                 np.column_stack([b.steps[rows], gains]), covered, links, common, gap)


def _best_first(values: np.ndarray, want: int):
    """Positions of ``values`` from the largest down (ties: smaller position first), in two rounds.

    The first round sorts only a few times ``want`` candidates (argpartition); the second, needed only
    when duplicates used them up, sorts the rest.
    """
    m = values.size
    head = min(m, 3 * want + 8)
    if head < m:
        part = np.argpartition(-values, head - 1)[:head]
        cutoff = values[part].min()
        first = np.flatnonzero(values >= cutoff)          # every tie of the cutoff, for determinism
        yield first[np.lexsort((first, -values[first]))]
        rest = np.flatnonzero(values < cutoff)
        yield rest[np.lexsort((rest, -values[rest]))]
    else:
        yield np.lexsort((np.arange(m), -values))


def pools(tree: EncodingTree, start: list[int]) -> list[np.ndarray]:
    """Member arrays of the ancestor communities of the start set that have more members than it."""
    node = tree.lca(start) if len(start) > 1 else start[0]
    out = []
    while True:
        if tree.n_members(node) > len(start):
            out.append(tree.members(node))
        if node == tree.root:
            break
        node = int(tree.parent[node])
    return out or [tree.members(tree.root)]      # the start holds every skill: nothing to add


def beam_search(tree: EncodingTree, start: list[int], res: Resolved, n_keep: int,
                embeddings: np.ndarray | None = None) -> list[Found]:
    """Up to ``n_keep`` complete combinations from one start set (skill indices, not excluded), best first."""
    fixed = start + [i for i in res.pins if i not in start]
    n = tree.n_skills
    b = _first(tree, start, fixed, res)
    # growing by close skills keeps a close start close; a start (or pins) in pieces is checked at the end
    check_close = res.connect and res.k > 2 and not res.evidence.is_close(fixed)
    n_steps = res.k - len(fixed)
    if n_steps == 0:
        ok = _complete(res, tuple(fixed), bool(b.gap[0]), embeddings, check_close)
        return [Found(tuple(fixed), float(b.total[0]), tuple(b.steps[0].tolist()))] if ok else []
    members = pools(tree, start) if res.scope == "local" else [tree.members(tree.root)]
    pool_mask = np.zeros((len(members), n), bool)
    for level, p in enumerate(members):
        pool_mask[level, p] = True
    pool_mask &= ~res.blocked
    for step in range(n_steps):
        last = step == n_steps - 1
        rows, ys = _candidates(res, b, pool_mask, step, n)
        if rows.size == 0:
            return []
        pa = res.anc[ys]                                                      # (M, height)
        gains = (res.h_ext[pa] * ~b.covered[rows[:, None], pa]).sum(axis=1)
        flat = b.total[rows] + gains
        want = res.beam if not last else n_keep
        picked: list[int] = []
        seen: set[frozenset] = set()
        for order in _best_first(flat, want):
            for pos in order.tolist():
                r, y = int(rows[pos]), int(ys[pos])
                key = frozenset(b.skills[r].tolist()) | {y}
                if key in seen:
                    continue
                seen.add(key)
                if last and not _complete(res, tuple(b.skills[r].tolist()) + (y,),
                                          bool(b.gap[r] or not b.common[r, y]), embeddings, check_close):
                    continue
                picked.append(pos)
                if len(picked) >= want:
                    break
            else:
                continue
            break
        if not picked:
            return []
        sel = np.asarray(picked)
        if last:
            return [Found(tuple(b.skills[r].tolist()) + (int(y),), float(t), tuple(b.steps[r].tolist()) + (float(g),))
                    for r, y, t, g in zip(rows[sel], ys[sel], flat[sel], gains[sel])]
        b = _grow(res, b, rows[sel], ys[sel], gains[sel])
    return []                                                                 # not reached
