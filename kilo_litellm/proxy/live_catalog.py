"""The proxy on the live catalog: ``kilo_litellm.proxy.live_catalog.refresher``.

LiteLLM has no start-up hook for a custom provider, but it looks up every object named in
``litellm_settings.callbacks`` when it loads the config, and the generated config names this one.
Looked up, it starts a daemon thread that fetches the gateway's ``/models`` at once and then hourly
(:func:`kilo_litellm.models.discovery.start_background_refresh`): each list fetched is installed and
remembered on disk, a failed fetch keeps the last good list, and no call ever waits for a fetch.

As a ``CustomLogger`` its ``async_filter_deployments`` runs on each request; the first one hands
the proxy's Router to :func:`router.follow`, so the free models the gateway newly lists join the
chain (:func:`router.extend`) without a new config. It filters nothing itself.
"""

from __future__ import annotations

import sys
from typing import Any

from litellm.integrations.custom_logger import CustomLogger

from kilo_litellm.models import discovery
from kilo_litellm.proxy import router

CALLBACK = "kilo_litellm.proxy.live_catalog.refresher"
"""Where a proxy config names it: ``litellm_settings.callbacks``."""


def proxy_router() -> Any:
    """The running proxy's Router (``litellm.proxy.proxy_server.llm_router``), or ``None`` outside it."""
    server = sys.modules.get("litellm.proxy.proxy_server")
    return getattr(server, "llm_router", None)


class LiveCatalog(CustomLogger):
    """Starts the background refresh when built and keeps the proxy's chain on the live list."""

    def __init__(self, every: float = discovery.BACKGROUND_EVERY) -> None:
        super().__init__()
        self.background = discovery.start_background_refresh(every)
        self._followed: Any = None

    def _follow(self) -> None:
        current = proxy_router()
        if current is not None and current is not self._followed:
            self._followed = router.follow(current)
            router.extend(current)

    async def async_filter_deployments(
        self,
        model: str,
        healthy_deployments: list,
        messages: Any,
        request_kwargs: dict | None = None,
        parent_otel_span: Any = None,
    ) -> list:
        self._follow()
        return healthy_deployments


_refresher: LiveCatalog | None = None


def __getattr__(name: str) -> Any:
    """``refresher``, built (and its thread started) the first time it is asked for, which is when
    LiteLLM loads a config naming :data:`CALLBACK`; importing this module starts nothing."""
    global _refresher
    if name != "refresher":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if _refresher is None:
        _refresher = LiveCatalog()
    return _refresher


__all__ = ["CALLBACK", "LiveCatalog"]
