"""The OpenAI Batch API (files + batches), and what a run keeps about its batches on disk.

* :class:`BatchAPI`: upload a JSONL file of requests (purpose ``batch``), create a batch on
  ``/v1/chat/completions`` with the ``24h`` completion window, retrieve it, find the batch made from an
  uploaded file, and download its output and error files; through the ``openai`` package of an
  :class:`~steps_core.llm.LLMClient` (the same endpoint, key and retry policy). Transient faults are retried;
  creating a batch is never retried blindly: after a fault the batches are searched for one made from the
  same file first (the server may have made it before the answer was lost), so that nothing is paid twice.
* :func:`batch_input` and :func:`read_results`: the request lines sent (``custom_id`` = the request's cache
  key) and the answers read back, checked like online answers (the key redacted, invalid text refused).
* :class:`BatchState`: ``state.json`` in a folder beside the output, rewritten atomically at each step:
  a batch is recorded before its file is uploaded, again with the file id, again with the batch id *before*
  any waiting; the answers of a finished batch go to ``<batch id>.results.jsonl`` in the same folder. A rerun
  reads it, collects the batches still running instead of submitting their requests again, and adopts a
  batch whose creation was cut short. Nothing in the folder holds the API key.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from ..errors import InputError
from ..io import bad_json_value, guarded_output, json_text, read_json_file
from .chat import ChatRequest, ChatResult, EndpointError, EndpointUnreachable, Interrupted
from .client import LLMClient, _decode_completion, _TransientFault, redact
from .retry import RETRY_STATUSES, retry_after_seconds

log = logging.getLogger(__name__)

#: The usual discount of a batch API on the online price (OpenAI: half price).
BATCH_DISCOUNT = 0.5
#: Seconds between two looks at a running batch.
POLL_INTERVAL = 30.0
#: The completion window asked for.
COMPLETION_WINDOW = "24h"
#: The endpoint every request line goes to.
BATCH_ENDPOINT = "/v1/chat/completions"
#: At most this many requests, and this many bytes, per batch (OpenAI: 50,000 and 200 MB).
MAX_BATCH_REQUESTS = 50_000
MAX_BATCH_BYTES = 190 * 1024 * 1024
#: Statuses after which a batch changes no more.
TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})
#: Batches looked through when searching for the one made from a file.
_SEARCH_LIMIT = 1000
STATE_FORMAT = "steps-batch-state"


def batch_input(requests: Mapping[str, ChatRequest]) -> bytes:
    """The JSONL file of a batch: one line per request, ``custom_id`` its key.

    >>> req = ChatRequest(messages=({"role": "user", "content": "hi"},), model="m", seed=1)
    >>> json.loads(batch_input({"k1": req}))["body"]
    {'model': 'm', 'messages': [{'role': 'user', 'content': 'hi'}], 'seed': 1}
    """
    lines = [json.dumps({"custom_id": key, "method": "POST", "url": BATCH_ENDPOINT, "body": req.payload()},
                        ensure_ascii=False, separators=(",", ":")) for key, req in requests.items()]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _line_error(obj: Mapping) -> str | None:
    """Why a line of a batch's output or error file holds no answer (None: it holds one)."""
    error = obj.get("error")
    if isinstance(error, Mapping) and (error.get("message") or error.get("code")):
        code = f"{error.get('code')}: " if error.get("code") else ""
        return f"{code}{error.get('message') or ''}".strip()
    response = obj.get("response")
    if not isinstance(response, Mapping):
        return "no response"
    status = response.get("status_code")
    if status != 200:
        body = response.get("body")
        detail = body.get("error", body) if isinstance(body, Mapping) else body
        if isinstance(detail, Mapping):
            detail = detail.get("message") or json.dumps(detail)[:300]
        return f"HTTP {status}: {detail}"
    return None


