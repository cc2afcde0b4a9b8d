"""A small OpenAI-compatible chat-completions server for tests and benchmarks, with injectable faults.

Start it inside a test (``with FakeOpenAI() as server: ...`` or the ``fake_openai`` fixture) and point the
real ``openai`` client at ``server.base_url``. It answers ``POST /v1/chat/completions`` with a
``chat.completion`` body including ``usage``; ``responder(body) -> str`` decides the answer text (the
default understands the STEPS prompts: composite/agentic JSON conversations, Skill-Mix answers, judge
scores). Faults are injected with :meth:`FakeOpenAI.inject`:

- ``"429"``: HTTP 429 with ``Retry-After`` (``retry_after`` seconds);
- ``"quota"``: HTTP 429 with OpenAI's ``insufficient_quota`` error (no credit left);
- ``"500"``: HTTP 500; ``"400"``, ``"401"``: those statuses;
- ``"slow"``: answer after ``slow_seconds`` (past the client's timeout);
- ``"malformed"``: HTTP 200 with a cut-off JSON body;
- ``"truncated"``: a ``Content-Length`` larger than the body, then the connection closes;
- ``"empty"``: HTTP 200 with an empty ``choices`` list;
- ``"surrogate"``: the usual answer with a lone surrogate (``\\ud800`` in the JSON body) appended;
- ``"echo_key"``: the usual answer followed by the API key the request was sent with;
- ``"nan"``: HTTP 200 whose ``usage`` holds ``NaN`` and ``Infinity`` tokens (not JSON).

Usage figures are deterministic: ``prompt_tokens`` = characters of all message contents // 4 + 1,
``completion_tokens`` = characters of the answer // 4 + 1.

``GET /v1/models`` lists :attr:`FakeOpenAI.models` (``models = None``: HTTP 404, as a server without that route);
faults are never served to it.

The Batch API too (``batch_api=True``, the default): ``POST /v1/files`` (multipart, purpose ``batch``),
``GET /v1/files/{id}/content``, ``POST /v1/batches``, ``GET /v1/batches`` (newest first),
``GET /v1/batches/{id}`` and ``POST /v1/batches/{id}/cancel``. A batch is ``validating`` when made,
``in_progress`` at the first look, and answered at the look after ``batch_polls`` looks in progress
(never while ``hold_batches`` is set): every line is answered as a chat request would be (the same
responder and the same injected faults, matched on the line's body; ``"500"``, ``"400"``, ``"401"`` and
``"429"`` go to the error file with that status, ``"expired"`` to the error file as ``batch_expired``), the
output and error files are written and the batch is ``completed``. Batch lines are not chat requests: they are
counted in ``batch_requests``, not in ``requests`` / ``n_requests``. ``fail_batches = n`` makes the next n
batches fail validation; ``drop_creates = n`` makes the next n batch creations happen but lose their answer
(the connection closes); ``fail_lists = n`` answers the next n listings of the batches with HTTP 500.
``batches`` holds every batch made, ``uploads`` every uploaded file's bytes,
``batch_authorizations`` the ``Authorization`` header each batch was created with.

Run as a script (``python tests/fake_openai.py --latency 0.02``) it serves until killed and prints
``READY <base_url>`` on stdout: the benchmark uses it in a separate process.

Also here: :func:`write_inputs`, small input files (catalogue, corpus, combinations, topics) for tests.
"""

from __future__ import annotations

import argparse
import email.parser
import email.policy
import hashlib
import json
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

try:
    import pytest
except ImportError:  # the script mode does not need pytest
    pytest = None


def usage_for(body: dict, text: str) -> dict:
    """The usage the server reports for a request body and an answer text."""
    prompt_chars = sum(len(m.get("content") or "") for m in body.get("messages", []))
    pt, ct = prompt_chars // 4 + 1, len(text) // 4 + 1
    return {"prompt_tokens": pt, "completion_tokens": ct, "total_tokens": pt + ct}


