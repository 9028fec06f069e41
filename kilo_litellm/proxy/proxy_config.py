"""The LiteLLM proxy config for Kilo models, written from the catalog (``kilo-litellm proxy-config``).

``litellm_config.yaml`` in the repository is this module's output for the bundled catalog (a test
holds them equal); run the command after :func:`refresh_models` to follow the live gateway.

* Every served chat and embedding model gets an explicit ``model_list`` entry: the proxy's ``/v1/models`` and
  ``/model/info`` list only explicit names (a ``kilo/*`` wildcard is invisible to both), with the
  limits and prices ``import kilo_litellm`` registers.
* The free chain of :func:`router.free_chain` comes first and falls back in order; retries are off
  (the gateway's rate-limit 429s mostly have no ``Retry-After``). Its deployments are marked for the
  capability checks and :data:`CAPABILITY_FILTER` is a callback, with LiteLLM's pre-call checks
  and mid-stream continuation on (:data:`router.CHAIN_ROUTER_SETTINGS`): the same chain as
  :func:`router.free_router`.
* The chain follows the live list while the proxy runs: :data:`config_names.LIVE_CATALOG` fetches
  ``/models`` at start-up and hourly in the background, members the gateway no longer serves (or
  that answered 404 ``model_not_found``, or are past their ``expiration_date``) are skipped with one
  warning, and free models it newly lists join the end of the chain without a new config.
* ``kilo/*`` serves any other gateway id; its ``health_check_model`` is ``kilo/kilo-auto/free``,
  since LiteLLM cannot pick one for a wildcard of a custom provider.
* Background health checks stay off: each check is a real request per deployment, against the
  gateway's rate limits (or paid credit).
* :func:`with_free_budget` adds :data:`GUARD_CALLBACK` to ``litellm_settings.callbacks``:
  requests to models with a configured budget are counted in the Router's cache (Redis, when the
  proxy has one) and stop before it instead of at the gateway's 429 (:mod:`free_budget`; no budget
  by default, since the gateway's published limits apply to rate-limited Kilo-exclusive models only).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import yaml

from kilo_litellm.config.settings import ENV_API_BASE, ENV_API_KEY, PROVIDER
from kilo_litellm.models import catalog
from kilo_litellm.provider import embeddings
from kilo_litellm.proxy import cooldowns, router
from kilo_litellm.proxy.config_names import CAPABILITY_FILTER, GUARD_CALLBACK, HANDLER, LIVE_CATALOG

EMBEDDING_DROPS = ("encoding_format",)
"""LiteLLM refuses ``encoding_format`` for a custom provider's embeddings, and the ``openai`` client
sends ``base64`` by default: dropped, the gateway answers floats, which the client accepts."""

HEADER = """\
# LiteLLM proxy config for Kilo Gateway models, written by `kilo-litellm proxy-config` from the
# model list in use: the gateway's, as the last `kilo-litellm models --refresh` remembered it, else
# the bundled snapshot (`kilo-litellm proxy-config --refresh` fetches it first).
#   litellm --config litellm_config.yaml
# Needs a LITELLM_MASTER_KEY and kilo-litellm with its proxy extra, from a clone of its repository:
#   pip install -e ".[proxy]"
# in the clone, or a wheel built there, installed where the proxy runs:
#   pip wheel --no-deps -w dist . && pip install "$(ls dist/kilo_litellm-*.whl)[proxy]"
# or the proxy's image, built from the clone's Dockerfile:
#   docker build -t kilo-litellm-proxy .
#
# KILO_API_KEY and KILO_API_BASE are optional: when unset, LiteLLM passes None and the provider
# sends no key (enough for free models) to https://api.kilo.ai/api/gateway.
#
# The free chain falls back in order: {chain}.
# The gateway's rate-limit 429s mostly carry no Retry-After, so retries are off
# (num_retries: 0) and a 429, 5xx or timeout moves straight to the next model. Reasoning models
# accept `reasoning_effort`, `thinking` (both sent as the gateway's `reasoning`) and `user`; the
# others drop the reasoning parameters, so a request that asked for them can still fall back.
#
# The chain follows the gateway while the proxy runs: the live_catalog callback fetches /models at
# start-up and hourly (a failed fetch keeps the last list; no call waits for it), members the gateway
# no longer serves are skipped with one warning, and free models it newly lists join the chain's end.
#
# The chain fits the request: its deployments carry `kilo_capability_checks: true`, and the
# capability filter (litellm_settings.callbacks) with LiteLLM's pre-call checks sends an image,
# tools, a JSON-schema response_format or a long prompt only to the free models whose /models entry
# has them; when none does, the client gets a 400 naming the models that do. A stream cut after
# some text (the gateway's upstream_disconnect) continues on the next free model
# (enable_mid_stream_fallback_continuation), which gets the partial answer as a prefill.
#
# Background health checks are off: every check is a real request to every deployment, which
# counts against the gateway's rate limits (or credit). `/health` still works on demand; the kilo/* wildcard
# is checked with kilo/kilo-auto/free.
"""

GUARD_HEADER = """\
#
# The budget guard (litellm_settings.callbacks) counts requests against the budgets you configure,
# in the Router's cache (shared through Redis when router_settings has redis_host), and falls back
# before them: KILO_FREE_BUDGET_PER_MODEL (requests/seconds per free model), KILO_FREE_BUDGET_ANONYMOUS
# (keyless requests), or a deployment's model_info.kilo_free_budget. Unset, it counts nothing: the
# gateway's 200/h (429 "Model usage limit reached") and 10,000/24 h (401 promotion_limit_reached)
# apply only to Kilo's rate-limited exclusive models, not to kilo-auto/free or :free ids.
"""


FREE_COOLDOWNS_HEADER = """\
#
# Free models are cooled down at their first 429 for as long as the answer says, so requests go
# straight to the next free model meanwhile: 1 h after 429 "Model usage limit reached", 24 h after
# 401 promotion_limit_reached (both sent only by Kilo's rate-limited exclusive models;
# KILO_FREE_LIMIT_COOLDOWN / KILO_DAILY_LIMIT_COOLDOWN in seconds change them), the gateway's
# retry-after after 429 "Too many requests", else LiteLLM's cooldown_time.
"""

REDIS_HEADER = """\
#
# Replicas: every proxy started from this file shares cooldowns, rpm counters (and the response
# cache, when set) through the Redis below; REDIS_PASSWORD is read from the environment.
"""

ENV_REDIS_PASSWORD = "REDIS_PASSWORD"
DEFAULT_REDIS_PORT = 6379


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


def config() -> dict[str, Any]:
    """The proxy config for the active catalog, as a dict."""
    chain = router.free_chain()
    chain_ids = {e.gateway_id for e in chain}
    others = [e for e in catalog.active().models if not e.retired and e.gateway_id not in chain_ids]
    listed = [_deployment(router.model_name(e), catalog.name_of(e), e.supports_reasoning) for e in (*chain, *others)]
    for deployment in listed[: len(chain)]:
        deployment["model_info"] = dict(router.CHAIN_MODEL_INFO)
    for model in embeddings.known():
        deployment = _deployment(model.id, f"{PROVIDER}/{model.id}", False)
        deployment["litellm_params"].pop("allowed_openai_params")
        deployment["litellm_params"]["additional_drop_params"] = list(EMBEDDING_DROPS)
        deployment["model_info"] = {"mode": "embedding"}
        listed.append(deployment)
    wildcard = _deployment(router.WILDCARD, router.WILDCARD, True)
    wildcard["litellm_params"]["additional_drop_params"] = list(EMBEDDING_DROPS)
    wildcard["model_info"] = {"health_check_model": f"{PROVIDER}/{catalog.FREE_AUTO}"}
    return {
        "model_list": [*listed, wildcard],
        "litellm_settings": {
            "custom_provider_map": [{"provider": PROVIDER, "custom_handler": HANDLER}],
            "callbacks": [CAPABILITY_FILTER, LIVE_CATALOG],
        },
        "router_settings": {"num_retries": 0, "fallbacks": router.free_fallbacks(), **router.CHAIN_ROUTER_SETTINGS},
        "general_settings": {"background_health_checks": False},
    }


def with_free_cooldowns(base: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with every free model's deployment cooled down at its first 429 for the gateway's
    window (:func:`cooldowns.cool_down_free_models`)."""
    config = copy.deepcopy(dict(base))
    config["model_list"] = cooldowns.cool_down_free_models(config.get("model_list", []))
    return config


