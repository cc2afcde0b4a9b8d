"""Reading corpora: each format, each record shape, folders of shards, format detection, catalogue, topics."""

from __future__ import annotations

import csv
import gzip
import itertools
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from steps_core.corpus import (ReadReport, Record, Skill, coerce_skills, iter_records, iter_skill_lists,
                               load_cooccurrence, parse_skills, read_catalog, read_topics, split_skills, text_of)
from steps_core.formats import corpus_files, detect_format, name_format
from steps_core.names import INPUT_FORMATS
from steps_core.errors import InputError

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def write_jsonl(path: Path, rows) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def write_csv(path: Path, header, rows, delimiter: str = ",") -> Path:
    """Write a CSV (or, with ``delimiter="\\t"``, TSV) file; gzip-compressed when the name ends in .gz."""
    with (gzip.open if path.suffix.lower() == ".gz" else open)(path, "wt", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(header)
        w.writerows(rows)
    return path


def write_gz(path: Path, data: bytes) -> Path:
    path.write_bytes(gzip.compress(data))
    return path


# ----------------------------------------------------------------------------------------------- skills values
def test_parse_skills_keeps_its_documented_behaviour():
    assert parse_skills(["a", "b", "a"], path="x", line=1) == ("a", "b")
    with pytest.raises(InputError, match="expected a list of skill names, got str"):
        parse_skills("a", path="x", line=1)


@pytest.mark.parametrize("value, expected", [
    (["python", "debugging", "python"], ("python", "debugging")),
    ("python; debugging ;", ("python", "debugging")),
    ("python, debugging", ("python", "debugging")),
    ("a, b; c", ("a, b", "c")),                       # ';' wins: names may hold commas
    ('["x", "y", "x"]', ("x", "y")),                  # a JSON list in a string (CSV cells)
    ("  solo ", ("solo",)),
    ("<ubuntu><bash><grub2>", ("ubuntu", "bash", "grub2")),     # Stack Exchange's Tags column
    (" <c++><c#><c++>\n", ("c++", "c#")),
    ("<a;b><c,d>", ("a;b", "c,d")),                 # delimiters inside <...> are part of the name
    ("<solo>", ("solo",)),
    ("< x ><><y>", ("x", "y")),                     # names stripped, empty groups dropped
    ("<a> <b>", ("<a> <b>",)),                      # not only <...> groups: the old rules
    ("<a>;<b>", ("<a>", "<b>")),
    ("a<b>, <c>", ("a<b>", "<c>")),
    ("<a<b>>", ("<a<b>>",)),
])
def test_skill_values(value, expected):
    assert coerce_skills(value, path="f", line=1) == expected


@pytest.mark.parametrize("value, message", [
    ([], "empty skill list"),
    ("", "empty skill list"),
    (" ; ;  ", "empty skill list"),
    (None, "missing"),
    (5, "expected a list of skill names or a delimited string, got int"),
    ({"a": 1}, "got dict"),
    ([1, "a"], "expected skill names as strings, got int"),
    (["a", "  "], "empty skill name"),
    ('["a", 2]', "expected skill names as strings"),
    ("[not json", "looks like a JSON list but is not valid JSON"),
])
def test_bad_skill_values_name_field_and_line(value, message):
    with pytest.raises(InputError, match=message) as e:
        coerce_skills(value, path="c.jsonl", line=7, field="tags")
    assert (e.value.path, e.value.line, e.value.field) == ("c.jsonl", 7, "tags")


def test_empty_skills_allowed_when_not_required():
    assert coerce_skills([], path="f", line=1, require=False) == ()
    assert coerce_skills(None, path="f", line=1, require=False) == ()
    with pytest.raises(InputError):           # a wrong type is still wrong
        coerce_skills(3, path="f", line=1, require=False)


def test_split_skills():
    assert split_skills("<tex><latex>") == ["tex", "latex"]
    assert split_skills("a;b;;c ") == ["a", "b", "c"]
    assert split_skills("") == []


# ----------------------------------------------------------------------------------------------- record shapes
def test_record_shapes_in_jsonl(tmp_path):
    rows = [
        {"id": "inf", "conversations": [{"from": "human", "value": "Fix my loop"}, {"from": "gpt", "value": "Done"}],
         "label": {"ability_en": ["programming", "debugging"], "ability_zh": ["编程"]}},
        {"messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "Hi"},
                      {"role": "assistant", "content": "Hello"}], "skills": ["greeting"]},
        {"messages": [{"role": "user", "content": [{"type": "text", "text": "part one"},
                                                   {"type": "image_url", "image_url": {"url": "x"}}]}],
         "skills": "vision"},
        {"instruction": "Add the numbers", "input": "2 and 3", "output": "5", "skills": "math;arithmetic"},
        {"text": "plain text here", "skills": ["writing"]},
        {"prompt": "Tell a joke", "completion": "No.", "skills": ["humour"]},
    ]
    path = write_jsonl(tmp_path / "c.jsonl", rows)
    recs = list(iter_records(path))
    assert [r.skills for r in recs] == [("programming", "debugging"), ("greeting",), ("vision",),
                                        ("math", "arithmetic"), ("writing",), ("humour",)]
    inf = recs[0]
    assert inf.id == "inf" and inf.text == "Fix my loop"
    assert inf.messages == ({"role": "user", "content": "Fix my loop"}, {"role": "assistant", "content": "Done"})
    assert recs[1].text == "Hi" and recs[1].messages[0]["role"] == "system"
    assert recs[2].text == "part one"
    assert recs[3].text == "Add the numbers\n\n2 and 3"
    assert recs[3].messages[1] == {"role": "assistant", "content": "5"}
    assert recs[4].text == "plain text here" and recs[4].messages == ()
    assert recs[5].text == "Tell a joke"
    assert recs[1].id == "c.jsonl:2" and recs[1].source == f"{path}:2"
    assert recs[0].raw["label"]["ability_zh"] == ["编程"]          # raw keeps every field


