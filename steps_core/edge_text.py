"""The edge list of ``tree.json`` as JSON text, written by one compiled pass.

A tree file carries its graph's edges (``[source, target, weight]`` or ``[..., cooccur]``, in
:func:`steps_core.graph.pair_rows` order) so that it stands alone. Building a Python list per edge and handing
millions of them to :func:`json.dumps` took longer than the tree build itself (2.9M edges: ~7 s to build the
lists, ~5 s to encode them), and so did ``repr`` on each weight (~1 µs a float here: Python's float-to-text
falls back to big-integer arithmetic for most 17-digit floats). Here each skill name is encoded once, and a
compiled pass (:func:`_write_rows`, which releases the interpreter) writes every row into one byte buffer, each
weight as ``repr`` writes it: the shortest decimal that reads back as the same float, the nearest to it among
those, ties to even (:func:`_shortest`, exact integer arithmetic on the float's bits; the few weights below
1e-18 or from 1e17 up are formatted by ``repr`` itself). The text is byte for byte what
``json.dumps(edges, ensure_ascii=False)`` writes: tests/test_edge_text.py compares the floats with ``repr`` on
~150,000 of every kind (random bits over the whole range, its ends, powers of 2 and 10 and their neighbours,
halfway cases, integers, short decimals); 30 million more agreed when this was written. 2.9M edges: ~0.5 s of
compiled work instead of ~3.5 s with ``repr`` and numpy's string concatenation.
"""

from __future__ import annotations

import json

import numba
import numpy as np

from .errors import InputError
from .graph import SkillGraph, pair_arrays
from .io import bad_json_value

_U = np.uint64
_M32 = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)
_Z = np.uint64(0)
_ONE = np.uint64(1)
_TEN = np.uint64(10)
_HUNDRED = np.uint64(100)
_FRACTION = np.uint64((1 << 52) - 1)
_HIDDEN = np.uint64(1 << 52)
_SIGN = np.uint64(1 << 63)
#: 10**j for j = 0 .. 38 as (high, low) 64-bit words, and 10**j below 2**64
_POW10 = np.array([[(10 ** j) >> 64, (10 ** j) & ((1 << 64) - 1)] for j in range(39)], np.uint64)
_POW10_64 = np.array([10 ** j for j in range(20)], np.uint64)
#: the floats :func:`_shortest` formats (others: ``repr``)
LOWEST, HIGHEST = 1e-18, 1e17


@numba.njit(cache=True)
def _mul64(a, b):
    """a * b as (high, low) 64-bit words."""
    a0, a1 = a & _M32, a >> _S32
    b0, b1 = b & _M32, b >> _S32
    p00, p01, p10, p11 = a0 * b0, a0 * b1, a1 * b0, a1 * b1
    mid = (p00 >> _S32) + (p01 & _M32) + (p10 & _M32)
    return p11 + (p01 >> _S32) + (p10 >> _S32) + (mid >> _S32), (p00 & _M32) | (mid << _S32)


@numba.njit(cache=True)
def _bit(w2, w1, w0, b):
    """Bit b of the 192-bit number (w2, w1, w0)."""
    w = w0 if b < 64 else (w1 if b < 128 else w2)
    return (w >> _U(b % 64)) & _ONE


@numba.njit(cache=True)
def _low_bits_zero(w2, w1, w0, b):
    """Whether bits 0 .. b-1 of (w2, w1, w0) are all zero."""
    if b <= 0:
        return True
    if b < 64:
        return (w0 & ((_ONE << _U(b)) - _ONE)) == _Z
    if w0 != _Z:
        return False
    if b < 128:
        return b == 64 or (w1 & ((_ONE << _U(b - 64)) - _ONE)) == _Z
    if w1 != _Z:
        return False
    return b == 128 or (w2 & ((_ONE << _U(b - 128)) - _ONE)) == _Z


@numba.njit(cache=True)
def _shift_down(w2, w1, w0, b):
    """(w2, w1, w0) >> b, when it fits in 64 bits."""
    if b >= 128:
        return w2 >> _U(b - 128)
    if b >= 64:
        c = b - 64
        return (w1 >> _U(c)) | ((w2 << _U(64 - c)) if c > 0 else _Z)
    if b == 0:
        return w0
    return (w0 >> _U(b)) | (w1 << _U(64 - b))


