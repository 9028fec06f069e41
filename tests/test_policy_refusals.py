"""The gateway's policy refusals (docs/gateway-contract.md, "Errors") → what a caller and a Router see.

Each shape is the gateway's own body (``kilo_litellm.emulator.policy_errors``), sent by the emulator over
loopback HTTP and met through ``litellm.completion``/``acompletion``, streaming or not, and through a
LiteLLM ``Router``. The proxy's view of them is in ``test_proxy_policy_refusals.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import httpx
import litellm
import pytest
from conftest import MESSAGES, call_litellm

from kilo_litellm.emulator import (
    BYOK_RECONNECT_URL,
    EMPTY_MODEL_BODY,
    GatewayEmulator,
    Reply,
    policy_reply,
    too_many_requests,
)

FREE = "kilo/kilo-auto/free"
BALANCED = "kilo/kilo-auto/balanced"
KEY = "sk-test-policy-0123456789"
MODES = pytest.mark.parametrize(
    ("is_async", "stream"),
    [(False, False), (False, True), (True, False), (True, True)],
    ids=["sync", "sync-stream", "async", "async-stream"],
)


@dataclass(frozen=True)
class Shape:
    name: str
    cls: type
    status: int
    phrases: tuple[str, ...]
    model: str = BALANCED


SHAPES = [
    Shape(
        "auto_routing_blocked",
        litellm.BadRequestError,
        400,
        ("Auto-routing could not select an eligible model", "organisation's model policy", "does not help"),
    ),
    Shape("team_not_allowed", litellm.NotFoundError, 404, ("Model not allowed for your team", "organisation admin")),
    Shape("account_restricted", litellm.PermissionDeniedError, 403, ("cannot make requests", "contact Kilo support")),
    Shape(
        "byok_reconnect",
        litellm.BadRequestError,
        400,
        ("Your ChatGPT connection has expired", f"needs to be reconnected at {BYOK_RECONNECT_URL}, or choose"),
        model="kilo/openai/gpt-5",
    ),
    Shape("too_many_requests", litellm.RateLimitError, 429, ("Too many requests",), model=FREE),
    Shape("empty_model", litellm.NotFoundError, 404, ("Model not found", "kilo/kilo-auto/free"), model=FREE),
]


def _unwrap(exc: BaseException) -> BaseException:
    return getattr(exc, "original_exception", None) or exc


@MODES
@pytest.mark.parametrize("shape", SHAPES, ids=[s.name for s in SHAPES])
async def test_each_policy_shape_reaches_the_caller_as_its_litellm_class(gw, shape, is_async, stream):
    gw.script(policy_reply(shape.name))
    with pytest.raises(Exception) as caught:
        await call_litellm(is_async, stream, model=shape.model, api_key=KEY, api_base=gw.api_base)
    exc = _unwrap(caught.value)
    assert type(exc) is shape.cls, f"{type(exc).__name__}: {exc}"
    assert exc.status_code == shape.status
    for phrase in shape.phrases:
        assert phrase in str(exc)
    assert KEY not in str(exc)
    assert len(gw.chat_requests) == 1


def test_the_organisation_policys_503_keeps_its_type_but_is_a_400(gw):
    gw.script(policy_reply("auto_routing_blocked"))
    with pytest.raises(litellm.BadRequestError) as caught:
        litellm.completion(model=BALANCED, messages=MESSAGES, api_key=KEY, api_base=gw.api_base)
    assert caught.value.kilo_error_type == "model_not_allowed"
    assert caught.value.response.status_code == 400


def test_a_byok_error_without_a_link_keeps_the_general_advice(gw):
    body = json.dumps({"error": "[BYOK] Your API key is invalid.", "error_type": "byok_error"}).encode()
    gw.script(Reply(status=400, body=body))
    with pytest.raises(litellm.BadRequestError, match=r"own key \(BYOK\) configured in Kilo"):
        litellm.completion(model="kilo/openai/gpt-5", messages=MESSAGES, api_key=KEY, api_base=gw.api_base)


@MODES
async def test_the_abuse_layers_429_carries_both_retry_headers(gw, is_async, stream):
    gw.script(too_many_requests(retry_after_ms=1500))
    with pytest.raises(litellm.RateLimitError) as caught:
        await call_litellm(is_async, stream, model=FREE, api_base=gw.api_base)
    exc = _unwrap(caught.value)
    assert exc.response.headers["retry-after"] == "2"
    assert exc.response.headers["retry-after-ms"] == "1500"
    assert exc.litellm_response_headers["retry-after-ms"] == "1500"


def test_a_router_waits_as_long_as_the_abuse_layer_says(gw, sleeps):
    router = litellm.Router(
        model_list=[{"model_name": "free", "litellm_params": {"model": FREE, "api_base": gw.api_base}}], num_retries=1
    )
    gw.script(too_many_requests(retry_after_ms=1500))
    assert router.completion(model="free", messages=MESSAGES).choices[0].message.content
    first, second = gw.chat_requests
    assert second.at - first.at >= 2.0
    assert len(sleeps) == 1 and 2.0 <= sleeps[0] <= 2.75


# -- before the key is checked ---------------------------------------------------------------------


@pytest.mark.parametrize("model", [None, "", "   "], ids=["missing", "empty", "blank"])
@pytest.mark.parametrize("key", [None, "sk-kilo-invalid-0000"], ids=["anonymous", "bad-key"])
def test_the_emulator_answers_an_empty_model_with_todays_404_before_the_key(gw, model, key):
    body = {"messages": MESSAGES} | ({} if model is None else {"model": model})
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    resp = httpx.post(gw.api_base + "/chat/completions", json=body, headers=headers, timeout=10)
    assert (resp.status_code, resp.content) == (404, EMPTY_MODEL_BODY)


@pytest.mark.parametrize("key", [None, "sk-kilo-invalid-0000"], ids=["anonymous", "bad-key"])
def test_provider_options_are_refused_before_the_key_too(gw, key):
    with pytest.raises(litellm.BadRequestError, match=r"provider= \(not providerOptions\)") as caught:
        litellm.completion(
            model=FREE, messages=MESSAGES, api_base=gw.api_base, api_key=key, extra_body={"providerOptions": {}}
        )
    assert caught.value.kilo_error_type == "unsupported_field"


# -- a Router ---------------------------------------------------------------------------------------


def _pool(policy: GatewayEmulator, other: GatewayEmulator, **router) -> litellm.Router:
    """Two deployments of one group, each on its own emulator, ids ``policy`` and ``other``."""
    return litellm.Router(
        model_list=[
            {
                "model_name": "balanced",
                "litellm_params": {"model": BALANCED, "api_key": KEY, "api_base": emulator.api_base},
                "model_info": {"id": name},
            }
            for name, emulator in (("policy", policy), ("other", other))
        ],
        **router,
    )


async def _ask(router: litellm.Router, model: str, is_async: bool):
    if is_async:
        return await router.acompletion(model=model, messages=MESSAGES)
    return router.completion(model=model, messages=MESSAGES)


def _cooling(router: litellm.Router, *ids: str) -> list:
    return router.cooldown_cache.get_active_cooldowns(model_ids=list(ids), parent_otel_span=None)


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_a_router_neither_retries_nor_cools_down_the_organisation_policys_503(gw, is_async):
    """The policy's refusal goes to the caller at once, and the deployment that sent it stays in
    the pool: the policy refused one request, not the deployment."""
    with GatewayEmulator() as policy:
        router = _pool(policy, gw, num_retries=2, cooldown_time=60)
        policy.default = policy_reply("auto_routing_blocked")
        for _ in range(40):
            try:
                await _ask(router, "balanced", is_async)
            except litellm.BadRequestError as exc:
                assert "Auto-routing could not select" in str(exc)
                break
        else:
            pytest.fail("the router never chose the deployment behind the policy")
        served_before = len(gw.chat_requests)
        assert len(policy.chat_requests) == 1
        assert _cooling(router, "policy", "other") == []
        policy.default = None
        for _ in range(20):
            await _ask(router, "balanced", is_async)
        assert len(policy.chat_requests) > 1
        assert len(gw.chat_requests) > served_before


def _balanced_then_free(gw, **settings) -> litellm.Router:
    """``balanced`` (a paid router an organisation policy may block) falling back to ``free``."""
    return litellm.Router(
        model_list=[
            {"model_name": "balanced", "litellm_params": {"model": BALANCED, "api_key": KEY, "api_base": gw.api_base}},
            {"model_name": "free", "litellm_params": {"model": FREE, "api_base": gw.api_base}},
        ],
        num_retries=2,
        fallbacks=[{"balanced": ["free"]}],
        **settings,
    )


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_a_router_falls_back_to_another_model_on_the_organisation_policys_503(gw, is_async):
    router = _balanced_then_free(gw)
    gw.script(policy_reply("auto_routing_blocked"))
    assert (await _ask(router, "balanced", is_async)).choices[0].message.content
    assert [r.model for r in gw.chat_requests] == ["kilo-auto/balanced", "kilo-auto/free"]


def test_a_router_that_does_not_fall_back_on_a_400_does_not_on_the_policys_503_either(gw):
    router = _balanced_then_free(gw, fallback_on_unsupported_params=False)
    gw.script(policy_reply("auto_routing_blocked"))
    with pytest.raises(litellm.BadRequestError):
        router.completion(model="balanced", messages=MESSAGES)
    assert [r.model for r in gw.chat_requests] == ["kilo-auto/balanced"]


def test_a_router_does_not_retry_the_teams_404_and_cools_that_deployment_down(gw):
    """A model the team may not use is refused for every request: LiteLLM's rule for a 404 (no
    retry, the deployment cooled down, the other one serving) is what a caller wants here."""
    with GatewayEmulator() as policy:
        router = _pool(policy, gw, num_retries=2, cooldown_time=60)
        policy.default = policy_reply("team_not_allowed")
        for _ in range(40):
            try:
                router.completion(model="balanced", messages=MESSAGES)
            except litellm.NotFoundError as exc:
                assert "Model not allowed for your team" in str(exc)
                break
        else:
            pytest.fail("the router never chose the deployment behind the allow-list")
        assert len(policy.chat_requests) == 1
        assert [c[0] for c in _cooling(router, "policy", "other")] == ["policy"]
        for _ in range(10):
            router.completion(model="balanced", messages=MESSAGES)
        assert len(policy.chat_requests) == 1
