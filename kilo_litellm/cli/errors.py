"""What ``kilo-litellm`` says when it cannot do what was asked: one line each, never the key (pure).

The command runs LiteLLM underneath, whose messages span lines, name the wrong provider for a
model without the ``kilo/`` prefix ("Huggingface inference endpoints"), or quietly send
``gpt-4`` to OpenAI. The CLI checks its arguments first (:func:`model_problem`,
:func:`api_base_problem`) and turns whatever a call still raises into one line that says what to
do (:func:`one_line`).
"""

from __future__ import annotations

import re
import sys

import httpx

from kilo_litellm.config import settings
from kilo_litellm.config.settings import DEFAULT_API_BASE, ENV_API_BASE, PROVIDER, Settings
from kilo_litellm.models import catalog

OFFLINE_HINT = (
    f"pass --api-base (or set {ENV_API_BASE}) for another gateway, "
    "or try it offline with `kilo-litellm demo` or `kilo-litellm emulator`"
)
_PREFIX = re.compile(r"^(litellm\.\w+:\s*)+")
_KILO = re.compile(r"^(\w+Error:\s*)?KiloException - ")
_UNREACHED = re.compile(r"^could not reach the gateway( at \S+)?: ")


def api_base_problem(value: str) -> str | None:
    """Why ``value`` cannot be a gateway URL, or ``None``: it must be ``http(s)://host[...]``."""
    try:
        url = httpx.URL(value.strip())
    except (httpx.InvalidURL, TypeError):
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        return f"{value!r} is not a gateway URL: it should look like {DEFAULT_API_BASE}"
    return None


def _other_provider(name: str) -> str | None:
    """The provider LiteLLM would send ``name`` to (``gpt-4`` -> ``openai``), from its own tables."""
    import litellm

    prefix = name.split("/", 1)[0].lower()
    if "/" in name and prefix in litellm.provider_list:
        return prefix
    known = litellm.model_cost.get(name) or litellm.model_cost.get(name.lower()) or {}
    provider = known.get("litellm_provider")
    return provider if isinstance(provider, str) and provider != PROVIDER else None


def model_problem(model: str) -> str | None:
    """Why the CLI will not call ``model``, or ``None`` for a ``kilo/...`` name.

    Without the prefix LiteLLM routes by its own rules: a bare name fails with a text about another
    provider, and ``gpt-4`` goes to OpenAI with whatever key the environment holds. A suggested name
    that is retired says so (and what to use instead); the names served today follow.
    """
    name = model.strip()
    if settings.has_provider_prefix(name):
        return None
    listing = "`kilo-litellm models` lists them"
    entry = catalog.lookup(name)
    if entry is not None:
        return f"{name!r} has no {PROVIDER}/ prefix: did you mean {catalog.labelled(name, entry)}?"
    provider = _other_provider(name)
    if provider is None:
        close = catalog.close_name(name) or (f"{PROVIDER}/{name}" if "/" in name or ":" in name else None)
        guess = f"did you mean {close}? " if close else ""
        return f"{name!r} is not a Kilo model: {guess}served today: {', '.join(catalog.served_names())} ({listing})"
    return (
        f"{name!r} is a model of LiteLLM's {provider!r} provider, which LiteLLM would send to {provider} and not "
        f"to the Kilo Gateway; this command only calls {PROVIDER}/<model> ids ({listing})"
    )


def flat(exc: BaseException) -> str:
    """``str(exc)`` on one line, without LiteLLM's ``litellm.XError:`` and the provider's prefixes."""
    text = " ".join(str(exc).split())
    return _KILO.sub("", _PREFIX.sub("", text)) or type(exc).__name__


def one_line(exc: BaseException, *, api_base: str, api_key: str | None = None) -> str:
    """The line to print for an exception a command raised; the URL and the fix when it is the network."""
    detail = flat(exc)
    openai = sys.modules.get("openai")  # a process that never loaded it raised none of its errors
    if openai is not None and isinstance(exc, openai.APITimeoutError):
        line = f"the Kilo Gateway at {api_base} did not answer in time ({detail}); {OFFLINE_HINT}"
    elif openai is not None and isinstance(exc, openai.APIConnectionError):
        reason = _UNREACHED.sub("", detail)
        line = f"could not reach the Kilo Gateway at {api_base} ({reason}); {OFFLINE_HINT}"
    else:
        line = f"{type(exc).__name__}: {detail}"
    key = (api_key or "").strip()
    return line.replace(key, Settings(api_key=key, api_base=api_base).redacted_key) if len(key) >= 4 else line
