"""The export curriculum (steps_core/curriculum.py): the reference schedule (epochs of a fixed size at exact
k-shares, reuse only where a k is short, mean k rising epoch by epoch on skewed pools), the no-reuse partition
variant (hand-computed proportions, the mutation-killing cases), notes, curriculum files, and the manifest
that tells the trainer not to shuffle."""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from dataclasses import replace
from fractions import Fraction

import pytest

from steps_core.curriculum import (DEFAULT_CURRICULUM, PARTITION_CURRICULUM, REFERENCE_WEIGHTS, Curriculum, apportion,
                                   curriculum_choice, curriculum_from_dict, curriculum_notes, curriculum_order,
                                   read_curriculum)
from steps_core.errors import InputError
from steps_core.export import export_samples


def _sample(i, k=2):
    skills = [f"s{j}" for j in range(k)]
    return {"id": f"id{i}", "skills": skills, "k": k, "style": "composite", "status": "ok", "accepted": True,
            "messages": [{"role": "user", "content": f"q {i}"}, {"role": "assistant", "content": f"a {i}"}],
            "error": None, "provenance": {"combination": {"skills": skills, "lca": "1"}}}


def _pools(sizes):
    return [_sample(f"{k}-{i}", k) for k, n in sizes.items() for i in range(n)]


def _mean_k(ordered):
    by_epoch = defaultdict(list)
    for e, s in ordered:
        by_epoch[e].append(s["k"])
    return [Fraction(sum(v), len(v)) for _, v in sorted(by_epoch.items())]


# ----------------------------------------------------------------------------------------------------------
# apportion (shared by both schedules)
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


# ----------------------------------------------------------------------------------------------------------
# The reference schedule (the default)
# ----------------------------------------------------------------------------------------------------------

SKEWED = {2: 500, 3: 40, 4: 7, 5: 3, 6: 2, 7: 1}


def test_reference_epochs_hold_exactly_the_shares_on_skewed_pools():
    cur = DEFAULT_CURRICULUM.with_epoch_size(600)
    ordered = curriculum_order(_pools(SKEWED), cur, seed=3)
    counts = Counter((e, s["k"]) for e, s in ordered)
    # 600 x the reference weights: every product is a whole number, so the shares are exact
    for e, weights in enumerate(REFERENCE_WEIGHTS, start=1):
        for k, w in weights:
            assert counts[(e, k)] == round(600 * w), (e, k)
    assert Counter(e for e, _ in ordered) == {1: 600, 2: 600, 3: 600}
    assert [e for e, _ in ordered] == sorted(e for e, _ in ordered)                     # epochs in order
    # mean k per epoch, by hand: e1 2(.6)+3(.2)+4(.1)+5(.05)+6(.03)+7(.02) = 2.77; e2 3.52; e3 4.17
    assert _mean_k(ordered) == [Fraction(277, 100), Fraction(352, 100), Fraction(417, 100)]
    assert curriculum_order(_pools(SKEWED), cur, seed=3) == ordered                      # seeded
    assert curriculum_order(list(reversed(_pools(SKEWED))), cur, seed=3) == ordered      # input order does not matter


def test_mean_k_rises_epoch_by_epoch_where_the_partition_does_not():
    """Random skewed pools (also with some k missing): the reference schedule's mean k rises strictly from
    epoch to epoch every time; the no-reuse partition of the same pools does not always (the fault of issue
    12: with 500/300/100/50/30/20 samples its last epoch is the easiest)."""
    rng = random.Random(12)
    partition_fell = 0
    for trial in range(40):
        sizes = {k: rng.choice([0, 1, 2, 5, 20, 100, 400]) for k in range(2, 8)}
        sizes[2] = max(sizes[2], 1)
        other = rng.choice([3, 4])
        sizes[other] = max(sizes[other], 1)
        pools = _pools({k: n for k, n in sizes.items() if n})
        means = _mean_k(curriculum_order(pools, DEFAULT_CURRICULUM.with_epoch_size(300), seed=trial))
        assert means[0] < means[1] < means[2], (sizes, means)
        part = _mean_k(curriculum_order(pools, PARTITION_CURRICULUM, seed=trial))
        partition_fell += not (part[0] < part[1] < part[2])
    assert partition_fell > 0
    issue = _pools({2: 500, 3: 300, 4: 100, 5: 50, 6: 30, 7: 20})
    part = _mean_k(curriculum_order(issue, PARTITION_CURRICULUM))
    assert part[2] < part[1]
    assert _mean_k(curriculum_order(issue, DEFAULT_CURRICULUM.with_epoch_size(1000))) == \
        [Fraction(277, 100), Fraction(352, 100), Fraction(417, 100)]


