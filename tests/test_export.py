"""Export: every format read back, the accepted-only rule, the grade filter (--min-grade), the manifest, atomic
writes, and exporting the sample dicts of a real SQLite workspace (the curriculum: tests/test_curriculum.py)."""

from __future__ import annotations

import hashlib
import json
from collections import Counter

import pyarrow.parquet as pq
import pytest

from steps_core import __version__
from steps_core.errors import InputError
from steps_core.export import (PARTITION_CURRICULUM, export_samples, grade_filter, latest_grades, select_samples,
                               to_alpaca, to_sharegpt)
from steps_core.synth import write_samples


def _sample(i, k=2, *, accepted=True, status="ok", lca="1", messages=None, style="composite"):
    skills = [f"s{j}" for j in range(k)]
    msgs = messages if messages is not None else [
        {"role": "user", "content": f"question {i}"}, {"role": "assistant", "content": f"answer {i}"}]
    return {"id": f"id{i}", "skills": skills, "k": k, "style": style, "status": status,
            "messages": msgs if status == "ok" else [], "accepted": accepted, "error": None,
            "provenance": {"combination": {"skills": skills, "lca": lca, "gain": 1.0}}}


# ----------------------------------------------------------------------------------------------------------
# Formats
# ----------------------------------------------------------------------------------------------------------

MULTI = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "u1"},
         {"role": "assistant", "content": "a1"}, {"role": "user", "content": "u2"},
         {"role": "user", "content": "u2b"}, {"role": "assistant", "content": "a2"}]


def test_converters():
    assert to_sharegpt({"id": "x", "messages": MULTI}) == {"conversations": [
        {"from": "system", "value": "Be brief."}, {"from": "human", "value": "u1"}, {"from": "gpt", "value": "a1"},
        {"from": "human", "value": "u2"}, {"from": "human", "value": "u2b"}, {"from": "gpt", "value": "a2"}]}
    assert to_alpaca({"id": "x", "messages": MULTI}) == {
        "instruction": "u2\n\nu2b", "input": "", "output": "a2", "history": [["u1", "a1"]], "system": "Be brief."}
    with pytest.raises(InputError, match="end with an assistant"):
        to_alpaca({"id": "x", "messages": MULTI[:-1]})
    with pytest.raises(InputError, match="role"):
        to_sharegpt({"id": "x", "messages": [{"role": "tool", "content": "x"}]})


def test_select_samples():
    samples = [_sample(1, accepted=True), _sample(2, accepted=None), _sample(3, accepted=False),
               _sample(4, accepted=True, status="failed"), _sample(5, accepted=None, status="failed")]
    assert [s["id"] for s in select_samples(samples)] == ["id1"]
    assert [s["id"] for s in select_samples(samples, include_all=True)] == ["id1", "id2"]


def _graded(i, points, *, status="ok", k=2):
    """A sample whose grade has these ``points`` (skill points..., on topic, makes sense, sentence limit)."""
    s = _sample(i, k=k)
    skills, rest = points[:k], points[k:]
    score = sum(points)
    all_skills = sum(skills) == k and sum(rest) >= 2
    s["grade"] = {"status": status, "score": score if status == "ok" else None, "max_score": k + 3,
                  "full_marks": score == k + 3 if status == "ok" else None,
                  "all_skills": all_skills if status == "ok" else None}
    return s


def test_grade_filter_keeps_what_reaches_it():
    # k = 2, 5 points: full (5), all skills with 2 of 3 others (4), a skill missing (4), 3 points, failed, none
    samples = [_graded(1, (1, 1, 1, 1, 1)), _graded(2, (1, 1, 1, 0, 1)), _graded(3, (1, 0, 1, 1, 1)),
               _graded(4, (1, 0, 1, 0, 1)), _graded(5, (1, 1, 1, 1, 1), status="failed"), _sample(6)]
    ids = lambda f: [s["id"] for s in select_samples(samples, min_grade=grade_filter(f))]  # noqa: E731
    assert ids(None) == ["id1", "id2", "id3", "id4", "id5", "id6"]
    assert ids("full") == ["id1"]
    assert ids("all-skills") == ["id1", "id2"]
    assert ids("4") == ["id1", "id2", "id3"] and ids(3) == ["id1", "id2", "id3", "id4"] and ids("5") == ["id1"]
    assert ids("6") == [] and ids(" FULL ") == ["id1"]
    samples[0]["accepted"] = False                       # a person's rejection still wins
    assert ids("full") == [] and str(grade_filter("4")) == "4" and str(grade_filter("all-skills")) == "all-skills"
    for bad in ("most", "0", "-2", "4.5"):
        with pytest.raises(InputError) as err:
            grade_filter(bad)
        assert err.value.field == "min_grade"


