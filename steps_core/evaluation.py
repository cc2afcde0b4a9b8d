"""The Skill-Mix evaluation of a model (method.md §5): random (k skills, topic) draws, texts by the student,
grades by the judge (:mod:`steps_core.grade`), the best of several generations per draw, metrics per k.

Draws come from all skills and topics or from one part of a split (:data:`EVAL_SPLITS`, :func:`eval_pool`):
skills are split within each category, topics at random, so that a model can be evaluated on skills it was
not trained on.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Iterator, Mapping, Sequence

from .corpus import Skill
from .errors import InputError
from .grade import Judge, Points, grade_sample, points_from_dict
from .llm import Progress, run_concurrently
from .sample_types import Grade
from .synth import Backend, PromptTemplate, build_job, fingerprint, job_fingerprint, load_template, run_job
from .synthesis_names import EVAL_SPLITS


def _heldout_count(n: int, fraction: float) -> int:
    return int(math.floor(fraction * n + 0.5))


def split_catalog(skills: Sequence[Skill], heldout_fraction: float, *, seed: int = 0) -> tuple[tuple[Skill, ...],
                                                                                             tuple[Skill, ...]]:
    """Split catalogue skills into (train, held-out) within each category: of a category's ``n`` skills,
    ``floor(fraction * n + 0.5)`` chosen at random (seeded per category) are held out."""
    if not 0.0 <= heldout_fraction <= 1.0:
        raise InputError("heldout fraction must be in [0, 1]", field="heldout_fraction")
    by_cat: dict[str, list[Skill]] = defaultdict(list)
    for s in skills:
        by_cat[s.category].append(s)
    held: set[str] = set()
    for cat in sorted(by_cat):
        members = sorted(by_cat[cat], key=lambda s: s.name)
        random.Random(f"split|{seed}|{cat}").shuffle(members)
        held.update(s.name for s in members[:_heldout_count(len(members), heldout_fraction)])
    return tuple(s for s in skills if s.name not in held), tuple(s for s in skills if s.name in held)


def split_topics(topics: Sequence[str], heldout_fraction: float, *, seed: int = 0) -> tuple[tuple[str, ...],
                                                                                          tuple[str, ...]]:
    """Split topics into (train, held-out): ``floor(fraction * n + 0.5)`` chosen at random are held out."""
    if not 0.0 <= heldout_fraction <= 1.0:
        raise InputError("heldout fraction must be in [0, 1]", field="heldout_fraction")
    order = sorted(topics)
    random.Random(f"split-topics|{seed}").shuffle(order)
    held = set(order[:_heldout_count(len(order), heldout_fraction)])
    return tuple(t for t in topics if t not in held), tuple(t for t in topics if t in held)


def eval_pool(skills: Sequence[Skill], topics: Sequence[str], split: str, heldout_fraction: float, *,
              seed: int = 0) -> tuple[tuple[Skill, ...], tuple[str, ...]]:
    """The skills and topics an evaluation draws from: all of them, or the ``train`` or ``heldout`` part of
    :func:`split_catalog` and :func:`split_topics` (:data:`EVAL_SPLITS`)."""
    if split not in EVAL_SPLITS:
        raise InputError(f"unknown split {split!r}; expected one of {', '.join(EVAL_SPLITS)}", field="split")
    if split == "all":
        return tuple(skills), tuple(topics)
    train_skills, held_skills = split_catalog(skills, heldout_fraction, seed=seed)
    train_topics, held_topics = split_topics(topics, heldout_fraction, seed=seed)
    return (train_skills, train_topics) if split == "train" else (held_skills, held_topics)


@dataclass(frozen=True, slots=True)
class EvalDraw:
    """One evaluation item: k skills and a topic, drawn at random."""

    id: str
    k: int
    skills: tuple[Skill, ...]
    topic: str
    index: int


def draw_eval(skills: Sequence[Skill], topics: Sequence[str], ks: Sequence[int], draws: int, *,
              seed: int = 0, prefix: str = "eval") -> list[EvalDraw]:
    """``draws`` random (k distinct skills, topic) items per k, with ids ``<prefix>-k<k>-<i>``; item i of
    size k uses the random generator seeded with ``"eval|seed|k|i"``, so adding k values or draws never
    changes the others. Skills are drawn from the pool sorted by name, so the input order does not matter."""
    if draws < 1:
        raise InputError("draws must be >= 1", field="draws")
    if not topics:
        raise InputError("no topics to draw from", field="topics")
    pool = sorted(skills, key=lambda s: s.name)
    out = []
    for k in ks:
        if k < 1 or k > len(pool):
            raise InputError(f"cannot draw {k} distinct skills from {len(pool)}", field="k")
        for i in range(draws):
            rng = random.Random(f"eval|{seed}|{k}|{i}")
            chosen = tuple(rng.sample(pool, k))
            topic = topics[rng.randrange(len(topics))]
            out.append(EvalDraw(id=f"{prefix}-k{k}-{i}", k=k, skills=chosen, topic=topic, index=i))
    return out


def _zero_grade(names: Sequence[str], reason: str) -> Grade:
    points = Points(tuple([0] * len(names)), 0, 0, 0)
    return {"status": "ok", "error": reason, "points": points.to_dict(names), "score": 0,
            "max_score": len(names) + 3, "full_marks": False, "all_skills": False, "skill_fraction": 0.0}


def _draw_job(draw: EvalDraw, template: PromptTemplate, seed: int, generation: int):
    return build_job(draw.skills, style="skillmix", template=template, topic=draw.topic, seed=seed, index=generation,
                     id=f"{draw.id}-g{generation}",
                     combination={"skills": [s.name for s in draw.skills], "k": draw.k, "draw": draw.id})


def eval_fingerprint(draw: EvalDraw, student: Backend, judge: Judge, *, generations: int = 1,
                     template: PromptTemplate | None = None, seed: int = 0) -> str:
    """What an evaluation record depends on: the student's settings and prompts
    (:func:`~steps_core.synth.job_fingerprint` of every generation), the judge's settings and endpoint and
    the catalogue entries it shows. Stored as the record's ``fingerprint``."""
    template = template or load_template("skillmix")
    judged = [judge.catalog.get(s.name, Skill(s.name)) for s in draw.skills]
    return fingerprint({"student": [job_fingerprint(_draw_job(draw, template, seed, g), student)
                                    for g in range(generations)],
                        "judge": {**judge.settings(), "endpoint": getattr(judge.client, "endpoint", None)},
                        "judge_skills": [[s.name, s.definition, s.example] for s in judged]})


