"""The model catalog: friendly aliases, gateway ids, limits, prices and capability flags.

The catalog is data (``data/models.json``) loaded into pydantic models. It answers two questions:

* which gateway id does ``kilo/<name>`` send? Seed aliases such as ``glm-5-free`` are not gateway
  ids (the gateway knows ``z-ai/glm-5:free``); any ``vendor/model`` id is sent as given.
* what does LiteLLM need to know about a model (``litellm.register_model`` entries), so that
  ``get_model_info``, cost and the proxy's model info work for ``kilo/...`` names?

Free follows the gateway's own rule (``src/lib/models.ts`` ``isFreeModel``): a Kilo free model,
any id ending in ``:free``, ``openrouter/free``, or an ``openrouter/*-alpha|-beta`` stealth model.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field

from .settings import PROVIDER


class ModelEntry(BaseModel):
    """One gateway model and what LiteLLM should know about it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    gateway_id: str
    aliases: tuple[str, ...] = ()
    free: bool = False
    context_window: int | None = None
    max_output_tokens: int | None = None
    input_cost_per_token: float = 0.0
    output_cost_per_token: float = 0.0
    cache_read_input_token_cost: float | None = None
    supports_vision: bool = False
    supports_reasoning: bool = False
    supports_function_calling: bool = False
    supports_parallel_function_calling: bool = False
    supports_prompt_caching: bool = False
    supports_response_schema: bool = False
    retired: bool = False
    successor: str | None = None

    @property
    def billed_prices(self) -> tuple[float, float]:
        """(input, output) USD per token as the caller is billed: free models cost nothing."""
        return (0.0, 0.0) if self.free else (self.input_cost_per_token, self.output_cost_per_token)

    def model_info(self) -> dict:
        """The ``litellm.register_model`` value for this entry."""
        input_price, output_price = self.billed_prices
        info = {
            "litellm_provider": PROVIDER,
            "mode": "chat",
            "max_input_tokens": self.context_window,
            "max_output_tokens": self.max_output_tokens,
            "max_tokens": self.max_output_tokens,
            "input_cost_per_token": input_price,
            "output_cost_per_token": output_price,
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
        cache_read = (
            self.input_cost_per_token if self.cache_read_input_token_cost is None else self.cache_read_input_token_cost
        )
        info["cache_read_input_token_cost"] = 0.0 if self.free else cache_read
        info["cache_creation_input_token_cost"] = 0.0 if self.free else self.input_cost_per_token
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


@lru_cache(maxsize=1)
def bundled() -> Catalog:
    raw = resources.files(__package__).joinpath("data/models.json").read_text(encoding="utf-8")
    return Catalog.model_validate({"models": json.loads(raw)["models"]})


_live: Catalog | None = None


def active() -> Catalog:
    """The catalog calls resolve against: the last one :func:`install` set, else the bundled one."""
    return _live if _live is not None else bundled()


def install(live: Catalog | None) -> None:
    """Make ``live`` (from the gateway's ``/models``) the active catalog; ``None`` goes back to the bundled one."""
    global _live
    _live = live
    _table.cache_clear()


@lru_cache(maxsize=1)
def _table() -> dict[str, ModelEntry]:
    return active().by_name()


def is_free_id(gateway_id: str) -> bool:
    """The gateway's ``isFreeModel`` rule for ids that are not in the catalog."""
    gid = gateway_id.strip().lower()
    if gid.endswith(":free") or gid == "openrouter/free":
        return True
    return gid.startswith("openrouter/") and (gid.endswith("-alpha") or gid.endswith("-beta"))


def lookup(name: str) -> ModelEntry | None:
    """The catalog entry for an alias or gateway id, or ``None``."""
    return _table().get(name.strip().lower())


def current_free_models() -> list[str]:
    """``kilo/<alias>`` names of the free models the gateway serves today.

    The live ``/models`` also lists every OpenRouter ``:free`` model; naming those in an error message
    would bury the seed aliases, so they are listed only when no seed alias is free any more.
    """
    served = [e for e in active().models if e.free and not e.retired]
    named = [e for e in served if e.aliases] or served
    return [f"{PROVIDER}/{e.aliases[0] if e.aliases else e.gateway_id}" for e in named]


def valid_aliases() -> list[str]:
    return sorted(f"{PROVIDER}/{a}" for e in active().models for a in e.aliases)


class UnknownModelError(ValueError):
    """A bare ``kilo/<name>`` that is neither an alias nor a known gateway id."""


def resolve(model: str) -> ModelEntry:
    """Map what LiteLLM passes (``glm-5-free``, ``z-ai/glm-5:free``, ``anthropic/claude-sonnet-4.6``)
    to the entry whose ``gateway_id`` is sent.

    Names with a ``/`` are real gateway ids and pass through unchanged; a bare name must be an alias
    or a catalog id, because the gateway would only answer "model not found" after a round trip.
    """
    name = model.strip()
    if name.lower().startswith(f"{PROVIDER}/") and name.lower() != "kilo/auto":
        name = name[len(PROVIDER) + 1 :]
    if not name:
        raise UnknownModelError(f"No model given after 'kilo/'. Try one of: {', '.join(valid_aliases())}")
    entry = lookup(name)
    if entry is not None:
        return entry
    if "/" in name or is_free_id(name):
        return ModelEntry(gateway_id=name, free=is_free_id(name))
    raise UnknownModelError(
        f"Unknown Kilo model alias 'kilo/{name}'. Valid aliases: {', '.join(valid_aliases())}. "
        "Any gateway id also works, e.g. 'kilo/anthropic/claude-sonnet-4.6'."
    )


def model_cost_map(source: Catalog | None = None) -> dict[str, dict]:
    """``litellm.register_model`` payload for every model of ``source`` (default: the active catalog),
    under each of its names."""
    models = (source or active()).models
    return {name: entry.model_info() for entry in models for name in entry.litellm_names()}
