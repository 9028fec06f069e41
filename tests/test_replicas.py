"""Two LiteLLM proxy replicas on one real Redis, from ``kilo-litellm proxy-config --redis ... --cache
--free-cooldowns``.

One ``redis-server`` and two ``litellm --config`` processes per module, the gateway emulator behind
both, ``num_retries: 0`` as generated; the ``openai`` client calls them. What each replica did is
read from the emulator's request log, Redis and the ``x-litellm-*`` headers LiteLLM 1.110.2 sends.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from pathlib import Path

import openai
import pytest
import redis as redis_client
import yaml
from processes import CEILING
from proxy_helpers import Proxy, ProxyStartError, run_proxy, write_config
from redis_server import running_redis
from replica_helpers import replica_config, two_replicas

from kilo_litellm.emulator import RATE_LIMIT_BODY, Reply
from kilo_litellm.proxy.router import free_chain

CHAIN = [e.gateway_id for e in free_chain()]
FIRST, SECOND, LAST = CHAIN[0], CHAIN[1], CHAIN[-1]
HOURLY = Reply(status=429, body=RATE_LIMIT_BODY)
CLI = Path(sys.executable).with_name("kilo-litellm")
pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]  # two proxies start in the first test's setup


@pytest.fixture(scope="module")
def redis(redis_server):
    return redis_server


@pytest.fixture(scope="module")
def config(redis) -> dict:
    """What a user generates for replicas: ``kilo-litellm proxy-config --redis HOST:PORT --cache --free-cooldowns``."""
    command = [str(CLI), "proxy-config", "--redis", f"{redis.host}:{redis.port}", "--cache", "--free-cooldowns"]
    return yaml.safe_load(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


@pytest.fixture(scope="module")
def replicas(config, emulator, tmp_path_factory):
    try:
        with two_replicas(config, tmp_path_factory.mktemp("replicas"), {"KILO_API_BASE": emulator.api_base}) as pair:
            yield pair
    except ProxyStartError as exc:
        pytest.fail(str(exc))


@pytest.fixture
def gw(emulator):
    emulator.reset()
    yield emulator
    emulator.reset()


LOCAL_VIEW_SECONDS = 5.5


def _client(proxy: Proxy) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{proxy.base}/v1", api_key=proxy.master_key, max_retries=0, timeout=30)


def _ask(proxy: Proxy, model: str, text: str, **kwargs):
    """The raw response (headers) and the parsed completion of one call through ``proxy``."""
    messages = [{"role": "user", "content": text}]
    raw = _client(proxy).chat.completions.with_raw_response.create(model=model, messages=messages, **kwargs)
    return raw.headers, raw.parse()


def _sent(gw) -> list[str | None]:
    return [r.model for r in gw.chat_requests]


def _model_ids(proxy: Proxy) -> dict[str, str]:
    """Model group → deployment id, as the proxy's ``/v1/model/info`` lists them."""
    rows = _client(proxy).get("/model/info", cast_to=object)["data"]
    return {row["model_name"]: row["model_info"]["id"] for row in rows}


def test_the_generated_config_shares_router_state_and_cache_through_redis(config, redis):
    assert config["router_settings"]["redis_host"] == redis.host
    assert config["router_settings"]["redis_port"] == redis.port
    assert config["router_settings"]["redis_password"] == "os.environ/REDIS_PASSWORD"
    assert config["litellm_settings"]["cache_params"]["type"] == "redis"
    assert config["router_settings"]["num_retries"] == 0


def test_a_password_protected_redis_is_reached_through_redis_password(config, emulator, tmp_path):
    """The generated config names ``os.environ/REDIS_PASSWORD``; a proxy started with it set uses a
    Redis that requires it, and the password appears nowhere in the proxy's output."""
    password = "redis-pw-" + uuid.uuid4().hex
    with running_redis(tmp_path) as protected:
        protected.client().config_set("requirepass", password)
        replica = replica_config(config, protected, cache=False)
        env = {"KILO_API_BASE": emulator.api_base, "REDIS_PASSWORD": password}
        emulator.reset()
        with run_proxy(write_config(replica, tmp_path), tmp_path, env) as proxy:
            # The proxy reads /models at start-up (the live catalog): the scripted 429 is for the chat.
            deadline = time.monotonic() + CEILING
            while not any(r.path.endswith("/models") for r in emulator.requests) and time.monotonic() < deadline:
                time.sleep(0.1)
            emulator.script(HOURLY)
            headers, _ = _ask(proxy, "kilo-auto/free", f"behind a password {uuid.uuid4()}")
            log = proxy.log.read_text()
        emulator.reset()
        authed = redis_client.Redis(host=protected.host, port=protected.port, password=password, decode_responses=True)
        assert headers["x-litellm-model-group"] == SECOND
        assert authed.keys("deployment:*:cooldown")
        assert password not in log


