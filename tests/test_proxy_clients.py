"""The real LiteLLM proxy called the way coding tools call it: ``openai`` chat and Responses, ``anthropic`` Messages.

One proxy for the module, from a config laid out like the shipped one (``proxy_helpers.agents_config``),
pointed at a local gateway emulator through ``KILO_API_BASE``, with a spend-logging callback. Each
test asserts what the client got and what the gateway received.
"""

from __future__ import annotations

import json

import anthropic
import pytest
from processes import starts_a_process
from proxy_helpers import (
    FREE_GROUP,
    agents_config,
    fallback_chain,
    fresh_emulator_and_spend,
    gateway_id,
    openai_client,
    proxy_with_spend_log,
    read_spend,
)

from kilo_litellm.emulator import RATE_LIMIT_BODY, Reply, recording, sse_payloads, streamed_text

pytestmark = pytest.mark.slow

CONFIG = agents_config()
FREE_ID = gateway_id(CONFIG, FREE_GROUP)
NEXT_GROUP = fallback_chain(CONFIG, FREE_GROUP)[0]
NEXT_ID = gateway_id(CONFIG, NEXT_GROUP)
PAID = "kilo/x-ai/grok-code-fast-1"
GROK = sse_payloads(recording("stream-grok-reasoning.sse"))
GROK_TEXT = streamed_text(GROK)
GROK_COST = GROK[-1]["usage"]["cost_details"]["upstream_inference_cost"]  # a BYOK route: the upstream price
NONSTREAM_TEXT = "Lorem ipsum dolor sit amet, consectetur adipiscing elit"
GPT41 = sse_payloads(recording("stream-openai-gpt41.sse"))
STREAM_TEXT = streamed_text(GPT41)
KILO_KEY = "kilo-clients-test-key-0123"
PROMPT = "list the source files"
SCHEMA = {"type": "object", "properties": {"path": {"type": "string"}}}
CHAT_TOOLS = [{"type": "function", "function": {"name": "search_files", "parameters": SCHEMA}}]
RESPONSES_TOOLS = [{"type": "function", "name": "search_files", "parameters": SCHEMA}]
ANTHROPIC_TOOLS = [{"name": "search_files", "description": "Search files", "input_schema": SCHEMA}]
TOOL_ARGUMENTS = {"path": "src", "regex": "read_file", "file_pattern": "*.ts"}


@starts_a_process
@pytest.fixture(scope="module")
def proxy(emulator, tmp_path_factory):
    with proxy_with_spend_log(
        CONFIG, tmp_path_factory.mktemp("proxy-clients"), {"KILO_API_BASE": emulator.api_base, "KILO_API_KEY": KILO_KEY}
    ) as started:
        yield started


@pytest.fixture
def gw(emulator, proxy):
    yield from fresh_emulator_and_spend(emulator, proxy)


@pytest.fixture
def oai(proxy, gw):
    return openai_client(proxy)


@pytest.fixture
def claude(proxy, gw):
    return anthropic.Anthropic(base_url=proxy[0].base, api_key=proxy[0].master_key, max_retries=0, timeout=30)


@pytest.fixture
def spend(proxy):
    return proxy[1]


def _sent(gw) -> list[str | None]:
    return [r.model for r in gw.chat_requests]


def _last_sent(gw) -> dict:
    return gw.chat_requests[-1].json


# -- openai: chat completions ----------------------------------------------------------------------


@pytest.mark.parametrize("stream", [False, True], ids=["nonstream", "stream"])
def test_chat_answers(oai, gw, stream):
    resp = oai.chat.completions.create(model=FREE_GROUP, messages=[{"role": "user", "content": "hi"}], stream=stream)
    if stream:
        text = "".join(c.choices[0].delta.content or "" for c in resp if c.choices)
        assert text == STREAM_TEXT
    else:
        assert resp.choices[0].message.content == NONSTREAM_TEXT
    assert _sent(gw) == [FREE_ID]


@pytest.mark.parametrize("stream", [False, True], ids=["nonstream", "stream"])
def test_chat_tool_call_then_tool_result(oai, gw, stream):
    messages = [{"role": "user", "content": PROMPT}]
    resp = oai.chat.completions.create(model=FREE_GROUP, messages=messages, tools=CHAT_TOOLS, stream=stream)
    if stream:
        chunks = list(resp)
        deltas = [tc for c in chunks if c.choices for tc in (c.choices[0].delta.tool_calls or [])]
        call_id = next(tc.id for tc in deltas if tc.id)
        name = next(tc.function.name for tc in deltas if tc.function and tc.function.name)
        arguments = "".join(tc.function.arguments or "" for tc in deltas if tc.function)
    else:
        [call] = resp.choices[0].message.tool_calls
        call_id, name, arguments = call.id, call.function.name, call.function.arguments
    assert (name, json.loads(arguments)) == ("search_files", TOOL_ARGUMENTS)
    assert call_id.startswith("call_")
    assert _last_sent(gw)["tools"] == CHAT_TOOLS

    messages += [
        {"role": "assistant", "content": None, "tool_calls": [_chat_call(call_id, name, arguments)]},
        {"role": "tool", "tool_call_id": call_id, "content": "src/main.ts"},
    ]
    final = oai.chat.completions.create(model=FREE_GROUP, messages=messages, tools=CHAT_TOOLS)
    assert final.choices[0].message.content == NONSTREAM_TEXT
    assert final.choices[0].finish_reason == "stop"
    assert _last_sent(gw)["messages"][-1] == {"role": "tool", "tool_call_id": call_id, "content": "src/main.ts"}


