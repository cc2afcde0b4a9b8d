"""``engine="ray"`` (steps_core/ray_engine.py) counts exactly what the memory engine counts: the same
Cooccurrence (skills, counts, pairs, records) and the same ReadReport (records, bad records skipped with the same
first messages, untagged records, files), on the demo and on a generated sharded corpus (JSONL, gzipped JSONL,
Parquet, CSV, nested folders); the same first error without --skip-bad; ``steps graph --engine ray`` writes the
same files; tagging through a pool of Ray actors gives the same records in the same order (a model-free tagger;
the MiniLM comparison runs with STEPS_TEST_RAY_MINILM=1) and ``steps tag --engine ray`` writes the file
``steps tag`` writes (the actors reading MiniLM's vectors from the embedding cache the memory run filled). Ray
runs locally (2 CPUs, one session for the module); skipped when Ray is not installed."""

from __future__ import annotations

import gzip
import json
import os
import random
import sys
from pathlib import Path

import numpy as np
import pytest

ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")

from cli_helpers import run  # noqa: E402
from steps_core.corpus import ReadReport, load_cooccurrence  # noqa: E402
from steps_core.errors import InputError  # noqa: E402
from steps_core.ray_engine import count_cooccurrences_ray, shard_files  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "assets" / "demo" / "corpus.jsonl"
SKILLS = ["python", "debugging", "unit testing", "metaphor", "persuasion", "résumé writing", "日本語の敬語",
          "data cleaning", "charting", "sql", "regex", "c++", "rhetorical question", "poetry",
          "statistics", "emoji 🙂 use", "x" * 200]


@pytest.fixture(scope="module", autouse=True)
def ray_session():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def _report_fields(r: ReadReport) -> tuple:
    return r.n_records, r.n_skipped, r.n_untagged, r.n_without_skills, r.files, r.errors, r.notes


def assert_same(a, b) -> None:
    """Two Cooccurrence results are equal in every field, down to the sparse matrix's arrays."""
    assert a.skills == b.skills
    assert a.n_records == b.n_records
    assert a.counts.dtype == b.counts.dtype and np.array_equal(a.counts, b.counts)
    assert a.pairs.shape == b.pairs.shape and (a.pairs != b.pairs).nnz == 0
    for name in ("data", "indices", "indptr"):
        assert np.array_equal(getattr(a.pairs, name), getattr(b.pairs, name)), name


def count_both(path, *, ray_path=None, **options):
    """Count ``path`` with the memory engine and ``ray_path`` (default: the same) with Ray; both results and
    reports, after checking the results are equal."""
    mem_report, ray_report = ReadReport(), ReadReport()
    mem = load_cooccurrence(path, report=mem_report, **options)
    done = []
    got = load_cooccurrence(ray_path or path, engine="ray", report=ray_report,
                            progress=lambda d, t=None: done.append(d), **options)
    assert_same(got, mem)
    assert done and done[-1] == mem.n_records and done == sorted(done)     # progress: records done, rising
    return mem, mem_report, ray_report


# --------------------------------------------------------------------------------------------- corpora
def _skills(rng: random.Random) -> list[str]:
    return rng.sample(SKILLS, rng.randint(1, 5))


