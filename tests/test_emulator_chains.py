"""The emulator's side of free chains: a ``/models`` that says what each model takes, streams cut
after N events with the gateway's in-band ``upstream_disconnect``, and a trailing assistant message
continued like a prefill."""

from __future__ import annotations

import json

import httpx
import pytest

from kilo_litellm.emulator import Reply, gateway_model, recording, reserialised, sse_payloads, streamed_text
from kilo_litellm.emulator.chains import DISCONNECT_MESSAGE
from kilo_litellm.models.listing import parse_models

PLAIN = [{"role": "user", "content": "hello"}]
GPT41 = sse_payloads(recording("stream-openai-gpt41.sse"))
STREAM_TEXT = streamed_text(GPT41)
NONSTREAM_TEXT = "Lorem ipsum dolor sit amet, consectetur adipiscing elit"


def _chat(gw, body: dict, token: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.post(gw.api_base + "/chat/completions", json=body, headers=headers, timeout=10)


def _text(raw: bytes) -> str:
    return "".join(
        (c.get("delta") or {}).get("content") or "" for e in sse_payloads(raw) for c in e.get("choices") or ()
    )


def test_models_says_what_each_model_takes_as_the_gateway_does(gw):
    gw.models = [
        gateway_model("vendor/eyes:free", vision=True, structured_outputs=True, context_length=9000),
        gateway_model("vendor/plain:free", tools=False, context_length=4000),
    ]
    eyes, plain = parse_models(httpx.get(gw.api_base + "/models").json())
    assert (eyes.supports_vision, eyes.supports_function_calling, eyes.supports_response_schema) == (True, True, True)
    assert (plain.supports_vision, plain.supports_function_calling, plain.supports_response_schema) == (
        False,
        False,
        False,
    )
    assert (eyes.context_window, plain.context_window, eyes.free) == (9000, 4000, True)


def test_listed_models_decide_who_needs_a_key_and_reset_brings_the_snapshot_back(gw):
    gw.models = [gateway_model("vendor/open", free=True), gateway_model("vendor/closed", free=False)]
    assert _chat(gw, {"model": "vendor/open", "messages": PLAIN}).status_code == 200
    assert _chat(gw, {"model": "vendor/closed", "messages": PLAIN}).status_code == 401
    assert _chat(gw, {"model": "vendor/closed", "messages": PLAIN}, token="kilo-real-1").status_code == 200
    gw.reset()
    assert gw.models is None
    assert any(m["id"] == "kilo-auto/free" for m in httpx.get(gw.api_base + "/models").json()["data"])


@pytest.mark.parametrize("events", [0, 1, 10])
def test_disconnect_after_cuts_the_emulator_s_own_answer_after_n_data_events(gw, events):
    gw.script(Reply(disconnect_after=events))
    raw = _chat(gw, {"model": "kilo-auto/free", "messages": PLAIN, "stream": True}).content
    payloads = sse_payloads(raw)
    assert len(payloads) == events + 1
    assert payloads[:-1] == sse_payloads(reserialised(recording("stream-openai-gpt41.sse")))[:events]
    assert payloads[-1]["error"] == {"code": 503, "message": DISCONNECT_MESSAGE, "type": "upstream_disconnect"}
    assert b"[DONE]" not in raw


def test_disconnect_after_cuts_a_scripted_recording_and_leaves_non_streams_alone(gw):
    gw.script(Reply(recording="stream-grok-reasoning.sse", disconnect_after=3), Reply(disconnect_after=3))
    raw = _chat(gw, {"model": "kilo-auto/free", "messages": PLAIN, "stream": True}).content
    assert [p.get("model") for p in sse_payloads(raw)[:3]] == [
        e.get("model") for e in sse_payloads(recording("stream-grok-reasoning.sse"))[:3]
    ]
    assert sse_payloads(raw)[-1]["error"]["type"] == "upstream_disconnect"
    answer = _chat(gw, {"model": "kilo-auto/free", "messages": PLAIN})
    assert answer.json()["choices"][0]["message"]["content"] == NONSTREAM_TEXT


@pytest.mark.parametrize("cut", [1, 25, len(STREAM_TEXT) - 1])
def test_a_trailing_assistant_message_is_continued_where_it_stops(gw, cut):
    prefill = {"role": "assistant", "content": STREAM_TEXT[:cut]}
    raw = _chat(gw, {"model": "kilo-auto/free", "messages": [*PLAIN, prefill], "stream": True}).content
    assert _text(raw) == STREAM_TEXT[cut:]
    assert sse_payloads(raw)[-1]["usage"] == GPT41[-1]["usage"]


def test_a_non_stream_prefill_is_continued_too(gw):
    prefill = {"role": "assistant", "content": NONSTREAM_TEXT[:11]}
    answer = _chat(gw, {"model": "kilo-auto/free", "messages": [*PLAIN, prefill]}).json()
    assert answer["choices"][0]["message"]["content"] == NONSTREAM_TEXT[11:]


def test_a_prefill_that_is_not_the_start_of_the_answer_gets_the_whole_answer(gw):
    prefill = {"role": "assistant", "content": "Something else entirely"}
    raw = _chat(gw, {"model": "kilo-auto/free", "messages": [*PLAIN, prefill], "stream": True}).content
    assert _text(raw) == STREAM_TEXT


def test_gateway_model_is_a_models_entry_in_the_gateway_s_shape():
    entry = gateway_model("vendor/x", free=False, vision=True, reasoning=True)
    assert entry["architecture"]["input_modalities"] == ["text", "image"]
    assert {"tools", "reasoning"} <= set(entry["supported_parameters"])
    assert "structured_outputs" not in entry["supported_parameters"]
    assert entry["isFree"] is False and float(entry["pricing"]["prompt"]) > 0
    assert json.loads(json.dumps(entry)) == entry