def _chat_call(call_id: str, name: str, arguments: str) -> dict:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def test_chat_reasoning_effort_reaches_the_gateway(oai, gw):
    oai.chat.completions.create(model=FREE_GROUP, messages=[{"role": "user", "content": "hi"}], reasoning_effort="low")
    assert _sent(gw) == [FREE_ID]  # no fallback: the first model took it
    assert _last_sent(gw)["reasoning"] == {"effort": "low"}


# -- openai: responses -----------------------------------------------------------------------------


def _events(stream) -> list:
    return list(stream)


def test_responses_answers(oai, gw):
    resp = oai.responses.create(model=FREE_GROUP, input="hi")
    assert resp.output_text == NONSTREAM_TEXT
    assert resp.status == "completed"
    assert _sent(gw) == [FREE_ID]


def test_responses_stream_answers(oai, gw):
    events = _events(oai.responses.create(model=FREE_GROUP, input="hi", stream=True))
    kinds = [e.type for e in events]
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
    assert "".join(e.delta for e in events if e.type == "response.output_text.delta") == STREAM_TEXT
    assert events[-1].response.output_text == STREAM_TEXT


@pytest.mark.parametrize("stream", [False, True], ids=["nonstream", "stream"])
def test_responses_function_call_then_output(oai, gw, stream):
    resp = oai.responses.create(model=FREE_GROUP, input=PROMPT, tools=RESPONSES_TOOLS, stream=stream)
    if stream:
        events = _events(resp)
        assert events[-1].type == "response.completed"
        resp = events[-1].response
    [call] = [item for item in resp.output if item.type == "function_call"]
    assert (call.name, json.loads(call.arguments)) == ("search_files", TOOL_ARGUMENTS)
    assert call.call_id.startswith("call_")
    assert _last_sent(gw)["tools"][0]["function"]["name"] == "search_files"

    history = [
        {"role": "user", "content": PROMPT},
        {"type": "function_call", "call_id": call.call_id, "name": call.name, "arguments": call.arguments},
        {"type": "function_call_output", "call_id": call.call_id, "output": "src/main.ts"},
    ]
    final = oai.responses.create(model=FREE_GROUP, input=history, tools=RESPONSES_TOOLS)
    assert final.output_text == NONSTREAM_TEXT
    sent = _last_sent(gw)["messages"][-1]
    assert (sent["role"], sent["tool_call_id"], sent["content"]) == ("tool", call.call_id, "src/main.ts")


@pytest.mark.parametrize("stream", [False, True], ids=["nonstream", "stream"])
def test_responses_reasoning_effort_reaches_the_gateway(oai, gw, stream):
    resp = oai.responses.create(model=FREE_GROUP, input="hi", reasoning={"effort": "medium"}, stream=stream)
    if stream:
        _events(resp)
    assert _sent(gw) == [FREE_ID]  # no fallback: the first model took it
    assert _last_sent(gw)["reasoning"] == {"effort": "medium"}


# -- anthropic: messages ---------------------------------------------------------------------------


def test_messages_answers(claude, gw):
    msg = claude.messages.create(model=FREE_GROUP, max_tokens=256, messages=[{"role": "user", "content": "hi"}])
    assert [b.text for b in msg.content if b.type == "text"] == [NONSTREAM_TEXT]
    assert msg.stop_reason == "end_turn"
    assert (msg.usage.input_tokens, msg.usage.output_tokens) == (55, 84)
    assert _sent(gw) == [FREE_ID]


def test_messages_stream_answers(claude, gw):
    with claude.messages.stream(model=FREE_GROUP, max_tokens=256, messages=[{"role": "user", "content": "hi"}]) as s:
        text = "".join(s.text_stream)
        final = s.get_final_message()
    assert text == STREAM_TEXT
    assert final.stop_reason == "end_turn"
    assert final.usage.output_tokens == 79


@pytest.mark.parametrize("stream", [False, True], ids=["nonstream", "stream"])
def test_messages_tool_use_then_tool_result(claude, gw, stream):
    messages = [{"role": "user", "content": PROMPT}]
    kwargs = {"model": FREE_GROUP, "max_tokens": 256, "tools": ANTHROPIC_TOOLS}
    if stream:
        with claude.messages.stream(messages=messages, **kwargs) as s:
            msg = s.get_final_message()
    else:
        msg = claude.messages.create(messages=messages, **kwargs)
    [use] = [b for b in msg.content if b.type == "tool_use"]
    assert (use.name, use.input) == ("search_files", TOOL_ARGUMENTS)
    assert msg.stop_reason == "tool_use"

    messages += [
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in msg.content]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "src/main.ts"}]},
    ]
    final = claude.messages.create(messages=messages, **kwargs)
    assert [b.text for b in final.content if b.type == "text"] == [NONSTREAM_TEXT]
    assert final.stop_reason == "end_turn"
    sent = _last_sent(gw)["messages"][-1]
    assert (sent["role"], sent["tool_call_id"]) == ("tool", use.id)
    assert "src/main.ts" in json.dumps(sent["content"])


