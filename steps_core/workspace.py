"""The workspace: one SQLite file per project holding every curation decision.

A *workspace* records what the user chose along the pipeline, written the moment they act: the data source
and settings, the built graph/tree (as JSON artefacts addressed by their content hash), pinned and excluded
skills, approved and excluded combinations, synthesised samples with their provenance, accept / reject /
edit decisions, grades, the export history, and a log of taxonomy edits with undo/redo.

Durability and concurrency
    Every public method that changes something runs in its own ``BEGIN IMMEDIATE ... COMMIT`` transaction,
    so a reload, a server restart or a killed process loses no action that returned. The file is in WAL
    mode with ``synchronous=NORMAL``: a committed action survives a crash of the process (it may be lost
    only on a power failure of the machine, before the next checkpoint). Several processes may open the
    same file at once (two browser tabs, the app and ``steps export``); writers wait for each other up to
    30 s (``timeout=30``), readers never block.

Threads
    One :class:`Workspace` holds **one connection guarded by a lock**: any thread may call any method, and
    calls are serialised (each is a short transaction). Open a separate :class:`Workspace` per *process*;
    never use one across ``fork``.

Files that are not workspaces
    A workspace is an SQLite file whose ``PRAGMA application_id`` is :data:`APPLICATION_ID`; its schema
    version is ``PRAGMA user_version`` and :data:`MIGRATIONS` bring older files up to date. A missing or
    empty file (zero bytes, or an SQLite file with no tables) becomes a new workspace; any other file
    (not SQLite, or an SQLite database of something else) raises :class:`~steps_core.errors.InputError`
    naming the path and is left untouched. A file written by a newer STEPS Studio raises
    :class:`~steps_core.errors.StepsError`. Every open runs ``PRAGMA quick_check``: a damaged file is an
    ``InputError`` naming it, never a traceback later.

Read-only files
    A file this process may not write (or whose folder it may not write, so that SQLite cannot make its
    ``-wal``/``-shm`` files) is opened read-only: :attr:`Workspace.read_only` is True, everything can be read,
    and every change raises :class:`~steps_core.errors.EnvironmentFault` saying so.

One connection per file and process
    The workspace's file is only ever opened by SQLite: opening it a second time with ``open()`` and closing
    it would drop the process's POSIX locks on it, and with them SQLite's protection against other processes
    (concurrent writes were lost that way). Hash a workspace with :meth:`Workspace.content_sha256`; an open
    workspace is registered (:func:`steps_core.io.register_database`), so no output may replace it.

Secrets
    Nothing here stores an API key: :meth:`Workspace.set_setting` refuses setting names (and keys of
    nested dicts) that look like secrets (:func:`looks_secret`), and every JSON value written is checked
    not to contain the value of a secret-looking environment variable (``OPENAI_API_KEY``, ...) or a value
    registered with :meth:`Workspace.guard_secret`.

>>> import tempfile, os
>>> with Workspace(os.path.join(tempfile.mkdtemp(), "demo.sqlite")) as ws:
...     ws.pin_skill("logical reasoning")
...     ws.exclude_skill("logical reasoning")   # moves it: a skill has at most one mark
...     ws.skill_marks()
{'pinned': [], 'excluded': ['logical reasoning']}
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import threading
import urllib.parse
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Literal

from . import __version__
from .errors import EnvironmentFault, InputError, StepsError, from_os_error
from .io import enable_wal, register_database

#: ``PRAGMA application_id`` of a STEPS workspace (the bytes "STEP").
APPLICATION_ID = 0x53544550

#: Folder of named workspaces: ``open_workspace("demo")`` is ``./steps-workspace/demo.sqlite``.
DEFAULT_ROOT = "./steps-workspace"

#: Seconds a writer waits for another process's write to finish before giving up.
BUSY_TIMEOUT = 30.0

#: What the app says about a read-only workspace (``{path}``: its file).
READ_ONLY_NOTE = ("The workspace {path} is read-only here (the file or its folder cannot be written): you can look "
                  "at everything, but no change can be saved. To work on it, copy it to a folder you may write in "
                  "and open the copy.")

_ANY = "any"


# --------------------------------------------------------------------------------------------------
# Schema and migrations
# --------------------------------------------------------------------------------------------------

def _migrate_to_1(conn: sqlite3.Connection) -> None:
    """Schema v1: every table of the workspace."""
    statements = [
        """CREATE TABLE settings(
             key TEXT PRIMARY KEY,
             value TEXT NOT NULL CHECK (json_valid(value)),
             updated_at TEXT NOT NULL)""",
        # internal state (e.g. the op-log cursor), kept apart from the user's settings
        """CREATE TABLE meta(
             key TEXT PRIMARY KEY,
             value TEXT NOT NULL)""",
        """CREATE TABLE artefacts(
             kind TEXT NOT NULL,
             hash TEXT NOT NULL,
             content TEXT NOT NULL CHECK (json_valid(content)),
             meta TEXT NOT NULL CHECK (json_valid(meta)),
             put_seq INTEGER NOT NULL,
             created_at TEXT NOT NULL,
             PRIMARY KEY (kind, hash))""",
        "CREATE INDEX artefacts_latest ON artefacts(kind, put_seq)",
        """CREATE TABLE skill_marks(
             skill TEXT PRIMARY KEY,
             mark TEXT NOT NULL CHECK (mark IN ('pinned', 'excluded')),
             created_at TEXT NOT NULL)""",
        """CREATE TABLE combo_marks(
             key TEXT PRIMARY KEY,
             skills TEXT NOT NULL CHECK (json_valid(skills)),
             mark TEXT NOT NULL CHECK (mark IN ('approved', 'excluded')),
             info TEXT NOT NULL CHECK (json_valid(info)),
             created_at TEXT NOT NULL)""",
        """CREATE TABLE samples(
             id TEXT PRIMARY KEY,
             combo_key TEXT NOT NULL,
             skills TEXT NOT NULL CHECK (json_valid(skills)),
             k INTEGER NOT NULL CHECK (k >= 1),
             style TEXT NOT NULL,
             status TEXT NOT NULL,
             messages TEXT NOT NULL CHECK (json_valid(messages)),
             accepted INTEGER CHECK (accepted IN (0, 1)),
             edited_messages TEXT CHECK (edited_messages IS NULL OR json_valid(edited_messages)),
             provenance TEXT NOT NULL CHECK (json_valid(provenance)),
             tree_version TEXT,
             extra TEXT NOT NULL CHECK (json_valid(extra)),
             created_at TEXT NOT NULL,
             updated_at TEXT NOT NULL)""",
        "CREATE INDEX samples_combo ON samples(combo_key)",
        """CREATE TABLE grades(
             sample_id TEXT NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
             round INTEGER NOT NULL CHECK (round >= 1),
             points TEXT NOT NULL CHECK (json_valid(points)),
             judge TEXT NOT NULL CHECK (json_valid(judge)),
             created_at TEXT NOT NULL,
             PRIMARY KEY (sample_id, round))""",
        """CREATE TABLE exports(
             id INTEGER PRIMARY KEY AUTOINCREMENT,
             path TEXT NOT NULL,
             format TEXT NOT NULL,
             manifest TEXT NOT NULL CHECK (json_valid(manifest)),
             tree_version TEXT,
             created_at TEXT NOT NULL)""",
        """CREATE TABLE tree_ops(
             seq INTEGER PRIMARY KEY CHECK (seq >= 1),
             op TEXT NOT NULL CHECK (json_valid(op)),
             created_at TEXT NOT NULL)""",
        "INSERT INTO meta(key, value) VALUES ('tree_ops_cursor', '0')",
    ]
    for sql in statements:
        conn.execute(sql)


#: Migration ``i`` (0-based) brings a file from schema version ``i`` to ``i + 1``; they run in order, all
#: inside one transaction, so a failed migration leaves the file as it was. Append, never edit.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_migrate_to_1]


def schema_version() -> int:
    """The schema version this code writes: the number of :data:`MIGRATIONS`."""
    return len(MIGRATIONS)


# --------------------------------------------------------------------------------------------------
# Small pure helpers
# --------------------------------------------------------------------------------------------------

def _now() -> str:
    """Current UTC time, ISO-8601 with microseconds, e.g. ``2026-11-22T10:04:05.123456+00:00``."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def _check_text(value: Any, what: str, *, allow_empty: bool = False) -> str:
    """``value`` as a name: a ``str``, valid Unicode, and (unless ``allow_empty``) not blank."""
    if not isinstance(value, str):
        raise InputError(f"expected a string, got {type(value).__name__} {value!r}", field=what)
    if not allow_empty and not value.strip():
        raise InputError("must not be empty", field=what)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"{value!r} is not valid Unicode (lone surrogate)", field=what) from None
    return value


