"""A local Kilo Gateway for tests, the demo and users' own offline tests: ``GatewayEmulator``.

A real HTTP server on 127.0.0.1 that answers like the gateway with its recorded bytes, and can be
scripted to refuse, cut or delay. It shares no code with the package it checks (only data files).
By job: ``recorded`` (the recordings and the gateway's stream writing), ``bodies`` (its error
bodies), ``rules`` (paths, callers, which models it serves: pure), ``listing`` (``/models``),
``gateway`` (one request's answer: pure), ``chat``, ``api_shapes`` (``/messages``, ``/responses``),
``tool_turns``, ``fim``, ``embeddings``, ``account`` (sign-in, profile, defaults), ``chains`` (what
free chains meet), ``failures`` and ``policy_errors`` (refusals to script), ``reply`` and ``server``
(the socket server and its faults), ``foreground`` (the ``kilo-litellm emulator`` command).
"""

from kilo_litellm.emulator.bodies import (
    BAD_JSON_BODY,
    DISCONTINUED_BODY,
    EMPTY_MODEL_BODY,
    HTML_NOT_FOUND_BODY,
    INVALID_PATH_BODY,
    INVALID_TOKEN_BODY,
    INVALID_TOKEN_HEADERS,
    NOT_FOUND_BODY,
    PAID_AUTH_BODY,
    PROMOTION_LIMIT_BODY,
    PROVIDER_OPTIONS_BODY,
    RATE_LIMIT_BODY,
    SERVICE_UNAVAILABLE_BODY,
    UNAVAILABLE_BODY,
    USAGE_LIMIT_BODY,
    model_not_found_body,
    path_not_found_body,
    refusal_body,
)
from kilo_litellm.emulator.chains import gateway_model
from kilo_litellm.emulator.embeddings import DEFAULT_VECTOR_SIZE
from kilo_litellm.emulator.listing import bundled_models
from kilo_litellm.emulator.policy_errors import (
    ACCOUNT_RESTRICTED_BODY,
    AUTO_ROUTING_BLOCKED_BODY,
    BYOK_RECONNECT_BODY,
    BYOK_RECONNECT_URL,
    POLICY_ERRORS,
    TEAM_NOT_ALLOWED_BODY,
    TOO_MANY_REQUESTS_BODY,
    policy_reply,
    too_many_requests,
)
from kilo_litellm.emulator.recorded import (
    KEEPALIVE,
    RECORDINGS,
    assemble,
    recording,
    reserialised,
    sse_payloads,
    streamed_text,
)
from kilo_litellm.emulator.reply import Received, Reply
from kilo_litellm.emulator.rules import AI_GATEWAY_PATH, GATEWAY_PATH, OPENROUTER_PATH, RETIRED
from kilo_litellm.emulator.server import GatewayEmulator
from kilo_litellm.emulator.tool_turns import HARMLESS_CALLS, TOOL_MARKER

__all__ = [
    "ACCOUNT_RESTRICTED_BODY",
    "AI_GATEWAY_PATH",
    "AUTO_ROUTING_BLOCKED_BODY",
    "BAD_JSON_BODY",
    "BYOK_RECONNECT_BODY",
    "BYOK_RECONNECT_URL",
    "DEFAULT_VECTOR_SIZE",
    "DISCONTINUED_BODY",
    "EMPTY_MODEL_BODY",
    "GATEWAY_PATH",
    "HARMLESS_CALLS",
    "HTML_NOT_FOUND_BODY",
    "INVALID_PATH_BODY",
    "INVALID_TOKEN_BODY",
    "INVALID_TOKEN_HEADERS",
    "KEEPALIVE",
    "NOT_FOUND_BODY",
    "OPENROUTER_PATH",
    "PAID_AUTH_BODY",
    "POLICY_ERRORS",
    "PROMOTION_LIMIT_BODY",
    "PROVIDER_OPTIONS_BODY",
    "RATE_LIMIT_BODY",
    "RECORDINGS",
    "RETIRED",
    "SERVICE_UNAVAILABLE_BODY",
    "TEAM_NOT_ALLOWED_BODY",
    "TOOL_MARKER",
    "TOO_MANY_REQUESTS_BODY",
    "UNAVAILABLE_BODY",
    "USAGE_LIMIT_BODY",
    "GatewayEmulator",
    "Received",
    "Reply",
    "assemble",
    "bundled_models",
    "gateway_model",
    "model_not_found_body",
    "path_not_found_body",
    "policy_reply",
    "recording",
    "refusal_body",
    "reserialised",
    "sse_payloads",
    "streamed_text",
    "too_many_requests",
]
