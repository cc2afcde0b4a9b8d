"""Shared helpers of the STEPS Studio pages: the frame, the workspace, the data source, the taxonomy (with
its edits), cached pipeline steps, messages.

Every page (``app.py`` is Home, ``pages/<n>_<Name>.py`` the others) starts with :func:`frame`, which sets
the page config and draws the sidebar: our own page links, the workspace, the data source and the global
settings. Streamlit's own page list is hidden (``client.showSidebarNavigation = false``), so a page opened
directly by its URL, even as the first request after a server start, has the same frame.

State lives in three places, each for one kind of thing:

* the **workspace** (one SQLite file, :mod:`steps_core.workspace`): everything the user chose or made
  (data source, settings, pins, approvals, samples, decisions, grades, exports, taxonomy edits), written
  the moment they act; one :class:`~steps_core.workspace.Workspace` object per file for the whole server
  (``st.cache_resource``; it is thread-safe);
* process-wide **caches** of pure results keyed by the data file's path, size and modification time plus the
  settings (co-occurrence counts, trees, embeddings): :func:`memo`;
* ``st.session_state``: only what one browser session is looking at (selections, the page of a list) and
  the API key typed for this session (``_api_key``), which never reaches the workspace (``ws.guard_secret``).
  Every key derived from the open workspace starts with :data:`WS` (``"ws:"``) and is dropped when the
  session switches workspace (:func:`forget_workspace_state`).

The workspace is the source of truth. Widgets whose value is a workspace setting are bound with :func:`bind`
(value from the workspace) and :func:`save` (``on_change``: written at once); a bound widget follows the
workspace when its stored value changed since this session last saw it (another tab, the CLI:
:func:`follow`), and :func:`setting` reads the workspace.

The taxonomy used everywhere (selection, synthesis provenance, exports) is :func:`current_tree`: the tree
built from the data (:func:`base_tree`) with the workspace's active edits replayed on it
(:func:`steps_core.edits.replay`). Each edit records the version of the base tree it was made on; when the
data or the settings change the base tree, the edits no longer apply and :func:`edit_state` says so.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import traceback
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import streamlit as st

from steps_core.corpus import EXTENSIONS, ReadReport, Skill, load_cooccurrence, read_catalog, read_topics
from steps_core.errors import InputError, StepsError
from steps_core.graph import WEIGHTINGS, build_graph
from steps_core.optimize import build_tree
from steps_core.pipeline import demo_files
from steps_core.tree import EncodingTree, from_dict, to_dict
from steps_core.workspace import DEFAULT_ROOT, Workspace, workspace_path

#: Environment variable naming the workspace (a name or a path); the sidebar can override it.
WORKSPACE_ENV = "STEPS_WORKSPACE"
#: Global settings of the taxonomy and their defaults.
BUILD_DEFAULTS = {"height": 3, "weighting": "lift", "min_count_auto": True, "min_count": 2, "min_cooccur": 1,
                  "keep_versions": False, "skip_bad": False}
#: Tree heights offered (k: levels of communities + 1).
HEIGHTS = (2, 3, 4, 5)
#: Largest seed offered.
MAX_SEED = 2**31 - 1
#: Largest minimum count offered (skills and pairs).
MAX_COUNT = 1_000_000
#: Data files a user may upload as a corpus.
UPLOAD_TYPES = sorted({x.lstrip(".") for x in EXTENSIONS} | {"gz"})

#: Plain-words explanations shown as tooltips next to numbers.
HELP = {
    "records": "records (instructions or dialogues) read from the corpus",
    "skills": "distinct skills that pass the minimum count; each is one node of the skill graph",
    "edges": "pairs of skills tagged together on at least 'min pair count' records",
    "h1": "one-level structural entropy H¹ (bits): how much information is needed to locate a random step "
          "of a walk on the skill graph when the skills are not grouped at all",
    "ht": "structural entropy H^T (bits): how much information is needed to locate a random step of a walk on "
          "the skill graph, given this tree; lower = the tree explains the co-occurrences better",
    "theta": "compression θ = 1 − H^T / H¹: the share of the one-level entropy that the tree saves; "
             "higher = clearer communities",
    "se": "Se(v) (bits): bits needed to locate this skill in the tree (h summed along its path to the root)",
    "h": "h(α) (bits): the entropy of the step into this community: its share of H^T",
    "volume": "share of all co-occurrence weight that falls on the skills of this community",
    "cut": "co-occurrence weight of edges leaving the community (bits are lower when this is small)",
    "gain": "gain (bits): the conditional structural entropy H(Y | X) the added skills bring beyond the start "
            "skills; higher = a combination the corpus covers less",
    "coherence": "mean cosine similarity of the skills' descriptions (MiniLM embeddings, −1 to 1); "
                 "higher = the skills belong together",
    "height": "tree height k: levels of communities + 1 (k = 2: one level of communities, a flat partition; "
              "k = 3: communities and their sub-communities); higher = finer nested groups",
    "weighting": "how a co-occurrence count becomes an edge weight: " + "; ".join(
        f"{k}: {v}" for k, v in WEIGHTINGS.items()),
    "min_count": "skills tagged on fewer records than this are left out of the graph",
    "min_count_auto": "drop the long tail of rare skills: the rarest skills that together hold 0.5% of all tags "
                      "(never one on 0.1% of the records or more; always one seen on a single record)",
    "keep_versions": "keep tags that are only version numbers (14.04, v2.1); they say which release, not which "
                     "skill, so they are dropped by default",
    "min_cooccur": "two skills are linked only if they are tagged together on at least this many records",
}


# ------------------------------------------------------------------------------------------------ text
_MD_SPECIAL = set("\\`*_{}[]()#+-.!|<>~$:")


def md(text: Any) -> str:
    """``text`` with Markdown's special characters backslash-escaped: a name shows exactly as written.

    >>> md("a_b *c*")
    'a\\\\_b \\\\*c\\\\*'
    """
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in str(text))


def bits(x: float | None, digits: int = 3) -> str:
    """A figure in bits, e.g. ``3.142 bits`` (``—`` for None)."""
    return "—" if x is None else f"{x:.{digits}f} bits"


@contextmanager
def shown_errors(what: str = "", rename: dict[str, str] | None = None, keep: str | None = None) -> Iterator[None]:
    """Show a user-facing error (bad data, endpoint refusal, ...) as ``st.error`` and carry on.

    Code inside the block stops at the error; the page goes on after the block. ``rename`` replaces text in
    the message (e.g. a stored upload's path by the name of the file the user chose); ``keep`` also puts the
    message in ``st.session_state[keep]`` (to repeat it where it will be seen). Anything else (a bug) is
    also shown, with its traceback folded away, rather than as a traceback page. Messages quote data (file
    names, values, labels): they are escaped, so Markdown in them shows as typed; ``what`` is ours.
    """
    try:
        yield
    except (StepsError, OSError) as exc:
        message = str(exc)
        for old, new in (rename or {}).items():
            message = message.replace(old, new)
        st.error(f"{what}{md(message)}", icon=":material/error:")
        if keep is not None:
            st.session_state[keep] = f"{what}{md(message)}"
    except Exception as exc:  # noqa: BLE001 - a bug: say so plainly, keep the app alive
        st.error(f"{what}unexpected error: {md(type(exc).__name__)}: {md(exc)}", icon=":material/bug_report:")
        with st.expander("technical details"):
            st.code(traceback.format_exc(), language=None)


def page_intro(title: str, purpose: str) -> None:
    """The page title and the one sentence that says what the page is for."""
    st.title(title)
    st.markdown(purpose)


# ------------------------------------------------------------------------------------------------ the frame
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
                       page_icon=":material/account_tree:", layout="wide")
    st.session_state["_page"] = title
    from .sidebar import draw_sidebar

    ws = draw_sidebar()
    if ws is None:
        st.title("STEPS Studio")
        st.error("No workspace is open: type another workspace name or path in the sidebar.")
        st.stop()
    if st.session_state.get("_source_error"):          # a data-source error, where it will be seen
        st.error(st.session_state.pop("_source_error") + " — the data in use has not changed.",
                 icon=":material/error:")
    return Frame(title, ws)


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


# ------------------------------------------------------------------------------------------------ data source
@dataclass(frozen=True)
class DataSource:
    """Where the data comes from: ``kind`` (demo / upload / path), the corpus and the optional skill
    catalogue and topic list, and a name for people."""

    kind: str
    corpus: Path
    catalog: Path | None = None
    topics: Path | None = None
    name: str = ""

    def to_setting(self) -> dict:
        return {"kind": self.kind, "corpus": str(self.corpus), "catalog": str(self.catalog) if self.catalog else None,
                "topics": str(self.topics) if self.topics else None, "name": self.name}


def fingerprint(path: Path | None) -> list:
    """Size and modification time (ns) of a file, or of every file in a folder: what the caches key on."""
    if path is None:
        return []
    p = Path(path)
    try:
        if p.is_dir():
            return [[str(f.relative_to(p)), f.stat().st_size, f.stat().st_mtime_ns]
                    for f in sorted(p.rglob("*")) if f.is_file()]
        st_ = p.stat()
        return [st_.st_size, st_.st_mtime_ns]
    except OSError:
        return ["missing"]


def content_key(path: Path | None) -> str | None:
    """SHA-256 of a small file's bytes (a skill catalogue, a topic list), None without a file: caches keyed on
    it read a file edited in place again, whatever its size and modification time."""
    if path is None:
        return None
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return "missing"


def demo_source() -> DataSource:
    files = demo_files()
    return DataSource("demo", files.corpus, files.catalog, files.topics, "embedded demo")


def current_source() -> DataSource:
    """The data source stored in the workspace (the demo when none was chosen yet)."""
    value = workspace().get_setting("source")
    if not isinstance(value, dict) or value.get("kind") not in ("upload", "path") or not value.get("corpus"):
        return demo_source()

    def opt(k: str) -> Path | None:
        return Path(value[k]) if value.get(k) else None

    return DataSource(value["kind"], Path(value["corpus"]), opt("catalog"), opt("topics"),
                      str(value.get("name") or Path(value["corpus"]).name))


def use_source(source: DataSource) -> None:
    """Make ``source`` the workspace's data source, after checking that its corpus reads (raises if not)."""
    for label, p in (("corpus", source.corpus), ("catalogue", source.catalog), ("topic list", source.topics)):
        if p is not None and not Path(p).exists():
            raise InputError(f"{label} not found", path=str(p))
    counts = cooccurrence(source, build_settings().skip_bad)   # raises InputError naming file, line and field
    build_graph(counts.cooc)                                  # e.g. "the corpus has no records"
    if source.catalog is not None:
        catalog(source)
    if source.topics is not None:
        topics(source)
    workspace().set_setting("source", source.to_setting())


def save_upload(data: bytes, filename: str) -> Path:
    """Keep uploaded bytes under the workspace folder (``uploads/<sha256 prefix>.<ext>``); returns the path.

    The same content always lands in the same file, so uploading it again costs nothing.
    """
    from steps_core.corpus import name_format

    suffixes = [x.lower() for x in Path(filename).suffixes[-2:]]
    ext = "".join(suffixes) if suffixes[-1:] == [".gz"] else Path(filename).suffix.lower()
    if name_format(filename) is None and ext not in (".txt", ".csv"):
        raise InputError(f"unsupported file type {ext or '(none)'}; use JSONL, JSON, CSV, TSV or Parquet "
                         "(JSONL, JSON, CSV and TSV may be gzipped: .jsonl.gz)", path=filename)
    digest = hashlib.sha256(data).hexdigest()[:20]
    folder = workspace_folder() / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest}{ext}"
    if not path.exists():
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return path