def test_infinity_language_choice(tmp_path):
    path = write_jsonl(tmp_path / "inf.jsonl", [{"conversations": [], "label": {"ability_en": ["math"],
                                                                               "ability_zh": ["数学", "推理"]}}])
    assert next(iter_records(path)).skills == ("math",)
    assert next(iter_records(path, lang="zh")).skills == ("数学", "推理")
    with pytest.raises(InputError, match="unknown language"):
        next(iter_records(path, lang="fr"))


def test_infinity_missing_language_is_untagged_and_wrong_type_names_the_label_field(tmp_path):
    path = write_jsonl(tmp_path / "inf.jsonl", [{"label": {"ability_zh": ["数学"]}}, {"label": {"ability_en": 5}}])
    report = ReadReport()
    with pytest.raises(InputError) as e:
        next(iter_records(path, report=report))
    assert e.value.field == "label.ability_en" and e.value.line == 2
    assert report.n_untagged == 1                    # line 1 has no English labels: skipped, not an error


def test_custom_and_dotted_skills_field(tmp_path):
    path = write_jsonl(tmp_path / "c.jsonl", [{"meta": {"tags": ["a", "b"]}, "tags": "x"}])
    assert next(iter_records(path, skills_field="meta.tags")).skills == ("a", "b")
    assert next(iter_records(path, skills_field="tags")).skills == ("x",)
    report = ReadReport()
    assert list(iter_records(path, skills_field="nope", report=report)) == []
    assert (report.n_records, report.n_untagged) == (0, 1)
    assert "0 record(s) from 1 file(s); 1 untagged record(s) skipped" in report.summary()


def test_self_instruct_instances_shape():
    assert text_of({"instruction": "Sort", "instances": [{"input": "3 1 2", "output": "1 2 3"}]}) == (
        ({"role": "user", "content": "Sort\n\n3 1 2"}, {"role": "assistant", "content": "1 2 3"}), "Sort\n\n3 1 2")


def test_wrong_type_messages_is_located(tmp_path):
    path = write_jsonl(tmp_path / "c.jsonl", [{"skills": ["a"], "text": "ok"},
                                              {"skills": ["a"], "messages": "hello"}])
    with pytest.raises(InputError, match="expected a list of turns, got str") as e:
        list(iter_records(path))
    assert (e.value.line, e.value.field) == (2, "messages")


# ----------------------------------------------------------------------------------------------- JSONL
def test_jsonl_blank_lines_bom_crlf(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"skills": ["a"]}\r\n\r\n   \n{"skills": ["b", "c"]}\r\n')
    recs = list(iter_records(path))
    assert [(r.skills, r.source.rsplit(":", 1)[1]) for r in recs] == [(("a",), "1"), (("b", "c"), "4")]
    assert list(iter_skill_lists(path)) == [("a",), ("b", "c")]


@pytest.mark.parametrize("reader", [iter_records, iter_skill_lists])
def test_jsonl_invalid_json_names_line(tmp_path, reader):
    path = tmp_path / "c.jsonl"
    path.write_text('{"skills": ["a"]}\n{"skills": ["b"]\n', encoding="utf-8")
    with pytest.raises(InputError, match="invalid JSON") as e:
        list(reader(path))
    assert (e.value.path, e.value.line) == (str(path), 2)


@pytest.mark.parametrize("reader", [iter_records, iter_skill_lists])
def test_jsonl_not_an_object(tmp_path, reader):
    path = tmp_path / "c.jsonl"
    path.write_text('{"skills": ["a"]}\n[1, 2]\n', encoding="utf-8")
    with pytest.raises(InputError, match="expected a JSON object, got list") as e:
        list(reader(path))
    assert e.value.line == 2


@pytest.mark.parametrize("reader", [iter_records, iter_skill_lists])
def test_jsonl_encoding_error(tmp_path, reader):
    path = tmp_path / "c.jsonl"
    path.write_bytes(b'{"skills": ["a"]}\n{"skills": ["caf\xe9"]}\n')
    with pytest.raises(InputError, match="not valid UTF-8") as e:
        list(reader(path))
    assert e.value.line == 2


