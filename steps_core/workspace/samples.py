"""Samples and what happens to them, as methods of :class:`~steps_core.workspace.Workspace`: synthesised
samples with their provenance, accept / reject / edit decisions (with a reason for a rejection, and a log of
review decisions that *Undo* walks back), grades, and the export history."""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from typing import Any, Iterable, Literal

from ..errors import InputError
from ..sample_types import Grade, grade_summary
from .keys import check_text, combo_key, utc_now

_ANY = "any"


@dataclass(frozen=True, slots=True)
class Decision:
    """One review action of :meth:`SamplesMixin.decide` (or its undoing, :meth:`SamplesMixin.undo_decision`):
    its number in the log (``seq``), a label for people, the decision (True accept, False reject, None
    undecided), the samples it changed (``sample_ids``, in the order given), how many it left alone
    (``skipped``: accepting skips samples whose synthesis failed) and when."""

    seq: int
    label: str
    accepted: bool | None
    sample_ids: tuple[str, ...]
    skipped: int = 0
    created_at: str = ""

    @property
    def changed(self) -> int:
        return len(self.sample_ids)


@dataclass(frozen=True, slots=True)
class AddResult:
    """What :meth:`Workspace.add_samples` did: new ids, existing ids whose content changed, unchanged; and
    ``reset``: updated samples whose accept/reject decision was dropped because their generated
    conversation changed (and they had no edit): the decision was about a conversation that is gone."""

    inserted: int
    updated: int
    unchanged: int
    reset: int = 0


_SAMPLE_FIELDS = ("id", "skills", "k", "style", "status", "messages", "accepted", "provenance",
                  "tree_version")
# keys that samples() adds to its output: ignored (not kept as extra fields) when such a dict is re-added
_OUTPUT_FIELDS = ("original_messages", "edited", "edited_messages", "combo_key", "created_at",
                  "updated_at", "reject_reason", "reject_note")
#: Ids per ``IN (...)`` query (well under SQLite's limit of bound variables).
_CHUNK = 500


