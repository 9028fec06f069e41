"""A local Kilo Gateway: a real HTTP server on 127.0.0.1 that answers with recorded gateway bytes.

Tests, the offline demo, the benchmarks and users' own tests run against it instead of the live
gateway. By default (``mode="today"``) it behaves like the gateway (docs/gateway-contract.md) for what a
client can observe:

* ``POST /api/gateway/chat/completions`` (also under ``/api/gateway/v1/``):
  - 400 ``invalid_request`` for a body that is not JSON, 400 ``unsupported_field`` for one with a
    ``providerOptions`` field, then 404 ``model_not_found`` ("Model not found") for a missing or
    blank ``model``, all before the key is checked (docs/gateway-contract.md, "Errors");
  - **auth**: no ``Authorization`` header (or ``Bearer anonymous``) is anonymous; any other bearer
    the gateway cannot verify is 401 ``INVALID_TOKEN`` with ``WWW-Authenticate`` ("Authentication" there). Here that
    is a placeholder (``public``, ``no-key``, ``none``, ...) or a token containing ``invalid`` or
    ``expired``; every other token counts as a valid key;
  - **retired ids** ("Free models and limits" there): the seed page's free ids get the 404 bodies
    the server code has for them (``discontinued_free_model``, ``model_not_found``,
    ``unavailable_model``); ``giga-potato`` lost its free status (401 ``PAID_MODEL_AUTH_REQUIRED``
    anonymously, 404 with a key);
  - a paid model (not ``isFree`` in the bundled ``/models``; unlisted and not free by the
    gateway's rule, :mod:`free_ids`) without a key: 401 ``PAID_MODEL_AUTH_REQUIRED``;
  - else a recording: a tool-call stream when the request has ``tools``, the reasoning stream when
    it asks for ``reasoning``, else the plain one; non-streaming calls get the JSON recording, or
    a body assembled from the matching stream recording. The gateway re-serialises what it
    passes on ("Streams" there), and so does the emulator: each event as ``data: <compact json>``, keep-alives
    as ``: KILO PROCESSING``, ``delta.role: null`` removed; non-stream JSON without the leading
    whitespace. The content bytes are the recorded ones.
  So that coding agents (Claude Code, Codex) can finish a task, a request with ``tools`` whose
  conversation already has a tool result after the user's last prompt gets the plain text
  recording instead of another tool call (``_agent_turn``).

  Synthesised rather than recorded: the tool call's ``id`` is rewritten to a fresh ``call_<n>``
  per response (agents reject a repeated id), and when the request does not offer the recorded
  tool (``search_files``) the call is renamed to a tool it does offer, with arguments from
  :data:`HARMLESS_CALLS` (Claude Code's ``Bash``, Codex's ``shell``/``exec_command``: an ``echo``
  of :data:`TOOL_MARKER`), else the first offered tool with ``{}``. Every other byte is the recording's.
* ``GET /api/gateway/models`` (and ``/v1/models``): the bundled snapshot of ``/models``, or the
  entries of :attr:`GatewayEmulator.models`; streams cut mid-way (``Reply(disconnect_after=N)``) and
  a trailing assistant message continued as a prefill: :mod:`kilo_litellm.emulator.chains`.
* Every route above also under ``/api/v1`` (``POST /api/v1/chat/completions``, ``GET /api/v1/models``,
  ...), as the second host ``https://ai-gateway.kilo.ai`` serves them ("Paths and hosts" there), so
  :attr:`GatewayEmulator.ai_gateway_base` is a base of that shape. The gateway of February 2026 had no such path.

* ``POST /api/gateway/fim/completions`` (and ``/api/v1/fim/completions``): fill-in-the-middle,
  **synthesised** (:mod:`fim`).
* ``POST /api/gateway/embeddings`` and ``GET /api/gateway/embedding-models``: **synthesised**, as
  no recording of either exists: deterministic vectors derived from a hash of each input, usage
  with ``prompt_tokens``/``total_tokens`` and (for paid ids) ``cost``; the bundled embedding list.
* ``/api/device-auth/...`` and ``/api/profile...``: Kilo's account endpoints (:mod:`.account`).
* Any other path outside ``/api/gateway`` (and ``/api/v1``): an HTML 404 page, as the web server in front of the gateway
  answers a wrong ``api_base``.

Synthesised rather than recorded (no recording exists; built from the documented server code):
every error body above (with its ``error_type``), the auth rule, the retired-id table.
``mode="february"`` answers like the gateway of February 2026 instead (a placeholder bearer is
anonymous, the seed ids are served, recordings byte for byte with no agent edits, bodies without
``error_type``).

The gateway's other error answers ("Errors" there: an organisation policy's 503 and 404 ``model_not_allowed``,
``account_restricted``, the BYOK reconnect 400, the abuse layer's 429 with ``retry-after``) are
bodies in :mod:`kilo_litellm.emulator.policy_errors`, for :meth:`GatewayEmulator.script`.

Each test can script what comes next with :meth:`GatewayEmulator.script` (status, body or
recording, headers, delay, per-chunk delay, cutting the connection after N bytes, stalling), and
read what the server received in :attr:`GatewayEmulator.requests`. ``GatewayEmulator(fail={"kilo-auto/free": 429})``
(``--fail`` on the command) refuses every chat request for a model with the gateway's own body for
that status (:mod:`kilo_litellm.emulator.failures`, :func:`refusal_for`), after the script and
before ``default``. The fault modes a client must survive are scriptable too: a reset before any
response byte (``reset``), a gzip-encoded body
(``gzip``), and a body that never ends (``keep_open``), optionally dripping keep-alive bytes
(``drip``) until the client goes away. A handler that waits (``stall``, ``keep_open``) ends as soon
as the client closes its side, so an abandoned request leaves no server thread behind. A benchmark
that needs the same answer to every request sets :attr:`GatewayEmulator.default` instead of
queueing thousands.

From a shell, ``kilo-litellm emulator`` (or ``python -m kilo_litellm.emulator``) runs one in the
foreground on port 4010 until Ctrl-C. A client hanging up mid-request is routine for a server: it
is logged at debug on the ``kilo_litellm`` logger, not printed as a traceback.
"""

