"""Small file helpers shared by every module that writes: atomic output files, "is this the same file",
and opening SQLite files in WAL mode.

- :func:`atomic_output` writes a file through a temporary file in the same folder, then renames it over the
  target, so a crash never leaves a half-written file where a good one was. The new file gets the mode an
  ordinary ``open(path, "w")`` would give it (``0o666`` less the umask), or the mode of the file it replaces.
- :func:`same_file` tells whether two paths name one file, also when one of them does not exist yet.
- :func:`enable_wal` switches an SQLite connection to WAL journaling, retrying while another process holds
  the lock (SQLite does not call its busy handler for that switch); :func:`connect_sqlite` opens a file with
  a busy timeout and WAL in one call.

>>> import tempfile, os
>>> p = os.path.join(tempfile.mkdtemp(), "out.txt")
>>> with atomic_output(p) as fh:
...     _ = fh.write("hello")
>>> open(p).read(), same_file(p, os.path.join(os.path.dirname(p), ".", "out.txt"))
('hello', True)
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Iterator

_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process's umask (read without changing it where the platform allows)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _UMASK_LOCK:  # pragma: no cover - platforms without /proc
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def new_file_mode(path: str | os.PathLike) -> int:
    """The permission bits a file written to ``path`` should get: those of the file already there, else
    ``0o666 & ~umask`` (what ``open(path, "w")`` gives)."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return 0o666 & ~current_umask()


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, mode: str = "w", encoding: str | None = "utf-8",
                  newline: str | None = None) -> Iterator[IO]:
    """Write ``path`` atomically: yield a file object on a temporary file in the same folder (created with
    the parent folders), then flush, fsync, set its mode (:func:`new_file_mode`) and rename it over ``path``.

    On any error (or Ctrl-C) the temporary file is removed and ``path`` is untouched. ``mode`` is ``"w"``
    (text, ``encoding``, ``newline``) or ``"wb"``.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"mode must be 'w' or 'wb', got {mode!r}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        binary = "b" in mode
        with os.fdopen(fd, mode, encoding=None if binary else encoding,
                       newline=None if binary else newline) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, new_file_mode(path))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """Whether ``a`` and ``b`` name the same file: :func:`os.path.samefile` when both exist (hard links,
    symbolic links), else their resolved absolute paths compared (for an output not written yet).

    >>> same_file("x/../y.txt", "y.txt")
    True
    """
    try:
        return os.path.samefile(a, b)
    except OSError:
        return Path(a).resolve() == Path(b).resolve()


def _is_lock_error(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def enable_wal(conn: sqlite3.Connection, timeout: float = 30.0) -> str:
    """Switch the connection's file to WAL journaling (persistent); return the journal mode now in force.

    Switching needs an exclusive lock and SQLite does not wait for it (no busy handler): when another
    process holds a lock (e.g. several processes create the same file at once) retry with a growing pause
    until ``timeout`` seconds have passed, then raise the last ``sqlite3.OperationalError``.
    """
    mode = str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()
    deadline = time.monotonic() + timeout
    delay = 0.005
    while mode != "wal":
        try:
            mode = str(conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]).lower()
            break
        except sqlite3.OperationalError as exc:
            if not _is_lock_error(exc) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.2)
    return mode


def connect_sqlite(path: str | os.PathLike, *, timeout: float = 30.0, wal: bool = True,
                   check_same_thread: bool = False, isolation_level: str | None = "") -> sqlite3.Connection:
    """Open an SQLite file with a busy timeout of ``timeout`` seconds, ``synchronous=NORMAL`` and (``wal``)
    WAL journaling switched on with :func:`enable_wal`. The connection is closed again if that fails."""
    conn = sqlite3.connect(path, timeout=timeout, check_same_thread=check_same_thread,
                           isolation_level=isolation_level)
    try:
        conn.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
        if wal:
            enable_wal(conn, timeout)
        conn.execute("PRAGMA synchronous=NORMAL")
    except BaseException:
        conn.close()
        raise
    return conn


__all__ = ["atomic_output", "same_file", "new_file_mode", "current_umask", "enable_wal", "connect_sqlite"]


def read_json_file(path: str | os.PathLike):
    """Parse a JSON file; a missing file, bad UTF-8 or invalid JSON is an ``InputError`` naming file and line."""
    import json

    from .errors import InputError

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", path=str(path)) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not valid UTF-8 ({exc.reason})", path=str(path)) from None
    try:
        return json.loads(text)
    except RecursionError:
        raise InputError("JSON nested too deeply to read", path=str(path)) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg} (column {exc.colno})", path=str(path), line=exc.lineno) from None
