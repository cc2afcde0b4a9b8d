"""Encoding trees: h(α), vol, cut, H^1, H^T, Se against hand values, the definition and the LCA identity."""

import json
import math
from dataclasses import replace

import networkx as nx
import numpy as np
import pytest

from brute import h1 as brute_h1, tree_entropy
from steps_core.errors import InputError
from steps_core.graph import graph_from_edges
from steps_core.tree import EncodingTree, check_tree, from_dict, read_tree_json, to_dict, write_tree_json


def graph_of(edges, n=None):
    names = [f"s{i:02d}" for i in range(n or (max(max(a, b) for a, b, *_ in edges) + 1))]
    return graph_from_edges([(names[e[0]], names[e[1]], e[2] if len(e) > 2 else 1.0) for e in edges],
                            skills=names)


def partition_tree(g, labels):
    n = g.n_skills
    groups = sorted(set(labels))
    parent = [n + 1 + groups.index(lab) for lab in labels] + [-1] + [n] * len(groups)
    return EncodingTree.from_parent(g, parent)


BRIDGE = [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5), (2, 3)]


def test_single_edge():
    g = graph_of([(0, 1)])
    assert partition_tree(g, [0, 1]).entropy == pytest.approx(1.0, abs=1e-12)
    assert partition_tree(g, [0, 0]).entropy == pytest.approx(1.0, abs=1e-12)
    assert partition_tree(g, [0, 1]).h1 == pytest.approx(1.0, abs=1e-12)


def test_two_triangles():
    g = graph_of([(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5)])
    assert partition_tree(g, list(range(6))).h1 == pytest.approx(2.584962500721, abs=1e-12)
    assert partition_tree(g, [0, 0, 0, 1, 1, 1]).entropy == pytest.approx(1.584962500721, abs=1e-12)


def test_bridge_values_and_per_node_terms():
    g = graph_of(BRIDGE)
    t = partition_tree(g, [0, 0, 0, 1, 1, 1])
    assert t.h1 == pytest.approx(2.556656707463, abs=1e-12)
    assert t.entropy == pytest.approx(1.699513850320, abs=1e-12)
    assert partition_tree(g, [0, 0, 1, 1, 2, 2]).entropy == pytest.approx(1.865642098113, abs=1e-12)
    # by hand: community {0,1,2}: vol 7, cut 1 (the bridge), h = -(1/14) log2(7/14) = 1/14
    c = t.node_of("1")
    assert (t.vol[c], t.cut[c]) == (7.0, 1.0)
    assert t.h[c] == pytest.approx(1 / 14, abs=1e-15)
    # leaf 2 (degree 3) under it: h = -(3/14) log2(3/7)
    assert t.h[2] == pytest.approx(-(3 / 14) * math.log2(3 / 7), abs=1e-15)
    assert t.skill_entropy[2] == pytest.approx(1 / 14 - (3 / 14) * math.log2(3 / 7), abs=1e-15)
    assert t.theta == pytest.approx(1 - 1.699513850320 / 2.556656707463, abs=1e-12)


@pytest.mark.parametrize("n,optimum", [(4, 1.792481), (8, 2.292481), (10, 2.453445)])
def test_star_h1_and_optimal_partition(n, optimum):
    edges = [(0, i) for i in range(1, n + 1)]
    g = graph_of(edges)
    assert partition_tree(g, list(range(n + 1))).h1 == pytest.approx(1 + math.log2(n) / 2, abs=1e-12)
    # best partition by brute force over "hub with j leaves" shapes matches the quoted optimum
    best = min(partition_tree(g, [0] * (j + 1) + list(range(1, n - j + 1))).entropy for j in range(n + 1))
    assert best == pytest.approx(optimum, abs=1e-6)


@pytest.mark.parametrize("m,labels,value", [
    (4, [0, 0, 1, 1], 5 / 3),
    (6, [0, 0, 0, 1, 1, 1], math.log2(6) - 0.4),
    (8, [0] * 4 + [1] * 4, 3 - 3 / 7),
])
def test_complete_graph_optima(m, labels, value):
    g = graph_of(list(nx.complete_graph(m).edges()))
    assert partition_tree(g, labels).entropy == pytest.approx(value, abs=1e-12)


