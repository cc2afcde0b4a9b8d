"""Compiled kernels of the level problem (docs/core.md, "Optimiser performance (issue 16)").

A level problem groups items (CSR arrays ``indptr, indices, data`` of the symmetric weights between items,
``vol`` their volumes, ``self_in`` twice the weight inside each item) to minimise
``Phi = sum_G I_G (log2 V_G - log2 V_P)``. Several independent problems may be solved at once ("blocks"): items
then carry their parent's ``log2 V_P`` in ``lvp`` and their move tolerance in ``tol``, and no edge joins two
blocks, so groups never span blocks. Everything here is deterministic: items are visited in the given order,
groups in increasing id.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .merge_tables import h_delete, h_find, h_insert, heap_remove, heap_set, sift_down


@numba.njit(cache=True)
def phi_term(i_g, v_g, log_vp):
    """One group's term I_G (log2 V_G - log2 V_P) of Phi (0 for an empty group or one without inside weight)."""
    if i_g <= 0.0 or v_g <= 0.0:
        return 0.0
    return i_g * (math.log2(v_g) - log_vp)


@numba.njit(cache=True)
def reduction(i_a, v_a, i_b, v_b, e, log_vp):
    """R = -Delta Phi of merging groups a and b joined by weight e (docs/method.md §3, the 2-level special case)."""
    return phi_term(i_a, v_a, log_vp) + phi_term(i_b, v_b, log_vp) - phi_term(i_a + i_b + 2.0 * e, v_a + v_b, log_vp)


@numba.njit(cache=True)
def group_totals(indptr, indices, data, vol, self_in, labels, i_g, v_g, cnt):
    """Fill I, V and the member count of every group from scratch."""
    i_g[:] = 0.0
    v_g[:] = 0.0
    cnt[:] = 0
    for i in range(vol.shape[0]):
        c = labels[i]
        v_g[c] += vol[i]
        i_g[c] += self_in[i]
        cnt[c] += 1
        for p in range(indptr[i], indptr[i + 1]):
            if labels[indices[p]] == c:
                i_g[c] += data[p]


@numba.njit(cache=True, nogil=True)
def block_phi(indptr, indices, data, vol, self_in, labels, lvp, blocks, n_blocks):
    """Phi of a grouping, per block."""
    n = vol.shape[0]
    i_g = np.zeros(n)
    v_g = np.zeros(n)
    cnt = np.zeros(n, np.int64)
    group_totals(indptr, indices, data, vol, self_in, labels, i_g, v_g, cnt)
    out = np.zeros(n_blocks)
    seen = np.zeros(n, np.bool_)
    for i in range(n):
        c = labels[i]
        if not seen[c]:
            seen[c] = True
            out[blocks[i]] += phi_term(i_g[c], v_g[c], lvp[i])
    return out


@numba.njit(cache=True, nogil=True)
def canonical(labels):
    """Relabel groups 0, 1, ... in order of their first item; returns (labels, number of groups)."""
    n = labels.shape[0]
    new = np.full(max(n, int(labels.max()) + 1 if n else 0), -1, np.int64)
    out = np.empty(n, np.int64)
    k = 0
    for i in range(n):
        c = labels[i]
        if new[c] < 0:
            new[c] = k
            k += 1
        out[i] = new[c]
    return out, k


