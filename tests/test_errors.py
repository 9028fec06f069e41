"""Every gateway error body (docs/gateway-contract.md, "Errors", plus the recorded ones) → the right litellm error."""

from __future__ import annotations

import json

import litellm
import pytest
from conftest import MESSAGES, PAYMENT_REQUIRED
from litellm.llms.custom_llm import CustomLLMError

from kilo_litellm.emulator import INVALID_PATH_BODY, PAID_AUTH_BODY, Reply, recording

# The gateway's older bodies (no error_type): still parsed the same way.
BAD_JSON_BODY = b'{"error":"Invalid request","message":"Could not parse request body. Please ensure it is valid JSON."}'
NOT_FOUND_BODY = b'{"error":"Model not found","message":"The requested model could not be found."}'
RATE_LIMIT_BODY = (
    b'{"error":"Rate limit exceeded","message":"Free model usage limit reached. '
    b'Please try again later or upgrade to a paid model."}'
)

FREE = "kilo/kilo-auto/free"

CASES = [
    # id, status, body, exception class, words the message must contain, gateway code
    ("invalid-path", 400, INVALID_PATH_BODY, litellm.BadRequestError, ["Invalid path"], None),
    ("invalid-json", 400, BAD_JSON_BODY, litellm.BadRequestError, ["Could not parse request body"], None),
    ("model-not-found", 404, NOT_FOUND_BODY, litellm.NotFoundError, ["Model not found", "kilo/kilo-auto/free"], None),
    (
        "no-client-ip",
        400,
        b'{"error":"Unable to determine client IP"}',
        litellm.BadRequestError,
        ["Unable to determine client IP"],
        None,
    ),
    (
        "free-rate-limit",
        429,
        RATE_LIMIT_BODY,
        litellm.RateLimitError,
        ["Free model usage limit reached", "200 requests per hour", "fall back"],
        None,
    ),
    (
        "paid-auth",
        401,
        PAID_AUTH_BODY,
        litellm.AuthenticationError,
        ["sign in", "KILO_API_KEY"],
        "PAID_MODEL_AUTH_REQUIRED",
    ),
    (
        "promotion-limit",
        401,
        b'{"error":{"code":"PROMOTION_MODEL_LIMIT_REACHED","message":"Sign up to receive $5 in credits for paid models '
        b'and to continue using free models. No credit card or purchase required."}}',
        litellm.RateLimitError,
        ["Sign up", "KILO_API_KEY", "10,000 requests per 24 h"],
        "PROMOTION_MODEL_LIMIT_REACHED",
    ),
    (
        "service-unavailable",
        503,
        b'{"error":"Service Unavailable","message":"The service is temporarily unavailable. Please try again later."}',
        litellm.ServiceUnavailableError,
        ["temporarily unavailable", "falling back"],
        None,
    ),
    (
        "alpha-ended",
        404,
        b'{"error":"The alpha period for this model has ended.","message":"The alpha period for this model has ended."}',
        litellm.NotFoundError,
        ["alpha period", "Current free models"],
        None,
    ),
    (
        "credits-required",
        402,
        b'{"error":{"title":"Paid Model - Credits Required","message":"This is a paid model. To use paid models, you need '
        b'to add credits. Get $20 free on your first topup!","balance":0,"buyCreditsUrl":"https://app.kilo.ai/profile"}}',
        PAYMENT_REQUIRED,
        ["add credits", "https://app.kilo.ai/profile", "free model"],
        None,
    ),
    (
        "low-credit",
        402,
        b'{"error":{"title":"Low Credit Warning!","message":"Add credits to continue, or switch to a free model",'
        b'"balance":-0.01,"buyCreditsUrl":"https://app.kilo.ai/profile"}}',
        PAYMENT_REQUIRED,
        ["Add credits", "https://app.kilo.ai/profile"],
        None,
    ),
    (
        "team-not-allowed",
        404,
        b'{"error":"Model not allowed for your team.","message":"The requested model is not allowed for your team."}',
        litellm.NotFoundError,
        ["not allowed for your team"],
        None,
    ),
    (
        "data-collection",
        400,
        b'{"error":"Data collection is required for this model. Please enable data collection to use this model or '
        b'choose another model.","message":"Data collection is required for this model. Please enable data collection '
        b'to use this model or choose another model."}',
        litellm.BadRequestError,
        ["Data collection is required"],
        None,
    ),
    (
        "byok-invalid-key",
        401,
        b'{"error":"[BYOK] Your API key is invalid or has been revoked. Please check your API key configuration.",'
        b'"message":"[BYOK] Your API key is invalid or has been revoked. Please check your API key configuration."}',
        litellm.AuthenticationError,
        ["[BYOK] Your API key is invalid"],
        None,
    ),
    (
        "byok-rate-limit",
        429,
        b'{"error":"[BYOK] Your API key has hit its rate limit.","message":"[BYOK] Your API key has hit its rate limit."}',
        litellm.RateLimitError,
        ["[BYOK]"],
        None,
    ),
    (
        "context-length",
        400,
        b'{"error":"The maximum context length is 202800 tokens. However, about 250000 tokens were requested.",'
        b'"message":"The maximum context length is 202800 tokens. However, about 250000 tokens were requested."}',
        litellm.ContextWindowExceededError,
        ["maximum context length is 202800"],
        None,
    ),
    (
        "stealth-model",
        500,
        b'{"error":"Stealth model unable to process request","message":"Stealth model unable to process request"}',
        litellm.InternalServerError,
        ["Stealth model unable"],
        None,
    ),
    (
        "openrouter-500-recorded",
        500,
        recording("error-500-body.json"),
        litellm.InternalServerError,
        ["Internal Server Error"],
        500,
    ),
    (
        "openrouter-502",
        502,
        b'{"error":{"message":"Provider returned error","code":502,"metadata":{"provider_name":'
        b'"Z.AI","raw":"upstream down"}},"user_id":"user_1"}',
        litellm.BadGatewayError,
        ["Provider returned error"],
        502,
    ),
    (
        "openrouter-403",
        403,
        b'{"error":{"message":"Moderation flagged","code":403,"metadata":{"reasons":["x"]}}}',
        litellm.ContentPolicyViolationError,
        ["Moderation flagged"],
        403,
    ),
    (
        "gateway-timeout",
        504,
        b'{"error":{"message":"Upstream timed out","code":504}}',
        litellm.Timeout,
        ["Upstream timed out"],
        504,
    ),
    ("empty-body-500", 500, b"", litellm.InternalServerError, ["HTTP 500"], None),
    ("html-502", 502, b"<html><body>Bad gateway</body></html>", litellm.BadGatewayError, ["Bad gateway"], None),
]

