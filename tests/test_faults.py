"""Transport faults through litellm.completion/acompletion and a Router, on real loopback HTTP.

Every case runs against the local gateway emulator with ``timeout=TIMEOUT`` and asserts three
things a user relies on: the exact ``litellm`` exception class (or a clean end), that the call
returned within the timeout plus generous slack (it did not hang), and that no socket, thread or
task was left open (compared with a snapshot taken after a warm-up call, so LiteLLM's pooled
keep-alive connection is part of the baseline).

A fault before the status line (a refused connection, a reset, a stall) is raised at the call, for
sync and async streams alike: the provider waits for the status line before it returns the stream.
After it, LiteLLM decides how an error surfaces: a retryable error raised while iterating (a
connection failure, a transport timeout, 429, 5xx) is wrapped in ``MidStreamFallbackError`` whose
``original_exception`` is the provider's error; a non-retryable 4xx is raised as it is. The
expected outcomes below spell out both the wrapper and what it wraps.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import litellm
import pytest
from conftest import MESSAGES, PAYMENT_REQUIRED
from leakcheck import Snapshot, assert_nothing_left, assert_nothing_left_async
from litellm.exceptions import MidStreamFallbackError

from kilo_litellm.emulator import GatewayEmulator, Reply, recording, sse_payloads, streamed_text

pytestmark = pytest.mark.slow

TIMEOUT = 1.0
HANG_BOUND = TIMEOUT + 5.0
MODEL = "kilo/kilo-auto/free"
REFUSED_BASE = "http://127.0.0.1:1/api/gateway"
KEEP_ALIVE = b": OPENROUTER PROCESSING\n\n"

GPT41 = recording("stream-openai-gpt41.sse")
NONSTREAM = recording("nonstream-anthropic-whitespace-prefix.json")
STREAM_TEXT = streamed_text(sse_payloads(GPT41))
NO_DONE = GPT41.replace(b"data: [DONE]\n\n", b"")
assert NO_DONE != GPT41
BEFORE_FINISH = GPT41[: GPT41.rfind(b"\n\n", 0, GPT41.index(b'"finish_reason":"stop"')) + 2]
MID_EVENT = GPT41[: GPT41.index(b'"finish_reason":"stop"')]

Wrapped = tuple  # (MidStreamFallbackError, the exception it wraps)
CLEAN = None


@dataclass(frozen=True)
class Fault:
    """One misbehaving gateway and what a caller sees, for non-streaming and streaming calls.

    ``sync_stream`` and ``async_stream`` are kept apart so that a difference would show, though
    both raise a fault before the status line at the call (LiteLLM raises that as is).
    """

    reply: Reply | None
    plain: type | Wrapped | None
    sync_stream: type | Wrapped | None
    async_stream: type | Wrapped | None


CONN = litellm.APIConnectionError
NOT_SSE = litellm.APIError  # a 200 answer to a streaming request that is not an event stream
MID = MidStreamFallbackError

FAULTS = {
    "connection-refused": Fault(None, CONN, CONN, CONN),
    "reset-before-headers": Fault(Reply(reset=True), CONN, CONN, CONN),
    "reset-mid-body": Fault(
        Reply(body=NONSTREAM, stream=False, chunk_size=40, cut_after=100),
        CONN,
        (MID, CONN),
        (MID, CONN),
    ),
    "reset-mid-stream-after-3-events": Fault(
        Reply(recording="stream-openai-gpt41.sse", stream=True, cut_after=len(BEFORE_FINISH) - 10),
        CONN,
        (MID, CONN),
        (MID, CONN),
    ),
    "stall-no-bytes": Fault(Reply(stall=True), litellm.Timeout, litellm.Timeout, litellm.Timeout),
    "keep-alives-only-forever": Fault(
        Reply(body=KEEP_ALIVE, keep_open=True, drip=KEEP_ALIVE),
        litellm.Timeout,
        litellm.Timeout,
        litellm.Timeout,
    ),
    "whitespace-keep-alives-forever": Fault(
        Reply(body=b"\n", keep_open=True, drip=b"\n"),
        litellm.Timeout,
        litellm.Timeout,
        litellm.Timeout,
    ),
    "content-then-keep-alives-forever": Fault(
        Reply(body=BEFORE_FINISH, stream=True, keep_open=True, drip=KEEP_ALIVE),
        litellm.Timeout,
        litellm.Timeout,
        litellm.Timeout,
    ),
    "content-then-silence-forever": Fault(
        Reply(body=BEFORE_FINISH, stream=True, keep_open=True),
        litellm.Timeout,
        litellm.Timeout,
        litellm.Timeout,
    ),
    "truncated-json-body": Fault(
        Reply(body=NONSTREAM[:-40], stream=False), litellm.APIError, (MID, NOT_SSE), (MID, NOT_SSE)
    ),
    "stream-closed-mid-event": Fault(
        Reply(body=MID_EVENT, stream=True), litellm.APIError, (MID, litellm.APIError), (MID, litellm.APIError)
    ),
    "garbage-event-on-an-open-stream": Fault(
        Reply(body=BEFORE_FINISH + b"data: {garbage\n\n", stream=True, keep_open=True, drip=KEEP_ALIVE),
        litellm.Timeout,
        (MID, litellm.APIError),
        (MID, litellm.APIError),
    ),
    "200-with-html-body": Fault(
        Reply(body=b"<html><body>502 Bad Gateway</body></html>", stream=False, headers={"Content-Type": "text/html"}),
        litellm.APIError,
        (MID, NOT_SSE),
        (MID, NOT_SSE),
    ),
    "invalid-utf8-json": Fault(
        Reply(body=NONSTREAM.replace(b"Lorem", b"L\xff\xferem"), stream=False),
        CLEAN,
        (MID, NOT_SSE),
        (MID, NOT_SSE),
    ),
    "invalid-utf8-in-stream": Fault(
        Reply(body=GPT41.replace(b'"content":"', b'"content":"\xff', 1), stream=True), litellm.APIError, CLEAN, CLEAN
    ),
    "no-done-after-finish-and-usage": Fault(Reply(body=NO_DONE, stream=True), litellm.APIError, CLEAN, CLEAN),
    "no-done-before-finish": Fault(Reply(body=BEFORE_FINISH, stream=True), litellm.APIError, (MID, CONN), (MID, CONN)),
    "in-band-error-402": Fault(
        Reply(recording="stream-inband-error-402.sse", stream=True),
        litellm.APIError,
        PAYMENT_REQUIRED,
        PAYMENT_REQUIRED,
    ),
    "gzip-json-body": Fault(Reply(body=NONSTREAM, stream=False, gzip=True), CLEAN, (MID, NOT_SSE), (MID, NOT_SSE)),
    "gzip-stream": Fault(
        Reply(recording="stream-openai-gpt41.sse", stream=True, gzip=True), litellm.APIError, CLEAN, CLEAN
    ),
}


def _expected(fault: Fault, is_async: bool, stream: bool):
    if not stream:
        return fault.plain
    return fault.async_stream if is_async else fault.sync_stream


def _check_outcome(expected, outcome) -> None:
    """``outcome`` is the result (a list of chunks or a response) or the exception raised."""
    if expected is CLEAN:
        assert not isinstance(outcome, BaseException), f"expected a clean end, got {outcome!r}"
        if isinstance(outcome, list):
            built = litellm.stream_chunk_builder(outcome)
            assert built.choices[0].finish_reason == "stop"
            assert built.usage.completion_tokens == 79
        else:
            assert outcome.choices[0].message.content
        return
    outer, inner = expected if isinstance(expected, tuple) else (expected, None)
    assert type(outcome) is outer, f"expected {outer.__name__}, got {type(outcome).__name__}: {outcome}"
    if inner is not None:
        assert type(outcome.original_exception) is inner, repr(outcome.original_exception)
    assert "KiloException" in str(outcome)


@pytest.fixture(scope="module", autouse=True)
def resetting():
    """A gateway that resets every connection before a byte: the reset-before-headers fault.

    A gateway of its own, because a reset on a connection the client reuses from its pool is sent
    again (``test_keepalive_race.py``); on this one every attempt meets a fresh connection and a reset.
    """
    with GatewayEmulator() as gw:
        gw.default = Reply(reset=True)
        RESETTING.append(gw.api_base)
        yield gw
        RESETTING.clear()


RESETTING: list[str] = []


def _script(gw, fault: Fault) -> str:
    if fault.reply is None:
        return REFUSED_BASE
    if fault.reply.reset:
        return RESETTING[0]
    gw.script(fault.reply)
    return gw.api_base


def _sync_call(api_base: str, stream: bool):
    try:
        resp = litellm.completion(model=MODEL, messages=MESSAGES, api_base=api_base, timeout=TIMEOUT, stream=stream)
        return list(resp) if stream else resp
    except Exception as exc:
        return exc


async def _async_call(api_base: str, stream: bool):
    try:
        resp = await litellm.acompletion(
            model=MODEL, messages=MESSAGES, api_base=api_base, timeout=TIMEOUT, stream=stream
        )
        return [c async for c in resp] if stream else resp
    except Exception as exc:
        return exc


@pytest.mark.parametrize("stream", [False, True], ids=["nonstream", "stream"])
@pytest.mark.parametrize("name", list(FAULTS))
def test_sync_fault(gw, name, stream):
    fault = FAULTS[name]
    assert not isinstance(_sync_call(gw.api_base, stream), Exception)
    base = Snapshot()
    api_base = _script(gw, fault)

    started = time.monotonic()
    outcome = _sync_call(api_base, stream)
    elapsed = time.monotonic() - started

    _check_outcome(_expected(fault, False, stream), outcome)
    assert elapsed < HANG_BOUND
    assert_nothing_left(base)


@pytest.mark.parametrize("stream", [False, True], ids=["nonstream", "stream"])
@pytest.mark.parametrize("name", list(FAULTS))
async def test_async_fault(gw, name, stream):
    fault = FAULTS[name]
    assert not isinstance(await _async_call(gw.api_base, stream), Exception)
    await assert_nothing_left_async(Snapshot())
    base = Snapshot()
    api_base = _script(gw, fault)

    started = time.monotonic()
    outcome = await _async_call(api_base, stream)
    elapsed = time.monotonic() - started

    _check_outcome(_expected(fault, True, stream), outcome)
    assert elapsed < HANG_BOUND
    await assert_nothing_left_async(base)


ROUTER_FAULTS = ["connection-refused", "reset-before-headers", "stall-no-bytes", "keep-alives-only-forever"]


def _router(primary_base: str, backup_base: str) -> litellm.Router:
    return litellm.Router(
        model_list=[
            {
                "model_name": "primary",
                "litellm_params": {"model": MODEL, "api_base": primary_base, "timeout": TIMEOUT},
            },
            {
                "model_name": "backup",
                "litellm_params": {"model": "kilo/stepfun/step-5-preview-free", "api_base": backup_base},
            },
        ],
        fallbacks=[{"primary": ["backup"]}],
        num_retries=0,
    )


def _assert_answered_by_the_fallback(gw, resp, chunks) -> None:
    assert gw.chat_requests[-1].model == "stepfun/step-5-preview-free"
    if chunks is not None:
        assert litellm.stream_chunk_builder(chunks).choices[0].message.content == STREAM_TEXT
    else:
        assert resp.choices[0].message.content


@pytest.mark.parametrize("stream", [False, True], ids=["nonstream", "stream"])
@pytest.mark.parametrize("name", ROUTER_FAULTS)
def test_router_falls_back_before_the_first_chunk_sync(gw, name, stream):
    router = _router(_script(gw, FAULTS[name]), gw.api_base)
    started = time.monotonic()
    resp = router.completion(model="primary", messages=MESSAGES, stream=stream)
    chunks = list(resp) if stream else None
    assert time.monotonic() - started < HANG_BOUND
    _assert_answered_by_the_fallback(gw, resp, chunks)


@pytest.mark.parametrize("stream", [False, True], ids=["nonstream", "stream"])
@pytest.mark.parametrize("name", ROUTER_FAULTS)
async def test_router_falls_back_before_the_first_chunk_async(gw, name, stream):
    router = _router(_script(gw, FAULTS[name]), gw.api_base)
    started = time.monotonic()
    resp = await router.acompletion(model="primary", messages=MESSAGES, stream=stream)
    chunks = [c async for c in resp] if stream else None
    assert time.monotonic() - started < HANG_BOUND
    _assert_answered_by_the_fallback(gw, resp, chunks)
