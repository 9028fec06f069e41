"""The gateway's refusals that depend on an account, an organisation or its abuse layer, for a test to script.

Each body is the gateway's own, from its server code (``llm-proxy-helpers.ts``, ``llm-proxy.ts``):
the flat shape ``{"error", "error_type", "message"}``. The emulator's default answers produce only
the empty-model 404 (a request whose ``model`` is missing or blank, answered before the key is
checked); the others depend on an account, an organisation or Kilo's abuse layer, so a test asks
for them::

    gw.script(policy_reply("account_restricted"))

or builds its own :class:`Reply` from the constants here.
"""

from __future__ import annotations

import math

from kilo_litellm.emulator.bodies import EMPTY_MODEL_BODY
from kilo_litellm.emulator.bodies import flat as _flat
from kilo_litellm.emulator.reply import Reply

AUTO_ROUTING_BLOCKED_BODY = _flat(
    "Auto-routing could not select an eligible model for this request.",
    "model_not_allowed",
    "Auto-routing could not select an eligible model for this request. Please try again or contact support if the "
    "problem persists.",
)
"""503: ``kilo-auto/efficient``/``balanced`` found no model the organisation's policy allows for this request."""

TEAM_NOT_ALLOWED_BODY = _flat(
    "Model not allowed for your team.", "model_not_allowed", "The requested model is not allowed for your team."
)
"""404: the organisation's allow-list does not contain the model."""

BYOK_RECONNECT_URL = "https://app.kilo.ai/byok"
_RECONNECT = (
    "Your ChatGPT connection has expired. Reconnect to continue. Reconnect your ChatGPT connection at "
    f"{BYOK_RECONNECT_URL}, or choose a different model."
)
BYOK_RECONNECT_BODY = _flat(_RECONNECT, "byok_error", _RECONNECT)
"""400: the "Sign in with ChatGPT" connection behind the model can no longer be refreshed."""

TOO_MANY_REQUESTS_BODY = _flat(
    "Rate limit exceeded", "rate_limit_exceeded", "Too many requests. Please try again later."
)
"""429 from Kilo's abuse layer (and the per-account cap), which may carry ``retry-after``/``retry-after-ms``."""

ACCOUNT_RESTRICTED_BODY = _flat(
    "Request not allowed", "account_restricted", "This account cannot make requests right now. Contact support."
)
"""403: Kilo restricted the account."""


def too_many_requests(retry_after_ms: int | None = 2000) -> Reply:
    """The abuse layer's 429 with ``retry-after`` (whole seconds, rounded up) and ``retry-after-ms``."""
    headers = {}
    if retry_after_ms is not None:
        headers = {"retry-after": str(math.ceil(retry_after_ms / 1000)), "retry-after-ms": str(retry_after_ms)}
    return Reply(status=429, body=TOO_MANY_REQUESTS_BODY, headers=headers, stream=False)


POLICY_ERRORS: dict[str, tuple[int, bytes]] = {
    "auto_routing_blocked": (503, AUTO_ROUTING_BLOCKED_BODY),
    "team_not_allowed": (404, TEAM_NOT_ALLOWED_BODY),
    "empty_model": (404, EMPTY_MODEL_BODY),
    "byok_reconnect": (400, BYOK_RECONNECT_BODY),
    "too_many_requests": (429, TOO_MANY_REQUESTS_BODY),
    "account_restricted": (403, ACCOUNT_RESTRICTED_BODY),
}
"""Name → (status, body) of each policy refusal."""


def policy_reply(name: str) -> Reply:
    """A fresh :class:`Reply` for one shape of :data:`POLICY_ERRORS` (the 429 with its retry headers)."""
    if name == "too_many_requests":
        return too_many_requests()
    status, body = POLICY_ERRORS[name]
    return Reply(status=status, body=body, stream=False)


__all__ = [
    "ACCOUNT_RESTRICTED_BODY",
    "AUTO_ROUTING_BLOCKED_BODY",
    "BYOK_RECONNECT_BODY",
    "BYOK_RECONNECT_URL",
    "EMPTY_MODEL_BODY",
    "POLICY_ERRORS",
    "TEAM_NOT_ALLOWED_BODY",
    "TOO_MANY_REQUESTS_BODY",
    "policy_reply",
    "too_many_requests",
]
