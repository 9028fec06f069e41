"""httpx clients that send requests for Kilo's real hosts to local emulators, over loopback HTTP.

A test can then use the URL a user writes (``https://ai-gateway.kilo.ai/api``) and see which path
the gateway would have received: only the address is replaced (scheme, host and port of the
emulator the host is routed to); method, path, query, headers and body go out unchanged over a real
socket. A host that is not routed fails like an unreachable one, so nothing can reach the network.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from kilo_litellm.emulator import GatewayEmulator

API_HOST = "api.kilo.ai"
AI_GATEWAY_HOST = "ai-gateway.kilo.ai"


def _to(routes: Mapping[str, GatewayEmulator], request: httpx.Request) -> None:
    emulator = routes.get(request.url.host)
    if emulator is None:
        raise httpx.ConnectError(f"{request.url.host} is not routed to an emulator in this test", request=request)
    local = httpx.URL(emulator.url)
    request.url = request.url.copy_with(scheme=local.scheme, host=local.host, port=local.port)


class _Routed(httpx.HTTPTransport):
    def __init__(self, routes: Mapping[str, GatewayEmulator]) -> None:
        super().__init__()
        self._routes = dict(routes)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        _to(self._routes, request)
        return super().handle_request(request)


class _AsyncRouted(httpx.AsyncHTTPTransport):
    def __init__(self, routes: Mapping[str, GatewayEmulator]) -> None:
        super().__init__()
        self._routes = dict(routes)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        _to(self._routes, request)
        return await super().handle_async_request(request)


def routed_client(routes: Mapping[str, GatewayEmulator]) -> httpx.Client:
    """``{"ai-gateway.kilo.ai": emulator, ...}`` → a client whose requests for those hosts reach them."""
    return httpx.Client(transport=_Routed(routes))


def routed_async_client(routes: Mapping[str, GatewayEmulator]) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=_AsyncRouted(routes))
