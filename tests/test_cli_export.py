"""`steps export`: every format from a samples file, the accepted-only rule, never over an input, and the
samples curated in the app exported headless from a workspace (decisions and edits kept, the export recorded)."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from fake_openai import write_inputs
from steps_core.corpus import Skill
from steps_core.select import Combination
from steps_core.synth import TemplateBackend, plan_jobs, read_samples, synthesize
from steps_core.workspace import Workspace, open_workspace
from synthesis_cli import assert_every_option_has_help, invoke, template_synth


@pytest.fixture
def inputs(tmp_path):
    return write_inputs(tmp_path / "in")


def test_export_command(tmp_path, inputs):
    src = tmp_path / "t.jsonl"
    template_synth(inputs, src)
    r = invoke(["export", src, "--format", "openai", "-o", tmp_path / "out" / "train.jsonl"])
    assert r.exit_code == 2 and "--all" in r.output
    r = invoke(["export", src, "--format", "parquet", "-o", tmp_path / "out" / "train.parquet", "--all",
                "--curriculum", "partition"])
    assert r.exit_code == 0, r.output
    table = pq.read_table(tmp_path / "out" / "train.parquet").to_pylist()
    assert sorted(row["id"] for row in table) == sorted(s["id"] for s in read_samples(src))
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["counts"]["per_k"] == {"2": 2, "3": 1} and "per community" in r.output
    assert "without shuffling" in r.output
    # the default: the reference schedule, here 10 rows per epoch; k=2 (2 samples) and k=3 (1) are reused
    r = invoke(["export", src, "--format", "openai", "-o", tmp_path / "ref" / "train.jsonl", "--all",
                "--epoch-size", "10"])
    assert r.exit_code == 0, r.output
    assert len((tmp_path / "ref" / "train.jsonl").read_text().splitlines()) == 30
    assert "wrote 30 sample(s)" in r.output and "3 distinct" in r.output and "each is used" in r.output
    manifest = json.loads((tmp_path / "ref" / "manifest.json").read_text())
    assert manifest["settings"]["curriculum"]["epoch_size"] == 10 and manifest["trainer"]["shuffle"] is False
    r = invoke(["export", src, "--format", "sharegpt", "-o", tmp_path / "sg.jsonl", "--all", "--curriculum", "none"])
    assert r.exit_code == 0
    assert [json.loads(x)["conversations"][0]["from"] for x in (tmp_path / "sg.jsonl").read_text().splitlines()] \
        == ["human"] * 3
    r = invoke(["export", src, "--format", "alpaca", "-o", tmp_path / "a.jsonl",
                "--curriculum", tmp_path / "nope.json"])
    assert r.exit_code == 2 and "nope.json" in r.output


def test_export_never_overwrites_its_input(tmp_path, inputs):
    # B1: `-o` naming the samples file or the workspace exits 2 and leaves it intact
    src = tmp_path / "t.jsonl"
    template_synth(inputs, src)
    before = src.read_bytes()
    r = invoke(["export", src, "--all", "--format", "openai", "-o", src])
    assert r.exit_code == 2 and "overwrite the input" in r.output and src.read_bytes() == before
    r = invoke(["export", src, "--all", "--format", "openai", "-o", tmp_path / "train.jsonl", "--manifest", src])
    assert r.exit_code == 2 and src.read_bytes() == before
    ws_path = tmp_path / "ws.sqlite"
    with Workspace(ws_path) as ws:
        ws.add_samples(read_samples(src))
    for out in (ws_path, tmp_path / "ws.sqlite-wal"):
        r = invoke(["export", "--workspace", ws_path, "--all", "--format", "openai", "-o", out])
        assert r.exit_code == 2 and "overwrite the input" in r.output
    with Workspace(ws_path, create=False) as ws:
        assert len(ws.samples()) == 3 and ws.exports() == []


def make_samples():
    combos = [Combination(("a", "b"), ("a",), 0.5, (0.5,), "1", "local", 2),
              Combination(("a", "c", "d"), ("a",), 0.7, (0.4, 0.3), "root", "local", 3),
              Combination(("b", "d"), ("b",), 0.2, (0.2,), "2", "local", 2)]
    catalog = [Skill(s, "cat", f"definition of {s}", f"example of {s}") for s in "abcd"]
    jobs = plan_jobs(combos, style="agentic", catalog=catalog)
    return list(synthesize(jobs, TemplateBackend(), workers=1))


def test_export_from_workspace_keeps_decisions_and_edits(tmp_path):
    samples = make_samples()
    ws_path = tmp_path / "ws.sqlite"
    with open_workspace(ws_path) as ws:
        ws.add_samples(samples)
        ws.set_decision(samples[0]["id"], True,
                        edited_messages=[{"role": "user", "content": "edited question"},
                                         {"role": "assistant", "content": "edited answer"}])
        ws.set_decision(samples[1]["id"], True)
        ws.set_decision(samples[2]["id"], False)
    out = tmp_path / "out" / "train.jsonl"
    result = invoke(["export", "--workspace", ws_path, "--format", "openai", "-o", out, "--curriculum", "none"])
    assert result.exit_code == 0 and "wrote 2 sample(s)" in result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    contents = [m["content"] for r in rows for m in r["messages"]]
    assert "edited answer" in contents
    assert not any(samples[2]["messages"][-1]["content"] == c for c in contents)
    manifest = json.loads((out.parent / "manifest.json").read_text())
    assert manifest["counts"]["per_k"] == {"2": 1, "3": 1}
    with open_workspace(ws_path, create=False) as ws:
        (rec,) = ws.exports()
        assert rec["format"] == "openai" and rec["path"].endswith("train.jsonl")


def test_export_min_grade(tmp_path, inputs):
    """--min-grade keeps what reaches it: full marks, all skills, or N points; ungraded samples never pass."""
    src, graded = tmp_path / "t.jsonl", tmp_path / "g.jsonl"
    template_synth(inputs, src)
    samples = read_samples(src)                        # k = 2, 3, 2 (the three test combinations)
    marks = [(5, True, True), (5, False, True), (4, False, False)]        # score, full marks, all skills
    for s, (score, full, all_skills) in zip(samples, marks):
        s["grade"] = {"status": "ok", "score": score, "max_score": s["k"] + 3, "full_marks": full,
                      "all_skills": all_skills}
    samples.append({**{k: v for k, v in samples[0].items() if k != "grade"}, "id": "ungraded"})
    from steps_core.synth import write_samples

    write_samples(graded, samples)

    def kept(grade):
        out = tmp_path / f"out-{grade}" / "train.jsonl"
        r = invoke(["export", graded, "--all", "--format", "openai", "-o", out, "--curriculum", "none",
                    "--min-grade", grade])
        assert r.exit_code == 0, r.output
        return json.loads((out.parent / "manifest.json").read_text())["ids"]

    ids = [s["id"] for s in samples]
    assert kept("full") == [ids[0]]
    assert kept("all-skills") == ids[:2]
    assert kept("5") == ids[:2] and kept("4") == ids[:3]
    r = invoke(["export", graded, "--all", "--format", "openai", "-o", tmp_path / "x.jsonl", "--min-grade", "7"])
    assert r.exit_code == 2 and "grade of at least 7" in r.output
    r = invoke(["export", graded, "--all", "--format", "openai", "-o", tmp_path / "x.jsonl", "--min-grade", "best"])
    assert r.exit_code == 2 and "min_grade" in r.output


def test_export_needs_exactly_one_source(tmp_path):
    neither = invoke(["export", "--format", "openai", "-o", tmp_path / "x.jsonl"])
    assert neither.exit_code == 2 and "not both or neither" in neither.output
    both = invoke(["export", tmp_path / "s.jsonl", "--workspace", tmp_path / "w.sqlite", "--format", "openai",
                   "-o", tmp_path / "x.jsonl"])
    assert both.exit_code == 2 and "not both or neither" in both.output
    missing = invoke(["export", "--workspace", tmp_path / "nope.sqlite", "--format", "openai", "-o",
                      tmp_path / "x.jsonl"])
    assert missing.exit_code == 2 and "nope.sqlite" in missing.output and not (tmp_path / "nope.sqlite").exists()


def test_every_export_option_has_help():
    assert_every_option_has_help("export")
