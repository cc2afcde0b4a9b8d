"""Tagging records with catalogue skills, and normalising free-form tags.

Tagging: a :class:`Tagger` maps texts to ranked catalogue skills. :class:`EmbeddingTagger` (offline) scores
each skill by the cosine similarity between the record's text and the skill's text (name + definition,
:func:`~steps_core.embed.skill_texts`) and keeps the ``top_m`` best at or above ``threshold``.
:class:`LLMTagger` asks an OpenAI-compatible endpoint (:mod:`steps_core.llm`) to choose among a shortlist of
catalogue skills. :func:`tag_records` runs a tagger over a corpus stream and keeps the records' other fields.

Normalisation: Infinity-Instruct-like corpora carry tens of thousands of free-form tags. :func:`normalize_tag`
folds case, Unicode forms, punctuation and whitespace; :func:`build_tag_mapping` also merges near-duplicates
whose embeddings are at least ``threshold`` similar, giving an ``old -> new`` :class:`TagMapping` that is
written as a CSV a person can review and edit (:func:`write_tag_mapping`) and then applied to a corpus
(:func:`read_tag_mapping`, :func:`apply_tag_mapping`).

>>> normalize_tag("  Python_Programming!! "), normalize_tag("C++ / C#"), normalize_tag("Writer's  block")
('python programming', 'c++ c#', 'writers block')
"""

from __future__ import annotations

import csv
import re
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Protocol, Sequence, runtime_checkable

import numpy as np

from .corpus import Record, Skill
from .errors import InputError, StepsError
from .io import atomic_output

Progress = Callable[[int, "int | None"], None]


# --------------------------------------------------------------------------------------------- taggers
@dataclass(frozen=True, slots=True)
class TagResult:
    """Skills chosen for one text, best first, with their scores (cosine similarity; 1.0 from an LLM)."""

    skills: tuple[str, ...] = ()
    scores: tuple[float, ...] = ()


@runtime_checkable
class Tagger(Protocol):
    """Anything that tags texts with catalogue skills: ``tag(texts, progress=None) -> [TagResult, ...]``.

    ``name`` says which tagger made the tags. Implementations: :class:`EmbeddingTagger`, :class:`LLMTagger`.
    """

    name: str

    def tag(self, texts: Sequence[str], *, progress: Progress | None = None) -> list[TagResult]:
        ...


def _check_catalog(catalog: Sequence[Skill]) -> tuple[Skill, ...]:
    catalog = tuple(catalog)
    if not catalog:
        raise InputError("the skill catalogue is empty", field="catalog")
    for s in catalog:
        if not isinstance(s, Skill):
            raise InputError(f"catalogue entries must be Skill objects, got {type(s).__name__}", field="catalog")
    return catalog


def _check_top_m(top_m: int) -> int:
    if not isinstance(top_m, (int, np.integer)) or isinstance(top_m, bool) or top_m < 1:
        raise InputError(f"top_m must be an integer >= 1, got {top_m!r}", field="top_m")
    return int(top_m)


