"""`steps graph`."""

import subprocess
import sys

from cli_helpers import bundled_records, run, write_corpus
from steps_core.graph import build_graph, count_cooccurrences, read_graph_csv


def test_graph_writes_edges_and_nodes(tmp_path):
    records = bundled_records()
    corpus = write_corpus(tmp_path / "c.jsonl", records)
    out = tmp_path / "out" / "graph.csv"
    result = run("graph", corpus, "--weighting", "count", "--min-count", "2", "-o", out)
    assert "graph.nodes.csv" in result.output and "records" in result.output
    g = read_graph_csv(out)
    expected = build_graph(count_cooccurrences(records), weighting="count", min_count=2)
    assert g.skills == expected.skills
    assert (g.adjacency != expected.adjacency).nnz == 0
    assert g.counts.tolist() == expected.counts.tolist()


def test_graph_bad_record_exit_code_and_message(tmp_path):
    p = tmp_path / "bad.jsonl"
    p.write_text('{"skills": ["a", "b"]}\n{"skills": 42}\n')
    result = run("graph", p, "-o", tmp_path / "g.csv", ok=False)
    assert "bad.jsonl:2" in result.output and "skills" in result.output
    assert not (tmp_path / "g.csv").exists()


def test_graph_empty_corpus(tmp_path):
    p = tmp_path / "empty.jsonl"
    p.write_text("\n")
    result = run("graph", p, "-o", tmp_path / "g.csv", ok=False)
    assert "no records" in result.output


def test_installed_script_exit_codes(tmp_path):
    p = tmp_path / "bad.jsonl"
    p.write_text("{not json\n")
    proc = subprocess.run([sys.executable, "-m", "steps_core.cli", "graph", str(p)], capture_output=True, text=True)
    assert proc.returncode == 2 and "bad.jsonl:1" in proc.stderr and "Traceback" not in proc.stderr
