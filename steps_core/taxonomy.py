"""The taxonomy half of the pipeline as one call each, for the command line, the app and the demo
(docs/architecture.md).

* :class:`BuildSettings`: everything that changes the graph and the tree, validated once;
* :func:`build_taxonomy`: counts (or a corpus) -> weighted graph -> optional semantic blend -> encoding tree;
* :func:`edited_taxonomy`: a built tree with a workspace's edit log replayed on it, and whether the log is stale.

Long work reports through one ``progress(stage, done, total)`` callback: ``stage`` is ``"counting"`` (records),
``"embedding"`` (skills) or ``"building"`` (levels); a front end draws one bar per stage.

>>> from steps_core.graph import count_cooccurrences
>>> cooc = count_cooccurrences([["a", "b"], ["b", "c"], ["a", "b"], ["c", "d"], ["c", "d"]])
>>> tree = build_taxonomy(cooc, BuildSettings(height=2, min_count=1))
>>> tree.n_skills, tree.height
(4, 2)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from .errors import InputError
from .graph import Cooccurrence, SkillGraph, blend_semantic, build_graph
from .names import MAX_HEIGHT, METHODS, MIN_HEIGHT, WEIGHTINGS
from .tree import EncodingTree

#: ``progress(stage, done, total)``: ``stage`` names the work ("counting", "embedding", "building").
StageProgress = Callable[[str, int, "int | None"], None]

def _int(name: str, value: Any, lo: int, hi: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < lo or (hi is not None and value > hi):
        bound = f"from {lo} to {hi}" if hi is not None else f">= {lo}"
        raise InputError(f"{name} must be an integer {bound}, got {value!r}", field=name)
    return value


@dataclass(frozen=True)
class BuildSettings:
    """Everything that changes the graph and the tree (docs/core.md).

    ``height``: the tree's height; ``weighting``: a key of :data:`~steps_core.graph.WEIGHTINGS`; ``min_count``:
    an integer or ``"auto"`` (the long tail dropped); ``min_cooccur``: pairs on fewer records are not edges;
    ``keep_versions``: keep version-number tags; ``semantic``: the weight of the skills' meaning blended into the
    graph (0 = co-occurrence only); ``method``, ``refine``, ``n_starts``, ``seed``: the optimiser.
    Validated when made: a bad value raises :class:`~steps_core.errors.InputError` naming the setting.
    """

    height: int = 3
    weighting: str = "lift"
    min_count: int | str = "auto"
    min_cooccur: int = 1
    keep_versions: bool = False
    semantic: float = 0.0
    method: str = "greedy"
    refine: bool = True
    n_starts: int = 4
    seed: int = 0

    def __post_init__(self) -> None:
        _int("height", self.height, MIN_HEIGHT, MAX_HEIGHT)
        if self.weighting not in WEIGHTINGS:
            raise InputError(f"unknown weighting {self.weighting!r}; choose one of {', '.join(WEIGHTINGS)}",
                             field="weighting")
        if self.min_count != "auto":
            _int("min_count", self.min_count, 1)
        _int("min_cooccur", self.min_cooccur, 1)
        if isinstance(self.semantic, bool) or not isinstance(self.semantic, (int, float)) or \
                not 0.0 <= self.semantic <= 1.0:
            raise InputError(f"semantic must be a number from 0 to 1, got {self.semantic!r}", field="semantic")
        if self.method not in METHODS:
            raise InputError(f"unknown method {self.method!r}; choose one of {', '.join(METHODS)}", field="method")
        _int("n_starts", self.n_starts, 0, 64)
        _int("seed", self.seed, 0)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "BuildSettings":
        """Settings from a mapping (e.g. saved in a workspace); unknown keys are ignored."""
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in values.items() if k in names})


def weighted_graph(cooc: Cooccurrence, settings: BuildSettings, *, catalog: Sequence = (),
                   progress: StageProgress | None = None) -> SkillGraph:
    """The weighted skill graph of ``settings`` (pruned, weighted, blended with the skills' meaning when
    ``settings.semantic`` > 0: MiniLM embeddings of ``name: definition`` from ``catalog`` where it has one)."""
    graph = build_graph(cooc, weighting=settings.weighting, min_count=settings.min_count,
                        min_cooccur=settings.min_cooccur, drop_versions=not settings.keep_versions)
    return with_meaning(graph, settings.semantic, catalog=catalog, progress=progress)


def with_meaning(graph: SkillGraph, alpha: float, *, catalog: Sequence = (),
                 progress: StageProgress | None = None) -> SkillGraph:
    """``graph`` blended with the semantic similarity of its skills (:func:`~steps_core.graph.blend_semantic`),
    or unchanged for ``alpha`` 0."""
    if alpha <= 0:
        return graph
    from .embed import skill_embeddings

    emb = skill_embeddings(graph.skills, catalog, progress=_stage(progress, "embedding"))
    return blend_semantic(graph, emb, alpha=alpha)


def build_taxonomy(source: Cooccurrence | SkillGraph | str | Path, settings: BuildSettings = BuildSettings(), *,
                   catalog: Sequence = (), read_options: Mapping[str, Any] | None = None,
                   progress: StageProgress | None = None) -> EncodingTree:
    """The encoding tree of ``source`` under ``settings``: a corpus path (counted, with ``read_options`` for
    :func:`steps_core.corpus.load_cooccurrence`), its counts, or a graph already weighted (then only the
    semantic blend and the optimiser settings apply). The graph's ``pruning`` says what the filters dropped."""
    from .optimize import build_tree

    if isinstance(source, (str, Path)):
        from .corpus import load_cooccurrence

        source = load_cooccurrence(source, progress=_stage(progress, "counting"), **dict(read_options or {}))
    if isinstance(source, SkillGraph):
        graph = with_meaning(source, settings.semantic, catalog=catalog, progress=progress)
    else:
        graph = weighted_graph(source, settings, catalog=catalog, progress=progress)
    return build_tree(graph, k=settings.height, method=settings.method, refine=settings.refine,
                      n_starts=settings.n_starts, seed=settings.seed, progress=_stage(progress, "building"))


