"""Small file helpers shared by every module that writes: the one guarded writer, "is this the same file",
checked JSON text, and opening SQLite files in WAL mode.

- :func:`guarded_output` (also called :func:`atomic_output`) is how every output file is written. First it
  checks the path (:func:`check_output`): it refuses to replace an input of the command (by path, symbolic or
  hard link, and the SQLite side files ``-wal``/``-shm``/``-journal`` of an input), an SQLite database (a
  workspace or a cache), anything that is not a regular file (a folder, a device such as ``/dev/full``, a
  FIFO, a socket) and, with ``replace=False``, any existing file. Then it writes through a temporary file in
  the same folder, flushes and fsyncs it and renames it over the target, so a crash never leaves a
  half-written file where a good one was. A symbolic link is written through (the file it points to is
  replaced, the link stays). The new file gets the mode an ordinary ``open(path, "w")`` would give it
  (``0o666`` less the umask), or the mode of the file it replaces.
- :func:`same_file` tells whether two paths name one file, also when one of them does not exist yet.
- :func:`json_text` is ``json.dumps`` that refuses NaN, infinities and lone surrogates with an
  :class:`~steps_core.errors.InputError` naming the field; :func:`bad_json_value` finds such a value.
- :func:`enable_wal` switches an SQLite connection to WAL journaling, retrying while another process holds
  the lock (SQLite does not call its busy handler for that switch); :func:`connect_sqlite` opens a file with
  a busy timeout and WAL in one call.

A process must never open an SQLite file it holds a connection to (closing any descriptor of a file drops
all of the process's POSIX locks on it, and with them SQLite's guarantees): :func:`register_database` records
the files this process has open, and :func:`check_output` never opens those.

>>> import tempfile, os
>>> p = os.path.join(tempfile.mkdtemp(), "out.txt")
>>> with atomic_output(p) as fh:
...     _ = fh.write("hello")
>>> open(p).read(), same_file(p, os.path.join(os.path.dirname(p), ".", "out.txt"))
('hello', True)
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import sqlite3
import stat
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Any, Iterable, Iterator

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


#: Files SQLite keeps beside a database while it is open: part of the database, never to be overwritten.
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")
_SQLITE_MAGIC = b"SQLite format 3\x00"
_OPEN_DATABASES: dict[tuple[int, int], int] = {}
_OPEN_LOCK = threading.Lock()


def _file_id(path: str | os.PathLike) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def register_database(path: str | os.PathLike, opened: bool = True) -> None:
    """Record that this process holds (``opened``) or no longer holds a connection to the SQLite file
    ``path``: :func:`check_output` refuses it without ever opening it."""
    key = _file_id(path)
    if key is None:
        return
    with _OPEN_LOCK:
        count = _OPEN_DATABASES.get(key, 0) + (1 if opened else -1)
        if count > 0:
            _OPEN_DATABASES[key] = count
        else:
            _OPEN_DATABASES.pop(key, None)


def is_open_database(path: str | os.PathLike) -> bool:
    """Whether this process holds a connection to the SQLite file ``path`` (:func:`register_database`)."""
    key = _file_id(path)
    with _OPEN_LOCK:
        return key is not None and key in _OPEN_DATABASES


def _is_database(path: Path) -> bool:
    """Whether ``path`` is an SQLite file: one this process has open (never opened again), else by its
    first 16 bytes."""
    if is_open_database(path):
        return True
    try:
        with open(path, "rb") as fh:
            return fh.read(len(_SQLITE_MAGIC)) == _SQLITE_MAGIC
    except OSError:
        return False


_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"))


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def protected_paths(inputs: Iterable[str | os.PathLike]) -> list[Path]:
    """The inputs and their SQLite side files (``-wal``, ``-shm``, ``-journal``): what no output may replace."""
    out = []
    for p in inputs:
        out.append(Path(p))
        out.extend(Path(f"{os.fspath(p)}{suffix}") for suffix in SQLITE_SIDE_FILES)
    return out


def check_output(path: str | os.PathLike, inputs: Iterable[str | os.PathLike] = (), *,
                 replace: bool = True) -> Path:
    """Check, before anything is written, that ``path`` may be written; return the file to write (symbolic
    links resolved). Raises :class:`~steps_core.errors.OutputError` (exit 2) naming the path and the reason
    when it is, or would replace:

    - one of ``inputs`` or their SQLite side files (same path, symbolic link or hard link);
    - an SQLite database or one of its side files (a workspace, a response cache);
    - something that is not a regular file: a folder, a device (``/dev/full``), a FIFO, a socket;
    - with ``replace=False``, any existing file (``--force`` lifts that).

    >>> check_output("/dev/null")                       # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    steps_core.errors.OutputError: /dev/null: is a character device, not a regular file; give the path of a ...
    """
    from .errors import OutputError

    text = os.fspath(path)
    if not text or not text.strip():
        raise OutputError("empty output path", field="output")
    shown = text
    target = Path(os.path.realpath(text))
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as exc:           # e.g. a file used as a folder in the path, a loop of links
        raise OutputError(f"cannot be written: {exc.strerror}", path=shown) from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise OutputError(f"is {_kind(st.st_mode)}, not a regular file; give the path of a file to write",
                          path=shown)
    for protected in protected_paths(inputs):
        if same_file(text, protected) or same_file(target, protected):
            raise OutputError(f"would overwrite the input {os.fspath(protected)}; choose another output file",
                              path=shown, field="output")
    if st is not None and _is_database(target):
        raise OutputError("is an SQLite database (a workspace or a cache); refusing to replace it", path=shown)
    for suffix in SQLITE_SIDE_FILES:
        if target.name.endswith(suffix) and _is_database(target.with_name(target.name[:-len(suffix)])):
            raise OutputError(f"is the {suffix} file of an SQLite database; refusing to replace it", path=shown)
    if st is not None and not replace:
        raise OutputError("already exists; refusing to replace it (choose another path, or pass --force)",
                          path=shown)
    return target


#: ``errno`` values of a write that failed because of the machine (disk full, quota, read-only, I/O).
_WRITE_FAULTS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS, errno.EACCES,
                           errno.EPERM})


@contextlib.contextmanager
def guarded_output(path: str | os.PathLike, mode: str = "w", encoding: str | None = "utf-8",
                   newline: str | None = None, *, inputs: Iterable[str | os.PathLike] = (),
                   replace: bool = True) -> Iterator[IO]:
    """Write ``path`` safely: :func:`check_output` (``inputs``, ``replace``) first, then yield a file object
    on a temporary file in the target's folder (created with its parents), then flush, fsync, set its mode
    (:func:`new_file_mode`), rename it over the target and fsync the folder.

    On any error (or Ctrl-C) the temporary file is removed and ``path`` is untouched. ``mode`` is ``"w"``
    (text, ``encoding``, ``newline``) or ``"wb"``. A fault of the machine (permission denied, disk full,
    read-only file system) becomes an :class:`~steps_core.errors.EnvironmentFault` naming the path (exit 1);
    text that is not valid Unicode an :class:`~steps_core.errors.InputError`.
    """
    from .errors import OutputError, from_os_error

    if mode not in ("w", "wb"):
        raise ValueError(f"mode must be 'w' or 'wb', got {mode!r}")
    inputs = list(inputs)
    target = check_output(path, inputs, replace=replace)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise from_os_error(exc, "cannot write", path) from None
    try:
        binary = "b" in mode
        with os.fdopen(fd, mode, encoding=None if binary else encoding,
                       newline=None if binary else newline) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, new_file_mode(target))
        check_output(path, inputs, replace=replace)     # nothing appeared there meanwhile
        os.replace(tmp, target)
        _fsync_folder(target.parent)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, UnicodeEncodeError):
            raise OutputError(f"cannot write text that is not valid Unicode ({exc.reason}: "
                              f"{exc.object[exc.start:exc.end]!r})", path=os.fspath(path)) from None
        if isinstance(exc, OSError) and exc.errno in _WRITE_FAULTS and exc.filename in (None, tmp, str(target)):
            raise from_os_error(exc, "cannot write", path) from None
        raise


def _fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the platform allows opening a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


#: The same writer under its older name.
atomic_output = guarded_output


def bad_json_value(value: Any, where: str = "") -> tuple[str, str] | None:
    """The first value inside ``value`` that JSON text cannot hold faithfully: ``(field path, problem)`` for a
    NaN or infinite float or a string (or key) with a lone surrogate; None if there is none.

    >>> bad_json_value({"usage": {"cost": float("nan")}, "text": "ok"})
    ('usage.cost', 'not a finite number (nan)')
    >>> bad_json_value(["ok", "bad " + chr(0xD800)])
    ('[1]', "not valid Unicode (lone surrogate '\\\\ud800')")
    """
    stack = [(where, value)]
    while stack:
        here, v = stack.pop()
        if isinstance(v, float):
            if not math.isfinite(v):
                return here or "(value)", f"not a finite number ({v})"
        elif isinstance(v, str):
            bad = _surrogate(v)
            if bad is not None:
                return here or "(value)", f"not valid Unicode (lone surrogate {bad!r})"
        elif isinstance(v, dict):
            items = []
            for k, x in v.items():
                name = f"{here}.{k}" if here else str(k)
                if isinstance(k, str) and _surrogate(k) is not None:
                    return here or "(value)", f"key not valid Unicode (lone surrogate {_surrogate(k)!r})"
                items.append((name, x))
            stack.extend(reversed(items))
        elif isinstance(v, (list, tuple)):
            stack.extend(reversed([(f"{here}[{i}]", x) for i, x in enumerate(v)]))
    return None


def _surrogate(text: str) -> str | None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return exc.object[exc.start:exc.end]
    return None


def json_text(value: Any, *, path: str | os.PathLike | None = None, line: int | None = None,
              field: str | None = None, **dumps_options: Any) -> str:
    """``json.dumps(value, ensure_ascii=False)`` that never writes ``NaN``/``Infinity`` tokens or a lone
    surrogate: such a value raises :class:`~steps_core.errors.InputError` naming ``path``, ``line`` and the
    field inside ``value`` (after ``field``).

    >>> json_text({"a": [1, 2.5]})
    '{"a": [1, 2.5]}'
    >>> json_text({"gain": float("inf")}, path="combos.jsonl", line=3)
    Traceback (most recent call last):
    ...
    steps_core.errors.InputError: combos.jsonl:3: field 'gain': not a finite number (inf)
    """
    from .errors import InputError

    dumps_options.setdefault("ensure_ascii", False)
    try:
        text = json.dumps(value, allow_nan=False, **dumps_options)
        text.encode("utf-8")
        return text
    except (ValueError, UnicodeEncodeError):
        found = bad_json_value(value)
        if found is None:
            raise
        where, problem = found
        name = f"{field}.{where}" if field and where != "(value)" else (field or where)
        raise InputError(problem, path=None if path is None else os.fspath(path), line=line, field=name) from None


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


__all__ = ["guarded_output", "atomic_output", "check_output", "protected_paths", "register_database",
           "is_open_database", "same_file",
           "new_file_mode", "current_umask", "json_text", "bad_json_value", "enable_wal", "connect_sqlite",
           "read_json_file", "SQLITE_SIDE_FILES"]


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