from __future__ import annotations

import base64
import contextlib
import gzip as gzip_module
import hashlib
import itertools
import json
import logging
import math
import random
import select
import socket
import struct
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any

from kilo_litellm.emulator import chains, failures, fim, free_ids
from kilo_litellm.emulator.account import AccountEmulator
from kilo_litellm.provider import embeddings
from kilo_litellm.provider.stream import merge_details

logger = logging.getLogger("kilo_litellm")

GATEWAY_PATH = "/api/gateway"
AI_GATEWAY_PATH = "/api/v1"
TODAY, FEBRUARY = "today", "february"


def _flat(error: str, error_type: str, message: str | None = None) -> bytes:
    """The gateway's own flat error body: ``{"error", "error_type", "message"}``."""
    return json.dumps(
        {"error": error, "error_type": error_type, "message": message or error}, separators=(",", ":")
    ).encode()


INVALID_TOKEN_BODY = (
    b'{"error":{"code":"INVALID_TOKEN","message":"Your authentication token is invalid. Please sign in again."},'
    b'"error_type":"authentication_required"}'
)
INVALID_TOKEN_HEADERS = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
PAID_AUTH_BODY = (
    b'{"error":{"code":"PAID_MODEL_AUTH_REQUIRED","message":"You need to sign in to use this model."},'
    b'"error_type":"paid_model_auth_required"}'
)
PROMOTION_LIMIT_BODY = (
    b'{"error":{"code":"PROMOTION_MODEL_LIMIT_REACHED","message":"Sign up for free to continue and explore 500 other '
    b'models. Takes 2 minutes, no credit card required. Or come back later."},"error_type":"promotion_limit_reached"}'
)
RATE_LIMIT_BODY = _flat(
    "Rate limit exceeded", "rate_limit_exceeded", "Model usage limit reached. Please try again later."
)
BAD_JSON_BODY = _flat("Malformed JSON", "invalid_request", "Request body is not valid JSON: Unexpected token")
INVALID_PATH_BODY = _flat("Invalid path", "invalid_path", "This endpoint only accepts the path `/chat/completions`.")
DISCONTINUED_BODY = _flat(
    "The free period of this model ended. Please use kilo-auto/balanced for affordable inference or "
    "kilo-auto/free for limited free inference.",
    "discontinued_free_model",
)
UNAVAILABLE_BODY = _flat(
    "The requested model is currently unavailable. Please choose a different model.", "unavailable_model"
)


def model_not_found_body(model: str) -> bytes:
    return _flat(
        f"The requested model '{model}' does not exist. Please use an exact model id as listed on "
        "/api/gateway/models. If this is a newly released model, please try again in a few minutes.",
        "model_not_found",
    )


NOT_FOUND_BODY = model_not_found_body("no-such/model")
EMPTY_MODEL_BODY = _flat("Model not found", "model_not_found", "The requested model could not be found.")
PROVIDER_OPTIONS_BODY = _flat("The providerOptions field is not supported. Use provider instead.", "unsupported_field")
"""The 404 for a missing or blank ``model`` (docs/gateway-contract.md, "Errors"), sent before the key is checked."""

# February 2026 bodies (docs/gateway-contract.md, "Errors"), for ``mode="february"``.
FEBRUARY_NOT_FOUND_BODY = b'{"error":"Model not found","message":"The requested model could not be found."}'
FEBRUARY_PAID_AUTH_BODY = (
    b'{"error":{"code":"PAID_MODEL_AUTH_REQUIRED","message":"You need to sign in to use this model."}}'
)
FEBRUARY_BAD_JSON_BODY = (
    b'{"error":"Invalid request","message":"Could not parse request body. Please ensure it is valid JSON."}'
)

