"""The gateway's base URL as users write it → the one form every request is built from (pure).

The gateway answers on two hosts. ``https://api.kilo.ai/api/gateway`` (the documented base, the
default) serves its routes both directly and under ``/v1`` (``/api/gateway/v1/chat/completions``);
in production Kilo's web app rewrites those URLs to the second host. Kilo's server code serves the
same routes on ``https://ai-gateway.kilo.ai`` under ``/api/v1`` (``/api/v1/chat/completions``); no
published Kilo client uses that host (docs/gateway-contract.md, "Paths and hosts"). People paste
whatever their last tool wanted: a
trailing slash, the ``/v1`` suffix OpenAI SDKs expect, the host's root, or the full
``.../chat/completions`` URL. :func:`normalise_base` strips those so chat, fill-in-the-middle,
embeddings and the model list all append their own route to the same base.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit, urlunsplit

# Routes the provider calls; a base that already ends in one of them had it pasted in by mistake.
ROUTES = ("chat/completions", "fim/completions", "embeddings", "embedding-models", "models")
GATEWAY_SUFFIX = "/api/gateway"
OPENROUTER_SUFFIX = "/api/openrouter"
FIM_ROUTE = "fim/completions"
ORIGIN_FIM_PATH = "/api/" + FIM_ROUTE
AI_GATEWAY_SUFFIX = "/api/v1"
KILO_HOSTS = {"api.kilo.ai": GATEWAY_SUFFIX, "ai-gateway.kilo.ai": AI_GATEWAY_SUFFIX}
"""Kilo's own hosts and the path their gateway routes live under: a base with just the host, or
the host and ``/api``, gets that path (as Kilo's client completes a root URL to its routes)."""


def normalise_base(base: str) -> str:
    """``https://api.kilo.ai/api/gateway/v1/chat/completions/`` → ``https://api.kilo.ai/api/gateway``.

    A trailing ``/v1`` is dropped only right after ``/api/gateway``; ``/api/v1`` (the second host's
    root) is kept as it is, and on any other path (a proxy in front of the gateway) ``/v1`` may be
    part of the real path, so it is kept there too. On Kilo's own hosts a root or ``/api`` base is
    completed to the host's gateway path: ``https://ai-gateway.kilo.ai/api`` →
    ``https://ai-gateway.kilo.ai/api/v1``.
    """
    base = base.strip().rstrip("/")
    for route in ROUTES:
        if base.endswith("/" + route):
            base = base[: -len(route) - 1].rstrip("/")
            break
    if base.endswith(GATEWAY_SUFFIX + "/v1"):
        base = base[: -len("/v1")]
    return _completed(base)


def _completed(base: str) -> str:
    """A root or ``/api`` base on one of :data:`KILO_HOSTS` with that host's gateway path."""
    try:
        parts = urlsplit(base)
    except ValueError:
        return base
    root = KILO_HOSTS.get((parts.hostname or "").lower())
    if root is None or parts.path not in ("", "/api"):
        return base
    return urlunsplit(parts._replace(path=root))


def fim_endpoint(base: str) -> str:
    """Where fill-in-the-middle goes: ``/api/fim/completions`` on the origin of an ``/api/gateway``
    (or ``/api/openrouter``) base, as Kilo's own client sends it; the second host's
    ``/api/v1/fim/completions``; ``{base}/fim/completions`` on any other base (a proxy in front).

    ``/api/gateway/fim/completions`` reaches the route only through the web app's rewrite, while
    ``/api/fim/completions`` is served in every version of the server (docs/gateway-contract.md,
    "Fill-in-the-middle").
    """
    base = normalise_base(base)
    for family in (GATEWAY_SUFFIX, OPENROUTER_SUFFIX):
        if base.endswith(family):
            return base[: -len(family)] + ORIGIN_FIM_PATH
    return f"{base}/{FIM_ROUTE}"


def models_endpoint(base: str, org_id: str | None = None) -> str:
    """Where the model list is read: an organisation's own list, ``/api/organizations/{id}/models``
    on the origin of an ``/api/gateway`` (or ``/api/openrouter``) base, as Kilo's own client reads
    it for an organisation; else ``{base}/models``."""
    base = normalise_base(base)
    for family in (GATEWAY_SUFFIX, OPENROUTER_SUFFIX):
        if org_id and base.endswith(family):
            return f"{base[: -len(family)]}/api/organizations/{quote(org_id.strip(), safe='')}/models"
    return f"{base}/models"


def endpoint(base: str, route: str) -> str:
    """The URL of one gateway route (``chat/completions``, ``embeddings``, ``models``, ...)."""
    return f"{normalise_base(base)}/{route}"
