"""Conditional structural entropy and the search for skill combinations (method.md §3).

Let A(S) be the non-root tree nodes on the paths from the skills in S to the root. Then

    H(S)     = sum of h(α) for α in A(S)              (each node once)
    H(Y | X) = sum of h(α) for α in A(Y) \\ A(X) = H(X ∪ Y) - H(X)

a weighted coverage function: monotone, submodular, independent of the order of the skills. A combination
is a start set X plus skills Y chosen (by beam search) to maximise H(Y | X) under the constraints:

* locality (``scope="local"``, the default): step t may only draw from the t-th lowest ancestor community
  of X that has more members than X (local subtree first, widening one level per step, ending at the
  root); if that community has no free member left, the next larger one is used;
* pins (always in the combination, right after the start skills), excluded skills (never), excluded
  combinations (never returned), an optional coherence floor.

>>> from steps_core.graph import graph_from_edges
>>> from steps_core.tree import EncodingTree
>>> g = graph_from_edges([("a", "b", 1), ("c", "d", 1)])
>>> t = EncodingTree.from_parent(g, [5, 5, 6, 6, -1, 4, 4])     # {a, b} and {c, d}
>>> round(conditional_entropy(t, ["c"], ["a"]), 6) == round(subset_entropy(t, ["a", "c"]) - subset_entropy(t, ["a"]), 6)
True
"""

from __future__ import annotations

import difflib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from .errors import InputError
from .tree import EncodingTree

Progress = Callable[[int, "int | None"], None]
SCOPES = ("local", "global")
MIN_K, MAX_K = 2, 8


@dataclass(frozen=True)
class Combination:
    """A selected skill combination.

    ``skills`` lists the start skills first, then pins, then the searched skills in the order chosen;
    ``gain`` is H(Y | X) with X = ``start``, ``step_gains`` the gain of each skill after the start, ``lca``
    the id of the lowest community holding every skill (``"root"`` if none), ``lca_label`` its label and
    ``lca_path`` the labels from the top community down to it, ``coherence`` the mean pairwise cosine of the
    skills' embeddings (None when no embeddings were given) and ``tree_version`` the content hash of the tree
    it was selected in, so a dataset says exactly which taxonomy produced it.
    """

    skills: tuple[str, ...]
    start: tuple[str, ...]
    gain: float
    step_gains: tuple[float, ...]
    lca: str
    scope: str
    k: int
    coherence: float | None = None
    lca_label: str = ""
    lca_path: str = ""
    tree_version: str = ""

    @property
    def key(self) -> frozenset[str]:
        return frozenset(self.skills)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["skills"], d["start"], d["step_gains"] = list(self.skills), list(self.start), list(self.step_gains)
        return d


# ------------------------------------------------------------------------------------ entropies
def _indices(tree: EncodingTree, skills: Iterable[str], what: str = "skill") -> list[int]:
    out = []
    for s in skills:
        i = tree.graph.index.get(s)
        if i is None:
            close = difflib.get_close_matches(s, tree.skills, n=3)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise InputError(f"unknown {what} {s!r}: not a skill of the tree{hint}")
        out.append(i)
    return out


def _covered(tree: EncodingTree, idx: Iterable[int]) -> set[int]:
    anc = tree.ancestors
    out: set[int] = set()
    for i in idx:
        out.update(int(x) for x in anc[i] if x < tree.n_nodes)
    return out


def subset_entropy(tree: EncodingTree, skills: Iterable[str]) -> float:
    """H(S): the sum of h(α) over the union of the skills' paths to the root (each node once)."""
    return float(sum(tree.h[v] for v in _covered(tree, _indices(tree, skills))))


def conditional_entropy(tree: EncodingTree, y: Iterable[str], x: Iterable[str] = ()) -> float:
    """H(Y | X) = sum of h(α) over A(Y) minus A(X)."""
    cov_x = _covered(tree, _indices(tree, x))
    cov_y = _covered(tree, _indices(tree, y))
    return float(sum(tree.h[v] for v in cov_y - cov_x))


