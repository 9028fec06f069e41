"""``/messages`` and ``/responses`` on the emulator, through Anthropic's and OpenAI's own SDKs.

The gateway serves both APIs (Kilo's own client calls ``/messages`` for models whose
``opencode.ai_sdk_provider`` is ``anthropic`` and ``/responses`` for ``openai``), streamed and not,
with the same refusals as chat. The emulator writes its recorded chat answers in each shape; a
request that offers tools gets a call to a harmless one it offers (opencode's lowercase ``bash``),
then text once the call's result is in.
"""

from __future__ import annotations

import json

import anthropic
import httpx
import openai
import pytest

from kilo_litellm.emulator import TOOL_MARKER, recording, sse_payloads, streamed_text

KEY = "sk-test-shapes-0123456789"
FREE, PAID, UNLISTED = "kilo-auto/free", "anthropic/claude-sonnet-4.6", "acme/not-listed:free"
GPT41 = sse_payloads(recording("stream-openai-gpt41.sse"))
STREAM_TEXT = streamed_text(GPT41)
USAGE = GPT41[-1]["usage"]
PROMPT = [{"role": "user", "content": "list the files"}]
BASH = {
    "name": "bash",
    "description": "Run a shell command",
    "input_schema": {"type": "object", "properties": {"command": {"type": "string"}}},
}
FUNCTION_BASH = {"type": "function", "name": "bash", "parameters": BASH["input_schema"]}


def _anthropic(gw, key: str = "anonymous") -> anthropic.Anthropic:
    """The key as a bearer (``anonymous`` without one), as Kilo's client sends it besides ``x-api-key``."""
    headers = {"Authorization": f"Bearer {key}"} if key != "anonymous" else {}
    return anthropic.Anthropic(api_key=key, base_url=gw.openrouter_base, default_headers=headers, max_retries=0)


def _openai(gw, key: str = "anonymous") -> openai.OpenAI:
    return openai.OpenAI(api_key=key, base_url=gw.openrouter_base, max_retries=0)


# -- Messages ---------------------------------------------------------------------------------------


def test_messages_answers_the_recorded_text_with_anthropic_usage(gw):
    message = _anthropic(gw).messages.create(model=FREE, max_tokens=256, messages=PROMPT)
    assert message.type == "message" and message.role == "assistant" and message.model == FREE
    assert [b.type for b in message.content] == ["text"] and message.content[0].text == STREAM_TEXT
    assert message.stop_reason == "end_turn"
    cached = USAGE["prompt_tokens_details"]["cached_tokens"]
    assert message.usage.input_tokens + message.usage.cache_read_input_tokens == USAGE["prompt_tokens"]
    assert (message.usage.cache_read_input_tokens, message.usage.output_tokens) == (cached, USAGE["completion_tokens"])
    [sent] = gw.messages_requests
    assert sent.path == "/api/openrouter/v1/messages"  # the SDK adds /v1; Kilo's client sends /api/openrouter/messages
    assert "Bearer anonymous" in (sent.authorization, f"Bearer {sent.headers.get('x-api-key')}")


def test_messages_streams_anthropics_event_sequence(gw):
    with _anthropic(gw).messages.stream(model=FREE, max_tokens=256, messages=PROMPT) as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_message()
    assert kinds[0] == "message_start" and kinds[-1] == "message_stop"
    assert kinds[-2] == "message_delta"
    assert {"content_block_start", "content_block_delta", "content_block_stop"} <= set(kinds)
    assert final.content[0].text == STREAM_TEXT and final.usage.output_tokens == USAGE["completion_tokens"]
    raw = httpx.post(
        gw.openrouter_base + "/messages", json={"model": FREE, "max_tokens": 9, "messages": PROMPT, "stream": True}
    ).text
    assert raw.startswith("event: message_start\ndata: {")


def test_messages_calls_the_harmless_bash_tool_then_answers_in_text(gw):
    client = _anthropic(gw, KEY)
    with client.messages.stream(model=PAID, max_tokens=256, messages=PROMPT, tools=[BASH]) as stream:
        for _ in stream:
            pass
        first = stream.get_final_message()
    assert first.stop_reason == "tool_use"
    [call] = [b for b in first.content if b.type == "tool_use"]
    assert call.name == "bash" and TOOL_MARKER in call.input["command"]
    result = {"type": "tool_result", "tool_use_id": call.id, "content": TOOL_MARKER}
    turn = [*PROMPT, {"role": "assistant", "content": first.content}, {"role": "user", "content": [result]}]
    second = client.messages.create(model=PAID, max_tokens=256, messages=turn, tools=[BASH])
    assert second.stop_reason == "end_turn" and [b.type for b in second.content] == ["text"]
    assert gw.messages_requests[0].authorization == f"Bearer {KEY}"


