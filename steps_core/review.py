"""Reviewing synthesised samples at volume: the reasons a sample is rejected for, the filters of a review queue
(decision, community, number of skills k, grade), rejecting automatically what the judge graded low, what a
synthesis run is about to make, and what in an export deserves a second look (template placeholders, samples
nobody graded).

Plain functions on the dicts :meth:`~steps_core.workspace.Workspace.sample_rows` and
:meth:`~steps_core.workspace.Workspace.grades` return; decisions go through
:meth:`~steps_core.workspace.Workspace.decide`, so each is logged and can be undone. The app's Synthesize and
Export pages use them; so can a script.

>>> band = grade_band({"status": "ok", "score": 4, "max_score": 5})
>>> band, GRADE_BANDS[band]
('partial', 'graded below full marks')
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

from .errors import InputError

if TYPE_CHECKING:                                          # only for annotations: no import at run time
    from .tree import EncodingTree

#: Why a sample is rejected: a short name and what it means. A rejection may also carry a free-text note.
REJECT_REASONS = {
    "off-topic": "does not do what the task asks, or ignores the topic",
    "missing skill": "one or more of the combination's skills is not really used",
    "factual error": "wrong facts, maths or code",
    "low quality": "unclear, repetitive or badly written",
    "placeholder": "template text, not model output",
    "unsafe": "harmful, private or offensive content",
    "low grade": "the judge graded it below the chosen share of full marks",
    "other": "see the note",
}
#: The reason counted for a sample rejected without one.
NO_REASON = "unspecified"
#: The reason :func:`auto_reject` gives.
LOW_GRADE = "low grade"

#: The decision filter of a review queue: its name, and what :meth:`Workspace.samples` calls it.
DECISIONS = {"undecided": None, "accepted": True, "rejected": False, "all": "any"}
#: The grade filter: a sample's latest grade falls in one of these bands.
GRADE_BANDS = {
    "any": "any grade, or none",
    "ungraded": "not graded yet",
    "full": "full marks",
    "partial": "graded below full marks",
    "failed": "the judge's answer could not be used",
}
#: The community filter's value for samples whose skills meet only at the root (they bridge top-level communities).
BRIDGES = "root"


# ------------------------------------------------------------------------------------------------ grades
def latest_grades(rounds: Iterable[Mapping]) -> dict[str, dict]:
    """The latest grade of each sample from :meth:`Workspace.grades`' rounds (in order: the last one wins)."""
    return {r["sample_id"]: r["grade"] for r in rounds}


def grade_fraction(grade: Mapping | None) -> float | None:
    """A grade's score as a share of full marks (None: not graded, grading failed, or no maximum)."""
    if not grade or grade.get("status") != "ok":
        return None
    score, top = grade.get("score"), grade.get("max_score")
    if not isinstance(score, (int, float)) or not isinstance(top, (int, float)) or top <= 0:
        return None
    return float(score) / float(top)


def grade_band(grade: Mapping | None) -> str:
    """The band of :data:`GRADE_BANDS` a sample's latest grade (or None) falls in (never ``"any"``)."""
    if not grade:
        return "ungraded"
    if grade.get("status") != "ok":
        return "failed"
    fraction = grade_fraction(grade)
    return "full" if fraction is not None and fraction >= 1.0 else "partial"


# ------------------------------------------------------------------------------------------------ communities
def sample_communities(tree: "EncodingTree", rows: Iterable[Mapping]) -> dict[str, int | None]:
    """Each sample's community in ``tree``: the lowest community holding all of its skills (the root for a
    sample bridging top-level communities), as a node index; None when none of its skills is in the tree.
    Computed once per distinct combination."""
    index = tree.graph.index
    by_combo: dict[tuple, int | None] = {}
    out: dict[str, int | None] = {}
    for r in rows:
        key = tuple(sorted(set(r["skills"])))
        if key not in by_combo:
            idx = [index[s] for s in key if s in index]
            by_combo[key] = tree.lca_community(idx) if idx else None
        out[r["id"]] = by_combo[key]
    return out


