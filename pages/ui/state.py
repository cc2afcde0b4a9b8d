"""What the pages remember, and where (docs/app.md, "State").

* the **workspace** (one SQLite file, :mod:`steps_core.workspace`): everything the user chose or made, written the
  moment they act; one :class:`~steps_core.workspace.Workspace` object per file for the whole server
  (``st.cache_resource``; it is thread-safe);
* process-wide **caches** of pure results keyed by content (counts, trees, embeddings): :func:`memo`;
* ``st.session_state``: only what one browser session is looking at, and the API key typed for this session.
  Every key derived from the open workspace starts with :data:`WS` (``"ws:"``) and is dropped when the session
  switches workspace (:func:`forget_workspace_state`).

The workspace is the source of truth. A widget whose value is a workspace setting is made with :func:`bound`
(value from the workspace, written back at once on change); it follows the workspace when the stored value
changed since this session last saw it (another tab, the CLI: :func:`follow`), and :func:`setting` reads it.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any, Callable, Iterable

import streamlit as st

from steps_core.errors import InputError
from steps_core.workspace import DEFAULT_ROOT, Workspace, workspace_path

from .text import shown_errors

#: Environment variable naming the workspace (a name or a path); the sidebar can override it.
WORKSPACE_ENV = "STEPS_WORKSPACE"
#: Largest seed offered.
MAX_SEED = 2**31 - 1
#: Largest minimum count offered (skills and pairs).
MAX_COUNT = 1_000_000

# ------------------------------------------------------------------------------------------------ workspace
@st.cache_resource(show_spinner=False, max_entries=16)
def _open_workspace(path: str) -> Workspace:
    return Workspace(path)


def default_workspace() -> str:
    """The workspace to open first: ``$STEPS_WORKSPACE``, else ``default`` (``./steps-workspace/default.sqlite``)."""
    return os.environ.get(WORKSPACE_ENV) or "default"


def open_workspace_named(name: str) -> Workspace:
    """The workspace named or located by ``name`` (created on first use), one object per file."""
    path = workspace_path(name.strip(), root=DEFAULT_ROOT).resolve()
    return _open_workspace(str(path))


def workspace() -> Workspace:
    """The workspace of this session (the one named in the sidebar)."""
    ws = st.session_state.get(WS_OBJECT)
    if ws is None or ws.closed:
        ws = open_workspace_named(st.session_state.get("ws_name") or default_workspace())
        st.session_state[WS_OBJECT] = ws
    return ws


def workspace_folder() -> Path:
    """The folder of the workspace file: uploads and exports go under it."""
    return workspace().path.parent


# ------------------------------------------------------------------------------------------------ session state
#: Prefix of every session-state key that comes from the open workspace: the workspace object, the widgets
#: bound to its settings and marks, what this session last saw of them, the data-source choice. Switching
#: workspace drops them all (:func:`forget_workspace_state`), so nothing of the old one is shown or written
#: into the new one.
WS = "ws:"
WS_OBJECT = WS + "object"
_UNSET = ("<unset>",)                 # a stored value that cannot come from JSON: "no such setting"


def ws_key(name: str) -> str:
    """A session-state key for something derived from the open workspace (cleared on a switch)."""
    return WS + name


def forget_workspace_state() -> None:
    """Drop every workspace-derived session key (after switching workspace: everything is read anew)."""
    for k in [k for k in st.session_state if isinstance(k, str) and k.startswith(WS)]:
        del st.session_state[k]


def _cfg(key: str) -> str:
    return ws_key("cfg:" + key)


def _seen(widget_key: str) -> str:
    return ws_key("seen|" + widget_key)


def follow(widget_key: str, stored: Any, value: Any) -> None:
    """Show the workspace's value in a widget when it changed since this session last saw it.

    ``stored`` is what the workspace holds now, ``value`` what the widget should show for it. The workspace
    is the source of truth: another tab (or the CLI) may have changed it; this session's own changes were
    written there at once. Otherwise the widget keeps its value, also on another page (:func:`keep`).
    Call before the widget is drawn."""
    seen = _seen(widget_key)
    if widget_key not in st.session_state or seen not in st.session_state or st.session_state[seen] != stored:
        st.session_state[widget_key] = value
    else:
        keep(widget_key)
    st.session_state[seen] = stored


def last_seen(widget_key: str, default: Any = None) -> Any:
    """The workspace's value this session last showed in the widget (see :func:`follow`)."""
    value = st.session_state.get(_seen(widget_key), default)
    return default if value == _UNSET else value