def test_reuse_only_where_a_k_is_short_and_evenly():
    """Only k = 2, 3, 7 have samples, so each epoch's 600 rows go to them by their weights (largest
    remainder): e1 .60/.20/.02 (sum .82): 439.02, 146.34, 14.63 -> 439, 146, 15; e2 .35/.25/.07 (sum .67):
    313.43, 223.88, 62.69 -> 313, 224, 63; e3 .20/.20/.12 (sum .52): 230.77, 230.77, 138.46 -> 231, 231, 138.
    k=2 needs 983 rows of its 1000 samples: none is used twice. k=3 needs 601 rows of 7 samples: after every
    epoch the use counts of its samples differ by at most one (a sample is reused only once every other has
    been used as often), ending at 601 = 6 x 86 + 85. k=7's one sample fills all its 216 rows."""
    pools = _pools({2: 1000, 3: 7, 7: 1})
    cur = replace(DEFAULT_CURRICULUM, epoch_size=600)
    ordered = curriculum_order(pools, cur, seed=0)
    uses: dict[int, Counter] = defaultdict(Counter)
    epoch_rows = defaultdict(list)
    for e, s in ordered:
        epoch_rows[e].append(s)
    for e in (1, 2, 3):
        for s in epoch_rows[e]:
            uses[s["k"]][s["id"]] += 1
        k3 = [uses[3][f"id3-{i}"] for i in range(7)]
        assert max(k3) - min(k3) <= 1, (e, k3)
        assert max(uses[2].values()) == 1
    assert [Counter(s["k"] for s in epoch_rows[e]) for e in (1, 2, 3)] == \
        [{2: 439, 3: 146, 7: 15}, {2: 313, 3: 224, 7: 63}, {2: 231, 3: 231, 7: 138}]
    assert sum(uses[2].values()) == 983 and len(uses[2]) == 983
    assert sorted(Counter(uses[3].values()).items()) == [(85, 1), (86, 6)]
    assert dict(uses[7]) == {"id7-0": 216}


def test_reference_unweighted_k_goes_once_to_the_last_epoch_and_notes():
    samples = _pools({2: 3, 9: 2})
    cur = Curriculum((((2, 1.0),), ((2, 0.5), (3, 0.5))), epoch_size=4)
    ordered = curriculum_order(samples, cur, seed=1)
    # e1: 4 rows of k=2 (3 samples: one used twice); e2: k=3 has none, its half goes to k=2 -> 4; + k=9 once
    assert Counter((e, s["k"]) for e, s in ordered) == {(1, 2): 4, (2, 2): 4, (2, 9): 2}
    notes = curriculum_notes(cur, ordered)
    assert notes[0].startswith("train on the rows in file order without shuffling")
    assert notes[1:] == ["k=9 has no weight in any epoch of the curriculum: its 2 sample(s) are in the last epoch (2)",
                         "no sample has k=3: the shares of the curriculum's weights for them went to the other k",
                         "k=2: 3 sample(s) fill 8 row(s): each is used 2 or 3 times"]


@pytest.mark.parametrize("cur", [DEFAULT_CURRICULUM.with_epoch_size(90), PARTITION_CURRICULUM],
                         ids=["reference", "partition"])
def test_each_epoch_is_shuffled_not_left_grouped_by_k(cur):
    """An epoch draws its share per k, k by k; the shuffle mixes them, so a trainer never sees all the k=2
    samples of an epoch, then all the k=3 ones."""
    samples = [_sample(f"{k}-{i}", k) for k in (2, 3, 4) for i in range(30)]
    ordered = curriculum_order(samples, cur, seed=1)
    for epoch in (1, 2, 3):
        ks = [s["k"] for e, s in ordered if e == epoch]
        assert len(set(ks)) > 1 and ks != sorted(ks), (epoch, ks)
    assert curriculum_order(samples, cur, seed=1) == ordered             # seeded
    assert curriculum_order(samples, cur, seed=2) != ordered


def test_reference_export_writes_the_schedule_and_tells_the_trainer(tmp_path):
    samples = _pools({2: 5, 3: 2})
    res = export_samples(samples, tmp_path / "t.jsonl", "openai", curriculum=DEFAULT_CURRICULUM.with_epoch_size(10))
    lines = (tmp_path / "t.jsonl").read_text().splitlines()
    m = res.manifest
    assert res.rows == len(lines) == 30 == m["counts"]["total"] and m["counts"]["unique"] == 7
    # e1: .6/.2 over k=2,3 (sum .8) of 10 -> 7.5, 2.5 -> 8, 2 (tie to the smaller k); e2 .35/.25 -> 5.83,
    # 4.17 -> 6, 4; e3 .2/.2 -> 5, 5
    assert m["counts"]["per_epoch_k"] == {"1": {"2": 8, "3": 2}, "2": {"2": 6, "3": 4}, "3": {"2": 5, "3": 5}}
    assert m["trainer"] == {"shuffle": False, "epochs": 3, "rows_per_epoch": {"1": 10, "2": 10, "3": 10}}
    assert m["settings"]["curriculum"]["schedule"] == "reference" and m["settings"]["curriculum"]["epoch_size"] == 10
    assert "without shuffling" in m["notes"][0]
    assert "k=3: 2 sample(s) fill 11 row(s): each is used 5 or 6 times" in m["notes"]
    assert len(m["ids"]) == 30 and set(m["ids"]) == {s["id"] for s in samples}


