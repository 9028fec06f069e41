"""One more send for a request lost to a closed keep-alive connection, and for nothing else.

An idle keep-alive connection may be closed by the gateway (or the edge in front of it) at the
moment the client reuses it: the client writes its request and reads end-of-file (or a reset)
before any response. Nothing was served, so the request is sent once more; httpx's pool has
dropped the dead connection by then, so the next attempt takes another pooled one or opens a fresh
one. LiteLLM's ``openai/`` path survives this because the ``openai`` SDK retries every connection
error; this provider resends only in the one case where the gateway cannot have answered:

* the connection came from the pool (httpcore's ``trace`` extension reports no
  ``connection.connect_tcp`` for the attempt; on LiteLLM's aiohttp transport, aiohttp's
  ``on_connection_reuseconn`` signal, see :mod:`aiohttp_reuse`), and
* it failed while waiting for the status line (``http11.receive_response_headers.failed``; on
  aiohttp, any failure before the response object exists) with "Server disconnected" or a reset.

A fresh connection that fails, a refused connection, a timeout, or a failure once the status line
is in (mid-body) raise as before. httpcore raises the same "without sending a response" error when
a partial status line preceded the end-of-file; a server that sent part of a status line and
closed has not answered either, so that case is resent too.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import httpx

from kilo_litellm.provider import aiohttp_reuse, litellm_internals

logger = logging.getLogger("kilo_litellm")

MAX_RESENDS = 3
"""Each lost attempt removes one dead connection from the pool; a few stale ones in a row are
possible after an idle period, an endless run is not."""


class Attempt:
    """What the transport reported about one attempt: was its connection reused, did it fail
    before the status line was in."""

    __slots__ = ("failed_waiting", "reused")

    def __init__(self) -> None:
        self.reused: bool | None = None
        self.failed_waiting = False

    def see(self, event: str) -> None:
        """One httpcore ``trace`` event (``connection.connect_tcp.started``, ...)."""
        if event.startswith(litellm_internals.TRACE_CONNECT):
            self.reused = False
        elif event == litellm_internals.TRACE_SEND_HEADERS and self.reused is None:
            self.reused = True
        elif event == litellm_internals.TRACE_HEADERS_FAILED:
            self.failed_waiting = True

    def trace(self) -> Callable[[str, dict], None]:
        def trace(event: str, info: dict) -> None:
            self.see(event)

        return trace

    def atrace(self) -> Callable[[str, dict], Awaitable[None]]:
        async def trace(event: str, info: dict) -> None:
            self.see(event)

        return trace


def lost_on_reuse(attempt: Attempt, exc: BaseException) -> bool:
    """Whether ``exc`` is a pooled connection closed before the gateway answered (pure)."""
    if attempt.reused is not True or not attempt.failed_waiting:
        return False
    if isinstance(exc, httpx.RemoteProtocolError):
        return litellm_internals.NO_RESPONSE in str(exc)
    return isinstance(exc, httpx.ReadError)


def _log(request: httpx.Request, exc: BaseException) -> None:
    logger.info("kilo: a reused connection to %s closed before any answer (%s); sending again", request.url.host, exc)


def send(http: httpx.Client, request: httpx.Request, *, stream: bool = True) -> httpx.Response:
    """``http.send(request)``, sent again while :func:`lost_on_reuse` says so."""
    resends = 0
    while True:
        attempt = Attempt()
        request.extensions["trace"] = attempt.trace()
        try:
            return http.send(request, stream=stream)
        except httpx.TransportError as exc:
            if resends >= MAX_RESENDS or not lost_on_reuse(attempt, exc):
                raise
            _log(request, exc)
        resends += 1


async def asend(http: httpx.AsyncClient, request: httpx.Request, *, stream: bool = True) -> httpx.Response:
    """The async twin of :func:`send`, for httpcore's transport and LiteLLM's aiohttp transport."""
    resends = 0
    while True:
        attempt = Attempt()
        request.extensions["trace"] = attempt.atrace()
        on_aiohttp = aiohttp_reuse.watch(http)
        token = aiohttp_reuse.ATTEMPT.set(attempt)
        try:
            return await http.send(request, stream=stream)
        except httpx.TransportError as exc:
            attempt.failed_waiting = attempt.failed_waiting or on_aiohttp
            if resends >= MAX_RESENDS or not lost_on_reuse(attempt, exc):
                raise
            _log(request, exc)
        finally:
            aiohttp_reuse.ATTEMPT.reset(token)
        resends += 1