# The refusals ``fail=`` / ``--fail`` script (:mod:`kilo_litellm.emulator.failures`);
# docs/gateway-contract.md, "Errors".
USAGE_LIMIT_BODY = (
    b'{"error":{"title":"Low Credit Warning!","message":"Add credits to continue, or switch to a free model",'
    b'"balance":0,"buyCreditsUrl":"https://app.kilo.ai/profile"},"error_type":"usage_limit_exceeded"}'
)
SERVICE_UNAVAILABLE_BODY = _flat(
    "Service Unavailable", "temporarily_unavailable", "The service is temporarily unavailable. Please try again later."
)
FEBRUARY_RATE_LIMIT_BODY = (
    b'{"error":"Rate limit exceeded","message":"Free model usage limit reached. '
    b'Please try again later or upgrade to a paid model."}'
)
FEBRUARY_USAGE_LIMIT_BODY = (
    b'{"error":{"title":"Low Credit Warning!","message":"Add credits to continue, or switch to a free model",'
    b'"balance":0,"buyCreditsUrl":"https://app.kilo.ai/profile"}}'
)
FEBRUARY_SERVICE_UNAVAILABLE_BODY = (
    b'{"error":"Service Unavailable","message":"The service is temporarily unavailable. Please try again later."}'
)


def refusal_for(status: int, model: str, mode: str = TODAY) -> Reply:
    """The gateway's own refusal with ``status`` (one of ``failures.STATUSES``) for ``model``, in ``mode``'s words."""
    today = mode != FEBRUARY
    bodies = {
        401: PAID_AUTH_BODY if today else FEBRUARY_PAID_AUTH_BODY,
        402: USAGE_LIMIT_BODY if today else FEBRUARY_USAGE_LIMIT_BODY,
        404: model_not_found_body(model) if today else FEBRUARY_NOT_FOUND_BODY,
        429: RATE_LIMIT_BODY if today else FEBRUARY_RATE_LIMIT_BODY,
        500: recording("error-500-body.json"),
        503: SERVICE_UNAVAILABLE_BODY if today else FEBRUARY_SERVICE_UNAVAILABLE_BODY,
    }
    return Reply(status=status, body=bodies[status], stream=False)


# What the gateway answers for the ids it retired (docs/gateway-contract.md, "Free models and limits"): id -> 404 body.
RETIRED = {
    "z-ai/glm-5:free": DISCONTINUED_BODY,
    "moonshotai/kimi-k2.5:free": DISCONTINUED_BODY,
    "minimax/minimax-m2.1:free": DISCONTINUED_BODY,
    "minimax/minimax-m2.5:free": UNAVAILABLE_BODY,
    "z-ai/glm-4.7:free": model_not_found_body("z-ai/glm-4.7:free"),
    "arcee-ai/trinity-large-preview:free": model_not_found_body("arcee-ai/trinity-large-preview:free"),
    "corethink:free": model_not_found_body("corethink:free"),
    "kilo/auto": model_not_found_body("kilo/auto"),
}
# Ids that lost their free status: paid now (401 anonymously), and no longer served with a key.
UNFREED = ("giga-potato", "giga-potato-thinking")

REJECTED_TOKENS = frozenset({"public", "no-key", "none", "null", "undefined", ""})
KEEPALIVE = b": KILO PROCESSING"

RECORDINGS = (
    "stream-openai-gpt41.sse",
    "stream-grok-reasoning.sse",
    "stream-devstral-free-toolcall.sse",
    "stream-inband-error-402.sse",
    "nonstream-anthropic-whitespace-prefix.json",
    "error-500-body.json",
)


def recording(name: str) -> bytes:
    """The bytes of one bundled recording, exactly as the gateway sent them."""
    return resources.files(__package__).joinpath("recordings", name).read_bytes()


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


