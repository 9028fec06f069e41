"""Beyond plain text: tools, reasoning, structured output, vision, parameters, usage and cost."""

from __future__ import annotations

import json
import re
import threading

import litellm
import pytest
from conftest import COMPLETION_COST_USES_USAGE_COST, MESSAGES

from kilo_litellm.emulator import Reply, assemble, recording, sse_payloads

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    },
    {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object"}}},
]
GROK = sse_payloads(recording("stream-grok-reasoning.sse"))
GROK_REASONING = "".join(c["choices"][0]["delta"].get("reasoning") or "" for c in GROK if c.get("choices"))
GROK_USAGE = GROK[-1]["usage"]


def _parallel_tool_stream() -> bytes:
    """Two tool calls streamed in fragments (later fragments without id/name), in the gateway's shape."""
    base = sse_payloads(recording("stream-devstral-free-toolcall.sse"))[0]

    def event(delta=None, finish=None, usage=None):
        chunk = {
            **base,
            "choices": [
                {
                    "index": 0,
                    "delta": {"role": "assistant", **(delta or {})},
                    "finish_reason": finish,
                    "native_finish_reason": finish,
                    "logprobs": None,
                }
            ],
        }
        if usage:
            chunk["usage"] = usage
        return b"data: " + json.dumps(chunk).encode() + b"\n\n"

    def call(index, id_=None, name=None, args=""):
        return {
            "tool_calls": [
                {"index": index, "id": id_, "type": "function", "function": {"name": name, "arguments": args}}
            ]
        }

    return b"".join(
        [
            b": OPENROUTER PROCESSING\n\n",
            event({"content": ""}),
            event(call(0, "call_a", "get_weather", '{"ci')),
            event(call(1, "call_b", "get_time", '{"tz": "UTC"}')),
            event(call(0, args='ty": "Paris"}')),
            event({"content": ""}, finish="tool_calls"),
            event(
                {"content": ""}, usage={"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150, "cost": 0}
            ),
            b"data: [DONE]\n\n",
        ]
    )


# -- tools -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_parallel_tool_calls_stream_rebuild_exactly(gw, is_async):
    gw.script(Reply(body=_parallel_tool_stream(), stream=True))
    kwargs = dict(
        model="kilo/kilo-auto/free",
        messages=MESSAGES,
        api_base=gw.api_base,
        stream=True,
        tools=TOOLS,
        tool_choice="auto",
        parallel_tool_calls=True,
    )
    if is_async:
        chunks = [c async for c in await litellm.acompletion(**kwargs)]
    else:
        chunks = list(litellm.completion(**kwargs))
    built = litellm.stream_chunk_builder(chunks)
    calls = [(c.id, c.function.name, c.function.arguments) for c in built.choices[0].message.tool_calls]
    assert calls == [("call_a", "get_weather", '{"city": "Paris"}'), ("call_b", "get_time", '{"tz": "UTC"}')]
    assert built.choices[0].finish_reason == "tool_calls"
    sent = gw.chat_requests[-1].json
    assert sent["tools"] == TOOLS and sent["tool_choice"] == "auto" and sent["parallel_tool_calls"] is True


def test_non_stream_tool_call(gw):
    resp = litellm.completion(model="kilo/kilo-auto/free", messages=MESSAGES, api_base=gw.api_base, tools=TOOLS)
    [call] = resp.choices[0].message.tool_calls
    assert re.fullmatch(r"call_\d+", call.id) and call.function.name == "get_weather"  # the emulator's pick of TOOLS
    assert json.loads(call.function.arguments) == {}
    assert resp.choices[0].finish_reason == "tool_calls"


# -- reasoning -------------------------------------------------------------------------------------


@pytest.mark.parametrize("stream", [False, True])
def test_reasoning_content_and_details(gw, stream):
    resp = litellm.completion(
        model="kilo/kilo-auto/free", messages=MESSAGES, api_base=gw.api_base, stream=stream, reasoning={"effort": "low"}
    )
    message = (litellm.stream_chunk_builder(list(resp)) if stream else resp).choices[0].message
    assert message.content == "Hi!"
    assert message.reasoning_content == GROK_REASONING
    details = message.provider_specific_fields["reasoning_details"]
    assert [d["type"] for d in details] == ["reasoning.summary", "reasoning.encrypted"]
    assert details[0]["summary"] == GROK_REASONING
    assert details[1]["id"] == "rs_afc5e744-9795-fa45-480b-3f4570dcfdbf"
    assert gw.chat_requests[-1].json["reasoning"] == {"effort": "low"}


def test_reasoning_details_go_back_on_the_next_turn(gw):
    first = litellm.completion(model="kilo/kilo-auto/free", messages=MESSAGES, api_base=gw.api_base, reasoning={})
    turn = first.choices[0].message
    litellm.completion(
        model="kilo/kilo-auto/free",
        messages=[*MESSAGES, turn, {"role": "user", "content": "and now?"}],
        api_base=gw.api_base,
    )
    sent = gw.chat_requests[-1].json["messages"][1]
    assert sent["role"] == "assistant" and sent["content"] == "Hi!"
    assert sent["reasoning_details"] == turn.provider_specific_fields["reasoning_details"]
    assert "provider_specific_fields" not in sent and "reasoning_content" not in sent


def test_reasoning_effort_maps_to_gateway_reasoning(gw):
    litellm.completion(
        model="kilo/kilo-auto/free",
        messages=MESSAGES,
        api_base=gw.api_base,
        reasoning_effort="high",
        allowed_openai_params=["reasoning_effort"],
    )
    body = gw.chat_requests[-1].json
    assert body["reasoning"] == {"effort": "high"} and "reasoning_effort" not in body


def test_reasoning_effort_without_allowance_points_at_the_fix(gw):
    with pytest.raises(litellm.UnsupportedParamsError, match="allowed_openai_params"):
        litellm.completion(model="kilo/kilo-auto/free", messages=MESSAGES, api_base=gw.api_base, reasoning_effort="low")
    assert gw.requests == []


# -- structured output, vision, parameters ----------------------------------------------------------


@pytest.mark.parametrize(
    "response_format",
    [
        {"type": "json_object"},
        {
            "type": "json_schema",
            "json_schema": {
                "name": "r",
                "strict": True,
                "schema": {"type": "object", "properties": {"a": {"type": "string"}}},
            },
        },
    ],
)
def test_response_format_passes_through(gw, response_format):
    litellm.completion(
        model="kilo/kilo-auto/free", messages=MESSAGES, api_base=gw.api_base, response_format=response_format
    )
    assert gw.chat_requests[-1].json["response_format"] == response_format
    assert litellm.supports_response_schema("kilo/kilo-auto/free") is True


def test_image_parts_are_sent_untouched(gw):
    content = [
        {"type": "text", "text": "what is this?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo=", "detail": "low"}},
    ]
    litellm.completion(
        model="kilo/moonshotai/kimi-k2.5",
        messages=[{"role": "user", "content": content}],
        api_base=gw.api_base,
        api_key="kilo-real-key-1",
    )
    assert gw.chat_requests[-1].json["messages"][0]["content"] == content
    assert litellm.supports_vision("kilo/moonshotai/kimi-k2.5") is True
    assert litellm.supports_vision("kilo/kilo-auto/free") is False


