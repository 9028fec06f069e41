"""Gateway error bodies → ``litellm.*`` exceptions with a message that says what to do (pure).

The gateway answers errors in three shapes (docs/gateway-contract.md, "Errors"):

* flat, from the gateway itself: ``{"error": "Rate limit exceeded", "message": "Free model ..."}``
* nested, from the gateway itself: ``{"error": {"code": "PAID_MODEL_AUTH_REQUIRED", "message": ...}}``
  or the 402 ``{"error": {"title", "message", "balance", "buyCreditsUrl"}}``
* OpenRouter's, passed through: ``{"error": {"message", "code": 500, "metadata"}, "user_id"}``,
  also sent *inside* a 200 stream as an SSE event.

Since 2026-04 the gateway's own bodies also carry a top-level ``error_type``, and an in-band
stream error names its kind in ``error.type`` (docs/gateway-contract.md, "Errors", "Streams"); a known type decides the
class and the hint (:mod:`error_types`), else the status does. Some answers carry ``Retry-After``
(``top_up_in_progress``, the abuse layer's 429s); it is kept on the exception's ``response`` so a
LiteLLM Router waits and cools down for as long as the gateway asked. LiteLLM maps only its own
exception classes well (a raw ``httpx.HTTPStatusError`` becomes an ``APIConnectionError`` that the
Router never cools down), so every error leaves here as the matching ``litellm`` class, with the
gateway's status, code, type and metadata kept on it as ``status_code``, ``kilo_code``,
``kilo_error_type`` and ``kilo_metadata``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import litellm

from kilo_litellm.config import urls
from kilo_litellm.config.settings import (
    AI_GATEWAY_API_BASE,
    BUY_CREDITS_URL,
    DEFAULT_API_BASE,
    ENV_API_BASE,
    ENV_API_KEY,
    LOGIN_COMMAND,
    PROVIDER,
    SIGN_UP_URL,
)
from kilo_litellm.models import catalog
from kilo_litellm.provider import limit_windows, litellm_internals
from kilo_litellm.provider.error_types import CODE_TYPES, ERROR_TYPES, PAYMENT_REQUIRED, STABLE_FREE_MODEL

_CONTEXT_MARKERS = ("maximum context length", "context length", "context_length_exceeded", "too many tokens")


@dataclass(frozen=True)
class GatewayError:
    """One error as the gateway reported it, whatever its shape."""

    status: int
    message: str
    code: str | int | None = None
    title: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    buy_credits_url: str | None = None
    error_type: str | None = None


def parse(status: int, body: bytes | str | Mapping[str, Any] | None) -> GatewayError:
    """Read any of the gateway's error shapes; an unreadable body keeps its text as the message."""
    data: Any = body
    if isinstance(body, (bytes, bytearray)):
        body = body.decode("utf-8", errors="replace")
    if isinstance(body, str):
        try:
            data = json.loads(body)
        except ValueError:
            text = body.strip()
            return GatewayError(status=status, message=text[:500] or f"HTTP {status} with an empty body")
    if not isinstance(data, Mapping):
        return GatewayError(status=status, message=f"HTTP {status}: {str(data)[:500]}")
    err = data.get("error")
    error_type = data.get("error_type")
    if not isinstance(error_type, str) and isinstance(err, Mapping) and isinstance(err.get("type"), str):
        error_type = err["type"]
    error_type = error_type if isinstance(error_type, str) else None
    if error_type is None and isinstance(err, str) and err in ERROR_TYPES:
        error_type = err  # the FIM route's flat bodies name the type in "error" (426 upgrade_required)
    if isinstance(err, Mapping):
        meta = err.get("metadata") if isinstance(err.get("metadata"), Mapping) else {}
        message = str(err.get("message") or err.get("title") or f"HTTP {status}")
        return GatewayError(
            status=status,
            message=message,
            code=err.get("code"),
            title=err.get("title"),
            metadata=dict(meta or {}),
            buy_credits_url=err.get("buyCreditsUrl"),
            error_type=error_type,
        )
    message = data.get("message") or err or f"HTTP {status}"
    if isinstance(err, str) and isinstance(data.get("message"), str) and err != data["message"]:
        message = f"{err}: {data['message']}"
    return GatewayError(status=status, message=str(message), error_type=error_type)


def _status_of(error: GatewayError) -> int:
    """In-band stream errors carry their status as ``error.code`` inside an HTTP 200."""
    if error.status == 200 and isinstance(error.code, int):
        return error.code
    return error.status


