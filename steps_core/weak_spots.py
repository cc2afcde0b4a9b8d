"""Closing the loop: where a model is weak, and steering the list of combinations there (docs/core.md,
"Weak spots").

A model's per-skill results come from a CSV (``skill,score``, score in [0, 1], 1 = the model masters the skill)
or from a ``steps eval`` results file (JSON lines, each graded text with its ``skills`` and ``grade.points.skills``:
a skill's score is the share of its texts that earned its point). The *weakness* of a skill is ``1 - score``;
a community's weakness is the mean weakness of its scored skills.

The list of combinations (:mod:`steps_core.shortlist`) then values each tree node α at
``h(α) · (1 + emphasis · weakness(α))``: combinations that exercise weak skills and weak communities come first,
while every combination keeps its exact gain. The emphasized value is still a weighted coverage with diminishing
returns, so the list keeps its guarantees.

>>> import numpy as np
>>> from steps_core.graph import graph_from_edges
>>> from steps_core.tree import EncodingTree
>>> t = EncodingTree.from_parent(graph_from_edges([("a", "b", 1), ("c", "d", 1)]), [5, 5, 6, 6, -1, 4, 4])
>>> w = node_weakness(t, {"a": 0.0, "b": 0.5})              # a mastered, b half: {a, b} is 0.75 weak on average
>>> [round(float(x), 3) for x in w[:4]], round(float(w[t.node_of("1")]), 3), float(w[t.node_of("2")])
([1.0, 0.5, 0.0, 0.0], 0.75, 0.0)
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Mapping

import numpy as np

from .errors import InputError
from .tree import EncodingTree


def read_skill_scores(path: str | Path) -> dict[str, float]:
    """Per-skill scores in [0, 1] from a ``skill,score`` CSV or a ``steps eval`` results file (JSON lines)."""
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", path=str(path))
    if path.suffix.lower() == ".csv":
        return _scores_from_csv(path)
    return _scores_from_eval(path)


def _scores_from_csv(path: Path) -> dict[str, float]:
    out: dict[str, float] = {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = [h.strip().lower() for h in next(reader, [])]
        if "skill" not in header or "score" not in header:
            raise InputError(f"expected the columns skill,score (found {','.join(header) or 'none'})",
                             path=str(path), line=1)
        i_skill, i_score = header.index("skill"), header.index("score")
        for row in reader:
            if not row or all(not x.strip() for x in row):
                continue
            where = dict(path=str(path), line=reader.line_num)
            if len(row) <= max(i_skill, i_score):
                raise InputError(f"expected {len(header)} fields, found {len(row)}", **where)
            name = row[i_skill].strip()
            if not name:
                raise InputError("empty skill name", field="skill", **where)
            try:
                score = float(row[i_score])
            except ValueError:
                raise InputError(f"score {row[i_score]!r} is not a number", field="score", **where) from None
            if not math.isfinite(score) or not 0.0 <= score <= 1.0:
                raise InputError(f"score must be from 0 to 1, got {row[i_score]!r}", field="score", **where)
            out[name] = score
    if not out:
        raise InputError("no skill scores in the file", path=str(path))
    return out


def _scores_from_eval(path: Path) -> dict[str, float]:
    earned: dict[str, list[int]] = {}
    with path.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"invalid JSON: {exc.msg}", path=str(path), line=line_no) from None
            points = ((record.get("grade") or {}).get("points") or {}).get("skills") if isinstance(record, dict) \
                else None
            if points is None:
                continue                          # a failed draw: nothing was graded
            if not isinstance(points, dict) or not all(isinstance(v, int) for v in points.values()):
                raise InputError("expected a map from skill to 0 or 1", path=str(path), line=line_no,
                                 field="grade.points.skills")
            for skill, point in points.items():
                earned.setdefault(skill, []).append(point)
    if not earned:
        raise InputError("no graded texts with per-skill points (a steps eval results file, or a skill,score CSV)",
                         path=str(path))
    return {skill: sum(v) / len(v) for skill, v in earned.items()}


def node_weakness(tree: EncodingTree, scores: Mapping[str, float]) -> np.ndarray:
    """Per tree node, how weak the model is there (0 = mastered or unknown, 1 = always failed): a skill's
    ``1 - score``; a community's mean over its scored skills; the padding of unscored skills is 0."""
    weak = np.zeros(tree.n_nodes)
    scored = np.zeros(tree.n_nodes)
    for name, score in scores.items():
        v = tree.graph.index.get(name)
        if v is None:
            continue
        weak[v] = 1.0 - float(score)
        scored[v] = 1.0
    total, count = weak.copy(), scored.copy()
    for v in range(tree.n_skills):                     # sum up each skill's ancestors
        if scored[v]:
            for a in tree.path(v)[:-1]:
                total[a] += weak[v]
                count[a] += 1.0
    out = np.where(count > 0, total / np.where(count > 0, count, 1.0), 0.0)
    out[: tree.n_skills] = weak[: tree.n_skills]
    return out


def weakest_skills(scores: Mapping[str, float], n: int = 10) -> list[tuple[str, float]]:
    """The ``n`` skills the model does worst at (ties: by name)."""
    return sorted(scores.items(), key=lambda kv: (kv[1], kv[0]))[:n]
