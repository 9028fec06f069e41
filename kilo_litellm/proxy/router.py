"""``free_router()``: a LiteLLM ``Router`` over Kilo's free models, the code twin of ``litellm_config.yaml``.

The chain comes from the catalog, not a fixed tuple: ``kilo-auto/free`` (the stable free entry)
first, then the other free models the catalog lists and does not mark retired, in the gateway's
order. The free list changes monthly, so the chain follows the live list while it runs: a member
the gateway no longer serves (gone from its ``/models``, answered 404 ``model_not_found``, past its
``expiration_date``) is skipped by the chain's filter with one warning
(:mod:`kilo_litellm.models.serving`), and a free model the gateway newly lists is added at the end
(:func:`follow`, :func:`extend`).

The gateway's rate-limit 429s (the per-account "Too many requests", and "Model usage limit reached"
of its rate-limited exclusive models) mostly carry no ``Retry-After``: waiting and retrying the same
model is pointless. So the Router never retries (``num_retries=0``) and moves at once along the
chain; 5xx and timeouts fall back the same way.

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

import logging
import threading
import weakref
from typing import TYPE_CHECKING, Any

from kilo_litellm.config.settings import PROVIDER
from kilo_litellm.models import catalog, serving
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


logger = logging.getLogger("kilo_litellm")


def served_chain() -> list[ModelEntry]:
    """``kilo-auto/free``, then every free model of the active catalog the gateway still serves
    (:func:`serving.why_not`: listed, not answered 404, not past its ``expiration_date``)."""
    return [e for e in catalog.served_free() if serving.why_not(e.gateway_id) is None]


def free_chain(length: int = CHAIN_LENGTH) -> list[ModelEntry]:
    """The first ``length`` models of :func:`served_chain`."""
    return served_chain()[:length]


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


def fallbacks_for(names: list[str]) -> list[dict[str, list[str]]]:
    """Each of ``names`` falls back to every later one, in order."""
    return [{name: names[i + 1 :]} for i, name in enumerate(names[:-1])]


def free_fallbacks() -> list[dict[str, list[str]]]:
    """Each model of the chain falls back to every later one, in order."""
    return fallbacks_for([model_name(e) for e in free_chain()])


# -- the chain follows the live list -------------------------------------------------------------


def members(router: Router) -> list[str]:
    """A chain Router's model groups in order: the first fallback entry's key and its targets."""
    fallbacks = router.settings().fallbacks or []
    if not fallbacks:
        return []
    ((first, rest),) = dict(fallbacks[0]).items()
    return [first, *(t for t in rest if isinstance(t, str))]


def _shared_params(router: Router, group: str) -> dict[str, Any]:
    """The key and base of ``group``'s deployment, which the members added later share."""
    for deployment in router.model_list:
        if deployment.get("model_name") == group:
            params = deployment.get("litellm_params") or {}
            return {k: params[k] for k in ("api_key", "api_base") if params.get(k) is not None}
    return {}


_extend_lock = threading.Lock()


def extend(router: Router) -> list[str]:
    """Add every free model of the active catalog that ``router`` has no group for at the end of its
    chain (LiteLLM's run-time ``Router.apply(ChangeSet(upsert=..., settings={"fallbacks": ...}))``);
    the group names added. Nothing is added from the bundled snapshot: the config was written from it.
    """
    if catalog.provenance().source == "snapshot":
        return []
    from litellm.router_api import ChangeSet
    from litellm.types.router import Deployment

    with _extend_lock:
        order = members(router)
        if not order:
            return []
        known = set(order) | set(router.registry().names())
        new = [e for e in served_chain() if model_name(e) not in known]
        if not new:
            return []
        shared = _shared_params(router, order[0])
        upsert = [
            Deployment(
                model_name=model_name(e),
                litellm_params=deployment_params(catalog.name_of(e), e.supports_reasoning, **shared),
                model_info=dict(CHAIN_MODEL_INFO),
            )
            for e in new
        ]
        names = [*order, *(model_name(e) for e in new)]
        router.apply(ChangeSet(upsert=upsert, settings={"fallbacks": fallbacks_for(names)}))
    added = [model_name(e) for e in new]
    logger.info("kilo free chain: the gateway newly lists %s, added at the end of the chain", ", ".join(added))
    return added


_following: weakref.WeakSet = weakref.WeakSet()


def _on_install(_found: catalog.Catalog) -> None:
    for router in list(_following):
        try:
            extend(router)
        except Exception:
            logger.exception("kilo free chain: could not add the newly listed free models")


def follow(router: Router) -> Router:
    """Keep ``router``'s chain on the gateway's free list: each catalog installed from now on (a
    refresh, the proxy's hourly one) adds the free models it newly lists (:func:`extend`)."""
    _following.add(router)
    catalog.on_install(_on_install)
    return router


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
    router = follow(Router(**kwargs))
    if free_budget is not None:
        free_budget.attach(router)
    return router


__all__ = ["extend", "follow", "free_chain", "free_fallbacks", "free_model_list", "free_router"]