def test_openai_and_gateway_params_pass_through_and_internal_keys_do_not(gw):
    litellm.completion(
        model="kilo/kilo-auto/free",
        messages=MESSAGES,
        api_base=gw.api_base,
        temperature=0.3,
        top_p=0.9,
        max_tokens=64,
        seed=7,
        stop=["\n\n"],
        presence_penalty=0.1,
        frequency_penalty=0.2,
        logprobs=True,
        top_logprobs=2,
        n=1,
        prompt_cache_key="task-1",
        top_k=40,
        min_p=0.05,
        provider={"order": ["z-ai"]},
        transforms=["middle-out"],
        user="user-42",
        allowed_openai_params=["user"],
        extra_body={"verbosity": "low", "usage": {"include": True}},
        extra_headers={"X-KiloCode-TaskId": "task-1"},
        max_retries=0,
    )
    received = gw.chat_requests[-1]
    body = received.json
    expected = {
        "temperature": 0.3,
        "top_p": 0.9,
        "max_tokens": 64,
        "seed": 7,
        "stop": ["\n\n"],
        "presence_penalty": 0.1,
        "frequency_penalty": 0.2,
        "logprobs": True,
        "top_logprobs": 2,
        "n": 1,
        "prompt_cache_key": "task-1",
        "top_k": 40,
        "min_p": 0.05,
        "provider": {"order": ["z-ai"]},
        "transforms": ["middle-out"],
        "user": "user-42",
        "verbosity": "low",
        "usage": {"include": True},
    }
    assert {k: body.get(k) for k in expected} == expected
    for internal in ("max_retries", "extra_body", "extra_headers", "allowed_openai_params", "stream_options"):
        assert internal not in body
    assert received.headers["x-kilocode-taskid"] == "task-1"


