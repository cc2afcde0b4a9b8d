"""What is retried and how long to wait: :class:`RetryPolicy` (exponential backoff with jitter) and the
server's ``Retry-After``."""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass
from typing import Mapping

from ..errors import InputError

#: HTTP statuses that are worth retrying.
RETRY_STATUSES = frozenset({408, 409, 425, 429})
#: HTTP statuses after which no further request to the endpoint can succeed.
FATAL_STATUSES = frozenset({401, 403, 404})


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


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
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
