"""``free_router()``: a LiteLLM ``Router`` over Kilo's free models, the code twin of ``litellm_config.yaml``.

The chain comes from the catalog, not a fixed tuple: ``kilo-auto/free`` (today's stable free entry)
first, then the other free models the catalog lists and does not mark retired, in the gateway's
order (today's notes §2.2: the free pool changes monthly, so :func:`refresh_models` before building
the router follows it). The gateway's rate-limit 429s (the per-account "Too many requests", and
"Model usage limit reached" of its rate-limited exclusive models) mostly carry no ``Retry-After``:
waiting and retrying the same model is pointless. So the Router never retries (``num_retries=0``)
and moves at once along the chain; 5xx and timeouts fall back the same way.

LiteLLM rejects ``reasoning_effort`` and ``thinking`` for a custom provider and silently drops
``user`` unless a deployment lists them in ``allowed_openai_params`` (the provider turns both into
the gateway's ``reasoning``). Reasoning models accept all three; the others accept ``user`` and
drop the reasoning parameters, so a request that asked for reasoning still falls back to them
instead of failing with ``UnsupportedParamsError``.

The chain fits the request (:mod:`capabilities`): each of its deployments is marked
``model_info.kilo_capability_checks``, the Router runs LiteLLM's pre-call checks
(``enable_pre_call_checks``: the context window) and the capability filter, so an image, ``tools``
or a JSON schema skip the free models that lack them and the walk goes on to one that has them.

Free models' streams are often cut after some text (the gateway's in-band ``upstream_disconnect``).
``enable_mid_stream_fallback_continuation`` makes LiteLLM continue such a stream on the next model
that takes a prefill (:mod:`kilo_litellm.models.prefill`): it gets the partial answer as a trailing
assistant message, and the caller reads one answer, with the usage of both. LiteLLM does this on
async streams only (``Router.acompletion``, the proxy); a sync ``Router.completion(stream=True)``
raises the cut's ``ServiceUnavailableError`` after the text already read
(``router_rust/invoke/streaming.py`` ``wrap_chat_stream_sync``: "never continues after content").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kilo_litellm.config.settings import PROVIDER
from kilo_litellm.models import catalog
from kilo_litellm.models.catalog import ModelEntry
from kilo_litellm.provider import capability_check
from kilo_litellm.proxy import cooldowns

if TYPE_CHECKING:
    from litellm import Router

    from kilo_litellm.proxy.free_budget import FreeBudget

CHAIN_LENGTH = 4
WILDCARD = f"{PROVIDER}/*"
REASONING_PARAMS = ["reasoning_effort", "thinking", "user"]
CHAIN_MODEL_INFO = {capability_check.MARKER: True}
"""Every free-chain deployment asks for the capability checks."""
CHAIN_ROUTER_SETTINGS = {"enable_pre_call_checks": True, "enable_mid_stream_fallback_continuation": True}
"""What the chain turns on in LiteLLM's Router besides its fallbacks (the proxy's ``router_settings`` too)."""


def free_chain(length: int = CHAIN_LENGTH) -> list[ModelEntry]:
    """``kilo-auto/free``, then the served free models of the active catalog, at most ``length``."""
    return catalog.served_free()[:length]


def model_name(entry: ModelEntry) -> str:
    """The model group name callers use: the gateway id without ``kilo/`` (``kilo-auto/free``)."""
    return entry.aliases[0] if entry.aliases else entry.gateway_id


def deployment_params(
    model: str, reasoning: bool, api_key: str | None = None, api_base: str | None = None
) -> dict[str, Any]:
    params: dict[str, Any] = {"model": model}
    if api_key is not None:
        params["api_key"] = api_key
    if api_base is not None:
        params["api_base"] = api_base
    if reasoning:
        params["allowed_openai_params"] = list(REASONING_PARAMS)
    else:
        params["allowed_openai_params"] = ["user"]
        params["additional_drop_params"] = ["reasoning_effort", "thinking"]
    return params


def free_model_list(api_key: str | None = None, api_base: str | None = None) -> list[dict[str, Any]]:
    """One deployment per model of the free chain, plus ``kilo/*`` for any other gateway model.

    ``None`` leaves the key and base to the provider (``KILO_API_KEY``/``KILO_API_BASE``, else no
    key and the live gateway).
    """
    deployments = [
        {
            "model_name": model_name(entry),
            "litellm_params": deployment_params(catalog.name_of(entry), entry.supports_reasoning, api_key, api_base),
            "model_info": dict(CHAIN_MODEL_INFO),
        }
        for entry in free_chain()
    ]
    deployments.append({"model_name": WILDCARD, "litellm_params": deployment_params(WILDCARD, True, api_key, api_base)})
    return deployments


def free_fallbacks() -> list[dict[str, list[str]]]:
    """Each model of the chain falls back to every later one, in order."""
    names = [model_name(e) for e in free_chain()]
    return [{name: names[i + 1 :]} for i, name in enumerate(names[:-1])]


def free_router(
    *,
    api_key: str | None = None,
    api_base: str | None = None,
    free_cooldowns: bool = False,
    free_budget: FreeBudget | None = None,
    **router_kwargs: Any,
) -> Router:
    """A ``Router`` serving ``kilo-auto/free`` and the rest of the chain; ``router_kwargs`` override the defaults.

    The chain fits the request and continues cut streams (see the module doc); it registers the
    capability filter in ``litellm.callbacks`` (once per process).
    ``free_cooldowns`` cools a free model down at its first 429 for as long as the refusal says
    (:mod:`cooldowns`), so later calls skip it instead of spending a request on the refusal.
    ``free_budget`` (a :class:`kilo_litellm.free_budget.FreeBudget`) is attached to the Router: it
    counts in the Router's cache (Redis with ``redis_host``) and skips a model before a budget you
    configured (it has none by default).
    """
    listed = free_model_list(api_key, api_base)
    kwargs: dict[str, Any] = {
        "model_list": cooldowns.cool_down_free_models(listed) if free_cooldowns else listed,
        "fallbacks": free_fallbacks(),
        "num_retries": 0,
        **CHAIN_ROUTER_SETTINGS,
    }
    kwargs.update(router_kwargs)
    from litellm import Router

    from kilo_litellm.proxy import capabilities

    capabilities.register()
    router = Router(**kwargs)
    if free_budget is not None:
        free_budget.attach(router)
    return router


__all__ = ["free_chain", "free_fallbacks", "free_model_list", "free_router"]
