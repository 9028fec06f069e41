"""The event loop of the ``litellm.acompletion`` call that is running, seen from LiteLLM's worker thread.

LiteLLM 1.110 runs a custom provider's ``astreaming`` inside ``completion``, which ``acompletion``
runs in the event loop's default executor, and wraps whatever it returns in a
``CustomStreamWrapper`` without awaiting anything (docs/litellm-assumptions.md, "Streams"). So a
provider that wants a refused stream to fail at ``await acompletion(...)``, as LiteLLM's own
providers do, must send the request and read the status line before ``astreaming`` returns, on the
caller's loop, from that worker thread; and nothing LiteLLM hands the provider names that loop.

What LiteLLM does await on the caller's loop, in the caller's task, before it copies the context for
the worker thread, is every ``litellm.callbacks`` logger's ``async_pre_call_deployment_hook`` (same
section). :class:`LoopProbe` is such a logger: it only records the running loop in a context
variable, which the worker thread then reads through :func:`current`.

Waiting there holds one of the loop's default-executor threads (``min(32, cores + 4)`` of them,
shared with every LiteLLM call in the process) until the status line arrives. A proxy that starts
many streams at once against a slow-to-answer gateway can turn the wait off with
``KILO_STREAM_ERRORS_AT_CALL=0``: errors then surface on the first chunk, where a Router still
falls back on them. Inside the LiteLLM proxy that is the default (``=1`` turns the wait on): the
proxy reads a stream's first chunk before it answers its client, so a refusal already reaches the
client as an HTTP error status, and the proxy is where many streams start at once.
"""

from __future__ import annotations

import asyncio
from contextvars import ContextVar

import litellm
from litellm.integrations.custom_logger import CustomLogger

from kilo_litellm.config import env
from kilo_litellm.provider import litellm_internals

ENV_SWITCH = env.STREAM_ERRORS_AT_CALL.name

_LOOP: ContextVar[asyncio.AbstractEventLoop | None] = ContextVar("kilo_litellm_caller_loop", default=None)


class LoopProbe(CustomLogger):
    """Records the loop of each async LiteLLM call; changes nothing and logs nothing."""

    async def async_pre_call_deployment_hook(self, kwargs: dict, call_type: object) -> None:
        _LOOP.set(asyncio.get_running_loop())
        return None

    def __repr__(self) -> str:
        return "kilo_litellm.LoopProbe()"


def install() -> bool:
    """Put one :class:`LoopProbe` in ``litellm.callbacks``; False if one was there already.

    Code that replaces ``litellm.callbacks`` removes it; the provider puts it back at its next
    async stream (that stream's errors surface on its first chunk instead, as without the probe).
    """
    if any(isinstance(cb, LoopProbe) for cb in litellm.callbacks):
        return False
    litellm.callbacks.append(LoopProbe())
    return True


def enabled() -> bool:
    """``KILO_STREAM_ERRORS_AT_CALL`` when set; otherwise on, except inside the LiteLLM proxy."""
    given = env.flag(env.STREAM_ERRORS_AT_CALL)
    return not litellm_internals.serving_as_proxy() if given is None else given


def current() -> asyncio.AbstractEventLoop | None:
    """The calling ``acompletion``'s loop, if this code runs in one of its worker threads.

    ``None`` on the loop's own thread (blocking there on the loop would deadlock), outside an
    async LiteLLM call, when the probe is not installed, or when the wait is off (:func:`enabled`).
    """
    if not enabled():
        return None
    loop = _LOOP.get()
    if loop is None or loop.is_closed() or not loop.is_running():
        return None
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return loop
    return None
