"""Gateway error bodies → ``litellm.*`` exceptions with a message that says what to do (pure).

The gateway answers errors in three shapes (wire notes §2.3, §8.5):

* flat, from the gateway itself: ``{"error": "Rate limit exceeded", "message": "Free model ..."}``
* nested, from the gateway itself: ``{"error": {"code": "PAID_MODEL_AUTH_REQUIRED", "message": ...}}``
  or the 402 ``{"error": {"title", "message", "balance", "buyCreditsUrl"}}``
* OpenRouter's, passed through: ``{"error": {"message", "code": 500, "metadata"}, "user_id"}``,
  also sent *inside* a 200 stream as an SSE event.

It never sends ``Retry-After``. LiteLLM maps only its own exception classes well (a raw
``httpx.HTTPStatusError`` becomes an ``APIConnectionError`` that the Router never cools down), so
every error leaves here as the matching ``litellm`` class, with the gateway's status, code and
metadata kept on it as ``status_code``, ``kilo_code`` and ``kilo_metadata``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import litellm

from . import catalog
from .settings import BUY_CREDITS_URL, DEFAULT_API_BASE, ENV_API_BASE, ENV_API_KEY, PROVIDER, SIGN_UP_URL

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
        )
    message = data.get("message") or err or f"HTTP {status}"
    if isinstance(err, str) and isinstance(data.get("message"), str) and err != data["message"]:
        message = f"{err}: {data['message']}"
    return GatewayError(status=status, message=str(message))


def _status_of(error: GatewayError) -> int:
    """In-band stream errors carry their status as ``error.code`` inside an HTTP 200."""
    if error.status == 200 and isinstance(error.code, int):
        return error.code
    return error.status


def _hint(error: GatewayError, status: int, entry: catalog.ModelEntry | None) -> str:
    free = ", ".join(catalog.current_free_models())
    code = str(error.code or "")
    if code == "PAID_MODEL_AUTH_REQUIRED":
        return f"This is a paid model: set {ENV_API_KEY} (or pass api_key=) to a Kilo API key from {SIGN_UP_URL}."
    if code == "PROMOTION_MODEL_LIMIT_REACHED":
        return (
            "Anonymous free usage from this IP is used up for today (10,000 requests per 24 h): "
            f"sign up at {SIGN_UP_URL} and set {ENV_API_KEY}; free models stay free with a key."
        )
    if status == 402:
        url = error.buy_credits_url or BUY_CREDITS_URL
        return f"Out of credits: buy credits at {url}, or switch to a free model ({free})."
    if status == 404:
        if entry is not None and entry.retired:
            instead = f"; use {entry.successor}" if entry.successor else ""
            return f"'{entry.gateway_id}' has been retired by Kilo{instead}. Current free models: {free}."
        return f"Current free models: {free}."
    if status == 429:
        return (
            "Kilo limits free models to 200 requests per hour per IP and sends no Retry-After: "
            f"fall back to another model (e.g. with a LiteLLM Router) or use a paid model with {ENV_API_KEY}."
        )
    if status == 401:
        return f"Check {ENV_API_KEY}: the gateway did not accept the key."
    if status == 403:
        return "Your key or organisation may not use this model."
    if status >= 500:
        return "The gateway or its upstream failed; retrying or falling back to another model usually helps."
    return ""


def _response(status: int, url: str) -> httpx.Response:
    """A response for the exception that carries no request headers, so no key can leak through it."""
    return httpx.Response(status_code=status, request=httpx.Request("POST", url))


def to_exception(
    error: GatewayError,
    *,
    model: str,
    entry: catalog.ModelEntry | None = None,
    url: str = "https://api.kilo.ai/api/gateway/chat/completions",
) -> Exception:
    """The ``litellm`` exception a caller should see for this gateway error."""
    status = _status_of(error)
    hint = _hint(error, status, entry)
    message = f"KiloException - {error.message}" + (f" {hint}" if hint else "")
    kw: dict[str, Any] = {"message": message, "model": model, "llm_provider": PROVIDER}
    response = _response(status, url)
    code = str(error.code or "")
    exc: Exception
    lowered = error.message.lower()
    if status == 401 or code == "PAID_MODEL_AUTH_REQUIRED":
        exc = litellm.AuthenticationError(response=response, **kw)
    elif status == 429:
        exc = litellm.RateLimitError(response=response, **kw)
    elif status == 402:
        payment = getattr(litellm, "PaymentRequiredError", None) or litellm.BadRequestError
        exc = payment(response=response, **kw)
    elif status == 403:
        exc = litellm.PermissionDeniedError(response=response, **kw)
    elif status == 404:
        exc = litellm.NotFoundError(response=response, **kw)
    elif status in (408, 504):
        exc = litellm.Timeout(exception_status_code=status, **kw)
    elif any(marker in lowered for marker in _CONTEXT_MARKERS):
        exc = litellm.ContextWindowExceededError(response=_response(400, url), **kw)
    elif status == 502:
        exc = litellm.BadGatewayError(response=response, **kw)
    elif status == 503:
        exc = litellm.ServiceUnavailableError(response=response, **kw)
    elif status >= 500:
        exc = litellm.InternalServerError(response=response, **kw)
    elif status == 422:
        exc = litellm.UnprocessableEntityError(response=response, **kw)
    else:
        exc = litellm.BadRequestError(response=response, **kw)
    exc.status_code = status  # type: ignore[attr-defined]
    exc.kilo_code = error.code  # type: ignore[attr-defined]
    exc.kilo_metadata = dict(error.metadata)  # type: ignore[attr-defined]
    return exc


def auth_required(model: str) -> litellm.AuthenticationError:
    """Raised before sending: a paid model with no key would only earn the gateway's 401."""
    return litellm.AuthenticationError(
        message=(
            f"KiloException - '{model}' is a paid model and no Kilo API key is set. Set {ENV_API_KEY} "
            f"(or pass api_key=) to a key from {SIGN_UP_URL}, or use a free model: "
            f"{', '.join(catalog.current_free_models())}."
        ),
        model=model,
        llm_provider=PROVIDER,
    )


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


def timeout(model: str, seconds: float | None, detail: str = "") -> litellm.Timeout:
    return litellm.Timeout(
        message=f"KiloException - no answer from the gateway within {seconds} s. {detail}".strip(),
        model=model,
        llm_provider=PROVIDER,
    )


def connection(model: str, detail: str) -> litellm.APIConnectionError:
    return litellm.APIConnectionError(
        message=f"KiloException - could not reach the gateway: {detail}", model=model, llm_provider=PROVIDER
    )


GATEWAY_OFFERS = (
    "The Kilo gateway offers chat completions (litellm.completion) and embeddings (litellm.embedding); "
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
            f"api_base should be like {DEFAULT_API_BASE} (set api_base= or {ENV_API_BASE})."
        ),
        model=model,
        llm_provider=PROVIDER,
        response=_response(status, url),
    )
    exc.status_code = status  # type: ignore[attr-defined]
    return exc
