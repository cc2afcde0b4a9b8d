"""STEPS Studio, the app: ``streamlit run app.py``.

This file is the frame around every page: the page list (``st.navigation``) and the sidebar with the
workspace, the data source and the few settings that change everything (tree height, edge weighting,
minimum counts). The pages live in ``app_pages/``; their shared helpers in ``app_pages/common.py``.

(Not ``pages/``: Streamlit runs a file of a folder called ``pages`` next to the entry point on its own, without
this frame, when the first request after a server start is that page's URL.)
"""

from __future__ import annotations

import streamlit as st

from app_pages import common
from steps_core.errors import StepsError
from steps_core.graph import WEIGHTINGS

st.set_page_config(page_title="STEPS Studio", page_icon=":material/account_tree:", layout="wide")

PAGES = [
    st.Page("app_pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("app_pages/taxonomy.py", title="Taxonomy", icon=":material/account_tree:"),
    st.Page("app_pages/combinations.py", title="Combinations", icon=":material/join:"),
    st.Page("app_pages/synthesize.py", title="Synthesize", icon=":material/auto_awesome:"),
    st.Page("app_pages/export.py", title="Export", icon=":material/download:"),
]
SOURCE_KINDS = {"demo": "Embedded demo", "upload": "Upload files", "path": "File on the server"}


def _switch_workspace() -> None:
    """The workspace name changed: forget this session's view of the old one."""
    st.session_state.pop("_ws", None)
    st.session_state.pop("src_kind", None)
    common.forget_bound_widgets()


def _choose_source(kind: str) -> None:
    """Upload and path forms; the demo is taken at once."""
    current = common.current_source()
    if kind == "demo":
        if current.kind != "demo":
            with common.shown_errors("Demo data: "):
                common.workspace().set_setting("source", common.demo_source().to_setting())
                st.rerun()
        return
    if kind == "upload":
        corpus = st.file_uploader("Corpus (JSONL, JSON, CSV or Parquet)", type=common.UPLOAD_TYPES, key="up_corpus")
        cat = st.file_uploader("Skill catalogue (optional CSV: skill, category, definition, example)",
                               type=["csv"], key="up_catalog")
        top = st.file_uploader("Topics (optional, one per line)", type=["txt"], key="up_topics")
        if st.button("Use these files", disabled=corpus is None, width="stretch"):
            names: dict[str, str] = {}
            with common.shown_errors("Upload: ", rename=names, keep="_source_error"):
                saved = {}
                for label, f in (("corpus", corpus), ("catalog", cat), ("topics", top)):
                    if f is not None:
                        saved[label] = common.save_upload(f.getvalue(), f.name)
                        names[str(saved[label])] = f.name
                common.use_source(common.DataSource("upload", saved["corpus"], saved.get("catalog"),
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
            with common.shown_errors("Data: ", keep="_source_error"):
                from pathlib import Path

                source = common.DataSource("path", Path(corpus.strip()).expanduser(),
                                           Path(cat.strip()).expanduser() if cat.strip() else None,
                                           Path(top.strip()).expanduser() if top.strip() else None,
                                           name=Path(corpus.strip()).name)
                common.use_source(source)
                st.rerun()


def sidebar() -> bool:
    """Draw the sidebar; False when no workspace could be opened (the page must not run)."""
    with st.sidebar:
        if "ws_name" not in st.session_state:
            st.session_state["ws_name"] = common.default_workspace()
        st.text_input("Workspace", key="ws_name", on_change=_switch_workspace,
                      help="A name (saved as ./steps-workspace/<name>.sqlite) or a path to a .sqlite file. "
                           "Everything you choose and make is saved there the moment you do it.")
        try:
            ws = common.workspace()
        except StepsError as exc:
            st.error(f"Cannot open this workspace: {exc}")
            return False
        st.caption(f"Saved in `{ws.path}`")

        st.subheader("Data")
        current = common.current_source()
        if "src_kind" not in st.session_state:
            st.session_state["src_kind"] = current.kind
        kind = st.radio("Source", list(SOURCE_KINDS), format_func=SOURCE_KINDS.get, key="src_kind",
                        horizontal=True, label_visibility="collapsed")
        _choose_source(kind)
        st.caption(f"Using: **{common.md(current.name)}** (`{current.corpus.name}`)")

        st.subheader("Taxonomy settings")
        d = common.BUILD_DEFAULTS
        st.select_slider("Tree height k", options=list(common.HEIGHTS), help=common.HELP["height"],
                         key=common.bind("height", d["height"], lambda v: v in common.HEIGHTS),
                         on_change=common.save, args=("height",))
        st.selectbox("Edge weighting", list(WEIGHTINGS), help=common.HELP["weighting"],
                     key=common.bind("weighting", d["weighting"], lambda v: v in WEIGHTINGS),
                     on_change=common.save, args=("weighting",))
        c1, c2 = st.columns(2)
        positive = lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1  # noqa: E731
        c1.number_input("Min skill count", min_value=1, step=1, help=common.HELP["min_count"],
                        key=common.bind("min_count", d["min_count"], positive),
                        on_change=common.save, args=("min_count",))
        c2.number_input("Min pair count", min_value=1, step=1, help=common.HELP["min_cooccur"],
                        key=common.bind("min_cooccur", d["min_cooccur"], positive),
                        on_change=common.save, args=("min_cooccur",))
        st.checkbox("Skip bad records", help="Count and skip records that cannot be read instead of stopping at "
                                             "the first one.",
                    key=common.bind("skip_bad", d["skip_bad"], lambda v: isinstance(v, bool)),
                    on_change=common.save, args=("skip_bad",))
    return True


navigation = st.navigation(PAGES)
if sidebar():
    if st.session_state.get("_source_error"):          # a data-source error, where it will be seen
        st.error(st.session_state.pop("_source_error") + " — the data in use has not changed.",
                 icon=":material/error:")
    with common.shown_errors():          # a bug in a page shows as a message, never as a traceback page
        navigation.run()
else:
    st.title("STEPS Studio")
    st.error("No workspace is open: type another workspace name or path in the sidebar.")
