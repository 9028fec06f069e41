"""The emulator lets a coding agent finish: fresh tool-call ids, the agent's own tools, text after a tool result.

Checked through ``litellm.completion`` (what the proxy calls for Claude Code and Codex) and, for the
byte-exactness of the rewritten recording, with a raw HTTP request.
"""

from __future__ import annotations

import json
import re

import httpx
import litellm
import pytest

from kilo_litellm.emulator import TOOL_MARKER, recording, reserialised

FREE = "kilo/kilo-auto/free"
PROMPT = {"role": "user", "content": "list the files"}
SEARCH = {"type": "function", "function": {"name": "search_files", "parameters": {"type": "object"}}}
NONSTREAM_TEXT = "Lorem ipsum dolor sit amet, consectetur adipiscing elit"


def _tool(name: str) -> dict:
    return {"type": "function", "function": {"name": name, "parameters": {"type": "object"}}}


def _call(gw, messages, tools, stream):
    resp = litellm.completion(model=FREE, messages=messages, tools=tools, api_base=gw.api_base, stream=stream)
    return litellm.stream_chunk_builder(list(resp)) if stream else resp


def _round_trip(call_id: str, result: str = "src/a.ts") -> list[dict]:
    call = {"id": call_id, "type": "function", "function": {"name": "search_files", "arguments": "{}"}}
    return [
        PROMPT,
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": call_id, "content": result},
    ]


@pytest.mark.parametrize("stream", [False, True], ids=["nonstream", "stream"])
def test_each_tool_call_has_a_fresh_id(gw, stream):
    first = _call(gw, [PROMPT], [SEARCH], stream).choices[0].message.tool_calls[0]
    second = _call(gw, [PROMPT], [SEARCH], stream).choices[0].message.tool_calls[0]
    assert re.fullmatch(r"call_\d+", first.id) and re.fullmatch(r"call_\d+", second.id)
    assert first.id != second.id
    assert (second.function.name, json.loads(second.function.arguments)["path"]) == ("search_files", "src")


@pytest.mark.parametrize("stream", [False, True], ids=["nonstream", "stream"])
def test_a_tool_result_gets_a_text_answer(gw, stream):
    resp = _call(gw, _round_trip("call_x"), [SEARCH], stream)
    message = resp.choices[0].message
    assert not message.tool_calls
    assert message.content if stream else message.content == NONSTREAM_TEXT
    assert resp.choices[0].finish_reason == "stop"
    assert gw.chat_requests[-1].json["messages"][-1] == {
        "role": "tool",
        "tool_call_id": "call_x",
        "content": "src/a.ts",
    }


def test_a_reminder_next_to_the_tool_result_still_ends_the_turn(gw):
    messages = [*_round_trip("call_y"), {"role": "user", "content": "<system-reminder>keep going</system-reminder>"}]
    resp = _call(gw, messages, [SEARCH], stream=False)
    assert resp.choices[0].message.content == NONSTREAM_TEXT


def test_a_new_prompt_after_a_finished_turn_calls_a_tool_again(gw):
    messages = [*_round_trip("call_z"), {"role": "assistant", "content": "done"}, PROMPT]
    resp = _call(gw, messages, [SEARCH], stream=False)
    assert resp.choices[0].finish_reason == "tool_calls"


@pytest.mark.parametrize(
    ("offered", "name", "arguments"),
    [
        (["Read", "Bash", "Glob"], "Bash", {"command": f"echo {TOOL_MARKER}", "description": "Print a marker"}),
        (["update_plan", "shell"], "shell", {"command": ["echo", TOOL_MARKER]}),
        (["exec_command", "write_stdin"], "exec_command", {"cmd": f"echo {TOOL_MARKER}"}),
        (["lookup", "other"], "lookup", {}),
    ],
)
@pytest.mark.parametrize("stream", [False, True], ids=["nonstream", "stream"])
def test_the_call_names_a_tool_the_agent_offers(gw, stream, offered, name, arguments):
    resp = _call(gw, [PROMPT], [_tool(n) for n in offered], stream)
    [call] = resp.choices[0].message.tool_calls
    assert (call.function.name, json.loads(call.function.arguments)) == (name, arguments)
    assert resp.choices[0].finish_reason == "tool_calls"


def test_only_the_id_and_the_call_differ_from_the_recording(gw):
    """The gateway passes the edited recording on re-serialised (see ``reserialised``)."""
    emulator = gw
    body = {"model": "kilo-auto/free", "messages": [PROMPT], "tools": [_tool("Bash")], "stream": True}
    served = httpx.post(f"{emulator.api_base}/chat/completions", json=body, timeout=10).content
    call_id = re.search(rb'"tool_calls":\[\{"id":"(call_\d+)"', served).group(1).decode()
    arguments = json.dumps({"command": f"echo {TOOL_MARKER}", "description": "Print a marker"})
    expected = (
        recording("stream-devstral-free-toolcall.sse")
        .replace(b'"id":"qSWMjY1gl"', f'"id":"{call_id}"'.encode())
        .replace(b'"name":"search_files"', b'"name":"Bash"')
        .replace(
            json.dumps('{"path": "src", "regex": "read_file", "file_pattern": "*.ts"}').encode(),
            json.dumps(arguments).encode(),
        )
    )
    assert served == reserialised(expected)
