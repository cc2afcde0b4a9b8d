"""The Skill-Mix evaluation of a model (docs/method.md §8, docs/synthesis.md "Evaluate a model"): random
(k skills, topic) draws, texts by the student, grades by the judge (:mod:`steps_core.grade`), several
generations per draw, metrics per k.

Two protocols (:data:`PROTOCOLS`, :data:`~steps_core.names.EVAL_PROTOCOLS`):

- ``steps``: this tool's own template (the sentence limit already in round 1), one generation by default, the
  judge at temperature 0.3; a draw counts with the grade of its generation with the best total.
- ``skillmix``: the original Skill-Mix protocol step by step (template ``skillmix-reference``: "up to a few
  lines" in round 1, the limit of max(1, k-1) sentences only in round 2); 3 generations by default; the judge
  at temperature 1.0 (the reference never sends a temperature to the OpenAI API, whose default is 1.0),
  3 rounds each, a round without readable scores voting 0 on every point; a draw counts with each metric's
  maximum over its generations taken separately (:func:`~steps_core.grade.max_over_generations`), as the
  reference's ``aggregate_metrics.py`` does. Its numbers are comparable with published Skill-Mix and
  Zhao et al. tables.

Draws come from all skills and topics or from one part of a split (:mod:`steps_core.splits`: by category by
default), so that a model can be evaluated on skills it was not trained on.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Iterable, Iterator, Mapping, Sequence

from .corpus import Skill
from .errors import InputError
from .grade import Judge, Points, grade_sample, max_over_generations, point_metrics, points_from_dict, values_report
from .llm import Progress, run_concurrently
from .sample_types import Grade
from .splits import eval_pool, split_catalog, split_topics
from .synth import Backend, PromptTemplate, build_job, fingerprint, job_fingerprint, load_template, run_job
from .names import EVAL_SPLITS


@dataclass(frozen=True, slots=True)
class Protocol:
    """How an evaluation is run and scored: the student's template (a built-in ``skillmix`` variant), the
    default number of generations per draw, the judge's default temperature and rounds, whether a judge
    round without readable scores votes 0, and how generations are combined (``best-total`` or
    ``per-metric-max``)."""

    name: str
    template: str
    generations: int
    judge_temperature: float
    judge_rounds: int
    unparsed_as_zero: bool
    aggregation: str

    def load_template(self, path: str | None = None) -> PromptTemplate:
        """The student's template: the user's file at ``path``, else the protocol's built-in one."""
        return load_template("skillmix", path, builtin=self.template)

    def to_dict(self) -> dict:
        return {"name": self.name, "template": self.template, "generations": self.generations,
                "judge_temperature": self.judge_temperature, "judge_rounds": self.judge_rounds,
                "unparsed_as_zero": self.unparsed_as_zero, "aggregation": self.aggregation}


#: The evaluation protocols by name (see the module docstring).
PROTOCOLS = {
    "steps": Protocol("steps", "skillmix", 1, 0.3, 3, False, "best-total"),
    "skillmix": Protocol("skillmix", "skillmix-reference", 3, 1.0, 3, True, "per-metric-max"),
}


def protocol(name: str) -> Protocol:
    """The :class:`Protocol` called ``name``."""
    if name not in PROTOCOLS:
        raise InputError(f"unknown protocol {name!r}; expected one of {', '.join(PROTOCOLS)}", field="protocol")
    return PROTOCOLS[name]


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
    """Generate ``generations`` Skill-Mix texts for a draw with the student and grade each.

    A generation the student failed to produce scores 0 on every point; one the judge could not grade is
    left out. The record: ``id, k, skills, topic, status, best`` (index of the generation with the best
    total, the first of equals), ``grade`` (its grade record), ``max_metrics`` (each metric's maximum over
    the graded generations, :func:`~steps_core.grade.max_over_generations`), ``generations`` (every sample
    with its grade: prompts, raw answers) and ``fingerprint`` (:func:`eval_fingerprint`).
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
    graded = [points_from_dict(g["grade"]["points"]) for g in gens if g["grade"] and g["grade"]["status"] == "ok"]
    return {"id": draw.id, "k": draw.k, "skills": [s.name for s in draw.skills], "topic": draw.topic,
            "status": "ok" if best is not None else "failed", "best": best,
            "grade": gens[best]["grade"] if best is not None else None,
            "max_metrics": max_over_generations(graded) if graded else None, "generations": gens,
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


def draw_values(record: Mapping, aggregation: str) -> dict[str, float] | None:
    """A draw's metric values under ``aggregation``: ``best-total`` (the metrics of the generation with the
    best total) or ``per-metric-max`` (each metric's maximum over its graded generations, recomputed from
    them); None for a draw that could not be graded."""
    if record.get("status") != "ok":
        return None
    if aggregation == "best-total":
        grade = record.get("grade") or {}
        return point_metrics(points_from_dict(grade["points"])) if grade.get("points") else None
    if aggregation == "per-metric-max":
        graded = [points_from_dict(g["grade"]["points"]) for g in record.get("generations") or []
                  if isinstance(g.get("grade"), Mapping) and g["grade"].get("status") == "ok"
                  and g["grade"].get("points")]
        return max_over_generations(graded) if graded else None
    raise InputError(f"unknown aggregation {aggregation!r}; expected best-total or per-metric-max",
                     field="aggregation")


def eval_report(records: Iterable[Mapping], aggregation: str = "best-total") -> dict:
    """Metrics per k and overall, with standard errors, over the draws that could be graded
    (:func:`draw_values`, :func:`~steps_core.grade.values_report`); ``aggregation`` is recorded in it."""
    items = []
    for r in records:
        values = draw_values(r, aggregation)
        if values is not None:
            items.append((int(r["k"]), values))
    report = values_report(items)
    report["aggregation"] = aggregation
    return report


__all__ = ["EVAL_SPLITS", "Protocol", "PROTOCOLS", "protocol", "split_catalog", "split_topics", "eval_pool",
           "EvalDraw", "draw_eval", "eval_fingerprint", "evaluate_draw", "run_eval", "eval_points", "draw_values",
           "eval_report"]