def read_results(data: bytes, *, secret: str | None, batch_id: str) -> dict[str, ChatResult]:
    """The answers (and failures) of a batch's output or error file, by custom id. Each answer is checked as
    an online one: a body that is not a chat completion, or that holds invalid text (a NaN, a lone
    surrogate), is a failure; the API key is redacted. Lines that are not JSON are skipped with a warning."""
    out: dict[str, ChatResult] = {}
    for n, raw in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError:
            log.warning("batch %s: line %d of a result file is not JSON; skipped", batch_id, n)
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("custom_id"), str):
            log.warning("batch %s: line %d of a result file has no custom_id; skipped", batch_id, n)
            continue
        key = obj["custom_id"]
        error = _line_error(obj)
        if error is None:
            body = obj["response"].get("body")
            try:
                bad = bad_json_value(body)
                if bad is not None:
                    raise _TransientFault(f"the answer is not valid text: {bad[1]} in {bad[0]}")
                text, usage, body, finish = _decode_completion(json.dumps(body, ensure_ascii=False))
            except _TransientFault as exc:
                error = str(exc)
            else:
                out[key] = ChatResult(ok=True, text=redact(text, secret), usage=usage, raw=redact(body, secret),
                                      attempts=1, finish_reason=finish, key=key)
                continue
        error = redact(error, secret)
        out[key] = ChatResult(ok=False, error=f"batch {batch_id}: {error}"[:600], attempts=1, key=key)
    return out


# ----------------------------------------------------------------------------------------------------------
# The endpoint's files and batches
# ----------------------------------------------------------------------------------------------------------

class BatchAPI:
    """The files and batches endpoints of ``client``'s endpoint (see the module docstring). ``sleep`` waits
    between retries (default: until :meth:`stop`)."""

    def __init__(self, client: LLMClient, *, sleep: Callable[[float], Any] | None = None):
        self.host = client.host
        self.retry = client.retry
        self._openai = client._openai
        self._client = client._client
        self._secret = client._secret
        self._scrub = client._scrub
        self._stop = threading.Event()
        self._sleep = sleep or self._stop.wait

    def stop(self) -> None:
        """End every wait and retry at once (:class:`Interrupted`)."""
        self._stop.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def _call(self, what: str, fn: Callable[[], Any], *, on_fault: Callable[[], Any] | None = None,
              not_found: str | None = None) -> Any:
        """``fn()`` with retries after transient faults. ``on_fault()`` runs before each retry; a value it
        returns is the answer (the operation happened after all). Refusals raise :class:`EndpointError`."""
        openai = self._openai
        import httpx2  # the HTTP library of the openai package

        failures = 0
        while True:
            if self._stop.is_set():
                raise Interrupted(f"stopped before {what}")
            retry_after = None
            try:
                return fn()
            except openai.APIStatusError as exc:
                status = exc.status_code
                body = exc.body if isinstance(exc.body, dict) else {}
                detail = self._scrub(str(body.get("message") or exc.message))
                if status == 401:
                    raise EndpointError("the endpoint refused the API key (HTTP 401); set it in the environment "
                                        "variable given by --api-key-env (default OPENAI_API_KEY)") from None
                if status in (404, 405) and not_found is not None:
                    raise EndpointError(f"{not_found} (HTTP {status} from {self.host}: {detail})") from None
                if status in (404, 405):
                    raise EndpointError(f"{what}: HTTP {status} from {self.host}: this endpoint does not seem "
                                        "to offer the Batch API (/v1/files and /v1/batches); run without --batch"
                                        ) from None
                if status not in RETRY_STATUSES and status < 500:
                    raise EndpointError(f"{what}: HTTP {status}: {detail}") from None
                retry_after = retry_after_seconds(exc.response.headers)
                error = f"HTTP {status}: {detail}"
            except openai.APITimeoutError:
                error = "timed out"
            except (openai.APIConnectionError, httpx2.TransportError) as exc:
                cause = exc.__cause__ or exc
                error = f"connection error: {self._scrub(str(cause) or type(cause).__name__)}"
            except (openai.APIError, ValueError) as exc:
                error = f"bad response: {self._scrub(str(exc))}"
            failures += 1
            log.warning("%s failed (%s), attempt %d/%d", what, error, failures, self.retry.max_attempts)
            if on_fault is not None:
                found = on_fault()
                if found is not None:
                    return found
            if failures >= self.retry.max_attempts:
                raise EndpointUnreachable(f"{what} at {self.host} failed {failures} times (last: {error}); what "
                                          "was submitted is recorded: run the same command again later")
            self._sleep(self.retry.delay(failures, retry_after))

    def upload(self, data: bytes, name: str) -> str:
        """Upload a batch input file; returns its id."""
        found = self._call("uploading the batch file", lambda: self._client.files.create(
            file=(name, data, "application/jsonl"), purpose="batch"))
        return str(found.id)

    def create(self, input_file_id: str, metadata: Mapping[str, str]) -> dict:
        """Create the batch of an uploaded file; after a fault, first look for the batch the server may have
        made before the answer was lost (if that lookup fails too, the run stops: the state holds the file,
        and a rerun looks again before creating anything)."""
        made = self._call("creating the batch", lambda: self._client.batches.create(
            input_file_id=input_file_id, endpoint=BATCH_ENDPOINT, completion_window=COMPLETION_WINDOW,
            metadata=dict(metadata)), on_fault=lambda: self.find(input_file_id))
        return made if isinstance(made, dict) else _as_dict(made)

    def retrieve(self, batch_id: str) -> dict:
        """The batch as the server sees it now."""
        return _as_dict(self._call(f"looking at batch {batch_id}", lambda: self._client.batches.retrieve(batch_id),
                                   not_found=f"batch {batch_id} is not known to the endpoint"))

    def find(self, input_file_id: str) -> dict | None:
        """The batch made from ``input_file_id`` (newest first, among the last batches), or None when there
        is none. A lookup that fails raises: not knowing is never taken for "there is none", since that would
        submit the requests a second time."""
        def look() -> dict | None:
            for n, batch in enumerate(self._client.batches.list(limit=100)):
                if batch.input_file_id == input_file_id:
                    return _as_dict(batch)
                if n + 1 >= _SEARCH_LIMIT:
                    break
            return None

        return self._call("listing the batches", look)

    def content(self, file_id: str) -> bytes:
        """The bytes of a file (a batch's output or error file)."""
        return self._call(f"downloading file {file_id}", lambda: self._client.files.content(file_id).content,
                          not_found=f"file {file_id} is not on the endpoint any more")


