"""The workspace's schema: every table, and the migrations that bring an older file up to date.

A workspace is an SQLite file whose ``PRAGMA application_id`` is :data:`APPLICATION_ID`; its schema version is
``PRAGMA user_version``. Migration ``i`` (0-based) of :data:`MIGRATIONS` brings a file from version ``i`` to
``i + 1``.
"""

from __future__ import annotations

import sqlite3
from typing import Callable

#: ``PRAGMA application_id`` of a STEPS workspace (the bytes "STEP").
APPLICATION_ID = 0x53544550


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


def _migrate_to_2(conn: sqlite3.Connection) -> None:
    """Schema v2: why a sample was rejected (a reason from a short list and a free-text note, both null unless
    the sample is rejected), and the log of review decisions that *Undo* walks back (one row per action, a bulk
    action included: the state of each sample it changed, before and after). Existing rows are kept as they
    are: no reason, an empty log."""
    conn.execute("ALTER TABLE samples ADD COLUMN reject_reason TEXT")
    conn.execute("ALTER TABLE samples ADD COLUMN reject_note TEXT")
    conn.execute("""CREATE TABLE decision_log(
                      seq INTEGER PRIMARY KEY AUTOINCREMENT,
                      label TEXT NOT NULL,
                      changes TEXT NOT NULL CHECK (json_valid(changes)),
                      undone INTEGER NOT NULL DEFAULT 0 CHECK (undone IN (0, 1)),
                      created_at TEXT NOT NULL)""")


#: Migration ``i`` (0-based) brings a file from schema version ``i`` to ``i + 1``; they run in order, all
#: inside one transaction, so a failed migration leaves the file as it was. Append, never edit.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_migrate_to_1, _migrate_to_2]


def schema_version() -> int:
    """The schema version this code writes: the number of :data:`MIGRATIONS`."""
    return len(MIGRATIONS)


def migration(step: int) -> Callable[[sqlite3.Connection], None]:
    """The migration from schema version ``step`` to ``step + 1``."""
    return MIGRATIONS[step]
