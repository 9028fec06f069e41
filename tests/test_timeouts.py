"""How long a ``kilo/`` call waits: the gateway's 800 s unless the caller says otherwise.

Measured before the change: ``litellm.completion`` handed the provider 600 s and a ``Router`` 6000 s
when nobody set a timeout, and the provider used that number for connecting, every read, a whole
non-streaming body and a stream's wait for its next event. So a reasoning model that sent only
keep-alives (or, non-streaming, nothing) for 600 s was cut while the gateway, which allows 800 s,
was still working. The defaults are checked on the requests themselves; the rule (a slow stream
that stays alive is not cut, one that only sends keep-alives is) is checked with a bound of a
second or two set through ``KILO_TIMEOUT``, not with 800 real seconds.
"""

from __future__ import annotations

import time

import httpx
import litellm
import pytest
from conftest import MESSAGES, call_litellm

import kilo_litellm
from kilo_litellm.emulator import KEEPALIVE, Reply, recording, reserialised
from kilo_litellm.provider import timeouts

FREE = "kilo/kilo-auto/free"
MODES = pytest.mark.parametrize(
    ("is_async", "stream"),
    [(False, False), (False, True), (True, False), (True, True)],
    ids=["sync", "sync-stream", "async", "async-stream"],
)


@pytest.fixture
def sent_timeouts(monkeypatch):
    """The httpx timeouts of every request the registered provider sends (its own clients, hooked)."""
    seen: list[dict] = []

    def record(request: httpx.Request) -> None:
        seen.append(dict(request.extensions["timeout"]))

    async def arecord(request: httpx.Request) -> None:
        record(request)

    handler = kilo_litellm.register()
    monkeypatch.setattr(handler, "_client", httpx.Client(event_hooks={"request": [record]}))
    monkeypatch.setattr(handler, "_aclient", httpx.AsyncClient(event_hooks={"request": [arecord]}))
    monkeypatch.delenv(timeouts.ENV_TIMEOUT, raising=False)
    return seen


def _limits(read: float, connect: float = timeouts.CONNECT_TIMEOUT) -> dict:
    return {"connect": connect, "read": read, "write": read, "pool": read}


def test_the_default_outlasts_the_gateway():
    assert timeouts.GATEWAY_MAX_DURATION == 800
    assert timeouts.DEFAULT_TIMEOUT >= timeouts.GATEWAY_MAX_DURATION
    assert timeouts.CONNECT_TIMEOUT <= 10


@MODES
async def test_without_a_timeout_a_call_waits_as_long_as_the_gateway_and_connects_briefly(
    gw, sent_timeouts, is_async, stream
):
    await call_litellm(is_async, stream, model=FREE, api_base=gw.api_base)
    assert sent_timeouts == [_limits(timeouts.DEFAULT_TIMEOUT)]


@pytest.mark.parametrize("stream", [False, True], ids=["nonstream", "stream"])
async def test_a_router_without_a_timeout_gets_the_same_default(gw, sent_timeouts, stream):
    router = litellm.Router(
        model_list=[{"model_name": "free", "litellm_params": {"model": FREE, "api_base": gw.api_base}}]
    )
    resp = await router.acompletion(model="free", messages=MESSAGES, stream=stream)
    if stream:
        [c async for c in resp]
    assert sent_timeouts == [_limits(timeouts.DEFAULT_TIMEOUT)]


def test_embeddings_get_the_default_too(gw, sent_timeouts):
    litellm.embedding(model="kilo/nvidia/llama-nemotron-embed-vl-1b-v2:free", input="x", api_base=gw.api_base)
    assert sent_timeouts == [_limits(timeouts.DEFAULT_TIMEOUT)]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"timeout": 42}, _limits(42)),
        ({"timeout": 3}, _limits(3, connect=3)),
        ({"timeout": httpx.Timeout(30, connect=2)}, _limits(30)),  # LiteLLM passes a custom provider its read limit
        ({"timeout": 900, "stream": True, "stream_timeout": 7}, _limits(7, connect=7)),
    ],
    ids=["seconds", "shorter-than-connect", "httpx-timeout-read", "stream_timeout"],
)
def test_a_timeout_the_caller_chose_is_kept(gw, sent_timeouts, kwargs, expected):
    resp = litellm.completion(model=FREE, messages=MESSAGES, api_base=gw.api_base, **kwargs)
    list(resp) if kwargs.get("stream") else resp
    assert sent_timeouts == [expected]


