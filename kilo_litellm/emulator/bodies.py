"""The gateway's own error bodies, byte for byte as its server code builds them (docs/gateway-contract.md, "Errors").

Synthesised (no recording of them exists) from the server code: each carries a top-level
``error_type``, the reliable key. Three shapes: the flat ``{"error", "error_type", "message"}``,
the nested ``{"error": {"code", "message"}, "error_type"}`` of the auth answers, and the 402's
``{"error": {"title", "message", "balance", "buyCreditsUrl"}, "error_type"}``.
"""

from __future__ import annotations

import json

from kilo_litellm.emulator.recorded import recording


def flat(error: str, error_type: str, message: str | None = None) -> bytes:
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
RATE_LIMIT_BODY = flat(
    "Rate limit exceeded", "rate_limit_exceeded", "Model usage limit reached. Please try again later."
)
BAD_JSON_BODY = flat("Malformed JSON", "invalid_request", "Request body is not valid JSON: Unexpected token")
INVALID_PATH_BODY = flat("Invalid path", "invalid_path", "This endpoint only accepts the path `/chat/completions`.")
DISCONTINUED_BODY = flat(
    "The free period of this model ended. Please use kilo-auto/balanced for affordable inference or "
    "kilo-auto/free for limited free inference.",
    "discontinued_free_model",
)
UNAVAILABLE_BODY = flat(
    "The requested model is currently unavailable. Please choose a different model.", "unavailable_model"
)


def model_not_found_body(model: str) -> bytes:
    """404 for an id the gateway does not serve (it is not on its ``/models``)."""
    return flat(
        f"The requested model '{model}' does not exist. Please use an exact model id as listed on "
        "/api/gateway/models. If this is a newly released model, please try again in a few minutes.",
        "model_not_found",
    )


NOT_FOUND_BODY = model_not_found_body("no-such/model")
EMPTY_MODEL_BODY = flat("Model not found", "model_not_found", "The requested model could not be found.")
"""404 for a missing or blank ``model``, sent before the key is checked."""
PROVIDER_OPTIONS_BODY = flat("The providerOptions field is not supported. Use provider instead.", "unsupported_field")
STORE_BODY = flat(
    "The store and previous_response_id fields are not supported.",
    "unsupported_field",
    "Stored responses are not supported: send store:false and the whole conversation as input.",
)
"""400 for ``/responses`` with ``store: true`` or a ``previous_response_id``."""
USAGE_LIMIT_BODY = (
    b'{"error":{"title":"Low Credit Warning!","message":"Add credits to continue, or switch to a free model",'
    b'"balance":0,"buyCreditsUrl":"https://app.kilo.ai/profile"},"error_type":"usage_limit_exceeded"}'
)
SERVICE_UNAVAILABLE_BODY = flat(
    "Service Unavailable", "temporarily_unavailable", "The service is temporarily unavailable. Please try again later."
)
API_KIND_BODY = flat(
    "This model does not support the embeddings API, please use any of: chat_completions", "api_kind_not_supported"
)
EMBEDDING_NOT_FOUND_BODY = (
    b'{"error":"The requested model does not exist. Please use an exact model id as listed on '
    b'/api/gateway/embedding-models.","error_type":"model_not_found"}'
)
HTML_NOT_FOUND_BODY = (
    b"<!DOCTYPE html><html><head><title>404: This page could not be found</title></head>"
    b"<body><h1>404</h1><p>This page could not be found.</p></body></html>"
)
"""What a web server that is not the gateway answers a wrong ``api_base`` with (for a test to script)."""


def path_not_found_body(path: str) -> bytes:
    """404 for a path outside every route the gateway serves: JSON, like every answer of its API."""
    return flat("Not Found", "invalid_path", f"The path {path} is not served by the Kilo Gateway.")


def refusal_body(status: int, model: str) -> bytes:
    """The gateway's own refusal with ``status`` (one of ``failures.STATUSES``) for ``model``."""
    bodies = {
        401: PAID_AUTH_BODY,
        402: USAGE_LIMIT_BODY,
        404: model_not_found_body(model),
        429: RATE_LIMIT_BODY,
        500: recording("error-500-body.json"),
        503: SERVICE_UNAVAILABLE_BODY,
    }
    return bodies[status]
