"""A budget for limits you know the gateway applies, spent before the request: ``kilo_litellm.free_budget.guard``.

Which limits exist (docs/gateway-contract.md, "Free models and limits"): the gateway's two published
free limits, the 429 ``rate_limit_exceeded`` "Model usage limit reached" (200 requests an hour per
IP) and the 401 ``promotion_limit_reached`` (10,000 requests a day per IP without a key), are
checked only for rate-limited Kilo-exclusive models, one hidden model behind ``kilo-auto/small``.
``kilo-auto/free``, the ``stepfun/...`` and OpenRouter ``:free`` ids have neither; what limits them
is a per-account (per-IP without a key) 429 "Too many requests" whose numbers are not published. So
the guard has **no default limit**: with nothing configured it counts nothing and refuses nothing,
and every request goes to the gateway, which decides. A limit is configuration, because only the
user knows which one applies to their models (and the gateway changes them):

* ``KILO_FREE_BUDGET_PER_MODEL`` (``<requests>/<seconds>``, e.g. ``200/3600``): a budget for each
  model the catalog lists as free (``isFree``);
* a deployment's ``model_info.kilo_free_budget`` (same form, or ``off``): that deployment's budget,
  for any ``kilo/`` model (e.g. ``kilo-auto/small`` when you know it routes to the limited model);
  it replaces the variable for that deployment;
* ``KILO_FREE_BUDGET_ANONYMOUS`` (same form): requests without a key, all counted models together.

The variables are read when the module is imported; :class:`Limits` passed to :class:`FreeBudget`
replace them. Neither gateway refusal carries a ``Retry-After``, so without a budget a Router learns
that a model is exhausted only by spending a request (and its latency) on it, on every replica,
again after every short cooldown; with one it stops before.

The guard is a LiteLLM ``CustomLogger``. Its ``async_pre_call_check`` is the Router's routing
pre-call check, the hook where LiteLLM's own ``enforce_model_rate_limits`` counts rpm: for each
deployment the Router picks that has a budget, it counts the request in the Router's cache (INCR,
with an expiry on a new key) under the model and the current window, and for a keyless call with
an anonymous budget also under the anonymous window. Past a budget it raises
``litellm.RateLimitError`` with a ``Retry-After`` up to the end of the window, before anything is
sent: the Router handles it as it would the gateway's 429 (its cooldown rules apply, the next
fallback is tried at once), and the gateway never sees the request. A refused request is taken
back from the counters it was added to, so they count what reached the gateway: in Redis, from
every replica; in each replica's memory, from that replica.

Across replicas: inside the LiteLLM proxy the guard counts in the proxy Router's own cache, a
``DualCache`` that writes through to Redis when ``router_settings.redis_host`` is set, so every
replica sharing that Redis spends one budget. When Redis cannot be reached, ``DualCache`` answers
with its in-memory count: each replica then keeps a budget of its own (at most one full budget per
replica) and no request fails because of the guard. Outside the proxy the guard counts in the
cache of the Router given to :meth:`FreeBudget.attach` (``free_router(free_budget=FreeBudget())``
does that), else in a cache of its own in this process.

Windows are fixed intervals of the clock (``now // window``), like LiteLLM's rpm counters. Kilo
does not say how its hour is measured; if it is a rolling hour, requests spent just before a
window boundary still count at the gateway after it, and a 429 can still come back (the Router
then falls back as usual).
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import litellm
from litellm._logging import verbose_router_logger
from litellm.caching.dual_cache import DualCache
from litellm.integrations.custom_logger import CustomLogger

from kilo_litellm.config import env, settings, urls
from kilo_litellm.config.settings import PROVIDER
from kilo_litellm.models import catalog

ENV_PER_MODEL = env.FREE_BUDGET_PER_MODEL.name
ENV_ANONYMOUS = env.FREE_BUDGET_ANONYMOUS.name
MODEL_INFO_KEY = "kilo_free_budget"
KEY_PREFIX = "kilo:free-budget"
PROXY_MODULE = "litellm.proxy.proxy_server"


@dataclass(frozen=True)
class Budget:
    """At most ``requests`` per fixed window of ``seconds``."""

    requests: int
    seconds: int

    def __str__(self) -> str:
        return f"{self.requests}/{self.seconds}"


def parse_budget(text: str, name: str) -> Budget | None:
    """``"200/3600"`` → ``Budget(200, 3600)``; ``"off"`` → ``None``."""
    value = text.strip().lower()
    if value in ("off", "none", "0"):
        return None
    requests, sep, seconds = value.partition("/")
    try:
        budget = Budget(int(requests), int(seconds)) if sep else None
    except ValueError:
        budget = None
    if budget is None or budget.requests < 1 or budget.seconds < 1:
        raise ValueError(f"{name}={text!r}: expected <requests>/<seconds> such as 200/3600, or off")
    return budget


@dataclass(frozen=True)
class Limits:
    """The budgets the guard counts; none by default, since the gateway's published limits apply to
    rate-limited Kilo-exclusive models only (docs/gateway-contract.md, "Free models and limits"), not
    to every free model."""

    per_model: Budget | None = None
    """Requests per model the catalog lists as free, per window, from this IP (keyed or not)."""
    anonymous: Budget | None = None
    """Requests without a key per window, all counted models together."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Limits:
        """``KILO_FREE_BUDGET_PER_MODEL`` / ``KILO_FREE_BUDGET_ANONYMOUS``; an unset one counts nothing."""
        default = cls()
        return cls(
            per_model=parse_budget(env[ENV_PER_MODEL], ENV_PER_MODEL) if ENV_PER_MODEL in env else default.per_model,
            anonymous=parse_budget(env[ENV_ANONYMOUS], ENV_ANONYMOUS) if ENV_ANONYMOUS in env else default.anonymous,
        )