def community_counts(tree: "EncodingTree", communities: Mapping[str, int | None]) -> dict[str, int]:
    """Samples per community id of ``tree``, a community counting the samples of its sub-communities too;
    :data:`BRIDGES` counts the samples whose skills meet only at the root. Communities holding none are left
    out. In tree order (ids sorted as the tree numbers them)."""
    per_node = Counter(v for v in communities.values() if v is not None)
    counts: Counter = Counter()
    for node, n in per_node.items():
        if node == tree.root:
            counts[BRIDGES] += n
            continue
        for up in tree.path(node):
            counts[tree.ids[up]] += n
    order = {ident: i for i, ident in enumerate(tree.ids)}
    return dict(sorted(counts.items(), key=lambda kv: (kv[0] != BRIDGES, order.get(kv[0], -1))))


def _in_community(tree: "EncodingTree", node: int | None, community: str) -> bool:
    if node is None:
        return False
    if community == BRIDGES:
        return node == tree.root
    target = tree.id_index.get(community)
    return target is not None and node != tree.root and target in tree.path(node)


# ------------------------------------------------------------------------------------------------ the queue
@dataclass(frozen=True)
class ReviewFilter:
    """Which samples a review queue shows: their ``decision`` (a key of :data:`DECISIONS`), the ``community``
    their skills meet in (a community id of the tree in use, its sub-communities included; :data:`BRIDGES`;
    None for all), their number of skills ``k`` (None for all) and the band of their latest ``grade``
    (:data:`GRADE_BANDS`)."""

    decision: str = "undecided"
    community: str | None = None
    k: int | None = None
    grade: str = "any"

    def __post_init__(self) -> None:
        if self.decision not in DECISIONS:
            raise InputError(f"unknown decision filter {self.decision!r}; expected one of {', '.join(DECISIONS)}",
                             field="decision")
        if self.grade not in GRADE_BANDS:
            raise InputError(f"unknown grade filter {self.grade!r}; expected one of {', '.join(GRADE_BANDS)}",
                             field="grade")

    def accepts(self, row: Mapping, *, grade: Mapping | None = None, node: int | None = None,
                tree: "EncodingTree | None" = None) -> bool:
        """Whether the sample ``row`` (a :meth:`Workspace.sample_rows` dict, its latest ``grade`` and its
        community ``node`` in ``tree``, see :func:`sample_communities`) passes this filter."""
        want = DECISIONS[self.decision]
        if want != "any" and row["accepted"] is not want:
            return False
        if self.k is not None and row["k"] != self.k:
            return False
        if self.grade != "any" and grade_band(grade) != self.grade:
            return False
        if self.community is not None and (tree is None or not _in_community(tree, node, self.community)):
            return False
        return True


def filter_rows(rows: Sequence[Mapping], flt: ReviewFilter, *, grades: Mapping[str, Mapping] | None = None,
                communities: Mapping[str, int | None] | None = None,
                tree: "EncodingTree | None" = None) -> list[Mapping]:
    """The rows passing ``flt``, in their order (``grades`` by sample id: :func:`latest_grades`;
    ``communities`` by sample id: :func:`sample_communities` in ``tree``)."""
    grades = grades or {}
    communities = communities or {}
    return [r for r in rows if flt.accepts(r, grade=grades.get(r["id"]), node=communities.get(r["id"]), tree=tree)]


def neighbours(ids: Sequence[str], current: str | None) -> tuple[str | None, str | None]:
    """The ids before and after ``current`` in the queue ``ids`` (None at either end or when it is not in it)."""
    if current not in ids:
        return None, None
    i = ids.index(current)
    return (ids[i - 1] if i > 0 else None), (ids[i + 1] if i + 1 < len(ids) else None)


def reason_counts(samples: Iterable[Mapping]) -> dict[str, int]:
    """Rejected samples per reason (:data:`NO_REASON` for those without one), most frequent first."""
    counts = Counter((s.get("reject_reason") or NO_REASON) for s in samples if s.get("accepted") is False)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


# ------------------------------------------------------------------------------------------------ auto-reject
def low_graded(rows: Iterable[Mapping], grades: Mapping[str, Mapping], threshold: float) -> list[str]:
    """Ids of the undecided ``ok`` samples whose latest grade is below ``threshold`` (a share of full marks,
    in (0, 1]): what :func:`auto_reject` rejects. Samples a person decided are never among them."""
    if not 0 < threshold <= 1:
        raise InputError(f"the threshold is a share of full marks in (0, 1], got {threshold!r}", field="threshold")
    out = []
    for r in rows:
        fraction = grade_fraction(grades.get(r["id"]))
        if r["accepted"] is None and r["status"] == "ok" and fraction is not None and fraction < threshold:
            out.append(r["id"])
    return out


