"""Compare ways of choosing skill combinations, before a token is spent (docs/core.md, "Comparing samplers").

Samplers (each returns combinations as tuples of skill names, the first skill being the start) are listed in
:data:`SAMPLERS` with a one-line description. The STEPS samplers return the first ``n`` combinations of the list
:func:`~steps_core.select.select_combinations` chooses; ``gain-only`` is the plain ranking by gain that came before
the list-level objective, kept to show what that objective changes.

Measures per sampler and k (:class:`SamplerStats`): mean conditional-entropy gain H(rest | first skill); novelty
rate (share of combinations no record is tagged with); connected share (skills connected through attested pairs,
:mod:`steps_core.evidence`); mean coherence (mean pairwise cosine of the skills' embeddings); the largest share of
combinations holding any one skill; distinct skills over slots; distinct communities covered; the Gini
coefficient of skill usage (0 = every skill used equally often).
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .errors import InputError
from .evidence import pair_evidence
from .names import SAMPLERS
from .novelty import SupportIndex
from .select import MAX_K, MIN_K, PLAIN, coherence as mean_cosine, conditional_entropy, select_combinations
from .tree import EncodingTree

Progress = Callable[[int, "int | None"], None]



def gini(counts: Sequence[float]) -> float:
    """Gini coefficient of non-negative counts (0 for all equal, (n-1)/n for one non-zero).

    >>> gini([1, 1, 1, 1]), gini([0, 0, 0, 4])
    (0.0, 0.75)
    """
    x = np.sort(np.asarray(counts, float))
    n = x.size
    if n == 0 or x.sum() == 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float((2 * (ranks * x).sum()) / (n * x.sum()) - (n + 1) / n)


def _distinct(draw: Callable[[], tuple[int, ...] | None], n: int) -> list[tuple[int, ...]]:
    out: list[tuple[int, ...]] = []
    seen: set[frozenset] = set()
    for _ in range(50 * n + 100):
        if len(out) >= n:
            break
        combo = draw()
        if combo is None:
            continue
        key = frozenset(combo)
        if key not in seen:
            seen.add(key)
            out.append(combo)
    return out


def sample_combinations(sampler: str, tree: EncodingTree, k: int, n: int, *, seed: int = 0, beam: int = 20,
                        index: SupportIndex | None = None) -> list[tuple[str, ...]]:
    """Up to ``n`` distinct combinations of ``k`` skills from one sampler (fewer if the graph is too small).

    ``index`` (the corpus's support index) makes the STEPS samplers' novelty test exact.
    """
    if sampler not in SAMPLERS:
        raise InputError(f"unknown sampler {sampler!r}; choose from {', '.join(SAMPLERS)}")
    names = tree.skills
    n_skills = len(names)
    if k > n_skills:
        return []
    rng = np.random.default_rng(seed)
    if sampler.startswith("steps") or sampler == "gain-only":
        settings = dict(PLAIN) if sampler == "gain-only" else {}
        per_start = max(1, math.ceil(n / max(n_skills, 1)))
        combos = select_combinations(tree, k=k, beam=max(beam, per_start), per_start=per_start, top=n,
                                     scope="global" if sampler == "steps-global" else "local", index=index,
                                     **settings)
        return [c.skills for c in combos]
    adj = tree.graph.adjacency
    if sampler == "uniform":
        picks = _distinct(lambda: tuple(int(i) for i in rng.choice(n_skills, k, replace=False)), n)
    elif sampler == "pair-extend":
        src, dst, _ = tree.graph.edges()
        if src.size == 0:
            return []

        def draw():
            e = rng.integers(src.size)
            chosen = [int(src[e]), int(dst[e])]
            if rng.random() < 0.5:
                chosen.reverse()
            rest = [i for i in rng.permutation(n_skills)[: k + 2].tolist() if i not in chosen][: k - 2]
            return tuple(chosen + rest) if len(chosen + rest) == k else None

        picks = _distinct(draw, n)
    else:
        deg = tree.graph.degree
        if deg.sum() == 0:
            return []
        p_start = deg / deg.sum()
        indptr, indices, data = adj.indptr, adj.indices, adj.data

        def draw():
            cur = int(rng.choice(n_skills, p=p_start))
            chosen = [cur]
            for _ in range(20 * k):
                if len(chosen) == k:
                    break
                nb = indices[indptr[cur]:indptr[cur + 1]]
                w = data[indptr[cur]:indptr[cur + 1]]
                fresh = ~np.isin(nb, chosen)
                if not fresh.any():
                    cur = int(rng.choice(chosen))           # stuck: continue from another collected skill
                    continue
                w = w[fresh]
                cur = int(nb[fresh][rng.choice(w.size, p=w / w.sum())])
                chosen.append(cur)
            return tuple(chosen) if len(chosen) == k else None

        picks = _distinct(draw, n)
    return [tuple(names[i] for i in c) for c in picks]


@dataclass(frozen=True)
class SamplerStats:
    """One row of the comparison table."""

    k: int
    sampler: str
    n: int
    mean_gain: float
    novelty_rate: float
    connected_share: float
    mean_coherence: float | None
    max_skill_share: float
    distinct_share: float
    communities: int
    gini: float


#: What each measure means, for tables and charts: name -> (title, unit, meaning).
MEASURES = {
    "mean_gain": ("Mean gain", "bits", "new structure a combination adds to its first skill, H(rest | first); "
                                       "higher = rarer, more informative combinations"),
    "novelty_rate": ("Novel", "", "share of combinations that no record of the corpus is tagged with"),
    "connected_share": ("Attested", "", "share of combinations whose skills are connected through pairs the "
                                        "corpus attests (seen together more often than chance)"),
    "mean_coherence": ("Coherence", "cosine", "mean pairwise similarity of the skills' meanings (MiniLM)"),
    "max_skill_share": ("Top skill share", "", "the largest share of combinations holding one same skill; "
                                               "lower = less repetitive"),
    "distinct_share": ("Distinct skills", "", "distinct skills over skill slots; higher = more varied"),
    "communities": ("Communities", "", "distinct communities of the tree the combinations touch"),
    "gini": ("Gini of skill use", "", "0 = every skill used equally often, 1 = one skill only"),
}


def sampler_stats(sampler: str, k: int, combos: Sequence[Sequence[str]], tree: EncodingTree,
                  index: SupportIndex, embeddings: np.ndarray | None = None, evidence=None) -> SamplerStats:
    """The measures of one sampler's combinations (``embeddings``: one row per skill of the tree; ``evidence``:
    the tree graph's :func:`~steps_core.evidence.pair_evidence`, built when not given)."""
    pos = tree.graph.index
    ev = evidence if evidence is not None else pair_evidence(tree.graph)
    gains, novel, connected, coh = [], 0, 0, []
    covered: set[int] = set()
    usage = np.zeros(tree.n_skills)
    for c in combos:
        idx = [pos[s] for s in c]
        for i in idx:
            covered.update(v for v in tree.path(i) if v >= tree.n_skills)
            usage[i] += 1
        gains.append(conditional_entropy(tree, c[1:], c[:1]))
        novel += index.support(c) == 0
        connected += ev.is_connected(idx)
        if embeddings is not None:
            coh.append(mean_cosine(embeddings, idx))
    m = len(combos)
    slots = sum(len(c) for c in combos)
    top = max(Counter(s for c in combos for s in set(c)).values(), default=0)
    return SamplerStats(k, sampler, m, float(np.mean(gains)) if m else 0.0, novel / m if m else 0.0,
                        connected / m if m else 0.0, float(np.mean(coh)) if coh else None,
                        top / m if m else 0.0, int((usage > 0).sum()) / slots if slots else 0.0, len(covered),
                        gini(usage))


def compare_samplers(tree: EncodingTree, index: SupportIndex, *, ks: Sequence[int] = (3, 4, 5), n: int = 500,
                     samplers: Sequence[str] = tuple(SAMPLERS), seed: int = 0, beam: int = 20,
                     embeddings: np.ndarray | None = None, progress: Progress | None = None) -> list[SamplerStats]:
    """The comparison table: every sampler draws ``n`` combinations for every k. Seeded, reproducible."""
    if n < 1:
        raise InputError(f"n must be >= 1, got {n}")
    for k in ks:
        if not MIN_K <= k <= MAX_K:
            raise InputError(f"k must be from {MIN_K} to {MAX_K}, got {k}")
    rows = []
    total = len(ks) * len(samplers)
    evidence = pair_evidence(tree.graph)
    for i, k in enumerate(ks):
        for j, sampler in enumerate(samplers):
            combos = sample_combinations(sampler, tree, k, n, seed=seed + 1000 * k + j, beam=beam, index=index)
            rows.append(sampler_stats(sampler, k, combos, tree, index, embeddings, evidence))
            if progress is not None:
                progress(i * len(samplers) + j + 1, total)
    return rows


def write_compare_csv(rows: Sequence[SamplerStats], path: str | Path, *, inputs: Sequence[str | Path] = ()) -> Path:
    """Write the comparison table as CSV atomically, never over one of ``inputs``."""
    from .io import guarded_output

    path = Path(path)
    with guarded_output(path, newline="", inputs=inputs) as fh:
        out = csv.DictWriter(fh, fieldnames=[f.name for f in fields(SamplerStats)])
        out.writeheader()
        for r in rows:
            out.writerow(asdict(r))
    return path


def format_compare_table(rows: Sequence[SamplerStats]) -> str:
    """A plain-text table, one block per k."""
    head = (f"{'k':>2}  {'sampler':<13}{'n':>5}{'gain':>8}{'novel':>8}{'attested':>10}{'coherence':>11}"
            f"{'top skill':>11}{'distinct':>10}{'communities':>13}{'gini':>7}")
    lines = [head, "-" * len(head)]
    for r in rows:
        coh = f"{r.mean_coherence:11.3f}" if r.mean_coherence is not None else f"{'-':>11}"
        lines.append(f"{r.k:>2}  {r.sampler:<13}{r.n:>5}{r.mean_gain:8.4f}{r.novelty_rate:8.1%}"
                     f"{r.connected_share:10.1%}{coh}{r.max_skill_share:11.1%}{r.distinct_share:10.1%}"
                     f"{r.communities:>13}{r.gini:7.3f}")
    return "\n".join(lines)
