"""Opening a workspace file and talking to it: checks on open (ours, not newer, not damaged), WAL mode,
migrations, read-only files, one connection behind a lock, write and read transactions, and the JSON encoder
that refuses NaN and secrets. :class:`Connection` is the base of :class:`~steps_core.workspace.Workspace`."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import threading
import urllib.parse
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Self

from .. import __version__
from ..errors import EnvironmentFault, InputError, StepsError, from_os_error
from ..io import enable_wal, register_database
from .schema import APPLICATION_ID, migration, schema_version
from .keys import env_secrets

#: Folder of named workspaces: ``open_workspace("demo")`` is ``./steps-workspace/demo.sqlite``.
DEFAULT_ROOT = "./steps-workspace"

#: Seconds a writer waits for another process's write to finish before giving up.
BUSY_TIMEOUT = 30.0

#: What the app says about a read-only workspace (``{path}``: its file).
READ_ONLY_NOTE = ("The workspace {path} is read-only here (the file or its folder cannot be written): you can look "
                  "at everything, but no change can be saved. To work on it, copy it to a folder you may write in "
                  "and open the copy.")


def workspace_path(name_or_path: str | os.PathLike, root: str | os.PathLike = DEFAULT_ROOT) -> Path:
    """Where a workspace lives: a bare *name* maps to ``root/<name>.sqlite``, anything else is a path.

    A name is letters, digits, ``_``, ``-``, ``.`` and spaces, without a path separator and not ending in
    ``.sqlite``/``.db``; a value with a separator or such a suffix is used as the path itself.

    >>> workspace_path("demo", root="ws").as_posix()
    'ws/demo.sqlite'
    >>> workspace_path("runs/demo.sqlite").as_posix()
    'runs/demo.sqlite'
    """
    text = os.fspath(name_or_path)
    if not isinstance(text, str) or not text.strip():
        raise InputError("empty workspace name", field="workspace")
    if isinstance(name_or_path, os.PathLike) or "/" in text or os.sep in text \
            or text.endswith((".sqlite", ".db", ".sqlite3")):
        return Path(text)
    if text in (".", "..") or not re.fullmatch(r"\w[\w .-]*", text) or text != text.strip():
        raise InputError(f"{text!r} is not a valid workspace name (use letters, digits, '_', '-', '.')",
                         field="workspace")
    return Path(root) / f"{text}.sqlite"


def _writable(path: Path) -> bool:
    """Whether this process may write the file at ``path`` and create its ``-wal``/``-shm`` files beside it."""
    side = [Path(f"{path}{suffix}") for suffix in ("-wal", "-shm")]
    return os.access(path, os.W_OK) and (os.access(path.parent, os.W_OK | os.X_OK)
                                         or all(os.access(f, os.W_OK) for f in side))


class Connection:
    """The open file under a :class:`~steps_core.workspace.Workspace`: one SQLite connection behind a lock,
    checked and migrated on open, with :meth:`_write` and :meth:`_read` transactions for the methods of the
    workspace's parts (:mod:`~steps_core.workspace.curation`, :mod:`~steps_core.workspace.samples`)."""

    def __init__(self, path: str | os.PathLike, *, create: bool = True, read_only: bool | None = None):
        self.path = Path(path)
        self._lock = threading.RLock()
        self._guarded: set[str] = set()
        self._secrets: dict[str, str] = {}
        self._conn: sqlite3.Connection | None = None
        self._check_file(create)
        #: True when the file is opened read-only (it, or its folder, cannot be written): every change then
        #: raises :class:`~steps_core.errors.EnvironmentFault`.
        self.read_only = (self.path.exists() and not _writable(self.path)) if read_only is None else read_only
        try:
            conn = self._connect()
        except sqlite3.OperationalError as exc:
            if read_only is not None or self.read_only or "readonly" not in str(exc):
                raise self._open_error(exc) from exc
            self.read_only = True          # e.g. a read-only file system, or a folder we may not write in
            try:
                conn = self._connect()
            except sqlite3.DatabaseError as exc2:
                raise self._open_error(exc2) from exc2
        except sqlite3.DatabaseError as exc:
            raise self._open_error(exc) from exc
        self._conn = conn
        register_database(self.path)
        self.schema_version = schema_version()

    def _connect(self) -> sqlite3.Connection:
        """Open, check (:meth:`_inspect`, ``PRAGMA quick_check``), switch to WAL and migrate; read-only with
        :attr:`read_only` (a WAL file in a folder we cannot write is opened as immutable)."""
        if not self.read_only:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None,
                                   check_same_thread=False)
        else:
            conn = self._connect_read_only()
        try:
            version = self._inspect(conn, initial=True)
            self._quick_check(conn)
            if self.read_only:
                if version < schema_version():
                    raise EnvironmentFault(f"read-only, and at schema version {version} (this STEPS Studio uses "
                                           f"{schema_version()}): it cannot be set up or upgraded here; open a "
                                           "writable copy", path=self.path)
                conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
                return conn
            mode = self._enable_wal(conn)
            if mode != "wal":
                raise StepsError(f"{self.path}: cannot use WAL journaling here (got {mode!r}); "
                                 "put the workspace on a local disk")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
            self._migrate(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _connect_read_only(self) -> sqlite3.Connection:
        uri = "file:" + urllib.parse.quote(os.fspath(self.path.resolve()))
        conn = sqlite3.connect(uri + "?mode=ro", uri=True, timeout=BUSY_TIMEOUT, isolation_level=None,
                               check_same_thread=False)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.OperationalError:   # WAL without a -shm file we could create: read the file as it is
            conn.close()
            return sqlite3.connect(uri + "?mode=ro&immutable=1", uri=True, isolation_level=None,
                                   check_same_thread=False)

    def _quick_check(self, conn: sqlite3.Connection) -> None:
        """``PRAGMA quick_check``: a damaged file is an :class:`InputError` naming it, never a traceback later."""
        try:
            result = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            result = str(exc)
        if result != "ok":
            raise InputError(f"the workspace file is damaged ({result}); restore it from a backup, or move it "
                             "aside to start a new one", path=self.path)

    def _open_error(self, exc: sqlite3.DatabaseError) -> StepsError:
        """A located error for a failure to open the file (locked, unreadable, damaged)."""
        text = str(exc)
        if "locked" in text or "busy" in text:
            return StepsError(f"{self.path}: cannot open workspace: {exc}")
        if "unable to open" in text or "readonly" in text or "disk I/O" in text:
            return EnvironmentFault(f"cannot open workspace: {exc}", path=self.path)
        if isinstance(exc, sqlite3.OperationalError):
            return StepsError(f"{self.path}: cannot open workspace: {exc}")
        return InputError(f"the workspace file is damaged ({exc}); restore it from a backup, or move it aside "
                          "to start a new one", path=self.path)

    @classmethod
    def open(cls, path: str | os.PathLike, *, create: bool = True) -> Self:
        """Same as ``Workspace(path, create=create)``."""
        return cls(path, create=create)

    # -- opening ----------------------------------------------------------------------------------

    def _check_file(self, create: bool) -> None:
        """Refuse a path that is a folder; create parent folders of a new file. The file itself is never
        opened outside SQLite (that would drop the locks of another connection of this process to it)."""
        if self.path.is_dir():
            raise InputError("is a folder, not a workspace file", path=self.path)
        if self.path.exists() and not self.path.is_file():
            raise InputError("not a regular file, not a workspace", path=self.path)
        if not self.path.exists():
            if not create:
                raise InputError("no workspace here (file not found)", path=self.path)
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise from_os_error(exc, "cannot create the workspace's folder") from None

    def _inspect(self, conn: sqlite3.Connection, *, initial: bool) -> int:
        """Check the open file is ours (or empty) and not newer than this code; return its version.

        With ``initial`` this runs its own read transaction; otherwise the caller holds one.
        """
        try:
            if initial:
                conn.execute("BEGIN")
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = [r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
            if initial:
                conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StepsError(f"{self.path}: workspace is locked by another process ({exc})") from exc
            if "readonly" in str(exc) or "unable to open" in str(exc):
                raise
            raise InputError(f"not a STEPS workspace ({exc}); refusing to touch it", path=self.path) from None
        except sqlite3.DatabaseError as exc:
            raise InputError(f"not a STEPS workspace ({exc}); refusing to touch it", path=self.path) from None
        if app_id != APPLICATION_ID and (app_id != 0 or tables or version != 0):
            shown = ", ".join(tables[:8]) + (", ..." if len(tables) > 8 else "")
            raise InputError(f"an SQLite database but not a STEPS workspace (application_id {app_id}, "
                             f"tables: {shown or 'none'}); refusing to touch it", path=self.path)
        if version > schema_version():
            raise StepsError(f"{self.path}: workspace schema version {version} is newer than this "
                             f"STEPS Studio {__version__} understands ({schema_version()}); "
                             "upgrade steps-studio to open it")
        return version

    @staticmethod
    def _enable_wal(conn: sqlite3.Connection) -> str:
        """Switch the file to WAL journaling, waiting up to :data:`BUSY_TIMEOUT` for other processes
        (:func:`steps_core.io.enable_wal`); return the journal mode now in force."""
        return enable_wal(conn, BUSY_TIMEOUT)

    def _migrate(self, conn: sqlite3.Connection) -> None:
        """Bring the file to :func:`schema_version`, all migrations in one write transaction."""
        target = schema_version()
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = self._inspect(conn, initial=False)
            for step in range(version, target):
                try:
                    migration(step)(conn)
                except sqlite3.Error as exc:
                    raise StepsError(f"{self.path}: migrating the workspace from schema version "
                                     f"{step} to {step + 1} failed: {exc}") from exc
            if version < target:
                conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version={target}")
                conn.execute("INSERT INTO meta(key, value) VALUES ('written_by', ?) "
                             "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                             (f"steps-studio {__version__}",))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    # -- lifetime ---------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection (idempotent). Every action was already committed when it returned."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
                register_database(self.path, opened=False)

    @property
    def closed(self) -> bool:
        return self._conn is None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Workspace({str(self.path)!r}{', closed' if self.closed else ''})"

    # -- transactions and encoding ----------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StepsError(f"{self.path}: workspace is closed")
        return self._conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``); rolled back on any exception."""
        with self._lock:
            conn = self._connection()
            if self.read_only:
                raise EnvironmentFault("the workspace is read-only here (the file or its folder cannot be "
                                       "written): changes cannot be saved", path=self.path)
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StepsError(f"{self.path}: could not lock the workspace for writing within "
                                 f"{BUSY_TIMEOUT:.0f} s ({exc}); another process holds it") from exc
            self._secrets = {**env_secrets(), **{v: "a guarded secret" for v in self._guarded}}
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.DatabaseError):
                    raise self._db_error(exc) from exc
                raise

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: a consistent snapshot for the queries inside it."""
        with self._lock:
            conn = self._connection()
            try:
                conn.execute("BEGIN")
                try:
                    yield conn
                finally:
                    conn.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                raise self._db_error(exc) from exc

    def _db_error(self, exc: sqlite3.DatabaseError) -> StepsError:
        """A located error for a failed statement: damaged file (exit 2) or a fault of the machine (exit 1)."""
        text = str(exc)
        if "malformed" in text or "not a database" in text:
            return InputError(f"the workspace file is damaged ({exc}); restore it from a backup", path=self.path)
        return EnvironmentFault(f"workspace error: {exc}", path=self.path)

    def content_sha256(self) -> str:
        """SHA-256 (hex) of the database's content, read through this connection (``serialize``) in one
        consistent snapshot: the file is never opened a second time (which would drop this process's locks)."""
        with self._read() as conn:
            return hashlib.sha256(conn.serialize()).hexdigest()

    def _dumps(self, value: Any, what: str) -> str:
        """``value`` as JSON text; refuses NaN, non-JSON values and anything containing a known secret."""
        try:
            text = json.dumps(value, ensure_ascii=False, allow_nan=False)
            text.encode("utf-8")
        except (TypeError, ValueError) as exc:
            raise InputError(f"cannot store as JSON: {exc}", field=what) from None
        for secret, source in self._secrets.items():
            if secret in text:
                raise StepsError(f"refusing to write {what!r} to the workspace: it contains the value of "
                                 f"{source}; API keys are never stored")
        return text

    def guard_secret(self, value: str) -> None:
        """Refuse, from now on, to write any value containing ``value`` (e.g. a key typed in the app).

        Kept in memory only; values shorter than 8 characters are not guarded (a local endpoint's dummy key
        such as ``"test"`` would otherwise block every ordinary write). Values of secret-looking environment
        variables are guarded automatically. :meth:`unguard_secret` lifts it (the key was changed or cleared).
        """
        if isinstance(value, str) and len(value) >= 8:
            with self._lock:
                self._guarded.add(value)

    def unguard_secret(self, value: str) -> None:
        """Stop guarding ``value`` (see :meth:`guard_secret`)."""
        with self._lock:
            self._guarded.discard(value)
