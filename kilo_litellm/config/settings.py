"""Every constant of the provider, and how a call's key, base URL and organisation are chosen.

LiteLLM hands a custom provider only what the caller (or a Router/proxy deployment) passed: it
reads no environment variable for an unknown provider. So the provider reads its own:
call argument > ``KILO_*`` environment variable > default. For the key the default is the sign-in
``kilo-litellm login`` stored for this user (:mod:`credentials`), else none: ``api_key=`` >
``KILO_API_KEY`` > stored sign-in > anonymous. The stored sign-in also brings the organisation
chosen at login, unless ``KILO_ORG_ID`` (or the call) names one; a key given by the call or the
environment never takes the stored organisation, which belongs to the signed-in account.

The gateway rejects every bearer it cannot verify with ``401 INVALID_TOKEN``, free models included;
only a request with *no* ``Authorization`` header is anonymous (docs/gateway-contract.md,
"Authentication"). The seed page told users to pass ``public``, so ``public``, ``anonymous``,
``none`` and the empty string stay accepted as placeholders meaning "no key": they are never sent.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field

from kilo_litellm.config import credentials, env
from kilo_litellm.config.env import switch
from kilo_litellm.config.urls import normalise_base

PROVIDER = "kilo"
DEFAULT_API_BASE = "https://api.kilo.ai/api/gateway"
AI_GATEWAY_API_BASE = "https://ai-gateway.kilo.ai/api/v1"
"""The second host: Kilo's server code serves the gateway's routes here under ``/api/v1``, and in
production rewrites the documented base above to it; no published Kilo client uses it directly
(docs/gateway-contract.md, "Paths and hosts"). The documented base stays the default."""
PLACEHOLDER_KEYS = frozenset({"", "public", "anonymous", "none"})

DEFAULT_ACCOUNT_URL = "https://api.kilo.ai"
"""Kilo's account service (sign-in, profile), not the gateway: ``KILO_API_URL`` overrides it."""

ENV_API_KEY = env.API_KEY.name
ENV_API_BASE = env.API_BASE.name
ENV_ORG_ID = env.ORG_ID.name
ENV_COALESCE = env.COALESCE.name
COALESCE_PARAM = "kilo_coalesce"
AUTO_ROUTER_ID = "kilo/auto"
"""A gateway id that starts with the provider's own prefix (Kilo's auto model): never stripped."""

ORG_HEADER = "X-KiloCode-OrganizationId"
FEATURE_HEADER = "X-KiloCode-Feature"
EDITOR_HEADER = "X-KiloCode-EditorName"
FEATURE = "direct-gateway"
USER_AGENT = "kilo-litellm"
"""The product token of :func:`user_agent`."""

BUY_CREDITS_URL = "https://app.kilo.ai/profile"
SIGN_UP_URL = "https://app.kilo.ai"
LOGIN_COMMAND = "kilo-litellm login"

# Where a call's key came from (``Settings.source``).
FROM_CALL = "call"
FROM_ENV = "env"
FROM_SIGN_IN = "sign-in"
FROM_NOWHERE = "none"


