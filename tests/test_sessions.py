"""A conversation the caller names reaches the gateway as ``X-KiloCode-TaskId`` (docs/gateway-contract.md, "Headers"):
``kilo-auto/free`` keeps one free model per conversation and the gateway caches per session.
Through ``litellm.completion``/``acompletion`` (streaming or not) and a ``Router``, against the
emulator; the LiteLLM proxy's side is in ``test_proxy_task_ids.py``."""

from __future__ import annotations

import pytest
from conftest import call_litellm

import kilo_litellm
from kilo_litellm.provider import session

MODEL = "kilo/kilo-auto/free"
HEADER = "x-kilocode-taskid"
MODES = pytest.mark.parametrize(
    "is_async,stream",
    [(False, False), (False, True), (True, False), (True, True)],
    ids=["sync", "sync-stream", "async", "async-stream"],
)


async def _sent_task_id(gw, is_async: bool = False, stream: bool = False, **kwargs) -> str | None:
    text, _, _ = await call_litellm(is_async, stream, model=MODEL, api_base=gw.api_base, **kwargs)
    assert text
    [sent] = gw.chat_requests
    gw.reset()
    return sent.headers.get(HEADER)


@MODES
async def test_litellm_session_id_is_sent_as_the_task_id(gw, is_async, stream):
    assert await _sent_task_id(gw, is_async, stream, litellm_session_id="conversation-42") == "conversation-42"


@MODES
async def test_without_a_session_no_task_id_is_sent(gw, is_async, stream):
    assert await _sent_task_id(gw, is_async, stream) is None


async def test_metadata_session_id_names_the_conversation_too(gw):
    assert await _sent_task_id(gw, metadata={"session_id": "from-metadata"}) == "from-metadata"


async def test_a_trace_id_alone_is_not_a_conversation(gw):
    """LiteLLM copies a ``metadata.trace_id`` into ``litellm_session_id`` for its logs; that is a
    trace, not a conversation the caller named, so nothing is sent."""
    assert await _sent_task_id(gw, metadata={"trace_id": "trace-only"}) is None


async def test_each_conversation_keeps_its_own_id(gw):
    sent = [await _sent_task_id(gw, litellm_session_id=sid) for sid in ("chat-a", "chat-b", "chat-a")]
    assert sent == ["chat-a", "chat-b", "chat-a"]


async def test_the_callers_own_task_id_header_wins(gw):
    got = await _sent_task_id(gw, litellm_session_id="named", extra_headers={"X-KiloCode-TaskId": "explicit"})
    assert got == "explicit"


async def test_long_ids_are_cut_at_500_characters_as_the_gateway_does(gw):
    long_id = "s" * 499 + " " + "t" * 300
    sent = await _sent_task_id(gw, litellm_session_id=long_id)
    assert sent == "s" * 499
    assert await _sent_task_id(gw, litellm_session_id="  padded  ") == "padded"


async def test_ids_that_are_not_printable_ascii_are_encoded_the_same_way_each_time(gw):
    first = await _sent_task_id(gw, litellm_session_id="café\r\nX-Injected: 1")
    assert first == "caf%C3%A9%0D%0AX-Injected: 1"
    assert await _sent_task_id(gw, litellm_session_id="café\r\nX-Injected: 1") == first
    assert await _sent_task_id(gw, litellm_session_id="   ") is None


def test_a_router_passes_the_session_on(gw):
    router = kilo_litellm.free_router(api_base=gw.api_base)
    router.completion(model="kilo-auto/free", messages=[{"role": "user", "content": "hi"}], litellm_session_id="r-1")
    [sent] = gw.chat_requests
    assert sent.headers.get(HEADER) == "r-1"


@pytest.mark.parametrize(
    "params,expected",
    [
        ({"litellm_session_id": "direct"}, "direct"),
        ({"litellm_session_id": None, "metadata": {"session_id": "meta"}}, "meta"),
        ({"litellm_session_id": 7}, "7"),
        ({"litellm_session_id": " ", "metadata": {"session_id": ""}}, None),
        ({"litellm_session_id": "made-up", "metadata": {"litellm_session_id_generated": True}}, None),
        ({}, None),
    ],
)
def test_litellm_without_provider_affinity_is_read_directly(params, expected):
    """LiteLLM before 1.110 has no ``get_caller_session_id``; its ``litellm_params`` are read as they come."""
    assert session.read_directly(params) == expected
