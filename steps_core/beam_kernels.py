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
def step_candidates(skills, total, amask, need_close, two_hop, indptr, indices, blocked, anc, h_ext, by_depth,
                    pool_nodes, pool_depths, first, seen_keys, seen_ptr, links_seen, inlist, dmask, covmark):
    """The candidates of one step, as arrays (rows, ys, dmask, gains, flat = total[row] + gain, new_pair).

    ``links_seen``: every link is a pair seen together, so (when ``dmask`` holds direct links, not two-hop
    reach) only the pairs y is not linked to are looked up in ``seen_keys`` (skill s's pairs are
    ``seen_keys[seen_ptr[s]:seen_ptr[s + 1]]``). ``inlist`` (n skills, bool),
    ``dmask`` (n skills, int64) and ``covmark`` (nodes + 1, bool)
    are scratch arrays, all False/0 on entry and on return.
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
            new = False
            for j in range(m):
                if direct_seen and (dmask[y] >> j) & 1:
                    continue
                s = skills[r, j]
                if not _seen(seen_keys, seen_ptr[s], seen_ptr[s + 1], s * n + y):
                    new = True
                    break
            out_rows[o] = r
            out_ys[o] = y
            out_dm[o] = dmask[y]
            out_gain[o] = gain
            out_flat[o] = total[r] + gain
            out_new[o] = new
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
