"""``steps tag``, ``steps normalize`` and the shared corpus options, through click's runner."""

from __future__ import annotations

import csv
import gzip
import json
from collections import Counter
from itertools import combinations

import click
import pytest
from click.testing import CliRunner

from steps_core.cli import cli
from steps_core.cli._corpus_options import corpus_options, echo_report, read_options
from steps_core.corpus import load_cooccurrence


def write_catalog(path):
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["category", "skill", "definition", "example", "status"])
        w.writerow(["programming", "python debugging", "finding and fixing bugs in Python code", "", ""])
        w.writerow(["rhetorical", "metaphor", "a figure of speech describing one thing as another", "", ""])
        w.writerow(["rhetorical", "red herring", "introducing irrelevant points to distract", "", "remove"])
        w.writerow(["logical", "spatial reasoning", "reasoning about where objects are", "", ""])
    return path


def run(args, **kw):
    return CliRunner().invoke(cli, args, catch_exceptions=False, **kw)


@pytest.fixture
def count_cli():
    """A tiny command built on corpus_options/read_options, as `steps graph` uses them."""

    @click.command()
    @click.argument("corpus")
    @corpus_options
    def count(corpus, **kwargs):
        opts = read_options(kwargs)
        assert not kwargs                                  # every corpus option was popped
        cooc = load_cooccurrence(corpus, **opts)
        click.echo(json.dumps({"skills": list(cooc.skills), "counts": cooc.counts.tolist(),
                               "records": cooc.n_records, "engine": opts["engine"]}))
        echo_report(opts["report"])

    return count


def test_corpus_options_decorator(tmp_path, count_cli):
    path = tmp_path / "c.data"
    path.write_text('{"tags": "a;b"}\n{"tags": ["b"]}\n{"tags": 3}\n', encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(count_cli, [str(path), "--format", "jsonl", "--skills-field", "tags", "--skip-bad",
                                    "--engine", "duckdb"])
    assert res.exit_code == 0, res.output
    first = json.loads(res.stdout.splitlines()[0])
    assert first == {"skills": ["a", "b"], "counts": [1, 2], "records": 2, "engine": "duckdb"}
    assert "skipped 1 bad record(s)" in res.stderr and ":3: field 'tags'" in res.stderr
    helptext = runner.invoke(count_cli, ["--help"]).output
    for opt in ("--format", "--skills-field", "--lang", "--skip-bad", "--engine"):
        assert opt in helptext
    res = runner.invoke(count_cli, [str(path), "--format", "xml"])
    assert res.exit_code == 2


@pytest.mark.parametrize("engine", ["memory", "duckdb"])
def test_corpus_options_read_gzipped_tsv_with_se_tags_and_report_untagged(tmp_path, count_cli, engine):
    path = tmp_path / "posts.tsv.gz"
    path.write_bytes(gzip.compress(b"Id\tTags\n1\t<ubuntu><bash>\n2\t\n3\t<bash>\n4\t<>\n"))
    res = CliRunner().invoke(count_cli, [str(path), "--skills-field", "Tags", "--engine", engine])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout.splitlines()[0]) == {"skills": ["bash", "ubuntu"], "counts": [2, 1], "records": 2,
                                                      "engine": engine}
    assert res.stderr == "read 2 record(s) from 1 file(s); 2 untagged record(s) skipped\n"
    plain = tmp_path / "posts.data"
    plain.write_bytes(gzip.decompress(path.read_bytes()))
    res = CliRunner().invoke(count_cli, [str(plain), "--skills-field", "Tags", "--format", "tsv", "--engine", engine])
    assert res.exit_code == 0 and json.loads(res.stdout.splitlines()[0])["counts"] == [2, 1]
    assert "tsv" in CliRunner().invoke(count_cli, ["--help"]).output


def test_tag_command(tmp_path):
    cat = write_catalog(tmp_path / "skills.csv")
    corpus = tmp_path / "c.jsonl"
    rows = [{"id": "a", "instruction": "My Python script throws a KeyError; please fix the bug.", "extra": [1]},
            {"id": "b", "instruction": "Describe the sea as if it were a restless animal.", "skills": ["Metaphor"]},
            {"id": "c", "text": "The box is left of the chair. Where is the chair relative to the box?"}]
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out" / "tagged.jsonl"
    res = run(["tag", str(corpus), "--catalog", str(cat), "-o", str(out), "--top-m", "1",
               "--cache-dir", str(tmp_path / "cache")])
    assert res.exit_code == 0, res.output
    got = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [g["id"] for g in got] == ["a", "b", "c"]
    assert got[0]["skills"] == ["python debugging"] and got[0]["extra"] == [1] and got[0]["skill_scores"][0] >= 0.2
    assert got[1]["skills"] == ["metaphor"] and got[1]["skill_scores"] == [None]      # its own, kept
    assert got[2]["skills"] == ["spatial reasoning"]
    assert "records written      3" in res.stdout and "kept own skills      1" in res.stdout
    assert (tmp_path / "cache" / "embeddings.sqlite").exists()
    # --retag replaces the record's own skill; no cache
    res = run(["tag", str(corpus), "--catalog", str(cat), "-o", str(out), "--retag", "--no-cache", "--top-m", "2"])
    assert res.exit_code == 0
    assert all(g["skill_scores"] and None not in g["skill_scores"]
               for g in map(json.loads, out.read_text(encoding="utf-8").splitlines()))