@dataclass(frozen=True)
class Counter:
    """One counter a request is added to: its cache key, its budget, and when its window ends."""

    key: str
    budget: Budget
    what: str
    retry_after: int


def _model(deployment: Mapping[str, Any]) -> str:
    return str((deployment.get("litellm_params") or {}).get("model") or "")


def free_gateway_id(deployment: Mapping[str, Any]) -> str | None:
    """The gateway id a deployment sends, when the catalog lists it as free; else ``None``.

    For a ``kilo/*`` wildcard the Router passes the deployment with the requested model filled in.
    """
    entry = catalog.free_entry(_model(deployment))
    return None if entry is None else entry.gateway_id


def kilo_gateway_id(deployment: Mapping[str, Any]) -> str | None:
    """The gateway id of any ``kilo/`` deployment (free, paid or not in the catalog); else ``None``."""
    model = _model(deployment)
    if not settings.has_provider_prefix(model):
        return None
    try:
        return catalog.resolve(model).gateway_id
    except catalog.UnknownModelError:
        return None


def is_anonymous(deployment: Mapping[str, Any], env: Mapping[str, str] | None = None) -> bool:
    """Whether the call goes without a key, by the provider's own rule (:func:`settings.resolve`:
    the deployment's key, else ``KILO_API_KEY``, else the stored ``kilo-litellm login`` sign-in)."""
    key = (deployment.get("litellm_params") or {}).get("api_key")
    return not settings.resolve(api_key=key, environ=env).has_real_key


def per_model_budget(deployment: Mapping[str, Any], default: Budget | None) -> Budget | None:
    """The deployment's ``model_info.kilo_free_budget`` when set, else ``default``."""
    override = configured_budget(deployment)
    return default if override is None else parse_budget(str(override), f"model_info.{MODEL_INFO_KEY}")


def configured_budget(deployment: Mapping[str, Any]) -> Any:
    """The deployment's own ``model_info.kilo_free_budget`` as written, or ``None`` when it has none."""
    return (deployment.get("model_info") or {}).get(MODEL_INFO_KEY)


def counters(gateway_id: str, anonymous: bool, per_model: Budget | None, limits: Limits, now: float) -> list[Counter]:
    """The counters one request to ``gateway_id`` is added to at ``now``."""
    found = []
    if per_model is not None:
        found.append(_counter(f"model:{gateway_id}", per_model, f"kilo/{gateway_id}", now))
    if anonymous and limits.anonymous is not None:
        found.append(_counter("anonymous", limits.anonymous, "requests without a key", now))
    return found


