"""Fill-in-the-middle: ``litellm.text_completion``/``atext_completion`` → the gateway's ``/fim/completions``.

Every call goes over loopback HTTP to the gateway emulator, which answers the route as the gateway
does (``kilo_litellm.emulator.fim``; docs/gateway-contract.md, "Fill-in-the-middle"): Codestral in
Mistral's chat shape, Mercury Edit in the text-completion shape. Each test asserts what the caller
got and the body the gateway received.
"""

from __future__ import annotations

import json

import httpx
import litellm
import pytest
from conftest import PAYMENT_REQUIRED

from kilo_litellm.cli import commands as cli
from kilo_litellm.emulator import Reply
from kilo_litellm.emulator import fim as emulated
from kilo_litellm.models import catalog
from kilo_litellm.models.fim import FIM_MODELS
from kilo_litellm.provider import fim

CODESTRAL = "kilo/mistralai/codestral-2508"
MERCURY = "kilo/inception/mercury-edit-2"
KEY = "sk-test-fim-key-0123456789"
PROMPT = "def fib(n):\n    "
SUFFIX = "\n\n\tprint(fib(10))  # ünïcode, trailing spaces  \n"
UPGRADE_REQUIRED_BODY = (
    b'{"error":"upgrade_required","message":"Please upgrade your Kilo extension to the latest version."}'
)


def expected_cost(model: str, prompt_tokens: int, completion_tokens: int) -> float:
    entry = catalog.resolve(model)
    return prompt_tokens * entry.input_cost_per_token + completion_tokens * entry.output_cost_per_token


async def text_completion(is_async: bool, stream: bool, **kwargs):
    """One call the way a user makes it; returns (text, usage, hidden params of the response or last chunk)."""
    kwargs = {"prompt": PROMPT, "suffix": SUFFIX, "api_key": KEY, "stream": stream, **kwargs}
    if stream:
        kwargs["stream_options"] = {"include_usage": True}
    if is_async:
        resp = await litellm.atext_completion(**kwargs)
        chunks = [c async for c in resp] if stream else None
    else:
        resp = litellm.text_completion(**kwargs)
        chunks = list(resp) if stream else None
    if not stream:
        assert isinstance(resp, litellm.TextCompletionResponse)
        return resp.choices[0].text, resp.usage, resp._hidden_params
    text = "".join(c.choices[0].text or "" for c in chunks if c.choices)
    usage = next(c.usage for c in reversed(chunks) if getattr(c, "usage", None))
    return text, usage, None


@pytest.mark.parametrize("model", [CODESTRAL, MERCURY], ids=["mistral-shape", "text-shape"])
@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_text_completion_reaches_fim_with_the_suffix_intact(gw, model, stream, is_async):
    text, usage, hidden = await text_completion(is_async, stream, model=model, max_tokens=64, api_base=gw.api_base)
    assert text == emulated.FIM_TEXT
    [sent] = gw.requests
    assert sent.path == "/api/fim/completions"
    assert sent.authorization == f"Bearer {KEY}"
    assert sent.json == {
        "model": model.removeprefix("kilo/"),
        "prompt": PROMPT,
        "suffix": SUFFIX,
        "max_tokens": 64,
        "stream": stream,
    }
    pieces = len(emulated.FIM_TEXT.split())
    assert (usage.prompt_tokens, usage.completion_tokens) == (len(PROMPT.split()) + len(SUFFIX.split()), pieces)
    cost = expected_cost(model, usage.prompt_tokens, usage.completion_tokens)
    assert usage.cost == pytest.approx(cost) and cost > 0
    if hidden is not None:
        assert hidden["response_cost"] == pytest.approx(cost)


def test_a_chat_call_to_the_same_model_still_goes_to_chat_completions(gw):
    litellm.completion(model=CODESTRAL, messages=[{"role": "user", "content": "hi"}], api_key=KEY, api_base=gw.api_base)
    [sent] = gw.requests
    assert sent.path == "/api/gateway/chat/completions"
    assert "suffix" not in sent.json and "prompt" not in sent.json


def test_a_text_completion_without_suffix_on_a_chat_model_stays_a_chat_completion(gw):
    resp = litellm.text_completion(model="kilo/kilo-auto/free", prompt="hello", api_base=gw.api_base)
    assert resp.choices[0].text
    [sent] = gw.requests
    assert sent.path == "/api/gateway/chat/completions"
    assert sent.json["messages"] == [{"role": "user", "content": "hello"}]


