"""The LiteLLM proxy config for Kilo models, written from the catalog (``kilo-litellm proxy-config``).

``litellm_config.yaml`` in the repository is this module's output for the bundled catalog (a test
holds them equal); run the command after :func:`refresh_models` to follow the live gateway.

* Every served chat and embedding model gets an explicit ``model_list`` entry: the proxy's ``/v1/models`` and
  ``/model/info`` list only explicit names (a ``kilo/*`` wildcard is invisible to both), with the
  limits and prices ``import kilo_litellm`` registers.
* The free chain of :func:`router.free_chain` comes first and falls back in order; retries are off
  (the free-model 429 has no ``Retry-After``).
* ``kilo/*`` serves any other gateway id; its ``health_check_model`` is ``kilo/kilo-auto/free``,
  since LiteLLM cannot pick one for a wildcard of a custom provider.
* Background health checks stay off: each check is a real request per deployment, against the
  free-tier limits (or paid credit).
* ``free_budget_guard=True`` adds :data:`GUARD_CALLBACK` to ``litellm_settings.callbacks``:
  requests to free models are counted in the Router's cache (Redis, when the proxy has one) and
  stop before the gateway's free-tier limits instead of at its 429 (:mod:`free_budget`).
"""

from __future__ import annotations

from typing import Any

import yaml

from . import catalog, embeddings, router
from .settings import ENV_API_BASE, ENV_API_KEY, PROVIDER

GUARD_CALLBACK = "kilo_litellm.free_budget.guard"
EMBEDDING_DROPS = ("encoding_format",)
"""LiteLLM refuses ``encoding_format`` for a custom provider's embeddings, and the ``openai`` client
sends ``base64`` by default: dropped, the gateway answers floats, which the client accepts."""

HEADER = """\
# LiteLLM proxy config for Kilo Gateway models, written by `kilo-litellm proxy-config` from the
# bundled model catalog (run it again after `kilo-litellm models --refresh` to follow the gateway).
#   litellm --config litellm_config.yaml
# Needs `pip install "kilo-litellm[proxy]"` and a LITELLM_MASTER_KEY.
#
# KILO_API_KEY and KILO_API_BASE are optional: when unset, LiteLLM passes None and the provider
# sends no key (enough for free models) to https://api.kilo.ai/api/gateway.
#
# The free chain falls back in order: {chain}.
# Free models are limited per IP and their 429 has no Retry-After, so retries are off
# (num_retries: 0) and a 429, 5xx or timeout moves straight to the next model. Reasoning models
# accept `reasoning_effort`, `thinking` (both sent as the gateway's `reasoning`) and `user`; the
# others drop the reasoning parameters, so a request that asked for them can still fall back.
#
# Background health checks are off: every check is a real request to every deployment, which
# spends the free-tier limits (or credit). `/health` still works on demand; the kilo/* wildcard
# is checked with kilo/kilo-auto/free.
"""

GUARD_HEADER = """\
#
# The free-tier budget guard (litellm_settings.callbacks) counts requests to free models in the
# Router's cache, shared through Redis when router_settings has redis_host, and falls back before
# the gateway's limits: KILO_FREE_BUDGET_PER_MODEL (default 200/3600, requests/seconds per model)
# and KILO_FREE_BUDGET_ANONYMOUS (default 10000/86400, keyless requests).
"""


def _deployment(name: str, model: str, reasoning: bool) -> dict[str, Any]:
    params = router.deployment_params(model, reasoning)
    return {
        "model_name": name,
        "litellm_params": {
            "model": params.pop("model"),
            "api_key": f"os.environ/{ENV_API_KEY}",
            "api_base": f"os.environ/{ENV_API_BASE}",
            **params,
        },
    }


def config(*, free_budget_guard: bool = False) -> dict[str, Any]:
    """The proxy config for the active catalog, as a dict; with the free-tier budget guard when asked."""
    chain = router.free_chain()
    chain_ids = {e.gateway_id for e in chain}
    others = [e for e in catalog.active().models if not e.retired and e.gateway_id not in chain_ids]
    listed = [_deployment(router.model_name(e), catalog.name_of(e), e.supports_reasoning) for e in (*chain, *others)]
    for model in embeddings.known():
        deployment = _deployment(model.id, f"{PROVIDER}/{model.id}", False)
        deployment["litellm_params"].pop("allowed_openai_params")
        deployment["litellm_params"]["additional_drop_params"] = list(EMBEDDING_DROPS)
        deployment["model_info"] = {"mode": "embedding"}
        listed.append(deployment)
    wildcard = _deployment(router.WILDCARD, router.WILDCARD, True)
    wildcard["litellm_params"]["additional_drop_params"] = list(EMBEDDING_DROPS)
    wildcard["model_info"] = {"health_check_model": f"{PROVIDER}/{catalog.FREE_AUTO}"}
    settings: dict[str, Any] = {
        "custom_provider_map": [{"provider": PROVIDER, "custom_handler": "kilo_litellm.kilo_llm"}]
    }
    if free_budget_guard:
        settings["callbacks"] = [GUARD_CALLBACK]
    return {
        "model_list": [*listed, wildcard],
        "litellm_settings": settings,
        "router_settings": {"num_retries": 0, "fallbacks": router.free_fallbacks()},
        "general_settings": {"background_health_checks": False},
    }


def render(*, free_budget_guard: bool = False) -> str:
    """``litellm_config.yaml`` for the active catalog: the header comments, then the YAML."""
    chain = " -> ".join(router.model_name(e) for e in router.free_chain())
    body = yaml.safe_dump(
        config(free_budget_guard=free_budget_guard), sort_keys=False, default_flow_style=False, width=120
    )
    return HEADER.format(chain=chain) + (GUARD_HEADER if free_budget_guard else "") + body
