"""The embedded demo end to end: steps graph -> tree -> select, steps demo, and the sampler comparison."""

import gzip
import json
from pathlib import Path

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
    run("tree", tmp_path / "graph.csv", "--height", "3", "-o", tmp_path / "tree.json")
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


def list_goals(skill_lists) -> dict:
    """The comparison rows of the default list, the plain ranking and uniform random: top 30 at k = 4."""
    tree = build_tree(build_graph(count_cooccurrences(skill_lists)), k=3)
    rows = compare_samplers(tree, SupportIndex.from_skill_lists(skill_lists), ks=(4,), n=30, seed=0,
                            samplers=("steps", "gain-only", "uniform"))
    return {r.sampler: r for r in rows}


def check_goals(by: dict) -> None:
    steps = by["steps"]
    assert steps.n == 30
    assert steps.max_skill_share <= 0.20                       # no skill in more than a fifth of the list
    assert steps.distinct_share >= 0.60                        # varied
    assert steps.connected_share >= 0.60                       # hangs together through attested pairs ...
    assert steps.connected_share > by["uniform"].connected_share + 0.3       # ... far above random
    assert steps.novelty_rate >= 0.90                          # new


def test_default_list_meets_the_goals_on_the_demo(demo):
    by = list_goals(list(iter_skill_lists(demo.corpus)))
    check_goals(by)
    assert by["gain-only"].max_skill_share > 0.5               # what the list objective fixes: one skill everywhere


REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "ask-ubuntu-tags.jsonl.gz"


@pytest.mark.slow
@pytest.mark.skipif(not REAL.exists(), reason="the shared real corpus is not on this machine")
def test_default_list_meets_the_goals_on_a_real_corpus():
    with gzip.open(REAL, "rt", encoding="utf-8") as fh:
        by = list_goals([json.loads(line)["skills"] for line in fh])
    check_goals(by)


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
