"""Export curated samples for a trainer: formats, the curriculum order, a grade filter and a manifest
(docs/method.md §8, docs/synthesis.md "Export").

The core, :func:`export_samples`, takes a list of sample dicts (from ``samples.jsonl`` through
:func:`~steps_core.synth.read_samples`, or from a workspace) and writes one file atomically, plus a
``manifest.json`` beside it. Formats (:data:`~steps_core.names.EXPORT_FORMATS`), one record per row:

- ``openai``: JSONL ``{"messages": [{"role", "content"}, ...]}`` (the chat fine-tuning format);
- ``sharegpt``: JSONL ``{"conversations": [{"from": "system"|"human"|"gpt", "value"}, ...]}``;
- ``alpaca``: JSONL ``{"instruction", "input", "output", "history": [[user, assistant], ...]}`` (+ ``system``
  when the conversation has one): the last exchange is instruction/output, earlier ones the history;
- ``parquet``: columns ``id, skills, k, style, community, epoch, messages (list of {role, content}),
  provenance`` (JSON text).

Which samples (:func:`select_samples`): ``ok`` ones a person accepted (or, with ``include_all``, every ok one
nobody rejected), and with a :class:`GradeFilter` only those whose grade reaches it (``full`` marks,
``all-skills``, or a number of points).

Order (:mod:`steps_core.curriculum`): by default the STEPS reference schedule, epochs of a fixed size at
exact k-shares, reusing samples where a k is short (a sample may be written more than once); the
``partition`` variant writes each sample once. The manifest's ``notes`` say how to train on the file: in
order, without shuffling.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from . import __version__
from .curriculum import (DEFAULT_CURRICULUM, PARTITION_CURRICULUM, Curriculum, apportion, curriculum_choice,
                         curriculum_from_dict, curriculum_notes, curriculum_order, read_curriculum)
from .dataset_card import card_path, manifest_review, write_card
from .errors import InputError, StepsError
from .io import check_output, guarded_output, is_open_database, json_text, same_file
from .names import EXPORT_FORMATS, MIN_GRADES


# ----------------------------------------------------------------------------------------------------------
# Which samples
# ----------------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class GradeFilter:
    """The least grade a sample needs to be exported: ``"full"`` (full marks), ``"all-skills"``, or a number
    of rubric ``points`` (:data:`~steps_core.names.MIN_GRADES`). A sample without an ok grade
    never passes.

    >>> f = grade_filter("4")
    >>> f.passes({"grade": {"status": "ok", "score": 4}}), f.passes({"grade": {"status": "ok", "score": 3}})
    (True, False)
    >>> grade_filter("full").passes({"grade": {"status": "ok", "score": 5, "full_marks": True}})
    True
    """

    kind: str
    points: int | None = None

    def passes(self, sample: Mapping) -> bool:
        grade = sample.get("grade")
        if not isinstance(grade, Mapping) or grade.get("status") != "ok":
            return False
        if self.kind == "full":
            return grade.get("full_marks") is True
        if self.kind == "all-skills":
            return grade.get("all_skills") is True
        score = grade.get("score")
        return isinstance(score, (int, float)) and not isinstance(score, bool) and score >= (self.points or 0)

    def __str__(self) -> str:
        return str(self.points) if self.kind == "points" else self.kind


def grade_filter(value: str | int | None) -> GradeFilter | None:
    """The filter a front end names: ``full``, ``all-skills``, a whole number of points (>= 1), or None
    (no filter)."""
    if value is None or value == "":
        return None
    text = str(value).strip().lower()
    if text in MIN_GRADES:
        return GradeFilter(text)
    try:
        points = int(text)
    except ValueError:
        raise InputError(f"expected {', '.join(MIN_GRADES)} or a number of points, got {value!r}",
                         field="min_grade") from None
    if points < 1:
        raise InputError(f"a number of points must be >= 1, got {points}", field="min_grade")
    return GradeFilter("points", points)


def latest_grades(workspace: Any, samples: Iterable[Mapping]) -> list[dict]:
    """The samples with ``grade`` set to their workspace's latest grading round (or left as they are when
    the workspace has none for them)."""
    last: dict[str, dict] = {}
    for row in workspace.grades():
        last[row["sample_id"]] = row["grade"]
    return [{**s, "grade": last[s["id"]]} if s.get("id") in last else dict(s) for s in samples]


def select_samples(samples: Iterable[Mapping], *, include_all: bool = False,
                   min_grade: GradeFilter | None = None) -> list[dict]:
    """The samples to export: ``ok`` and accepted by a person; with ``include_all`` every ``ok`` sample
    nobody rejected (``accepted`` true or null); with ``min_grade`` only those whose grade passes it."""
    out = []
    for s in samples:
        if s.get("status") != "ok":
            continue
        if s.get("accepted") is True or (include_all and s.get("accepted") is not False):
            if min_grade is None or min_grade.passes(s):
                out.append(dict(s))
    return out


# ----------------------------------------------------------------------------------------------------------
# Formats
# ----------------------------------------------------------------------------------------------------------

def _messages(sample: Mapping) -> list[dict]:
    msgs = sample.get("messages")
    sid = sample.get("id")
    if not isinstance(msgs, list) or not msgs:
        raise InputError(f"sample {sid!r} has no messages", field="messages")
    out = []
    for i, m in enumerate(msgs):
        if not isinstance(m, Mapping) or m.get("role") not in ("system", "user", "assistant") \
                or not isinstance(m.get("content"), str):
            raise InputError(f"sample {sid!r}: message {i} is not a {{role, content}} object with role "
                             "system, user or assistant", field="messages")
        out.append({"role": m["role"], "content": m["content"]})
    if out[-1]["role"] != "assistant":
        raise InputError(f"sample {sid!r}: the conversation must end with an assistant turn", field="messages")
    return out


def to_openai(sample: Mapping) -> dict:
    """``{"messages": [...]}``."""
    return {"messages": _messages(sample)}


_SHAREGPT_ROLE = {"system": "system", "user": "human", "assistant": "gpt"}


def to_sharegpt(sample: Mapping) -> dict:
    """``{"conversations": [{"from": "human"|"gpt"|"system", "value": ...}]}``."""
    return {"conversations": [{"from": _SHAREGPT_ROLE[m["role"]], "value": m["content"]}
                              for m in _messages(sample)]}


def to_alpaca(sample: Mapping) -> dict:
    """``{"instruction", "input", "output", "history"}`` (+ ``system``): consecutive turns of one role are
    joined with a blank line; the last user/assistant exchange is instruction/output, earlier ones history.

    >>> to_alpaca({"id": "x", "messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"},
    ...                                    {"role": "user", "content": "c"}, {"role": "assistant", "content": "d"}]})
    {'instruction': 'c', 'input': '', 'output': 'd', 'history': [['a', 'b']]}
    """
    msgs = _messages(sample)
    system = msgs[0]["content"] if msgs[0]["role"] == "system" else None
    merged: list[list[str]] = []
    for m in msgs:
        if m["role"] == "system":
            continue
        if merged and merged[-1][0] == m["role"]:
            merged[-1][1] += "\n\n" + m["content"]
        else:
            merged.append([m["role"], m["content"]])
    if not merged or merged[0][0] != "user":
        raise InputError(f"sample {sample.get('id')!r}: the conversation must start with a user turn",
                         field="messages")
    pairs = [[merged[i][1], merged[i + 1][1]] for i in range(0, len(merged) - 1, 2)]
    out: dict[str, Any] = {"instruction": pairs[-1][0], "input": "", "output": pairs[-1][1], "history": pairs[:-1]}
    if system is not None:
        out["system"] = system
    return out


_CONVERTERS = {"openai": to_openai, "sharegpt": to_sharegpt, "alpaca": to_alpaca}


def community_of(sample: Mapping) -> str:
    """The community (LCA of the combination) a sample was made for, or ``"unknown"``."""
    combo = (sample.get("provenance") or {}).get("combination") or {}
    lca = combo.get("lca")
    return str(lca) if lca not in (None, "") else "unknown"


def _write_parquet(fh, rows: Sequence[tuple[int | None, dict]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    msg_type = pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))
    table = pa.table({
        "id": pa.array([s["id"] for _, s in rows], pa.string()),
        "skills": pa.array([list(s.get("skills") or []) for _, s in rows], pa.list_(pa.string())),
        "k": pa.array([int(s.get("k") or len(s.get("skills") or [])) for _, s in rows], pa.int32()),
        "style": pa.array([s.get("style") for _, s in rows], pa.string()),
        "community": pa.array([community_of(s) for _, s in rows], pa.string()),
        "epoch": pa.array([e for e, _ in rows], pa.int32()),
        "messages": pa.array([_messages(s) for _, s in rows], msg_type),
        "provenance": pa.array([json.dumps(s.get("provenance"), ensure_ascii=False) for _, s in rows], pa.string()),
    })
    pq.write_table(table, fh)


# ----------------------------------------------------------------------------------------------------------
# Export
# ----------------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export wrote: the data file, the manifest file, the row count, the manifest itself and the
    dataset card (:mod:`steps_core.dataset_card`) beside the data."""

    path: Path
    manifest_path: Path
    rows: int
    manifest: dict
    card_path: Path | None = None


