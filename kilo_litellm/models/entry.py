"""A model as the provider knows it (``ModelEntry``) and a list of them (``Catalog``): pure data.

An entry holds what LiteLLM must be told about one gateway model (limits, prices, capability flags)
and the names a caller may use for it. Both the bundled data and the live ``/models`` list are read
into these types, so every other module of the provider speaks of models in one shape.
"""

from __future__ import annotations

import datetime

from pydantic import BaseModel, ConfigDict, Field

from kilo_litellm.config.settings import PROVIDER
from kilo_litellm.models.fim import supports_fim


class ModelEntry(BaseModel):
    """One gateway model and what LiteLLM should know about it.

    ``name`` is the gateway's display name without the marks it appends (``" (new)"``,
    ``" ($$$$)"``, ``" (retires Dec 12)"``); ``expiration_date`` the day the gateway lists it to
    retire on; ``preferred_index`` the gateway's recommendation rank (lower first; ``None`` for the
    models it does not recommend). ``may_train``: the provider may train on prompts.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    gateway_id: str
    aliases: tuple[str, ...] = ()
    free: bool = False
    context_window: int | None = None
    max_output_tokens: int | None = None
    input_cost_per_token: float | None = 0.0
    output_cost_per_token: float | None = 0.0
    cache_read_input_token_cost: float | None = None
    cache_write_input_token_cost: float | None = None
    """``/models`` ``pricing.input_cache_write``; ``None``: the input price."""
    may_train: bool = False
    supports_vision: bool = False
    supports_reasoning: bool = False
    supports_function_calling: bool = False
    supports_parallel_function_calling: bool = False
    supports_prompt_caching: bool = False
    supports_response_schema: bool = False
    retired: bool = False
    successor: str | None = None
    name: str | None = None
    expiration_date: datetime.date | None = None
    preferred_index: int | None = None
    listed: bool = False
    """The entry came from a ``/models`` list (live, remembered or bundled), not only from the seeds."""
    keyless: bool = False
    """Served without a key although ``/models`` prices it (``kilo-auto/small``: without a key or a
    balance the gateway routes it to a free model), so it is never refused for want of a key."""
    known: bool = True
    """``False`` for an id the active catalog does not list (:func:`catalog.resolve` builds its entry):
    whether it is free, and its price, are the gateway's to say when it answers."""

    @property
    def price_known(self) -> bool:
        """``False`` for routers such as ``kilo-auto/balanced`` whose price depends on the routed model
        (``/models`` shows ``"-1"``): their cost comes only from the gateway's reported usage."""
        return self.free or (self.input_cost_per_token is not None and self.output_cost_per_token is not None)

    @property
    def supports_fim(self) -> bool:
        """Whether the gateway's ``/fim/completions`` serves this model (:mod:`fim`)."""
        return supports_fim(self.gateway_id)

    @property
    def status(self) -> str:
        """``served``, or ``retired -> <successor>``: what ``kilo-litellm models`` shows for a seed alias."""
        if not self.retired:
            return "served"
        return "retired" + (f" -> {self.successor}" if self.successor else "")

    @property
    def billed_prices(self) -> tuple[float, float] | None:
        """(input, output) USD per token as the caller is billed (free models cost nothing), or ``None``."""
        if self.free:
            return (0.0, 0.0)
        if not self.price_known:
            return None
        return (self.input_cost_per_token or 0.0, self.output_cost_per_token or 0.0)

    def model_info(self) -> dict:
        """The ``litellm.register_model`` value for this entry.

        An unknown price (``-1`` in ``/models``) registers no price at all: LiteLLM then treats the
        call's cost as unknown (the proxy sends no cost header) instead of as free, and the cost is
        what the gateway reports. (``register_model`` merges, so a price an earlier list gave stays
        registered until the process restarts.) The
        gateway's ``expiration_date`` becomes LiteLLM's ``deprecation_date``, which the proxy's
        ``/model/deprecations`` reports (LiteLLM's ``register_model`` merges, so a date the gateway
        later drops stays registered until the process restarts).
        """
        prices = self.billed_prices or (0.0, 0.0)
        info = {
            "litellm_provider": PROVIDER,
            "mode": "chat",
            "max_input_tokens": self.context_window,
            "max_output_tokens": self.max_output_tokens,
            "max_tokens": self.max_output_tokens,
            "supports_vision": self.supports_vision,
            "supports_reasoning": self.supports_reasoning,
            "supports_function_calling": self.supports_function_calling,
            "supports_tool_choice": self.supports_function_calling,
            "supports_parallel_function_calling": self.supports_parallel_function_calling
            or self.supports_function_calling,
            "supports_prompt_caching": self.supports_prompt_caching,
            "supports_response_schema": self.supports_response_schema,
            "supports_system_messages": True,
        }
        if self.billed_prices is None:
            return {k: v for k, v in info.items() if v is not None}
        input_price, output_price = prices
        cache_read = input_price if self.cache_read_input_token_cost is None else self.cache_read_input_token_cost
        info["input_cost_per_token"] = input_price
        info["output_cost_per_token"] = output_price
        info["cache_read_input_token_cost"] = 0.0 if self.free else cache_read
        cache_write = input_price if self.cache_write_input_token_cost is None else self.cache_write_input_token_cost
        info["cache_creation_input_token_cost"] = 0.0 if self.free else cache_write
        if self.expiration_date is not None:
            info["deprecation_date"] = self.expiration_date.isoformat()
        return {k: v for k, v in info.items() if v is not None}

    def litellm_names(self) -> list[str]:
        """Every ``kilo/...`` name a caller may use for this model."""
        return [f"{PROVIDER}/{name}" for name in (*self.aliases, self.gateway_id)]


class Catalog(BaseModel):
    model_config = ConfigDict(frozen=True)

    models: tuple[ModelEntry, ...] = Field(default_factory=tuple)

    def by_name(self) -> dict[str, ModelEntry]:
        """Lower-cased alias and gateway id → entry (the gateway lower-cases ids too)."""
        table: dict[str, ModelEntry] = {}
        for entry in self.models:
            for name in (entry.gateway_id, *entry.aliases):
                table.setdefault(name.lower(), entry)
        return table


FREE_AUTO = "kilo-auto/free"
"""The stable free entry: a virtual model that picks from Kilo's free pool (docs/gateway-contract.md,
"Free models and limits")."""


def is_free_id(gateway_id: str) -> bool:
    """A guess from the id alone (the gateway's ``isFreeModel`` rule of February 2026): a display hint.

    The gateway serves ids free that this rule calls paid (``stepfun/step-5-preview-free``,
    ``inclusionai/ling-3.1-flash``, ``stealth/<name>-alpha``: docs/gateway-contract.md, "Free models
    and limits") and changes its rule monthly, so the catalog's ``free`` is ``/models``' ``isFree``
    and an id the catalog does not list is sent for the gateway to answer. Only the drift report
    uses this, to label a ``/models`` body that lacks ``isFree``.
    """
    gid = gateway_id.strip().lower()
    if gid.endswith(":free") or gid == "openrouter/free":
        return True
    return gid.startswith("openrouter/") and (gid.endswith("-alpha") or gid.endswith("-beta"))
