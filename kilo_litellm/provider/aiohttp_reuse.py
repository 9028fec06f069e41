"""Whether an async request went out on a reused connection, when LiteLLM's aiohttp transport sends it.

LiteLLM 1.110 sends async requests through ``LiteLLMAiohttpTransport`` (an httpx transport over an
aiohttp ``ClientSession``), which ignores httpx's ``trace`` extension. aiohttp reports the same fact
through its tracing signals: ``on_connection_reuseconn`` when a pooled connection is taken and
``on_connection_create_end`` when a new one is opened. :func:`watch` adds one ``TraceConfig`` to the
session the transport will use (``ClientSession.trace_configs`` is that session's own list); the
signals run in the task that sends the request, so :data:`ATTEMPT`, set around the send, tells
them which attempt they describe. Any other transport is left alone (:func:`watch` answers False).
"""

from __future__ import annotations

import contextvars
from typing import Any

import httpx

from kilo_litellm.provider import litellm_internals

ATTEMPT: contextvars.ContextVar[Any] = contextvars.ContextVar("kilo_resend_attempt", default=None)


def _trace_config() -> Any:
    import aiohttp

    async def reused(session: Any, ctx: Any, params: Any) -> None:
        attempt = ATTEMPT.get()
        if attempt is not None:
            attempt.reused = True

    async def created(session: Any, ctx: Any, params: Any) -> None:
        attempt = ATTEMPT.get()
        if attempt is not None:
            attempt.reused = False

    config = aiohttp.TraceConfig()
    config.on_connection_reuseconn.append(reused)
    config.on_connection_create_end.append(created)
    config.freeze()
    return config


_CONFIG: list[Any] = []


def watch(http: httpx.AsyncClient) -> bool:
    """Make the aiohttp session behind ``http`` report connection reuse; False if there is none."""
    session = litellm_internals.aiohttp_session(http)
    configs = getattr(session, "trace_configs", None)
    if not isinstance(configs, list):
        return False
    if not _CONFIG:
        _CONFIG.append(_trace_config())
    if _CONFIG[0] not in configs:
        configs.append(_CONFIG[0])
    return True