def _type_of(error: GatewayError) -> str | None:
    """The known ``error_type`` of this error, or the one an older body implies (its code, a BYOK message)."""
    if error.error_type in ERROR_TYPES:
        return error.error_type
    if error.message.startswith("[BYOK]"):
        return "byok_error"
    return CODE_TYPES.get(str(error.code or ""))


def _free_models() -> str:
    free = catalog.current_free_models()
    return ", ".join([STABLE_FREE_MODEL, *(name for name in free if name != STABLE_FREE_MODEL)])


def _retired(entry: catalog.ModelEntry) -> str:
    instead = f"; use {entry.successor}" if entry.successor else ""
    return (
        f"'{entry.gateway_id}' has been retired by Kilo{instead}. {STABLE_FREE_MODEL} is Kilo's stable free model. "
        f"Current free models: {_free_models()}."
    )


STORED_SIGN_IN_REJECTED = (
    f"The gateway rejected your stored Kilo sign-in (expired or revoked): run `{LOGIN_COMMAND}` again "
    f"(or set {ENV_API_KEY} to a key from {SIGN_UP_URL})."
)


def _auth_hint(has_real_key: bool | None, stored_sign_in: bool = False) -> str:
    """A 401 for the key itself: whether one was sent, and whether it was the stored sign-in, decides
    what the caller can do."""
    if has_real_key and stored_sign_in:
        return STORED_SIGN_IN_REJECTED
    if has_real_key:
        return (
            f"The gateway rejected the Kilo API key that was sent (invalid or expired): get a new one at {SIGN_UP_URL}."
        )
    if has_real_key is False:
        return (
            "The gateway refused an anonymous call (no Kilo API key was sent): "
            f"set {ENV_API_KEY} (or pass api_key=) to a key from {SIGN_UP_URL}."
        )
    return f"The gateway did not accept the key: check {ENV_API_KEY} (keys come from {SIGN_UP_URL})."


def _kinds(message: str) -> str:
    """The API kinds the gateway says the model supports (``... please use any of: <kinds>``)."""
    _, found, kinds = message.partition("use any of:")
    return f" (it supports: {kinds.strip()})" if found and kinds.strip() else ""


def _link(message: str) -> str | None:
    """The first https link in the gateway's message (trailing punctuation dropped), if any."""
    found = _LINK.search(message)
    return found.group(0).rstrip(".,;:)") if found else None


_LINK = re.compile(r"https://[^\s\"'<>]+")


def _template(error_type: str, error: GatewayError, has_real_key: bool | None, stored_sign_in: bool = False) -> str:
    if error_type == "authentication_required":
        return _auth_hint(has_real_key, stored_sign_in)
    if error_type == "byok_error" and (link := _link(error.message)):
        return (
            f"The provider connection behind your own key (BYOK) in Kilo needs to be reconnected at {link}, "
            "or choose a different model."
        )
    if error_type == "paid_model_auth_required" and has_real_key and stored_sign_in:
        return STORED_SIGN_IN_REJECTED
    if error_type == "paid_model_auth_required" and has_real_key:
        return (
            "This is a paid model and the gateway did not take the key that was sent as signed in: "
            f"check the key passed as api_key= or in {ENV_API_KEY} (keys come from {SIGN_UP_URL})."
        )
    return ERROR_TYPES[error_type].hint.format(
        env=ENV_API_KEY,
        sign_up=SIGN_UP_URL,
        buy=error.buy_credits_url or BUY_CREDITS_URL,
        free=_free_models(),
        stable_free=STABLE_FREE_MODEL,
        kinds=_kinds(error.message),
    )


STATUS_OVERRIDES: dict[int, type[Exception]] = {422: litellm.UnprocessableEntityError}
"""Where Kilo's class differs from LiteLLM's own for a status: a 422 is the upstream refusing the
request's content, which LiteLLM has a class for but gives a custom provider as a plain 400."""
SERVER_ERROR = litellm.InternalServerError
"""A 5xx LiteLLM names no class for (it gives ``APIError``): the gateway or its upstream failed, as a
500 says, and a Router's fallbacks and cooldowns treat it so."""
CONTEXT_OVERFLOW_FROM = (
    litellm.BadRequestError,
    litellm.UnprocessableEntityError,
    litellm.InternalServerError,
    litellm.BadGatewayError,
    litellm.ServiceUnavailableError,
)
"""The classes a message about the context length turns into ``ContextWindowExceededError``: an
upstream reports an overflow with a 400, a 422 or a 5xx, never as an auth, payment, limit or timeout."""


