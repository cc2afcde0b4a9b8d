"""DuckDB counting gives exactly the in-memory result, and the same errors, on every format."""

from __future__ import annotations

import csv
import json
import random

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from steps_core.corpus import ReadReport, load_cooccurrence
from steps_core.duck import count_cooccurrences_duckdb
from steps_core.errors import InputError

NAMES = ["a", "b", "c d", "é", "x,y", " pad ", "Z", "中文"]
BAD = [{"skills": []}, {"skills": 5}, {"skills": [1]}, {"skills": [" "]}, {"x": 1}, {"skills": ";;"},
       {"skills": "[1,"}, {"skills": '["a", 2]'}, {"label": {"ability_zh": ["q"]}}, {"skills": None},
       {"skills": {"a": 1}}, {"skills": "\t"}]


def assert_same(a, b):
    assert a.skills == b.skills
    assert a.counts.tolist() == b.counts.tolist()
    assert a.n_records == b.n_records
    assert a.pairs.shape == b.pairs.shape and (a.pairs != b.pairs).nnz == 0
    assert a.pairs.dtype == b.pairs.dtype


def brute_force(skill_lists):
    """Counts by definition: n_i = records with i, c_ij = records with both."""
    sets = [set(s) for s in skill_lists]
    names = sorted(set().union(*sets)) if sets else []
    n = np.array([sum(1 for s in sets if x in s) for x in names])
    c = np.array([[sum(1 for s in sets if x in s and y in s) if x != y else 0 for y in names] for x in names])
    return names, n, c


def good_record(rng: random.Random) -> dict:
    s = rng.sample(NAMES, rng.randint(1, 4))
    form = rng.random()
    if form < 0.45:
        return {"skills": s + s[:1] * (rng.random() < 0.3), "text": "t"}
    if form < 0.65:
        return {"skills": ";".join(s)}
    if form < 0.75:
        return {"skills": json.dumps(s, ensure_ascii=False)}
    if form < 0.9:
        return {"label": {"ability_en": s, "ability_zh": ["中"]}, "conversations": []}
    return {"skills": None, "label": {"ability_en": s}}


def expected_lists(recs):
    out = []
    for r in recs:
        v = r.get("skills")
        if v is None:
            v = r["label"]["ability_en"]
        if isinstance(v, str):
            sep = ";" if ";" in v else ","       # the documented rule: ';' when present, else ','
            v = json.loads(v) if v.startswith("[") else [p.strip(" \t\n\r\f\v") for p in v.split(sep)]
        out.append([x for x in v if x])
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_jsonl_and_json_equal_memory_path_with_bad_records(tmp_path, seed):
    rng = random.Random(seed)
    good = [good_record(rng) for _ in range(250)]
    rows = list(good)
    for b in BAD:
        rows.insert(rng.randrange(len(rows) + 1), b)
    path = tmp_path / "c.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n\n{broken\n[1]\n",
                    encoding="utf-8")
    r_mem, r_duck = ReadReport(), ReadReport()
    mem = load_cooccurrence(path, skip_bad=True, report=r_mem)
    duck = load_cooccurrence(path, engine="duckdb", skip_bad=True, report=r_duck)
    assert_same(mem, duck)
    assert not r_duck.notes                              # DuckDB really did the counting
    assert r_mem.n_skipped == r_duck.n_skipped == len(BAD) + 2
    assert r_mem.errors == r_duck.errors and r_mem.n_records == r_duck.n_records == 250
    names, n, c = brute_force(expected_lists(good))
    assert list(duck.skills) == names and duck.counts.tolist() == n.tolist()
    assert duck.pairs.toarray().tolist() == c.tolist()
    # without --skip-bad both engines stop at the same first bad record, with the same message
    with pytest.raises(InputError) as e_mem:
        load_cooccurrence(path)
    with pytest.raises(InputError) as e_duck:
        load_cooccurrence(path, engine="duckdb")
    assert str(e_mem.value) == str(e_duck.value)
    # the same records as a JSON list
    jpath = tmp_path / "c.json"
    jpath.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    r_mem, r_duck = ReadReport(), ReadReport()
    assert_same(load_cooccurrence(jpath, skip_bad=True, report=r_mem),
                load_cooccurrence(jpath, engine="duckdb", skip_bad=True, report=r_duck))
    assert not r_duck.notes and r_mem.errors == r_duck.errors and r_duck.n_skipped == len(BAD)


def test_csv_equal_memory_path(tmp_path):
    rng = random.Random(5)
    path = tmp_path / "c.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "skills", "text"])
        for i in range(300):
            s = rng.sample(NAMES, rng.randint(1, 3))
            cell = json.dumps(s, ensure_ascii=False) if i % 5 == 0 else ";".join(s)
            w.writerow([i, "" if i % 37 == 0 else cell, "multi\nline" if i % 7 == 0 else "t"])
    r_mem, r_duck = ReadReport(), ReadReport()
    assert_same(load_cooccurrence(path, skip_bad=True, report=r_mem),
                load_cooccurrence(path, engine="duckdb", skip_bad=True, report=r_duck))
    assert not r_duck.notes and r_duck.n_skipped == r_mem.n_skipped == 9 and r_mem.errors == r_duck.errors
    with pytest.raises(InputError, match="empty skill list") as e:
        load_cooccurrence(path, engine="duckdb")
    assert e.value.line == 2