def coherence(embeddings: np.ndarray, idx: Sequence[int]) -> float:
    """Mean pairwise cosine similarity of the rows ``idx`` of ``embeddings`` (1.0 for fewer than 2)."""
    if len(idx) < 2:
        return 1.0
    e = np.asarray(embeddings, float)[list(idx)]
    norm = np.linalg.norm(e, axis=1, keepdims=True)
    e = e / np.where(norm > 0, norm, 1.0)
    sims = e @ e.T
    m = len(idx)
    return float((sims.sum() - np.trace(sims)) / (m * (m - 1)))


# ------------------------------------------------------------------------------------ settings
@dataclass(frozen=True)
class SelectionSettings:
    """Validated settings of a combination search (see :func:`select_combinations`)."""

    k: int = 4
    beam: int = 20
    scope: str = "local"
    pins: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    exclude_combos: tuple[frozenset, ...] = ()
    per_start: int = 1
    top: int | None = None
    min_coherence: float | None = None


def make_settings(tree: EncodingTree, *, k: int = 4, beam: int = 20, scope: str = "local",
                  pins: Iterable[str] = (), exclude: Iterable[str] = (),
                  exclude_combos: Iterable[Iterable[str]] = (), per_start: int = 1, top: int | None = None,
                  min_coherence: float | None = None) -> SelectionSettings:
    """Validate search settings against a tree once, at the boundary."""
    def pos_int(name, v, lo=1, hi=None):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo or (hi is not None and v > hi):
            rng = f"from {lo} to {hi}" if hi is not None else f">= {lo}"
            raise InputError(f"{name} must be an integer {rng}, got {v!r}")
        return int(v)

    k = pos_int("k (skills per combination)", k, MIN_K, MAX_K)
    if k > tree.n_skills:
        raise InputError(f"k={k} skills per combination, but the tree has only {tree.n_skills} skill(s)")
    beam = pos_int("beam", beam)
    per_start = pos_int("per_start", per_start)
    if top is not None:
        top = pos_int("top", top)
    if scope not in SCOPES:
        raise InputError(f"unknown scope {scope!r}; choose one of {', '.join(SCOPES)}")
    pins = tuple(dict.fromkeys(pins))
    exclude = tuple(dict.fromkeys(exclude))
    _indices(tree, pins, "pinned skill")
    _indices(tree, exclude, "excluded skill")
    both = set(pins) & set(exclude)
    if both:
        raise InputError(f"skill(s) both pinned and excluded: {', '.join(sorted(both))}")
    if len(pins) >= k:
        raise InputError(f"{len(pins)} pinned skills leave no room for a start skill in combinations of k={k}")
    combos = []
    for c in exclude_combos:
        c = frozenset(c)
        _indices(tree, c, "skill in an excluded combination")
        combos.append(c)
    if min_coherence is not None and not -1.0 <= float(min_coherence) <= 1.0:
        raise InputError(f"min_coherence must be in [-1, 1], got {min_coherence}")
    return SelectionSettings(k, beam, scope, pins, exclude, tuple(combos), per_start, top,
                             None if min_coherence is None else float(min_coherence))


# ------------------------------------------------------------------------------------ search
def _pools(tree: EncodingTree, start_idx: list[int]) -> list[np.ndarray]:
    """Member arrays of the ancestor communities of the start set that have more members than it."""
    node = tree.lca(start_idx) if len(start_idx) > 1 else start_idx[0]
    out = []
    while True:
        if tree.n_members(node) > len(start_idx):
            out.append(tree.members(node))
        if node == tree.root:
            break
        node = int(tree.parent[node])
    return out or [tree.members(tree.root)]      # the start holds every skill: nothing to add


def _lca_id(tree: EncodingTree, idx: Sequence[int]) -> tuple[str, str, str]:
    node = tree.lca_community(idx)
    return tree.ids[node], tree.labels[node], tree.community_path(node)


