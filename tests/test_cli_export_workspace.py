"""`steps export --workspace`: curation done in the app, exported headless."""

import json

from cli_helpers import run
from steps_core.corpus import Skill
from steps_core.select import Combination
from steps_core.synth import TemplateBackend, plan_jobs, synthesize
from steps_core.workspace import open_workspace


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
    result = run("export", "--workspace", ws_path, "--format", "openai", "-o", out, "--curriculum", "none")
    assert "wrote 2 sample(s)" in result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    contents = [m["content"] for r in rows for m in r["messages"]]
    assert "edited answer" in contents
    assert not any(samples[2]["messages"][-1]["content"] == c for c in contents)
    manifest = json.loads((out.parent / "manifest.json").read_text())
    assert manifest["counts"]["per_k"] == {"2": 1, "3": 1}
    with open_workspace(ws_path, create=False) as ws:
        (rec,) = ws.exports()
        assert rec["format"] == "openai" and rec["path"].endswith("train.jsonl")


def test_export_needs_exactly_one_source(tmp_path):
    assert "not both or neither" in run("export", "--format", "openai", "-o", tmp_path / "x.jsonl", ok=False).output
    missing = run("export", "--workspace", tmp_path / "nope.sqlite", "--format", "openai", "-o", tmp_path / "x.jsonl",
                  ok=False)
    assert "nope.sqlite" in missing.output