def top_skills(similarities: np.ndarray, names: Sequence[str], *, top_m: int, threshold: float,
               margin: float | None = None) -> list[TagResult]:
    """For each row of an ``(n_texts, n_skills)`` similarity matrix: the ``top_m`` skills with similarity at
    least ``threshold``, best first (ties: catalogue order); with ``margin``, only those within ``margin`` of
    the row's best score (a runner-up far behind the best is dropped).

    One ``argpartition`` over the whole matrix finds each row's ``top_m`` candidates; only rows where a
    tie straddles the cut are settled one by one, so the result is exact.

    >>> top_skills(np.array([[0.1, 0.5, 0.3]]), ["a", "b", "c"], top_m=2, threshold=0.2)
    [TagResult(skills=('b', 'c'), scores=(0.5, 0.3))]
    >>> top_skills(np.array([[0.1, 0.5, 0.3]]), ["a", "b", "c"], top_m=2, threshold=0.2, margin=0.1)
    [TagResult(skills=('b',), scores=(0.5,))]
    """
    sims = np.asarray(similarities, float)
    if sims.ndim != 2 or sims.shape[1] != len(names):
        raise InputError(f"expected a matrix with one column per skill ({len(names)}), got shape {sims.shape}",
                         field="similarities")
    n_rows, n_cols = sims.shape
    m = min(int(top_m), n_cols)
    if n_rows == 0 or m == 0:
        return [TagResult() for _ in range(n_rows)]
    if m < n_cols:
        cand = np.argpartition(-sims, m - 1, axis=1)[:, :m]
    else:
        cand = np.broadcast_to(np.arange(n_cols), (n_rows, n_cols))
    vals = np.take_along_axis(sims, cand, axis=1)
    order = np.lexsort((cand, -vals), axis=-1)          # best first, ties by catalogue position
    cand = np.take_along_axis(cand, order, axis=1)
    vals = np.take_along_axis(vals, order, axis=1)
    if m < n_cols:                                       # a tie at the cut: take the earliest skills
        kth = vals[:, -1:]
        ambiguous = np.flatnonzero((sims >= kth).sum(axis=1) > m)
        for r in ambiguous:
            exact = np.argsort(-sims[r], kind="stable")[:m]
            cand[r], vals[r] = exact, sims[r, exact]
    out = []
    for idx, v in zip(cand.tolist(), vals.tolist()):
        floor = threshold if margin is None or not v else max(threshold, v[0] - margin)
        keep = [(i, x) for i, x in zip(idx, v) if x >= floor]
        out.append(TagResult(tuple(names[i] for i, _ in keep), tuple(round(x, 4) for _, x in keep)))
    return out


_SEGMENT_SPLIT = re.compile(r"(?<=[.!?;:])\s+|\n+")


def text_segments(text: str, *, max_segments: int = 16) -> list[str]:
    """The sentences and lines of ``text`` (split after ``.!?;:`` followed by space, and at line breaks),
    stripped, those shorter than 3 characters dropped, at most ``max_segments`` (the first ones); the whole
    stripped text when nothing is left.

    >>> text_segments("Write a poem about bees. Use alliteration!  Also: rhyme.")
    ['Write a poem about bees.', 'Use alliteration!', 'Also:', 'rhyme.']
    >>> text_segments("  one line  ")
    ['one line']
    """
    segs = [x.strip() for x in _SEGMENT_SPLIT.split(text)]
    segs = [x for x in segs if len(x) >= 3][: max(1, int(max_segments))]
    return segs or [text.strip() or text]


