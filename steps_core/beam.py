"""The beam search behind :func:`steps_core.select.select_combinations` (docs/core.md, "steps select").

From a start set X (plus pins) the search adds one skill per step, keeping the ``beam`` best partial
combinations by H(chosen | X). A step's candidates for one beam entry are the members of its pool (the start's
t-th ancestor community under ``scope="local"``, widened when the entry has no usable member left in it, or
every skill under ``"global"``) that are not chosen or excluded and, with ``connect="attested"``, are linked to a
chosen skill and keep every chosen skill at most two links away. The checks on a complete combination
(excluded sets, coherence floor, connected, novel) are applied to the last step's candidates, so feasible
combinations are kept.

The beam is held as arrays, one row per entry, and each step is a few vectorised operations over all rows: this
is the hot loop of the sweep (every skill a start). With the coherence requirement the candidates are made from
the chosen skills' link lists (a few hundred per row however large the graph), so a step costs what the
neighbourhoods hold, not what the graph holds; without it every pool member is a candidate.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Iterator, NamedTuple, Sequence

import numpy as np
import scipy.sparse as sp

from .beam_kernels import row_gains, step_candidates, sweep_singles
from .evidence import Evidence, mean_cosine
from .tree import EncodingTree


@dataclass(frozen=True, eq=False)
class Resolved:
    """What every search of one selection reads, resolved once: indices, arrays, the pair evidence.

    ``by_depth[v, d]`` is skill v's ancestor at depth d (the root at 0, the skill at its own depth, -1 below).
    ``link_ptr``/``link_idx`` are the link lists as int64 CSR arrays, ``seen_keys`` the pairs seen together
    (sorted keys ``i * n + j``, skill i's from ``seen_ptr[i]``); ``scratch`` holds the compiled step's marker
    arrays (all clear between steps).
    """

    blocked: np.ndarray
    pins: tuple[int, ...]
    excluded_sets: frozenset
    h_ext: np.ndarray
    anc: np.ndarray
    by_depth: np.ndarray
    evidence: Evidence
    top_community: np.ndarray
    scope: str
    k: int
    beam: int
    connect: bool
    novel: bool
    min_coherence: float | None
    link_ptr: np.ndarray
    link_idx: np.ndarray
    seen_keys: np.ndarray
    seen_ptr: np.ndarray
    scratch: tuple[np.ndarray, np.ndarray, np.ndarray]


def resolve(tree: EncodingTree, evidence: Evidence, *, blocked: np.ndarray, pins: Sequence[int],
            excluded_sets: Sequence[frozenset], scope: str, k: int, beam: int, connect: bool, novel: bool,
            min_coherence: float | None) -> Resolved:
    anc = tree.ancestors
    n = tree.n_skills
    depth = np.maximum((anc < tree.n_nodes).sum(axis=1) - 1, 0)
    top = anc[np.arange(n), depth]          # each skill's top-level community (itself if at the top)
    by_depth = np.full((n, tree.height + 1), -1, np.int64)
    by_depth[:, 0] = tree.root
    for d in range(tree.height):           # anc[v, j] is the ancestor j steps up from v
        ok = depth >= d
        by_depth[ok, depth[ok] - d + 1] = anc[ok, d]
    links = evidence.links
    return Resolved(blocked, tuple(pins), frozenset(excluded_sets), np.r_[tree.h, 0.0], np.ascontiguousarray(anc),
                    by_depth, evidence, top, scope, k, beam, connect, novel, min_coherence,
                    links.indptr.astype(np.int64), links.indices.astype(np.int64), evidence.seen_keys,
                    np.searchsorted(evidence.seen_keys, np.arange(n + 1, dtype=np.int64) * n),
                    _scratch(n, tree.n_nodes))


def _scratch(n_skills: int, n_nodes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The compiled step's marker arrays (one set per thread)."""
    return np.zeros(n_skills, bool), np.zeros(n_skills, np.int64), np.zeros(n_nodes + 1, bool)


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
    amask: np.ndarray | None      # (R, m) links among the chosen skills as bitmasks, own bit set (None: no
    #                               coherence requirement)
    gap: np.ndarray               # (R,) the chosen skills hold a pair never seen together: novel already


class _Candidates(NamedTuple):
    """One step's (row, skill) candidates, their gains, whether each makes a pair never seen together, and
    ``direct``: the chosen skills each is linked to, as bitmasks (None without the coherence requirement)."""

    rows: np.ndarray
    ys: np.ndarray
    direct: np.ndarray | None
    gains: np.ndarray
    new_pair: np.ndarray


def _gather(m: sp.csr_array, sources: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For CSR rows ``sources``: (position in ``sources``, column) of every stored entry, in one gather."""
    lo, hi = m.indptr[sources], m.indptr[sources + 1]
    lengths = hi - lo
    total = int(lengths.sum())
    which = np.repeat(np.arange(sources.size), lengths)
    pos = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths) + np.repeat(lo, lengths)
    return which, m.indices[pos].astype(np.int64)


def _has(keys: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Whether each key of ``query`` is in the sorted array ``keys``."""
    if keys.size == 0:
        return np.zeros(query.shape, bool)
    pos = np.minimum(np.searchsorted(keys, query), keys.size - 1)
    return keys[pos] == query


def _first(tree: EncodingTree, fixed: list[int], n_start: int, res: Resolved) -> _Beam:
    """The beam's first row: the start skills, then the pins (whose gains are the first steps)."""
    ev = res.evidence
    covered = np.zeros(tree.n_nodes + 1, bool)
    steps: list[float] = []
    for pos, i in enumerate(fixed):
        path = res.anc[i]
        if pos >= n_start:
            steps.append(float(res.h_ext[path][~covered[path]].sum()))
        covered[path] = True
    idx = np.asarray(fixed, np.int64)
    n = tree.n_skills
    seen = _has(ev.seen_keys, idx[:, None] * n + idx[None, :])
    gap = bool((~seen & ~np.eye(idx.size, dtype=bool)).any())
    amask = None
    if res.connect:
        among = _has(ev.link_keys, idx[:, None] * n + idx[None, :]) | np.eye(idx.size, dtype=bool)
        amask = (among.astype(np.int64) << np.arange(idx.size, dtype=np.int64)).sum(axis=1)[None, :]
    return _Beam(idx[None, :], np.array([sum(steps)]), np.asarray([steps], float).reshape(1, -1),
                 amask, np.array([gap]))


def _pool_levels(res: Resolved, pool_nodes: np.ndarray, pool_depths: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """For each candidate skill, the first level whose pool holds it (pools are nested, the last is the root)."""
    inside = res.by_depth[ys[:, None], pool_depths[None, :]] == pool_nodes[None, :]     # (M, levels)
    return np.argmax(inside, axis=1)


def _candidates(res: Resolved, b: _Beam, pool_nodes: np.ndarray, pool_depths: np.ndarray, step: int, n: int,
                two_hop: bool) -> _Candidates:
    """(row, skill) candidates of one step, each row widening its pool until it has one."""
    n_rows, m = b.skills.shape
    first = min(step, pool_nodes.size - 1)
    if b.amask is not None:                           # linked skills only: the compiled pass over link lists
        rows, ys, direct, gains, _, new_pair = step_candidates(
            b.skills, b.total, b.amask, res.k > 2 and m >= 2, two_hop, res.link_ptr, res.link_idx, res.blocked,
            res.anc, res.h_ext, res.by_depth, pool_nodes, pool_depths, first, res.seen_keys, res.seen_ptr,
            res.evidence.links_seen, *res.scratch)
        return _Candidates(rows, ys, direct, gains, new_pair)
    usable = np.ones((n_rows, n), bool)               # no coherence requirement: every member of the pool
    usable[np.repeat(np.arange(n_rows), m), b.skills.ravel()] = False
    usable &= ~res.blocked
    pool_mask = res.by_depth[:, pool_depths].T == pool_nodes[:, None]                 # (levels, n)
    level = np.full(n_rows, first)
    cand = usable & pool_mask[level]
    while True:
        empty = ~cand.any(axis=1) & (level < pool_nodes.size - 1)
        if not empty.any():
            break
        level[empty] += 1
        cand[empty] = usable[empty] & pool_mask[level[empty]]
    rows, ys = np.nonzero(cand)
    gains = row_gains(b.skills, rows, ys, res.anc, res.h_ext, res.scratch[2])
    new_pair = ~_has(res.seen_keys, b.skills[rows] * n + ys[:, None]).all(axis=1)
    return _Candidates(rows, ys, None, gains, new_pair)


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


def _grow(b: _Beam, cands: _Candidates, sel: np.ndarray) -> _Beam:
    """The new beam: candidate row ``cands.rows[i]`` plus skill ``cands.ys[i]`` for i in ``sel``."""
    rows, ys = cands.rows[sel], cands.ys[sel]
    amask = None
    if b.amask is not None:
        m = b.skills.shape[1]
        direct = cands.direct[sel]
        linked = (direct[:, None] >> np.arange(m, dtype=np.int64)) & 1                 # chosen c linked to y
        amask = np.column_stack([b.amask[rows] | (linked << m), direct | (np.int64(1) << m)])
    return _Beam(np.column_stack([b.skills[rows], ys]), b.total[rows] + cands.gains[sel],
                 np.column_stack([b.steps[rows], cands.gains[sel]]), amask, b.gap[rows] | cands.new_pair[sel])


def _best_first(values: np.ndarray, want: int, tie: np.ndarray):
    """Positions of ``values`` from the largest down (ties: smaller ``tie`` first), in two rounds.

    The first round sorts only a few times ``want`` candidates (argpartition); the second, needed only
    when duplicates used them up, sorts the rest.
    """
    m = values.size
    head = min(m, 3 * want + 8)
    if head < m:
        part = np.argpartition(-values, head - 1)[:head]
        cutoff = values[part].min()
        first = np.flatnonzero(values >= cutoff)          # every tie of the cutoff, for determinism
        yield first[np.lexsort((tie[first], -values[first]))]
        rest = np.flatnonzero(values < cutoff)
        yield rest[np.lexsort((tie[rest], -values[rest]))]
    else:
        yield np.lexsort((tie, -values))


def pools(tree: EncodingTree, start: list[int]) -> list[int]:
    """The ancestor communities of the start set that have more members than it, lowest first."""
    node = tree.lca(start) if len(start) > 1 else start[0]
    out = []
    while True:
        if tree.n_members(node) > len(start):
            out.append(node)
        if node == tree.root:
            break
        node = int(tree.parent[node])
    return out or [tree.root]                 # the start holds every skill: nothing to add


def beam_search(tree: EncodingTree, start: list[int], res: Resolved, n_keep: int,
                embeddings: np.ndarray | None = None) -> list[Found]:
    """Up to ``n_keep`` complete combinations from one start set (skill indices, not excluded), best first."""
    fixed = start + [i for i in res.pins if i not in start]
    n = tree.n_skills
    ev = res.evidence
    b = _first(tree, fixed, len(start), res)
    # growing by close skills keeps a close start close; a start (or pins) in pieces is checked at the end
    check_close = res.connect and res.k > 2 and not ev.is_close(fixed)
    n_steps = res.k - len(fixed)
    if n_steps == 0:
        ok = _complete(res, tuple(fixed), bool(b.gap[0]), embeddings, check_close)
        return [Found(tuple(fixed), float(b.total[0]), tuple(b.steps[0].tolist()))] if ok else []
    nodes = np.asarray(pools(tree, start) if res.scope == "local" else [tree.root], np.int64)
    depths = tree.depth[nodes]
    two_hop = res.connect and res.k == 2 and len(fixed) == 1
    for step in range(n_steps):
        last = step == n_steps - 1
        cands = _candidates(res, b, nodes, depths, step, n, two_hop)
        if cands.rows.size == 0:
            return []
        rows, ys, gains, new_pair = cands.rows, cands.ys, cands.gains, cands.new_pair
        flat = b.total[rows] + gains
        want = res.beam if not last else n_keep
        picked: list[int] = []
        seen: set[frozenset] = set()
        for order in _best_first(flat, want, rows * n + ys):     # ties: by row, then skill
            for pos in order.tolist():
                r, y = int(rows[pos]), int(ys[pos])
                key = frozenset(b.skills[r].tolist()) | {y}
                if key in seen:
                    continue
                seen.add(key)
                if last and not _complete(res, tuple(b.skills[r].tolist()) + (y,), bool(b.gap[r] or new_pair[pos]),
                                          embeddings, check_close):
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
        b = _grow(b, cands, sel)
    return []                                                                 # not reached


#: Starts per task when a sweep runs on several threads.
CHUNK = 64


def batched(res: Resolved, starts: Sequence[list[int]], embeddings: np.ndarray | None = None) -> bool:
    """Whether the compiled pass :func:`~steps_core.beam_kernels.sweep_singles` can run these starts: single
    skills, no pins, no excluded combinations, no coherence floor (the sweep's defaults)."""
    return (not res.pins and not res.excluded_sets and (res.min_coherence is None or embeddings is None)
            and all(len(st) == 1 for st in starts))


def _compiled_inputs(tree: EncodingTree, res: Resolved) -> dict:
    """The arrays :func:`~steps_core.beam_kernels.sweep_singles` reads besides :class:`Resolved`'s: the tree's
    parents, member counts and leaf ranges, and the support index's postings (record ids) by skill."""
    order, lo, hi = tree._leaf_ranges
    index = res.evidence.index
    post_of = np.full(tree.n_skills, -1, np.int64)
    if index is not None:
        where = {name: i for i, name in enumerate(index.skills)}
        mine = [where.get(name, -1) for name in tree.skills]
        kept = [i for i in mine if i >= 0]
        post_of[[v for v, i in enumerate(mine) if i >= 0]] = np.arange(len(kept))
        sizes = np.asarray([index.postings[i].size for i in kept], np.int64)
        post_ptr = np.r_[0, np.cumsum(sizes)].astype(np.int64)
        post_idx = (np.concatenate([index.postings[i] for i in kept]).astype(np.int64) if kept
                    else np.zeros(0, np.int64))
    else:
        post_ptr, post_idx = np.zeros(1, np.int64), np.zeros(0, np.int64)
    return dict(parent=np.asarray(tree.parent, np.int64), n_members=(hi - lo).astype(np.int64), root=tree.root,
                node_depth=np.asarray(tree.depth, np.int64), leaf_order=order, leaf_start=lo, leaf_end=hi,
                post_ptr=post_ptr, post_idx=post_idx, post_of=post_of, has_index=index is not None)


class Swept(NamedTuple):
    """Every combination a sweep found, by start (in the order of the starts), each start's best first."""

    start: np.ndarray            # (N,) the position of its start in ``starts``
    skills: np.ndarray           # (N, k) skill indices, start first
    total: np.ndarray            # (N,) H(added | start)
    steps: np.ndarray            # (N, k - 1) step gains; a start of s skills has k - s (0 after them)


def _as_arrays(found: Sequence[list[Found]], k: int) -> Swept:
    """The combinations of one search per start, as :class:`Swept` arrays (positions within ``found``)."""
    flat = [(i, f) for i, fs in enumerate(found) for f in fs]
    steps = np.zeros((len(flat), k - 1))
    for row, (_, f) in enumerate(flat):
        steps[row, :len(f.steps)] = f.steps
    return Swept(np.asarray([i for i, _ in flat], np.int64),
                 np.asarray([f.skills for _, f in flat], np.int64).reshape(len(flat), k),
                 np.asarray([f.total for _, f in flat], float), steps)


def _run_batch(res: Resolved, fixed: dict, chunk: Sequence[list[int]], n_keep: int,
               scratch: tuple[np.ndarray, np.ndarray, np.ndarray]) -> Swept:
    """One compiled pass over single-skill starts."""
    return Swept(*sweep_singles(
        np.asarray([st[0] for st in chunk], np.int64), res.k, res.beam, n_keep, res.scope == "local", res.connect,
        res.novel, fixed["has_index"], fixed["parent"], fixed["n_members"], fixed["root"], fixed["node_depth"],
        fixed["leaf_order"], fixed["leaf_start"], fixed["leaf_end"], res.link_ptr, res.link_idx, res.blocked,
        res.anc, res.h_ext, res.by_depth, res.seen_keys, res.seen_ptr, res.evidence.links_seen, fixed["post_ptr"],
        fixed["post_idx"], fixed["post_of"], *scratch))


def _chunks(tree: EncodingTree, starts: Sequence[list[int]], res: Resolved, n_keep: int,
            embeddings: np.ndarray | None, workers: int, compiled: bool | None) -> Iterator[tuple[int, Swept]]:
    """(position of the chunk's first start, what its starts found), chunk by chunk in the order of ``starts``."""
    compiled = batched(res, starts, embeddings) if compiled is None else compiled and batched(res, starts, embeddings)
    for name in ("links_seen", "link_keys", "seen_keys"):   # cached before the threads share them
        getattr(res.evidence, name)
    fixed = _compiled_inputs(tree, res) if compiled else {}
    offsets = range(0, len(starts), CHUNK)
    local = threading.local()

    def run(offset: int) -> Swept:
        mine = res if workers <= 1 else getattr(local, "res", None)
        if mine is None:
            mine = local.res = replace(res, scratch=_scratch(tree.n_skills, tree.n_nodes))
        chunk = starts[offset:offset + CHUNK]
        if compiled:
            return _run_batch(mine, fixed, chunk, n_keep, mine.scratch)
        return _as_arrays([beam_search(tree, st, mine, n_keep, embeddings) for st in chunk], res.k)

    if workers <= 1 or len(offsets) <= 1:
        for offset in offsets:
            yield offset, run(offset)
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="steps-sweep") as pool:
        yield from zip(offsets, pool.map(run, offsets))


def sweep_found(tree: EncodingTree, starts: Sequence[list[int]], res: Resolved, n_keep: int,
                embeddings: np.ndarray | None = None, workers: int = 1, compiled: bool | None = None,
                progress=None) -> Swept:
    """Every combination :func:`beam_search` finds from each start (up to ``n_keep`` a start), as arrays.

    Single-skill starts (the sweep) run :data:`CHUNK` at a time in one compiled pass (:func:`batched`;
    ``compiled=False`` forces one :func:`beam_search` per start, which gives the same arrays). With ``workers > 1``
    the chunks run on threads: the compiled code releases the GIL, and each thread has its own scratch arrays.
    ``progress(done, total)`` is called after each chunk. The result never depends on ``workers``."""
    parts = []
    for offset, got in _chunks(tree, starts, res, n_keep, embeddings, workers, compiled):
        parts.append(got._replace(start=got.start + offset))
        if progress is not None:
            progress(min(offset + CHUNK, len(starts)), len(starts))
    if not parts:
        return _as_arrays([], res.k)
    return Swept(*(np.concatenate(col) for col in zip(*parts)))


def sweep(tree: EncodingTree, starts: Sequence[list[int]], res: Resolved, n_keep: int,
          embeddings: np.ndarray | None = None, workers: int = 1,
          compiled: bool | None = None) -> Iterator[tuple[list[int], list[Found]]]:
    """:func:`beam_search` from every start, yielded in the order of ``starts`` with what it found, as
    :func:`sweep_found` runs it."""
    for offset, got in _chunks(tree, starts, res, n_keep, embeddings, workers, compiled):
        chunk = starts[offset:offset + CHUNK]
        skills, totals, steps = got.skills.tolist(), got.total.tolist(), got.steps.tolist()
        bounds = np.searchsorted(got.start, np.arange(len(chunk) + 1)).tolist()
        for i, st in enumerate(chunk):
            n_steps = res.k - len(st)
            yield st, [Found(tuple(skills[j]), totals[j], tuple(steps[j][:n_steps]))
                       for j in range(bounds[i], bounds[i + 1])]
