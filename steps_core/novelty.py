"""How novel and how coherent a skill combination is, measured against the corpus.

* ``support(S)``: number of records tagged with every skill of S (0 = never seen together), answered from
  an inverted index (skill -> sorted record ids) by intersecting the rarest list with the others;
* ``min_pair``: the smallest pairwise co-occurrence count c_ij among the skills;
* ``coherence``: mean pairwise cosine similarity of the skills' embeddings;
* ``nodes``: the tree nodes the combination covers, A(S).

>>> idx = SupportIndex.from_skill_lists([["a", "b"], ["a", "b", "c"], ["c"]])
>>> idx.support(["a", "b"]), idx.support(["a", "c"]), idx.support(["b", "c"]), idx.support(["c"])
(2, 1, 1, 2)
>>> idx.records_with_any(["a", "c"]).tolist(), idx.most_covered(["a", "b", "c"], n=2)
([0, 1, 2], [1, 0])
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from .errors import InputError
from .graph import Cooccurrence
from .select import coherence as mean_cosine
from .tree import EncodingTree


@dataclass(frozen=True, eq=False)
class SupportIndex:
    """Inverted index: for each skill, the sorted ids (positions) of the records tagged with it."""

    skills: tuple[str, ...]
    postings: tuple[np.ndarray, ...]
    n_records: int

    @classmethod
    def from_skill_lists(cls, skill_lists: Iterable[Sequence[str]]) -> "SupportIndex":
        """Build the index in one pass; memory is one int32 per (record, skill) tag."""
        index: dict[str, int] = {}
        rec_ids: list[np.ndarray] = []
        skill_ids: list[np.ndarray] = []
        buf_r: list[int] = []
        buf_s: list[int] = []
        n = 0
        for rec, skills in enumerate(skill_lists):
            n = rec + 1
            for s in set(skills):
                i = index.get(s)
                if i is None:
                    i = index[s] = len(index)
                buf_r.append(rec)
                buf_s.append(i)
            if len(buf_r) > 1_000_000:
                rec_ids.append(np.asarray(buf_r, np.int32))
                skill_ids.append(np.asarray(buf_s, np.int32))
                buf_r, buf_s = [], []
        rec_ids.append(np.asarray(buf_r, np.int32))
        skill_ids.append(np.asarray(buf_s, np.int32))
        r = np.concatenate(rec_ids)
        s = np.concatenate(skill_ids)
        order = np.lexsort((r, s))                      # by skill, then record: postings come out sorted
        r, s = r[order], s[order]
        bounds = np.searchsorted(s, np.arange(len(index) + 1))
        names = list(index)
        by_name = sorted(range(len(names)), key=names.__getitem__)
        return cls(tuple(names[i] for i in by_name),
                   tuple(r[bounds[i]:bounds[i + 1]] for i in by_name), n)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_pos", {s: i for i, s in enumerate(self.skills)})
        object.__setattr__(self, "_bitmaps", {})
        # skills in more than 1/64 of the records are also kept as bitmaps (n_records / 8 bytes each):
        # testing membership in a bitmap costs O(1) per id instead of a binary search
        object.__setattr__(self, "_dense", max(1024, self.n_records // 64))

    def posting(self, skill: str) -> np.ndarray:
        i = self._pos.get(skill)
        return self.postings[i] if i is not None else np.zeros(0, np.int32)

    def _bitmap(self, skill: str) -> np.ndarray:
        bits = self._bitmaps.get(skill)
        if bits is None:
            mask = np.zeros(self.n_records, bool)
            mask[self.posting(skill)] = True
            bits = self._bitmaps[skill] = np.packbits(mask)
        return bits

    def records_with_any(self, skills: Iterable[str]) -> np.ndarray:
        """The ids (positions) of the records tagged with at least one of ``skills``, sorted."""
        lists = [self.posting(s) for s in set(skills)]
        return np.unique(np.concatenate(lists)) if lists else np.zeros(0, np.int32)

    def most_covered(self, skills: Iterable[str], n: int = 3) -> list[int]:
        """The ``n`` records tagged with the most of ``skills`` (ties: the earlier record first)."""
        lists = [self.posting(s) for s in set(skills)]
        if not lists:
            return []
        ids, hits = np.unique(np.concatenate(lists), return_counts=True)
        order = np.lexsort((ids, -hits))[:n]
        return [int(i) for i in ids[order]]

    def support(self, skills: Iterable[str]) -> int:
        """Records tagged with every one of ``skills`` (all records for an empty set)."""
        names = sorted(set(skills), key=lambda s: len(self.posting(s)))
        if not names:
            return self.n_records
        common = self.posting(names[0])
        for name in names[1:]:
            if common.size == 0:
                break
            other = self.posting(name)
            if other.size > self._dense:
                bits = self._bitmap(name)
                common = common[(bits[common >> 3] >> (7 - (common & 7))) & 1 == 1]
            else:
                pos = np.searchsorted(other, common)
                pos[pos == other.size] = 0
                common = common[other[pos] == common] if other.size else common[:0]
        return int(common.size)


def min_pair_count(cooc: Cooccurrence, skills: Sequence[str]) -> int:
    """The smallest c_ij over the pairs of ``skills`` (0 when some pair never co-occurs)."""
    index = cooc.index
    best = None
    for a, b in itertools.combinations(skills, 2):
        ia, ib = index.get(a), index.get(b)
        c = 0 if ia is None or ib is None else int(cooc.pairs[ia, ib])
        best = c if best is None else min(best, c)
    return 0 if best is None else best


def covered_nodes(tree: EncodingTree, skills: Sequence[str]) -> list[str]:
    """Ids of the tree nodes A(S) covered by the combination (communities and the skills' leaves)."""
    out: set[int] = set()
    for s in skills:
        v = tree.graph.index.get(s)
        if v is None:
            raise InputError(f"unknown skill {s!r}: not in the tree")
        out.update(tree.path(v))
    return sorted((tree.ids[v] for v in out), key=lambda i: [int(x) for x in i.split(".")])


@dataclass(frozen=True)
class Novelty:
    """Novelty figures of one combination."""

    skills: tuple[str, ...]
    support: int
    min_pair: int
    coherence: float | None
    nodes: tuple[str, ...]

    @property
    def novel(self) -> bool:
        return self.support == 0


def novelty(skills: Sequence[str], *, index: SupportIndex, cooc: Cooccurrence | None = None,
            tree: EncodingTree | None = None, embeddings: np.ndarray | None = None,
            embedding_skills: Sequence[str] | None = None) -> Novelty:
    """All novelty figures of one combination. ``embeddings`` rows follow ``embedding_skills``."""
    coh = None
    if embeddings is not None:
        pos = {s: i for i, s in enumerate(embedding_skills or ())}
        missing = [s for s in skills if s not in pos]
        if missing:
            raise InputError(f"no embedding for skill(s) {', '.join(map(repr, missing))}")
        coh = mean_cosine(embeddings, [pos[s] for s in skills])
    return Novelty(tuple(skills), index.support(skills), min_pair_count(cooc, skills) if cooc else 0, coh,
                   tuple(covered_nodes(tree, skills)) if tree else ())
