"""Normalising free-form tags: folding surface forms and merging near-duplicates into a reviewable mapping.

Infinity-Instruct-like corpora carry tens of thousands of free-form tags. :func:`normalize_tag` folds case,
Unicode forms, punctuation and whitespace; :func:`build_tag_mapping` also merges near-duplicates whose
embeddings are at least ``threshold`` similar, giving an ``old -> new`` :class:`TagMapping` that is written as a
CSV a person can review and edit (:func:`write_tag_mapping`) and then applied to a corpus
(:func:`read_tag_mapping`, :func:`apply_tag_mapping`). See docs/data.md.

>>> normalize_tag("  Python_Programming!! "), normalize_tag("C++ / C#"), normalize_tag("Writer's  block")
('python programming', 'c++ c#', 'writers block')
"""

from __future__ import annotations

import csv
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np

from .corpus import Record
from .errors import InputError
from .io import atomic_output

Progress = Callable[[int, "int | None"], None]

_KEEP = set("+#")
_DROP = set("'’`´")


def normalize_tag(tag: str) -> str:
    """Fold a tag's surface form: Unicode NFKC, case-folded, apostrophes removed, other punctuation (except
    ``+`` and ``#``) and underscores turned into spaces, whitespace collapsed. Results are memoised: a
    corpus repeats the same few thousand tags millions of times.

    >>> normalize_tag("Question-Answering"), normalize_tag("数学 推理")
    ('question answering', '数学 推理')
    """
    return _normalize_tag(str(tag))


@lru_cache(maxsize=1 << 16)
def _normalize_tag(tag: str) -> str:
    text = unicodedata.normalize("NFKC", tag).casefold()
    out = []
    for ch in text:
        if ch in _DROP:
            continue
        if ch in _KEEP:
            out.append(ch)
        elif unicodedata.category(ch)[0] in "PZC" or ch == "_":
            out.append(" ")
        else:
            out.append(ch)
    return " ".join("".join(out).split())


def count_tags(skill_lists: Iterable[Sequence[str]]) -> Counter:
    """How many records carry each tag (once per record)."""
    counts: Counter = Counter()
    for skills in skill_lists:
        counts.update(set(skills))
    return counts


@dataclass(frozen=True)
class TagMapping:
    """``mapping[old] = new`` for every tag seen (``new == ""`` drops the tag), with each old tag's record
    ``counts`` and the ``similarity`` of old to new (1.0 when only the surface form differs)."""

    mapping: dict[str, str]
    counts: dict[str, int] = field(default_factory=dict)
    similarity: dict[str, float] = field(default_factory=dict)

    @property
    def n_old(self) -> int:
        return len(self.mapping)

    @property
    def n_new(self) -> int:
        return len({v for v in self.mapping.values() if v})


