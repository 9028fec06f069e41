"""Gateway answers whose usage reports prompt-cache reads and writes, as OpenRouter's usage does.

No recording has cache writes, so these are the recorded Claude body and the recorded stream with
only their ``usage`` replaced by OpenRouter's usage-accounting shape (``docs/gateway-contract.md``,
"Usage and cost"): 1,200 prompt tokens of which 200 read from the cache and 900 written to it.
"""

from __future__ import annotations

import json
from typing import Any

from kilo_litellm.emulator import Reply, recording, reserialised

CACHED_USAGE: dict[str, Any] = {
    "prompt_tokens": 1200,
    "completion_tokens": 84,
    "total_tokens": 1284,
    "cost": 0.00561,
    "is_byok": False,
    "prompt_tokens_details": {"cached_tokens": 200, "cache_write_tokens": 900, "audio_tokens": 0, "video_tokens": 0},
    "cost_details": {
        "upstream_inference_cost": None,
        "upstream_inference_prompt_cost": 0.0043,
        "upstream_inference_completions_cost": 0.00126,
    },
    "completion_tokens_details": {"reasoning_tokens": 0, "image_tokens": 0},
}

_MISSING = object()


def _usage(cost: Any) -> dict[str, Any]:
    usage = dict(CACHED_USAGE)
    if cost is None:
        usage.pop("cost")
    elif cost is not _MISSING:
        usage["cost"] = cost
    return usage


def cached_body(cost: Any = _MISSING) -> bytes:
    """The recorded Claude answer with the cache usage (``cost=None``: the gateway reported no cost)."""
    data = json.loads(recording("nonstream-anthropic-whitespace-prefix.json"))
    data["usage"] = _usage(cost)
    return json.dumps(data, separators=(",", ":")).encode()


def cached_reply(cost: Any = _MISSING) -> Reply:
    return Reply(body=cached_body(cost), stream=False)


def cached_stream_reply(cost: Any = _MISSING) -> Reply:
    """The recorded stream, as the gateway passes it on, with the cache usage on its usage event."""
    events = []
    for block in reserialised(recording("stream-openai-gpt41.sse")).decode().split("\n\n"):
        if block.startswith("data: {") and '"usage"' in block:
            event = json.loads(block[6:])
            event["usage"] = _usage(cost)
            block = "data: " + json.dumps(event, separators=(",", ":"))
        events.append(block)
    return Reply(body="\n\n".join(events).encode(), stream=True)
