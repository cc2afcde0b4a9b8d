"""The client of one OpenAI-compatible endpoint: retries, the cache, usage totals, redaction of the key, and
stopping at once (:class:`LLMClient`)."""

from __future__ import annotations

import json
import logging
import math
import os
import random
import threading
from typing import Any, Callable
from urllib.parse import urlsplit

from ..errors import InputError
from ..io import bad_json_value
from .cache import ResponseCache
from .chat import ChatRequest, ChatResult, Interrupted, Usage
from .retry import FATAL_STATUSES, RETRY_STATUSES, RetryPolicy, retry_after_seconds

log = logging.getLogger(__name__)

#: Placeholder key sent when no key is configured (local servers such as vLLM accept any key).
NO_KEY = "no-key-set"
#: Requests in a row without any answer (connection errors, timeouts) after which the endpoint counts as down.
MAX_UNREACHABLE = 3
#: What replaces the API key in an answer that echoes it.
REDACTED = "[redacted]"


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
        raise _TransientFault(f"malformed response body ({exc})",
                              raw=body[:2000] if isinstance(body, str) else None) from None
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
    parts = _url_parts(base_url)
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
    path = _url_parts(base_url).path.rstrip("/") if base_url else "/v1"
    return base_url_host(base_url) + path


def _url_parts(base_url: str):
    """The parts of a base URL, read as ``http://`` when it has no scheme."""
    return urlsplit(base_url if "://" in base_url else "http://" + base_url)


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
        cache = self.cache.path if self.cache is not None else None
        return f"LLMClient(host={self.host!r}, timeout={self.timeout}, cache={cache})"

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
                retry_after = retry_after_seconds(exc.response.headers)
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
