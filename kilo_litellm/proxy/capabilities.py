"""The free chain's deployment filter: ``kilo_litellm.proxy.capabilities.capability_filter``.

A LiteLLM ``CustomLogger`` whose ``async_filter_deployments`` the Router runs on each model group it
tries. For the deployments marked ``model_info.kilo_capability_checks: true`` (every model of the free
chain) it first drops the members the gateway no longer serves (:mod:`kilo_litellm.models.serving`:
gone from its live ``/models``, answered 404 ``model_not_found``, or past their ``expiration_date``),
then keeps only those that can serve the request (:mod:`kilo_litellm.provider.capability_check`):
an image only to a model that takes images, ``tools`` only to one with tool calling, a JSON-schema
``response_format`` only to one with structured output, a prompt only to a model whose context
window holds it. Other deployments pass untouched; a plain text request starts at ``kilo-auto/free``.

The free chain is one model group per model, each falling back to the next, and a filter narrows
one group: when nothing in a group fits, the filter raises the typed refusal (a
``litellm.BadRequestError``, or ``ContextWindowExceededError`` for the window), and the Router's
fallback walk goes on to the next group (measured on 1.110.2: sync, async, stream and proxy all walk
past an error raised by a filter). When no model of the chain fits, the caller gets the first
group's refusal, which names what is missing and the models that have it, free first, then paid.

LiteLLM runs deployment filters on async calls only (the proxy, ``Router.acompletion``); a sync
``Router.completion`` gets the same refusal from the provider, before anything is sent. The prompt
is counted (``litellm.token_counter``, off the event loop) only when its size could exceed the
smallest context window of the marked deployments (a token of text is at least one byte); LiteLLM's
own pre-call checks (``enable_pre_call_checks``) count it on every call, for the group it tries.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from typing import Any

import litellm
from litellm.integrations.custom_logger import CustomLogger

from kilo_litellm.models import needs
from kilo_litellm.provider import capability_check
from kilo_litellm.proxy.config_names import CAPABILITY_FILTER as CALLBACK


def _model(deployment: Mapping[str, Any]) -> str:
    return str((deployment.get("litellm_params") or {}).get("model") or "")


def _info(deployment: Mapping[str, Any]) -> Mapping[str, Any]:
    return deployment.get("model_info") or {}


IMAGE_TYPES = frozenset({"image_url", "input_image", "image"})
IMAGE_TOKENS = 2000
"""A generous count for one image: LiteLLM counts an image by its size, not by its bytes."""


def _without_images(messages: list) -> tuple[list, int]:
    """``messages`` with each image part left out, and how many there were."""
    images, out = 0, []
    for message in messages:
        content = message.get("content") if isinstance(message, Mapping) else None
        if isinstance(content, list):
            parts = [p for p in content if not (isinstance(p, Mapping) and p.get("type") in IMAGE_TYPES)]
            images += len(content) - len(parts)
            message = {**message, "content": parts}
        out.append(message)
    return out, images


def upper_bound(messages: list, tools: Any) -> int:
    """More tokens than the prompt can have: a token of text is at least one byte, plus
    :data:`IMAGE_TOKENS` per image."""
    text, images = _without_images(messages)
    return len(json.dumps([text, tools], default=str, ensure_ascii=False).encode()) + images * IMAGE_TOKENS


async def prompt_tokens(
    messages: Any, kwargs: Mapping[str, Any], deployments: Sequence[Mapping[str, Any]]
) -> int | None:
    """The prompt's token count, or ``None`` when :func:`upper_bound` already fits every window."""
    windows = [
        w for d in deployments if isinstance(w := capability_check.declared(_model(d), _info(d)).get(needs.WINDOW), int)
    ]
    tools = kwargs.get("tools")
    if not windows or not isinstance(messages, list) or upper_bound(messages, tools) <= min(windows):
        return None
    return await asyncio.to_thread(litellm.token_counter, model=_model(deployments[0]), messages=messages, tools=tools)


class CapabilityFilter(CustomLogger):
    """Keeps a request off the free-chain deployments that cannot serve it (see the module doc)."""

    async def async_filter_deployments(
        self,
        model: str,
        healthy_deployments: list,
        messages: Any,
        request_kwargs: dict | None = None,
        parent_otel_span: Any = None,
    ) -> list:
        checked = [d for d in healthy_deployments if capability_check.enabled(_info(d))]
        if not checked:
            return healthy_deployments
        kwargs = request_kwargs or {}
        messages = messages if messages is not None else kwargs.get("messages")
        tokens = await prompt_tokens(messages, kwargs, checked)
        kept, refusals = [], []
        for deployment in healthy_deployments:
            info = _info(deployment)
            error = None
            if capability_check.enabled(info):
                model = _model(deployment)
                error = capability_check.gone(model) or capability_check.refusal(model, messages, kwargs, info, tokens)
            if error is None:
                kept.append(deployment)
            else:
                refusals.append(error)
        if kept:
            return kept
        raise refusals[0]


capability_filter = CapabilityFilter()
"""The instance ``free_router()`` registers and a proxy config names (:data:`CALLBACK`)."""


def register() -> CapabilityFilter:
    """Put :data:`capability_filter` in ``litellm.callbacks`` (once) so Routers run it."""
    if capability_filter not in litellm.callbacks:
        litellm.callbacks.append(capability_filter)
    return capability_filter


__all__ = ["CALLBACK", "CapabilityFilter", "capability_filter", "register"]
