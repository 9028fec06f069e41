"""The caller's conversation id → the gateway's ``X-KiloCode-TaskId`` header (pure).

The gateway reads ``X-KiloCode-TaskId`` as the session id (docs/gateway-contract.md, "Headers"):
``kilo-auto/free`` picks its model from ``hash("free_routing_" + (task id ?? user id ?? client IP))``, so with the
header each conversation keeps its own free model, and without it every call of one key or IP
lands on the same one; the gateway also keys prompt caching on it. The official client sends its
session id there.

A caller names a conversation the way LiteLLM defines it: ``litellm_session_id=`` on a call, or
``metadata={"session_id": ...}``; through the LiteLLM proxy also the ``x-litellm-session-id``
header, an ``x-<client>-session-id`` header such as Claude Code's, or a client's
``metadata.session_id``, which the proxy turns into the call's ``litellm_session_id``. LiteLLM's
own reading of that (``provider_affinity.get_caller_session_id``, LiteLLM 1.110) is used where it
exists: it leaves out the ids LiteLLM makes up itself (the proxy's ``missing_session_id: generate``,
a trace id promoted to a session id), so a call without a conversation sends no header. Older
LiteLLM versions are read directly (``litellm_session_id``, else ``metadata.session_id``).

The gateway keeps the first 500 characters of the header, trimmed; the value is cut the same way
here. Header values must be printable ASCII: an id that is passes unchanged, any other character
is percent-encoded (the same id always encodes the same way, so the gateway still sees one session
per conversation, and no control character can end the header).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from kilo_litellm.provider import litellm_internals

TASK_HEADER = "X-KiloCode-TaskId"
MAX_LENGTH = 500
"""The gateway's ``extractHeaderAndLimitLength``: ``value.slice(0, 500).trim() || null``."""

_HEADER_SAFE = "".join(chr(c) for c in range(0x20, 0x7F))


def _get(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, Mapping) else getattr(value, key, None)


def read_directly(litellm_params: Any) -> str | None:
    """``litellm_session_id``, else ``metadata.session_id``: what LiteLLM before 1.110 passes on
    (none when the proxy marked the id as one it made up)."""
    metadata = _get(litellm_params, "metadata")
    if _get(metadata, "litellm_session_id_generated"):
        return None
    for value in (_get(litellm_params, "litellm_session_id"), _get(metadata, "session_id")):
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            return str(value)
    return None


def caller_session_id(litellm_params: Any) -> str | None:
    """The conversation the caller named, from what LiteLLM hands a ``CustomLLM``; ``None`` for none."""
    if litellm_params is None:
        return None
    reader = litellm_internals.session_id_reader
    if reader is not None:
        found = reader(litellm_params)
        return found if isinstance(found, str) and found.strip() else None
    return read_directly(litellm_params)


def header_value(session_id: str) -> str | None:
    """``session_id`` as the gateway will read it: trimmed, printable ASCII, at most 500 characters."""
    value = quote(session_id.strip(), safe=_HEADER_SAFE)[:MAX_LENGTH].strip()
    return value or None


def task_headers(litellm_params: Any, headers: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``headers`` plus ``X-KiloCode-TaskId`` for the caller's conversation; a caller's own
    ``X-KiloCode-TaskId`` (in ``extra_headers``) is kept as it is."""
    out = dict(headers or {})
    if any(name.lower() == TASK_HEADER.lower() for name in out):
        return out
    session_id = caller_session_id(litellm_params)
    value = header_value(session_id) if session_id else None
    if value:
        out[TASK_HEADER] = value
    return out
