"""A refused stream fails at the call, as LiteLLM's own providers do.

Each case runs the same emulator answer through ``kilo/`` and LiteLLM's built-in ``openrouter/``
(the emulator is OpenAI-compatible) and checks where the error surfaces: at ``completion`` /
``await acompletion(...)``, not on the first chunk wrapped in ``MidStreamFallbackError``. That is what
``except litellm.RateLimitError``, ``num_retries`` and the SDK's ``fallbacks=`` rely on.
"""

from __future__ import annotations

import asyncio
import sys

import httpx
import litellm
import pytest
from conftest import MESSAGES, PAYMENT_REQUIRED
from leakcheck import Snapshot, assert_nothing_left_async
from litellm.exceptions import MidStreamFallbackError

from kilo_litellm.emulator import (
    INVALID_TOKEN_BODY,
    NOT_FOUND_BODY,
    RATE_LIMIT_BODY,
    Reply,
    recording,
    sse_payloads,
    streamed_text,
)
from kilo_litellm.provider import caller_loop

FREE = "kilo/kilo-auto/free"
BACKUP = "kilo/stepfun/step-5-preview-free"
GPT41 = recording("stream-openai-gpt41.sse")
STREAM_TEXT = streamed_text(sse_payloads(GPT41))
KEEP_ALIVE = b": KILO PROCESSING\n\n"
SERVER_ERROR_BODY = b'{"error":{"message":"Internal Server Error","code":500}}'

REFUSALS = {
    "429": (Reply(status=429, body=RATE_LIMIT_BODY), litellm.RateLimitError),
    "500": (Reply(status=500, body=SERVER_ERROR_BODY), litellm.InternalServerError),
    "401": (Reply(status=401, body=INVALID_TOKEN_BODY), litellm.AuthenticationError),
    "404": (Reply(status=404, body=NOT_FOUND_BODY), litellm.NotFoundError),
}


async def _stream(is_async: bool, **kwargs) -> tuple[str, object]:
    """Where the call failed ("call" or "iteration") and the exception; ("ok", text) if it did not."""
    kwargs = {"messages": MESSAGES, "stream": True, **kwargs}
    try:
        resp = await litellm.acompletion(**kwargs) if is_async else litellm.completion(**kwargs)
    except Exception as exc:
        return "call", exc
    try:
        chunks = [c async for c in resp] if is_async else list(resp)
    except Exception as exc:
        return "iteration", exc
    return "ok", "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("name", list(REFUSALS))
async def test_a_refused_stream_raises_at_the_call_as_openrouter_does(gw, name, is_async):
    reply, expected = REFUSALS[name]
    outcomes = {}
    for model in (FREE, "openrouter/kilo-auto/free"):
        gw.script(reply)
        outcomes[model] = await _stream(is_async, model=model, api_base=gw.api_base, api_key="sk-test-key")

    where, exc = outcomes[FREE]
    assert (where, type(exc)) == ("call", expected), repr(exc)
    assert exc.status_code == int(name)
    theirs, their_exc = outcomes["openrouter/kilo-auto/free"]
    assert theirs == "call" and their_exc.status_code == int(name)
    assert len(gw.chat_requests) == 2


async def test_except_rate_limit_error_around_the_await(gw):
    gw.script(Reply(status=429, body=RATE_LIMIT_BODY))
    try:
        await litellm.acompletion(model=FREE, messages=MESSAGES, api_base=gw.api_base, stream=True)
    except litellm.RateLimitError as exc:
        caught = exc
    assert type(caught) is litellm.RateLimitError
    assert "200 requests per hour" in str(caught)


@pytest.mark.parametrize("model", [FREE, "openrouter/kilo-auto/free"])
async def test_num_retries_retries_a_refused_stream(gw, model):
    """LiteLLM's SDK retries (they need ``tenacity``) see the 429 and send the request again."""
    gw.script(Reply(status=429, body=RATE_LIMIT_BODY))
    where, text = await _stream(True, model=model, api_base=gw.api_base, num_retries=1)
    assert (where, text) == ("ok", STREAM_TEXT)
    assert [r.model for r in gw.chat_requests] == ["kilo-auto/free", "kilo-auto/free"]


