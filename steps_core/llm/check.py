"""Testing an endpoint before a run: list its models, send one tiny request, say how long each took and what
went wrong, in words (:func:`check_endpoint` -> :class:`EndpointReport`).

The API key is used for the two requests only: it is never part of the report, its text or an error message
(they are scrubbed of it), and nothing is cached. The tiny request asks for a few tokens at temperature 0, once
(no retries: a test should say at once what is wrong).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

from .chat import ChatRequest, Usage
from .client import NO_KEY, LLMClient, endpoint_id, resolve_api_key
from .retry import RetryPolicy

#: What the tiny request asks.
PROBE = "Reply with the single word OK."
#: The most tokens the tiny request may cost.
PROBE_MAX_TOKENS = 8
#: Seconds each of the two requests may take when the endpoint sets no timeout.
CHECK_TIMEOUT = 30.0


@dataclass(frozen=True)
class EndpointReport:
    """What :func:`check_endpoint` found. ``endpoint``: host and path of the base URL (no credentials);
    ``key``: where the key came from (never the key); ``models``: the ids the endpoint lists (None when it
    could not list them, ``models_error`` says why); ``model``: the model the tiny request used, and
    ``model_listed`` whether the list holds it (None without a list); ``ok``: the tiny request was answered,
    with ``reply`` (its first 200 characters), ``latency_s`` and ``usage``, else ``error`` says why."""

    endpoint: str
    key: str
    models: tuple[str, ...] | None
    models_error: str | None
    models_latency_s: float | None
    model: str | None
    model_listed: bool | None
    ok: bool
    reply: str = ""
    latency_s: float | None = None
    usage: Usage = Usage()
    error: str | None = None

    def lines(self) -> list[str]:
        """The report in plain sentences, one per finding (what the app and a terminal show)."""
        out = [f"Endpoint: {self.endpoint} (API key: {self.key})."]
        if self.models is not None:
            shown = ", ".join(self.models[:10]) + (f", … ({len(self.models)} in all)" if len(self.models) > 10 else "")
            out.append(f"Models listed in {self.models_latency_s:.2f} s: {shown or 'none'}.")
        else:
            out.append(f"Could not list the models: {self.models_error}.")
        if self.model is None:
            out.append("No request sent: type a model name (the endpoint listed none to try).")
        elif self.ok:
            out.append(f"Model {self.model} answered in {self.latency_s:.2f} s ({self.usage.prompt_tokens} + "
                       f"{self.usage.completion_tokens} tokens): {self.reply!r}.")
        else:
            out.append(f"Model {self.model} did not answer: {self.error}.")
        if self.model_listed is False:
            out.append(f"Note: {self.model} is not among the models this endpoint lists.")
        return out


def _scrub(text: str, key: str | None) -> str:
    text = " ".join(str(text).split())
    if key and len(key) >= 4:
        text = text.replace(key, "***")
    return text[:300]


def _list_models(base_url: str | None, key: str | None, timeout: float) -> tuple[tuple[str, ...] | None, str | None]:
    import openai

    client = openai.OpenAI(base_url=base_url, api_key=key or NO_KEY, timeout=timeout, max_retries=0)
    try:
        ids = tuple(sorted(str(m.id) for m in client.models.list()))
        return ids, None
    except openai.APIStatusError as exc:
        if exc.status_code == 401:
            return None, "the endpoint refused the API key (HTTP 401)"
        if exc.status_code in (404, 405, 501):
            return None, f"this endpoint does not offer a model list (HTTP {exc.status_code})"
        return None, f"HTTP {exc.status_code}: {_scrub(exc.message, key)}"
    except openai.APITimeoutError:
        return None, f"no answer within {timeout:g} s"
    except openai.APIConnectionError as exc:
        return None, f"cannot connect: {_scrub(exc.__cause__ or exc, key)}"
    except (openai.APIError, ValueError, TypeError, AttributeError) as exc:
        return None, f"an answer that is not a model list ({_scrub(exc, key)})"
    finally:
        client.close()


def check_endpoint(endpoint: Any, model: str | None = None, *, timeout: float | None = None) -> EndpointReport:
    """List the models of ``endpoint`` and send one tiny chat request to ``model`` (else to the first model
    listed); a report of what worked, how long it took and, in words, what did not.

    ``endpoint`` is anything with ``base_url`` (None: ``$OPENAI_BASE_URL`` or api.openai.com), ``api_key``
    (typed for the session; None: the environment variable named ``api_key_env``, default
    ``OPENAI_API_KEY``) and ``timeout`` attributes, e.g. :class:`steps_core.synthesis.Endpoint`. Never raises
    for a fault of the endpoint (refused key, unknown model, nothing listening, a timeout): the report says it.
    """
    base_url = getattr(endpoint, "base_url", None) or os.environ.get("OPENAI_BASE_URL") or None
    env = getattr(endpoint, "api_key_env", None) or "OPENAI_API_KEY"
    typed = getattr(endpoint, "api_key", None)
    key = typed or resolve_api_key(env)
    source = "typed for this session" if typed else (f"from ${env}" if key else "none")
    limit = float(timeout or min(float(getattr(endpoint, "timeout", None) or CHECK_TIMEOUT), CHECK_TIMEOUT))
    t = time.perf_counter()
    models, models_error = _list_models(base_url, key, limit)
    models_latency = time.perf_counter() - t if models is not None else None
    chosen = (model or "").strip() or (models[0] if models else None)
    listed = None if models is None or chosen is None else chosen in models
    common = dict(endpoint=endpoint_id(base_url), key=source, models=models, models_error=models_error,
                  models_latency_s=models_latency, model=chosen, model_listed=listed)
    if chosen is None:
        return EndpointReport(ok=False, error="no model to try", **common)
    client = LLMClient(base_url=base_url, api_key=key, api_key_env=env, timeout=limit, cache=None,
                       retry=RetryPolicy(max_attempts=1))
    try:
        t = time.perf_counter()
        result = client.complete(ChatRequest(messages=({"role": "user", "content": PROBE},), model=chosen,
                                             temperature=0.0, max_tokens=PROBE_MAX_TOKENS))
        latency = time.perf_counter() - t
    finally:
        client.close()
    if not result.ok:
        error = _scrub(result.error or "no answer", key)
        if "HTTP 401" in error:
            error = "the endpoint refused the API key (HTTP 401)"
        return EndpointReport(ok=False, error=error, latency_s=latency, **common)
    return EndpointReport(ok=True, reply=_scrub(result.text, key)[:200], latency_s=latency, usage=result.usage,
                          **common)


__all__ = ["EndpointReport", "check_endpoint", "PROBE", "PROBE_MAX_TOKENS", "CHECK_TIMEOUT"]
