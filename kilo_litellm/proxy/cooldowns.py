"""Free deployments of a LiteLLM Router cooled down at their first 429, for the refusal's window.

The provider puts the window of the answer on the exception as ``retry-after``
(:mod:`kilo_litellm.provider.limit_windows`: 1 h after "Model usage limit reached", 24 h after
``promotion_limit_reached``, the gateway's own ``retry-after`` after "Too many requests" when it
sends one); a Router reads it as the cooldown and stores it in Redis for every replica. LiteLLM
never cools a one-deployment group down on a 429 unless the deployment's ``model_info`` allows no
failure, which is what this module adds to free deployments.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from kilo_litellm.models import catalog

FREE_LIMIT_POLICY = {"allowed_fails_policy": {"RateLimitErrorAllowedFails": 0}}
"""A deployment's ``model_info`` that makes LiteLLM cool it down at its first 429, even when it is
the only deployment of its group (LiteLLM otherwise never cools a one-deployment group on a 429)."""


def cool_down_free_models(model_list: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A Router ``model_list`` whose free deployments are cooled down at their first 429
    (:data:`FREE_LIMIT_POLICY`), for as long as the exception's ``retry-after`` says.

    Only free models: paid ones keep LiteLLM's own rules, and a ``kilo/*`` wildcard, which serves
    paid models too, is left alone (LiteLLM 1.110.2 does not cool a wildcard down in any case).
    """
    listed = [copy.deepcopy(dict(d)) for d in model_list]
    for deployment in listed:
        model = str(deployment.get("litellm_params", {}).get("model", ""))
        if "*" not in model and catalog.free_entry(model) is not None:
            deployment.setdefault("model_info", {}).update(copy.deepcopy(FREE_LIMIT_POLICY))
    return listed
