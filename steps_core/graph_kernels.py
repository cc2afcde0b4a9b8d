"""Compiled passes over the pairs of an edge list: the symmetric CSR matrices of
:func:`steps_core.graph.read_graph_csv`'s fast path (:mod:`steps_core.graph_arrow`).

One pass writes each pair in both directions straight into the CSR arrays: a file written by
:func:`~steps_core.graph.write_graph_csv` (pairs sorted) fills every row in order, other rows are sorted there,
and a pair listed twice shows up as a repeated column in a row. No coordinate-format copy, no index sort.
Kept apart from the reader so that pyarrow reads the file while numba is still loading (``steps tree``).
"""

from __future__ import annotations

import numba
import numpy as np

_INT32_MAX = np.iinfo(np.int32).max

# status codes of the compiled passes
_OK, _SELF_LOOP, _BAD_WEIGHT, _TWICE, _BAD_COUNT = 0, 1, 2, 3, 4


@numba.njit(cache=True, nogil=True)
def _check_and_count(a, a_map, b, b_map, w, c, with_counts, count):
    """Check a block of pairs ``(a_map[a[e]], b_map[b[e]])`` (self-loops, weights that are negative or not finite,
    negative counts) and add each skill's number of pairs (every pair, whatever its weight) to ``count``.
    Returns the status."""
    for e in range(a.size):
        x, y, v = a_map[a[e]], b_map[b[e]], w[e]
        if x == y:
            return _SELF_LOOP
        if not (v >= 0.0 and v < np.inf):
            return _BAD_WEIGHT
        if with_counts and c[e] < 0:
            return _BAD_COUNT
        count[x] += 1
        count[y] += 1
    return _OK


@numba.njit(cache=True, nogil=True)
def _fill(a, a_map, b, b_map, values, pos, indices, data):
    """Write a block of pairs in both directions at each row's next free place ``pos[row]`` (rows in file
    order)."""
    for e in range(a.size):
        x, y = a_map[a[e]], b_map[b[e]]
        indices[pos[x]] = y
        data[pos[x]] = values[e]
        pos[x] += 1
        indices[pos[y]] = x
        data[pos[y]] = values[e]
        pos[y] += 1


@numba.njit(cache=True, nogil=True)
def _sort_rows(indptr, indices, data):
    """Sort each row by column (a sorted file leaves nothing to sort), checking that no column comes twice (a
    pair listed twice). Returns the status."""
    for r in range(indptr.size - 1):
        lo, hi = indptr[r], indptr[r + 1]
        ordered = True
        for i in range(lo + 1, hi):
            if indices[i] <= indices[i - 1]:
                ordered = False
                break
        if ordered:
            continue
        order = np.argsort(indices[lo:hi], kind="mergesort")
        cols = indices[lo:hi][order]
        vals = data[lo:hi][order]
        for i in range(hi - lo):
            if i > 0 and cols[i] == cols[i - 1]:
                return _TWICE
            indices[lo + i] = cols[i]
            data[lo + i] = vals[i]
    return _OK


@numba.njit(cache=True, nogil=True)
def _keep_positive(indptr, indices, data, out_indptr, out_indices, out_data):
    """The entries of a CSR matrix whose value is positive (the arrays given are filled)."""
    k = 0
    for r in range(indptr.size - 1):
        out_indptr[r] = k
        for i in range(indptr[r], indptr[r + 1]):
            if data[i] > 0:
                out_indices[k] = indices[i]
                out_data[k] = data[i]
                k += 1
    out_indptr[indptr.size - 1] = k


@numba.njit(cache=True, nogil=True)
def _upper(indptr, indices, data, src, dst, w, fill):
    """The entries above the diagonal of a CSR matrix, row by row (into src, dst, w when ``fill``); returns
    how many there are."""
    k = 0
    for r in range(indptr.size - 1):
        for i in range(indptr[r], indptr[r + 1]):
            c = indices[i]
            if c > r:
                if fill:
                    src[k] = r
                    dst[k] = c
                    w[k] = data[i]
                k += 1
    return k


