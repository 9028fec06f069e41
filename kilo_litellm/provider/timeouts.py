"""How long one call may wait for the gateway: the caller's ``timeout``, else the gateway's own limit.

LiteLLM hands a custom provider a single number, ``timeout``. When the caller chose none,
``litellm.completion`` passes 600 s (its completion fallback) and a ``Router`` (so the LiteLLM
proxy) 6000 s (``litellm.request_timeout``'s unset default); the provider cannot tell those from a
caller who typed the same value. The gateway lets a request run for 800 s (the ``maxDuration`` of
its ``/api/v1`` route on ``https://ai-gateway.kilo.ai``, where the documented host is rewritten to
in production; docs/gateway-contract.md, "Paths and hosts"), and a reasoning model may use most of that before its first
token: a stream then carries only ``: KILO PROCESSING`` keep-alives, and a non-streaming answer
carries nothing at all, since the gateway sends the body when the upstream is done. A 600 s
bound cut such a call while the gateway was still working on it.

So a ``timeout`` that is LiteLLM's own unset default (600 s or 6000 s while
``litellm.request_timeout`` was not configured) is replaced by :data:`DEFAULT_TIMEOUT`
(``KILO_TIMEOUT`` seconds, else 830 s: the gateway's 800 s and 30 s for the network, so the gateway
gives up first and its answer, not a client-side timeout, is what the caller sees). Any other value
(a call's ``timeout=``, ``stream_timeout=`` for a stream, a deployment's ``timeout``) is kept. One
caveat follows from LiteLLM passing a number: ``timeout=600`` written by the caller also reads as
unset; 599 or 601 does not.

The number bounds three waits (:mod:`kilo_litellm.provider.handler`): any read (httpx's
read/write/pool timeouts), a whole non-streaming body, and a stream's wait for its next event
(keep-alives do not count, so a stream alive only with keep-alives ends, but one that keeps
sending events is never cut). Connecting is bounded separately by :data:`CONNECT_TIMEOUT`
(or the bound, if that is shorter): a host that does not accept the connection fails in seconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from kilo_litellm.config import env
from kilo_litellm.provider import litellm_internals

GATEWAY_MAX_DURATION = 800.0
"""Seconds the gateway lets one request run (its route's ``maxDuration``)."""
DEFAULT_TIMEOUT = GATEWAY_MAX_DURATION + 30.0
CONNECT_TIMEOUT = 10.0
ENV_TIMEOUT = env.TIMEOUT.name


def default_timeout(environ: Mapping[str, str] | None = None) -> float:
    """``KILO_TIMEOUT`` when it is a positive number of seconds, else :data:`DEFAULT_TIMEOUT`."""
    return env.seconds(env.TIMEOUT, DEFAULT_TIMEOUT, environ)


def _seconds(value: Any) -> float | None:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if seconds > 0 else None


def resolve(timeout: Any) -> tuple[float, float]:
    """``(bound, connect)`` in seconds for the ``timeout`` LiteLLM handed the provider.

    An ``httpx.Timeout`` gives its read limit (else its connect limit) as the bound and keeps its
    connect limit.
    """
    connect = None
    if isinstance(timeout, httpx.Timeout):
        connect = _seconds(timeout.connect)
        timeout = timeout.read if timeout.read is not None else timeout.connect
    bound = _seconds(timeout)
    if bound is None or bound in litellm_internals.unset_timeouts():
        bound = default_timeout()
    return bound, min(connect or CONNECT_TIMEOUT, bound)


def status_line_wait(bound: float, connect: float = CONNECT_TIMEOUT) -> float:
    """How long LiteLLM's worker thread waits for an async stream's status line on the caller's loop.

    httpx already bounds each step of that wait: a pooled connection (``bound``), connecting
    (``connect``), writing the request (``bound``) and the status line (``bound``). This is their sum
    and one second for the loop to run the request: it fires only when the caller's loop cannot run
    it at all (blocked by synchronous code), and frees the worker thread, which is one of the loop's
    default executor's, shared with every LiteLLM call of the process.
    """
    return 3 * bound + min(connect, bound) + 1.0


def for_httpx(bound: float, connect: float = CONNECT_TIMEOUT) -> httpx.Timeout:
    """The httpx limits of one request: ``connect`` to connect, ``bound`` for every other wait."""
    return httpx.Timeout(bound, connect=min(connect, bound))
