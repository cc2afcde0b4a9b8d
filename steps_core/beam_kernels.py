"""Compiled inner loops of the beam search (:mod:`steps_core.beam`; docs/core.md, "steps select").

One step of the search turns every beam row (a partial combination) into its candidates: the skills linked to
a chosen skill (or, for k = 2 from a single start, two links away), not chosen, not blocked, keeping every
chosen skill at most two links away, inside the row's pool (widened until it holds one). For each it gives the
gain H(y | chosen) and whether y makes a pair never seen together. Done in numpy this is a dozen passes over
arrays of (row, skill) pairs with an ``np.unique`` among them; here it is one pass per row over its link lists,
with scratch arrays marking what the row holds (reset after the row), so a step costs about what the chosen
skills' neighbourhoods hold.

The output is by row, each row's skills in the order gathered (the caller breaks ties by row, then skill
index, so no sorting is needed here). Bitmasks stand for
small boolean matrices: ``amask[r, c]`` has bit j set when chosen skills c and j of row r are linked (and bit
c itself); ``dmask`` of a candidate has bit j set when it is linked to chosen skill j.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _seen(keys: np.ndarray, lo: int, hi: int, key: int) -> bool:
    """Whether ``key`` is in the sorted slice ``keys[lo:hi]`` (one skill's pairs: a short, cached search)."""
    part = keys[lo:hi]
    pos = np.searchsorted(part, key)
    return pos < part.size and part[pos] == key


@numba.njit(cache=True, nogil=True)
def _new_pair(chosen, y, direct, direct_seen, seen_keys, seen_ptr, n):
    """Whether y makes a pair never seen together with one of ``chosen`` (``direct``: the chosen skills y is
    linked to, as bits, which were seen with y when ``direct_seen``)."""
    for j in range(chosen.size):
        if direct_seen and (direct >> j) & 1:
            continue
        s = chosen[j]
        if not _seen(seen_keys, seen_ptr[s], seen_ptr[s + 1], s * n + y):
            return True
    return False


@numba.njit(cache=True, nogil=True)
def step_candidates(skills, total, amask, need_close, two_hop, indptr, indices, blocked, anc, h_ext, by_depth,
                    pool_nodes, pool_depths, first, seen_keys, seen_ptr, links_seen, inlist, dmask, covmark,
                    with_new=True):
    """The candidates of one step, as arrays (rows, ys, dmask, gains, flat = total[row] + gain, new_pair).

    ``links_seen``: every link is a pair seen together, so (when ``dmask`` holds direct links, not two-hop
    reach) only the pairs y is not linked to are looked up in ``seen_keys`` (skill s's pairs are
    ``seen_keys[seen_ptr[s]:seen_ptr[s + 1]]``). ``inlist`` (n skills, bool),
    ``dmask`` (n skills, int64) and ``covmark`` (nodes + 1, bool)
    are scratch arrays, all False/0 on entry and on return. ``with_new=False`` leaves ``new_pair`` False (the
    caller asks :func:`_new_pair` for the candidates it looks at).
    """
    n_rows, m = skills.shape
    n = blocked.size
    direct_seen = links_seen and not two_hop   # dmask bits mean direct links only without the two-hop reach
    n_levels = pool_nodes.size
    cap = 0                                    # an upper bound of one row's gathered skills, for the buffers
    for r in range(n_rows):
        row_cap = 0
        for j in range(m):
            s = skills[r, j]
            if two_hop:
                for p in range(indptr[s], indptr[s + 1]):
                    y1 = indices[p]
                    row_cap += indptr[y1 + 1] - indptr[y1]
            else:
                row_cap += indptr[s + 1] - indptr[s]
        cap = max(cap, row_cap)
    total_cap = cap * n_rows
    out_rows = np.empty(total_cap, np.int64)
    out_ys = np.empty(total_cap, np.int64)
    out_dm = np.empty(total_cap, np.int64)
    out_gain = np.empty(total_cap, np.float64)
    out_flat = np.empty(total_cap, np.float64)
    out_new = np.empty(total_cap, np.bool_)
    gathered = np.empty(cap, np.int64)
    kept = np.empty(cap, np.int64)
    kept_level = np.empty(cap, np.int64)
    o = 0
    for r in range(n_rows):
        count = 0
        for j in range(m):                     # the chosen skills' link lists (two links for k = 2)
            s = skills[r, j]
            bit = np.int64(1) << j
            for p in range(indptr[s], indptr[s + 1]):
                y1 = indices[p]
                if two_hop:
                    for q in range(indptr[y1], indptr[y1 + 1]):
                        y = indices[q]
                        if not inlist[y]:
                            inlist[y] = True
                            gathered[count] = y
                            count += 1
                        dmask[y] |= bit
                else:
                    if not inlist[y1]:
                        inlist[y1] = True
                        gathered[count] = y1
                        count += 1
                    dmask[y1] |= bit
        n_kept = 0
        row_level = n_levels
        for t in range(count):
            y = gathered[t]
            ok = not blocked[y]
            for j in range(m):
                if skills[r, j] == y:
                    ok = False
            if ok and need_close:              # every chosen skill at most two links away
                for c in range(m):
                    if amask[r, c] & dmask[y] == 0:
                        ok = False
                        break
            if ok:
                inside = 0                     # the first pool level holding y (pools are nested)
                for lv in range(n_levels):
                    if by_depth[y, pool_depths[lv]] == pool_nodes[lv]:
                        inside = lv
                        break
                level = max(inside, first)
                kept[n_kept] = y
                kept_level[n_kept] = level
                n_kept += 1
                row_level = min(row_level, level)
        for j in range(m):                     # what the row's chosen skills already cover
            for a in anc[skills[r, j]]:
                covmark[a] = True
        for t in range(n_kept):
            if kept_level[t] > row_level:      # a row widens its pool only until it has a candidate
                continue
            y = kept[t]
            gain = 0.0
            for a in anc[y]:
                if not covmark[a]:
                    gain += h_ext[a]
            out_rows[o] = r
            out_ys[o] = y
            out_dm[o] = dmask[y]
            out_gain[o] = gain
            out_flat[o] = total[r] + gain
            out_new[o] = with_new and _new_pair(skills[r], y, dmask[y], direct_seen, seen_keys, seen_ptr, n)
            o += 1
        for j in range(m):
            for a in anc[skills[r, j]]:
                covmark[a] = False
        for t in range(count):
            inlist[gathered[t]] = False
            dmask[gathered[t]] = 0
    return out_rows[:o], out_ys[:o], out_dm[:o], out_gain[:o], out_flat[:o], out_new[:o]


@numba.njit(cache=True, nogil=True)
def row_gains(skills, rows, ys, anc, h_ext, covmark):
    """H(y | chosen skills of row r) for every (r, y) of ``rows``, ``ys`` (rows in increasing order)."""
    out = np.empty(ys.size, np.float64)
    current = -1
    for i in range(ys.size):
        r = rows[i]
        if r != current:
            if current >= 0:
                for a in anc[skills[current]].ravel():
                    covmark[a] = False
            for a in anc[skills[r]].ravel():
                covmark[a] = True
            current = r
        gain = 0.0
        for a in anc[ys[i]]:
            if not covmark[a]:
                gain += h_ext[a]
        out[i] = gain
    if current >= 0:
        for a in anc[skills[current]].ravel():
            covmark[a] = False
    return out


# ------------------------------------------------------------------------------------ the whole beam, compiled
@numba.njit(cache=True, nogil=True)
def _pools(s, parent, n_members, root, node_depth, local):
    """:func:`steps_core.beam.pools` of the single start ``s`` (the root alone under global scope)."""
    count = 0
    node = s
    while True:
        if n_members[node] > 1:
            count += 1
        if node == root:
            break
        node = parent[node]
    if not local or count == 0:
        return np.full(1, root, np.int64), np.full(1, node_depth[root], np.int64)
    nodes = np.empty(count, np.int64)
    count = 0
    node = s
    while True:
        if n_members[node] > 1:
            nodes[count] = node
            count += 1
        if node == root:
            break
        node = parent[node]
    return nodes, node_depth[nodes]


@numba.njit(cache=True, nogil=True)
def _in_row(skills, r, m, y) -> bool:
    """Whether skill ``y`` is one of the first ``m`` skills of row ``r``."""
    for j in range(m):
        if skills[r, j] == y:
            return True
    return False


@numba.njit(cache=True, nogil=True)
def _all_candidates(skills, total, blocked, anc, h_ext, pool_nodes, first, leaf_order, leaf_start, leaf_end,
                    covmark):
    """The candidates of one step without the coherence requirement: every usable member of the row's pool
    (widened until it has one), as :func:`step_candidates` gives them (rows, ys, gains, flat)."""
    n_rows, m = skills.shape
    n_levels = pool_nodes.size
    size = n_rows * (leaf_end[pool_nodes[n_levels - 1]] - leaf_start[pool_nodes[n_levels - 1]])
    out_rows = np.empty(size, np.int64)
    out_ys = np.empty(size, np.int64)
    out_gain = np.empty(size, np.float64)
    out_flat = np.empty(size, np.float64)
    o = 0
    for r in range(n_rows):
        level = first
        while True:                            # the first level from ``first`` with a usable member
            node = pool_nodes[level]
            found = False
            for p in range(leaf_start[node], leaf_end[node]):
                y = leaf_order[p]
                if not blocked[y] and not _in_row(skills, r, m, y):
                    found = True
                    break
            if found or level == n_levels - 1:
                break
            level += 1
        for j in range(m):
            for a in anc[skills[r, j]]:
                covmark[a] = True
        node = pool_nodes[level]
        for p in range(leaf_start[node], leaf_end[node]):
            y = leaf_order[p]
            if blocked[y] or _in_row(skills, r, m, y):
                continue
            gain = 0.0
            for a in anc[y]:
                if not covmark[a]:
                    gain += h_ext[a]
            out_rows[o] = r
            out_ys[o] = y
            out_gain[o] = gain
            out_flat[o] = total[r] + gain
            o += 1
        for j in range(m):
            for a in anc[skills[r, j]]:
                covmark[a] = False
    return out_rows[:o], out_ys[:o], out_gain[:o], out_flat[:o]


@numba.njit(cache=True, nogil=True)
def _in_order(idx, flat, tie):
    """``idx`` sorted by ``flat`` from the largest down, ties by ``tie`` (unique) from the smallest up."""
    by_tie = idx[np.argsort(tie[idx])]
    return by_tie[np.argsort(-flat[by_tie], kind="mergesort")]


@numba.njit(cache=True, nogil=True)
def _never_together(combo, post_ptr, post_idx, post_of):
    """Whether no record holds every skill of ``combo`` (the support index's postings, sorted record ids)."""
    k = combo.size
    lo = np.empty(k, np.int64)
    hi = np.empty(k, np.int64)
    short = 0
    for j in range(k):
        p = post_of[combo[j]]
        if p < 0:
            return True
        lo[j], hi[j] = post_ptr[p], post_ptr[p + 1]
        if hi[j] - lo[j] < hi[short] - lo[short]:
            short = j
    for q in range(lo[short], hi[short]):
        rec = post_idx[q]
        everywhere = True
        for j in range(k):
            if j != short:
                part = post_idx[lo[j]:hi[j]]
                pos = np.searchsorted(part, rec)
                if pos >= part.size or part[pos] != rec:
                    everywhere = False
                    break
        if everywhere:
            return False
    return True


@numba.njit(cache=True, nogil=True)
def _pick(skills, rows, ys, dm, flat, gap, want, last, novel, has_index, post_ptr, post_idx, post_of, direct_seen,
          seen_keys, seen_ptr, n_skills):
    """Positions of the candidates a step keeps, as :func:`steps_core.beam.beam_search` picks them: best
    ``flat`` first (ties by row, then skill), each set of skills once, complete combinations checked for
    novelty (a pair never seen together, else the support index) on the last step."""
    n_cand = rows.size
    m = skills.shape[1]
    tie = rows * n_skills + ys
    head = min(n_cand, 3 * want + 8)
    picked = np.empty(want, np.int64)
    keys = np.empty((want, m + 1), np.int64)
    key = np.empty(m + 1, np.int64)
    n_picked = 0
    everything = np.arange(n_cand)
    if head < n_cand:
        cutoff = np.partition(flat, n_cand - head)[n_cand - head]
        rounds = (everything[flat >= cutoff], everything[flat < cutoff])
    else:
        rounds = (everything, everything[:0])
    for part in rounds:
        for pos in _in_order(part, flat, tie):
            r = rows[pos]
            for j in range(m):
                key[j] = skills[r, j]
            key[m] = ys[pos]
            key.sort()
            dup = False
            for q in range(n_picked):
                same = True
                for j in range(m + 1):
                    if keys[q, j] != key[j]:
                        same = False
                        break
                if same:
                    dup = True
                    break
            if dup:
                continue
            if last and novel and not gap[r] and not _new_pair(skills[r], ys[pos], dm[pos], direct_seen, seen_keys,
                                                               seen_ptr, n_skills):
                if not has_index or not _never_together(key, post_ptr, post_idx, post_of):
                    continue
            picked[n_picked] = pos
            keys[n_picked] = key
            n_picked += 1
            if n_picked >= want:
                return picked[:n_picked]
    return picked[:n_picked]


@numba.njit(cache=True, nogil=True)
def sweep_singles(starts, k, beam, n_keep, local, connect, novel, has_index, parent, n_members, root, node_depth,
                  leaf_order, leaf_start, leaf_end, indptr, indices, blocked, anc, h_ext, by_depth, seen_keys,
                  seen_ptr, links_seen, post_ptr, post_idx, post_of, inlist, dmask, covmark):
    """:func:`steps_core.beam.beam_search` from each single-skill start of ``starts`` (no pins, no excluded sets,
    no coherence floor), in one compiled pass. Returns (start position, skills, total, step gains) of every
    combination found, by start, each start's best first."""
    n_steps = k - 1
    cap = starts.size * n_keep
    o_start = np.empty(cap, np.int64)
    o_skills = np.empty((cap, k), np.int64)
    o_total = np.empty(cap, np.float64)
    o_steps = np.empty((cap, n_steps), np.float64)
    n_out = 0
    n = blocked.size
    two_hop = connect and k == 2
    direct_seen = connect and links_seen and not two_hop   # a linked pair was seen together
    for si in range(starts.size):
        pool_nodes, pool_depths = _pools(starts[si], parent, n_members, root, node_depth, local)
        skills = np.full((1, 1), starts[si], np.int64)
        total = np.zeros(1)
        steps = np.zeros((1, 0))
        amask = np.ones((1, 1), np.int64)
        gap = np.zeros(1, np.bool_)
        for step in range(n_steps):
            m = skills.shape[1]
            last = step == n_steps - 1
            first = min(step, pool_nodes.size - 1)
            if connect:
                rows, ys, dm, gains, flat, _ = step_candidates(
                    skills, total, amask, k > 2 and m >= 2, two_hop, indptr, indices, blocked, anc, h_ext,
                    by_depth, pool_nodes, pool_depths, first, seen_keys, seen_ptr, links_seen, inlist, dmask,
                    covmark, False)
            else:
                rows, ys, gains, flat = _all_candidates(skills, total, blocked, anc, h_ext, pool_nodes, first,
                                                        leaf_order, leaf_start, leaf_end, covmark)
                dm = np.zeros(ys.size, np.int64)
            if rows.size == 0:
                break
            sel = _pick(skills, rows, ys, dm, flat, gap, n_keep if last else beam, last, novel, has_index, post_ptr,
                        post_idx, post_of, direct_seen, seen_keys, seen_ptr, n)
            if sel.size == 0:
                break
            if last:
                for pos in sel:
                    r = rows[pos]
                    o_start[n_out] = si
                    o_skills[n_out, :m] = skills[r]
                    o_skills[n_out, m] = ys[pos]
                    o_total[n_out] = flat[pos]
                    o_steps[n_out, :m - 1] = steps[r]
                    o_steps[n_out, m - 1] = gains[pos]
                    n_out += 1
                break
            new_skills = np.empty((sel.size, m + 1), np.int64)
            new_total = np.empty(sel.size)
            new_steps = np.empty((sel.size, m))
            new_amask = np.empty((sel.size, m + 1), np.int64)
            new_gap = np.empty(sel.size, np.bool_)
            for i in range(sel.size):
                pos = sel[i]
                r = rows[pos]
                new_skills[i, :m] = skills[r]
                new_skills[i, m] = ys[pos]
                new_total[i] = flat[pos]
                new_steps[i, :m - 1] = steps[r]
                new_steps[i, m - 1] = gains[pos]
                new_gap[i] = gap[r] or _new_pair(skills[r], ys[pos], dm[pos], direct_seen, seen_keys, seen_ptr, n)
                if connect:
                    direct = dm[pos]
                    for c in range(m):
                        new_amask[i, c] = amask[r, c] | (((direct >> c) & 1) << m)
                    new_amask[i, m] = direct | (np.int64(1) << m)
            skills, total, steps, amask, gap = new_skills, new_total, new_steps, new_amask, new_gap
    return o_start[:n_out], o_skills[:n_out], o_total[:n_out], o_steps[:n_out]
