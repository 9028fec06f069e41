"""Gateway SSE events → LiteLLM ``ModelResponseStream`` chunks (pure).

Two things about the gateway's stream need care, and one about LiteLLM:

* The finish chunk (``finish_reason`` set, empty content) comes *before* the usage chunk, and the
  usage chunk still carries one empty-delta choice (wire notes §8.3).
* An error can arrive as an event inside an HTTP 200 stream (``{"error": {...}}``), with no
  ``[DONE]`` after it (§8.5); today's gateway names its kind in ``error.type``
  (``upstream_disconnect``, ``timeout``), which :mod:`errors` maps like a top-level ``error_type``.
* LiteLLM's stream wrapper drops a custom provider's chunk that has a ``finish_reason`` but no
  content, together with its usage, and every chunk after it (custom-provider notes §3).

So every chunk is passed on with its ``finish_reason`` removed; the usage (with the cost this call
really costs, see :mod:`cost`) goes out on its own chunk; and the remembered ``finish_reason`` comes
last, on an empty chunk that LiteLLM turns into its own terminal chunk. Every chunk carries the
same ``id`` and the requested ``model`` name, as LiteLLM's stream builder expects; the gateway
repeats ``role`` in every delta, but it goes out on the first one only, as OpenAI sends it (LiteLLM's
stream wrapper does less work per chunk without it).
"""

from __future__ import annotations

import json
from typing import Any

from litellm.types.utils import ModelResponseStream, Usage

from . import cost, errors
from .catalog import ModelEntry
from .usage import to_usage


class StreamConverter:
    """Feed it SSE ``data`` payloads in order; it returns the chunks to yield for each."""

    __slots__ = ("_created", "_details", "_entry", "_finish", "_id", "_model", "_role_sent", "done")

    def __init__(self, model: str, entry: ModelEntry) -> None:
        self._model = model
        self._entry = entry
        self._id: str | None = None
        self._created: int | None = None
        self._finish: str | None = None
        self._details: list[dict[str, Any]] = []
        self._role_sent = False
        self.done = False

    def on_event(self, data: str) -> list[ModelResponseStream]:
        if self.done:
            return []
        if data.strip() == "[DONE]":
            return self.close()
        try:
            event = json.loads(data)
        except ValueError as exc:
            raise errors.bad_response(self._model, f"malformed stream event {data[:200]!r}") from exc
        if not isinstance(event, dict):
            raise errors.bad_response(self._model, f"stream event is not an object: {data[:200]!r}")
        if "error" in event:
            self.done = True
            raise errors.to_exception(errors.parse(200, event), model=self._model, entry=self._entry)
        try:
            return self._chunks(event)
        except (TypeError, ValueError, AttributeError) as exc:
            raise errors.bad_response(self._model, f"unexpected stream event {data[:200]!r}") from exc

    def close(self) -> list[ModelResponseStream]:
        """The end of the stream: ``[DONE]``, or the connection closing after a finish."""
        if self.done:
            return []
        self.done = True
        if self._finish is None:
            return []
        out = []
        if self._details:
            details = {"provider_specific_fields": {"reasoning_details": self._details}}
            out.append(self._chunk([{"index": 0, "delta": details}]))
        out.append(self._chunk([{"index": 0, "delta": {}, "finish_reason": self._finish}]))
        return out

    @property
    def finished(self) -> bool:
        return self._finish is not None

    @property
    def started(self) -> bool:
        """Whether any chunk event has arrived (as opposed to nothing, or only keep-alives)."""
        return self._id is not None

    def _chunks(self, event: dict[str, Any]) -> list[ModelResponseStream]:
        if self._id is None:
            self._id = event.get("id") or "kilo-stream"
            self._created = event.get("created")
        out: list[ModelResponseStream] = []
        choices = []
        for choice in event.get("choices") or ():
            if not isinstance(choice, dict):
                continue
            if choice.get("finish_reason"):
                self._finish = choice["finish_reason"]
            raw_delta = choice.get("delta") or {}
            if raw_delta.get("reasoning_details"):
                merge_details(self._details, raw_delta["reasoning_details"])
            delta = _delta(raw_delta)
            if delta and not self._role_sent:
                delta["role"] = "assistant"
                self._role_sent = True
            if delta:
                choices.append({"index": choice.get("index", 0), "delta": delta})
        if choices:
            out.append(self._chunk(choices))
        usage = event.get("usage")
        if isinstance(usage, dict):
            usage_obj = to_usage(usage, cost.from_usage(self._entry, usage))
            out.append(self._chunk([{"index": 0, "delta": {}}], usage_obj))
        return out

    def _chunk(self, choices: list[dict], usage: Usage | None = None) -> ModelResponseStream:
        extra = {"usage": usage} if usage is not None else {}
        return ModelResponseStream(
            id=self._id or "kilo-stream", created=self._created, model=self._model, choices=choices, **extra
        )


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


def _delta(delta: dict[str, Any]) -> dict[str, Any]:
    """The parts of a gateway delta LiteLLM carries: text, reasoning and tool-call fragments."""
    out: dict[str, Any] = {}
    if delta.get("content"):
        out["content"] = delta["content"]
    if delta.get("reasoning"):
        out["reasoning_content"] = delta["reasoning"]
    elif delta.get("reasoning_content"):
        out["reasoning_content"] = delta["reasoning_content"]
    if delta.get("tool_calls"):
        out["tool_calls"] = delta["tool_calls"]
    if delta.get("reasoning_details"):
        out["provider_specific_fields"] = {"reasoning_details": delta["reasoning_details"]}
    return out