@pytest.mark.parametrize("stream", [False, True], ids=["nonstream", "stream"])
def test_messages_refuses_as_the_gateway_does(gw, stream):
    body = {"model": PAID, "max_tokens": 9, "messages": PROMPT, "stream": stream}
    with pytest.raises(anthropic.AuthenticationError) as paid:
        _anthropic(gw).messages.create(**body)
    assert paid.value.body["error"]["code"] == "PAID_MODEL_AUTH_REQUIRED"
    with pytest.raises(anthropic.NotFoundError) as unlisted:
        _anthropic(gw, KEY).messages.create(**{**body, "model": UNLISTED})
    assert unlisted.value.body["error_type"] == "model_not_found"
    with pytest.raises(anthropic.AuthenticationError) as placeholder:
        _anthropic(gw, "public").messages.create(**{**body, "model": FREE})
    assert placeholder.value.body["error"]["code"] == "INVALID_TOKEN"


# -- Responses --------------------------------------------------------------------------------------


def test_responses_answers_the_recorded_text_with_responses_usage(gw):
    response = _openai(gw).responses.create(model=FREE, input="list the files", store=False)
    assert response.object == "response" and response.status == "completed"
    assert response.output_text == STREAM_TEXT
    assert response.usage.input_tokens == USAGE["prompt_tokens"]
    assert response.usage.input_tokens_details.cached_tokens == USAGE["prompt_tokens_details"]["cached_tokens"]
    assert response.usage.output_tokens == USAGE["completion_tokens"]
    assert response.usage.total_tokens == USAGE["prompt_tokens"] + USAGE["completion_tokens"]
    assert [r.path for r in gw.responses_requests] == ["/api/openrouter/responses"]


def test_responses_streams_openais_event_sequence(gw):
    with _openai(gw).responses.stream(model=FREE, input=PROMPT, store=False) as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_response()
    assert kinds[:2] == ["response.created", "response.in_progress"] and kinds[-1] == "response.completed"
    assert kinds.count("response.output_text.delta") == sum(1 for e in GPT41 if e["choices"][0]["delta"].get("content"))
    assert final.output_text == STREAM_TEXT and final.usage.output_tokens == USAGE["completion_tokens"]


def test_responses_calls_the_harmless_bash_tool_then_answers_in_text(gw):
    client = _openai(gw, KEY)
    with client.responses.stream(model="openai/gpt-4.1", input=PROMPT, tools=[FUNCTION_BASH], store=False) as s:
        for _ in s:
            pass
        first = s.get_final_response()
    [call] = [item for item in first.output if item.type == "function_call"]
    assert call.name == "bash" and TOOL_MARKER in json.loads(call.arguments)["command"]
    output = {"type": "function_call_output", "call_id": call.call_id, "output": TOOL_MARKER}
    turn = [*PROMPT, {"type": "function_call", "call_id": call.call_id, "name": "bash", "arguments": call.arguments}]
    second = client.responses.create(model="openai/gpt-4.1", input=[*turn, output], tools=[FUNCTION_BASH], store=False)
    assert [item.type for item in second.output] == ["message"] and second.output_text


@pytest.mark.parametrize("field", [{"store": True}, {"previous_response_id": "resp_1"}], ids=["store", "previous"])
def test_responses_refuses_stored_responses(gw, field):
    with pytest.raises(openai.BadRequestError) as caught:
        _openai(gw).responses.create(model=FREE, input="hi", **field)
    assert caught.value.response.json()["error_type"] == "unsupported_field"


@pytest.mark.parametrize("stream", [False, True], ids=["nonstream", "stream"])
def test_responses_refuses_as_the_gateway_does(gw, stream):
    with pytest.raises(openai.AuthenticationError) as paid:
        _openai(gw).responses.create(model=PAID, input="hi", store=False, stream=stream)
    assert paid.value.code == "PAID_MODEL_AUTH_REQUIRED"
    with pytest.raises(openai.NotFoundError) as unlisted:
        _openai(gw, KEY).responses.create(model=UNLISTED, input="hi", store=False, stream=stream)
    assert unlisted.value.response.json()["error_type"] == "model_not_found"


def test_chat_picks_opencodes_bash_among_the_tools_kilos_client_offers(gw):
    offered = ["read", "glob", "grep", "bash", "edit", "write", "todowrite"]
    tools = [{"type": "function", "function": {"name": n, "parameters": {"type": "object"}}} for n in offered]
    answer = _openai(gw, KEY).chat.completions.create(model=FREE, messages=PROMPT, tools=tools)
    [call] = answer.choices[0].message.tool_calls
    assert call.function.name == "bash" and json.loads(call.function.arguments)["command"] == f"echo {TOOL_MARKER}"
