"""Caller mistakes: a clear ``litellm`` error naming the mistake, and nothing sent to the gateway.

Each case runs sync and async, streaming and not, through ``litellm.completion``/``acompletion``
against the local emulator, and asserts the emulator received no request at all.

Two shapes of bad ``messages`` never reach the provider: LiteLLM's own preprocessing rejects a
``messages`` that is not a list of dicts (``AttributeError``; ``APIConnectionError`` on async)
and non-iterable content such as an ``int`` (``APIConnectionError``) before it dispatches to any
provider. Those are LiteLLM's errors; the tests pin them so a change in LiteLLM is noticed, and
still assert nothing was sent.
"""

from __future__ import annotations

import litellm
import pytest
from conftest import MESSAGES

CASES = {
    "unknown-alias": (
        dict(model="kilo/glm-6-free", messages=MESSAGES),
        litellm.NotFoundError,
        [
            "Unknown Kilo model alias 'kilo/glm-6-free'",
            "Did you mean kilo/glm-5-free (retired; use kilo/kilo-auto/free)?",
            "Served today: kilo/kilo-auto/free, kilo/stepfun/step-5-preview-free",
        ],
    ),
    "no-model-after-prefix": (
        dict(model="kilo/", messages=MESSAGES),
        litellm.NotFoundError,
        ["No model given after 'kilo/'", "Served today: kilo/kilo-auto/free"],
    ),
    "negative-max-tokens": (
        dict(model="kilo/glm-5-free", messages=MESSAGES, max_tokens=-5),
        litellm.BadRequestError,
        ["max_tokens must be a positive integer, got -5"],
    ),
    "zero-max-completion-tokens": (
        dict(model="kilo/glm-5-free", messages=MESSAGES, max_completion_tokens=0),
        litellm.BadRequestError,
        ["must be a positive integer, got 0"],
    ),
    "non-string-role": (
        dict(model="kilo/glm-5-free", messages=[{"role": 5, "content": "hello"}]),
        litellm.BadRequestError,
        ["messages[0] must be a dict with a string 'role'"],
    ),
    "object-content": (
        dict(model="kilo/glm-5-free", messages=[{"role": "user", "content": {"text": "hello"}}]),
        litellm.BadRequestError,
        ["messages[0].content must be a string or a list of content parts, got dict"],
    ),
    "messages-is-a-string (LiteLLM)": (
        dict(model="kilo/glm-5-free", messages="hello"),
        (AttributeError, litellm.APIConnectionError),
        [],
    ),
    "integer-content (LiteLLM)": (
        dict(model="kilo/glm-5-free", messages=[{"role": "user", "content": 5}]),
        litellm.APIConnectionError,
        [],
    ),
}


@pytest.mark.parametrize("stream", [False, True], ids=["nonstream", "stream"])
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("name", list(CASES))
async def test_caller_mistake_fails_clearly_before_sending(gw, name, is_async, stream):
    kwargs, expected, phrases = CASES[name]
    with pytest.raises(Exception) as info:
        if is_async:
            resp = await litellm.acompletion(api_base=gw.api_base, stream=stream, timeout=2, **kwargs)
            if stream:
                [c async for c in resp]
        else:
            resp = litellm.completion(api_base=gw.api_base, stream=stream, timeout=2, **kwargs)
            if stream:
                list(resp)
    if isinstance(expected, tuple):
        expected = expected[is_async]
    assert type(info.value) is expected, repr(info.value)
    for phrase in phrases:
        assert phrase in str(info.value)
    assert gw.requests == []