def content_hash(text: str) -> str:
    """SHA-256 (hex) of ``text`` encoded as UTF-8: the address of an artefact and a tree version.

    >>> content_hash("{}")[:12]
    '44136fa355b3'
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def combo_key(skills: Iterable[str]) -> str:
    """The canonical key of a skill combination: its distinct skills, sorted, as a JSON array.

    Independent of order and repetition, unambiguous whatever the names contain.

    >>> combo_key(["b", "a", "b"])
    '["a","b"]'
    >>> combo_key(["a", "b"]) == combo_key(("b", "a"))
    True
    """
    return json.dumps(_combo_skills(skills), ensure_ascii=False, separators=(",", ":"))


def _combo_skills(skills: Iterable[str]) -> list[str]:
    """Sorted distinct skills of a combination, validated."""
    if isinstance(skills, (str, bytes)) or not isinstance(skills, Iterable):
        raise InputError(f"expected a list of skill names, got {type(skills).__name__} {skills!r}",
                         field="skills")
    names = sorted({_check_text(s, "skills") for s in skills})
    if not names:
        raise InputError("a combination needs at least one skill", field="skills")
    return names


def _words(name: str) -> list[str]:
    """Lower-case words of an identifier: split on non-alphanumerics and camelCase boundaries."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return [w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w]


_SECRET_WORDS = ("secret", "password", "passwd", "passphrase", "apikey", "credential", "bearer",
                 "authorization")


def looks_secret(name: str) -> bool:
    """Whether a setting (or environment variable) called ``name`` probably holds a secret.

    True when the name contains ``secret``, ``password``/``passwd``/``passphrase``, ``api key`` (any
    spelling), ``credential``, ``bearer`` or ``authorization``; when its last word is ``key``
    (``api_key``, ``OPENAI_API_KEY``, ``private_key``); or when a word is or ends with ``token`` in the
    singular (``hf_token``, ``accessToken``). Count-like names stay allowed: ``max_tokens``, ``tokenizer``.

    >>> [looks_secret(n) for n in ("api_key", "openaiApiKey", "hf_token", "db.password", "client_secret")]
    [True, True, True, True, True]
    >>> [looks_secret(n) for n in ("max_tokens", "tokenizer", "model", "monkey", "k")]
    [False, False, False, False, False]
    """
    words = _words(name)
    joined = "".join(words)
    if any(w in joined for w in _SECRET_WORDS):
        return True
    if words and words[-1] == "key":
        return True
    return any(w.endswith("token") for w in words)


