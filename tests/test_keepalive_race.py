"""A request lost to a keep-alive connection the gateway closed as the client reused it is sent again.

The emulator serves the first call, then closes the same connection when the second call arrives on
it, before any response byte (``Reply(hang_up=True)``: end-of-file; ``Reply(reset=True)``: a reset).
Nothing was served, so the provider sends the request once more on a fresh connection and the
caller sees an ordinary answer. Every other failure (a fresh connection that fails, a failure once
response bytes arrived) is an error as before, and the request is not sent twice.
"""

from __future__ import annotations

import litellm
import pytest
from conftest import call_litellm

from kilo_litellm.emulator import GatewayEmulator, Reply

MODES = [(False, False), (False, True), (True, False), (True, True)]
IDS = ["sync", "stream", "async", "async-stream"]
MODEL = "kilo/kilo-auto/free"


@pytest.fixture
def fresh(monkeypatch):
    """An emulator of this test's own: a new port, so the first call opens a new pooled connection."""
    monkeypatch.delenv("KILO_API_KEY", raising=False)
    with GatewayEmulator() as gw:
        yield gw


async def _call(gw: GatewayEmulator, is_async: bool, stream: bool):
    return await call_litellm(is_async, stream, model=MODEL, api_base=gw.api_base)


@pytest.mark.parametrize("drop", [Reply(hang_up=True), Reply(reset=True)], ids=["end-of-file", "reset"])
@pytest.mark.parametrize(("is_async", "stream"), MODES, ids=IDS)
async def test_a_pooled_connection_closed_at_reuse_is_sent_again_on_a_fresh_one(fresh, is_async, stream, drop):
    first, _, _ = await _call(fresh, is_async, stream)
    fresh.script(drop)
    second, usage, _ = await _call(fresh, is_async, stream)

    assert second == first and usage.total_tokens > 0
    served, dropped, resent = fresh.chat_requests
    assert dropped.client_port == served.client_port, "the dropped request must have come on the reused connection"
    assert resent.client_port != dropped.client_port and resent.raw == dropped.raw


@pytest.mark.parametrize("drop", [Reply(hang_up=True), Reply(reset=True)], ids=["end-of-file", "reset"])
@pytest.mark.parametrize(("is_async", "stream"), MODES, ids=IDS)
async def test_a_fresh_connection_closed_before_an_answer_is_an_error_sent_once(fresh, is_async, stream, drop):
    fresh.script(drop)
    with pytest.raises(litellm.APIConnectionError) as caught:
        await _call(fresh, is_async, stream)
    assert "disconnected" in str(caught.value).lower() or "reset" in str(caught.value).lower()
    assert len(fresh.chat_requests) == 1


@pytest.mark.parametrize(("is_async", "stream"), MODES, ids=IDS)
async def test_a_connection_cut_after_the_first_response_byte_is_not_sent_again(fresh, is_async, stream):
    await _call(fresh, is_async, stream)
    recorded = "stream-openai-gpt41.sse" if stream else "nonstream-anthropic-whitespace-prefix.json"
    fresh.script(Reply(recording=recorded, cut_after=6))
    with pytest.raises((litellm.APIConnectionError, litellm.ServiceUnavailableError)) as caught:
        await _call(fresh, is_async, stream)
    assert "reset" in str(caught.value).lower()
    assert len(fresh.chat_requests) == 2


def test_embeddings_survive_the_race_too(fresh):
    kwargs = {
        "model": "kilo/openai/text-embedding-3-small",
        "input": ["a"],
        "api_base": fresh.api_base,
        "api_key": "sk-test-0123456789",
    }
    first = litellm.embedding(**kwargs)
    fresh.script(Reply(hang_up=True))
    second = litellm.embedding(**kwargs)
    assert second.data[0]["embedding"] == first.data[0]["embedding"]
    assert len(fresh.embedding_requests) == 3
