"""Fill-in-the-middle through the real LiteLLM proxy's ``/v1/completions``, called with the ``openai`` SDK.

One proxy for the module, started from the shipped ``litellm_config.yaml`` (which has a group per
FIM model) with a spend-logging callback, pointed at a gateway emulator of its own. Each test
asserts what the client got, the body the gateway received and the cost the proxy logged.
"""

from __future__ import annotations

import openai
import pytest
from processes import starts_a_process
from proxy_helpers import (
    agents_config,
    fresh_emulator_and_spend,
    openai_client,
    proxy_with_spend_log,
    read_spend,
)

from kilo_litellm.emulator import fim as emulated
from kilo_litellm.models import catalog

KILO_KEY = "kilo-fim-proxy-key-0123"
PROMPT = "def fib(n):\n    "
SUFFIX = "\n\nprint(fib(10))  \n"
GROUPS = ["mistralai/codestral-2508", "inception/mercury-edit-2"]


@starts_a_process
@pytest.fixture(scope="module")
def proxy(emulator, tmp_path_factory):
    with proxy_with_spend_log(
        agents_config(),
        tmp_path_factory.mktemp("fim-proxy"),
        {"KILO_API_BASE": emulator.api_base, "KILO_API_KEY": KILO_KEY},
    ) as started:
        yield started


@pytest.fixture
def gw(emulator, proxy):
    yield from fresh_emulator_and_spend(emulator, proxy)


@pytest.fixture
def oai(proxy, gw):
    return openai_client(proxy)


def cost(group: str, prompt_tokens: int, completion_tokens: int) -> float:
    entry = catalog.resolve(group)
    return prompt_tokens * entry.input_cost_per_token + completion_tokens * entry.output_cost_per_token


@pytest.mark.parametrize("group", GROUPS)
def test_completions_with_a_suffix_reach_fim(oai, gw, proxy, group):
    resp = oai.completions.create(model=group, prompt=PROMPT, suffix=SUFFIX, max_tokens=50)
    assert resp.object == "text_completion" and resp.choices[0].text == emulated.FIM_TEXT
    [sent] = gw.requests
    assert sent.path == "/api/fim/completions" and sent.authorization == f"Bearer {KILO_KEY}"
    assert sent.json == {"model": group, "prompt": PROMPT, "suffix": SUFFIX, "max_tokens": 50, "stream": False}
    expected = cost(group, resp.usage.prompt_tokens, resp.usage.completion_tokens)
    assert resp.usage.completion_tokens == len(emulated.FIM_TEXT.split()) and expected > 0
    [logged] = read_spend(proxy[1], 1)
    assert logged["call_type"] == "atext_completion" and logged["response_cost"] == pytest.approx(expected)


@pytest.mark.parametrize("group", GROUPS)
def test_streamed_completions_with_a_suffix_reach_fim(oai, gw, proxy, group):
    chunks = list(
        oai.completions.create(
            model=group,
            prompt=PROMPT,
            suffix=SUFFIX,
            max_tokens=50,
            stop=["\n\n\n"],
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    assert "".join(c.choices[0].text or "" for c in chunks if c.choices) == emulated.FIM_TEXT
    usage = next(c.usage for c in reversed(chunks) if c.usage)
    [sent] = gw.requests
    assert sent.json == {
        "model": group,
        "prompt": PROMPT,
        "suffix": SUFFIX,
        "max_tokens": 50,
        "stop": ["\n\n\n"],
        "stream": True,
    }
    expected = cost(group, usage.prompt_tokens, usage.completion_tokens)
    [logged] = read_spend(proxy[1], 1)
    assert logged["stream"] is True and logged["response_cost"] == pytest.approx(expected) and expected > 0


def test_max_tokens_over_the_limit_is_a_400_before_the_gateway_is_asked(oai, gw):
    with pytest.raises(openai.BadRequestError) as info:
        oai.completions.create(model=GROUPS[0], prompt=PROMPT, suffix=SUFFIX, max_tokens=5000)
    assert info.value.status_code == 400
    assert "over the gateway's fill-in-the-middle limit of 1000" in str(info.value)
    assert gw.requests == []


def test_a_refusal_of_the_gateway_reaches_the_client_with_its_status(oai, gw):
    from kilo_litellm.emulator import Reply

    gw.script(Reply(status=402, body=emulated.INSUFFICIENT_CREDITS_BODY))
    with pytest.raises(openai.APIStatusError) as info:
        oai.completions.create(model=GROUPS[0], prompt=PROMPT, suffix=SUFFIX)
    assert info.value.status_code == 402 and "Insufficient credits" in str(info.value)
    assert gw.requests[0].json["max_tokens"] == 256


def test_chat_to_the_same_group_still_goes_to_chat_completions(oai, gw):
    oai.chat.completions.create(model=GROUPS[0], messages=[{"role": "user", "content": "hi"}])
    assert [r.path for r in gw.requests] == ["/api/gateway/chat/completions"]
