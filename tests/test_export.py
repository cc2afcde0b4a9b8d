"""Export: curriculum proportions (hand-computed), every format read back, the accepted-only rule, the manifest,
atomic writes, and exporting the sample dicts of a real SQLite workspace."""

from __future__ import annotations

import hashlib
import json
from collections import Counter

import pyarrow.parquet as pq
import pytest

from steps_core import __version__
from steps_core.errors import InputError
from steps_core.export import (DEFAULT_CURRICULUM, Curriculum, apportion, curriculum_from_dict, curriculum_order,
                               export_samples, read_curriculum, select_samples, to_alpaca, to_sharegpt)
from steps_core.synth import write_samples


def _sample(i, k=2, *, accepted=True, status="ok", lca="1", messages=None, style="composite"):
    skills = [f"s{j}" for j in range(k)]
    msgs = messages if messages is not None else [
        {"role": "user", "content": f"question {i}"}, {"role": "assistant", "content": f"answer {i}"}]
    return {"id": f"id{i}", "skills": skills, "k": k, "style": style, "status": status,
            "messages": msgs if status == "ok" else [], "accepted": accepted, "error": None,
            "provenance": {"combination": {"skills": skills, "lca": lca, "gain": 1.0}}}


# ----------------------------------------------------------------------------------------------------------
# Curriculum
# ----------------------------------------------------------------------------------------------------------

def test_apportion_hand_cases():
    assert apportion(10, {2: 0.6, 3: 0.4}, {2: 100, 3: 100}) == {2: 6, 3: 4}
    # 100 * (.6, .2, .1) / .9 = 66.67, 22.22, 11.11 -> 66, 22, 11 + the one left to the largest remainder
    assert apportion(100, {2: 0.6, 3: 0.2, 4: 0.1, 5: 0.05}, {2: 500, 3: 500, 4: 500}) == {2: 67, 3: 22, 4: 11, 5: 0}
    # k=2 can give only 3: the 3 it cannot take go to k=3
    assert apportion(10, {2: 0.6, 3: 0.4}, {2: 3, 3: 100}) == {2: 3, 3: 7}
    assert apportion(10, {2: 0.6, 3: 0.4}, {2: 3, 3: 4}) == {2: 3, 3: 4}      # the pools run dry
    assert apportion(5, {2: 0.0, 3: 1.0}, {2: 9, 3: 9}) == {2: 0, 3: 5}       # weight 0 gets nothing
    assert apportion(3, {2: 0.5, 3: 0.5}, {2: 9, 3: 9}) == {2: 2, 3: 1}       # tie -> the smaller k
    assert apportion(0, {2: 1.0}, {2: 9}) == {2: 0}


def test_default_curriculum_proportions_hand_computed():
    samples = [_sample(f"{k}-{i}", k) for k in (2, 3, 4) for i in range(100)]
    ordered = curriculum_order(samples, DEFAULT_CURRICULUM, seed=5)
    # N = 300, 3 epochs of 100.
    # e1 weights .60/.20/.10 over k=2,3,4 (sum .9): 66.67, 22.22, 11.11 -> 67, 22, 11.
    # e2 weights .35/.25/.15 (sum .75): 46.67, 33.33, 20 -> 47, 33, 20, but only 33 k=2 are left: the 14
    #    missing go to k=3,4 by .25/.15: 8.75, 5.25 -> 9, 5  => 33, 42, 25.
    # e3: k=2 is empty; .20/.20 over k=3 (36 left), k=4 (64 left): 50/50 -> 36, then 14 more k=4 => 0, 36, 64.
    counts = Counter((e, s["k"]) for e, s in ordered)
    assert counts == {(1, 2): 67, (1, 3): 22, (1, 4): 11, (2, 2): 33, (2, 3): 42, (2, 4): 25, (3, 3): 36, (3, 4): 64}
    assert sorted(s["id"] for _, s in ordered) == sorted(s["id"] for s in samples)  # each exactly once
    epochs = [e for e, _ in ordered]
    assert epochs == sorted(epochs)                                                # epochs in order
    assert curriculum_order(samples, DEFAULT_CURRICULUM, seed=5) == ordered          # seeded
    assert [s["id"] for _, s in curriculum_order(samples, DEFAULT_CURRICULUM, seed=6)] != [s["id"] for _, s in ordered]


