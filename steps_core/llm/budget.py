"""A spending limit (:class:`Budget`): work is admitted while the estimated spend stays within it.

A unit of work (one sample to make, one sample to grade) is admitted with its estimated cost: that of its
requests not already answered by the cache, each at the price (:class:`~steps_core.llm.Price`, per 1M tokens,
less a batch ``discount``) of its input tokens (4 characters per token plus 4 per message, as ``--estimate``)
and of its answer: ``max_tokens`` when the request sets it, else ``output_tokens`` (:meth:`Budget.estimate`).
:meth:`Budget.reserve` adds the estimate to what is reserved before the work sends anything; when the work is
done, :meth:`Budget.settle` replaces the reservation by its real cost. Work fits when

    spent (work done) + reserved (work under way) + its estimate <= limit

Work that does not fit waits for the work under way to settle (its real cost is often below the estimate);
when none is left and it still does not fit, it is refused and so is all further work (the budget is
*stopped*). So a run stops in time however many requests run at once, and does not stop earlier for running
several; work that is admitted is finished (a sample's second round is never cut off). An answer longer than
its estimate can make the real spend pass the limit by that difference (never when ``max_tokens`` is set,
which bounds the answer). Work answered from the cache is free and never asks the budget.

>>> b = Budget(0.01, Price(0.0, 1000.0), output_tokens=4)
>>> req = ChatRequest(messages=({"role": "user", "content": "hi"},), model="m")
>>> b.estimate(req)
0.004
>>> t1, t2 = b.reserve(0.004), b.reserve(0.004)
>>> b.reserve(0.004, wait=False)
Traceback (most recent call last):
...
steps_core.llm.budget.BudgetReached: --max-cost $0.0100 reached: $0.0000 spent, $0.0080 under way, ...
>>> b.settle(t1, 0.003); round(b.spent, 6), b.stopped
(0.003, True)
"""

from __future__ import annotations

import math
import threading
from typing import Callable

from ..errors import InputError
from .chat import ChatRequest, Interrupted, Price, Usage, estimate_tokens

#: A relative tolerance on the comparison with the limit (sums of float prices).
_EPS = 1e-9


class BudgetReached(Interrupted):
    """Work was refused: doing it would pass the budget (``--max-cost``)."""


def request_tokens(request: ChatRequest) -> int:
    """The estimated input tokens of a request: 4 characters per token plus 4 tokens per message (the
    estimate ``steps synth --estimate`` prints)."""
    return sum(estimate_tokens(m["content"] or "") + 4 for m in request.messages)


class Budget:
    """At most ``limit`` US dollars of estimated spend at ``price`` (less ``discount``, e.g. 0.5 for a batch
    API's half price); an answer is estimated at ``output_tokens`` unless the request sets ``max_tokens``.
    Thread-safe; see the module docstring."""

    def __init__(self, limit: float, price: Price | None, *, output_tokens: int = 800, discount: float = 0.0):
        if isinstance(limit, bool) or not isinstance(limit, (int, float)) or not math.isfinite(limit) or limit < 0:
            raise InputError(f"must be a finite number of US dollars >= 0, got {limit!r}", field="max-cost")
        if price is None:
            raise InputError("a budget needs the model's price: pass --prices FILE or --price-input and "
                             "--price-output", field="max-cost")
        if not 0.0 <= discount < 1.0:
            raise InputError(f"must be in [0, 1), got {discount!r}", field="batch-discount")
        if output_tokens < 1:
            raise InputError("must be >= 1", field="expected-output-tokens")
        self.limit = float(limit)
        self.price = price
        self.output_tokens = int(output_tokens)
        self.discount = float(discount)
        self.spent = 0.0            # real cost of the answers received
        self.reserved = 0.0         # estimates of the work under way
        self.on_wire = 0            # work admitted and not settled
        self.admitted = 0           # work admitted
        self.refused = 0            # work refused
        self.next_estimate: float | None = None    # the estimate of the first work refused
        self._stopped = False
        self._lock = threading.Condition()

    @property
    def stopped(self) -> bool:
        """Whether a request was refused (every further one is)."""
        return self._stopped

    def cost(self, usage: Usage) -> float:
        """The cost of ``usage`` at this budget's price, less the discount."""
        return self.price.cost(usage) * (1.0 - self.discount)

    def estimate(self, request: ChatRequest) -> float:
        """The estimated cost of sending ``request``: its input tokens and an answer of its ``max_tokens``,
        else :attr:`output_tokens`."""
        out = request.max_tokens if request.max_tokens is not None else self.output_tokens
        return self.cost(Usage(request_tokens(request), out))

    def reserve(self, amount: float, *, wait: bool = True, stopped: Callable[[], bool] | None = None) -> float:
        """Admit work estimated at ``amount``: returns the amount held (give it back to :meth:`settle`), or
        raises :class:`BudgetReached` and stops the budget. Work that does not fit yet waits for the work
        under way to settle (``wait=False``: refused at once); ``stopped()`` true ends the wait with
        :class:`Interrupted`."""
        need = max(0.0, float(amount))
        with self._lock:
            while True:
                if not self._stopped and self.spent + self.reserved + need <= self.limit * (1 + _EPS) + 1e-15:
                    self.reserved += need
                    self.on_wire += 1
                    self.admitted += 1
                    return need
                if self._stopped or self.on_wire == 0 or not wait:
                    self.refused += 1
                    if not self._stopped:
                        self._stopped = True
                        self.next_estimate = need
                    raise BudgetReached(self.describe(need))
                if stopped is not None and stopped():
                    raise Interrupted("stopped while waiting for the budget")
                self._lock.wait(0.1)

    def settle(self, reserved: float, cost: float) -> None:
        """Work admitted with ``reserved`` is done; it cost ``cost`` (at this budget's price, less the
        discount; 0 when nothing was billed)."""
        with self._lock:
            self.on_wire = max(0, self.on_wire - 1)
            self.reserved = max(0.0, self.reserved - reserved) if self.on_wire else 0.0
            self.spent += max(0.0, float(cost))
            self._lock.notify_all()

    def describe(self, need: float | None = None) -> str:
        """Where the budget stands, in words."""
        text = (f"--max-cost ${self.limit:.4f} reached: ${self.spent:.4f} spent, ${self.reserved:.4f} under way")
        if need is not None:
            text += f", the next would need ~${need:.4f}"
        return text


__all__ = ["Budget", "BudgetReached", "request_tokens"]