class EmbeddingTagger:
    """Tags texts with the ``top_m`` catalogue skills that score highest (score >= ``threshold``).

    Uses the offline MiniLM model of :mod:`steps_core.embed`; ``cache_dir`` keeps embeddings between runs.
    A skill is embedded as ``"name: definition"`` (:func:`~steps_core.embed.skill_texts`).

    Scoring, with ``segments`` (the default): a text is split into its sentences and lines
    (:func:`text_segments`), each is embedded, and a skill's score is the mean of (1) its cosine similarity
    with the whole text and (2) its best cosine similarity with any one segment. An instruction asks for
    several things in separate sentences ("write a scene about bees; use personification"), and the topic of
    one sentence no longer drowns the request of another. A text of one segment scores exactly as without
    segments: the cosine similarity with the whole text.
    Without ``segments`` the score is the cosine similarity between the whole text and the skill.

    ``margin`` keeps only skills within ``margin`` of the text's best score. Measured on the demo corpus and on
    the self-instruct seed tasks with the Skill-Mix catalogue (docs/data.md), segments with the threshold 0.25
    raise precision on both and keep recall; MiniLM scores related pairs about 0.25-0.6, unrelated ones below
    0.2.
    """

    name = "embedding"

    def __init__(self, catalog: Sequence[Skill], *, top_m: int = 3, threshold: float = 0.25, batch_size: int = 64,
                 cache_dir: str | Path | None = None, segments: bool = True, margin: float | None = None,
                 threads: int | None = None):
        self.catalog = _check_catalog(catalog)
        self.top_m = _check_top_m(top_m)
        if not -1.0 <= float(threshold) <= 1.0:
            raise InputError(f"threshold must be a cosine similarity in [-1, 1], got {threshold}", field="threshold")
        if margin is not None and not 0.0 <= float(margin) <= 2.0:
            raise InputError(f"margin must be in [0, 2], got {margin}", field="margin")
        self.threshold = float(threshold)
        self.margin = None if margin is None else float(margin)
        self.segments = bool(segments)
        self.batch_size = int(batch_size)
        self.threads = threads
        self.cache_dir = cache_dir
        self._skill_matrix: np.ndarray | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.catalog)

    def skill_matrix(self) -> np.ndarray:
        """The catalogue's embeddings, one row per skill (computed once)."""
        if self._skill_matrix is None:
            from .embed import embed_texts, skill_texts

            self._skill_matrix = embed_texts(skill_texts(self.catalog), batch_size=self.batch_size,
                                             cache_dir=self.cache_dir, threads=self.threads)
        return self._skill_matrix

    def similarities(self, texts: Sequence[str], *, progress: Progress | None = None) -> np.ndarray:
        """The score of every text for every catalogue skill, ``(len(texts), len(catalog))`` (see the class)."""
        from .embed import embed_texts

        skills = self.skill_matrix()
        if not self.segments:
            vecs = embed_texts(list(texts), batch_size=self.batch_size, cache_dir=self.cache_dir,
                               progress=progress, threads=self.threads)
            return vecs @ skills.T
        parts = [text_segments(t) for t in texts]
        multi = [i for i, p in enumerate(parts) if len(p) > 1]
        extra = [x for i in multi for x in parts[i]]           # the segments of texts with more than one
        vecs = embed_texts(list(texts) + extra, batch_size=self.batch_size, cache_dir=self.cache_dir,
                           progress=progress, threads=self.threads)
        out = vecs[: len(texts)] @ skills.T                    # the whole text
        if multi:
            owner = np.repeat(np.arange(len(multi)), [len(parts[i]) for i in multi])
            best = np.full((len(multi), skills.shape[0]), -np.inf, np.float32)
            np.maximum.at(best, owner, vecs[len(texts):] @ skills.T)
            out[multi] = (out[multi] + best) / 2
        return out

    def tag(self, texts: Sequence[str], *, progress: Progress | None = None) -> list[TagResult]:
        if not texts:
            return []
        return top_skills(self.similarities(texts, progress=progress), self.names, top_m=self.top_m,
                          threshold=self.threshold, margin=self.margin)


LLM_PROMPT = """You tag instructions with the skills needed to answer them, choosing only from a fixed list.

Skills (name: definition):
{skills}

Instruction:
<<<
{text}
>>>

Choose at most {top_m} skills from the list that answering this instruction needs most, most important first.
Return only a JSON object: {{"skills": ["skill name", ...]}} with the names exactly as listed, or an empty list
if none applies."""


def parse_llm_skills(answer: str, names: Sequence[str], *, strict: bool = False) -> tuple[str, ...]:
    """The catalogue names in an LLM answer holding ``{"skills": [...]}`` (or a bare list of names), in order.

    The value is found by :func:`steps_core.synth.iter_json_values` (code fences, text around it, other
    braces after it). Names are matched after :func:`normalize_tag`; names not in the catalogue are dropped.
    An answer holding no such value gives ``()``, or with ``strict`` raises
    :class:`~steps_core.synth.ParseError` (so that a caller can count it as a failure).

    >>> parse_llm_skills('Sure: {"skills": ["Metaphor", "made up", "red herring"]}', ["red herring", "metaphor"])
    ('metaphor', 'red herring')
    >>> parse_llm_skills('{"skills": ["metaphor"]} I left out {irony}.', ["metaphor", "irony"])
    ('metaphor',)
    """
    from .synth import ParseError, iter_json_values

    lookup = {normalize_tag(n): n for n in names}
    found: list[str] | None = None
    for obj in iter_json_values(answer or ""):
        items = obj.get("skills") if isinstance(obj, dict) else obj
        if isinstance(items, list) and all(isinstance(x, str) for x in items):
            found = items
            break
    if found is None:
        if strict:
            raise ParseError('no {"skills": [...]} in the answer')
        return ()
    return tuple(dict.fromkeys(lookup[k] for k in map(normalize_tag, found) if k in lookup))


