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


# ----------------------------------------------------------------------------------------------------------
# The guarded writer (issue 11): inputs, databases, special files, earlier outputs, faults, kill -9
# ----------------------------------------------------------------------------------------------------------

def test_check_output_refuses_inputs_by_path_link_hard_link_and_side_file(tmp_path):
    from steps_core.errors import OutputError
    from steps_core.io import check_output

    graph = tmp_path / "graph.csv"
    nodes = tmp_path / "graph.nodes.csv"
    graph.write_text("a,b,1\n")
    nodes.write_text("a\nb\n")
    os.link(graph, tmp_path / "hard.csv")
    (tmp_path / "link.csv").symlink_to(graph)
    inputs = [graph, nodes]                          # a side file is protected by passing it as an input
    for out in (graph, tmp_path / "x" / ".." / "graph.csv", tmp_path / "hard.csv", tmp_path / "link.csv", nodes,
                f"{graph}-wal", f"{graph}-journal"):
        with pytest.raises(OutputError, match="would overwrite the input") as err:
            check_output(out, inputs)
        assert err.value.path == str(out) and str(err.value).startswith(str(out))
    assert check_output(tmp_path / "new" / "out.csv", inputs) == tmp_path / "new" / "out.csv"
    assert check_output(tmp_path / "link2.csv") == tmp_path / "link2.csv"


def test_check_output_refuses_special_files_databases_and_existing_files_without_replace(tmp_path):
    from steps_core.errors import OutputError
    from steps_core.io import check_output
    from steps_core.workspace import Workspace

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    (tmp_path / "to-fifo").symlink_to(fifo)
    for out, reason in [(fifo, "named pipe"), (tmp_path / "to-fifo", "named pipe"), (tmp_path, "folder"),
                        ("/dev/null", "character device"), ("", "empty")]:
        with pytest.raises(OutputError, match=reason):
            check_output(out)
    db = tmp_path / "cache.sqlite"
    sqlite3.connect(db).execute("CREATE TABLE t(x)").connection.close()
    with pytest.raises(OutputError, match="SQLite database"):
        check_output(db)
    with pytest.raises(OutputError, match="-wal file of an SQLite database"):
        check_output(f"{db}-wal")
    with Workspace(tmp_path / "ws.sqlite") as ws:                 # open here: refused without being opened
        with pytest.raises(OutputError, match="SQLite database"):
            check_output(ws.path)
    plain = tmp_path / "a.txt"
    plain.write_text("x")
    with pytest.raises(OutputError, match="already exists.*--force"):
        check_output(plain, replace=False)
    assert check_output(plain) == plain
    with pytest.raises(OutputError, match="Not a directory"):
        check_output(plain / "b.txt")


def test_guarded_output_writes_through_a_link_and_never_replaces_an_input(tmp_path):
    from steps_core.errors import OutputError
    from steps_core.io import guarded_output

    real = tmp_path / "real.txt"
    real.write_text("old")
    (tmp_path / "link.txt").symlink_to(real)
    with guarded_output(tmp_path / "link.txt") as fh:
        fh.write("new")
    assert (tmp_path / "link.txt").is_symlink() and real.read_text() == "new"
    src = tmp_path / "in.txt"
    src.write_text("input")
    with pytest.raises(OutputError):
        with guarded_output(src, inputs=[src]) as fh:
            fh.write("lost")
    assert src.read_text() == "input"
    with pytest.raises(OutputError, match="not valid Unicode"):
        with guarded_output(tmp_path / "u.txt") as fh:
            fh.write("bad \ud800")
    assert not (tmp_path / "u.txt").exists()


def test_guarded_output_turns_machine_faults_into_located_exit_1_errors(tmp_path, monkeypatch):
    import errno
    import tempfile

    from steps_core.errors import EnvironmentFault
    from steps_core.io import guarded_output

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tempfile, "mkstemp", full)
    with pytest.raises(EnvironmentFault, match="No space left") as err:
        with guarded_output(tmp_path / "o.txt") as fh:
            fh.write("x")
    assert err.value.exit_code == 1 and str(tmp_path / "o.txt") in str(err.value)


def test_json_text_names_the_field_of_nan_or_a_surrogate():
    from steps_core.errors import InputError
    from steps_core.io import json_text

    with pytest.raises(InputError) as err:
        json_text({"provenance": {"usage": [1.0, float("nan")]}}, path="s.jsonl", line=4, field="sample 'x'")
    assert str(err.value) == "s.jsonl:4: field \"sample 'x'.provenance.usage[1]\": not a finite number (nan)"
    with pytest.raises(InputError, match="lone surrogate"):
        json_text({"messages": [{"content": "a\udc80"}]})


WRITER = """
import sys
from steps_core.io import guarded_output
with guarded_output(sys.argv[1]) as fh:
    for i in range(200000):
        fh.write(f"line {i:08d} of the new version\\n")
print("done", flush=True)
"""


def test_a_writer_killed_at_any_point_leaves_the_old_or_the_complete_new_file(tmp_path):
    """kill -9 at random points while rewriting a file: the old file or the complete new one, never a
    truncated one (and at most a temporary file beside it)."""
    import random
    import signal
    import subprocess
    import sys

    target = tmp_path / "graph.csv"
    old = "the old version\n" * 1000
    new = "".join(f"line {i:08d} of the new version\n" for i in range(200000))
    rng = random.Random(11)
    for _ in range(12):
        target.write_text(old)
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE)
        time.sleep(rng.uniform(0.05, 0.6))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert target.read_text() in (old, new)
    proc = subprocess.run([sys.executable, "-c", WRITER, str(target)], capture_output=True, text=True)
    assert proc.stdout.strip() == "done" and target.read_text() == new