def read_graph_files(edges_path):
    """``({skill: count}, {(a, b): cooccur})`` from the edge and node lists `steps graph` wrote."""
    nodes_path = edges_path.with_name(edges_path.stem + ".nodes.csv")
    with nodes_path.open(encoding="utf-8") as fh:
        nodes = {r["skill"]: int(r["count"]) for r in csv.DictReader(fh)}
    with edges_path.open(encoding="utf-8") as fh:
        pairs = {tuple(sorted((r["source"], r["target"]))): int(r["cooccur"]) for r in csv.DictReader(fh)}
    return nodes, pairs


def test_tag_output_feeds_graph_untagged_records_skipped_and_counted(tmp_path):
    cat = write_catalog(tmp_path / "skills.csv")
    corpus = tmp_path / "c.jsonl"
    rows = [{"id": 1, "text": "My Python script crashes with a KeyError; please fix the bug."},
            {"id": 2, "text": "Describe the ocean as a restless animal, using a metaphor."},
            {"id": 3, "text": "The lamp is left of the sofa and the cat is under the lamp. Where is the cat?"},
            {"id": 4, "text": "qwzx vvbn 4471"},                        # nothing reaches the threshold
            {"id": 5, "text": "Fix the bug in my Python code that computes where two boxes are relative to each "
                              "other."},
            {"id": 6, "text": "Bake a loaf of sourdough bread.", "skills": ["baking"]},   # not in the catalogue
            {"id": 7, "text": "Anything.", "skills": "<metaphor><python debugging>"}]      # its own, kept
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    for name in ("tagged.jsonl", "tagged.jsonl.gz"):          # a .gz output is gzipped, and read back as such
        tagged = tmp_path / name
        res = run(["tag", str(corpus), "--catalog", str(cat), "-o", str(tagged), "--top-m", "2",
                   "--cache-dir", str(tmp_path / "cache")])
        assert res.exit_code == 0, res.output
        with (gzip.open if name.endswith(".gz") else open)(tagged, "rt", encoding="utf-8") as fh:
            out = [json.loads(line) for line in fh]
        assert [o["id"] for o in out] == [1, 2, 3, 4, 5, 6, 7]
        assert out[6]["skills"] == ["metaphor", "python debugging"] and out[6]["skill_scores"] == [None, None]
        # counts by hand from what `steps tag` wrote
        lists = [o["skills"] for o in out]
        untagged = sum(1 for s in lists if not s)
        assert untagged >= 1 and out[3]["skills"] == []                  # the test's premise
        counts = Counter(x for s in lists for x in s)
        pairs = Counter(tuple(sorted(p)) for s in lists for p in combinations(s, 2))
        assert pairs                                                    # at least record 7 has a pair
        for engine in ("memory", "duckdb"):
            graph = tmp_path / engine / "graph.csv"
            res = run(["graph", str(tagged), "-o", str(graph), "--weighting", "count", "--engine", engine])
            assert res.exit_code == 0, res.output
            assert f"read {7 - untagged} record(s) from 1 file(s); {untagged} untagged record(s) skipped" \
                in res.stderr
            assert f"records          {7 - untagged}" in res.stdout
            assert read_graph_files(graph) == (dict(counts), dict(pairs))


def test_tag_command_with_llm(tmp_path, monkeypatch):
    from fake_openai import FakeOpenAI

    cat = write_catalog(tmp_path / "skills.csv")
    corpus = tmp_path / "c.jsonl"
    corpus.write_text('{"id": 1, "text": "fix my python bug"}\n{"id": 2, "text": "say it with a metaphor"}\n',
                      encoding="utf-8")
    out = tmp_path / "tagged.jsonl"
    monkeypatch.setenv("TEST_LLM_KEY", "sk-test-secret-123")

    def responder(body):
        text = body["messages"][-1]["content"].split("Instruction:")[1]
        return json.dumps({"skills": ["Python Debugging"] if "python" in text else ["metaphor", "invented"]})

    with FakeOpenAI(responder) as server:
        res = run(["tag", str(corpus), "--catalog", str(cat), "-o", str(out), "--llm", "--model", "m",
                   "--base-url", server.base_url, "--api-key-env", "TEST_LLM_KEY", "--no-cache", "--shortlist", "0"])
        assert res.exit_code == 0, res.output
        assert server.authorizations == {"Bearer sk-test-secret-123"}
        prompt = server.requests[0]["messages"][-1]["content"]
    got = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [g["skills"] for g in got] == [["python debugging"], ["metaphor"]]
    assert "red herring" not in prompt and "spatial reasoning" in prompt        # removed rows never offered
    assert "tagged (llm)         2" in res.stdout
    assert "sk-test-secret-123" not in out.read_text(encoding="utf-8") + res.output