def _by_status(status: int, message: str) -> type[Exception]:
    """The class for an error whose type is unknown (or used with several statuses): LiteLLM's own for
    the HTTP status (:func:`litellm_internals.status_class`), with Kilo's overrides above."""
    cls = STATUS_OVERRIDES.get(status) or litellm_internals.status_class(status)
    if cls is None:
        cls = SERVER_ERROR if status >= 500 else litellm.BadRequestError
    elif cls is litellm.APIError and status >= 500:
        cls = SERVER_ERROR
    if cls in CONTEXT_OVERFLOW_FROM and any(marker in message.lower() for marker in _CONTEXT_MARKERS):
        return litellm.ContextWindowExceededError
    return cls


def _status_hint(error: GatewayError, status: int, has_real_key: bool | None, stored_sign_in: bool = False) -> str:
    """The hint for an error without a known ``error_type``."""
    if status == 402:
        return _template("usage_limit_exceeded", error, has_real_key)
    if status == 404:
        return f"Current free models: {_free_models()}."
    if status == 429:
        return ERROR_TYPES["rate_limit_exceeded"].hint.format(env=ENV_API_KEY)
    if status == 401:
        return _auth_hint(has_real_key, stored_sign_in)
    if status == 403:
        return "Your key or organisation may not use this model."
    if status >= 500:
        return "The gateway or its upstream failed; retrying or falling back to another model usually helps."
    return ""


_POLICY_CODES = ("content_policy_violation", "invalid_prompt")
_POLICY_PHRASES = ("rejected as a result of our safety system", "violating our usage policy")


def refused_content(error: GatewayError) -> bool:
    """Whether the model's provider refused the request's content, as the gateway passes it through.

    OpenAI's own 400 (``code`` ``content_policy_violation`` or ``invalid_prompt``: "Invalid prompt:
    your prompt was flagged as potentially violating our usage policy"), OpenAI's refusal wrapped by
    OpenRouter (400, ``metadata.raw`` naming ``content_policy_violation``, "rejected as a result of
    our safety system") and OpenRouter's moderation 403 ("Your input was flagged", with
    ``metadata.flagged_input`` or ``reasons``). Every other 400 and 403 is not one.
    """
    status = _status_of(error)
    if status not in (400, 403):
        return False
    message = error.message.lower()
    raw = error.metadata.get("raw")
    if str(error.code or "").lower() in _POLICY_CODES:
        return True
    if isinstance(raw, str) and any(code in raw.lower() for code in _POLICY_CODES):
        return True
    if status == 403:
        flagged = "flagged_input" in error.metadata or "reasons" in error.metadata
        return flagged and "flagged" in message
    return any(phrase in message for phrase in _POLICY_PHRASES)


CONTENT_POLICY_HINT = (
    "The model's provider refused the request under its content policy; nothing is gained by retrying it "
    "unchanged. A Router's (or the proxy's) content_policy_fallbacks try another model."
)


def classify(
    error: GatewayError,
    entry: catalog.ModelEntry | None = None,
    has_real_key: bool | None = None,
    stored_sign_in: bool = False,
) -> tuple[type[Exception], int, str]:
    """The ``litellm`` class, the ``status_code`` and the hint for one gateway error.

    A known ``error_type`` (or the older code that implies one) decides class and hint. A model the
    catalog marks retired that the gateway refuses (404, or the 401 a former free id earns) is a
    ``NotFoundError`` naming what to use instead. The status is the gateway's, unless the class
    says otherwise: the anonymous daily cap (401) is a 429, so a LiteLLM proxy does not answer its
    own client "401, your key is wrong"; a context overflow is a 400 whatever status the upstream sent.
    """
    status = _status_of(error)
    error_type = _type_of(error)
    refused = status == 404 or error_type in ("paid_model_auth_required", *_GONE)
    if entry is not None and entry.retired and refused:
        return litellm.NotFoundError, 404, _retired(entry)
    if refused_content(error):
        return litellm.ContentPolicyViolationError, 400, CONTENT_POLICY_HINT
    by_status = _by_status(status, error.message)
    if error_type is None:
        cls, hint = by_status, _status_hint(error, status, has_real_key, stored_sign_in)
    else:
        known = ERROR_TYPES[error_type]
        cls = known.cls or (known.if_5xx if known.if_5xx is not None and status >= 500 else by_status)
        hint = _template(error_type, error, has_real_key, stored_sign_in)
    if cls is not by_status or cls is litellm.ContextWindowExceededError:
        status = _CANONICAL_STATUS.get(cls, status)
    if entry is not None and _unserved(status, error_type, entry):
        hint = catalog.did_you_mean(entry.gateway_id) + hint
    return cls, status, hint


