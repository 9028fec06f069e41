"""``kilo_litellm.free_budget``: the free-tier budget guard in an in-process ``free_router`` with a real Redis.

The guard's clock is a test clock, so a window passes without waiting; the Router's cache is a real
``redis-server`` (``tests/redis_server.py``), emptied before each test. What the emulator received
is the judge: a request the guard refused is never sent. The two-replica proxy setup is in
``test_replicas_budget.py``.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys

import litellm
import pytest
import yaml
from conftest import MESSAGES, user_env
from processes import CEILING

from kilo_litellm import free_router
from kilo_litellm.proxy import proxy_config
from kilo_litellm.proxy.free_budget import ENV_ANONYMOUS, ENV_PER_MODEL, Budget, FreeBudget, Limits
from kilo_litellm.proxy.router import free_chain

CHAIN = [e.gateway_id for e in free_chain()]
FIRST, SECOND = CHAIN[:2]
HOUR = 3600
START = 500_000 * HOUR
PAID_KEY = "sk-test-free-budget-0123456789"


class Clock:
    def __init__(self) -> None:
        self.now = float(START)

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def redis(redis_server):
    return redis_server


@pytest.fixture
def shared(redis):
    """The running Redis, emptied, as a Router's ``redis_host``/``redis_port``; running again afterwards."""
    if redis.process is None:
        redis.start()
    redis.client().flushall()
    yield {"redis_host": redis.host, "redis_port": redis.port}
    if redis.process is None:
        redis.start()


@pytest.fixture
def guards():
    """Make guards with a test clock; each is detached from LiteLLM's callbacks after the test."""
    made: list[FreeBudget] = []
    clock = Clock()

    def make(**limits) -> FreeBudget:
        guard = FreeBudget(Limits(**limits), clock=clock)
        made.append(guard)
        return guard

    make.clock = clock
    yield make
    for guard in made:
        guard.detach()


async def _ask(router, model: str = "kilo-auto/free", *, is_async: bool = True):
    if is_async:
        return await router.acompletion(model=model, messages=MESSAGES)
    return router.completion(model=model, messages=MESSAGES)


def _sent(gw) -> list[str]:
    return [r.model for r in gw.chat_requests]


ASYNC = pytest.mark.parametrize("is_async", [True, False], ids=["async", "sync"])


def test_limits_are_none_unless_the_environment_sets_them():
    assert Limits.from_env({}) == Limits(per_model=None, anonymous=None)
    assert Limits.from_env({ENV_PER_MODEL: "3/60", ENV_ANONYMOUS: "off"}) == Limits(Budget(3, 60), None)
    with pytest.raises(ValueError, match=f"{ENV_PER_MODEL}='200 an hour'.*<requests>/<seconds>"):
        Limits.from_env({ENV_PER_MODEL: "200 an hour"})


@ASYNC
async def test_a_spent_model_gets_no_request_and_is_back_in_the_next_window(gw, shared, guards, is_async):
    router = free_router(api_base=gw.api_base, free_budget=guards(per_model=Budget(3, HOUR)), **shared)

    answers = [await _ask(router, is_async=is_async) for _ in range(4)]
    assert _sent(gw) == [FIRST, FIRST, FIRST, SECOND]
    assert [a.model for a in answers][-1].endswith(SECOND)

    guards.clock.now += HOUR
    await _ask(router, is_async=is_async)
    assert _sent(gw)[-1] == FIRST


async def test_the_count_lives_in_redis_so_another_router_sees_it(gw, redis, shared, guards):
    guard = guards(per_model=Budget(3, HOUR))
    first = free_router(api_base=gw.api_base, free_budget=guard, **shared)
    for _ in range(3):
        await _ask(first)

    assert redis.client().get(f"kilo:free-budget:model:{FIRST}:{HOUR}:{START // HOUR}") == "3"

    second = free_router(api_base=gw.api_base, free_budget=guard, **shared)
    await _ask(second)
    assert _sent(gw) == [FIRST, FIRST, FIRST, SECOND]


