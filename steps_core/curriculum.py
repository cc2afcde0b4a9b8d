"""The curriculum of an export: samples ordered from fewer to more skills, epoch by epoch (docs/method.md §8,
docs/synthesis.md "Curriculum").

A :class:`Curriculum` gives, per epoch, a weight per number of skills k, and a schedule
(:data:`SCHEDULES`):

- ``reference`` (the default, as the STEPS reference code runs it): every epoch holds exactly
  ``epoch_size`` rows (6,000 by default) at that epoch's shares of each k (largest-remainder rounding of
  ``epoch_size x weight``). Each k's samples are shuffled once (seeded) and read in that order cyclically
  across the epochs: a sample is used again only after every sample of its k has been used, so where a
  k has fewer samples than its shares need, its samples are reused, each as often as any other of its k
  (use counts differ by at most one). Each epoch is then shuffled (seeded). The file is the epochs one
  after the other: **the trainer must read it in order, without shuffling**, or the curriculum is lost.
- ``partition`` (no reuse): the N samples are split once over the E epochs, ``ceil(N / E)`` per epoch, by
  the same weights, drawing without replacement while each k lasts; every sample appears exactly once.
  With skewed pools the shares drift (a k that runs out leaves its share to the others), so the last
  epoch may be easier than the second.

In both, a k that no epoch weights (k = 8 with the default weights for k = 2..7) goes once into the last
epoch, and a weighted k without any sample leaves its share to the others; :func:`curriculum_notes` says so.

>>> pool = [{"id": f"a{i}", "k": 2} for i in range(3)] + [{"id": "b", "k": 3}]
>>> order = curriculum_order(pool, Curriculum((((2, 0.5), (3, 0.5)),), epoch_size=4))
>>> [s["k"] for _, s in order].count(3), sorted(s["id"] for _, s in order)[-2:]   # b fills k=3's share twice
(2, ['b', 'b'])
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any, Mapping, Sequence

from .errors import InputError
from .io import read_json_file
from .names import EPOCH_SIZE

#: How a curriculum fills its epochs.
SCHEDULES = {
    "reference": "every epoch holds epoch_size rows at exactly its k-shares, reusing samples where a k is short",
    "partition": "the samples are split once over the epochs, each exactly once",
}


@dataclass(frozen=True, slots=True)
class Curriculum:
    """Per epoch, a weight per number of skills k (``epochs[e] = ((k, weight), ...)``), the ``schedule``
    (:data:`SCHEDULES`) and, for the reference schedule, the rows per epoch ``epoch_size``.

    A k without a weight in an epoch (or weight 0) is not drawn in it; samples of a k no epoch weights
    are appended to the last epoch.
    """

    epochs: tuple[tuple[tuple[int, float], ...], ...]
    schedule: str = "reference"
    epoch_size: int = EPOCH_SIZE

    def __post_init__(self) -> None:
        if not self.epochs:
            raise InputError("a curriculum needs at least one epoch", field="curriculum")
        for e, weights in enumerate(self.epochs, start=1):
            for k, w in weights:
                if not isinstance(k, int) or k < 1:
                    raise InputError(f"epoch {e}: k must be a positive integer, got {k!r}", field="curriculum")
                if not isinstance(w, (int, float)) or isinstance(w, bool) or w < 0 or not math.isfinite(w):
                    raise InputError(f"epoch {e}: weight of k={k} must be a number >= 0", field="curriculum")
            if not any(w > 0 for _, w in weights):
                raise InputError(f"epoch {e}: all weights are 0", field="curriculum")
        if self.schedule not in SCHEDULES:
            raise InputError(f"unknown schedule {self.schedule!r}; expected one of {', '.join(SCHEDULES)}",
                             field="schedule")
        if isinstance(self.epoch_size, bool) or not isinstance(self.epoch_size, int) or self.epoch_size < 1:
            raise InputError(f"epoch size must be an integer >= 1, got {self.epoch_size!r}", field="epoch_size")

    @property
    def reuses(self) -> bool:
        """Whether samples may appear more than once (the reference schedule)."""
        return self.schedule == "reference"

    def with_epoch_size(self, epoch_size: int | None) -> Curriculum:
        """The same curriculum with another epoch size (None: unchanged)."""
        return self if epoch_size is None else replace(self, epoch_size=epoch_size)

    def to_dict(self) -> dict:
        return {"epochs": [{str(k): w for k, w in weights} for weights in self.epochs], "schedule": self.schedule,
                "epoch_size": self.epoch_size if self.reuses else None}


#: The reference weights for k = 2..7 over three epochs (the STEPS reference code).
REFERENCE_WEIGHTS = (
    ((2, 0.60), (3, 0.20), (4, 0.10), (5, 0.05), (6, 0.03), (7, 0.02)),
    ((2, 0.35), (3, 0.25), (4, 0.15), (5, 0.10), (6, 0.08), (7, 0.07)),
    ((2, 0.20), (3, 0.20), (4, 0.20), (5, 0.15), (6, 0.13), (7, 0.12)),
)
#: The default: the reference weights on the reference schedule, 6,000 rows per epoch.
DEFAULT_CURRICULUM = Curriculum(REFERENCE_WEIGHTS)
#: The no-reuse variant: the reference weights, every sample exactly once.
PARTITION_CURRICULUM = Curriculum(REFERENCE_WEIGHTS, schedule="partition")


def curriculum_from_dict(obj: Any, *, path: str | None = None) -> Curriculum:
    """Build a curriculum from ``{"epochs": [{"2": 0.6, "3": 0.4}, ...], "schedule": "reference"|"partition",
    "epoch_size": 6000}`` (schedule and epoch size optional) or just the list of epochs."""
    epochs = obj.get("epochs") if isinstance(obj, Mapping) else obj
    if not isinstance(epochs, list) or not all(isinstance(e, Mapping) for e in epochs):
        raise InputError('expected {"epochs": [{"<k>": <weight>, ...}, ...]}', path=path, field="epochs")
    out = []
    for e, weights in enumerate(epochs, start=1):
        pairs = []
        for k, w in weights.items():
            try:
                kk = int(k)
            except (TypeError, ValueError):
                raise InputError(f"epoch {e}: k must be an integer, got {k!r}", path=path, field="epochs") from None
            pairs.append((kk, w))
        out.append(tuple(sorted(pairs)))
    extra = obj if isinstance(obj, Mapping) else {}
    unknown = sorted(set(extra) - {"epochs", "schedule", "epoch_size"})
    if unknown:
        raise InputError(f"unknown key(s) {', '.join(map(repr, unknown))}; expected epochs, schedule, epoch_size",
                         path=path, field=unknown[0])
    schedule = extra.get("schedule", "reference")
    size = extra.get("epoch_size")
    try:
        return Curriculum(tuple(out), schedule=schedule, epoch_size=EPOCH_SIZE if size is None else size)
    except InputError as exc:
        raise InputError(exc.message, path=path, field=exc.field or "epochs") from None


def read_curriculum(path: str | Path) -> Curriculum:
    """Read a curriculum from a JSON file (see :func:`curriculum_from_dict`)."""
    return curriculum_from_dict(read_json_file(path), path=str(path))


def curriculum_choice(value: str, *, epoch_size: int | None = None) -> Curriculum | None:
    """A curriculum named by a front end (:data:`~steps_core.names.CURRICULA`): ``"default"``
    (:data:`DEFAULT_CURRICULUM`), ``"partition"`` (:data:`PARTITION_CURRICULUM`), ``"none"`` (keep the
    samples' order: None), or the path of a JSON file (:func:`read_curriculum`); ``epoch_size`` replaces
    the epoch size when given."""
    if value == "none":
        return None
    if value == "default":
        cur = DEFAULT_CURRICULUM
    elif value == "partition":
        cur = PARTITION_CURRICULUM
    else:
        cur = read_curriculum(value)
    return cur.with_epoch_size(epoch_size)


def apportion(total: int, weights: Mapping[int, float], capacity: Mapping[int, int]) -> dict[int, int]:
    """Split ``total`` draws over the keys in proportion to ``weights``, never more than ``capacity``.

    Largest remainder rounding (ties to the smaller key) on exact decimal weights; when a key's capacity
    runs out, what it could not take is split again over the others by their weights. Keys with weight 0
    get nothing. The result sums to ``total`` unless the weighted capacity runs out first.

    >>> apportion(10, {2: 0.6, 3: 0.4}, {2: 100, 3: 100})
    {2: 6, 3: 4}
    >>> apportion(10, {2: 0.6, 3: 0.4}, {2: 3, 3: 100})
    {2: 3, 3: 7}
    """
    w = {k: Fraction(str(v)) for k, v in weights.items()}
    take = {k: 0 for k in sorted(w)}
    active = [k for k in sorted(w) if w[k] > 0 and capacity.get(k, 0) > 0]
    remaining = total
    while remaining > 0 and active:
        wsum = sum(w[k] for k in active)
        shares = {k: remaining * w[k] / wsum for k in active}
        alloc = {k: math.floor(shares[k]) for k in active}
        extra = remaining - sum(alloc.values())
        for k in sorted(active, key=lambda k: (-(shares[k] - alloc[k]), k))[:extra]:
            alloc[k] += 1
        moved = 0
        for k in active:
            a = min(alloc[k], capacity[k] - take[k])
            take[k] += a
            moved += a
        remaining -= moved
        active = [k for k in active if take[k] < capacity[k]]
        if moved == 0:
            break
    return take


def _k(sample: Mapping) -> int:
    return int(sample.get("k") or len(sample.get("skills") or []))


def _pools(samples: Sequence[Mapping], seed: int) -> dict[int, list[dict]]:
    """Samples by k, each pool shuffled once (seeded)."""
    pools: dict[int, list[dict]] = defaultdict(list)
    for s in samples:
        pools[_k(s)].append(dict(s))
    for k in sorted(pools):
        random.Random(f"curriculum|{seed}|pool|{k}").shuffle(pools[k])
    return dict(pools)


def _weighted(curriculum: Curriculum) -> set[int]:
    return {k for weights in curriculum.epochs for k, w in weights if w > 0}


def _close_epoch(e: int, chosen: list[dict], seed: int, out: list[tuple[int, dict]]) -> None:
    random.Random(f"curriculum|{seed}|epoch|{e}").shuffle(chosen)
    out.extend((e, s) for s in chosen)


def _reference_order(pools: dict[int, list[dict]], curriculum: Curriculum, seed: int) -> list[tuple[int, dict]]:
    size = curriculum.epoch_size
    cursor = {k: 0 for k in pools}
    n_epochs = len(curriculum.epochs)
    out: list[tuple[int, dict]] = []
    for e, weights in enumerate(curriculum.epochs, start=1):
        take = apportion(size, dict(weights), {k: size if pools.get(k) else 0 for k, _ in weights})
        chosen: list[dict] = []
        for k, count in take.items():
            pool = pools.get(k) or []
            chosen.extend(pool[(cursor[k] + i) % len(pool)] for i in range(count))
            if count:
                cursor[k] = (cursor[k] + count) % len(pool)
        if e == n_epochs:
            for k in sorted(set(pools) - _weighted(curriculum)):
                chosen.extend(pools[k])
        _close_epoch(e, chosen, seed, out)
    return out


def _partition_order(pools: dict[int, list[dict]], curriculum: Curriculum, seed: int) -> list[tuple[int, dict]]:
    n = sum(len(p) for p in pools.values())
    n_epochs = len(curriculum.epochs)
    size = math.ceil(n / n_epochs) if n else 0
    out: list[tuple[int, dict]] = []
    left = n
    for e, weights in enumerate(curriculum.epochs, start=1):
        take = apportion(min(size, left), dict(weights), {k: len(p) for k, p in pools.items()})
        chosen = []
        for k, count in take.items():
            if count:
                chosen.extend(pools[k][:count])
                del pools[k][:count]
        if e == n_epochs:
            for k in sorted(pools):
                chosen.extend(pools[k])
                pools[k] = []
        _close_epoch(e, chosen, seed, out)
        left -= len(chosen)
    return out


def curriculum_order(samples: Sequence[Mapping], curriculum: Curriculum, *, seed: int = 0) -> list[tuple[int, dict]]:
    """Order samples from fewer to more skills: ``[(epoch, sample), ...]`` with epochs numbered from 1, in
    the order a trainer must read them (see the module docstring for both schedules). Seeded: the same
    samples and seed give the same order, whatever the order of the input."""
    pools = _pools(sorted(samples, key=lambda s: str(s.get("id"))), seed)
    if curriculum.reuses:
        return _reference_order(pools, curriculum, seed)
    return _partition_order(pools, curriculum, seed)


def curriculum_notes(curriculum: Curriculum, rows: Sequence[tuple[int | None, Mapping]]) -> list[str]:
    """Plain sentences for the manifest: how to train on the file, samples the weights do not place,
    weighted k without samples, and how often the reference schedule reuses each k's samples."""
    per_k = Counter(_k(s) for _, s in rows)
    unique = defaultdict(set)
    for _, s in rows:
        unique[_k(s)].add(s.get("id"))
    weighted = _weighted(curriculum)
    last = len(curriculum.epochs)
    notes = ["train on the rows in file order without shuffling: the epochs are consecutive blocks, from "
             "fewer to more skills (e.g. a PyTorch DataLoader with shuffle=False, a DistributedSampler with "
             "shuffle=False, or Hugging Face Trainer with a sequential sampler)"]
    notes += [f"k={k} has no weight in any epoch of the curriculum: its {len(unique[k])} sample(s) are in the "
              f"last epoch ({last})" for k in sorted(per_k) if k not in weighted]
    missing = sorted(weighted - set(per_k))
    if missing:
        notes.append("no sample has k=" + ", k=".join(map(str, missing)) + ": the shares of the curriculum's "
                     "weights for them went to the other k")
    if curriculum.reuses:
        for k in sorted(per_k):
            used, n = per_k[k], len(unique[k])
            if k in weighted and used > n:
                low, high = used // n, -(-used // n)
                times = (f"{low} time" + ("s" if low != 1 else "")) if low == high else f"{low} or {high} times"
                notes.append(f"k={k}: {n} sample(s) fill {used} row(s): each is used {times}")
    return notes


__all__ = ["SCHEDULES", "Curriculum", "REFERENCE_WEIGHTS", "DEFAULT_CURRICULUM", "PARTITION_CURRICULUM",
           "curriculum_from_dict", "read_curriculum", "curriculum_choice", "apportion", "curriculum_order",
           "curriculum_notes"]