def file_sha256(path: str | Path) -> str:
    """SHA-256 (hex) of a file's bytes. Refuses an SQLite file this process holds open (opening it again
    would drop the process's locks on it): hash a workspace with :meth:`Workspace.content_sha256`."""
    if is_open_database(path):
        raise StepsError(f"{path}: refusing to open a database this process holds open; hash it through its "
                         "connection")
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check_outputs_spare_inputs(outputs: Iterable[str | Path], inputs: Iterable[str | Path], *,
                               replace: bool = True) -> None:
    """:func:`steps_core.io.check_output` for each of ``outputs`` (before anything is written): none may
    replace an input or its SQLite side files, a database, a device or other special file, nor (without
    ``replace``) an existing file."""
    inputs = list(inputs)
    for out in outputs:
        check_output(out, inputs, replace=replace)


def _ordered(chosen: list[dict], curriculum: Curriculum | None, seed: int) -> list[tuple[int | None, dict]]:
    if curriculum is not None:
        return [(e, s) for e, s in curriculum_order(chosen, curriculum, seed=seed)]
    return [(None, s) for s in chosen]


def _counts(rows: Sequence[tuple[int | None, dict]], curriculum: Curriculum | None) -> dict:
    per_k = Counter(int(s.get("k") or len(s.get("skills") or [])) for _, s in rows)
    per_epoch_k: dict[str, Counter] = defaultdict(Counter)
    for e, s in rows:
        per_epoch_k[str(e)][str(int(s.get("k") or len(s.get("skills") or [])))] += 1
    return {
        "total": len(rows),
        "unique": len({s.get("id") for _, s in rows}),
        "per_k": {str(k): per_k[k] for k in sorted(per_k)},
        "per_community": dict(sorted(Counter(community_of(s) for _, s in rows).items())),
        "per_style": dict(sorted(Counter(str(s.get("style")) for _, s in rows).items())),
        "per_epoch": ({str(e): c for e, c in sorted(Counter(e for e, _ in rows).items())}
                      if curriculum is not None else None),
        "per_epoch_k": ({e: dict(sorted(c.items(), key=lambda kv: int(kv[0]))) for e, c in
                         sorted(per_epoch_k.items(), key=lambda kv: int(kv[0]))} if curriculum is not None else None),
    }


