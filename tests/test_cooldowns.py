"""Free-tier limits as cooldowns of the gateway's window, in-process.

The gateway's free-tier refusals carry no ``Retry-After``; the provider puts the window on the
``litellm.RateLimitError`` as ``retry-after`` (1 h for "Model usage limit reached", 24 h for the
anonymous daily cap), and a LiteLLM Router on one Redis stores that cooldown as the TTL of
``deployment:<id>:cooldown``. A ``Retry-After`` the gateway sends (``top_up_in_progress``: 5 s) is
kept as given. The long window must not turn into a long sleep in LiteLLM's retry loops.
"""

from __future__ import annotations

import json

import litellm
import pytest
from conftest import MESSAGES, call_litellm
from litellm import Router
from litellm.types.router import AllowedFailsPolicy

import kilo_litellm
from kilo_litellm.emulator import PROMOTION_LIMIT_BODY, RATE_LIMIT_BODY, Reply
from kilo_litellm.proxy import proxy_config
from kilo_litellm.proxy.router import free_chain

FIRST, SECOND = (e.gateway_id for e in free_chain()[:2])


def _flat(error: str, error_type: str, message: str | None = None) -> bytes:
    """The gateway's flat error body (docs/gateway-contract.md, "Errors")."""
    return json.dumps({"error": error, "error_type": error_type, "message": message or error}).encode()


PAID = "kilo/anthropic/claude-sonnet-4.6"
KEY = "sk-test-cooldowns-1234"
HOURLY = Reply(status=429, body=RATE_LIMIT_BODY)
DAILY = Reply(status=401, body=PROMOTION_LIMIT_BODY)
PER_ACCOUNT = Reply(
    status=429, body=_flat("Rate limit exceeded", "rate_limit_exceeded", "Too many requests. Please try again later.")
)
TOP_UP = Reply(
    status=503,
    body=_flat("Your top-up is processing. Please retry in a few seconds.", "top_up_in_progress"),
    headers={"Retry-After": "5"},
)
ABUSE = Reply(
    status=429,
    body=_flat("Too many refused requests. Please try again later.", "refusal_cooldown"),
    headers={"retry-after": "30", "retry-after-ms": "30000"},
)
MODES = pytest.mark.parametrize(
    ("is_async", "stream"),
    [(False, False), (True, False), (False, True), (True, True)],
    ids=["sync", "async", "sync-stream", "async-stream"],
)


