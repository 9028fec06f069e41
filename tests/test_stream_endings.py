"""The gateway's stream endings (docs/gateway-contract.md, "Streams"), built from the real recordings, through LiteLLM.

The gateway now re-writes every stream: keep-alives are ``: KILO PROCESSING``, ``data: [DONE]``
comes only if the upstream sent it, and an upstream failure becomes an in-band
``{"error": {"code": 503, "type": "upstream_disconnect"}}`` event (``"type": "timeout"`` for a
timeout) after which the stream closes without ``[DONE]``. The recordings stay untouched; the
today-shaped bodies are derived from them here.
"""

from __future__ import annotations

import json
import time

import litellm
import pytest
from conftest import MESSAGES

from kilo_litellm.emulator import Reply, bundled_models, gateway_model, recording, sse_payloads, streamed_text

FREE = "kilo/kilo-auto/free"
TIMEOUT = 1.0
HANG_BOUND = TIMEOUT + 5.0
KILO_KEEP_ALIVE = b": KILO PROCESSING\n\n"
STREAMS = ("stream-openai-gpt41.sse", "stream-grok-reasoning.sse", "stream-devstral-free-toolcall.sse")


def today(raw: bytes) -> bytes:
    """A recording as the gateway sends it: its keep-alives, no ``[DONE]``, compact JSON events."""
    out = []
    for block in raw.replace(b"\r\n", b"\n").split(b"\n\n"):
        text = block.strip()
        if not text or text == b"data: [DONE]":
            continue
        if text.startswith(b":"):
            out.append(KILO_KEEP_ALIVE)
            continue
        event = json.loads(text.partition(b"data:")[2])
        out.append(b"data: " + json.dumps(event, separators=(",", ":")).encode() + b"\n\n")
    return b"".join(out)


def _events_before(raw: bytes, marker: bytes) -> bytes:
    """The recording's bytes up to the event holding ``marker`` (that event excluded)."""
    return raw[: raw.rfind(b"\n\n", 0, raw.index(marker)) + 2]


GPT41 = recording("stream-openai-gpt41.sse")
BEFORE_FINISH = today(_events_before(GPT41, b'"finish_reason":"stop"'))
TEXT_BEFORE_FINISH = streamed_text(sse_payloads(BEFORE_FINISH))
UPSTREAM_DISCONNECT = (
    b'data: {"id":"gen-1746884336-6bCJESYZKVW8Zt1m1KA9","error":{"code":503,"message":"The upstream response was '
    b'interrupted while streaming. Please retry.","type":"upstream_disconnect"}}\n\n'
)
UPSTREAM_TIMEOUT = (
    b'data: {"id":"gen-1746884336-6bCJESYZKVW8Zt1m1KA9","error":{"code":%d,"message":"The upstream did not '
    b'answer in time.","type":"timeout"}}\n\n'
)


def test_the_gateways_stream_shape_is_what_the_docs_describe():
    body = today(GPT41)
    assert b"[DONE]" not in body and b"OPENROUTER" not in body
    assert KILO_KEEP_ALIVE in body
    assert sse_payloads(body) == sse_payloads(GPT41)


def _built(chunks: list) -> dict:
    built = litellm.stream_chunk_builder(chunks)
    message = built.choices[0].message
    return {
        "content": message.content,
        "reasoning": getattr(message, "reasoning_content", None),
        "tool_calls": [(c.id, c.function.name, c.function.arguments) for c in message.tool_calls or ()],
        "finish": built.choices[0].finish_reason,
        "usage": (built.usage.prompt_tokens, built.usage.completion_tokens),
    }


async def _read(gw, body: bytes, is_async: bool) -> list:
    gw.script(Reply(body=body, stream=True))
    kwargs = dict(model=FREE, messages=MESSAGES, api_base=gw.api_base, stream=True, timeout=TIMEOUT)
    if is_async:
        return [c async for c in await litellm.acompletion(**kwargs)]
    return list(litellm.completion(**kwargs))


@pytest.mark.parametrize("name", STREAMS)
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_a_stream_that_ends_after_finish_and_usage_without_done_is_complete(gw, name, is_async):
    """Same answer as the recording with ``[DONE]``: content, reasoning, tool calls, finish and usage."""
    original = _built(await _read(gw, recording(name), is_async))
    assert original["finish"] and original["usage"][1] > 0
    assert _built(await _read(gw, today(recording(name)), is_async)) == original


