"""Compiled tables for the greedy merge (:func:`steps_core.level_kernels.greedy_merge`).

An open-addressing hash table (linear probing, Fibonacci hashing, deletion without tombstones) maps a pair of
groups ``a * n + b`` to its edge slot, and a 4-ary indexed heap keeps the slots by merge reduction, largest
first, ties by smaller endpoints so the merge order is deterministic. Arrays in, arrays out: numba compiles
them (docs/core.md, "Optimiser performance").
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True)
def _slot_of(key, bits):
    """Home slot of a key in an open-addressing table of 2**bits entries (Fibonacci hashing)."""
    return np.int64((np.uint64(key) * np.uint64(11400714819323198485)) >> np.uint64(64 - bits))


@numba.njit(cache=True)
def h_find(keys, key, bits):
    mask = (1 << bits) - 1
    i = _slot_of(key, bits)
    while keys[i] != -1:
        if keys[i] == key:
            return i
        i = (i + 1) & mask
    return -1


@numba.njit(cache=True)
def h_insert(keys, vals, where, key, val, bits):
    """Insert key -> val (``where[val]`` keeps the entry's position)."""
    mask = (1 << bits) - 1
    i = _slot_of(key, bits)
    while keys[i] != -1:
        i = (i + 1) & mask
    keys[i] = key
    vals[i] = val
    where[val] = i


@numba.njit(cache=True)
def h_delete(keys, vals, where, i, bits):
    """Remove entry i of a linear-probing table, shifting later entries of its cluster back (no tombstones)."""
    mask = (1 << bits) - 1
    j = i
    while True:
        j = (j + 1) & mask
        if keys[j] == -1:
            break
        k = _slot_of(keys[j], bits)
        if (i <= j and i < k <= j) or (i > j and (k > i or k <= j)):
            continue
        keys[i] = keys[j]
        vals[i] = vals[j]
        where[vals[i]] = i
        i = j
    keys[i] = -1


@numba.njit(cache=True)
def _before(hk, hs, sa, sb, i, j):
    """Heap order of positions i and j: larger reduction first, then smaller endpoints (deterministic ties)."""
    if hk[i] != hk[j]:
        return hk[i] < hk[j]
    s, t = hs[i], hs[j]
    return sa[s] < sa[t] or (sa[s] == sa[t] and sb[s] < sb[t])


@numba.njit(cache=True)
def _swap(hk, hs, pos, i, j):
    hk[i], hk[j] = hk[j], hk[i]
    hs[i], hs[j] = hs[j], hs[i]
    pos[hs[i]] = i
    pos[hs[j]] = j


@numba.njit(cache=True)
def sift_down(hk, hs, pos, size, sa, sb, i):
    """4-ary heap: the children of position i are 4i + 1 .. 4i + 4."""
    while True:
        c = 4 * i + 1
        if c >= size:
            return
        best = c
        for d in range(c + 1, min(c + 4, size)):
            if _before(hk, hs, sa, sb, d, best):
                best = d
        if not _before(hk, hs, sa, sb, best, i):
            return
        _swap(hk, hs, pos, i, best)
        i = best


@numba.njit(cache=True)
def _heap_fix(hk, hs, pos, size, sa, sb, i):
    """Restore the heap order around position i (sift up, else down)."""
    j = i
    while j > 0 and _before(hk, hs, sa, sb, j, (j - 1) // 4):
        _swap(hk, hs, pos, j, (j - 1) // 4)
        j = (j - 1) // 4
    if j == i:
        sift_down(hk, hs, pos, size, sa, sb, i)


@numba.njit(cache=True)
def heap_set(hk, hs, pos, size, sa, sb, s, key):
    """Give slot s the key ``key`` (inserting it when absent); returns the new heap size."""
    i = pos[s]
    if i < 0:
        i = size
        hs[i] = s
        pos[s] = i
        size += 1
    hk[i] = key
    _heap_fix(hk, hs, pos, size, sa, sb, i)
    return size


@numba.njit(cache=True)
def heap_remove(hk, hs, pos, size, sa, sb, s):
    """Take slot s out of the heap (if there); returns the new heap size."""
    i = pos[s]
    if i < 0:
        return size
    pos[s] = -1
    size -= 1
    if i < size:
        hk[i] = hk[size]
        hs[i] = hs[size]
        pos[hs[i]] = i
        _heap_fix(hk, hs, pos, size, sa, sb, i)
    return size
