"""Load: many calls through the provider on real loopback HTTP, with 0 errors, bounded memory and
sockets back to their baseline.

* 500 concurrent async streams through ``litellm.acompletion``: every one gets the whole recorded
  text and its usage. LiteLLM keeps idle keep-alive connections in its per-loop aiohttp client, so
  the socket comparison is made after closing LiteLLM's cached async clients (what it does itself
  at exit); anything the provider left open would still be open then.
* 10,000 sequential calls go through the handler directly (``kilo_litellm.kilo_llm.completion``
  with the arguments LiteLLM passes it: the model without ``kilo/``, a fresh ``ModelResponse``,
  ``optional_params``, ``timeout``), plus 1,000 through ``litellm.completion``. Measured on the
  2-core CI machine with tracemalloc on, 10,000 ``litellm.completion`` calls take several times
  longer than the rest of the suite, almost all of it in LiteLLM's own per-call bookkeeping; the
  provider's part, the subject here, is what the direct calls repeat 10,000 times.

Memory is measured with tracemalloc after a warm-up (caches, pools and the model map are then
filled) and again at the end (the emulator's own request log is emptied every 1,000 calls, so it
is not counted); the bound is generous (a real leak of even one small object per
call, e.g. a response body or a socket buffer, grows far past it over 10,000 calls).
"""

from __future__ import annotations

import asyncio
import gc
import tracemalloc

import litellm
import pytest
from conftest import MESSAGES
from leakcheck import Snapshot, assert_nothing_left, assert_nothing_left_async
from litellm.types.utils import ModelResponse

import kilo_litellm
from kilo_litellm.emulator import recording, sse_payloads, streamed_text

pytestmark = pytest.mark.slow

GPT41 = sse_payloads(recording("stream-openai-gpt41.sse"))
STREAM_TEXT = streamed_text(GPT41)
NONSTREAM_TEXT = "Lorem ipsum dolor sit amet, consectetur adipiscing elit"
MEMORY_BOUND = 8 * 1024 * 1024


def _traced_after_gc() -> int:
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


@pytest.fixture
def traced():
    tracemalloc.start()
    yield
    tracemalloc.stop()


async def test_500_concurrent_async_streams(gw):
    from litellm.llms.custom_httpx.async_client_cleanup import close_litellm_async_clients

    base = Snapshot()

    async def one_stream():
        resp = await litellm.acompletion(
            model="kilo/kilo-auto/free",
            messages=MESSAGES,
            api_base=gw.api_base,
            stream=True,
            stream_options={"include_usage": True},
            timeout=60,
        )
        chunks = [c async for c in resp]
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        usage = next(c.usage for c in reversed(chunks) if getattr(c, "usage", None))
        return text, usage.completion_tokens

    assert await one_stream() == (STREAM_TEXT, 79)
    results = await asyncio.gather(*[one_stream() for _ in range(500)], return_exceptions=True)

    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    assert results == [(STREAM_TEXT, 79)] * 500
    assert len(gw.chat_requests) == 501
    await close_litellm_async_clients()
    await assert_nothing_left_async(base)


def test_10000_sequential_calls_through_the_handler(gw, traced):
    def call():
        return kilo_litellm.kilo_llm.completion(
            "kilo-auto/free",
            MESSAGES,
            gw.api_base,
            {},
            ModelResponse(),
            None,
            None,
            None,
            None,
            {"max_tokens": 64},
            litellm_params={},
            headers={},
            timeout=5.0,
        )

    for _ in range(200):
        call()
    gw.reset()
    base, before = Snapshot(), _traced_after_gc()

    texts = set()
    for _ in range(10):
        texts |= {call().choices[0].message.content for _ in range(1_000)}
        assert len(gw.chat_requests) == 1_000
        gw.reset()

    growth = _traced_after_gc() - before
    assert texts == {NONSTREAM_TEXT}
    assert growth < MEMORY_BOUND, f"memory grew by {growth} bytes over 10,000 calls"
    gw.reset()
    assert_nothing_left(base)


def test_1000_sequential_litellm_completions(gw, traced):
    def call():
        return litellm.completion(model="kilo/kilo-auto/free", messages=MESSAGES, api_base=gw.api_base, timeout=5)

    for _ in range(100):
        call()
    gw.reset()
    base, before = Snapshot(), _traced_after_gc()

    texts = {call().choices[0].message.content for _ in range(1_000)}

    growth = _traced_after_gc() - before
    assert texts == {NONSTREAM_TEXT}
    assert len(gw.chat_requests) == 1_000
    assert growth < MEMORY_BOUND, f"memory grew by {growth} bytes over 1,000 calls"
    gw.reset()
    assert_nothing_left(base)
