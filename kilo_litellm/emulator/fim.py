"""Fill-in-the-middle (``POST /api/fim/completions``, also under every gateway prefix) and Next Edit: synthesised.

No recording of the route exists; the rules and bodies are read from Kilo's server code
(``fim-completions.ts``; docs/gateway-contract.md, "Fill-in-the-middle"), checked in the gateway's order:

* no bearer: 401 ``{"success":false,"error":"Unauthorized"}``; a bearer the emulator rejects (the
  chat route's rule, see :mod:`.rules`): 401 ``{"success":false,"error":"Invalid API token"}``.
  Not the chat route's ``INVALID_TOKEN`` body: this route reports a failed sign-in the web app's way;
* a body that is not JSON, or not the FIM shape (``model``/``prompt`` strings, ``suffix`` a string,
  ``max_tokens`` a number, ``stop`` a list of strings, ``stream`` a boolean): 400 ``invalid_request``;
* a model outside :data:`UPSTREAM` (the route's exact list): 400 ``unsupported_fim_model``;
* ``max_tokens`` missing or over 1000: the gateway's opaque 503 ``temporarily_unavailable``;
* else the upstream's answer, passed through as the gateway does: Mistral's chat-shaped
  ``choices[].message`` for Codestral (streamed: ``choices[].delta`` events, usage on the last one,
  ``data: [DONE]``), Inception's text-completion ``choices[].text`` for Mercury Edit. The middle is
  :data:`FIM_TEXT` cut to ``max_tokens`` words (then ``finish_reason: "length"``); usage counts
  words, with no ``cost`` (the upstreams report none).

The other refusals a client must handle, which depend on the account rather than the request, are
bodies to script with ``GatewayEmulator.script``: :data:`INSUFFICIENT_CREDITS_BODY` (402),
:data:`BYOK_KEY_REQUIRED_BODY` (400).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

UNAUTHORIZED_BODY = b'{"success":false,"error":"Unauthorized"}'
INVALID_API_TOKEN_BODY = b'{"success":false,"error":"Invalid API token"}'
INVALID_REQUEST_BODY = (
    b'{"error":"Invalid request","error_type":"invalid_request",'
    b'"message":"Could not parse request body. Please ensure it is valid JSON."}'
)
TEMPORARILY_UNAVAILABLE_BODY = (
    b'{"error":"Service Unavailable","error_type":"temporarily_unavailable",'
    b'"message":"The service is temporarily unavailable. Please try again later."}'
)
INSUFFICIENT_CREDITS_BODY = b'{"error":{"message":"Insufficient credits"},"error_type":"insufficient_credits"}'
BYOK_KEY_REQUIRED_BODY = (
    b'{"error":"This model requires a BYOK API key. Please configure your API key in settings.",'
    b'"error_type":"byok_key_required"}'
)
MAX_TOKENS = 1000

UPSTREAM = {
    "mistralai/codestral-2508": ("mistral", "codestral-2508"),
    "inception/mercury-edit-2": ("inception", "mercury-edit-2"),
}
"""Public id -> (upstream provider, upstream model), as the gateway's ``SUPPORTED_FIM_MODELS``."""

FIM_TEXT = "if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)"
"""The middle every answer fills in (cut to ``max_tokens`` words)."""

_FIELDS: dict[str, Callable[[Any], bool]] = {
    "model": lambda v: isinstance(v, str),
    "prompt": lambda v: isinstance(v, str),
    "suffix": lambda v: v is None or isinstance(v, str),
    "max_tokens": lambda v: v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)),
    "min_tokens": lambda v: v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)),
    "stop": lambda v: v is None or (isinstance(v, list) and all(isinstance(s, str) for s in v)),
    "stream": lambda v: v is None or isinstance(v, bool),
}


def unsupported_model_body(model: str) -> bytes:
    return _compact({"error": f"{model} is not a supported FIM model", "error_type": "unsupported_fim_model"})