# The anonymous daily cap comes as a 401 but is a limit: raised as a 429, so a LiteLLM proxy does not
# tell its own client that its key is wrong. OpenRouter's moderation 403 is a content-policy refusal,
# a 400 as LiteLLM's ContentPolicyViolationError always is.
RAISED_AS = {"promotion-limit": 429, "openrouter-403": 400}


def _unwrap(exc: BaseException) -> BaseException:
    """LiteLLM wraps retryable errors raised while iterating a stream; the gateway's error is inside."""
    return getattr(exc, "original_exception", None) or exc


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("stream", [False, True], ids=["nonstream", "stream"])
def test_gateway_error_bodies_raise_the_right_exception(gw, case, stream):
    _, status, body, cls, words, code = case
    gw.script(Reply(status=status, body=body, stream=False))
    with pytest.raises(Exception) as info:
        resp = litellm.completion(model=FREE, messages=MESSAGES, api_base=gw.api_base, stream=stream)
        list(resp)
    exc = _unwrap(info.value)
    assert type(exc) is cls, f"{type(exc).__name__}: {exc}"
    assert exc.status_code == RAISED_AS.get(case[0], status)
    for word in words:
        assert word in str(exc)
    assert exc.kilo_code == code
    if b'"metadata"' in body:
        assert exc.kilo_metadata == json.loads(body)["error"]["metadata"]


@pytest.mark.parametrize(
    "case", [c for c in CASES if c[0] in ("free-rate-limit", "credits-required", "paid-auth")], ids=lambda c: c[0]
)
async def test_async_errors_raise_the_right_exception(gw, case):
    _, status, body, cls, words, _ = case
    gw.script(Reply(status=status, body=body))
    with pytest.raises(cls) as info:
        await litellm.acompletion(model=FREE, messages=MESSAGES, api_base=gw.api_base)
    assert info.value.status_code == status
    for word in words:
        assert word in str(info.value)


async def _stream_error(gw, is_async: bool) -> BaseException:
    """Read a streaming call to its end; the gateway's error it raised, unwrapped."""
    kwargs = dict(model=FREE, messages=MESSAGES, api_base=gw.api_base, stream=True)
    with pytest.raises(Exception) as info:
        if is_async:
            [c async for c in await litellm.acompletion(**kwargs)]
        else:
            list(litellm.completion(**kwargs))
    return _unwrap(info.value)


