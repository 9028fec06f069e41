"""The gateway's ``error_type`` values → the ``litellm`` class and the hint a caller sees (pure data).

Since 2026-04 every error the gateway builds itself carries a top-level ``error_type``
(docs/gateway-contract.md, "Errors"); an in-band stream error names its kind in ``error.type``
(``upstream_disconnect``, ``timeout``; "Streams" there). The type says what happened more reliably
than the status: the anonymous daily cap is a 401 but a limit, ``model_not_allowed`` comes as 404 or
503, a context overflow keeps the upstream's status (even 500). So a known type decides the class;
``None`` means the gateway uses that type with several statuses and the status decides. Unknown
types fall back to the status.

One type needs both: ``model_not_allowed`` is a 404 (the organisation's allow-list lacks the model)
or a 503 (its policy leaves ``kilo-auto/balanced``/``efficient`` no model for this request).
The 503 is not transient: the same request meets the same policy. A 5xx would make LiteLLM retry
it (``num_retries``, a Router's retries, the OpenAI SDK in front of a proxy) and a Router cool the
deployment down, taking it away from the requests the policy does allow. So ``if_5xx`` raises it
as ``litellm.BadRequestError`` (status 400): LiteLLM retries no 400 and cools no deployment down for
one, and a Router still falls back on it, to another model the organisation may allow (unless the
Router has ``fallback_on_unsupported_params=False``, which keeps every provider 400 from falling
back). The 404 stays a ``NotFoundError``: not retried, and a deployment whose key may never use
the model is cooled down like any 404.

Hints are ``str.format`` templates over ``env`` (the key variable), ``sign_up``, ``buy`` (the
buy-credits URL), ``free`` (free models to use instead) and ``stable_free`` (Kilo's stable free
model). A few hints depend on the call (was a real key sent, is the model retired); :mod:`errors`
builds those and uses the template here for the rest.
"""

from __future__ import annotations

from typing import NamedTuple

import litellm

from kilo_litellm.config.settings import LOGIN_COMMAND, PROVIDER
from kilo_litellm.models.catalog import FREE_AUTO
from kilo_litellm.models.fim import FIM_MODELS

STABLE_FREE_MODEL = f"{PROVIDER}/{FREE_AUTO}"

PAYMENT_REQUIRED: type[Exception] = getattr(litellm, "PaymentRequiredError", None) or litellm.BadRequestError


class ErrorType(NamedTuple):
    """What one ``error_type`` becomes: the class (``None``: by HTTP status) and the hint template;
    ``if_5xx`` is the class instead of the status's when the gateway sends it with a 5xx status."""

    cls: type[Exception] | None
    hint: str
    if_5xx: type[Exception] | None = None


_RETRY = "retrying or falling back to another model usually helps."
_NOT_FOUND = "Current free models: {free}."
_OUT_OF_CREDITS = "Out of credits: buy credits at {buy}, or switch to a free model ({free})."

