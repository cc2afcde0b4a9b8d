"""RecordIndex: records fetched by position give exactly what corpus.records_at gives (the same records, the same
errors), on the demo and on tricky files: bad lines, untagged ones, BOM, CRLF, blank lines, gzip (several members,
zero padding, cut short, checkpoints), CSV, TSV, JSON lists, Parquet and folders of shards."""

from __future__ import annotations

import gzip
import json
import os
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from steps_core import record_index
from steps_core.corpus import iter_records, records_at
from steps_core.errors import InputError
from steps_core.pipeline import demo_files
from steps_core.record_index import RecordIndex

OPTIONS = [{}, {"skip_bad": True}, {"require_skills": False}, {"skip_bad": True, "require_skills": False}]


def full(record) -> tuple:
    """Everything a record holds (``raw`` is left out of a Record's equality); NaN compared by its repr."""
    return record.id, record.skills, record.messages, record.text, record.source, repr(record.raw)


def outcome(fetch) -> tuple:
    """The records a fetch gives, or the error it raises with where it says the problem is."""
    try:
        return "records", [full(r) for r in fetch()]
    except InputError as exc:
        return "error", type(exc), str(exc), exc.path, exc.line, exc.field


def position_sets(n: int) -> list[list[int]]:
    """Every single position past the end and before the start, then mixed sets (unsorted, repeated)."""
    rng = random.Random(n)
    sets = [[p] for p in range(-1, n + 2)] + [[], [n + 5, 0], [-3, -1]]
    sets += [rng.sample(range(n + 2), min(n + 2, 3)) + [0] for _ in range(5)]
    return sets


def assert_same(path: Path, **options) -> RecordIndex:
    index = RecordIndex.build(path, **options)
    n = sum(1 for _ in _records_or_stop(path, options))
    for positions in position_sets(n):
        want = outcome(lambda: records_at(path, positions, **options))
        got = outcome(lambda: index.records_at(positions))
        assert got == want, (path.name, options, positions)
    return index


def _records_or_stop(path: Path, options: dict):
    try:
        yield from iter_records(path, **options)
    except InputError:
        return


# ------------------------------------------------------------------------------------------------ files
TRICKY_LINES = [
    b'\xef\xbb\xbf{"id": "bom", "skills": ["a", "b", "a"], "text": "first"}\r\n',      # BOM, CRLF, duplicates
    b"\r\n",
    b"   \n",
    b'{"skills": "<ubuntu><grub2>", "messages": [{"role": "user", "content": "boot?"}]}\n',
    b'{"skills": []}\n',                                                              # untagged
    b'{"text": "no skills at all"}\n',
    b'{"skills": "x; y", "conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "yo"}]}\n',
    b"{oops\n",                                                                         # invalid JSON
    b'{"skills": ["c"], "messages": "not a list"}\n',                                   # bad messages
    b'[1, 2]\n',                                                                        # not an object
    b'{"skills": 42}\n',                                                                # wrong type
    b'{"skills": ["d"], "messages": [{"role": "user", "content": "q"}, "not a turn"]}\n',
    b'{"skills": ["caf\xe9"]}\n',                                                       # bad UTF-8
    b'{"skills": ["e"], "text": "lone \\ud800 surrogate"}\n',                           # orjson refuses, json not
    b'{"skills": ["f"], "score": NaN, "id": 7}\n',                                      # json only
    b'{"skills": ["  "]}\n',                                                            # empty name
    b'{"label": {"ability_en": ["g", "h"]}, "conversations": [{"from": "human", "value": "inf"}]}\n',
    b'{"skills": ["i", "j"], "messages": null, "instruction": "do it", "input": "now"}\n',
    b'{"skills": ' + json.dumps([f"s{k}" for k in range(1001)]).encode() + b'}\n',      # too many skills
    b'{"skills": ["k"], "messages": []}\r\n',
    b'{"skills": ["m"], "messages": null, "conversations": [1]}\n',                   # bad conversations
    b'{"skills": ["last"], "text": "no newline at the end"}',
]


@pytest.fixture
def tricky(tmp_path) -> Path:
    path = tmp_path / "tricky.jsonl"
    path.write_bytes(b"".join(TRICKY_LINES))
    return path