def test_a_fim_model_without_suffix_is_still_fill_in_the_middle(gw):
    resp = litellm.text_completion(model=CODESTRAL, prompt=PROMPT, api_key=KEY, api_base=gw.api_base)
    assert resp.choices[0].text == emulated.FIM_TEXT
    [sent] = gw.fim_requests
    assert "suffix" not in sent.json and sent.json["prompt"] == PROMPT


def test_a_suffix_on_a_chat_model_is_sent_to_fim_and_the_gateways_refusal_names_the_fim_models(gw):
    with pytest.raises(litellm.BadRequestError) as info:
        litellm.text_completion(
            model="kilo/anthropic/claude-sonnet-4.6", prompt=PROMPT, suffix=SUFFIX, api_key=KEY, api_base=gw.api_base
        )
    [sent] = gw.requests
    assert sent.path.endswith("/fim/completions") and sent.json["suffix"] == SUFFIX
    assert info.value.kilo_error_type == "unsupported_fim_model"
    assert "anthropic/claude-sonnet-4.6 is not a supported FIM model" in str(info.value)
    assert all(f"kilo/{m}" in str(info.value) for m in FIM_MODELS)


def test_kilo_clients_fallback_codestral_2501_is_sent_as_named_and_refused_with_the_accepted_ids(gw):
    with pytest.raises(litellm.BadRequestError) as info:
        litellm.text_completion(
            model="kilo/mistralai/codestral-2501", prompt=PROMPT, suffix=SUFFIX, api_key=KEY, api_base=gw.api_base
        )
    [sent] = gw.requests
    assert (sent.path, sent.json["model"]) == ("/api/fim/completions", "mistralai/codestral-2501")
    assert info.value.kilo_error_type == "unsupported_fim_model"
    assert "kilo/mistralai/codestral-2508, kilo/inception/mercury-edit-2" in str(info.value)


def test_without_max_tokens_the_documented_default_is_sent_and_1000_is_allowed(gw):
    litellm.text_completion(model=CODESTRAL, prompt=PROMPT, suffix=SUFFIX, api_key=KEY, api_base=gw.api_base)
    litellm.text_completion(
        model=CODESTRAL, prompt=PROMPT, suffix=SUFFIX, max_tokens=1000, api_key=KEY, api_base=gw.api_base
    )
    assert [r.json["max_tokens"] for r in gw.fim_requests] == [fim.DEFAULT_MAX_TOKENS, 1000]
    assert fim.DEFAULT_MAX_TOKENS == 256


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_max_tokens_over_the_gateways_limit_fails_before_sending(gw, stream, is_async):
    with pytest.raises(litellm.BadRequestError, match="max_tokens=1001 is over the gateway's fill-in-the-middle limit"):
        await text_completion(is_async, stream, model=CODESTRAL, max_tokens=1001, api_base=gw.api_base)
    assert gw.requests == []


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_without_a_key_it_fails_before_sending_and_says_how_to_get_one(gw, stream, is_async):
    with pytest.raises(litellm.AuthenticationError) as info:
        await text_completion(is_async, stream, model=CODESTRAL, api_key=None, api_base=gw.api_base)
    assert gw.requests == []
    assert "KILO_API_KEY" in str(info.value) and "https://app.kilo.ai" in str(info.value)
    assert "fill-in-the-middle" in str(info.value)


def test_the_key_may_come_from_the_environment(gw, monkeypatch):
    monkeypatch.setenv("KILO_API_KEY", KEY)
    litellm.text_completion(model=CODESTRAL, prompt=PROMPT, suffix=SUFFIX, api_base=gw.api_base)
    assert gw.fim_requests[0].authorization == f"Bearer {KEY}"


FIM_REFUSALS = [
    (
        "insufficient_credits",
        Reply(status=402, body=emulated.INSUFFICIENT_CREDITS_BODY),
        PAYMENT_REQUIRED,
        402,
        "buy credits",
    ),
    (
        "byok_key_required",
        Reply(status=400, body=emulated.BYOK_KEY_REQUIRED_BODY),
        litellm.BadRequestError,
        400,
        "BYOK",
    ),
    (
        "upgrade_required",
        Reply(status=426, body=UPGRADE_REQUIRED_BODY),
        litellm.BadRequestError,
        426,
        "upgrade kilo-litellm",
    ),
    (
        "unsupported_fim_model",
        Reply(status=400, body=emulated.unsupported_model_body("mistralai/codestral-2508")),
        litellm.BadRequestError,
        400,
        "kilo/mistralai/codestral-2508",
    ),
]


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("case", FIM_REFUSALS, ids=[c[0] for c in FIM_REFUSALS])
async def test_the_gateways_fim_refusals_are_clear_litellm_errors(gw, case, stream, is_async):
    error_type, reply, cls, status, phrase = case
    gw.script(reply)
    with pytest.raises(cls) as info:
        await text_completion(is_async, stream, model=CODESTRAL, api_base=gw.api_base)
    assert (info.value.status_code, info.value.kilo_error_type) == (status, error_type)
    assert phrase in str(info.value)
    assert KEY not in str(info.value)


