"""Faults across two LiteLLM proxy replicas on one real Redis, each a bounded test.

* A replica killed (SIGKILL) while a client reads a stream through it: the client's stream ends in an
  error or closes within seconds, never hangs; the other replica keeps serving; every cooldown and
  budget count in Redis is still there.
* Redis stopped and started again on the same port under load: no call fails, and the replicas
  write their counts and cooldowns to the new Redis once LiteLLM's Redis circuit breaker closes
  again, which the other replica then honours. LiteLLM 1.110.2 opens it after ``REDIS_CIRCUIT_BREAKER_FAILURE_THRESHOLD`` (5) failed Redis
  calls and fast-fails every Redis call (memory only) for ``REDIS_CIRCUIT_BREAKER_RECOVERY_TIMEOUT``
  seconds (60 by default; ``litellm/constants.py``); the replicas here run with 3.
* A gateway that sends no first byte: the proxy answers HTTP 408 (``litellm.Timeout``) at the
  deployment's ``timeout``, streaming or not.

Each test starts its own proxies (from the generated config with ``--free-cooldowns`` and the budget guard, as
``bench/replicas.py`` runs them) and its own ``redis-server``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
import uuid

import openai
import pytest
from proxy_helpers import FREE_GROUP, Proxy, ProxyStartError, agents_config, run_proxy, write_config
from redis_server import RedisMissingError, running_redis
from replica_helpers import replica_config, two_replicas
from replica_load import STREAM_TEXT, paced_stream, run_load

from kilo_litellm.emulator import RATE_LIMIT_BODY, Reply
from kilo_litellm.proxy import proxy_config
from kilo_litellm.proxy.free_budget import ENV_PER_MODEL
from kilo_litellm.proxy.router import free_chain

CHAIN = [e.gateway_id for e in free_chain()]
FIRST, SECOND, LAST = CHAIN[0], CHAIN[1], CHAIN[-1]
HOURLY = Reply(status=429, body=RATE_LIMIT_BODY)
BUDGET = f"1000/{1_000_000_000}"
HANG_BOUND_S = 10.0
BREAKER_RECOVERY_S = 3
pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


@pytest.fixture
def redis(tmp_path):
    try:
        with running_redis(tmp_path) as server:
            yield server
    except RedisMissingError as exc:
        pytest.fail(str(exc))


@pytest.fixture
def gw(emulator):
    emulator.reset()
    yield emulator
    emulator.reset()


@pytest.fixture
def replicas(gw, redis, tmp_path):
    config = replica_config(
        proxy_config.with_free_budget(proxy_config.with_free_cooldowns(proxy_config.config())), redis, cache=False
    )
    env = {
        "KILO_API_BASE": gw.api_base,
        ENV_PER_MODEL: BUDGET,
        "REDIS_CIRCUIT_BREAKER_RECOVERY_TIMEOUT": str(BREAKER_RECOVERY_S),
    }
    try:
        with two_replicas(config, tmp_path, env) as pair:
            yield pair
    except ProxyStartError as exc:
        pytest.fail(str(exc))


def _client(proxy: Proxy, timeout: float = 30) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{proxy.base}/v1", api_key=proxy.master_key, max_retries=0, timeout=timeout)


def _stream_text(proxy: Proxy, model: str = FREE_GROUP) -> str:
    messages = [{"role": "user", "content": f"hello {uuid.uuid4()}"}]
    chunks = _client(proxy).chat.completions.create(model=model, messages=messages, stream=True)
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def _state(redis) -> dict[str, tuple[str, int]]:
    """Every key in Redis with its value and TTL (the cooldowns and the guard's counters)."""
    client = redis.client()
    return {key: (client.get(key), client.ttl(key)) for key in client.keys("*") if client.type(key) == "string"}


def _counts(redis) -> dict[str, int]:
    return {k: int(v) for k, (v, _) in _state(redis).items() if v is not None and v.lstrip("-").isdigit()}


def test_a_replica_killed_mid_stream_ends_its_stream_and_loses_nothing_in_redis(replicas, gw, redis):
    a, b = replicas
    gw.script(HOURLY)
    assert _stream_text(a) == STREAM_TEXT  # FIRST refuses: A cools it down and falls back to SECOND
    before = _state(redis)
    cooldowns = [k for k in before if k.endswith(":cooldown")]
    assert cooldowns, before
    assert _counts(redis), before

    gw.default = paced_stream(0.5)
    got_first, ended = threading.Event(), {}

    def read_through_a() -> None:
        messages = [{"role": "user", "content": f"long {uuid.uuid4()}"}]
        try:
            for chunk in _client(a).chat.completions.create(model=LAST, messages=messages, stream=True):
                if chunk.choices and chunk.choices[0].delta.content:
                    got_first.set()
            ended["how"] = "closed"
        except Exception as error:
            ended["how"] = type(error).__name__
        ended["at"] = time.monotonic()

    reader = threading.Thread(target=read_through_a, daemon=True)
    reader.start()
    assert got_first.wait(30), "the stream through A never started"
    os.kill(a.pid, signal.SIGKILL)
    killed_at = time.monotonic()
    reader.join(HANG_BOUND_S)
    assert not reader.is_alive(), f"the client of the killed replica still waits after {HANG_BOUND_S} s"
    assert ended["at"] - killed_at < HANG_BOUND_S
    assert ended["how"] in {"closed", "APIConnectionError", "RemoteProtocolError", "ReadError"}, ended

    gw.default = paced_stream(0.0)
    assert _stream_text(b) == STREAM_TEXT
    after = _state(redis)
    for key, (value, _) in before.items():
        assert key in after, f"{key} vanished from Redis"
        if value is not None and value.isdigit():
            assert int(after[key][0]) >= int(value), key
    for key in cooldowns:
        assert after[key][1] > 0


def _writes_reach_redis(proxy: Proxy, redis, deadline: float) -> bool:
    """Streams through ``proxy`` on an emptied Redis until its budget count shows up there: its breaker is closed."""
    while time.monotonic() < deadline:
        redis.client().flushall()
        assert _stream_text(proxy, LAST) == STREAM_TEXT
        time.sleep(0.5)
        if _counts(redis):
            return True
    return False


def test_redis_restarted_under_load_fails_no_call_and_counts_and_cooldowns_resume(replicas, gw, redis):
    calls, concurrency = 120, 10
    gw.default = paced_stream(0.002)
    events: list[str] = []

    def blink(done: int) -> None:
        if done == calls // 3:
            redis.stop()
            events.append("stopped")
        elif done == calls // 2:
            redis.start()
            events.append("started")

    result = asyncio.run(run_load(replicas, LAST, calls, concurrency, on_done=blink))
    assert events == ["stopped", "started"]
    assert result.errors == []
    assert result.answered == calls
    # A breaker's first probe after the restart goes out on a connection to the old server and fails, so it
    # opens once more: writes resume within twice the recovery timeout.
    deadline = time.monotonic() + 2 * BREAKER_RECOVERY_S + 20
    for proxy in replicas:
        assert _writes_reach_redis(proxy, redis, deadline), f"no budget count from {proxy.base} reached the new Redis"

    a, b = replicas
    gw.script(HOURLY)
    assert _stream_text(a) == STREAM_TEXT  # FIRST refuses: A cools it down and falls back to SECOND
    cooldowns = [k for k, (_, ttl) in _state(redis).items() if k.endswith(":cooldown") and ttl > 3000]
    assert cooldowns, f"the cooldown did not reach the restarted Redis: {_state(redis)}"
    sent_before = len(gw.chat_requests)
    time.sleep(1.5)  # the Router re-reads cooldowns from Redis about every second
    assert _stream_text(b) == STREAM_TEXT
    assert [r.model for r in gw.chat_requests[sent_before:]] == [SECOND], "B did not see A's cooldown"


@pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
def test_replicas_answer_408_at_the_deployments_timeout_when_the_gateway_sends_no_first_byte(
    emulator, tmp_path, stream
):
    bound = 2
    config = agents_config()
    for deployment in config["model_list"]:
        deployment["litellm_params"]["timeout"] = bound
    emulator.reset()
    emulator.default = Reply(stall=True)
    try:
        with run_proxy(write_config(config, tmp_path), tmp_path, {"KILO_API_BASE": emulator.api_base}) as proxy:
            started = time.monotonic()
            with pytest.raises(openai.APIStatusError) as refused:
                answer = _client(proxy).chat.completions.create(
                    model=LAST, messages=[{"role": "user", "content": "slow"}], stream=stream
                )
                list(answer) if stream else None
            took = time.monotonic() - started
            sent = [r.model for r in emulator.chat_requests]
    except ProxyStartError as exc:
        pytest.fail(str(exc))
    finally:
        emulator.reset()
    assert refused.value.status_code == 408
    assert "Timeout" in str(refused.value)
    assert bound <= took < bound + 5
    assert sent == [LAST]
