"""The free-tier budget guard on two real LiteLLM proxy replicas sharing one real Redis.

The replicas run the generated config with ``kilo-litellm proxy-config --free-budget``'s callback
line (``proxy_config.with_free_budget``), pointed at the Redis by
``replica_config``. Budgets here are small so a test can spend them: ``kilo-auto/free`` gets
``model_info.kilo_free_budget`` of 3 requests per ``WINDOW`` seconds; every other free model gets
``LOAD_BUDGET`` per ~31 years (``KILO_FREE_BUDGET_PER_MODEL``), a window no run crosses, so what
the emulator received can be held against it exactly. The emulator's log is the judge: a request
the guard refused never reaches it.
"""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from proxy_helpers import FREE_GROUP, ProxyStartError
from replica_helpers import replica_config, two_replicas
from replica_load import over_budget, paced_stream, run_load, sent_per_model

from kilo_litellm.proxy import proxy_config
from kilo_litellm.proxy.free_budget import ENV_PER_MODEL, MODEL_INFO_KEY
from kilo_litellm.proxy.router import free_chain

pytestmark = pytest.mark.slow

CHAIN = [e.gateway_id for e in free_chain()]
FIRST, SECOND = CHAIN[:2]
WINDOW = 6
FIRST_BUDGET = 3
LOAD_BUDGET = 40
LONG_WINDOW = 1_000_000_000
LOAD_CALLS, LOAD_CONCURRENCY = 300, 20
MESSAGES = [{"role": "user", "content": "hello"}]


@pytest.fixture(scope="module")
def redis(redis_server):
    return redis_server


@pytest.fixture(scope="module")
def replicas(emulator, redis, tmp_path_factory):
    config = proxy_config.with_free_budget(proxy_config.config())
    first = next(d for d in config["model_list"] if d["model_name"] == FREE_GROUP)
    first["model_info"] = {**first.get("model_info", {}), MODEL_INFO_KEY: f"{FIRST_BUDGET}/{WINDOW}"}
    env = {"KILO_API_BASE": emulator.api_base, ENV_PER_MODEL: f"{LOAD_BUDGET}/{LONG_WINDOW}"}
    try:
        with two_replicas(replica_config(config, redis, cache=False), tmp_path_factory.mktemp("replicas"), env) as pair:
            yield pair
    except ProxyStartError as exc:
        pytest.fail(str(exc))


@pytest.fixture
def gw(emulator):
    emulator.reset()
    yield emulator
    emulator.reset()


def _ask(proxy, model: str = FREE_GROUP) -> httpx.Response:
    return httpx.post(
        f"{proxy.base}/v1/chat/completions",
        headers={"Authorization": f"Bearer {proxy.master_key}"},
        json={"model": model, "messages": MESSAGES},
        timeout=60,
    )


def _sleep_to_next_window() -> None:
    time.sleep(WINDOW - time.time() % WINDOW + 0.05)


def test_the_fourth_request_across_both_replicas_goes_to_the_fallback_until_the_window_renews(replicas, gw):
    a, b = replicas
    for _attempt in range(3):
        _sleep_to_next_window()
        window = int(time.time() // WINDOW)
        gw.reset()
        answers = [_ask(proxy) for proxy in (a, b, a, b)]
        if int(time.time() // WINDOW) == window:
            break
    else:
        pytest.fail(f"4 requests never fitted in one {WINDOW} s window")

    assert [r.status_code for r in answers] == [200] * 4
    assert [r.model for r in gw.chat_requests] == [FIRST] * FIRST_BUDGET + [SECOND]
    assert [r.headers.get("x-litellm-attempted-fallbacks") for r in answers] == ["0", "0", "0", "1"]
    assert answers[3].json()["model"] == f"kilo/{SECOND}"

    _sleep_to_next_window()
    again = _ask(a)
    assert again.status_code == 200
    assert again.headers.get("x-litellm-attempted-fallbacks") == "0"
    assert [r.model for r in gw.chat_requests][-1] == FIRST


def test_load_loses_nothing_and_degrades_to_per_replica_budgets_when_redis_stops(replicas, redis, gw):
    """300 paced streams from 20 clients over both replicas, starting at ``SECOND`` (which falls back
    along the rest of the chain); Redis is stopped after half of them and started again at the end.

    While Redis runs, the replicas share each model's budget: the emulator sees ``LOAD_BUDGET``
    requests per model. Without Redis each replica counts alone, from what it sent itself, so each
    model takes more, up to one budget per replica in all, and the calls beyond are refused by the
    guard, cleanly; nothing fails. (A model has ended one request short of two budgets, in this test
    and in the bench; the cause is not established: possibly an attempt the guard counted that the
    Router then dropped while LiteLLM's own Redis calls began to fail.)"""
    redis.client().flushall()
    gw.default = paced_stream(0.002)
    chain = CHAIN[1:]
    stopped_at: list[float] = []

    def stop_redis_halfway(done: int) -> None:
        if done == LOAD_CALLS // 2:
            stopped_at.append(time.monotonic())
            redis.stop()

    try:
        result = asyncio.run(run_load(replicas, SECOND, LOAD_CALLS, LOAD_CONCURRENCY, on_done=stop_redis_halfway))
    finally:
        redis.start()

    assert result.errors == []
    assert result.total == LOAD_CALLS
    assert set(result.refusal_messages) <= {"free budget"}
    assert len(gw.chat_requests) == result.answered
    sent = sent_per_model(gw)
    assert set(sent) <= set(chain)
    before_stop = sent_per_model(gw, before=stopped_at[0])
    assert over_budget(before_stop, LOAD_BUDGET) == {}
    assert before_stop[SECOND] == LOAD_BUDGET
    assert over_budget(sent, 2 * LOAD_BUDGET) == {}
    assert all(sent[model] > LOAD_BUDGET for model in chain)
    assert result.refused > 0