def evaluate_draw(draw: EvalDraw, student: Backend, judge: Judge, *, generations: int = 1,
                  template: PromptTemplate | None = None, seed: int = 0) -> dict:
    """Generate ``generations`` Skill-Mix texts for a draw with the student, grade each, keep the best.

    A generation the student failed to produce scores 0 on every point; one the judge could not grade is
    left out. The record: ``id, k, skills, topic, status, best`` (index of the best generation),
    ``grade`` (its grade record), ``generations`` (every sample with its grade: prompts, raw answers) and
    ``fingerprint`` (:func:`eval_fingerprint`).
    """
    template = template or load_template("skillmix")
    gens = []
    for g in range(generations):
        sample = run_job(_draw_job(draw, template, seed, g), student)
        if sample["status"] == "ok":
            graded = grade_sample(sample, judge)
        else:
            reason = f"the student produced no text: {sample['error']}"
            graded = dict(sample, grade=_zero_grade(sample["skills"], reason))
        gens.append(graded)
    scored = [(g["grade"]["score"], -i) for i, g in enumerate(gens) if g["grade"] and g["grade"]["status"] == "ok"]
    best = -max(scored)[1] if scored else None
    return {"id": draw.id, "k": draw.k, "skills": [s.name for s in draw.skills], "topic": draw.topic,
            "status": "ok" if best is not None else "failed", "best": best,
            "grade": gens[best]["grade"] if best is not None else None, "generations": gens,
            "fingerprint": eval_fingerprint(draw, student, judge, generations=generations, template=template,
                                            seed=seed)}


def run_eval(draws: Sequence[EvalDraw], student: Backend, judge: Judge, *, generations: int = 1,
             template: PromptTemplate | None = None, seed: int = 0, workers: int = 4,
             progress: Progress | None = None) -> Iterator[dict]:
    """Evaluate every draw on ``workers`` threads, yielding each draw's record as it completes."""
    if generations < 1:
        raise InputError("generations must be >= 1", field="generations")
    template = template or load_template("skillmix")
    yield from run_concurrently(lambda d: evaluate_draw(d, student, judge, generations=generations,
                                                        template=template, seed=seed),
                                draws, workers=workers, progress=progress)


def eval_points(records: Iterable[Mapping]) -> list[Points]:
    """The :class:`Points` of the best generation of every evaluated draw."""
    return [points_from_dict(r["grade"]["points"]) for r in records
            if r.get("status") == "ok" and r.get("grade") and r["grade"].get("points")]


__all__ = ["EVAL_SPLITS", "split_catalog", "split_topics", "eval_pool", "EvalDraw", "draw_eval", "eval_fingerprint",
           "evaluate_draw", "run_eval", "eval_points"]