def assemble(raw_sse: bytes) -> bytes:
    """A non-streaming body built from a stream recording: what the gateway answers without ``stream``."""
    events = sse_payloads(raw_sse)
    first = events[0]
    content, reasoning, details, calls, finish, usage = "", "", [], {}, "stop", None
    for event in events:
        for choice in event.get("choices") or ():
            delta = choice.get("delta") or {}
            content += delta.get("content") or ""
            reasoning += delta.get("reasoning") or ""
            merge_details(details, delta.get("reasoning_details") or [])
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
    body = {
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
    return json.dumps(body).encode()


def models_body() -> bytes:
    """``GET /models``: the bundled snapshot of the gateway's list (docs/gateway-contract.md, "The model list")."""
    return resources.files("kilo_litellm").joinpath("data", "models-snapshot.json").read_bytes()


@dataclass
class Reply:
    """One scripted answer. ``body`` wins over ``recording``; ``stream`` picks the content type.

    Fault modes: ``reset`` closes the connection with a TCP reset before any response byte;
    ``hang_up`` closes it (FIN) without a byte, as a server closing an idle keep-alive connection
    at the moment the client reuses it does;
    ``stall`` sends nothing until the client leaves; ``cut_after`` resets after that many body
    bytes; ``gzip`` sends the payload gzip-compressed with ``Content-Encoding: gzip``;
    ``keep_open`` sends the payload and then never ends the response, writing ``drip`` (if set)
    every ``drip_interval`` seconds until the client leaves. ``cuts`` splits the body at those
    byte offsets instead, one write (one HTTP chunk) per piece, to serve exactly chosen reads.
    ``disconnect_after`` ends a stream after that many data events with the gateway's in-band
    ``upstream_disconnect`` (:mod:`chains`); without a body or recording, it cuts the emulator's own answer.
    """

    status: int = 200
    body: bytes | None = None
    recording: str | None = None
    stream: bool | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    chunk_delay: float = 0.0
    chunk_size: int | None = None
    cut_after: int | None = None
    stall: bool = False
    reset: bool = False
    hang_up: bool = False
    gzip: bool = False
    keep_open: bool = False
    drip: bytes | None = None
    drip_interval: float = 0.1
    cuts: tuple[int, ...] = ()
    disconnect_after: int | None = None

    def payload(self) -> bytes:
        if self.body is not None:
            raw = self.body
        elif self.recording is not None:
            raw = recording(self.recording)
        else:
            raw = b""
        return gzip_module.compress(raw) if self.gzip else raw


@dataclass
class Received:
    """One request the emulator received."""

    method: str
    path: str
    headers: dict[str, str]
    raw: bytes
    at: float
    client_port: int = 0

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.raw)
        except ValueError:
            return None

    @property
    def model(self) -> str | None:
        body = self.json
        return body.get("model") if isinstance(body, dict) else None

    @property
    def authorization(self) -> str | None:
        return self.headers.get("authorization")


@lru_cache(maxsize=1)
def _listed_free() -> dict[str, bool]:
    """Lower-cased id -> ``isFree`` of the bundled ``/models`` the emulator serves."""
    return {m["id"].lower(): bool(m.get("isFree")) for m in json.loads(models_body())["data"]}


def _is_free(model: str, listed: Mapping[str, bool] | None = None) -> bool:
    """The gateway's rule: ``isFree`` for a listed model, else its rule for unlisted ids (:mod:`free_ids`)."""
    gid = model.strip().lower()
    listed = _listed_free() if listed is None else listed
    return listed[gid] if gid in listed else free_ids.free_unlisted(gid)


def _bearer(headers: Mapping[str, str]) -> str | None:
    """The bearer token, ``None`` for an anonymous request (no header, or the ``anonymous`` sentinel)."""
    value = headers.get("authorization")
    if value is None:
        return None
    token = value[7:].strip() if value[:7].lower() == "bearer " else value.strip()
    return None if token == "anonymous" else token


def _rejected(token: str) -> bool:
    lowered = token.lower()
    return lowered in REJECTED_TOKENS or "invalid" in lowered or "expired" in lowered