# ------------------------------------------------------------------------------------------- moves
@numba.njit(cache=True)
def _best_move(i, indptr, indices, data, vol, self_in, labels, i_g, v_g, f_g, log_vp, kw, mark, touched):
    """The neighbouring group b != a (a = item i's group) whose joining changes Phi least.

    Returns (delta Phi of the move, b, weight from i into a, weight from i into b, delta of i leaving a alone);
    b = -1 (delta inf) when i has no other neighbouring group. ``kw``, ``mark``, ``touched`` are scratch arrays,
    left clean.
    """
    a = labels[i]
    nt = 0
    for p in range(indptr[i], indptr[i + 1]):
        c = labels[indices[p]]
        if not mark[c]:
            mark[c] = True
            touched[nt] = c
            nt += 1
        kw[c] += data[p]
    k_a = kw[a]
    s_i = self_in[i]
    leave = phi_term(i_g[a] - 2.0 * k_a - s_i, v_g[a] - vol[i], log_vp) - f_g[a]
    best = np.inf
    best_b = -1
    for q in range(nt):
        b = touched[q]
        if b == a:
            continue
        d = leave + phi_term(i_g[b] + 2.0 * kw[b] + s_i, v_g[b] + vol[i], log_vp) - f_g[b]
        if d < best:
            best = d
            best_b = b
    k_b = kw[best_b] if best_b >= 0 else 0.0
    for q in range(nt):
        c = touched[q]
        kw[c] = 0.0
        mark[c] = False
    return best, best_b, k_a, k_b, leave


@numba.njit(cache=True)
def _move(i, a, b, k_a, k_b, vol, self_in, labels, i_g, v_g, f_g, cnt, log_vp):
    """Move item i from group a to group b, updating the totals (k_*: weight from i into a and b; f_g: each
    group's term of Phi, kept so that pricing a move takes one logarithm per candidate group)."""
    i_g[a] -= 2.0 * k_a + self_in[i]
    v_g[a] -= vol[i]
    cnt[a] -= 1
    if cnt[a] == 0:
        i_g[a] = 0.0
        v_g[a] = 0.0
    i_g[b] += 2.0 * k_b + self_in[i]
    v_g[b] += vol[i]
    cnt[b] += 1
    f_g[a] = phi_term(i_g[a], v_g[a], log_vp)
    f_g[b] = phi_term(i_g[b], v_g[b], log_vp)
    labels[i] = b


@numba.njit(cache=True)
def _push(queue, qs, inq, i):
    queue[(qs[0] + qs[1]) % queue.shape[0]] = i
    qs[1] += 1
    inq[i] = True


@numba.njit(cache=True)
def _pop(queue, qs, inq):
    i = queue[qs[0]]
    qs[0] = (qs[0] + 1) % queue.shape[0]
    qs[1] -= 1
    inq[i] = False
    return i


@numba.njit(cache=True)
def _drain(indptr, indices, data, vol, self_in, lvp, tol, labels, i_g, v_g, f_g, cnt, queue, qs, inq, dirty, allow_new,
           phi, rel_tol, order, requeue, scratch_f, mark, touched, free):
    """Move the queued items, one at a time, to the neighbouring group (or, with ``allow_new``, a new group)
    that lowers Phi most; a moved item's neighbours outside its new group are queued again (each item at most
    once in the queue). A *round* is the queue as it stood when the round began. When the queue runs dry, a
    full round over ``order`` checks every item (a move also changes the totals of groups that are not next to
    the moved item); the drain ends after a full round without a move, or after a round that gains less than
    ``rel_tol * |Phi|``. Returns the change of Phi (<= 0)."""
    n = vol.shape[0]
    n_free = 0
    for c in range(n - 1, -1, -1):
        if cnt[c] == 0:
            free[n_free] = c
            n_free += 1
    total = 0.0
    round_gain = 0.0
    round_moves = 0
    round_left = qs[1]
    full_round = qs[1] == order.shape[0]
    while True:
        if round_left <= 0:
            total += round_gain
            phi += round_gain
            if round_moves == 0 and (full_round or qs[1] > 0):
                break
            if round_moves > 0 and -round_gain <= rel_tol * abs(phi):
                break
            full_round = qs[1] == 0
            if full_round:
                for t in range(order.shape[0]):
                    j = order[t]
                    if vol[j] > 0.0:
                        _push(queue, qs, inq, j)
            round_left = qs[1]
            round_gain = 0.0
            round_moves = 0
            if round_left == 0:
                break
            continue
        i = _pop(queue, qs, inq)
        round_left -= 1
        a = labels[i]
        best, best_b, k_a, k_b, leave = _best_move(i, indptr, indices, data, vol, self_in, labels, i_g, v_g, f_g,
                                                   lvp[i], scratch_f, mark, touched)
        new_group = False
        if allow_new and cnt[a] > 1 and n_free > 0:
            d = leave + phi_term(self_in[i], vol[i], lvp[i])
            if d < best:
                best, new_group, k_b = d, True, 0.0
        if best < -tol[i]:
            if new_group:
                n_free -= 1
                best_b = free[n_free]
            _move(i, a, best_b, k_a, k_b, vol, self_in, labels, i_g, v_g, f_g, cnt, lvp[i])
            if cnt[a] == 0:
                free[n_free] = a
                n_free += 1
            dirty[a] = True
            dirty[best_b] = True
            if requeue:
                for p in range(indptr[i], indptr[i + 1]):
                    j = indices[p]
                    if not inq[j] and labels[j] != best_b and vol[j] > 0.0:
                        _push(queue, qs, inq, j)
            round_gain += best
            round_moves += 1
    return total