def _chosen(samples: Iterable[Mapping], include_all: bool, min_grade: GradeFilter | None, workspace: Any) -> list[dict]:
    if min_grade is not None and workspace is not None:
        samples = latest_grades(workspace, samples)
    return select_samples(samples, include_all=include_all, min_grade=min_grade)


def export_counts(samples: Iterable[Mapping], *, include_all: bool = False,
                  curriculum: Curriculum | None = DEFAULT_CURRICULUM, seed: int = 0,
                  min_grade: GradeFilter | None = None, workspace: Any = None) -> dict:
    """What :func:`export_samples` would write, counted without writing anything: ``total`` (rows),
    ``unique`` (distinct samples), ``per_k``, ``per_community``, ``per_style``, ``per_epoch``,
    ``per_epoch_k`` (the manifest's ``counts``)."""
    return _counts(_ordered(_chosen(samples, include_all, min_grade, workspace), curriculum, seed), curriculum)


def taxonomy_of(samples: Iterable[Mapping]) -> dict:
    """Which taxonomy produced the samples: the tree versions (content hashes) and, per community id, the path
    of community labels, as recorded in each sample's ``provenance.combination``."""
    versions: set[str] = set()
    paths: dict[str, str] = {}
    for s in samples:
        combo = (s.get("provenance") or {}).get("combination") or {}
        if combo.get("tree_version"):
            versions.add(str(combo["tree_version"]))
        if combo.get("lca") not in (None, ""):
            paths.setdefault(str(combo["lca"]), str(combo.get("lca_path") or combo.get("lca_label") or ""))
    return {"tree_versions": sorted(versions), "communities": dict(sorted(paths.items()))}


