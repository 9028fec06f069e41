"""LiteLLM's health check of a kilo deployment (what the proxy's ``/health`` calls) spends no model request.

``litellm.ahealth_check`` is called as the proxy calls it for each deployment; the emulator's
request log shows what reached the gateway.
"""

from __future__ import annotations

import asyncio

import litellm
import pytest

from kilo_litellm.provider import health_probe
from kilo_litellm.proxy.free_budget import Budget, FreeBudget, Limits

KEY = "sk-test-health-probe"
PROMPT = "test from litellm"


@pytest.fixture(autouse=True)
def no_remembered_probe():
    health_probe.forget()
    yield
    health_probe.forget()


async def check(model: str, api_base: str, **params):
    return await litellm.ahealth_check({"model": model, "api_base": api_base, **params}, mode="chat", prompt=PROMPT)


def paths(gw) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in gw.requests]


async def test_a_free_model_is_checked_with_the_model_list_only(gw):
    assert await check("kilo/kilo-auto/free", gw.api_base) == {}
    assert paths(gw) == [("GET", "/api/gateway/models")]


async def test_a_key_is_checked_with_the_profile_too(gw):
    assert await check("kilo/anthropic/claude-sonnet-4.6", gw.api_base, api_key=KEY) == {}
    assert paths(gw) == [("GET", "/api/gateway/models"), ("GET", "/api/profile")]
    assert {r.authorization for r in gw.requests} == {f"Bearer {KEY}"}


async def test_checks_of_many_deployments_share_one_probe_per_base_and_key(gw):
    models = ["kilo/kilo-auto/free", "kilo/anthropic/claude-sonnet-4.6", "kilo/openai/gpt-4.1", "kilo/z-ai/glm-5"]
    keyed = [check(m, gw.api_base, api_key=KEY) for m in models]
    keyless = [check("kilo/kilo-auto/free", gw.api_base) for _ in range(3)]
    assert await asyncio.gather(*keyed, *keyless) == [{}] * 7
    assert sorted(paths(gw)) == [("GET", "/api/gateway/models")] * 2 + [("GET", "/api/profile")]


async def test_a_paid_model_without_a_key_needs_a_key_and_nothing_is_sent(gw):
    result = await check("kilo/anthropic/claude-sonnet-4.6", gw.api_base)
    assert "needs a key" in result["error"]
    assert isinstance(result["exception"], litellm.AuthenticationError)
    assert gw.requests == []


async def test_a_rejected_key_is_unhealthy_with_the_gateways_reason(gw):
    result = await check("kilo/anthropic/claude-sonnet-4.6", gw.api_base, api_key="sk-invalid-key")
    assert isinstance(result["exception"], litellm.AuthenticationError)
    assert "sk-invalid-key" not in result["error"]
    assert gw.chat_requests == []


async def test_a_model_the_gateway_does_not_list_is_unhealthy(gw):
    result = await check("kilo/acme/not-listed", gw.api_base, api_key=KEY)
    assert isinstance(result["exception"], litellm.NotFoundError)
    assert "does not list" in result["error"]
    assert gw.chat_requests == []


async def test_a_gateway_that_cannot_be_reached_is_unhealthy(gw):
    result = await check("kilo/kilo-auto/free", "http://127.0.0.1:9/api/gateway")
    assert isinstance(result["exception"], litellm.APIConnectionError)


async def test_the_free_budget_guard_never_counts_a_probe(gw):
    guard = FreeBudget(Limits(per_model=Budget(requests=1, seconds=3600)))
    model_list = [{"model_name": "free", "litellm_params": {"model": "kilo/kilo-auto/free", "api_base": gw.api_base}}]
    router = litellm.Router(model_list=model_list, num_retries=0)
    guard.attach(router)
    try:
        for _ in range(3):
            health_probe.forget()
            assert await check("kilo/kilo-auto/free", gw.api_base) == {}
        resp = await router.acompletion(model="free", messages=[{"role": "user", "content": "hi"}])
        assert resp.choices[0].message.content
        with pytest.raises(litellm.RateLimitError):
            await router.acompletion(model="free", messages=[{"role": "user", "content": "hi"}])
    finally:
        guard.detach()
    assert len(gw.chat_requests) == 1
