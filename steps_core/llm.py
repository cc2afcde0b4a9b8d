"""An OpenAI-compatible chat client with our own retries, a persistent response cache and cost accounting.

The client wraps ``openai.OpenAI(base_url=..., max_retries=0)``: the ``openai`` package does the HTTP, this
module decides what to retry. A request is a :class:`ChatRequest`; its answer a :class:`ChatResult`, which
is never an exception for a fault of the endpoint:

- retried (exponential backoff with jitter, honouring ``Retry-After``): HTTP 408, 409, 425, 429 and 5xx,
  timeouts, connection errors, a response body that is not valid JSON or is truncated, a body without
  ``choices`` or with an empty ``choices`` list;
- final failures (``ok=False`` with a clear ``error``): any other 4xx; 401, 403 and 404, and a 429 whose
  error is ``insufficient_quota`` (no credit left: waiting does not help), are also marked ``fatal``
  because every further request to the same endpoint would fail the same way.

Every answer is checked before anything keeps it: an answer that echoes the API key (of 8 characters or
more) has it replaced by ``[redacted]`` (text and raw body), and an answer that is not valid text (a lone
surrogate, a NaN or infinite number in the body) is a failure that is never cached, so a rerun asks again.
After :data:`MAX_UNREACHABLE` requests in a row that got no answer at all (connection errors and timeouts,
after their retries) the endpoint is taken to be down: every further request fails at once with
``fatal=True`` and ``unreachable=True`` (:class:`EndpointUnreachable` for the callers, exit code 1).

Answers are cached in an SQLite file (:class:`ResponseCache`) keyed by the SHA-256 of the request (messages,
model, temperature, max_tokens, seed and other parameters) and of the endpoint (:func:`endpoint_id`: host,
port and path of the base URL), so a rerun never pays twice and two servers that serve a model of the same
name never share answers. A caller that rejects an answer (it cannot be parsed) calls
:meth:`LLMClient.forget` so that a rerun asks again instead of reading the same bad answer from the cache.

:meth:`LLMClient.stop` (called on Ctrl-C) makes every request not yet sent, and every retry wait, end at once
with :class:`Interrupted`. The API key is held
by the ``openai`` client object only: it is never part of a cache key, a cached row, a result, a log line or
an error message.

>>> req = ChatRequest(messages=({"role": "user", "content": "hi"},), model="m", temperature=0.0)
>>> len(req.cache_key())
64
>>> Usage(10, 5) + Usage(1, 2)
Usage(prompt_tokens=11, completion_tokens=7)
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import logging
import math
import os
import queue
import random
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence, TypeVar
from urllib.parse import urlsplit

from .errors import InputError, StepsError
from .io import bad_json_value, connect_sqlite, read_json_file, register_database

log = logging.getLogger(__name__)

Progress = Callable[[int, "int | None"], None]

#: HTTP statuses that are worth retrying.
RETRY_STATUSES = frozenset({408, 409, 425, 429})
#: HTTP statuses after which no further request to the endpoint can succeed.
FATAL_STATUSES = frozenset({401, 403, 404})
#: Placeholder key sent when no key is configured (local servers such as vLLM accept any key).
NO_KEY = "no-key-set"
#: Requests in a row without any answer (connection errors, timeouts) after which the endpoint counts as down.
MAX_UNREACHABLE = 3
#: What replaces the API key in an answer that echoes it.
REDACTED = "[redacted]"


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


# ----------------------------------------------------------------------------------------------------------
# Requests, results, usage, prices
# ----------------------------------------------------------------------------------------------------------

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


# ----------------------------------------------------------------------------------------------------------
# Retry policy
# ----------------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with jitter.

    Before attempt ``n + 1`` (after ``n`` failures) the wait is ``min(max_delay, base_delay * 2**(n-1))``
    multiplied by a random factor in ``[1 - jitter, 1]``; a ``Retry-After`` from the server raises the wait to
    at least that many seconds (capped at ``max_retry_after``). ``max_attempts`` counts the first request.

    >>> RetryPolicy(base_delay=1.0, jitter=0.0).delay(3)
    4.0
    >>> RetryPolicy(base_delay=1.0, jitter=0.0).delay(1, retry_after=7.5)
    7.5
    """

    max_attempts: int = 6
    base_delay: float = 1.0
    max_delay: float = 30.0
    jitter: float = 0.5
    max_retry_after: float = 120.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise InputError("max_attempts must be >= 1", field="max_attempts")
        if self.base_delay < 0 or self.max_delay < 0:
            raise InputError("delays must be >= 0", field="base_delay")
        if not 0.0 <= self.jitter <= 1.0:
            raise InputError("jitter must be in [0, 1]", field="jitter")

    def delay(self, failures: int, retry_after: float | None = None, rng: random.Random | None = None) -> float:
        """Seconds to wait after ``failures`` consecutive failed attempts."""
        base = min(self.max_delay, self.base_delay * 2.0 ** max(0, failures - 1))
        factor = 1.0 - self.jitter * (rng.random() if rng is not None else random.random()) if self.jitter else 1.0
        wait_s = base * factor
        if retry_after is not None and retry_after > 0:
            wait_s = max(wait_s, min(retry_after, self.max_retry_after))
        return wait_s


