"""The held-out split options ``steps mix`` and ``steps eval`` share (:mod:`steps_core.splits`): given the same
values, both commands split the catalogue and the topics the same way, so a model trained on ``mix``'s data
is evaluated on skills and topics it never saw."""

from __future__ import annotations

import click

from ..names import HELDOUT_FRACTION, SPLIT_UNITS, describe
from ._util import finite_float


def split_options(f):
    """--split-by, --heldout-fraction, --heldout-categories, --split-seed."""
    f = click.option("--split-seed", type=int, default=0, show_default=True,
                     help="Seed of the split (kept apart from --seed, so that steps mix and steps eval split "
                          "alike whatever their draws).")(f)
    f = click.option("--heldout-categories", default=None, metavar="A,B",
                     help="Hold out exactly these categories (comma-separated; with --split-by category) "
                          "instead of a seeded random choice.")(f)
    f = click.option("--heldout-fraction", type=finite_float(0, 1), default=HELDOUT_FRACTION, show_default=True,
                     help="Share of the categories (or, with --split-by skill, of each category's skills) "
                          "held out, and the share of the topics held out.")(f)
    f = click.option("--split-by", type=click.Choice(list(SPLIT_UNITS)), default="category", show_default=True,
                     help="How the skills are split: " + describe(SPLIT_UNITS) + ".")(f)
    return f


def categories(value: str | None) -> list[str] | None:
    """The categories of ``--heldout-categories`` (None when not given)."""
    if value is None:
        return None
    return [c.strip() for c in value.split(",") if c.strip()]


def make_split(skills, topics, split_by: str, heldout_fraction: float, heldout_categories: str | None,
               split_seed: int):
    """The :class:`~steps_core.splits.Split` the options name."""
    from ..splits import split_skills_and_topics

    return split_skills_and_topics(skills, topics, heldout_fraction, seed=split_seed, by=split_by,
                                   heldout_categories=categories(heldout_categories))


def read_split(catalog: str, topics: str, split_by: str, heldout_fraction: float, heldout_categories: str | None,
               split_seed: int):
    """The catalogue and topic files read and split as the options say (:func:`make_split`)."""
    from ..corpus import read_catalog
    from ..synth import read_topic_list

    return make_split(read_catalog(catalog), read_topic_list(topics), split_by, heldout_fraction, heldout_categories,
                      split_seed)


def echo_split(split, part: str) -> None:
    """One line saying which part is used and what it holds."""
    from ..splits import NO_CATEGORY

    if part == "all":
        return
    skills = split.train_skills if part == "train" else split.heldout_skills
    cats = split.train_categories if part == "train" else split.heldout_categories
    topics = split.train_topics if part == "train" else split.heldout_topics
    click.echo(f"split     {part} part (by {split.by}, seed {split.seed}): {len(skills)} skill(s) in "
               + ", ".join(c or NO_CATEGORY for c in cats) + f"; {len(topics)} topic(s)")