def bind(key: str, default: Any, valid: Callable[[Any], bool] | None = None) -> str:
    """The session-state key of a widget showing the workspace setting ``key`` (the workspace's value, or
    ``default`` when unset or not ``valid``), following changes made elsewhere (:func:`follow`). Pair with
    ``on_change=save, args=(key,)``."""
    stored = workspace().get_setting(key, _UNSET)
    ok = stored != _UNSET and (valid is None or valid(stored))
    sk = _cfg(key)
    follow(sk, stored, stored if ok else default)
    return sk


def valid_int(lo: int, hi: int) -> Callable[[Any], bool]:
    """A check that a value is an int (not a bool) in ``[lo, hi]``."""
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi


def bound(widget: Callable, label: str, key: str, default: Any, valid: Callable[[Any], bool] | None = None,
          **kwargs: Any) -> Any:
    """``widget(label, **kwargs)`` showing the workspace setting ``key`` (``default`` until set; a stored value
    ``valid`` refuses falls back to it) and saving every change at once; returns the widget's value.

    ``bound(st.number_input, "Beam width", "combo.beam", 20, valid_int(1, 200), min_value=1, max_value=200)``
    """
    return widget(label, key=bind(key, default, valid), on_change=save, args=(key,), **kwargs)


def valid_float(lo: float, hi: float) -> Callable[[Any], bool]:
    """A check that a value is a number (not a bool) in ``[lo, hi]``."""
    return lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and lo <= v <= hi


def is_bool(v: Any) -> bool:
    return isinstance(v, bool)


def one_of(options: Iterable) -> Callable[[Any], bool]:
    """A check that a value is one of ``options``."""
    options = list(options)
    return lambda v: v in options


def bind_int(key: str, default: int, lo: int, hi: int) -> str:
    """:func:`bind` for an integer setting in ``[lo, hi]`` (a bool or a value out of range gives ``default``)."""
    return bind(key, default, valid_int(lo, hi))


def merge_marks(now: Iterable[str], shown: Iterable[str], wanted: Iterable[str]) -> list[str]:
    """What a list of marks becomes when a user changed it from ``shown`` to ``wanted`` while it became
    ``now`` elsewhere (another tab): their additions and removals applied to ``now``, sorted.

    >>> merge_marks(now=["a", "b"], shown=["a"], wanted=["c"])
    ['b', 'c']
    """
    shown, wanted = set(shown), set(wanted)
    return sorted((set(now) | (wanted - shown)) - (shown - wanted))


def bind_float(key: str, default: float, lo: float, hi: float) -> str:
    """:func:`bind` for a float setting in ``[lo, hi]``."""
    return bind(key, default, lambda v: isinstance(v, float) and lo <= v <= hi)


def bind_bool(key: str, default: bool) -> str:
    """:func:`bind` for a yes/no setting."""
    return bind(key, default, lambda v: isinstance(v, bool))


def bind_text(key: str, default: str = "") -> str:
    """:func:`bind` for a text setting."""
    return bind(key, default, lambda v: isinstance(v, str))


def keep(key: str) -> None:
    """Carry a widget's value over to the widget of the same key on another page.

    Each page is its own script, so the sidebar's widgets get new ids on every page and would start from
    their defaults; writing the value back through the Session State API before the widget is drawn makes
    the new widget take it (Streamlit's documented way to keep widget values across pages)."""
    if key in st.session_state:
        st.session_state[key] = st.session_state[key]