# ------------------------------------------------------------------------------------------------ pipeline
@dataclass(frozen=True)
class BuildSettings:
    """The global settings that change the graph and the tree."""

    height: int = 3
    weighting: str = "lift"
    min_count: int | str = "auto"
    min_cooccur: int = 1
    skip_bad: bool = False
    keep_versions: bool = False


def build_settings() -> BuildSettings:
    """The global settings from the sidebar widgets (or the workspace), validated."""
    s = {k: setting(k, v) for k, v in BUILD_DEFAULTS.items()}
    height = s["height"] if s["height"] in HEIGHTS else BUILD_DEFAULTS["height"]
    weighting = s["weighting"] if s["weighting"] in WEIGHTINGS else BUILD_DEFAULTS["weighting"]

    count = valid_int(1, MAX_COUNT)
    min_count = "auto" if s["min_count_auto"] is not False else (s["min_count"] if count(s["min_count"]) else 1)
    return BuildSettings(int(height), weighting, min_count, s["min_cooccur"] if count(s["min_cooccur"]) else 1,
                         s["skip_bad"] is True, s["keep_versions"] is True)


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


@dataclass(frozen=True)
class Counts:
    """Co-occurrence counts of a corpus and what reading it saw."""

    cooc: Any
    report: str
    n_skipped: int


