"""The agentic filter (docs/synthesis.md "Agentic data"): before agentic samples are made, a model is asked,
once per combination, whether its skills could drive a goal-directed AI-agent workflow; combinations it does
not answer YES to are dropped, as the STEPS reference does (a cheap model, temperature 0, a 10-token
answer).

Unlike the reference, a request that fails (after its retries) does not keep the combination unchecked: its
samples fail with the reason, so a rerun asks again. Answers are cached like any other request, so a rerun
never pays twice. The verdict is kept in each sample's ``provenance.combination.agentic_filter``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Sequence

from ..llm import ChatRequest, LLMClient, Progress, Usage, raise_fatal, run_concurrently
from .jobs import SynthJob

#: The auditor's instructions (the system turn) and the question (the user turn).
FILTER_SYSTEM = ("You audit the quality of training data. Decide whether a set of skills can be combined into one "
                 "complex, goal-directed workflow for an AI agent. Reject sets that only fit simple question "
                 "answering, pure creative writing or plain translation.")
FILTER_QUESTION = ("Skills: {skills}\nDo these skills together have a high potential for an autonomous agent "
                   "workflow? Answer only YES or NO.")
_YES_RE = re.compile(r"\byes\b", re.I)


def filter_request(skills: Sequence[str], model: str) -> ChatRequest:
    """The request asking ``model`` about a combination (skills sorted: the order never matters)."""
    listed = ", ".join(sorted(skills))
    return ChatRequest(messages=({"role": "system", "content": FILTER_SYSTEM},
                                 {"role": "user", "content": FILTER_QUESTION.format(skills=f"[{listed}]")}),
                       model=model, temperature=0.0, max_tokens=10)


def says_yes(answer: str) -> bool:
    """Whether an answer keeps the combination: it holds the word YES (any case); anything else rejects it.

    >>> [says_yes(a) for a in ("YES", "Yes.", "NO", "no, not really", "", "yesterday")]
    [True, True, False, False, False, False]
    """
    return bool(_YES_RE.search(answer or ""))


@dataclass(frozen=True, slots=True)
class AgenticFilterResult:
    """What the filter did: the ``kept`` jobs (their combination holds the verdict; a job whose question
    failed carries the reason as its ``problem``), the ``rejected`` combinations with the model's answer,
    the ``failed`` ones with the error, the requests sent (answers from the cache not counted) and their
    usage."""

    kept: list[SynthJob]
    rejected: list[tuple[tuple[str, ...], str]]
    failed: list[tuple[tuple[str, ...], str]]
    requests: int
    usage: Usage


def filter_agentic(jobs: Sequence[SynthJob], client: LLMClient, model: str, *, workers: int = 4,
                   progress: Progress | None = None) -> AgenticFilterResult:
    """Ask ``model`` once per distinct combination (as a set of skills) of ``jobs`` and keep the jobs of the
    combinations it answers YES to. Raises :class:`~steps_core.llm.EndpointError` when the endpoint refuses
    every request (bad key or model)."""
    groups: dict[tuple[str, ...], list[SynthJob]] = {}
    for job in jobs:
        groups.setdefault(tuple(sorted(job.skill_names)), []).append(job)

    def ask(key: tuple[str, ...]):
        result = client.complete(filter_request(key, model))
        if result.fatal:
            raise_fatal(result, "the endpoint refused the agentic filter's request")
        return key, result

    answers = dict(run_concurrently(ask, list(groups), workers=workers, progress=progress))
    kept: list[SynthJob] = []
    rejected, failed = [], []
    requests, usage = 0, Usage()
    for key, jobs_of_key in groups.items():
        result = answers[key]
        if not result.cached:
            requests += 1
            usage = usage + result.usage
        if not result.ok:
            failed.append((key, result.error or "no answer"))
            verdict = {"model": model, "verdict": None, "answer": None, "error": result.error}
            kept.extend(replace(j, combination={**j.combination, "agentic_filter": verdict},
                                problem=f"the agentic filter ({model}) could not answer: {result.error}")
                        for j in jobs_of_key)
        elif says_yes(result.text):
            verdict = {"model": model, "verdict": "yes", "answer": result.text.strip()}
            kept.extend(replace(j, combination={**j.combination, "agentic_filter": verdict}) for j in jobs_of_key)
        else:
            rejected.append((key, result.text.strip()))
    order = {j.id: i for i, j in enumerate(jobs)}
    kept.sort(key=lambda j: order[j.id])
    return AgenticFilterResult(kept, rejected, failed, requests, usage)


__all__ = ["FILTER_SYSTEM", "FILTER_QUESTION", "filter_request", "says_yes", "AgenticFilterResult", "filter_agentic"]