def _stage(progress: StageProgress | None, stage: str):
    return None if progress is None else (lambda done, total=None: progress(stage, done, total))


@dataclass(frozen=True)
class EditedTaxonomy:
    """A built tree with an edit log replayed on it.

    ``trees[i]`` is the tree after the first ``i`` active edits (``trees[0]`` the base, ``trees[-1]`` the one
    in use); ``stale`` when some edit was made on another base tree (the data or the settings changed since),
    ``error`` when replaying failed: in both cases no edit is applied and the base tree is used.
    """

    base: EncodingTree
    trees: tuple[EncodingTree, ...]
    ops: tuple[Mapping, ...] = field(default=())
    stale: bool = False
    error: str | None = None

    @property
    def tree(self) -> EncodingTree:
        return self.trees[-1]

    @property
    def applied(self) -> bool:
        return not self.stale and self.error is None


def edited_taxonomy(base: EncodingTree, ops: Sequence[Mapping],
                    replay: Callable[[EncodingTree, tuple], tuple] | None = None) -> EditedTaxonomy:
    """``base`` with the active edit operations ``ops`` replayed (:mod:`steps_core.edits`). ``replay`` may
    stand in for :func:`steps_core.edits.replay_each` (e.g. a cached one); it is not called for a stale log."""
    from .edits import is_stale, replay_each

    ops = tuple(ops)
    if is_stale(ops, base):
        return EditedTaxonomy(base, (base,), ops, stale=True)
    if not ops:
        return EditedTaxonomy(base, (base,), ops)
    try:
        trees = (replay or replay_each)(base, ops)
    except InputError as exc:
        return EditedTaxonomy(base, (base,), ops, error=str(exc))
    return EditedTaxonomy(base, tuple(trees), ops)