def _best_first(values: np.ndarray, want: int):
    """Positions of ``values`` from the largest down (ties: smaller position first), in two rounds.

    The first round sorts only a few times ``want`` candidates (argpartition); the second, needed only
    when duplicates used them up, sorts the rest.
    """
    m = values.size
    head = min(m, 3 * want + 8)
    if head < m:
        part = np.argpartition(-values, head - 1)[:head]
        cutoff = values[part].min()
        first = np.flatnonzero(values >= cutoff)          # every tie of the cutoff, for determinism
        yield first[np.lexsort((first, -values[first]))]
        rest = np.flatnonzero(values < cutoff)
        yield rest[np.lexsort((rest, -values[rest]))]
    else:
        yield np.lexsort((np.arange(m), -values))


@dataclass(frozen=True, eq=False)
class _Resolved:
    """Settings resolved against a tree once per selection: skill indices and the arrays the search reads."""

    blocked: np.ndarray
    pins: tuple[int, ...]
    excluded_sets: frozenset
    h_ext: np.ndarray
    anc: np.ndarray


def _resolve(tree: EncodingTree, settings: SelectionSettings) -> _Resolved:
    blocked = np.zeros(tree.n_skills, bool)
    blocked[_indices(tree, settings.exclude)] = True
    return _Resolved(blocked, tuple(_indices(tree, settings.pins)),
                     frozenset(frozenset(_indices(tree, c)) for c in settings.exclude_combos),
                     np.r_[tree.h, 0.0], tree.ancestors)


def search(tree: EncodingTree, start: Sequence[str], settings: SelectionSettings,
           embeddings: np.ndarray | None = None, resolved: _Resolved | None = None) -> list[Combination]:
    """Beam search from one start set; returns up to ``settings.per_start`` combinations, best first.

    Each beam entry draws its next skill from its own pool: the step's ancestor community of the start or,
    when that entry has used every free member of it, the next larger one. A coherence floor (with
    ``embeddings``) is applied to the candidates of the last step, so feasible combinations are kept.
    """
    res = resolved or _resolve(tree, settings)
    start_idx = list(dict.fromkeys(_indices(tree, start, "start skill")))
    bad = [tree.skills[i] for i in start_idx if res.blocked[i]]
    if bad:
        raise InputError(f"start skill(s) excluded: {', '.join(bad)}")
    fixed = start_idx + [i for i in res.pins if i not in start_idx]
    k = settings.k
    if len(fixed) > k:
        raise InputError(f"start and pinned skills ({len(fixed)}) exceed k={k}")
    h_ext, anc = res.h_ext, res.anc
    mask0 = np.zeros(tree.n_nodes + 1, bool)
    mask0[tree.n_nodes] = True
    for i in start_idx:
        mask0[anc[i]] = True
    gains0: list[float] = []
    for i in fixed[len(start_idx):]:
        gains0.append(float(h_ext[anc[i]][~mask0[anc[i]]].sum()))
        mask0[anc[i]] = True
    # beam: list of (skills tuple, total gain, step gains tuple, covered mask)
    beam = [(tuple(fixed), float(sum(gains0)), tuple(gains0), mask0)]
    pools = _pools(tree, start_idx) if settings.scope == "local" else [tree.members(tree.root)]
    pools = [p[~res.blocked[p]] for p in pools]
    floor = settings.min_coherence if embeddings is not None else None
    n_steps = k - len(fixed)
    for step in range(n_steps):
        last = step == n_steps - 1
        taken = np.zeros((len(beam), tree.n_skills), bool)
        for r, b in enumerate(beam):
            taken[r, list(b[0])] = True
        by_level: dict[int, list[int]] = {}
        for r in range(len(beam)):
            level = min(step, len(pools) - 1)
            while level < len(pools) - 1 and not np.any(~taken[r, pools[level]]):
                level += 1                             # this entry used every free member: widen
            by_level.setdefault(level, []).append(r)
        tot_parts, row_parts, y_parts, gain_parts = [], [], [], []
        for level in sorted(by_level):
            rows = np.asarray(by_level[level])
            pool = pools[level]
            if pool.size == 0:
                continue
            pa = anc[pool]                                                     # (P, H)
            masks = np.stack([beam[r][3] for r in rows])                       # (R, nodes + 1)
            gains = (h_ext[pa][None, :, :] * ~masks[:, pa]).sum(axis=2)        # (R, P)
            gains[taken[rows][:, pool]] = -np.inf
            tot_parts.append((gains + np.array([beam[r][1] for r in rows])[:, None]).ravel())
            row_parts.append(np.repeat(rows, pool.size))
            y_parts.append(np.tile(pool, rows.size))
            gain_parts.append(gains.ravel())
        if not tot_parts:
            return []
        flat, row_of, y_of, gain_of = (np.concatenate(x) for x in (tot_parts, row_parts, y_parts, gain_parts))
        want = settings.beam if not last else max(settings.beam, settings.per_start) * 4
        new_beam = []
        seen: set[frozenset] = set()
        for order in _best_first(flat, want):
            for pos in order:
                if not np.isfinite(flat[pos]):
                    break
                skills, _, steps, mask = beam[row_of[pos]]
                y = int(y_of[pos])
                key = frozenset(skills + (y,))
                if key in seen:
                    continue
                seen.add(key)
                if last and (key in res.excluded_sets or
                             (floor is not None and coherence(embeddings, skills + (y,)) < floor)):
                    continue
                m = mask.copy()
                m[anc[y]] = True
                new_beam.append((skills + (y,), float(flat[pos]), steps + (float(gain_of[pos]),), m))
                if len(new_beam) >= want:
                    break
            else:
                continue
            break
        beam = new_beam
        if not beam:
            return []
    out = []
    for skills, total, steps, _ in beam:
        coh = coherence(embeddings, skills) if embeddings is not None else None
        if frozenset(skills) in res.excluded_sets or (floor is not None and coh < floor):
            continue                                  # only when no step was searched (start + pins = k)
        if len(out) >= settings.per_start:
            break
        lca, label, path = _lca_id(tree, skills)
        out.append(Combination(tuple(tree.skills[i] for i in skills), tuple(tree.skills[i] for i in start_idx),
                               total, steps, lca, settings.scope, k, coh, label, path, tree.version))
    return out