def _compact(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def reserialised(raw_sse: bytes) -> bytes:
    """A stream as the gateway passes it on (docs/gateway-contract.md, "Streams"): each event re-serialised as
    ``data: <json>``, keep-alives as ``: KILO PROCESSING``, ``delta.role: null`` removed, a missing
    ``choices`` as ``[]``."""
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
        out.append(b"data: " + _compact(event) + b"\n\n")
    return b"".join(out)


def _under(path: str, root: str) -> bool:
    full = path.split("?", 1)[0].rstrip("/")
    return full == root or full.startswith(root + "/")


def _route(path: str, mode: str = TODAY) -> str:
    """The route under the gateway root; the gateway serves everything under ``/v1`` too, and
    under the second host's ``/api/v1``."""
    full = path.split("?", 1)[0]
    if mode != FEBRUARY and _under(full, AI_GATEWAY_PATH):
        return full[len(AI_GATEWAY_PATH) :].rstrip("/")
    route = full[len(GATEWAY_PATH) :].rstrip("/")
    return route[3:] if mode != FEBRUARY and route.startswith("/v1/") else route


def _refusal(model: str, token: str | None, mode: str, listed: Mapping[str, bool] | None = None) -> Reply | None:
    """The gateway's auth and retired-model rules, or ``None`` when the model is served."""
    gid = model.strip().lower()
    if mode == FEBRUARY:
        paid = not (_is_free(model) or gid in RETIRED or gid in UNFREED)
        if paid and (token is None or token.lower() in REJECTED_TOKENS):
            return Reply(status=401, body=FEBRUARY_PAID_AUTH_BODY)
        return None
    if token is not None and _rejected(token):
        return Reply(status=401, body=INVALID_TOKEN_BODY, headers=INVALID_TOKEN_HEADERS)
    if gid in RETIRED:
        return Reply(status=404, body=RETIRED[gid])
    if gid in UNFREED and token is not None:
        return Reply(status=404, body=model_not_found_body(model))
    if token is None and not _is_free(model, listed):
        return Reply(status=401, body=PAID_AUTH_BODY)
    return None


TOOL_CALL_RECORDING = "stream-devstral-free-toolcall.sse"
RECORDED_CALL_ID = "qSWMjY1gl"
RECORDED_TOOL = "search_files"
RECORDED_ARGUMENTS = '{"path": "src", "regex": "read_file", "file_pattern": "*.ts"}'
TOOL_MARKER = "kilo-emulator-tool-ok"
HARMLESS_CALLS: dict[str, dict[str, Any]] = {
    "Bash": {"command": f"echo {TOOL_MARKER}", "description": "Print a marker"},
    "shell": {"command": ["echo", TOOL_MARKER]},
    "shell_command": {"command": f"echo {TOOL_MARKER}"},
    "exec_command": {"cmd": f"echo {TOOL_MARKER}"},
}
"""Tools coding agents offer, with arguments that only print :data:`TOOL_MARKER`."""

_call_ids = itertools.count(1)


def _role(message: Any) -> str | None:
    return message.get("role") if isinstance(message, dict) else None


def _is_tool_result(message: Any) -> bool:
    if _role(message) == "tool":
        return True
    content = message.get("content") if _role(message) == "user" else None
    return isinstance(content, list) and any(isinstance(p, dict) and p.get("type") == "tool_result" for p in content)


def _answered_tool_call(messages: Any) -> bool:
    """True when a tool result follows the user's last prompt.

    A user message right after tool results (an agent's reminder next to them) continues that turn,
    so it does not count as a new prompt.
    """
    if not isinstance(messages, list):
        return False
    for i in range(len(messages) - 1, -1, -1):
        if _is_tool_result(messages[i]):
            return True
        if _role(messages[i]) == "user" and (i == 0 or not _is_tool_result(messages[i - 1])):
            return False
    return False


def _tool_names(tools: Any) -> list[str]:
    names = []
    for tool in tools if isinstance(tools, list) else ():
        fn = tool.get("function") if isinstance(tool, dict) else None
        name = fn.get("name") if isinstance(fn, dict) else None
        if isinstance(name, str):
            names.append(name)
    return names


def _swap(raw: bytes, old: str, new: str) -> bytes:
    before, after = old.encode(), new.encode()
    if raw.count(before) != 1:
        raise ValueError(f"{TOOL_CALL_RECORDING} no longer holds exactly one {old}")
    return raw.replace(before, after)


def _tool_call_stream(offered: list[str], call_id: str) -> bytes:
    """The tool-call recording with ``call_id``, calling a tool from ``offered`` (see the module doc)."""
    raw = _swap(recording(TOOL_CALL_RECORDING), f'"id":"{RECORDED_CALL_ID}"', f'"id":"{call_id}"')
    if not offered or RECORDED_TOOL in offered:
        return raw
    name = next((n for n in HARMLESS_CALLS if n in offered), offered[0])
    arguments = json.dumps(HARMLESS_CALLS.get(name, {}))
    raw = _swap(raw, f'"name":"{RECORDED_TOOL}"', f'"name":{json.dumps(name)}')
    return _swap(raw, json.dumps(RECORDED_ARGUMENTS), json.dumps(arguments))


def _agent_turn(body: Mapping[str, Any]) -> Reply | None:
    """The answer to a request that offers ``tools``: text once a tool result is in, else a tool call."""
    if not body.get("tools"):
        return None
    stream = bool(body.get("stream"))
    if _answered_tool_call(body.get("messages")):
        if stream:
            return Reply(recording="stream-openai-gpt41.sse", stream=True)
        return Reply(recording="nonstream-anthropic-whitespace-prefix.json", stream=False)
    raw = _tool_call_stream(_tool_names(body.get("tools")), f"call_{next(_call_ids)}")
    return Reply(body=raw, stream=True) if stream else Reply(body=assemble(raw), stream=False)


def _as_today(reply: Reply) -> Reply:
    """A recorded answer as the gateway passes it on (see :func:`reserialised`)."""
    raw = reply.payload()
    if reply.stream:
        return Reply(body=reserialised(raw), stream=True)
    return Reply(body=_compact(json.loads(raw)), stream=False)


def _answer(body: dict, mode: str) -> Reply:
    """A recording that fits the request, as the gateway of ``mode`` passes it on."""
    model = body.get("model") or ""
    today = mode != FEBRUARY
    turn = _agent_turn(body) if today else None
    if turn is not None:
        return _as_today(turn)
    if body.get("tools"):
        name = TOOL_CALL_RECORDING
    elif "reasoning" in body or "reasoning_effort" in body or "grok" in model:
        name = "stream-grok-reasoning.sse"
    else:
        name = "stream-openai-gpt41.sse"
    if body.get("stream"):
        return Reply(body=reserialised(recording(name)), stream=True) if today else Reply(recording=name, stream=True)
    if name != "stream-openai-gpt41.sse":
        return Reply(body=assemble(recording(name)), stream=False)
    plain = recording("nonstream-anthropic-whitespace-prefix.json")
    return Reply(body=_compact(json.loads(plain)) if today else plain, stream=False)


def default_reply(
    path: str, headers: Mapping[str, str], raw: bytes, mode: str = TODAY, models: list[dict] | None = None
) -> Reply:
    """What the gateway itself would answer (for the cases a client can observe); ``models`` replaces
    the bundled ``/models`` (see :mod:`chains`)."""
    routed = extra_route(path, headers, raw, mode)
    if routed is not None:
        return routed
    route = _route(path, mode)
    if route == "/models":
        return Reply(body=models_body() if models is None else chains.models_listing(models))
    if route != "/chat/completions":
        return Reply(status=400, body=INVALID_PATH_BODY)
    try:
        body = json.loads(raw)
    except ValueError:
        return Reply(status=400, body=BAD_JSON_BODY if mode != FEBRUARY else FEBRUARY_BAD_JSON_BODY)
    if mode != FEBRUARY and isinstance(body, dict) and "providerOptions" in body:
        return Reply(status=400, body=PROVIDER_OPTIONS_BODY)
    model = body.get("model") if isinstance(body, dict) else None
    if not isinstance(model, str) or not model.strip():
        return Reply(status=404, body=EMPTY_MODEL_BODY if mode != FEBRUARY else FEBRUARY_NOT_FOUND_BODY)
    refusal = _refusal(model, _bearer(headers), mode, None if models is None else chains.listed_free(models))
    if refusal is not None:
        return refusal
    answer = _answer(body, mode)
    if mode == FEBRUARY or chains.trailing_prefill(body.get("messages")) is None:
        return answer
    return Reply(body=chains.continued(answer.payload(), bool(answer.stream), body), stream=answer.stream)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes; no 40 ms delayed-ACK stall
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        return

    def do_GET(self) -> None:
        self._answer(b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self._answer(self.rfile.read(length) if length else b"")

    def _answer(self, raw: bytes) -> None:
        emu = self.server.emulator
        headers = {k.lower(): v for k, v in self.headers.items()}
        emu._record(Received(self.command, self.path, headers, raw, time.monotonic(), self.client_address[1]))
        reply = emu._next_reply(self.path, headers, raw)
        if reply.reset:
            self._reset()
            return
        if reply.hang_up:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if reply.stall:
            self._wait_for_client_to_leave()
            self.close_connection = True
            return
        if reply.delay and emu._stopping.wait(reply.delay):
            return
        payload = reply.payload()
        plain = gzip_module.decompress(payload) if reply.gzip else payload
        stream = reply.stream if reply.stream is not None else plain.lstrip().startswith((b"data:", b":"))
        stream = stream or reply.keep_open
        self.send_response(reply.status)
        if "content-type" not in {k.lower() for k in reply.headers}:
            self.send_header("Content-Type", "text/event-stream" if stream else "application/json")
        if reply.gzip:
            self.send_header("Content-Encoding", "gzip")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if stream:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        try:
            self._write_body(reply, payload, stream)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _write_body(self, reply: Reply, payload: bytes, stream: bool) -> None:
        pieces = _cut(payload, reply.cuts) if reply.cuts else _pieces(payload, reply.chunk_size, stream)
        sent = 0
        for piece in pieces:
            if reply.cut_after is not None and sent + len(piece) > reply.cut_after:
                self._write(piece[: reply.cut_after - sent], stream)
                self.wfile.flush()
                self._reset()
                return
            self._write(piece, stream)
            sent += len(piece)
            if reply.chunk_delay:
                self.wfile.flush()
                if self.server.emulator._stopping.wait(reply.chunk_delay):
                    return
        if reply.keep_open:
            self.wfile.flush()
            self._drip(reply)
            return
        if stream:
            self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _reset(self) -> None:
        """Close with a TCP reset (RST), as a crashed peer or a middlebox does."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        self.connection.close()
        self.close_connection = True

    def _client_left(self, wait: float) -> bool:
        """True once the client has closed its side (EOF or reset), waiting up to ``wait`` seconds."""
        readable, _, _ = select.select([self.connection], [], [], wait)
        if not readable:
            return False
        try:
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def _wait_for_client_to_leave(self) -> None:
        stopping = self.server.emulator._stopping
        while not stopping.is_set() and not self._client_left(0.05):
            pass

    def _drip(self, reply: Reply) -> None:
        """The response never ends: keep-alive bytes (if any) until the client or emulator leaves."""
        self.close_connection = True
        interval = reply.drip_interval
        stopping = self.server.emulator._stopping
        while not stopping.is_set():
            if self._client_left(interval):
                return
            if reply.drip:
                try:
                    self._write(reply.drip, True)
                    self.wfile.flush()
                except OSError:
                    return

    def _write(self, piece: bytes, stream: bool) -> None:
        if not piece:
            return
        if stream:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        else:
            self.wfile.write(piece)


def _pieces(payload: bytes, size: int | None, stream: bool) -> Iterable[bytes]:
    """Streams go out one SSE event (or one line block) at a time, as the gateway flushes them."""
    if size:
        return [payload[i : i + size] for i in range(0, len(payload), size)]
    if stream:
        parts = payload.split(b"\n\n")
        return [p + b"\n\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    return [payload]


def _cut(payload: bytes, cuts: Iterable[int]) -> list[bytes]:
    points = sorted({c for c in cuts if 0 < c < len(payload)})
    return [payload[a:b] for a, b in zip([0, *points], [*points, len(payload)], strict=True)]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024
    emulator: GatewayEmulator

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-request (reset, broken pipe) is routine for a gateway: a debug
        line. Anything else is a fault of the emulator and keeps the standard traceback on stderr."""
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError):
            logger.debug("kilo emulator: client %s went away: %r", client_address, exc)
            return
        super().handle_error(request, client_address)


class GatewayEmulator:
    """``with GatewayEmulator() as gw: litellm.completion(..., api_base=gw.api_base)``."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        default: Reply | None = None,
        mode: str = TODAY,
        fail: Mapping[str, int] | None = None,
    ) -> None:
        if mode not in (TODAY, FEBRUARY):
            raise ValueError(f"mode must be {TODAY!r} or {FEBRUARY!r}, got {mode!r}")
        self.fail = failures.normalised(fail)
        """Gateway id -> status: every chat request for that model gets the gateway's refusal (:mod:`.failures`)."""
        self._server = _Server((host, port), _Handler)
        self.mode = mode
        """``"today"``: the gateway as docs/gateway-contract.md describes it; ``"february"``: the gateway
        of February 2026."""
        self.default = default
        """The answer to every request the script does not cover; ``None`` answers like the gateway."""
        self.models: list[dict] | None = None
        """``GET /models`` entries served instead of the bundled snapshot (:func:`chains.gateway_model`)."""
        self._server.emulator = self
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._script: deque[Reply] = deque()
        self._stopping = threading.Event()
        self.requests: list[Received] = []
        self.account = AccountEmulator(rejected=_rejected)
        """Kilo's account endpoints beside the gateway (``KILO_API_URL`` = :attr:`url`): see :mod:`.account`."""

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_base(self) -> str:
        return self.url + GATEWAY_PATH

    @property
    def ai_gateway_base(self) -> str:
        """The base in the second host's shape (``https://ai-gateway.kilo.ai/api/v1``): ``<url>/api/v1``."""
        return self.url + AI_GATEWAY_PATH

    def start(self) -> GatewayEmulator:
        self._thread = threading.Thread(target=self._server.serve_forever, name="kilo-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> GatewayEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def script(self, *replies: Reply) -> GatewayEmulator:
        """Queue answers for the next requests, in order; after them the default behaviour resumes."""
        with self._lock:
            self._script.extend(replies)
        return self

    def reset(self) -> None:
        with self._lock:
            self.default = None
            self.models = None
            self._script.clear()
            self.requests.clear()
        self.account.reset()

    @property
    def chat_requests(self) -> list[Received]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    @property
    def embedding_requests(self) -> list[Received]:
        return [r for r in self.requests if r.path.endswith("/embeddings")]

    @property
    def fim_requests(self) -> list[Received]:
        return [r for r in self.requests if r.path.endswith("/fim/completions")]

    def _record(self, received: Received) -> None:
        with self._lock:
            self.requests.append(received)

    def _next_reply(self, path: str, headers: Mapping[str, str], raw: bytes) -> Reply:
        with self._lock:
            reply = self._script.popleft() if self._script else None
        if reply is None:
            account = self.account.answer(self.url, path, headers, _bearer(headers))
            if account is not None:
                return Reply(status=account[0], body=account[1], stream=False)
            chat = path.startswith(GATEWAY_PATH + "/") and _route(path, self.mode) == "/chat/completions"
            failed = failures.failing(self.fail, raw) if chat else None
            if failed is not None:
                return refusal_for(failed[1], failed[0], self.mode)
            reply = self.default
        if reply is None or reply.disconnect_after is None:
            return reply or default_reply(path, headers, raw, self.mode, self.models)
        own = reply.body is not None or reply.recording is not None
        source = reply if own else default_reply(path, headers, raw, self.mode, self.models)
        plain = source.payload()
        if source.status != 200 or source.gzip or not plain.lstrip().startswith((b"data:", b":")):
            return source
        cut = chains.cut_stream(plain, reply.disconnect_after)
        return replace(reply, body=cut, recording=None, stream=True, disconnect_after=None)


# -- routes beyond chat and /models (synthesised: no recording of them exists) -------------------

HTML_NOT_FOUND_BODY = (
    b"<!DOCTYPE html><html><head><title>404: This page could not be found</title></head>"
    b"<body><h1>404</h1><p>This page could not be found.</p></body></html>"
)
API_KIND_BODY = (
    b'{"error":"This model does not support the embeddings API, please use any of: chat_completions",'
    b'"error_type":"api_kind_not_supported",'
    b'"message":"This model does not support the embeddings API, please use any of: chat_completions"}'
)
EMBEDDING_NOT_FOUND_BODY = (
    b'{"error":"The requested model does not exist. Please use an exact model id as listed on '
    b'/api/gateway/embedding-models.","error_type":"model_not_found"}'
)
DEFAULT_VECTOR_SIZE = 256


def extra_route(path: str, headers: Mapping[str, str], raw: bytes, mode: str = TODAY) -> Reply | None:
    """The embeddings and fill-in-the-middle (:mod:`fim`) routes and the HTML 404 for paths outside
    the gateway; ``None`` for the rest."""
    served = _under(path, GATEWAY_PATH) or (mode != FEBRUARY and _under(path, AI_GATEWAY_PATH))
    if not served:
        return Reply(status=404, body=HTML_NOT_FOUND_BODY, stream=False, headers={"Content-Type": "text/html"})
    route = _route(path)
    if route == "/embedding-models":
        return Reply(body=embedding_models_body(), stream=False)
    if route == "/embeddings":
        return embeddings_reply(headers, raw)
    if route == "/fim/completions":
        return Reply(**fim.answer(_bearer(headers), raw, _rejected))
    return None


def embedding_models_body() -> bytes:
    """``GET /embedding-models``: the bundled list (its shape assumed to be the ``/models`` shape)."""
    return resources.files("kilo_litellm").joinpath(embeddings.BUNDLED).read_bytes()


def vector(text: str, size: int) -> list[float]:
    """A unit vector that depends only on ``text`` and ``size``: equal inputs embed equally."""
    rng = random.Random(int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big"))
    values = [rng.uniform(-1.0, 1.0) for _ in range(size)]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [round(v / norm, 6) for v in values]


def _encoded(values: list[float], encoding_format: Any) -> list[float] | str:
    if encoding_format == "base64":
        return base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode()
    return values


def _tokens(item: Any) -> int:
    return len(item) if isinstance(item, list) else max(1, len(str(item).split()))


def embeddings_reply(headers: Mapping[str, str], raw: bytes) -> Reply:
    """``POST /embeddings`` as the gateway answers it, for the cases a client can observe."""
    try:
        body = json.loads(raw)
    except ValueError:
        return Reply(status=400, body=BAD_JSON_BODY)
    model = body.get("model") if isinstance(body, dict) else None
    if not isinstance(model, str) or not model:
        return Reply(status=400, body=BAD_JSON_BODY)
    listed = embeddings.lookup(model)
    if listed is None and model.strip().lower() in _listed_free():
        return Reply(status=400, body=API_KIND_BODY)
    if listed is None and not embeddings.is_free_id(model):
        return Reply(status=404, body=EMBEDDING_NOT_FOUND_BODY)
    token = _bearer(headers)
    if token is not None and _rejected(token):
        return Reply(status=401, body=INVALID_TOKEN_BODY, headers=INVALID_TOKEN_HEADERS)
    if token is None and not embeddings.is_free(model):
        return Reply(status=401, body=PAID_AUTH_BODY)
    inputs = body.get("input")
    items = inputs if isinstance(inputs, list) and inputs and not isinstance(inputs[0], int) else [inputs]
    size = body.get("dimensions") or (listed.vector_size if listed else None) or DEFAULT_VECTOR_SIZE
    fmt = body.get("encoding_format")
    data = [
        {"object": "embedding", "index": i, "embedding": _encoded(vector(json.dumps(item), size), fmt)}
        for i, item in enumerate(items)
    ]
    tokens = sum(_tokens(item) for item in items)
    usage: dict[str, Any] = {"prompt_tokens": tokens, "total_tokens": tokens}
    if listed is not None and not listed.free and listed.price_per_token is not None:
        usage["cost"] = tokens * listed.price_per_token
    answer = {"object": "list", "data": data, "model": model, "usage": usage}
    return Reply(body=json.dumps(answer).encode(), stream=False)
