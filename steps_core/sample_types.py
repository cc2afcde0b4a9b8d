"""The records of the synthesis half, typed: a :class:`Sample` (one line of ``samples.jsonl``), its
:class:`Provenance`, and the :class:`Grade` a judge gives it. They are ``TypedDict``\\ s: on disk and in the
workspace they stay plain JSON objects, and code reads them as the dicts they are.

Plain Python, no heavy import: the workspace uses these types without loading the synthesis machinery.

>>> grade_summary({"status": "ok", "score": 5, "max_score": 6, "prompt": [], "requests": []})["score"]
5
>>> sorted(grade_summary({"status": "failed"}))[:3]
['all_skills', 'error', 'full_marks']
"""

from __future__ import annotations

from typing import Any, Literal, Mapping, NotRequired, TypedDict


class Message(TypedDict):
    """One turn of a conversation."""

    role: Literal["system", "user", "assistant"]
    content: str


class UsageRecord(TypedDict, total=False):
    """Tokens of one or more requests, their cost in USD (None: unknown) and, for a sample, whether every
    request was answered from the cache."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cost_usd: float | None
    cached: bool


class RequestRecord(TypedDict, total=False):
    """One request of a sample or a grade, kept for audit: the prompt, the answer text and the raw body."""

    round: int
    prompt: list[Message]
    response_text: str
    raw_response: Any
    ok: bool
    error: str | None
    cached: bool
    attempts: int
    finish_reason: str | None
    usage: UsageRecord


class Provenance(TypedDict, total=False):
    """How a sample was made (:func:`steps_core.synth.run_job`): the combination with its gains, the seed
    records, topic, style, template (name and hash), backend, model, endpoint host, sampling settings, the
    settings ``fingerprint`` a rerun compares, timestamps, usage and every request."""

    combination: dict[str, Any]
    seed_records: list[dict[str, str]]
    topic: str | None
    data_kind: str | None
    style: str
    template: dict[str, str]
    backend: str
    model: str
    base_url_host: str | None
    temperature: float | None
    max_tokens: int | None
    seed: int
    fingerprint: str
    started_at: str
    finished_at: str
    usage: UsageRecord
    requests: list[RequestRecord]
    tool_version: str


class GradePoints(TypedDict):
    """The rubric points of one text: one per skill (by name), on topic, makes sense, and the sentence limit
    (None when it does not apply)."""

    skills: dict[str, int]
    on_topic: int
    makes_sense: int
    sentence_limit: int | None


class Grade(TypedDict, total=False):
    """A judge's grade of one sample (:func:`steps_core.grade.grade_sample`): the majority ``points``, the
    score and metrics, the code-side checks, the ``votes`` of every round, the ``judge`` settings, the
    ``fingerprint`` a rerun compares, and (for audit) the prompt, requests and usage."""

    status: Literal["ok", "failed"]
    error: str | None
    points: GradePoints | None
    score: int | None
    max_score: int
    full_marks: bool | None
    all_skills: bool | None
    skill_fraction: float | None
    n_sentences: int
    max_sentences: int | None
    named_verbatim: list[str]
    votes: list[list[int] | None]
    judge: dict[str, Any]
    fingerprint: str
    prompt: list[Message]
    requests: list[RequestRecord]
    usage: UsageRecord
    graded_at: str


class Sample(TypedDict):
    """One synthesised sample: a line of ``samples.jsonl``, a row of the workspace, an item of an export.

    ``accepted`` is the curator's decision (None: undecided); ``grade`` is present once graded (None when
    the synthesis failed and there was nothing to grade); ``tree_version`` is set by the workspace (the
    taxonomy in use when the sample was made)."""

    id: str
    skills: list[str]
    k: int
    style: str
    status: Literal["ok", "failed"]
    messages: list[Message]
    accepted: bool | None
    error: str | None
    provenance: Provenance
    tree_version: NotRequired[str | None]
    grade: NotRequired[Grade | None]


#: What a workspace keeps of a grade besides the judge's settings, usage and votes: the points, scores and
#: code-side checks (not the prompt, the raw requests or the fingerprint).
GRADE_SUMMARY_FIELDS = ("status", "points", "score", "max_score", "full_marks", "all_skills", "skill_fraction",
                        "n_sentences", "max_sentences", "named_verbatim", "error")


def grade_summary(grade: Mapping[str, Any]) -> dict[str, Any]:
    """The :data:`GRADE_SUMMARY_FIELDS` of a grade (missing ones as None)."""
    return {name: grade.get(name) for name in GRADE_SUMMARY_FIELDS}
