"""The core provider through litellm.completion / acompletion, sync and async, stream and not."""

from __future__ import annotations

import re

import litellm
import pytest
from conftest import MESSAGES, call_litellm

import kilo_litellm
from kilo_litellm.emulator import assemble, gateway_model, recording, sse_payloads, streamed_text
from kilo_litellm.models import catalog

SEEDS = [
    ("kilo/glm-5-free", "z-ai/glm-5:free"),
    ("kilo/giga-potato-free", "giga-potato"),
    ("kilo/trinity-large-preview", "arcee-ai/trinity-large-preview:free"),
]
FREE_TODAY = [
    ("kilo/kilo-auto/free", "kilo-auto/free"),
    ("kilo/stepfun/step-5-preview-free", "stepfun/step-5-preview-free"),
]
NONSTREAM_TEXT = "Lorem ipsum dolor sit amet, consectetur adipiscing elit"
GPT41 = sse_payloads(recording("stream-openai-gpt41.sse"))
STREAM_TEXT = streamed_text(GPT41)
STREAM_USAGE = GPT41[-1]["usage"]


@pytest.mark.parametrize("model,gateway_id", FREE_TODAY)
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("stream", [False, True], ids=["nonstream", "stream"])
async def test_free_models_reach_the_gateway_with_their_gateway_id(gw, model, gateway_id, is_async, stream):
    await _assert_answered(gw, model, gateway_id, is_async, stream)


@pytest.mark.parametrize("model,gateway_id", SEEDS)
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("stream", [False, True], ids=["nonstream", "stream"])
async def test_seed_models_reach_a_gateway_that_lists_them_again_with_their_gateway_id(
    gw, model, gateway_id, is_async, stream
):
    """Kilo has re-enabled a retired free id before: the seed aliases still send their own ids."""
    gw.models = [gateway_model(gid) for _, gid in SEEDS]
    await _assert_answered(gw, model, gateway_id, is_async, stream)


async def _assert_answered(gw, model, gateway_id, is_async, stream):
    text, usage, chunks = await call_litellm(is_async, stream, model=model, api_base=gw.api_base)

    [sent] = gw.chat_requests
    assert sent.model == gateway_id
    assert sent.authorization is None
    assert sent.json["stream"] is stream
    assert sent.json["messages"] == MESSAGES
    if stream:
        assert text == STREAM_TEXT
        assert (usage.prompt_tokens, usage.completion_tokens) == (14108, 79)
        assert usage.prompt_tokens_details.cached_tokens == 13696
        assert sent.json["stream_options"]["include_usage"] is True
        built = litellm.stream_chunk_builder(chunks)
        assert built.choices[0].message.content == STREAM_TEXT
        assert built.choices[0].finish_reason == "stop"
    else:
        assert text == NONSTREAM_TEXT
        assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (55, 84, 139)


async def test_key_from_environment_is_sent(gw, monkeypatch):
    monkeypatch.setenv("KILO_API_KEY", "kilo-env-key-123456")
    monkeypatch.setenv("KILO_API_BASE", gw.api_base)
    await litellm.acompletion(model="kilo/kilo-auto/free", messages=MESSAGES)
    assert gw.chat_requests[-1].authorization == "Bearer kilo-env-key-123456"


def test_call_key_beats_environment_key(gw, monkeypatch):
    monkeypatch.setenv("KILO_API_KEY", "kilo-env-key-123456")
    litellm.completion(
        model="kilo/kilo-auto/free", messages=MESSAGES, api_base=gw.api_base, api_key="kilo-arg-key-654321"
    )
    assert gw.chat_requests[-1].authorization == "Bearer kilo-arg-key-654321"


def test_organisation_header_from_environment(gw, monkeypatch):
    monkeypatch.setenv("KILO_ORG_ID", "0b7a4c8e-7d3a-4f55-9d1e-2a6c2b1f9e11")
    litellm.completion(model="kilo/kilo-auto/free", messages=MESSAGES, api_base=gw.api_base)
    assert gw.chat_requests[-1].headers["x-kilocode-organizationid"] == "0b7a4c8e-7d3a-4f55-9d1e-2a6c2b1f9e11"


@pytest.mark.parametrize("stream", [False, True])
def test_paid_model_without_key_is_the_gateways_401_naming_the_key(gw, stream):
    """The bundled snapshot refuses nothing: the gateway says the model wants a key."""
    with pytest.raises(litellm.AuthenticationError, match="KILO_API_KEY"):
        resp = litellm.completion(
            model="kilo/anthropic/claude-sonnet-4.6", messages=MESSAGES, api_base=gw.api_base, stream=stream
        )
        list(resp)
    assert [(r.model, r.authorization) for r in gw.chat_requests] == [("anthropic/claude-sonnet-4.6", None)]


async def test_paid_model_without_key_is_the_gateways_401_naming_the_key_async(gw):
    with pytest.raises(litellm.AuthenticationError, match="KILO_API_KEY"):
        await litellm.acompletion(model="kilo/anthropic/claude-sonnet-4.6", messages=MESSAGES, api_base=gw.api_base)
    assert [(r.model, r.authorization) for r in gw.chat_requests] == [("anthropic/claude-sonnet-4.6", None)]