def test_unweighted_k_goes_to_the_last_epoch_and_custom_weights(tmp_path):
    samples = [_sample(i, 2) for i in range(4)] + [_sample(10 + i, 9) for i in range(2)]
    ordered = curriculum_order(samples, DEFAULT_CURRICULUM)
    # N = 6 -> epochs of 2; k=9 has no weight: epochs 1, 2 take k=2 only, epoch 3 gets the rest
    assert Counter((e, s["k"]) for e, s in ordered) == {(1, 2): 2, (2, 2): 2, (3, 9): 2}
    res = export_samples(samples, tmp_path / "t.jsonl", "openai")
    assert res.manifest["notes"] == ["k=9 has no weight in any epoch of the curriculum: its 2 sample(s) are in the "
                                     "last epoch (3)"]
    assert res.manifest["counts"]["per_epoch"] == {"1": 2, "2": 2, "3": 2}
    assert export_samples(samples[:4], tmp_path / "t.jsonl", "openai", force=True).manifest["notes"] == []

    path = tmp_path / "cur.json"
    path.write_text(json.dumps({"epochs": [{"3": 1.0}, {"2": 1}]}))
    cur = read_curriculum(path)
    assert cur == Curriculum((((3, 1.0),), ((2, 1),)))
    mixed = [_sample(i, 2) for i in range(3)] + [_sample(10 + i, 3) for i in range(3)]
    assert [s["k"] for _, s in curriculum_order(mixed, cur)] == [3, 3, 3, 2, 2, 2]
    assert curriculum_from_dict([{"2": 1}]) == Curriculum((((2, 1),),))
    for bad in ({"epochs": []}, {"epochs": [{"x": 1}]}, {"epochs": [{"2": -1}]}, {"epochs": [{"2": 0}]}, {"e": 1}):
        path.write_text(json.dumps(bad))
        with pytest.raises(InputError) as err:
            read_curriculum(path)
        assert err.value.path == str(path)


def test_epoch_sizes_when_the_samples_do_not_split_evenly():
    # N = 7 over 3 epochs: ceil(7 / 3) = 3 per epoch, the last takes the 1 left.
    samples = [_sample(f"2-{i}", 2) for i in range(4)] + [_sample(f"3-{i}", 3) for i in range(3)]
    ordered = curriculum_order(samples, DEFAULT_CURRICULUM, seed=0)
    assert Counter(e for e, _ in ordered) == {1: 3, 2: 3, 3: 1}
    # e1: .60/.20 over k=2,3 (sum .8) of 3: 2.25, 0.75 -> 2, 0 + the one left to the largest remainder (k=3).
    # e2: .35/.25 (sum .6) of 3: 1.75, 1.25 -> 1, 1 + one to k=2.  e3: the last k=3.
    assert Counter((e, s["k"]) for e, s in ordered) == {(1, 2): 2, (1, 3): 1, (2, 2): 2, (2, 3): 1, (3, 3): 1}


def test_each_epoch_is_shuffled_not_left_grouped_by_k():
    """An epoch draws its share per k, k by k; the shuffle mixes them, so a trainer never sees all the k=2
    samples of an epoch, then all the k=3 ones."""
    samples = [_sample(f"{k}-{i}", k) for k in (2, 3, 4) for i in range(30)]
    ordered = curriculum_order(samples, DEFAULT_CURRICULUM, seed=1)
    for epoch in (1, 2, 3):
        ks = [s["k"] for e, s in ordered if e == epoch]
        assert len(set(ks)) > 1 and ks != sorted(ks), (epoch, ks)
    assert curriculum_order(samples, DEFAULT_CURRICULUM, seed=1) == ordered             # seeded


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
    result = export_samples(samples, out, fmt, inputs=[src], seed=3)
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
    result = export_samples(samples, out, "openai", include_all=True, inputs=[src], seed=1)
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
    assert m["settings"]["curriculum"] == DEFAULT_CURRICULUM.to_dict()
    plain = export_samples(samples, tmp_path / "plain.jsonl", "openai", curriculum=None,
                           manifest_path=tmp_path / "plain.manifest.json")
    assert plain.manifest["ids"] == [s["id"] for s in samples if s["id"] in _expected(samples)]
    assert plain.manifest["counts"]["per_epoch"] is None and plain.manifest["settings"]["curriculum"] is None


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