def test_tag_command_bad_input(tmp_path):
    cat = write_catalog(tmp_path / "skills.csv")
    corpus = tmp_path / "c.jsonl"
    corpus.write_text('{"text": "fix the python bug"}\n{"text": 5, "id": 2}\n{"text": "a metaphor"\n',
                      encoding="utf-8")
    out = tmp_path / "tagged.jsonl"
    out.write_text("previous good output\n", encoding="utf-8")
    res = run(["tag", str(corpus), "--catalog", str(cat), "-o", str(out), "--no-cache"])
    assert res.exit_code == 2
    assert f"error: {corpus}:2: no text to tag" in res.stderr
    assert out.read_text(encoding="utf-8") == "previous good output\n"     # saved work untouched
    assert not (tmp_path / "tagged.jsonl.part").exists()
    res = run(["tag", str(corpus), "--catalog", str(cat), "-o", str(out), "--no-cache", "--skip-bad"])
    assert res.exit_code == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1
    assert "skipped 2 bad record(s)" in res.stderr and ":3: invalid JSON" in res.stderr
    res = run(["tag", str(corpus), "--catalog", str(cat), "-o", str(corpus)])
    assert res.exit_code == 2 and "must not overwrite" in res.stderr
    res = run(["tag", str(corpus), "--catalog", str(cat), "-o", str(out), "--llm"])
    assert res.exit_code == 2 and "--llm needs --model" in res.stderr


def test_normalize_build_edit_apply(tmp_path):
    corpus = tmp_path / "c.jsonl"
    rows = [{"id": 1, "skills": ["Python Programming", "Math"]},
            {"id": 2, "skills": ["python_programming", "python coding"]},
            {"id": 3, "skills": "mathematics; Logical Reasoning"},
            {"id": 4, "text": "untagged"}]
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    mapping = tmp_path / "map.csv"
    res = run(["normalize", str(corpus), "-o", str(mapping), "--no-cache"])
    assert res.exit_code == 0, res.output
    table = {r["old"]: r["new"] for r in csv.DictReader(mapping.open(encoding="utf-8"))}
    assert table == {"Python Programming": "python programming", "python_programming": "python programming",
                     "python coding": "python programming", "Math": "math", "mathematics": "math",   # tie: alphabetical
                     "Logical Reasoning": "logical reasoning"}
    assert "distinct tags                   6" in res.stdout
    res = run(["normalize", str(corpus), "-o", str(tmp_path / "surface.csv"), "--no-embed"])
    surface = {r["old"]: r["new"] for r in csv.DictReader((tmp_path / "surface.csv").open(encoding="utf-8"))}
    assert surface["python coding"] == "python coding" and surface["Math"] == "math"
    # the user edits the mapping: drop logical reasoning
    text = mapping.read_text(encoding="utf-8").replace("Logical Reasoning,logical reasoning", "Logical Reasoning,")
    mapping.write_text(text, encoding="utf-8")
    out = tmp_path / "norm.jsonl"
    res = run(["normalize", str(corpus), "--apply", str(mapping), "-o", str(out)])
    assert res.exit_code == 0, res.output
    got = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [g["skills"] for g in got] == [["python programming", "math"], ["python programming"], ["math"], []]
    assert got[3]["text"] == "untagged" and [g["id"] for g in got] == [1, 2, 3, 4]


def test_normalize_errors(tmp_path):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text('{"text": "no tags"}\n', encoding="utf-8")
    res = run(["normalize", str(corpus), "-o", str(tmp_path / "m.csv"), "--no-cache"])
    assert res.exit_code == 2 and "no skill tags" in res.stderr
    bad_map = tmp_path / "bad.csv"
    bad_map.write_text("old,new\na,b\na,c\n", encoding="utf-8")
    res = run(["normalize", str(corpus), "--apply", str(bad_map), "-o", str(tmp_path / "o.jsonl")])
    assert res.exit_code == 2 and f"{bad_map}:3: field 'old'" in res.stderr


def test_outputs_get_ordinary_permissions_and_never_replace_the_input(tmp_path):
    # B16: atomic outputs were left 0600 by mkstemp
    import os
    import stat

    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps({"id": 1, "skills": ["Python", "python!"]}) + "\n", encoding="utf-8")
    old = os.umask(0o022)
    try:
        assert run(["normalize", str(corpus), "-o", str(tmp_path / "m.csv"), "--no-embed"]).exit_code == 0
        res = run(["normalize", str(corpus), "--apply", str(tmp_path / "m.csv"), "-o", str(tmp_path / "n.jsonl")])
        assert res.exit_code == 0
    finally:
        os.umask(old)
    for name in ("m.csv", "n.jsonl"):
        assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == 0o644, name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.jsonl", "m.csv", "n.jsonl"]   # no temporary left
    os.link(corpus, tmp_path / "same.jsonl")
    res = run(["normalize", str(corpus), "--apply", str(tmp_path / "m.csv"), "-o", str(tmp_path / "same.jsonl")])
    assert res.exit_code == 2 and "overwrite the input" in res.output