@pytest.mark.parametrize("reader", [iter_records, iter_skill_lists])
def test_jsonl_wrong_type_and_empty_skills(tmp_path, reader):
    path = write_jsonl(tmp_path / "c.jsonl", [{"skills": ["a"]}, {"skills": 42}])
    with pytest.raises(InputError, match="got int") as e:
        list(reader(path))
    assert (e.value.line, e.value.field) == (2, "skills")
    path = write_jsonl(tmp_path / "d.jsonl", [{"skills": ["a"]}, {"skills": ["b"]}, {"skills": [""]}])
    with pytest.raises(InputError, match="empty skill name") as e:
        list(reader(path))
    assert (e.value.line, e.value.field) == (3, "skills")


UNTAGGED = [{"skills": []}, {"skills": None}, {"text": "no skills field"}, {"skills": ""}, {"skills": " ; "},
            {"skills": "[]"}, {"skills": "<>"}, {"label": {"ability_zh": ["甲"]}}]


@pytest.mark.parametrize("reader", [iter_records, iter_skill_lists])
def test_untagged_records_are_skipped_and_counted_not_errors(tmp_path, reader):
    path = write_jsonl(tmp_path / "c.jsonl", [{"skills": ["a", "b"]}] + UNTAGGED + [{"skills": "<b><c>"}])
    report = ReadReport()
    got = [r.skills if isinstance(r, Record) else r for r in reader(path, report=report)]   # no --skip-bad
    assert got == [("a", "b"), ("b", "c")]
    assert (report.n_records, report.n_untagged, report.n_skipped) == (2, 8, 0)
    assert report.summary() == "read 2 record(s) from 1 file(s); 8 untagged record(s) skipped"
    report = ReadReport()
    assert [r.skills for r in iter_records(path, report=report, require_skills=False)] == [("a", "b")] + [()] * 8 + [
        ("b", "c")]
    assert (report.n_records, report.n_without_skills, report.n_untagged) == (10, 8, 0)
    assert report.summary() == "read 10 record(s) from 1 file(s), 8 without skills"


