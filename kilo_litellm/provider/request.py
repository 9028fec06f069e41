"""OpenAI-style call → the gateway's ``POST /chat/completions`` request (pure).

The gateway forwards the JSON body to OpenRouter after a few rewrites and validates nothing but
``model`` (docs/gateway-contract.md, "Requests"), so every OpenAI and OpenRouter parameter is passed through. What must
*not* be forwarded are the keys LiteLLM itself puts into ``optional_params`` (``max_retries``,
``stream``, ``stream_options``, ``extra_body``, ...). ``extra_body`` is merged into the body, as
LiteLLM's built-in OpenAI-compatible providers do.

Usage is always requested (``usage: {include: true}``, and ``include_usage`` on streams): the
gateway's usage carries the upstream cost, which is what the caller is billed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kilo_litellm.config.settings import (
    COALESCE_PARAM,
    EDITOR_HEADER,
    FEATURE,
    FEATURE_HEADER,
    ORG_HEADER,
    Settings,
    editor_name,
    user_agent,
)
from kilo_litellm.provider.params import to_gateway

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
        COALESCE_PARAM,
    }
)


# Fields LiteLLM's own Message objects carry that are not part of the wire format, and ``prefix``:
# LiteLLM marks an assistant prefill (a stream continued on a fallback, a caller's own prefill) with
# ``"prefix": true``, DeepSeek's and Mistral's flag. OpenRouter's convention, which the gateway passes
# through, is the trailing assistant message itself; the flag is in neither schema, so it is not sent.
_LITELLM_MESSAGE_KEYS = (
    "provider_specific_fields",
    "reasoning_content",
    "thinking_blocks",
    "reasoning_items",
    "prefix",
)


def _assistant_turn(message: Mapping[str, Any]) -> dict[str, Any]:
    """An assistant message as the gateway wants it back.

    A response's ``reasoning_details`` (kept in ``provider_specific_fields``) must go back on the
    next turn as ``reasoning_details`` so reasoning models keep their chain across tool calls
    (OpenRouter's convention, which the gateway passes through). Plain ``reasoning_content``
    goes back as ``reasoning``. LiteLLM's own fields and empty values are not sent.
    """
    out = {k: v for k, v in message.items() if v is not None and k not in _LITELLM_MESSAGE_KEYS}
    fields = message.get("provider_specific_fields") or {}
    details = message.get("reasoning_details") or fields.get("reasoning_details")
    if details:
        out["reasoning_details"] = details
    elif message.get("reasoning_content") and "reasoning" not in out:
        out["reasoning"] = message["reasoning_content"]
    return out


def _as_mapping(message: Any) -> Any:
    """A LiteLLM ``Message`` (appended from an earlier response) as the plain dict it stands for."""
    return message.model_dump() if hasattr(message, "model_dump") else message


def build_messages(messages: Any) -> Any:
    """Messages as given, except assistant turns that carry LiteLLM-side fields (see above)."""
    if not isinstance(messages, list):
        return messages
    out = None
    for i, original in enumerate(messages):
        message = _as_mapping(original)
        if (
            isinstance(message, Mapping)
            and message.get("role") == "assistant"
            and any(k in message for k in _LITELLM_MESSAGE_KEYS)
        ):
            out = out if out is not None else list(messages)
            out[i] = _assistant_turn(message)
        elif message is not original:
            out = out if out is not None else list(messages)
            out[i] = message
    return out if out is not None else messages


def input_problem(*, messages: Any, params: Mapping[str, Any]) -> str | None:
    """What is wrong with a call the gateway would pass upstream unchecked, or ``None``.

    The gateway validates nothing but ``model`` (docs/gateway-contract.md, "Requests"): a negative ``max_tokens`` or a
    message whose content is not text would reach the upstream and come back as an opaque error
    (or be billed), so such calls are refused before anything is sent.
    """
    for name in ("max_tokens", "max_completion_tokens"):
        value = params.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            return f"{name} must be a positive integer, got {value!r}."
    if not isinstance(messages, list) or not messages:
        return "messages must be a non-empty list of {'role': ..., 'content': ...} dicts."
    for i, message in enumerate(map(_as_mapping, messages)):
        if not isinstance(message, Mapping) or not isinstance(message.get("role"), str):
            return f"messages[{i}] must be a dict with a string 'role'."
        content = message.get("content")
        if content is not None and not isinstance(content, (str, list)):
            return f"messages[{i}].content must be a string or a list of content parts, got {type(content).__name__}."
    return None


def build_body(*, gateway_id: str, messages: Any, params: Mapping[str, Any], stream: bool) -> dict:
    """The JSON body for one chat completion."""
    sent = to_gateway({k: v for k, v in params.items() if k not in INTERNAL_KEYS and v is not None})
    body: dict[str, Any] = {"model": gateway_id, "messages": build_messages(messages), **sent}
    body.update(params.get("extra_body") or {})
    body["stream"] = stream
    if stream:
        body["stream_options"] = {**(params.get("stream_options") or {}), "include_usage": True}
    body.setdefault("usage", {"include": True})
    return body


def build_headers(*, settings: Settings, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Bearer auth (no ``Authorization`` at all without a real key), the organisation header, then the
    caller's headers."""
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
        "User-Agent": user_agent(),
        FEATURE_HEADER: FEATURE,
        EDITOR_HEADER: editor_name(),
    }
    if settings.has_real_key:
        headers["Authorization"] = f"Bearer {settings.api_key.strip()}"
    if settings.org_id:
        headers[ORG_HEADER] = settings.org_id
    for name, value in (extra or {}).items():
        if value is not None:
            headers[name] = str(value)
    return headers
