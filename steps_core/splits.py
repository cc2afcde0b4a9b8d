"""Training and held-out parts of a skill catalogue and a topic list (docs/synthesis.md, "Held-out split";
docs/method.md §8), so that a model can be trained on some skills and evaluated on skills it never saw.

Two ways to split the skills (:data:`~steps_core.names.SPLIT_UNITS`):

- ``category`` (the default, as in Zhao et al.): whole categories are held out. Of ``n`` categories,
  ``floor(fraction * n + 0.5)`` chosen at random (seeded) are held out, never none nor all of them while
  ``0 < fraction < 1`` (a catalogue of one category cannot be split so); or name them
  (``heldout_categories``). No held-out skill shares a category with a training skill.
- ``skill``: within each category, ``floor(fraction * m + 0.5)`` of its ``m`` skills are held out (seeded per
  category), so both parts cover every category.

Topics are split at random with the same fraction. The split depends only on the catalogue, the topics,
the fraction and ``seed`` (never on the order of the rows), so ``steps mix`` (training data) and
``steps eval`` (evaluation) given the same split settings agree on it; :meth:`Split.to_dict` records it.

>>> from steps_core.corpus import Skill
>>> cat = [Skill("a1", "A"), Skill("a2", "A"), Skill("b1", "B"), Skill("c1", "C")]
>>> s = split_skills_and_topics(cat, ["t1", "t2"], 0.5, heldout_categories=["B"])
>>> [x.name for x in s.train_skills], [x.name for x in s.heldout_skills], s.heldout_categories
(['a1', 'a2', 'c1'], ['b1'], ('B',))
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Sequence

from .corpus import Skill
from .errors import InputError
from .names import EVAL_SPLITS, SPLIT_UNITS

#: How a skill without a category is shown.
NO_CATEGORY = "(no category)"


def _heldout_count(n: int, fraction: float) -> int:
    return int(math.floor(fraction * n + 0.5))


def _check_fraction(fraction: float) -> None:
    if not isinstance(fraction, (int, float)) or not 0.0 <= fraction <= 1.0 or math.isnan(fraction):
        raise InputError(f"heldout fraction must be in [0, 1], got {fraction!r}", field="heldout_fraction")


def _by_category(skills: Sequence[Skill]) -> dict[str, list[Skill]]:
    out: dict[str, list[Skill]] = defaultdict(list)
    for s in skills:
        out[s.category or ""].append(s)
    return out


def heldout_categories(skills: Sequence[Skill], fraction: float, *, seed: int = 0) -> tuple[str, ...]:
    """The categories held out (sorted): ``floor(fraction * n + 0.5)`` of the ``n`` categories, chosen by a
    shuffle seeded with ``seed``; at least one and at most ``n - 1`` when ``0 < fraction < 1`` (an
    :class:`InputError` when ``n < 2``). A skill without a category counts as the category ``""``."""
    _check_fraction(fraction)
    cats = sorted(_by_category(skills))
    count = _heldout_count(len(cats), fraction)
    if 0.0 < fraction < 1.0:
        if len(cats) < 2:
            raise InputError(f"the catalogue has {len(cats)} categor{'y' if len(cats) == 1 else 'ies'}: whole "
                             "categories cannot be held out; split within categories (--split-by skill) or give "
                             "the skills categories", field="split_by")
        count = min(max(count, 1), len(cats) - 1)
    random.Random(f"split-categories|{seed}").shuffle(cats)
    return tuple(sorted(cats[:count]))


def split_catalog(skills: Sequence[Skill], heldout_fraction: float, *, seed: int = 0, by: str = "category",
                  categories: Iterable[str] | None = None) -> tuple[tuple[Skill, ...], tuple[Skill, ...]]:
    """Split catalogue skills into ``(train, held-out)``, each in catalogue order.

    ``by="category"``: every skill of a held-out category (:func:`heldout_categories`, or the named
    ``categories``) is held out. ``by="skill"``: within each category, ``floor(fraction * m + 0.5)`` of its
    ``m`` skills, chosen at random (seeded per category), are held out.
    """
    _check_fraction(heldout_fraction)
    if by not in SPLIT_UNITS:
        raise InputError(f"unknown split unit {by!r}; expected one of {', '.join(SPLIT_UNITS)}", field="split_by")
    groups = _by_category(skills)
    held: set[str] = set()
    if by == "category":
        if categories is not None:
            named = [c.strip() for c in categories]
            unknown = sorted(c for c in named if c not in groups)
            if unknown:
                known = ", ".join(sorted(c or NO_CATEGORY for c in groups))
                raise InputError(f"no such category in the catalogue: {', '.join(map(repr, unknown))} "
                                 f"(categories: {known})", field="heldout_categories")
            chosen = set(named)
        else:
            chosen = set(heldout_categories(skills, heldout_fraction, seed=seed))
        held = {s.name for c in chosen for s in groups[c]}
    else:
        if categories is not None:
            raise InputError("held-out categories are named only when splitting by category",
                             field="heldout_categories")
        for cat in sorted(groups):
            members = sorted(groups[cat], key=lambda s: s.name)
            random.Random(f"split|{seed}|{cat}").shuffle(members)
            held.update(s.name for s in members[:_heldout_count(len(members), heldout_fraction)])
    return tuple(s for s in skills if s.name not in held), tuple(s for s in skills if s.name in held)


def split_topics(topics: Sequence[str], heldout_fraction: float, *, seed: int = 0) -> tuple[tuple[str, ...],
                                                                                          tuple[str, ...]]:
    """Split topics into ``(train, held-out)``: ``floor(fraction * n + 0.5)`` chosen at random are held out."""
    _check_fraction(heldout_fraction)
    order = sorted(topics)
    random.Random(f"split-topics|{seed}").shuffle(order)
    held = set(order[:_heldout_count(len(order), heldout_fraction)])
    return tuple(t for t in topics if t not in held), tuple(t for t in topics if t in held)


@dataclass(frozen=True, slots=True)
class Split:
    """Both parts of a catalogue and a topic list, and how they were made."""

    by: str
    fraction: float
    seed: int
    train_skills: tuple[Skill, ...]
    heldout_skills: tuple[Skill, ...]
    train_topics: tuple[str, ...]
    heldout_topics: tuple[str, ...]
    named: bool = False

    @property
    def train_categories(self) -> tuple[str, ...]:
        return tuple(sorted({s.category for s in self.train_skills}))

    @property
    def heldout_categories(self) -> tuple[str, ...]:
        return tuple(sorted({s.category for s in self.heldout_skills}))

    def part(self, name: str) -> tuple[tuple[Skill, ...], tuple[str, ...]]:
        """The skills and topics of ``name`` (:data:`~steps_core.names.EVAL_SPLITS`)."""
        if name not in EVAL_SPLITS:
            raise InputError(f"unknown split {name!r}; expected one of {', '.join(EVAL_SPLITS)}", field="split")
        if name == "all":
            return self.train_skills + self.heldout_skills, self.train_topics + self.heldout_topics
        if name == "train":
            return self.train_skills, self.train_topics
        return self.heldout_skills, self.heldout_topics

    def to_dict(self) -> dict:
        """The split as recorded in reports and manifests: unit, fraction, seed, both parts by name."""
        return {"by": self.by, "fraction": self.fraction, "seed": self.seed, "named_categories": self.named,
                "train_categories": list(self.train_categories), "heldout_categories": list(self.heldout_categories),
                "train_skills": [s.name for s in self.train_skills],
                "heldout_skills": [s.name for s in self.heldout_skills],
                "train_topics": list(self.train_topics), "heldout_topics": list(self.heldout_topics)}


def split_skills_and_topics(skills: Sequence[Skill], topics: Sequence[str], heldout_fraction: float, *,
                            seed: int = 0, by: str = "category",
                            heldout_categories: Iterable[str] | None = None) -> Split:
    """The :class:`Split` of a catalogue (:func:`split_catalog`) and a topic list (:func:`split_topics`)."""
    named = None if heldout_categories is None else list(heldout_categories)
    train, held = split_catalog(skills, heldout_fraction, seed=seed, by=by, categories=named)
    t_train, t_held = split_topics(topics, heldout_fraction, seed=seed)
    return Split(by, float(heldout_fraction), seed, train, held, t_train, t_held, named=named is not None)


def eval_pool(skills: Sequence[Skill], topics: Sequence[str], split: str, heldout_fraction: float, *,
              seed: int = 0, by: str = "category",
              heldout_categories: Iterable[str] | None = None) -> tuple[tuple[Skill, ...], tuple[str, ...]]:
    """The skills and topics an evaluation (or ``steps mix``) draws from: all of them, or the ``train`` or
    ``heldout`` part of :func:`split_skills_and_topics` (:data:`~steps_core.names.EVAL_SPLITS`)."""
    if split not in EVAL_SPLITS:
        raise InputError(f"unknown split {split!r}; expected one of {', '.join(EVAL_SPLITS)}", field="split")
    if split == "all":
        return tuple(skills), tuple(topics)
    return split_skills_and_topics(skills, topics, heldout_fraction, seed=seed, by=by,
                                   heldout_categories=heldout_categories).part(split)


__all__ = ["NO_CATEGORY", "heldout_categories", "split_catalog", "split_topics", "Split", "split_skills_and_topics",
           "eval_pool"]
