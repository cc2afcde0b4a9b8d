"""The embedded demo end to end: steps graph -> tree -> select, steps demo, and the sampler comparison."""

import json

import pytest

from cli_helpers import run
from steps_core.compare import compare_samplers
from steps_core.corpus import iter_skill_lists, read_catalog
from steps_core.graph import build_graph, count_cooccurrences
from steps_core.novelty import SupportIndex
from steps_core.optimize import build_tree
from steps_core.pipeline import demo_files
from steps_core.select import read_combos
from steps_core.tree import read_tree_json


@pytest.fixture(scope="module")
def demo():
    return demo_files()


def test_round_trip_through_the_cli(tmp_path, demo):
    run("graph", demo.corpus, "-o", tmp_path / "graph.csv")
    run("tree", tmp_path / "graph.csv", "--k", "3", "-o", tmp_path / "tree.json")
    run("select", tmp_path / "tree.json", "--k", "4", "--top", "50", "-o", tmp_path / "combos.jsonl")
    tree = read_tree_json(tmp_path / "tree.json")
    catalog = {s.name: s.category for s in read_catalog(demo.catalog)}
    assert set(tree.skills) <= set(catalog)
    assert tree.height == 3 and tree.theta > 0.3
    # the taxonomy is meaningful: most top communities are dominated by one catalogue category
    dominated = 0
    tops = [c for c in tree.children[tree.root] if c >= tree.n_skills]
    for c in tops:
        cats = [catalog[tree.skills[i]] for i in tree.members(c)]
        dominated += max(cats.count(x) for x in set(cats)) / len(cats) >= 0.5
    assert dominated >= 0.6 * len(tops)
    combos = read_combos(tmp_path / "combos.jsonl")
    assert len(combos) == 50 and all(len(c.skills) == 4 for c in combos)


def test_steps_demo_writes_every_artefact(tmp_path):
    out = run("demo", "-o", tmp_path / "demo", "--samples", "3").output
    for name in ("graph.csv", "graph.nodes.csv", "tree.json", "combos.jsonl", "samples.jsonl"):
        assert (tmp_path / "demo" / name).exists() and name in out
    samples = [json.loads(x) for x in (tmp_path / "demo" / "samples.jsonl").read_text().splitlines()]
    assert len(samples) == 3 and all(s["status"] == "ok" for s in samples)
    assert all(s["provenance"]["backend"] == "template" for s in samples)


def test_steps_global_has_the_highest_mean_gain_on_the_demo(demo):
    skill_lists = list(iter_skill_lists(demo.corpus))
    tree = build_tree(build_graph(count_cooccurrences(skill_lists)), k=3)
    rows = compare_samplers(tree, SupportIndex.from_skill_lists(skill_lists), ks=(3, 4), n=100, seed=0)
    for k in (3, 4):
        by = {r.sampler: r for r in rows if r.k == k}
        assert by["steps-global"].mean_gain == max(r.mean_gain for r in by.values())
        assert by["steps-local"].mean_gain < by["steps-global"].mean_gain
        assert all(r.n == 100 for r in by.values())


def test_exports_say_which_taxonomy_produced_them(tmp_path, demo):
    from steps_core.corpus import load_cooccurrence
    from steps_core.export import export_counts, export_samples
    from steps_core.select import select_combinations
    from steps_core.synth import TemplateBackend, plan_jobs, synthesize

    tree = build_tree(build_graph(load_cooccurrence(demo.corpus)), k=3)
    combos = select_combinations(tree, k=3, top=6)
    samples = list(synthesize(plan_jobs(combos, style="agentic", catalog=read_catalog(demo.catalog)),
                              TemplateBackend(), workers=1))
    for s in samples:
        assert s["provenance"]["combination"]["tree_version"] == tree.version
    result = export_samples(samples, tmp_path / "train.jsonl", "openai", include_all=True)
    assert result.manifest["counts"] == export_counts(samples, include_all=True)
    tax = result.manifest["taxonomy"]
    assert tax["tree_versions"] == [tree.version]
    for c in combos:
        assert tax["communities"][c.lca] == tree.community_path(tree.node_of(c.lca))


def test_steps_demo_never_replaces_files_without_force(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "tree.json").write_text("my own work")
    result = run("demo", "-o", out, "--samples", "0", ok=False)
    assert "tree.json" in result.output and "--force" in result.output
    assert (out / "tree.json").read_text() == "my own work"
    run("demo", "-o", out, "--samples", "0", "--force")
    assert (out / "tree.json").read_text() != "my own work"