class SamplesMixin:
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
        check_text(sid, "id")
        skills = s.get("skills")
        if isinstance(skills, str) or not isinstance(skills, list):
            raise InputError(f"expected a list of skill names, got {skills!r:.80}", field="skills")
        for name in skills:
            check_text(name, "skills")
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
            check_text(value, name, allow_empty=True)
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
            check_text(tree_version, "tree_version", allow_empty=True)
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
        now = utc_now()
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
                    "THEN excluded.accepted ELSE samples.accepted END, "
                    "reject_reason = CASE WHEN samples.edited_messages IS NULL "
                    "AND samples.messages IS NOT excluded.messages THEN NULL ELSE samples.reject_reason END, "
                    "reject_note = CASE WHEN samples.edited_messages IS NULL "
                    "AND samples.messages IS NOT excluded.messages THEN NULL ELSE samples.reject_note END "
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
        current edit, if any (use :meth:`revert_edit` to drop it). A rejected sample keeps its reason while it
        stays rejected. Not recorded in the decision log: the review uses :meth:`decide`, which is.
        """
        if accepted is not None and not isinstance(accepted, bool):
            raise InputError(f"expected True, False or None, got {accepted!r}", field="accepted")
        if edited_messages is not None:
            self._check_messages(edited_messages, "edited_messages")
        with self._write() as conn:
            edited = None if edited_messages is None else self._dumps(edited_messages, "edited_messages")
            cur = conn.execute("UPDATE samples SET accepted = ?, "
                               "edited_messages = coalesce(?, edited_messages), updated_at = ?, "
                               "reject_reason = CASE WHEN ? THEN NULL ELSE reject_reason END, "
                               "reject_note = CASE WHEN ? THEN NULL ELSE reject_note END WHERE id = ?",
                               (None if accepted is None else int(accepted), edited, utc_now(),
                                accepted is not False, accepted is not False, sample_id))
            if cur.rowcount == 0:
                raise InputError(f"no sample with id {sample_id!r}", path=self.path, field="sample_id")
            return self._sample(conn, sample_id)

    def revert_edit(self, sample_id: str) -> dict:
        """Drop the edit of a sample (its generated messages become effective again); returns it."""
        with self._write() as conn:
            cur = conn.execute("UPDATE samples SET edited_messages = NULL, updated_at = ? WHERE id = ?",
                               (utc_now(), sample_id))
            if cur.rowcount == 0:
                raise InputError(f"no sample with id {sample_id!r}", path=self.path, field="sample_id")
            return self._sample(conn, sample_id)

    _SAMPLE_COLUMNS = ("SELECT id, skills, k, style, status, messages, accepted, edited_messages, provenance, "
                       "tree_version, extra, combo_key, created_at, updated_at, reject_reason, reject_note "
                       "FROM samples")

    @staticmethod
    def _sample_dict(row: tuple) -> dict:
        (sid, skills, k, style, status, messages, accepted, edited, provenance, tree_version, extra,
         key, created, updated, reason, note) = row
        original = json.loads(messages)
        out = json.loads(extra)
        out.update({
            "id": sid, "skills": json.loads(skills), "k": k, "style": style, "status": status,
            "messages": original if edited is None else json.loads(edited),
            "original_messages": original, "edited": edited is not None,
            "accepted": None if accepted is None else bool(accepted),
            "provenance": json.loads(provenance), "tree_version": tree_version, "combo_key": key,
            "created_at": created, "updated_at": updated,
            "reject_reason": reason if accepted == 0 else None, "reject_note": note if accepted == 0 else None,
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
        plus ``original_messages``, ``edited`` (bool), ``combo_key``, ``created_at``, ``updated_at``, and
        ``reject_reason`` and ``reject_note`` (None unless the sample is rejected with them).
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

    def sample_rows(self) -> list[dict]:
        """Every sample without its conversation or provenance, in the order first added: ``id``, ``skills``,
        ``k``, ``style``, ``status``, ``accepted``, ``edited``, ``reject_reason``, ``reject_note`` and
        ``combo_key``. Cheap (one small JSON list decoded per sample): for review queues, filters and counts."""
        with self._read() as conn:
            rows = conn.execute("SELECT id, skills, k, style, status, accepted, edited_messages IS NOT NULL, "
                                "reject_reason, reject_note, combo_key FROM samples ORDER BY rowid").fetchall()
        return [{"id": sid, "skills": json.loads(skills), "k": k, "style": style, "status": status,
                 "accepted": None if acc is None else bool(acc), "edited": bool(edited),
                 "reject_reason": reason if acc == 0 else None, "reject_note": note if acc == 0 else None,
                 "combo_key": key}
                for sid, skills, k, style, status, acc, edited, reason, note, key in rows]

    # -- review decisions (logged, undoable) ------------------------------------------------------

    def decide(self, sample_ids: Iterable[str], accepted: bool | None, *, reason: str | None = None,
               note: str | None = None, label: str | None = None) -> Decision | None:
        """Accept (True), reject (False) or undecide (None) samples, all in one transaction, and log the
        action so that :meth:`undo_decision` can take it back; returns it (None when nothing changed).

        A rejection may carry a ``reason`` (a short name, e.g. one of
        :data:`steps_core.review.REJECT_REASONS`) and a free-text ``note``; accepting or undeciding drops
        them. Accepting skips samples whose synthesis failed (counted in ``skipped``); samples already in the
        requested state (same reason and note) are left alone and not logged. ``label`` says what was done,
        for people (default: e.g. ``"rejected 3 samples (off-topic)"``). Unknown ids raise ``InputError`` and
        change nothing. An edit is never touched.
        """
        if accepted is not None and not isinstance(accepted, bool):
            raise InputError(f"expected True, False or None, got {accepted!r}", field="accepted")
        if accepted is not False and (reason or note):
            raise InputError("a reason or a note goes with a rejection only", field="reason")
        reason = check_text(reason, "reason") if reason is not None else None
        note = (check_text(note, "note", allow_empty=True).strip() or None) if note is not None else None
        ids = list(dict.fromkeys(sample_ids))
        for sid in ids:
            check_text(sid, "sample_id")
        new = (None if accepted is None else int(accepted), reason, note)
        now = utc_now()
        with self._write() as conn:
            before: dict[str, tuple] = {}
            for i in range(0, len(ids), _CHUNK):
                chunk = ids[i:i + _CHUNK]
                before.update((r[0], r[1:]) for r in conn.execute(
                    "SELECT id, status, accepted, reject_reason, reject_note FROM samples WHERE id IN "
                    f"({', '.join('?' * len(chunk))})", chunk))
            missing = [sid for sid in ids if sid not in before]
            if missing:
                raise InputError(f"no sample with id {missing[0]!r}"
                                 + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""),
                                 path=self.path, field="sample_id")
            changes, skipped = [], 0
            for sid in ids:
                status, *old = before[sid]
                if accepted is True and status != "ok":
                    skipped += 1
                elif tuple(old) != new:
                    changes.append([sid, old, list(new)])
            if not changes:
                return None
            conn.executemany("UPDATE samples SET accepted = ?, reject_reason = ?, reject_note = ?, updated_at = ? "
                             "WHERE id = ?", [(*new, now, sid) for sid, _old, _new in changes])
            label = label or _decision_label(accepted, len(changes), reason)
            check_text(label, "label")
            seq = conn.execute("INSERT INTO decision_log(label, changes, created_at) VALUES (?, ?, ?)",
                               (label, self._dumps(changes, "changes"), now)).lastrowid
        return Decision(seq, label, accepted, tuple(c[0] for c in changes), skipped, now)

    def last_decision(self) -> Decision | None:
        """The latest review action not undone yet (what :meth:`undo_decision` would take back), or None."""
        with self._read() as conn:
            row = conn.execute("SELECT seq, label, changes, created_at FROM decision_log WHERE undone = 0 "
                               "ORDER BY seq DESC LIMIT 1").fetchone()
        return None if row is None else _logged(row)

    def undo_decision(self) -> Decision | None:
        """Take back the latest review action not undone yet: each sample it changed gets its earlier decision,
        reason and note back, unless it changed again since (another tab, a regeneration): that one is left
        as it is. Returns the action undone, with ``sample_ids`` the samples restored (None: nothing to
        undo). Successive calls walk further back."""
        now = utc_now()
        with self._write() as conn:
            row = conn.execute("SELECT seq, label, changes, created_at FROM decision_log WHERE undone = 0 "
                               "ORDER BY seq DESC LIMIT 1").fetchone()
            if row is None:
                return None
            done = _logged(row)
            restored = []
            for sid, old, new in json.loads(row[2]):
                cur = conn.execute("UPDATE samples SET accepted = ?, reject_reason = ?, reject_note = ?, "
                                   "updated_at = ? WHERE id = ? AND accepted IS ? AND reject_reason IS ? "
                                   "AND reject_note IS ?", (*old, now, sid, *new))
                if cur.rowcount:
                    restored.append(sid)
            conn.execute("UPDATE decision_log SET undone = 1 WHERE seq = ?", (done.seq,))
        return Decision(done.seq, done.label, done.accepted, tuple(restored), 0, now)

    def reject_reason_counts(self) -> dict[str | None, int]:
        """Rejected samples per reason (None: rejected without a reason), most frequent first."""
        with self._read() as conn:
            rows = conn.execute("SELECT reject_reason, count(*) FROM samples WHERE accepted = 0 "
                                "GROUP BY reject_reason ORDER BY count(*) DESC, reject_reason").fetchall()
        return dict(rows)

    # -- grades -----------------------------------------------------------------------------------

    def add_grade(self, sample_id: str, grade: Grade) -> int:
        """Record a judge's grade of a sample (:func:`steps_core.grade.grade_sample`'s ``grade``) as its next
        round; returns the round number (1, 2, ...).

        The workspace keeps the points, scores and checks (:data:`~steps_core.sample_types.GRADE_SUMMARY_FIELDS`)
        and the judge's settings with the usage and the votes of its rounds; not the prompt, the raw answers
        or the fingerprint (they belong in a graded samples file)."""
        if not isinstance(grade, dict):
            raise InputError(f"expected a grade (a dict), got {type(grade).__name__}", field="grade")
        if grade.get("status") not in ("ok", "failed"):
            raise InputError(f"expected 'ok' or 'failed', got {grade.get('status')!r}", field="status")
        judge = grade.get("judge") or {}
        if not isinstance(judge, dict):
            raise InputError(f"expected a dict, got {type(judge).__name__}", field="judge")
        judge = {**judge, "usage": grade.get("usage"), "votes": grade.get("votes")}
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM samples WHERE id = ?", (sample_id,)).fetchone() is None:
                raise InputError(f"no sample with id {sample_id!r}", path=self.path, field="sample_id")
            round_ = conn.execute("SELECT coalesce(max(round), 0) + 1 FROM grades WHERE sample_id = ?",
                                  (sample_id,)).fetchone()[0]
            conn.execute("INSERT INTO grades(sample_id, round, points, judge, created_at) "
                         "VALUES (?, ?, ?, ?, ?)",
                         (sample_id, round_, self._dumps(grade_summary(grade), "grade"),
                          self._dumps(judge, "judge"), utc_now()))
        return round_

    def grades(self, sample_id: str | None = None) -> list[dict]:
        """Grading rounds of one sample (or of all samples if None), in order: dicts with ``sample_id``,
        ``round``, ``grade`` (what :meth:`add_grade` kept of it: the summary fields, ``judge``, ``usage`` and
        ``votes``) and ``created_at``."""
        with self._read() as conn:
            rows = conn.execute("SELECT g.sample_id, g.round, g.points, g.judge, g.created_at "
                                "FROM grades g JOIN samples s ON s.id = g.sample_id "
                                "WHERE ?1 IS NULL OR g.sample_id = ?1 ORDER BY s.rowid, g.round",
                                (sample_id,)).fetchall()
        return [{"sample_id": s, "round": r, "grade": _stored_grade(json.loads(p), json.loads(j)),
                 "created_at": c} for s, r, p, j, c in rows]

    # -- exports ----------------------------------------------------------------------------------

    def record_export(self, path: str | os.PathLike, format: str, manifest: dict,
                      tree_version: str | None = None) -> int:
        """Record that an export was written to ``path`` in ``format`` with its ``manifest``; returns
        the export id (increasing, never reused)."""
        check_text(format, "format")
        if not isinstance(manifest, dict):
            raise InputError(f"expected a dict, got {type(manifest).__name__}", field="manifest")
        with self._write() as conn:
            cur = conn.execute("INSERT INTO exports(path, format, manifest, tree_version, created_at) "
                               "VALUES (?, ?, ?, ?, ?)",
                               (check_text(os.fspath(path), "path"), format,
                                self._dumps(manifest, "manifest"), tree_version, utc_now()))
            return cur.lastrowid

    def exports(self) -> list[dict]:
        """Export history, oldest first: dicts with id, path, format, manifest, tree_version, created_at."""
        with self._read() as conn:
            rows = conn.execute("SELECT id, path, format, manifest, tree_version, created_at FROM exports "
                                "ORDER BY id").fetchall()
        return [{"id": i, "path": p, "format": f, "manifest": json.loads(m), "tree_version": t,
                 "created_at": c} for i, p, f, m, t, c in rows]


def _decision_label(accepted: bool | None, n: int, reason: str | None) -> str:
    verb = {True: "accepted", False: "rejected", None: "undecided"}[accepted]
    return f"{verb} {n} sample{'s' if n != 1 else ''}" + (f" ({reason})" if reason else "")


def _logged(row: tuple) -> Decision:
    """A :class:`Decision` from a ``decision_log`` row ``(seq, label, changes, created_at)``."""
    seq, label, changes, created = row
    changes = json.loads(changes)
    state = changes[0][2][0] if changes else None
    return Decision(seq, label, None if state is None else bool(state), tuple(c[0] for c in changes), 0, created)


def _stored_grade(summary: dict, judge: dict) -> Grade:
    """A grade as :meth:`SamplesMixin.add_grade` stored it: the summary, with the judge's settings under
    ``judge`` and its usage and votes beside them."""
    settings = {k: v for k, v in judge.items() if k not in ("usage", "votes")}
    return {**summary, "judge": settings, "usage": judge.get("usage"), "votes": judge.get("votes")}