def test_a_deployments_timeout_is_kept(gw, sent_timeouts):
    params = {"model": FREE, "api_base": gw.api_base, "timeout": 120}
    litellm.Router(model_list=[{"model_name": "free", "litellm_params": params}]).completion(
        model="free", messages=MESSAGES
    )
    assert sent_timeouts == [_limits(120)]


def test_an_explicit_litellm_request_timeout_is_kept(gw, sent_timeouts, monkeypatch):
    monkeypatch.setattr(litellm, "request_timeout", 6000.0)
    monkeypatch.setattr(litellm, "request_timeout_explicitly_set", True)
    router = litellm.Router(
        model_list=[{"model_name": "free", "litellm_params": {"model": FREE, "api_base": gw.api_base}}]
    )
    router.completion(model="free", messages=MESSAGES)
    assert sent_timeouts == [_limits(6000)]


def test_kilo_timeout_sets_the_default_and_a_bad_value_is_ignored(gw, sent_timeouts, monkeypatch, caplog):
    monkeypatch.setenv(timeouts.ENV_TIMEOUT, "1200")
    litellm.completion(model=FREE, messages=MESSAGES, api_base=gw.api_base)
    monkeypatch.setenv(timeouts.ENV_TIMEOUT, "soon")
    litellm.completion(model=FREE, messages=MESSAGES, api_base=gw.api_base)
    assert sent_timeouts == [_limits(1200), _limits(timeouts.DEFAULT_TIMEOUT)]
    assert "KILO_TIMEOUT='soon' is not a positive number of seconds" in caplog.text


# -- the rule, with a bound of a second or so -------------------------------------------------------

BOUND = 1.0
KEEPALIVE_EVENT = KEEPALIVE + b"\n\n"


def _slow_stream(keepalives: int, pieces: int, interval: float) -> Reply:
    """``keepalives`` keep-alives, then the recorded stream's events in ``pieces`` parts: one write
    every ``interval`` seconds."""
    events = b"".join(
        block + b"\n\n"
        for block in reserialised(recording("stream-openai-gpt41.sse")).split(b"\n\n")
        if block.strip() and not block.startswith(b":")
    )
    head = KEEPALIVE_EVENT * keepalives
    cuts = [len(KEEPALIVE_EVENT) * (i + 1) for i in range(keepalives)]
    cuts += [len(head) + len(events) * (i + 1) // pieces for i in range(pieces - 1)]
    return Reply(body=head + events, stream=True, chunk_delay=interval, cuts=tuple(cuts))


@pytest.fixture
def short_bound(gw, monkeypatch):
    monkeypatch.setenv(timeouts.ENV_TIMEOUT, str(BOUND))
    return gw


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_a_slow_stream_that_stays_alive_is_not_cut_before_the_bound(short_bound, is_async):
    """0.6 s of keep-alives before the first token, then events 0.1 s apart: the whole stream takes
    longer than the bound, but no wait for an event does, so it is read to the end."""
    short_bound.script(_slow_stream(keepalives=6, pieces=8, interval=0.1))
    started = time.monotonic()
    text, usage, _ = await call_litellm(is_async, True, model=FREE, api_base=short_bound.api_base)
    assert time.monotonic() - started > BOUND
    assert text and usage.completion_tokens > 0


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_a_non_streaming_answer_that_comes_before_the_bound_is_taken(short_bound, is_async):
    """Non-streaming, the gateway sends nothing until the model is done: 0.7 s of silence is fine."""
    short_bound.script(Reply(recording="nonstream-anthropic-whitespace-prefix.json", stream=False, delay=0.7))
    text, _, _ = await call_litellm(is_async, False, model=FREE, api_base=short_bound.api_base)
    assert text


@pytest.mark.parametrize("stream", [False, True], ids=["nonstream", "stream"])
def test_only_keep_alives_for_longer_than_the_bound_end_in_a_timeout(short_bound, stream):
    short_bound.script(Reply(keep_open=True, drip=KEEPALIVE_EVENT, drip_interval=0.1, stream=True))
    started = time.monotonic()
    with pytest.raises(litellm.Timeout, match=f"within {BOUND} s"):
        resp = litellm.completion(model=FREE, messages=MESSAGES, api_base=short_bound.api_base, stream=stream)
        list(resp) if stream else resp
    assert BOUND <= time.monotonic() - started < BOUND + 3
