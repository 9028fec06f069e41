"""Scripted failures: which models the emulator refuses on every request, and with which status.

``kilo-litellm emulator --fail kilo-auto/free=429`` (or ``GatewayEmulator(fail={"kilo-auto/free": 429})``)
makes the emulator answer every chat request for that model, streamed or not, with the gateway's
own refusal for that status, while every other model answers normally: a Router's or a proxy's
fallback can then be watched from the shell, without writing a script. The bodies are the
gateway's (:func:`kilo_litellm.emulator.server.refusal_for`); this module reads the option and
matches a request's model. Models are matched the way the gateway reads an id: trimmed and
lower-cased; a leading ``kilo/`` (LiteLLM's provider prefix) is accepted and dropped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

STATUSES = (401, 402, 404, 429, 500, 503)
"""The statuses a failure can be scripted with: the gateway's refusals a client must handle."""

PREFIX = "kilo/"
EXAMPLE = "kilo-auto/free=429"
_ALLOWED = "the status must be one of " + ", ".join(str(s) for s in STATUSES)


def gateway_id(model: str) -> str:
    """``kilo/kilo-auto/free`` or ``Kilo-Auto/Free`` -> ``kilo-auto/free``: the id as the gateway compares it."""
    gid = model.strip().lower()
    return gid[len(PREFIX) :] if gid.startswith(PREFIX) else gid


def parse(value: str) -> tuple[str, int]:
    """One ``MODEL=STATUS`` option value; ``ValueError`` with a message naming the value otherwise."""
    model, sep, status = value.rpartition("=")
    if not sep or not gateway_id(model):
        raise ValueError(f"--fail {value!r}: expected MODEL=STATUS, for example {EXAMPLE}")
    code = int(status) if status.strip().isdigit() else None
    if code not in STATUSES:
        raise ValueError(f"--fail {value!r}: {_ALLOWED}")
    return gateway_id(model), code


def parse_all(values: Iterable[str]) -> dict[str, int]:
    """Every ``--fail`` value, in order (a later value for the same model wins)."""
    return dict(parse(value) for value in values)


def normalised(fail: Mapping[str, int] | None) -> dict[str, int]:
    """``GatewayEmulator(fail=...)``'s mapping keyed by gateway id; ``ValueError`` for a bad entry."""
    out: dict[str, int] = {}
    for model, status in (fail or {}).items():
        if not isinstance(model, str) or not gateway_id(model):
            raise ValueError(f"fail: {model!r} is not a model id")
        if isinstance(status, bool) or not isinstance(status, int) or status not in STATUSES:
            raise ValueError(f"fail: {model!r}: {status!r}: {_ALLOWED}")
        out[gateway_id(model)] = status
    return out


def failing(fail: Mapping[str, int], raw: bytes) -> tuple[str, int] | None:
    """The model a chat request's body asks for and its scripted status; ``None`` when it answers normally."""
    if not fail:
        return None
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    model = body.get("model") if isinstance(body, dict) else None
    if not isinstance(model, str):
        return None
    status = fail.get(gateway_id(model))
    return (model, status) if status is not None else None


def describe(fail: Mapping[str, int]) -> str:
    """``kilo-auto/free (429)``, comma-separated: what the banner shows."""
    return ", ".join(f"{model} ({status})" for model, status in fail.items())
