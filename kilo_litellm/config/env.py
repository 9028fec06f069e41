"""Every environment variable kilo-litellm reads: its name, its type, and the one parser for that type.

LiteLLM reads no environment variable for a custom provider, so the provider reads its own. Each
``KILO_*`` name is defined here and nowhere else in the package (``tests/test_config.py`` checks
it), each with one of four kinds:

* **text**: the value, trimmed; unset or empty is ``None``;
* **switch**: on/off; unset or empty is ``None`` (the caller's default), ``0``, ``false``, ``no``
  and ``off`` are off, anything else on;
* **seconds**: a number of seconds; an unset or empty one is the default, one that is not a number
  (or out of range) is the default too, with a warning naming the variable;
* **budget**: ``<requests>/<seconds>`` or ``off``, read by the free-budget guard (which refuses to
  start on a malformed one, since a guard that silently counts nothing protects nothing).

Each variable is read where it is used, through these parsers, not copied at import: a process
(or a test) that sets one later is seen at the next call. pydantic-settings would read them into a
model once at start-up and add a dependency to the import of every CLI command; four small
parsers do the same job here.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass

logger = logging.getLogger("kilo_litellm")

TEXT, SWITCH, SECONDS, BUDGET = "text", "switch", "seconds", "budget"


@dataclass(frozen=True)
class Variable:
    """One ``KILO_*`` variable: its name, kind (:data:`TEXT`, ...) and what it sets, for people."""

    name: str
    kind: str
    sets: str

    def __str__(self) -> str:
        return self.name


API_KEY = Variable("KILO_API_KEY", TEXT, "the Kilo API key (after api_key=, before the stored sign-in)")
API_BASE = Variable("KILO_API_BASE", TEXT, "the gateway's base URL (after api_base=)")
ORG_ID = Variable("KILO_ORG_ID", TEXT, "the organisation billed (after the call's, before the stored sign-in's)")
ACCOUNT_URL = Variable("KILO_API_URL", TEXT, "the account service's origin (sign-in, profile), as Kilo's own client")
CONFIG_DIR = Variable("KILO_LITELLM_CONFIG_DIR", TEXT, "the folder of the stored sign-in")
CACHE_DIR = Variable("KILO_LITELLM_CACHE_DIR", TEXT, "the folder of the remembered model list")
COALESCE = Variable("KILO_COALESCE", SWITCH, "whether a stream merges the events of one read into one chunk")
STREAM_ERRORS_AT_CALL = Variable(
    "KILO_STREAM_ERRORS_AT_CALL", SWITCH, "whether an async stream waits for the status line at the call"
)
TIMEOUT = Variable("KILO_TIMEOUT", SECONDS, "how long a call waits when the caller chose no timeout")
FREE_LIMIT_COOLDOWN = Variable("KILO_FREE_LIMIT_COOLDOWN", SECONDS, "retry-after of the hourly free-model limit")
DAILY_LIMIT_COOLDOWN = Variable("KILO_DAILY_LIMIT_COOLDOWN", SECONDS, "retry-after of the daily promotion limit")
FREE_BUDGET_PER_MODEL = Variable("KILO_FREE_BUDGET_PER_MODEL", BUDGET, "the free-budget guard: requests per free model")
FREE_BUDGET_ANONYMOUS = Variable("KILO_FREE_BUDGET_ANONYMOUS", BUDGET, "the free-budget guard: requests without a key")

VARIABLES = (
    API_KEY,
    API_BASE,
    ORG_ID,
    ACCOUNT_URL,
    CONFIG_DIR,
    CACHE_DIR,
    COALESCE,
    STREAM_ERRORS_AT_CALL,
    TIMEOUT,
    FREE_LIMIT_COOLDOWN,
    DAILY_LIMIT_COOLDOWN,
    FREE_BUDGET_PER_MODEL,
    FREE_BUDGET_ANONYMOUS,
)

_OFF = frozenset({"0", "false", "no", "off"})


def _raw(variable: Variable, environ: Mapping[str, str] | None) -> str | None:
    return (os.environ if environ is None else environ).get(variable.name)


def is_set(variable: Variable, environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``variable`` is in the environment at all (even empty)."""
    return _raw(variable, environ) is not None


def text(variable: Variable, environ: Mapping[str, str] | None = None) -> str | None:
    """A :data:`TEXT` variable, trimmed; ``None`` when unset or empty."""
    raw = _raw(variable, environ)
    return raw.strip() or None if raw is not None else None


def raw_text(variable: Variable, environ: Mapping[str, str] | None = None) -> str | None:
    """A :data:`TEXT` variable exactly as set (a key is sent as given); ``None`` when unset or empty."""
    return _raw(variable, environ) or None


def switch(value: object) -> bool | None:
    """An on/off value as given (a call argument or a variable's text): ``None`` when unset or empty;
    ``False``, ``0``, ``"0"``, ``"false"``, ``"no"`` and ``"off"`` are off."""
    if isinstance(value, str):
        value = value.strip().lower()
        return None if not value else value not in _OFF
    return None if value is None else bool(value)


def flag(variable: Variable, environ: Mapping[str, str] | None = None) -> bool | None:
    """A :data:`SWITCH` variable: ``True``/``False``, or ``None`` when unset or empty."""
    return switch(_raw(variable, environ))


def seconds(
    variable: Variable,
    default: float,
    environ: Mapping[str, str] | None = None,
    *,
    whole: bool = False,
    allow_zero: bool = False,
) -> float:
    """A :data:`SECONDS` variable, else ``default``; a value that is not a (``whole``) number of seconds,
    or is negative (or zero without ``allow_zero``), is logged and ``default`` is used."""
    raw = (_raw(variable, environ) or "").strip()
    if not raw:
        return default
    try:
        value: float = int(raw) if whole else float(raw)
    except ValueError:
        value = -1
    if value > 0 or (allow_zero and value == 0):
        return value
    kind = "a whole number of seconds" if whole else "a positive number of seconds"
    logger.warning("%s=%r is not %s; using %s", variable.name, raw, kind, default)
    return default
