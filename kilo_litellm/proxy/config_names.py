"""The dotted names a LiteLLM proxy config uses for this package's objects (no LiteLLM needed to read them).

The proxy imports each at start-up; ``kilo-litellm proxy-config`` writes them without importing
what they name, so the command starts without LiteLLM.
"""

from __future__ import annotations

HANDLER = "kilo_litellm.kilo_llm"
"""``litellm_settings.custom_provider_map[].custom_handler``: the provider's handler instance."""
CAPABILITY_FILTER = "kilo_litellm.proxy.capabilities.capability_filter"
"""``litellm_settings.callbacks``: the free chain's deployment filter (:mod:`kilo_litellm.proxy.capabilities`)."""
GUARD_CALLBACK = "kilo_litellm.free_budget.guard"
"""``litellm_settings.callbacks``: the budget guard (:mod:`kilo_litellm.proxy.free_budget`)."""
LIVE_CATALOG = "kilo_litellm.proxy.live_catalog.refresher"
"""``litellm_settings.callbacks``: the background ``/models`` refresh and the chain that follows it
(:mod:`kilo_litellm.proxy.live_catalog`); looking it up is what starts the refresh."""
