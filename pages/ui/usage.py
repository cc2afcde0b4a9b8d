"""What the Synthesize page needs of every sample on each run, read lean: each sample's community in the tree in
use (cached per tree version and set of samples) and its spent tokens and cost, taken from the provenance by
SQLite's JSON functions instead of decoding every sample's conversation and provenance in Python.

On a workspace of 5,000 samples this is what made a rerun of the page cost over a second
(``bench/bench_app.py --only synthesize``): ``Workspace.samples()`` decoded about 27,000 JSON documents and
:func:`steps_core.coverage.usage_by_community` found the lowest common ancestor of every sample anew. A
``Workspace`` method returning the usage alone would be the natural home of :func:`sample_usage`.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from typing import Mapping

from steps_core import review as rv
from steps_core.coverage import CommunityUsage, usage_by_community, usage_rows
from steps_core.tree import EncodingTree

from .state import cache_key, memo, workspace


def sample_communities(tree: EncodingTree, rows: list[dict]) -> dict[str, int | None]:
    """:func:`steps_core.review.sample_communities`, cached per tree version and samples (ids and skills)."""
    key = cache_key(str(workspace().path), tree.version, [(r["id"], r["skills"]) for r in rows])
    return memo("sample_lca", key, lambda: rv.sample_communities(tree, rows))


def sample_usage() -> list[dict] | None:
    """Every sample's ``id``, ``skills``, ``usage`` (the provenance's, or {}) and ``backend``, in the order first
    added; None when the workspace cannot be read this way (then read the samples themselves)."""
    path = workspace().path
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)) as conn:
            rows = conn.execute("SELECT id, skills, json_extract(provenance, '$.usage'), "
                                "json_extract(provenance, '$.backend') FROM samples ORDER BY rowid").fetchall()
    except sqlite3.Error:
        return None
    out = []
    for sid, skills, usage, backend in rows:
        usage = json.loads(usage) if isinstance(usage, str) else None
        out.append({"id": sid, "skills": json.loads(skills), "usage": usage if isinstance(usage, dict) else {},
                    "backend": backend})
    return out


def usage_per_community(tree: EncodingTree, samples: list[dict],
                        communities: Mapping[str, int | None]) -> list[CommunityUsage]:
    """:func:`steps_core.coverage.usage_by_community` of :func:`sample_usage`'s rows, with each sample's community
    looked up in ``communities`` (:func:`sample_communities`) instead of found again; the same rows, in the
    same order."""
    placed = ((communities.get(s["id"]), s["usage"]) for s in samples)
    return usage_rows(tree, ((node, usage) for node, usage in placed if node is not None))


def spending(tree: EncodingTree) -> tuple[list[CommunityUsage], bool, int] | None:
    """The spending per community, whether every sample is a template one, and the number of samples (None when
    there are none)."""
    samples = sample_usage()
    if samples is None:                                  # read the samples themselves (slower, same figures)
        full = workspace().samples()
        if not full:
            return None
        template = all((s.get("provenance") or {}).get("backend") == "template" for s in full)
        return usage_by_community(tree, full), template, len(full)
    if not samples:
        return None
    rows = [{"id": s["id"], "skills": s["skills"]} for s in samples]
    usage = usage_per_community(tree, samples, sample_communities(tree, rows))
    return usage, all(s["backend"] == "template" for s in samples), len(samples)
