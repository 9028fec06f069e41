"""The shipped ``litellm_config.yaml`` in the real LiteLLM proxy: the free chain fits the request and
continues a cut stream, seen by the ``openai`` client and the gateway emulator.

The proxy runs the bundled catalog: ``kilo-auto/free`` reads text only and holds 204,800 tokens;
it is followed by ``stepfun/step-5-preview-free``, which sees images, holds a million tokens and
takes a prefill.
"""

from __future__ import annotations

import time

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

from kilo_litellm.emulator import Reply, recording, sse_payloads, streamed_text

CONFIG = agents_config()
FREE_ID = gateway_id(CONFIG, FREE_GROUP)
NEXT_ID = gateway_id(CONFIG, fallback_chain(CONFIG, FREE_GROUP)[0])
PLAIN = [{"role": "user", "content": "hello"}]
IMAGE = [
    {
        "role": "user",
        "content": [
            {"type": "text", "text": "what is this?"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
        ],
    }
]
GPT41 = sse_payloads(recording("stream-openai-gpt41.sse"))
STREAM_TEXT = streamed_text(GPT41)
CUT_AFTER = 10
PARTIAL = streamed_text(GPT41[:CUT_AFTER])


@starts_a_process
@pytest.fixture(scope="module")
def proxy(emulator, tmp_path_factory):
    with proxy_with_spend_log(
        CONFIG, tmp_path_factory.mktemp("proxy-chains"), {"KILO_API_BASE": emulator.api_base}
    ) as started:
        yield started


@pytest.fixture
def gw(emulator, proxy):
    yield from fresh_emulator_and_spend(emulator, proxy)


@pytest.fixture
def oai(proxy, gw):
    return openai_client(proxy, timeout=60)


def _sent(gw) -> list[str | None]:
    return [r.model for r in gw.chat_requests]


def test_the_shipped_chain_is_what_these_tests_expect():
    assert (FREE_ID, NEXT_ID) == ("kilo-auto/free", "stepfun/step-5-preview-free")


def test_an_image_skips_the_free_models_that_do_not_see_and_goes_to_one_that_does(oai, gw):
    resp = oai.chat.completions.create(model=FREE_GROUP, messages=IMAGE)
    assert resp.choices[0].message.content
    assert _sent(gw) == [NEXT_ID]


def test_a_prompt_kilo_auto_free_cannot_hold_goes_to_the_free_model_whose_window_holds_it(oai, gw):
    huge = [{"role": "user", "content": "word " * 270_000}]
    resp = oai.chat.completions.create(model=FREE_GROUP, messages=huge)
    assert resp.choices[0].message.content
    assert _sent(gw) == [NEXT_ID]


def test_a_plain_request_still_starts_at_kilo_auto_free(oai, gw):
    oai.chat.completions.create(model=FREE_GROUP, messages=PLAIN)
    assert _sent(gw) == [FREE_ID]


def test_a_stream_cut_after_some_text_reaches_the_client_as_one_answer(oai, gw, proxy):
    gw.script(Reply(disconnect_after=CUT_AFTER))
    chunks = list(
        oai.chat.completions.create(
            model=FREE_GROUP, messages=PLAIN, stream=True, stream_options={"include_usage": True}
        )
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == STREAM_TEXT
    assert _sent(gw) == [FREE_ID, NEXT_ID]
    assert gw.chat_requests[1].json["messages"] == [*PLAIN, {"role": "assistant", "content": PARTIAL}]
    usage = next(c.usage for c in reversed(chunks) if c.usage)
    assert usage.completion_tokens > GPT41[-1]["usage"]["completion_tokens"]
    assert _stream_spend(proxy[1]) == [(NEXT_ID, 0.0)]


def _stream_spend(spend_file, timeout: float = 10.0) -> list[tuple[str, float]]:
    """The streamed calls the proxy logged (a non-stream call of an earlier test may land late)."""
    deadline = time.monotonic() + timeout
    while True:
        lines = [line for line in read_spend(spend_file, 0, timeout=0) if line.get("stream")]
        if lines or time.monotonic() > deadline:
            return [(line["model_group"], line["response_cost"]) for line in lines]
        time.sleep(0.05)


def test_a_cut_messages_stream_is_not_continued_the_client_gets_the_cut_after_the_text(proxy, gw):
    """Claude Code's ``/v1/messages``: LiteLLM 1.110 declines a fallback once content went out
    (``router_rust/invoke/streaming.py`` ``_anthropic_stream_should_decline_fallback``)."""
    client = anthropic.Anthropic(base_url=proxy[0].base, api_key=proxy[0].master_key, max_retries=0, timeout=60)
    gw.script(Reply(disconnect_after=CUT_AFTER))
    text = ""
    with pytest.raises(anthropic.APIStatusError, match="interrupted while streaming"):
        with client.messages.stream(model=FREE_GROUP, max_tokens=1000, messages=PLAIN) as stream:
            for piece in stream.text_stream:
                text += piece
    assert text == PARTIAL
    assert _sent(gw) == [FREE_ID]


def test_a_cut_responses_stream_is_continued_with_an_instruction_not_a_prefill(oai, gw):
    """Codex's ``/v1/responses``: LiteLLM sends the partial answer as history plus a user message asking
    the next model to continue (``_responses_continuation_request``); how seamless the seam is, is up
    to the model (the emulator replays its whole answer)."""
    gw.script(Reply(disconnect_after=CUT_AFTER))
    events = list(oai.responses.create(model=FREE_GROUP, input="hello", stream=True))
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text.startswith(PARTIAL) and text.endswith(STREAM_TEXT)
    assert _sent(gw) == [FREE_ID, NEXT_ID]
    *_, partial, instruction = gw.chat_requests[1].json["messages"]
    assert partial["role"] == "assistant" and "prefix" not in partial
    assert instruction["role"] == "user" and "interrupted mid-stream" in str(instruction["content"])