def default_responder(body: dict) -> str:
    """Answers that fit the STEPS prompts, deterministic in the request (messages and seed)."""
    messages = body.get("messages", [])
    last = messages[-1]["content"] if messages else ""
    h = hashlib.sha256(json.dumps([messages, body.get("seed")], sort_keys=True).encode()).hexdigest()[:8]
    m = re.search(r"Score each of the following (\d+) points", last)
    if m:
        n = int(m.group(1))
        return "All points are shown.\n" + json.dumps({"scores": [1] * n})
    if "Improve the text" in last:
        return f"Answer: The improved text {h} is here.\nExplanation: it is better."
    if 'Give your text after "Answer:"' in last:
        return f"Answer: A first draft {h}.\nExplanation: a draft."
    if "Return only a JSON list" in last:
        conv = [{"role": "user", "content": f"Please help with task {h}."},
                {"role": "assistant", "content": f"Here is the solution to task {h}."}]
        return "Here is the conversation:\n```json\n" + json.dumps(conv) + "\n```\nI hope it helps."
    return f"echo {h}"


def _public(batch: dict) -> dict:
    """A batch as the server shows it (without its private counters)."""
    return {k: v for k, v in batch.items() if not k.startswith("_")}


@dataclass
class _Rule:
    fault: str
    match: str | None
    remaining: int


