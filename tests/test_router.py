"""``free_router()`` and the shipped ``litellm_config.yaml`` in an in-process ``litellm.Router``.

The gateway's free-model 429 has no Retry-After, so the Router must fall back at once: these tests
count the requests the emulator received and record every sleep LiteLLM's router asks for.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import litellm
import pytest
import yaml
from conftest import MESSAGES
from litellm import Router
from litellm.types.router import AllowedFailsPolicy

import kilo_litellm
from kilo_litellm import free_router
from kilo_litellm.emulator import (
    INVALID_TOKEN_BODY,
    RATE_LIMIT_BODY,
    GatewayEmulator,
    Reply,
    recording,
    sse_payloads,
    streamed_text,
)
from kilo_litellm.proxy.router import free_chain, free_fallbacks, free_model_list

CONFIG = Path(__file__).resolve().parent.parent / "litellm_config.yaml"
CHAIN = [e.gateway_id for e in free_chain()]
FIRST, SECOND, THIRD, FOURTH = CHAIN
NONSTREAM_TEXT = "Lorem ipsum dolor sit amet, consectetur adipiscing elit"
STREAM_TEXT = streamed_text(sse_payloads(recording("stream-openai-gpt41.sse")))
RATE_LIMITED = Reply(status=429, body=RATE_LIMIT_BODY)


async def _ask(router: Router, model: str, *, is_async: bool, stream: bool, **kwargs) -> str:
    kwargs = {"model": model, "messages": MESSAGES, "stream": stream, **kwargs}
    if is_async:
        resp = await router.acompletion(**kwargs)
        chunks = [c async for c in resp] if stream else None
    else:
        resp = router.completion(**kwargs)
        chunks = list(resp) if stream else None
    if stream:
        return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    return resp.choices[0].message.content


def _sent(gw: GatewayEmulator) -> list[str | None]:
    return [r.model for r in gw.chat_requests]


MODES = pytest.mark.parametrize(
    "is_async,stream",
    [(False, False), (False, True), (True, False), (True, True)],
    ids=["sync", "sync-stream", "async", "async-stream"],
)


def test_shipped_config_is_free_router_in_yaml():
    config = yaml.safe_load(CONFIG.read_text())
    deployments = config["model_list"]
    for d in deployments:
        assert d["litellm_params"].pop("api_key") == "os.environ/KILO_API_KEY"
        assert d["litellm_params"].pop("api_base") == "os.environ/KILO_API_BASE"
    chain = free_model_list()
    assert deployments[: len(CHAIN)] == chain[:-1]
    wildcard = chain[-1]
    wildcard["litellm_params"]["additional_drop_params"] = ["encoding_format"]
    assert deployments[-1] == {**wildcard, "model_info": {"health_check_model": "kilo/kilo-auto/free"}}
    assert config["router_settings"] == {
        "num_retries": 0,
        "fallbacks": free_fallbacks(),
        "enable_pre_call_checks": True,
        "enable_mid_stream_fallback_continuation": True,
    }
    assert config["litellm_settings"]["custom_provider_map"] == [
        {"provider": "kilo", "custom_handler": "kilo_litellm.kilo_llm"}
    ]
    assert config["litellm_settings"]["callbacks"] == [
        "kilo_litellm.proxy.capabilities.capability_filter",
        "kilo_litellm.proxy.live_catalog.refresher",
    ]


@MODES
async def test_rate_limited_free_model_falls_back_without_sleeping(gw, sleeps, is_async, stream):
    gw.script(RATE_LIMITED)
    text = await _ask(free_router(api_base=gw.api_base), "kilo-auto/free", is_async=is_async, stream=stream)

    assert text == (STREAM_TEXT if stream else NONSTREAM_TEXT)
    assert _sent(gw) == [FIRST, SECOND]
    assert [r.authorization for r in gw.chat_requests] == [None, None]
    assert sleeps == []


async def test_chain_walks_every_free_model_in_order(gw, sleeps):
    gw.script(RATE_LIMITED, RATE_LIMITED, RATE_LIMITED)
    text = await _ask(free_router(api_base=gw.api_base), "kilo-auto/free", is_async=True, stream=False)
    assert text == NONSTREAM_TEXT
    assert _sent(gw) == [FIRST, SECOND, THIRD, FOURTH]
    assert sleeps == []


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_all_free_models_rate_limited_raises_after_one_request_each(gw, sleeps, is_async):
    gw.script(*[RATE_LIMITED] * len(CHAIN))
    with pytest.raises(litellm.RateLimitError, match="Retry-After"):
        await _ask(free_router(api_base=gw.api_base), "kilo-auto/free", is_async=is_async, stream=True)
    assert _sent(gw) == [FIRST, SECOND, THIRD, FOURTH]
    assert sleeps == []


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_upstream_rate_limit_inside_a_stream_before_content_falls_back(gw, sleeps, is_async):
    """OpenRouter's 429 can arrive as an error event in a 200 stream, after keep-alives."""
    inband = (
        b": OPENROUTER PROCESSING\n\n"
        b'data: {"error":{"message":"Provider returned error","code":429,"metadata":{"provider_name":null}}}\n\n'
    )
    gw.script(Reply(body=inband, stream=True))
    text = await _ask(free_router(api_base=gw.api_base), "kilo-auto/free", is_async=is_async, stream=True)
    assert text == STREAM_TEXT
    assert _sent(gw) == [FIRST, SECOND]
    assert sleeps == []