def upper_entries(adj) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(row, column, value)`` of the entries above the diagonal of a CSR matrix, in storage order (with sorted
    rows: sorted by row, then column); int64, int64, float64, no temporary arrays."""
    empty = np.empty(0, np.int64)
    m = _upper(adj.indptr, adj.indices, adj.data, empty, empty, np.empty(0), False)
    src, dst, w = np.empty(m, np.int64), np.empty(m, np.int64), np.empty(m, np.float64)
    _upper(adj.indptr, adj.indices, adj.data, src, dst, w, True)
    return src, dst, w


def upper_count(adj) -> int:
    """How many entries a CSR matrix has above its diagonal."""
    empty = np.empty(0, np.int64)
    return int(_upper(adj.indptr, adj.indices, adj.data, empty, empty, np.empty(0), False))


def _index_dtype(nnz: int, n: int):
    """scipy's choice for a matrix of this size: 32-bit indices when they fit."""
    return np.int32 if max(nnz, n) <= _INT32_MAX else np.int64


def _csr(indptr, indices, data, n):
    import scipy.sparse as sp

    out = sp.csr_array((data, indices, indptr), shape=(n, n))
    out.has_sorted_indices = True                       # sorted, no column twice (checked while filling)
    out.has_canonical_format = True
    return out


def _positive(indptr, indices, data, n):
    """The CSR matrix of the entries with a positive value."""
    keep = int(np.count_nonzero(data > 0))
    if keep == data.size:
        return _csr(indptr, indices, data, n)
    dtype = _index_dtype(keep, n)
    out = (np.empty(n + 1, dtype), np.empty(keep, dtype), np.empty(keep, data.dtype))
    _keep_positive(indptr, indices, data, *out)
    return _csr(*out, n)


def symmetric_pairs(blocks, n: int, with_counts: bool = False):
    """``(adjacency, cooccur)`` of the pairs of ``n`` skills given by ``blocks``: symmetric CSR matrices of the
    positive weights (and of the positive counts, ``with_counts``), rows sorted; None when a pair would make the
    careful reader speak (a self-loop, a weight that is negative or not finite, a negative count, a pair twice).

    ``blocks``: ``(a, a_map, b, b_map, weight, count)`` arrays, the pairs ``(a_map[a[e]], b_map[b[e]])`` (so that a
    reader's dictionary-encoded blocks are used as they are; ``count`` is ignored without ``with_counts``). The
    same matrices as :func:`steps_core.graph._symmetric` on the positive entries.
    """
    count = np.zeros(n, np.int64)
    for a, a_map, b, b_map, w, c in blocks:
        if _check_and_count(a, a_map, b, b_map, w, c, with_counts, count) != _OK:
            return None
    nnz = int(count.sum())
    dtype = _index_dtype(nnz, n)
    indptr = np.zeros(n + 1, dtype)
    np.cumsum(count, out=indptr[1:])
    indices = np.empty(nnz, dtype)
    data = np.empty(nnz, np.float64)
    pos = indptr[:-1].astype(np.int64)
    for a, a_map, b, b_map, w, _ in blocks:
        _fill(a, a_map, b, b_map, w, pos, indices, data)
    if _sort_rows(indptr, indices, data) != _OK:
        return None
    if not with_counts:
        return _positive(indptr, indices, data, n), None
    counts = np.empty(nnz, np.int64)
    again = np.empty(nnz, dtype)                       # the same rows, so the same order after sorting
    pos = indptr[:-1].astype(np.int64)
    for a, a_map, b, b_map, _, c in blocks:
        _fill(a, a_map, b, b_map, c, pos, again, counts)
    _sort_rows(indptr, again, counts)
    return _positive(indptr, indices, data, n), _positive(indptr, indices, counts, n)


def warm_up() -> None:
    """Load the compiled passes (and start numba) on a tiny graph."""
    ends, w = np.array([0, 1], np.int32), np.ones(1)
    symmetric_pairs([(ends[:1], ends, ends[1:], ends, w, w)], 2)
    symmetric_pairs([(ends[:1], ends, ends[1:], ends, w, np.ones(1, np.int64))], 2, True)
