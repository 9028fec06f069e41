"""Kilo Gateway as a LiteLLM provider: ``import kilo_litellm`` and call ``kilo/<model>``.

Importing registers the ``kilo`` provider in ``litellm.custom_provider_map`` and the catalog's
models with ``litellm.register_model``; both are idempotent. Nothing is fetched at import.

For a LiteLLM proxy, point the config at the instance::

    litellm_settings:
      custom_provider_map:
        - {provider: kilo, custom_handler: kilo_litellm.kilo_llm}
"""

from __future__ import annotations

import litellm

from . import catalog
from .handler import KiloLLM
from .router import free_router
from .settings import DEFAULT_API_BASE, PROVIDER

__version__ = "0.1.0"

kilo_llm = KiloLLM()


def register(handler: KiloLLM | None = None) -> KiloLLM:
    """Make ``kilo/...`` models callable through LiteLLM; calling it again changes nothing.

    If the map already has a ``kilo`` entry (for instance from a proxy config), that entry is kept
    and returned, so a config's handler always wins.
    """
    for item in litellm.custom_provider_map:
        if item.get("provider") == PROVIDER and isinstance(item.get("custom_handler"), KiloLLM):
            handler = item["custom_handler"]
            break
    else:
        handler = handler or kilo_llm
        litellm.custom_provider_map.append({"provider": PROVIDER, "custom_handler": handler})
    litellm.utils.custom_llm_setup()
    litellm.register_model(catalog.model_cost_map())
    return handler


register()

__all__ = ["DEFAULT_API_BASE", "PROVIDER", "KiloLLM", "__version__", "free_router", "kilo_llm", "register"]