@numba.njit(cache=True)
def _dissolve(indptr, indices, data, vol, self_in, lvp, tol, labels, i_g, v_g, f_g, cnt, queue, qs, inq, dirty,
              scratch_f, mark, touched, start, by_group, fill, moved):
    """Try dissolving each dirty group: its items leave one by one for the neighbouring group that suits them
    best (one with no other neighbouring group stays). Kept when Phi drops by more than the tolerance (the moved
    items' neighbours are then queued for moves), undone otherwise.

    The inverse of a merge: it frees node moves from local optima where two items must leave a group together
    (two triangles joined by a bridge: greedy pairs the bridge ends, no single move helps). Returns the change
    of Phi (<= 0).
    """
    n = vol.shape[0]
    start[:] = 0
    for i in range(n):
        start[labels[i] + 1] += 1
    for c in range(n):
        start[c + 1] += start[c]
    fill[:] = start[:-1]
    for i in range(n):
        by_group[fill[labels[i]]] = i
        fill[labels[i]] += 1
    total = 0.0
    for a in range(n):
        m = start[a + 1] - start[a]
        if not dirty[a] or m < 2 or cnt[a] != m:
            continue
        dirty[a] = False
        trial = 0.0
        n_moved = 0
        t = tol[by_group[start[a]]]
        for q0 in range(start[a], start[a + 1]):
            i = by_group[q0]
            if vol[i] <= 0.0:
                continue
            best, best_b, k_a, k_b, _ = _best_move(i, indptr, indices, data, vol, self_in, labels, i_g, v_g, f_g,
                                                   lvp[i], scratch_f, mark, touched)
            if best_b < 0:
                continue
            _move(i, a, best_b, k_a, k_b, vol, self_in, labels, i_g, v_g, f_g, cnt, lvp[i])
            moved[n_moved] = i
            n_moved += 1
            trial += best
        if trial < -t:
            total += trial
            for q in range(n_moved):
                i = moved[q]
                dirty[labels[i]] = True
                for p in range(indptr[i], indptr[i + 1]):
                    j = indices[p]
                    if not inq[j] and vol[j] > 0.0:
                        _push(queue, qs, inq, j)
            continue
        for q in range(n_moved - 1, -1, -1):             # undo, in reverse order
            i = moved[q]
            b = labels[i]
            k_a = 0.0
            k_b = 0.0
            for p in range(indptr[i], indptr[i + 1]):
                c = labels[indices[p]]
                if c == a:
                    k_a += data[p]
                elif c == b:
                    k_b += data[p]
            _move(i, b, a, k_b, k_a, vol, self_in, labels, i_g, v_g, f_g, cnt, lvp[i])
    return total