def _secret_keys(value: Any, prefix: str = "") -> list[str]:
    """Paths of the dict keys inside ``value`` (recursively) whose names look like secrets."""
    found: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            path = f"{prefix}.{k}" if prefix else str(k)
            if looks_secret(str(k)):
                found.append(path)
            found.extend(_secret_keys(v, path))
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            found.extend(_secret_keys(v, f"{prefix}[{i}]"))
    return found


def _env_secrets() -> dict[str, str]:
    """Values (8+ characters) of environment variables whose names look like secrets, by value."""
    return {v: f"environment variable {k}" for k, v in os.environ.items()
            if len(v) >= 8 and looks_secret(k)}


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


def open_workspace(name_or_path: str | os.PathLike, root: str | os.PathLike = DEFAULT_ROOT, *,
                   create: bool = True) -> "Workspace":
    """Open (by default creating, with parent folders) the workspace named or located by ``name_or_path``.

    See :func:`workspace_path` for how a name maps to a file. ``create=False`` raises
    :class:`~steps_core.errors.InputError` if the file does not exist (what a reader such as
    ``steps export --workspace`` wants, so that a typo does not silently create an empty workspace).
    """
    return Workspace(workspace_path(name_or_path, root), create=create)


# --------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Artefact:
    """A stored JSON artefact (a graph, a tree, ...): ``hash`` is :func:`content_hash` of ``content``."""

    kind: str
    hash: str
    content: str
    meta: dict = field(compare=False)
    created_at: str = field(compare=False)


@dataclass(frozen=True, slots=True)
class AddResult:
    """What :meth:`Workspace.add_samples` did: new ids, existing ids whose content changed, unchanged; and
    ``reset``: updated samples whose accept/reject decision was dropped because their generated
    conversation changed (and they had no edit): the decision was about a conversation that is gone."""

    inserted: int
    updated: int
    unchanged: int
    reset: int = 0


@dataclass(frozen=True, slots=True)
class OpLog:
    """The taxonomy-edit log: all ``ops`` in order; the first ``cursor`` of them are active.

    ``ops[cursor:]`` is the redo tail (undone ops that :meth:`Workspace.redo` can re-apply).
    """

    ops: tuple[dict, ...]
    cursor: int

    @property
    def active(self) -> tuple[dict, ...]:
        return self.ops[:self.cursor]

    @property
    def can_undo(self) -> bool:
        return self.cursor > 0

    @property
    def can_redo(self) -> bool:
        return self.cursor < len(self.ops)


@dataclass(frozen=True, slots=True)
class Summary:
    """Counts for a status panel (see :meth:`Workspace.summary`)."""

    schema_version: int
    settings: int
    samples: int
    accepted: int
    rejected: int
    undecided: int
    edited: int
    graded: int
    samples_by_status: dict
    samples_by_k: dict
    accepted_by_k: dict
    pinned_skills: int
    excluded_skills: int
    approved_combos: int
    excluded_combos: int
    exports: int
    ops_active: int
    ops_total: int
    artefacts: dict


# --------------------------------------------------------------------------------------------------
# The workspace
# --------------------------------------------------------------------------------------------------

_SAMPLE_FIELDS = ("id", "skills", "k", "style", "status", "messages", "accepted", "provenance",
                  "tree_version")
# keys that samples() adds to its output: ignored (not kept as extra fields) when such a dict is re-added
_OUTPUT_FIELDS = ("original_messages", "edited", "edited_messages", "combo_key", "created_at",
                  "updated_at")