def test_a_response_cached_by_replica_a_is_served_by_replica_b_without_a_gateway_request(replicas, gw, redis):
    a, b = replicas
    prompt = f"cache me {uuid.uuid4()}"
    headers_a, first = _ask(a, LAST, prompt)
    assert _sent(gw) == [LAST]
    assert "x-litellm-cache-key" not in headers_a
    headers_b, second = _ask(b, LAST, prompt)
    assert _sent(gw) == [LAST]
    assert second.choices[0].message.content == first.choices[0].message.content
    cache_key = headers_b["x-litellm-cache-key"]
    assert redis.client().exists(cache_key) == 1
    assert headers_b["x-litellm-response-cost"] == "0.0"
    assert headers_b["x-litellm-model-group"] == LAST
    assert headers_b["x-litellm-model-id"] == headers_a["x-litellm-model-id"]


def test_a_free_limit_seen_by_replica_a_sends_replica_b_straight_to_the_fallback(replicas, gw, redis):
    """Replica A meets the hourly limit on the first free model and falls back; the cooldown it
    records in Redis lasts the gateway's hour, so replica B skips the limited model too.

    Measured on 1.110.2: a replica routes on the cooldown state it read last for a few seconds (it
    kept sending to the limited model for at least a second after answering from the cache in the
    test above; LiteLLM's in-memory TTL is ``DEFAULT_IN_MEMORY_TTL``, 5 s). Once that has passed,
    every request of B skips the limited model.
    """
    a, b = replicas
    ids = _model_ids(a)
    gw.script(HOURLY)
    headers_a, answer_a = _ask(a, "kilo-auto/free", f"limited {uuid.uuid4()}")
    assert answer_a.choices[0].message.content
    assert _sent(gw) == [FIRST, SECOND]
    assert headers_a["x-litellm-attempted-fallbacks"] == "1"
    assert headers_a["x-litellm-model-group"] == SECOND
    assert headers_a["x-litellm-model-id"] == ids[SECOND]
    assert 3540 < redis.client().ttl(f"deployment:{ids['kilo-auto/free']}:cooldown") <= 3600

    time.sleep(LOCAL_VIEW_SECONDS)
    seen_by_b = []
    for text in ("after the limit", "and again", "once more"):
        headers_b, answer_b = _ask(b, "kilo-auto/free", f"{text} {uuid.uuid4()}")
        assert answer_b.choices[0].message.content
        seen_by_b.append((headers_b["x-litellm-model-group"], headers_b["x-litellm-attempted-fallbacks"]))
    b_stream = list(
        _client(b).chat.completions.create(
            model="kilo-auto/free", messages=[{"role": "user", "content": f"stream {uuid.uuid4()}"}], stream=True
        )
    )
    assert "".join(c.choices[0].delta.content or "" for c in b_stream if c.choices)
    assert seen_by_b == [(SECOND, "1")] * 3
    assert _sent(gw)[2:] == [SECOND] * 4


def test_when_every_free_model_is_limited_replica_b_refuses_at_once_with_retry_after(replicas, gw, redis):
    """Last in this module: it leaves the whole free chain cooled down for an hour.

    Every free model refuses. Replica A tries each one once and answers the client 429; replica B
    then answers 429 without a gateway request (after at most the one stale routing described
    above), with a ``retry-after`` LiteLLM takes from the shared cooldown."""
    a, b = replicas
    gw.default = HOURLY
    with pytest.raises(openai.RateLimitError):
        _ask(a, "kilo-auto/free", f"all limited {uuid.uuid4()}")
    assert set(_sent(gw)) <= set(CHAIN) and LAST in _sent(gw)
    with pytest.raises(openai.RateLimitError):
        _ask(b, "kilo-auto/free", f"still limited {uuid.uuid4()}")
    gw.requests.clear()
    with pytest.raises(openai.RateLimitError) as refused:
        _ask(b, "kilo-auto/free", f"and still {uuid.uuid4()}")
    assert _sent(gw) == []
    assert 3000 < int(refused.value.response.headers["retry-after"]) <= 3600
