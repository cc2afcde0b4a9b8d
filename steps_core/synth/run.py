"""Running jobs: one sample per job with its provenance (:func:`run_job`), many on worker threads
(:func:`synthesize`), the settings fingerprint a rerun compares (:func:`job_fingerprint`), the estimate before
a run (:func:`estimate_run`) and the totals after it (:func:`summarize`)."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Mapping, Sequence

from .. import __version__
from ..llm import ChatResult, EndpointError, Interrupted, Price, Progress, Usage, estimate_tokens, raise_fatal, \
    run_concurrently
from .backends import Backend
from .jobs import SynthJob
from .parsing import ParseError, extract_answer, has_explanation, parse_messages

log = logging.getLogger(__name__)

#: A rough answer length per style, in tokens, for :func:`estimate_run`.
EXPECTED_OUTPUT_TOKENS = {"composite": 800, "skillmix": 200, "agentic": 900}



def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _request_record(round_index: int, prompt: Sequence[dict], result: ChatResult, cost: float | None) -> dict:
    return {"round": round_index, "prompt": [dict(m) for m in prompt], "response_text": result.text,
            "raw_response": result.raw, "ok": result.ok, "error": result.error, "cached": result.cached,
            "attempts": result.attempts, "finish_reason": result.finish_reason,
            "usage": {**result.usage.to_dict(), "cost_usd": cost}}


def fingerprint(settings: Any) -> str:
    """A short stable hash of settings (any JSON value): the first 16 hex digits of the SHA-256 of its
    canonical JSON. Stored with each result so that a rerun can tell results made with other settings.

    >>> fingerprint({"model": "m", "k": 2}) == fingerprint({"k": 2, "model": "m"})
    True
    """
    blob = json.dumps(settings, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def job_fingerprint(job: SynthJob, backend: Backend) -> str:
    """What a sample's answer depends on besides its id: backend, model, endpoint, temperature,
    max_tokens, extra parameters and the exact prompts (which hold the template, the catalogue's
    definitions, the seed examples and the topic). Stored as ``provenance["fingerprint"]``."""
    return fingerprint({
        "backend": backend.name, "model": backend.model,
        "endpoint": getattr(backend, "endpoint", None) or backend.host,
        "temperature": backend.temperature, "max_tokens": backend.max_tokens,
        "params": [list(p) for p in getattr(backend, "params", ())],
        "send_seed": getattr(backend, "send_seed", True),
        "template": job.template.sha256, "prompt": list(job.prompt), "improve": job.improve, "task": job.task,
        "problem": job.problem})


def _reject(backend: Backend, result: ChatResult) -> None:
    reject = getattr(backend, "reject", None)
    if reject is not None:
        reject(result)


def run_job(job: SynthJob, backend: Backend) -> dict:
    """Produce the sample of one job. Never raises for a bad answer or an endpoint fault: the sample is
    then ``status: "failed"`` with ``error`` and the raw responses kept, and an answer that could not be
    used is dropped from the response cache (so a rerun asks again). Raises
    :class:`~steps_core.llm.EndpointError` when the endpoint refuses every request (bad key or model),
    :class:`~steps_core.llm.Interrupted` when the client was stopped.

    A Skill-Mix answer cut off at ``max_tokens`` (finish reason ``length``) before its ``Explanation:``
    line is a failure: its end is missing.

    The sample: ``id, skills, k, style, status, messages, accepted (None), error, provenance`` where
    provenance holds the combination (with its gains), seed record ids, topic, style, template name and
    hash, backend, model, base URL host, temperature, seed, timestamps, the settings ``fingerprint``
    (:func:`job_fingerprint`), usage (tokens of every request; ``cost_usd`` of the requests actually sent,
    not those answered from the cache) and, per request, the exact prompt, the answer text and the raw
    response.
    """
    started = _now()
    requests: list[dict] = []
    usage = Usage()
    paid = Usage()
    messages: list[dict] = []
    error: str | None = job.problem

    def ask(prompt: Sequence[dict], round_index: int) -> ChatResult:
        nonlocal usage, paid
        result = backend.complete(job, prompt, round_index)
        if result.fatal:
            raise_fatal(result, "the endpoint refused the request")
        usage = usage + result.usage
        if not result.cached:
            paid = paid + result.usage
        requests.append(_request_record(round_index, prompt, result,
                                        0.0 if result.cached and backend.cost(result.usage) is not None
                                        else backend.cost(result.usage)))
        return result

    if error is None:
        try:
            first = ask(job.prompt, 0)
            if not first.ok:
                error = first.error
            elif job.style == "skillmix":
                draft = first.text
                follow = list(job.prompt) + [{"role": "assistant", "content": draft},
                                             {"role": "user", "content": job.improve or ""}]
                second = ask(follow, 1)
                if not second.ok:
                    error = second.error
                else:
                    final = extract_answer(second.text)
                    if not final:
                        error = "no answer text after 'Answer:' in the improved response"
                    elif second.finish_reason == "length" and not has_explanation(second.text):
                        error = "the improved response was cut off at max_tokens (finish reason 'length')"
                    else:
                        messages = [{"role": "user", "content": job.task or ""},
                                    {"role": "assistant", "content": final}]
                    if error:
                        _reject(backend, second)
            else:
                try:
                    messages = parse_messages(first.text)
                except ParseError as exc:
                    error = f"unparseable answer: {exc}"
                    if first.finish_reason == "length":
                        error += " (cut off at max_tokens)"
                    _reject(backend, first)
        except (EndpointError, Interrupted):
            raise
        except Exception as exc:  # never lose a sample to a bug in parsing: record it
            log.exception("job %s failed", job.id)
            error = f"internal error: {type(exc).__name__}: {exc}"
    cost = backend.cost(paid) if requests else None
    provenance = {
        "combination": job.combination,
        "seed_records": [{"skill": s.skill, "id": s.record_id} for s in job.seeds],
        "topic": job.topic,
        "data_kind": job.data_kind,
        "style": job.style,
        "template": {"name": job.template.name, "sha256": job.template.sha256},
        "backend": backend.name,
        "model": backend.model,
        "base_url_host": backend.host,
        "temperature": backend.temperature,
        "max_tokens": backend.max_tokens,
        "seed": job.request_seed,
        "fingerprint": job_fingerprint(job, backend),
        "started_at": started,
        "finished_at": _now(),
        "usage": {**usage.to_dict(), "cost_usd": cost,
                  "cached": bool(requests) and all(r["cached"] for r in requests)},
        "requests": requests,
        "tool_version": __version__,
    }
    return {"id": job.id, "skills": job.skill_names, "k": job.k, "style": job.style,
            "status": "failed" if error else "ok", "messages": messages if not error else [],
            "accepted": None, "error": error, "provenance": provenance}


def synthesize(jobs: Sequence[SynthJob], backend: Backend, *, workers: int = 4, progress: Progress | None = None,
               skip_ids: Iterable[str] = ()) -> Iterator[dict]:
    """Run the jobs on ``workers`` threads and yield each sample as soon as it is complete.

    Jobs whose id is in ``skip_ids`` (e.g. already in the output file) are not run. Stopping the iteration
    (or Ctrl-C) cancels the jobs not yet started; answers already received are in the cache.
    """
    skip = set(skip_ids)
    todo = [job for job in jobs if job.id not in skip]
    yield from run_concurrently(lambda job: run_job(job, backend), todo, workers=workers, progress=progress)


@dataclass(frozen=True, slots=True)
class Estimate:
    """A cost estimate before a run: requests, input and output tokens (approximate) and cost if priced."""

    samples: int
    requests: int
    input_tokens: int
    output_tokens: int
    cost_usd: float | None


def _messages_tokens(messages: Sequence[dict]) -> int:
    return sum(estimate_tokens(m["content"]) + 4 for m in messages)


def estimate_run(jobs: Sequence[SynthJob], *, expected_output_tokens: int | None = None,
                 price: Price | None = None) -> Estimate:
    """Estimate a run from the rendered prompts (4 characters per token plus 4 tokens per message) and an
    expected answer length per request (default :data:`EXPECTED_OUTPUT_TOKENS` of the style). A skillmix
    job makes two requests; the second resends the first prompt, the expected answer and the improve text.
    """
    requests = inp = out = 0
    for job in jobs:
        if job.problem:
            continue
        expected = expected_output_tokens if expected_output_tokens is not None \
            else EXPECTED_OUTPUT_TOKENS[job.style]
        first = _messages_tokens(job.prompt)
        requests += 1
        inp += first
        out += expected
        if job.style == "skillmix":
            requests += 1
            inp += first + expected + 4 + estimate_tokens(job.improve or "") + 4
            out += expected
    cost = None if price is None else price.cost(Usage(inp, out))
    return Estimate(samples=len(jobs), requests=requests, input_tokens=inp, output_tokens=out, cost_usd=cost)


@dataclass(frozen=True, slots=True)
class RunSummary:
    """Totals over samples: counts by status, tokens paid for in requests and tokens served from cache."""

    ok: int = 0
    failed: int = 0
    requests: int = 0
    cached_requests: int = 0
    paid: Usage = Usage()
    cached: Usage = Usage()
    cost_usd: float | None = None


def summarize(samples: Iterable[Mapping]) -> RunSummary:
    """Add up the status counts, request counts, token usage and cost recorded in samples' provenance.

    ``cost_usd`` is the cost of the requests actually sent (cache hits cost nothing), None if unpriced.
    """
    ok = failed = requests = cached_n = 0
    paid = cached = Usage()
    cost: float | None = None
    for s in samples:
        ok += s.get("status") == "ok"
        failed += s.get("status") != "ok"
        for r in (s.get("provenance") or {}).get("requests", []):
            u = r.get("usage") or {}
            usage = Usage(int(u.get("prompt_tokens") or 0), int(u.get("completion_tokens") or 0))
            if r.get("cached"):
                cached_n += 1
                cached = cached + usage
            else:
                requests += int(r.get("attempts") or 0)
                paid = paid + usage
                if u.get("cost_usd") is not None:
                    cost = (cost or 0.0) + float(u["cost_usd"])
    return RunSummary(ok, failed, requests, cached_n, paid, cached, cost)