@pytest.mark.parametrize(
    "reply",
    [
        Reply(status=500, recording="error-500-body.json"),
        Reply(status=502, body=b'{"error":{"message":"Provider returned error","code":502}}'),
        Reply(status=503, body=b'{"error":"Service Unavailable","message":"The service is temporarily unavailable."}'),
    ],
    ids=["500", "502", "503"],
)
@MODES
async def test_server_errors_fall_back(gw, sleeps, reply, is_async, stream):
    gw.script(reply)
    text = await _ask(free_router(api_base=gw.api_base), "kilo-auto/free", is_async=is_async, stream=stream)
    assert text == (STREAM_TEXT if stream else NONSTREAM_TEXT)
    assert _sent(gw) == [FIRST, SECOND]
    assert sleeps == []


@MODES
async def test_gateway_that_does_not_answer_in_time_falls_back(gw, sleeps, is_async, stream):
    gw.script(Reply(stall=True) if stream else Reply(delay=30))
    router = free_router(api_base=gw.api_base)
    text = await _ask(router, "kilo-auto/free", is_async=is_async, stream=stream, timeout=0.5)
    assert text == (STREAM_TEXT if stream else NONSTREAM_TEXT)
    assert _sent(gw) == [FIRST, SECOND]
    assert sleeps == []


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_rejected_key_is_not_retried(gw, sleeps, is_async):
    router = Router(
        model_list=[
            {
                "model_name": "sonnet",
                "litellm_params": {
                    "model": "kilo/anthropic/claude-sonnet-4.6",
                    "api_base": gw.api_base,
                    "api_key": "kilo-rejected-key-1",
                },
            }
        ],
        num_retries=3,
    )
    gw.script(*[Reply(status=401, body=INVALID_TOKEN_BODY)] * 4)
    with pytest.raises(litellm.AuthenticationError):
        await _ask(router, "sonnet", is_async=is_async, stream=False)
    assert _sent(gw) == ["anthropic/claude-sonnet-4.6"]
    assert sleeps == []


async def test_rejected_key_tries_each_chain_model_once_even_with_retries(gw, sleeps):
    gw.script(*[Reply(status=401, body=INVALID_TOKEN_BODY)] * 8)
    with pytest.raises(litellm.AuthenticationError):
        await _ask(free_router(api_base=gw.api_base, num_retries=3), "kilo-auto/free", is_async=True, stream=False)
    assert _sent(gw) == [FIRST, SECOND, THIRD, FOURTH]


async def _until_cooled_down(router: Router, api_base: str, bound: float = 5.0) -> None:
    """Wait until the Router has recorded the deployment's cooldown.

    LiteLLM records a failure's cooldown from its failure callbacks; on an async stream those run
    in a task of their own, so a call made at once may still be routed by the old view (under CPU
    load this was seen). What this test asserts is the routing once the cooldown is recorded.
    """
    [deployment_id] = [
        d["model_info"]["id"] for d in router.get_model_list() if d["litellm_params"]["api_base"] == api_base
    ]
    deadline = asyncio.get_running_loop().time() + bound
    while not router.health().cooldowns.get_active_cooldowns([deployment_id], None):
        assert asyncio.get_running_loop().time() < deadline, "LiteLLM never recorded the cooldown"
        await asyncio.sleep(0.02)


