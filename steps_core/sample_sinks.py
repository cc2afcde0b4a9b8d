"""Where the results of a run go, through one interface (:class:`SampleSink`): a results file (the command
line) or a workspace (the app). A sink also says which planned results it already holds, so that a rerun
resumes instead of paying twice.

* :class:`SamplesFile`: ``samples.jsonl`` (or a graded samples file, or eval records), one line appended
  the moment each result is made. A result is done when it is ok (:class:`ResultKind`) *and* was made with
  the same settings (its fingerprint); one made with other settings is refused (:class:`StaleResults`)
  unless ``overwrite``, so that old results are never reported under new settings.
* :class:`WorkspaceSamples`: samples go to a workspace (:meth:`~steps_core.workspace.Workspace.add_samples`);
  a sample already there is done whatever its settings, unless ``overwrite`` (the app's *Make again*).
* :class:`WorkspaceGrades`: grades go to a workspace (:meth:`~steps_core.workspace.Workspace.add_grade`),
  each as a new round: nothing is ever done before.

A run through a batch API keeps the state of its batches in the sink's :func:`batch_folder`: beside a samples
file (``samples.jsonl.batch/``) or beside a workspace (``<workspace>.batch/samples``, ``.../grades``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Protocol

from .errors import InputError
from .synth import SampleWriter, compact_samples, completed_ids, read_samples


class SampleSink(Protocol):
    """What a run needs from the place its results go."""

    def done_ids(self, planned: Mapping[str, str | None], *, overwrite: bool = False) -> set[str]:
        """The ids of ``planned`` (id -> settings fingerprint) already done here: a run skips them."""

    def write(self, record: dict) -> None:
        """Keep one result, now (a crash a moment later must not lose it)."""


# ----------------------------------------------------------------------------------------------------------
# What a results file holds
# ----------------------------------------------------------------------------------------------------------

def _sample_ok(record: Mapping) -> bool:
    return record.get("status") == "ok"


def _grade_ok(record: Mapping) -> bool:
    grade = record.get("grade")
    return isinstance(grade, Mapping) and grade.get("status") == "ok"


@dataclass(frozen=True, slots=True)
class ResultKind:
    """What a results file holds: ``what`` (for messages), when a record is done, where its settings
    fingerprint is, and whether its lines are checked as samples (eval records are not samples)."""

    what: str
    is_done: Callable[[Mapping], bool]
    fingerprint_of: Callable[[Mapping], Any]
    validate: bool = True


#: ``steps synth``: samples, done when ok; the fingerprint is in the provenance.
SAMPLES = ResultKind("sample(s)", _sample_ok, lambda r: (r.get("provenance") or {}).get("fingerprint"))
#: ``steps grade``: samples with a ``grade``, done when the grade is ok.
GRADED = ResultKind("graded sample(s)", _grade_ok, lambda r: r["grade"].get("fingerprint"))
#: ``steps eval``: one record per draw, done when ok.
EVAL_RECORDS = ResultKind("record(s)", _sample_ok, lambda r: r.get("fingerprint"), validate=False)


def batch_folder(sink: SampleSink) -> Path | None:
    """Where a batch run into ``sink`` keeps the state of its batches (None: the sink does not say)."""
    folder = getattr(sink, "batch_folder", None)
    return None if folder is None else Path(folder)


def is_failure(record: Mapping) -> bool:
    """Whether a result is a failure: a sample, a graded sample or an eval record that is not ok.

    >>> is_failure({"status": "ok"}), is_failure({"status": "ok", "grade": {"status": "failed"}})
    (False, True)
    """
    grade = record.get("grade")
    if isinstance(grade, Mapping):
        return grade.get("status") != "ok"
    return record.get("status") != "ok"


class StaleResults(InputError):
    """Results of planned ids in a file that were made with other settings; ``ids`` says which."""

    def __init__(self, ids: list[str], path: Path, hint: str):
        self.ids = ids
        super().__init__(f"{len(ids)} result(s) in this file were made with other settings (model, endpoint, "
                         f"prompts, template or judge), e.g. {ids[0]!r}; {hint}", path=str(path), field="output")


# ----------------------------------------------------------------------------------------------------------
# Sinks
# ----------------------------------------------------------------------------------------------------------

class SamplesFile:
    """A results file: each result appended as one line the moment it is made (:class:`SampleWriter`,
    opened at the first write); :meth:`finish` then keeps one line per id. ``stale_hint`` ends the message
    of :class:`StaleResults` (what the user can do about results made with other settings)."""

    def __init__(self, path: str | Path, kind: ResultKind = SAMPLES, *,
                 stale_hint: str = "write to another file, or overwrite them to redo them"):
        self.path = Path(path)
        self.kind = kind
        self.stale_hint = stale_hint
        self._writer: SampleWriter | None = None

    def done_ids(self, planned: Mapping[str, str | None], *, overwrite: bool = False) -> set[str]:
        """Planned ids done in the file with the same settings. Done records of planned ids made with other
        settings (or none recorded) raise :class:`StaleResults`, unless ``overwrite``: they are then redone,
        and the new results replace them."""
        stale: list[str] = []

        def done(record: dict) -> bool:
            if record["id"] not in planned or not self.kind.is_done(record):
                return False
            if self.kind.fingerprint_of(record) == planned[record["id"]]:
                return True
            stale.append(record["id"])
            return False

        ids = completed_ids(self.path, done, validate=self.kind.validate)
        if stale and not overwrite:
            raise StaleResults(stale, self.path, self.stale_hint)
        return ids

    @property
    def batch_folder(self) -> Path:
        """Where a batch run into this file keeps its state: ``<file>.batch/``."""
        return Path(str(self.path) + ".batch")

    def write(self, record: dict) -> None:
        if self._writer is None:
            self._writer = SampleWriter(self.path)
        self._writer.write(record)

    def close(self) -> None:
        """Flush and close the file (every line written so far is on disk)."""
        if self._writer is not None:
            self._writer.close()

    def finish(self) -> list[dict]:
        """After a complete run: close the file, keep one line per id (a rerun appends the redone ones,
        atomically) and return its records."""
        if self._writer is None:
            self._writer = SampleWriter(self.path)     # creates the file, completes a line cut short
        self.close()
        compact_samples(self.path, validate=self.kind.validate)
        return read_samples(self.path, validate=self.kind.validate)

    def __enter__(self) -> SamplesFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class WorkspaceSamples:
    """Samples kept in a workspace, each recording ``tree_version`` (the taxonomy in use when it was made;
    the combination in its provenance keeps the version it was selected in)."""

    def __init__(self, workspace: Any, tree_version: str | None = None):
        self.workspace = workspace
        self.tree_version = tree_version

    @property
    def batch_folder(self) -> Path:
        """Where a batch run into this workspace keeps its state: ``<workspace>.batch/samples``."""
        return Path(str(self.workspace.path) + ".batch") / "samples"

    def done_ids(self, planned: Mapping[str, str | None], *, overwrite: bool = False) -> set[str]:
        """Planned ids already in the workspace (ok or failed, whatever their settings); none with
        ``overwrite`` (made again: the curator's decisions and edits stay)."""
        if overwrite:
            return set()
        return set(planned) & set(self.workspace.sample_ids())

    def write(self, record: dict) -> None:
        self.workspace.add_samples([{**record, "tree_version": self.tree_version}])


class WorkspaceGrades:
    """Grades kept in a workspace: each graded sample's ``grade`` is added as the sample's next round."""

    def __init__(self, workspace: Any):
        self.workspace = workspace

    @property
    def batch_folder(self) -> Path:
        """Where a batch run into this workspace keeps its state: ``<workspace>.batch/grades``."""
        return Path(str(self.workspace.path) + ".batch") / "grades"

    def done_ids(self, planned: Mapping[str, str | None], *, overwrite: bool = False) -> set[str]:
        """None: grading again adds a round."""
        return set()

    def write(self, record: dict) -> None:
        if record.get("grade") is not None:
            self.workspace.add_grade(record["id"], record["grade"])


__all__ = ["SampleSink", "ResultKind", "SAMPLES", "GRADED", "EVAL_RECORDS", "is_failure", "batch_folder",
           "StaleResults", "SamplesFile", "WorkspaceSamples", "WorkspaceGrades"]