def save(key: str) -> None:
    """Write the widget value bound to setting ``key`` to the workspace (an ``on_change`` callback). When it
    cannot be written, the widget goes back to the workspace's value at the next run."""
    value = st.session_state.get(_cfg(key))
    if isinstance(value, tuple):
        value = list(value)
    saved = False
    with shown_errors("Could not save the setting: "):
        workspace().set_setting(key, value)
        saved = True
    if not saved:
        st.session_state.pop(_seen(_cfg(key)), None)


def setting(key: str, default: Any = None) -> Any:
    """A setting's current value: the workspace's (the source of truth), else ``default``."""
    return workspace().get_setting(key, default)


# ------------------------------------------------------------------------------------------------ memo
class _Slot:
    """One cached value (or error) and the lock that makes concurrent sessions compute it once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.done = False
        self.value: Any = None
        self.error: BaseException | None = None


@st.cache_resource(show_spinner=False, max_entries=128)
def _slot(kind: str, key: str) -> _Slot:
    return _Slot()


def memo(kind: str, key: str, compute: Callable[[], Any]) -> Any:
    """``compute()``, cached for the whole server under ``(kind, key)`` (least recently used entries go first).

    Unlike a ``st.cache_*`` function, ``compute`` may draw progress (nothing is replayed later), and bad
    input (:class:`InputError`) is cached too, so a bad file is not re-read on every rerun; keys include the
    file's size and modification time, so a fixed file is read again. Other errors (a busy workspace, an
    interrupted run) are not cached: the next run tries again.
    """
    slot = _slot(kind, key)
    with slot.lock:
        if not slot.done:
            try:
                slot.value = compute()
            except InputError as exc:
                slot.error = exc
            slot.done = True
    if slot.error is not None:
        raise slot.error
    return slot.value


def memo_ready(kind: str, key: str) -> bool:
    """Whether :func:`memo` already holds a value (or an error) for ``(kind, key)``."""
    return _slot(kind, key).done


def clear_memo() -> None:
    """Forget every cached result (of every session: a server restart, for tests)."""
    _slot.clear()


def forget(kind: str, key: str) -> None:
    """Forget the one cached result ``(kind, key)``: the next :func:`memo` computes it again."""
    slot = _slot(kind, key)
    with slot.lock:
        slot.done, slot.value, slot.error = False, None, None


def request_rebuild() -> None:
    """Re-read the data and rebuild the tree on the next run, ignoring the stored tree (a button callback)."""
    st.session_state["_rebuild"] = True


def cache_key(*parts: Any) -> str:
    """A short hash of JSON-able ``parts`` (anything else by its ``str``): the key of a cached result."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:24]


def progress_bar(label: str):
    """A progress bar and a callback ``(done, total, note="")`` that moves it: the steps_core progress
    protocol (counts shown when ``total`` is unknown), with an optional note after the counts."""
    bar = st.progress(0.0, text=label)

    def update(done: int, total: int | None, note: str = "") -> None:
        tail = f" · {note}" if note else ""
        if total:
            bar.progress(min(1.0, done / total), text=f"{label}: {done:,} / {total:,}{tail}")
        else:
            bar.progress(0.5, text=f"{label}: {done:,}{tail}")

    return bar, update


def array_key(array: Any) -> str:
    """A short hash of a numpy array's shape, type and bytes (e.g. embeddings: a cache keyed on it follows
    their content)."""
    import numpy as np

    a = np.ascontiguousarray(array)
    return hashlib.sha256(f"{a.shape}{a.dtype}".encode() + a.tobytes()).hexdigest()[:24]


def table_height(n_rows: int, most: int = 420) -> int:
    """The pixel height of a dataframe showing ``n_rows`` rows and its header without a scroll bar, at most
    ``most`` (then it scrolls)."""
    return min(most, 35 * (n_rows + 1) + 3)


