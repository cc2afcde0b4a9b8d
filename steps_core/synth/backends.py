"""Backends: who answers a job's prompts. :class:`OpenAIBackend` sends them to any OpenAI-compatible endpoint
through an :class:`~steps_core.llm.LLMClient`; :class:`TemplateBackend` answers offline, with no model, with
deterministic samples whose assistant text starts with :data:`TEMPLATE_LABEL` (:data:`BACKENDS`)."""

from __future__ import annotations

import json
import re
from typing import Any, Mapping, Protocol, Sequence

from ..errors import InputError
from ..llm import ChatRequest, ChatResult, LLMClient, Price, Usage
from .jobs import SynthJob
from .templates import max_sentences

#: The first words of every assistant text the offline template backend writes.
TEMPLATE_LABEL = "[template sample — not model output]"



class Backend(Protocol):
    """What :func:`run_job` needs from a backend."""

    name: str
    model: str
    host: str | None
    temperature: float | None
    max_tokens: int | None

    def complete(self, job: SynthJob, messages: Sequence[dict], round_index: int) -> ChatResult: ...

    def cost(self, usage: Usage) -> float | None: ...

    # optional: ``reject(result)``, told when an answer cannot be used (the cache then forgets it), and
    # ``endpoint`` (:func:`~steps_core.llm.endpoint_id`), part of the settings fingerprint.


class OpenAIBackend:
    """Sends each round to an OpenAI-compatible endpoint through an :class:`LLMClient`.

    ``params`` are extra request parameters (e.g. ``{"top_p": 0.9}``); ``price`` the model's price (None:
    cost unknown). The request ``seed`` is the job's :attr:`SynthJob.request_seed` unless ``send_seed`` is
    False.
    """

    name = "openai"

    def __init__(self, client: LLMClient, model: str, *, temperature: float | None = 0.7,
                 max_tokens: int | None = None, params: Mapping[str, Any] | None = None,
                 price: Price | None = None, send_seed: bool = True):
        if not model:
            raise InputError("a model name is required for the openai backend", field="model")
        self.client = client
        self.model = model
        self.host = client.host
        self.endpoint = client.endpoint
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.params = tuple(sorted((params or {}).items()))
        self.price = price
        self.send_seed = send_seed

    def request(self, job: SynthJob, messages: Sequence[dict]) -> ChatRequest:
        return ChatRequest(messages=tuple(messages), model=self.model, temperature=self.temperature,
                           max_tokens=self.max_tokens, seed=job.request_seed if self.send_seed else None,
                           params=self.params)

    def complete(self, job: SynthJob, messages: Sequence[dict], round_index: int) -> ChatResult:
        return self.client.complete(self.request(job, messages))

    def reject(self, result: ChatResult) -> None:
        """An answer the caller could not use: forget it in the cache, so that a rerun asks again."""
        self.client.forget(result)

    def cost(self, usage: Usage) -> float | None:
        return None if self.price is None else self.price.cost(usage)


class TemplateBackend:
    """The offline backend: no model, a deterministic sample rendered from the skills' definitions and
    examples. Its assistant text always begins with :data:`TEMPLATE_LABEL`; its provenance says backend
    ``template``. For demos and tests only; never mistake it for model output."""

    name = "template"
    model = "template"
    host = None
    endpoint = None
    temperature = None
    max_tokens = None

    def complete(self, job: SynthJob, messages: Sequence[dict], round_index: int) -> ChatResult:
        text = template_answer(job)
        return ChatResult(ok=True, text=text, usage=Usage(), raw={"backend": "template", "text": text},
                          attempts=0, finish_reason="stop")

    def cost(self, usage: Usage) -> float | None:
        return 0.0


def _phrase(names: Sequence[str]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


_SENTENCE_END_RE = re.compile(r"[.!?…]+[\"'”’)\]]*\s+")


def _clause(text: str) -> str:
    """A text as one clause: its inner sentence ends become semicolons, its final punctuation goes."""
    return _SENTENCE_END_RE.sub("; ", text.strip()).rstrip(" .!?…;")


def template_answer(job: SynthJob) -> str:
    """The template backend's answer for a job, in the format the style's parser expects. A Skill-Mix text
    holds one clause per skill (its example, else its definition), in at most ``max(1, k-1)`` sentences."""
    names = job.skill_names
    explain = [f"{s.name}: {s.definition or 'no definition in the catalogue'}"
               + (f" For example: {s.example}" if s.example else "") for s in job.skills]
    if job.style == "skillmix":
        parts = [_clause(s.example or s.definition or s.name) for s in job.skills]
        n = min(max_sentences(job.k), len(parts))
        groups = [parts[i * len(parts) // n:(i + 1) * len(parts) // n] for i in range(n)]
        text = f"{TEMPLATE_LABEL} On {job.topic or 'the topic'}: " + " ".join("; ".join(g) + "." for g in groups)
        return f"Answer: {text}\nExplanation: the template backend lists one example per skill."
    if job.style == "agentic":
        rows = "\n".join(f"| {i} | {s.name} | {s.category or '-'} |" for i, s in enumerate(job.skills, 1))
        user = (f"Here is a small {job.data_kind or 'table'} to work with:\n\n| # | item | group |\n|---|---|---|\n"
                f"{rows}\n\nPlease plan and carry out an analysis of it.")
        steps = "\n".join(f"{i}. Apply {line}" for i, line in enumerate(explain, 1))
        assistant = f"{TEMPLATE_LABEL}\nPlan:\n{steps}\nResult: each step above uses one skill on the data."
        return json.dumps([{"role": "user", "content": user}, {"role": "assistant", "content": assistant}],
                          ensure_ascii=False)
    user = f"I need help with a task that calls for {_phrase(names)} together."
    assistant = f"{TEMPLATE_LABEL}\n" + "\n".join(f"- {line}" for line in explain)
    return json.dumps([{"role": "user", "content": user}, {"role": "assistant", "content": assistant}],
                      ensure_ascii=False)