@pytest.mark.parametrize("provider", ["kilo", "openrouter"])
async def test_sdk_fallbacks_take_over_a_refused_stream(gw, provider):
    gw.script(Reply(status=429, body=RATE_LIMIT_BODY))
    where, text = await _stream(
        True,
        model=f"{provider}/kilo-auto/free",
        fallbacks=[f"{provider}/stepfun/step-5-preview-free"],
        api_base=gw.api_base,
    )
    assert (where, text) == ("ok", STREAM_TEXT)
    assert [r.model for r in gw.chat_requests] == ["kilo-auto/free", "stepfun/step-5-preview-free"]


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_router_falls_back_and_raises_the_last_refusal_at_the_call(gw, is_async):
    router = litellm.Router(
        model_list=[
            {"model_name": "primary", "litellm_params": {"model": FREE, "api_base": gw.api_base}},
            {"model_name": "backup", "litellm_params": {"model": BACKUP, "api_base": gw.api_base}},
        ],
        fallbacks=[{"primary": ["backup"]}],
        num_retries=0,
    )
    call = router.acompletion if is_async else router.completion

    async def ask():
        resp = call(model="primary", messages=MESSAGES, stream=True)
        resp = await resp if is_async else resp
        chunks = [c async for c in resp] if is_async else list(resp)
        return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)

    gw.script(Reply(status=429, body=RATE_LIMIT_BODY))
    assert await ask() == STREAM_TEXT
    assert [r.model for r in gw.chat_requests] == ["kilo-auto/free", "stepfun/step-5-preview-free"]

    gw.reset()
    gw.script(*[Reply(status=429, body=RATE_LIMIT_BODY)] * 2)
    with pytest.raises(litellm.RateLimitError) as info:
        resp = call(model="primary", messages=MESSAGES, stream=True)
        if is_async:
            await resp
    assert not isinstance(info.value, MidStreamFallbackError)
    assert len(gw.chat_requests) == 2


async def test_the_call_returns_at_the_status_line_not_at_the_first_event(gw):
    """Only keep-alives after a 200: ``acompletion`` returns the stream, and the wait for the first
    event (bounded by the timeout) happens while iterating, where it would for any chunk."""
    gw.script(Reply(body=KEEP_ALIVE, stream=True, keep_open=True, drip=KEEP_ALIVE))
    resp = await litellm.acompletion(model=FREE, messages=MESSAGES, api_base=gw.api_base, stream=True, timeout=1)
    with pytest.raises(litellm.Timeout):
        async for _ in resp:
            pass


async def test_an_in_band_error_before_the_first_chunk_surfaces_while_iterating(gw):
    """The gateway's 200 carries the error as an event (here out of credits): after the status line."""
    gw.script(Reply(recording="stream-inband-error-402.sse", stream=True))
    where, exc = await _stream(True, model=FREE, api_base=gw.api_base)
    assert (where, type(exc)) == ("iteration", PAYMENT_REQUIRED)


@pytest.mark.parametrize("injected", [False, True], ids=["litellm-client", "own-httpx-client"])
async def test_a_stream_closed_unread_leaves_nothing_open(gw, injected):
    async with httpx.AsyncClient() as own:
        await _stream(True, model=FREE, api_base=gw.api_base)
        await assert_nothing_left_async(Snapshot())
        base = Snapshot()
        gw.script(Reply(body=KEEP_ALIVE, stream=True, keep_open=True, drip=KEEP_ALIVE))
        resp = await litellm.acompletion(
            model=FREE, messages=MESSAGES, api_base=gw.api_base, stream=True, client=own if injected else None
        )
        await resp.aclose()
        await assert_nothing_left_async(base)


