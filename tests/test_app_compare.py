"""Compare samplers page: nothing runs until asked; the table is steps_core's comparison for the chosen k, n
and seed; the chart draws the chosen measure per k and sampler; the settings are kept in the workspace."""

from __future__ import annotations

import pytest

from app_helpers import assert_ok, corpus_skill_sets, figures, new_app, open_ws, reference_tree
from steps_core.compare import SAMPLERS, compare_samplers, sample_combinations
from steps_core.corpus import iter_skill_lists
from steps_core.novelty import SupportIndex


def test_compare_on_demand_matches_the_core(app_env):
    with open_ws(app_env.ws) as ws:
        ws.set_setting("compare.coherence", False)                      # no model to load
    at = new_app("compare")
    assert any("Press Compare" in str(i.value) for i in at.info) and not figures(at)
    at.multiselect(key="ws:cfg:compare.ks").set_value([2, 3]).run()
    at.number_input(key="ws:cfg:compare.n").set_value(40).run()
    at.number_input(key="ws:cfg:compare.seed").set_value(5).run()
    at.button(key="cmp_go").click().run()
    assert_ok(at)
    tree = reference_tree(app_env.files["corpus"])
    index = SupportIndex.from_skill_lists(iter_skill_lists(app_env.files["corpus"]))
    want = compare_samplers(tree, index, ks=(2, 3), n=40, seed=5)
    table = at.dataframe[-1].value
    assert list(zip(table["k"], table["sampler"], table["n"])) == [(r.k, r.sampler, r.n) for r in want]
    for col in ("mean_gain", "novelty_rate", "connected_share", "max_skill_share", "distinct_share", "gini"):
        assert list(table[col]) == pytest.approx([getattr(r, col) for r in want])
    assert list(table["communities"]) == [r.communities for r in want]
    assert "mean_coherence" not in table.columns                       # not computed: no column of blanks

    # the novelty rate of one sampler, by brute force over the records
    records = corpus_skill_sets(app_env.files["corpus"])
    drawn = sample_combinations("uniform", tree, 3, 40, seed=5 + 1000 * 3 + list(SAMPLERS).index("uniform"))
    novel = sum(1 for c in drawn if not any(set(c) <= r for r in records)) / len(drawn)
    row = table[(table["k"] == 3) & (table["sampler"] == "uniform")]
    assert row["novelty_rate"].iloc[0] == pytest.approx(novel)

    bars = figures(at)[0]["data"]                                      # mean gain: one trace per sampler
    assert [b["name"] for b in bars] == list(dict.fromkeys(r.sampler for r in want))
    assert bars[0]["y"] == pytest.approx([r.mean_gain for r in want if r.sampler == bars[0]["name"]])
    at.radio(key="cmp_measure").set_value("gini").run()
    bars = figures(at)[0]["data"]
    assert bars[-1]["y"] == pytest.approx([r.gini for r in want if r.sampler == bars[-1]["name"]])
    assert any("Gini of skill use" in str(m.value) for m in at.markdown)
    steps3 = next(r for r in want if r.k == 3 and r.sampler == "steps")           # the plain sentence, from the rows
    assert any(f"{steps3.connected_share:.0%} hang together" in str(m.value) for m in at.markdown)

    fresh = new_app("compare")                                          # cached: shown at once, settings kept
    assert fresh.multiselect(key="ws:cfg:compare.ks").value == [2, 3]
    assert fresh.number_input(key="ws:cfg:compare.n").value == 40
    assert list(fresh.dataframe[-1].value["sampler"]) == [r.sampler for r in want]


def test_no_sampler_chosen_is_a_hint(app_env):
    with open_ws(app_env.ws) as ws:
        ws.set_setting("compare.coherence", False)
    at = new_app("compare")
    at.multiselect(key="ws:cfg:compare.samplers").set_value([]).run()
    assert_ok(at)
    assert any("at least one k and one sampler" in str(i.value) for i in at.info)
