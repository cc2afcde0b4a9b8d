"""The sidebar of every page: our page links, the workspace, the data source and the few settings that
change everything (tree height, edge weighting, minimum counts). Drawn by :func:`frame.frame`."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from steps_core.errors import StepsError
from steps_core.graph import WEIGHTINGS
from steps_core.workspace import Workspace

from . import build, datasource, nav, state, text

SOURCE_KINDS = {"demo": "Embedded demo", "upload": "Upload files", "path": "File on the server"}


def _switch_workspace() -> None:
    """The workspace name changed: forget everything this session took from the old one."""
    state.forget_workspace_state()


def _choose_source(kind: str) -> None:
    """Upload and path forms; the demo is taken at once."""
    current = datasource.current_source()
    if kind == "demo":
        if current.kind != "demo":
            with text.shown_errors("Demo data: "):
                state.workspace().set_setting("source", datasource.demo_source().to_setting())
                st.rerun()
        return
    if kind == "upload":
        corpus = st.file_uploader("Corpus (JSONL, JSON, CSV, TSV or Parquet; may be gzipped)",
                                  type=datasource.UPLOAD_TYPES, key="up_corpus")
        cat = st.file_uploader("Skill catalogue (optional CSV: skill, category, definition, example)",
                               type=["csv"], key="up_catalog")
        top = st.file_uploader("Topics (optional, one per line)", type=["txt"], key="up_topics")
        if st.button("Use these files", disabled=corpus is None, width="stretch"):
            names: dict[str, str] = {}
            with text.shown_errors("Upload: ", rename=names, keep="_source_error"):
                saved = {}
                for label, f in (("corpus", corpus), ("catalog", cat), ("topics", top)):
                    if f is not None:
                        saved[label] = datasource.save_upload(f.getvalue(), f.name)
                        names[str(saved[label])] = f.name
                datasource.use_source(datasource.DataSource("upload", saved["corpus"], saved.get("catalog"),
                                                    saved.get("topics"), name=corpus.name))
                st.rerun()
        return
    prefill = current if current.kind == "path" else None
    with st.form("path_form", border=False):
        corpus = st.text_input("Corpus file or folder", value=str(prefill.corpus) if prefill else "",
                               help="A path on the machine running the app: a JSONL/JSON/CSV/Parquet file or a "
                                    "folder of shards.")
        cat = st.text_input("Skill catalogue CSV (optional)",
                            value=str(prefill.catalog) if prefill and prefill.catalog else "")
        top = st.text_input("Topics file (optional)", value=str(prefill.topics) if prefill and prefill.topics else "")
        if st.form_submit_button("Load", width="stretch") and corpus.strip():
            with text.shown_errors("Data: ", keep="_source_error"):
                source = datasource.DataSource("path", Path(corpus.strip()).expanduser(),
                                           Path(cat.strip()).expanduser() if cat.strip() else None,
                                           Path(top.strip()).expanduser() if top.strip() else None,
                                           name=Path(corpus.strip()).name)
                datasource.use_source(source)
                st.rerun()


def _navigation() -> None:
    """Links to every page (Streamlit's own page list is hidden in .streamlit/config.toml)."""
    for path, title, icon in nav.PAGES:
        st.page_link(path, label=title, icon=icon)
    st.divider()


def _settings() -> None:
    st.subheader("Taxonomy settings")
    d = build.BUILD_DEFAULTS
    state.bound(st.select_slider, "Tree height k", "height", d["height"], state.one_of(build.HEIGHTS),
                options=list(build.HEIGHTS), help=text.HELP["height"])
    state.bound(st.selectbox, "Edge weighting", "weighting", d["weighting"], state.one_of(WEIGHTINGS),
                options=list(WEIGHTINGS), help=text.HELP["weighting"])
    state.bound(st.slider, "Meaning in the graph", "semantic", d["semantic"], state.valid_float(0.0, 1.0),
                min_value=0.0, max_value=1.0, step=0.1, help=text.HELP["semantic"])
    auto = state.bound(st.checkbox, "Drop rare skills automatically", "min_count_auto", d["min_count_auto"],
                       state.is_bool, help=text.HELP["min_count_auto"])
    c1, c2 = st.columns(2)
    top = state.MAX_COUNT
    state.bound(c1.number_input, "Min skill count", "min_count", d["min_count"], state.valid_int(1, top),
                min_value=1, max_value=top, step=1, disabled=auto, help=text.HELP["min_count"])
    state.bound(c2.number_input, "Min pair count", "min_cooccur", d["min_cooccur"], state.valid_int(1, top),
                min_value=1, max_value=top, step=1, help=text.HELP["min_cooccur"])
    state.bound(st.checkbox, "Keep version tags", "keep_versions", d["keep_versions"], state.is_bool,
                help=text.HELP["keep_versions"])
    state.bound(st.checkbox, "Skip bad records", "skip_bad", d["skip_bad"], state.is_bool,
                help="Count and skip records that cannot be read instead of stopping at the first one.")


def draw_sidebar() -> Workspace | None:
    """Draw the sidebar; the open workspace, or None when none could be opened (the page must not run)."""
    with st.sidebar:
        _navigation()
        if "ws_name" not in st.session_state:
            st.session_state["ws_name"] = state.default_workspace()
        state.keep("ws_name")
        st.text_input("Workspace", key="ws_name", on_change=_switch_workspace,
                      help="A name (saved as ./steps-workspace/<name>.sqlite) or a path to a .sqlite file. "
                           "Everything you choose and make is saved there the moment you do it.")
        try:
            ws = state.workspace()
        except StepsError as exc:
            st.error(f"Cannot open this workspace: {text.md(exc)}")
            return None
        st.caption(f"Saved in {text.md(ws.path)}")

        st.subheader("Data")
        current = datasource.current_source()
        kind_key = state.ws_key("src_kind")
        state.follow(kind_key, current.kind, current.kind)
        kind = st.radio("Source", list(SOURCE_KINDS), format_func=SOURCE_KINDS.get, key=kind_key,
                        horizontal=True, label_visibility="collapsed")
        _choose_source(kind)
        st.caption(f"Using: **{text.md(current.name)}** ({text.md(current.corpus.name)})")
        _settings()
    return ws