def test_usage_is_always_requested(gw):
    litellm.completion(model="kilo/kilo-auto/free", messages=MESSAGES, api_base=gw.api_base)
    assert gw.chat_requests[-1].json["usage"] == {"include": True}


# -- usage and cost --------------------------------------------------------------------------------


@pytest.mark.parametrize("stream", [False, True])
def test_byok_cost_is_the_upstream_inference_cost(gw, stream):
    resp = litellm.completion(
        model="kilo/x-ai/grok-code-fast-1",
        messages=MESSAGES,
        api_base=gw.api_base,
        api_key="kilo-key-1",
        reasoning={"effort": "low"},
        stream=stream,
    )
    result = litellm.stream_chunk_builder(list(resp)) if stream else resp
    upstream = GROK_USAGE["cost_details"]["upstream_inference_cost"]
    assert GROK_USAGE["is_byok"] is True and GROK_USAGE["cost"] != upstream
    assert result._hidden_params["response_cost"] == pytest.approx(upstream)
    if COMPLETION_COST_USES_USAGE_COST:
        assert litellm.completion_cost(result) == pytest.approx(upstream)
    assert result.usage.prompt_tokens_details.cached_tokens == GROK_USAGE["prompt_tokens_details"]["cached_tokens"]
    assert result.usage.completion_tokens_details.reasoning_tokens == 165


@pytest.mark.parametrize("stream", [False, True])
def test_free_model_costs_nothing_even_when_upstream_reports_a_cost(gw, stream):
    resp = litellm.completion(model="kilo/kilo-auto/free", messages=MESSAGES, api_base=gw.api_base, stream=stream)
    result = litellm.stream_chunk_builder(list(resp)) if stream else resp
    assert result.usage.prompt_tokens > 0
    assert result._hidden_params["response_cost"] == 0.0
    assert litellm.completion_cost(result) == 0.0


def test_paid_cost_without_byok_is_usage_cost(gw):
    resp = litellm.completion(
        model="kilo/openai/gpt-4.1", messages=MESSAGES, api_base=gw.api_base, api_key="kilo-key-1", stream=True
    )
    result = litellm.stream_chunk_builder(list(resp))
    assert result._hidden_params["response_cost"] == pytest.approx(0.008304)
    if COMPLETION_COST_USES_USAGE_COST:
        assert litellm.completion_cost(result) == pytest.approx(0.008304)


def test_success_callback_sees_stream_usage_and_cost(gw):
    seen = []
    called = threading.Event()

    def callback(kwargs, response, start, end):
        if (kwargs.get("litellm_params") or {}).get("metadata", {}).get("case") != "callback-cost":
            return
        seen.append((kwargs["standard_logging_object"]["response_cost"], response.usage.prompt_tokens))
        called.set()

    litellm.success_callback = [callback]
    try:
        list(
            litellm.completion(
                model="kilo/x-ai/grok-code-fast-1",
                messages=MESSAGES,
                api_base=gw.api_base,
                api_key="kilo-key-1",
                stream=True,
                reasoning={},
                metadata={"case": "callback-cost"},
            )
        )
        assert called.wait(30), "LiteLLM's logging thread never ran the success callback"
    finally:
        litellm.success_callback = []
    assert seen[-1] == (pytest.approx(0.00141858), 6474)


def test_assembled_reasoning_body_merges_fragments():
    body = json.loads(assemble(recording("stream-grok-reasoning.sse")))
    assert [d["type"] for d in body["choices"][0]["message"]["reasoning_details"]] == [
        "reasoning.summary",
        "reasoning.encrypted",
    ]


def test_user_is_forwarded_even_though_litellm_drops_it_for_custom_providers(gw):
    litellm.completion(model="kilo/kilo-auto/free", messages=MESSAGES, api_base=gw.api_base, user="user-7")
    assert gw.chat_requests[-1].json["user"] == "user-7"