@MODES
async def test_rate_limited_deployment_of_a_pool_is_cooled_down(gw, is_async, stream):
    """Two deployments of one model group: after its 429, the limited one gets no more traffic,
    streaming or not (an async stream's 429 is raised at the call, where the cooldown is recorded)."""
    with GatewayEmulator() as limited:
        limited.script(*[RATE_LIMITED] * 60)
        router = Router(
            model_list=[
                {
                    "model_name": "pool",
                    "litellm_params": {"model": "kilo/kilo-auto/free", "api_base": limited.api_base},
                },
                {"model_name": "pool", "litellm_params": {"model": "kilo/kilo-auto/free", "api_base": gw.api_base}},
            ],
            num_retries=0,
            cooldown_time=60,
        )
        for _ in range(50):
            try:
                await _ask(router, "pool", is_async=is_async, stream=stream)
            except litellm.RateLimitError as exc:
                assert exc.status_code == 429
                break
        assert len(limited.chat_requests) == 1
        await _until_cooled_down(router, limited.api_base)
        outcomes = []
        for _ in range(12):
            try:
                outcomes.append(await _ask(router, "pool", is_async=is_async, stream=stream))
            except litellm.RateLimitError as exc:
                assert exc.status_code == 429
                outcomes.append("429")
        assert outcomes.count("429") == 0
        assert len(limited.chat_requests) == 1 + outcomes.count("429")
        assert outcomes[-8:] == [STREAM_TEXT if stream else NONSTREAM_TEXT] * 8


async def test_by_default_each_call_starts_at_the_first_free_model_again(gw, sleeps):
    router = free_router(api_base=gw.api_base)
    gw.script(RATE_LIMITED)
    await _ask(router, "kilo-auto/free", is_async=True, stream=False)
    gw.script(RATE_LIMITED)
    await _ask(router, "kilo-auto/free", is_async=True, stream=False)
    assert _sent(gw) == [FIRST, SECOND, FIRST, SECOND]
    assert sleeps == []


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_opt_in_cooldown_skips_a_rate_limited_free_model_on_later_calls(gw, sleeps, is_async):
    router = free_router(
        api_base=gw.api_base, allowed_fails_policy=AllowedFailsPolicy(RateLimitErrorAllowedFails=0), cooldown_time=600
    )
    gw.script(RATE_LIMITED)
    for _ in range(3):
        assert await _ask(router, "kilo-auto/free", is_async=is_async, stream=False) == NONSTREAM_TEXT
    assert _sent(gw) == [FIRST, SECOND, SECOND, SECOND]
    assert sleeps == []


async def test_reasoning_effort_and_user_survive_a_fallback_to_a_non_reasoning_model(gw):
    gw.script(RATE_LIMITED, RATE_LIMITED)
    router = free_router(api_base=gw.api_base)
    await _ask(router, "kilo-auto/free", is_async=True, stream=False, reasoning_effort="high", user="user-7")
    first, second, third = (r.json for r in gw.chat_requests)
    assert first["reasoning"] == second["reasoning"] == {"effort": "high"}
    assert first["user"] == second["user"] == third["user"] == "user-7"
    assert "reasoning" not in third and "reasoning_effort" not in third


def test_wildcard_reaches_any_gateway_model(gw):
    router = free_router(api_base=gw.api_base, api_key="kilo-real-key-1")
    resp = router.completion(model="kilo/anthropic/claude-sonnet-4.6", messages=MESSAGES)
    assert _sent(gw) == ["anthropic/claude-sonnet-4.6"]
    assert gw.chat_requests[0].authorization == "Bearer kilo-real-key-1"
    assert resp._hidden_params["response_cost"] == pytest.approx(0.001425)


def _config_router() -> Router:
    config = yaml.safe_load(CONFIG.read_text())
    return Router(model_list=config["model_list"], **config["router_settings"])


def test_shipped_config_reads_key_and_base_from_environment(gw, monkeypatch):
    monkeypatch.setenv("KILO_API_BASE", gw.api_base)
    monkeypatch.setenv("KILO_API_KEY", "kilo-env-key-123456")
    assert _config_router().completion(model="kilo-auto/free", messages=MESSAGES).choices[0].message.content
    assert gw.chat_requests[-1].authorization == "Bearer kilo-env-key-123456"


def test_shipped_config_without_environment_sends_no_key_to_the_live_gateway(gw, monkeypatch):
    """With KILO_* unset LiteLLM passes None; the provider then sends no key to the live URL.

    The live gateway is never contacted: the provider's HTTP client gets a transport that answers locally.
    """
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = recording("nonstream-anthropic-whitespace-prefix.json")
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    monkeypatch.setattr(kilo_litellm.kilo_llm, "_client", httpx.Client(transport=httpx.MockTransport(answer)))
    resp = _config_router().completion(model="kilo-auto/free", messages=MESSAGES)
    assert resp.choices[0].message.content == NONSTREAM_TEXT
    [request] = seen
    assert str(request.url) == "https://api.kilo.ai/api/gateway/chat/completions"
    assert "authorization" not in request.headers