class FakeOpenAI:
    """The server; see the module docstring. ``requests`` holds every request body received (in order)."""

    def __init__(self, responder: Callable[[dict], str] | None = None, *, latency: float = 0.0,
                 slow_seconds: float = 2.0, retry_after: float = 1.0, record: bool = True, batch_api: bool = True,
                 batch_polls: int = 1):
        self.responder = responder or default_responder
        self.latency = latency
        self.slow_seconds = slow_seconds
        self.retry_after = retry_after
        self.record = record
        self.requests: list[dict] = []
        self.faults_served: list[str] = []
        self.authorizations: set[str] = set()
        self._rules: list[_Rule] = []
        self._lock = threading.Lock()
        self._count = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.models: list[str] | None = ["fake-model", "fake-judge"]
        self.batch_api = batch_api
        self.batch_polls = batch_polls
        self.hold_batches = False
        self.fail_batches = 0
        self.drop_creates = 0
        self.fail_lists = 0
        self.files: dict[str, bytes] = {}
        self.uploads: list[bytes] = []
        self.batches: dict[str, dict] = {}
        self.batch_requests: list[dict] = []
        self.batch_authorizations: dict[str, str] = {}

    # -- control ------------------------------------------------------------------------------------

    def inject(self, fault: str, *, times: int = 1, match: str | None = None) -> None:
        """Serve ``fault`` to the next ``times`` requests whose body contains ``match`` (any if None)."""
        with self._lock:
            self._rules.append(_Rule(fault, match, times))

    @property
    def n_requests(self) -> int:
        with self._lock:
            return self._count

    @property
    def base_url(self) -> str:
        assert self._server is not None, "server not started"
        return f"http://127.0.0.1:{self._server.server_port}/v1"

    def start(self) -> "FakeOpenAI":
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            wbufsize = 1 << 16               # headers and body leave in one write (no Nagle / delayed-ACK stall)
            disable_nagle_algorithm = True

            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                owner._handle(self)

            def do_GET(self) -> None:
                owner._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        server = self._server
        self._thread = threading.Thread(target=lambda: server.serve_forever(poll_interval=0.05), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "FakeOpenAI":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- serving ------------------------------------------------------------------------------------

    def _next_fault(self, raw: str, *, count: bool = True) -> str | None:
        with self._lock:
            self._count += count
            for rule in self._rules:
                if rule.remaining > 0 and (rule.match is None or rule.match in raw):
                    rule.remaining -= 1
                    self.faults_served.append(rule.fault)
                    return rule.fault
        return None

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, payload: bytes, headers: dict | None = None,
              length: int | None = None) -> None:
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(payload) if length is None else length))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(payload)
        h.wfile.flush()

    def _models(self, h: BaseHTTPRequestHandler) -> None:
        """``GET /v1/models``: the :attr:`models` listed as OpenAI lists them (404 when None)."""
        if self.models is None:
            self._send(h, 404, b'{"error": {"message": "not found"}}')
            return
        body = {"object": "list", "data": [{"id": m, "object": "model", "created": 0, "owned_by": "fake"}
                                           for m in self.models]}
        self._send(h, 200, json.dumps(body).encode())

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        n = int(h.headers.get("Content-Length") or 0)
        data = h.rfile.read(n)
        path = urllib.parse.urlsplit(h.path).path
        if self.batch_api and re.search(r"/v1/(files|batches)\b", path):
            self._batch_endpoint(h, h.command, path, data)
            return
        if h.command == "GET" and path.rstrip("/").endswith("/models"):
            self._models(h)
            return
        raw = data.decode("utf-8")
        if h.command != "POST" or not path.endswith("/chat/completions"):
            self._send(h, 404, b'{"error": {"message": "not found"}}')
            return
        body = json.loads(raw)
        with self._lock:
            if self.record:
                self.requests.append(body)
            self.authorizations.add(h.headers.get("Authorization") or "")
        fault = self._next_fault(raw)
        if self.latency:
            time.sleep(self.latency)
        if fault == "429":
            self._send(h, 429, b'{"error": {"message": "Rate limit reached", "type": "rate_limit"}}',
                       {"Retry-After": f"{self.retry_after:g}"})
            return
        if fault == "quota":
            self._send(h, 429, json.dumps({"error": {"message": "You exceeded your current quota.",
                                                     "type": "insufficient_quota", "param": None,
                                                     "code": "insufficient_quota"}}).encode())
            return
        if fault in ("500", "400", "401"):
            msg = {"500": "internal error", "400": "bad request: context too long", "401": "invalid key"}[fault]
            self._send(h, int(fault), json.dumps({"error": {"message": msg}}).encode())
            return
        if fault == "malformed":
            self._send(h, 200, b'{"id": "chatcmpl-x", "object": "chat.completion", "choices": [{"ind')
            return
        if fault == "truncated":
            h.close_connection = True
            self._send(h, 200, b'{"id": "chatcmpl-x", "object": "chat.co', length=400)
            return
        if fault == "empty":
            self._send(h, 200, json.dumps({"id": "chatcmpl-x", "object": "chat.completion", "created": 0,
                                           "model": body.get("model"), "choices": []}).encode())
            return
        if fault == "slow":
            time.sleep(self.slow_seconds)
        text = self.responder(body)
        if fault == "surrogate":
            text += " \ud800"
        if fault == "echo_key":
            text += "\nYour key: " + (h.headers.get("Authorization") or "").removeprefix("Bearer ")
        if fault == "nan":
            self._send(h, 200, json.dumps({"id": "chatcmpl-x", "object": "chat.completion", "created": 0,
                                           "model": body.get("model"), "choices": [{"index": 0, "message": {
                                               "role": "assistant", "content": text}, "finish_reason": "stop"}],
                                           "usage": {"prompt_tokens": float("nan"),
                                                     "completion_tokens": float("inf")}}).encode())
            return
        payload = {"id": "chatcmpl-" + hashlib.sha256(raw.encode()).hexdigest()[:12], "object": "chat.completion",
                   "created": int(time.time()), "model": body.get("model"),
                   "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                "finish_reason": "stop"}],
                   "usage": usage_for(body, text)}
        try:
            self._send(h, 200, json.dumps(payload).encode())
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
            pass


    # -- the Batch API ------------------------------------------------------------------------------

    @property
    def batches_created(self) -> int:
        with self._lock:
            return len(self.batches)

    def _json(self, h: BaseHTTPRequestHandler, status: int, obj: dict) -> None:
        self._send(h, status, json.dumps(obj).encode())

    def _batch_endpoint(self, h: BaseHTTPRequestHandler, method: str, path: str, data: bytes) -> None:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(h.path).query)
        m = re.search(r"/v1/files/([^/]+)/content$", path)
        if method == "GET" and m:
            content = self.files.get(m.group(1))
            if content is None:
                self._json(h, 404, {"error": {"message": f"No such File object: {m.group(1)}"}})
                return
            self._send(h, 200, content)
            return
        if method == "POST" and path.endswith("/v1/files"):
            self._upload(h, data)
            return
        if method == "POST" and path.endswith("/v1/batches"):
            self._create_batch(h, json.loads(data))
            return
        if method == "GET" and path.endswith("/v1/batches"):
            with self._lock:
                fail = self.fail_lists > 0
                self.fail_lists -= fail
            if fail:
                self._json(h, 500, {"error": {"message": "listing failed"}})
                return
            with self._lock:
                items = list(self.batches.values())[::-1]
            after = (query.get("after") or [None])[0]
            if after is not None:
                ids = [b["id"] for b in items]
                items = items[ids.index(after) + 1:] if after in ids else []
            limit = int((query.get("limit") or [20])[0])
            page = [_public(b) for b in items[:limit]]
            self._json(h, 200, {"object": "list", "data": page, "first_id": page[0]["id"] if page else None,
                                "last_id": page[-1]["id"] if page else None, "has_more": len(items) > limit})
            return
        m = re.search(r"/v1/batches/([^/]+)(/cancel)?$", path)
        if m and m.group(1) in self.batches:
            batch = self.batches[m.group(1)]
            if m.group(2) and method == "POST":
                batch.update(status="cancelled", cancelled_at=int(time.time()))
            elif method == "GET":
                self._advance(batch)
            self._json(h, 200, _public(batch))
            return
        self._json(h, 404, {"error": {"message": f"not found: {method} {path}"}})

    def _upload(self, h: BaseHTTPRequestHandler, data: bytes) -> None:
        head = f"Content-Type: {h.headers.get('Content-Type')}\r\n\r\n".encode()
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + data)
        fields = {}
        for part in msg.iter_parts():
            fields[part.get_param("name", header="content-disposition")] = (part.get_filename(),
                                                                            part.get_payload(decode=True))
        if "file" not in fields or fields.get("purpose", (None, b""))[1] != b"batch":
            self._json(h, 400, {"error": {"message": "expected a file and purpose=batch"}})
            return
        name, content = fields["file"]
        with self._lock:
            file_id = f"file-{len(self.files) + 1:04d}"
            self.files[file_id] = content
            self.uploads.append(content)
        self._json(h, 200, {"id": file_id, "object": "file", "bytes": len(content), "created_at": int(time.time()),
                            "filename": name, "purpose": "batch", "status": "processed"})

    def _create_batch(self, h: BaseHTTPRequestHandler, body: dict) -> None:
        if body.get("input_file_id") not in self.files:
            self._json(h, 400, {"error": {"message": f"unknown input_file_id {body.get('input_file_id')!r}"}})
            return
        if body.get("endpoint") != "/v1/chat/completions" or body.get("completion_window") != "24h":
            self._json(h, 400, {"error": {"message": "unsupported endpoint or completion_window"}})
            return
        lines = [line for line in self.files[body["input_file_id"]].decode().splitlines() if line.strip()]
        now = int(time.time())
        with self._lock:
            batch_id = f"batch_{len(self.batches) + 1:04d}"
            batch = {"id": batch_id, "object": "batch", "endpoint": body["endpoint"], "errors": None,
                     "input_file_id": body["input_file_id"], "completion_window": "24h", "status": "validating",
                     "output_file_id": None, "error_file_id": None, "created_at": now, "in_progress_at": None,
                     "expires_at": now + 86400, "finalizing_at": None, "completed_at": None, "failed_at": None,
                     "expired_at": None, "cancelling_at": None, "cancelled_at": None,
                     "request_counts": {"total": len(lines), "completed": 0, "failed": 0},
                     "metadata": body.get("metadata"), "_polls": 0}
            if self.fail_batches > 0:
                self.fail_batches -= 1
                batch.update(status="failed", failed_at=now, errors={"object": "list", "data": [
                    {"code": "invalid_request", "message": "the fake server refused this batch", "param": None,
                     "line": 1}]})
            self.batches[batch_id] = batch
            self.batch_authorizations[batch_id] = h.headers.get("Authorization") or ""
            drop = self.drop_creates > 0
            self.drop_creates -= drop
        if drop:                              # made, but the answer is lost
            h.close_connection = True
            return
        self._json(h, 200, _public(batch))

    def _advance(self, batch: dict) -> None:
        """One look at a batch moves it on (see the module docstring)."""
        with self._lock:
            if batch["status"] == "validating":
                batch.update(status="in_progress", in_progress_at=int(time.time()))
                return
            if batch["status"] != "in_progress" or self.hold_batches:
                return
            batch["_polls"] += 1
            if batch["_polls"] < self.batch_polls:
                return
        out, err = [], []
        for line in self.files[batch["input_file_id"]].decode().splitlines():
            if line.strip():
                where, obj = self._batch_line(json.loads(line), self.batch_authorizations[batch["id"]])
                (out if where == "output" else err).append(json.dumps(obj))
        with self._lock:
            for kind, rows in (("output", out), ("error", err)):
                if rows:
                    file_id = f"file-{len(self.files) + 1:04d}"
                    self.files[file_id] = ("\n".join(rows) + "\n").encode()
                    batch[f"{kind}_file_id"] = file_id
            batch.update(status="completed", completed_at=int(time.time()), finalizing_at=int(time.time()),
                         request_counts={"total": len(out) + len(err), "completed": len(out), "failed": len(err)})

    def _batch_line(self, line: dict, auth: str) -> tuple[str, dict]:
        body = line["body"]
        fault = self._next_fault(json.dumps(body), count=False)
        with self._lock:
            self.batch_requests.append(body)
        rid = "batch_req_" + hashlib.sha256(line["custom_id"].encode()).hexdigest()[:12]
        if fault in ("500", "400", "401", "429"):
            msg = {"500": "internal error", "400": "bad request: context too long", "401": "invalid key",
                   "429": "Rate limit reached"}[fault]
            return "error", {"id": rid, "custom_id": line["custom_id"], "error": None,
                             "response": {"status_code": int(fault), "request_id": rid,
                                          "body": {"error": {"message": msg, "type": "invalid_request_error"}}}}
        if fault == "expired":
            return "error", {"id": rid, "custom_id": line["custom_id"], "response": None,
                             "error": {"code": "batch_expired", "message": "This request could not be executed "
                                       "before the completion window expired."}}
        text = self.responder(body)
        if fault == "surrogate":
            text += " \ud800"
        if fault == "echo_key":
            text += "\nYour key: " + auth.removeprefix("Bearer ")
        completion = {"id": "chatcmpl-" + rid[10:], "object": "chat.completion", "created": int(time.time()),
                      "model": body.get("model"), "choices": [{"index": 0, "message": {
                          "role": "assistant", "content": text}, "finish_reason": "stop"}],
                      "usage": usage_for(body, text)}
        if fault == "empty":
            completion["choices"] = []
        if fault == "nan":
            completion["usage"] = {"prompt_tokens": float("nan"), "completion_tokens": float("inf")}
        return "output", {"id": rid, "custom_id": line["custom_id"], "error": None,
                          "response": {"status_code": 200, "request_id": rid, "body": completion}}


