"""The answer to a chat request the gateway serves: the recording that fits it, as the gateway passes it on.

A tool-call stream when the request offers ``tools`` (text once a tool result is in:
:mod:`.tool_turns`), the reasoning stream when it asks for ``reasoning`` (or names a Grok model),
else the plain one; a non-streaming request gets the JSON recording, or a body assembled from the
matching stream. A request whose last message is an assistant message gets the rest of the
recorded answer after that text (:func:`.chains.continued`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from kilo_litellm.emulator import chains, tool_turns
from kilo_litellm.emulator.recorded import (
    PLAIN_BODY,
    PLAIN_STREAM,
    REASONING_STREAM,
    assembled,
    compact,
    recording,
    reserialised,
)
from kilo_litellm.emulator.reply import Reply

PLAIN, REASONING, TOOL_CALL = "plain", "reasoning", "tool_call"


def kind(body: Mapping[str, Any], messages: Any) -> str:
    """Which recorded answer fits the request."""
    if body.get("tools"):
        return PLAIN if tool_turns.answered_tool_call(messages) else TOOL_CALL
    model = str(body.get("model") or "")
    if "reasoning" in body or "reasoning_effort" in body or "grok" in model:
        return REASONING
    return PLAIN


def stream_for(body: Mapping[str, Any], messages: Any) -> bytes:
    """The upstream stream (as recorded, before the gateway's re-serialising) that fits the request."""
    which = kind(body, messages)
    if which == TOOL_CALL:
        return tool_turns.tool_call_stream(tool_turns.tool_names(body.get("tools")))
    return recording(REASONING_STREAM if which == REASONING else PLAIN_STREAM)


def answer(body: dict[str, Any]) -> Reply:
    """The chat answer to a request the gateway serves (JSON re-serialised compact, as the gateway does)."""
    stream = bool(body.get("stream"))
    if stream:
        reply = Reply(body=reserialised(stream_for(body, body.get("messages"))), stream=True)
    elif kind(body, body.get("messages")) == PLAIN:
        reply = Reply(body=compact(json.loads(recording(PLAIN_BODY))), stream=False)
    else:
        reply = Reply(body=compact(assembled(stream_for(body, body.get("messages")))), stream=False)
    if chains.trailing_prefill(body.get("messages")) is None:
        return reply
    return Reply(body=chains.continued(reply.payload(), stream, body), stream=stream)
