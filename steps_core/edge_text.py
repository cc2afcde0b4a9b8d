"""The edge list of ``tree.json`` as JSON text, written column by column.

A tree file carries its graph's edges (``[source, target, weight]`` or ``[..., cooccur]``, in
:func:`steps_core.graph.pair_rows` order) so that it stands alone. Building a Python list per edge and handing
millions of them to :func:`json.dumps` took longer than the tree build itself (2.9M edges: ~7 s to build the
lists, ~5 s to encode them). Here each skill name is encoded once, each weight is formatted by ``repr`` (what
:mod:`json` writes for a float, so a reader gets the same floats back), and the rows are joined with numpy's
element-wise string concatenation: the text is byte for byte what ``json.dumps(edges, ensure_ascii=False)``
writes.
"""

from __future__ import annotations

import json

import numpy as np

from .errors import InputError
from .graph import SkillGraph, pair_arrays
from .io import bad_json_value


def edges_json(graph: SkillGraph, *, path: str | None = None) -> str:
    """The JSON array of ``graph``'s pairs, ``[["a", "b", 0.5], ...]``, as ``json.dumps`` would write it.

    A weight that is not a finite number, or a skill name that cannot be written as UTF-8 (a lone surrogate),
    raises :class:`~steps_core.errors.InputError` naming ``path`` and the field.

    >>> from steps_core.graph import graph_from_edges
    >>> edges_json(graph_from_edges([("b", "a", 1.5), ("a", "c", 2.0)]))
    '[["a", "b", 1.5], ["a", "c", 2.0]]'
    """
    src, dst, weight, count = pair_arrays(graph)
    bad = np.flatnonzero(~np.isfinite(weight))
    if bad.size:
        raise InputError(f"not a finite number ({weight[bad[0]]})", path=path, field=f"edges[{bad[0]}][2]")
    names = np.array([json.dumps(skill, ensure_ascii=False) for skill in graph.skills] or [""], dtype=object)
    for i, skill in enumerate(graph.skills):
        found = bad_json_value(skill)
        if found is not None:                          # name the first edge that would carry it
            at = np.flatnonzero((src == i) | (dst == i))
            field = f"edges[{at[0]}][{int(src[at[0]] != i)}]" if at.size else "edges"
            raise InputError(found[1], path=path, field=field)
    if src.size == 0:
        return "[]"
    rows = "[" + names[src] + ", " + names[dst] + ", " + np.array(list(map(repr, weight.tolist())), dtype=object)
    if count is not None:
        rows = rows + ", " + np.array(list(map(str, count.tolist())), dtype=object)
    return "[" + "], ".join(rows.tolist()) + "]]"