def _compact(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def _words(text: str) -> int:
    return max(1, len(text.split()))


def _middle(max_tokens: int) -> tuple[list[str], str]:
    """The pieces of the answer (one per streamed event) and its finish reason."""
    pieces = re.findall(r"\S+\s*", FIM_TEXT)
    if len(pieces) <= max_tokens:
        return pieces, "stop"
    return pieces[: int(max_tokens)], "length"


_EDIT_FIELDS: dict[str, Callable[[Any], bool]] = {
    "model": lambda v: isinstance(v, str),
    "messages": lambda v: isinstance(v, list) and bool(v),
    "max_tokens": _FIELDS["max_tokens"],
}


def _refused(body: Any, fields: dict[str, Callable[[Any], bool]]) -> dict[str, Any] | None:
    """The route's refusal of a request body, in the gateway's order; ``None`` when it is served."""
    if not isinstance(body, dict) or not all(check(body.get(name)) for name, check in fields.items()):
        return {"status": 400, "body": INVALID_REQUEST_BODY, "stream": False}
    if body["model"] not in UPSTREAM:
        return {"status": 400, "body": unsupported_model_body(body["model"]), "stream": False}
    max_tokens = body.get("max_tokens")
    if not max_tokens or max_tokens > MAX_TOKENS:
        return {"status": 503, "body": TEMPORARILY_UNAVAILABLE_BODY, "stream": False}
    return None


def _usage(prompt_tokens: int, pieces: list[str]) -> dict[str, int]:
    completion_tokens = len(pieces)
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def answer(token: str | None, raw: bytes, rejected: Callable[[str], bool], edit: bool = False) -> dict[str, Any]:
    """The gateway's answer to one FIM request (``edit``: Next Edit's ``/api/edit/completions``), as
    ``Reply`` fields (``status``, ``body``, ``stream``)."""
    if token is None:
        return {"status": 401, "body": UNAUTHORIZED_BODY, "stream": False}
    if rejected(token):
        return {"status": 401, "body": INVALID_API_TOKEN_BODY, "stream": False}
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    refused = _refused(body, _EDIT_FIELDS if edit else _FIELDS)
    if refused is not None:
        return refused
    pieces, finish = _middle(body["max_tokens"])
    provider, model = UPSTREAM[body["model"]]
    head = {"id": hashlib.sha256(raw).hexdigest()[:32], "created": 1764547200, "model": model}
    if edit:
        words = sum(_words(str(m.get("content") or "")) for m in body["messages"] if isinstance(m, dict))
        choice = {"index": 0, "message": {"role": "assistant", "content": "".join(pieces)}, "finish_reason": finish}
        out = {**head, "object": "chat.completion", "choices": [choice], "usage": _usage(words, pieces)}
        return {"status": 200, "body": _compact(out), "stream": False}
    usage = _usage(_words(body["prompt"]) + (_words(body["suffix"]) if body.get("suffix") else 0), pieces)
    if body.get("stream"):
        events = (
            _mistral_events(head, pieces, finish, usage)
            if provider == "mistral"
            else _text_events(head, pieces, finish, usage)
        )
        return {
            "status": 200,
            "body": b"".join(b"data: " + _compact(e) + b"\n\n" for e in events) + b"data: [DONE]\n\n",
            "stream": True,
        }
    text = "".join(pieces)
    if provider == "mistral":
        message = {"role": "assistant", "content": text, "tool_calls": None, "prefix": False}
        choice = {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}
        return {
            "status": 200,
            "body": _compact({**head, "object": "chat.completion", "usage": usage, "choices": [choice]}),
            "stream": False,
        }
    choice = {"index": 0, "text": text, "finish_reason": finish, "logprobs": None}
    return {
        "status": 200,
        "body": _compact({**head, "object": "text_completion", "choices": [choice], "usage": usage}),
        "stream": False,
    }


def _mistral_events(head: dict, pieces: list[str], finish: str, usage: dict) -> list[dict]:
    chunk = {**head, "object": "chat.completion.chunk"}
    events = [
        {**chunk, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]}
    ]
    events += [{**chunk, "choices": [{"index": 0, "delta": {"content": p}, "finish_reason": None}]} for p in pieces]
    events.append(
        {**chunk, "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": finish}], "usage": usage}
    )
    return events


def _text_events(head: dict, pieces: list[str], finish: str, usage: dict) -> list[dict]:
    chunk = {**head, "object": "text_completion"}
    events = [{**chunk, "choices": [{"index": 0, "text": p, "finish_reason": None, "logprobs": None}]} for p in pieces]
    events.append(
        {**chunk, "choices": [{"index": 0, "text": "", "finish_reason": finish, "logprobs": None}], "usage": usage}
    )
    return events
