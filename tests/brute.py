"""Brute-force references for the core tests: entropy straight from the definitions, exhaustive searches.

Nothing here uses steps_core's own entropy code, so tests compare two independent computations.
"""

from __future__ import annotations

import itertools
import math


def degrees(n: int, edges: list[tuple[int, int, float]]) -> list[float]:
    d = [0.0] * n
    for a, b, w in edges:
        d[a] += w
        d[b] += w
    return d


def h1(n: int, edges) -> float:
    d = degrees(n, edges)
    vol = sum(d)
    return -sum(x / vol * math.log2(x / vol) for x in d if x > 0)


def tree_entropy(n: int, edges, parent: list[int]) -> float:
    """H^T by the definition: sum over non-root nodes of -(g/vol) log2(vol(α)/vol(parent))."""
    d = degrees(n, edges)
    vol_g = sum(d)
    nodes = range(len(parent))

    def under(node: int) -> set[int]:
        out = set()
        for v in range(n):
            u = v
            while u != -1:
                if u == node:
                    out.add(v)
                    break
                u = parent[u]
        return out

    total = 0.0
    for node in nodes:
        if parent[node] == -1:
            continue
        s, sp = under(node), under(parent[node])
        if not s:
            continue
        vol_s = sum(d[v] for v in s)
        vol_p = sum(d[v] for v in sp)
        cut = sum(w for a, b, w in edges if (a in s) != (b in s))
        if vol_s > 0:
            total += -(cut / vol_g) * math.log2(vol_s / vol_p)
    return total


def partition_entropy(n: int, edges, labels) -> float:
    """H of the 2-level tree whose communities are the label classes."""
    groups = sorted(set(labels))
    root = n
    parent = [0] * n + [-1] + [root] * len(groups)
    for v in range(n):
        parent[v] = n + 1 + groups.index(labels[v])
    return tree_entropy(n, edges, parent)


def set_partitions(n: int):
    """Every partition of range(n) as a label list (restricted growth strings)."""
    def rec(i, labels, m):
        if i == n:
            yield list(labels)
            return
        for c in range(m + 1):
            labels.append(c)
            yield from rec(i + 1, labels, max(m, c + 1))
            labels.pop()
    yield from rec(0, [], 0)


def best_partition_entropy(n: int, edges) -> float:
    """min over all partitions of H^2 (exhaustive: Bell(n) partitions, fine for n <= 8)."""
    return min(partition_entropy(n, edges, lab) for lab in set_partitions(n))


def covered(paths: dict[int, list[int]], skills) -> set[int]:
    out: set[int] = set()
    for s in skills:
        out.update(paths[s])
    return out


def best_extension(h: dict[int, float], paths: dict[int, list[int]], start: list[int], candidates: list[int],
                   n_add: int) -> float:
    """max over n_add-subsets Y of candidates of H(Y | start), by enumeration."""
    base = covered(paths, start)
    best = -1.0
    for ys in itertools.combinations(candidates, n_add):
        gain = sum(h[a] for a in covered(paths, ys) - base)
        best = max(best, gain)
    return best