def _cooc_key(source: DataSource, skip_bad: bool) -> str:
    return cache_key(str(source.corpus), fingerprint(source.corpus), skip_bad)


def read_report(source: DataSource, skip_bad: bool) -> str | None:
    """What reading the corpus saw (records, skipped bad ones), if it was read in this server's life."""
    key = _cooc_key(source, skip_bad)
    if not memo_ready("cooc", key):
        return None
    try:
        return memo("cooc", key, lambda: None).report
    except InputError:
        return None


def cooccurrence(source: DataSource, skip_bad: bool = False) -> Counts:
    """Skill and pair counts of the source's corpus (cached by path, size, mtime and ``skip_bad``)."""
    key = _cooc_key(source, skip_bad)

    def compute() -> Counts:
        report = ReadReport()
        bar, update = progress_bar("Reading the corpus (records)")
        try:
            cooc = load_cooccurrence(source.corpus, skip_bad=skip_bad, report=report, progress=update)
        finally:
            bar.empty()
        return Counts(cooc, report.summary(), report.n_skipped)

    return memo("cooc", key, compute)


def support_index(source: DataSource, skip_bad: bool = False):
    """The corpus's inverted index skill -> records (:class:`steps_core.novelty.SupportIndex`), cached like
    the counts: how many records are tagged with every skill of a combination."""
    from steps_core.corpus import iter_skill_lists
    from steps_core.novelty import SupportIndex

    def compute():
        bar, update = progress_bar("Indexing the corpus (records)")
        try:
            return SupportIndex.from_skill_lists(iter_skill_lists(source.corpus, skip_bad=skip_bad, progress=update))
        finally:
            bar.empty()

    return memo("support", _cooc_key(source, skip_bad), compute)