def _as_dict(obj: Any) -> dict:
    return obj.model_dump(mode="json") if hasattr(obj, "model_dump") else dict(obj)


# ----------------------------------------------------------------------------------------------------------
# What is kept on disk
# ----------------------------------------------------------------------------------------------------------

def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@dataclass
class BatchEntry:
    """One batch of a run: the requests it covers (``custom_ids``, their cache keys), where it stands
    (``status``: ``uploading``, ``uploaded``, the server's status, or ``abandoned`` when nothing was
    submitted after all) and where its answers are once downloaded (``results``)."""

    sha256: str
    kind: str
    model: str
    endpoint: str
    custom_ids: list[str]
    status: str = "uploading"
    input_file_id: str | None = None
    batch_id: str | None = None
    counts: dict = field(default_factory=dict)
    output_file_id: str | None = None
    error_file_id: str | None = None
    errors: list[str] = field(default_factory=list)
    results: str | None = None
    merged: bool = False
    recorded_at: str = field(default_factory=_now)
    finished_at: str | None = None

    @property
    def downloaded(self) -> bool:
        return self.results is not None

    def update(self, batch: Mapping) -> None:
        """Take what the server says of the batch."""
        self.batch_id = str(batch.get("id") or self.batch_id)
        self.status = str(batch.get("status") or self.status)
        counts = batch.get("request_counts")
        if isinstance(counts, Mapping):
            self.counts = {k: int(counts.get(k) or 0) for k in ("total", "completed", "failed")}
        self.output_file_id = batch.get("output_file_id") or self.output_file_id
        self.error_file_id = batch.get("error_file_id") or self.error_file_id
        errors = batch.get("errors")
        data = errors.get("data") if isinstance(errors, Mapping) else None
        if isinstance(data, list) and data:
            self.errors = [(f"line {e.get('line')}: " if isinstance(e, Mapping) and e.get("line") else "")
                           + (f"{e.get('code')}: {e.get('message')}" if isinstance(e, Mapping) else str(e))
                           for e in data][:20]


