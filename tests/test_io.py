"""steps_core.io: atomic outputs keep ordinary permissions, same-file checks, and opening SQLite files in WAL
mode while another connection holds a lock (the WAL switch does not wait by itself)."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
import time

import pytest

from steps_core.io import atomic_output, connect_sqlite, enable_wal, same_file


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_atomic_output_gives_a_new_file_the_umask_mode(tmp_path):
    old = os.umask(0o022)
    try:
        with atomic_output(tmp_path / "a.txt") as fh:
            fh.write("x")
        with atomic_output(tmp_path / "b.bin", "wb") as fh:
            fh.write(b"x")
        os.umask(0o077)
        with atomic_output(tmp_path / "c.txt") as fh:
            fh.write("x")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "a.txt") == 0o644       # 0o666 & ~0o022, not mkstemp's 0o600
    assert _mode(tmp_path / "b.bin") == 0o644
    assert _mode(tmp_path / "c.txt") == 0o600


def test_atomic_output_keeps_the_mode_of_the_file_it_replaces(tmp_path):
    p = tmp_path / "shared.txt"
    p.write_text("old")
    os.chmod(p, 0o664)
    with atomic_output(p) as fh:
        fh.write("new")
    assert p.read_text() == "new" and _mode(p) == 0o664


def test_atomic_output_leaves_the_target_alone_on_error(tmp_path):
    p = tmp_path / "keep.txt"
    p.write_text("good")
    with pytest.raises(RuntimeError):
        with atomic_output(p) as fh:
            fh.write("half")
            raise RuntimeError("boom")
    assert p.read_text() == "good" and sorted(x.name for x in tmp_path.iterdir()) == ["keep.txt"]


def test_same_file(tmp_path):
    a = tmp_path / "a.jsonl"
    a.write_text("x")
    os.link(a, tmp_path / "hard.jsonl")
    (tmp_path / "sym.jsonl").symlink_to(a)
    assert same_file(a, tmp_path / "hard.jsonl") and same_file(a, tmp_path / "sym.jsonl")
    assert same_file(tmp_path / "sub" / ".." / "a.jsonl", a)
    assert same_file(tmp_path / "new.jsonl", tmp_path / "." / "new.jsonl")      # neither exists yet
    assert not same_file(a, tmp_path / "b.jsonl")


def _hold_reserved_lock(path, seconds):
    """Another connection holds a RESERVED lock (rollback journal) for ``seconds``: a WAL switch fails at
    once with 'database is locked' unless it is retried."""
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")

    def release():
        time.sleep(seconds)
        other.execute("COMMIT")
        other.close()

    t = threading.Thread(target=release)
    t.start()
    return t


def test_enable_wal_waits_for_a_lock_held_elsewhere(tmp_path):
    path = tmp_path / "db.sqlite"
    bare = sqlite3.connect(path, timeout=5)
    t = _hold_reserved_lock(path, 0.3)
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            bare.execute("PRAGMA journal_mode=WAL")           # what SQLite does by itself
        assert enable_wal(bare, timeout=5) == "wal"
    finally:
        t.join()
        bare.close()
    t = _hold_reserved_lock(tmp_path / "db2.sqlite", 0.3)
    try:
        con = connect_sqlite(tmp_path / "db2.sqlite", timeout=5)
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        con.close()
    finally:
        t.join()
