"""DuckDB counting gives exactly the in-memory result, and the same errors, on every format."""

from __future__ import annotations

import csv
import gzip
import json
import random
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from steps_core.corpus import ReadReport, load_cooccurrence
from steps_core.duck import count_cooccurrences_duckdb
from steps_core.errors import InputError

NAMES = ["a", "b", "c d", "é", "x,y", " pad ", "Z", "中文"]
BAD = [{"skills": 5}, {"skills": [1]}, {"skills": [" "]}, {"skills": "[1,"}, {"skills": '["a", 2]'},
       {"skills": {"a": 1}}, {"skills": True}]
#: Records without skills: skipped and counted by both engines, not errors.
UNTAGGED = [{"skills": []}, {"x": 1}, {"skills": ";;"}, {"label": {"ability_zh": ["q"]}}, {"skills": None},
            {"skills": "\t"}, {"skills": "[]"}, {"skills": "<>"}, {"skills": "", "label": {"ability_en": []}}]


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
    if form < 0.55:
        return {"skills": ";".join(s)}
    if form < 0.65:
        return {"skills": "<" + "><".join(s) + ">"}               # Stack Exchange's Tags column
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
            out.append(expected_split(v))
        else:
            out.append(v)
    return out


def expected_split(v: str) -> list[str]:
    """The documented rules for a skills string: a JSON list; '<a><b>'; else ';' when present, else ','."""
    if v.startswith("["):
        return json.loads(v)
    tags = v[1:-1].split("><")
    if v.startswith("<") and v.endswith(">") and not any("<" in t or ">" in t for t in tags):
        parts = tags
    else:
        parts = v.split(";" if ";" in v else ",")
    return [p.strip(" \t\n\r\f\v") for p in parts if p.strip(" \t\n\r\f\v")]