@functools.cache
def user_agent() -> str:
    """``kilo-litellm/<version>`` from the installed package's metadata, so that Kilo can tell this
    client and its release apart from its own (``Kilo-Code/7.7.9 ...``, ``kilo/7.7.9``). Read once,
    on the first request: ``importlib.metadata`` is not imported with the package. A source tree that
    was never installed has no metadata: ``unknown`` then."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"{USER_AGENT}/{version(USER_AGENT)}"
    except PackageNotFoundError:
        return f"{USER_AGENT}/unknown"


def editor_name() -> str:
    """``X-KiloCode-EditorName``, usage metadata the gateway stores (Kilo's CLI sends ``Kilo CLI 7.7.9``)."""
    return user_agent().replace("/", " ", 1)


def is_placeholder(key: str | None) -> bool:
    """``None``, empty, or one of the placeholders that mean "no key"."""
    return key is None or key.strip().lower() in PLACEHOLDER_KEYS


def _redact(key: str) -> str:
    if is_placeholder(key):
        return "(no key)"
    return f"{key[:3]}…{key[-2:]}" if len(key) > 8 else "***"


@dataclass(frozen=True)
class Settings:
    """What one call sends: the key is kept out of ``repr`` so it never reaches a log line.

    ``source`` says where the key came from (``call``, ``env``, ``sign-in``, ``none``) and
    ``stored_in`` where a stored sign-in is kept (``file``/``keyring``).
    """

    api_key: str = field(repr=False)
    api_base: str
    org_id: str | None = None
    source: str = FROM_NOWHERE
    stored_in: str | None = None

    @property
    def has_real_key(self) -> bool:
        return not is_placeholder(self.api_key)

    @property
    def signed_in(self) -> bool:
        """The key is the token ``kilo-litellm login`` stored."""
        return self.source == FROM_SIGN_IN and self.has_real_key

    @property
    def redacted_key(self) -> str:
        """The key for a log line: a few characters of a key that was given, none of a stored token."""
        return f"(stored sign-in, {self.stored_in})" if self.signed_in else _redact(self.api_key)

    @property
    def credential(self) -> str:
        """Which credential a call uses, for people, without any of it."""
        if self.source == FROM_SIGN_IN:
            return f"stored sign-in ({self.stored_in})"
        if self.source == FROM_CALL:
            return "api_key= of the call" if self.has_real_key else "none (api_key= is a placeholder: no key is sent)"
        if self.source == FROM_ENV:
            return ENV_API_KEY if self.has_real_key else f"none ({ENV_API_KEY} is a placeholder: no key is sent)"
        return "none (anonymous: free models only)"

    def __repr__(self) -> str:
        return (
            f"Settings(api_key={self.redacted_key!r}, api_base={self.api_base!r}, org_id={self.org_id!r}, "
            f"source={self.source!r})"
        )


def given_base(api_base: str | None = None, environ: Mapping[str, str] | None = None) -> str | None:
    """The base URL the caller chose: the argument, else ``KILO_API_BASE``; ``None`` for neither."""
    return api_base or env.text(env.API_BASE, environ)


def resolve(
    api_key: str | None = None,
    api_base: str | None = None,
    org_id: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Call argument, then environment, then default, for each of key, base and organisation; the
    key's default is the stored sign-in (see the module docstring). A placeholder key given by the
    call or the environment is an explicit "no key": the stored sign-in is not used then."""
    base = normalise_base(given_base(api_base, environ) or DEFAULT_API_BASE)
    org = org_id or env.text(env.ORG_ID, environ)
    if api_key:
        return Settings(api_key=api_key, api_base=base, org_id=org, source=FROM_CALL)
    env_key = env.raw_text(env.API_KEY, environ)
    if env_key:
        return Settings(api_key=env_key, api_base=base, org_id=org, source=FROM_ENV)
    stored = credentials.current()
    if stored is None:
        return Settings(api_key="", api_base=base, org_id=org)
    return Settings(
        api_key=stored.token,
        api_base=base,
        org_id=org or stored.org_id,
        source=FROM_SIGN_IN,
        stored_in=stored.where,
    )


def coalesce(value: object = None) -> bool:
    """Whether a stream merges the events of one read into one chunk (:mod:`stream`): the call's
    ``kilo_coalesce=`` if given, else ``KILO_COALESCE``, else on."""
    given = switch(value)
    if given is None:
        given = env.flag(env.COALESCE)
    return True if given is None else given


def has_provider_prefix(model: str) -> bool:
    """Whether ``model`` is written ``kilo/<name>`` (any case, surrounding spaces ignored)."""
    return model.strip().lower().startswith(f"{PROVIDER}/")


def strip_provider(model: str) -> str:
    """``kilo/<name>`` → ``<name>``, trimmed; a name without the prefix as it is.

    The one exception is :data:`AUTO_ROUTER_ID`: ``kilo/auto`` is a gateway id of its own, so it is
    kept whole (LiteLLM hands the provider ``kilo/auto`` for ``kilo/kilo/auto``).
    """
    name = model.strip()
    if has_provider_prefix(name) and name.lower() != AUTO_ROUTER_ID:
        return name[len(PROVIDER) + 1 :]
    return name
