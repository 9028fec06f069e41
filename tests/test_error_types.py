"""Every ``error_type`` of the gateway (docs/gateway-contract.md, "Errors"), sent by the emulator, → what a caller sees.

The bodies are the gateway's own where its source or the notes give them; each goes through
``litellm.completion`` over loopback HTTP, and a few also through ``acompletion`` and both kinds
of stream.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import litellm
import litellm.utils
import pytest
from conftest import MESSAGES, PAYMENT_REQUIRED
from litellm.litellm_core_utils.exception_mapping_utils import _get_response_headers
from litellm.utils import _get_retry_after_from_exception_header

from kilo_litellm.config.settings import SIGN_UP_URL
from kilo_litellm.emulator import PROMOTION_LIMIT_BODY, Reply
from kilo_litellm.models import catalog
from kilo_litellm.models.catalog import Catalog, ModelEntry
from kilo_litellm.provider.error_types import ERROR_TYPES, class_name

# LiteLLM's retry-delay helper: ``calculate_retry_after`` on 1.110, ``_calculate_retry_after`` on 1.100.
calculate_retry_after = getattr(litellm.utils, "calculate_retry_after", None) or litellm.utils._calculate_retry_after

FREE = "kilo/kilo-auto/free"
PAID = "kilo/anthropic/claude-sonnet-4.6"
KEY = "sk-test-key-123456"

DOC_TYPES = (
    "invalid_path, invalid_request, temporarily_unavailable, usage_limit_exceeded, data_collection_required, "
    "api_kind_not_supported, byok_error, context_length_exceeded, model_not_allowed, model_not_found, "
    "unavailable_model, unsupported_field, authentication_required, missing_client_ip, rate_limit_exceeded, "
    "paid_model_auth_required, promotion_limit_reached, insufficient_credits, provider_not_allowed, "
    "byok_key_required, upstream_error, no_free_models_available, organization_auto_configuration, "
    "upstream_disconnect, client_disconnect, top_up_in_progress, refusal_cooldown, discontinued_free_model, "
    "upgrade_required, abuse_blocked, account_restricted, unsupported_fim_model"
).split(", ")
"""The ``error_type`` values listed in docs/gateway-contract.md, "Errors" (``account_restricted`` and the FIM
route's ``unsupported_fim_model`` included)."""


def flat(error_type: str, error: str, message: str | None = None) -> bytes:
    """The gateway's flat shape; ``message`` repeats ``error`` unless given."""
    return json.dumps({"error": error, "error_type": error_type, "message": message or error}).encode()


@dataclass(frozen=True)
class Case:
    name: str
    status: int
    body: bytes
    cls: type
    raised_status: int
    phrase: str
    model: str = FREE
    headers: dict = field(default_factory=dict)

    @property
    def error_type(self) -> str:
        return json.loads(self.body)["error_type"]

    @property
    def call(self) -> dict:
        key = {"api_key": KEY} if self.model == PAID else {}
        return {"model": self.model, "messages": MESSAGES, **key}


CASES = [
    Case(
        "invalid_path",
        400,
        flat("invalid_path", "Invalid path", "This endpoint only accepts the path `/chat/completions`."),
        litellm.BadRequestError,
        400,
        "api_base ends in /api/gateway",
    ),
    Case(
        "invalid_request",
        400,
        flat("invalid_request", "Malformed JSON", "Request body is not valid JSON: Unexpected token } in JSON"),
        litellm.BadRequestError,
        400,
        "could not read the request body",
    ),
    Case(
        "temporarily_unavailable",
        503,
        flat(
            "temporarily_unavailable",
            "Service Unavailable",
            "The service is temporarily unavailable. Please try again later.",
        ),
        litellm.ServiceUnavailableError,
        503,
        "briefly unavailable",
    ),
    Case(
        "usage_limit_exceeded",
        402,
        b'{"error":{"title":"Low Credit Warning!","message":"Add credits to continue, or switch to a free model",'
        b'"balance":0,"buyCreditsUrl":"https://app.kilo.ai/profile"},"error_type":"usage_limit_exceeded"}',
        PAYMENT_REQUIRED,
        402,
        "buy credits at https://app.kilo.ai/profile",
        model=PAID,
    ),
    Case(
        "insufficient_credits",
        402,
        b'{"error":{"message":"Insufficient credits"},"error_type":"insufficient_credits"}',
        PAYMENT_REQUIRED,
        402,
        "Out of credits",
        model=PAID,
    ),
    Case(
        "data_collection_required",
        400,
        flat(
            "data_collection_required",
            "Data collection is required for this model. Please enable data collection to use this model or "
            "choose another model.",
        ),
        litellm.BadRequestError,
        400,
        'drop provider.data_collection: "deny"',
    ),
    Case(
        "api_kind_not_supported",
        400,
        flat(
            "api_kind_not_supported",
            "This model does not support the chat_completions API, please use any of: responses,messages",
        ),
        litellm.BadRequestError,
        400,
        "does not serve (it supports: responses,messages)",
    ),
    Case(
        "byok_error",
        401,
        flat(
            "byok_error",
            "[BYOK] Your API key is invalid or has been revoked. Please check your API key configuration.",
        ),
        litellm.AuthenticationError,
        401,
        "own key (BYOK)",
        model=PAID,
    ),
    Case(
        "byok_error-429",
        429,
        flat("byok_error", "[BYOK] Your API key has hit its rate limit. Please try again later."),
        litellm.RateLimitError,
        429,
        "own key (BYOK)",
        model=PAID,
    ),
    Case(
        "context_length_exceeded",
        400,
        b'{"error":{"message":"This endpoint\'s maximum context length is 202800 tokens. However, you requested '
        b'about 301688 tokens.","code":400},"error_type":"context_length_exceeded"}',
        litellm.ContextWindowExceededError,
        400,
        "larger context window",
    ),
    Case(
        "context_length_exceeded-as-500",
        500,
        flat(
            "context_length_exceeded",
            "The maximum context length is 256000 tokens. However, about 282000 tokens were requested.",
        ),
        litellm.ContextWindowExceededError,
        400,
        "larger context window",
    ),
    Case(
        "model_not_allowed",
        404,
        flat(
            "model_not_allowed", "Model not allowed for your team.", "The requested model is not allowed for your team."
        ),
        litellm.NotFoundError,
        404,
        "organisation's model policy",
        model=PAID,
    ),
    Case(
        "model_not_allowed-503",
        503,
        flat(
            "model_not_allowed",
            "Auto-routing could not select an eligible model for this request.",
            "Auto-routing could not select an eligible model for this request. Please try again or contact "
            "support if the problem persists.",
        ),
        litellm.BadRequestError,
        400,
        "retrying the same request does not help",
        model=PAID,
    ),
    Case(
        "model_not_found",
        404,
        flat(
            "model_not_found",
            "The requested model 'anthropic/claude-sonnet-4.6' does not exist. Please use an exact model id as "
            "listed on /api/gateway/models. If this is a newly released model, please try again in a few minutes.",
        ),
        litellm.NotFoundError,
        404,
        "kilo/kilo-auto/free",
        model=PAID,
    ),
    Case(
        "unavailable_model",
        404,
        flat("unavailable_model", "The requested model is currently unavailable. Please choose a different model."),
        litellm.NotFoundError,
        404,
        "kilo/kilo-auto/free",
    ),
    Case(
        "unsupported_field",
        400,
        flat("unsupported_field", "The providerOptions field is not supported. Use provider instead."),
        litellm.BadRequestError,
        400,
        "provider= (not providerOptions)",
    ),
    Case(
        "authentication_required",
        401,
        b'{"error":{"code":"INVALID_TOKEN","message":"Your authentication token is invalid. Please sign in again."},'
        b'"error_type":"authentication_required"}',
        litellm.AuthenticationError,
        401,
        "rejected the Kilo API key that was sent (invalid or expired)",
        model=PAID,
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    ),
    Case(
        "missing_client_ip",
        400,
        b'{"error":"Unable to determine client IP","error_type":"missing_client_ip"}',
        litellm.BadRequestError,
        400,
        "caller's IP address",
    ),
    Case(
        "rate_limit_exceeded",
        429,
        b'{"error":"Rate limit exceeded","error_type":"rate_limit_exceeded",'
        b'"message":"Model usage limit reached. Please try again later."}',
        litellm.RateLimitError,
        429,
        "200 requests per hour per IP",
    ),
    Case(
        "paid_model_auth_required",
        401,
        b'{"error":{"code":"PAID_MODEL_AUTH_REQUIRED","message":"You need to sign in to use this model."},'
        b'"error_type":"paid_model_auth_required"}',
        litellm.AuthenticationError,
        401,
        "This is a paid model: run `kilo-litellm login`, or set KILO_API_KEY",
    ),
    Case(
        "promotion_limit_reached",
        401,
        PROMOTION_LIMIT_BODY,
        litellm.RateLimitError,
        429,
        "used up for today (10,000 requests per 24 h without a key, on Kilo's rate-limited exclusive models "
        "only): sign up at https://app.kilo.ai and set KILO_API_KEY",
    ),
    Case(
        "provider_not_allowed",
        403,
        flat(
            "provider_not_allowed",
            "No eligible provider can serve the selected model. Please enable provider: stepfun",
        ),
        litellm.PermissionDeniedError,
        403,
        "provider.only / provider.ignore",
    ),
    Case(
        "provider_not_allowed-404",
        404,
        flat(
            "provider_not_allowed",
            "No eligible provider can serve the selected model.",
            "No eligible provider can serve the selected model. Select another model or update the provider "
            "routing settings.",
        ),
        litellm.NotFoundError,
        404,
        "provider.only / provider.ignore",
        model=PAID,
    ),
    Case(
        "byok_key_required",
        400,
        b'{"error":"This model requires a BYOK API key. Please configure your API key in settings.",'
        b'"error_type":"byok_key_required"}',
        litellm.BadRequestError,
        400,
        "only with your own provider key (BYOK)",
        model=PAID,
    ),
    Case(
        "upstream_error",
        502,
        flat("upstream_error", "The upstream provider was unable to process the request"),
        litellm.BadGatewayError,
        502,
        "provider failed",
    ),
    Case(
        "no_free_models_available",
        503,
        flat(
            "no_free_models_available",
            "No free models are currently available for kilo-auto/free. Please try again later, or switch to "
            "kilo-auto/balanced for affordable paid inference.",
        ),
        litellm.ServiceUnavailableError,
        503,
        "free pool behind kilo/kilo-auto/free is empty",
    ),
    Case(
        "organization_auto_configuration",
        400,
        flat(
            "organization_auto_configuration",
            "Organization Auto configuration error",
            "Organization Auto is not available for this account.",
        ),
        litellm.BadRequestError,
        400,
        "kilo-auto/org is not set up",
        model=PAID,
    ),
    Case(
        "upstream_disconnect",
        502,
        flat("upstream_disconnect", "The upstream response was interrupted. Please retry."),
        litellm.ServiceUnavailableError,
        503,
        "connection broke",
    ),
    Case(
        "client_disconnect",
        499,
        flat("client_disconnect", "Client disconnected"),
        litellm.APIConnectionError,
        500,
        "connection close",
    ),
    Case(
        "top_up_in_progress",
        503,
        flat("top_up_in_progress", "Your top-up is processing. Please retry in a few seconds."),
        litellm.ServiceUnavailableError,
        503,
        "retry after the Retry-After delay",
        model=PAID,
        headers={"Retry-After": "5"},
    ),
    Case(
        "refusal_cooldown",
        429,
        flat("refusal_cooldown", "Too many refused requests. Please try again later."),
        litellm.RateLimitError,
        429,
        "after repeated refusals",
        headers={"retry-after": "30", "retry-after-ms": "30000"},
    ),
    Case(
        "discontinued_free_model",
        404,
        flat(
            "discontinued_free_model",
            "The free period of this model ended. Please use kilo-auto/balanced for affordable inference or "
            "kilo-auto/free for limited free inference.",
        ),
        litellm.NotFoundError,
        404,
        "kilo/kilo-auto/free",
    ),
    Case(
        "upgrade_required",
        426,
        flat("upgrade_required", "upgrade_required", "Please upgrade your Kilo extension to the latest version."),
        litellm.BadRequestError,
        426,
        "upgrade kilo-litellm",
    ),
    Case(
        "unsupported_fim_model",
        400,
        b'{"error":"kilo-auto/free is not a supported FIM model","error_type":"unsupported_fim_model"}',
        litellm.BadRequestError,
        400,
        "kilo/mistralai/codestral-2508",
    ),
    Case(
        "account_restricted",
        403,
        flat(
            "account_restricted", "Request not allowed", "This account cannot make requests right now. Contact support."
        ),
        litellm.PermissionDeniedError,
        403,
        "contact Kilo support",
    ),
    Case(
        "byok_error-400-reconnect",
        400,
        flat(
            "byok_error",
            "Your ChatGPT connection has expired. Reconnect to continue. Reconnect your ChatGPT connection at "
            "https://app.kilo.ai/byok, or choose a different model.",
        ),
        litellm.BadRequestError,
        400,
        "needs to be reconnected at https://app.kilo.ai/byok",
        model=PAID,
    ),
    Case(
        "abuse_blocked",
        403,
        b'{"error":"Request blocked by abuse prevention rules.","error_type":"abuse_blocked"}',
        litellm.PermissionDeniedError,
        403,
        "abuse prevention",
    ),
]


def test_the_table_covers_every_documented_error_type_and_each_has_a_case():
    assert set(DOC_TYPES) <= set(ERROR_TYPES)
    assert set(ERROR_TYPES) - set(DOC_TYPES) == {"timeout"}  # the in-band stream kind ("Streams")
    assert {case.error_type for case in CASES} == set(DOC_TYPES)


def _unwrap(exc: BaseException) -> BaseException:
    """LiteLLM wraps retryable errors raised while iterating a stream; the gateway's error is inside."""
    return getattr(exc, "original_exception", None) or exc


def _check(exc: BaseException, case: Case) -> None:
    assert type(exc) is case.cls, f"{type(exc).__name__}: {exc}"
    assert exc.status_code == case.raised_status
    assert case.phrase in str(exc), str(exc)
    assert json.loads(case.body).get("message", "")[:30] in str(exc)
    assert exc.kilo_error_type == case.error_type
    assert KEY not in str(exc) and KEY not in repr(exc)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_error_type_through_completion(gw, case):
    gw.script(Reply(status=case.status, body=case.body, headers=case.headers))
    with pytest.raises(Exception) as info:
        litellm.completion(**case.call, api_base=gw.api_base)
    _check(info.value, case)


FEW = [c for c in CASES if c.name in ("promotion_limit_reached", "top_up_in_progress", "upstream_disconnect")]
FEW += [c for c in CASES if c.name in ("context_length_exceeded-as-500", "discontinued_free_model")]


@pytest.mark.parametrize("mode", ["acompletion", "stream", "astream"])
@pytest.mark.parametrize("case", FEW, ids=[c.name for c in FEW])
async def test_a_few_error_types_through_acompletion_and_streams(gw, case, mode):
    gw.script(Reply(status=case.status, body=case.body, headers=case.headers, stream=False))
    with pytest.raises(Exception) as info:
        if mode == "acompletion":
            await litellm.acompletion(**case.call, api_base=gw.api_base)
        elif mode == "stream":
            list(litellm.completion(**case.call, api_base=gw.api_base, stream=True))
        else:
            [c async for c in await litellm.acompletion(**case.call, api_base=gw.api_base, stream=True)]
    _check(_unwrap(info.value), case)


# -- Retry-After ---------------------------------------------------------------------------------

TOP_UP = next(c for c in CASES if c.name == "top_up_in_progress")


def _raised(gw, reply: Reply, **call) -> BaseException:
    gw.script(reply)
    with pytest.raises(Exception) as info:
        litellm.completion(**{**TOP_UP.call, **call}, api_base=gw.api_base)
    return info.value


def test_retry_after_travels_on_the_exception_and_litellm_reads_it(gw):
    exc = _raised(gw, Reply(status=503, body=TOP_UP.body, headers={"Retry-After": "5", "X-Other": "dropped"}))
    assert exc.response.headers["retry-after"] == "5"
    assert exc.litellm_response_headers["retry-after"] == "5"
    assert _get_retry_after_from_exception_header(_get_response_headers(exc)) == 5
    assert 5 <= calculate_retry_after(remaining_retries=1, max_retries=1, response_headers=exc.response.headers) <= 6
    assert "x-other" not in exc.response.headers
    request_headers = {k.lower() for k in exc.response.request.headers}
    assert "authorization" not in request_headers and KEY not in repr(exc.response.request.headers)


def test_retry_after_ms_alone_becomes_a_retry_after_litellm_understands(gw):
    exc = _raised(gw, Reply(status=429, body=b'{"error":"Too many requests"}', headers={"retry-after-ms": "1500"}))
    assert type(exc) is litellm.RateLimitError
    assert exc.response.headers["retry-after-ms"] == "1500"
    assert _get_retry_after_from_exception_header(exc.response.headers) == math.ceil(1.5)


@pytest.mark.slow
def test_a_router_waits_as_long_as_retry_after_says(gw):
    """``top_up_in_progress`` with ``Retry-After: 3``: the one retry waits that long, then succeeds.

    Without the header LiteLLM's backoff before this retry is at most 0.5 * 2 ** 1 s plus 0.75 s of
    jitter (about 1.1 s measured), so a gap of 3 s is the header's doing.
    """
    router = litellm.Router(
        model_list=[{"model_name": "paid", "litellm_params": {"model": PAID, "api_key": KEY, "api_base": gw.api_base}}],
        num_retries=1,
    )
    gw.script(Reply(status=503, body=TOP_UP.body, headers={"Retry-After": "3"}))
    resp = router.completion(model="paid", messages=MESSAGES)
    assert resp.choices[0].message.content
    first, second = gw.chat_requests[-2:]
    assert second.at - first.at >= 3.0


# -- a rejected key ------------------------------------------------------------------------------

INVALID_TOKEN = next(c for c in CASES if c.name == "authentication_required")


@pytest.mark.parametrize("stream", [False, True], ids=["nonstream", "stream"])
def test_a_rejected_key_says_so_and_never_asks_to_set_the_key(gw, stream):
    gw.script(Reply(status=401, body=INVALID_TOKEN.body, headers=INVALID_TOKEN.headers, stream=False))
    with pytest.raises(litellm.AuthenticationError) as info:
        list(litellm.completion(**INVALID_TOKEN.call, api_base=gw.api_base, stream=stream))
    message = str(info.value)
    assert "rejected" in message and "invalid or expired" in message and SIGN_UP_URL in message
    assert "set KILO_API_KEY" not in message
    assert KEY not in message
    assert info.value.response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_a_refused_anonymous_call_says_it_was_anonymous(gw):
    gw.script(Reply(status=401, body=INVALID_TOKEN.body, headers=INVALID_TOKEN.headers))
    with pytest.raises(litellm.AuthenticationError) as info:
        litellm.completion(model=FREE, messages=MESSAGES, api_base=gw.api_base)
    assert "refused an anonymous call" in str(info.value)
    assert "KILO_API_KEY" in str(info.value)


def test_a_paid_model_refused_although_a_key_was_sent_does_not_ask_to_set_the_key(gw):
    paid_auth = next(c for c in CASES if c.name == "paid_model_auth_required")
    gw.script(Reply(status=401, body=paid_auth.body))
    with pytest.raises(litellm.AuthenticationError) as info:
        litellm.completion(model=PAID, messages=MESSAGES, api_key=KEY, api_base=gw.api_base)
    assert "did not take the key that was sent" in str(info.value)
    assert "set KILO_API_KEY" not in str(info.value) and KEY not in str(info.value)


def test_a_router_does_not_retry_a_rejected_key(gw):
    router = litellm.Router(
        model_list=[{"model_name": "paid", "litellm_params": {"model": PAID, "api_key": KEY, "api_base": gw.api_base}}],
        num_retries=2,
    )
    gw.script(*[Reply(status=401, body=INVALID_TOKEN.body, headers=INVALID_TOKEN.headers)] * 3)
    with pytest.raises(litellm.AuthenticationError):
        router.completion(model="paid", messages=MESSAGES)
    assert len(gw.chat_requests) == 1


# -- a retired model -----------------------------------------------------------------------------


@pytest.fixture
def retired():
    """A catalog in which ``kilo/old-free`` names a gateway id that lost its free status."""
    before = catalog.active()
    gone = ModelEntry(gateway_id="vendor/old:free", aliases=("old-free",), free=True, retired=True, successor=None)
    catalog.install(Catalog(models=(*before.models, gone)))
    yield "kilo/old-free"
    catalog.install(None if before is catalog.bundled() else before)


PAID_AUTH = next(c for c in CASES if c.name == "paid_model_auth_required")
GONE = [PAID_AUTH] + [c for c in CASES if c.name in ("model_not_found", "discontinued_free_model")]


@pytest.mark.parametrize("case", GONE, ids=[c.name for c in GONE])
def test_a_retired_model_the_gateway_refuses_is_not_found_naming_the_stable_free_model(gw, retired, case):
    gw.script(Reply(status=case.status, body=case.body))
    with pytest.raises(litellm.NotFoundError) as info:
        litellm.completion(model=retired, messages=MESSAGES, api_base=gw.api_base)
    assert info.value.status_code == 404
    assert "'vendor/old:free' has been retired by Kilo" in str(info.value)
    assert "kilo/kilo-auto/free is Kilo's stable free model" in str(info.value)
    assert gw.chat_requests[-1].model == "vendor/old:free"


def test_a_retired_alias_with_a_successor_names_both(gw, retired):
    before = catalog.active()
    entries = [m.model_copy(update={"successor": "kilo/kilo-auto/free"}) if m.retired else m for m in before.models]
    catalog.install(Catalog(models=tuple(entries)))
    gw.script(Reply(status=404, body=next(c for c in CASES if c.name == "model_not_found").body))
    with pytest.raises(litellm.NotFoundError, match="has been retired by Kilo; use kilo/kilo-auto/free"):
        litellm.completion(model=retired, messages=MESSAGES, api_base=gw.api_base)


def test_the_errors_page_documents_the_table():
    """Every ``error_type`` has a row in the errors page's table naming the class it is raised as."""
    readme = (Path(__file__).resolve().parent.parent / "docs" / "errors.md").read_text(encoding="utf-8")
    documented = {}
    for line in readme.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0].startswith("`"):
            for name in re.findall(r"`([a-z_]+)`", cells[0]):
                documented[name] = cells[1].strip("`")
    for name, entry in ERROR_TYPES.items():
        raised = class_name(entry)
        if entry.cls is PAYMENT_REQUIRED:
            raised = "litellm.PaymentRequiredError"
        assert documented.get(name) == raised, name


