"""``GET /models`` as the emulated gateway serves it.

By default the entries of the package's bundled snapshot (``data/models-snapshot.json``, a data
file the emulator shares; notes keys starting with ``_`` left out), each with the block the gateway
adds for Kilo's own client: ``opencode: {family, prompt, ai_sdk_provider}``. ``ai_sdk_provider``
names the API the official client calls the model with: ``anthropic`` (``/messages``), ``openai``
(``/responses``), ``openai-compatible`` or ``openrouter``/absent (``/chat/completions``). The
mapping by vendor is the emulator's (:data:`OPENCODE`); every kind occurs at least once. The two
fill-in-the-middle models follow (:data:`FIM_ENTRIES`): the gateway's ``/models`` is OpenRouter's
list plus Kilo's own, and OpenRouter lists them as chat models too. ``GatewayEmulator.models``
replaces the whole list.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

SNAPSHOT = "data/models-snapshot.json"

OPENCODE: dict[str, dict[str, str]] = {
    "anthropic/": {"family": "claude", "prompt": "anthropic", "ai_sdk_provider": "anthropic"},
    "openai/": {"family": "gpt", "prompt": "codex", "ai_sdk_provider": "openai"},
    "x-ai/": {"family": "grok", "prompt": "beast", "ai_sdk_provider": "openai-compatible"},
    "z-ai/": {"family": "glm", "ai_sdk_provider": "openrouter"},
    "moonshotai/": {"family": "kimi", "ai_sdk_provider": "openrouter"},
    "inclusionai/": {"family": "ling", "prompt": "ling", "ai_sdk_provider": "openrouter"},
}
"""Id prefix -> the ``opencode`` block of its entries; other ids (``kilo-auto/*``, ...) have none."""


FIM_ENTRIES: tuple[dict[str, Any], ...] = tuple(
    {
        "id": model_id,
        "canonical_slug": model_id,
        "name": name,
        "created": 1754006400,
        "description": "",
        "context_length": context,
        "architecture": {"input_modalities": ["text"], "output_modalities": ["text"], "tokenizer": "Other"},
        "top_provider": {"is_moderated": False, "context_length": context, "max_completion_tokens": None},
        "pricing": {"prompt": prompt, "completion": completion},
        "supported_parameters": ["max_tokens", "temperature", "top_p", "stop", "tools", "tool_choice"],
        "isFree": False,
        "mayTrainOnYourPrompts": False,
    }
    for model_id, name, context, prompt, completion in (
        ("mistralai/codestral-2508", "Mistral: Codestral 2508", 256000, "0.0000003", "0.0000009"),
        ("inception/mercury-edit-2", "Inception: Mercury Edit 2", 32000, "0.00000025", "0.00000075"),
    )
)
"""The models ``/api/fim/completions`` serves, as ``/models`` entries: ids, context and prices of the
server's ``supported-fim-models.ts``, as the bundled catalog has them."""


def _served(entry: Mapping[str, Any]) -> dict[str, Any]:
    served = {k: v for k, v in entry.items() if not k.startswith("_")}
    block = next((b for prefix, b in OPENCODE.items() if str(entry.get("id", "")).startswith(prefix)), None)
    if block is not None and "opencode" not in served:
        served["opencode"] = dict(block)
    return served


@lru_cache(maxsize=1)
def _bundled() -> tuple[str, ...]:
    raw = json.loads(resources.files("kilo_litellm").joinpath(SNAPSHOT).read_text("utf-8"))
    listed = {entry["id"] for entry in raw["data"]}
    extra = [entry for entry in FIM_ENTRIES if entry["id"] not in listed]
    return tuple(json.dumps(_served(entry)) for entry in [*raw["data"], *extra])


def bundled_models() -> list[dict[str, Any]]:
    """The default ``/models`` entries (fresh copies)."""
    return [json.loads(entry) for entry in _bundled()]


def listing_body(models: Iterable[Mapping[str, Any]]) -> bytes:
    """The ``GET /models`` body for ``models``."""
    return json.dumps({"data": list(models)}).encode()


def listed_free(models: Iterable[Mapping[str, Any]]) -> dict[str, bool]:
    """Lower-cased id -> ``isFree`` of ``models``."""
    return {str(m.get("id", "")).lower(): bool(m.get("isFree")) for m in models}