def _counter(name: str, budget: Budget, what: str, now: float) -> Counter:
    window = int(now // budget.seconds)
    left = max(1, math.ceil((window + 1) * budget.seconds - now))
    return Counter(f"{KEY_PREFIX}:{name}:{budget.seconds}:{window}", budget, what, left)


def exceeded(found: Sequence[Counter], counts: Sequence[float | None]) -> Counter | None:
    """The first counter whose count (after this request) is over its budget; ``None`` admits the request."""
    for counter, count in zip(found, counts, strict=True):
        if count is not None and count > counter.budget.requests:
            return counter
    return None


def refusal(counter: Counter, model: str, model_group: str) -> litellm.RateLimitError:
    """The exception the Router sees instead of the gateway's 429: typed, with a ``Retry-After``."""
    message = (
        f"KiloException - free-tier budget spent for {counter.what}: {counter.budget.requests} requests "
        f"per {counter.budget.seconds} s, counted by kilo_litellm.free_budget. Not sent, since the configured "
        f"budget says the gateway would refuse it; the budget renews in {counter.retry_after} s. Model group: "
        f"{model_group}. The budgets are set by {ENV_PER_MODEL} / {ENV_ANONYMOUS} or a deployment's "
        f"model_info.{MODEL_INFO_KEY}."
    )
    response = httpx.Response(
        status_code=429,
        headers={"retry-after": str(counter.retry_after)},
        request=httpx.Request("POST", urls.endpoint(settings.DEFAULT_API_BASE, "chat/completions")),
    )
    error = litellm.RateLimitError(message=message, llm_provider=PROVIDER, model=model, response=response)
    error.litellm_response_headers = response.headers  # type: ignore[attr-defined]
    return error


def _proxy_store() -> DualCache | None:
    """The proxy Router's cache, when this process is the LiteLLM proxy (imported, never loaded here)."""
    proxy = sys.modules.get(PROXY_MODULE)
    router = getattr(proxy, "llm_router", None)
    return router.health().store if router is not None else None


class FreeBudget(CustomLogger):
    """Counts requests to Kilo models that have a configured budget, per window, and refuses them past
    it before they are sent; with no budget configured (the default) it counts and refuses nothing."""

    def __init__(
        self, limits: Limits | None = None, *, cache: DualCache | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__()
        self.limits = limits if limits is not None else Limits.from_env()
        self.clock = clock
        self._cache = cache
        self._own_cache: DualCache | None = None

    def attach(self, router: Any) -> FreeBudget:
        """Count in ``router``'s cache (Redis when the Router has one) and run as a LiteLLM callback."""
        self._cache = router.health().store
        if self not in litellm.callbacks:
            litellm.callbacks.append(self)
        return self

    def detach(self) -> None:
        """Stop checking (``litellm.callbacks``) and forget the Router's cache."""
        while self in litellm.callbacks:
            litellm.callbacks.remove(self)
        self._cache = None

    @property
    def cache(self) -> DualCache:
        """The attached Router's cache, else the proxy Router's, else one of this guard's own."""
        found = self._cache or _proxy_store()
        if found is not None:
            return found
        if self._own_cache is None:
            self._own_cache = DualCache()
        return self._own_cache

    def _plan(self, deployment: Mapping[str, Any]) -> list[Counter]:
        """The counters for one deployment: those of its own ``model_info`` budget (any ``kilo/``
        model), else of the configured limits (a model the catalog lists as free); none otherwise."""
        own = configured_budget(deployment) is not None
        gateway_id = kilo_gateway_id(deployment) if own else free_gateway_id(deployment)
        if gateway_id is None:
            return []
        per_model = per_model_budget(deployment, self.limits.per_model)
        return counters(gateway_id, is_anonymous(deployment), per_model, self.limits, self.clock())

    async def async_pre_call_check(self, deployment: dict, parent_otel_span: Any = None) -> dict | None:
        found = self._plan(deployment)
        if not found:
            return deployment
        cache = self.cache
        ops = [{"key": c.key, "increment_value": 1, "ttl": 2 * c.budget.seconds} for c in found]
        counts = await cache.async_increment_cache_pipeline(increment_list=ops, parent_otel_span=parent_otel_span)
        over = exceeded(found, counts or [None] * len(found))
        if over is None:
            return deployment
        refunds = [{**op, "increment_value": -1} for op in ops]
        await cache.async_increment_cache_pipeline(increment_list=refunds, parent_otel_span=parent_otel_span)
        raise self._refuse(over, deployment)

    def pre_call_check(self, deployment: dict) -> dict | None:
        found = self._plan(deployment)
        if not found:
            return deployment
        cache = self.cache
        counts = [self._increment(cache, c.key, 1, 2 * c.budget.seconds) for c in found]
        over = exceeded(found, counts)
        if over is None:
            return deployment
        for c in found:
            self._increment(cache, c.key, -1, 2 * c.budget.seconds)
        raise self._refuse(over, deployment)

    @staticmethod
    def _increment(cache: DualCache, key: str, value: int, ttl: int) -> float | None:
        """The sync twin of ``DualCache.async_increment_cache``: this process's count, then Redis's when it answers.

        ``RedisCache.increment_with_floor`` runs under LiteLLM's Redis circuit breaker, so while
        Redis is down the call fails fast instead of waiting out the client's retries each time.
        """
        count = cache.in_memory_cache.increment_cache(key, value, ttl=ttl) if cache.in_memory_cache else None
        if cache.redis_cache is None:
            return count
        try:
            return cache.redis_cache.increment_with_floor(key, value, ttl)
        except Exception as error:
            verbose_router_logger.warning("kilo free budget: Redis increment failed, counting locally: %s", error)
            return count

    @staticmethod
    def _refuse(over: Counter, deployment: Mapping[str, Any]) -> litellm.RateLimitError:
        model = str((deployment.get("litellm_params") or {}).get("model"))
        verbose_router_logger.info("kilo free budget: %s spent, %s not sent", over.key, model)
        return refusal(over, model, str(deployment.get("model_name")))


guard = FreeBudget()
"""The instance a proxy config names: ``litellm_settings.callbacks: ["kilo_litellm.free_budget.guard"]``."""

__all__ = ["Budget", "FreeBudget", "Limits", "guard"]
