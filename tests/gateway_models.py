"""Builders for ``GET /models`` bodies in the gateway's documented shape (docs/gateway-contract.md, "The model list")."""

from __future__ import annotations

import copy
import json
from typing import Any


def _merge(base: dict, overrides: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def make_gateway_model(**overrides: Any) -> dict:
    """One ``/models`` entry as OpenRouter's zod schema leaves it; nested dicts merge with the defaults."""
    base = {
        "id": "acme/widget-1",
        "name": "Acme: Widget 1",
        "created": 1760000000,
        "description": "",
        "context_length": 128000,
        "architecture": {"input_modalities": ["text"], "output_modalities": ["text"], "tokenizer": "Other"},
        "top_provider": {"is_moderated": False, "context_length": 128000, "max_completion_tokens": 16384},
        "pricing": {"prompt": "0.000002", "completion": "0.000008", "request": "0", "image": "0"},
        "supported_parameters": ["max_tokens", "temperature"],
    }
    return _merge(base, overrides)


def models_body(*models: dict) -> bytes:
    return json.dumps({"data": list(models)}).encode()