def test_karate_values():
    kc = nx.karate_club_graph()
    g = graph_of(list(kc.edges()), n=34)
    t = partition_tree(g, list(range(34)))
    assert t.h1 == pytest.approx(4.704422598883, abs=1e-12)
    clubs = [0 if kc.nodes[v]["club"] == "Mr. Hi" else 1 for v in range(34)]
    assert partition_tree(g, clubs).entropy == pytest.approx(3.846666182641, abs=1e-12)


def random_tree(rng, n, max_depth=4):
    """A random parent array: leaves 0..n-1, root n, random nested communities."""
    parent = [n] * n + [-1]
    frontier = [n]
    for _ in range(rng.integers(1, max(2, n // 2))):
        p = int(rng.choice(frontier))
        node = len(parent)
        parent.append(p)
        frontier.append(node)
        if len(frontier) > max_depth * 3:
            break
    comms = list(range(n + 1, len(parent)))
    for v in range(n):
        parent[v] = int(rng.choice(comms)) if comms and rng.random() < 0.85 else n
    return parent


@pytest.mark.parametrize("seed", range(25))
def test_random_trees_match_definition_and_lca_identity(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 12))
    edges = [(a, b, float(rng.uniform(0.1, 3))) for a in range(n) for b in range(a + 1, n) if rng.random() < 0.4]
    if not edges:
        edges = [(0, 1, 1.0)]
    g = graph_of(edges, n=n)
    parent = random_tree(rng, n)
    t = EncodingTree.from_parent(g, parent)
    check_tree(t)
    assert t.entropy == pytest.approx(tree_entropy(n, edges, parent), abs=1e-10)
    assert t.entropy == pytest.approx(t.entropy_by_lca(), abs=1e-10)
    assert t.h1 == pytest.approx(brute_h1(n, edges), abs=1e-12)
    # Se(v) is the sum of h on the path from the leaf to (not including) the root
    for v in range(n):
        assert t.skill_entropy[v] == pytest.approx(sum(t.h[x] for x in t.path(v)), abs=1e-12)
    # a flat tree gives H^1
    flat = EncodingTree.from_parent(g, [n] * n + [-1])
    assert flat.entropy == pytest.approx(flat.h1, abs=1e-12)


def test_canonical_form_drops_empty_and_single_child_communities():
    g = graph_of(BRIDGE)
    # root 6; node 7 empty; node 8 -> node 9 (single child chain) -> {0,1,2}; node 10 -> {3,4,5}
    parent = [9, 9, 9, 10, 10, 10, -1, 6, 6, 8, 6]
    t = EncodingTree.from_parent(g, parent)
    check_tree(t)
    assert t.n_nodes == 6 + 1 + 2
    assert t.entropy == pytest.approx(1.699513850320, abs=1e-12)
    assert sorted(t.ids[c] for c in t.communities) == ["1", "2"]


def test_isolated_skills_and_empty_graph():
    g = graph_from_edges([("a", "b", 1.0)], skills=["a", "b", "lonely"])
    t = EncodingTree.from_parent(g, [3, 3, 3, -1])
    assert t.h[2] == 0.0 and t.entropy == pytest.approx(1.0)
    g0 = graph_from_edges([], skills=["x", "y"])
    t0 = EncodingTree.from_parent(g0, [2, 2, -1])
    assert t0.entropy == 0.0 and t0.h1 == 0.0 and t0.theta == 0.0


def test_labels_are_top_internal_degree():
    # hub 'a' joined to b, c, d inside the community; 'e' joined only outside
    g = graph_from_edges([("a", "b", 5), ("a", "c", 4), ("a", "d", 3), ("b", "c", 1), ("d", "e", 9)])
    t = EncodingTree.from_parent(g, [6, 6, 6, 6, 5, -1, 5])   # {a,b,c,d} and e alone
    c = t.node_of("1")
    assert t.labels[c] == "a / b / c"


def test_json_round_trip(tmp_path):
    g = graph_of(BRIDGE)
    t = partition_tree(g, [0, 0, 0, 1, 1, 1])
    path = write_tree_json(t, tmp_path / "tree.json")
    doc = json.loads(path.read_text())
    assert set(doc) >= {"k", "method", "h1", "entropy", "root", "edges"}
    leaf = doc["root"]["children"][0]["children"][0]
    assert set(leaf) >= {"id", "skill", "vol", "cut", "h", "se"}
    assert set(doc["root"]["children"][0]) >= {"id", "children", "vol", "cut", "h", "label"}
    back = read_tree_json(path)
    assert back.entropy == pytest.approx(t.entropy, abs=1e-15)
    assert back.ids == t.ids and back.skills == t.skills
    assert back.version == t.version


@pytest.mark.parametrize("mutate,message", [
    (lambda d: d.pop("edges"), "edges"),
    (lambda d: d["edges"].append(["s00", "nobody", 1.0]), "not a leaf"),
    (lambda d: d["root"]["children"][0]["children"].append({"id": "x", "skill": "s00"}), "more than once"),
    (lambda d: d["root"]["children"][1].update(children=[]), "non-empty"),
    (lambda d: d["edges"].__setitem__(0, ["s00", "s01"]), "edges[0]"),
])
def test_bad_tree_json(tmp_path, mutate, message):
    t = partition_tree(graph_of(BRIDGE), [0, 0, 0, 1, 1, 1])
    doc = to_dict(t)
    mutate(doc)
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(doc))
    with pytest.raises(InputError) as err:
        read_tree_json(p)
    assert message in str(err.value) and "bad.json" in str(err.value)


def test_invalid_json_names_line(tmp_path):
    p = tmp_path / "t.json"
    p.write_text('{\n "k": 3,\n oops\n}')
    with pytest.raises(InputError, match=r"t.json:3: invalid JSON"):
        read_tree_json(p)


def test_a_corpus_given_for_a_tree_says_which_file_was_meant(tmp_path):
    p = tmp_path / "corpus.jsonl"
    p.write_text('{"skills": ["a", "b"]}\n{"skills": ["b", "c"]}\n')
    with pytest.raises(InputError, match=r"corpus.jsonl:2: invalid JSON.*JSON-lines file.*steps tree CORPUS"):
        read_tree_json(p)


def test_custom_labels_survive_round_trip():
    t = partition_tree(graph_of(BRIDGE), [0, 0, 0, 1, 1, 1])
    c = t.node_of("2")
    t2 = EncodingTree.from_parent(t.graph, t.parent, labels={c: "<b>mine</b>"})
    back = from_dict(to_dict(t2))
    assert back.labels[back.node_of("2")] == "<b>mine</b>"
    assert back.labels[back.node_of("1")] == t.labels[t.node_of("1")]


def test_tied_volumes_keep_ids_and_version_through_a_round_trip():
    # two top communities of equal volume in exact arithmetic (.1 + .2 + .3), whose sub-communities are
    # numbered in opposite orders: summing child volumes in numbering order gave them different floats
    weights = {"1": 0.05, "2": 0.1, "3": 0.15}
    g = graph_from_edges([(f"{top}{s}x", f"{top}{s}y", w) for top in "ab" for s, w in weights.items()])
    ix, n = g.index, g.n_skills
    parent = [0] * n + [-1, n, n]
    for top, order, up in (("b", "123", n + 1), ("a", "321", n + 2)):
        for s in order:
            parent.append(up)
            parent[ix[f"{top}{s}x"]] = parent[ix[f"{top}{s}y"]] = len(parent) - 1
    t = EncodingTree.from_parent(g, parent)
    back = from_dict(to_dict(t))
    assert back.ids == t.ids and back.version == t.version
    assert t.skills[t.members(t.node_of("1"))[0]].startswith("a")      # equal volumes: smaller skill first


@pytest.mark.parametrize("mutate,field", [
    (lambda d: d.update(n_records="many"), "n_records"),
    (lambda d: d.update(k=True), "k"),
    (lambda d: d["edges"].append(["s00", "s01", -1.0]), "edges[7]"),
    (lambda d: d["edges"].append(list(d["edges"][0])), "edges[7]"),
])
def test_tree_json_field_errors_name_the_file(tmp_path, mutate, field):
    doc = to_dict(partition_tree(graph_of(BRIDGE), [0, 0, 0, 1, 1, 1]))
    mutate(doc)
    p = tmp_path / "t.json"
    p.write_text(json.dumps(doc))
    with pytest.raises(InputError) as err:
        read_tree_json(p)
    assert err.value.path == str(p) and err.value.field == field


def test_deeply_nested_tree_json_is_a_clear_error(tmp_path):
    depth = 3000
    text = '{"root": ' + '{"id": "c", "children": [' * depth + '{"id": "x", "skill": "s00"}' + "]}" * depth
    p = tmp_path / "deep.json"
    p.write_text(text + ', "edges": []}')
    with pytest.raises(InputError, match="deep.json"):
        read_tree_json(p)


def test_edits_that_add_a_level_raise_k():
    from steps_core.operators import combine

    t = partition_tree(graph_of(BRIDGE), [0, 0, 0, 1, 1, 1])
    t = EncodingTree.from_parent(t.graph, t.parent, k=2)
    c = t.node_of("1")
    deeper = combine(t, t.children[c][0], t.children[c][1])
    assert deeper.height == 3 and deeper.k == 3 and to_dict(deeper)["k"] == 3


def test_community_labels_name_frequent_central_members():
    from steps_core.graph import graph_from_edges

    # community X = {freq, mid, rare, hub}, community Y = {y1, y2}; 'rare' has the heaviest edges (lift favours
    # rare tags), 'hub' is frequent but mostly linked to Y
    edges = [("freq", "mid", 1.0), ("freq", "rare", 5.0), ("mid", "rare", 5.0), ("hub", "freq", 0.2),
             ("hub", "y1", 3.0), ("hub", "y2", 3.0), ("y1", "y2", 4.0)]
    counts = {"freq": 500, "mid": 100, "rare": 2, "hub": 900, "y1": 50, "y2": 40}
    g = graph_from_edges(edges, counts=counts)
    ix = g.index
    parent = [0] * 6 + [-1, 6, 6]
    for s in ("freq", "mid", "rare", "hub"):
        parent[ix[s]] = 7
    for s in ("y1", "y2"):
        parent[ix[s]] = 8
    t = EncodingTree.from_parent(g, parent)
    x = next(c for c in t.communities if t.n_members(c) == 4)
    # score = count x share of the skill's weight inside X: freq 500 * 6.2/6.2, mid 100, hub 900 * 0.2/6.2 = 29,
    # rare 2 * 10/10 = 2
    assert t.labels[x] == "freq / mid / hub"
    no_counts = EncodingTree.from_parent(graph_from_edges(edges), parent)      # no counts: weight inside
    assert no_counts.labels[x].startswith("rare / freq")


def test_chains_of_single_child_communities_are_spliced_at_any_depth():
    from steps_core.graph import graph_from_edges

    g = graph_from_edges([("a", "b", 1), ("b", "c", 1), ("c", "d", 1)])
    # root 4 > 5 > 6 > 7 > {a, b}, and root > 8 > {c, d}: a chain of three single-child communities
    t = EncodingTree.from_parent(g, [7, 7, 8, 8, -1, 4, 5, 6, 4])
    check_tree(t)
    assert t.height == 2 and sorted(len(t.children[c]) for c in t.communities) == [2, 2]
    flat = EncodingTree.from_parent(g, [5, 5, 6, 6, -1, 4, 4])
    assert t.entropy == pytest.approx(flat.entropy, abs=1e-12) and t.version == flat.version


def test_a_skill_cannot_be_the_root():
    from steps_core.graph import graph_from_edges

    one = graph_from_edges([], skills=["a"])
    with pytest.raises(InputError, match="root"):
        EncodingTree.from_parent(one, [-1, 0])              # the skill as the root, the community under it
    t = EncodingTree.from_parent(one, [1, -1])               # one skill under the root: a valid tree
    check_tree(t)
    assert t.n_skills == 1 and t.root == 1 and t.entropy == 0.0


# ------------------------------------------------------------ from_parent on arrays = the node-by-node definition
def reference_tree(graph, parent, labels=None):
    """The canonical tree and every figure of it, node by node (the implementation before from_parent worked on
    arrays, condensed): ``dict`` of parent, children, depth, vol, cut, h, se, ids, labels, custom, leaf ranges."""
    parent = [int(p) for p in parent]
    n, n_nodes = graph.n_skills, len(parent)
    root = parent.index(-1)
    kids = [[] for _ in range(n_nodes)]
    for v, p in enumerate(parent):
        if p >= 0:
            kids[p].append(v)
    leaves = [[] for _ in range(n_nodes)]
    stack, post = [root], []
    while stack:
        v = stack.pop()
        post.append(v)
        stack.extend(kids[v])
    assert sorted(x for x in post if x < n) == list(range(n))
    for v in reversed(post):
        leaves[v] = [v] if v < n else [x for c in kids[v] for x in leaves[c]]

    def kept(v):
        out = []
        for c in kids[v]:
            if not leaves[c]:
                continue
            while c >= n and sum(1 for x in kids[c] if leaves[x]) == 1:
                c = next(x for x in kids[c] if leaves[x])
            out.append(c)
        return out

    top = root
    while len(kept(top)) == 1 and kept(top)[0] >= n:
        top = kept(top)[0]
    deg = graph.degree
    key = {v: (-math.fsum(float(deg[x]) for x in leaves[v]), min(leaves[v])) for v in range(n_nodes) if leaves[v]}
    new, new_parent, children, custom = {top: n}, [-1] * (n + 1), [[] for _ in range(n + 1)], {}
    if labels and root in labels:
        custom[n] = labels[root]
    queue = [top]
    for v in queue:
        for c in sorted(kept(v), key=key.__getitem__):
            if c >= n:
                new[c] = len(new_parent)
                new_parent.append(-1)
                children.append([])
                queue.append(c)
                if labels and c in labels:
                    custom[new[c]] = labels[c]
            else:
                new[c] = c
            new_parent[new[c]] = new[v]
            children[new[v]].append(new[c])
    # figures, walking breadth first from the new root
    size = len(new_parent)
    bfs = [n]
    for v in bfs:
        bfs.extend(children[v])
    depth, vol, inside, se = np.zeros(size, np.int64), np.zeros(size), np.zeros(size), np.zeros(size)
    vol[:n] = deg
    for v in bfs[1:]:
        depth[v] = depth[new_parent[v]] + 1
    for v in reversed(bfs[1:]):
        vol[new_parent[v]] += vol[v]
    height = int(depth.max())
    anc = np.empty((size, height + 1), np.int64)
    anc[:] = -1 - np.arange(size)[:, None]
    for v in bfs:
        if v != n:
            anc[v, : depth[v]] = anc[new_parent[v], : depth[v]]
        anc[v, depth[v]] = v
    src, dst, w = graph.edges()
    lca_depth = (anc[src] == anc[dst]).sum(axis=1) - 1
    np.add.at(inside, anc[src, lca_depth], 2.0 * w)
    for v in reversed(bfs[1:]):
        inside[new_parent[v]] += inside[v]
    cut = vol - inside
    cut[cut < 0] = 0.0
    p = np.array(new_parent)
    h = np.zeros(size)
    ok = (vol > 0) & (p >= 0)
    h[ok] = -(cut[ok] / vol[n]) * np.log2(vol[ok] / vol[np.where(p >= 0, p, n)][ok])
    ids = [""] * size
    ids[n] = "root"
    for v in bfs:
        for i, c in enumerate(children[v], start=1):
            ids[c] = str(i) if v == n else f"{ids[v]}.{i}"
        if v != n:
            se[v] = se[new_parent[v]] + h[v]
    inner = np.zeros((n, height + 2))
    np.add.at(inner, (src, lca_depth), w)
    np.add.at(inner, (dst, lca_depth), w)
    inner = np.cumsum(inner[:, ::-1], axis=1)[:, ::-1]
    counts = np.asarray(graph.counts, float)
    score = counts[:, None] * inner / np.where(deg > 0, deg, 1.0)[:, None] if counts.sum() > 0 else inner
    order, start, end = [], np.zeros(size, np.int64), np.zeros(size, np.int64)

    def walk(v):
        start[v] = len(order)
        if v < n:
            order.append(v)
        for c in children[v]:
            walk(c)
        end[v] = len(order)

    walk(n)
    names = list(graph.skills) + ["all skills"]
    for c in range(n + 1, size):
        under = order[start[c]:end[c]]
        best = sorted(under, key=lambda v: (-score[v, depth[c]], -deg[v], graph.skills[v]))[:3]
        names.append(" / ".join(graph.skills[v] for v in best))
    for node, text in custom.items():
        names[node] = text
    return dict(parent=p, children=tuple(map(tuple, children)), depth=depth, vol=vol, cut=cut, h=h, se=se,
                ids=tuple(ids), labels=tuple(names), custom=custom,
                ranges=(np.array(order, np.int64), start, end))


def assert_same_tree(t, ref):
    for name in ("parent", "depth", "vol", "cut", "h", "se"):
        got, want = getattr(t, name), ref[name]
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes(), name      # float for float
    assert t.children == ref["children"] and t.ids == ref["ids"] and t.labels == ref["labels"]
    assert list(t.custom_labels.items()) == list(ref["custom"].items())
    for got, want in zip(t._leaf_ranges, ref["ranges"]):
        assert np.array_equal(got, want)
    fresh = replace(t)                                            # its own caches, computed from the fields
    for got, want in zip(fresh._leaf_ranges, ref["ranges"]):
        assert np.array_equal(got, want)
    n = t.n_skills
    for v in range(n):                                            # ancestors: leaf v upwards, padded
        row = [x for x in t.ancestors[v] if x != t.n_nodes]
        assert row == [v] + [u for u in t.path(v)[::-1][1:]]
    for c in t.communities:
        assert t.representatives(c, 3) == t.labels[c].split(" / ") or c in t.custom_labels


def messy_parent(rng, n):
    """A random parent array with the shapes the canonical form removes: empty communities, chains of single
    children, a root with a single community, a cycle of communities no skill is under; ids shuffled."""
    parent = [-1] * n + [-1]
    comms = [n]
    for _ in range(int(rng.integers(0, n + 3))):
        parent.append(int(rng.choice(comms)))
        comms.append(len(parent) - 1)
    if rng.random() < 0.3:                                       # the root's only child holds everything
        parent.append(n)
        for c in comms[1:]:
            if parent[c] == n:
                parent[c] = len(parent) - 1
        comms.append(len(parent) - 1)
    for v in range(n):
        parent[v] = int(rng.choice(comms[1:] if len(comms) > 1 and rng.random() < 0.9 else comms))
    if rng.random() < 0.4:
        parent += [len(parent) + 1, len(parent)]                 # unreachable: a cycle of two communities
    perm = np.r_[np.arange(n), n + rng.permutation(len(parent) - n)]
    out = np.full(len(parent), -1, np.int64)
    out[perm] = [perm[p] if p >= 0 else -1 for p in parent]
    return out


def random_graph(rng, n, weights):
    from steps_core.graph import SkillGraph

    names = [f"s{i:02d}" for i in range(n)]
    edges = [(names[a], names[b], float(rng.choice(weights)) if len(weights) else float(rng.random()))
             for a in range(n) for b in range(a + 1, n) if rng.random() < 0.35]
    counts = {s: int(rng.integers(0, 6)) for s in names} if rng.random() < 0.5 else None
    g = graph_from_edges(edges, skills=names, counts=counts)
    if rng.random() < 0.3:                                       # skills not in name order (a hand-made graph)
        perm = rng.permutation(n)
        adj = g.adjacency[perm][:, perm]
        adj.sort_indices()
        g = SkillGraph(tuple(g.skills[i] for i in perm), adj, g.counts[perm])
    return g


@pytest.mark.parametrize("seed", range(12))
def test_from_parent_is_the_node_by_node_definition(seed):
    """Every array, id, label and leaf range equals the node-by-node construction, on messy parent arrays and on
    graphs whose volumes tie (unit, small integer and decimal weights) or do not (random weights)."""
    rng = np.random.default_rng(seed)
    for trial in range(40):
        weights = [(1.0,), (1.0, 2.0, 3.0), (0.1, 0.2, 0.3, 0.05), ()][trial % 4]
        g = random_graph(rng, int(rng.integers(1, 16)), weights)
        parent = messy_parent(rng, g.n_skills)
        labels = {int(c): f"mine {c}" for c in range(g.n_skills, parent.size) if rng.random() < 0.3}
        t = EncodingTree.from_parent(g, parent, labels=labels)
        assert_same_tree(t, reference_tree(g, parent, labels))
        assert_same_tree(EncodingTree.from_parent(g, t.parent), reference_tree(g, t.parent))


def test_from_parent_orders_siblings_by_exact_volume():
    """Sibling communities whose volumes are equal in exact arithmetic but not when summed in floats (0.1 + 0.2 +
    0.3 against 0.3 + 0.2 + 0.1): ordered by the exact sum, then by their smallest skill, as the definition says."""
    rng = np.random.default_rng(5)
    for _ in range(60):
        m, n_comm = int(rng.integers(2, 5)), int(rng.integers(2, 5))
        w = rng.choice([0.1, 0.2, 0.3, 0.7, 0.05], m)
        names = iter(f"n{x:03d}" for x in rng.permutation(999))
        groups = [[(next(names), next(names), float(w[i])) for i in rng.permutation(m)] for _ in range(n_comm)]
        g = graph_from_edges([e for grp in groups for e in grp])
        n = g.n_skills
        parent = [0] * n + [-1] + [n] * n_comm
        for c, grp in enumerate(groups):
            for a, b, _ in grp:
                parent[g.index[a]] = parent[g.index[b]] = n + 1 + c
        assert_same_tree(EncodingTree.from_parent(g, parent), reference_tree(g, parent))


def test_from_parent_errors():
    g = graph_of(BRIDGE)
    with pytest.raises(InputError, match="not under the root"):
        EncodingTree.from_parent(g, [7, 7, 7, 6, 6, 6, -1, 8, 7])      # 0, 1, 2 hang from a cycle 7 <-> 8
    with pytest.raises(InputError, match="cannot be the parent"):
        EncodingTree.from_parent(g, [6, 6, 6, 6, 6, 0, -1])
    with pytest.raises(InputError, match="exactly one root"):
        EncodingTree.from_parent(g, [6, 6, 6, 7, 7, 7, -1, -1])
    with pytest.raises(InputError, match="needs at least 7 nodes"):
        EncodingTree.from_parent(g, [6] * 6)


def test_tree_json_is_json_dumps_of_the_document(tmp_path):
    """The file is json.dumps(to_dict(...), indent=1) with the edge list on one line, byte for byte (the head is
    written straight from the arrays), also with quotes, backslashes and accents in names and labels, custom
    labels, counts, no explicit k and weights far from 1; a value JSON cannot hold is still named."""
    rng = np.random.default_rng(21)
    for trial in range(30):
        g = random_graph(rng, int(rng.integers(1, 14)), [(1.0,), (0.1, 0.3), (), (1e-20, 3e20, 2.5)][trial % 4])
        names = {s: s if rng.random() < 0.6 else f'{s} "é\\\\ü' for s in g.skills}
        g = replace(g, skills=tuple(names[s] for s in g.skills), n_records=int(rng.integers(0, 99)))
        parent = messy_parent(rng, g.n_skills)
        labels = {int(c): f'mine "{c}" ü' for c in range(g.n_skills, parent.size) if rng.random() < 0.3}
        t = EncodingTree.from_parent(g, parent, labels=labels, k=None if trial % 3 else 4, method="greedy")
        doc = to_dict(t)
        head = json.dumps({k: v for k, v in doc.items() if k != "edges"}, ensure_ascii=False, indent=1)
        want = head[:-1].rstrip() + ',\n "edges": ' + json.dumps(doc["edges"], ensure_ascii=False) + "\n}"
        assert write_tree_json(t, tmp_path / "t.json").read_bytes() == want.encode("utf-8")
    broken = replace(t, vol=np.where(np.arange(t.n_nodes) == t.root, np.nan, t.vol))
    with pytest.raises(InputError, match="root.vol"):
        write_tree_json(broken, tmp_path / "bad.json")