def test_fims_own_unauthenticated_answer_is_an_authentication_error(gw):
    """A rejected key: this route answers ``{"success":false,"error":...}``, not ``INVALID_TOKEN``."""
    with pytest.raises(litellm.AuthenticationError) as info:
        litellm.text_completion(
            model=CODESTRAL, prompt=PROMPT, suffix=SUFFIX, api_key="sk-expired-1", api_base=gw.api_base
        )
    assert json.loads(gw.requests[0].raw)["suffix"] == SUFFIX
    assert info.value.status_code == 401
    assert "Invalid API token" in str(info.value) and "rejected the Kilo API key" in str(info.value)
    assert "sk-expired-1" not in str(info.value)


@pytest.mark.parametrize(
    "base_suffix", ["", "/v1", "/fim/completions", "/v1/fim/completions/"], ids=["base", "v1", "pasted", "pasted-v1"]
)
def test_both_base_shapes_reach_the_route(gw, base_suffix):
    resp = litellm.text_completion(
        model=MERCURY, prompt=PROMPT, suffix=SUFFIX, api_key=KEY, api_base=gw.api_base + base_suffix
    )
    assert resp.choices[0].text == emulated.FIM_TEXT
    assert gw.requests[0].path == "/api/fim/completions"


@pytest.mark.parametrize("base_suffix", ["", "/fim/completions"], ids=["base", "pasted"])
def test_the_second_hosts_base_shape_reaches_its_route(gw, base_suffix):
    resp = litellm.text_completion(
        model=CODESTRAL, prompt=PROMPT, suffix=SUFFIX, api_key=KEY, api_base=gw.ai_gateway_base + base_suffix
    )
    assert resp.choices[0].text == emulated.FIM_TEXT
    assert gw.requests[0].path == "/api/v1/fim/completions"
    assert gw.requests[0].json["suffix"] == SUFFIX


def test_v1_route_of_the_emulator_answers_too(gw):
    answer = httpx.post(
        f"{gw.api_base}/v1/fim/completions",
        json={"model": "mistralai/codestral-2508", "prompt": "a", "max_tokens": 5},
        headers={"Authorization": f"Bearer {KEY}"},
    )
    assert answer.status_code == 200 and answer.json()["object"] == "chat.completion"


def test_text_completion_parameters_go_as_mistral_names_them(gw):
    litellm.text_completion(
        model=CODESTRAL,
        prompt=PROMPT,
        suffix=SUFFIX,
        max_tokens=3,
        stop="\n\n",
        temperature=0.2,
        top_p=0.9,
        seed=7,
        api_key=KEY,
        api_base=gw.api_base,
        extra_body={"min_tokens": 1},
    )
    [sent] = gw.fim_requests
    assert sent.json == {
        "model": "mistralai/codestral-2508",
        "prompt": PROMPT,
        "suffix": SUFFIX,
        "max_tokens": 3,
        "stop": ["\n\n"],
        "temperature": 0.2,
        "top_p": 0.9,
        "random_seed": 7,
        "min_tokens": 1,
        "stream": False,
    }


def test_max_tokens_cuts_the_answer_and_finish_reason_says_length(gw):
    resp = litellm.text_completion(
        model=MERCURY, prompt=PROMPT, suffix=SUFFIX, max_tokens=3, api_key=KEY, api_base=gw.api_base
    )
    assert resp.choices[0].text == "if n < "
    assert resp.choices[0].finish_reason == "length"


@pytest.mark.parametrize(
    ("kwargs", "phrase"),
    [
        ({"prompt": ["one", "two"]}, "one prompt string per call"),
        ({"n": 2}, "one completion per request; n=2"),
        ({"max_tokens": 0}, "max_tokens must be a positive integer"),
    ],
    ids=["two-prompts", "n", "zero"],
)
def test_what_the_fim_route_cannot_take_fails_before_sending(gw, kwargs, phrase):
    call = {"model": CODESTRAL, "prompt": PROMPT, "suffix": SUFFIX, "api_key": KEY, "api_base": gw.api_base, **kwargs}
    with pytest.raises(litellm.BadRequestError, match=phrase):
        litellm.text_completion(**call)
    assert gw.requests == []


