"""The workspace: one SQLite file per project holding every curation decision.

A *workspace* records what the user chose along the pipeline, written the moment they act: the data source
and settings, the built graph/tree (as JSON artefacts addressed by their content hash), pinned and excluded
skills, approved and excluded combinations, synthesised samples with their provenance, accept / reject /
edit decisions (with reject reasons, and a log of review decisions with undo), grades, the export history, and
a log of taxonomy edits with undo/redo.

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

The package: :mod:`~steps_core.workspace.schema` (tables and migrations), :mod:`~steps_core.workspace.keys`
(pure helpers: names, hashes, combination keys, secret names), :mod:`~steps_core.workspace.connection`
(opening, transactions, encoding), :mod:`~steps_core.workspace.curation` and
:mod:`~steps_core.workspace.samples` (the methods), and :class:`Workspace` here, which joins them.

>>> import tempfile, os
>>> with Workspace(os.path.join(tempfile.mkdtemp(), "demo.sqlite")) as ws:
...     ws.pin_skill("logical reasoning")
...     ws.exclude_skill("logical reasoning")   # moves it: a skill has at most one mark
...     ws.skill_marks()
{'pinned': [], 'excluded': ['logical reasoning']}
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from .connection import BUSY_TIMEOUT, DEFAULT_ROOT, READ_ONLY_NOTE, Connection, workspace_path
from .curation import Artefact, CurationMixin, OpLog
from .keys import combo_key, content_hash, looks_secret
from .samples import AddResult, Decision, SamplesMixin
from .schema import APPLICATION_ID, MIGRATIONS, schema_version


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


class Workspace(SamplesMixin, CurationMixin, Connection):
    """An open workspace file. Use as a context manager, or call :meth:`close`.

    ``Workspace(path)`` creates the file (and its parent folders) if it does not exist, unless
    ``create=False``. All methods are safe to call from several threads (one connection behind a lock).

    Its methods come in parts, one module each: opening and transactions (:class:`~.connection.Connection`),
    what is decided before synthesis (:class:`~.curation.CurationMixin`: settings, artefacts, skill and
    combination marks, the taxonomy edit log), samples and what happens to them
    (:class:`~.samples.SamplesMixin`: decisions, edits, grades, exports), and :meth:`summary` here.
    """

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


def open_workspace(name_or_path: str | os.PathLike, root: str | os.PathLike = DEFAULT_ROOT, *,
                   create: bool = True) -> Workspace:
    """Open (by default creating, with parent folders) the workspace named or located by ``name_or_path``.

    See :func:`workspace_path` for how a name maps to a file. ``create=False`` raises
    :class:`~steps_core.errors.InputError` if the file does not exist (what a reader such as
    ``steps export --workspace`` wants, so that a typo does not silently create an empty workspace).
    """
    return Workspace(workspace_path(name_or_path, root), create=create)


__all__ = ["APPLICATION_ID", "BUSY_TIMEOUT", "DEFAULT_ROOT", "MIGRATIONS", "READ_ONLY_NOTE", "AddResult", "Artefact",
           "Decision",
           "OpLog", "Summary", "Workspace", "combo_key", "content_hash", "looks_secret", "open_workspace",
           "schema_version", "workspace_path"]