INBAND = [
    (
        "recorded-402",
        recording("stream-inband-error-402.sse"),
        PAYMENT_REQUIRED,
        402,
        ["requires more credits", "https://app.kilo.ai/profile"],
    ),
    (
        "finish-reason-error",
        b'data: {"id":"gen-1","object":"chat.completion.chunk","created":1,"model":"z-ai/glm-5",'
        b'"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}],'
        b'"error":{"code":502,"message":"Provider disconnected"}}\n\n',
        litellm.BadGatewayError,
        502,
        ["Provider disconnected"],
    ),
    (
        "after-content-429",
        recording("stream-openai-gpt41.sse").split(b"data: {", 8)[0]
        + b'data: {"error":{"message":"Rate limit exceeded upstream","code":429}}\n\n',
        litellm.RateLimitError,
        429,
        ["Rate limit exceeded upstream"],
    ),
]


@pytest.mark.parametrize("case", INBAND, ids=[c[0] for c in INBAND])
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_in_band_stream_errors(gw, case, is_async):
    _, body, cls, status, words = case
    gw.script(Reply(body=body, stream=True))
    exc = await _stream_error(gw, is_async)
    assert type(exc) is cls and exc.status_code == status
    for word in words:
        assert word in str(exc)


async def test_async_stream_rate_limit_is_raised_at_the_call(gw):
    """As for LiteLLM's own providers: ``await acompletion(stream=True)`` raises the 429 itself, unwrapped."""
    gw.script(Reply(status=429, body=RATE_LIMIT_BODY))
    with pytest.raises(litellm.RateLimitError) as info:
        await litellm.acompletion(model=FREE, messages=MESSAGES, api_base=gw.api_base, stream=True)
    assert type(info.value) is litellm.RateLimitError
    assert info.value.status_code == 429


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_json_error_answered_to_a_stream_request_is_the_gateways_error(gw, is_async):
    gw.script(Reply(body=b'{"error":{"message":"Upstream rate limit","code":429}}', stream=False))
    exc = await _stream_error(gw, is_async)
    assert type(exc) is litellm.RateLimitError and "Upstream rate limit" in str(exc)


@pytest.mark.parametrize(
    "body",
    [b'{"choices": 1}', b'{"choices": [{"message": "hi"}]}', b'{"choices": [{"message": {"tool_calls": 3}}]}'],
)
def test_a_completion_body_of_the_wrong_shape_is_a_clear_error(gw, body):
    gw.script(Reply(body=body, stream=False))
    with pytest.raises(litellm.APIError, match="unreadable response"):
        litellm.completion(model=FREE, messages=MESSAGES, api_base=gw.api_base)


class _RaisesStatus(litellm.CustomLLM):
    """A custom provider as LiteLLM documents one: it raises ``CustomLLMError`` with the status its
    model name says, and LiteLLM picks the exception class."""

    def completion(self, model, *args, **kwargs):
        raise CustomLLMError(int(model), "refused")


@pytest.fixture
def status_provider(monkeypatch):
    monkeypatch.setattr(
        litellm,
        "custom_provider_map",
        [*litellm.custom_provider_map, {"provider": "status-probe", "custom_handler": _RaisesStatus()}],
    )
    litellm.utils.custom_llm_setup()
    yield "status-probe"
    monkeypatch.undo()
    litellm.utils.custom_llm_setup()


# Where Kilo's class differs from LiteLLM's own for a custom provider (errors.STATUS_OVERRIDES and
# the 5xx LiteLLM names no class for).
KILO_OVERRIDES = {422: litellm.UnprocessableEntityError, 520: litellm.InternalServerError}


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 408, 409, 413, 422, 429, 500, 502, 503, 504, 520])
def test_a_status_without_an_error_type_gets_litellms_own_class_for_a_custom_provider(gw, status_provider, status):
    with pytest.raises(Exception) as litellms:
        litellm.completion(model=f"{status_provider}/{status}", messages=MESSAGES)
    gw.script(Reply(status=status, body=b'{"error":{"message":"refused","code":%d}}' % status))
    with pytest.raises(Exception) as kilos:
        litellm.completion(model=FREE, messages=MESSAGES, api_base=gw.api_base)
    assert type(kilos.value) is KILO_OVERRIDES.get(status, type(litellms.value))
    assert kilos.value.status_code == status and kilos.value.kilo_code == status
    assert str(kilos.value).count("KiloException - refused") == 1
