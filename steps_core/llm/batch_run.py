"""Carrying out a run through a batch API: :class:`BatchRunner`.

The items of a run (samples to make, samples to grade) are done by the same code as online, against
:class:`BatchAnswers`, a client that never touches the network: it answers from the batches' results and the
response cache, and notes every request it cannot answer yet. The runner goes in passes:

1. every item not yet finished is tried; an item all of whose requests were answered is finished and yielded
   (the caller writes it to the sink at once); the requests the others are waiting for are collected;
2. those covered by a batch recorded in the state (submitted earlier, maybe by a run that was interrupted) are
   waited for; the others are submitted in new batches, recorded first. With a budget, an item is admitted
   (its whole estimate reserved) the first time it waits for a request, in order, until one does not fit: the
   requests of the items not admitted are not submitted, and those of admitted items always are (a second
   round is never cut off); an item's reservation is settled with its real cost when it is finished;
3. the batches are polled until they end; their answers are downloaded, kept beside the state, put into the
   response cache, and the next pass begins.

A request that depends on an earlier answer (the second round of a Skill-Mix sample) is discovered in the pass
after that answer arrived: each round is one batch. Requests that fail in a batch fail their item, which is
written as failed (a rerun retries it, online or in a new batch); requests the budget did not admit leave their
item undone (:attr:`BatchRunner.left`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from .batch import (MAX_BATCH_BYTES, MAX_BATCH_REQUESTS, POLL_INTERVAL, TERMINAL, BatchAPI, BatchEntry, BatchState,
                    batch_input, input_sha256, read_results)
from .budget import Budget, BudgetReached
from .chat import ChatRequest, ChatResult, Interrupted, Usage
from .client import LLMClient
from .concurrency import Progress

log = logging.getLogger(__name__)

#: Passes after which a run stops even if its items still wait for answers (a template that never ends).
MAX_PASSES = 50


class BatchAnswers:
    """A client look-alike (what backends and judges call) answering from batch results and the cache only.

    ``answers`` holds this run's batch answers (paid now: ``cached=False``), ``failures`` the requests that
    failed in a batch of this run; a request answered by neither nor the cache is added to ``missing`` and
    gets a failed result (the item is tried again in the next pass)."""

    def __init__(self, client: LLMClient):
        self.host = client.host
        self.endpoint = client.endpoint
        self.cache = client.cache
        self.has_key = client.has_key
        self.answers: dict[str, ChatResult] = {}
        self.failures: dict[str, str] = {}
        self.missing: dict[str, ChatRequest] = {}
        self.used: list[str] = []           # keys answered from ``answers`` since the caller last cleared it
        self.requests = 0
        self.cache_hits = 0
        self.usage = Usage()
        self.in_flight = 0

    def complete(self, request: ChatRequest) -> ChatResult:
        key = request.cache_key(self.endpoint)
        found = self.answers.get(key)
        if found is not None:
            self.used.append(key)
            return found
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                return hit
        if key in self.failures:
            return ChatResult(ok=False, error=self.failures[key], attempts=1, key=key)
        self.missing[key] = request
        return ChatResult(ok=False, error="waiting for a batch", key=key)

    def forget(self, result: ChatResult) -> None:
        """An answer the caller cannot use: out of the cache (a later run asks again); this run keeps it, so
        that the item stays as it was decided."""
        if self.cache is not None and result.ok and result.key:
            self.cache.delete(result.key)

    def stop(self) -> int:
        return 0

    @property
    def stopped(self) -> bool:
        return False

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class BatchStatus:
    """What polling shows: one batch's id, status and request counts."""

    batch_id: str
    status: str
    completed: int
    failed: int
    total: int


