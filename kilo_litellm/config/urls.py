"""The gateway's base URL as users write it → the one form every request is built from (pure).

The gateway lives at ``https://api.kilo.ai/api/gateway`` and answers its routes both directly
and under ``/v1`` (``/api/gateway/v1/chat/completions``). People paste whatever their last tool
wanted: a trailing slash, the ``/v1`` suffix OpenAI SDKs expect, or the full
``.../chat/completions`` URL. :func:`normalise_base` strips those so chat, fill-in-the-middle,
embeddings and the model list all append their own route to the same base.
"""

from __future__ import annotations

# Routes the provider calls; a base that already ends in one of them had it pasted in by mistake.
ROUTES = ("chat/completions", "fim/completions", "embeddings", "embedding-models", "models")
GATEWAY_SUFFIX = "/api/gateway"


def normalise_base(base: str) -> str:
    """``https://api.kilo.ai/api/gateway/v1/chat/completions/`` → ``https://api.kilo.ai/api/gateway``.

    A trailing ``/v1`` is dropped only right after ``/api/gateway``: on any other host (a proxy in
    front of the gateway) ``/v1`` may be part of the real path, so it is kept there.
    """
    base = base.strip().rstrip("/")
    for route in ROUTES:
        if base.endswith("/" + route):
            base = base[: -len(route) - 1].rstrip("/")
            break
    if base.endswith(GATEWAY_SUFFIX + "/v1"):
        base = base[: -len("/v1")]
    return base


def endpoint(base: str, route: str) -> str:
    """The URL of one gateway route (``chat/completions``, ``embeddings``, ``models``, ...)."""
    return f"{normalise_base(base)}/{route}"