def _retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """Parse ``retry-after-ms`` (milliseconds) or ``retry-after`` (seconds or an HTTP date) into seconds."""
    if not headers:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


# ----------------------------------------------------------------------------------------------------------
# The response cache
# ----------------------------------------------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    text TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    finish_reason TEXT,
    raw TEXT,
    created_at TEXT NOT NULL
)
"""


def default_cache_path() -> Path:
    """``$STEPS_CACHE`` if set, else ``$XDG_CACHE_HOME/steps-studio/llm-cache.sqlite`` (``~/.cache`` by default)."""
    env = os.environ.get("STEPS_CACHE")
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "steps-studio" / "llm-cache.sqlite"


class ResponseCache:
    """A persistent cache of answers: one SQLite file in WAL mode, safe across threads and processes.

    Each thread gets its own connection; writers wait up to ``busy_timeout`` seconds for a lock. Stored per
    key: model, answer text, token usage, finish reason and the raw response body. Never the API key.
    """

    def __init__(self, path: str | Path, *, busy_timeout: float = 30.0):
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._conns: list[sqlite3.Connection] = []
        try:
            con = self._con()
            con.execute(_SCHEMA)
            con.commit()
        except sqlite3.DatabaseError as exc:
            self.close()
            raise InputError(f"not a usable cache file ({exc})", path=str(self.path)) from None
        register_database(self.path)
        self._registered = True

    def _con(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None:
            con = connect_sqlite(self.path, timeout=self.busy_timeout)
            self._local.con = con
            with self._lock:
                self._conns.append(con)
        return con

    def get(self, key: str) -> ChatResult | None:
        """The cached answer for ``key`` (with ``cached=True``), or None."""
        try:
            row = self._con().execute(
                "SELECT text, prompt_tokens, completion_tokens, finish_reason, raw FROM responses WHERE key = ?",
                (key,)).fetchone()
        except sqlite3.OperationalError as exc:
            if "decode" not in str(exc):
                raise
            row = None                       # text that is not UTF-8 (written by something else): ask again
            log.warning("cache entry %s is not valid text; dropping it", key[:12])
            self.delete(key)
        if row is None:
            return None
        text, pt, ct, finish, raw = row
        try:
            raw_obj = json.loads(raw) if raw is not None else None
        except json.JSONDecodeError:
            raw_obj = raw
        if bad_json_value([text, raw_obj]) is not None:
            self.delete(key)
            return None
        return ChatResult(ok=True, text=text, usage=Usage(pt, ct), raw=raw_obj, attempts=0, cached=True,
                          finish_reason=finish, key=key)

    def put(self, key: str, model: str, result: ChatResult) -> None:
        """Store a successful answer (failures are never cached, so a rerun retries them)."""
        if not result.ok or bad_json_value([result.text, result.raw]) is not None:
            return
        con = self._con()
        raw = json.dumps(result.raw, ensure_ascii=False) if result.raw is not None else None
        with con:
            con.execute("INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (key, model, result.text, result.usage.prompt_tokens, result.usage.completion_tokens,
                         result.finish_reason, raw, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())))

    def delete(self, key: str) -> bool:
        """Forget the answer stored under ``key`` (a caller rejected it); True if there was one."""
        con = self._con()
        with con:
            return con.execute("DELETE FROM responses WHERE key = ?", (key,)).rowcount > 0

    def __len__(self) -> int:
        return self._con().execute("SELECT COUNT(*) FROM responses").fetchone()[0]

    def close(self) -> None:
        """Close every connection this object opened."""
        with self._lock:
            for con in self._conns:
                try:
                    con.close()
                except sqlite3.Error:  # pragma: no cover - closing is best effort
                    pass
            self._conns.clear()
        self._local = threading.local()
        if getattr(self, "_registered", False):
            self._registered = False
            register_database(self.path, opened=False)

    def __enter__(self) -> "ResponseCache":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# ----------------------------------------------------------------------------------------------------------
# The client
# ----------------------------------------------------------------------------------------------------------

class _TransientFault(Exception):
    """A response that arrived but cannot be used (malformed, truncated, no choices): retried."""

    def __init__(self, message: str, raw: Any = None):
        super().__init__(message)
        self.raw = raw


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:20]} is out of range")
    return value


def _valid_raw(raw: Any) -> Any:
    """A raw body that JSON can hold: as it is, or (NaN, lone surrogates inside) as escaped text."""
    if bad_json_value(raw) is None:
        return raw
    text = raw if isinstance(raw, str) else repr(raw)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def redact(value: Any, secret: str | None) -> Any:
    """``value`` with every occurrence of ``secret`` in its strings (and dict keys) replaced by
    :data:`REDACTED`; unchanged when there is no secret or it is shorter than 8 characters.

    >>> redact({"text": "key=sk-abcdefgh1"}, "sk-abcdefgh1")
    {'text': 'key=[redacted]'}
    """
    if not secret or len(secret) < 8:
        return value
    if isinstance(value, str):
        return value.replace(secret, REDACTED)
    if isinstance(value, dict):
        return {redact(k, secret): redact(v, secret) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, secret) for v in value]
    return value


def _decode_completion(body: str) -> tuple[str, Usage, Any, str | None]:
    """Extract (text, usage, raw body, finish reason) from a chat-completion body or raise _TransientFault."""
    try:
        raw = json.loads(body, parse_constant=_no_constant, parse_float=_finite_float)
    except (ValueError, TypeError) as exc:
        raise _TransientFault(f"malformed response body ({exc})", raw=body[:2000] if isinstance(body, str) else None)
    if not isinstance(raw, dict):
        raise _TransientFault("response body is not a JSON object", raw=raw)
    choices = raw.get("choices")
    if not isinstance(choices, list) or not choices:
        raise _TransientFault("response has no choices", raw=raw)
    first = choices[0]
    message = first.get("message") if isinstance(first, dict) else None
    if not isinstance(message, dict):
        raise _TransientFault("response choice has no message", raw=raw)
    content = message.get("content")
    if content is not None and not isinstance(content, str):
        raise _TransientFault("response message content is not text", raw=raw)
    usage_obj = raw.get("usage") if isinstance(raw.get("usage"), dict) else {}

    def _int(v: Any) -> int:
        return int(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0 else 0

    usage = Usage(_int(usage_obj.get("prompt_tokens")), _int(usage_obj.get("completion_tokens")))
    finish = first.get("finish_reason") if isinstance(first.get("finish_reason"), str) else None
    return content or "", usage, raw, finish


def base_url_host(base_url: str | None) -> str:
    """The host (and port) of a base URL, without scheme, credentials or path: what provenance records.

    >>> base_url_host("https://user:secret@example.org:8443/v1")
    'example.org:8443'
    >>> base_url_host(None)
    'api.openai.com'
    """
    if not base_url:
        return "api.openai.com"
    parts = urlsplit(base_url if "://" in base_url else "http://" + base_url)
    host = parts.hostname or ""
    return f"{host}:{parts.port}" if parts.port else host


def endpoint_id(base_url: str | None) -> str:
    """What identifies an endpoint in the cache key: host, port and path of the base URL, lower-cased host,
    without scheme, credentials, query or a trailing slash.

    >>> endpoint_id("https://user:secret@Example.org:8443/v1/?x=1")
    'example.org:8443/v1'
    >>> endpoint_id(None)
    'api.openai.com/v1'
    """
    if not base_url:
        return "api.openai.com/v1"
    parts = urlsplit(base_url if "://" in base_url else "http://" + base_url)
    return base_url_host(base_url) + parts.path.rstrip("/")


def _quota_exhausted(body: Any) -> bool:
    """Whether an error body says the account has no quota left (OpenAI's ``insufficient_quota``)."""
    error = body.get("error", body) if isinstance(body, dict) else None
    return isinstance(error, dict) and "insufficient_quota" in (error.get("code"), error.get("type"))


def resolve_api_key(api_key_env: str = "OPENAI_API_KEY") -> str | None:
    """The API key from the environment variable named ``api_key_env`` (None if unset or empty)."""
    value = os.environ.get(api_key_env)
    return value or None


class LLMClient:
    """A thread-safe chat client over one OpenAI-compatible endpoint, with retries, cache and usage totals.

    Parameters: ``base_url`` of the endpoint (None: api.openai.com); ``api_key`` given directly (e.g. typed
    in the app for the session) or read from the environment variable ``api_key_env``; ``timeout`` per
    request in seconds; ``retry`` the :class:`RetryPolicy`; ``cache`` a :class:`ResponseCache` or None;
    ``sleep`` and ``rng`` can be replaced (tests record the waits instead of sleeping; by default a wait
    ends early when the client is stopped); ``max_unreachable`` requests in a row without any answer make the
    endpoint count as down (see the module docstring).

    :meth:`complete` never raises for endpoint faults; see the module docstring for what is retried. After
    :meth:`stop` it raises :class:`Interrupted` instead of sending or retrying.
    """

    def __init__(self, *, base_url: str | None = None, api_key: str | None = None,
                 api_key_env: str = "OPENAI_API_KEY", timeout: float = 120.0,
                 retry: RetryPolicy | None = None, cache: ResponseCache | None = None,
                 sleep: Callable[[float], None] | None = None, rng: random.Random | None = None,
                 max_unreachable: int = MAX_UNREACHABLE):
        import openai  # imported here: the rest of steps_core works without it

        if timeout <= 0:
            raise InputError("timeout must be > 0 seconds", field="timeout")
        base_url = base_url or os.environ.get("OPENAI_BASE_URL") or None  # what the openai package would use
        self.base_url = base_url
        self.host = base_url_host(base_url)
        self.endpoint = endpoint_id(base_url)
        self.timeout = float(timeout)
        self.retry = retry or RetryPolicy()
        self.cache = cache
        self._stop = threading.Event()
        self._sleep = sleep if sleep is not None else self._stop.wait
        self._rng = rng or random.Random()
        self._rng_lock = threading.Lock()
        key = api_key or resolve_api_key(api_key_env)
        self.has_key = key is not None
        self._secret = key  # kept only to scrub it from error messages; never written anywhere
        self._openai = openai
        self._client = openai.OpenAI(base_url=base_url, api_key=key or NO_KEY, timeout=self.timeout,
                                     max_retries=0)
        self._stats_lock = threading.Lock()
        self.max_unreachable = max_unreachable
        self._unreachable = 0                # requests in a row that got no answer at all
        self._down: str | None = None        # why the endpoint counts as down
        self.requests = 0
        self.cache_hits = 0
        self.in_flight = 0
        self.usage = Usage()

    def __repr__(self) -> str:
        return f"LLMClient(host={self.host!r}, timeout={self.timeout}, cache={self.cache.path if self.cache is not None else None})"

    def _scrub(self, message: str) -> str:
        """An error message without the key, shortened, and valid text (lone surrogates escaped)."""
        if self._secret:
            message = message.replace(self._secret, "***")
        return message[:500].encode("utf-8", "backslashreplace").decode("utf-8")

    def _count(self, *, requests: int = 0, hit: bool = False, usage: Usage | None = None) -> None:
        with self._stats_lock:
            self.requests += requests
            self.cache_hits += int(hit)
            if usage is not None:
                self.usage = self.usage + usage

    def stop(self) -> int:
        """Stop: no further request or retry is sent (they raise :class:`Interrupted`), retry waits end now.

        Requests already on the wire cannot be recalled; returns how many there are. Idempotent.
        """
        self._stop.set()
        with self._stats_lock:
            return self.in_flight

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def forget(self, result: ChatResult) -> None:
        """The caller rejects this answer (e.g. it cannot be parsed): drop it from the cache so that a rerun
        asks the endpoint again instead of reading the same answer."""
        if self.cache is not None and result.ok and result.key:
            self.cache.delete(result.key)

    def _check_stop(self) -> None:
        if self._stop.is_set():
            raise Interrupted("stopped before the request was answered")

    def complete(self, request: ChatRequest) -> ChatResult:
        """Send ``request`` (or answer it from the cache), retrying transient faults; never raises for them
        (but raises :class:`Interrupted` once the client is stopped)."""
        self._check_stop()
        key = request.cache_key(self.endpoint)
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                self._count(hit=True)
                return hit
        if self._down is not None:
            return ChatResult(ok=False, error=self._down, fatal=True, unreachable=True, key=key)
        openai = self._openai
        import httpx2  # the HTTP library of the openai package

        payload = request.payload()
        failures = 0
        while True:
            retry_after = None
            status: int | None = None
            raw: Any = None
            fatal = False
            no_answer = False
            self._check_stop()
            self._count(requests=1)
            try:
                text, usage, raw, finish = _decode_completion(self._send(payload))
            except openai.APIStatusError as exc:
                status = exc.status_code
                retryable = status in RETRY_STATUSES or status >= 500
                retry_after = _retry_after_seconds(exc.response.headers)
                fatal = status in FATAL_STATUSES
                if status == 429 and _quota_exhausted(exc.body):
                    retryable, fatal = False, True
                    error = "HTTP 429: the account has no quota left (insufficient_quota); add credit or " \
                            "use another key"
                elif status == 401:
                    error = "the endpoint refused the API key (HTTP 401); set it in the environment variable " \
                            "given by --api-key-env (default OPENAI_API_KEY)"
                else:
                    body = exc.body if isinstance(exc.body, dict) else {}
                    detail = body.get("message") if isinstance(body.get("message"), str) else str(exc.message)
                    error = f"HTTP {status}: {self._scrub(detail)}"
            except openai.APITimeoutError:
                retryable, no_answer, error = True, True, f"timed out after {self.timeout:g} s"
            except openai.APIConnectionError as exc:
                cause = exc.__cause__ or exc
                retryable, no_answer = True, True
                error = f"connection error: {self._scrub(str(cause) or type(cause).__name__)}"
            except httpx2.TransportError as exc:  # e.g. a body cut short while reading it
                retryable, error = True, f"transport error: {self._scrub(str(exc) or type(exc).__name__)}"
            except _TransientFault as exc:
                retryable, error, raw = True, str(exc), exc.raw
            except (openai.APIError, ValueError) as exc:  # response that does not validate, undecodable data
                retryable, error = True, f"bad response: {self._scrub(str(exc))}"
            else:
                self._answered()
                text, raw = redact(text, self._secret), redact(raw, self._secret)
                self._count(usage=usage)
                bad = bad_json_value({"text": text, "raw": raw})
                if bad is not None:        # never cached, never written: a rerun asks again
                    error = f"the answer is not valid text: {bad[1]} in {bad[0]}"
                    log.warning("request failed: %s", error)
                    return ChatResult(ok=False, usage=usage, raw=_valid_raw(raw), error=error,
                                      attempts=failures + 1, key=key)
                result = ChatResult(ok=True, text=text, usage=usage, raw=raw, attempts=failures + 1,
                                    finish_reason=finish, key=key)
                if self.cache is not None:
                    self.cache.put(key, request.model, result)
                return result
            if not no_answer:
                self._answered()
            raw = _valid_raw(redact(raw, self._secret))
            failures += 1
            if not retryable or failures >= self.retry.max_attempts:
                if retryable:
                    error = f"{error} (gave up after {failures} attempts)"
                log.warning("request failed: %s", error)
                unreachable = no_answer and self._no_answer(error)
                if unreachable:
                    error, fatal = self._down, True
                return ChatResult(ok=False, raw=raw, error=error, fatal=fatal, attempts=failures, key=key,
                                  unreachable=unreachable)
            with self._rng_lock:
                delay = self.retry.delay(failures, retry_after, self._rng)
            log.info("attempt %d/%d failed (%s); retrying in %.2f s", failures, self.retry.max_attempts,
                     error, delay)
            self._sleep(delay)

    def _answered(self) -> None:
        with self._stats_lock:
            self._unreachable = 0

    def _no_answer(self, error: str) -> bool:
        """Count a request that got no answer after its retries; True once the endpoint counts as down."""
        with self._stats_lock:
            self._unreachable += 1
            if self._down is None and self._unreachable >= self.max_unreachable:
                self._down = (f"the endpoint at {self.host} did not answer {self._unreachable} requests in a row "
                              f"(last: {error}); is the server running and the --base-url right?")
            return self._down is not None

    def _send(self, payload: dict) -> str:
        """One HTTP request; returns the response body text. Counts the requests on the wire."""
        with self._stats_lock:
            self.in_flight += 1
        try:
            response = self._client.chat.completions.with_raw_response.create(**payload)
            return response.http_response.text
        finally:
            with self._stats_lock:
                self.in_flight -= 1

    def close(self) -> None:
        """Close the HTTP connections (the cache is closed by its owner)."""
        self._client.close()


# ----------------------------------------------------------------------------------------------------------
# Concurrency
# ----------------------------------------------------------------------------------------------------------

T = TypeVar("T")
R = TypeVar("R")


_END = object()


def run_concurrently(fn: Callable[[T], R], items: Iterable[T], *, workers: int = 4,
                     progress: Progress | None = None, total: int | None = None) -> Iterator[R]:
    """Apply ``fn`` to every item on ``workers`` threads, yielding results as they complete.

    At most ``2 * workers`` items are in flight, so a long item list is never drawn ahead. If ``fn`` raises,
    the results that were already complete are yielded first, then the exception propagates and no further
    item is started. If the consumer stops iterating (e.g. Ctrl-C), no further item is started either and
    the call returns at once: the worker threads are daemons, so a process that exits never waits for the
    calls still running (stop the client too, :meth:`LLMClient.stop`, so that they send nothing more).
    ``progress(done, total)`` is called in the consumer's thread after each result. With ``workers=1``
    items run in order in the calling thread.

    >>> sorted(run_concurrently(lambda x: x * x, [1, 2, 3], workers=2))
    [1, 4, 9]
    """
    if workers < 1:
        raise InputError("workers must be >= 1", field="workers")
    if total is None and isinstance(items, Sequence):
        total = len(items)
    done = 0
    if progress is not None:
        progress(0, total)
    if workers == 1:
        for item in items:
            result = fn(item)
            done += 1
            if progress is not None:
                progress(done, total)
            yield result
        return
    tasks: queue.SimpleQueue = queue.SimpleQueue()
    results: queue.SimpleQueue = queue.SimpleQueue()
    cancelled = threading.Event()

    def work() -> None:
        while True:
            item = tasks.get()
            if item is _END or cancelled.is_set():
                return
            try:
                results.put((True, fn(item)))
            except BaseException as exc:  # handed to the consumer
                results.put((False, exc))

    threads = [threading.Thread(target=work, name=f"steps-llm-{n}", daemon=True) for n in range(workers)]
    for t in threads:
        t.start()
    source = iter(items)
    in_flight = 0
    exhausted = False

    def refill() -> None:
        nonlocal exhausted, in_flight
        while not exhausted and in_flight < 2 * workers:
            try:
                item = next(source)
            except StopIteration:
                exhausted = True
                return
            tasks.put(item)
            in_flight += 1

    try:
        refill()
        while in_flight:
            ok, value = results.get()
            in_flight -= 1
            if not ok:
                cancelled.set()
                ready = []
                while True:  # results already complete are the caller's: yield them before raising
                    try:
                        ready.append(results.get_nowait())
                    except queue.Empty:
                        break
                for ok2, other in ready:
                    if ok2:
                        done += 1
                        if progress is not None:
                            progress(done, total)
                        yield other
                raise value
            done += 1
            if progress is not None:
                progress(done, total)
            yield value
            refill()
    finally:
        cancelled.set()
        for _ in threads:
            tasks.put(_END)


def estimate_tokens(text: str) -> int:
    """A rough token count without a tokenizer: one token per 4 characters, rounded up.

    >>> estimate_tokens("abcdefghi")
    3
    """
    return math.ceil(len(text) / 4)
