"""What a call costs the caller, from the gateway's usage (pure).

The gateway passes OpenRouter's usage through. ``usage.cost`` is what OpenRouter charged; when
``is_byok`` is true (Kilo's own provider keys at OpenRouter) that understates the price and
``cost_details.upstream_inference_cost`` is the real one. Kilo bills exactly this
(``processUsage.ts``), and bills 0 for free models even when the upstream reports a cost, so this
module does the same. Without a reported cost it falls back to the catalog's per-token prices,
and to nothing for routers whose price is unknown (``kilo-auto/balanced``: ``/models`` says ``-1``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kilo_litellm.models.catalog import ModelEntry


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


def from_usage(entry: ModelEntry, usage: Mapping[str, Any] | None) -> float | None:
    """USD for this call: 0 for free ids, else the reported cost, else catalog prices, else ``None``."""
    if entry.free:
        return 0.0
    if not usage:
        return None
    cost = reported_cost(usage)
    if cost is not None:
        return cost
    prices = entry.billed_prices
    if not prices or not any(prices):
        return None
    prompt = _number(usage.get("prompt_tokens")) or 0.0
    completion = _number(usage.get("completion_tokens")) or 0.0
    return prompt * prices[0] + completion * prices[1]