def test_skip_bad_counts_and_reports(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_bytes(b'{"skills": ["a", "b"]}\n{oops\n{"skills": 1}\n{"skills": ["c"]}\n{"skills": []}\n'
                     b'{"skills": ["\xff"]}\n{"x": 1}\n')
    for reader in (iter_records, iter_skill_lists):
        report = ReadReport(max_errors=3)
        got = [r.skills if isinstance(r, Record) else r for r in reader(path, skip_bad=True, report=report)]
        assert got == [("a", "b"), ("c",)]
        assert (report.n_records, report.n_skipped, report.n_untagged) == (2, 3, 2)    # lines 5 and 7 untagged
        assert [m.split(":")[1] for m in report.errors] == ["2", "3", "6"]
        assert report.summary().splitlines()[0] == ("read 2 record(s) from 1 file(s); 2 untagged record(s) "
                                                     "skipped; skipped 3 bad record(s)")
        report = ReadReport(max_errors=2)
        list(reader(path, skip_bad=True, report=report))
        assert "... and 1 more" in report.summary()


def test_without_required_skills_records_come_with_empty_skills(tmp_path):
    path = write_jsonl(tmp_path / "c.jsonl", [{"text": "t1"}, {"text": "t2", "skills": []},
                                              {"text": "t3", "skills": "a"}])
    report = ReadReport()
    assert [r.skills for r in iter_records(path, require_skills=False, report=report)] == [(), (), ("a",)]
    assert (report.n_records, report.n_without_skills, report.n_untagged) == (3, 2, 0)
    report = ReadReport()
    assert [r.skills for r in iter_records(path, report=report)] == [("a",)]
    assert (report.n_records, report.n_without_skills, report.n_untagged) == (1, 0, 2)


def test_reading_is_lazy(tmp_path):
    """Records before a bad line are delivered before the bad line is reached (nothing is read all at once)."""
    path = tmp_path / "c.jsonl"
    path.write_text('{"skills": ["a"]}\n{"skills": ["b"]}\n{broken\n', encoding="utf-8")
    assert [r.skills for r in itertools.islice(iter_records(path), 2)] == [("a",), ("b",)]
    rows = [{"skills": ["s"]}] * 3
    jpath = tmp_path / "c.json"
    jpath.write_text(json.dumps(rows)[:-1] + ", {broken", encoding="utf-8")
    assert len(list(itertools.islice(iter_records(jpath), 3))) == 3
    with pytest.raises(InputError):
        list(iter_records(jpath))


def test_progress_is_reported(tmp_path):
    path = write_jsonl(tmp_path / "c.jsonl", [{"skills": [f"s{i % 7}"]} for i in range(45_000)])
    calls = []
    n = sum(1 for _ in iter_records(path, progress=lambda d, t: calls.append((d, t))))
    assert n == 45_000
    assert calls[-1] == (45_000, None) and calls[0] == (20_000, None)


# ----------------------------------------------------------------------------------------------- JSON list
def test_json_list_with_lines(tmp_path):
    path = tmp_path / "c.json"
    path.write_text('[\n  {"skills": ["a"]},\n  {"skills": "b;c",\n   "text": "hi"},\n\n  {"skills": ["d"]}\n]\n',
                    encoding="utf-8")
    recs = list(iter_records(path))
    assert [r.skills for r in recs] == [("a",), ("b", "c"), ("d",)]
    assert [int(r.source.rsplit(":", 1)[1]) for r in recs] == [2, 3, 6]


def test_json_list_crossing_read_chunks(tmp_path):
    """Elements larger than the 1 MiB read size and many small ones across chunk boundaries."""
    big = "x" * 1_500_000
    rows = [{"skills": [f"s{i}"], "text": big if i == 5 else "é" * (i % 50)} for i in range(30_000)]
    path = tmp_path / "c.json"
    path.write_text("[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n]", encoding="utf-8")
    recs = list(iter_records(path))
    assert [r.skills[0] for r in recs] == [f"s{i}" for i in range(30_000)]
    assert recs[5].text == big
    assert [int(r.source.rsplit(":", 1)[1]) for r in recs[:3]] == [2, 3, 4]
    assert int(recs[-1].source.rsplit(":", 1)[1]) == 30_001


@pytest.mark.parametrize("text, message, line", [
    ('{"skills": ["a"]}', None, None),                            # an object, not a list: read as JSONL
    ('[{"skills": ["a"]},\n {"skills": ["b"]]', "invalid JSON", 2),
    ('[{"skills": ["a"]}\n {"skills": ["b"]}]', "expected ',' or ']'", 2),
    ('[{"skills": ["a"]},\n', "not closed", 2),
    ('[{"skills": ["a"]}] x', "extra data", 1),
    ('', "empty file", 1),
    ('[\n{"skills": ["a"]},\n "text"]', "expected a JSON object, got string", 3),
])
def test_json_list_errors(tmp_path, text, message, line):
    path = tmp_path / "c.json"
    path.write_text(text, encoding="utf-8")
    if message is None:
        assert detect_format(path) == "jsonl"
        assert [r.skills for r in iter_records(path)] == [("a",)]
        return
    with pytest.raises(InputError, match=message) as e:
        list(iter_records(path, format="json"))
    assert e.value.line == line


def test_json_list_encoding_error(tmp_path):
    path = tmp_path / "c.json"
    path.write_bytes(b'[\n{"skills": ["a"]},\n{"skills": ["\xff"]}\n]')
    with pytest.raises(InputError, match="not valid UTF-8") as e:
        list(iter_records(path))
    assert e.value.line == 3


# ----------------------------------------------------------------------------------------------- <a><b> tags
SE_ROWS = [("1", "<ubuntu><bash><grub2>"), ("2", "<bash>"), ("3", "")]


@pytest.mark.parametrize("name", ["se.jsonl", "se.json", "se.csv", "se.tsv", "se.parquet", "se.jsonl.gz",
                                  "se.csv.gz", "se.tsv.gz"])
def test_stack_exchange_tags_in_every_format(tmp_path, name):
    path = tmp_path / name
    if ".jsonl" in name or ".json" in name:
        objs = [{"Id": i, "Tags": t} for i, t in SE_ROWS]
        text = "".join(json.dumps(o) + "\n" for o in objs) if ".jsonl" in name else json.dumps(objs)
        (write_gz if name.endswith(".gz") else Path.write_bytes)(path, text.encode())
    elif ".parquet" in name:
        pq.write_table(pa.table({"Id": [i for i, _ in SE_ROWS], "Tags": [t for _, t in SE_ROWS]}), path)
    else:
        write_csv(path, ["Id", "Tags"], SE_ROWS, delimiter="\t" if ".tsv" in name else ",")
    for reader in (iter_records, iter_skill_lists):
        report = ReadReport()
        got = [r.skills if isinstance(r, Record) else r for r in reader(path, skills_field="Tags", report=report)]
        assert got == [("ubuntu", "bash", "grub2"), ("bash",)]
        assert (report.n_records, report.n_untagged) == (2, 1)
    c = load_cooccurrence(path, skills_field="Tags")
    assert c.skills == ("bash", "grub2", "ubuntu") and c.counts.tolist() == [2, 1, 1]
    assert c.pairs.toarray().tolist() == [[0, 1, 1], [1, 0, 1], [1, 1, 0]]


# ----------------------------------------------------------------------------------------------- gzip
@pytest.mark.parametrize("name, fmt", [("c.jsonl.gz", "jsonl"), ("c.ndjson.gz", "jsonl"), ("c.json.gz", "json"),
                                       ("c.csv.gz", "csv"), ("c.tsv.gz", "tsv"), ("c.TAB.GZ", "tsv")])
def test_gzipped_files_are_read_by_their_inner_format(tmp_path, name, fmt):
    path = tmp_path / name
    if fmt == "jsonl":
        write_gz(path, b'{"skills": ["a", "b"], "text": "t1"}\n\n{"skills": "b;c", "text": "t2"}\n')
    elif fmt == "json":
        write_gz(path, b'[{"skills": ["a", "b"], "text": "t1"},\n {"skills": "b;c", "text": "t2"}]')
    else:
        write_csv(path, ["skills", "text"], [["a,b", "t1"], ["b;c", "t2"]], delimiter="\t" if fmt == "tsv" else ",")
    assert detect_format(path) == fmt and name_format(path) == fmt
    recs = list(iter_records(path))
    assert [(r.skills, r.text) for r in recs] == [(("a", "b"), "t1"), (("b", "c"), "t2")]
    assert recs[0].id == f"{name}:{'2' if fmt in ('csv', 'tsv') else '1'}"
    assert list(iter_skill_lists(path)) == [("a", "b"), ("b", "c")]


def test_gzip_content_sniffing_and_folders(tmp_path):
    write_gz(tmp_path / "x.gz", b'{"skills": ["a"]}\n')                 # no inner extension: sniffed
    write_gz(tmp_path / "y.data.gz", b'\n [{"skills": ["b"]}]')
    assert [detect_format(tmp_path / n) for n in ("x.gz", "y.data.gz")] == ["jsonl", "json"]
    assert [r.skills for r in iter_records(tmp_path / "y.data.gz")] == [("b",)]
    write_gz(tmp_path / "z.gz", b"skills\na\n")
    with pytest.raises(InputError, match="unknown format") as e:
        detect_format(tmp_path / "z.gz")
    assert e.value.path == str(tmp_path / "z.gz")
    assert list(iter_skill_lists(tmp_path / "z.gz", format="csv")) == [("a",)]
    d = tmp_path / "shards"
    (d / "year=2024").mkdir(parents=True)
    write_gz(d / "a.jsonl.gz", b'{"skills": ["a"]}\n')
    write_jsonl(d / "b.jsonl", [{"skills": ["b"]}])
    write_csv(d / "year=2024" / "c.tsv.gz", ["skills"], [["c;d"]], delimiter="\t")
    write_gz(d / "notes.gz", b"not a corpus")                           # unknown inner extension: skipped
    assert [(f.name, fmt) for f, fmt in corpus_files(d)] == [("a.jsonl.gz", "jsonl"), ("b.jsonl", "jsonl"),
                                                            ("c.tsv.gz", "tsv")]
    assert list(iter_skill_lists(d)) == [("a",), ("b",), ("c", "d")]
    assert [f.name for f, _ in corpus_files(d, "tsv")] == ["c.tsv.gz"]


def test_gzip_errors_name_the_file_and_line(tmp_path):
    path = write_gz(tmp_path / "c.jsonl.gz", b'{"skills": ["a"]}\n{"skills": ["b"]}\n{broken\n')
    for reader in (iter_records, iter_skill_lists):
        with pytest.raises(InputError, match="invalid JSON") as e:
            list(reader(path))
        assert (e.value.path, e.value.line) == (str(path), 3)
    path = write_csv(tmp_path / "c.csv.gz", ["skills", "text"], [["a", "x"], ["b", "y", "extra"]])
    with pytest.raises(InputError, match="expected 2 fields") as e:
        list(iter_records(path))
    assert (e.value.path, e.value.line) == (str(path), 3)
    # a file named .gz that is not gzip, and a gzip stream cut short: records before the cut still come first
    plain = tmp_path / "plain.jsonl.gz"
    plain.write_text('{"skills": ["a"]}\n', encoding="utf-8")
    with pytest.raises(InputError, match="cannot decompress .*Not a gzipped file") as e:
        list(iter_skill_lists(plain))
    assert (e.value.path, e.value.line) == (str(plain), 1)
    objs = [json.dumps({"skills": [f"s{i}"]}) for i in range(20000)]
    bodies = {"cut.jsonl.gz": "\n".join(objs), "cut.json.gz": "[" + ",\n".join(objs) + "]",
              "cut.csv.gz": "skills\n" + "".join(f"s{i}\n" for i in range(20000))}
    for name, body in bodies.items():
        full = gzip.compress(body.encode())
        cut = tmp_path / name
        cut.write_bytes(full[: len(full) // 2])
        got = []
        with pytest.raises(InputError, match="cannot decompress") as e:
            for skills in iter_skill_lists(cut):
                got.append(skills)  # noqa: PERF402 - keep what came before the error
        assert e.value.path == str(cut) and e.value.line == len(got) + 1 + (name == "cut.csv.gz")
        assert got[0] == ("s0",) and len(got) > 1000                   # streamed up to the cut
    (tmp_path / "p.parquet.gz").write_bytes(gzip.compress(b"PAR1"))
    with pytest.raises(InputError, match="gzip-compressed Parquet") as e:
        list(iter_records(tmp_path / "p.parquet.gz"))
    assert e.value.path == str(tmp_path / "p.parquet.gz")


def test_gzipped_jsonl_is_streamed_not_read_whole(tmp_path):
    lines = [json.dumps({"skills": ["a"]}) + "\n"] * 3 + ["{broken\n"]
    path = write_gz(tmp_path / "c.jsonl.gz", "".join(lines).encode())
    assert [r.skills for r in itertools.islice(iter_records(path), 3)] == [("a",)] * 3


# ----------------------------------------------------------------------------------------------- TSV
def test_tsv_records_and_detection(tmp_path):
    assert "tsv" in INPUT_FORMATS
    path = write_csv(tmp_path / "c.tsv", ["id", "skills", "instruction"], [
        ["1", "a; b", "Do\tit"],                       # a tab inside a quoted field
        ["2", '["c", "d"]', "line one\nline two"],
        ["3", "e,f", "x"],
    ], delimiter="\t")
    assert path.read_text(encoding="utf-8").splitlines()[1] == '1\ta; b\t"Do\tit"'
    recs = list(iter_records(path))
    assert [r.skills for r in recs] == [("a", "b"), ("c", "d"), ("e", "f")]
    assert recs[0].text == "Do\tit" and recs[1].text == "line one\nline two"
    assert [int(r.source.rsplit(":", 1)[1]) for r in recs] == [2, 3, 5]
    (tmp_path / "c.tab").write_bytes(path.read_bytes())
    (tmp_path / "c.txt").write_bytes(path.read_bytes())
    assert detect_format(tmp_path / "c.tab") == "tsv"
    with pytest.raises(InputError, match=r"unknown format.*jsonl\|json\|csv\|tsv\|parquet"):
        detect_format(tmp_path / "c.txt")
    assert [r.skills for r in iter_records(tmp_path / "c.txt", format="tsv")] == [("a", "b"), ("c", "d"), ("e", "f")]
    # read as CSV, the tab-separated header is one column named "id\tskills\tinstruction"
    with pytest.raises(InputError, match="missing column 'skills'"):
        list(iter_records(path, format="csv"))
    bad = write_csv(tmp_path / "bad.tsv", ["skills", "text"], [["a", "x"], ["b", "y", "z"]], delimiter="\t")
    with pytest.raises(InputError, match="expected 2 fields") as e:
        list(iter_skill_lists(bad))
    assert (e.value.path, e.value.line) == (str(bad), 3)


# ----------------------------------------------------------------------------------------------- CSV
def test_csv_records(tmp_path):
    msgs = json.dumps([{"role": "user", "content": "Hi there"}])
    path = write_csv(tmp_path / "c.csv", ["id", "skills", "instruction", "messages"], [
        ["1", "a; b", "Do it", ""],
        ["2", '["c", "d"]', "line one\nline two", ""],
        ["3", "e,f", "", msgs],
    ])
    recs = list(iter_records(path))
    assert [r.skills for r in recs] == [("a", "b"), ("c", "d"), ("e", "f")]
    assert [r.id for r in recs] == ["1", "2", "3"]
    assert recs[1].text == "line one\nline two"
    assert recs[2].text == "Hi there"
    assert [int(r.source.rsplit(":", 1)[1]) for r in recs] == [2, 3, 5]   # where each row starts


def test_csv_missing_column(tmp_path):
    path = write_csv(tmp_path / "c.csv", ["id", "tags"], [["1", "a"]])
    with pytest.raises(InputError, match="missing column 'skills'.*found: id, tags") as e:
        list(iter_records(path))
    assert (e.value.line, e.value.field) == (1, "skills")
    assert [r.skills for r in iter_records(path, skills_field="tags")] == [("a",)]


def test_csv_bad_rows(tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes(b'skills,text\n"a;b",x\nc,y,extra\n,z\n"d",\xe9t\xe9\n"e",ok\n')
    with pytest.raises(InputError, match="expected 2 fields") as e:
        list(iter_records(path))
    assert e.value.line == 3
    report = ReadReport()
    assert [r.skills for r in iter_records(path, skip_bad=True, report=report)] == [("a", "b"), ("e",)]
    assert (report.n_skipped, report.n_untagged) == (2, 1)              # row 4 has an empty skills cell
    assert [m.split(":")[1] for m in report.errors] == ["3", "5"]
    assert "not valid UTF-8" in report.errors[1]


def test_csv_infinity_label_column(tmp_path):
    path = write_csv(tmp_path / "c.csv", ["label", "text"],
                     [[json.dumps({"ability_en": ["x", "y"], "ability_zh": ["甲"]}), "t"]])
    assert [r.skills for r in iter_records(path)] == [("x", "y")]
    assert [r.skills for r in iter_records(path, lang="zh")] == [("甲",)]


# ----------------------------------------------------------------------------------------------- Parquet
def test_parquet_list_string_and_struct_columns(tmp_path):
    pq.write_table(pa.table({"id": [1, 2], "skills": [["a", "b"], ["b"]], "text": ["t1", "t2"]}),
                   tmp_path / "list.parquet")
    pq.write_table(pa.table({"skills": ["a;b", "c"]}), tmp_path / "str.parquet")
    label = pa.array([{"ability_en": ["p", "q"], "ability_zh": ["中"]}])
    conv = pa.array([[{"from": "human", "value": "hello"}]])
    pq.write_table(pa.table({"conversations": conv, "label": label}), tmp_path / "inf.parquet")
    recs = list(iter_records(tmp_path / "list.parquet"))
    assert [(r.id, r.skills, r.text) for r in recs] == [("1", ("a", "b"), "t1"), ("2", ("b",), "t2")]
    assert list(iter_skill_lists(tmp_path / "str.parquet")) == [("a", "b"), ("c",)]
    inf = next(iter_records(tmp_path / "inf.parquet"))
    assert inf.skills == ("p", "q") and inf.text == "hello"
    assert list(iter_skill_lists(tmp_path / "inf.parquet", lang="zh")) == [("中",)]
    calls = []
    list(iter_records(tmp_path / "list.parquet", progress=lambda d, t: calls.append((d, t))))
    assert calls[-1] == (2, 2)                     # Parquet knows its total


def test_parquet_errors(tmp_path):
    pq.write_table(pa.table({"tags": [["a"]]}), tmp_path / "a.parquet")
    with pytest.raises(InputError, match="missing column 'skills'") as e:
        list(iter_skill_lists(tmp_path / "a.parquet"))
    assert e.value.path == str(tmp_path / "a.parquet")
    pq.write_table(pa.table({"skills": pa.array([["a"], [], None, ["b", ""]], pa.list_(pa.string()))}),
                   tmp_path / "b.parquet")
    with pytest.raises(InputError, match="empty skill name") as e:
        list(iter_records(tmp_path / "b.parquet"))
    assert e.value.line == 4                        # the row
    report = ReadReport()
    assert list(iter_skill_lists(tmp_path / "b.parquet", skip_bad=True, report=report)) == [("a",)]
    assert (report.n_skipped, report.n_untagged) == (1, 2)
    pq.write_table(pa.table({"skills": pa.array([1, 2])}), tmp_path / "c.parquet")
    with pytest.raises(InputError, match="got int") as e:
        list(iter_records(tmp_path / "c.parquet"))
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(InputError, match="not a readable Parquet file"):
        list(iter_records(tmp_path / "bad.parquet"))


# ----------------------------------------------------------------------------------------------- files
def test_folder_of_shards(tmp_path):
    d = tmp_path / "shards"
    (d / "year=2024").mkdir(parents=True)
    write_jsonl(d / "a.jsonl", [{"skills": ["a"]}])
    pq.write_table(pa.table({"skills": [["b", "c"]]}), d / "year=2024" / "b.parquet")
    write_csv(d / "c.csv", ["skills"], [["d;e"]])
    (d / ".hidden.jsonl").write_text("{broken", encoding="utf-8")
    (d / "_SUCCESS").write_text("", encoding="utf-8")
    (d / "README.md").write_text("# notes", encoding="utf-8")
    report = ReadReport()
    assert list(iter_skill_lists(d, report=report)) == [("a",), ("d", "e"), ("b", "c")]
    assert len(report.files) == 3
    assert [f.name for f, _ in corpus_files(d, "parquet")] == ["b.parquet"]
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no corpus files"):
        corpus_files(empty)


def test_format_detection_and_override(tmp_path):
    (tmp_path / "x.data").write_text('{"skills": ["a"]}\n', encoding="utf-8")
    (tmp_path / "y.data").write_text('[{"skills": ["a"]}]', encoding="utf-8")
    pq.write_table(pa.table({"skills": [["a"]]}), tmp_path / "z.data")
    (tmp_path / "w.data").write_text("skills\na\n", encoding="utf-8")
    assert [detect_format(tmp_path / n) for n in ("x.data", "y.data", "z.data")] == ["jsonl", "json", "parquet"]
    with pytest.raises(InputError, match="unknown format.*--format") as e:
        detect_format(tmp_path / "w.data")
    assert e.value.field == "format"
    assert [r.skills for r in iter_records(tmp_path / "w.data", format="csv")] == [("a",)]
    with pytest.raises(InputError, match="unknown format 'xml'"):
        list(iter_records(tmp_path / "x.data", format="xml"))
    with pytest.raises(InputError, match="file not found"):
        list(iter_records(tmp_path / "nope.jsonl"))


def test_load_cooccurrence_memory_engine(tmp_path):
    path = write_jsonl(tmp_path / "c.jsonl", [{"skills": ["a", "b"]}, {"skills": "b;c;b"}, {"skills": ["c"]}])
    c = load_cooccurrence(path)
    assert c.skills == ("a", "b", "c") and c.counts.tolist() == [1, 2, 2] and c.n_records == 3
    assert c.pairs.toarray().tolist() == [[0, 1, 0], [1, 0, 1], [0, 1, 0]]
    with pytest.raises(InputError, match="unknown engine"):
        load_cooccurrence(path, engine="spark")


# ----------------------------------------------------------------------------------------------- catalogue, topics
def test_catalog_layout_and_removed_rows(tmp_path):
    path = write_csv(tmp_path / "skills.csv", ["Category", " Skill ", "definition", "example", "status", "notes"], [
        ["logic", "modus ponens", "If P then Q; P; so Q.", "ex1", "keep", "n"],
        ["logic", "old skill", "gone", "", "remove", ""],
        ["rhetoric", "metaphor", "one thing as another", "ex2", "", ""],
        ["rhetoric", "metaphor", "duplicate", "", "", ""],
        ["", "", "", "", "", ""],
    ])
    assert read_catalog(path) == (Skill("modus ponens", "logic", "If P then Q; P; so Q.", "ex1"),
                                  Skill("metaphor", "rhetoric", "one thing as another", "ex2"))


def test_catalog_errors(tmp_path):
    path = write_csv(tmp_path / "a.csv", ["name", "definition"], [["x", "y"]])
    with pytest.raises(InputError, match="missing column 'skill'") as e:
        read_catalog(path)
    assert e.value.line == 1
    path = write_csv(tmp_path / "b.csv", ["skill", "definition"], [["x", "y"], ["", "no name"]])
    with pytest.raises(InputError, match="empty skill name") as e:
        read_catalog(path)
    assert (e.value.line, e.value.field) == (3, "skill")
    bad = tmp_path / "c.csv"
    bad.write_bytes(b"skill,definition\nx,ok\ny,caf\xe9\n")
    with pytest.raises(InputError, match="not valid UTF-8") as e:
        read_catalog(bad)
    assert e.value.line == 3


def test_shared_skillmix_catalog_reads_as_is():
    path = SHARED / "skillmix" / "skills.csv"
    if not path.exists():
        pytest.skip("shared Skill-Mix data not present")
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if "remove" not in (r.get("status") or "").lower()]
    cat = read_catalog(path)
    assert [s.name for s in cat] == [r["skill"].strip() for r in rows]
    assert [s.category for s in cat] == [r["category"].strip() for r in rows]
    assert all(s.definition for s in cat)
    assert "metaphor" in {s.name for s in cat}


def test_topics(tmp_path):
    path = tmp_path / "topics.txt"
    path.write_text("# topics for synthesis\nSewing\n\n  Beekeeping  \nSewing\n#Dueling\n", encoding="utf-8")
    assert read_topics(path) == ("Sewing", "Beekeeping")
    (tmp_path / "empty.txt").write_text("# nothing\n\n", encoding="utf-8")
    with pytest.raises(InputError, match="empty"):
        read_topics(tmp_path / "empty.txt")
    shared = SHARED / "skillmix" / "topics.txt"
    if shared.exists():
        lines = [x.strip() for x in shared.read_text(encoding="utf-8").splitlines()]
        assert read_topics(shared) == tuple(x for x in lines if x and not x.startswith("#"))


def test_shared_self_instruct_reads_untagged():
    path = SHARED / "self-instruct" / "seed_tasks.jsonl"
    if not path.exists():
        pytest.skip("shared Self-Instruct data not present")
    recs = list(iter_records(path, require_skills=False))
    assert len(recs) == sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    assert all(r.skills == () and r.text for r in recs)
    report = ReadReport()
    assert list(iter_records(path, report=report)) == []
    assert report.n_untagged == len(recs)


# ----------------------------------------------------------------------------------------------------------
# B14: lone surrogates (JSON \ud800 escapes) are bad input, located, and both engines agree
# ----------------------------------------------------------------------------------------------------------

SURROGATE_LINES = [
    ('{"skills": ["a\\ud800", "b"], "text": "t"}', "skills"),
    ('{"skills": "x\\udc00; y", "text": "t"}', "skills"),
    ('{"skills": ["a"], "text": "bad \\ud800 text"}', "text"),
    ('{"skills": ["a"], "messages": [{"role": "user", "content": "q\\udfff"}]}', "messages"),
]


@pytest.mark.parametrize("line, field", SURROGATE_LINES)
def test_lone_surrogates_are_located_input_errors(tmp_path, line, field):
    path = tmp_path / "c.jsonl"
    good = '{"skills": ["a", "\\ud83d\\ude00"], "text": "a pair is fine \\ud83d\\ude00"}'
    path.write_text(good + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        list(iter_records(path))
    assert (err.value.path, err.value.line, err.value.field) == (str(path), 2, field)
    assert "surrogate" in str(err.value)
    report = ReadReport()
    records = list(iter_records(path, skip_bad=True, report=report))
    assert [r.skills for r in records] == [("a", "\U0001F600")] and report.n_skipped == 1
    for r in records:                              # what is read can be hashed and stored
        r.text.encode("utf-8")
    listed = tmp_path / "c.json"
    listed.write_text("[\n" + good + ",\n" + line + "\n]\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        list(iter_records(listed))
    assert (err.value.line, err.value.field) == (3, field)


@pytest.mark.parametrize("line, field", SURROGATE_LINES[:2])
def test_lone_surrogates_in_skills_are_rejected_by_both_engines(tmp_path, line, field):
    from steps_core.corpus import load_cooccurrence

    path = tmp_path / "c.jsonl"
    path.write_text('{"skills": ["a", "b"]}\n' + line + "\n", encoding="utf-8")
    for engine in ("memory", "duckdb"):
        with pytest.raises(InputError) as err:
            load_cooccurrence(path, engine=engine)
        assert (err.value.line, err.value.field) == (2, field), engine
        report = ReadReport()
        cooc = load_cooccurrence(path, engine=engine, skip_bad=True, report=report)
        assert cooc.n_records == 1 and report.n_skipped == 1 and cooc.skills == ("a", "b"), engine


def test_json_error_column_of_a_line_cut_at_its_end(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"skills": ["a"]}\n{"skills": ["a", "b"\n{"skills": ["c"]}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"column 21\)") as err:
        list(iter_records(path))
    assert err.value.line == 2
