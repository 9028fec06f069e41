"""Gateway SSE events → LiteLLM ``ModelResponseStream`` chunks (pure).

Two things about the gateway's stream need care, and one about LiteLLM:

* The finish chunk (``finish_reason`` set, empty content) comes *before* the usage chunk, and the
  usage chunk still carries one empty-delta choice (docs/gateway-contract.md, "Streams").
* An error can arrive as an event inside an HTTP 200 stream (``{"error": {...}}``), with no
  ``[DONE]`` after it; the gateway names its kind in ``error.type``
  (``upstream_disconnect``, ``timeout``), which :mod:`errors` maps like a top-level ``error_type``.
* LiteLLM's stream wrapper drops a custom provider's chunk that has a ``finish_reason`` but no
  content, together with its usage, and every chunk after it (docs/litellm-assumptions.md, "Streams").

So every chunk is passed on with its ``finish_reason`` removed; the usage (with the cost this call
really costs, see :mod:`cost`) goes out on its own chunk; and the remembered ``finish_reason`` comes
last, on an empty chunk that LiteLLM turns into its own terminal chunk. Every chunk carries the
same ``id`` and the requested ``model`` name, as LiteLLM's stream builder expects; the gateway
repeats ``role`` in every delta, but it goes out on each choice's first one only, as OpenAI sends it
(LiteLLM's stream wrapper does less work per chunk without it). ``logprobs`` ride on their choice.

With ``n>1`` each choice has its own ``finish_reason``, but LiteLLM keeps only ``choices[0]``'s on
its terminal chunk and stops at the first finish it sees. So the other choices' finishes go out
first, on a chunk whose first choice is an empty index-0 delta, and index 0's finish comes last.

LiteLLM's stream wrapper costs a few hundred microseconds of CPU per chunk, whatever the chunk
holds, while parsing an event costs tens. So :meth:`StreamConverter.on_events` takes all the events
one network read delivered and, when ``coalesce`` is on, passes their deltas on as one chunk
(:func:`merge_choices`). It never waits for more bytes: one event per read (a paced stream) gives
exactly the chunks it gave before, and a burst gives one chunk of deltas per read (usage and the
closing chunks stay chunks of their own).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from litellm.types.utils import ModelResponseStream, Usage

from kilo_litellm.config.settings import PROVIDER
from kilo_litellm.models.catalog import ModelEntry
from kilo_litellm.provider import cost, errors, litellm_internals
from kilo_litellm.provider.reasoning_details import merge_details
from kilo_litellm.provider.usage import to_usage


class StreamConverter:
    """Feed it SSE ``data`` payloads in order; it returns the chunks to yield for each.

    :meth:`on_event` takes one payload; :meth:`on_events` takes those of one read and, with
    ``coalesce=True``, merges their deltas into one chunk.
    """

    __slots__ = (
        "_coalesce",
        "_created",
        "_details",
        "_entry",
        "_finish",
        "_id",
        "_model",
        "_named",
        "_roles_sent",
        "done",
    )

    def __init__(self, model: str, entry: ModelEntry, *, coalesce: bool = False) -> None:
        self._model = model
        self._entry = entry
        self._coalesce = coalesce
        self._id: str | None = None
        self._created: int | None = None
        self._finish: dict[int, str] = {}
        self._details: list[dict[str, Any]] = []
        self._roles_sent: set[int] = set()
        self._named = False
        self.done = False

    def on_event(self, data: str) -> list[ModelResponseStream]:
        return [self._chunk(choices, usage) for choices, usage in self._parts(data)]

    def on_events(self, datas: Iterable[str]) -> Iterator[ModelResponseStream]:
        """The chunks for the events of one read, in order; their deltas merged into one chunk when
        coalescing. The stream's first chunk, usage and the closing chunks stay chunks of their own:
        the first carries the requested name and the later ones ``kilo/<name>`` (:meth:`_chunk_model`),
        so a whole stream in one read is named as it is one event at a time. A chunk already decoded
        when a later event raises (an in-band error) is yielded before the error."""
        if not self._coalesce:
            for data in datas:
                yield from self.on_event(data)
            return
        pending: list[list[dict[str, Any]]] = []
        try:
            for data in datas:
                for choices, usage in self._parts(data):
                    if usage is None and not self.done and self._named:
                        pending.append(choices)
                        continue
                    if pending:
                        yield self._chunk(merge_choices(pending))
                        pending = []
                    yield self._chunk(choices, usage)
        except Exception:
            if pending:
                yield self._chunk(merge_choices(pending))
            raise
        if pending:
            yield self._chunk(merge_choices(pending))

    def _parts(self, data: str) -> list[tuple[list[dict[str, Any]], Usage | None]]:
        """One event as the (choices, usage) of the chunks it becomes."""
        if self.done:
            return []
        if data.strip() == "[DONE]":
            return self._closing()
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
            return self._event_parts(event)
        except (TypeError, ValueError, AttributeError) as exc:
            raise errors.bad_response(self._model, f"unexpected stream event {data[:200]!r}") from exc

    def close(self) -> list[ModelResponseStream]:
        """The end of the stream: ``[DONE]``, or the connection closing after a finish."""
        return [self._chunk(choices, usage) for choices, usage in self._closing()]

    def _closing(self) -> list[tuple[list[dict[str, Any]], Usage | None]]:
        if self.done:
            return []
        self.done = True
        if not self._finish:
            return []
        out: list[tuple[list[dict[str, Any]], Usage | None]] = []
        if self._details:
            details = {"provider_specific_fields": {"reasoning_details": self._details}}
            out.append(([{"index": 0, "delta": details}], None))
        others = [{"index": i, "delta": {}, "finish_reason": f} for i, f in sorted(self._finish.items()) if i != 0]
        if others:
            out.append(([{"index": 0, "delta": {}}, *others], None))
        last = self._finish.get(0) or next(reversed(self._finish.values()))
        out.append(([{"index": 0, "delta": {}, "finish_reason": last}], None))
        return out

    @property
    def finished(self) -> bool:
        return bool(self._finish)

    @property
    def started(self) -> bool:
        """Whether any chunk event has arrived (as opposed to nothing, or only keep-alives)."""
        return self._id is not None

    def _event_parts(self, event: dict[str, Any]) -> list[tuple[list[dict[str, Any]], Usage | None]]:
        if self._id is None:
            self._id = event.get("id") or "kilo-stream"
            self._created = event.get("created")
        out: list[tuple[list[dict[str, Any]], Usage | None]] = []
        choices = []
        for choice in event.get("choices") or ():
            if not isinstance(choice, dict):
                continue
            index = choice.get("index", 0)
            if choice.get("finish_reason"):
                self._finish[index] = choice["finish_reason"]
            raw_delta = choice.get("delta") or {}
            if raw_delta.get("reasoning_details"):
                merge_details(self._details, raw_delta["reasoning_details"])
            delta = _delta(raw_delta)
            if delta and index not in self._roles_sent:
                delta["role"] = "assistant"
                self._roles_sent.add(index)
            logprobs = choice.get("logprobs")
            if delta or logprobs:
                out_choice: dict[str, Any] = {"index": index, "delta": delta}
                if logprobs:
                    out_choice["logprobs"] = logprobs
                choices.append(out_choice)
        if choices:
            out.append((choices, None))
        usage = event.get("usage")
        if isinstance(usage, dict):
            usage_obj = to_usage(usage, cost.charge(self._entry, usage).amount)
            out.append(([{"index": 0, "delta": {}}], usage_obj))
        return out

    def _chunk_model(self) -> str:
        """The requested name on the first chunk (as on LiteLLM's own terminal chunk), ``kilo/<name>`` after it.

        LiteLLM's stream builder names the assembled response after the first chunk whose model
        differs from the first one's (its rule for routers that name the served model later), then
        looks its provider up by that name: ``kilo/<name>`` resolves to this provider, the bare name
        to nothing (LiteLLM then prints its "Provider List" banner).
        """
        if self._named:
            return f"{PROVIDER}/{self._model}"
        self._named = True
        return self._model

    def _chunk(self, choices: list[dict], usage: Usage | None = None) -> ModelResponseStream:
        """LiteLLM's chunk; fields of a shape it refuses are the gateway's fault, not a ``ValidationError``."""
        extra = {"usage": usage} if usage is not None else {}
        try:
            chunk = ModelResponseStream(
                id=self._id or "kilo-stream", created=self._created, model=self._chunk_model(), choices=choices, **extra
            )
        except (TypeError, ValueError, AttributeError) as exc:
            shown = json.dumps({"id": self._id, "created": self._created, "choices": choices}, default=repr)
            raise errors.bad_response(self._model, f"unexpected stream event {shown[:200]}") from exc
        litellm_internals.hidden_params(chunk)["custom_llm_provider"] = PROVIDER
        return chunk


def merge_choices(runs: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The choices of several consecutive chunks as those of one chunk (pure; inputs untouched).

    Per choice ``index``: text and reasoning concatenate, ``role`` comes from the first delta,
    tool-call fragments merge per tool-call ``index`` (``id``, ``type`` and name from the first
    fragment, ``arguments`` concatenated), ``reasoning_details`` fragments fold as
    :func:`merge_details` folds them, and ``logprobs`` lists concatenate.
    """
    if len(runs) == 1:
        return runs[0]
    merged: dict[int, dict[str, Any]] = {}
    for choices in runs:
        for choice in choices:
            into = merged.get(choice["index"])
            if into is None:
                merged[choice["index"]] = into = {"index": choice["index"], "delta": {}}
            _merge_delta(into["delta"], choice["delta"])
            if choice.get("logprobs"):
                into["logprobs"] = _merge_logprobs(into.get("logprobs"), choice["logprobs"])
    return [merged[i] for i in sorted(merged)]


_TEXT_KEYS = ("content", "reasoning_content")


def _merge_delta(into: dict[str, Any], delta: dict[str, Any]) -> None:
    for key, value in delta.items():
        if key in _TEXT_KEYS:
            into[key] = into.get(key, "") + value
        elif key == "tool_calls":
            _merge_tool_calls(into.setdefault("tool_calls", []), value)
        elif key == "provider_specific_fields":
            fields = into.setdefault("provider_specific_fields", {"reasoning_details": []})
            merge_details(fields["reasoning_details"], value["reasoning_details"])
        else:
            into.setdefault(key, value)


def _merge_tool_calls(into: list[dict[str, Any]], fragments: list[Any]) -> None:
    for fragment in fragments:
        if not isinstance(fragment, dict):
            continue
        index = fragment.get("index")
        same = next((c for c in into if index is not None and c.get("index") == index), None)
        if same is None:
            copied = dict(fragment)
            if isinstance(fragment.get("function"), dict):
                copied["function"] = dict(fragment["function"])
            into.append(copied)
            continue
        for key, value in fragment.items():
            if key == "function" and isinstance(value, dict):
                function = same.setdefault("function", {})
                for name, part in value.items():
                    if name == "arguments" and isinstance(part, str):
                        function["arguments"] = (function.get("arguments") or "") + part
                    elif part is not None and function.get(name) is None:
                        function[name] = part
            elif value is not None and same.get(key) is None:
                same[key] = value


def _merge_logprobs(into: Any, more: Any) -> Any:
    if not isinstance(into, dict) or not isinstance(more, dict):
        return more if into is None else into
    out = dict(into)
    for key, value in more.items():
        if isinstance(value, list) and isinstance(out.get(key), list):
            out[key] = out[key] + value
        elif out.get(key) is None:
            out[key] = value
    return out


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
