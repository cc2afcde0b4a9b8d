"""The taxonomy in use (docs/app.md, "Taxonomy"): the tree built from the data source and the sidebar's
settings (:func:`base_tree`, cached and stored in the workspace) with the workspace's active edits replayed on
it (:func:`current_tree`, :func:`steps_core.taxonomy.edited_taxonomy`). Each edit records the version of the base
tree it was made on; when the data or the settings change the base tree, the edits no longer apply and the page
says so."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import streamlit as st

from steps_core.names import MIN_HEIGHT, WEIGHTINGS
from steps_core.taxonomy import BuildSettings, EditedTaxonomy, build_taxonomy, edited_taxonomy
from steps_core.tree import EncodingTree, from_dict, to_dict

from .datasource import (DataSource, catalog, catalog_by_name, content_key, cooccurrence, corpus_key, current_source,
                     fingerprint, skip_bad)
from .state import (MAX_COUNT, cache_key, forget, memo, memo_ready, progress_bar, setting, valid_int, workspace,
                    ws_key)
from .text import md, shown_errors

#: Widget defaults of the global settings (the sidebar).
BUILD_DEFAULTS = {"height": 3, "weighting": "lift", "min_count_auto": True, "min_count": 2, "min_cooccur": 1,
                  "keep_versions": False, "semantic": 0.0, "skip_bad": False}
#: Tree heights offered in the sidebar.
HEIGHTS = tuple(range(MIN_HEIGHT, 6))


def build_settings() -> BuildSettings:
    """The global settings from the sidebar widgets (or the workspace); a stored value that is not valid any more
    falls back to its default."""
    s = {k: setting(k, v) for k, v in BUILD_DEFAULTS.items()}
    count = valid_int(1, MAX_COUNT)
    semantic = s["semantic"]
    return BuildSettings(
        height=s["height"] if s["height"] in HEIGHTS else BUILD_DEFAULTS["height"],
        weighting=s["weighting"] if s["weighting"] in WEIGHTINGS else BUILD_DEFAULTS["weighting"],
        min_count="auto" if s["min_count_auto"] is not False else (s["min_count"] if count(s["min_count"]) else 1),
        min_cooccur=s["min_cooccur"] if count(s["min_cooccur"]) else 1,
        keep_versions=s["keep_versions"] is True,
        semantic=float(semantic) if isinstance(semantic, (int, float)) and 0 <= semantic <= 1 else 0.0)


def tree_key(source: DataSource, settings: BuildSettings) -> str:
    """The key of a built tree: the corpus (path, size, mtime), how it is read and the settings."""
    return cache_key(str(source.corpus), fingerprint(source.corpus), skip_bad(), settings.to_dict(),
                     content_key(source.catalog) if settings.semantic else None)


_STAGES = {"embedding": "Embedding the skills with MiniLM (skills)", "building": "Optimising the encoding tree "
                                                                                  "(levels)"}


def build_tree_now(source: DataSource, settings: BuildSettings) -> EncodingTree:
    """Count, weight and optimise (:func:`steps_core.taxonomy.build_taxonomy`), showing progress: the work behind
    :func:`current_tree`."""
    with st.status("Building the taxonomy…", expanded=True) as status:
        counts = cooccurrence(source, skip_bad())
        status.write(f"Counted {counts.cooc.n_records:,} records, {counts.cooc.n_skills:,} skills.")
        bars: dict = {}

        def progress(stage: str, done: int, total: int | None = None) -> None:
            if stage not in bars:
                bars[stage] = progress_bar(_STAGES.get(stage, stage))
            bars[stage][1](done, total)

        tree = build_taxonomy(counts.cooc, settings, catalog=catalog(source), progress=progress)
        for bar, _ in bars.values():
            bar.empty()
        graph = tree.graph
        status.write(f"Graph: {graph.n_skills:,} skills, {graph.n_edges:,} edges ({graph.weighting}).")
        for line in graph.pruning.summary():
            status.write(md(line[0].upper() + line[1:]) + ".")
        status.update(label=f"Built the taxonomy: {len(tree.communities):,} communities, "
                            f"H^T {tree.entropy:.3f} bits", state="complete", expanded=False)
    return tree


def base_tree() -> EncodingTree:
    """The encoding tree built from the current data source and settings, before any edit.

    Cached for the server; stored in the workspace as a ``tree`` artefact (its meta holds the key), so a
    restart reads it back instead of rebuilding.
    """
    ws = workspace()
    source = current_source()
    settings = build_settings()
    key = tree_key(source, settings)
    force = st.session_state.pop("_rebuild", False)
    if force:                     # this source's counts, index and tree only: other sessions keep theirs
        cooc = corpus_key(source, skip_bad())
        for kind, k in (("cooc", cooc), ("support", cooc), ("records", cooc), ("tree", f"{ws.path}|{key}")):
            forget(kind, k)

    def compute() -> EncodingTree:
        for art in ([] if force else reversed(ws.artefacts("tree"))):
            if art["meta"].get("key") == key:
                stored = ws.get_artefact("tree", art["hash"])
                return from_dict(json.loads(stored.content), source=f"{ws.path} (stored tree)")
        tree = build_tree_now(source, settings)
        if ws.read_only:                  # a read-only workspace shows the tree; it cannot keep it
            return tree
        ws.put_artefact("tree", json.dumps(to_dict(tree), ensure_ascii=False),
                        meta={"key": key, "source": source.to_setting(), "settings": settings.to_dict(),
                              "version": tree.version})
        return tree

    return memo("tree", f"{ws.path}|{key}", compute)


@dataclass(frozen=True)
class EditState:
    """The workspace's edit log (``log``: active then undone operations) and the taxonomy its active part gives
    (``taxonomy``, an :class:`~steps_core.taxonomy.EditedTaxonomy`, whose fields — ``base``, ``trees``,
    ``tree``, ``stale``, ``error``, ``applied`` — read through this object too)."""

    taxonomy: EditedTaxonomy
    log: Any

    def __getattr__(self, name: str) -> Any:
        return getattr(self.taxonomy, name)


def edit_state() -> EditState:
    """The base tree, the workspace's edit log and the trees it gives (replays are cached by content)."""
    from steps_core.edits import replay_each

    base = base_tree()
    log = workspace().op_log()
    active = tuple(log.active)
    cached = lambda tree, ops: memo("edited", cache_key(tree.version, ops), lambda: replay_each(tree, ops))  # noqa: E731
    return EditState(edited_taxonomy(base, active, replay=cached), log)