async def _read_until_error(gw, body: bytes, is_async: bool) -> tuple[list, BaseException]:
    gw.script(Reply(body=body, stream=True))
    kwargs = dict(model=FREE, messages=MESSAGES, api_base=gw.api_base, stream=True, timeout=TIMEOUT)
    chunks: list = []
    with pytest.raises(Exception) as info:
        if is_async:
            async for chunk in await litellm.acompletion(**kwargs):
                chunks.append(chunk)
        else:
            for chunk in litellm.completion(**kwargs):
                chunks.append(chunk)
    return chunks, getattr(info.value, "original_exception", None) or info.value


def _text(chunks: list) -> str:
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_upstream_disconnect_mid_stream_delivers_the_text_then_a_retryable_503(gw, is_async):
    chunks, exc = await _read_until_error(gw, BEFORE_FINISH + UPSTREAM_DISCONNECT, is_async)
    assert _text(chunks) == TEXT_BEFORE_FINISH and TEXT_BEFORE_FINISH
    assert type(exc) is litellm.ServiceUnavailableError and exc.status_code == 503
    assert "interrupted while streaming" in str(exc) and "retrying or falling back" in str(exc)
    assert exc.kilo_error_type == "upstream_disconnect"


@pytest.mark.parametrize("code", [503, 504])
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_an_in_band_timeout_is_a_litellm_timeout_whatever_its_code(gw, is_async, code):
    chunks, exc = await _read_until_error(gw, BEFORE_FINISH + UPSTREAM_TIMEOUT % code, is_async)
    assert _text(chunks) == TEXT_BEFORE_FINISH
    assert type(exc) is litellm.Timeout
    assert "did not answer in time" in str(exc)
    assert exc.kilo_error_type == "timeout"


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_an_error_event_then_keep_alives_ends_at_the_error_not_at_the_timeout(gw, is_async):
    """The gateway closes after an error event; a connection held open anyway does not delay the error."""
    gw.script(Reply(body=KILO_KEEP_ALIVE + UPSTREAM_DISCONNECT, stream=True, keep_open=True, drip=KILO_KEEP_ALIVE))
    kwargs = dict(model=FREE, messages=MESSAGES, api_base=gw.api_base, stream=True, timeout=30)
    started = time.monotonic()
    with pytest.raises(Exception) as info:
        if is_async:
            [c async for c in await litellm.acompletion(**kwargs)]
        else:
            list(litellm.completion(**kwargs))
    assert time.monotonic() - started < 5
    exc = getattr(info.value, "original_exception", None) or info.value
    assert type(exc) is litellm.ServiceUnavailableError


@pytest.mark.parametrize(
    "body",
    [KILO_KEEP_ALIVE, BEFORE_FINISH + KILO_KEEP_ALIVE],
    ids=["only-keep-alives", "content-then-keep-alives"],
)
@pytest.mark.parametrize("stream", [False, True], ids=["nonstream", "stream"])
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.slow
async def test_kilo_keep_alives_forever_end_in_a_timeout(gw, body, stream, is_async):
    """``: KILO PROCESSING`` keeps nothing alive past the call's timeout."""
    gw.script(Reply(body=body, stream=True, keep_open=True, drip=KILO_KEEP_ALIVE))
    kwargs = dict(model=FREE, messages=MESSAGES, api_base=gw.api_base, stream=stream, timeout=TIMEOUT)
    started = time.monotonic()
    with pytest.raises(litellm.Timeout):
        if is_async:
            resp = await litellm.acompletion(**kwargs)
            if stream:
                [c async for c in resp]
        else:
            resp = litellm.completion(**kwargs)
            if stream:
                list(resp)
    assert time.monotonic() - started < HANG_BOUND


def test_a_router_falls_back_on_an_upstream_disconnect_before_the_first_chunk(gw):
    router = litellm.Router(
        model_list=[
            {"model_name": "primary", "litellm_params": {"model": FREE, "api_base": gw.api_base}},
            {"model_name": "backup", "litellm_params": {"model": "kilo/vendor/backup:free", "api_base": gw.api_base}},
        ],
        fallbacks=[{"primary": ["backup"]}],
        num_retries=0,
    )
    gw.models = [*bundled_models(), gateway_model("vendor/backup:free")]
    gw.script(Reply(body=KILO_KEEP_ALIVE + UPSTREAM_DISCONNECT, stream=True))
    chunks = list(router.completion(model="primary", messages=MESSAGES, stream=True))
    assert litellm.stream_chunk_builder(chunks).choices[0].finish_reason == "stop"
    assert [r.model for r in gw.chat_requests] == ["kilo-auto/free", "vendor/backup:free"]