class BatchRunner:
    """Runs items through the batch API of ``client``'s endpoint, keeping its state in ``folder`` (see the
    module docstring). ``kind`` names the run in the state (``synth``, ``grade``); ``budget`` admits the
    items whose requests are submitted; ``wait=False`` returns once the batches are submitted (a rerun collects them);
    ``on_status(list of BatchStatus)`` is told what polling sees, ``on_note(text)`` what the user should read
    (a batch that failed, requests that failed)."""

    def __init__(self, client: LLMClient, folder: str | Path, *, kind: str, budget: Budget | None = None,
                 poll_interval: float = POLL_INTERVAL, wait: bool = True, max_requests: int = MAX_BATCH_REQUESTS,
                 max_bytes: int = MAX_BATCH_BYTES, sleep: Callable[[float], Any] | None = None):
        self.api = BatchAPI(client)
        self.answers = BatchAnswers(client)
        self.state = BatchState(folder)
        self.kind = kind
        self.budget = budget
        self.poll_interval = poll_interval
        self.wait = wait
        self.max_requests = max_requests
        self.max_bytes = max_bytes
        self._secret = client._secret
        self._sleep = sleep or self.api._stop.wait
        self.on_status: Callable[[list[BatchStatus]], None] | None = None
        self.on_note: Callable[[str], None] | None = None
        self.submitted: list[str] = []      # batches this run submitted
        self.collected: list[str] = []      # batches this run downloaded
        self.waiting: list[str] = []        # batches still running when the run returned
        self.left: list = []                # items not finished (the budget, or not waiting)
        self.failed_requests = 0
        self._held: dict[int, float] = {}       # id(item) -> the budget it holds
        self._batch_of: dict[str, str] = {}     # key -> the batch (of this run) that answered it

    def stop(self) -> int:
        """Stop waiting at once (:class:`Interrupted`); the batches keep running on the server and the state
        says where they are."""
        self.api.stop()
        return 0

    def _note(self, text: str) -> None:
        log.info("%s", text)
        if self.on_note is not None:
            self.on_note(text)

    # -- the passes ---------------------------------------------------------------------------------

    def run(self, items: Sequence, attempt: Callable[[Any], dict], *, progress: Progress | None = None,
            mark: Callable[[dict, list[str]], None] | None = None, estimate: Callable[[Any], float] | None = None,
            cost: Callable[[dict], float] | None = None) -> Iterator[dict]:
        """Finish each item by ``attempt(item)`` (which asks :attr:`answers`), yielding it when finished;
        ``mark(record, batch ids)`` is called first for a record answered (in part) by batches of this run.
        With a budget, ``estimate(item)`` is what an item is expected to cost and ``cost(record)`` what it
        did."""
        self._load_kept()
        todo, done, total = list(items), 0, len(items)
        if progress is not None:
            progress(0, total)
        for _ in range(MAX_PASSES):
            still: list = []
            missing: dict[str, ChatRequest] = {}
            for item in todo:
                self.answers.missing, self.answers.used = {}, []
                record = attempt(item)
                if self.answers.missing:
                    still.append(item)
                    if self._admitted(item, estimate):
                        missing.update(self.answers.missing)
                    continue
                held = self._held.pop(id(item), None)
                if held is not None and self.budget is not None:
                    self.budget.settle(held, cost(record) if cost is not None else held)
                ids = list(dict.fromkeys(self._batch_of[k] for k in self.answers.used if k in self._batch_of))
                if ids and mark is not None:
                    mark(record, ids)
                done += 1
                yield record
                if progress is not None:
                    progress(done, total)
            todo = still
            if not todo:
                break
            active = self._covering(missing)
            covered = {k for e in active for k in e.custom_ids}
            new = {k: r for k, r in missing.items() if k not in covered}
            if new:
                active += self._submit(new)
            if not active:
                break                      # nothing can answer the rest: the budget stopped
            if not self._collect(active, once=not self.wait):
                self.waiting = [str(e.batch_id) for e in active if not e.downloaded]
                break                      # not waiting: a rerun collects them
        self.left = todo
        if not todo and any(e.downloaded and not e.merged for e in self.state.entries):
            for entry in self.state.entries:
                entry.merged = entry.merged or entry.downloaded
            self.state.save()

    def _admitted(self, item: Any, estimate: Callable[[Any], float] | None) -> bool:
        """Whether an item waiting for requests may have them submitted: always without a budget; with one,
        once its estimate is reserved (the first time it waits; never again after the budget stopped)."""
        if self.budget is None or id(item) in self._held:
            return True
        try:
            self._held[id(item)] = self.budget.reserve(estimate(item) if estimate is not None else 0.0, wait=False)
        except BudgetReached as exc:
            if self.budget.refused == 1:
                self._note(f"budget: {exc}; what is left is not submitted")
            return False
        return True

    def _load_kept(self) -> None:
        """The answers of batches downloaded earlier (their failures are retried: a new run, a new try);
        answers of batches whose items were all written count as from the cache."""
        for entry in self.state.entries:
            if not entry.downloaded:
                continue
            for result, model in self.state.read_results(entry):
                if not result.ok:
                    continue
                if entry.merged:
                    result = ChatResult(ok=True, text=result.text, usage=result.usage, raw=result.raw, attempts=0,
                                        cached=True, finish_reason=result.finish_reason, key=result.key)
                else:
                    self._batch_of[result.key] = str(entry.batch_id)
                self.answers.answers[result.key] = result
                if self.answers.cache is not None:
                    self.answers.cache.put(result.key, model, result)

    # -- submitting ---------------------------------------------------------------------------------

    def _covering(self, missing: dict[str, ChatRequest]) -> list[BatchEntry]:
        """The recorded batches not yet downloaded that cover some of the ``missing`` requests; a batch whose
        creation was cut short is looked for on the server and adopted, or marked abandoned."""
        out = []
        changed = False
        for entry in self.state.entries:
            if entry.downloaded or entry.status == "abandoned" or not set(entry.custom_ids) & missing.keys():
                continue
            if entry.batch_id is None and entry.input_file_id is not None:
                found = self.api.find(entry.input_file_id)
                if found is not None:
                    entry.update(found)
                    self._note(f"batch {entry.batch_id}: found on the server (its creation was interrupted); "
                               "collecting it")
                changed = True
            if entry.batch_id is None:
                entry.status = "abandoned"         # never submitted: nothing was paid
                changed = True
                continue
            out.append(entry)
        if changed:
            self.state.save()
        if out:
            self._note(f"collecting {len(out)} batch(es) submitted earlier: "
                       + ", ".join(str(e.batch_id) for e in out))
        return out

    def _submit(self, new: dict[str, ChatRequest]) -> list[BatchEntry]:
        """Submit ``new`` requests in batches of at most ``max_requests`` requests and ``max_bytes`` bytes;
        each recorded before its upload, with its file, and with its id."""
        keys = list(new)
        entries = []
        for chunk in self._chunks(keys, new):
            requests = {k: new[k] for k in chunk}
            data = batch_input(requests)
            model = next(iter(requests.values())).model
            entry = self.state.add(BatchEntry(sha256=input_sha256(data), kind=self.kind, model=model,
                                              endpoint=self.answers.endpoint, custom_ids=list(chunk)))
            entry.input_file_id = self.api.upload(data, f"steps-{self.kind}-{entry.sha256[:16]}.jsonl")
            entry.status = "uploaded"
            self.state.save()
            batch = self.api.create(entry.input_file_id, {"steps_kind": self.kind, "steps_input": entry.sha256[:16]})
            entry.update(batch)
            self.state.save()
            self.submitted.append(str(entry.batch_id))
            self._note(f"batch {entry.batch_id}: submitted {len(chunk)} request(s)")
            entries.append(entry)
        return entries

    def _chunks(self, keys: list[str], requests: dict[str, ChatRequest]) -> Iterator[list[str]]:
        chunk: list[str] = []
        size = 0
        for key in keys:
            n = len(batch_input({key: requests[key]}))
            if chunk and (len(chunk) >= self.max_requests or size + n > self.max_bytes):
                yield chunk
                chunk, size = [], 0
            chunk.append(key)
            size += n
        if chunk:
            yield chunk

    # -- waiting and downloading --------------------------------------------------------------------

    def _collect(self, entries: list[BatchEntry], *, once: bool = False) -> bool:
        """Poll ``entries`` until each has ended, downloading each as it ends; with ``once``, look once and
        return whether any has ended."""
        pending = [e for e in entries if not e.downloaded]
        while True:
            for entry in pending:
                if entry.status not in TERMINAL:
                    before = (entry.status, dict(entry.counts))
                    entry.update(self.api.retrieve(str(entry.batch_id)))
                    if (entry.status, entry.counts) != before:
                        self.state.save()
                if entry.status in TERMINAL and not entry.downloaded:
                    self._download(entry)
            if self.on_status is not None:
                self.on_status([BatchStatus(str(e.batch_id), e.status, e.counts.get("completed", 0),
                                            e.counts.get("failed", 0), e.counts.get("total", len(e.custom_ids)))
                                for e in entries])
            still = [e for e in pending if not e.downloaded]
            if not still or once:
                return len(still) < len(pending)
            pending = still
            self._sleep(self.poll_interval)
            if self.api.stopped:
                raise Interrupted("stopped while waiting for a batch")

    def _download(self, entry: BatchEntry) -> None:
        """Read a finished batch's output and error files, keep the answers beside the state and in the
        cache, and note the failures."""
        results: dict[str, ChatResult] = {}
        for file_id in (entry.output_file_id, entry.error_file_id):
            if file_id:
                results.update(read_results(self.api.content(file_id), secret=self._secret,
                                            batch_id=str(entry.batch_id)))
        why = "; ".join(entry.errors) or f"the batch ended {entry.status} before answering it"
        for key in entry.custom_ids:
            if key not in results:
                results[key] = ChatResult(ok=False, error=f"batch {entry.batch_id}: {why}"[:600], attempts=1,
                                          key=key)
        results = {k: results[k] for k in entry.custom_ids}         # nothing the batch was not asked
        self.state.write_results(entry, results.values(), {})
        self.collected.append(str(entry.batch_id))
        failed = [r for r in results.values() if not r.ok]
        self.failed_requests += len(failed)
        for result in results.values():
            if result.ok:
                self.answers.answers[result.key] = result
                self._batch_of[result.key] = str(entry.batch_id)
                if self.answers.cache is not None:
                    self.answers.cache.put(result.key, entry.model, result)
            else:
                self.answers.failures[result.key] = str(result.error)
        self._note(f"batch {entry.batch_id}: {entry.status}, {len(results) - len(failed)} answer(s), "
                   f"{len(failed)} failed" + (f" (e.g. {failed[0].error})" if failed else ""))


__all__ = ["BatchAnswers", "BatchStatus", "BatchRunner", "MAX_PASSES"]