class Workspace:
    """An open workspace file. Use as a context manager, or call :meth:`close`.

    ``Workspace(path)`` creates the file (and its parent folders) if it does not exist, unless
    ``create=False``. All methods are safe to call from several threads (one connection behind a lock).
    """

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
    def open(cls, path: str | os.PathLike, *, create: bool = True) -> "Workspace":
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
                    MIGRATIONS[step](conn)
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

    def __enter__(self) -> "Workspace":
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
            self._secrets = {**_env_secrets(), **{v: "a guarded secret" for v in self._guarded}}
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

    # -- settings ---------------------------------------------------------------------------------

    def set_setting(self, key: str, value: Any) -> None:
        """Store a JSON-serialisable ``value`` under ``key`` (replacing any previous value).

        Refuses (``InputError``, a ``StepsError``) a key, or a key of a nested dict, that
        :func:`looks_secret`: API keys are never written to the workspace.
        """
        _check_text(key, "key")
        secret = [key] if looks_secret(key) else []
        secret += [f"{key}.{p}" for p in _secret_keys(value)]
        if secret:
            raise InputError(f"refusing to store {secret[0]!r}: it looks like a secret (API key, token, "
                             "password); secrets are never written to the workspace — keep them in the "
                             "environment", field=key)
        with self._write() as conn:
            conn.execute("INSERT INTO settings(key, value, updated_at) VALUES (?, ?, ?) "
                         "ON CONFLICT(key) DO UPDATE SET value = excluded.value, "
                         "updated_at = excluded.updated_at",
                         (key, self._dumps(value, key), _now()))

    def get_setting(self, key: str, default: Any = None) -> Any:
        """The value stored under ``key``, or ``default``."""
        with self._read() as conn:
            row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def delete_setting(self, key: str) -> bool:
        """Remove ``key``; True if it was there."""
        with self._write() as conn:
            return conn.execute("DELETE FROM settings WHERE key = ?", (key,)).rowcount > 0

    def settings(self) -> dict[str, Any]:
        """All settings as a dict, keys sorted."""
        with self._read() as conn:
            rows = conn.execute("SELECT key, value FROM settings ORDER BY key").fetchall()
        return {k: json.loads(v) for k, v in rows}

    # -- artefacts --------------------------------------------------------------------------------

    def put_artefact(self, kind: str, content: str, meta: dict | None = None) -> str:
        """Store JSON text ``content`` (a graph, a tree, ...) under ``kind``; return its content hash.

        Storing the same content again keeps one copy and makes it the latest of its kind. ``meta`` is a
        small dict (e.g. the settings that produced it). Content must be JSON text: never pickle.
        """
        _check_text(kind, "kind")
        if not isinstance(content, str):
            raise InputError(f"artefact content must be JSON text (str), got {type(content).__name__}",
                             field="content")
        try:
            json.loads(content)
        except ValueError as exc:
            raise InputError(f"artefact content is not valid JSON: {exc}", field="content") from None
        digest = content_hash(content)
        with self._write() as conn:
            for secret, source in self._secrets.items():
                if secret in content:
                    raise StepsError(f"refusing to store a {kind!r} artefact containing the value of "
                                     f"{source}; API keys are never stored")
            seq = conn.execute("SELECT coalesce(max(put_seq), 0) + 1 FROM artefacts").fetchone()[0]
            conn.execute("INSERT INTO artefacts(kind, hash, content, meta, put_seq, created_at) "
                         "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(kind, hash) DO UPDATE SET "
                         "put_seq = excluded.put_seq, meta = excluded.meta",
                         (kind, digest, content, self._dumps(meta or {}, "meta"), seq, _now()))
        return digest

    def get_artefact(self, kind: str, hash: str | None = None) -> Artefact | None:
        """The artefact of ``kind`` with ``hash``, or the latest one stored if ``hash`` is None; None if
        there is none."""
        with self._read() as conn:
            if hash is None:
                row = conn.execute("SELECT kind, hash, content, meta, created_at FROM artefacts "
                                   "WHERE kind = ? ORDER BY put_seq DESC LIMIT 1", (kind,)).fetchone()
            else:
                row = conn.execute("SELECT kind, hash, content, meta, created_at FROM artefacts "
                                   "WHERE kind = ? AND hash = ?", (kind, hash)).fetchone()
        if row is None:
            return None
        return Artefact(row[0], row[1], row[2], json.loads(row[3]), row[4])

    def artefacts(self, kind: str | None = None) -> list[dict]:
        """Stored artefacts without their content, oldest first: dicts with kind, hash, meta,
        created_at, size (characters)."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT kind, hash, meta, created_at, length(content) FROM artefacts "
                "WHERE ?1 IS NULL OR kind = ?1 ORDER BY put_seq", (kind,)).fetchall()
        return [{"kind": k, "hash": h, "meta": json.loads(m), "created_at": c, "size": n}
                for k, h, m, c, n in rows]

    # -- skill marks ------------------------------------------------------------------------------

    def _set_skill_mark(self, skill: str, mark: str) -> None:
        _check_text(skill, "skill")
        with self._write() as conn:
            conn.execute("INSERT INTO skill_marks(skill, mark, created_at) VALUES (?, ?, ?) "
                         "ON CONFLICT(skill) DO UPDATE SET mark = excluded.mark, "
                         "created_at = excluded.created_at WHERE skill_marks.mark != excluded.mark",
                         (skill, mark, _now()))

    def _drop_skill_mark(self, skill: str, mark: str | None) -> bool:
        with self._write() as conn:
            cur = conn.execute("DELETE FROM skill_marks WHERE skill = ?1 AND (?2 IS NULL OR mark = ?2)",
                               (skill, mark))
            return cur.rowcount > 0

    def pin_skill(self, skill: str) -> None:
        """Pin ``skill`` (every proposed combination must contain a pinned skill). A skill has at most
        one mark: pinning an excluded skill un-excludes it."""
        self._set_skill_mark(skill, "pinned")

    def exclude_skill(self, skill: str) -> None:
        """Exclude ``skill`` from proposed combinations; excluding a pinned skill un-pins it."""
        self._set_skill_mark(skill, "excluded")

    def unpin_skill(self, skill: str) -> bool:
        """Remove the pin of ``skill``; True if it was pinned (an exclusion is left alone)."""
        return self._drop_skill_mark(skill, "pinned")

    def unexclude_skill(self, skill: str) -> bool:
        """Remove the exclusion of ``skill``; True if it was excluded (a pin is left alone)."""
        return self._drop_skill_mark(skill, "excluded")

    def clear_skill_mark(self, skill: str) -> bool:
        """Remove whatever mark ``skill`` has; True if it had one."""
        return self._drop_skill_mark(skill, None)

    def set_skill_marks(self, mark: Literal["pinned", "excluded"], skills: Iterable[str]) -> None:
        """Make ``skills`` exactly the skills with ``mark`` (one transaction): others lose that mark, these
        gain it (moving from the other mark if they had it)."""
        if mark not in ("pinned", "excluded"):
            raise InputError(f"unknown mark {mark!r}; expected 'pinned' or 'excluded'", field="mark")
        wanted = list(dict.fromkeys(skills))
        for skill in wanted:
            _check_text(skill, "skill")
        with self._write() as conn:
            conn.execute("DELETE FROM skill_marks WHERE mark = ?", (mark,))
            now = _now()
            conn.executemany("INSERT INTO skill_marks(skill, mark, created_at) VALUES (?, ?, ?) "
                             "ON CONFLICT(skill) DO UPDATE SET mark = excluded.mark, created_at = excluded.created_at",
                             [(skill, mark, now) for skill in wanted])

    def skill_mark(self, skill: str) -> Literal["pinned", "excluded"] | None:
        """The mark of ``skill``: ``"pinned"``, ``"excluded"`` or None."""
        with self._read() as conn:
            row = conn.execute("SELECT mark FROM skill_marks WHERE skill = ?", (skill,)).fetchone()
        return None if row is None else row[0]

    def skill_marks(self) -> dict[str, list[str]]:
        """``{"pinned": [...], "excluded": [...]}``, names sorted."""
        out: dict[str, list[str]] = {"pinned": [], "excluded": []}
        with self._read() as conn:
            for skill, mark in conn.execute("SELECT skill, mark FROM skill_marks ORDER BY skill"):
                out[mark].append(skill)
        return out

    # -- combination marks ------------------------------------------------------------------------

    def _set_combo_mark(self, skills: Iterable[str], mark: str, info: dict | None) -> str:
        names = _combo_skills(skills)
        key = json.dumps(names, ensure_ascii=False, separators=(",", ":"))
        if info is not None and not isinstance(info, dict):
            raise InputError(f"expected a dict, got {type(info).__name__}", field="info")
        with self._write() as conn:
            conn.execute("INSERT INTO combo_marks(key, skills, mark, info, created_at) "
                         "VALUES (?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET mark = excluded.mark, "
                         "info = excluded.info, created_at = excluded.created_at",
                         (key, self._dumps(names, "skills"), mark, self._dumps(info or {}, "info"), _now()))
        return key

    def approve_combo(self, skills: Iterable[str], info: dict | None = None) -> str:
        """Approve a combination (order-free) for synthesis; returns its :func:`combo_key`. Approving an
        excluded combination replaces the exclusion. ``info`` (e.g. its gains) is kept with the mark."""
        return self._set_combo_mark(skills, "approved", info)

    def exclude_combo(self, skills: Iterable[str], info: dict | None = None) -> str:
        """Exclude a combination; replaces an approval. Returns its :func:`combo_key`."""
        return self._set_combo_mark(skills, "excluded", info)

    def clear_combo_mark(self, skills: Iterable[str]) -> bool:
        """Remove the mark of a combination; True if it had one."""
        key = combo_key(skills)
        with self._write() as conn:
            return conn.execute("DELETE FROM combo_marks WHERE key = ?", (key,)).rowcount > 0

    def combo_mark(self, skills: Iterable[str]) -> Literal["approved", "excluded"] | None:
        """The mark of a combination: ``"approved"``, ``"excluded"`` or None."""
        key = combo_key(skills)
        with self._read() as conn:
            row = conn.execute("SELECT mark FROM combo_marks WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def combo_marks(self) -> dict[str, list[dict]]:
        """``{"approved": [...], "excluded": [...]}``; each entry ``{"key", "skills" (sorted), "info",
        "created_at"}``, in the order marked."""
        out: dict[str, list[dict]] = {"approved": [], "excluded": []}
        with self._read() as conn:
            rows = conn.execute("SELECT key, skills, mark, info, created_at FROM combo_marks "
                                "ORDER BY created_at, rowid").fetchall()
        for key, skills, mark, info, created in rows:
            out[mark].append({"key": key, "skills": json.loads(skills), "info": json.loads(info),
                              "created_at": created})
        return out

    # -- samples ----------------------------------------------------------------------------------

    @staticmethod
    def _check_messages(value: Any, what: str) -> list[dict]:
        if not isinstance(value, list):
            raise InputError(f"expected a list of messages, got {type(value).__name__}", field=what)
        for i, m in enumerate(value):
            if not (isinstance(m, dict) and isinstance(m.get("role"), str)
                    and isinstance(m.get("content"), str)):
                raise InputError(f"message {i} must be a dict with string 'role' and 'content', "
                                 f"got {m!r:.80}", field=what)
        return value

    def _sample_row(self, s: Any, index: int) -> tuple:
        """Validate one sample dict (samples.jsonl format) into the column values of ``samples``;
        an ``InputError`` names the sample and its position ``index`` (as ``line``)."""
        sid = s.get("id") if isinstance(s, dict) else None
        try:
            return self._sample_columns(s)
        except InputError as exc:
            who = f"sample {sid!r}" if isinstance(sid, str) and sid else f"sample {index}"
            raise InputError(f"{who}: {exc.message}", field=exc.field, line=index) from None

    def _sample_columns(self, s: Any) -> tuple:
        if not isinstance(s, dict):
            raise InputError(f"expected a dict, got {type(s).__name__}")
        sid = s.get("id")
        if not isinstance(sid, str) or not sid.strip():
            raise InputError(f"expected a non-empty string id, got {sid!r}", field="id")
        _check_text(sid, "id")
        skills = s.get("skills")
        if isinstance(skills, str) or not isinstance(skills, list):
            raise InputError(f"expected a list of skill names, got {skills!r:.80}", field="skills")
        for name in skills:
            _check_text(name, "skills")
        distinct = list(dict.fromkeys(skills))
        if not distinct:
            raise InputError("no skills", field="skills")
        k = s.get("k", len(distinct))
        if isinstance(k, bool) or not isinstance(k, int) or k != len(distinct):
            raise InputError(f"k must be the number of distinct skills ({len(distinct)}), got {k!r}", field="k")
        style = s.get("style", "")
        status = s.get("status", "ok")
        for name, value in (("style", style), ("status", status)):
            if not isinstance(value, str):
                raise InputError(f"expected a string, got {value!r}", field=name)
            _check_text(value, name, allow_empty=True)
        # a dict returned by samples() carries the generated conversation as original_messages
        generated = s["original_messages"] if "original_messages" in s else s.get("messages", [])
        messages = self._check_messages(generated, "messages")
        accepted = s.get("accepted")
        if accepted is not None and not isinstance(accepted, bool):
            raise InputError(f"expected true, false or null, got {accepted!r}", field="accepted")
        provenance = s.get("provenance", {})
        if not isinstance(provenance, dict):
            raise InputError(f"expected a dict, got {type(provenance).__name__}", field="provenance")
        tree_version = s.get("tree_version")
        if tree_version is not None:
            _check_text(tree_version, "tree_version", allow_empty=True)
        extra = {k2: v for k2, v in s.items() if k2 not in _SAMPLE_FIELDS and k2 not in _OUTPUT_FIELDS}
        return (sid, combo_key(distinct), self._dumps(distinct, "skills"), k, style, status,
                self._dumps(messages, "messages"), None if accepted is None else int(accepted),
                self._dumps(provenance, "provenance"), tree_version, self._dumps(extra, "extra"))

    def add_samples(self, samples: Iterable[dict]) -> AddResult:
        """Store synthesised samples (dicts in the samples.jsonl format), all in one transaction.

        Fields: ``id`` (required), ``skills`` (required), ``k`` (= number of distinct skills), ``style``,
        ``status`` (default ``"ok"``), ``messages`` (``[{"role", "content"}]``), ``accepted`` (true, false
        or null), ``provenance`` (dict), ``tree_version``; any other field is kept and returned as is.

        Idempotent on ``id``: re-adding an id updates its generated content (messages, provenance, ...).
        An edit is never lost, and neither is the decision of an edited sample. An accept/reject decision
        stays while the generated conversation is the same; when the conversation changes (the sample was
        regenerated) the decision is dropped, since it judged a text that is gone, and the incoming
        ``accepted`` (null for fresh output) takes its place; such samples are counted in
        :attr:`AddResult.reset`. Otherwise the incoming ``accepted`` is used only while the sample is
        undecided and unedited. Invalid input raises
        ``InputError`` (``line`` = position in ``samples``, from 1) and stores nothing.
        """
        samples = list(samples)
        inserted = updated = reset = 0
        now = _now()
        with self._write() as conn:
            for index, s in enumerate(samples, 1):  # a bad sample rolls back the whole batch
                row = self._sample_row(s, index)
                existed = conn.execute("SELECT messages, accepted, edited_messages FROM samples WHERE id = ?",
                                       (row[0],)).fetchone()
                cur = conn.execute(
                    "INSERT INTO samples(id, combo_key, skills, k, style, status, messages, accepted, "
                    "provenance, tree_version, extra, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT(id) DO UPDATE SET combo_key = excluded.combo_key, "
                    "skills = excluded.skills, k = excluded.k, style = excluded.style, "
                    "status = excluded.status, messages = excluded.messages, "
                    "provenance = excluded.provenance, tree_version = excluded.tree_version, "
                    "extra = excluded.extra, updated_at = excluded.updated_at, "
                    "accepted = CASE WHEN samples.edited_messages IS NULL AND (samples.accepted IS NULL "
                    "OR samples.messages IS NOT excluded.messages) "
                    "THEN excluded.accepted ELSE samples.accepted END "
                    "WHERE samples.skills IS NOT excluded.skills OR samples.style IS NOT excluded.style "
                    "OR samples.status IS NOT excluded.status OR samples.messages IS NOT excluded.messages "
                    "OR samples.provenance IS NOT excluded.provenance "
                    "OR samples.tree_version IS NOT excluded.tree_version "
                    "OR samples.extra IS NOT excluded.extra "
                    "OR (samples.accepted IS NULL AND samples.edited_messages IS NULL "
                    "    AND excluded.accepted IS NOT NULL)",
                    (*row, now, now))
                if not existed:
                    inserted += 1
                elif cur.rowcount > 0:
                    updated += 1
                    old_messages, old_accepted, old_edit = existed
                    if old_accepted is not None and old_edit is None and old_messages != row[6]:
                        reset += 1
        return AddResult(inserted, updated, len(samples) - inserted - updated, reset)

    def set_decision(self, sample_id: str, accepted: bool | None,
                     edited_messages: list[dict] | None = None) -> dict:
        """Record the curator's decision on a sample and return the sample as :meth:`sample` does.

        ``accepted``: True (accept), False (reject) or None (undecided again). ``edited_messages``: the
        edited conversation (``[{"role", "content"}]``) to use instead of the generated one; None keeps the
        current edit, if any (use :meth:`revert_edit` to drop it).
        """
        if accepted is not None and not isinstance(accepted, bool):
            raise InputError(f"expected True, False or None, got {accepted!r}", field="accepted")
        if edited_messages is not None:
            self._check_messages(edited_messages, "edited_messages")
        with self._write() as conn:
            edited = None if edited_messages is None else self._dumps(edited_messages, "edited_messages")
            cur = conn.execute("UPDATE samples SET accepted = ?, "
                               "edited_messages = coalesce(?, edited_messages), updated_at = ? WHERE id = ?",
                               (None if accepted is None else int(accepted), edited, _now(), sample_id))
            if cur.rowcount == 0:
                raise InputError(f"no sample with id {sample_id!r}", path=self.path, field="sample_id")
            return self._sample(conn, sample_id)

    def revert_edit(self, sample_id: str) -> dict:
        """Drop the edit of a sample (its generated messages become effective again); returns it."""
        with self._write() as conn:
            cur = conn.execute("UPDATE samples SET edited_messages = NULL, updated_at = ? WHERE id = ?",
                               (_now(), sample_id))
            if cur.rowcount == 0:
                raise InputError(f"no sample with id {sample_id!r}", path=self.path, field="sample_id")
            return self._sample(conn, sample_id)

    _SAMPLE_COLUMNS = ("SELECT id, skills, k, style, status, messages, accepted, edited_messages, provenance, "
                       "tree_version, extra, combo_key, created_at, updated_at FROM samples")

    @staticmethod
    def _sample_dict(row: tuple) -> dict:
        (sid, skills, k, style, status, messages, accepted, edited, provenance, tree_version, extra,
         key, created, updated) = row
        original = json.loads(messages)
        out = json.loads(extra)
        out.update({
            "id": sid, "skills": json.loads(skills), "k": k, "style": style, "status": status,
            "messages": original if edited is None else json.loads(edited),
            "original_messages": original, "edited": edited is not None,
            "accepted": None if accepted is None else bool(accepted),
            "provenance": json.loads(provenance), "tree_version": tree_version, "combo_key": key,
            "created_at": created, "updated_at": updated,
        })
        return out

    def _sample(self, conn: sqlite3.Connection, sample_id: str) -> dict | None:
        row = conn.execute(self._SAMPLE_COLUMNS + " WHERE id = ?", (sample_id,)).fetchone()
        return None if row is None else self._sample_dict(row)

    def sample(self, sample_id: str) -> dict | None:
        """One sample (see :meth:`samples` for its keys), or None."""
        with self._read() as conn:
            return self._sample(conn, sample_id)

    def sample_ids(self) -> list[str]:
        """Ids of every sample, in the order first added (cheap: no JSON is decoded)."""
        with self._read() as conn:
            return [r[0] for r in conn.execute("SELECT id FROM samples ORDER BY rowid")]

    def samples(self, accepted: bool | None | Literal["any"] = _ANY, status: str | None = None,
                k: int | None = None, *, with_provenance: bool = True) -> list[dict]:
        """Samples in the order first added, filtered by decision, status and number of skills.

        ``accepted``: ``"any"`` (default), True (accepted), False (rejected) or None (undecided). Each dict
        has the samples.jsonl fields with ``messages`` = the effective conversation (the edit if edited),
        plus ``original_messages``, ``edited`` (bool), ``combo_key``, ``created_at`` and ``updated_at``.
        ``with_provenance=False`` skips the (large) provenance, which is then None: for lists and counts.
        """
        where, params = [], []
        if accepted is None:
            where.append("accepted IS NULL")
        elif isinstance(accepted, bool):
            where.append("accepted = ?")
            params.append(int(accepted))
        elif accepted != _ANY:
            raise InputError(f"expected True, False, None or 'any', got {accepted!r}", field="accepted")
        if status is not None:
            where.append("status = ?")
            params.append(status)
        if k is not None:
            where.append("k = ?")
            params.append(k)
        columns = self._SAMPLE_COLUMNS if with_provenance else self._SAMPLE_COLUMNS.replace(" provenance,", " 'null',")
        sql = columns + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY rowid"
        with self._read() as conn:
            rows = conn.execute(sql, params).fetchall()
        return [self._sample_dict(r) for r in rows]

    # -- grades -----------------------------------------------------------------------------------

    def add_grade(self, sample_id: str, points: dict, judge: dict | None = None) -> int:
        """Record one grading round of a sample: ``points`` (e.g. ``{"skill:a": 1, "on_topic": 1}``) and
        ``judge`` (model, prompt hash, raw answer, ...). Returns the round number (1, 2, ...)."""
        if not isinstance(points, dict):
            raise InputError(f"expected a dict of points, got {type(points).__name__}", field="points")
        if judge is not None and not isinstance(judge, dict):
            raise InputError(f"expected a dict, got {type(judge).__name__}", field="judge")
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM samples WHERE id = ?", (sample_id,)).fetchone() is None:
                raise InputError(f"no sample with id {sample_id!r}", path=self.path, field="sample_id")
            round_ = conn.execute("SELECT coalesce(max(round), 0) + 1 FROM grades WHERE sample_id = ?",
                                  (sample_id,)).fetchone()[0]
            conn.execute("INSERT INTO grades(sample_id, round, points, judge, created_at) "
                         "VALUES (?, ?, ?, ?, ?)",
                         (sample_id, round_, self._dumps(points, "points"),
                          self._dumps(judge or {}, "judge"), _now()))
        return round_

    def grades(self, sample_id: str | None = None) -> list[dict]:
        """Grading rounds of one sample (or of all samples if None), in order: dicts with sample_id,
        round, points, judge, created_at."""
        with self._read() as conn:
            rows = conn.execute("SELECT g.sample_id, g.round, g.points, g.judge, g.created_at "
                                "FROM grades g JOIN samples s ON s.id = g.sample_id "
                                "WHERE ?1 IS NULL OR g.sample_id = ?1 ORDER BY s.rowid, g.round",
                                (sample_id,)).fetchall()
        return [{"sample_id": s, "round": r, "points": json.loads(p), "judge": json.loads(j),
                 "created_at": c} for s, r, p, j, c in rows]

    # -- exports ----------------------------------------------------------------------------------

    def record_export(self, path: str | os.PathLike, format: str, manifest: dict,
                      tree_version: str | None = None) -> int:
        """Record that an export was written to ``path`` in ``format`` with its ``manifest``; returns
        the export id (increasing, never reused)."""
        _check_text(format, "format")
        if not isinstance(manifest, dict):
            raise InputError(f"expected a dict, got {type(manifest).__name__}", field="manifest")
        with self._write() as conn:
            cur = conn.execute("INSERT INTO exports(path, format, manifest, tree_version, created_at) "
                               "VALUES (?, ?, ?, ?, ?)",
                               (_check_text(os.fspath(path), "path"), format,
                                self._dumps(manifest, "manifest"), tree_version, _now()))
            return cur.lastrowid

    def exports(self) -> list[dict]:
        """Export history, oldest first: dicts with id, path, format, manifest, tree_version, created_at."""
        with self._read() as conn:
            rows = conn.execute("SELECT id, path, format, manifest, tree_version, created_at FROM exports "
                                "ORDER BY id").fetchall()
        return [{"id": i, "path": p, "format": f, "manifest": json.loads(m), "tree_version": t,
                 "created_at": c} for i, p, f, m, t, c in rows]

    # -- taxonomy operation log -------------------------------------------------------------------

    @staticmethod
    def _cursor(conn: sqlite3.Connection) -> int:
        return int(conn.execute("SELECT value FROM meta WHERE key = 'tree_ops_cursor'").fetchone()[0])

    @staticmethod
    def _set_cursor(conn: sqlite3.Connection, cursor: int) -> None:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'tree_ops_cursor'", (str(cursor),))

    def push_op(self, op: dict) -> int:
        """Append a taxonomy edit (a JSON object, e.g. ``{"op": "relabel", "node": "1.2", "label":
        "maths"}``) after the active ones; any undone ops (the redo tail) are discarded. Returns its
        position (1-based), which is also the new number of active ops."""
        if not isinstance(op, dict):
            raise InputError(f"an op must be a dict (JSON object), got {type(op).__name__}", field="op")
        with self._write() as conn:
            cursor = self._cursor(conn)
            conn.execute("DELETE FROM tree_ops WHERE seq > ?", (cursor,))
            conn.execute("INSERT INTO tree_ops(seq, op, created_at) VALUES (?, ?, ?)",
                         (cursor + 1, self._dumps(op, "op"), _now()))
            self._set_cursor(conn, cursor + 1)
        return cursor + 1

    def undo(self) -> dict | None:
        """Deactivate the last active op and return it; None (and no change) if there is none."""
        with self._write() as conn:
            cursor = self._cursor(conn)
            if cursor == 0:
                return None
            op = conn.execute("SELECT op FROM tree_ops WHERE seq = ?", (cursor,)).fetchone()[0]
            self._set_cursor(conn, cursor - 1)
        return json.loads(op)

    def redo(self) -> dict | None:
        """Re-activate the first undone op and return it; None (and no change) if there is none."""
        with self._write() as conn:
            cursor = self._cursor(conn)
            row = conn.execute("SELECT op FROM tree_ops WHERE seq = ?", (cursor + 1,)).fetchone()
            if row is None:
                return None
            self._set_cursor(conn, cursor + 1)
        return json.loads(row[0])

    def active_ops(self) -> list[dict]:
        """The active ops, oldest first: apply them in this order to the built tree."""
        return list(self.op_log().active)

    def op_log(self) -> OpLog:
        """All ops (active then undone) and the cursor, e.g. to show greyed-out redo entries."""
        with self._read() as conn:
            cursor = self._cursor(conn)
            ops = tuple(json.loads(r[0]) for r in conn.execute("SELECT op FROM tree_ops ORDER BY seq"))
        return OpLog(ops, cursor)

    def clear_ops(self) -> int:
        """Forget the whole op log (e.g. after rebuilding the tree); returns how many ops it held."""
        with self._write() as conn:
            n = conn.execute("DELETE FROM tree_ops").rowcount
            self._set_cursor(conn, 0)
        return n

    # -- status -----------------------------------------------------------------------------------

    def summary(self) -> Summary:
        """Counts of everything in the workspace, from one consistent snapshot."""
        with self._read() as conn:
            def one(sql: str) -> int:
                return conn.execute(sql).fetchone()[0]

            total, acc, rej, edited = conn.execute(
                "SELECT count(*), coalesce(sum(accepted = 1), 0), coalesce(sum(accepted = 0), 0), "
                "coalesce(sum(edited_messages IS NOT NULL), 0) FROM samples").fetchone()
            by_status = dict(conn.execute("SELECT status, count(*) FROM samples GROUP BY status ORDER BY status"))
            by_k = dict(conn.execute("SELECT k, count(*) FROM samples GROUP BY k ORDER BY k"))
            acc_by_k = dict(conn.execute("SELECT k, count(*) FROM samples WHERE accepted = 1 "
                                         "GROUP BY k ORDER BY k"))
            marks = dict(conn.execute("SELECT mark, count(*) FROM skill_marks GROUP BY mark"))
            combos = dict(conn.execute("SELECT mark, count(*) FROM combo_marks GROUP BY mark"))
            latest = dict(conn.execute(
                "SELECT kind, hash FROM artefacts a WHERE put_seq = "
                "(SELECT max(put_seq) FROM artefacts b WHERE b.kind = a.kind) ORDER BY kind"))
            return Summary(
                schema_version=one("PRAGMA user_version"),
                settings=one("SELECT count(*) FROM settings"),
                samples=total, accepted=acc, rejected=rej, undecided=total - acc - rej, edited=edited,
                graded=one("SELECT count(DISTINCT sample_id) FROM grades"),
                samples_by_status=by_status, samples_by_k=by_k, accepted_by_k=acc_by_k,
                pinned_skills=marks.get("pinned", 0), excluded_skills=marks.get("excluded", 0),
                approved_combos=combos.get("approved", 0), excluded_combos=combos.get("excluded", 0),
                exports=one("SELECT count(*) FROM exports"),
                ops_active=self._cursor(conn), ops_total=one("SELECT count(*) FROM tree_ops"),
                artefacts=latest,
            )