def write_sharded(folder: Path, seed: int = 0) -> Path:
    """A corpus of five shards in four formats (one in a nested folder), most with good, untagged and bad
    records: 14 bad records in all, so the report's first ten messages come from three shards."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = random.Random(seed)
    folder.mkdir(parents=True)
    lines = [json.dumps({"id": i, "skills": _skills(rng)}, ensure_ascii=False) for i in range(250)]
    lines[3:3] = ['{"skills": ["python", "sql"', '{"skills": 42}', '[1, 2]', '{"skills": ["ok", ""]}',
                  '{"skills": ["ok", 7]}', '{"skills": "\\ud800 lone"}', '{"text": "untagged, no field"}',
                  '{"skills": []}', "", '{"skills": null}']
    (folder / "part-000.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")

    shapes = [lambda s: ";".join(s), lambda s: "".join(f"<{x}>" for x in s), lambda s: json.dumps(s),
              lambda s: s, lambda s: ", ".join(s)]
    recs = [{"skills": rng.choice(shapes)(_skills(rng))} for _ in range(250)]
    recs[10:10] = [{"skills": "[not json"}, {"skills": ""}, {"skills": "[]"}, {"skills": {"a": 1}},
                   {"skills": ["ok"] * 2 + [None]}, {"messages": [{"role": "user", "content": "hi"}]}]
    with gzip.open(folder / "part-001.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in recs)
        fh.write('{"skills": ["cut"\n')

    rows = [_skills(rng) for _ in range(250)] + [None, [], ["  "], ["ok", ""], ["ok", "python", "ok"]]
    rng.shuffle(rows)
    pq.write_table(pa.table({"id": list(range(len(rows))), "skills": pa.array(rows, pa.list_(pa.string()))}),
                   folder / "part-002.parquet", row_group_size=64)

    sub = folder / "lang=en"
    sub.mkdir()
    ii = [json.dumps({"conversations": [{"from": "human", "value": "q"}],
                      "label": {"ability_en": _skills(rng), "ability_zh": ["中文"]}}, ensure_ascii=False)
          for _ in range(150)]
    ii[5:5] = ['{"label": {"ability_en": []}}', '{"label": {"ability_en": "a;;b"}}', '{"label": "bad"}',
               '{"label": {"ability_en": [3]}}']
    (sub / "part-003.jsonl").write_text("\n".join(ii) + "\n", encoding="utf-8")

    csv_rows = ["id,skills"] + [f'{i},"{";".join(_skills(rng))}"' for i in range(100)]
    csv_rows[7:7] = ["x,a;b,extra", "y,"]
    (folder / "part-004.csv").write_text("\n".join(csv_rows) + "\n", encoding="utf-8")
    (folder / "_SUCCESS.jsonl").write_text('{"skills": ["skipped"]}\n')      # skipped: starts with _
    (folder / ".hidden.jsonl").write_text('{"skills": ["skipped"]}\n')       # skipped: starts with .
    return folder


# --------------------------------------------------------------------------------------------- counts
def test_demo_counts_equal_the_memory_engine():
    mem, mem_report, ray_report = count_both(DEMO)
    assert mem.n_records == 1519 and mem.n_skills > 100
    assert _report_fields(ray_report) == _report_fields(mem_report)


def test_sharded_corpus_with_bad_and_untagged_records(tmp_path):
    corpus = write_sharded(tmp_path / "corpus")
    assert len(shard_files(corpus)) == 5
    mem, mem_report, ray_report = count_both(corpus, skip_bad=True)
    assert _report_fields(ray_report) == _report_fields(mem_report)
    # the corpus holds what the test claims: several shards with bad and untagged records, more than ten bad
    assert (mem_report.n_records, mem_report.n_skipped, mem_report.n_untagged) == (1002, 14, 11)
    assert [e.split(":")[0] for e in mem_report.errors] == [str(corpus / "lang=en" / "part-003.jsonl")] + \
        [str(corpus / "part-000.jsonl")] * 6 + [str(corpus / "part-001.jsonl.gz")] * 3
    assert ray_report.summary() == mem_report.summary()
    assert_same(count_cooccurrences_ray(corpus, skip_bad=True, parts=3), mem)      # three reducers, one idle


def test_remote_uri_and_glob(tmp_path):
    """A file:// URI goes through the remote path (copied to the worker): counts equal, messages name the
    URI; a glob selects files as a folder with --format does."""
    corpus = write_sharded(tmp_path / "corpus")
    mem, mem_report, ray_report = count_both(corpus, ray_path=f"file://{corpus}", skip_bad=True)
    uri = f"file://{corpus}"
    assert ray_report.files == [f.replace(str(corpus), uri) for f in mem_report.files]
    assert ray_report.errors == [e.replace(str(corpus), uri) for e in mem_report.errors]
    assert ray_report.n_skipped == mem_report.n_skipped and ray_report.n_untagged == mem_report.n_untagged

    mem, mem_report, ray_report = count_both(corpus, ray_path=str(corpus / "**" / "*.jsonl*"), format="jsonl",
                                             skip_bad=True)
    assert _report_fields(ray_report) == _report_fields(mem_report) and len(mem_report.files) == 3


def test_first_bad_record_in_file_order_stops_both(tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "a.jsonl").write_text("".join(json.dumps({"skills": _skills(random.Random(i))}) + "\n"
                                            for i in range(2000)))
    (folder / "b.jsonl").write_text('{"skills": ["x"]}\n{"skills": ["y", 3]}\n')
    (folder / "c.jsonl").write_text('{"skills": 1}\n')       # bad on line 1, but in a later file
    with pytest.raises(InputError) as mem_error:
        load_cooccurrence(folder)
    with pytest.raises(InputError) as ray_error:
        load_cooccurrence(folder, engine="ray")
    assert str(ray_error.value) == str(mem_error.value) == \
        f"{folder / 'b.jsonl'}:2: field 'skills': expected skill names as strings, got int 3"
    with pytest.raises(InputError, match=r"c\.jsonl:1: field 'skills'") as remote:
        load_cooccurrence(f"file://{folder}/c.jsonl", engine="ray")
    assert str(remote.value).startswith(f"file://{folder}/c.jsonl:1:")


def test_all_untagged_and_missing_inputs(tmp_path):
    p = tmp_path / "untagged.jsonl"
    p.write_text('{"skills": []}\n{"text": "t"}\n')
    mem, mem_report, ray_report = count_both(p)
    assert mem.n_skills == 0 and _report_fields(ray_report) == _report_fields(mem_report)
    for bad in (tmp_path / "missing.jsonl", tmp_path / "empty-folder"):
        (tmp_path / "empty-folder").mkdir(exist_ok=True)
        with pytest.raises(InputError) as mem_error:
            load_cooccurrence(bad)
        with pytest.raises(InputError) as ray_error:
            load_cooccurrence(bad, engine="ray")
        assert str(ray_error.value) == str(mem_error.value)
    with pytest.raises(InputError, match="match this pattern"):
        load_cooccurrence(tmp_path / "nothing-*.jsonl", engine="ray")
    with pytest.raises(InputError, match="file not found"):
        load_cooccurrence(f"file://{tmp_path}/missing.jsonl", engine="ray")
    with pytest.raises(InputError, match="address is for the ray engine"):
        load_cooccurrence(p, address="auto")


# --------------------------------------------------------------------------------------------- CLI
def test_steps_graph_engine_ray_writes_the_same_files(tmp_path):
    corpus = write_sharded(tmp_path / "corpus")
    outputs = {}
    for engine in ("memory", "ray"):
        out = tmp_path / engine / "graph.csv"
        result = run("graph", corpus, "--engine", engine, "--skip-bad", "--min-count", "1", "-o", out)
        outputs[engine] = (out.read_bytes(), out.with_name("graph.nodes.csv").read_bytes(),
                           result.output.replace(str(out.parent), "OUT"))
    assert outputs["ray"] == outputs["memory"]
    assert b"r\xc3\xa9sum\xc3\xa9 writing" in outputs["ray"][1] and "skipped 14 bad record(s)" in outputs["ray"][2]


def test_address_needs_the_ray_engine(tmp_path):
    result = run("graph", DEMO, "--address", "auto", "-o", tmp_path / "g.csv", ok=False)
    assert "--address is for --engine ray" in result.output and not (tmp_path / "g.csv").exists()
    assert "--address" not in run("synth", "--help").output          # only commands that count have it
    assert "--address" in run("tree", "--help").output and "--address" in run("compare", "--help").output


# --------------------------------------------------------------------------------------------- tagging
class KeywordTagger:
    """A model-free tagger (for speed): the catalogue skills whose first word occurs in the text."""

    name = "keyword"

    def __init__(self, catalog):
        self.catalog = tuple(catalog)

    def tag(self, texts, *, progress=None):
        from steps_core.tagging import TagResult

        out = []
        for text in texts:
            hits = [s.name for s in self.catalog if s.name.split()[0].lower() in text.lower()][:3]
            out.append(TagResult(tuple(hits), tuple(round(1 / (i + 1), 4) for i in range(len(hits)))))
        return out


def test_tagging_on_ray_gives_the_same_records_in_order():
    from dataclasses import replace

    from ray import cloudpickle

    from steps_core.corpus import iter_records, read_catalog
    from steps_core.ray_engine import tag_records_ray
    from steps_core.tagging import TagSummary, tag_records

    cloudpickle.register_pickle_by_value(sys.modules[__name__])   # workers need not import this test module
    catalog = read_catalog(REPO / "assets" / "demo" / "skills.csv")
    tagger = KeywordTagger(catalog)
    records = [replace(r, skills=()) if i % 2 else r                   # half keep their own skills
               for i, r in enumerate(list(iter_records(DEMO, require_skills=False))[:400])]
    local, remote = TagSummary(), TagSummary()
    expected = list(tag_records(records, tagger, summary=local))
    got = list(tag_records_ray(records, tagger, actors=3, chunk=7, summary=remote))  # 2 actors: the CPUs
    assert got == expected and remote == local and local.n_tagged > 50 and local.n_kept == 200


def _cache_rows(folder: Path) -> int:
    import sqlite3

    with sqlite3.connect(folder / "embeddings.sqlite") as con:
        return con.execute("SELECT count(*) FROM embedding").fetchone()[0]


def test_steps_tag_engine_ray_writes_the_same_file(tmp_path, monkeypatch):
    """`steps tag --engine ray` writes the file `steps tag` writes, byte for byte (plain and gzipped), and prints
    the same summary. The memory run fills the embedding cache (MiniLM in this process, once), so the actors
    find every vector there and never encode: the Ray runs add no row to the cache."""
    pytest.importorskip("sentence_transformers")
    from steps_core.corpus import iter_records

    lines = []
    for i, rec in zip(range(90), iter_records(DEMO)):
        row = dict(rec.raw)
        if i % 3:
            row.pop("skills")                                   # two records in three are tagged
        lines.append(json.dumps(row, ensure_ascii=False))
    lines[7:7] = ['{"id": "no text", "skills": ["not in the catalogue"]}']    # bad: nothing to tag
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cache = tmp_path / "emb"
    common = ("--catalog", REPO / "assets" / "demo" / "skills.csv", "--cache-dir", cache, "--skip-bad")
    outputs = {}
    for engine, name in (("memory", "tagged.jsonl"), ("ray", "tagged.jsonl"), ("memory", "tagged.jsonl.gz"),
                         ("ray", "tagged.jsonl.gz")):
        out = tmp_path / engine / name
        result = run("tag", corpus, *common, "--engine", engine, "-o", out)
        if engine == "memory" and name == "tagged.jsonl":
            filled = _cache_rows(cache)
        outputs[engine, name] = (out.read_bytes(), result.output.replace(str(out.parent), "OUT"))
    assert _cache_rows(cache) == filled > 90
    for name in ("tagged.jsonl", "tagged.jsonl.gz"):
        assert outputs["ray", name] == outputs["memory", name]
    text, summary = outputs["ray", "tagged.jsonl"]
    rows = [json.loads(line) for line in text.decode("utf-8").splitlines()]
    assert len(rows) == 90 and [r["id"] for r in rows] == [json.loads(line)["id"] for line in lines if
                                                          '"no text"' not in line]
    assert sum(r["skill_scores"][:1] != [None] and bool(r["skills"]) for r in rows) > 30   # tagged, with scores
    assert "kept own skills              30" in summary and "skipped 1 bad record(s)" in summary
    monkeypatch.setenv("STEPS_PROGRESS", "1")                            # the bar, though stderr is no TTY
    shown = run("tag", corpus, *common, "--engine", "ray", "-o", tmp_path / "again.jsonl").output
    assert "tagging: " in shown and "90 records" in shown


def test_steps_tag_engine_ray_refusals(tmp_path, monkeypatch):
    """Without Ray, --engine ray says how to install it; --llm does not run on Ray; --address needs it. Nothing
    is written."""
    from click.testing import CliRunner

    from steps_core.cli import cli

    corpus = tmp_path / "c.jsonl"
    corpus.write_text('{"text": "write a poem"}\n')
    out = tmp_path / "out.jsonl"
    args = ["tag", str(corpus), "--catalog", str(REPO / "assets" / "demo" / "skills.csv"), "-o", str(out)]
    monkeypatch.setitem(sys.modules, "ray", None)                      # as if Ray were not installed
    result = CliRunner().invoke(cli, args + ["--engine", "ray"])
    assert result.exit_code == 2 and "pip install -e '.[ray]'" in result.output and not out.exists()
    monkeypatch.delitem(sys.modules, "ray")
    assert "--llm sends its requests" in run(*args, "--engine", "ray", "--llm", "--model", "m", ok=False).output
    assert "--address is for --engine ray" in run(*args, "--address", "auto", ok=False).output
    assert not out.exists()
    assert "--engine [memory|ray]" in run("tag", "--help").output


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("STEPS_TEST_RAY_MINILM"),
                    reason="~60 s on 2 cores (a model in an actor): set STEPS_TEST_RAY_MINILM=1 to run it")
def test_minilm_tagging_on_ray_equals_local_tagging():
    """One MiniLM per actor tags exactly as the local model does (skills and rounded scores)."""
    pytest.importorskip("sentence_transformers")
    from steps_core.corpus import iter_records, read_catalog
    from steps_core.ray_engine import RayTagger, ray_session
    from steps_core.tagging import EmbeddingTagger

    catalog = read_catalog(REPO / "assets" / "demo" / "skills.csv")
    texts = [r.text for _, r in zip(range(40), iter_records(DEMO))]
    expected = EmbeddingTagger(catalog).tag(texts)
    with ray_session():
        pool = RayTagger(EmbeddingTagger(catalog), actors=1, chunk=16)
        assert pool.tag(texts) == expected
        pool.close()
