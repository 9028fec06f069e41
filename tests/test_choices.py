"""Per-choice correctness: ``n>1`` finish reasons, ``logprobs``, and a body that starts with a BOM."""

from __future__ import annotations

import json

import litellm
import pytest
from conftest import MESSAGES
from test_coalesce import FREE, N2_LOGPROBS

from kilo_litellm.emulator import Reply, recording

NONSTREAM = recording("nonstream-anthropic-whitespace-prefix.json")


def _logprobs(*tokens: str) -> dict:
    return {"content": [{"token": t, "logprob": -0.25, "bytes": list(t.encode()), "top_logprobs": []} for t in tokens]}


def _n2_body(logprobs: bool) -> bytes:
    data = json.loads(NONSTREAM)
    message = data["choices"][0]["message"]
    data["choices"] = [
        {"index": 0, "message": {**message, "content": "Red rose."}, "finish_reason": "stop"},
        {"index": 1, "message": {**message, "content": "Blue sky and"}, "finish_reason": "length"},
    ]
    if logprobs:
        data["choices"][0]["logprobs"] = _logprobs("Red", " rose", ".")
        data["choices"][1]["logprobs"] = _logprobs("Blue", " sky", " and")
    return json.dumps(data).encode()


@pytest.mark.parametrize("coalesce", [True, False], ids=["coalesced", "per-event"])
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_each_streamed_choice_keeps_its_own_finish_reason_and_logprobs(gw, is_async, coalesce):
    gw.script(Reply(body=N2_LOGPROBS, stream=True, chunk_size=None if not coalesce else len(N2_LOGPROBS)))
    kwargs = dict(model=FREE, messages=MESSAGES, api_base=gw.api_base, stream=True, n=2, kilo_coalesce=coalesce)
    if is_async:
        chunks = [c async for c in await litellm.acompletion(**kwargs, logprobs=True)]
    else:
        chunks = list(litellm.completion(**kwargs, logprobs=True))
    built = litellm.stream_chunk_builder(chunks)
    assert [(c.index, c.message.content, c.finish_reason) for c in built.choices] == [
        (0, "Red rose.", "stop"),
        (1, "Blue sky and", "length"),
    ]
    tokens = {0: [], 1: []}
    for chunk in chunks:
        for choice in chunk.choices:
            if getattr(choice, "logprobs", None):
                tokens[choice.index] += [t.token for t in choice.logprobs.content]
    assert tokens == {0: ["Red", " rose", "."], 1: ["Blue", " sky", " and"]}
    assert gw.chat_requests[-1].json["n"] == 2 and gw.chat_requests[-1].json["logprobs"] is True


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_a_response_carries_each_choices_finish_reason_and_logprobs(gw, is_async):
    gw.script(Reply(body=_n2_body(logprobs=True), stream=False))
    kwargs = dict(model=FREE, messages=MESSAGES, api_base=gw.api_base, n=2, logprobs=True)
    resp = await litellm.acompletion(**kwargs) if is_async else litellm.completion(**kwargs)
    assert [(c.index, c.message.content, c.finish_reason) for c in resp.choices] == [
        (0, "Red rose.", "stop"),
        (1, "Blue sky and", "length"),
    ]
    assert [t.token for t in resp.choices[1].logprobs.content] == ["Blue", " sky", " and"]
    assert resp.choices[0].logprobs.content[0].logprob == -0.25


def test_a_response_without_logprobs_still_has_the_attribute(gw):
    gw.script(Reply(body=_n2_body(logprobs=False), stream=False))
    resp = litellm.completion(model=FREE, messages=MESSAGES, api_base=gw.api_base, n=2)
    assert [c.logprobs for c in resp.choices] == [None, None]
    assert resp.model_dump()["choices"][0]["logprobs"] is None


@pytest.mark.parametrize("prefix", [b"\xef\xbb\xbf", b"\xef\xbb\xbf\n  "], ids=["bom", "bom-then-whitespace"])
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_a_body_that_starts_with_a_utf8_bom_parses(gw, prefix, is_async):
    gw.script(Reply(body=prefix + NONSTREAM.lstrip(), stream=False))
    kwargs = dict(model=FREE, messages=MESSAGES, api_base=gw.api_base)
    resp = await litellm.acompletion(**kwargs) if is_async else litellm.completion(**kwargs)
    assert resp.choices[0].message.content == json.loads(NONSTREAM)["choices"][0]["message"]["content"]