class LLMTagger:
    """Tags texts by asking an OpenAI-compatible model to choose among catalogue skills.

    ``client`` is a :class:`steps_core.llm.LLMClient`; ``model`` the model name. When the catalogue has more
    than ``shortlist`` skills, each text is shown only its ``shortlist`` best skills as the
    :class:`EmbeddingTagger` scores them (offline), best first, so prompts stay small: the LLM re-ranks a short
    list and its choice, in its order, is the result. Requests run on ``workers`` threads and go through the
    client's cache.
    An endpoint that refuses every request (bad key, unknown model) raises; other failed requests, and
    answers without a ``{"skills": [...]}`` value, leave that text untagged and are counted in ``failures``.
    """

    name = "llm"

    def __init__(self, catalog: Sequence[Skill], client: Any, *, model: str, top_m: int = 3, shortlist: int = 30,
                 workers: int = 4, temperature: float = 0.0, max_tokens: int = 200, max_chars: int = 4000,
                 cache_dir: str | Path | None = None, segments: bool = True, threads: int | None = None):
        self.catalog = _check_catalog(catalog)
        self.client = client
        if not model:
            raise InputError("LLM tagging needs a model name", field="model")
        self.model = model
        self.top_m = _check_top_m(top_m)
        self.shortlist = int(shortlist)
        self.workers = int(workers)
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.max_chars = max_chars
        self.failures = 0
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self._embedder = EmbeddingTagger(self.catalog, top_m=max(1, min(self.shortlist, len(self.catalog))),
                                         threshold=-1.0, cache_dir=cache_dir, segments=segments,
                                         threads=threads)

    def prompt(self, text: str, candidates: Sequence[Skill]) -> str:
        lines = "\n".join(f"- {s.name}: {s.definition}" if s.definition else f"- {s.name}" for s in candidates)
        from .synth import fence_text

        return LLM_PROMPT.format(skills=lines, text=fence_text(text[: self.max_chars]), top_m=self.top_m)

    def tag(self, texts: Sequence[str], *, progress: Progress | None = None) -> list[TagResult]:
        from .llm import ChatRequest, run_concurrently
        from .synth import ParseError

        if not texts:
            return []
        by_name = {s.name: s for s in self.catalog}
        if 0 < self.shortlist < len(self.catalog):
            short = [[by_name[n] for n in r.skills] for r in self._embedder.tag(texts)]
        else:
            short = [list(self.catalog)] * len(texts)

        def one(i: int) -> tuple[int, TagResult]:
            req = ChatRequest(messages=({"role": "user", "content": self.prompt(texts[i], short[i])},),
                              model=self.model, temperature=self.temperature, max_tokens=self.max_tokens)
            res = self.client.complete(req)
            error = res.error
            if res.ok:
                try:
                    names = parse_llm_skills(res.text, [s.name for s in short[i]], strict=True)[: self.top_m]
                except ParseError as exc:
                    error = f"unparseable answer: {exc}"
                    forget = getattr(self.client, "forget", None)
                    if forget is not None:       # a rerun asks again instead of reading it from the cache
                        forget(res)
                else:
                    return i, TagResult(names, tuple(1.0 for _ in names))
            elif res.fatal:
                raise StepsError(f"LLM tagging failed: {res.error}")
            with self._lock:
                self.failures += 1
                if len(self.errors) < 10:
                    self.errors.append(str(error))
            return i, TagResult()

        out: list[TagResult] = [TagResult()] * len(texts)
        for i, result in run_concurrently(one, range(len(texts)), workers=self.workers, progress=progress,
                                          total=len(texts)):
            out[i] = result
        return out


def tag_precision_recall(predicted: Iterable[Sequence[str]], gold: Iterable[Sequence[str]]) -> dict[str, float]:
    """Micro-averaged precision, recall and F1 of predicted tags against gold tags, record by record
    (``precision`` is 0 when nothing was predicted), with ``n_predicted`` and ``n_gold``.

    >>> tag_precision_recall([["a", "b"], []], [["a"], ["c"]])
    {'precision': 0.5, 'recall': 0.5, 'f1': 0.5, 'n_predicted': 2, 'n_gold': 2}
    """
    tp = n_pred = n_gold = 0
    for p, g in zip(predicted, gold, strict=True):
        p, g = set(p), set(g)
        tp += len(p & g)
        n_pred += len(p)
        n_gold += len(g)
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "n_predicted": n_pred, "n_gold": n_gold}