@pytest.fixture
def limits(monkeypatch):
    for name in ("KILO_FREE_LIMIT_COOLDOWN", "KILO_DAILY_LIMIT_COOLDOWN"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def redis(redis_server):
    redis_server.client().flushall()
    return redis_server


async def _refusal(gw, reply: Reply, is_async=False, stream=False, model="kilo/kilo-auto/free", **call):
    gw.script(reply)
    with pytest.raises(Exception) as info:
        await call_litellm(is_async, stream, model=model, api_base=gw.api_base, **call)
    exc = info.value
    return getattr(exc, "original_exception", None) or exc


# -- the retry-after on the exception -------------------------------------------------------------


@MODES
async def test_the_hourly_free_limit_says_retry_after_one_hour(gw, limits, is_async, stream):
    exc = await _refusal(gw, HOURLY, is_async, stream)
    assert type(exc) is litellm.RateLimitError
    assert exc.response.headers["retry-after"] == "3600"
    assert exc.litellm_response_headers["retry-after"] == "3600"


@MODES
async def test_the_anonymous_daily_cap_says_retry_after_one_day(gw, limits, is_async, stream):
    exc = await _refusal(gw, DAILY, is_async, stream)
    assert type(exc) is litellm.RateLimitError and exc.status_code == 429
    assert exc.response.headers["retry-after"] == "86400"


async def test_the_per_account_cap_gets_no_retry_after(gw, limits):
    exc = await _refusal(gw, PER_ACCOUNT)
    assert type(exc) is litellm.RateLimitError
    assert "retry-after" not in exc.response.headers


@pytest.mark.parametrize(
    ("reply", "expected"),
    [(TOP_UP, {"retry-after": "5"}), (ABUSE, {"retry-after": "30", "retry-after-ms": "30000"})],
    ids=["top_up_in_progress", "abuse-layer-429"],
)
async def test_a_retry_after_from_the_gateway_is_kept_as_given(gw, limits, reply, expected):
    exc = await _refusal(gw, reply, model=PAID, api_key=KEY)
    assert {k: exc.response.headers[k] for k in expected} == expected


async def test_the_windows_are_set_by_environment_variables(gw, limits):
    limits.setenv("KILO_FREE_LIMIT_COOLDOWN", "600")
    limits.setenv("KILO_DAILY_LIMIT_COOLDOWN", "7200")
    assert (await _refusal(gw, HOURLY)).response.headers["retry-after"] == "600"
    assert (await _refusal(gw, DAILY)).response.headers["retry-after"] == "7200"


async def test_zero_adds_no_retry_after_and_a_bad_value_keeps_the_window(gw, limits, caplog):
    limits.setenv("KILO_FREE_LIMIT_COOLDOWN", "0")
    limits.setenv("KILO_DAILY_LIMIT_COOLDOWN", "one day")
    assert "retry-after" not in (await _refusal(gw, HOURLY)).response.headers
    assert (await _refusal(gw, DAILY)).response.headers["retry-after"] == "86400"
    assert "KILO_DAILY_LIMIT_COOLDOWN='one day' is not a whole number of seconds" in caplog.text


# -- the Router's cooldown in Redis ---------------------------------------------------------------


def _config_router(redis, **router_kwargs) -> Router:
    """The generated proxy config with ``--free-cooldowns --redis``, as an in-process Router."""
    config = proxy_config.with_redis(proxy_config.with_free_cooldowns(proxy_config.config()), redis.host, redis.port)
    settings = {k: v for k, v in config["router_settings"].items() if k != "redis_password"}
    return Router(model_list=config["model_list"], **{**settings, **router_kwargs})


def _deployment_id(router: Router, group: str) -> str:
    return next(d["model_info"]["id"] for d in router.get_model_list() if d["model_name"] == group)


def _cooldown_ttl(redis, deployment_id: str) -> int:
    return redis.client().ttl(f"deployment:{deployment_id}:cooldown")


@pytest.mark.parametrize(("reply", "window"), [(HOURLY, 3600), (DAILY, 86400)], ids=["hourly", "daily"])
async def test_a_free_limit_cools_the_model_down_in_redis_for_the_window(gw, limits, redis, reply, window, monkeypatch):
    monkeypatch.setenv("KILO_API_BASE", gw.api_base)
    router = _config_router(redis, cooldown_time=600)
    gw.script(reply)
    await router.acompletion(model="kilo-auto/free", messages=MESSAGES)
    ttl = _cooldown_ttl(redis, _deployment_id(router, "kilo-auto/free"))
    assert window - 60 < ttl <= window
    for _ in range(3):
        await router.acompletion(model="kilo-auto/free", messages=MESSAGES)
    assert [r.model for r in gw.chat_requests] == [FIRST, SECOND, SECOND, SECOND, SECOND]


async def test_another_router_on_the_same_redis_skips_the_limited_model(gw, limits, redis, monkeypatch):
    monkeypatch.setenv("KILO_API_BASE", gw.api_base)
    gw.script(HOURLY)
    await _config_router(redis).acompletion(model="kilo-auto/free", messages=MESSAGES)
    other = _config_router(redis)
    for _ in range(3):
        await other.acompletion(model="kilo-auto/free", messages=MESSAGES)
    assert [r.model for r in gw.chat_requests] == [FIRST, SECOND, SECOND, SECOND, SECOND]


async def test_a_top_up_in_progress_cools_down_for_the_gateways_five_seconds(gw, limits, redis):
    """LiteLLM cools a 503 down only past its allowed fails; when it does, for the gateway's 5 s,
    not the router's ``cooldown_time`` nor a free-limit window."""
    deployments = [
        {"model_name": name, "litellm_params": {"model": model, "api_key": KEY, "api_base": gw.api_base}}
        for name, model in (("paid", PAID), ("backup", "kilo/kilo-auto/balanced"))
    ]
    router = Router(
        model_list=deployments,
        fallbacks=[{"paid": ["backup"]}],
        num_retries=0,
        cooldown_time=600,
        allowed_fails_policy=AllowedFailsPolicy(ServiceUnavailableErrorAllowedFails=0),
        redis_host=redis.host,
        redis_port=redis.port,
    )
    gw.script(TOP_UP)
    await router.acompletion(model="paid", messages=MESSAGES)
    assert 0 < _cooldown_ttl(redis, _deployment_id(router, "paid")) <= 5


# -- the window never becomes a sleep --------------------------------------------------------------


@pytest.mark.timeout(60)
async def test_a_router_retry_after_a_free_limit_backs_off_instead_of_waiting_an_hour(gw, limits, sleeps):
    router = Router(
        model_list=[
            {"model_name": "free", "litellm_params": {"model": "kilo/kilo-auto/free", "api_base": gw.api_base}}
        ],
        num_retries=1,
    )
    gw.script(HOURLY)
    resp = await router.acompletion(model="free", messages=MESSAGES)
    assert resp.choices[0].message.content
    assert len(gw.chat_requests) == 2
    assert len(sleeps) == 1 and sleeps[0] < 10


@pytest.mark.timeout(60)
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_litellm_num_retries_after_a_free_limit_retries_without_waiting_an_hour(gw, limits, is_async):
    gw.script(HOURLY)
    text, _, _ = await call_litellm(is_async, False, model="kilo/kilo-auto/free", api_base=gw.api_base, num_retries=1)
    assert text
    assert len(gw.chat_requests) == 2


# -- free_router(free_cooldowns=True) ----------------------------------------------------------------


async def test_free_router_with_free_cooldowns_skips_a_limited_free_model_but_not_the_wildcard(gw, limits):
    """The free deployments cool down for the window; a free model limited through the ``kilo/*``
    wildcard leaves the paid models it serves working."""
    router = kilo_litellm.free_router(api_key=KEY, api_base=gw.api_base, free_cooldowns=True)
    gw.script(HOURLY)
    for _ in range(3):
        await router.acompletion(model="kilo-auto/free", messages=MESSAGES)
    assert [r.model for r in gw.chat_requests] == [FIRST, SECOND, SECOND, SECOND]
    gw.script(HOURLY)
    with pytest.raises(litellm.RateLimitError):
        await router.acompletion(model="kilo/some-vendor/other-model:free", messages=MESSAGES)
    resp = await router.acompletion(model=PAID, messages=MESSAGES)
    assert resp.choices[0].message.content
    assert gw.chat_requests[-1].model == PAID.removeprefix("kilo/")