def select_combinations(tree: EncodingTree, *, starts: Iterable[Sequence[str]] | None = None,
                        embeddings: np.ndarray | None = None, progress: Progress | None = None,
                        **settings) -> list[Combination]:
    """Combinations maximising H(Y | X), from given start sets or from every skill (the sweep).

    ``starts`` is a list of start sets (each a list of skills); None runs the sweep: every skill that is
    not excluded is a start. Keyword settings: ``k`` (2-8), ``beam``, ``scope`` ("local"/"global"), ``pins``,
    ``exclude``, ``exclude_combos``, ``per_start`` (best combinations kept per start), ``top`` (keep the N
    best overall), ``min_coherence`` (needs ``embeddings``, one row per skill of the tree). The result is
    ranked by gain (ties: skill names), with a combination found from several starts kept once, at its best.

    >>> from steps_core.graph import graph_from_edges
    >>> from steps_core.optimize import build_tree
    >>> t = build_tree(graph_from_edges([("a", "b", 1), ("b", "c", 1), ("c", "d", 1)]), k=2)
    >>> [c.skills for c in select_combinations(t, starts=[["a"]], k=2)]
    [('a', 'b')]
    """
    s = make_settings(tree, **settings)
    if s.min_coherence is not None and embeddings is None:
        raise InputError("a coherence floor needs skill embeddings")
    if starts is None:
        excluded = set(s.exclude)
        start_sets = [[name] for name in tree.skills if name not in excluded]
    else:
        start_sets = [list(st) for st in starts]
        if not start_sets or any(not st for st in start_sets):
            raise InputError("each start set needs at least one skill")
    found: dict[frozenset, Combination] = {}
    resolved = _resolve(tree, s)
    for done, st in enumerate(start_sets, start=1):
        for combo in search(tree, st, s, embeddings, resolved):
            old = found.get(combo.key)
            if old is None or combo.gain > old.gain + 1e-12:
                found[combo.key] = combo
        if progress is not None and (done % 50 == 0 or done == len(start_sets)):
            progress(done, len(start_sets))
    ranked = sorted(found.values(), key=lambda c: (-round(c.gain, 12), c.skills))
    return ranked[: s.top] if s.top is not None else ranked


