"""Keyboard shortcuts for a page: a tiny ``st.components.v2`` component (inline JavaScript, nothing fetched) that
listens to key presses on the page and sends the action bound to the key back to Python as a trigger value.

Keys typed into a text field, a text area or a select box are left alone, and so are presses with Ctrl, Alt or
the Meta key; only one listener is ever installed (a new mount replaces the previous one, unmounting removes it),
so the shortcuts end with the page that drew them. The action arrives with the ``data`` the page gave when it drew
the component (e.g. the id of the sample shown), so a key acts on what the user saw.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

import streamlit as st

_JS = """
export default function (component) {
  const { data, setTriggerValue } = component;
  const keys = (data && data.keys) || {};
  const handler = (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    const target = (event.composedPath && event.composedPath()[0]) || event.target;
    const tag = ((target && target.tagName) || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || (target && target.isContentEditable)) return;
    const action = keys[event.key];
    if (!action) return;
    event.preventDefault();
    setTriggerValue("action", { action: action, context: data.context || null, at: Date.now() });
  };
  const previous = window.__stepsShortcuts;
  if (previous) document.removeEventListener("keydown", previous);
  window.__stepsShortcuts = handler;
  document.addEventListener("keydown", handler);
  return () => {
    if (window.__stepsShortcuts === handler) {
      document.removeEventListener("keydown", handler);
      window.__stepsShortcuts = null;
    }
  };
}
"""


@st.cache_resource(show_spinner=False)
def _component():
    """The component, registered once per server."""
    return st.components.v2.component("steps_shortcuts", js=_JS)


def shortcuts(key: str, keymap: Mapping[str, str], context: Any, on_action: Callable[[dict], None]) -> None:
    """Listen to the keys of ``keymap`` (key -> action name) on this page; a press calls ``on_action`` (as a
    widget callback, before the rerun's script) with ``{"action", "context"}``: the action and the ``context``
    given here (JSON: what the page showed when the key was pressed)."""

    def dispatch() -> None:
        state = st.session_state.get(key)
        payload = state.get("action") if hasattr(state, "get") else None
        if isinstance(payload, Mapping) and payload.get("action") in set(keymap.values()):
            on_action({"action": payload["action"], "context": payload.get("context")})

    _component()(key=key, data={"keys": dict(keymap), "context": context}, on_action_change=dispatch)
