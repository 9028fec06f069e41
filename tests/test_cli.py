"""The real ``kilo-litellm`` command in a subprocess, against the local gateway emulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from gateway_models import make_gateway_model, models_body

from kilo_litellm.discovery import parse_models, snapshot_payload
from kilo_litellm.emulator import Reply, recording, sse_payloads

SCRIPT = Path(sys.executable).with_name("kilo-litellm")
KEY = "kilo-cli-secret-key-0123456789"
GPT41 = sse_payloads(recording("stream-openai-gpt41.sse"))
STREAM_TEXT = "".join((c["choices"][0]["delta"].get("content") or "") for c in GPT41 if c.get("choices"))


@pytest.fixture
def run(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KILO_")}
    env["KILO_LITELLM_CACHE_DIR"] = str(tmp_path / "cache")

    def run(*args: str, stdin: str = "", module: bool = False) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "kilo_litellm"] if module or not SCRIPT.exists() else [str(SCRIPT)]
        return subprocess.run(
            [*command, *args], input=stdin, capture_output=True, text=True, env=env, timeout=110, check=False
        )

    return run


def test_models_json_lists_the_gateway_models(gw, run):
    out = run("models", "--json", "--api-base", gw.api_base)
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    served = [r for r in rows if r["status"] == "served"]
    assert len(served) == len(parse_models(snapshot_payload()))
    assert {"id": "kilo/kilo-auto/free", "free": True, "may_train_on_prompts": True}.items() <= rows[0].items()
    glm = next(r for r in rows if r["alias"] == "kilo/glm-5-free")
    assert glm["gateway_id"] == "z-ai/glm-5:free" and glm["free"] is True
    assert glm["status"] == "retired -> kilo/kilo-auto/free" and glm["successor"] == "kilo/kilo-auto/free"
    assert (glm["context_window"], glm["max_output_tokens"]) == (202800, 131072)
    balanced = next(r for r in rows if r["gateway_id"] == "kilo-auto/balanced")
    assert balanced["free"] is False and balanced["input_cost_per_token"] is None
    sonnet = next(r for r in rows if r["gateway_id"] == "anthropic/claude-sonnet-4.6")
    assert sonnet["free"] is False and sonnet["input_cost_per_token"] == pytest.approx(3e-06)


def test_models_free_shows_only_free_models(gw, run):
    out = run("--api-base", gw.api_base, "models", "--free")
    assert out.returncode == 0, out.stderr
    table = out.stdout.split("Seed aliases", 1)[0]
    lines = [line for line in table.splitlines()[1:] if line.startswith("kilo/")]
    assert any(line.startswith("kilo/kilo-auto/free ") for line in lines)
    assert lines and all(" yes " in line for line in lines)
    assert "claude" not in out.stdout


def test_models_table_shows_a_scripted_list(gw, run):
    gw.script(
        Reply(
            body=models_body(
                make_gateway_model(
                    id="acme/cli-model",
                    context_length=12345,
                    top_provider={"max_completion_tokens": 678},
                    pricing={"prompt": "0.0000025", "completion": "0.00001"},
                    supported_parameters=["tools", "reasoning"],
                )
            )
        )
    )
    out = run("models", "--api-base", gw.api_base)
    assert out.returncode == 0, out.stderr
    [row] = [line.split() for line in out.stdout.splitlines() if line.startswith("kilo/acme/cli-model")]
    assert row == ["kilo/acme/cli-model", "12,345", "678", "2.50", "10.00", "tools,reasoning"]


def test_models_without_a_gateway_shows_the_snapshot(run):
    out = run("models", "--api-base", "http://127.0.0.1:9/api/gateway")
    assert out.returncode == 0
    assert "kilo/glm-5-free" in out.stdout
    assert "snapshot" in out.stderr and "ConnectError" in out.stderr


def test_check_shows_the_request_with_the_key_redacted_and_pings(gw, run):
    out = run("check", "--model", "kilo/anthropic/claude-sonnet-4.6", "--api-base", gw.api_base, "--api-key", KEY)
    assert out.returncode == 0, out.stderr
    assert KEY not in out.stdout + out.stderr
    assert "gateway id: anthropic/claude-sonnet-4.6" in out.stdout
    assert f"POST        {gw.api_base}/chat/completions" in out.stdout
    assert "Authorization: Bearer kil…89" in out.stdout
    assert "ping: OK" in out.stdout and "$0.001425" in out.stdout
    [sent] = gw.chat_requests
    assert sent.json["max_tokens"] == 1 and sent.authorization == f"Bearer {KEY}"


def test_check_of_an_unknown_alias_lists_the_valid_ones(gw, run):
    out = run("check", "--model", "kilo/glm-6-free", "--api-base", gw.api_base)
    assert out.returncode == 1
    assert "kilo/glm-5-free" in out.stderr and "Unknown Kilo model alias" in out.stderr
    assert gw.chat_requests == []


def test_check_of_a_retired_alias_names_its_successor(gw, run):
    out = run("check", "--model", "kilo/minimax-m2.1-free", "--api-base", gw.api_base)
    assert out.returncode == 1
    assert "retired (use kilo/kilo-auto/free)" in out.stdout
    assert "ping failed" in out.stderr and "kilo/kilo-auto/free" in out.stderr


def test_chat_streams_a_prompt_from_stdin(gw, run):
    out = run("chat", "--model", "kilo/kilo-auto/free", "--api-base", gw.api_base, stdin="hello\n")
    assert out.returncode == 0, out.stderr
    assert out.stdout == STREAM_TEXT + "\n"
    [sent] = gw.chat_requests
    assert sent.json["messages"] == [{"role": "user", "content": "hello"}]
    assert sent.json["stream"] is True and sent.model == "kilo-auto/free" and sent.authorization is None


def test_chat_takes_the_prompt_from_arguments_with_python_m(gw, run):
    out = run("chat", "say", "hi", "--api-base", gw.api_base, module=True)
    assert out.returncode == 0, out.stderr
    assert gw.chat_requests[-1].json["messages"] == [{"role": "user", "content": "say hi"}]


def test_chat_reports_gateway_errors_without_a_traceback(gw, run):
    out = run("chat", "--model", "kilo/anthropic/claude-sonnet-4.6", "--api-base", gw.api_base, stdin="hi")
    assert out.returncode == 1
    assert "KILO_API_KEY" in out.stderr and "Traceback" not in out.stderr
