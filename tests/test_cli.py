"""The real ``kilo-litellm`` command in a subprocess, against the local gateway emulator."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from conftest import user_env
from gateway_models import make_gateway_model, models_body
from processes import CEILING, starts_a_process

from kilo_litellm.emulator import Reply, bundled_models, gateway_model, recording, sse_payloads, streamed_text
from kilo_litellm.models.listing import parse_models, snapshot_payload

SCRIPT = Path(sys.executable).with_name("kilo-litellm")
KEY = "kilo-cli-secret-key-0123456789"
OFFLINE = "http://127.0.0.1:9/api/gateway"
GPT41 = sse_payloads(recording("stream-openai-gpt41.sse"))
STREAM_TEXT = streamed_text(GPT41)


@starts_a_process
@pytest.fixture
def run(tmp_path):
    env = user_env()
    env["KILO_LITELLM_CACHE_DIR"] = str(tmp_path / "cache")
    env["KILO_LITELLM_CONFIG_DIR"] = str(tmp_path / "config")  # no stored sign-in

    def run(*args: str, stdin: str = "", module: bool = False, **extra_env: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "kilo_litellm"] if module or not SCRIPT.exists() else [str(SCRIPT)]
        return subprocess.run(
            [*command, *args],
            input=stdin,
            capture_output=True,
            text=True,
            env={**env, **extra_env},
            timeout=CEILING,
            check=False,
        )

    return run


def test_models_json_lists_the_gateway_models(gw, run):
    out = run("models", "--json", "--api-base", gw.api_base)
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    served = [r for r in rows if r["status"] == "served"]
    fim_seeds = [r for r in served if r["supports_fim"]]  # served by /fim/completions, not in /models
    assert len(served) == len(parse_models(snapshot_payload())) + len(fim_seeds) and len(fim_seeds) == 2
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


def test_models_without_a_gateway_shows_the_snapshot_with_one_note(run):
    out = run("models", "--api-base", OFFLINE)
    assert out.returncode == 0
    assert "kilo/glm-5-free" in out.stdout
    [note] = out.stderr.splitlines()
    assert note.startswith(f"note: no model list from {OFFLINE} (ConnectError")
    assert "snapshot" in note and "--api-base" in note and "kilo-litellm demo" in note


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


# -- every failure: one line on stderr, exit status 1 ------------------------------------------------


def one_line_error(out: subprocess.CompletedProcess) -> str:
    assert out.returncode == 1, out
    [line] = out.stderr.splitlines()
    assert line.startswith("error: ") and "Traceback" not in line
    return line


def test_demo_with_a_model_without_the_prefix_is_one_line(run):
    line = one_line_error(run("demo", "--model", "bogus"))
    assert "'bogus' is not a Kilo model: served today: kilo/kilo-auto/free," in line
    assert run("demo", "--model", "kilo/bogus").stderr.count("\n") == 1


def test_demo_with_a_retired_or_paid_model_says_to_use_a_free_one(run):
    line = one_line_error(run("demo", "--model", "kilo/glm-5-free"))
    assert "kilo/glm-5-free is retired" in line and "kilo/kilo-auto/free" in line
    assert "is paid" in one_line_error(run("demo", "--model", "kilo/anthropic/claude-sonnet-4.6"))


def test_chat_without_the_kilo_prefix_is_refused_with_a_hint(gw, run):
    line = one_line_error(run("chat", "--model", "glm-5-free", "--api-base", gw.api_base, "hi"))
    assert "did you mean kilo/glm-5-free (retired; use kilo/kilo-auto/free)?" in line and "Huggingface" not in line
    line = one_line_error(run("chat", "--model", "glm-6-free", "--api-base", gw.api_base, "hi"))
    assert "did you mean kilo/glm-5-free (retired; use kilo/kilo-auto/free)? served today: kilo/kilo-auto/free" in line
    line = one_line_error(run("chat", "--model", "kilo-auto/fre", "--api-base", gw.api_base, "hi"))
    assert "did you mean kilo/kilo-auto/free?" in line
    assert gw.requests == []


def test_chat_with_another_providers_model_is_never_sent_there(gw, run):
    """LiteLLM would send ``gpt-4`` to OpenAI: here "OpenAI" is the emulator, which must hear nothing."""
    out = run("chat", "--model", "gpt-4", "hi", OPENAI_API_BASE=gw.url + "/v1", OPENAI_API_KEY="sk-openai-test")
    line = one_line_error(out)
    assert "'gpt-4' is a model of LiteLLM's 'openai' provider" in line and "kilo/<model>" in line
    assert gw.requests == []


def test_an_unreachable_gateway_names_the_url_and_the_fix(run):
    for args in (("chat", "hi"), ("check", "--model", "kilo/kilo-auto/free"), ("check",)):
        out = run("--api-base", OFFLINE, *args)
        line = one_line_error(out)
        assert OFFLINE in line and "--api-base" in line and "kilo-litellm demo" in line, args
        assert "ConnectError" in line


def test_an_api_base_that_is_not_a_url_is_an_error(gw, run):
    line = one_line_error(run("--api-base", "not-a-url", "models"))
    assert "'not-a-url' is not a gateway URL" in line and "https://api.kilo.ai/api/gateway" in line
    assert "KILO_API_BASE: 'api.kilo.ai' is not a gateway URL" in one_line_error(
        run("models", KILO_API_BASE="api.kilo.ai")
    )


def test_check_shows_the_request_it_will_not_send_without_a_key(gw, run):
    out = run("check", "--model", "kilo/anthropic/claude-sonnet-4.6", "--api-base", gw.api_base)
    line = one_line_error(out)
    assert line.startswith("error: not sent: AuthenticationError:") and "KILO_API_KEY" in line
    assert f"POST        {gw.api_base}/chat/completions" in out.stdout
    assert "X-KiloCode-Feature: direct-gateway" in out.stdout and "no Authorization header" in out.stdout
    body = json.loads(out.stdout.split("body: ", 1)[1].splitlines()[0])
    assert body["model"] == "anthropic/claude-sonnet-4.6" and body["max_tokens"] == 1
    assert gw.chat_requests == []


def test_check_sends_a_model_only_the_live_list_has_without_a_key(gw, run):
    """The gateway lists a free model the bundled catalog does not know: ``check`` reads the live list,
    so it is a listed free model and goes out without a key."""
    gw.models = [*bundled_models(), gateway_model("stealth/nightjar-alpha")]
    out = run("check", "--model", "kilo/stealth/nightjar-alpha", "--api-base", gw.api_base)
    assert out.returncode == 0, out.stderr
    assert "gateway id: stealth/nightjar-alpha  (free, listed)" in out.stdout
    assert "no Authorization header" in out.stdout and "ping: OK" in out.stdout
    assert gw.chat_requests[-1].authorization is None


def test_a_rejected_key_is_one_line_without_the_key(gw, run):
    key = "sk-invalid-cli-key-0123456789"
    line = one_line_error(run("chat", "--api-base", gw.api_base, "--api-key", key, "hi"))
    assert "AuthenticationError" in line and key not in line
    assert gw.chat_requests[-1].authorization == f"Bearer {key}"


def test_version(run):
    from importlib.metadata import version

    import kilo_litellm

    out = run("--version")
    assert out.returncode == 0
    assert out.stdout.strip() == f"kilo-litellm {kilo_litellm.__version__} (LiteLLM {version('litellm')})"


def test_every_option_has_help_and_shows_its_default(run):
    from kilo_litellm.cli.commands import build_parser

    parser = build_parser()
    [commands] = [a for a in parser._actions if a.choices and a.dest == "command"]
    assert set(commands.choices) == {
        *("models", "proxy-config", "check", "chat", "demo", "emulator"),
        *("login", "whoami", "logout"),
    }
    for name, sub in commands.choices.items():
        text = " ".join(sub.format_help().split())
        for action in sub._actions:
            assert action.help, (name, action.dest)
            if action.default not in (None, False, "==SUPPRESS==") and action.dest != "help":
                assert f"(default: {action.default})" in text, (name, action.dest)
    shown = " ".join(run("chat", "--help").stdout.split())
    assert "--model MODEL a kilo/<model> id or alias (default: kilo/kilo-auto/free)" in shown
    assert "(default: $KILO_API_BASE, else https://api.kilo.ai/api/gateway)" in shown


# -- kilo-litellm emulator -------------------------------------------------------------------------


@starts_a_process
@pytest.fixture
def start_emulator(tmp_path):
    """``kilo-litellm emulator ...`` in the foreground; returns the process and the api_base it printed."""
    env = user_env()
    env["KILO_LITELLM_CACHE_DIR"] = str(tmp_path / "cache")
    started = []

    def start(*args: str, module: bool = False) -> tuple[subprocess.Popen, str, list[str]]:
        command = [sys.executable, "-m", "kilo_litellm.emulator"] if module else [str(SCRIPT), "emulator"]
        proc = subprocess.Popen([*command, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        started.append(proc)
        lines = []
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("Ctrl-C"):
                break
        [base] = [line.split(": ", 1)[1] for line in lines if line.startswith("api_base: ")]
        return proc, base, lines

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_the_emulator_command_serves_until_stopped(start_emulator, run, stop):
    proc, base, lines = start_emulator("--port", "0")
    assert base.startswith("http://127.0.0.1:") and base.endswith("/api/gateway")
    assert f"  kilo-litellm --api-base {base} models" in lines
    assert f"  export KILO_API_BASE={base}" in lines
    url = base.removesuffix("/api/gateway")
    assert f"  export KILO_API_URL={url}   # its account endpoints: kilo-litellm login, whoami" in lines

    chat = run("chat", "hi", KILO_API_BASE=base)
    assert chat.returncode == 0, chat.stderr
    assert chat.stdout == STREAM_TEXT + "\n"

    proc.send_signal(stop)
    assert proc.wait(timeout=30) == 0
    err = proc.stderr.read()
    assert "Traceback" not in err and err.strip() == "emulator stopped"


@pytest.mark.slow
def test_python_m_emulator_accepts_only_the_keys_it_is_given(start_emulator):
    proc, base, lines = start_emulator("--port", "0", "--key", "sk-one-0123456789", "--key", "sk-two-0123", module=True)
    assert "accepts only the 2 key(s) given with --key" in lines[0]
    assert not any("sk-one" in line or "sk-two" in line for line in lines)
    body = {"model": "kilo-auto/free", "messages": [{"role": "user", "content": "hi"}]}
    for key, status in [("sk-one-0123456789", 200), ("sk-two-0123", 200), ("sk-other-0123456789", 401)]:
        sent = httpx.post(f"{base}/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"})
        assert sent.status_code == status, key
    assert sent.json()["error"]["code"] == "INVALID_TOKEN"
    assert httpx.post(f"{base}/chat/completions", json=body).status_code == 200  # no key: anonymous, free model
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 0


def test_the_emulator_on_a_taken_port_is_one_line(start_emulator, run):
    _, base, _ = start_emulator("--port", "0")
    port = base.split(":")[2].split("/")[0]
    line = one_line_error(run("emulator", "--port", port))
    assert f"cannot listen on 127.0.0.1:{port}" in line and "--port 0" in line


def test_emulator_fail_refuses_one_model_so_litellm_raises_and_a_router_falls_back(start_emulator):
    import litellm

    import kilo_litellm
    from kilo_litellm.proxy.router import free_chain

    first, second = (e.gateway_id for e in free_chain()[:2])
    proc, base, lines = start_emulator("--port", "0", "--fail", f"kilo/{first}=429", "--fail", "vendor/other=503")
    assert (
        f"Refuses every chat request for: {first} (429), vendor/other (503); every other model answers normally."
        in (lines)
    )
    messages = [{"role": "user", "content": "hi"}]
    for stream in (False, True):
        with pytest.raises(litellm.RateLimitError, match="Model usage limit reached"):
            litellm.completion(model=f"kilo/{first}", messages=messages, api_base=base, stream=stream, num_retries=0)
    with pytest.raises(litellm.ServiceUnavailableError):
        litellm.completion(model="kilo/vendor/other", messages=messages, api_base=base, api_key=KEY, num_retries=0)

    answer = kilo_litellm.free_router(api_base=base).completion(model=first, messages=messages)
    assert answer.model == f"kilo/{second}" and answer.choices[0].message.content
    assert answer._hidden_params["additional_headers"]["x-litellm-attempted-fallbacks"] == 1
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("kilo-auto/free", "error: --fail 'kilo-auto/free': expected MODEL=STATUS, for example kilo-auto/free=429"),
        (
            "kilo-auto/free=418",
            "error: --fail 'kilo-auto/free=418': the status must be one of 401, 402, 404, 429, 500, 503",
        ),
    ],
)
@pytest.mark.parametrize("module", [False, True], ids=["kilo-litellm", "python-m"])
def test_a_bad_emulator_fail_value_is_one_line(run, value, message, module):
    if module:
        command = [sys.executable, "-m", "kilo_litellm.emulator", "--port", "0", "--fail", value]
        out = subprocess.run(command, capture_output=True, text=True, timeout=CEILING, check=False)
    else:
        out = run("emulator", "--port", "0", "--fail", value)
    assert one_line_error(out) == message
    assert out.stdout == ""


def test_main_in_process_gives_the_callers_logging_back(gw, capsys):
    """A program (or test) that runs ``cli.main`` keeps its own log records and LiteLLM settings."""
    import logging

    import litellm

    from kilo_litellm.cli import commands as cli

    kilo, litellm_logger = logging.getLogger("kilo_litellm"), logging.getLogger("LiteLLM")
    before = (list(kilo.filters), litellm_logger.level, litellm.suppress_debug_info)
    assert cli.main(["--api-base", gw.api_base, "models"]) == 0
    assert cli.main(["--api-base", "http://127.0.0.1:9/api/gateway", "models"]) == 0
    assert (list(kilo.filters), litellm_logger.level, litellm.suppress_debug_info) == before