def test_parquet_shards_with_infinity_labels(tmp_path):
    d = tmp_path / "shards"
    d.mkdir()
    rng = random.Random(3)
    lists = []
    for k in range(3):
        en = [rng.sample(NAMES, rng.randint(1, 4)) for _ in range(200)]
        lists += en
        label = pa.array([{"ability_en": s, "ability_zh": ["中"]} for s in en])
        conv = pa.array([[{"from": "human", "value": "q"}]] * len(en))
        pq.write_table(pa.table({"conversations": conv, "label": label}), d / f"part-{k}.parquet")
    duck = count_cooccurrences_duckdb(d)
    assert_same(load_cooccurrence(d), duck)
    names, n, c = brute_force(lists)
    assert list(duck.skills) == names and duck.pairs.toarray().tolist() == c.tolist()
    assert_same(load_cooccurrence(d, lang="zh"), load_cooccurrence(d, engine="duckdb", lang="zh"))


def test_parquet_string_column_and_bad_rows(tmp_path):
    path = tmp_path / "s.parquet"
    pq.write_table(pa.table({"skills": ["a;b", None, "b, c", "", "c"]}), path)
    r_mem, r_duck = ReadReport(), ReadReport()
    mem = load_cooccurrence(path, skip_bad=True, report=r_mem)
    assert_same(mem, load_cooccurrence(path, engine="duckdb", skip_bad=True, report=r_duck))
    assert mem.n_records == 3 and r_duck.n_skipped == 2 and r_mem.errors == r_duck.errors
    with pytest.raises(InputError, match="missing") as e:
        load_cooccurrence(path, engine="duckdb")
    assert e.value.line == 2


def test_file_level_errors_are_the_same(tmp_path):
    pq.write_table(pa.table({"tags": [["a"]]}), tmp_path / "a.parquet")
    for engine in ("memory", "duckdb"):
        with pytest.raises(InputError, match="missing column 'skills'"):
            load_cooccurrence(tmp_path / "a.parquet", engine=engine)
        with pytest.raises(InputError, match="file not found"):
            load_cooccurrence(tmp_path / "nope.jsonl", engine=engine)


@pytest.mark.parametrize("content, reason", [
    (b'\xef\xbb\xbf{"skills": ["a"]}\n{"skills": ["b", "a"]}\n', "byte-order mark"),
])
def test_fallback_to_memory_reader_is_noted(tmp_path, content, reason):
    path = tmp_path / "c.jsonl"
    path.write_bytes(content)
    report = ReadReport()
    duck = load_cooccurrence(path, engine="duckdb", report=report)
    assert_same(load_cooccurrence(path), duck)
    assert any(reason in n for n in report.notes)


def test_unparseable_csv_falls_back_and_locates_the_error(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text('skills,text\n"a;b",x\n"c",y,extra\n"d",z\n', encoding="utf-8")
    with pytest.raises(InputError, match="expected 2 fields") as e:
        load_cooccurrence(path, engine="duckdb")
    assert e.value.line == 3
    report = ReadReport()
    duck = load_cooccurrence(path, engine="duckdb", skip_bad=True, report=report)
    assert_same(load_cooccurrence(path, skip_bad=True), duck)
    assert duck.n_records == 2 and report.n_skipped == 1 and report.notes


def test_broken_json_list_syntax(tmp_path):
    path = tmp_path / "c.json"
    path.write_text('[{"skills": ["a"]},\n {"skills": ["b"]\n', encoding="utf-8")
    with pytest.raises(InputError, match="invalid JSON") as e:
        load_cooccurrence(path, engine="duckdb")
    assert e.value.line is not None


def test_empty_corpus_of_only_bad_records(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"skills": []}\n', encoding="utf-8")
    report = ReadReport()
    duck = load_cooccurrence(path, engine="duckdb", skip_bad=True, report=report)
    assert_same(load_cooccurrence(path, skip_bad=True), duck)
    assert duck.n_records == 0 and duck.n_skills == 0 and report.n_skipped == 1


def test_progress_reports_percent(tmp_path, monkeypatch):
    import steps_core.duck as duck

    monkeypatch.setattr(duck, "PROGRESS_POLL_SECONDS", 0.01)
    path = tmp_path / "c.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for i in range(150_000):
            fh.write(json.dumps({"skills": [f"s{i % 40}", f"s{i * 7 % 40}", f"s{i * 13 % 41}"]}) + "\n")
    calls = []
    load_cooccurrence(path, engine="duckdb", progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (100, 100)
    assert all(t == 100 for _, t in calls)
    done = [d for d, _ in calls]
    assert done == sorted(done) and len(set(done)) == len(done)          # monotonic, never repeated
    assert any(0 <= d < 100 for d in done[:-1])                          # the scan was followed while it ran


def test_dotted_skills_field(tmp_path):
    path = tmp_path / "c.jsonl"
    rows = [{"meta": {"tags": ["a", "b"]}}, {"meta": {"tags": "b;c"}}, {"meta.tags": ["z"], "meta": {"tags": ["q"]}}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    mem = load_cooccurrence(path, skills_field="meta.tags")
    assert_same(mem, load_cooccurrence(path, engine="duckdb", skills_field="meta.tags"))
    assert mem.skills == ("a", "b", "c", "z")