OLDER = [
    (
        "byok-401-without-error-type",
        401,
        b'{"error":"[BYOK] Your API key is invalid or has been revoked. Please check your API key configuration.",'
        b'"message":"[BYOK] Your API key is invalid or has been revoked. Please check your API key configuration."}',
        litellm.AuthenticationError,
        "own key (BYOK)",
    ),
    (
        "402-with-its-own-buy-credits-url",
        402,
        b'{"error":{"title":"Low Credit Warning!","message":"Add credits to continue, or switch to a free model",'
        b'"balance":-0.01,"buyCreditsUrl":"https://app.kilo.ai/organizations/org-1/billing"}}',
        PAYMENT_REQUIRED,
        "buy credits at https://app.kilo.ai/organizations/org-1/billing",
    ),
]


@pytest.mark.parametrize("case", OLDER, ids=[c[0] for c in OLDER])
def test_older_bodies_without_error_type_get_the_same_advice(gw, case):
    _, status, body, cls, phrase = case
    gw.script(Reply(status=status, body=body))
    with pytest.raises(cls) as info:
        litellm.completion(model=PAID, messages=MESSAGES, api_key=KEY, api_base=gw.api_base)
    assert phrase in str(info.value)
    assert "rejected the Kilo API key" not in str(info.value)