def test_default_is_the_reference_schedule_of_6000():
    assert DEFAULT_CURRICULUM.schedule == "reference" and DEFAULT_CURRICULUM.epoch_size == 6000
    assert DEFAULT_CURRICULUM.epochs == PARTITION_CURRICULUM.epochs == REFERENCE_WEIGHTS
    ordered = curriculum_order(_pools({2: 3, 3: 3}), DEFAULT_CURRICULUM)
    assert Counter(e for e, _ in ordered) == {1: 6000, 2: 6000, 3: 6000}
    assert curriculum_choice("default") == DEFAULT_CURRICULUM
    assert curriculum_choice("default", epoch_size=50).epoch_size == 50
    assert curriculum_choice("partition") == PARTITION_CURRICULUM and curriculum_choice("none") is None


# ----------------------------------------------------------------------------------------------------------
# The partition variant (no reuse): every sample exactly once
# ----------------------------------------------------------------------------------------------------------

def test_partition_proportions_hand_computed():
    samples = [_sample(f"{k}-{i}", k) for k in (2, 3, 4) for i in range(100)]
    ordered = curriculum_order(samples, PARTITION_CURRICULUM, seed=5)
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
    assert curriculum_order(samples, PARTITION_CURRICULUM, seed=5) == ordered        # seeded
    assert [s["id"] for _, s in curriculum_order(samples, PARTITION_CURRICULUM, seed=6)] != \
        [s["id"] for _, s in ordered]


def test_partition_unweighted_k_goes_to_the_last_epoch_and_custom_weights(tmp_path):
    samples = [_sample(i, 2) for i in range(4)] + [_sample(10 + i, 9) for i in range(2)]
    ordered = curriculum_order(samples, PARTITION_CURRICULUM)
    # N = 6 -> epochs of 2; k=9 has no weight: epochs 1, 2 take k=2 only, epoch 3 gets the rest
    assert Counter((e, s["k"]) for e, s in ordered) == {(1, 2): 2, (2, 2): 2, (3, 9): 2}
    res = export_samples(samples, tmp_path / "t.jsonl", "openai", curriculum=PARTITION_CURRICULUM)
    assert res.manifest["notes"][1:] == [
        "k=9 has no weight in any epoch of the curriculum: its 2 sample(s) are in the last epoch (3)",
        "no sample has k=3, k=4, k=5, k=6, k=7: the shares of the curriculum's weights for them went to the other k"]
    assert res.manifest["counts"]["per_epoch"] == {"1": 2, "2": 2, "3": 2}
    assert res.manifest["trainer"]["shuffle"] is False and res.manifest["counts"]["unique"] == 6

    path = tmp_path / "cur.json"
    path.write_text(json.dumps({"epochs": [{"3": 1.0}, {"2": 1}]}))
    cur = read_curriculum(path)
    assert cur == Curriculum((((3, 1.0),), ((2, 1),)))
    mixed = [_sample(i, 2) for i in range(3)] + [_sample(10 + i, 3) for i in range(3)]
    assert [s["k"] for _, s in curriculum_order(mixed, replace(cur, schedule="partition"))] == [3, 3, 3, 2, 2, 2]
    assert [s["k"] for _, s in curriculum_order(mixed, cur.with_epoch_size(3))] == [3, 3, 3, 2, 2, 2]
    assert curriculum_from_dict([{"2": 1}]) == Curriculum((((2, 1),),))
    path.write_text(json.dumps({"epochs": [{"2": 1}], "schedule": "partition"}))
    assert read_curriculum(path).schedule == "partition"
    path.write_text(json.dumps({"epochs": [{"2": 1}], "epoch_size": 30}))
    assert read_curriculum(path).epoch_size == 30
    for bad in ({"epochs": []}, {"epochs": [{"x": 1}]}, {"epochs": [{"2": -1}]}, {"epochs": [{"2": 0}]}, {"e": 1},
                {"epochs": [{"2": 1}], "schedule": "random"}, {"epochs": [{"2": 1}], "epoch_size": 0},
                {"epochs": [{"2": 1}], "epoch_size": 2.5}, {"epochs": [{"2": 1}], "shuffle": True}):
        path.write_text(json.dumps(bad))
        with pytest.raises(InputError) as err:
            read_curriculum(path)
        assert err.value.path == str(path), bad


def test_partition_epoch_sizes_when_the_samples_do_not_split_evenly():
    # N = 7 over 3 epochs: ceil(7 / 3) = 3 per epoch, the last takes the 1 left.
    samples = [_sample(f"2-{i}", 2) for i in range(4)] + [_sample(f"3-{i}", 3) for i in range(3)]
    ordered = curriculum_order(samples, PARTITION_CURRICULUM, seed=0)
    assert Counter(e for e, _ in ordered) == {1: 3, 2: 3, 3: 1}
    # e1: .60/.20 over k=2,3 (sum .8) of 3: 2.25, 0.75 -> 2, 0 + the one left to the largest remainder (k=3).
    # e2: .35/.25 (sum .6) of 3: 1.75, 1.25 -> 1, 1 + one to k=2.  e3: the last k=3.
    assert Counter((e, s["k"]) for e, s in ordered) == {(1, 2): 2, (1, 3): 1, (2, 2): 2, (2, 3): 1, (3, 3): 1}
