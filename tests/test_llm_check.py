"""steps_core.llm.check: "test connection" against the local fake OpenAI server over real HTTP: the models it
lists, one tiny request with its latency, and every fault said in words (refused key, no model list, nothing
listening, an unknown model); the key is in no report, message or log line."""

from __future__ import annotations

import logging
import socket
from types import SimpleNamespace

from steps_core.llm.check import PROBE, PROBE_MAX_TOKENS, check_endpoint

KEY = "sk-check-0123456789abcdef"


def endpoint(url, key=KEY, timeout=10.0):
    return SimpleNamespace(base_url=url, api_key=key, api_key_env="STEPS_TEST_NO_SUCH_KEY", timeout=timeout)


def everything_said(report) -> str:
    return " ".join(report.lines()) + repr(report)


def test_a_working_endpoint_lists_models_and_answers(fake_openai, caplog):
    caplog.set_level(logging.DEBUG)
    report = check_endpoint(endpoint(fake_openai.base_url), "fake-model")
    assert report.ok and report.error is None
    assert report.models == ("fake-judge", "fake-model") and report.model_listed is True
    assert report.model == "fake-model" and report.reply.startswith("echo ")
    assert 0 < report.latency_s < 10 and 0 < report.models_latency_s < 10
    assert report.usage.prompt_tokens == len(PROBE) // 4 + 1                    # what the server reported
    [sent] = fake_openai.requests                                               # exactly one tiny request
    assert sent["model"] == "fake-model" and sent["max_tokens"] == PROBE_MAX_TOKENS and sent["temperature"] == 0
    assert sent["messages"] == [{"role": "user", "content": PROBE}]
    assert fake_openai.authorizations == {f"Bearer {KEY}"}                      # the typed key was used...
    assert report.key == "typed for this session" and report.endpoint.startswith("127.0.0.1:")
    lines = report.lines()
    assert lines[1].startswith("Models listed in") and "fake-judge, fake-model" in lines[1]
    assert lines[2].startswith("Model fake-model answered in")
    assert KEY not in everything_said(report) and KEY not in caplog.text       # ...and is shown nowhere


def test_without_a_model_the_first_listed_is_tried(fake_openai):
    report = check_endpoint(endpoint(fake_openai.base_url))
    assert report.ok and report.model == "fake-judge"
    assert [r["model"] for r in fake_openai.requests] == ["fake-judge"]


def test_an_unlisted_model_is_noted(fake_openai):
    report = check_endpoint(endpoint(fake_openai.base_url), "other-model")
    assert report.ok and report.model_listed is False
    assert report.lines()[-1] == "Note: other-model is not among the models this endpoint lists."


def test_a_refused_key_is_said_in_words(fake_openai, caplog):
    caplog.set_level(logging.DEBUG)
    fake_openai.inject("401", times=5)
    report = check_endpoint(endpoint(fake_openai.base_url, key="sk-wrong-key-000000"), "fake-model")
    assert not report.ok and report.error == "the endpoint refused the API key (HTTP 401)"
    assert len(fake_openai.requests) == 1                                        # no retry
    assert "sk-wrong-key-000000" not in everything_said(report) + caplog.text


def test_an_endpoint_without_a_model_list(fake_openai):
    fake_openai.models = None
    report = check_endpoint(endpoint(fake_openai.base_url), "fake-model")
    assert report.models is None and "does not offer a model list (HTTP 404)" in report.models_error
    assert report.ok and report.model_listed is None                            # the request still tells
    nothing = check_endpoint(endpoint(fake_openai.base_url))
    assert not nothing.ok and nothing.model is None and nothing.error == "no model to try"
    assert "type a model name" in " ".join(nothing.lines())
    assert len(fake_openai.requests) == 1                                       # none sent without a model


def test_nothing_listening_is_said_quickly(caplog):
    caplog.set_level(logging.DEBUG)
    with socket.socket() as s:                                                  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    report = check_endpoint(endpoint(f"http://127.0.0.1:{port}/v1", timeout=5.0), "fake-model")
    assert not report.ok and report.models is None
    assert report.models_error.startswith("cannot connect") and "connection error" in report.error
    assert KEY not in everything_said(report) + caplog.text


def test_an_unknown_model_error_comes_through(fake_openai):
    fake_openai.inject("400")
    report = check_endpoint(endpoint(fake_openai.base_url), "fake-model")
    assert not report.ok and report.error.startswith("HTTP 400") and "context too long" in report.error