def auto_reject(workspace: Any, threshold: float, *, sample_ids: Iterable[str] | None = None):
    """Reject, with the reason :data:`LOW_GRADE`, the undecided samples of ``workspace`` (only ``sample_ids``
    if given) whose latest grade is below ``threshold`` of full marks; one logged action (undoable), or None
    when there is none."""
    rows = workspace.sample_rows()
    if sample_ids is not None:
        wanted = set(sample_ids)
        rows = [r for r in rows if r["id"] in wanted]
    low = low_graded(rows, latest_grades(workspace.grades()), threshold)
    if not low:
        return None
    return workspace.decide(low, False, reason=LOW_GRADE, note=f"graded below {threshold:.0%} of full marks",
                            label=f"rejected {len(low)} sample{'s' if len(low) != 1 else ''} graded below "
                                  f"{threshold:.0%} of full marks")


# ------------------------------------------------------------------------------------------------ before a run
def run_plan(jobs: Sequence[Any], todo_ids: Iterable[str]) -> list[dict]:
    """What a synthesis run will make, one row per combination in plan order: its ``skills``, ``k``, where its
    skills meet (``community``: the path of labels the combination recorded), how many samples are
    ``planned``, already ``made`` and ``to_make`` now, and the ``problem`` of any that cannot be made. Only
    combinations with something to make are listed. ``jobs`` are :class:`~steps_core.synth.SynthJob`."""
    todo = set(todo_ids)
    rows: dict[tuple, dict] = {}
    for job in jobs:
        key = tuple(job.skill_names)
        combo = job.combination or {}
        row = rows.setdefault(key, {"skills": list(key), "k": job.k,
                                    "community": str(combo.get("lca_path") or combo.get("lca_label") or ""),
                                    "planned": 0, "made": 0, "to_make": 0, "problem": None})
        row["planned"] += 1
        if job.id in todo:
            row["to_make"] += 1
            row["problem"] = row["problem"] or job.problem
        else:
            row["made"] += 1
    return [r for r in rows.values() if r["to_make"]]


# ------------------------------------------------------------------------------------------------ before an export
def is_placeholder(sample: Mapping) -> bool:
    """Whether a sample's (effective) conversation holds the template backend's placeholder label: text that is
    not model output. A person's edit that removed the label makes it a real sample."""
    from .synth import TEMPLATE_LABEL                     # lazy: the synth package is heavier than this module

    return any(isinstance(m, Mapping) and m.get("role") == "assistant" and TEMPLATE_LABEL in str(m.get("content"))
               for m in sample.get("messages") or ())


@dataclass(frozen=True)
class ExportRisks:
    """What in an export deserves a second look: ids of template ``placeholders`` and of ``ungraded`` samples."""

    placeholders: tuple[str, ...] = ()
    ungraded: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.placeholders or self.ungraded)

    @property
    def signature(self) -> str:
        """A short hash of the risky ids: a confirmation given for these holds until they change."""
        blob = json.dumps([sorted(self.placeholders), sorted(self.ungraded)])
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def export_risks(chosen: Iterable[Mapping], graded_ids: Iterable[str]) -> ExportRisks:
    """The placeholders and ungraded samples among the samples an export writes (``chosen``); ``graded_ids``
    are the samples with at least one grade."""
    graded = set(graded_ids)
    chosen = list(chosen)
    return ExportRisks(tuple(s["id"] for s in chosen if is_placeholder(s)),
                       tuple(s["id"] for s in chosen if s["id"] not in graded))


__all__ = ["REJECT_REASONS", "NO_REASON", "LOW_GRADE", "DECISIONS", "GRADE_BANDS", "BRIDGES", "latest_grades",
           "grade_fraction", "grade_band", "sample_communities", "community_counts", "ReviewFilter", "filter_rows",
           "neighbours", "reason_counts", "low_graded", "auto_reject", "run_plan", "is_placeholder", "ExportRisks",
           "export_risks"]