def _unserved(status: int, error_type: str | None, entry: catalog.ModelEntry) -> bool:
    """The gateway does not serve this id: its 404 ``model_not_found`` (or a bare 404), or the 401
    a paid model earns for an id no ``/models`` list has (a typo is sent, and answered so)."""
    if error_type == "model_not_found" or (status == 404 and error_type is None):
        return True
    return error_type == "paid_model_auth_required" and not entry.listed


_GONE = ("model_not_found", "unavailable_model", "discontinued_free_model")

_CANONICAL_STATUS: dict[type[Exception], int] = {
    litellm.BadRequestError: 400,
    litellm.ContextWindowExceededError: 400,
    litellm.AuthenticationError: 401,
    PAYMENT_REQUIRED: 402,
    litellm.PermissionDeniedError: 403,
    litellm.NotFoundError: 404,
    litellm.Timeout: 408,
    litellm.RateLimitError: 429,
    litellm.APIConnectionError: 500,
    litellm.ServiceUnavailableError: 503,
}

RETRY_HEADERS = ("retry-after", "retry-after-ms", "www-authenticate")


def response_headers(headers: Mapping[str, str] | None) -> dict[str, str]:
    """The gateway's response headers worth keeping on the exception: only the retry hints.

    LiteLLM reads ``retry-after`` (seconds or a date) for a Router's backoff and cooldown, not
    ``retry-after-ms``; when only the latter came, a ``retry-after`` in whole seconds is added.
    """
    if not headers:
        return {}
    lowered = {str(k).lower(): str(v) for k, v in headers.items()}
    kept = {name: lowered[name] for name in RETRY_HEADERS if name in lowered}
    if "retry-after" not in kept and "retry-after-ms" in kept:
        try:
            kept["retry-after"] = str(max(1, math.ceil(float(kept["retry-after-ms"]) / 1000)))
        except ValueError:
            pass
    return kept


def _response(status: int, url: str, headers: Mapping[str, str] | None = None) -> httpx.Response:
    """A response for the exception that carries no request headers, so no key can leak through it."""
    return httpx.Response(status_code=status, headers=response_headers(headers), request=httpx.Request("POST", url))


def to_exception(
    error: GatewayError,
    *,
    model: str,
    entry: catalog.ModelEntry | None = None,
    url: str = urls.endpoint(DEFAULT_API_BASE, "chat/completions"),
    has_real_key: bool | None = None,
    headers: Mapping[str, str] | None = None,
    stored_sign_in: bool = False,
) -> Exception:
    """The ``litellm`` exception a caller should see for this gateway error.

    ``has_real_key`` (was a real key sent?) and ``stored_sign_in`` (was it the token ``kilo-litellm
    login`` stored?) choose the advice for a refused key; ``headers`` are the
    gateway's response headers, of which only the retry hints are kept (see :func:`response_headers`);
    a rate limit of the gateway's rate-limited models without one gets its window as ``retry-after``
    (:mod:`limit_windows`).
    """
    cls, status, hint = classify(error, entry, has_real_key, stored_sign_in)
    message = f"KiloException - {error.message}" + (f" {hint}" if hint else "")
    kw: dict[str, Any] = {"message": message, "model": model, "llm_provider": PROVIDER}
    kept = response_headers(headers)
    if cls is litellm.RateLimitError:
        kept = limit_windows.retry_headers(kept, _type_of(error), error.message)
    response = _response(status, url, kept)
    exc: Exception
    if cls is litellm.Timeout:
        exc = litellm.Timeout(exception_status_code=status, **kw)
    elif cls is litellm.APIConnectionError:
        exc = litellm.APIConnectionError(request=response.request, **kw)
    else:
        exc = cls(response=response, **kw)
        litellm_internals.keep_response_headers(exc, response.headers)
    exc.status_code = status  # type: ignore[attr-defined]
    exc.kilo_code = error.code  # type: ignore[attr-defined]
    exc.kilo_error_type = error.error_type  # type: ignore[attr-defined]
    exc.kilo_metadata = dict(error.metadata)  # type: ignore[attr-defined]
    return exc


