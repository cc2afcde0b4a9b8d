"""The Synthesize page's model section: the backend, the endpoint, the model, the API key typed for the session,
sampling, parallel requests and prices, drawn as widgets and returned as typed settings (:class:`ModelChoice`),
and *Test connection* (:func:`steps_core.llm.check.check_endpoint`: the models listed, one tiny request).

The API key is used for this browser session only: it stays in the session state (never a workspace setting),
and every workspace the session opens refuses to store a value holding it (``guard_secret``) until it changes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import streamlit as st

from steps_core.grade import Judge
from steps_core.llm import Price, resolve_api_key
from steps_core.llm.check import check_endpoint
from steps_core.synth import Backend
from steps_core.synthesis import Endpoint, Generator, JudgeSettings, open_cache
from steps_core.names import BACKENDS, TEMPERATURE, TIMEOUT, WORKERS

from .datasource import catalog, current_source
from .state import bind_float, bound, open_workspace_named, save, valid_int, workspace
from .text import md

KEY_FIELD = "synth_api_key"          # the widget; Streamlit drops its state when the user leaves the page
API_KEY = "_api_key"                 # the key typed for this session (kept across pages and workspaces)
GUARDED = "_api_key_guarded"         # the workspace files on which it is guarded
REPORT = "_endpoint_report"          # the last connection test: (what was tested, its report)


@dataclass(frozen=True)
class ModelChoice:
    """What the model section chose: who writes (:class:`~steps_core.synthesis.Generator`), where requests go
    (:class:`~steps_core.synthesis.Endpoint`) and how many are in flight at once."""

    generator: Generator
    endpoint: Endpoint
    workers: int = 1

    @property
    def offline(self) -> bool:
        return not self.generator.needs_endpoint

    def backend(self) -> Backend:
        """The backend, answering from the response cache the ``steps`` command line shares."""
        return self.generator.make(self.endpoint, open_cache(enabled=not self.offline))

    def judge(self, model: str, rounds: int) -> Judge:
        """A judge on the same endpoint and prices, showing the data source's skill definitions."""
        settings = JudgeSettings(model, rounds=rounds, price=self.generator.price)
        return settings.make(self.endpoint.client(open_cache()), catalog=catalog(current_source()))


# ------------------------------------------------------------------------------------------------ the API key
def _guard(key: str) -> None:
    """Refuse to write ``key`` to the open workspace (a key of 8 characters or more: see ``guard_secret``)."""
    ws = workspace()
    ws.guard_secret(key)
    st.session_state.setdefault(GUARDED, set()).add(str(ws.path))


def key_changed() -> None:
    """The key field changed: the old key is no longer guarded (anywhere this session guarded it), the new
    one is. A key left guarded would block writing any value holding it, for every session of the server."""
    old = st.session_state.get(API_KEY) or ""
    new = st.session_state.get(KEY_FIELD) or ""
    if old and old != new:
        for path in st.session_state.pop(GUARDED, set()):
            open_workspace_named(path).unguard_secret(old)
    st.session_state[API_KEY] = new
    if new:
        _guard(new)


def api_key_field(col) -> str:
    """The key field, started from the key typed earlier in this session; the key in use."""
    if KEY_FIELD not in st.session_state:
        st.session_state[KEY_FIELD] = st.session_state.get(API_KEY, "")
    env_key = resolve_api_key() is not None
    col.text_input("API key", type="password", key=KEY_FIELD, on_change=key_changed,
                   placeholder="from $OPENAI_API_KEY" if env_key else "none (fine for local endpoints)",
                   help="Used for this browser session only: never saved to the workspace, logs or exports.")
    key = st.session_state.get(API_KEY) or ""
    if key:
        _guard(key)                  # also on a workspace opened since it was typed
    return key


# ------------------------------------------------------------------------------------------------ the section
def _float_input(col, label: str, key: str, default: float, hi: float, **kwargs) -> float:
    return col.number_input(label, 0.0, hi, key=bind_float(key, default, 0.0, hi), on_change=save, args=(key,),
                            **kwargs)