ERROR_TYPES: dict[str, ErrorType] = {
    "invalid_path": ErrorType(
        litellm.BadRequestError,
        "The gateway serves /chat/completions only: check that api_base ends in /api/gateway "
        "(or in /api/v1 on https://ai-gateway.kilo.ai).",
    ),
    "invalid_request": ErrorType(
        litellm.BadRequestError,
        "The gateway could not read the request body; if the request looks right, report it as a kilo-litellm bug.",
    ),
    "temporarily_unavailable": ErrorType(
        litellm.ServiceUnavailableError, "The gateway is briefly unavailable: " + _RETRY
    ),
    "usage_limit_exceeded": ErrorType(PAYMENT_REQUIRED, _OUT_OF_CREDITS),
    "insufficient_credits": ErrorType(PAYMENT_REQUIRED, _OUT_OF_CREDITS),
    "data_collection_required": ErrorType(
        litellm.BadRequestError,
        'Free models need data collection allowed: drop provider.data_collection: "deny" from the request '
        "(or the organisation's setting), or use a paid model.",
    ),
    "api_kind_not_supported": ErrorType(
        litellm.BadRequestError,
        "kilo-litellm calls the chat completions API, which this model does not serve{kinds}: "
        "choose another model (e.g. {stable_free}).",
    ),
    "byok_error": ErrorType(
        None,
        "The error comes from the provider account behind your own key (BYOK) configured in Kilo: "
        "check that key, its permissions and its billing at {sign_up}.",
    ),
    "context_length_exceeded": ErrorType(
        litellm.ContextWindowExceededError,
        "Shorten the messages or lower max_tokens, or use a model with a larger context window "
        "(a Router's context_window_fallbacks do this for you).",
    ),
    "model_not_allowed": ErrorType(
        None,
        "Your organisation's model policy does not allow this model here (for kilo-auto: no model it could route "
        "this request to): choose another model or ask an organisation admin; retrying the same request does not "
        "help.",
        if_5xx=litellm.BadRequestError,
    ),
    "model_not_found": ErrorType(litellm.NotFoundError, _NOT_FOUND),
    "unavailable_model": ErrorType(litellm.NotFoundError, _NOT_FOUND),
    "discontinued_free_model": ErrorType(litellm.NotFoundError, _NOT_FOUND),
    "unsupported_field": ErrorType(
        litellm.BadRequestError,
        "Remove the field the gateway names: send OpenRouter routing options as provider= (not providerOptions), "
        "and do not send store or previous_response_id.",
    ),
    "authentication_required": ErrorType(litellm.AuthenticationError, "The gateway did not accept the key."),
    "missing_client_ip": ErrorType(
        litellm.BadRequestError,
        "The gateway could not tell the caller's IP address, which its free-model limits need: a proxy in "
        "between must forward the client address.",
    ),
    "rate_limit_exceeded": ErrorType(
        litellm.RateLimitError,
        '"Model usage limit reached" is the limit of 200 requests per hour per IP on Kilo\'s rate-limited '
        'exclusive models (not kilo-auto/free or :free ids); "Too many requests" is the per-account cap on '
        "every request. Wait for Retry-After when sent, or fall back to another model (e.g. with a LiteLLM Router).",
    ),
    "paid_model_auth_required": ErrorType(
        litellm.AuthenticationError,
        f"This is a paid model: run `{LOGIN_COMMAND}`, or set {{env}} (or pass api_key=) to a Kilo API key "
        "from {sign_up}, or use a free model ({free}).",
    ),
    "promotion_limit_reached": ErrorType(
        litellm.RateLimitError,
        "Anonymous use of this rate-limited free model from this IP is used up for today (10,000 requests "
        "per 24 h without a key, on Kilo's rate-limited exclusive models only): sign up at {sign_up} and set "
        "{env} (free models stay free with a key), or use another free model such as {stable_free}.",
    ),
    "provider_not_allowed": ErrorType(
        None,
        "The provider routing settings (provider.only / provider.ignore, or your organisation's) exclude "
        "every provider of this model: widen them or choose another model.",
    ),
    "unsupported_fim_model": ErrorType(
        litellm.BadRequestError,
        "Fill-in-the-middle (text_completion with a suffix) is served for "
        + ", ".join(f"{PROVIDER}/{m}" for m in FIM_MODELS)
        + " only (`kilo-litellm models` marks them fim); use one of them, or drop the suffix for a chat model.",
    ),
    "byok_key_required": ErrorType(
        litellm.BadRequestError,
        "This model is served only with your own provider key (BYOK): add one at {sign_up}, or choose another model.",
    ),
    "upstream_error": ErrorType(None, "The model's provider failed; " + _RETRY),
    "no_free_models_available": ErrorType(
        litellm.ServiceUnavailableError,
        "Kilo's free pool behind {stable_free} is empty right now: retry later, or use a paid model "
        "(e.g. kilo/kilo-auto/balanced) with {env}.",
    ),
    "organization_auto_configuration": ErrorType(
        litellm.BadRequestError,
        "kilo-auto/org is not set up for your organisation: choose a concrete model, or ask an "
        "organisation admin to configure Organization Auto.",
    ),
    "upstream_disconnect": ErrorType(
        litellm.ServiceUnavailableError, "The provider's connection broke before the answer was complete; " + _RETRY
    ),
    "client_disconnect": ErrorType(
        litellm.APIConnectionError, "The gateway saw the connection close before the answer was complete: retry."
    ),
    "top_up_in_progress": ErrorType(
        litellm.ServiceUnavailableError, "A credit top-up is being processed: retry after the Retry-After delay."
    ),
    "refusal_cooldown": ErrorType(
        litellm.RateLimitError,
        "The gateway refuses this client for a while after repeated refusals: wait (Retry-After, when sent) "
        "or fall back to another model.",
    ),
    "upgrade_required": ErrorType(
        litellm.BadRequestError,
        "The gateway asks for a newer client: upgrade kilo-litellm (pip install -U kilo-litellm).",
    ),
    "account_restricted": ErrorType(
        litellm.PermissionDeniedError,
        "Kilo has restricted this account, so it cannot make requests for now: contact Kilo support. Retrying "
        "does not help.",
    ),
    "abuse_blocked": ErrorType(
        litellm.PermissionDeniedError,
        "The gateway's abuse prevention blocked this request; contact Kilo support if that is a mistake.",
    ),
    "timeout": ErrorType(litellm.Timeout, "The provider did not answer in time; " + _RETRY),
}
"""Every ``error_type`` of the gateway (and the in-band stream ``timeout``) → class and hint."""

CODE_TYPES: dict[str, str] = {
    "INVALID_TOKEN": "authentication_required",
    "PAID_MODEL_AUTH_REQUIRED": "paid_model_auth_required",
    "PROMOTION_MODEL_LIMIT_REACHED": "promotion_limit_reached",
}
"""Nested ``error.code`` values that name an ``error_type``, for bodies from before ``error_type`` existed."""


def class_name(entry: ErrorType) -> str:
    """How the README names the class of one entry."""
    if entry.cls is not None:
        return f"litellm.{entry.cls.__name__}"
    if entry.if_5xx is not None:
        return f"by HTTP status; a 5xx as litellm.{entry.if_5xx.__name__}"
    return "by HTTP status"
