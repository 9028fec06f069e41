"""What a call costs the caller, and who said so, from the gateway's usage (pure).

The gateway passes OpenRouter's usage through. ``usage.cost`` is what OpenRouter charged; when
``is_byok`` is true (Kilo's own provider keys at OpenRouter) that understates the price and
``cost_details.upstream_inference_cost`` is the real one. Kilo bills exactly this
(``processUsage.ts``), and bills 0 for free models even when the upstream reports a cost, so this
module does the same.

The gateway leaves ``cost`` out for the models Kilo prices itself and for its free exclusive
models (``docs/gateway-contract.md``, "Usage and cost"). Such a call is priced from the catalog's
per-token prices (the live ``/models`` list when one was fetched): prompt, completion, cache read and
cache write, as LiteLLM prices cached tokens for its built-in providers. A router whose price is
unknown (``kilo-auto/balanced``: ``/models`` says ``-1``) reporting no cost has an unknown cost,
never 0.

:data:`SOURCE_HEADER` names where the cost came from (:data:`GATEWAY`, :data:`CATALOG` or
:data:`UNKNOWN`); it travels in a non-streaming response's ``additional_headers``, which LiteLLM
copies into the standard logging payload's ``hidden_params`` and the proxy into the response
headers (LiteLLM keeps no such headers for a custom provider's stream).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from kilo_litellm.models.catalog import ModelEntry

GATEWAY, CATALOG, UNKNOWN = "gateway", "catalog", "unknown"
SOURCE_HEADER = "llm_provider-x-kilo-cost-source"


class Charge(NamedTuple):
    """``amount``: USD the caller is billed, ``None`` when it is unknown; ``source``: who said so."""

    amount: float | None
    source: str


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        return float(value)
    except ValueError:
        return None


def reported_cost(usage: Mapping[str, Any]) -> float | None:
    """The upstream charge as the gateway reports it, or ``None`` if it reports none."""
    if usage.get("is_byok"):
        details = usage.get("cost_details") or {}
        upstream = _number(details.get("upstream_inference_cost")) if isinstance(details, Mapping) else None
        if upstream is not None:
            return upstream
    return _number(usage.get("cost"))


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def catalog_cost(entry: ModelEntry, usage: Mapping[str, Any]) -> float | None:
    """USD from the entry's per-token prices, cache-aware as LiteLLM prices its built-in providers.

    ``prompt_tokens`` counts the cache reads and writes too (OpenRouter's usage), so the uncached
    rest is priced at the input price, ``cached_tokens`` at the cache-read price and
    ``cache_write_tokens`` at the cache-write price (each the input price when the list gives none);
    ``None`` when the entry's price is unknown (or listed as 0 for a model that is not free).
    """
    prices = entry.billed_prices
    if prices is None or not any(prices):
        return None
    input_price, output_price = prices
    details = usage.get("prompt_tokens_details")
    details = details if isinstance(details, Mapping) else {}
    read, written = _count(details.get("cached_tokens")), _count(details.get("cache_write_tokens"))
    uncached = max(0, _count(usage.get("prompt_tokens")) - read - written)
    read_price = input_price if entry.cache_read_input_token_cost is None else entry.cache_read_input_token_cost
    write_price = input_price if entry.cache_write_input_token_cost is None else entry.cache_write_input_token_cost
    return (
        uncached * input_price
        + read * read_price
        + written * write_price
        + _count(usage.get("completion_tokens")) * output_price
    )


def charge(entry: ModelEntry, usage: Mapping[str, Any] | None) -> Charge:
    """0 for free ids, else the reported cost, else the catalog's prices, else unknown."""
    if entry.free:
        return Charge(0.0, CATALOG)
    if not usage:
        return Charge(None, UNKNOWN)
    reported = reported_cost(usage)
    if reported is not None:
        return Charge(reported, GATEWAY)
    priced = catalog_cost(entry, usage) if entry.known else None
    return Charge(priced, CATALOG) if priced is not None else Charge(None, UNKNOWN)