def test_demo_corpus_every_record_and_sets():
    path = demo_files().corpus
    index = RecordIndex.build(path)
    every = list(iter_records(path))
    assert len(index) == len(every) > 1000 and index.error is None
    assert index.files[0].offsets is not None                     # the fast pass, not the reader's
    assert [full(r) for r in index.records_at(range(len(every)))] == [full(r) for r in every]
    for positions in ([5, 3, 5], [len(every) - 1, 0], [len(every), 2], [-1, 7]):
        assert [full(r) for r in index.records_at(positions)] == [full(r) for r in records_at(path, positions)]


@pytest.mark.parametrize("options", OPTIONS)
def test_tricky_jsonl_plain_and_gzipped(tricky, options):
    assert_same(tricky, **options)
    gz = tricky.with_name("tricky.jsonl.gz")
    gz.write_bytes(gzip.compress(tricky.read_bytes()))
    assert_same(gz, **options)


def test_tricky_lines_one_by_one(tmp_path):
    """Each tricky line after a good one and first in its file: the fast test never takes a line the reader
    refuses."""
    for k, line in enumerate(TRICKY_LINES):
        for before in (b'{"skills": ["ok"]}\n', b""):             # also first: an error before any record
            path = tmp_path / f"one{k}-{len(before)}.jsonl"
            path.write_bytes(before + line + b'\n{"skills": ["after"]}\n')
            for options in OPTIONS:
                assert_same(path, **options)


def test_error_is_raised_only_for_positions_at_or_after_it(tricky):
    index = RecordIndex.build(tricky)
    assert isinstance(index.error, InputError) and (index.error.line, index.error.field) == (8, None)
    assert len(index) == 3                                        # lines 1, 4 and 7 are good records before it
    assert [r.skills for r in index.records_at([2, 0])] == [("x", "y"), ("a", "b")]
    with pytest.raises(InputError, match="invalid JSON") as e:
        index.records_at([0, 3])
    assert (e.value.path, e.value.line) == (str(tricky), 8)
    skipping = RecordIndex.build(tricky, skip_bad=True)
    assert skipping.error is None
    assert [r.source.rsplit(":", 1)[1] for r in skipping.records_at(range(len(skipping)))] == [
        "1", "4", "7", "15", "17", "18", "20", "22"]


