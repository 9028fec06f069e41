"""Every constant of the provider, and how a call's key, base URL and organisation are chosen.

LiteLLM hands a custom provider only what the caller (or a Router/proxy deployment) passed: it
reads no environment variable for an unknown provider. So the provider reads its own:
call argument > ``KILO_*`` environment variable > default.

Today's gateway rejects every bearer it cannot verify with ``401 INVALID_TOKEN``, free models
included; only a request with *no* ``Authorization`` header is anonymous (today's notes §1). The
seed page told users to pass ``public``, so ``public``, ``anonymous``, ``none`` and the empty string
stay accepted as placeholders meaning "no key": they are never sent.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from kilo_litellm.config.urls import normalise_base

PROVIDER = "kilo"
DEFAULT_API_BASE = "https://api.kilo.ai/api/gateway"
AI_GATEWAY_API_BASE = "https://ai-gateway.kilo.ai/api/v1"
"""The second host (today's notes §8.1): Kilo's own client's default since October. The documented
base above stays the default; in production Kilo rewrites it to this host."""
PLACEHOLDER_KEYS = frozenset({"", "public", "anonymous", "none"})

ENV_API_KEY = "KILO_API_KEY"
ENV_API_BASE = "KILO_API_BASE"
ENV_ORG_ID = "KILO_ORG_ID"
ENV_COALESCE = "KILO_COALESCE"
COALESCE_PARAM = "kilo_coalesce"
_OFF = frozenset({"0", "false", "no", "off"})

ORG_HEADER = "X-KiloCode-OrganizationId"
FEATURE_HEADER = "X-KiloCode-Feature"
FEATURE = "direct-gateway"
USER_AGENT = "kilo-litellm"

BUY_CREDITS_URL = "https://app.kilo.ai/profile"
SIGN_UP_URL = "https://app.kilo.ai"


def is_placeholder(key: str | None) -> bool:
    """``None``, empty, or one of the placeholders that mean "no key"."""
    return key is None or key.strip().lower() in PLACEHOLDER_KEYS


def _redact(key: str) -> str:
    if is_placeholder(key):
        return "(no key)"
    return f"{key[:3]}…{key[-2:]}" if len(key) > 8 else "***"


@dataclass(frozen=True)
class Settings:
    """What one call sends: the key is kept out of ``repr`` so it never reaches a log line."""

    api_key: str = field(repr=False)
    api_base: str
    org_id: str | None = None

    @property
    def has_real_key(self) -> bool:
        return not is_placeholder(self.api_key)

    @property
    def redacted_key(self) -> str:
        return _redact(self.api_key)

    def __repr__(self) -> str:
        return f"Settings(api_key={self.redacted_key!r}, api_base={self.api_base!r}, org_id={self.org_id!r})"


def resolve(api_key: str | None = None, api_base: str | None = None, org_id: str | None = None) -> Settings:
    """Call argument, then environment, then default, for each of key, base and organisation."""
    key = api_key or os.environ.get(ENV_API_KEY) or ""
    base = normalise_base(api_base or os.environ.get(ENV_API_BASE) or DEFAULT_API_BASE)
    org = org_id or os.environ.get(ENV_ORG_ID) or None
    return Settings(api_key=key, api_base=base, org_id=org)


def switch(value: object) -> bool | None:
    """An on/off setting as given (a call argument or an environment variable): ``None`` when unset
    or empty; ``False``, ``0``, ``"0"``, ``"false"``, ``"no"`` and ``"off"`` are off."""
    if isinstance(value, str):
        value = value.strip().lower()
        return None if not value else value not in _OFF
    return None if value is None else bool(value)


def coalesce(value: object = None) -> bool:
    """Whether a stream merges the events of one read into one chunk (:mod:`stream`): the call's
    ``kilo_coalesce=`` if given, else ``KILO_COALESCE``, else on."""
    given = switch(value)
    if given is None:
        given = switch(os.environ.get(ENV_COALESCE))
    return True if given is None else given
