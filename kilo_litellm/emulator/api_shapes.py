"""``/messages`` and ``/responses``: the emulator's chat answers in Anthropic Messages and OpenAI Responses shapes.

The gateway serves both APIs for the models it lists (Kilo's own client calls a model's
``opencode.ai_sdk_provider`` API: ``anthropic`` -> ``/messages``, ``openai`` -> ``/responses``). No
recording of either exists: the emulator takes the chat recording that fits the request
(:mod:`.chat`; a tool call while the last tool call is unanswered, :mod:`.tool_turns`) and writes
its text, tool call and usage in the other API's shape, streamed as that API's event sequence:

* Messages: ``message_start``, ``content_block_start``/``content_block_delta`` (``text_delta``,
  ``input_json_delta``)/``content_block_stop`` per block, ``message_delta`` (``stop_reason``,
  usage), ``message_stop``; each with its ``event:`` line, which the gateway keeps.
* Responses: ``response.created``, ``response.in_progress``, ``response.output_item.added``,
  ``response.content_part.added``, ``response.output_text.delta``... ``.done``,
  ``response.function_call_arguments.delta``/``.done`` for a call, ``response.output_item.done``,
  ``response.completed`` with usage; each with ``event:`` and a ``sequence_number``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from kilo_litellm.emulator import chat
from kilo_litellm.emulator.recorded import compact, sse_event, sse_payloads
from kilo_litellm.emulator.reply import Reply


@dataclass
class Turn:
    """What a chat stream says, API-neutral: text pieces, tool calls, why it stopped, usage."""

    id: str
    model: str
    created: int
    text: list[str] = field(default_factory=list)
    calls: list[dict[str, str]] = field(default_factory=list)
    finish: str = "stop"
    usage: dict[str, Any] = field(default_factory=dict)

    @property
    def input_tokens(self) -> int:
        return int(self.usage.get("prompt_tokens") or 0)

    @property
    def cached_tokens(self) -> int:
        return int((self.usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0)

    @property
    def output_tokens(self) -> int:
        return int(self.usage.get("completion_tokens") or 0)


def _turn(view: Mapping[str, Any], conversation: Any, model: str) -> Turn:
    events = sse_payloads(chat.stream_for(view, conversation))
    first = events[0]
    turn = Turn(id=str(first["id"]), model=model, created=int(first.get("created") or 0))
    for event in events:
        for choice in event.get("choices") or ():
            delta = choice.get("delta") or {}
            if delta.get("content"):
                turn.text.append(delta["content"])
            for call in delta.get("tool_calls") or ():
                fn = call.get("function") or {}
                if call.get("id"):
                    turn.calls.append({"id": call["id"], "name": fn.get("name") or "", "arguments": ""})
                turn.calls[-1]["arguments"] += fn.get("arguments") or ""
            turn.finish = choice.get("finish_reason") or turn.finish
        turn.usage = event.get("usage") or turn.usage
    return turn


def _view(body: Mapping[str, Any], thinking: bool) -> dict[str, Any]:
    """The request as :func:`.chat.stream_for` reads it."""
    view: dict[str, Any] = {"model": body.get("model"), "tools": body.get("tools")}
    if thinking:
        view["reasoning"] = True
    return view


# -- Anthropic Messages ---------------------------------------------------------------------------

STOP_REASONS = {"tool_calls": "tool_use", "length": "max_tokens"}


def _anthropic_usage(turn: Turn) -> dict[str, int]:
    return {
        "input_tokens": turn.input_tokens - turn.cached_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": turn.cached_tokens,
        "output_tokens": turn.output_tokens,
    }


def _tool_use(call: Mapping[str, str]) -> dict[str, Any]:
    return {
        "type": "tool_use",
        "id": f"toolu_{call['id']}",
        "name": call["name"],
        "input": json.loads(call["arguments"] or "{}"),
    }


def _message(turn: Turn, content: list[dict[str, Any]], stop_reason: str | None, usage: dict[str, int]) -> dict:
    return {
        "id": f"msg_{turn.id}",
        "type": "message",
        "role": "assistant",
        "model": turn.model,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": usage,
    }


def _message_events(turn: Turn) -> Iterator[bytes]:
    start_usage = {**_anthropic_usage(turn), "output_tokens": 1}
    yield sse_event({"type": "message_start", "message": _message(turn, [], None, start_usage)}, "message_start")
    index = 0
    if turn.text:
        block = {"type": "text", "text": ""}
        yield sse_event({"type": "content_block_start", "index": index, "content_block": block}, "content_block_start")
        for piece in turn.text:
            delta = {"type": "text_delta", "text": piece}
            yield sse_event({"type": "content_block_delta", "index": index, "delta": delta}, "content_block_delta")
        yield sse_event({"type": "content_block_stop", "index": index}, "content_block_stop")
        index += 1
    for call in turn.calls:
        block = {**_tool_use(call), "input": {}}
        yield sse_event({"type": "content_block_start", "index": index, "content_block": block}, "content_block_start")
        delta = {"type": "input_json_delta", "partial_json": call["arguments"]}
        yield sse_event({"type": "content_block_delta", "index": index, "delta": delta}, "content_block_delta")
        yield sse_event({"type": "content_block_stop", "index": index}, "content_block_stop")
        index += 1
    delta = {"stop_reason": STOP_REASONS.get(turn.finish, "end_turn"), "stop_sequence": None}
    yield sse_event({"type": "message_delta", "delta": delta, "usage": _anthropic_usage(turn)}, "message_delta")
    yield sse_event({"type": "message_stop"}, "message_stop")


def messages_answer(body: Mapping[str, Any]) -> Reply:
    """``POST /messages`` for a model the gateway serves."""
    turn = _turn(_view(body, "thinking" in body), body.get("messages"), str(body["model"]))
    if body.get("stream"):
        return Reply(body=b"".join(_message_events(turn)), stream=True)
    content: list[dict[str, Any]] = [{"type": "text", "text": "".join(turn.text)}] if turn.text else []
    content += [_tool_use(call) for call in turn.calls]
    stop = STOP_REASONS.get(turn.finish, "end_turn")
    return Reply(body=compact(_message(turn, content, stop, _anthropic_usage(turn))), stream=False)


# -- OpenAI Responses -----------------------------------------------------------------------------


def _input_items(body: Mapping[str, Any]) -> list[Any]:
    given = body.get("input")
    if isinstance(given, str):
        return [{"role": "user", "content": given}]
    return given if isinstance(given, list) else []


def _responses_usage(turn: Turn) -> dict[str, Any]:
    return {
        "input_tokens": turn.input_tokens,
        "input_tokens_details": {"cached_tokens": turn.cached_tokens},
        "output_tokens": turn.output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": turn.input_tokens + turn.output_tokens,
    }


def _text_item(turn: Turn, status: str, text: str | None) -> dict[str, Any]:
    content = [] if text is None else [{"type": "output_text", "text": text, "annotations": []}]
    return {"type": "message", "id": f"msg_{turn.id}", "status": status, "role": "assistant", "content": content}


def _call_item(call: Mapping[str, str], status: str, arguments: str) -> dict[str, Any]:
    return {
        "type": "function_call",
        "id": f"fc_{call['id']}",
        "call_id": call["id"],
        "name": call["name"],
        "arguments": arguments,
        "status": status,
    }


def _response(turn: Turn, body: Mapping[str, Any], status: str, output: list[dict], usage: dict | None) -> dict:
    return {
        "id": f"resp_{turn.id}",
        "object": "response",
        "created_at": turn.created,
        "status": status,
        "model": turn.model,
        "output": output,
        "parallel_tool_calls": True,
        "tool_choice": body.get("tool_choice") or "auto",
        "tools": body.get("tools") or [],
        "store": False,
        "error": None,
        "incomplete_details": None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "metadata": {},
        "temperature": body.get("temperature"),
        "top_p": body.get("top_p"),
        "usage": usage,
    }


def _output(turn: Turn) -> list[dict[str, Any]]:
    items = [_text_item(turn, "completed", "".join(turn.text))] if turn.text else []
    return items + [_call_item(call, "completed", call["arguments"]) for call in turn.calls]


def _response_events(turn: Turn, body: Mapping[str, Any]) -> Iterator[bytes]:
    sequence = 0

    def event(kind: str, **fields: Any) -> bytes:
        nonlocal sequence
        sequence += 1
        return sse_event({"type": kind, "sequence_number": sequence - 1, **fields}, kind)

    yield event("response.created", response=_response(turn, body, "in_progress", [], None))
    yield event("response.in_progress", response=_response(turn, body, "in_progress", [], None))
    index = 0
    if turn.text:
        item_id, text = f"msg_{turn.id}", "".join(turn.text)
        part = {"type": "output_text", "text": "", "annotations": []}
        at = {"item_id": item_id, "output_index": index, "content_index": 0}
        yield event("response.output_item.added", output_index=index, item=_text_item(turn, "in_progress", None))
        yield event("response.content_part.added", **at, part=part)
        for piece in turn.text:
            yield event("response.output_text.delta", **at, delta=piece, logprobs=[])
        yield event("response.output_text.done", **at, text=text, logprobs=[])
        yield event("response.content_part.done", **at, part={**part, "text": text})
        yield event("response.output_item.done", output_index=index, item=_text_item(turn, "completed", text))
        index += 1
    for call in turn.calls:
        item_id = f"fc_{call['id']}"
        yield event("response.output_item.added", output_index=index, item=_call_item(call, "in_progress", ""))
        yield event(
            "response.function_call_arguments.delta", item_id=item_id, output_index=index, delta=call["arguments"]
        )
        yield event(
            "response.function_call_arguments.done", item_id=item_id, output_index=index, arguments=call["arguments"]
        )
        yield event(
            "response.output_item.done", output_index=index, item=_call_item(call, "completed", call["arguments"])
        )
        index += 1
    yield event(
        "response.completed", response=_response(turn, body, "completed", _output(turn), _responses_usage(turn))
    )


def responses_answer(body: Mapping[str, Any]) -> Reply:
    """``POST /responses`` for a model the gateway serves."""
    turn = _turn(_view(body, bool(body.get("reasoning"))), _input_items(body), str(body["model"]))
    if body.get("stream"):
        return Reply(body=b"".join(_response_events(turn, body)), stream=True)
    answer = _response(turn, body, "completed", _output(turn), _responses_usage(turn))
    return Reply(body=compact(answer), stream=False)
