"""An OpenAI-compatible chat client with our own retries, a persistent response cache and cost accounting.

The client wraps ``openai.OpenAI(base_url=..., max_retries=0)``: the ``openai`` package does the HTTP, this
package decides what to retry. A request is a :class:`ChatRequest`; its answer a :class:`ChatResult`, which
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

One module per reason to change: :mod:`~steps_core.llm.chat` (requests, results, usage, prices, errors),
:mod:`~steps_core.llm.retry` (what is retried, how long to wait), :mod:`~steps_core.llm.cache` (the response
cache), :mod:`~steps_core.llm.client` (:class:`LLMClient`), :mod:`~steps_core.llm.concurrency`
(:func:`run_concurrently`), :mod:`~steps_core.llm.budget` (:class:`Budget`: a spending limit),
:mod:`~steps_core.llm.batch` (the Batch API and the state a run keeps of its batches) and
:mod:`~steps_core.llm.batch_run` (:class:`BatchRunner`: a run carried out through batches). Every name below
is importable from ``steps_core.llm`` directly.
"""

from __future__ import annotations

from .batch import BATCH_DISCOUNT, POLL_INTERVAL, BatchAPI, BatchState
from .batch_run import BatchAnswers, BatchRunner, BatchStatus
from .budget import Budget, BudgetReached
from .cache import ResponseCache, default_cache_path
from .chat import (ChatRequest, ChatResult, EndpointError, EndpointUnreachable, Interrupted, Price, Usage,
                   estimate_tokens, raise_fatal, read_price_table)
from .client import (MAX_UNREACHABLE, NO_KEY, REDACTED, LLMClient, base_url_host, endpoint_id, redact,
                     resolve_api_key)
from .concurrency import Progress, run_concurrently
from .retry import FATAL_STATUSES, RETRY_STATUSES, RetryPolicy, retry_after_seconds

__all__ = [
    "ChatRequest", "ChatResult", "EndpointError", "EndpointUnreachable", "Interrupted", "Price", "Usage",
    "estimate_tokens", "raise_fatal", "read_price_table", "ResponseCache", "default_cache_path", "LLMClient",
    "MAX_UNREACHABLE", "NO_KEY", "REDACTED", "base_url_host", "endpoint_id", "redact", "resolve_api_key",
    "Progress", "run_concurrently", "RetryPolicy", "RETRY_STATUSES", "FATAL_STATUSES", "retry_after_seconds",
    "Budget", "BudgetReached", "BATCH_DISCOUNT", "POLL_INTERVAL", "BatchAPI", "BatchState", "BatchAnswers",
    "BatchRunner", "BatchStatus",
]
