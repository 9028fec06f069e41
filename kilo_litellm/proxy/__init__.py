"""Kilo models in a LiteLLM ``Router`` and the LiteLLM proxy: free chains, cooldowns, the budget guard, config.

Everything here hands LiteLLM's own machinery what it needs (a ``model_list``, ``fallbacks``,
``model_info`` flags, a ``CustomLogger`` pre-call check, a proxy YAML); routing, retries, cooldowns
and Redis sharing stay LiteLLM's.
"""