def model_section() -> ModelChoice:
    """Backend choice and endpoint settings; the API key stays in this session."""
    kind = bound(st.radio, "Backend", "synth.backend", "template", BACKENDS.__contains__,
                        options=list(BACKENDS), horizontal=True, captions=list(BACKENDS.values()))
    if kind == "template":
        st.caption("The template backend needs no model: it writes a placeholder sample from the skills' "
                   "definitions, labelled “[template sample — not model output]”. Use it to try the flow.")
        return ModelChoice(Generator(backend="template"), Endpoint())
    c = st.columns([2, 1.4, 1.6])
    base_url = bound(c[0].text_input, "Base URL", "synth.base_url", "", lambda v: isinstance(v, str),
                            placeholder="empty: $OPENAI_BASE_URL or api.openai.com",
                            help="the endpoint's address, e.g. http://localhost:8000/v1 for vLLM")
    model = bound(c[1].text_input, "Model", "synth.model", "", lambda v: isinstance(v, str))
    api_key = api_key_field(c[2])
    d = st.columns(5)
    temperature = d[0].slider("Temperature", 0.0, 2.0, step=0.1,
                              key=bind_float("synth.temperature", TEMPERATURE, 0.0, 2.0),
                              on_change=save, args=("synth.temperature",))
    workers = bound(d[1].number_input, "Parallel requests", "synth.workers", WORKERS, valid_int(1, 64),
                           min_value=1, max_value=64, step=1)
    timeout = bound(d[2].number_input, "Timeout (s)", "synth.timeout", int(TIMEOUT), valid_int(5, 600),
                           min_value=5, max_value=600, step=5)
    price_in = _float_input(d[3], "$ per 1M input tokens", "synth.price_in", 0.0, 1000.0, step=0.05, format="%.2f",
                            help="for the cost estimate; 0 = unknown")
    price_out = _float_input(d[4], "$ per 1M output tokens", "synth.price_out", 0.0, 1000.0, step=0.05,
                             format="%.2f")
    price = Price(float(price_in), float(price_out)) if price_in or price_out else None
    choice = ModelChoice(Generator(backend="openai", model=model or "", temperature=temperature, price=price),
                         Endpoint(base_url=base_url or None, api_key=api_key or None,
                                  timeout=float(timeout or TIMEOUT)), workers=int(workers or 1))
    connection_test(choice)
    return choice


# ------------------------------------------------------------------------------------------------ test connection
def _tested(choice: ModelChoice) -> str:
    """What a connection test depends on (the key only as a hash: it is never kept in clear beyond its field)."""
    key = hashlib.sha256((choice.endpoint.api_key or "").encode()).hexdigest()[:12]
    return f"{choice.endpoint.base_url}|{choice.generator.model}|{key}"


def test_connection(choice: ModelChoice) -> None:
    """List the endpoint's models and send one tiny request (a button callback); the report (which holds no
    key) stays shown while the endpoint, the model and the key stay the same."""
    st.session_state[REPORT] = (_tested(choice), check_endpoint(choice.endpoint, choice.generator.model or None))


def connection_test(choice: ModelChoice) -> None:
    """The *Test connection* button and the last test's report, in plain words (text from the endpoint escaped)."""
    c = st.columns([1.2, 5], vertical_alignment="top")
    c[0].button("Test connection", key="synth_test", icon=":material/network_check:", on_click=test_connection,
                args=(choice,), help="lists the endpoint's models and sends one tiny request (a few tokens)")
    tested, report = st.session_state.get(REPORT) or (None, None)
    if report is None or tested != _tested(choice):
        c[1].caption("Check the endpoint, the model and the key before a run: nothing is generated.")
        return
    show = c[1].success if report.ok else c[1].error
    show("  \n".join(md(line) for line in report.lines()),
         icon=":material/check_circle:" if report.ok else ":material/error:")
