"""Grading with the Skill-Mix rubric and its metrics (docs/method.md §8, docs/synthesis.md "Grade"); the
evaluation of a model built on them is :mod:`steps_core.evaluation`.

The rubric has ``k + 3`` binary points: one per skill ("the text illustrates <skill>"), on topic, makes sense,
and at most ``max(1, k-1)`` sentences. An LLM judge scores the first ``k + 2`` points; code decides the rest:

- the sentence limit is computed by :func:`count_sentences`, never asked of the judge;
- a skill whose name appears verbatim in the text scores 0 whatever the judge says
  (:func:`named_verbatim`: the lower-cased name before any parenthesis, found as a substring).

Each text is judged ``rounds`` times; each point is the majority of the rounds that could be parsed (a tie
gives 0). Metrics over graded texts (:func:`skill_mix_metrics`):

- full marks ratio: the share of texts with all ``k + 3`` points;
- all-skills ratio: all ``k`` skill points and at least 2 of the other 3;
- skill fraction: the mean of ``skill points / k`` counted only when all 3 other points are earned, else 0.

With several generations per item, the Skill-Mix reference takes each metric's maximum over the generations
separately (:func:`max_over_generations`), then the mean over items (:func:`values_report`).

>>> p = Points(skills=(1, 0), on_topic=1, makes_sense=1, sentence_limit=1)
>>> (p.score, p.max_score, p.full_marks, p.all_skills, p.skill_fraction)
(4, 5, False, False, 0.5)
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Mapping, Sequence

from .corpus import Skill
from .errors import InputError
from .sample_types import Grade, Sample
from .llm import ChatRequest, LLMClient, Price, Progress, Usage, raise_fatal, run_concurrently
from .synth import (ParseError, PromptTemplate, fence_text, fingerprint, iter_json_values,
                    load_template, max_sentences, skill_list_text)

log = logging.getLogger(__name__)

# ----------------------------------------------------------------------------------------------------------
# Code-side checks
# ----------------------------------------------------------------------------------------------------------

# abbreviations that never end a sentence (``etc.`` or ``p.m.`` may: they follow the general rule); ``No.``
# and ``Fig.`` only before a number ("she said no." ends a sentence). A word character before the
# abbreviation makes it none ("1st." is not "St.").
_ABBREVIATIONS = ("e.g.", "i.e.", "vs.", "cf.", "approx.", "mr.", "mrs.", "ms.", "dr.", "prof.", "st.")
_NUMBER_ABBREVIATIONS = ("no.", "fig.")
_ABBR_RE = re.compile(r"(?<!\w)(?:(?:" + "|".join(re.escape(a) for a in _ABBREVIATIONS) + r")|(?:"
                      + "|".join(re.escape(a) for a in _NUMBER_ABBREVIATIONS) + r")(?=\s*\d))", re.I)
_END_RE = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s|$)")
_WORD_RE = re.compile(r"\w")


def split_sentences(text: str) -> list[str]:
    """Split text into sentences.

    A sentence ends at a run of ``.``, ``!``, ``?`` or ``…`` (optionally followed by closing quotes or
    brackets) that is followed by whitespace or the end of the text, unless the next word starts with a
    lower-case letter (``"Why?" he asked`` and ``apples, etc. and pears`` are one sentence). Dots inside
    numbers (``3.5``) and after ``e.g.``, ``i.e.``, ``vs.``, ``cf.``, ``approx.``, ``Mr.``, ``Mrs.``, ``Ms.``,
    ``Dr.``, ``Prof.``, ``St.`` (as whole words), and ``No.``, ``Fig.`` before a number (``Fig. 3``), never
    end a sentence. A trailing fragment without final
    punctuation is a sentence; pieces without a letter or digit are not.

    >>> split_sentences('Dr. Who paid 3.5 pounds, e.g. for tea. "Why?" he asked... Fine')
    ['Dr. Who paid 3.5 pounds, e.g. for tea.', '"Why?" he asked...', 'Fine']
    """
    protected = _ABBR_RE.sub(lambda m: m.group(0).replace(".", "\x00"), text or "")
    pieces, start = [], 0
    for m in _END_RE.finditer(protected):
        following = protected[m.end():].lstrip()[:1]
        if following.islower():  # '"Why?" he asked' is one sentence
            continue
        pieces.append(protected[start:m.end()])
        start = m.end()
    pieces.append(protected[start:])
    return [p.replace("\x00", ".").strip() for p in pieces if _WORD_RE.search(p)]


def count_sentences(text: str) -> int:
    """The number of sentences of :func:`split_sentences`.

    >>> count_sentences("One. Two! Three?")
    3
    """
    return len(split_sentences(text))


def check_name(skill: str) -> str:
    """The form of a skill name searched for in a text: lower-cased, before any parenthesis.

    >>> check_name("Modus ponens (logic)")
    'modus ponens'
    """
    return skill.split("(", 1)[0].strip().lower()


def named_verbatim(text: str, skills: Iterable[str]) -> tuple[str, ...]:
    """The skills whose :func:`check_name` occurs in the lower-cased text (as a substring).

    >>> named_verbatim("A clear metaphor, and some irony.", ["metaphor", "red herring", "Irony (literary)"])
    ('metaphor', 'Irony (literary)')
    """
    low = (text or "").lower()
    return tuple(s for s in skills if check_name(s) and check_name(s) in low)


# ----------------------------------------------------------------------------------------------------------
# Points and metrics
# ----------------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Points:
    """The rubric points of one text: one per skill, on topic, makes sense, sentence limit.

    ``sentence_limit`` is None when the limit does not apply (samples that are not Skill-Mix texts); it is
    then counted as earned.
    """

    skills: tuple[int, ...]
    on_topic: int
    makes_sense: int
    sentence_limit: int | None = 1

    @property
    def k(self) -> int:
        return len(self.skills)

    @property
    def _limit(self) -> int:
        return 1 if self.sentence_limit is None else self.sentence_limit

    @property
    def score(self) -> int:
        return sum(self.skills) + self.on_topic + self.makes_sense + self._limit

    @property
    def max_score(self) -> int:
        return self.k + 3

    @property
    def full_marks(self) -> bool:
        return self.score == self.max_score

    @property
    def all_skills(self) -> bool:
        return sum(self.skills) == self.k and self.on_topic + self.makes_sense + self._limit >= 2

    @property
    def skill_fraction(self) -> float:
        if self.on_topic and self.makes_sense and self._limit and self.k:
            return sum(self.skills) / self.k
        return 0.0

    def to_dict(self, names: Sequence[str]) -> dict:
        return {"skills": dict(zip(names, self.skills)), "on_topic": self.on_topic,
                "makes_sense": self.makes_sense, "sentence_limit": self.sentence_limit}


def points_from_dict(obj: Mapping) -> Points:
    """Inverse of :meth:`Points.to_dict` (skill points in the stored order)."""
    skills = obj.get("skills") or {}
    values = tuple(int(v) for v in (skills.values() if isinstance(skills, Mapping) else skills))
    limit = obj.get("sentence_limit")
    return Points(values, int(obj.get("on_topic", 0)), int(obj.get("makes_sense", 0)),
                  None if limit is None else int(limit))


@dataclass(frozen=True, slots=True)
class Metrics:
    """Skill-Mix metrics over ``n`` graded texts, with standard errors of the means.

    The standard error of a metric is ``s / sqrt(n)`` with ``s`` the sample standard deviation (ddof = 1)
    of its per-text values (0/1 for the ratios); None when ``n < 2``. All values are None when ``n = 0``.
    """

    n: int
    full_marks: float | None
    all_skills: float | None
    skill_fraction: float | None
    full_marks_se: float | None = None
    all_skills_se: float | None = None
    skill_fraction_se: float | None = None

    def to_dict(self) -> dict:
        return {"full_marks": self.full_marks, "all_skills": self.all_skills,
                "skill_fraction": self.skill_fraction, "n": self.n, "full_marks_se": self.full_marks_se,
                "all_skills_se": self.all_skills_se, "skill_fraction_se": self.skill_fraction_se}


def _mean_se(values: Sequence[float]) -> tuple[float | None, float | None]:
    n = len(values)
    if n == 0:
        return None, None
    mean = sum(values) / n
    if n < 2:
        return mean, None
    var = sum((v - mean) ** 2 for v in values) / (n - 1)
    return mean, math.sqrt(var / n)


#: The three Skill-Mix metrics, in report order.
METRICS = ("full_marks", "all_skills", "skill_fraction")


def point_metrics(points: Points) -> dict[str, float]:
    """The three metrics of one graded text, as numbers (0/1 for the ratios).

    >>> point_metrics(Points((1, 0), 1, 1, 1))
    {'full_marks': 0.0, 'all_skills': 0.0, 'skill_fraction': 0.5}
    """
    return {"full_marks": float(points.full_marks), "all_skills": float(points.all_skills),
            "skill_fraction": points.skill_fraction}


def max_over_generations(generations: Sequence[Points]) -> dict[str, float]:
    """Each metric's maximum over the generations of one item, taken separately (as the Skill-Mix reference
    aggregates several generation rounds): the maxima may come from different generations, so the result
    can be better than the metrics of the generation with the best total.

    >>> a = Points((1, 1, 1), 0, 1, 1)      # the best total, 5 of 6: all skills, but skill fraction 0 (off topic)
    >>> b = Points((1, 0, 0), 1, 1, 1)      # 4 of 6: skill fraction 1/3
    >>> max_over_generations([a, b])
    {'full_marks': 0.0, 'all_skills': 1.0, 'skill_fraction': 0.3333333333333333}
    """
    if not generations:
        raise ValueError("no generations")
    values = [point_metrics(p) for p in generations]
    return {m: max(v[m] for v in values) for m in METRICS}


def metrics_from_values(values: Sequence[Mapping[str, float]]) -> Metrics:
    """:class:`Metrics` (means and standard errors) over per-item metric values (:func:`point_metrics` or
    :func:`max_over_generations`)."""
    fm, fm_se = _mean_se([float(v["full_marks"]) for v in values])
    al, al_se = _mean_se([float(v["all_skills"]) for v in values])
    sf, sf_se = _mean_se([float(v["skill_fraction"]) for v in values])
    return Metrics(len(values), fm, al, sf, fm_se, al_se, sf_se)


def skill_mix_metrics(points: Sequence[Points]) -> Metrics:
    """Full marks ratio, all-skills ratio and skill fraction over graded texts (see the module docstring).

    >>> m = skill_mix_metrics([Points((1, 1), 1, 1, 1), Points((1, 0), 1, 1, 1)])
    >>> (m.n, m.full_marks, m.all_skills, m.skill_fraction)
    (2, 0.5, 0.5, 0.75)
    """
    return metrics_from_values([point_metrics(p) for p in points])


def values_report(items: Iterable[tuple[int, Mapping[str, float]]]) -> dict:
    """``{"overall": metrics, "per_k": {"2": metrics, ...}}`` from ``(k, metric values)`` per item."""
    all_items = list(items)
    by_k: dict[int, list[Mapping[str, float]]] = defaultdict(list)
    for k, v in all_items:
        by_k[k].append(v)
    return {"overall": metrics_from_values([v for _, v in all_items]).to_dict(),
            "per_k": {str(k): metrics_from_values(by_k[k]).to_dict() for k in sorted(by_k)}}


def metrics_report(points: Iterable[Points]) -> dict:
    """``{"overall": metrics, "per_k": {"2": metrics, ...}}`` with metrics as in :meth:`Metrics.to_dict`."""
    return values_report((p.k, point_metrics(p)) for p in points)


def format_metrics_table(report: Mapping, *, with_se: bool = False) -> str:
    """The report as an aligned text table, one row per k and one for all texts."""
    def cell(m: Mapping, key: str) -> str:
        v = m.get(key)
        if v is None:
            return "-"
        s = f"{v:.3f}"
        if with_se:
            se = m.get(f"{key}_se")
            s += f" ± {se:.3f}" if se is not None else " ± -"
        return s

    width = 17 if with_se else 11
    head = f"{'k':>5} {'n':>6} " + " ".join(f"{h:>{width}}" for h in ("full_marks", "all_skills", "skill_fraction"))
    rows = [head]
    for label, m in [*report.get("per_k", {}).items(), ("all", report.get("overall", {}))]:
        rows.append(f"{label:>5} {m.get('n', 0):>6} " + " ".join(
            f"{cell(m, key):>{width}}" for key in ("full_marks", "all_skills", "skill_fraction")))
    return "\n".join(rows)


# ----------------------------------------------------------------------------------------------------------
# The judge
# ----------------------------------------------------------------------------------------------------------

def _as_scores(value: Any, n: int) -> tuple[int, ...] | None:
    if isinstance(value, Mapping):
        if "scores" in value:
            return _as_scores(value["scores"], n)
        keys = [str(i) for i in range(1, n + 1)]
        if all(k in value for k in keys):
            return _as_scores([value[k] for k in keys], n)
        return None
    if not isinstance(value, (list, tuple)) or len(value) != n:
        return None
    out = []
    for v in value:
        if isinstance(v, bool):
            out.append(int(v))
        elif isinstance(v, (int, float)) and v in (0, 1):
            out.append(int(v))
        elif isinstance(v, str) and v.strip() in ("0", "1"):
            out.append(int(v.strip()))
        else:
            return None
    return tuple(out)


_POINT_LINE_RE = re.compile(r"^\s*(?:point\s*)?(\d+)\s*[.):\-]\s*(?:.*?[:=\-–]\s*)?\**([01])\**\s*\.?\s*$",
                            re.I | re.M)


def parse_rubric(text: str, n_points: int) -> tuple[int, ...]:
    """The judge's ``n_points`` scores (0/1) from its answer.

    Looked for, in order: the last JSON value (or Python literal) in the text, found by
    :func:`~steps_core.synth.iter_json_values` searching from the end, that is a list of ``n_points``
    scores or an object ``{"scores": [...]}`` (or keyed ``"1"``..``"n"``); then lines
    ``<number>. ... <0|1>`` covering every point.
    Raises :class:`~steps_core.synth.ParseError` when none is found.

    >>> parse_rubric('Point 1 is shown.\\n{"scores": [1, 0, 1]}', 3)
    (1, 0, 1)
    >>> parse_rubric("1. illustrates irony: 1\\n2. on topic: 0", 2)
    (1, 0)
    """
    if not text or not text.strip():
        raise ParseError("empty judge answer")
    for value in iter_json_values(text, max_starts=200, last_first=True):
        scores = _as_scores(value, n_points)
        if scores is not None:
            return scores
    found: dict[int, int] = {}
    for m in _POINT_LINE_RE.finditer(text):
        found[int(m.group(1))] = int(m.group(2))
    if all(i in found for i in range(1, n_points + 1)):
        return tuple(found[i] for i in range(1, n_points + 1))
    raise ParseError(f"no list of {n_points} scores (0 or 1) in the judge's answer")


def majority_vote(votes: Sequence[Sequence[int]]) -> tuple[int, ...]:
    """Per point, 1 when more than half of the votes are 1 (a tie gives 0).

    >>> majority_vote([(1, 0, 1), (1, 1, 0), (0, 1, 0)])
    (1, 1, 0)
    >>> majority_vote([(1, 0), (0, 0)])
    (0, 0)
    """
    if not votes:
        raise ValueError("no votes")
    n = len(votes[0])
    if any(len(v) != n for v in votes):
        raise ValueError("votes of different lengths")
    return tuple(int(sum(v[i] for v in votes) * 2 > len(votes)) for i in range(n))


def rubric_points_text(skills: Sequence[str], topic: str | None) -> str:
    """The numbered points the judge scores: one per skill, then on topic, then makes sense."""
    lines = [f'{i}. The text illustrates the skill "{s}".' for i, s in enumerate(skills, start=1)]
    n = len(skills)
    if topic:
        lines.append(f'{n + 1}. The text is about the topic "{topic}".')
    else:
        lines.append(f"{n + 1}. The text stays on the task that the user sets in the first turn.")
    lines.append(f"{n + 2}. The text makes sense: it is coherent, meaningful and free of contradictions.")
    return "\n".join(lines)


class Judge:
    """An LLM judge for the Skill-Mix rubric: ``rounds`` requests per text with seeds ``seed + round``.

    ``catalog`` gives skill definitions and examples for the prompt (a skill missing from it is shown by
    name). ``price`` prices the judge's tokens. A round whose answer holds no scores is left out of the
    majority, unless ``unparsed_as_zero``: it then votes 0 on every point (the Skill-Mix reference's rule).
    """

    def __init__(self, client: LLMClient, model: str, *, rounds: int = 3, temperature: float | None = 0.3,
                 max_tokens: int | None = None, seed: int = 0, template: PromptTemplate | None = None,
                 catalog: Iterable[Skill] = (), price: Price | None = None, unparsed_as_zero: bool = False):
        if not model:
            raise InputError("a judge model is required", field="judge_model")
        if rounds < 1:
            raise InputError("rounds must be >= 1", field="rounds")
        self.client = client
        self.model = model
        self.rounds = rounds
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.seed = seed
        self.template = template or load_template("grade")
        self.catalog = {s.name: s for s in catalog}
        self.price = price
        self.unparsed_as_zero = unparsed_as_zero

    def settings(self) -> dict:
        out = {"model": self.model, "base_url_host": self.client.host, "rounds": self.rounds,
               "temperature": self.temperature, "max_tokens": self.max_tokens, "seed": self.seed,
               "template": {"name": self.template.name, "sha256": self.template.sha256}}
        if self.unparsed_as_zero:
            out["unparsed"] = "zero"
        return out

    def prompt(self, text: str, skills: Sequence[str], *, topic: str | None = None) -> tuple[dict, ...]:
        """The messages sent to the judge for a text. The text is fenced (:func:`fence_text`), so that it
        cannot close the ``<<< >>>`` block it is shown in and speak to the judge."""
        skill_objs = [self.catalog.get(s, Skill(s)) for s in skills]
        variables = {"text": fence_text(text), "topic": topic or "(the user's request)", "k": len(skills),
                     "skill_list": skill_list_text(skill_objs), "points": rubric_points_text(skills, topic),
                     "n_points": len(skills) + 2}
        return self.template.messages(variables)

    def fingerprint(self, text: str, skills: Sequence[str], *, topic: str | None = None,
                    sentence_limit_applies: bool = True, verbatim_text: str | None = None) -> str:
        """What a grade depends on: the judge's settings and endpoint and the exact prompt (template, text,
        skills with their definitions, topic), plus the code-side inputs. Stored as ``grade["fingerprint"]``."""
        return fingerprint({**self.settings(), "endpoint": getattr(self.client, "endpoint", None),
                            "prompt": list(self.prompt(text, skills, topic=topic)),
                            "sentence_limit": sentence_limit_applies, "verbatim_text": verbatim_text})

    def grade_text(self, text: str, skills: Sequence[str], *, topic: str | None = None,
                   sentence_limit_applies: bool = True, verbatim_text: str | None = None) -> Grade:
        """Grade one text; returns the grade record (see :func:`grade_sample`). Never raises for the judge's
        faults: a text none of whose rounds could be parsed gets ``status: "failed"``, and an answer that
        could not be parsed is dropped from the response cache (a rerun asks again)."""
        k = len(skills)
        prompt = self.prompt(text, skills, topic=topic)
        votes: list[list[int] | None] = []
        requests = []
        usage = Usage()
        errors = []
        for r in range(self.rounds):
            req = ChatRequest(messages=prompt, model=self.model, temperature=self.temperature,
                              max_tokens=self.max_tokens, seed=self.seed + r)
            res = self.client.complete(req)
            if res.fatal:
                raise_fatal(res, "the judge endpoint refused the request")
            usage = usage + res.usage
            vote = None
            error = res.error
            if res.ok:
                try:
                    vote = list(parse_rubric(res.text, k + 2))
                except ParseError as exc:
                    error = f"unparseable judge answer: {exc}"
                    if self.unparsed_as_zero:
                        vote = [0] * (k + 2)
                        error += " (counted as 0 on every point)"
                    else:
                        self.client.forget(res)
            if error:
                errors.append(f"round {r}: {error}")
            votes.append(vote)
            requests.append({"round": r, "response_text": res.text, "raw_response": res.raw, "ok": res.ok,
                             "error": error, "cached": res.cached, "attempts": res.attempts,
                             "usage": {**res.usage.to_dict(),
                                       "cost_usd": None if self.price is None else self.price.cost(res.usage)}})
        n_sent = count_sentences(text)
        limit = max_sentences(k)
        named = named_verbatim(verbatim_text if verbatim_text is not None else text, skills)
        record: Grade = {
            "status": "failed", "error": None, "points": None, "score": None, "max_score": k + 3,
            "full_marks": None, "all_skills": None, "skill_fraction": None, "n_sentences": n_sent,
            "max_sentences": limit if sentence_limit_applies else None, "named_verbatim": list(named),
            "votes": votes, "judge": self.settings(),
            "fingerprint": self.fingerprint(text, skills, topic=topic, sentence_limit_applies=sentence_limit_applies,
                                            verbatim_text=verbatim_text),
            "prompt": [dict(m) for m in prompt], "requests": requests,
            "usage": {**usage.to_dict(), "cost_usd": None if self.price is None else self.price.cost(usage)},
            "graded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        good = [v for v in votes if v is not None]
        if not good:
            record["error"] = "; ".join(errors) or "no judge answer"
            return record
        majority = majority_vote(good)
        skill_points = tuple(0 if s in named else majority[i] for i, s in enumerate(skills))
        points = Points(skill_points, majority[k], majority[k + 1],
                        int(n_sent <= limit) if sentence_limit_applies else None)
        record.update(status="ok", points=points.to_dict(skills), score=points.score,
                      full_marks=points.full_marks, all_skills=points.all_skills,
                      skill_fraction=points.skill_fraction, error="; ".join(errors) or None)
        return record


def graded_text(sample: Mapping) -> tuple[str, str, bool]:
    """What the judge reads for a sample: ``(text, text for the verbatim check, sentence limit applies)``.

    A Skill-Mix sample is graded on its final (assistant) text with the sentence limit; any other sample on
    its whole conversation (``User: ...`` / ``Assistant: ...``) without it, with the verbatim rule applied
    to the assistant turns only.
    """
    messages = sample.get("messages") or []
    assistant = "\n".join(m["content"] for m in messages if m.get("role") == "assistant")
    if sample.get("style") == "skillmix":
        last = [m["content"] for m in messages if m.get("role") == "assistant"]
        text = last[-1] if last else ""
        return text, text, True
    text = "\n\n".join(f"{m['role'].capitalize()}: {m['content']}" for m in messages if m.get("role") != "system")
    return text, assistant, False


def grade_fingerprint(sample: Mapping, judge: Judge) -> str | None:
    """The fingerprint the grade of ``sample`` by ``judge`` gets (:meth:`Judge.fingerprint`), computed
    without asking the judge; None for a sample whose synthesis failed (it is not graded)."""
    if sample.get("status") != "ok":
        return None
    text, verbatim_text, limit_applies = graded_text(sample)
    return judge.fingerprint(text, list(sample.get("skills") or []),
                             topic=(sample.get("provenance") or {}).get("topic"),
                             sentence_limit_applies=limit_applies, verbatim_text=verbatim_text)


def grade_sample(sample: Mapping, judge: Judge) -> Sample:
    """The sample with a ``grade`` record added (None for a sample whose synthesis failed).

    The grade record: ``status`` (ok/failed), ``points`` ({"skills": {name: 0/1}, "on_topic", "makes_sense",
    "sentence_limit"}), ``score`` / ``max_score``, ``full_marks``, ``all_skills``, ``skill_fraction``,
    ``n_sentences``, ``max_sentences``, ``named_verbatim``, ``votes`` (per round, None if unparseable),
    ``judge`` settings, ``fingerprint`` (:func:`grade_fingerprint`), ``prompt``, ``requests`` (raw answers),
    ``usage``, ``graded_at``.
    """
    out = dict(sample)
    if sample.get("status") != "ok":
        out["grade"] = None
        return out
    text, verbatim_text, limit_applies = graded_text(sample)
    topic = (sample.get("provenance") or {}).get("topic")
    out["grade"] = judge.grade_text(text, list(sample.get("skills") or []), topic=topic,
                                    sentence_limit_applies=limit_applies, verbatim_text=verbatim_text)
    return out


def grade_samples(samples: Sequence[Mapping], judge: Judge, *, workers: int = 4,
                  progress: Progress | None = None) -> Iterator[Sample]:
    """Grade samples on ``workers`` threads, yielding each graded sample as it completes."""
    yield from run_concurrently(lambda s: grade_sample(s, judge), samples, workers=workers, progress=progress)


def graded_points(samples: Iterable[Mapping]) -> list[Points]:
    """The :class:`Points` of every successfully graded sample."""
    out = []
    for s in samples:
        g = s.get("grade")
        if isinstance(g, Mapping) and g.get("status") == "ok" and g.get("points"):
            out.append(points_from_dict(g["points"]))
    return out


__all__ = [
    "split_sentences", "count_sentences", "check_name", "named_verbatim", "Points", "points_from_dict",
    "Metrics", "METRICS", "point_metrics", "max_over_generations", "metrics_from_values", "skill_mix_metrics",
    "values_report", "metrics_report", "format_metrics_table", "parse_rubric", "majority_vote",
    "rubric_points_text", "fence_text", "Judge", "graded_text", "grade_fingerprint", "grade_sample",
    "grade_samples", "graded_points",
]