def corpus_key(source: DataSource, skip_bad: bool = False) -> str:
    """The key of what is cached from reading the corpus (counts, support index)."""
    return _cooc_key(source, skip_bad)


def novelty_of(combos, source: DataSource, skip_bad: bool = False) -> list:
    """:func:`steps_core.novelty.novelty` of every combination (support and smallest pair count)."""
    from steps_core.novelty import novelty

    index = support_index(source, skip_bad)
    cooc = cooccurrence(source, skip_bad).cooc
    return [novelty(c.skills, index=index, cooc=cooc) for c in combos]


def accepted_skill_lists() -> list[list[str]]:
    """The skills of every accepted sample in the workspace: what the curated data covers."""
    return [list(s["skills"]) for s in workspace().samples(accepted=True, with_provenance=False)]


def catalog(source: DataSource) -> tuple[Skill, ...]:
    """The source's skill catalogue (empty without one)."""
    if source.catalog is None:
        return ()
    return memo("catalog", cache_key(str(source.catalog), content_key(source.catalog)),
                lambda: read_catalog(source.catalog))


def topics(source: DataSource) -> tuple[str, ...]:
    """The source's topic list (empty without one)."""
    if source.topics is None:
        return ()
    return memo("topics", cache_key(str(source.topics), content_key(source.topics)),
                lambda: read_topics(source.topics))


