"""``free_router()``: a LiteLLM ``Router`` over Kilo's free models, the code twin of ``litellm_config.yaml``.

The gateway limits free models per IP per hour and answers over the limit with a 429 that has no
``Retry-After``: waiting and retrying the same model is pointless for the rest of the hour. So the
Router never retries (``num_retries=0``) and moves at once along a fallback chain
(glm-5-free → minimax-m2.5-free → trinity-large-preview → giga-potato-free). 5xx and timeouts
fall back the same way.

LiteLLM rejects ``reasoning_effort`` for a custom provider and silently drops ``user`` unless a
deployment lists them in ``allowed_openai_params``. Reasoning models accept both; the others
accept ``user`` and drop ``reasoning_effort``, so a request that asked for reasoning still falls
back to them instead of failing with ``UnsupportedParamsError``.
"""

from __future__ import annotations

from typing import Any

from litellm import Router

from . import catalog
from .settings import PROVIDER

FREE_CHAIN = ("glm-5-free", "minimax-m2.5-free", "trinity-large-preview", "giga-potato-free")
WILDCARD = f"{PROVIDER}/*"
REASONING_PARAMS = ["reasoning_effort", "user"]


def _supports_reasoning(alias: str) -> bool:
    return catalog.resolve(alias).supports_reasoning


def _params(model: str, reasoning: bool, api_key: str | None, api_base: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {"model": model}
    if api_key is not None:
        params["api_key"] = api_key
    if api_base is not None:
        params["api_base"] = api_base
    if reasoning:
        params["allowed_openai_params"] = list(REASONING_PARAMS)
    else:
        params["allowed_openai_params"] = ["user"]
        params["additional_drop_params"] = ["reasoning_effort"]
    return params


def free_model_list(api_key: str | None = None, api_base: str | None = None) -> list[dict[str, Any]]:
    """One deployment per free model in the chain, plus ``kilo/*`` for any other gateway model.

    ``None`` leaves the key and base to the provider (``KILO_API_KEY``/``KILO_API_BASE``, else
    ``public`` and the live gateway).
    """
    deployments = [
        {
            "model_name": name,
            "litellm_params": _params(f"{PROVIDER}/{name}", _supports_reasoning(name), api_key, api_base),
        }
        for name in FREE_CHAIN
    ]
    deployments.append({"model_name": WILDCARD, "litellm_params": _params(WILDCARD, True, api_key, api_base)})
    return deployments


def free_fallbacks() -> list[dict[str, list[str]]]:
    """Each model falls back to every later model of the chain, in order."""
    return [{model: list(FREE_CHAIN[i + 1 :])} for i, model in enumerate(FREE_CHAIN[:-1])]


def free_router(*, api_key: str | None = None, api_base: str | None = None, **router_kwargs: Any) -> Router:
    """A ``Router`` serving ``glm-5-free`` and the rest of the chain; ``router_kwargs`` override the defaults."""
    kwargs: dict[str, Any] = {
        "model_list": free_model_list(api_key, api_base),
        "fallbacks": free_fallbacks(),
        "num_retries": 0,
    }
    kwargs.update(router_kwargs)
    return Router(**kwargs)


__all__ = ["FREE_CHAIN", "free_fallbacks", "free_model_list", "free_router"]