def export_samples(samples: Iterable[Mapping], out: str | Path, fmt: str, *, include_all: bool = False,
                   curriculum: Curriculum | None = DEFAULT_CURRICULUM, seed: int = 0,
                   inputs: Sequence[str | Path] = (), manifest_path: str | Path | None = None,
                   settings: Mapping[str, Any] | None = None, workspace: Any = None,
                   force: bool = False, min_grade: GradeFilter | None = None) -> ExportResult:
    """Write the accepted samples (every ``ok`` one not rejected with ``include_all``; with ``min_grade``
    only those whose grade passes it: a workspace's latest grading round) to ``out`` in ``fmt``.

    ``curriculum`` orders them (None keeps the given order; the reference schedule may write a sample more
    than once); ``inputs`` are files whose hashes go into the
    manifest (e.g. the samples file); ``workspace`` the open :class:`~steps_core.workspace.Workspace` the
    samples came from (hashed through its own connection: its file is never opened again); ``settings``
    extra settings to record. The data file and then the manifest (default ``manifest.json`` in the output's
    folder) are each written with :func:`steps_core.io.guarded_output`, both checked before either is
    written: neither may replace an input, the workspace, a database or a special file, nor, unless
    ``force``, an existing file (an earlier export). The dataset card (``<name>.README.md``,
    :mod:`steps_core.dataset_card`) is written last, beside the data, and checked with them; the manifest
    also holds the review figures of :func:`~steps_core.dataset_card.manifest_review` (models, placeholders,
    rejected samples per reason, what was left out). Raises :class:`InputError` when there is nothing to
    export, a sample's messages are malformed or hold a value JSON cannot (NaN, a lone surrogate).
    """
    if fmt not in EXPORT_FORMATS:
        raise InputError(f"unknown format {fmt!r}; expected one of {', '.join(EXPORT_FORMATS)}", field="format")
    out = Path(out)
    manifest_path = Path(manifest_path) if manifest_path is not None else out.parent / "manifest.json"
    if same_file(manifest_path, out):
        raise InputError("the manifest would overwrite the data file", path=str(out))
    samples, card = list(samples), card_path(out)        # all samples: the manifest counts the rejected ones too
    if same_file(card, manifest_path):
        raise InputError("the dataset card would overwrite the manifest", path=str(manifest_path))
    protected = [*inputs, *([workspace.path] if workspace is not None else [])]
    check_outputs_spare_inputs([out, manifest_path, card], protected, replace=force)
    chosen = _chosen(samples, include_all, min_grade, workspace)
    if not chosen:
        raise InputError("no samples to export: none is both ok and accepted"
                         + (f" with a grade of at least {min_grade}" if min_grade is not None else "")
                         + ("" if include_all else " (pass --all to include every ok sample nobody rejected)"))
    rows = _ordered(chosen, curriculum, seed)
    for _, s in rows:                                     # validate all before writing anything
        json_text(s, field=f"sample {s.get('id')!r}")
    if fmt == "parquet":
        with guarded_output(out, "wb", inputs=protected, replace=force) as fh:
            _write_parquet(fh, rows)
    else:
        convert = _CONVERTERS[fmt]
        lines = [json_text(convert(s)) for _, s in rows]
        with guarded_output(out, inputs=protected, replace=force) as fh:
            for line in lines:
                fh.write(line + "\n")
    counts = _counts(rows, curriculum)
    hashed = [{"path": str(p), "sha256": file_sha256(p)} for p in inputs]
    if workspace is not None:
        hashed.append({"path": str(workspace.path), "sha256": workspace.content_sha256(), "kind": "workspace"})
    manifest = {
        "tool": "steps-studio",
        "version": __version__,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "format": fmt,
        "output": {"path": out.name, "sha256": file_sha256(out), "bytes": out.stat().st_size, "rows": len(rows)},
        "inputs": hashed,
        "settings": {"include_all": include_all, "seed": seed,
                     "min_grade": None if min_grade is None else str(min_grade),
                     "curriculum": curriculum.to_dict() if curriculum is not None else None, **(settings or {})},
        "trainer": ({"shuffle": False, "epochs": len(curriculum.epochs),
                     "rows_per_epoch": counts["per_epoch"]} if curriculum is not None else None),
        "counts": counts,
        "taxonomy": taxonomy_of([s for _, s in rows]),
        "card": card.name,
        **manifest_review(samples, [s for _, s in rows], include_all=include_all),
        "ids": [s["id"] for _, s in rows],
        "notes": curriculum_notes(curriculum, rows) if curriculum is not None else [],
    }
    text = json_text(manifest, field="manifest", indent=2)
    with guarded_output(manifest_path, inputs=[*protected, out], replace=force) as fh:
        fh.write(text + "\n")
    write_card(card, manifest, inputs=[*protected, out, manifest_path], replace=force)
    return ExportResult(path=out, manifest_path=manifest_path, rows=len(rows), manifest=manifest, card_path=card)


__all__ = ["EXPORT_FORMATS", "Curriculum", "DEFAULT_CURRICULUM", "PARTITION_CURRICULUM", "curriculum_from_dict",
           "read_curriculum", "curriculum_choice", "apportion", "curriculum_order", "GradeFilter", "grade_filter",
           "latest_grades", "select_samples", "export_counts", "taxonomy_of",
           "to_openai", "to_sharegpt", "to_alpaca", "community_of", "ExportResult", "file_sha256", "export_samples",
           "check_outputs_spare_inputs"]
