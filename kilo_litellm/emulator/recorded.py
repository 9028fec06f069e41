"""The recorded gateway bytes and the stream writing the gateway does to them.

``recordings/`` holds real gateway answers (checksummed in ``SHA256SUMS``). The emulator sends them
as the gateway passes them on: each SSE event re-serialised as ``data: <compact json>``,
keep-alive comments as ``: KILO PROCESSING``, ``delta.role: null`` removed, a missing ``choices`` as
``[]``; non-stream JSON without leading whitespace. A non-streaming answer to a request whose only
recording is a stream is assembled from that stream, as the gateway's upstream does.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

KEEPALIVE = b": KILO PROCESSING"

RECORDINGS = (
    "stream-openai-gpt41.sse",
    "stream-grok-reasoning.sse",
    "stream-devstral-free-toolcall.sse",
    "stream-inband-error-402.sse",
    "nonstream-anthropic-whitespace-prefix.json",
    "error-500-body.json",
)
PLAIN_STREAM = "stream-openai-gpt41.sse"
REASONING_STREAM = "stream-grok-reasoning.sse"
TOOL_CALL_STREAM = "stream-devstral-free-toolcall.sse"
PLAIN_BODY = "nonstream-anthropic-whitespace-prefix.json"

_CONCATENATED = ("text", "summary", "data")


def recording(name: str) -> bytes:
    """The bytes of one bundled recording, exactly as the gateway sent them."""
    return resources.files(__package__).joinpath("recordings", name).read_bytes()


def compact(data: Any) -> bytes:
    """JSON as the gateway re-serialises it: no spaces, UTF-8 kept."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def sse_event(data: Any, event: str | None = None) -> bytes:
    """One SSE event, ``event:`` line first when the API names its events (Messages, Responses)."""
    head = b"event: " + event.encode() + b"\n" if event else b""
    return head + b"data: " + compact(data) + b"\n\n"


def sse_payloads(raw: bytes) -> list[dict]:
    """The JSON events of an SSE recording (for building expectations and derived bodies)."""
    out = []
    for line in raw.decode("utf-8").splitlines():
        if line.startswith("data:"):
            data = line[5:].strip()
            if data and data != "[DONE]":
                out.append(json.loads(data))
    return out


def streamed_text(events: list[dict]) -> str:
    """The text a client reads from stream events: the first choice's ``delta.content``, in order."""
    return "".join((e["choices"][0]["delta"].get("content") or "") for e in events if e.get("choices"))


def _fold_details(merged: list[dict[str, Any]], fragments: list[Any]) -> None:
    """Streamed ``reasoning_details`` pieces sharing ``index`` and ``type`` joined into whole items."""
    for fragment in fragments:
        if not isinstance(fragment, dict):
            continue
        last = merged[-1] if merged else None
        if last is None or (last.get("type"), last.get("index")) != (fragment.get("type"), fragment.get("index")):
            merged.append(dict(fragment))
            continue
        for key, value in fragment.items():
            if key in _CONCATENATED and isinstance(value, str) and isinstance(last.get(key), str):
                last[key] += value
            elif value is not None:
                last[key] = value


def assembled(raw_sse: bytes) -> dict[str, Any]:
    """The chat completion a stream adds up to: what the upstream answers without ``stream``."""
    events = sse_payloads(raw_sse)
    first = events[0]
    content, reasoning, details, calls, finish, usage = "", "", [], {}, "stop", None
    for event in events:
        for choice in event.get("choices") or ():
            delta = choice.get("delta") or {}
            content += delta.get("content") or ""
            reasoning += delta.get("reasoning") or ""
            _fold_details(details, delta.get("reasoning_details") or [])
            for call in delta.get("tool_calls") or ():
                slot = calls.setdefault(
                    call.get("index", 0), {"id": None, "type": "function", "function": {"name": "", "arguments": ""}}
                )
                slot["id"] = slot["id"] or call.get("id")
                fn = call.get("function") or {}
                slot["function"]["name"] += fn.get("name") or ""
                slot["function"]["arguments"] += fn.get("arguments") or ""
            finish = choice.get("finish_reason") or finish
        usage = event.get("usage") or usage
    message: dict[str, Any] = {
        "role": "assistant",
        "content": content or None,
        "refusal": None,
        "reasoning": reasoning or None,
    }
    if details:
        message["reasoning_details"] = details
    if calls:
        message["tool_calls"] = [calls[i] for i in sorted(calls)]
    return {
        "id": first["id"],
        "provider": first.get("provider"),
        "model": first["model"],
        "object": "chat.completion",
        "created": first["created"],
        "choices": [
            {"logprobs": None, "finish_reason": finish, "native_finish_reason": finish, "index": 0, "message": message}
        ],
        "usage": usage,
    }


def assemble(raw_sse: bytes) -> bytes:
    """A non-streaming body built from a stream recording: what the gateway answers without ``stream``."""
    return json.dumps(assembled(raw_sse)).encode()


def reserialised(raw_sse: bytes) -> bytes:
    """A stream as the gateway passes it on (docs/gateway-contract.md, "Streams"): each event
    re-serialised as ``data: <json>``, keep-alives as ``: KILO PROCESSING``, ``delta.role: null``
    removed, a missing ``choices`` as ``[]``."""
    out = []
    for block in raw_sse.decode("utf-8").split("\n\n"):
        lines = [line for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        if all(line.startswith(":") for line in lines):
            out.append(KEEPALIVE + b"\n\n")
            continue
        data = "".join(line[5:].strip() for line in lines if line.startswith("data:"))
        if data == "[DONE]":
            out.append(b"data: [DONE]\n\n")
            continue
        event = json.loads(data)
        event.setdefault("choices", [])
        for choice in event["choices"]:
            delta = choice.get("delta")
            if isinstance(delta, dict) and "role" in delta and delta["role"] is None:
                del delta["role"]
        out.append(b"data: " + compact(event) + b"\n\n")
    return b"".join(out)
