"""Tables the user selects rows from: the ranked combinations (with the workspace's marks), and the helpers that
read a table's or a chart's selection."""

from __future__ import annotations

from typing import Any, Callable

import streamlit as st

from steps_core.tree import EncodingTree

from .state import cache_key, table_height, workspace, ws_key
from .text import shown_errors

# ------------------------------------------------------------------------------------------------ columns
def swatch_column() -> dict:
    """The column config of a table's community colour (:func:`charts.with_swatch`): a small image column."""
    from .charts import SWATCH

    return {SWATCH: st.column_config.ImageColumn(" ", width=34, help="the community's colour, as in the chart")}


def bar_column(values: Any, fmt: str = "%.3g") -> dict:
    """A number drawn as a bar from 0 to the column's largest value, with its figure (``fmt``): entropy and
    gain, readable at a glance without per-cell styling."""
    import numpy as np

    v = np.asarray(values, float)
    top = float(np.nanmax(v)) if v.size and np.isfinite(v).any() else 1.0
    return st.column_config.ProgressColumn(format=fmt, min_value=0.0, max_value=top if top > 0 else 1.0)


def number_column(fmt: str) -> dict:
    """A number column shown with ``fmt`` (printf style, or ``"localized"`` for thousands separators)."""
    return st.column_config.NumberColumn(format=fmt)


def merged_config(df: Any, types: dict[str, dict], given: dict[str, Any]) -> dict[str, Any]:
    """Column configs for ``df``: each column's type (bar, number format) from ``types`` with the label, width
    and help of the page's own config ``given`` (or ``given``'s alone)."""
    out = dict(given)
    for col, cfg in types.items():
        if col not in df.columns:
            continue
        cfg = dict(cfg)
        page = given.get(col)
        if isinstance(page, dict):
            cfg.update({k: v for k, v in page.items() if k in ("label", "width", "help", "pinned") and v is not None})
        elif isinstance(page, str):
            cfg["label"] = page
        out[col] = cfg
    return out


# ------------------------------------------------------------------------------------------------ combinations
#: Bumped after every mark, so every combination table gets a new key (and no stale selection).
MARK_GEN = "combo_gen"


def excluded_combos(tree: EncodingTree) -> tuple[tuple[str, ...], ...]:
    """The workspace's excluded combinations whose skills are all in ``tree`` (never proposed again)."""
    return tuple(tuple(e["skills"]) for e in workspace().combo_marks()["excluded"]
                 if all(s in tree.graph.index for s in e["skills"]))


def mark_combos(combos: list, rows: list[int], mark: str | None) -> None:
    """Approve (``"approved"``), exclude (``"excluded"``) or clear (None) the marks of ``combos[r]`` for the
    ``rows``; each keeps its LCA path and the tree version (a button callback)."""
    st.session_state[MARK_GEN] = st.session_state.get(MARK_GEN, 0) + 1
    ws = workspace()
    with shown_errors("Could not save: "):
        for r in rows:
            c = combos[r]
            if mark == "approved":
                ws.approve_combo(c.skills, c.to_dict())
            elif mark == "excluded":
                ws.exclude_combo(c.skills, c.to_dict())
            else:
                ws.clear_combo_mark(c.skills)


def rows_key(name: str, rows: Any) -> str:
    """The key of a selectable table named ``name`` showing ``rows``: it changes when the rows change (a
    hash of them) and after every mark, so a row selection never points at another row than the one the
    user picked."""
    return f"{name}_{st.session_state.get(MARK_GEN, 0)}_{cache_key(rows)[:12]}"


def combination_table(tree: EncodingTree, combos: list, name: str, *, novelty: list | None = None,
                      height: int = 420, **kwargs) -> list[int]:
    """The ranked combinations as a selectable table (marks from the workspace, gain shaded, communities in
    their colours); the selected rows. ``kwargs`` go to ``st.dataframe`` (column config, order)."""
    from steps_core.workspace import combo_key

    from . import charts

    all_marks = workspace().combo_marks()
    marks = {e["key"]: m for m in ("approved", "excluded") for e in all_marks[m]}
    df = charts.with_swatch(charts.combination_frame(combos, marks, combo_key, novelty),
                            charts.community_colour_map(tree))
    key = rows_key(name, [c.skills for c in combos])
    types = {"gain (bits)": bar_column(df["gain (bits)"], "%.3f"), "adds (bits)": number_column("%.3f"),
             "coherence": number_column("%.2f"), "support": number_column("localized"),
             "min pair": number_column("localized")}
    config = {**swatch_column(), **merged_config(df, types, kwargs.pop("column_config", {}))}
    st.dataframe(df, hide_index=True, width="stretch", height=table_height(len(df), height), key=key,
                 on_select="rerun", selection_mode="multi-row", column_config=config, **kwargs)
    return [r for r in table_rows(st.session_state.get(key)) if r < len(combos)]


# ------------------------------------------------------------------------------------------------ selection
def latest_selection(name: str, sources: dict[str, Callable[[Any], Any]]) -> Any:
    """The most recent choice among several widgets selecting the same kind of thing (a chart and tables).

    ``sources`` maps a widget key to a function turning its state into a value (None: nothing selected).
    Every widget keeps its last selection in ``st.session_state``; the first one whose value changed since
    the previous run wins, else the previous choice stays. So clicking the sunburst and picking a table row
    both work, and AppTest can drive the tables alone.
    """
    memo_key = ws_key(f"latest:{name}")
    prev = st.session_state.get(memo_key, {"seen": {}, "value": None})
    seen = {key: read(st.session_state.get(key)) for key, read in sources.items()}
    value = prev["value"]
    for key, now in seen.items():
        if now is not None and now != prev["seen"].get(key):
            value = now
            break
    st.session_state[memo_key] = {"seen": seen, "value": value}
    return value


def tree_selectbox(label: str, options: list, name: str, tree: EncodingTree, **kwargs) -> Any:
    """A selectbox of tree nodes (ids shown through ``format_func``) whose key follows the tree's version.

    Labels change with edits; the browser keeps showing the text an option had when it was chosen, so after
    an edit the box is drawn anew (key ``<name>@<version>``), keeping the chosen option when it still
    exists. ``st.session_state["ws:pick:<name>"]`` holds the last choice."""
    key = f"{name}@{tree.version}"
    last = st.session_state.get(ws_key(f"pick:{name}"))
    if key not in st.session_state and last in options:
        st.session_state[key] = last
    value = st.selectbox(label, options, key=key, **kwargs)
    st.session_state[ws_key(f"pick:{name}")] = value
    return value


def chart_point_id(state: Any) -> str | None:
    """The ``id`` of the first selected point of a plotly chart's selection state (None if none)."""
    try:
        points = state["selection"]["points"]
    except (KeyError, TypeError):
        return None
    if points:
        ident = points[0].get("id")
        return str(ident) if ident is not None else None
    return None


def table_row(state: Any) -> int | None:
    """The first selected row (position) of a dataframe's selection state (None if none)."""
    try:
        rows = state["selection"]["rows"]
    except (KeyError, TypeError):
        return None
    return int(rows[0]) if rows else None


def table_rows(state: Any) -> list[int]:
    """All selected rows (positions) of a dataframe's selection state."""
    try:
        return [int(r) for r in state["selection"]["rows"]]
    except (KeyError, TypeError):
        return []

