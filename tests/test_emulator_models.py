"""The emulator's ``/models`` holds what Kilo's own client needs: every entry passes its strict schema.

The official client parses ``{data: [...]}`` strictly: one bad entry fails the whole list (a
personal account then silently falls back to its bundled catalogue, an organisation fails). Prices
are strings, ``opencode`` has closed enums, and an entry without ``tools`` among
``supported_parameters`` is dropped. The schema below is that parse, written as pydantic models.
"""

from __future__ import annotations

from typing import Literal

import httpx
import pytest
from pydantic import BaseModel, ConfigDict

from kilo_litellm.emulator import gateway_model


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")


class Pricing(_Strict):
    prompt: str | None = None
    completion: str | None = None
    input_cache_write: str | None = None
    input_cache_read: str | None = None


class Architecture(_Strict):
    input_modalities: list[str] | None = None
    output_modalities: list[str] | None = None
    tokenizer: str | None = None


class TopProvider(_Strict):
    max_completion_tokens: float | None = None


class AutoRouting(_Strict):
    models: list[str]


class TerminalBench(_Strict):
    overallScore: float  # noqa: N815 - the gateway's field name
    avgAttemptCostUsd: float  # noqa: N815


class OpenCode(_Strict):
    family: str | None = None
    variants: dict | None = None
    prompt: (
        Literal["codex", "gemini", "beast", "anthropic", "trinity", "anthropic_without_todo", "ling", "gpt55"] | None
    ) = None
    ai_sdk_provider: Literal["anthropic", "openai", "openai-compatible", "openrouter"] | None = None


class Entry(_Strict):
    id: str
    name: str
    context_length: float
    description: str | None = None
    max_completion_tokens: float | None = None
    pricing: Pricing | None = None
    architecture: Architecture | None = None
    top_provider: TopProvider | None = None
    supported_parameters: list[str] | None = None
    preferredIndex: float | None = None  # noqa: N815
    isFree: bool | None = None  # noqa: N815
    mayTrainOnYourPrompts: bool | None = None  # noqa: N815
    hasUserByokAvailable: bool | None = None  # noqa: N815
    autoRouting: AutoRouting | None = None  # noqa: N815
    terminalBench: TerminalBench | None = None  # noqa: N815
    opencode: OpenCode | None = None


class Listing(_Strict):
    data: list[Entry]


def _listing(gw, path: str = "/api/openrouter/models") -> Listing:
    answer = httpx.get(gw.url + path, timeout=10)
    assert answer.status_code == 200
    return Listing.model_validate_json(answer.content)


@pytest.mark.parametrize("path", ["/api/openrouter/models", "/api/gateway/models", "/api/v1/models"])
def test_every_entry_passes_the_official_clients_schema(gw, path):
    listing = _listing(gw, path)
    assert len(listing.data) == len(gw.served_models()) > 0


def test_the_client_keeps_a_model_of_each_api_kind(gw):
    """It keeps the entries with ``tools``: among them a free one and one of each ``ai_sdk_provider``."""
    entries = [e for e in _listing(gw).data if "tools" in (e.supported_parameters or [])]
    kinds = {e.opencode.ai_sdk_provider if e.opencode else None for e in entries}
    assert {"anthropic", "openai", "openai-compatible"} <= kinds and kinds & {"openrouter", None}
    assert any(e.isFree for e in entries) and any(e.preferredIndex is not None for e in entries)
    for e in entries:
        for price in (e.pricing.prompt, e.pricing.completion):
            float(price)


def test_a_bad_entry_is_what_the_schema_refuses():
    """The schema is not vacuous: a number for a price, an unknown API kind, a missing name each fail it."""
    good = gateway_model("vendor/x", ai_sdk_provider="anthropic")
    Entry.model_validate(good)
    for bad in (
        {**good, "pricing": {"prompt": 0.000001}},
        {**good, "opencode": {"ai_sdk_provider": "bedrock"}},
        {k: v for k, v in good.items() if k != "name"},
    ):
        with pytest.raises(ValueError):
            Listing.model_validate({"data": [good, bad]})


def test_entries_a_test_serves_pass_it_too(gw):
    gw.models = [
        gateway_model("vendor/messages-kind", ai_sdk_provider="anthropic", free=False),
        gateway_model("vendor/responses-kind", ai_sdk_provider="openai"),
        gateway_model("vendor/chat-kind"),
    ]
    kinds = [e.opencode.ai_sdk_provider if e.opencode else None for e in _listing(gw).data]
    assert kinds == ["anthropic", "openai", None]
