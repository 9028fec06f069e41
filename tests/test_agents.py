"""Claude Code and Codex CLI, the real ones from npm, on Kilo models through the LiteLLM proxy.

Each agent runs headless with a temp HOME (and CODEX_HOME), telemetry off and the settings of the
README section "Kilo models in Claude Code and Codex" (read from it by ``readme_blocks``, so the
README shows what runs here; ``test_readme.py`` checks the blocks themselves), against one proxy
for the module and the local gateway emulator. The emulator calls the
agent's own shell tool with an ``echo`` of ``TOOL_MARKER`` and answers with text once the tool
result is back, so each tool test checks that the agent ran the tool, sent its output to the
gateway, and finished.

The CLIs are installed once into ``.cache/agents/`` (``npm install --prefix``, pinned versions)
and reused; the module is skipped only where node or npm is missing.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from agents_cache import install
from processes import starts_a_process
from proxy_helpers import FREE_GROUP, agents_config, gateway_id, run_proxy, write_config
from readme_blocks import claude_env, codex_config

from kilo_litellm.emulator import TOOL_MARKER, Reply, recording, sse_payloads, streamed_text

pytestmark = [pytest.mark.slow, pytest.mark.agents]

AGENTS = {"@anthropic-ai/claude-code": "2.1.197", "@openai/codex": "0.171.0"}
RUN_TIMEOUT = 120
README_PROXY = "http://127.0.0.1:4000"
FREE_ID = gateway_id(agents_config(), FREE_GROUP)
GPT41 = sse_payloads(recording("stream-openai-gpt41.sse"))
STREAM_TEXT = streamed_text(GPT41)


@pytest.fixture(scope="module")
def agent_bin() -> Path:
    return install(AGENTS, "Claude Code and Codex CLI") / ".bin"


@starts_a_process
@pytest.fixture(scope="module")
def proxy(emulator, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("proxy-agents")
    config = write_config(agents_config(), workdir)
    with run_proxy(config, workdir, {"KILO_API_BASE": emulator.api_base}) as running:
        yield running


@pytest.fixture
def gw(emulator):
    emulator.reset()
    yield emulator
    emulator.reset()


@pytest.fixture
def sandbox(tmp_path) -> dict[str, Path]:
    """A fresh HOME and an empty project folder for one agent run."""
    dirs = {"home": tmp_path / "home", "project": tmp_path / "project"}
    for path in dirs.values():
        path.mkdir()
    return dirs


def _base_env(home: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TMPDIR")}
    return {**keep, "HOME": str(home), "TERM": "dumb", "NO_COLOR": "1"}


def run_claude(agent_bin: Path, proxy, sandbox, prompt: str, *flags: str) -> dict:
    env = _base_env(sandbox["home"])
    for name, value in claude_env().items():
        env[name] = value.replace(README_PROXY, proxy.base).replace("$LITELLM_MASTER_KEY", proxy.master_key)
    cmd = [str(agent_bin / "claude"), "-p", prompt, "--output-format", "json", *flags]
    done = subprocess.run(cmd, cwd=sandbox["project"], env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    assert done.returncode == 0, f"claude exited {done.returncode}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return json.loads(done.stdout)


def run_codex(agent_bin: Path, proxy, sandbox, prompt: str) -> subprocess.CompletedProcess:
    codex_home = sandbox["home"] / ".codex"
    codex_home.mkdir()
    (codex_home / "config.toml").write_text(codex_config().replace(README_PROXY, proxy.base))
    env = {**_base_env(sandbox["home"]), "CODEX_HOME": str(codex_home), "LITELLM_MASTER_KEY": proxy.master_key}
    cmd = [str(agent_bin / "codex"), "exec", "--skip-git-repo-check", prompt]
    done = subprocess.run(
        cmd,
        cwd=sandbox["project"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
    )
    assert done.returncode == 0, f"codex exited {done.returncode}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done


def _tool_round_trip(gw) -> tuple[dict, dict]:
    """The request that carried the tool call's result, and the one before it that asked for the call."""
    requests = [r.json for r in gw.chat_requests]
    with_result = [i for i, body in enumerate(requests) if body["messages"][-1]["role"] == "tool"]
    assert with_result, f"no tool result reached the gateway: {[b['messages'][-1]['role'] for b in requests]}"
    i = with_result[0]
    return requests[i - 1], requests[i]


def test_claude_code_plain_answer(agent_bin, proxy, gw, sandbox):
    result = run_claude(agent_bin, proxy, sandbox, "say hello", "--tools", "")
    assert result["is_error"] is False and result["subtype"] == "success"
    assert result["result"] == "Hi!"  # the reasoning recording: Claude Code asks for thinking
    [sent] = gw.chat_requests
    assert sent.model == FREE_ID
    assert sent.json["reasoning"]["effort"] in {"low", "medium", "high"}
    assert "tools" not in sent.json


def test_claude_code_tool_round_trip(agent_bin, proxy, gw, sandbox):
    result = run_claude(agent_bin, proxy, sandbox, "run a shell command")
    assert result["is_error"] is False and result["subtype"] == "success"
    assert result["result"] == STREAM_TEXT
    assert result["num_turns"] == 2
    asked, answered = _tool_round_trip(gw)
    assert "Bash" in [t["function"]["name"] for t in asked["tools"]]
    call = answered["messages"][-2]["tool_calls"][0]
    assert call["function"]["name"] == "Bash"
    result_message = answered["messages"][-1]
    assert result_message["tool_call_id"] == call["id"]
    assert TOOL_MARKER in json.dumps(result_message["content"])
    assert len(gw.chat_requests) == 2  # and then it stopped


def test_codex_plain_answer(agent_bin, proxy, gw, sandbox):
    gw.script(Reply(recording="stream-openai-gpt41.sse", stream=True))
    done = run_codex(agent_bin, proxy, sandbox, "say hello")
    assert done.stdout.strip() == STREAM_TEXT
    [sent] = gw.chat_requests
    assert sent.model == FREE_ID
    assert sent.json["reasoning"] == {"effort": "medium"}  # model_reasoning_effort in config.toml
    last = sent.json["messages"][-1]
    assert last["role"] == "user" and "say hello" in json.dumps(last["content"])


def test_codex_tool_round_trip(agent_bin, proxy, gw, sandbox):
    done = run_codex(agent_bin, proxy, sandbox, "run a shell command")
    assert done.stdout.strip() == STREAM_TEXT
    assert TOOL_MARKER in done.stderr  # the transcript shows the command's output
    asked, answered = _tool_round_trip(gw)
    offered = {t["function"]["name"] for t in asked["tools"]}
    call = answered["messages"][-2]["tool_calls"][0]
    assert call["function"]["name"] in offered & {"exec_command", "shell", "shell_command"}
    result_message = answered["messages"][-1]
    assert result_message["tool_call_id"] == call["id"]
    assert TOOL_MARKER in json.dumps(result_message["content"])
    assert len(gw.chat_requests) == 2
