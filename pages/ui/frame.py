"""The frame of every page: page config, the sidebar (page links, workspace, data source, global settings) and a
pending data-source error. Streamlit's own page list is hidden (``client.showSidebarNavigation = false``), so a page
opened directly by its URL, even as the first request after a server start, has the same frame."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from steps_core.workspace import Workspace

from .nav import page_path
from .sidebar import draw_sidebar

#: The tab icon, a file in the repository: a Material icon name would be fetched from a font server.
ICON = str(Path(__file__).resolve().parents[2] / "assets" / "icon.png")


@dataclass(frozen=True)
class Frame:
    """What :func:`frame` set up: the page's title and the open workspace."""

    title: str
    ws: Workspace


def frame(title: str) -> Frame:
    """The frame of every page; call it first. Sets the page config, draws the sidebar (page links,
    workspace, data source, global settings) and shows a pending data-source error. Stops the page when
    no workspace can be opened."""
    page_path(title)                                       # a known page
    st.set_page_config(page_title="STEPS Studio" if title == "Home" else f"{title} · STEPS Studio",
                       page_icon=ICON, layout="wide")
    st.session_state["_page"] = title
    ws = draw_sidebar()
    if ws is None:
        st.title("STEPS Studio")
        st.error("No workspace is open: type another workspace name or path in the sidebar.")
        st.stop()
    if st.session_state.get("_source_error"):          # a data-source error, where it will be seen
        st.error(st.session_state.pop("_source_error") + " — the data in use has not changed.",
                 icon=":material/error:")
    return Frame(title, ws)


