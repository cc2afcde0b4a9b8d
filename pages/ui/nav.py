"""The app's pages: their scripts, titles and icons, in the order of the sidebar."""

from __future__ import annotations

#: The app's pages in the order of the sidebar: (script path relative to ``app.py``, title, icon).
PAGES = (
    ("app.py", "Home", ":material/home:"),
    ("pages/1_Taxonomy.py", "Taxonomy", ":material/account_tree:"),
    ("pages/2_Combinations.py", "Combinations", ":material/join:"),
    ("pages/3_Synthesize.py", "Synthesize", ":material/auto_awesome:"),
    ("pages/4_Export.py", "Export", ":material/download:"),
    ("pages/5_Compare.py", "Compare samplers", ":material/leaderboard:"),
)


def page_path(title: str) -> str:
    """The script of the page called ``title`` (for ``st.page_link`` and ``st.switch_page``)."""
    for path, name, _icon in PAGES:
        if name == title:
            return path
    raise ValueError(f"no page {title!r}")
