"""The gateway's ``GET /models`` body → :class:`ModelEntry` objects (pure).

The gateway lists every model it routes (OpenRouter's catalogue, the Kilo free models and the
``kilo-auto/*`` virtual models) as ``{"data": [Model, ...]}`` (docs/gateway-contract.md, "The model
list"). ``isFree`` says whether a model is free (since 2026-03); without it, free means zero prices
(never a guess from the id: "Free models and limits" there). Prices are decimal strings in USD per
token, ``"-1"`` meaning unknown (the ``kilo-auto`` routers). ``mayTrainOnYourPrompts`` is kept:
users care; the gateway's default for a free model is ``true``, so a free entry that leaves it out
may train. Vision is an ``"image"`` input modality and tools/reasoning are entries of
``supported_parameters``; structured output (a ``response_format`` with a JSON schema) is
OpenRouter's ``structured_outputs`` entry, as ``response_format`` alone means JSON mode only. Max
output lives in ``top_provider.max_completion_tokens``; the official CLI falls back to 20 % of the
context window, and so does this module. Display names lose the gateway's ``" (new)"``/``"
($$$$)"``/``" (retires ...)"`` marks, ``expiration_date`` and ``preferredIndex`` are kept
(:mod:`retirement`).

The bundled snapshot of that body is read here too, with where and when it was taken
(:func:`snapshot_origin`). Keys starting with ``_`` are the snapshot's own notes, never the
gateway's: the file's ``_source``/``_taken_at``, and an entry's ``_source`` (where the facts of an
entry added or edited by hand come from; ``scripts/refresh_snapshot.py`` states the rule).
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kilo_litellm.models import retirement
from kilo_litellm.models.entry import ModelEntry

logger = logging.getLogger("kilo_litellm")

SNAPSHOT = "data/models-snapshot.json"


class Architecture(BaseModel):
    model_config = ConfigDict(extra="ignore")

    input_modalities: list[str] = Field(default_factory=list)
    output_modalities: list[str] = Field(default_factory=list)


class TopProvider(BaseModel):
    model_config = ConfigDict(extra="ignore")

    context_length: int | None = None
    max_completion_tokens: int | None = None


class Pricing(BaseModel):
    """Decimal strings, USD per token (``"-1"`` is OpenRouter's "varies", read as unknown)."""

    model_config = ConfigDict(extra="ignore")

    prompt: str | None = None
    completion: str | None = None
    input_cache_read: str | None = None
    input_cache_write: str | None = None


class GatewayModel(BaseModel):
    """One entry of ``GET /models`` as far as LiteLLM needs it; the gateway's extra fields are ignored."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str = Field(min_length=1)
    name: str | None = None
    context_length: int | None = None
    max_completion_tokens: int | None = None
    architecture: Architecture = Field(default_factory=Architecture)
    top_provider: TopProvider = Field(default_factory=TopProvider)
    pricing: Pricing = Field(default_factory=Pricing)
    supported_parameters: list[str] = Field(default_factory=list)
    is_free: bool | None = Field(default=None, alias="isFree")
    may_train: bool | None = Field(default=None, alias="mayTrainOnYourPrompts")
    expiration_date: Any = None
    preferred_index: Any = Field(default=None, alias="preferredIndex")


class ModelsPayload(BaseModel):
    """The response envelope; entries are validated one by one so a bad one cannot sink the list."""

    model_config = ConfigDict(extra="ignore")

    data: list[Any]


class DiscoveryError(RuntimeError):
    """The gateway's ``/models`` could not be fetched or read."""


def per_token(value: str | None) -> float | None:
    """A price string as a float; ``None`` when absent, unreadable or negative (unknown)."""
    if value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not number.is_finite() or number < 0:
        return None
    return float(number)


def context_window(model: GatewayModel) -> int | None:
    return model.context_length or model.top_provider.context_length


def max_output(model: GatewayModel) -> int | None:
    """``top_provider.max_completion_tokens``, a top-level one, else 20 % of the context (rounded up)."""
    explicit = model.top_provider.max_completion_tokens or model.max_completion_tokens
    if explicit:
        return explicit
    context = context_window(model)
    return math.ceil(context * 0.2) if context else None


def is_free(model: GatewayModel) -> bool:
    """``isFree``, the gateway's own answer (docs/gateway-contract.md, "Free models and limits"); an
    entry from a gateway older than the field (2026-03) is free when it lists both prices as zero.
    Never guessed from the id."""
    if model.is_free is not None:
        return model.is_free
    return per_token(model.pricing.prompt) == 0.0 and per_token(model.pricing.completion) == 0.0


def _rank(value: Any) -> int | None:
    """``preferredIndex`` as an int; anything else (absent, a string, a bool) as ``None``."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def to_entry(model: GatewayModel) -> ModelEntry:
    """One ``/models`` entry as the catalog entry LiteLLM is told about."""
    params = {p.lower() for p in model.supported_parameters}
    cache_read = per_token(model.pricing.input_cache_read)
    free = is_free(model)
    name, retires = retirement.display_name(model.name)
    return ModelEntry(
        gateway_id=model.id,
        listed=True,
        name=name,
        expiration_date=retirement.parse_date(model.expiration_date) or retirement.date_from_mark(retires),
        preferred_index=_rank(model.preferred_index),
        free=free,
        context_window=context_window(model),
        max_output_tokens=max_output(model),
        input_cost_per_token=per_token(model.pricing.prompt),
        output_cost_per_token=per_token(model.pricing.completion),
        cache_read_input_token_cost=cache_read or None,
        cache_write_input_token_cost=per_token(model.pricing.input_cache_write) or None,
        may_train=free if model.may_train is None else model.may_train,
        supports_vision="image" in {m.lower() for m in model.architecture.input_modalities},
        supports_reasoning=bool(params & {"reasoning", "include_reasoning"}),
        supports_function_calling="tools" in params,
        supports_parallel_function_calling="parallel_tool_calls" in params,
        supports_prompt_caching=bool(cache_read) or (free and cache_read is not None),
        supports_response_schema="structured_outputs" in params,
    )


def parse_models(payload: Any) -> list[ModelEntry]:
    """Every usable entry of a ``/models`` body, in the gateway's order.

    Malformed entries and repeated ids (the gateway lower-cases ids, so case does not make them
    different) are skipped with a log line; an envelope that is not ``{"data": [...]}`` raises.
    """
    if isinstance(payload, (bytes, bytearray, str)):
        try:
            payload = json.loads(payload)
        except ValueError as exc:
            raise DiscoveryError(f"/models did not answer JSON: {exc}") from None
    try:
        raw = ModelsPayload.model_validate(payload).data
    except ValidationError:
        raise DiscoveryError("/models did not answer {'data': [...]}") from None
    entries: list[ModelEntry] = []
    seen: set[str] = set()
    for item in raw:
        try:
            entry = to_entry(GatewayModel.model_validate(item))
        except ValidationError as exc:
            ident = item.get("id") if isinstance(item, dict) else None
            logger.warning("kilo /models: skipped malformed entry %r (%d errors)", ident, exc.error_count())
            continue
        key = entry.gateway_id.lower()
        if key in seen:
            logger.warning("kilo /models: skipped duplicate entry %r", entry.gateway_id)
            continue
        seen.add(key)
        entries.append(entry)
    return entries


def snapshot_payload() -> dict:
    """The ``/models`` body bundled with the package (refreshed by ``scripts/refresh_snapshot.py``)."""
    return json.loads(resources.files("kilo_litellm").joinpath(SNAPSHOT).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class SnapshotOrigin:
    """Where and when the bundled ``/models`` snapshot was taken (its ``_source`` and ``_taken_at``)."""

    source: str
    taken_at: str | None

    def describe(self) -> str:
        """``bundled snapshot taken 2026-12-04T10:00:00Z from https://.../models``, or for one written
        by hand ``bundled snapshot of 2026-12-04, written by hand ...``: what a user reads offline."""
        taken = self.taken_at or "an unknown date"
        if self.source.startswith("GET "):
            return f"bundled snapshot taken {taken} from {self.source[4:]}"
        return f"bundled snapshot of {taken}, {self.source}"


def snapshot_origin(payload: dict | None = None) -> SnapshotOrigin:
    """The origin the snapshot (default: the bundled one) records, ``unknown`` where it records none."""
    payload = snapshot_payload() if payload is None else payload
    source, taken = payload.get("_source"), payload.get("_taken_at")
    return SnapshotOrigin(
        source=source.strip() if isinstance(source, str) and source.strip() else "source unknown",
        taken_at=taken.strip() if isinstance(taken, str) and taken.strip() else None,
    )
