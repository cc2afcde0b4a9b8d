"""Taxonomy edits: every operation keeps a valid tree whose H^T equals an independent recomputation."""

import pytest

from brute import tree_entropy
from steps_core.edits import apply_op, describe_op, replay
from steps_core.errors import InputError
from steps_core.generators import planted_hierarchy
from steps_core.optimize import build_tree
from steps_core.select import select_combinations
from steps_core.tree import check_tree, from_dict, to_dict


@pytest.fixture(scope="module")
def tree():
    g, _, _ = planted_hierarchy(60, n_groups=2, n_sub=3, p_sub=0.6, p_group=0.15, p_out=0.02, seed=2)
    return build_tree(g, k=3)


def independent(t):
    src, dst, w = t.graph.edges()
    return tree_entropy(t.n_skills, list(zip(src.tolist(), dst.tolist(), w.tolist())), t.parent.tolist())


def ops_for(t):
    top = [c for c in t.children[t.root] if c >= t.n_skills]
    inner = [c for c in t.communities if t.parent[c] != t.root]
    yield {"op": "relabel", "node": t.ids[top[0]], "label": "Renamed <i>group</i>"}
    yield {"op": "move", "skill": t.skills[t.members(top[0])[0]], "to": t.ids[top[1]]}
    yield {"op": "merge", "a": t.ids[top[0]], "b": t.ids[top[1]]}
    if inner:
        yield {"op": "split", "node": t.ids[max(inner, key=lambda c: len(t.children[c]))]}


def test_each_op_keeps_tree_valid_and_exact(tree):
    for op in ops_for(tree):
        after = apply_op(tree, op)
        check_tree(after)
        assert after.entropy == pytest.approx(independent(after), abs=1e-10), op
        assert describe_op(op)


def test_undo_by_replay_restores_exact_tree(tree):
    ops, states = [], [tree]
    for i in range(4):                      # each op refers to the ids of the tree it applies to
        candidates = list(ops_for(states[-1]))
        op = candidates[i % len(candidates)]
        ops.append(op)
        states.append(apply_op(states[-1], op))
    for i in range(len(ops) + 1):
        again = replay(tree, ops[:i])
        assert again.version == states[i].version
        assert again.entropy == states[i].entropy


def test_edited_tree_survives_json_and_drives_selection(tree):
    edited = replay(tree, list(ops_for(tree))[:2])
    back = from_dict(to_dict(edited))
    assert back.version == edited.version
    assert "Renamed <i>group</i>" in back.labels
    combos = select_combinations(back, k=3, beam=4, top=5)
    assert combos and all(c.lca in back.ids for c in combos)


@pytest.mark.parametrize("op,field", [
    ({"op": "explode"}, "op"), ({"op": "move", "skill": "nobody", "to": "1"}, "skill"),
    ({"op": "move", "skill": "skill 01", "to": "9.9.9"}, "to"),
    ({"op": "relabel", "node": "root", "label": "x"}, "node"),
    ({"op": "relabel", "node": "1"}, "label"),
])
def test_bad_ops(tree, op, field):
    with pytest.raises(InputError) as err:
        apply_op(tree, op)
    assert err.value.field == field


def test_replay_each_and_staleness(tree):
    from steps_core.edits import is_stale, replay_each, with_base

    op = with_base(next(ops_for(tree)), tree)
    trees = replay_each(tree, [op])
    assert trees[0] is tree and trees[1].version == apply_op(tree, op).version
    assert not is_stale([op], tree)
    assert is_stale([op], trees[1]) and not is_stale([{"op": "split", "node": "1"}], trees[1])