def evaluate_combination(tree: EncodingTree, skills: Sequence[str], *, start: Sequence[str] | None = None,
                         scope: str = "manual", embeddings: np.ndarray | None = None) -> Combination:
    """Score a combination typed by hand: gains of the skills in the given order after ``start``.

    ``start`` defaults to the first skill. The gain is H(rest | start).
    """
    names = list(dict.fromkeys(skills))
    if len(names) < 1:
        raise InputError("a combination needs at least one skill")
    idx = _indices(tree, names)
    start = list(start) if start is not None else names[:1]
    st_idx = _indices(tree, start, "start skill")
    cov = _covered(tree, st_idx)
    steps = []
    for i in idx:
        if i in st_idx:
            continue
        new = _covered(tree, [i]) - cov
        steps.append(float(sum(tree.h[v] for v in new)))
        cov |= new
    ordered = [tree.skills[i] for i in st_idx] + [tree.skills[i] for i in idx if i not in st_idx]
    all_idx = st_idx + [i for i in idx if i not in st_idx]
    lca, label, path = _lca_id(tree, all_idx)
    coh = coherence(embeddings, all_idx) if embeddings is not None else None
    return Combination(tuple(ordered), tuple(tree.skills[i] for i in st_idx), float(sum(steps)), tuple(steps),
                       lca, scope, len(ordered), coh, label, path, tree.version)


# ------------------------------------------------------------------------------------ files
def write_combos(path: str | Path, combos: Iterable[Combination]) -> Path:
    """Write ``combos.jsonl`` (one combination per line) atomically."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for c in combos:
            fh.write(json.dumps(c.to_dict(), ensure_ascii=False) + "\n")
    tmp.replace(path)
    return path


def read_combos(path: str | Path) -> list[Combination]:
    """Read ``combos.jsonl``; errors name the file, line and field."""
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=str(path))
    out = []
    with path.open("rb") as fh:
        for line_no, raw in enumerate(fh, start=1):
            where = dict(path=str(path), line=line_no)
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(f"not valid UTF-8 ({exc.reason})", **where) from None
            if not line.strip():
                continue
            try:
                d = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"invalid JSON: {exc.msg}", **where) from None
            if not isinstance(d, dict):
                raise InputError("expected a JSON object", **where)
            out.append(_combo_from_dict(d, where))
    return out


def _combo_from_dict(d: dict, where: dict) -> Combination:
    def names(key: str, required: bool) -> tuple[str, ...]:
        v = d.get(key, [])
        if key not in d and required:
            raise InputError("missing", field=key, **where)
        if not isinstance(v, list) or not all(isinstance(x, str) and x for x in v) or (required and not v):
            raise InputError("expected a " + ("non-empty " if required else "") + "list of skill names",
                             field=key, **where)
        return tuple(v)

    def number(key: str, v, optional: bool = False):
        if optional and v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise InputError(f"expected a number, got {type(v).__name__}", field=key, **where)
        return float(v)

    def text(key: str) -> str:
        v = d.get(key, "")
        if not isinstance(v, str):
            raise InputError(f"expected text, got {type(v).__name__}", field=key, **where)
        return v

    skills = names("skills", True)
    steps = d.get("step_gains", [])
    if not isinstance(steps, list):
        raise InputError("expected a list of numbers", field="step_gains", **where)
    k = d.get("k", len(skills))
    if isinstance(k, bool) or not isinstance(k, int):
        raise InputError(f"expected an integer, got {type(k).__name__}", field="k", **where)
    return Combination(skills, names("start", False), number("gain", d.get("gain", 0.0)),
                       tuple(number("step_gains", x) for x in steps), text("lca"), text("scope"), k,
                       number("coherence", d.get("coherence"), optional=True), text("lca_label"),
                       text("lca_path"), text("tree_version"))
