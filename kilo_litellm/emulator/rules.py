"""The gateway's rules as pure functions: which path is which route, who the caller is, which model it serves.

The facts and their evidence: docs/gateway-contract.md, "Paths and hosts", "Authentication", "The
model list", "Free models and limits".

**Paths.** One handler behind three prefixes: ``/api/gateway/X`` = ``/api/openrouter/X`` =
``/api/v1/X``, the first two also with ``/v1`` inside (``/api/gateway/v1/X``), as the web app's
rewrites send them all to the gateway host's ``/api/v1/X``. Outside those families the gateway
serves fill-in-the-middle at ``/api/fim/completions``, Next Edit at ``/api/edit/completions`` and an
organisation's model list at ``/api/organizations/{id}/models``. Every other path is not the
gateway's (the account routes are :mod:`.account`'s).

**Caller.** No ``Authorization`` header, or ``Bearer anonymous`` (a sentinel the official client
sends), is anonymous. Any other bearer the gateway cannot verify is rejected with 401
``INVALID_TOKEN``, even for free models. The emulator verifies a token against the keys it was
given (``GatewayEmulator(keys=...)``, ``--key``); given none, it rejects the placeholders
(``public``, ``no-key``, ...) and tokens containing ``invalid`` or ``expired``, and takes every other
token as a valid key.

**Models.** The gateway serves what its ``/models`` lists: ``isFree`` entries to anyone, the
others with a key (401 ``PAID_MODEL_AUTH_REQUIRED`` without). ``kilo-auto/small`` is listed with a
price yet served without a key (the gateway then routes it to a free model). An id its ``/models``
does not list is 404 ``model_not_found``, ``:free`` ids included, with or without a key; the
retired free ids of the seed page keep the 404 bodies the server code has for them
(:data:`RETIRED`), and ``giga-potato`` lost its free status (401 anonymously, 404 with a key).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from kilo_litellm.emulator import bodies
from kilo_litellm.emulator.reply import Reply, error

GATEWAY_PATH = "/api/gateway"
OPENROUTER_PATH = "/api/openrouter"
AI_GATEWAY_PATH = "/api/v1"
FIM_PATH = "/api/fim/completions"
EDIT_PATH = "/api/edit/completions"
ORGANIZATIONS_PATH = "/api/organizations/"

CHAT, MESSAGES, RESPONSES = "/chat/completions", "/messages", "/responses"
MODELS, FIM, EDIT = "/models", "/fim/completions", "/edit/completions"
INFERENCE = (CHAT, MESSAGES, RESPONSES)

RETIRED = {
    "z-ai/glm-5:free": bodies.DISCONTINUED_BODY,
    "moonshotai/kimi-k2.5:free": bodies.DISCONTINUED_BODY,
    "minimax/minimax-m2.1:free": bodies.DISCONTINUED_BODY,
    "minimax/minimax-m2.5:free": bodies.UNAVAILABLE_BODY,
    "z-ai/glm-4.7:free": bodies.model_not_found_body("z-ai/glm-4.7:free"),
    "arcee-ai/trinity-large-preview:free": bodies.model_not_found_body("arcee-ai/trinity-large-preview:free"),
    "corethink:free": bodies.model_not_found_body("corethink:free"),
    "kilo/auto": bodies.model_not_found_body("kilo/auto"),
}
"""Retired ids the gateway answers with a 404 of their own (unless its ``/models`` lists them again)."""
UNFREED = ("giga-potato", "giga-potato-thinking")
"""Ids that lost their free status: 401 anonymously, no longer served with a key."""
SERVED_WITHOUT_KEY = frozenset({"kilo-auto/small"})
"""Listed with a price (``isFree: false``), yet served without a key or balance."""
REJECTED_TOKENS = frozenset({"public", "no-key", "none", "null", "undefined", ""})


@dataclass(frozen=True)
class Route:
    """A gateway route (``/chat/completions``, ``/models``, ...); ``organization`` for an organisation's list."""

    name: str
    organization: str | None = None


def _clean(path: str) -> str:
    return path.split("?", 1)[0].rstrip("/")


def under(path: str, root: str) -> bool:
    full = _clean(path)
    return full == root or full.startswith(root + "/")


def route(path: str) -> Route | None:
    """The gateway route a path lands on, ``None`` for a path the gateway does not serve."""
    full = _clean(path)
    for prefix in (GATEWAY_PATH, OPENROUTER_PATH):
        if under(full, prefix):
            rest = full[len(prefix) :]
            return Route(rest[3:] if rest == "/v1" or rest.startswith("/v1/") else rest)
    if under(full, AI_GATEWAY_PATH):
        return Route(full[len(AI_GATEWAY_PATH) :])
    if full == FIM_PATH:
        return Route(FIM)
    if full == EDIT_PATH:
        return Route(EDIT)
    if full.startswith(ORGANIZATIONS_PATH):
        org, _, rest = full[len(ORGANIZATIONS_PATH) :].partition("/")
        if org and rest == "models":
            return Route(MODELS, organization=org)
    return None


def bearer(headers: Mapping[str, str]) -> str | None:
    """The bearer token, ``None`` for an anonymous request (no header, or the ``anonymous`` sentinel)."""
    value = headers.get("authorization")
    if value is None:
        return None
    token = value[7:].strip() if value[:7].lower() == "bearer " else value.strip()
    return None if token == "anonymous" else token


def placeholder_or_spoiled(token: str) -> bool:
    """A token the emulator rejects when it was given no keys: a placeholder, ``invalid`` or ``expired``."""
    lowered = token.lower()
    return lowered in REJECTED_TOKENS or "invalid" in lowered or "expired" in lowered


def rejecter(keys: Collection[str] | None) -> Callable[[str], bool]:
    """The rule for tokens: only ``keys`` when given, else :func:`placeholder_or_spoiled`."""
    if keys is None:
        return placeholder_or_spoiled
    accepted = frozenset(keys)
    return lambda token: token not in accepted


def invalid_token() -> Reply:
    return error(401, bodies.INVALID_TOKEN_BODY, bodies.INVALID_TOKEN_HEADERS)


def refusal(model: str, token: str | None, listed: Mapping[str, bool], rejected: Callable[[str], bool]) -> Reply | None:
    """The gateway's refusal of ``model`` for this caller, ``None`` when it serves it.

    ``listed`` is its ``/models`` (lower-cased id -> ``isFree``).
    """
    gid = model.strip().lower()
    if token is not None and rejected(token):
        return invalid_token()
    if gid in listed:
        if token is None and not listed[gid] and gid not in SERVED_WITHOUT_KEY:
            return error(401, bodies.PAID_AUTH_BODY)
        return None
    if gid in RETIRED:
        return error(404, RETIRED[gid])
    if gid in UNFREED and token is None:
        return error(401, bodies.PAID_AUTH_BODY)
    return error(404, bodies.model_not_found_body(model))