def tree_key(source: DataSource, settings: BuildSettings) -> str:
    """The key of a built tree: the corpus (path, size, mtime) and the settings."""
    return cache_key(str(source.corpus), fingerprint(source.corpus), settings.__dict__)


def build_tree_now(source: DataSource, settings: BuildSettings) -> EncodingTree:
    """Count, weight and optimise, showing progress: the work behind :func:`current_tree`."""
    with st.status("Building the taxonomy…", expanded=True) as status:
        counts = cooccurrence(source, settings.skip_bad)
        status.write(f"Counted {counts.cooc.n_records:,} records, {counts.cooc.n_skills:,} skills.")
        graph = build_graph(counts.cooc, weighting=settings.weighting, min_count=settings.min_count,
                            min_cooccur=settings.min_cooccur, drop_versions=not settings.keep_versions)
        status.write(f"Graph: {graph.n_skills:,} skills, {graph.n_edges:,} edges ({settings.weighting}).")
        for line in graph.pruning.summary():
            status.write(md(line[0].upper() + line[1:]) + ".")
        bar, update = progress_bar("Optimising the encoding tree (levels)")
        tree = build_tree(graph, k=settings.height, progress=update)
        bar.empty()
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
        cooc = _cooc_key(source, settings.skip_bad)
        for kind, k in (("cooc", cooc), ("support", cooc), ("tree", f"{ws.path}|{key}")):
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
                        meta={"key": key, "source": source.to_setting(), "settings": settings.__dict__,
                              "version": tree.version})
        return tree

    return memo("tree", f"{ws.path}|{key}", compute)


@dataclass(frozen=True)
class EditState:
    """The taxonomy edits of the workspace against the base tree.

    ``trees[i]`` is the tree after the first ``i`` active edits (``trees[0]`` is the base tree, ``trees[-1]``
    the tree in use); ``log`` the whole op log (active then undone); ``stale`` when some active edit was
    made on another base tree (the data or the settings changed since; an op records it as ``base``; an op
    without it is tried on any base tree), ``error`` when replaying failed:
    in both cases no edit is applied and the base tree is used.
    """

    base: EncodingTree
    trees: tuple[EncodingTree, ...]
    log: Any
    stale: bool = False
    error: str | None = None

    @property
    def tree(self) -> EncodingTree:
        return self.trees[-1]

    @property
    def applied(self) -> bool:
        return not self.stale and self.error is None


def edit_state() -> EditState:
    """The base tree, the workspace's edit log and the trees it gives (replays are cached by content)."""
    from steps_core.edits import is_stale, replay_each

    base = base_tree()
    log = workspace().op_log()
    active = tuple(log.active)
    if is_stale(active, base):
        return EditState(base, (base,), log, stale=True)
    if not active:
        return EditState(base, (base,), log)
    try:
        trees = memo("edited", cache_key(base.version, active), lambda: replay_each(base, active))
    except InputError as exc:
        return EditState(base, (base,), log, error=str(exc))
    return EditState(base, trees, log)


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


def catalog_by_name(source: DataSource) -> dict[str, Skill]:
    """The catalogue as a dict by skill name (empty on a bad or missing catalogue, with the error shown)."""
    with shown_errors("Skill catalogue: "):
        return {s.name: s for s in catalog(source)}
    return {}


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
    df = charts.combination_frame(combos, marks, combo_key, novelty)
    key = rows_key(name, [c.skills for c in combos])
    st.dataframe(charts.combination_styler(df, charts.community_colour_map(tree)), hide_index=True,
                 width="stretch", height=table_height(len(df), height), key=key, on_select="rerun",
                 selection_mode="multi-row", **kwargs)
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