class BatchState:
    """``state.json`` and the results files of a run's batches, in ``folder`` (see the module docstring)."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.path = self.folder / "state.json"
        self.entries: list[BatchEntry] = []
        if self.path.exists():
            obj = read_json_file(self.path)
            if not isinstance(obj, dict) or obj.get("format") != STATE_FORMAT or not isinstance(
                    obj.get("batches"), list):
                raise InputError(f"not a batch state file (expected {{\"format\": \"{STATE_FORMAT}\", ...}}); "
                                 "move it away", path=str(self.path))
            try:
                self.entries = [BatchEntry(**e) for e in obj["batches"]]
            except TypeError as exc:
                raise InputError(f"a batch entry is not readable ({exc})", path=str(self.path)) from None

    def save(self) -> None:
        """Rewrite ``state.json`` atomically."""
        text = json_text({"format": STATE_FORMAT, "version": 1, "batches": [asdict(e) for e in self.entries]},
                         path=self.path, indent=1)
        with guarded_output(self.path) as fh:
            fh.write(text + "\n")

    def add(self, entry: BatchEntry) -> BatchEntry:
        self.entries.append(entry)
        self.save()
        return entry

    def write_results(self, entry: BatchEntry, results: Iterable[ChatResult], models: Mapping[str, str]) -> None:
        """Keep a finished batch's answers (one line each) and record where they are."""
        name = f"{entry.batch_id}.results.jsonl"
        lines = [json_text({"custom_id": r.key, "ok": r.ok, "text": r.text, "usage": r.usage.to_dict(),
                            "raw": r.raw, "finish_reason": r.finish_reason, "error": r.error,
                            "model": models.get(r.key, entry.model)}, path=self.folder / name)
                 for r in results]
        with guarded_output(self.folder / name) as fh:
            fh.write("".join(line + "\n" for line in lines))
        entry.results = name
        entry.finished_at = _now()
        self.save()

    def read_results(self, entry: BatchEntry) -> list[tuple[ChatResult, str]]:
        """The answers kept for a batch, with the model each was asked of."""
        from .chat import Usage

        path = self.folder / str(entry.results)
        out = []
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            raise InputError(f"the results of batch {entry.batch_id} are missing; remove its entry from "
                             f"{self.path.name} to download them again", path=str(path)) from None
        for n, line in enumerate(lines, start=1):
            try:
                r = json.loads(line)
                usage = Usage(int(r["usage"]["prompt_tokens"]), int(r["usage"]["completion_tokens"]))
                out.append((ChatResult(ok=bool(r["ok"]), text=r["text"] or "", usage=usage, raw=r["raw"],
                                       error=r["error"], attempts=1, finish_reason=r["finish_reason"],
                                       key=r["custom_id"]), str(r.get("model") or entry.model)))
            except (ValueError, KeyError, TypeError) as exc:
                raise InputError(f"unreadable ({type(exc).__name__}: {exc})", path=str(path), line=n) from None
        return out


def input_sha256(data: bytes) -> str:
    """The SHA-256 (hex) of a batch input file: what names it."""
    return hashlib.sha256(data).hexdigest()


__all__ = ["BATCH_DISCOUNT", "POLL_INTERVAL", "COMPLETION_WINDOW", "BATCH_ENDPOINT", "MAX_BATCH_REQUESTS",
           "MAX_BATCH_BYTES", "TERMINAL", "batch_input", "read_results", "BatchAPI", "BatchEntry", "BatchState",
           "input_sha256"]