# ----------------------------------------------------------------------------------------------------------
# Small input files
# ----------------------------------------------------------------------------------------------------------

CATALOG_ROWS = [
    ("metaphor", "rhetoric", "Describing one thing as another to suggest a likeness.", "Time is a thief."),
    ("red herring", "logic", "A distraction from the real issue.", "But what about the weather?"),
    ("modus ponens", "logic", "If P then Q; P; therefore Q.", "If it rains the road is wet; it rains."),
    ("irony", "rhetoric", "Saying the opposite of what is meant.", "What lovely weather, said he in the storm."),
    ("statistics", "math", "Summarising data with numbers.", "The mean of 2 and 4 is 3."),
    ("sql", "code", "Querying tables with SQL.", "SELECT name FROM users;"),
]

CORPUS = [
    {"id": "r1", "skills": ["metaphor"], "messages": [{"role": "user", "content": "Write a metaphor about time."},
                                                      {"role": "assistant", "content": "Time is a river."}]},
    {"id": "r2", "skills": ["red herring", "irony"],
     "messages": [{"role": "user", "content": "Change the subject cleverly."},
                  {"role": "assistant", "content": "Speaking of which, nice shoes!"}]},
    {"id": "r3", "skills": ["modus ponens"], "text": "If it rains, the street is wet. It rains. So it is wet."},
    {"id": "r4", "skills": ["irony", "metaphor"],
     "messages": [{"role": "user", "content": "Be ironic."}, {"role": "assistant", "content": "Oh, great."}]},
    {"id": "r5", "skills": ["statistics", "sql"],
     "messages": [{"role": "user", "content": "Average salary by team?"},
                  {"role": "assistant", "content": "SELECT team, AVG(salary) FROM staff GROUP BY team;"}]},
    {"id": "r6", "skills": ["sql"], "messages": [{"role": "user", "content": "List users."},
                                                 {"role": "assistant", "content": "SELECT * FROM users;"}]},
]