@numba.njit(cache=True)
def _scaled(a, j, shift):
    """floor(a * 10**j / 2**shift) and its fraction: 0 none, 1 below one half, 2 one half, 3 above."""
    h1, l1 = _mul64(a, _POW10[j, 1])
    h2, l2 = _mul64(a, _POW10[j, 0])
    w1 = h1 + l2
    w2 = h2 + (_ONE if w1 < h1 else _Z)
    if shift <= 0:
        return l1 << _U(-shift), 0
    whole = _shift_down(w2, w1, l1, shift)
    rest = _low_bits_zero(w2, w1, l1, shift - 1)
    if _bit(w2, w1, l1, shift - 1) == _Z:
        return whole, 0 if rest else 1
    return whole, 2 if rest else 3


@numba.njit(cache=True, nogil=True)
def _shortest(bits, value):
    """The shortest decimal that reads back as the positive double ``value`` (``bits``: its IEEE bits), the
    nearest to it among those, ties to the even one: ``(digits, e)`` with value ~ digits x 10**e.

    Every number of the float's rounding interval (half a gap on each side, the ends included when the
    significand is even) is scaled by 10**j into 17-18 digit integers with exact fractions (192-bit products
    with the float's significand); the most trailing zeros an integer of the interval can have gives the
    length, and the nearest such integer to the float the digits. For LOWEST <= value < HIGHEST."""
    fraction = bits & _FRACTION
    exponent = np.int64((bits >> _U(52)) & _U(0x7FF))
    sig = fraction | _HIDDEN
    inclusive = (sig & _ONE) == _Z
    # the interval around 4 sig in units of 2**(exponent - 1077): the gap below halves at a power of two
    a_low = _U(4) * sig - (_ONE if fraction == _Z and exponent > 1 else _U(2))
    a_mid = _U(4) * sig
    a_high = _U(4) * sig + _U(2)
    shift = 1077 - exponent
    j = 17 - np.int64(np.floor(np.log10(value)))
    while True:                                        # 10**16 <= mid < 10**18 (the estimate may be one off)
        mid, mid_frac = _scaled(a_mid, j, shift)
        if mid >= _POW10_64[18] and j > 0:
            j -= 1
        elif mid < _POW10_64[16]:
            j += 1
        else:
            break
    low, low_frac = _scaled(a_low, j, shift)
    high, high_frac = _scaled(a_high, j, shift)
    lo = low + (_Z if (low_frac == 0 and inclusive) else _ONE)      # the integers of the interval: lo .. hi
    hi = high if (high_frac != 0 or inclusive) else high - _ONE
    t = 0                                              # the most trailing zeros an integer of lo .. hi has
    while t < 18:
        p = _POW10_64[t + 1]
        if (hi // p) * p < lo:
            break
        t += 1
    p = _POW10_64[t]
    q = mid // p
    r2 = _U(2) * (mid - q * p)
    if r2 > p or (r2 == p and mid_frac != 0) or (r2 + _ONE == p and mid_frac == 3):
        q += _ONE
    elif (r2 == p and mid_frac == 0) or (r2 + _ONE == p and mid_frac == 2):
        q += q & _ONE                                  # exactly halfway: the even one
    if q * p < lo:                                     # the nearest multiple is outside: the next one inside
        q += _ONE
    elif q * p > hi:
        q -= _ONE
    return q, t - j


@numba.njit(cache=True, nogil=True)
def _write_digits(x, n, out, pos):
    """The n decimal digits of x at out[pos:pos + n], two at a time."""
    i = n
    while i >= 2:
        pair = np.int64(x % _HUNDRED)
        x //= _HUNDRED
        out[pos + i - 1] = 48 + pair % 10
        out[pos + i - 2] = 48 + pair // 10
        i -= 2
    if i == 1:
        out[pos] = 48 + np.int64(x % _TEN)


@numba.njit(cache=True, nogil=True)
def _copy(src, a, b, out, pos):
    """src[a:b] at out[pos:]; returns the end."""
    for i in range(b - a):
        out[pos + i] = src[a + i]
    return pos + b - a


@numba.njit(cache=True, nogil=True)
def _write_float(value, bits, out, pos):
    """``repr(value)`` at out[pos:]; returns where it ends, or -1 for a float outside LOWEST .. HIGHEST."""
    if bits & _SIGN:
        out[pos] = 45                                  # '-'
        pos += 1
        value = -value
        bits = bits & ~_SIGN
    if value == 0:
        out[pos] = 48                                  # 0.0
        out[pos + 1] = 46
        out[pos + 2] = 48
        return pos + 3
    if not (LOWEST <= value < HIGHEST):
        return -1
    q, e = _shortest(bits, value)
    n = 1
    while n < 20 and q >= _POW10_64[n]:
        n += 1
    point = e + n                                      # value ~ 0.d1d2... x 10**point
    if point <= -4 or point > 16:                      # 1e-05, 1.5e+16
        _write_digits(q, n, out, pos + 1)
        out[pos] = out[pos + 1]
        if n > 1:
            out[pos + 1] = 46
            pos += n + 1
        else:
            pos += 1
        out[pos] = 101
        x = point - 1
        out[pos + 1] = 45 if x < 0 else 43
        x = abs(x)
        width = 3 if x >= 100 else 2
        _write_digits(_U(x), width, out, pos + 2)
        return pos + 2 + width
    if point <= 0:                                     # 0.00123
        out[pos] = 48
        out[pos + 1] = 46
        for i in range(-point):
            out[pos + 2 + i] = 48
        _write_digits(q, n, out, pos + 2 - point)
        return pos + 2 - point + n
    if point < n:                                      # 12.5
        _write_digits(q, n, out, pos + 1)
        _copy(out, pos + 1, pos + 1 + point, out, pos)  # the integer digits one place left, then the point
        out[pos + point] = 46
        return pos + n + 1
    _write_digits(q, n, out, pos)                      # 120.0
    for i in range(n, point):
        out[pos + i] = 48
    out[pos + point] = 46
    out[pos + point + 1] = 48
    return pos + point + 2


@numba.njit(cache=True, nogil=True)
def _write_int(x, out, pos):
    if x < 0:
        out[pos] = 45
        pos += 1
        x = -x
    v = _U(x)
    n = 1
    while n < 20 and v >= _POW10_64[n]:
        n += 1
    _write_digits(v, n, out, pos)
    return pos + n


@numba.njit(cache=True, nogil=True)
def _text_bound(indptr, indices, weight, name_end):
    """An upper bound of the text's length (the pairs: the entries above the diagonal of a CSR matrix), and
    how many weights :func:`_write_float` leaves to ``repr`` (non-zero, outside LOWEST .. HIGHEST, not finite)."""
    total = 2
    odd = 0
    for r in range(indptr.size - 1):
        for i in range(indptr[r], indptr[r + 1]):
            c = indices[i]
            if c > r:
                total += (name_end[r + 1] - name_end[r]) + (name_end[c + 1] - name_end[c]) + 60
                size = abs(weight[i])
                if size != 0 and not (LOWEST <= size < HIGHEST):
                    odd += 1
    return total, odd


@numba.njit(cache=True, nogil=True)
def _write_rows(indptr, indices, weight, count, with_count, names, name_end, spare, spare_end, out):
    """``[[name, name, weight(, count)], ...]`` into ``out`` for the entries above the diagonal of a CSR matrix
    (rows in order, columns sorted: the pairs in order); returns the length written. ``spare``: the ``repr`` of
    each weight :func:`_write_float` does not format, in order."""
    bits = weight.view(np.uint64)
    out[0] = 91
    pos = 1
    k = 0
    for r in range(indptr.size - 1):
        for i in range(indptr[r], indptr[r + 1]):
            c = indices[i]
            if c <= r:
                continue
            if pos > 1:
                out[pos] = 44
                out[pos + 1] = 32
                pos += 2
            out[pos] = 91
            pos = _copy(names, name_end[r], name_end[r + 1], out, pos + 1)
            out[pos] = 44
            out[pos + 1] = 32
            pos = _copy(names, name_end[c], name_end[c + 1], out, pos + 2)
            out[pos] = 44
            out[pos + 1] = 32
            end = _write_float(weight[i], bits[i], out, pos + 2)
            if end < 0:
                end = _copy(spare, spare_end[k], spare_end[k + 1], out, pos + 2)
                k += 1
            pos = end
            if with_count:
                out[pos] = 44
                out[pos + 1] = 32
                pos = _write_int(count[i], out, pos + 2)
            out[pos] = 93
            pos += 1
    out[pos] = 93
    return pos + 1


@numba.njit(cache=True, nogil=True)
def _write_lines(values, out):
    """Each float's text (:func:`_write_float`) and a line break; a float it does not format: an empty line."""
    bits = values.view(np.uint64)
    pos = 0
    for i in range(values.size):
        end = _write_float(values[i], bits[i], out, pos)
        pos = (pos if end < 0 else end) + 1
        out[pos - 1] = 10
    return pos


def float_texts(values: np.ndarray) -> list[str]:
    """``[repr(float(x)) for x in values]`` (finite floats), formatted by the compiled pass."""
    values = np.ascontiguousarray(values, np.float64)
    out = np.empty(values.size * 26 + 1, np.uint8)
    texts = out[:_write_lines(values, out)].tobytes().decode("ascii").split("\n")[:-1]
    size = np.abs(values)
    for i in np.flatnonzero((size != 0) & ~((size >= LOWEST) & (size < HIGHEST))).tolist():
        texts[i] = repr(float(values[i]))
    return texts


def _packed(texts: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    ends = np.zeros(len(texts) + 1, np.int64)
    np.cumsum([len(t) for t in texts], out=ends[1:])
    return np.frombuffer(b"".join(texts) or b"\0", np.uint8), ends


def _pairs(graph: SkillGraph):
    """The graph's pairs as the entries above the diagonal of a CSR matrix ``(indptr, indices, weight, count)``:
    the adjacency itself when it can be (no co-occurrence counts, sorted rows), else :func:`pair_arrays`."""
    adj = graph.adjacency
    if graph.cooccur is None and adj.format == "csr" and adj.has_sorted_indices:
        return adj.indptr, adj.indices, np.ascontiguousarray(adj.data, np.float64), None
    src, dst, weight, count = pair_arrays(graph)
    indptr = np.zeros(graph.n_skills + 1, np.int64)
    np.cumsum(np.bincount(src, minlength=graph.n_skills), out=indptr[1:])
    return indptr, dst, np.ascontiguousarray(weight, np.float64), count


def _buffer(size: int) -> np.ndarray:
    """An uninitialised byte array, from pyarrow's memory pool when pyarrow is loaded: ``steps tree`` has just
    read the edge list with it, and memory its reader let go of is reused instead of fresh pages (on the
    virtual machine measured, first touches of fresh memory cost about as much as writing the text; 2.9M
    edges: 0.3-0.6 s less system time)."""
    import sys

    if "pyarrow" in sys.modules:
        import pyarrow as pa

        return np.frombuffer(pa.allocate_buffer(size), np.uint8)
    return np.empty(size, np.uint8)


def edges_json_bytes(graph: SkillGraph, *, path: str | None = None) -> np.ndarray:
    """:func:`edges_json` as UTF-8 bytes, in a numpy ``uint8`` array (write it as it is: no copy is made).

    A weight that is not a finite number, or a skill name that cannot be written as UTF-8 (a lone surrogate),
    raises :class:`~steps_core.errors.InputError` naming ``path`` and the field.
    """
    indptr, indices, weight, count = _pairs(graph)
    names, name_end = _packed([json.dumps(s, ensure_ascii=False).encode("utf-8", "surrogatepass")
                               for s in graph.skills])
    bound, odd = _text_bound(indptr, indices, weight, name_end)
    spare = []
    if odd:                                            # rare: in the pairs' order (edges[k] names the k-th)
        src, dst, w, _ = pair_arrays(graph)
        bad = np.flatnonzero(~np.isfinite(w))
        if bad.size:
            raise InputError(f"not a finite number ({w[bad[0]]})", path=path, field=f"edges[{bad[0]}][2]")
        size = np.abs(w)
        spare = [repr(x).encode("ascii") for x in w[(size != 0) & ((size < LOWEST) | (size >= HIGHEST))].tolist()]
    for i, skill in enumerate(graph.skills):
        found = bad_json_value(skill)
        if found is not None:                          # name the first edge that would carry it
            src, dst, _, _ = pair_arrays(graph)
            at = np.flatnonzero((src == i) | (dst == i))
            field = f"edges[{at[0]}][{int(src[at[0]] != i)}]" if at.size else "edges"
            raise InputError(found[1], path=path, field=field)
    spare, spare_end = _packed(spare)
    with_count = count is not None
    counts = np.ascontiguousarray(count, np.int64) if with_count else np.zeros(1, np.int64)
    out = _buffer(bound)                               # pages past the end are never touched
    end = _write_rows(indptr, indices, weight, counts, with_count, names, name_end, spare, spare_end, out)
    return out[:end]


def edges_json(graph: SkillGraph, *, path: str | None = None) -> str:
    """The JSON array of ``graph``'s pairs, ``[["a", "b", 0.5], ...]``, as ``json.dumps`` would write it.

    A weight that is not a finite number, or a skill name that cannot be written as UTF-8 (a lone surrogate),
    raises :class:`~steps_core.errors.InputError` naming ``path`` and the field.

    >>> from steps_core.graph import graph_from_edges
    >>> edges_json(graph_from_edges([("b", "a", 1.5), ("a", "c", 2.0)]))
    '[["a", "b", 1.5], ["a", "c", 2.0]]'
    """
    return edges_json_bytes(graph, path=path).tobytes().decode("utf-8")