def with_redis(base: Mapping[str, Any], host: str, port: int, *, cache: bool = False) -> dict[str, Any]:
    """``base`` sharing the Router's state (cooldowns, rpm counters) and, with ``cache``, the response
    cache through one Redis, so that several proxy replicas act as one. The password is read from
    ``REDIS_PASSWORD`` when the proxy starts (unset: none), never written into the file."""
    config = copy.deepcopy(dict(base))
    config.setdefault("router_settings", {}).update(
        redis_host=host, redis_port=port, redis_password=f"os.environ/{ENV_REDIS_PASSWORD}"
    )
    if cache:
        config.setdefault("litellm_settings", {}).update(
            cache=True,
            cache_params={"type": "redis", "host": host, "port": port, "password": f"os.environ/{ENV_REDIS_PASSWORD}"},
        )
    return config


def with_free_budget(base: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with the free-tier budget guard as a LiteLLM callback (:mod:`free_budget`): one line,
    ``litellm_settings.callbacks: ["kilo_litellm.free_budget.guard"]``."""
    config = copy.deepcopy(dict(base))
    settings = config.setdefault("litellm_settings", {})
    settings["callbacks"] = [*settings.get("callbacks", []), GUARD_CALLBACK]
    return config


def parse_redis(target: str) -> tuple[str, int]:
    """``HOST:PORT`` (the port defaults to 6379) as ``(host, port)``."""
    host, sep, port = target.strip().rpartition(":")
    if not sep:
        host, port = target.strip(), str(DEFAULT_REDIS_PORT)
    if not host or not port.isdigit():
        raise ValueError(f"expected HOST:PORT for Redis, got {target!r}")
    return host, int(port)


def render(
    redis: tuple[str, int] | None = None,
    *,
    cache: bool = False,
    free_cooldowns: bool = False,
    free_budget: bool = False,
) -> str:
    """``litellm_config.yaml`` for the active catalog: the header comments, then the YAML.

    With no arguments this is the shipped file; ``redis`` (host, port), ``cache``, ``free_cooldowns``
    and ``free_budget`` add :func:`with_redis`, :func:`with_free_cooldowns` and :func:`with_free_budget`.
    """
    chain = " -> ".join(router.model_name(e) for e in router.free_chain())
    built = config()
    header = HEADER.format(chain=chain)
    if free_cooldowns:
        built = with_free_cooldowns(built)
        header += FREE_COOLDOWNS_HEADER
    if redis is not None:
        built = with_redis(built, *redis, cache=cache)
        header += REDIS_HEADER
    if free_budget:
        built = with_free_budget(built)
        header += GUARD_HEADER
    body = yaml.safe_dump(built, sort_keys=False, default_flow_style=False, width=120)
    return header + body
