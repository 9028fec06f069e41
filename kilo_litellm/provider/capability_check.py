"""A request a free-chain deployment cannot serve is refused before it is sent, with a typed error.

A member the gateway no longer serves (no longer in its live ``/models``, answered 404
``model_not_found``, or past its ``expiration_date``: :mod:`kilo_litellm.models.serving`) is skipped
the same way, with a ``litellm.NotFoundError`` and one warning saying how to write the config again.

The free chain (``free_router()``, the generated proxy config) marks its deployments with
``model_info.kilo_capability_checks: true``. For such a deployment, an image, ``tools``, or a
``response_format`` with a JSON schema goes only to a model that declares it takes them
(:mod:`kilo_litellm.models.needs`): the deployment's own ``model_info`` flags if it sets them, else
the catalog's, from the gateway's ``/models``. A model the catalog does not know is sent the request.

The Router's deployment filter (:mod:`kilo_litellm.proxy.capabilities`) drops such deployments before
they are tried, but LiteLLM runs deployment filters on async calls only
(``router_rust/core.py`` ``_answer_select_sync``: "Only the async candidate lists run the callback
filters"). On a sync ``Router.completion`` the provider refuses the request here instead, before
anything is sent, and the Router's fallback walk moves on to the next model of the chain. The
refusal is a ``litellm.BadRequestError`` (a ``ContextWindowExceededError`` for a prompt that does
not fit) naming what is missing and which models have it, free first, then paid.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kilo_litellm.config import settings
from kilo_litellm.config.settings import PROVIDER
from kilo_litellm.models import catalog, needs, serving

MARKER = "kilo_capability_checks"
"""The ``model_info`` key that turns the checks on for a deployment."""
_FLAGS = frozenset({needs.IMAGES.flag, needs.TOOLS.flag, needs.SCHEMA.flag, needs.WINDOW})


def enabled(model_info: Any) -> bool:
    return isinstance(model_info, Mapping) and model_info.get(MARKER) is True


def declared(model: str, model_info: Mapping[str, Any] | None) -> dict[str, Any]:
    """What is known of ``model``'s capabilities: the catalog's flags, overridden by the deployment's own."""
    entry = catalog.lookup(settings.strip_provider(model))
    known = needs.capabilities(entry) if entry is not None else {}
    return {**known, **{k: v for k, v in (model_info or {}).items() if k in _FLAGS}}


def refusal(
    model: str,
    messages: Any,
    params: Mapping[str, Any],
    model_info: Mapping[str, Any] | None,
    prompt_tokens: int | None = None,
) -> Exception | None:
    """The error for a request ``model`` cannot serve, or ``None`` when it can (or nothing says it cannot).

    ``prompt_tokens`` is the prompt's count when the caller counted it; without it the context window
    is left to LiteLLM's pre-call checks.
    """
    wanted = needs.of(messages, params)
    info = declared(model, model_info)
    lacking = needs.missing(wanted, info)
    small = needs.too_small(info, prompt_tokens)
    if not lacking and not small:
        return None
    import litellm

    label = model if settings.has_provider_prefix(model) else f"{PROVIDER}/{model}"
    message = needs.refusal_message(label, lacking, wanted, prompt_tokens, info.get(needs.WINDOW))
    if lacking:
        return litellm.BadRequestError(message=message, model=label, llm_provider=PROVIDER)
    return litellm.ContextWindowExceededError(message=message, model=label, llm_provider=PROVIDER)


def gone(model: str) -> Exception | None:
    """The error for a chain member the gateway no longer serves (:mod:`serving`), or ``None``: the
    Router's fallback walk moves on to the next member without a request to this one."""
    reason = serving.skipped(model)
    if reason is None:
        return None
    import litellm

    label = model if settings.has_provider_prefix(model) else f"{PROVIDER}/{model}"
    return litellm.NotFoundError(
        message=f"{label} was skipped by the free chain: {reason}. Write the config again: {serving.REGENERATE}.",
        model=label,
        llm_provider=PROVIDER,
    )
