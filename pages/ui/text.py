"""Words on the pages: plain-words help for every figure, Markdown-safe text, error messages that never
become tracebacks, the opening sentence of a page."""

from __future__ import annotations

import traceback
from contextlib import contextmanager
from typing import Any, Iterator

import streamlit as st

from steps_core.errors import StepsError
from steps_core.names import WEIGHTINGS

#: Plain-words explanations shown as tooltips next to numbers.
HELP = {
    "records": "records (instructions or dialogues) read from the corpus",
    "skills": "distinct skills that pass the minimum count; each is one node of the skill graph",
    "edges": "pairs of skills tagged together on at least 'min pair count' records (the edges of the skill graph)",
    "h1": "one-level structural entropy H¹ (bits): how much information is needed to locate a random step "
          "of a walk on the skill graph when the skills are not grouped at all",
    "ht": "uncertainty left: the structural entropy H^T (bits), how much information is needed to locate a random "
          "step of a walk on the skill graph, given this tree; lower = the tree explains the co-occurrences better",
    "theta": "how much of the uncertainty the tree explains: compression θ = 1 − H^T / H¹, the share of the "
             "one-level entropy H¹ that the tree saves; higher = clearer communities",
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
    "semantic": "how much the skills' meaning counts in the graph beside their co-occurrence (MiniLM similarity of "
                "the skills' descriptions, each skill's 10 nearest): 0 = co-occurrence only; the model loads once, "
                "a few seconds",
}


_MD_SPECIAL = set("\\`*_{}[]()#+-.!|<>~$:")


def md(text: Any) -> str:
    """``text`` with Markdown's special characters backslash-escaped: a name shows exactly as written.

    >>> md("a_b *c*")
    'a\\\\_b \\\\*c\\\\*'
    """
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in str(text))


def num(x: float | None) -> str:
    """A number for a person: three significant digits, thousands grouped (``—`` for none).

    >>> num(3.764361), num(0.0123456), num(1519), num(None)
    ('3.76', '0.0123', '1,519', '—')
    """
    if x is None:
        return "—"
    x = float(x)
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


def pct(x: float) -> str:
    """A share as a percentage with three significant digits: ``pct(0.4717) == '47.2%'``."""
    return f"{100 * float(x):.3g}%"


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


