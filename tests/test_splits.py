"""Held-out splits (steps_core/splits.py) on the public Skill-Mix catalogue (../shared/data/skillmix) and on the
demo catalogue: by category no held-out skill shares a category with a training skill, and the training data
`steps mix` draws never hold a skill of a held-out category; the within-category split kept as an option."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from steps_core.corpus import Skill, read_catalog, read_topics
from steps_core.errors import InputError
from steps_core.evaluation import draw_eval
from steps_core.mixing import draw_mix
from steps_core.splits import eval_pool, heldout_categories, split_catalog, split_skills_and_topics, split_topics

ROOT = Path(__file__).resolve().parent.parent
SKILLMIX = ROOT.parent / "shared" / "data" / "skillmix"
DEMO = ROOT / "assets" / "demo" / "skills.csv"


@pytest.fixture(scope="module")
def public():
    if not (SKILLMIX / "skills.csv").exists():
        pytest.skip("the public Skill-Mix catalogue is not at ../shared/data/skillmix")
    return read_catalog(SKILLMIX / "skills.csv"), read_topics(SKILLMIX / "topics.txt")


def _assert_category_split(split, catalogue):
    train_cats = {s.category for s in split.train_skills}
    held_cats = {s.category for s in split.heldout_skills}
    assert train_cats and held_cats and not train_cats & held_cats
    assert {s.name for s in split.train_skills} | {s.name for s in split.heldout_skills} == {s.name for s in catalogue}
    # every skill of a held-out category is held out
    assert {s.name for s in catalogue if s.category in held_cats} == {s.name for s in split.heldout_skills}
    assert not set(split.train_topics) & set(split.heldout_topics)


def test_public_catalogue_split_by_category(public):
    skills, topics = public
    cats = Counter(s.category for s in skills)
    assert len(skills) == 10 and len(cats) == 6 and len(topics) == 10
    seen = set()
    for seed in range(20):
        split = split_skills_and_topics(skills, topics, 0.5, seed=seed)
        _assert_category_split(split, skills)
        assert len(split.heldout_categories) == 3                  # floor(0.5 x 6 + 0.5)
        assert len(split.heldout_topics) == 5
        seen.add(split.heldout_categories)
        record = split.to_dict()
        assert record["by"] == "category" and record["seed"] == seed
        assert record["heldout_categories"] == list(split.heldout_categories)
    assert len(seen) > 3                                           # the seed matters
    again = split_skills_and_topics(list(reversed(skills)), list(reversed(topics)), 0.5, seed=4)
    first = split_skills_and_topics(skills, topics, 0.5, seed=4)
    assert {s.name for s in again.heldout_skills} == {s.name for s in first.heldout_skills}     # order-free
    assert set(again.heldout_topics) == set(first.heldout_topics)


def test_public_catalogue_named_categories_and_the_within_category_option(public):
    skills, topics = public
    split = split_skills_and_topics(skills, topics, 0.5, heldout_categories=["logical", "rhetorical"])
    assert sorted(s.name for s in split.heldout_skills) == sorted(
        s.name for s in skills if s.category in ("logical", "rhetorical"))
    assert split.train_categories == ("literary", "physical knowledge", "reasoning", "theory of the mind")
    _assert_category_split(split, skills)
    # the old split within each category: of sizes 3, 3, 1, 1, 1, 1 it holds out 2, 2, 1, 1, 1, 1 -> 8 of 10
    train, held = split_catalog(skills, 0.5, by="skill")
    assert (len(train), len(held)) == (2, 8)
    with pytest.raises(InputError, match="no such category") as err:
        split_skills_and_topics(skills, topics, 0.5, heldout_categories=["rhetoric"])
    assert err.value.field == "heldout_categories" and "rhetorical" in str(err.value)
    with pytest.raises(InputError):
        split_catalog(skills, 0.5, by="skill", categories=["logical"])
    with pytest.raises(InputError):
        split_catalog(skills, 1.5)
    with pytest.raises(InputError):
        split_catalog(skills, 0.5, by="topic")


def test_demo_catalogue_split_by_category():
    skills = read_catalog(DEMO)
    n_cats = len({s.category for s in skills})
    assert n_cats == 12
    for fraction, want in ((0.25, 3), (0.5, 6), (0.01, 1), (0.99, 11), (0.0, 0), (1.0, 12)):
        held = heldout_categories(skills, fraction, seed=7)
        assert len(held) == want, fraction
    for seed in range(10):
        split = split_skills_and_topics(skills, ["t1", "t2", "t3", "t4"], 0.25, seed=seed)
        _assert_category_split(split, skills)
        assert len(split.heldout_categories) == 3 and len(split.heldout_topics) == 1


@pytest.mark.parametrize("source", ["public", "demo"])
def test_training_draws_never_hold_a_heldout_category(source, request):
    if source == "public":
        skills, topics = request.getfixturevalue("public")
    else:
        skills, topics = read_catalog(DEMO), tuple(f"topic {i}" for i in range(8))
    split = split_skills_and_topics(skills, topics, 0.5, seed=3)
    held_cats = set(split.heldout_categories)
    train_skills, train_topics = eval_pool(skills, topics, "train", 0.5, seed=3)
    ks = [k for k in (1, 2, 3) if k <= len(train_skills)]
    draws = draw_mix(train_skills, train_topics, ks, 60, seed=1)
    assert len(draws) == 60
    for d in draws:
        assert not {s.category for s in d.skills} & held_cats and d.topic in split.train_topics
    held_skills, held_topics = eval_pool(skills, topics, "heldout", 0.5, seed=3)
    for d in draw_eval(held_skills, held_topics, [k for k in (2, 3) if k <= len(held_skills)], 10, seed=2):
        assert {s.category for s in d.skills} <= held_cats and d.topic in split.heldout_topics


def test_split_topics_and_a_catalogue_without_categories():
    train, held = split_topics([f"t{i}" for i in range(5)], 0.4, seed=0)
    assert len(held) == 2 and len(train) == 3 and not set(train) & set(held)
    flat = [Skill(f"s{i}") for i in range(4)]                      # one category, "": it cannot be split off
    with pytest.raises(InputError, match="--split-by skill") as err:
        split_catalog(flat, 0.5)
    assert err.value.field == "split_by"
    assert len(split_catalog(flat, 0.5, by="skill")[1]) == 2
    assert split_catalog(flat, 1.0) == ((), tuple(flat)) and split_catalog(flat, 0.0) == (tuple(flat), ())
