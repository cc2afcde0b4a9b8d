"""Training data the way Zhao et al. make it (docs/synthesis.md "Training data: steps mix"): random k-subsets
of the *training* skills, each with a *training* topic, written in the Skill-Mix style, graded with the
Skill-Mix rubric; ``steps export --min-grade full`` then keeps only the full marks.

- :func:`mix_counts`: how many items per k (equal shares, largest remainder, ties to the smaller k);
- :func:`draw_mix`: the random draws, seeded per (k, item): uniform k-subsets of the pool and a uniform
  topic, distinct (skills, topic) pairs while the pool allows;
- :func:`plan_mix`: one Skill-Mix job per draw;
- :func:`make_training_data`: a :class:`~steps_core.synthesis.Run` that writes, grades and records each item
  (a graded sample with a ``mix_fingerprint``) in a results file, resuming from it.

>>> from steps_core.corpus import Skill
>>> pool = [Skill(f"s{i}") for i in range(5)]
>>> draws = draw_mix(pool, ["t1", "t2"], [1, 2, 3], 7, seed=0)
>>> [d.k for d in draws], draws[3].id
([1, 1, 1, 2, 2, 3, 3], 'mix-s0-k2-0')
"""

from __future__ import annotations

import random
from typing import Iterator, Mapping, Sequence

from .corpus import Skill
from .curriculum import apportion
from .errors import InputError
from .evaluation import EvalDraw
from .grade import Judge, grade_sample
from .llm import Progress, run_concurrently
from .sample_sinks import ResultKind, SampleSink
from .synth import Backend, PromptTemplate, SynthJob, build_job, fingerprint, job_fingerprint, run_job
from .synthesis import Run

#: Tries to find a (skills, topic) pair not drawn before, before a repeat is accepted.
MAX_TRIES = 64


def mix_counts(n: int, ks: Sequence[int]) -> dict[int, int]:
    """``n`` items split over the sizes ``ks`` in equal shares (largest remainder, ties to the smaller k).

    >>> mix_counts(10, [1, 2, 3])
    {1: 4, 2: 3, 3: 3}
    """
    if n < 1:
        raise InputError(f"the number of items must be >= 1, got {n}", field="n")
    sizes = sorted(set(ks))
    if not sizes or sizes[0] < 1:
        raise InputError("k values must be >= 1", field="k")
    return apportion(n, {k: 1 for k in sizes}, {k: n for k in sizes})


def draw_mix(skills: Sequence[Skill], topics: Sequence[str], ks: Sequence[int], n: int, *, seed: int = 0,
             prefix: str = "mix") -> list[EvalDraw]:
    """``n`` random (k distinct skills, topic) items, :func:`mix_counts` of them per k, with ids
    ``<prefix>-s<seed>-k<k>-<i>``.

    Item i of size k uses a generator seeded with ``"mix|seed|k|i"`` and the pool sorted by name: a uniform
    k-subset and a uniform topic, drawn again (up to :data:`MAX_TRIES` times) while the pair was already
    drawn for an earlier item of that k. Asking for more items never changes the first ones, nor does the
    order of the pool.
    """
    if not topics:
        raise InputError("no topics to draw from", field="topics")
    pool = sorted(skills, key=lambda s: s.name)
    counts = mix_counts(n, ks)
    out = []
    for k, count in counts.items():
        if k > len(pool):
            raise InputError(f"cannot draw {k} distinct skills from the {len(pool)} of the pool", field="k")
        seen: set[tuple[frozenset[str], str]] = set()
        for i in range(count):
            rng = random.Random(f"mix|{seed}|{k}|{i}")
            for _ in range(MAX_TRIES):
                chosen = tuple(rng.sample(pool, k))
                topic = topics[rng.randrange(len(topics))]
                key = (frozenset(s.name for s in chosen), topic)
                if key not in seen:
                    break
            seen.add(key)
            out.append(EvalDraw(id=f"{prefix}-s{seed}-k{k}-{i}", k=k, skills=chosen, topic=topic, index=i))
    return out


def plan_mix(draws: Sequence[EvalDraw], template: PromptTemplate, *, seed: int = 0,
             combination: Mapping | None = None) -> list[SynthJob]:
    """One Skill-Mix job per draw (its id the draw's); ``combination`` adds fields to every job's recorded
    combination (e.g. the split)."""
    return [build_job(d.skills, style="skillmix", template=template, topic=d.topic, seed=seed, index=0, id=d.id,
                      combination={"skills": [s.name for s in d.skills], "k": d.k, "sampler": "random",
                                   **(combination or {})})
            for d in draws]


def mix_fingerprint(job: SynthJob, backend: Backend, judge: Judge) -> str:
    """What an item depends on: the sample's settings (:func:`~steps_core.synth.job_fingerprint`) and the
    judge's (settings, endpoint, the catalogue entries it shows). Stored as the record's
    ``mix_fingerprint``."""
    judged = [judge.catalog.get(s.name, s) for s in job.skills]
    return fingerprint({"sample": job_fingerprint(job, backend),
                        "judge": {**judge.settings(), "endpoint": getattr(judge.client, "endpoint", None)},
                        "judge_skills": [[s.name, s.definition, s.example] for s in judged]})


def mix_item(job: SynthJob, backend: Backend, judge: Judge) -> dict:
    """Write one item with ``backend``, grade it with ``judge`` (a failed sample is not graded: ``grade``
    None) and stamp it with its :func:`mix_fingerprint`."""
    graded = grade_sample(run_job(job, backend), judge)
    graded["mix_fingerprint"] = mix_fingerprint(job, backend, judge)
    return graded


def _graded_ok(record: Mapping) -> bool:
    grade = record.get("grade")
    return isinstance(grade, Mapping) and grade.get("status") == "ok"


#: ``steps mix``: graded samples, done when the grade is ok; the fingerprint is ``mix_fingerprint``.
MIX_RECORDS = ResultKind("graded sample(s)", _graded_ok, lambda r: r.get("mix_fingerprint"))


def make_training_data(jobs: Sequence[SynthJob], backend: Backend, judge: Judge, sink: SampleSink, *,
                       overwrite: bool = False) -> Run:
    """A run writing and grading each item not already done in ``sink`` with the same settings
    (:func:`mix_fingerprint`); ``overwrite`` redoes those made with other settings."""
    skipped = sink.done_ids({j.id: mix_fingerprint(j, backend, judge) for j in jobs}, overwrite=overwrite)

    def work(todo: list, workers: int, progress: Progress | None) -> Iterator[dict]:
        return run_concurrently(lambda j: mix_item(j, backend, judge), todo, workers=workers, progress=progress)

    clients = tuple(dict.fromkeys(c for c in (getattr(backend, "client", None), judge.client) if c is not None))
    return Run([j for j in jobs if j.id not in skipped], skipped, sink, work, clients)


__all__ = ["MAX_TRIES", "mix_counts", "draw_mix", "plan_mix", "mix_fingerprint", "mix_item", "MIX_RECORDS",
           "make_training_data"]