def current_tree(state: EditState | None = None) -> EncodingTree:
    """The taxonomy in use: the base tree with the workspace's active edits replayed on it (``state``: an
    :func:`edit_state` already read in this run).

    Its version (a content hash, changed by every edit) is kept as the workspace setting ``tree_version``,
    which samples and exports record.
    """
    tree = (state or edit_state()).tree
    ws = workspace()
    saved = ws_key("tree_version_saved")
    if st.session_state.get(saved) != (str(ws.path), tree.version):
        if ws.get_setting("tree_version") != tree.version:
            if not ws.read_only:
                ws.set_setting("tree_version", tree.version)
        st.session_state[saved] = (str(ws.path), tree.version)
    return tree


def clear_edits() -> None:
    """Forget the workspace's taxonomy edits (a button callback)."""
    with shown_errors("Could not clear the edits: "):
        workspace().clear_ops()
    st.session_state.pop(ws_key("latest:taxonomy"), None)


def stale_edits_notice(state: EditState) -> None:
    """Say plainly why the edits are not applied, with a button to clear them."""
    n = len(state.log.active)
    if state.stale:
        st.warning(f"The taxonomy has {n} edit(s) made on another tree: the data or the taxonomy settings "
                   "changed since, so they are not applied and the tree built from the data is shown. Go back "
                   "to the data and settings they were made on to use them again, or clear them.",
                   icon=":material/history:")
    elif state.error:
        st.error(f"The taxonomy edits cannot be replayed ({md(state.error)}); the tree built from the data is shown.",
                 icon=":material/error:")
    else:
        return
    st.button("Clear the edit log", key=f"clear_edits_{st.session_state.get('_page', '')}", on_click=clear_edits,
              icon=":material/delete_sweep:")


def state_or_none(what: str = "Could not build the taxonomy: ") -> EditState | None:
    """:func:`edit_state` with its tree made the one in use (:func:`current_tree`), or None with the error
    shown (bad data); a stale edit log is announced."""
    state = None
    with shown_errors(what):
        found = edit_state()
        stale_edits_notice(found)
        current_tree(found)
        state = found
    return state


def tree_or_none(what: str = "Could not build the taxonomy: ") -> EncodingTree | None:
    """:func:`current_tree`, or None with the error shown (bad data); a stale edit log is announced."""
    state = state_or_none(what)
    return None if state is None else state.tree


def tree_version(tree: EncodingTree | None) -> str | None:
    """The version of the taxonomy in use: ``tree``'s, or the last one the workspace recorded when the tree
    cannot be built now (samples and exports record it)."""
    return tree.version if tree is not None else workspace().get_setting("tree_version")


def skill_embeddings(tree: EncodingTree, source: DataSource, *, compute_now: bool = True):
    """MiniLM embeddings of the tree's skills (``name: definition`` when the catalogue has one), one row per
    skill, cached; the first call loads the model (a few seconds) and shows progress. With
    ``compute_now=False`` returns None instead of computing (draw the page first, compute at its end)."""
    from steps_core.embed import skill_embeddings, skill_texts

    by_name = catalog_by_name(source)
    key = cache_key(skill_texts([by_name.get(s, s) for s in tree.skills]))
    if not compute_now and not memo_ready("embeddings", key):
        return None

    def compute():
        with st.status("Embedding the skills with MiniLM (first time only)…") as status:
            bar, update = progress_bar("Skills embedded")
            vectors = skill_embeddings(tree.skills, list(by_name.values()), progress=update)
            bar.empty()
            status.update(label=f"Embedded {tree.n_skills:,} skills", state="complete")
        return vectors

    return memo("embeddings", key, compute)


