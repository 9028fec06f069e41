"""Streamed ``reasoning_details`` fragments folded into whole items (pure, no LiteLLM).

The stream reader folds them for the caller and the bundled emulator for its recorded replies, so
the fold lives apart from the reader, which needs LiteLLM's types.
"""

from __future__ import annotations

from typing import Any

_CONCATENATED = ("text", "summary", "data")


def merge_details(merged: list[dict[str, Any]], fragments: list[Any]) -> None:
    """Fold streamed ``reasoning_details`` fragments into whole items, in place.

    OpenRouter streams each reasoning item in pieces that share an ``index`` and ``type``; their
    ``text``/``summary``/``data`` strings concatenate, other fields (``id``, ``format``,
    ``signature``) arrive once. The whole list is what must go back on the next assistant turn.
    """
    for fragment in fragments:
        if not isinstance(fragment, dict):
            continue
        last = merged[-1] if merged else None
        if last is not None and last.get("type") == fragment.get("type") and last.get("index") == fragment.get("index"):
            for key, value in fragment.items():
                if key in _CONCATENATED and isinstance(value, str) and isinstance(last.get(key), str):
                    last[key] += value
                elif value is not None:
                    last[key] = value
        else:
            merged.append(dict(fragment))