def write_text(path: Path, text: str) -> Path:
    """Write UTF-8 text, gzip-compressed when the name ends in .gz."""
    if path.suffix == ".gz":
        with gzip.open(path, "wt", encoding="utf-8", newline="") as fh:
            fh.write(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def both(path, **kw):
    """Count with both engines (each with its own report); assert they agree; return (cooc, report)."""
    r_mem, r_duck = ReadReport(), ReadReport()
    mem = load_cooccurrence(path, report=r_mem, **kw)
    duck = load_cooccurrence(path, engine="duckdb", report=r_duck, **kw)
    assert_same(mem, duck)
    assert not r_duck.notes                              # DuckDB really did the counting
    assert (r_mem.n_records, r_mem.n_untagged, r_mem.n_skipped, r_mem.errors) == \
        (r_duck.n_records, r_duck.n_untagged, r_duck.n_skipped, r_duck.errors)
    return duck, r_duck


@pytest.mark.parametrize("seed, gz", [(0, ""), (1, ""), (2, ".gz")])
def test_jsonl_and_json_equal_memory_path_with_bad_records(tmp_path, seed, gz):
    rng = random.Random(seed)
    good = [good_record(rng) for _ in range(250)]
    rows = list(good)
    for b in BAD + UNTAGGED:
        rows.insert(rng.randrange(len(rows) + 1), b)
    path = write_text(tmp_path / f"c.jsonl{gz}",
                      "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n\n{broken\n[1]\n")
    duck, report = both(path, skip_bad=True)
    assert report.n_skipped == len(BAD) + 2 and report.n_untagged == len(UNTAGGED) and report.n_records == 250
    names, n, c = brute_force(expected_lists(good))
    assert list(duck.skills) == names and duck.counts.tolist() == n.tolist()
    assert duck.pairs.toarray().tolist() == c.tolist()
    # without --skip-bad both engines stop at the same first bad record, with the same message
    first_bad = 1 + min(rows.index(b) for b in BAD)
    with pytest.raises(InputError) as e_mem:
        load_cooccurrence(path)
    with pytest.raises(InputError) as e_duck:
        load_cooccurrence(path, engine="duckdb")
    assert str(e_mem.value) == str(e_duck.value) and e_duck.value.line == first_bad
    assert e_duck.value.path == str(path)
    # the same records as a JSON list
    jpath = write_text(tmp_path / f"c.json{gz}", json.dumps(rows, ensure_ascii=False, indent=1))
    duck, report = both(jpath, skip_bad=True)
    assert report.n_skipped == len(BAD) and report.n_untagged == len(UNTAGGED) and duck.n_records == 250


@pytest.mark.parametrize("name", ["c.csv", "c.tsv", "c.tab", "c.csv.gz", "c.tsv.gz"])
def test_csv_and_tsv_equal_memory_path(tmp_path, name):
    rng = random.Random(5)
    delimiter = "\t" if ".t" in name else ","
    lists = []
    with (gzip.open if name.endswith(".gz") else open)(tmp_path / name, "wt", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(["id", "skills", "text"])
        for i in range(300):
            s = rng.sample(NAMES, rng.randint(1, 3))
            cell = json.dumps(s, ensure_ascii=False) if i % 5 == 0 else \
                "<" + "><".join(s) + ">" if i % 5 == 1 else ";".join(s)
            if i % 37 == 0:
                cell = ""                                # untagged: rows 0, 37, ..., 296 (9)
            elif i % 41 == 0:
                cell = '["a", 2]'                        # bad: rows 41, 82, ..., 287 (7)
            else:
                lists.append(expected_split(cell))
            w.writerow([i, cell, "multi\nline" if i % 7 == 0 else "t"])
    path = tmp_path / name
    duck, report = both(path, skip_bad=True)
    assert (report.n_records, report.n_untagged, report.n_skipped) == (284, 9, 7)
    names, n, c = brute_force(lists)
    assert list(duck.skills) == names and duck.counts.tolist() == n.tolist()
    assert duck.pairs.toarray().tolist() == c.tolist()
    with pytest.raises(InputError, match="expected skill names as strings") as e:
        load_cooccurrence(path, engine="duckdb")
    # row 41 starts on line 2 + 41 + 6 (rows 0, 7, ..., 35 hold a two-line text)
    assert (e.value.path, e.value.line, e.value.field) == (str(path), 49, "skills")


def test_se_tags_in_a_folder_of_gzipped_and_plain_shards(tmp_path):
    d = tmp_path / "shards"
    d.mkdir()
    write_text(d / "a.jsonl", '{"skills": "<ubuntu><bash><grub2>"}\n{"skills": []}\n')
    write_text(d / "b.jsonl.gz", '{"skills": ["bash", "grub2"]}\n{"Tags": "x"}\n')
    write_text(d / "c.csv.gz", 'Id,skills\n1,<ubuntu><bash>\n2,\n')
    write_text(d / "d.tsv", 'skills\tx\n<grub2>\t1\n')
    pq.write_table(pa.table({"skills": ["<ubuntu><boot>", None]}), d / "e.parquet")
    write_text(d / "f.ndjson.gz", '{"skills": " <boot> <bash> "}\n')   # not only <...> groups: one name
    duck, report = both(d)
    assert (report.n_records, report.n_untagged, report.n_skipped, len(report.files)) == (6, 4, 0, 6)
    assert duck.skills == ("<boot> <bash>", "bash", "boot", "grub2", "ubuntu")
    assert duck.counts.tolist() == [1, 3, 1, 3, 3]
    pairs = {(duck.skills[i], duck.skills[j]): int(duck.pairs[i, j]) for i, j in zip(*duck.pairs.nonzero()) if i < j}
    assert pairs == {("bash", "grub2"): 2, ("bash", "ubuntu"): 2, ("grub2", "ubuntu"): 1, ("boot", "ubuntu"): 1}


def test_a_gzipped_csv_row_longer_than_duckdbs_buffer_falls_back(tmp_path, monkeypatch):
    from steps_core import duck

    monkeypatch.setattr(duck, "GZIP_CSV_MAX_LINE", 1 << 17)
    path = write_text(tmp_path / "long.csv.gz", 'skills,text\n"a;b",' + "x" * 300_000 + '\n"b",y\n')
    report = ReadReport()
    c = load_cooccurrence(path, engine="duckdb", report=report)
    assert_same(load_cooccurrence(path), c)
    assert c.counts.tolist() == [1, 2] and "counted with the in-memory reader" in report.notes[0]


def test_broken_gzip_is_a_located_error_in_both_engines(tmp_path):
    data = gzip.compress("".join(json.dumps({"skills": [f"s{i % 7}", "t"]}) + "\n" for i in range(5000)).encode())
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(data[: len(data) // 2])
    plain = tmp_path / "plain.jsonl.gz"                 # named .gz but not compressed
    plain.write_text('{"skills": ["a"]}\n', encoding="utf-8")
    for path, line in ((cut, None), (plain, 1)):
        for engine in ("memory", "duckdb"):
            with pytest.raises(InputError, match="cannot decompress") as e:
                load_cooccurrence(path, engine=engine)
            assert e.value.path == str(path)
            assert e.value.line == line or (line is None and e.value.line > 1)


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
    pq.write_table(pa.table({"skills": ["a;b", None, "b, c", "", "<c><d>", "[1,", "<a>"]}), path)
    duck, report = both(path, skip_bad=True)
    assert (duck.n_records, report.n_untagged, report.n_skipped) == (4, 2, 1)
    assert duck.skills == ("a", "b", "c", "d") and duck.counts.tolist() == [2, 2, 2, 1]
    assert duck.pairs.toarray().tolist() == [[0, 1, 0, 0], [1, 0, 1, 0], [0, 1, 0, 1], [0, 0, 1, 0]]
    with pytest.raises(InputError, match="not valid JSON") as e:
        load_cooccurrence(path, engine="duckdb")
    assert e.value.line == 6


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


def test_empty_corpus_of_only_bad_or_untagged_records(tmp_path):
    path = write_text(tmp_path / "c.jsonl", '{"skills": 5}\n')
    duck, report = both(path, skip_bad=True)
    assert duck.n_records == 0 and duck.n_skills == 0 and report.n_skipped == 1
    path = write_text(tmp_path / "u.jsonl.gz", '{"skills": []}\n{"text": "t"}\n')
    duck, report = both(path)
    assert duck.n_records == 0 and duck.n_skills == 0 and (report.n_untagged, report.n_skipped) == (2, 0)
    assert report.summary() == "read 0 record(s) from 1 file(s); 2 untagged record(s) skipped"


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
