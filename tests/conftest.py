"""Fixtures shared by the test modules (pytest finds them here; no module imports them).

* ``app_env``: a fresh workspace file and a small demo data set for the app (:mod:`app_helpers`);
* ``fake_openai``: a started OpenAI-compatible server on 127.0.0.1 with the default responder
  (:mod:`fake_openai`), stopped after the test.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from app_helpers import write_demo
from fake_openai import FakeOpenAI


@pytest.fixture()
def app_env(tmp_path, monkeypatch):
    """A fresh workspace file and a small demo data set for the app: ``.ws`` (workspace path), ``.files``
    (demo files), ``.tmp``. The embedding cache goes to the tmp folder too; no API key from outside leaks in."""
    files = write_demo(tmp_path / "demo")
    ws = tmp_path / "ws" / "app.sqlite"
    monkeypatch.setenv("STEPS_DEMO_DIR", str(tmp_path / "demo"))
    monkeypatch.setenv("STEPS_WORKSPACE", str(ws))
    monkeypatch.setenv("STEPS_EMBED_CACHE", str(tmp_path / "emb"))
    monkeypatch.setenv("STEPS_CACHE", str(tmp_path / "ws" / "llm-cache.sqlite"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    return SimpleNamespace(ws=ws, files=files, tmp=tmp_path)


@pytest.fixture
def fake_openai():
    """A started :class:`~fake_openai.FakeOpenAI` with the default responder, stopped after the test."""
    with FakeOpenAI() as server:
        yield server
