"""The gateway's usage object → ``litellm.Usage`` (pure).

OpenRouter usage carries token details LiteLLM knows (``cached_tokens``, ``reasoning_tokens``) and
some it does not (``video_tokens``, ``image_tokens`` on the prompt side, ``is_byok``,
``cost_details``). Known details are kept; ``cost`` is replaced by what the call really costs
(see :mod:`kilo_litellm.cost`), because LiteLLM reads ``usage.cost`` as the charge.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litellm.types.utils import Usage

_PROMPT_DETAILS = ("cached_tokens", "audio_tokens", "image_tokens", "text_tokens", "video_tokens")
_COMPLETION_DETAILS = ("reasoning_tokens", "audio_tokens", "image_tokens", "text_tokens")


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _details(raw: Any, keys: tuple[str, ...]) -> dict[str, int] | None:
    if not isinstance(raw, Mapping):
        return None
    picked = {k: raw[k] for k in keys if isinstance(raw.get(k), int) and not isinstance(raw.get(k), bool)}
    return picked or None


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
    )
