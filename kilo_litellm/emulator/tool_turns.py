"""The turn a request that offers ``tools`` gets, so that a coding agent can finish a task.

A request whose conversation already has a tool result after the user's last prompt gets the
plain text recording; any other gets the tool-call recording. Synthesised rather than recorded:
the call's ``id`` is a fresh ``call_<n>`` per answer (agents reject a repeated id), and when the
request does not offer the recorded tool (``search_files``) the call is renamed to a tool it does
offer, with arguments from :data:`HARMLESS_CALLS` (an ``echo`` of :data:`TOOL_MARKER`), else the
first offered tool with ``{}``. Every other byte is the recording's. Tools and tool results are read
in each API's shape: chat ``tools[].function.name`` and ``role: "tool"``, Messages ``tools[].name``
and ``tool_result`` blocks, Responses ``tools[].name`` and ``function_call_output`` items.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from typing import Any

from kilo_litellm.emulator.recorded import TOOL_CALL_STREAM, recording

RECORDED_CALL_ID = "qSWMjY1gl"
RECORDED_TOOL = "search_files"
RECORDED_ARGUMENTS = '{"path": "src", "regex": "read_file", "file_pattern": "*.ts"}'
TOOL_MARKER = "kilo-emulator-tool-ok"
HARMLESS_CALLS: dict[str, dict[str, Any]] = {
    "bash": {"command": f"echo {TOOL_MARKER}", "description": "Print a marker"},
    "Bash": {"command": f"echo {TOOL_MARKER}", "description": "Print a marker"},
    "shell": {"command": ["echo", TOOL_MARKER]},
    "shell_command": {"command": f"echo {TOOL_MARKER}"},
    "exec_command": {"cmd": f"echo {TOOL_MARKER}"},
}
"""Tools coding agents offer (opencode's and Kilo's ``bash``, Claude Code's ``Bash``, Codex's
``shell``/``exec_command``), with arguments that only print :data:`TOOL_MARKER`."""

_call_ids = itertools.count(1)


def _role(message: Any) -> str | None:
    return message.get("role") if isinstance(message, dict) else None


def _is_tool_result(message: Any) -> bool:
    if _role(message) == "tool" or (isinstance(message, dict) and message.get("type") == "function_call_output"):
        return True
    content = message.get("content") if _role(message) == "user" else None
    return isinstance(content, list) and any(isinstance(p, dict) and p.get("type") == "tool_result" for p in content)


def answered_tool_call(messages: Any) -> bool:
    """True when a tool result follows the user's last prompt.

    A user message right after tool results (an agent's reminder next to them) continues that turn,
    so it does not count as a new prompt.
    """
    if not isinstance(messages, list):
        return False
    for i in range(len(messages) - 1, -1, -1):
        if _is_tool_result(messages[i]):
            return True
        if _role(messages[i]) == "user" and (i == 0 or not _is_tool_result(messages[i - 1])):
            return False
    return False


def tool_names(tools: Any) -> list[str]:
    names = []
    for tool in tools if isinstance(tools, list) else ():
        fn = tool.get("function") if isinstance(tool, dict) else None
        name = fn.get("name") if isinstance(fn, dict) else (tool.get("name") if isinstance(tool, dict) else None)
        if isinstance(name, str):
            names.append(name)
    return names


def _swap(raw: bytes, old: str, new: str) -> bytes:
    before, after = old.encode(), new.encode()
    if raw.count(before) != 1:
        raise ValueError(f"{TOOL_CALL_STREAM} no longer holds exactly one {old}")
    return raw.replace(before, after)


def tool_call_stream(offered: list[str], call_id: str | None = None) -> bytes:
    """The tool-call recording with a fresh id, calling a tool from ``offered`` (see the module doc)."""
    call_id = call_id or f"call_{next(_call_ids)}"
    raw = _swap(recording(TOOL_CALL_STREAM), f'"id":"{RECORDED_CALL_ID}"', f'"id":"{call_id}"')
    if not offered or RECORDED_TOOL in offered:
        return raw
    name = next((n for n in HARMLESS_CALLS if n in offered), offered[0])
    arguments = json.dumps(HARMLESS_CALLS.get(name, {}))
    raw = _swap(raw, f'"name":"{RECORDED_TOOL}"', f'"name":{json.dumps(name)}')
    return _swap(raw, json.dumps(RECORDED_ARGUMENTS), json.dumps(arguments))


def wants_text(body: Mapping[str, Any], messages: Any) -> bool:
    """A request with ``tools`` whose last tool call was answered: the agent's turn ends in text."""
    return bool(body.get("tools")) and answered_tool_call(messages)