def test_dotted_and_custom_skills_fields(tmp_path):
    path = tmp_path / "c.jsonl"
    rows = [{"meta": {"tags": ["a", "b"]}, "tags": "x"}, {"meta": {"tags": []}, "tags": ["y"]}, {"tags": 3}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    for field in ("meta.tags", "tags", "nope"):
        for options in OPTIONS:
            assert_same(path, skills_field=field, **options)


def test_gzip_members_padding_and_checkpoints(tmp_path, monkeypatch):
    monkeypatch.setattr(record_index, "CHECKPOINT_EVERY", 4096)
    monkeypatch.setattr(record_index, "_CHUNK", 1000)
    monkeypatch.setattr(record_index, "_OUT_LIMIT", 700)         # decompression steps cut short too
    rng = random.Random(0)
    lines = []
    for k in range(3000):
        skills = rng.sample(["a", "b", "c", "d", "e"], rng.randint(0, 3))
        lines.append(json.dumps({"id": k, "skills": skills, "text": "x" * rng.randint(0, 80)}) + "\n")
        if k % 997 == 0:
            lines.append("{bad\n")
    body = "".join(lines).encode()
    third = len(body) // 3
    path = tmp_path / "members.jsonl.gz"               # three members, zero padding after the second
    path.write_bytes(gzip.compress(body[:third]) + gzip.compress(body[third:2 * third]) + b"\0" * 700
                     + gzip.compress(body[2 * third:]) + b"\0" * 3)
    assert gzip.open(path).read() == body
    index = RecordIndex.build(path, skip_bad=True)
    entry = index.files[0]
    assert entry.offsets is not None and len(entry.checkpoints) > 10      # read from checkpoints, in every member
    assert {min(c.out_pos * 3 // len(body), 2) for c in entry.checkpoints} == {0, 1, 2}
    every = list(iter_records(path, skip_bad=True))
    assert [full(r) for r in index.records_at(range(len(every)))] == [full(r) for r in every]
    picks = rng.sample(range(len(every)), 40)
    assert [full(r) for r in index.records_at(picks)] == [full(r) for r in records_at(path, picks, skip_bad=True)]
    assert_same(path)                                                     # stops at line 1 ({bad): an error


@pytest.mark.parametrize("damage", ["cut", "garbage", "crc", "empty", "not gzip"])
def test_broken_gzip_reads_as_the_reader_reads_it(tmp_path, damage, monkeypatch):
    monkeypatch.setattr(record_index, "_CHUNK", 4096)
    body = "".join(json.dumps({"skills": [f"s{k % 5}"], "text": f"t{k}"}) + "\n" for k in range(4000)).encode()
    full_gz = gzip.compress(body)
    data = {"cut": full_gz[: len(full_gz) // 2], "garbage": full_gz + b"trailing junk",
            "crc": full_gz[:-8] + bytes(8), "empty": b"", "not gzip": body}[damage]
    path = tmp_path / "broken.jsonl.gz"
    path.write_bytes(data)
    for options in ({}, {"skip_bad": True}):
        index = RecordIndex.build(path, **options)
        if damage != "empty":
            assert index.files[0].rows is not None                       # the reader's pass, not the fast one
        n = len(index)
        for positions in ([0], [n - 1] if n else [0], [n], [n + 3, 1], [max(n - 2, 0), 5]):
            want = outcome(lambda: records_at(path, positions, **options))
            assert outcome(lambda: index.records_at(positions)) == want, (damage, options, positions)


def test_other_formats_and_folders(tmp_path):
    d = tmp_path / "shards"
    (d / "year=2024").mkdir(parents=True)
    (d / "a.jsonl").write_text('{"skills": ["a"]}\n{"skills": 5}\n{"skills": ["a", "b"]}\n', encoding="utf-8")
    pq.write_table(pa.table({"skills": [["b", "c"], [], ["c"]], "text": ["p1", "p2", "p3"]}),
                   d / "year=2024" / "b.parquet")
    (d / "c.csv").write_text('skills,text\n"d;e",one\n,none\nf,"two\nlines"\ng,x,extra\nh,end\n', encoding="utf-8")
    with gzip.open(d / "d.tsv.gz", "wt", encoding="utf-8") as fh:
        fh.write("skills\ttext\ni\tt1\n\tt2\nj;k\tt3\n")
    (d / "e.json").write_text('[{"skills": ["l"]}, {"skills": ["m"], "text": "same line"},\n'
                              ' {"skills": []}, {"skills": ["n"]}]\n', encoding="utf-8")
    for options in OPTIONS:
        index = assert_same(d, **options)
        assert [f.path.suffix for f in index.files][:1] == [".jsonl"]
    for name in ("a.jsonl", "c.csv", "d.tsv.gz", "e.json", "year=2024/b.parquet"):
        for options in OPTIONS:
            assert_same(d / name, **options)


def test_a_changed_file_is_refused(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"skills": ["a"]}\n{"skills": ["b"]}\n', encoding="utf-8")
    index = RecordIndex.build(path)
    assert index.fresh() and [r.skills for r in index.records_at([1])] == [("b",)]
    path.write_text('{"skills": ["z"]}\n{"skills": ["b"]}\n{"skills": ["c"]}\n', encoding="utf-8")
    os.utime(path, ns=(1, 1))
    assert not index.fresh()
    with pytest.raises(InputError, match="changed .* since it was indexed") as e:
        index.records_at([0])
    assert e.value.path == str(path)
    assert RecordIndex.build(path).records_at([0])[0].skills == ("z",)


def test_missing_path_and_progress(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        RecordIndex.build(tmp_path / "nope.jsonl")
    path = tmp_path / "c.jsonl"
    path.write_text("".join(json.dumps({"skills": [f"s{k % 3}"]}) + "\n" for k in range(120_000)), encoding="utf-8")
    calls = []
    index = RecordIndex.build(path, progress=lambda done, total: calls.append((done, total)))
    assert len(index) == 120_000 and calls[0] == (50_000, None) and calls[-1] == (120_000, None)
