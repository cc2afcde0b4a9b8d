"""Tagging records with catalogue skills.

A :class:`Tagger` maps texts to ranked catalogue skills. :class:`EmbeddingTagger` (offline) scores
each skill by the cosine similarity between the record's text and the skill's text (name + definition,
:func:`~steps_core.embed.skill_texts`) and keeps the ``top_m`` best at or above ``threshold``.
:class:`LLMTagger` asks an OpenAI-compatible endpoint (:mod:`steps_core.llm`) to choose among a shortlist of
catalogue skills. :func:`tag_records` runs a tagger over a corpus stream and keeps the records' other fields.
Normalising free-form tags is in :mod:`steps_core.tag_mapping`. See docs/data.md.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Protocol, Sequence, runtime_checkable

import numpy as np

from .corpus import Record, Skill
from .errors import InputError, StepsError
from .tag_mapping import normalize_tag

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

    ``backend`` (:data:`steps_core.embed.BACKENDS`; default ``$STEPS_EMBED_BACKEND``, else ``torch``) runs the
    model: ``onnx`` gives torch's vectors, ``onnx-int8`` is faster and changes the top-1 skill of some texts.
    """

    name = "embedding"

    def __init__(self, catalog: Sequence[Skill], *, top_m: int = 3, threshold: float = 0.25, batch_size: int = 64,
                 cache_dir: str | Path | None = None, segments: bool = True, margin: float | None = None,
                 threads: int | None = None, backend: str | None = None):
        from .embed import check_backend

        self.catalog = _check_catalog(catalog)
        self.top_m = _check_top_m(top_m)
        self.backend = check_backend(backend)
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
                                             cache_dir=self.cache_dir, threads=self.threads, backend=self.backend)
        return self._skill_matrix

    def similarities(self, texts: Sequence[str], *, progress: Progress | None = None) -> np.ndarray:
        """The score of every text for every catalogue skill, ``(len(texts), len(catalog))`` (see the class)."""
        from .embed import embed_texts

        skills = self.skill_matrix()
        if not self.segments:
            vecs = embed_texts(list(texts), batch_size=self.batch_size, cache_dir=self.cache_dir,
                               progress=progress, threads=self.threads, backend=self.backend)
            return vecs @ skills.T
        parts = [text_segments(t) for t in texts]
        multi = [i for i, p in enumerate(parts) if len(p) > 1]
        extra = [x for i in multi for x in parts[i]]           # the segments of texts with more than one
        vecs = embed_texts(list(texts) + extra, batch_size=self.batch_size, cache_dir=self.cache_dir,
                           progress=progress, threads=self.threads, backend=self.backend)
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
                 cache_dir: str | Path | None = None, segments: bool = True, threads: int | None = None,
                 backend: str | None = None):
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
                                         threads=threads, backend=backend)

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