async def test_with_free_cooldowns_a_refusal_cools_the_model_down_in_redis_for_cooldown_time_only(
    gw, redis, shared, guards
):
    """What the README says: the Router cools a refused ``--free-cooldowns`` deployment down, in
    Redis, for its ``cooldown_time``, not for the refusal's ``retry-after`` (LiteLLM 1.110.2 reads no
    ``retry-after`` from a pre-call check's error). It runs before the Redis-down tests: after them
    (LiteLLM's Redis circuit breaker opened, presumably) no cooldown key reached Redis in time."""
    router = free_router(
        api_base=gw.api_base, free_cooldowns=True, free_budget=guards(per_model=Budget(1, HOUR)), **shared
    )
    await _ask(router)
    await _ask(router)
    assert _sent(gw) == [FIRST, SECOND]

    client = redis.client()
    for _ in range(40):
        keys = client.keys("deployment:*:cooldown")
        if keys:
            break
        await asyncio.sleep(0.05)
    ttls = [client.ttl(key) for key in keys]
    assert len(ttls) == 1 and 0 < ttls[0] <= 5


@ASYNC
async def test_without_redis_each_process_counts_alone_and_nothing_fails(gw, redis, shared, guards, is_async):
    router = free_router(api_base=gw.api_base, free_budget=guards(per_model=Budget(3, HOUR)), **shared)
    await _ask(router, is_async=is_async)
    await _ask(router, is_async=is_async)
    redis.stop()

    await _ask(router, is_async=is_async)
    await _ask(router, is_async=is_async)
    assert _sent(gw) == [FIRST, FIRST, FIRST, SECOND]


async def test_keyless_calls_share_the_anonymous_budget_and_a_spent_chain_is_a_rate_limit_error(gw, shared, guards):
    router = free_router(api_base=gw.api_base, free_budget=guards(per_model=None, anonymous=Budget(2, HOUR)), **shared)
    await _ask(router)
    await _ask(router, SECOND)
    guards.clock.now += HOUR - 42

    with pytest.raises(litellm.RateLimitError) as refused:
        await _ask(router)
    assert _sent(gw) == [FIRST, SECOND]
    assert "free-tier budget spent for requests without a key: 2 requests per 3600 s" in str(refused.value)
    assert ENV_ANONYMOUS in str(refused.value)
    assert refused.value.response.headers["retry-after"] == "42"

    keyed = free_router(api_base=gw.api_base, api_key=PAID_KEY, **shared)
    await _ask(keyed)
    assert _sent(gw) == [FIRST, SECOND, FIRST]
    assert PAID_KEY not in str(refused.value)


async def test_paid_models_are_not_counted(gw, shared, guards):
    router = free_router(
        api_base=gw.api_base, api_key=PAID_KEY, free_budget=guards(per_model=Budget(1, HOUR)), **shared
    )
    for _ in range(2):
        await _ask(router, "kilo/anthropic/claude-sonnet-4.6")
    assert _sent(gw) == ["anthropic/claude-sonnet-4.6"] * 2


@pytest.mark.slow
def test_proxy_config_free_budget_adds_the_guard_as_a_litellm_callback(tmp_path):
    out = tmp_path / "litellm_config.yaml"
    env = user_env()
    subprocess.run(
        [sys.executable, "-m", "kilo_litellm", "proxy-config", "--free-budget", "-o", str(out)],
        check=True,
        env=env,
        timeout=CEILING,
        capture_output=True,
    )
    written = yaml.safe_load(out.read_text())
    assert written == proxy_config.with_free_budget(proxy_config.config())
    filter_path = "kilo_litellm.proxy.capabilities.capability_filter"
    refresher = "kilo_litellm.proxy.live_catalog.refresher"
    assert written["litellm_settings"]["callbacks"] == [filter_path, refresher, "kilo_litellm.free_budget.guard"]
    assert "KILO_FREE_BUDGET_PER_MODEL" in out.read_text()
    assert proxy_config.config()["litellm_settings"]["callbacks"] == [filter_path, refresher]
