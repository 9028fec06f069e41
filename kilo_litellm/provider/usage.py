"""The gateway's usage object → ``litellm.Usage`` (pure), as LiteLLM's ``openrouter/`` path builds it.

The gateway passes OpenRouter's usage through: ``prompt_tokens_details.cached_tokens`` (read from the
prompt cache) and ``cache_write_tokens`` (written to it), ``completion_tokens_details``, ``is_byok``
and ``cost_details``. They are kept as they came, so ``Usage`` reports the cache writes
(``cache_creation_tokens``) and LiteLLM's ``/v1/messages`` bridge turns them into
``cache_creation_input_tokens`` and ``cache_read_input_tokens``, exactly as for ``openrouter/``.
Token counts that are not integers are dropped rather than guessed. ``cost`` is replaced by what the
call really costs the caller (:mod:`cost`), or left out when the gateway reported none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litellm.types.utils import Usage

_PROMPT_DETAILS = (
    "cached_tokens",
    "cache_write_tokens",
    "audio_tokens",
    "image_tokens",
    "text_tokens",
    "video_tokens",
)
_COMPLETION_DETAILS = ("reasoning_tokens", "audio_tokens", "image_tokens", "text_tokens")


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _int(value: Any) -> int:
    return value if _is_count(value) else 0


def _details(raw: Any, keys: tuple[str, ...]) -> dict[str, int] | None:
    if not isinstance(raw, Mapping):
        return None
    picked = {k: raw[k] for k in keys if _is_count(raw.get(k))}
    return picked or None


def _passed_through(raw: Mapping[str, Any]) -> dict[str, Any]:
    """``is_byok`` and ``cost_details``, kept on ``Usage`` as LiteLLM's ``openrouter/`` path keeps them."""
    kept: dict[str, Any] = {}
    if isinstance(raw.get("is_byok"), bool):
        kept["is_byok"] = raw["is_byok"]
    if isinstance(raw.get("cost_details"), Mapping):
        kept["cost_details"] = dict(raw["cost_details"])
    return kept


def to_usage(raw: Mapping[str, Any], cost: float | None) -> Usage:
    prompt = _int(raw.get("prompt_tokens"))
    completion = _int(raw.get("completion_tokens"))
    return Usage(
        prompt_tokens=prompt,
        completion_tokens=completion,
        total_tokens=_int(raw.get("total_tokens")) or prompt + completion,
        prompt_tokens_details=_details(raw.get("prompt_tokens_details"), _PROMPT_DETAILS),
        completion_tokens_details=_details(raw.get("completion_tokens_details"), _COMPLETION_DETAILS),
        cost=cost,
        **_passed_through(raw),
    )