def leader_clusters(vectors: np.ndarray, *, threshold: float, block: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """Leader clustering of unit vectors, visited in row order.

    Row i joins the earlier leader most similar to it (dot product; the first such on ties) when that
    similarity is at least ``threshold``; otherwise i is a leader itself. Returns ``(leader, similarity)``:
    the leader's row for every row (itself for leaders) and the similarity to it (1 for leaders). Rows are
    processed in blocks of ``block`` with one matrix product against the leaders so far, so it stays fast for
    tens of thousands of rows; the result does not depend on ``block``.

    >>> v = np.array([[1.0, 0.0], [0.96, 0.28], [0.0, 1.0]])
    >>> leader_clusters(v, threshold=0.9)[0].tolist()
    [0, 0, 2]
    """
    vecs = np.asarray(vectors, np.float32)
    n = vecs.shape[0]
    leader = np.arange(n)
    sim = np.ones(n, np.float64)
    leaders: list[int] = []
    for start in range(0, n, max(1, int(block))):
        stop = min(start + block, n)
        blk = vecs[start:stop]
        prev = blk @ vecs[leaders].T if leaders else np.zeros((stop - start, 0), np.float32)
        within = blk @ blk.T
        new_here: list[int] = []                 # block positions of the leaders made in this block
        for r in range(stop - start):
            best, best_sim = -1, -np.inf
            if prev.shape[1]:
                j = int(np.argmax(prev[r]))
                best, best_sim = leaders[j], float(prev[r, j])
            if new_here:
                sims = within[r, new_here]
                j = int(np.argmax(sims))
                if float(sims[j]) > best_sim:
                    best, best_sim = start + new_here[j], float(sims[j])
            if best >= 0 and best_sim >= threshold:
                leader[start + r], sim[start + r] = best, best_sim
            else:
                new_here.append(r)
        leaders.extend(start + r for r in new_here)
    return leader, sim


def build_tag_mapping(tag_counts: Mapping[str, int], *, threshold: float = 0.88, use_embeddings: bool = True,
                      batch_size: int = 64, cache_dir: str | Path | None = None, block: int = 1024,
                      progress: Progress | None = None) -> TagMapping:
    """Map every tag to a canonical form: :func:`normalize_tag`, then (``use_embeddings``) near-duplicate
    merging.

    Merging is leader clustering, which never chains: normal forms are visited by decreasing record count
    (ties: alphabetical); each joins the most similar earlier *leader* when their cosine similarity is at
    least ``threshold``, else becomes a leader itself. A tag maps to its leader's normal form. With MiniLM,
    0.88 merges "python coding" into "python programming" (0.91) and "math" into "mathematics" (0.91) but
    keeps "reasoning" apart from "logical reasoning" (0.84).

    >>> m = build_tag_mapping({"Python": 3, "python!": 1, "Java": 2}, use_embeddings=False)
    >>> m.mapping
    {'Python': 'python', 'python!': 'python', 'Java': 'java'}
    """
    if not 0.0 < float(threshold) <= 1.0:
        raise InputError(f"threshold must be in (0, 1], got {threshold}", field="threshold")
    norm = {t: normalize_tag(t) for t in tag_counts}
    totals: Counter = Counter()
    for t, c in tag_counts.items():
        if norm[t]:
            totals[norm[t]] += int(c)
    keys = sorted(totals, key=lambda k: (-totals[k], k))
    leader_of = {k: k for k in keys}
    sim_to_leader = {k: 1.0 for k in keys}
    if use_embeddings and len(keys) > 1:
        from .embed import embed_texts

        vecs = embed_texts(keys, batch_size=batch_size, cache_dir=cache_dir, progress=progress)
        leader, sim = leader_clusters(vecs, threshold=threshold, block=block)
        for k, j, x in zip(keys, leader, sim):
            leader_of[k], sim_to_leader[k] = keys[j], round(min(float(x), 1.0), 4)
    mapping, sims = {}, {}
    for t in tag_counts:
        k = norm[t]
        mapping[t] = leader_of[k] if k else ""
        sims[t] = sim_to_leader[k] if k else 0.0
    return TagMapping(mapping, {t: int(c) for t, c in tag_counts.items()}, sims)


MAPPING_COLUMNS = ("old", "new", "count", "similarity")


def write_tag_mapping(mapping: TagMapping, path: str | Path) -> Path:
    """Write ``old,new,count,similarity`` rows, grouped by ``new`` (groups by total count, largest first).

    Only ``old`` and ``new`` are read back; edit ``new`` to rename or merge, leave it empty to drop a tag.
    """
    path = Path(path)
    group_total: Counter = Counter()
    for old, new in mapping.mapping.items():
        group_total[new] += mapping.counts.get(old, 0)
    rows = sorted(mapping.mapping.items(),
                  key=lambda kv: (-group_total[kv[1]], kv[1], -mapping.counts.get(kv[0], 0), kv[0]))
    with atomic_output(path, newline="") as fh:
        out = csv.writer(fh)
        out.writerow(MAPPING_COLUMNS)
        for old, new in rows:
            out.writerow([old, new, mapping.counts.get(old, 0), mapping.similarity.get(old, "")])
    return path


def read_tag_mapping(path: str | Path) -> dict[str, str]:
    """Read a mapping CSV with columns ``old,new`` (other columns ignored); an empty ``new`` drops the tag.

    An ``old`` tag listed twice is an error naming both lines.
    """
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=str(path))
    out: dict[str, str] = {}
    first_line: dict[str, int] = {}
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:
                raise InputError("empty file: expected a header old,new", path=str(path), line=1)
            cols = [h.strip().lower() for h in header]
            missing = [c for c in ("old", "new") if c not in cols]
            if missing:
                raise InputError(f"missing column(s) {', '.join(missing)} (found: {', '.join(header)})",
                                 path=str(path), line=1)
            io, inew = cols.index("old"), cols.index("new")
            for row in reader:
                line = reader.line_num
                if not row or all(not c.strip() for c in row):
                    continue
                if len(row) <= max(io, inew):
                    raise InputError(f"expected at least {max(io, inew) + 1} fields, found {len(row)}",
                                     path=str(path), line=line)
                old, new = row[io], row[inew].strip()
                if not old.strip():
                    raise InputError("empty old tag", path=str(path), line=line, field="old")
                if old in out:
                    raise InputError(f"tag {old!r} is mapped twice (first on line {first_line[old]})",
                                     path=str(path), line=line, field="old")
                out[old], first_line[old] = new, line
    except UnicodeDecodeError as exc:
        raise InputError(f"not valid UTF-8 ({exc.reason})", path=str(path)) from None
    except csv.Error as exc:
        raise InputError(f"malformed CSV: {exc}", path=str(path)) from None
    return out


def apply_tag_mapping(skills: Sequence[str], mapping: Mapping[str, str]) -> tuple[str, ...]:
    """Map each tag (tags not in the mapping stay as they are; an empty target drops the tag), deduplicated.

    >>> apply_tag_mapping(["Python", "python!", "junk", "Java"], {"Python": "python", "python!": "python", "junk": ""})
    ('python', 'Java')
    """
    out = (mapping.get(s, s) for s in skills)
    return tuple(dict.fromkeys(s for s in out if s))


def normalize_records(records: Iterable[Record], mapping: Mapping[str, str]) -> Iterator[dict]:
    """Each record's fields with ``skills`` replaced by its mapped skills (:func:`apply_tag_mapping`)."""
    for rec in records:
        out = dict(rec.raw)
        out["skills"] = list(apply_tag_mapping(rec.skills, mapping))
        yield out
