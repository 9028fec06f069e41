"""What a free chain meets at the gateway, in the emulator: models that differ, streams cut mid-way, prefills.

* **Models that differ.** ``GatewayEmulator.models`` (a list of :func:`gateway_model` entries) is
  served as ``GET /models`` instead of the bundled snapshot, and their ``isFree`` decides which ids
  answer without a key. Each entry says what the model takes the way the gateway's ``/models`` does:
  ``"image"`` among ``architecture.input_modalities``, ``tools`` and ``structured_outputs`` among
  ``supported_parameters``, the window in ``context_length``.
* **Streams cut mid-way.** ``Reply(disconnect_after=N)`` ends a stream after its first ``N`` data
  events with the event the gateway sends when the upstream breaks (docs/gateway-contract.md, "Streams"):
  ``{"error": {"code": 503, "type": "upstream_disconnect", ...}}``, then closes it. Without a body
  or recording of its own, the reply cuts what the emulator would have answered the request.
* **Prefill.** A request whose last message is an assistant message asks the model to continue it
  (OpenRouter's assistant prefill). When that text is the start of the recorded answer, the emulator
  answers with the rest of it, as a model that continues a prefill does; otherwise with the whole
  recorded answer.

Synthesised, not recorded: no recording of a cut stream or of a prefill exists; the shapes are the
ones the gateway's server code and OpenRouter's documentation describe.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from kilo_litellm.emulator.listing import listed_free, listing_body

models_listing = listing_body

DISCONNECT_MESSAGE = "The upstream response was interrupted while streaming. Please retry."


def gateway_model(
    model_id: str,
    *,
    free: bool = True,
    vision: bool = False,
    tools: bool = True,
    structured_outputs: bool = False,
    reasoning: bool = False,
    context_length: int = 131072,
    max_completion_tokens: int = 32768,
    prompt_price: str = "0.000001",
    completion_price: str = "0.000004",
    ai_sdk_provider: str | None = None,
    family: str | None = None,
) -> dict[str, Any]:
    """One ``GET /models`` entry in the gateway's shape, saying what the model takes.

    ``ai_sdk_provider`` (``anthropic``, ``openai``, ``openai-compatible``, ``openrouter``) adds the
    ``opencode`` block that tells Kilo's own client which API to call the model with."""
    params = ["max_tokens", "temperature", "top_p", "stop", "response_format"]
    params += ["tools", "tool_choice"] if tools else []
    params += ["structured_outputs"] if structured_outputs else []
    params += ["reasoning", "include_reasoning"] if reasoning else []
    modalities = ["text", "image"] if vision else ["text"]
    prices = {"prompt": "0", "completion": "0"} if free else {"prompt": prompt_price, "completion": completion_price}
    entry: dict[str, Any] = {
        "id": model_id,
        "canonical_slug": model_id,
        "name": model_id,
        "created": 1764000000,
        "description": "",
        "context_length": context_length,
        "architecture": {
            "modality": "+".join(modalities) + "->text",
            "input_modalities": modalities,
            "output_modalities": ["text"],
            "tokenizer": "Other",
        },
        "top_provider": {
            "is_moderated": False,
            "context_length": context_length,
            "max_completion_tokens": max_completion_tokens,
        },
        "pricing": {**prices, "request": "0", "image": "0", "web_search": "0", "internal_reasoning": "0"},
        "supported_parameters": params,
        "isFree": free,
        "mayTrainOnYourPrompts": free,
    }
    if ai_sdk_provider is not None:
        entry["opencode"] = {"family": family or model_id.split("/")[0], "ai_sdk_provider": ai_sdk_provider}
    return entry


def disconnect_event(generation_id: str) -> bytes:
    """The in-band event the gateway sends when the upstream breaks mid-stream."""
    event = {"id": generation_id, "error": {"code": 503, "message": DISCONNECT_MESSAGE, "type": "upstream_disconnect"}}
    return b"data: " + json.dumps(event, separators=(",", ":")).encode() + b"\n\n"


def _blocks(raw_sse: bytes) -> list[bytes]:
    return [block for block in raw_sse.replace(b"\r\n", b"\n").split(b"\n\n") if block.strip()]


def _data(block: bytes) -> bytes | None:
    lines = [line[5:].strip() for line in block.split(b"\n") if line.startswith(b"data:")]
    return b"".join(lines) if lines else None


def cut_stream(raw_sse: bytes, events: int) -> bytes:
    """``raw_sse`` up to and including its ``events``-th data event, then the in-band disconnect."""
    kept: list[bytes] = []
    seen, generation = 0, "gen-emulator"
    for block in _blocks(raw_sse):
        data = _data(block)
        if data is not None:
            if seen == events or data == b"[DONE]":
                break
            seen += 1
            generation = str(json.loads(data).get("id") or generation)
        kept.append(block + b"\n\n")
    return b"".join(kept) + disconnect_event(generation)


def trailing_prefill(messages: Any) -> str | None:
    """The text of a trailing assistant message (a prefill to continue), or ``None``."""
    if not isinstance(messages, list) or not messages or not isinstance(messages[-1], Mapping):
        return None
    last = messages[-1]
    if last.get("role") != "assistant" or last.get("tool_calls"):
        return None
    content = last.get("content")
    if isinstance(content, list):
        content = "".join(p.get("text") or "" for p in content if isinstance(p, Mapping) and p.get("type") == "text")
    return content if isinstance(content, str) and content else None


def _continued_stream(raw_sse: bytes, prefill: str) -> bytes:
    events = [(block, _data(block)) for block in _blocks(raw_sse)]
    text = ""
    for _, data in events:
        if data and data != b"[DONE]":
            for choice in json.loads(data).get("choices") or ():
                text += (choice.get("delta") or {}).get("content") or ""
    if not text.startswith(prefill):
        return raw_sse
    skip, out = len(prefill), []
    for block, data in events:
        if skip and data and data != b"[DONE]":
            event = json.loads(data)
            for choice in event.get("choices") or ():
                delta = choice.get("delta") or {}
                content = delta.get("content") or ""
                taken = min(skip, len(content))
                if taken:
                    delta["content"] = content[taken:]
                    skip -= taken
            block = b"data: " + json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()
        out.append(block + b"\n\n")
    return b"".join(out)


def _continued_body(raw_json: bytes, prefill: str) -> bytes:
    body = json.loads(raw_json)
    for choice in body.get("choices") or ():
        message = choice.get("message") or {}
        content = message.get("content")
        if isinstance(content, str) and content.startswith(prefill):
            message["content"] = content[len(prefill) :]
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def continued(payload: bytes, stream: bool, request: Any) -> bytes:
    """``payload`` (an answer to ``request``) less the prefill the request ends with, when it starts with it."""
    prefill = trailing_prefill(request.get("messages") if isinstance(request, Mapping) else None)
    if prefill is None or not payload:
        return payload
    return _continued_stream(payload, prefill) if stream else _continued_body(payload, prefill)


__all__ = [
    "continued",
    "cut_stream",
    "disconnect_event",
    "gateway_model",
    "listed_free",
    "models_listing",
    "trailing_prefill",
]
