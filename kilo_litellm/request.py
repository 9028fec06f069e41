"""OpenAI-style call → the gateway's ``POST /chat/completions`` request (pure).

The gateway forwards the JSON body to OpenRouter after a few rewrites and validates nothing but
``model`` (wire notes §5), so every OpenAI and OpenRouter parameter is passed through. What must
*not* be forwarded are the keys LiteLLM itself puts into ``optional_params`` (``max_retries``,
``stream``, ``stream_options``, ``extra_body``, ...). ``extra_body`` is merged into the body, as
LiteLLM's built-in OpenAI-compatible providers do.

Usage is always requested (``usage: {include: true}``, and ``include_usage`` on streams): the
gateway's usage carries the upstream cost, which is what the caller is billed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .settings import FEATURE, FEATURE_HEADER, ORG_HEADER, USER_AGENT, Settings

# Keys LiteLLM (or the Router/proxy) adds to optional_params that are not request parameters.
INTERNAL_KEYS = frozenset(
    {
        "max_retries",
        "stream",
        "stream_options",
        "extra_body",
        "extra_headers",
        "allowed_openai_params",
        "drop_params",
        "additional_drop_params",
        "api_key",
        "api_base",
        "api_version",
        "custom_llm_provider",
        "mock_response",
        "organization",
    }
)


def build_body(gateway_id: str, messages: list, optional_params: Mapping[str, Any], *, stream: bool) -> dict:
    """The JSON body for one chat completion."""
    params = {k: v for k, v in optional_params.items() if k not in INTERNAL_KEYS and v is not None}
    effort = params.pop("reasoning_effort", None)
    if effort is not None and "reasoning" not in params:
        params["reasoning"] = {"effort": effort}
    body: dict[str, Any] = {"model": gateway_id, "messages": messages, **params}
    body.update(optional_params.get("extra_body") or {})
    body["stream"] = stream
    if stream:
        body["stream_options"] = {**(optional_params.get("stream_options") or {}), "include_usage": True}
    body.setdefault("usage", {"include": True})
    return body


def build_headers(settings: Settings, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Bearer auth (``public`` when keyless), the organisation header, then the caller's headers."""
    headers = {
        "Authorization": f"Bearer {settings.api_key}",
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
        "User-Agent": USER_AGENT,
        FEATURE_HEADER: FEATURE,
    }
    if settings.org_id:
        headers[ORG_HEADER] = settings.org_id
    for name, value in (extra or {}).items():
        if value is not None:
            headers[name] = str(value)
    return headers


def chat_url(settings: Settings) -> str:
    return f"{settings.api_base}/chat/completions"