async def test_a_router_sends_text_completions_with_a_suffix_to_fim(gw):
    """``atext_completion`` is what the proxy's ``/v1/completions`` calls. (The Router's sync
    ``text_completion`` sends the group name as the model, for every provider: LiteLLM 1.110.2;
    docs/litellm-assumptions.md, "Router".)"""
    deployment = {"model": CODESTRAL, "api_key": KEY, "api_base": gw.api_base}
    router = litellm.Router(model_list=[{"model_name": "autocomplete", "litellm_params": deployment}])
    resp = await router.atext_completion(model="autocomplete", prompt=PROMPT, suffix=SUFFIX, max_tokens=20)
    assert resp.choices[0].text == emulated.FIM_TEXT
    assert gw.fim_requests[0].json["suffix"] == SUFFIX


# -- the emulator's route, as the gateway's code has it ------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "body", "status", "answer"),
    [
        ({}, {"model": "mistralai/codestral-2508", "prompt": "a", "max_tokens": 5}, 401, emulated.UNAUTHORIZED_BODY),
        (
            {"Authorization": "Bearer public"},
            {"model": "mistralai/codestral-2508", "prompt": "a", "max_tokens": 5},
            401,
            emulated.INVALID_API_TOKEN_BODY,
        ),
        (
            {"Authorization": f"Bearer {KEY}"},
            {"model": "mistralai/codestral-2508", "prompt": 1},
            400,
            emulated.INVALID_REQUEST_BODY,
        ),
        (
            {"Authorization": f"Bearer {KEY}"},
            {"model": "mistralai/codestral-2508", "prompt": "a", "stop": "x", "max_tokens": 5},
            400,
            emulated.INVALID_REQUEST_BODY,
        ),
        (
            {"Authorization": f"Bearer {KEY}"},
            {"model": "mistralai/codestral-latest", "prompt": "a", "max_tokens": 5},
            400,
            emulated.unsupported_model_body("mistralai/codestral-latest"),
        ),
        (
            {"Authorization": f"Bearer {KEY}"},
            {"model": "mistralai/codestral-2508", "prompt": "a"},
            503,
            emulated.TEMPORARILY_UNAVAILABLE_BODY,
        ),
        (
            {"Authorization": f"Bearer {KEY}"},
            {"model": "mistralai/codestral-2508", "prompt": "a", "max_tokens": 1001},
            503,
            emulated.TEMPORARILY_UNAVAILABLE_BODY,
        ),
    ],
    ids=[
        "no-key",
        "rejected-key",
        "bad-prompt",
        "stop-string",
        "unsupported-model",
        "no-max-tokens",
        "max-tokens-1001",
    ],
)
def test_the_emulated_route_refuses_as_the_gateway_does(gw, headers, body, status, answer):
    got = httpx.post(f"{gw.api_base}/fim/completions", json=body, headers=headers)
    assert (got.status_code, got.content) == (status, answer)


def test_the_emulated_streams_have_each_upstreams_shape(gw):
    headers = {"Authorization": f"Bearer {KEY}"}
    shapes = {}
    for model in FIM_MODELS:
        got = httpx.post(
            f"{gw.api_base}/fim/completions",
            json={"model": model, "prompt": "a", "max_tokens": 5, "stream": True},
            headers=headers,
        )
        assert got.headers["content-type"] == "text/event-stream" and got.text.endswith("data: [DONE]\n\n")
        events = [json.loads(line[6:]) for line in got.text.splitlines() if line.startswith("data: {")]
        shapes[model] = set(events[-1]["choices"][0]) - {"index", "finish_reason", "logprobs"}
        assert events[-1]["usage"]["completion_tokens"] == 5
    assert shapes == {"mistralai/codestral-2508": {"delta"}, "inception/mercury-edit-2": {"text"}}


# -- which models: the catalog and `kilo-litellm models` ------------------------------------------------


def test_the_catalog_knows_the_fim_models_with_their_prices():
    for name in FIM_MODELS:
        entry = catalog.resolve(name)
        assert entry.supports_fim and entry.input_cost_per_token > 0 and not entry.free
    assert not catalog.resolve("kilo-auto/free").supports_fim


def test_models_marks_the_fim_models_in_the_table_and_in_json(gw, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("KILO_LITELLM_CACHE_DIR", str(tmp_path))
    assert cli.main(["models", "--api-base", gw.api_base]) == 0
    table = capsys.readouterr().out
    marked = {
        line.split()[0] for line in table.splitlines() if line.startswith("kilo/") and line.rstrip().endswith("fim")
    }
    assert marked == {f"kilo/{m}" for m in FIM_MODELS}
    assert cli.main(["models", "--json", "--api-base", gw.api_base]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["gateway_id"] for r in rows if r["supports_fim"]} == set(FIM_MODELS)
    catalog.install(None)
    litellm.register_model(catalog.model_cost_map())
