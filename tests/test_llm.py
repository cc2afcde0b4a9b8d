"""The OpenAI-compatible client: retries on injected faults, Retry-After, final failures, the cache, usage/cost,
and concurrency. Every request goes through the real ``openai`` package to a server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import json
import random
import subprocess
import sys
import threading
from email.utils import formatdate
import time

import pytest

from fake_openai import FakeOpenAI, default_responder, usage_for
from steps_core.errors import InputError
from steps_core.llm import (ChatRequest, LLMClient, Price, ResponseCache, RetryPolicy, Usage, retry_after_seconds,
                            base_url_host, endpoint_id, read_price_table, run_concurrently)

KEY = "sk-test-7f3a9c1e5b2d4e6f8a0b"


def _req(text: str = "hello", **kw) -> ChatRequest:
    return ChatRequest(messages=({"role": "user", "content": text},), model="fake-model", **kw)


def _client(server: FakeOpenAI, *, sleeps: list | None = None, **kw) -> LLMClient:
    kw.setdefault("retry", RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05))
    kw.setdefault("timeout", 5.0)
    return LLMClient(base_url=server.base_url, api_key=KEY,
                     sleep=(sleeps.append if sleeps is not None else (lambda s: None)), **kw)


@pytest.mark.parametrize("fault", ["429", "500", "malformed", "truncated", "empty"])
def test_each_transient_fault_is_retried_then_answered(fake_openai, fault):
    fake_openai.inject(fault)
    sleeps: list[float] = []
    result = _client(fake_openai, sleeps=sleeps).complete(_req())
    body = fake_openai.requests[-1]
    assert result.ok and result.error is None
    assert result.attempts == 2 and fake_openai.n_requests == 2 and len(sleeps) == 1
    assert fake_openai.faults_served == [fault]
    assert result.text == default_responder(body)
    u = usage_for(body, result.text)
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (u["prompt_tokens"], u["completion_tokens"])
    assert result.raw["choices"][0]["message"]["content"] == result.text


def test_a_slow_answer_past_the_timeout_is_retried():
    with FakeOpenAI(slow_seconds=1.5) as server:
        server.inject("slow")
        result = _client(server, timeout=0.3).complete(_req())
    assert result.ok and result.attempts == 2 and server.n_requests == 2


def test_retry_after_is_honoured_and_backoff_grows():
    with FakeOpenAI(retry_after=7) as server:
        server.inject("429")
        sleeps: list[float] = []
        assert _client(server, sleeps=sleeps).complete(_req()).ok
    assert sleeps == [7.0]  # the jittered backoff (<= 0.01 s) is raised to the server's Retry-After

    policy = RetryPolicy(base_delay=1.0, max_delay=15.0, jitter=0.5)
    rng = random.Random(1)
    for failures, (lo, hi) in {1: (0.5, 1.0), 2: (1.0, 2.0), 3: (2.0, 4.0), 5: (7.5, 15.0), 9: (7.5, 15.0)}.items():
        for _ in range(50):
            assert lo <= policy.delay(failures, rng=rng) <= hi
    assert RetryPolicy(jitter=0.0, base_delay=1.0).delay(1, retry_after=500.0) == 120.0  # capped


def test_retry_after_header_forms():
    assert retry_after_seconds({"retry-after-ms": "1500"}) == 1.5
    assert retry_after_seconds({"retry-after": "3"}) == 3.0
    later = retry_after_seconds({"retry-after": formatdate(time.time() + 30, usegmt=True)})
    assert 25.0 <= later <= 30.5
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds({}) is None


def test_gives_up_after_max_attempts_and_records_the_failure(fake_openai):
    fake_openai.inject("500", times=10)
    sleeps: list[float] = []
    result = _client(fake_openai, sleeps=sleeps, retry=RetryPolicy(max_attempts=3, base_delay=0.01)).complete(_req())
    assert not result.ok and not result.fatal
    assert result.attempts == 3 and fake_openai.n_requests == 3 and len(sleeps) == 2
    assert "HTTP 500" in result.error and "gave up after 3 attempts" in result.error


def test_other_4xx_are_final_and_401_is_fatal(fake_openai):
    fake_openai.inject("400")
    bad = _client(fake_openai).complete(_req("a"))
    assert not bad.ok and not bad.fatal and bad.attempts == 1
    assert bad.error == "HTTP 400: bad request: context too long"
    fake_openai.inject("401")
    denied = _client(fake_openai).complete(_req("b"))
    assert not denied.ok and denied.fatal and denied.attempts == 1 and "API key" in denied.error
    assert KEY not in denied.error
    assert fake_openai.n_requests == 2


def test_key_is_sent_to_the_endpoint_only(fake_openai, tmp_path):
    cache = ResponseCache(tmp_path / "cache.sqlite")
    client = _client(fake_openai, cache=cache)
    fake_openai.inject("500")
    assert client.complete(_req()).ok
    assert fake_openai.authorizations == {f"Bearer {KEY}"}
    assert KEY not in repr(client)
    cache.close()
    for f in tmp_path.iterdir():
        assert KEY.encode() not in f.read_bytes(), f


def test_missing_key_sends_a_placeholder(fake_openai, monkeypatch):
    monkeypatch.delenv("STEPS_TEST_NO_SUCH_KEY", raising=False)
    client = LLMClient(base_url=fake_openai.base_url, api_key_env="STEPS_TEST_NO_SUCH_KEY")
    assert not client.has_key
    assert client.complete(_req()).ok
    assert fake_openai.authorizations == {"Bearer no-key-set"}


def test_cache_answers_a_second_client_with_zero_requests(tmp_path):
    path = tmp_path / "cache.sqlite"
    with FakeOpenAI() as server:
        with ResponseCache(path) as cache:
            client = _client(server, cache=cache)
            answers = [client.complete(_req(f"q{i}", temperature=0.5, seed=i)) for i in range(3)]
            assert server.n_requests == 3 and len(cache) == 3 and client.cache_hits == 0
        with ResponseCache(path) as cache:
            client = _client(server, cache=cache)
            again = [client.complete(_req(f"q{i}", temperature=0.5, seed=i)) for i in range(3)]
            assert server.n_requests == 3 and client.cache_hits == 3
            assert [a.text for a in again] == [a.text for a in answers]
            assert [a.usage for a in again] == [a.usage for a in answers]
            assert all(a.cached and a.attempts == 0 for a in again)
            assert again[0].raw == answers[0].raw
            # any change of a parameter is a different request
            client.complete(_req("q0", temperature=0.6, seed=0))
            assert server.n_requests == 4


def test_two_endpoints_serving_the_same_model_name_never_share_answers(tmp_path):
    # B4: the endpoint (host, port, path) is part of the cache key
    path = tmp_path / "cache.sqlite"
    with FakeOpenAI() as one, FakeOpenAI() as two, ResponseCache(path) as cache:
        a = _client(one, cache=cache).complete(_req("same question"))
        b = _client(two, cache=cache).complete(_req("same question"))
        assert one.n_requests == 1 and two.n_requests == 1 and not b.cached and len(cache) == 2
        assert a.key != b.key
        assert _client(two, cache=cache).complete(_req("same question")).cached and two.n_requests == 1
    assert endpoint_id("http://h:8000/v1") != endpoint_id("http://h:8000/other/v1")
    assert endpoint_id("http://h:8000/v1/") == endpoint_id("http://user:pw@H:8000/v1")
    assert "pw" not in endpoint_id("http://user:pw@h:8000/v1")
    req = _req("q")
    assert req.cache_key("h:1/v1") != req.cache_key("h:2/v1") != req.cache_key()


def test_failures_are_not_cached(tmp_path, fake_openai):
    with ResponseCache(tmp_path / "c.sqlite") as cache:
        fake_openai.inject("400")
        client = _client(fake_openai, cache=cache)
        assert not client.complete(_req()).ok
        assert len(cache) == 0
        assert client.complete(_req()).ok and len(cache) == 1
        assert fake_openai.n_requests == 2


def test_cache_key_covers_every_parameter():
    base = _req("x", temperature=0.2, max_tokens=10, seed=1, params=(("top_p", 0.9),))
    key = base.cache_key()
    assert len(key) == 64 and key == _req("x", temperature=0.2, max_tokens=10, seed=1,
                                          params=(("top_p", 0.9),)).cache_key()
    variants = [
        _req("y", temperature=0.2, max_tokens=10, seed=1, params=(("top_p", 0.9),)),
        ChatRequest(messages=({"role": "system", "content": "x"},), model="fake-model", temperature=0.2,
                    max_tokens=10, seed=1, params=(("top_p", 0.9),)),
        ChatRequest(messages=base.messages, model="other", temperature=0.2, max_tokens=10, seed=1,
                    params=(("top_p", 0.9),)),
        _req("x", temperature=0.3, max_tokens=10, seed=1, params=(("top_p", 0.9),)),
        _req("x", temperature=0.2, max_tokens=11, seed=1, params=(("top_p", 0.9),)),
        _req("x", temperature=0.2, max_tokens=10, seed=2, params=(("top_p", 0.9),)),
        _req("x", temperature=0.2, max_tokens=10, seed=1, params=(("top_p", 0.8),)),
    ]
    keys = {v.cache_key() for v in variants}
    assert len(keys) == len(variants) and key not in keys
    # the documented definition: sha256 of the canonical JSON of the fields
    canon = {"messages": [["user", "x"]], "model": "fake-model", "temperature": 0.2, "max_tokens": 10, "seed": 1,
             "params": [["top_p", 0.9]]}
    expected = hashlib.sha256(json.dumps(canon, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    assert key == expected


def test_cache_is_safe_across_threads_and_processes(tmp_path):
    path = tmp_path / "shared.sqlite"
    from steps_core.llm import ChatResult

    with ResponseCache(path) as cache:
        def put(i: int) -> None:
            cache.put(f"k{i}", "m", ChatResult(ok=True, text=f"t{i}", usage=Usage(i, 1), raw={"i": i}))
        threads = [threading.Thread(target=put, args=(i,)) for i in range(16)]
        for t in threads:
            t.start()
        code = ("import sys; from steps_core.llm import ResponseCache, ChatResult, Usage\n"
                "c = ResponseCache(sys.argv[1])\n"
                "[c.put(f'p{i}', 'm', ChatResult(ok=True, text='p', usage=Usage(1, 1))) for i in range(16)]\n"
                "print(c.get('k3') is not None or True); c.close()\n")
        proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60)
        for t in threads:
            t.join()
        assert proc.returncode == 0, proc.stderr
        assert len(cache) == 32
        hit = cache.get("k5")
        assert hit.text == "t5" and hit.usage == Usage(5, 1) and hit.raw == {"i": 5} and hit.cached
        assert cache.get("nope") is None


def test_a_file_that_is_not_a_cache_is_an_input_error(tmp_path):
    bad = tmp_path / "bad.sqlite"
    bad.write_text("this is not sqlite" * 100)
    with pytest.raises(InputError) as err:
        ResponseCache(bad)
    assert err.value.path == str(bad)


def test_usage_totals_and_cost(fake_openai):
    client = _client(fake_openai)
    results = [client.complete(_req("x" * n)) for n in (40, 80)]
    total = results[0].usage + results[1].usage
    assert client.usage == total and client.requests == 2
    expected_pt = sum(usage_for(b, r.text)["prompt_tokens"] for b, r in zip(fake_openai.requests, results))
    assert total.prompt_tokens == expected_pt == (40 // 4 + 1) + (80 // 4 + 1)
    assert Price(0.15, 0.60).cost(Usage(1000, 2000)) == pytest.approx((1000 * 0.15 + 2000 * 0.60) / 1e6)
    assert Usage(3, 4).total_tokens == 7


def test_price_table(tmp_path):
    good = tmp_path / "prices.json"
    good.write_text(json.dumps({"m1": {"input": 0.5, "output": 1.5}}))
    assert read_price_table(good) == {"m1": Price(0.5, 1.5)}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"m1": {"input": 0.5}}))
    with pytest.raises(InputError) as err:
        read_price_table(bad)
    assert err.value.field == "m1" and err.value.path == str(bad)
    broken = tmp_path / "broken.json"
    broken.write_text('{"m1": ')
    with pytest.raises(InputError) as err:
        read_price_table(broken)
    assert err.value.line == 1


def test_base_url_host_drops_credentials_and_path():
    assert base_url_host("https://user:pw@llm.example.com:8443/v1/") == "llm.example.com:8443"
    assert base_url_host("http://127.0.0.1:8000/v1") == "127.0.0.1:8000"
    assert base_url_host("localhost:9000/v1") == "localhost:9000"
    assert base_url_host(None) == "api.openai.com"


def test_run_concurrently_yields_everything_and_reports_progress():
    seen = []
    out = list(run_concurrently(lambda x: x * 10, range(25), workers=4, progress=lambda d, t: seen.append((d, t))))
    assert sorted(out) == [x * 10 for x in range(25)]
    assert seen[0] == (0, 25) and seen[-1] == (25, 25) and [d for d, _ in seen] == list(range(26))
    unsized = []
    assert len(list(run_concurrently(abs, (i for i in range(5)), workers=2,
                                     progress=lambda d, t: unsized.append((d, t))))) == 5
    assert unsized[-1] == (5, None)
    # workers=1 keeps the order
    assert list(run_concurrently(lambda x: -x, [3, 1, 2], workers=1)) == [-3, -1, -2]


def test_run_concurrently_is_lazy_and_stops_on_error():
    pulled = []

    def items():
        for i in range(1000):
            pulled.append(i)
            yield i

    gen = run_concurrently(lambda x: x, items(), workers=3)
    next(gen)
    gen.close()  # the consumer stops (e.g. Ctrl-C): nothing more is drawn
    assert len(pulled) <= 2 * 3 + 1

    def boom(x):
        if x == 2:
            raise RuntimeError("boom")
        return x

    with pytest.raises(RuntimeError, match="boom"):
        list(run_concurrently(boom, range(10), workers=2))
    with pytest.raises(InputError):
        list(run_concurrently(boom, range(3), workers=0))


def test_retry_policy_validation():
    with pytest.raises(InputError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(InputError):
        RetryPolicy(jitter=2.0)
    with pytest.raises(InputError):
        LLMClient(base_url="http://127.0.0.1:1/v1", timeout=0)


def test_connection_refused_is_retried_then_recorded():
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    sleeps: list[float] = []
    client = LLMClient(base_url=f"http://127.0.0.1:{port}/v1", api_key=KEY, timeout=2,
                       retry=RetryPolicy(max_attempts=2, base_delay=0.01), sleep=sleeps.append)
    result = client.complete(_req())
    assert not result.ok and result.attempts == 2 and len(sleeps) == 1
    assert result.error.startswith("connection error") and KEY not in result.error


def test_default_cache_path_and_a_new_cache_file(tmp_path, monkeypatch):
    from steps_core.llm import default_cache_path

    monkeypatch.setenv("STEPS_CACHE", str(tmp_path / "explicit.sqlite"))
    assert default_cache_path() == tmp_path / "explicit.sqlite"
    monkeypatch.delenv("STEPS_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_path() == tmp_path / "xdg" / "steps-studio" / "llm-cache.sqlite"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_path() == tmp_path / "home" / ".cache" / "steps-studio" / "llm-cache.sqlite"
    # the cache creates its folders and is a plain SQLite file in WAL mode with one table of answers
    import sqlite3
    path = tmp_path / "deep" / "er" / "c.sqlite"
    with ResponseCache(path):
        pass
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["responses"]


def test_a_new_cache_opens_while_another_process_holds_a_lock(tmp_path):
    # B13: the WAL switch is retried (SQLite itself fails at once with 'database is locked')
    from test_io import _hold_reserved_lock

    path = tmp_path / "c.sqlite"
    t = _hold_reserved_lock(path, 0.3)
    try:
        with ResponseCache(path, busy_timeout=5) as cache:
            assert len(cache) == 0
            assert cache._con().execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        t.join()


def test_insufficient_quota_is_fatal_and_not_retried(fake_openai):
    fake_openai.inject("quota")
    sleeps: list[float] = []
    result = _client(fake_openai, sleeps=sleeps).complete(_req())
    assert not result.ok and result.fatal and result.attempts == 1 and sleeps == []
    assert fake_openai.n_requests == 1 and "insufficient_quota" in result.error
    fake_openai.inject("429")                       # a plain rate limit is still retried
    assert _client(fake_openai).complete(_req()).attempts == 2


def test_a_rejected_answer_is_forgotten_by_the_cache(tmp_path, fake_openai):
    # B3: the caller rejects an answer -> a rerun asks the endpoint again
    with ResponseCache(tmp_path / "c.sqlite") as cache:
        client = _client(fake_openai, cache=cache)
        first = client.complete(_req())
        assert len(cache) == 1 and client.complete(_req()).cached
        client.forget(first)
        assert len(cache) == 0 and cache.delete(first.key) is False
        again = client.complete(_req())
        assert not again.cached and fake_openai.n_requests == 2 and len(cache) == 1


def test_a_stopped_client_sends_nothing_and_ends_its_waits():
    from steps_core.llm import Interrupted

    with FakeOpenAI(retry_after=60) as server:
        client = LLMClient(base_url=server.base_url, api_key=KEY, timeout=5.0,
                           retry=RetryPolicy(max_attempts=3, base_delay=60.0, max_delay=60.0))
        server.inject("429", times=5)
        box: dict = {}

        def ask():
            try:
                box["result"] = client.complete(_req())
            except Interrupted as exc:
                box["error"] = exc

        t = threading.Thread(target=ask)
        t.start()
        deadline = time.monotonic() + 10
        while server.n_requests < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert client.stop() == 0                     # nothing on the wire: the client is waiting to retry
        t.join(timeout=10)
        assert not t.is_alive() and isinstance(box.get("error"), Interrupted)   # the 60 s wait ended at once
        assert server.n_requests == 1 and client.stopped
        with pytest.raises(Interrupted):
            client.complete(_req("another"))
        assert server.n_requests == 1


def test_run_concurrently_yields_the_completed_results_before_an_error():
    three_done = threading.Event()
    finished = []
    lock = threading.Lock()

    def fn(x):
        if x == 3:
            three_done.wait(5)
            raise RuntimeError("boom")
        with lock:
            finished.append(x)
            if len(finished) == 3:
                three_done.set()
        return x

    got = []
    gen = run_concurrently(fn, range(4), workers=4)
    got.append(next(gen))
    time.sleep(0.3)                          # meanwhile everything completes, the error included
    with pytest.raises(RuntimeError, match="boom"):
        for x in gen:
            got.append(x)
    assert sorted(got) == [0, 1, 2]


def test_run_concurrently_does_not_wait_for_running_calls_when_the_consumer_stops():
    release = threading.Event()
    gen = run_concurrently(lambda x: x if x == 0 else release.wait(30), range(6), workers=3)
    assert next(gen) == 0
    gen.close()                               # returns although two calls are still blocked
    workers = [t for t in threading.enumerate() if t.name.startswith("steps-llm-")]
    assert workers and all(t.daemon for t in workers)
    release.set()


# ----------------------------------------------------------------------------------------------------------
# Issue 11: echoed keys, answers that are not valid text, an endpoint that is down, prices
# ----------------------------------------------------------------------------------------------------------

def test_an_echoed_key_is_redacted_before_the_cache(fake_openai, tmp_path):
    with ResponseCache(tmp_path / "c.sqlite") as cache:
        client = _client(fake_openai, cache=cache)
        fake_openai.inject("echo_key")
        res = client.complete(_req())
        assert res.ok and KEY not in res.text and "[redacted]" in res.text
        assert KEY not in json.dumps(res.raw) and client.complete(_req()).cached
    assert KEY.encode() not in (tmp_path / "c.sqlite").read_bytes()


def test_an_answer_with_a_lone_surrogate_fails_and_is_not_cached(fake_openai, tmp_path):
    with ResponseCache(tmp_path / "c.sqlite") as cache:
        client = _client(fake_openai, cache=cache)
        fake_openai.inject("surrogate")
        res = client.complete(_req())
        assert not res.ok and not res.fatal and "not valid text" in res.error and len(cache) == 0
        json.dumps(res.raw).encode("utf-8")                       # what is kept of it is valid text
        again = client.complete(_req())
        assert again.ok and not again.cached and len(cache) == 1


def test_an_endpoint_that_does_not_answer_counts_as_down():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = LLMClient(base_url=f"http://127.0.0.1:{port}/v1", api_key=KEY, max_unreachable=2,
                       retry=RetryPolicy(max_attempts=2, base_delay=0.0), sleep=lambda s: None)
    first = client.complete(_req("a"))
    assert not first.ok and not first.fatal and "connection error" in first.error
    second = client.complete(_req("b"))
    assert second.fatal and second.unreachable and "did not answer 2 requests in a row" in second.error
    n = client.requests
    third = client.complete(_req("c"))
    assert third.unreachable and client.requests == n                 # nothing more is sent


def test_prices_must_be_finite(tmp_path):
    with pytest.raises(InputError, match="finite"):
        Price(float("nan"), 1.0)
    table = tmp_path / "p.json"
    table.write_text('{"m": {"input": Infinity, "output": 1}}')
    with pytest.raises(InputError, match="finite") as err:
        read_price_table(table)
    assert err.value.path == str(table) and err.value.field == "m"


# ----------------------------------------------------------------------------------------------------------
# The budget
# ----------------------------------------------------------------------------------------------------------

def test_a_budget_waits_for_the_work_under_way_then_stops():
    from steps_core.llm import Budget, BudgetReached

    budget = Budget(2.5, Price(0.0, 1e6), output_tokens=1)
    assert budget.estimate(_req()) == 1.0                           # an answer of 1 token at $1 per token
    a, b = budget.reserve(1.0), budget.reserve(1.0)                 # $2 under way: a third does not fit yet
    got: list = []
    third = threading.Thread(target=lambda: got.append(budget.reserve(1.0)))
    third.start()
    time.sleep(0.3)
    assert got == [] and third.is_alive()                          # it waits...
    budget.settle(a, 0.0)                                           # ...until work costs less than its estimate
    third.join(5)
    assert got == [1.0] and not budget.stopped
    budget.settle(b, 1.0)
    budget.settle(got[0], 1.0)                                      # $2 spent: $1 more would pass $2.5
    with pytest.raises(BudgetReached, match=r"--max-cost \$2.5000 reached: \$2.0000 spent"):
        budget.reserve(1.0)
    assert budget.stopped and budget.next_estimate == 1.0
    with pytest.raises(BudgetReached):                              # and it stays stopped
        budget.reserve(0.1, wait=False)
    assert (budget.admitted, budget.refused) == (3, 2)


def test_a_budget_wait_ends_when_the_run_is_stopped():
    from steps_core.llm import Budget, Interrupted

    budget = Budget(1.0, Price(1.0, 1.0))
    budget.reserve(0.8)
    stop = threading.Event()
    threading.Timer(0.2, stop.set).start()
    with pytest.raises(Interrupted):
        budget.reserve(0.5, stopped=stop.is_set)
    assert not budget.stopped


def test_a_budget_refuses_bad_settings():
    from steps_core.llm import Budget

    with pytest.raises(InputError, match="needs the model's price"):
        Budget(1.0, None)
    for bad in (-1, float("nan"), float("inf")):
        with pytest.raises(InputError, match="max-cost"):
            Budget(bad, Price(1, 1))
    with pytest.raises(InputError, match="batch-discount"):
        Budget(1.0, Price(1, 1), discount=1.0)
    half = Budget(1.0, Price(2.0, 4.0), output_tokens=10, discount=0.5)
    assert half.estimate(_req("abcd", max_tokens=5)) == pytest.approx((5 * 2.0 + 5 * 4.0) / 1e6 / 2)
