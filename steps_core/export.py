"""Export curated samples for a trainer: formats, curriculum ordering and a manifest (method.md §6).

The core, :func:`export_samples`, takes a list of sample dicts (from ``samples.jsonl`` through
:func:`~steps_core.synth.read_samples`, or from a workspace) and writes one file atomically, plus a
``manifest.json`` beside it. Formats (:data:`~steps_core.synthesis_names.EXPORT_FORMATS`), one record per sample:

- ``openai``: JSONL ``{"messages": [{"role", "content"}, ...]}`` (the chat fine-tuning format);
- ``sharegpt``: JSONL ``{"conversations": [{"from": "system"|"human"|"gpt", "value"}, ...]}``;
- ``alpaca``: JSONL ``{"instruction", "input", "output", "history": [[user, assistant], ...]}`` (+ ``system``
  when the conversation has one): the last exchange is instruction/output, earlier ones the history;
- ``parquet``: columns ``id, skills, k, style, community, epoch, messages (list of {role, content}),
  provenance`` (JSON text).

Curriculum (:func:`curriculum_order`): the samples are spread over epochs; epoch e takes its share of the
samples per number of skills k by the epoch's weights, drawing without replacement while each pool lasts,
then is shuffled. With the default weights, early epochs hold mostly 2-skill samples, later ones more
skills. Samples of a k that no epoch weights (e.g. k=8 with the default weights for k=2..7) all go to the
last epoch; the manifest's ``notes`` say so.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from . import __version__
from .dataset_card import card_path, manifest_review, write_card
from .errors import InputError, StepsError
from .io import check_output, guarded_output, is_open_database, json_text, read_json_file, same_file
from .synthesis_names import EXPORT_FORMATS


# ----------------------------------------------------------------------------------------------------------
# Curriculum
# ----------------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Curriculum:
    """Per epoch, a weight per number of skills k: ``epochs[e] = ((k, weight), ...)``.

    A k without a weight in an epoch (or weight 0) is not drawn in it; samples left over after the last
    epoch (only such k) are appended to the last epoch.
    """

    epochs: tuple[tuple[tuple[int, float], ...], ...]

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

    def to_dict(self) -> dict:
        return {"epochs": [{str(k): w for k, w in weights} for weights in self.epochs]}


#: The reference weights for k = 2..7 over three epochs (method.md §6).
DEFAULT_CURRICULUM = Curriculum(epochs=(
    ((2, 0.60), (3, 0.20), (4, 0.10), (5, 0.05), (6, 0.03), (7, 0.02)),
    ((2, 0.35), (3, 0.25), (4, 0.15), (5, 0.10), (6, 0.08), (7, 0.07)),
    ((2, 0.20), (3, 0.20), (4, 0.20), (5, 0.15), (6, 0.13), (7, 0.12)),
))


def curriculum_from_dict(obj: Any, *, path: str | None = None) -> Curriculum:
    """Build a curriculum from ``{"epochs": [{"2": 0.6, "3": 0.4}, ...]}`` or just the list of epochs."""
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
    try:
        return Curriculum(tuple(out))
    except InputError as exc:
        raise InputError(exc.message, path=path, field="epochs") from None


def read_curriculum(path: str | Path) -> Curriculum:
    """Read curriculum weights from a JSON file (see :func:`curriculum_from_dict`)."""
    return curriculum_from_dict(read_json_file(path), path=str(path))


def curriculum_choice(value: str) -> Curriculum | None:
    """A curriculum named by a front end: ``"default"`` (:data:`DEFAULT_CURRICULUM`), ``"none"`` (keep the
    samples' order: None), or the path of a JSON file of weights (:func:`read_curriculum`)."""
    if value == "default":
        return DEFAULT_CURRICULUM
    if value == "none":
        return None
    return read_curriculum(value)


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


def curriculum_order(samples: Sequence[Mapping], curriculum: Curriculum, *, seed: int = 0) -> list[tuple[int, dict]]:
    """Order samples from fewer to more skills: ``[(epoch, sample), ...]`` with epochs numbered from 1.

    With N samples and E epochs, each epoch draws ``ceil(N / E)`` samples (the last one what is left),
    split over k by :func:`apportion` with the epoch's weights and the samples still in each k's pool.
    Each pool is shuffled once (seeded) and drawn from the front; each epoch is shuffled (seeded). Every
    sample appears exactly once.
    """
    pools: dict[int, list[dict]] = defaultdict(list)
    for s in samples:
        pools[int(s.get("k") or len(s.get("skills") or []))].append(dict(s))
    for k in sorted(pools):
        random.Random(f"curriculum|{seed}|pool|{k}").shuffle(pools[k])
    n = sum(len(p) for p in pools.values())
    n_epochs = len(curriculum.epochs)
    size = math.ceil(n / n_epochs) if n else 0
    out: list[tuple[int, dict]] = []
    left = n
    for e, weights in enumerate(curriculum.epochs, start=1):
        target = min(size, left)
        take = apportion(target, dict(weights), {k: len(p) for k, p in pools.items()})
        chosen = []
        for k, count in take.items():
            chosen.extend(pools[k][:count])
            del pools[k][:count]
        if e == n_epochs:
            for k in sorted(pools):
                chosen.extend(pools[k])
                pools[k] = []
        random.Random(f"curriculum|{seed}|epoch|{e}").shuffle(chosen)
        out.extend((e, s) for s in chosen)
        left -= len(chosen)
    return out


def _curriculum_notes(curriculum: Curriculum, per_k: Mapping[int, int]) -> list[str]:
    """Plain sentences for the manifest about samples the curriculum's weights do not place."""
    weighted = {k for weights in curriculum.epochs for k, w in weights if w > 0}
    last = len(curriculum.epochs)
    return [f"k={k} has no weight in any epoch of the curriculum: its {per_k[k]} sample(s) are in the last "
            f"epoch ({last})" for k in sorted(per_k) if k not in weighted]


# ----------------------------------------------------------------------------------------------------------
# Formats
# ----------------------------------------------------------------------------------------------------------

def select_samples(samples: Iterable[Mapping], *, include_all: bool = False) -> list[dict]:
    """The samples to export: ``ok`` and accepted by a person; with ``include_all`` every ``ok`` sample
    nobody rejected (``accepted`` true or null)."""
    out = []
    for s in samples:
        if s.get("status") != "ok":
            continue
        if s.get("accepted") is True or (include_all and s.get("accepted") is not False):
            out.append(dict(s))
    return out


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
    return {
        "total": len(rows),
        "per_k": {str(k): per_k[k] for k in sorted(per_k)},
        "per_community": dict(sorted(Counter(community_of(s) for _, s in rows).items())),
        "per_style": dict(sorted(Counter(str(s.get("style")) for _, s in rows).items())),
        "per_epoch": ({str(e): c for e, c in sorted(Counter(e for e, _ in rows).items())}
                      if curriculum is not None else None),
    }


def export_counts(samples: Iterable[Mapping], *, include_all: bool = False,
                  curriculum: Curriculum | None = DEFAULT_CURRICULUM, seed: int = 0) -> dict:
    """What :func:`export_samples` would write, counted without writing anything: ``total``, ``per_k``,
    ``per_community``, ``per_style``, ``per_epoch`` (the manifest's ``counts``)."""
    return _counts(_ordered(select_samples(samples, include_all=include_all), curriculum, seed), curriculum)


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
                   force: bool = False) -> ExportResult:
    """Write the accepted samples (every ``ok`` one not rejected with ``include_all``) to ``out`` in ``fmt``.

    ``curriculum`` orders them (None keeps the given order); ``inputs`` are files whose hashes go into the
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
    chosen = select_samples(samples, include_all=include_all)
    if not chosen:
        raise InputError("no samples to export: none is both ok and accepted"
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
                     "curriculum": curriculum.to_dict() if curriculum is not None else None, **(settings or {})},
        "counts": counts,
        "taxonomy": taxonomy_of([s for _, s in rows]),
        "card": card.name,
        **manifest_review(samples, [s for _, s in rows], include_all=include_all),
        "ids": [s["id"] for _, s in rows],
        "notes": _curriculum_notes(curriculum, {int(k): n for k, n in counts["per_k"].items()})
        if curriculum is not None else [],
    }
    text = json_text(manifest, field="manifest", indent=2)
    with guarded_output(manifest_path, inputs=[*protected, out], replace=force) as fh:
        fh.write(text + "\n")
    write_card(card, manifest, inputs=[*protected, out, manifest_path], replace=force)
    return ExportResult(path=out, manifest_path=manifest_path, rows=len(rows), manifest=manifest, card_path=card)


__all__ = ["EXPORT_FORMATS", "Curriculum", "DEFAULT_CURRICULUM", "curriculum_from_dict", "read_curriculum",
           "curriculum_choice", "apportion", "curriculum_order", "select_samples", "export_counts", "taxonomy_of",
           "to_openai", "to_sharegpt", "to_alpaca", "community_of", "ExportResult", "file_sha256", "export_samples",
           "check_outputs_spare_inputs"]