@pytest.mark.parametrize("injected", [False, True], ids=["litellm-client", "own-httpx-client"])
async def test_a_call_cancelled_while_the_status_line_is_on_its_way_leaves_nothing_open(gw, injected):
    """The worker thread still receives the answer after the caller gave up; nobody will read it, so
    it is closed (LiteLLM's aiohttp transport would also close it when collected; a plain httpx
    client passed as ``client=`` would not)."""
    async with httpx.AsyncClient() as own:
        client = own if injected else None
        await _stream(True, model=FREE, api_base=gw.api_base)
        await assert_nothing_left_async(Snapshot())
        base, sent = Snapshot(), len(gw.chat_requests)
        gw.script(Reply(body=KEEP_ALIVE, stream=True, keep_open=True, drip=KEEP_ALIVE, delay=0.3))
        task = asyncio.ensure_future(
            litellm.acompletion(model=FREE, messages=MESSAGES, api_base=gw.api_base, stream=True, client=client)
        )
        while len(gw.chat_requests) == sent:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await assert_nothing_left_async(base)


async def test_without_the_probe_errors_come_on_the_first_chunk_and_the_probe_comes_back(gw, monkeypatch):
    """Code that replaces ``litellm.callbacks`` drops the probe: that stream fails as LiteLLM
    makes any lazily started stream fail, and the next one fails at the call again."""
    monkeypatch.setattr(litellm, "callbacks", [])
    gw.script(Reply(status=429, body=RATE_LIMIT_BODY), Reply(status=429, body=RATE_LIMIT_BODY))

    where, exc = await _stream(True, model=FREE, api_base=gw.api_base)
    assert (where, type(exc)) == ("iteration", MidStreamFallbackError)
    assert type(exc.original_exception) is litellm.RateLimitError
    assert [type(cb) for cb in litellm.callbacks] == [caller_loop.LoopProbe]

    where, exc = await _stream(True, model=FREE, api_base=gw.api_base)
    assert (where, type(exc)) == ("call", litellm.RateLimitError)


def test_importing_installs_one_probe():
    assert sum(isinstance(cb, caller_loop.LoopProbe) for cb in litellm.callbacks) == 1
    assert caller_loop.install() is False


async def test_the_switch_turns_the_wait_off(gw, monkeypatch):
    monkeypatch.setenv("KILO_STREAM_ERRORS_AT_CALL", "0")
    gw.script(Reply(status=429, body=RATE_LIMIT_BODY))
    where, exc = await _stream(True, model=FREE, api_base=gw.api_base)
    assert (where, type(exc)) == ("iteration", MidStreamFallbackError)
    assert type(exc.original_exception) is litellm.RateLimitError


async def test_inside_the_litellm_proxy_the_wait_is_off_unless_asked_for(gw, monkeypatch):
    """The proxy (its server module loaded) reads a stream's first chunk before it answers, so the
    wait would only hold executor threads there; ``KILO_STREAM_ERRORS_AT_CALL=1`` turns it back on."""
    import types

    monkeypatch.delenv("KILO_STREAM_ERRORS_AT_CALL", raising=False)
    server = types.ModuleType("litellm.proxy.proxy_server")
    monkeypatch.setitem(sys.modules, "litellm.proxy.proxy_server", server)
    gw.script(Reply(status=429, body=RATE_LIMIT_BODY))
    where, exc = await _stream(True, model=FREE, api_base=gw.api_base)
    assert (where, type(exc)) == ("call", litellm.RateLimitError)  # imported, not serving

    server.llm_router = litellm.Router(model_list=[])
    gw.script(Reply(status=429, body=RATE_LIMIT_BODY))
    where, exc = await _stream(True, model=FREE, api_base=gw.api_base)
    assert (where, type(exc)) == ("iteration", MidStreamFallbackError)

    monkeypatch.setenv("KILO_STREAM_ERRORS_AT_CALL", "1")
    gw.script(Reply(status=429, body=RATE_LIMIT_BODY))
    where, exc = await _stream(True, model=FREE, api_base=gw.api_base)
    assert (where, type(exc)) == ("call", litellm.RateLimitError)