@numba.njit(cache=True, nogil=True)
def refine(indptr, indices, data, vol, self_in, lvp, tol, labels, order, dissolve, allow_new, rel_tol, max_rounds,
           requeue):
    """Improve ``labels`` in place by queued node moves, alternated with group dissolves when ``dissolve``.

    The queue starts with the items in ``order``; afterwards only items next to a change are revisited, and
    only groups that changed are tried for dissolving. Rounds (a drain of the queue, then the dissolves) stop
    when one gains less than ``rel_tol * |Phi|`` or nothing is left to try. Returns the change of Phi (<= 0).
    """
    n = vol.shape[0]
    i_g = np.zeros(n)
    v_g = np.zeros(n)
    cnt = np.zeros(n, np.int64)
    group_totals(indptr, indices, data, vol, self_in, labels, i_g, v_g, cnt)
    f_g = np.zeros(n)
    phi = 0.0
    seen = np.zeros(n, np.bool_)
    for i in range(n):
        c = labels[i]
        if not seen[c]:
            seen[c] = True
            f_g[c] = phi_term(i_g[c], v_g[c], lvp[i])
            phi += f_g[c]
    queue = np.empty(n, np.int64)
    qs = np.zeros(2, np.int64)
    inq = np.zeros(n, np.bool_)
    for t in range(order.shape[0]):
        i = order[t]
        if vol[i] > 0.0 and not inq[i]:
            _push(queue, qs, inq, i)
    dirty = np.ones(n, np.bool_)
    scratch_f = np.zeros(n)
    mark = np.zeros(n, np.bool_)
    touched = np.empty(n, np.int64)
    free = np.empty(n, np.int64)
    start = np.zeros(n + 1, np.int64)
    by_group = np.empty(n, np.int64)
    fill = np.empty(n, np.int64)
    moved = np.empty(n, np.int64)
    total = 0.0
    for _ in range(max_rounds):
        gain = _drain(indptr, indices, data, vol, self_in, lvp, tol, labels, i_g, v_g, f_g, cnt, queue, qs, inq, dirty,
                      allow_new, phi, rel_tol, order, requeue, scratch_f, mark, touched, free)
        if dissolve:
            gain += _dissolve(indptr, indices, data, vol, self_in, lvp, tol, labels, i_g, v_g, f_g, cnt, queue, qs, inq,
                              dirty, scratch_f, mark, touched, start, by_group, fill, moved)
        total += gain
        phi += gain
        if qs[1] == 0 or -gain <= rel_tol * abs(phi) or not dissolve:
            break
    return total


