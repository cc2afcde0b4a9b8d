"""What the user decides before synthesis, as methods of :class:`~steps_core.workspace.Workspace`: settings,
artefacts (the built graph and tree), pinned and excluded skills, approved and excluded combinations, and
the log of taxonomy edits with undo and redo."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any, Iterable, Literal

from ..errors import InputError, StepsError
from .keys import check_text, combo_key, combo_skills, content_hash, looks_secret, secret_keys, utc_now

@dataclass(frozen=True, slots=True)
class Artefact:
    """A stored JSON artefact (a graph, a tree, ...): ``hash`` is :func:`content_hash` of ``content``."""

    kind: str
    hash: str
    content: str
    meta: dict = field(compare=False)
    created_at: str = field(compare=False)


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


class CurationMixin:
    # -- settings ---------------------------------------------------------------------------------

    def set_setting(self, key: str, value: Any) -> None:
        """Store a JSON-serialisable ``value`` under ``key`` (replacing any previous value).

        Refuses (``InputError``, a ``StepsError``) a key, or a key of a nested dict, that
        :func:`looks_secret`: API keys are never written to the workspace.
        """
        check_text(key, "key")
        secret = [key] if looks_secret(key) else []
        secret += [f"{key}.{p}" for p in secret_keys(value)]
        if secret:
            raise InputError(f"refusing to store {secret[0]!r}: it looks like a secret (API key, token, "
                             "password); secrets are never written to the workspace — keep them in the "
                             "environment", field=key)
        with self._write() as conn:
            conn.execute("INSERT INTO settings(key, value, updated_at) VALUES (?, ?, ?) "
                         "ON CONFLICT(key) DO UPDATE SET value = excluded.value, "
                         "updated_at = excluded.updated_at",
                         (key, self._dumps(value, key), utc_now()))

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
        check_text(kind, "kind")
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
                         (kind, digest, content, self._dumps(meta or {}, "meta"), seq, utc_now()))
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
        check_text(skill, "skill")
        with self._write() as conn:
            conn.execute("INSERT INTO skill_marks(skill, mark, created_at) VALUES (?, ?, ?) "
                         "ON CONFLICT(skill) DO UPDATE SET mark = excluded.mark, "
                         "created_at = excluded.created_at WHERE skill_marks.mark != excluded.mark",
                         (skill, mark, utc_now()))

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
            check_text(skill, "skill")
        with self._write() as conn:
            conn.execute("DELETE FROM skill_marks WHERE mark = ?", (mark,))
            now = utc_now()
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
        names = combo_skills(skills)
        key = json.dumps(names, ensure_ascii=False, separators=(",", ":"))
        if info is not None and not isinstance(info, dict):
            raise InputError(f"expected a dict, got {type(info).__name__}", field="info")
        with self._write() as conn:
            conn.execute("INSERT INTO combo_marks(key, skills, mark, info, created_at) "
                         "VALUES (?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET mark = excluded.mark, "
                         "info = excluded.info, created_at = excluded.created_at",
                         (key, self._dumps(names, "skills"), mark, self._dumps(info or {}, "info"), utc_now()))
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
                         (cursor + 1, self._dumps(op, "op"), utc_now()))
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