# --------------------------------------------------------------------------------------------- tag corpus
@dataclass
class TagSummary:
    """Counts of one :func:`tag_records` run."""

    n_records: int = 0
    n_kept: int = 0           # records whose own skills (those in the catalogue) were kept
    n_tagged: int = 0         # records given skills by the tagger
    n_without: int = 0        # records left without any skill (nothing at or above the threshold)
    n_tags_dropped: int = 0   # input tags that are not catalogue skills
    n_skipped: int = 0        # records without text (with skip_bad)
    errors: list[str] = field(default_factory=list)


def _split_source(source: str) -> tuple[str | None, int | None]:
    path, _, line = source.rpartition(":")
    return (path, int(line)) if path and line.isdigit() else (source or None, None)


def tag_records(records: Iterable[Record], tagger: Tagger, *, catalog: Sequence[Skill] | None = None,
                retag: bool = False, batch_size: int = 1024, skip_bad: bool = False,
                summary: TagSummary | None = None, progress: Progress | None = None) -> Iterator[dict]:
    """Tag a stream of records; yields each record's fields (``raw``) with ``skills`` and ``skill_scores`` set.

    ``skills`` holds catalogue names only. A record's own skills that name catalogue skills (compared after
    :func:`normalize_tag`) are kept (their ``skill_scores`` are ``None``) unless ``retag``; a record with none
    is tagged by ``tagger`` (scores from the tagger; an empty list when no skill reaches the threshold: the
    corpus readers, hence ``steps graph``, skip such untagged records and count them).
    Records are handled in batches of ``batch_size`` and come out in input order. A record that must be
    tagged but has no text raises :class:`InputError` (or, with ``skip_bad``, is left out and counted).
    ``progress(records_done, None)`` is called per batch.
    """
    catalog = _check_catalog(catalog if catalog is not None else getattr(tagger, "catalog", ()))
    lookup = {normalize_tag(s.name): s.name for s in catalog}
    summary = summary if summary is not None else TagSummary()
    done = 0

    def flush(batch: list[tuple[Record, tuple[str, ...]]]) -> Iterator[dict]:
        need = [i for i, (_, kept) in enumerate(batch) if not kept]
        results = dict(zip(need, tagger.tag([batch[i][0].text for i in need]))) if need else {}
        for i, (rec, kept) in enumerate(batch):
            out = dict(rec.raw)
            if i in results:
                res = results[i]
                out["skills"], out["skill_scores"] = list(res.skills), list(res.scores)
                if res.skills:
                    summary.n_tagged += 1
                else:
                    summary.n_without += 1
            else:
                out["skills"], out["skill_scores"] = list(kept), [None] * len(kept)
                summary.n_kept += 1
            summary.n_records += 1
            yield out

    batch: list[tuple[Record, tuple[str, ...]]] = []
    for rec in records:
        kept: tuple[str, ...] = ()
        if not retag:
            folded = [normalize_tag(s) for s in rec.skills]
            kept = tuple(dict.fromkeys(lookup[k] for k in folded if k in lookup))
            summary.n_tags_dropped += sum(1 for k in folded if k not in lookup)
        if not kept and not rec.text.strip():
            path, line = _split_source(rec.source)
            exc = InputError("no text to tag (expected messages, conversations, instruction, prompt or text)",
                             path=path, line=line)
            if not skip_bad:
                raise exc
            summary.n_skipped += 1
            if len(summary.errors) < 10:
                summary.errors.append(str(exc))
            continue
        batch.append((rec, kept))
        if len(batch) >= batch_size:
            yield from flush(batch)
            done += len(batch)
            batch = []
            if progress is not None:
                progress(done, None)
    if batch:
        yield from flush(batch)
        done += len(batch)
    if progress is not None:
        progress(done, None)


# --------------------------------------------------------------------------------------------- normalising
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