# ------------------------------------------------------------------------------------------ merging
@numba.njit(cache=True, nogil=True)
def greedy_merge(indptr, indices, data, vol, self_in, lvp, tol, eager):
    """Merge adjacent groups, largest reduction first, until no merge lowers Phi by more than the tolerance.

    Each pair of adjacent groups is a slot (its weight, found through a hash table keyed by the pair); each group
    lists its slots. Merging the group with fewer neighbours into the other re-keys or sums the smaller group's
    slots only. An indexed heap holds each slot at most once, keyed by -R as last priced; the top slot is priced
    again when popped and, if R changed, re-keyed instead of merged (lazy invalidation). After a merge only the
    pairs whose weight changed (the absorbed group's neighbours) are re-priced: O(m log m) in all. ``eager``
    re-prices every neighbour of the merged group at once: the exact best-first order of plain greedy
    (docs/method.md §3), at a cost that grows with the degree of large groups. When the heap runs dry every remaining
    pair is priced once more, so no merge left lowers Phi by more than the tolerance. Returns the group label
    of every item.
    """
    n = vol.shape[0]
    i_in = self_in.copy()
    v = vol.copy()
    alive = np.ones(n, np.bool_)
    parent = np.arange(n)
    deg = np.zeros(n, np.int64)
    n_slots = 0
    for a in range(n):
        for p in range(indptr[a], indptr[a + 1]):
            if a < indices[p]:
                n_slots += 1
    bits = 4
    while (1 << bits) < 2 * n_slots + 16:
        bits += 1
    keys = np.full(1 << bits, -1, np.int64)
    vals = np.empty(1 << bits, np.int64)
    where = np.empty(n_slots, np.int64)
    sa = np.empty(n_slots, np.int64)
    sb = np.empty(n_slots, np.int64)
    sw = np.empty(n_slots)
    s_alive = np.ones(n_slots, np.bool_)
    head = np.full(n, -1, np.int64)                 # per group: a linked list of half-edges (slot, next)
    he_slot = np.empty(2 * n_slots, np.int64)
    he_next = np.empty(2 * n_slots, np.int64)
    hk = np.empty(n_slots)
    hs = np.empty(n_slots, np.int64)
    pos = np.full(n_slots, -1, np.int64)
    size = 0
    s = 0
    for a in range(n):
        for p in range(indptr[a], indptr[a + 1]):
            b = indices[p]
            if a < b:
                sa[s], sb[s], sw[s] = a, b, data[p]
                h_insert(keys, vals, where, a * n + b, s, bits)
                for h, g in ((2 * s, a), (2 * s + 1, b)):
                    he_slot[h] = s
                    he_next[h] = head[g]
                    head[g] = h
                    deg[g] += 1
                r = reduction(i_in[a], v[a], i_in[b], v[b], data[p], lvp[a])
                if r > tol[a]:
                    hk[size] = -r
                    hs[size] = s
                    pos[s] = size
                    size += 1
                s += 1
    for i in range((size - 2) // 4, -1, -1):
        sift_down(hk, hs, pos, size, sa, sb, i)
    touched = np.empty(n, np.int64)
    while True:
        while size > 0:
            s = hs[0]
            a, b = sa[s], sb[s]
            r = reduction(i_in[a], v[a], i_in[b], v[b], sw[s], lvp[a])
            if r != -hk[0]:                              # priced before a group changed
                if r > tol[a]:
                    size = heap_set(hk, hs, pos, size, sa, sb, s, -r)
                else:
                    size = heap_remove(hk, hs, pos, size, sa, sb, s)
                continue
            size = heap_remove(hk, hs, pos, size, sa, sb, s)
            e = sw[s]
            big, small = (a, b) if deg[a] >= deg[b] else (b, a)
            nt = 0
            h = head[small]
            while h != -1:
                nxt = he_next[h]
                s = he_slot[h]
                if s_alive[s]:
                    c = sb[s] if sa[s] == small else sa[s]
                    h_delete(keys, vals, where, where[s], bits)
                    if c == big:
                        s_alive[s] = False
                    else:
                        lo, hi = (big, c) if big < c else (c, big)
                        t = h_find(keys, lo * n + hi, bits)
                        if t >= 0:
                            t = vals[t]
                            sw[t] += sw[s]
                            s_alive[s] = False
                            size = heap_remove(hk, hs, pos, size, sa, sb, s)
                            deg[c] -= 1
                        else:
                            t = s
                            sa[s], sb[s] = lo, hi
                            h_insert(keys, vals, where, lo * n + hi, s, bits)
                            he_next[h] = head[big]
                            head[big] = h
                            deg[big] += 1
                        touched[nt] = t
                        nt += 1
                h = nxt
            head[small] = -1
            deg[big] -= 1
            deg[small] = 0
            i_in[big] += i_in[small] + 2.0 * e
            v[big] += v[small]
            alive[small] = False
            parent[small] = big
            if eager:
                nt = 0
                h = head[big]
                while h != -1:
                    s = he_slot[h]
                    if s_alive[s]:
                        touched[nt] = s
                        nt += 1
                    h = he_next[h]
            for q in range(nt):
                s = touched[q]
                c = sb[s] if sa[s] == big else sa[s]
                r = reduction(i_in[big], v[big], i_in[c], v[c], sw[s], lvp[big])
                if r > tol[big]:
                    size = heap_set(hk, hs, pos, size, sa, sb, s, -r)
                else:
                    size = heap_remove(hk, hs, pos, size, sa, sb, s)
        for s in range(n_slots):                       # heap dry: price every pair left once more
            if s_alive[s]:
                a, b = sa[s], sb[s]
                r = reduction(i_in[a], v[a], i_in[b], v[b], sw[s], lvp[a])
                if r > tol[a]:
                    size = heap_set(hk, hs, pos, size, sa, sb, s, -r)
        if size == 0:
            break
    labels = np.empty(n, np.int64)
    for i in range(n):
        r = i
        while parent[r] != r:
            r = parent[r]
        j = i
        while parent[j] != r:                             # path compression
            parent[j], j = r, parent[j]
        labels[i] = r
    return labels


# ------------------------------------------------------------------------------------- aggregation
@numba.njit(cache=True, nogil=True)
def group_members(labels, n_groups):
    """Items sorted by group (a counting sort; items labelled -1 are left out): ``(start, members)``, the members
    of group g being ``members[start[g]:start[g + 1]]``, in item order."""
    start = np.zeros(n_groups + 1, np.int64)
    for i in range(labels.shape[0]):
        if labels[i] >= 0:
            start[labels[i] + 1] += 1
    for c in range(n_groups):
        start[c + 1] += start[c]
    fill = start[:-1].copy()
    members = np.empty(start[n_groups], np.int64)
    for i in range(labels.shape[0]):
        if labels[i] >= 0:
            members[fill[labels[i]]] = i
            fill[labels[i]] += 1
    return start, members


@numba.njit(cache=True, nogil=True)
def aggregate(indptr, indices, data, vol, self_in, labels, n_groups):
    """Collapse groups (labels 0 .. n_groups - 1) into items: CSR weights between groups, group volumes, twice
    the weight inside each group, and one member of each group (to carry its block)."""
    start, members = group_members(labels, n_groups)
    g_vol = np.zeros(n_groups)
    g_self = np.zeros(n_groups)
    rep = np.empty(n_groups, np.int64)
    kw = np.zeros(n_groups)
    mark = np.zeros(n_groups, np.bool_)
    touched = np.empty(n_groups, np.int64)
    out_ptr = np.zeros(n_groups + 1, np.int64)
    out_idx = np.empty(indices.shape[0], np.int64)
    out_w = np.empty(indices.shape[0])
    nnz = 0
    for g in range(n_groups):
        rep[g] = members[start[g]]
        nt = 0
        for q in range(start[g], start[g + 1]):
            i = members[q]
            g_vol[g] += vol[i]
            g_self[g] += self_in[i]
            for p in range(indptr[i], indptr[i + 1]):
                c = labels[indices[p]]
                if c == g:
                    g_self[g] += data[p]
                    continue
                if not mark[c]:
                    mark[c] = True
                    touched[nt] = c
                    nt += 1
                kw[c] += data[p]
        for t in range(nt):
            c = touched[t]
            out_idx[nnz] = c
            out_w[nnz] = kw[c]
            nnz += 1
            kw[c] = 0.0
            mark[c] = False
        out_ptr[g + 1] = nnz
    return out_ptr, out_idx[:nnz].copy(), out_w[:nnz].copy(), g_vol, g_self, rep


@numba.njit(cache=True, nogil=True)
def quotient(indptr, indices, data, item_of, n_items):
    """The weights between items, each a group of vertices (``item_of[v]``: v's item, -1 for none), as CSR with
    sorted columns and no diagonal: what ``P^T A P`` gives for the vertex-to-item indicator P, less its diagonal."""
    start, members = group_members(item_of, n_items)
    kw = np.zeros(n_items)
    mark = np.zeros(n_items, np.bool_)
    touched = np.empty(n_items, np.int64)
    out_ptr = np.zeros(n_items + 1, np.int64)
    out_idx = np.empty(indices.shape[0], np.int64)
    out_w = np.empty(indices.shape[0])
    nnz = 0
    for g in range(n_items):
        nt = 0
        for q in range(start[g], start[g + 1]):
            v = members[q]
            for p in range(indptr[v], indptr[v + 1]):
                c = item_of[indices[p]]
                if c < 0 or c == g:
                    continue
                if not mark[c]:
                    mark[c] = True
                    touched[nt] = c
                    nt += 1
                kw[c] += data[p]
        touched[:nt].sort()
        for t in range(nt):
            c = touched[t]
            if kw[c] != 0.0:
                out_idx[nnz] = c
                out_w[nnz] = kw[c]
                nnz += 1
            kw[c] = 0.0
            mark[c] = False
        out_ptr[g + 1] = nnz
    return out_ptr, out_idx[:nnz].copy(), out_w[:nnz].copy()