def test_grade_filter_in_an_export_and_its_manifest(tmp_path):
    samples = [_graded(i, (1, 1, 1, 1, i % 2)) for i in range(6)]          # odd ids have full marks
    res = export_samples(samples, tmp_path / "t.jsonl", "openai", curriculum=None, min_grade=grade_filter("full"))
    assert res.manifest["ids"] == ["id1", "id3", "id5"] and res.manifest["settings"]["min_grade"] == "full"
    with pytest.raises(InputError, match="grade of at least 6"):
        export_samples(samples, tmp_path / "u.jsonl", "openai", min_grade=grade_filter("6"), force=True)
    assert not (tmp_path / "u.jsonl").exists()


def test_grade_filter_reads_a_workspaces_latest_grade(tmp_path):
    from steps_core.workspace import open_workspace

    samples = [_sample(i) for i in range(3)]
    with open_workspace(tmp_path / "ws.sqlite") as ws:
        ws.add_samples(samples)
        ws.add_grade("id0", _graded(0, (1, 1, 1, 1, 0))["grade"])            # 4 of 5, then full marks
        ws.add_grade("id0", _graded(0, (1, 1, 1, 1, 1))["grade"])
        ws.add_grade("id1", _graded(1, (1, 1, 1, 1, 1))["grade"])            # full marks, then 4 of 5
        ws.add_grade("id1", _graded(1, (1, 1, 1, 0, 1))["grade"])
        assert [s.get("grade", {}).get("score") for s in latest_grades(ws, ws.samples())] == [5, 4, None]
        res = export_samples(ws.samples(), tmp_path / "t.jsonl", "openai", curriculum=None, workspace=ws,
                             min_grade=grade_filter("full"))
    assert res.manifest["ids"] == ["id0"]


@pytest.fixture
def samples():
    out = [_sample(i, k=2 + i % 3, lca=["1", "2.1"][i % 2]) for i in range(9)]
    out[0] = _sample(0, k=2, lca="1", messages=MULTI)
    out[4]["accepted"] = None          # undecided
    out[5]["accepted"] = False         # rejected
    out[7]["status"] = "failed"
    out[7]["messages"] = []
    return out


def _expected(samples, include_all=False):
    return {s["id"]: s for s in select_samples(samples, include_all=include_all)}


@pytest.mark.parametrize("fmt", ["openai", "sharegpt", "alpaca", "parquet"])
def test_every_format_reads_back_what_was_accepted(tmp_path, samples, fmt):
    src = tmp_path / "samples.jsonl"
    write_samples(src, samples)
    out = tmp_path / "export" / f"train.{'parquet' if fmt == 'parquet' else 'jsonl'}"
    result = export_samples(samples, out, fmt, inputs=[src], seed=3, curriculum=PARTITION_CURRICULUM)
    expected = _expected(samples)
    ids = result.manifest["ids"]
    assert sorted(ids) == sorted(expected) and result.rows == len(expected) == 6
    if fmt == "parquet":
        table = pq.read_table(out).to_pylist()
        assert [r["id"] for r in table] == ids
        for row in table:
            s = expected[row["id"]]
            assert row["messages"] == s["messages"] and row["skills"] == s["skills"] and row["k"] == s["k"]
            assert row["community"] == s["provenance"]["combination"]["lca"] and row["style"] == "composite"
            assert json.loads(row["provenance"]) == s["provenance"] and row["epoch"] in (1, 2, 3)
    else:
        lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert len(lines) == len(ids)
        for rid, rec in zip(ids, lines):
            msgs = expected[rid]["messages"]
            if fmt == "openai":
                assert rec == {"messages": msgs}
            elif fmt == "sharegpt":
                assert [(c["from"], c["value"]) for c in rec["conversations"]] == \
                    [({"user": "human", "assistant": "gpt", "system": "system"}[m["role"]], m["content"]) for m in msgs]
            else:
                assert rec == to_alpaca({"id": rid, "messages": msgs})
                assert rec["output"] == msgs[-1]["content"]


