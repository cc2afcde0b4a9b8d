"""What is sent and what comes back: :class:`ChatRequest` (and its cache key), :class:`ChatResult`, token
:class:`Usage`, :class:`Price` and the errors that stop a run (:class:`EndpointError`, :class:`Interrupted`)."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError, StepsError
from ..io import read_json_file


class EndpointError(StepsError):
    """The endpoint refuses every request (bad key, no permission, unknown model or URL)."""


class EndpointUnreachable(EndpointError):
    """The endpoint did not answer :data:`MAX_UNREACHABLE` requests in a row: a fault of the environment."""

    exit_code = 1


def raise_fatal(result: "ChatResult", default: str) -> None:
    """Raise the :class:`EndpointError` (or :class:`EndpointUnreachable`) a fatal result stands for."""
    cls = EndpointUnreachable if result.unreachable else EndpointError
    raise cls(result.error or default)


class Interrupted(StepsError):
    """The client was stopped (:meth:`LLMClient.stop`, e.g. on Ctrl-C) before this request was answered."""


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts of one or more requests; ``total_tokens`` is their sum. Adding usages adds the counts."""

    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: "Usage") -> "Usage":
        return Usage(self.prompt_tokens + other.prompt_tokens, self.completion_tokens + other.completion_tokens)

    def to_dict(self) -> dict:
        return {"prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
                "total_tokens": self.total_tokens}


@dataclass(frozen=True, slots=True)
class Price:
    """Price in US dollars per one million input (prompt) and output (completion) tokens."""

    input_per_1m: float
    output_per_1m: float

    def __post_init__(self) -> None:
        for name, value in (("input", self.input_per_1m), ("output", self.output_per_1m)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                    or value < 0:
                raise InputError(f"the {name} price must be a finite number >= 0, got {value!r}", field="price")

    def cost(self, usage: Usage) -> float:
        """Cost of ``usage``: ``(prompt * input + completion * output) / 1e6``.

        >>> Price(1.0, 4.0).cost(Usage(1000, 500))
        0.003
        """
        return (usage.prompt_tokens * self.input_per_1m + usage.completion_tokens * self.output_per_1m) / 1e6


def read_price_table(path: str | Path) -> dict[str, Price]:
    """Read a price table: a JSON object ``{"model": {"input": 0.15, "output": 0.60}, ...}`` in USD per 1M tokens.

    No prices are built in (they change); without a table, costs are reported as unknown.
    """
    path = Path(path)
    obj = read_json_file(path)
    if not isinstance(obj, dict):
        raise InputError("expected a JSON object mapping model names to prices", path=str(path))
    table = {}
    for model, entry in obj.items():
        if not isinstance(entry, dict) or not {"input", "output"} <= set(entry):
            raise InputError('expected {"input": <USD per 1M tokens>, "output": <USD per 1M tokens>}',
                             path=str(path), field=model)
        try:
            price = Price(float(entry["input"]), float(entry["output"]))
        except InputError as exc:
            raise InputError(exc.message, path=str(path), field=model) from None
        except (TypeError, ValueError):
            raise InputError("prices must be numbers", path=str(path), field=model) from None
        table[str(model)] = price
    return table


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """One chat-completion request: what is sent and what the cache key is made of.

    ``params`` holds any other request parameters (e.g. ``(("top_p", 0.9),)``), sorted by name.
    """

    messages: tuple[dict, ...]
    model: str
    temperature: float | None = None
    max_tokens: int | None = None
    seed: int | None = None
    params: tuple[tuple[str, Any], ...] = ()

    def payload(self) -> dict:
        """The keyword arguments of ``chat.completions.create`` (only parameters that are set)."""
        out: dict[str, Any] = {"model": self.model,
                               "messages": [{"role": m["role"], "content": m["content"]} for m in self.messages]}
        if self.temperature is not None:
            out["temperature"] = self.temperature
        if self.max_tokens is not None:
            out["max_tokens"] = self.max_tokens
        if self.seed is not None:
            out["seed"] = self.seed
        out.update(dict(self.params))
        return out

    def cache_key(self, endpoint: str | None = None) -> str:
        """SHA-256 (hex) of the canonical JSON of messages, model, temperature, max_tokens, seed, params and
        (when given) the ``endpoint`` the request goes to (:func:`endpoint_id`)."""
        canon = {"messages": [[m["role"], m["content"]] for m in self.messages], "model": self.model,
                 "temperature": self.temperature, "max_tokens": self.max_tokens, "seed": self.seed,
                 "params": sorted([k, v] for k, v in self.params)}
        if endpoint is not None:
            canon["endpoint"] = endpoint
        blob = json.dumps(canon, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class ChatResult:
    """The outcome of one request after retries.

    ``ok`` tells whether the endpoint answered; ``text`` is the first choice's content ("" when the model
    returned none); ``raw`` the decoded response body (or, when it could not be decoded, its text);
    ``error`` says why it failed; ``fatal`` marks failures that every further request would repeat;
    ``cached`` that the answer came from the cache (no request made); ``attempts`` the requests made;
    ``unreachable`` that the endpoint is taken to be down (no answer to several requests in a row).
    """

    ok: bool
    text: str = ""
    usage: Usage = Usage()
    raw: Any = None
    error: str | None = None
    fatal: bool = False
    attempts: int = 0
    cached: bool = False
    finish_reason: str | None = None
    key: str = ""
    unreachable: bool = False


def estimate_tokens(text: str) -> int:
    """A rough token count without a tokenizer: one token per 4 characters, rounded up.

    >>> estimate_tokens("abcdefghi")
    3
    """
    return math.ceil(len(text) / 4)
