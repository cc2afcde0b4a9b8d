"""Many calls at once: :func:`run_concurrently` on daemon threads, results as they complete."""

from __future__ import annotations

import queue
import threading
from typing import Callable, Iterable, Iterator, Sequence, TypeVar

from ..errors import InputError

Progress = Callable[[int, "int | None"], None]


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