def test_manifest(tmp_path, samples):
    src = tmp_path / "samples.jsonl"
    write_samples(src, samples)
    out = tmp_path / "train.jsonl"
    result = export_samples(samples, out, "openai", include_all=True, inputs=[src], seed=1,
                            curriculum=PARTITION_CURRICULUM)
    m = json.loads((tmp_path / "manifest.json").read_text())
    assert m == result.manifest
    chosen = _expected(samples, include_all=True)      # accepted + undecided, ok: 7
    assert m["counts"]["total"] == 7 == len(m["ids"])
    assert m["counts"]["per_k"] == {str(k): n for k, n in sorted(Counter(s["k"] for s in chosen.values()).items())}
    assert m["counts"]["per_community"] == dict(sorted(Counter(s["provenance"]["combination"]["lca"]
                                                               for s in chosen.values()).items()))
    assert sum(m["counts"]["per_epoch"].values()) == 7 and m["counts"]["per_style"] == {"composite": 7}
    assert m["output"]["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert m["output"]["rows"] == 7 and m["output"]["path"] == "train.jsonl"
    assert m["inputs"] == [{"path": str(src), "sha256": hashlib.sha256(src.read_bytes()).hexdigest()}]
    assert m["version"] == __version__ and m["format"] == "openai"
    assert m["settings"]["include_all"] is True and m["settings"]["seed"] == 1
    assert m["settings"]["curriculum"] == PARTITION_CURRICULUM.to_dict() and m["settings"]["min_grade"] is None
    assert m["settings"]["curriculum"]["schedule"] == "partition" and m["trainer"]["shuffle"] is False
    plain = export_samples(samples, tmp_path / "plain.jsonl", "openai", curriculum=None,
                           manifest_path=tmp_path / "plain.manifest.json")
    assert plain.manifest["ids"] == [s["id"] for s in samples if s["id"] in _expected(samples)]
    assert plain.manifest["counts"]["per_epoch"] is None and plain.manifest["settings"]["curriculum"] is None
    assert plain.manifest["trainer"] is None and plain.manifest["notes"] == []


def test_nothing_to_export_and_bad_messages_leave_files_untouched(tmp_path, samples):
    out = tmp_path / "train.jsonl"
    out.write_text("previous export\n")
    with pytest.raises(InputError, match="--all"):
        export_samples([_sample(1, accepted=None)], out, "openai", force=True)
    broken = samples + [_sample(99, messages=[{"role": "user", "content": "unanswered"}])]
    with pytest.raises(InputError) as err:
        export_samples(broken, out, "openai", force=True)
    assert "id99" in str(err.value) and err.value.field == "messages"
    assert out.read_text() == "previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.jsonl"]     # no temporary files left
    with pytest.raises(InputError, match="unknown format"):
        export_samples(samples, out, "csv")
    with pytest.raises(InputError, match="manifest"):
        export_samples(samples, out, "openai", manifest_path=out)


def test_workspace_samples_export_through_the_same_core(tmp_path, samples):
    """The app's future ``steps export --workspace``: sample dicts from a real SQLite workspace."""
    workspace = pytest.importorskip("steps_core.workspace")
    ws = workspace.open_workspace(tmp_path / "ws.sqlite")
    try:
        ws.add_samples([dict(s, accepted=None) for s in samples])
        ws.set_decision("id1", True)
        ws.set_decision("id2", True, [{"role": "user", "content": "edited q"},
                                      {"role": "assistant", "content": "edited a"}])
        current = ws.samples()
    finally:
        close = getattr(ws, "close", None)
        if close:
            close()
    result = export_samples(current, tmp_path / "ws.jsonl", "openai", curriculum=None)
    lines = [json.loads(x) for x in (tmp_path / "ws.jsonl").read_text().splitlines()]
    assert result.manifest["ids"] == ["id1", "id2"]
    assert lines[1] == {"messages": [{"role": "user", "content": "edited q"},
                                     {"role": "assistant", "content": "edited a"}]}


# ----------------------------------------------------------------------------------------------------------
# Outputs never overwrite inputs (B1); output files get ordinary permissions (B16)
# ----------------------------------------------------------------------------------------------------------

def test_export_refuses_to_overwrite_an_input(tmp_path):
    import os

    src = tmp_path / "samples.jsonl"
    write_samples(src, [_sample(i) for i in range(3)])
    before = src.read_bytes()
    os.link(src, tmp_path / "hardlink.jsonl")
    for out, manifest in [(src, None), (tmp_path / "sub" / ".." / "samples.jsonl", None),
                          (tmp_path / "hardlink.jsonl", None), (tmp_path / "train.jsonl", src)]:
        with pytest.raises(InputError, match="input"):
            export_samples([_sample(i) for i in range(3)], out, "openai", inputs=[src], manifest_path=manifest)
        assert src.read_bytes() == before
    # a workspace is protected with its -wal and -shm files
    ws = tmp_path / "ws.sqlite"
    ws.write_bytes(b"")
    for out in (ws, tmp_path / "ws.sqlite-wal", tmp_path / "ws.sqlite-shm"):
        with pytest.raises(InputError, match="input"):
            export_samples([_sample(1)], out, "openai", inputs=[ws])
    assert not (tmp_path / "ws.sqlite-wal").exists()


def test_export_files_get_ordinary_permissions(tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        res = export_samples([_sample(i) for i in range(3)], tmp_path / "train.jsonl", "openai")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(res.path).st_mode) == 0o644
    assert stat.S_IMODE(os.stat(res.manifest_path).st_mode) == 0o644