COMBOS = [
    {"skills": ["metaphor", "red herring"], "start": ["metaphor"], "gain": 1.25, "step_gains": [1.25],
     "lca": "1", "scope": "local", "k": 2, "coherence": None, "lca_label": "rhetoric"},
    {"skills": ["modus ponens", "irony", "metaphor"], "start": ["modus ponens"], "gain": 2.5,
     "step_gains": [1.5, 1.0], "lca": "root", "scope": "global", "k": 3, "coherence": 0.2, "lca_label": ""},
    {"skills": ["statistics", "sql"], "start": ["statistics"], "gain": 0.75, "step_gains": [0.75],
     "lca": "2.1", "scope": "local", "k": 2, "coherence": None, "lca_label": "data"},
]

TOPICS = ["gardening", "space travel", "cooking pasta"]


def write_inputs(folder: Path) -> dict[str, Path]:
    """Write skills.csv, corpus.jsonl, combos.jsonl and topics.txt into ``folder``; returns their paths."""
    import csv

    folder.mkdir(parents=True, exist_ok=True)
    paths = {"catalog": folder / "skills.csv", "corpus": folder / "corpus.jsonl",
             "combos": folder / "combos.jsonl", "topics": folder / "topics.txt"}
    with paths["catalog"].open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["skill", "category", "definition", "example"])
        w.writerows(CATALOG_ROWS)
    paths["corpus"].write_text("".join(json.dumps(r) + "\n" for r in CORPUS), encoding="utf-8")
    paths["combos"].write_text("".join(json.dumps(c) + "\n" for c in COMBOS), encoding="utf-8")
    paths["topics"].write_text("\n".join(TOPICS) + "\n", encoding="utf-8")
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve a fake OpenAI-compatible endpoint until killed.")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds to wait before each answer")
    parser.add_argument("--batch-polls", type=int, default=1,
                        help="looks at a running batch before it is answered")
    args = parser.parse_args()
    server = FakeOpenAI(latency=args.latency, record=False, batch_polls=args.batch_polls).start()
    print(f"READY {server.base_url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