@pytest.mark.parametrize("stream", [False, True], ids=["nonstream", "stream"])
def test_messages_thinking_reaches_the_gateway_and_comes_back(claude, gw, stream):
    kwargs = {
        "model": FREE_GROUP,
        "max_tokens": 4096,
        "thinking": {"type": "enabled", "budget_tokens": 2048},
        "messages": [{"role": "user", "content": "hi"}],
    }
    if stream:
        with claude.messages.stream(**kwargs) as s:
            msg = s.get_final_message()
    else:
        msg = claude.messages.create(**kwargs)
    assert _sent(gw) == [FREE_ID]  # no fallback: the first model took it
    assert _last_sent(gw)["reasoning"]["effort"] in {"minimal", "low", "medium", "high"}
    thinking = [b.thinking for b in msg.content if b.type == "thinking"]
    reasoning = "".join(c["choices"][0]["delta"].get("reasoning") or "" for c in GROK if c.get("choices"))
    assert thinking and "".join(thinking) == reasoning
    assert [b.type for b in msg.content][-1] == "text"


# -- a 429 before the first chunk falls back, on every endpoint ------------------------------------


def _ask(endpoint: str, oai, claude, stream: bool, model: str = FREE_GROUP) -> str:
    """The answer's text, asked through ``endpoint`` (usage included in chat streams)."""
    if endpoint == "chat":
        messages = [{"role": "user", "content": "hi"}]
        if not stream:
            return oai.chat.completions.create(model=model, messages=messages).choices[0].message.content
        chunks = oai.chat.completions.create(
            model=model, messages=messages, stream=True, stream_options={"include_usage": True}
        )
        return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    if endpoint == "responses":
        if not stream:
            return oai.responses.create(model=model, input="hi").output_text
        return _events(oai.responses.create(model=model, input="hi", stream=True))[-1].response.output_text
    kwargs = {"model": model, "max_tokens": 256, "messages": [{"role": "user", "content": "hi"}]}
    if not stream:
        return "".join(b.text for b in claude.messages.create(**kwargs).content if b.type == "text")
    with claude.messages.stream(**kwargs) as s:
        return "".join(b.text for b in s.get_final_message().content if b.type == "text")


ENDPOINTS = ["chat", "messages", "responses"]


@pytest.mark.parametrize("stream", [False, True], ids=["nonstream", "stream"])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_rate_limit_falls_back_to_the_next_free_model(oai, claude, gw, endpoint, stream):
    gw.script(Reply(status=429, body=RATE_LIMIT_BODY))
    text = _ask(endpoint, oai, claude, stream)
    assert text == (STREAM_TEXT if stream else NONSTREAM_TEXT)
    assert _sent(gw) == [FREE_ID, NEXT_ID]


# -- cost reaches the proxy's spend logging ---------------------------------------------------------


@pytest.mark.parametrize("stream", [False, True], ids=["nonstream", "stream"])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_cost_reaches_spend_logging(oai, claude, gw, spend, endpoint, stream):
    assert _ask(endpoint, oai, claude, stream, model=PAID) == GROK_TEXT
    assert _sent(gw) == ["x-ai/grok-code-fast-1"]
    assert gw.chat_requests[-1].authorization == f"Bearer {KILO_KEY}"
    [logged] = read_spend(spend, 1)
    assert logged["response_cost"] == pytest.approx(GROK_COST)


def test_free_model_costs_nothing_in_spend_logging(oai, gw, spend):
    _ask("chat", oai, None, stream=False)
    [logged] = read_spend(spend, 1)
    assert logged["response_cost"] == 0.0


def test_kilo_key_stays_out_of_the_proxy_log(proxy, oai):
    oai.chat.completions.create(model=FREE_GROUP, messages=[{"role": "user", "content": "hi"}])
    assert KILO_KEY not in proxy[0].log.read_text(errors="replace")


@pytest.mark.parametrize("model", ["kilo/anthropic/claude-sonnet-4.6", "anthropic/claude-sonnet-4.6"])
def test_thinking_on_a_claude_named_model_reaches_the_gateway_as_reasoning(claude, gw, model):
    """LiteLLM's Messages bridge passes ``thinking`` through untouched for names containing "claude"."""
    msg = claude.messages.create(
        model=model,
        max_tokens=4096,
        thinking={"type": "enabled", "budget_tokens": 2048},
        messages=[{"role": "user", "content": "hi"}],
    )
    assert [b.type for b in msg.content][-1] == "text"
    sent = _last_sent(gw)
    assert sent["model"] == "anthropic/claude-sonnet-4.6"
    assert sent["reasoning"] == {"max_tokens": 2048}
    assert "thinking" not in sent
