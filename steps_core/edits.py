"""Editing a taxonomy by hand: operations recorded as plain JSON objects and replayed in order.

An operation refers to communities by the ids of the tree it applies to (ids are paths such as ``"2.1"``
and may change after an edit), so a list of operations is replayed from the base tree, one after the other.
Each operation keeps the tree a valid encoding tree and recomputes every entropy exactly.

===========  ==============================================  =============================================
op           fields                                           effect
===========  ==============================================  =============================================
``relabel``  ``node`` (community id), ``label``               rename a community (kept through later edits)
``move``     ``skill`` (name), ``to`` (community id/"root")   move a skill's leaf under another community
``merge``    ``a``, ``b`` (sibling community ids), [label]    fuse two sibling communities into one
``split``    ``node`` (community id)                          re-run the optimiser inside the community
===========  ==============================================  =============================================

>>> from steps_core.graph import graph_from_edges
>>> from steps_core.optimize import build_tree
>>> t = build_tree(graph_from_edges([("a", "b", 1), ("b", "c", 1), ("a", "c", 1), ("d", "e", 1)]), k=2)
>>> t2 = apply_op(t, {"op": "move", "skill": "d", "to": "1"})
>>> sorted(t2.skills[i] for i in t2.members(t2.node_of("1")))
['a', 'b', 'c', 'd']
"""

from __future__ import annotations

from typing import Iterable, Mapping

from . import operators
from .errors import InputError
from .tree import EncodingTree

OPS = ("relabel", "move", "merge", "split")


def _community(tree: EncodingTree, ref, field: str) -> int:
    if not isinstance(ref, str):
        raise InputError(f"expected a community id, got {ref!r}", field=field)
    node = tree.id_index.get(ref)
    if node is None or node < tree.n_skills:
        raise InputError(f"no community {ref!r} in the tree", field=field)
    return node


def apply_op(tree: EncodingTree, op: Mapping) -> EncodingTree:
    """Apply one edit operation; raises InputError naming the bad field."""
    if not isinstance(op, Mapping) or op.get("op") not in OPS:
        raise InputError(f"unknown edit {op!r}; expected an object with op in {', '.join(OPS)}", field="op")
    kind = op["op"]
    if kind == "relabel":
        node = _community(tree, op.get("node"), "node")
        if node == tree.root:
            raise InputError("the root cannot be renamed", field="node")
        label = op.get("label")
        if not isinstance(label, str):
            raise InputError("expected a label", field="label")
        return operators.relabel(tree, node, label)
    if kind == "move":
        skill = op.get("skill")
        if skill not in tree.graph.index:
            raise InputError(f"no skill {skill!r} in the tree", field="skill")
        target = _community(tree, op.get("to"), "to")
        return operators.move_leaf(tree, tree.graph.index[skill], target)
    if kind == "merge":
        a, b = _community(tree, op.get("a"), "a"), _community(tree, op.get("b"), "b")
        if tree.parent[a] != tree.parent[b] or a == b:
            raise InputError(f"communities {op.get('a')} and {op.get('b')} are not siblings", field="b")
        label = op.get("label")
        return operators.merge(tree, a, b, label=label if isinstance(label, str) and label.strip() else None)
    node = _community(tree, op.get("node"), "node")
    return operators.split(tree, node)


def replay_each(tree: EncodingTree, ops: Iterable[Mapping]) -> tuple[EncodingTree, ...]:
    """The tree before any operation and after each one, in order (so a log can show H^T per edit)."""
    trees = [tree]
    for i, op in enumerate(ops, start=1):
        try:
            trees.append(apply_op(trees[-1], op))
        except InputError as exc:
            raise InputError(f"edit {i}: {exc.message}", field=exc.field) from None
    return tuple(trees)


def replay(tree: EncodingTree, ops: Iterable[Mapping]) -> EncodingTree:
    """Apply operations in order (the active part of a workspace's edit log)."""
    return replay_each(tree, ops)[-1]


def is_stale(ops: Iterable[Mapping], base: EncodingTree) -> bool:
    """True when some operation records (as ``"base"``) a base tree other than ``base``: it was made on a
    taxonomy built from other data or settings, so its community ids mean something else here."""
    return any("base" in op and op["base"] != base.version for op in ops)


def with_base(op: Mapping, base: EncodingTree) -> dict:
    """The operation, recording the version of the base tree its log replays from."""
    return {**op, "base": base.version}


def describe_op(op: Mapping) -> str:
    """One line for an edit log."""
    kind = op.get("op")
    if kind == "relabel":
        return f"rename community {op.get('node')} to {op.get('label')!r}"
    if kind == "move":
        return f"move {op.get('skill')!r} to community {op.get('to')}"
    if kind == "merge":
        return f"merge communities {op.get('a')} and {op.get('b')}"
    if kind == "split":
        return f"split community {op.get('node')}"
    return repr(dict(op))