def auth_required(model: str, detail: str | None = None) -> litellm.AuthenticationError:
    """Raised before sending: a paid model with no key would only earn the gateway's 401."""
    return litellm.AuthenticationError(
        message=f"KiloException - {detail}"
        if detail
        else (
            f"KiloException - '{model}' is a paid model and no Kilo API key is set. Run `{LOGIN_COMMAND}`, "
            f"or set {ENV_API_KEY} (or pass api_key=) to a key from {SIGN_UP_URL}, or use a free model: "
            f"{', '.join(catalog.current_free_models())}."
        ),
        model=model,
        llm_provider=PROVIDER,
    )


def retired(model: str, entry: catalog.ModelEntry) -> litellm.NotFoundError:
    """A model the catalog marks retired, named with what to use instead."""
    return litellm.NotFoundError(message=f"KiloException - {_retired(entry)}", model=model, llm_provider=PROVIDER)


def unknown_model(model: str, reason: str) -> litellm.NotFoundError:
    return litellm.NotFoundError(message=f"KiloException - {reason}", model=model, llm_provider=PROVIDER)


def bad_request(model: str, detail: str) -> litellm.BadRequestError:
    """The caller's request is wrong in a way the gateway would not report clearly; nothing was sent."""
    return litellm.BadRequestError(message=f"KiloException - {detail}", model=model, llm_provider=PROVIDER)


def bad_response(model: str, detail: str) -> litellm.APIError:
    """The gateway answered 200 with something that is not a chat completion."""
    return litellm.APIError(
        status_code=502,
        message=f"KiloException - the gateway sent an unreadable response: {detail}",
        llm_provider=PROVIDER,
        model=model,
    )


def shown_url(url: str | None) -> str:
    """``url`` as a message may show it: without user info or query, where a credential could sit."""
    if not url:
        return "the gateway"
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        return "the gateway"
    return str(parsed.copy_with(userinfo=b"", query=None, fragment=None))


def timeout(model: str, seconds: float | None, detail: str = "", url: str | None = None) -> litellm.Timeout:
    where = f" at {shown_url(url)}" if url else ""
    return litellm.Timeout(
        message=f"KiloException - no answer from the gateway{where} within {seconds} s. {detail}".strip(),
        model=model,
        llm_provider=PROVIDER,
    )


def connection(model: str, detail: str, url: str | None = None) -> litellm.APIConnectionError:
    """The gateway could not be reached (or the connection broke): the message names the URL that was
    tried, so a wrong ``api_base`` shows at once; never the key, which travels in a header."""
    where = f" at {shown_url(url)}" if url else ""
    return litellm.APIConnectionError(
        message=f"KiloException - could not reach the gateway{where}: {detail}",
        model=model,
        llm_provider=PROVIDER,
        request=httpx.Request("POST", shown_url(url)) if url else None,
    )


GATEWAY_OFFERS = (
    "The Kilo gateway offers chat completions (litellm.completion), fill-in-the-middle (litellm.text_completion "
    "with a suffix) and embeddings (litellm.embedding); "
    "through the LiteLLM proxy, /v1/messages and /v1/responses work too (they are bridged to chat completions)."
)


def unsupported_endpoint(kind: str, model: str) -> litellm.BadRequestError:
    """A LiteLLM API the gateway has no route for: refused before sending, as a 400 that is never retried."""
    return litellm.BadRequestError(
        message=f"KiloException - the Kilo gateway has no {kind} API. {GATEWAY_OFFERS}",
        model=model,
        llm_provider=PROVIDER,
    )


def _looks_like_html(body: bytes | str) -> bool:
    head = (body.decode("utf-8", errors="replace") if isinstance(body, (bytes, bytearray)) else body)[:200]
    return head.lstrip().lower().startswith(("<!doctype html", "<html", "<head", "<body"))


def wrong_url(status: int, body: bytes | str, *, model: str, url: str) -> litellm.NotFoundError | None:
    """A 404/405 web page instead of the gateway's JSON: the ``api_base`` points somewhere else.

    The gateway answers every error of its own with JSON, so an HTML "not found" page means the
    request never reached it; saying "model not found" then would send the user the wrong way.
    """
    if status not in (404, 405) or not _looks_like_html(body):
        return None
    exc = litellm.NotFoundError(
        message=(
            f"KiloException - the gateway URL looks wrong: {url} answered an HTML {status}; "
            f"api_base should be like {DEFAULT_API_BASE} or {AI_GATEWAY_API_BASE} (set api_base= or {ENV_API_BASE})."
        ),
        model=model,
        llm_provider=PROVIDER,
        response=_response(status, url),
    )
    exc.status_code = status  # type: ignore[attr-defined]
    return exc