def test_paid_model_with_key_is_sent_as_given_and_priced(gw):
    resp = litellm.completion(
        model="kilo/anthropic/claude-sonnet-4.6", messages=MESSAGES, api_base=gw.api_base, api_key="kilo-real-key-1"
    )
    assert gw.chat_requests[-1].model == "anthropic/claude-sonnet-4.6"
    assert gw.chat_requests[-1].authorization == "Bearer kilo-real-key-1"
    assert resp._hidden_params["response_cost"] == pytest.approx(0.001425)


@pytest.mark.parametrize(
    "alias,gateway_id",
    [
        ("kilo/glm-4.7-free", "z-ai/glm-4.7:free"),
        ("kilo/kimi-k2.5-free", "moonshotai/kimi-k2.5:free"),
        ("kilo/minimax-m2.1-free", "minimax/minimax-m2.1:free"),
    ],
)
def test_retired_alias_names_current_free_models(gw, alias, gateway_id):
    with pytest.raises(litellm.NotFoundError) as info:
        litellm.completion(model=alias, messages=MESSAGES, api_base=gw.api_base)
    assert gw.chat_requests[-1].model == gateway_id
    message = str(info.value)
    assert "retired" in message
    assert "kilo/kilo-auto/free" in message and "kilo/stepfun/step-5-preview-free" in message


def test_unknown_alias_names_todays_models_and_sends_nothing(gw):
    """Measured before: the "valid aliases" it listed were all retired. Now the served names come
    first, and a near miss that is retired says so."""
    with pytest.raises(litellm.NotFoundError) as info:
        litellm.completion(model="kilo/glm-6-free", messages=MESSAGES, api_base=gw.api_base)
    message = str(info.value)
    served = message.split("Served today: ", 1)[1]
    assert served.startswith("kilo/kilo-auto/free, kilo/stepfun/step-5-preview-free")
    assert "Did you mean kilo/glm-5-free (retired; use kilo/kilo-auto/free)?" in message
    assert not any(f"kilo/{alias}" in served for e in catalog.active().models if e.retired for alias in e.aliases)
    assert gw.requests == []


def test_registration_is_idempotent():
    before = [i for i in litellm.custom_provider_map if i["provider"] == "kilo"]
    kilo_litellm.register()
    kilo_litellm.register()
    after = [i for i in litellm.custom_provider_map if i["provider"] == "kilo"]
    assert len(before) == len(after) == 1


@pytest.mark.parametrize(
    "model,context,max_out,flag",
    [
        ("kilo/kilo-auto/free", 204800, 32768, "supports_reasoning"),
        ("kilo/glm-5-free", 202800, 131072, "supports_reasoning"),
        ("kilo/giga-potato-free", 256000, 32000, "supports_vision"),
        ("kilo/trinity-large-preview", 131072, 131072, "supports_function_calling"),
        ("kilo/minimax/minimax-m2.5:free", 204800, 131072, "supports_reasoning"),
        ("kilo/giga-potato-thinking", 256000, 32000, "supports_reasoning"),
    ],
)
def test_model_info_is_registered(model, context, max_out, flag):
    info = litellm.get_model_info(model)
    assert (info["max_input_tokens"], info["max_output_tokens"]) == (context, max_out)
    assert info["input_cost_per_token"] == info["output_cost_per_token"] == 0.0
    assert info[flag] is True


def test_kilo_auto_is_a_retired_paid_alias_that_names_its_successor(gw):
    info = litellm.get_model_info("kilo/auto")
    assert info["max_input_tokens"] == 1_000_000
    with pytest.raises(litellm.NotFoundError, match="kilo/kilo-auto/balanced"):
        litellm.completion(model="kilo/auto", messages=MESSAGES, api_base=gw.api_base, api_key="kilo-real-key-1")
    assert gw.chat_requests[-1].model == "kilo/auto"


def test_tool_call_stream_rebuilds_the_recorded_call(gw):
    tools = [{"type": "function", "function": {"name": "search_files", "parameters": {"type": "object"}}}]
    chunks = list(
        litellm.completion(
            model="kilo/kilo-auto/free", messages=MESSAGES, api_base=gw.api_base, stream=True, tools=tools
        )
    )
    built = litellm.stream_chunk_builder(chunks)
    [call] = built.choices[0].message.tool_calls
    assert re.fullmatch(r"call_\d+", call.id) and call.function.name == "search_files"
    assert call.function.arguments == '{"path": "src", "regex": "read_file", "file_pattern": "*.ts"}'
    assert built.choices[0].finish_reason == "tool_calls"
    assert gw.chat_requests[-1].json["tools"] == tools


def test_assembled_body_matches_its_stream():
    body = assemble(recording("stream-devstral-free-toolcall.sse"))
    assert b'"search_files"' in body and b'"tool_calls"' in body


def test_sync_streams_reuse_the_connection(gw):
    """A stream read to [DONE] hands its connection back to the pool (one TLS handshake, not one per call)."""
    for _ in range(3):
        list(litellm.completion(model="kilo/kilo-auto/free", messages=MESSAGES, api_base=gw.api_base, stream=True))
    ports = {r.client_port for r in gw.chat_requests}
    assert len(gw.chat_requests) == 3 and len(ports) == 1


async def test_async_streams_reuse_the_connection(gw):
    for _ in range(3):
        resp = await litellm.acompletion(
            model="kilo/kilo-auto/free", messages=MESSAGES, api_base=gw.api_base, stream=True
        )
        [c async for c in resp]
    ports = {r.client_port for r in gw.chat_requests}
    assert len(gw.chat_requests) == 3 and len(ports) == 1
