"""The persistent response cache: one SQLite file of answers keyed by request and endpoint, so that a rerun
never pays twice."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from pathlib import Path

from ..errors import InputError
from ..io import bad_json_value, connect_sqlite, register_database
from .chat import ChatResult, Usage

log = logging.getLogger(__name__)

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
