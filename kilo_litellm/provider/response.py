"""A non-streaming gateway body → the ``ModelResponse`` LiteLLM handed the provider (pure).

The body is OpenRouter's JSON passed through (docs/gateway-contract.md, "Streams"). It may start with whitespace
keep-alive bytes before ``{`` (OpenRouter's heartbeat while it waits), which a JSON parser
tolerates, or with a UTF-8 byte-order mark, which it does not (so it is dropped).
``message.reasoning`` becomes ``reasoning_content``; ``reasoning_details`` (which must be sent back
on the next assistant turn to keep reasoning across tool calls) is kept in the message's
``provider_specific_fields``. A choice's ``logprobs`` are kept; a choice without them still has
the attribute (``None``), which LiteLLM's ``Choices`` otherwise deletes. ``model`` is
``kilo/<requested name>`` and ``_hidden_params["custom_llm_provider"]`` is ``kilo``: LiteLLM's cost
helpers look the provider up by them (a bare name makes ``litellm.completion_cost(response)`` print
its "Provider List" banner) and find the registered entry; the upstream's own model name and
provider stay in ``_hidden_params``.
"""

from __future__ import annotations

import json
from typing import Any

from litellm.types.utils import Choices, Message, ModelResponse

from kilo_litellm.config.settings import PROVIDER
from kilo_litellm.models.catalog import ModelEntry
from kilo_litellm.provider import cost, errors, litellm_internals
from kilo_litellm.provider.usage import to_usage


def parse_body(body: bytes | str, model: str) -> dict[str, Any]:
    """JSON object from the body, or :func:`errors.bad_response` saying what came instead.

    Invalid UTF-8 is replaced, as in streams (:mod:`sse`), so one bad byte from an upstream does not
    cost the caller the whole answer.
    """
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    text = text.lstrip().removeprefix("\ufeff")
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise errors.bad_response(model, f"not JSON: {text.strip()[:200]!r}") from exc
    if not isinstance(data, dict):
        raise errors.bad_response(model, f"expected a JSON object, got {type(data).__name__}")
    return data


def _message(raw: dict[str, Any]) -> Message:
    extra: dict[str, Any] = {}
    if raw.get("reasoning_details"):
        extra["reasoning_details"] = raw["reasoning_details"]
    if raw.get("refusal"):
        extra["refusal"] = raw["refusal"]
    return Message(
        content=raw.get("content"),
        role="assistant",
        tool_calls=raw.get("tool_calls") or None,
        reasoning_content=raw.get("reasoning") or raw.get("reasoning_content") or None,
        provider_specific_fields=extra or None,
    )


def _choice(i: int, raw: dict[str, Any]) -> Choices:
    logprobs = raw.get("logprobs") if isinstance(raw.get("logprobs"), dict) else None
    choice = Choices(
        finish_reason=raw.get("finish_reason") or "stop",
        index=raw.get("index", i),
        message=_message(raw.get("message") or {}),
        logprobs=logprobs,
    )
    if logprobs is None:
        choice.logprobs = None
    return choice


def fill(model_response: ModelResponse, data: dict[str, Any], *, model: str, entry: ModelEntry) -> ModelResponse:
    """Fill LiteLLM's response object from the gateway body; raise the mapped error if it is one.

    A body of the wrong shape (``choices`` not a list, a message that is not an object, ...) is
    the gateway's fault, reported as :func:`errors.bad_response`, never as a raw ``TypeError``.
    """
    try:
        return _fill(model_response, data, model=model, entry=entry)
    except (TypeError, ValueError, AttributeError) as exc:
        raise errors.bad_response(model, f"unexpected response shape: {json.dumps(data)[:200]}") from exc


def _fill(model_response: ModelResponse, data: dict[str, Any], *, model: str, entry: ModelEntry) -> ModelResponse:
    if "error" in data:
        raise errors.to_exception(errors.parse(200, data), model=model, entry=entry)
    raw_choices = data.get("choices")
    if not isinstance(raw_choices, list) or not raw_choices:
        raise errors.bad_response(model, "no choices in the response")
    model_response.choices = [_choice(i, choice) for i, choice in enumerate(raw_choices) if isinstance(choice, dict)]
    if data.get("id"):
        model_response.id = data["id"]
    if isinstance(data.get("created"), int):
        model_response.created = data["created"]
    model_response.model = f"{PROVIDER}/{model}"
    if data.get("system_fingerprint"):
        model_response.system_fingerprint = data["system_fingerprint"]
    hidden = litellm_internals.hidden_params(model_response)
    hidden["custom_llm_provider"] = PROVIDER
    hidden["upstream_model"] = data.get("model")
    if data.get("provider"):
        hidden["upstream_provider"] = data["provider"]
    raw_usage = data.get("usage")
    charge = cost.charge(entry, raw_usage if isinstance(raw_usage, dict) else None)
    if isinstance(raw_usage, dict):
        model_response.usage = to_usage(raw_usage, charge.amount)  # type: ignore[attr-defined]
    record_charge(model_response, charge)
    return model_response


def record_charge(response: ModelResponse, charge: cost.Charge) -> None:
    """Where LiteLLM's cost calculator looks, as its built-in providers record a reported cost.

    A known amount goes into ``additional_headers`` through LiteLLM's
    ``set_response_cost_in_hidden_params``, so LiteLLM's calculator takes it and writes its cost
    breakdown (the proxy's ``x-litellm-response-cost-*`` headers, ``cost_breakdown`` in the logging
    payload), as for ``openrouter/``. An unknown cost is left to LiteLLM, which finds no registered
    price for the model and reports no cost header. Either way :data:`cost.SOURCE_HEADER` says who
    priced it.
    """
    hidden = litellm_internals.hidden_params(response)
    headers = hidden.get("additional_headers")
    hidden["additional_headers"] = {**(headers if isinstance(headers, dict) else {}), cost.SOURCE_HEADER: charge.source}
    if charge.amount is not None:
        litellm_internals.record_reported_cost(response, charge.amount)
