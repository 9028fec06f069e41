"""Every fenced code block of ``README.md``, run (or, where it cannot run offline, checked).

One test per block, its id naming the heading the block sits under (``test_block[usage-python]``),
and ``test_every_block_has_a_test`` fails when a block is added without one. How each kind is
proved:

* python: every block runs as pasted, as a standalone script (a subprocess of this Python, cwd a
  temporary folder, ``KILO_API_BASE`` at a gateway emulator of its own, no other ``KILO_*``), and
  must exit 0; then its check asserts what the emulator received and what the block printed. An
  HTML comment ``<!-- readme-test: MARKER -->`` on the line before a block states what it needs
  beyond that, and few blocks have one: ``needs-key`` runs with ``KILO_API_KEY`` set to a test key,
  ``needs-proxy`` against one real LiteLLM proxy started from the shipped ``litellm_config.yaml``
  (plus the README's embedding deployment) with its URL in place of ``127.0.0.1:4000``, ``live``
  is not run (it needs the live gateway).
* bash: ``kilo-litellm ...`` lines run in-process through the command's entry point
  (``kilo_litellm.cli:main``; ``test_cli.py`` runs the installed script) and ``python scripts/...``
  lines through ``runpy`` with their offline variant, against the emulator; the wheel line builds the
  wheel. What cannot run here is checked against what does: ``pip install`` lines and the clone URL
  against ``pyproject.toml``, the ``litellm
  --config`` line against how ``proxy_helpers.run_proxy`` starts the proxy, the "Set up and run"
  test command against ``.ci/run``, the benchmark line against its ``--help``, the Claude Code lines
  against what ``test_agents.py`` runs (it needs the CLIs from npm).
* toml/yaml: parsed; the Codex config is the one ``test_agents.py`` gives Codex, the deployment
  snippets are run in a ``Router`` and the proxy.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import runpy
import shlex
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import litellm
import pytest
import tomllib
import yaml
from proxy_helpers import (
    ROOT,
    SHIPPED_CONFIG,
    ProxyStartError,
    litellm_command,
    proxy_command,
    run_proxy,
    write_config,
)
from readme_blocks import AGENTS_SECTION, block_id, blocks, claude_env, codex_config, find

from kilo_litellm.cli import commands as cli
from kilo_litellm.emulator import GatewayEmulator, Reply, recording, sse_payloads
from kilo_litellm.models import catalog, discovery
from kilo_litellm.proxy import free_budget, proxy_config
from kilo_litellm.proxy.router import free_chain

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
README_PROXY = "http://127.0.0.1:4000"
PROXY_KEY = "sk-test-readme-0123456789"
README_KEY = "sk-test-readme-key-9876543210"  # KILO_API_KEY for ``needs-key`` blocks; the emulator accepts it
MESSAGES = [{"role": "user", "content": "hello"}]
MARKERS = {"needs-key", "needs-proxy", "live"}
STREAM_TEXT = "".join(
    (c["choices"][0]["delta"].get("content") or "")
    for c in sse_payloads(recording("stream-openai-gpt41.sse"))
    if c.get("choices")
)
REASONING_RECORDING = "stream-grok-reasoning.sse"
_REASONING_DELTAS = [c["choices"][0]["delta"] for c in sse_payloads(recording(REASONING_RECORDING)) if c.get("choices")]
REASONING_TEXT = "".join(d.get("reasoning") or "" for d in _REASONING_DELTAS)
REASONING_ANSWER = "".join(d.get("content") or "" for d in _REASONING_DELTAS)
FREE = "kilo-auto/free"
PLAIN_TEXT = json.loads(recording("nonstream-anthropic-whitespace-prefix.json"))["choices"][0]["message"]["content"]

COVERED: list[tuple[str, str, int]] = []


def readme_block(heading: str, language: str, index: int = 0):
    """Parametrize a test with the README block ``(heading, language, index)``, named after it."""
    key = (heading, language, index)
    COVERED.append(key)
    return pytest.mark.parametrize("block", [key], ids=[block_id(*key)], indirect=True)


@pytest.fixture
def block(request):
    return find(*request.param)


@pytest.fixture(autouse=True)
def bundled_state(monkeypatch, tmp_path):
    """A throwaway model cache and a fresh default discovery; the bundled catalog and LiteLLM's
    logging settings afterwards (the CLI quietens LiteLLM for its own process)."""
    monkeypatch.setenv("KILO_LITELLM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(discovery, "_default", None)
    monkeypatch.setattr(litellm, "suppress_debug_info", litellm.suppress_debug_info)
    level = logging.getLogger("LiteLLM").level
    yield
    logging.getLogger("LiteLLM").setLevel(level)
    catalog.install(None)
    litellm.register_model(catalog.model_cost_map())


@pytest.fixture
def at_emulator(gw, monkeypatch):
    """The emulator, with ``KILO_API_BASE`` pointing at it as a user offline would set it."""
    monkeypatch.setenv("KILO_API_BASE", gw.api_base)
    return gw


def run_block(block, cwd: Path, text: str | None = None, **env: str) -> str:
    """``block`` as a standalone script: this Python, ``cwd`` as working folder, no ``KILO_*`` but ``env``.

    Its stdout; a failure shows the block's line in the README and its traceback.
    """
    script = cwd / "readme_block.py"
    script.write_text(text or block.text, encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KILO_", "LITELLM_MASTER"))}
    clean.update(KILO_LITELLM_CACHE_DIR=str(cwd / "cache"), LITELLM_LOCAL_MODEL_COST_MAP="True", **env)
    done = subprocess.run(
        [sys.executable, script.name], cwd=cwd, env=clean, capture_output=True, text=True, timeout=90, check=False
    )
    assert done.returncode == 0, f"README.md block at line {block.line} ({block.heading}) failed:\n{done.stderr}"
    return done.stdout


def sent(gw) -> list[tuple[str | None, str | None]]:
    return [(r.model, r.authorization) for r in gw.chat_requests]


def pip_requirements(command: str) -> list[str]:
    argv = shlex.split(command)
    assert argv[0].endswith("pip") and argv[1] == "install", command
    return [a for a in argv[2:] if not a.startswith("-")]


def check_requirement(requirement: str) -> None:
    """``kilo-litellm[proxy]`` or ``.[proxy]``: this project, with extras it declares."""
    name, _, extras = requirement.partition("[")
    assert name in {".", PYPROJECT["project"]["name"]}, requirement
    for extra in filter(None, extras.rstrip("]").split(",")):
        assert extra in PYPROJECT["project"]["optional-dependencies"], requirement


def exports(block) -> dict[str, str]:
    return dict(re.findall(r"^export (\w+)=(.*?)(?:\s+#.*)?$", block.text, flags=re.M))


def check_proxy_start(block) -> None:
    """The proxy start lines: the master key form, offline mode, and the command ``run_proxy`` runs."""
    env = exports(block)
    key = subprocess.run(["bash", "-c", f"echo {env['LITELLM_MASTER_KEY']}"], capture_output=True, text=True)
    assert re.fullmatch(r"sk-[0-9a-f]{32}\n", key.stdout), key
    assert env["LITELLM_OFFLINE_MODE"] == "true"  # what run_proxy sets
    [start] = [c for c in block.commands if c.startswith("litellm ")]
    argv = shlex.split(start)
    config, port = Path(argv[argv.index("--config") + 1]), int(argv[argv.index("--port") + 1])
    assert config.name == SHIPPED_CONFIG.name and (ROOT / config).is_file()
    assert argv == ["litellm", *proxy_command(config, port)[len(litellm_command()) :]]


# -- one proxy for the module: the shipped config plus the README's embedding deployment ----------


@pytest.fixture(scope="module")
def proxy(gateway, tmp_path_factory):
    config = yaml.safe_load(SHIPPED_CONFIG.read_text())
    config["model_list"] += yaml.safe_load(find("Embeddings", "yaml").text)
    workdir = tmp_path_factory.mktemp("readme-proxy")
    env = {"KILO_API_BASE": gateway.api_base, "KILO_API_KEY": PROXY_KEY}
    try:
        with run_proxy(write_config(config, workdir), workdir, env) as running:
            yield running
    except ProxyStartError as exc:
        pytest.fail(str(exc))


# -- the blocks, in README order --------------------------------------------------------------------


@readme_block("Set up and run", "bash")
def test_set_up_and_run(block, tmp_path):
    demo, tests = block.commands
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line and not line.startswith("#")]
    assert ci[-1] == tests, "the README's test command is not what .ci/run runs"
    venv, install, run = demo.split(" && ")
    assert venv == tests.split(" && ")[0]
    check_requirement(pip_requirements(install)[0])
    assert run == ".venv/bin/kilo-litellm demo"
    script = Path(sys.executable).with_name("kilo-litellm")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "kilo_litellm"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("KILO_")}
    env["KILO_LITELLM_CACHE_DIR"] = str(tmp_path)
    done = subprocess.run([*command, "demo"], capture_output=True, text=True, env=env, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    [summary] = [line for line in done.stdout.splitlines() if line.startswith("Done:")]
    assert "Try next" in done.stdout.split(summary)[1]
    promised = re.search(r"offline demo \((.*?) through LiteLLM", " ".join(block.text.replace("#", "").split()))
    for item in re.split(r", | and ", promised.group(1)):
        assert item in summary, (item, summary)


@readme_block("Install", "bash")
def test_install(block):
    """From a clone: the project's own URL, the "Set up and run" venv, then the venv activated."""
    clone, install, activate = block.commands
    source = PYPROJECT["project"]["urls"]["Source"]
    assert clone == f"git clone {source}.git && cd {source.rsplit('/', 1)[1]}"
    venv, pip = install.split(" && ")
    assert venv == find("Set up and run", "bash").commands[0].split(" && ")[0]
    assert pip == ".venv/bin/pip install -e ."
    check_requirement(pip_requirements(pip)[0])
    assert activate == "source .venv/bin/activate" and (Path(sys.prefix) / "bin" / "activate").is_file()


@readme_block("Install", "bash", 1)
def test_install_from_a_wheel(block, tmp_path):
    """The wheel line, run on a copy of the sources: the wheel the next line installs, with the
    bundled data, the recordings, the licence and the command in it."""
    build, install = block.commands
    argv = shlex.split(build)
    assert argv[:2] == ["pip", "wheel"] and argv[-1] == "."
    sources = tmp_path / "src"
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        (sources / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, sources / name)
    shutil.copytree(ROOT / "kilo_litellm", sources / "kilo_litellm", ignore=shutil.ignore_patterns("__pycache__"))
    done = subprocess.run(
        [sys.executable, "-m", *argv], cwd=sources, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    [requirement] = pip_requirements(install)
    wheel_path, _, extras = requirement.partition("[")
    check_requirement(f"{PYPROJECT['project']['name']}[{extras}" if extras else PYPROJECT["project"]["name"])
    [built] = (sources / "dist").glob("*.whl")
    assert built.relative_to(sources).as_posix() == wheel_path
    with zipfile.ZipFile(built) as wheel:
        names = set(wheel.namelist())
        dist_info = f"kilo_litellm-{PYPROJECT['project']['version']}.dist-info"
        entry_points = wheel.read(f"{dist_info}/entry_points.txt").decode()
    bundled = {
        p.relative_to(ROOT).as_posix()
        for folder in ("data", "emulator/recordings")
        for p in (ROOT / "kilo_litellm" / folder).iterdir()
        if p.is_file()
    }
    assert bundled <= names, bundled - names
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "kilo_litellm").rglob("*.py")}
    assert modules <= names, modules - names
    assert any(n.startswith(f"{dist_info}/") and n.endswith("LICENSE") for n in names), sorted(names)
    assert "kilo-litellm = kilo_litellm.cli:main" in entry_points


def recording_snapshot() -> str:
    return (ROOT / "kilo_litellm" / "data" / "models-snapshot.json").read_text()


@readme_block("Reasoning parameters", "yaml")
def test_reasoning_parameters_deployment(block, gw):
    params = yaml.safe_load(block.text)
    deployment = {"model": "kilo/kilo-auto/free", "api_base": gw.api_base, **params}
    router = litellm.Router(model_list=[{"model_name": FREE, "litellm_params": deployment}])
    router.completion(model=FREE, messages=MESSAGES, thinking={"type": "enabled", "budget_tokens": 2048}, user="u-1")
    router.completion(model=FREE, messages=MESSAGES, reasoning_effort="low")
    thinking, effort = (r.json for r in gw.chat_requests)
    assert (thinking["reasoning"], thinking["user"]) == ({"max_tokens": 2048}, "u-1")
    assert effort["reasoning"] == {"effort": "low"}


@readme_block("Embeddings", "yaml")
def test_embedding_deployment_in_the_proxy(block, proxy, gw):
    """The proxy fixture runs with this deployment added; the openai client asks for base64 by default."""
    import openai

    [deployment] = yaml.safe_load(block.text)
    assert deployment["litellm_params"]["api_key"] == "os.environ/KILO_API_KEY"
    client = openai.OpenAI(base_url=f"{proxy.base}/v1", api_key=proxy.master_key, max_retries=0, timeout=30)
    resp = client.embeddings.create(model=deployment["model_name"], input=["a", "b"])
    assert len(resp.data) == 2 and len(resp.data[0].embedding) > 0
    [request] = gw.embedding_requests
    assert request.model == "openai/text-embedding-3-small" and "encoding_format" not in request.json
    assert request.authorization == f"Bearer {PROXY_KEY}"


@readme_block("Proxy", "bash")
def test_proxy_start(block):
    check_requirement(pip_requirements(next(c for c in block.commands if "pip install" in c))[0])
    check_proxy_start(block)
    assert exports(block)["KILO_API_KEY"] == "..."  # the proxy fixture sets a key, as this line does


def _replica_config_line(line: str, monkeypatch, capsys, tmp_path) -> tuple[dict, str]:
    """A README ``kilo-litellm proxy-config --redis ...`` line, run in ``tmp_path``: the config it
    wrote (the same as ``proxy_config.render`` with those options) and the file it wrote to."""
    from kilo_litellm.proxy import proxy_config

    argv = shlex.split(line)
    written = argv[argv.index("-o") + 1]
    monkeypatch.chdir(tmp_path)
    (tmp_path / written).parent.mkdir(parents=True, exist_ok=True)
    code, _, err = run_cli(line, monkeypatch, capsys)
    assert code == 0, err
    text = (tmp_path / written).read_text()
    redis = proxy_config.parse_redis(argv[argv.index("--redis") + 1])
    assert text == proxy_config.render(redis, cache="--cache" in argv, free_cooldowns="--free-cooldowns" in argv)
    config = yaml.safe_load(text)
    assert (config["router_settings"]["redis_host"], config["router_settings"]["redis_port"]) == redis
    assert config["litellm_settings"]["cache_params"]["type"] == "redis"
    assert config["model_list"][0]["model_info"]["allowed_fails_policy"] == {"RateLimitErrorAllowedFails": 0}
    return config, written


@readme_block("Two replicas on one Redis", "bash")
def test_two_replicas(block, monkeypatch, capsys, tmp_path):
    """The Redis line starts ``redis-server`` as ``tests/redis_server.py`` does; the config line
    runs; the two ``litellm`` lines start what ``test_replicas.py`` starts, on ports 4000 and 4001."""
    redis_line, config_line, *rest = block.commands
    assert shlex.split(redis_line) == ["redis-server", "--port", "6379", "--save", "", "--appendonly", "no", "&"]
    _, written = _replica_config_line(config_line, monkeypatch, capsys, tmp_path)
    assert exports(block)["LITELLM_OFFLINE_MODE"] == "true"
    key = subprocess.run(["bash", "-c", f"echo {exports(block)['LITELLM_MASTER_KEY']}"], capture_output=True, text=True)
    assert re.fullmatch(r"sk-[0-9a-f]{32}\n", key.stdout)
    starts = [shlex.split(c) for c in rest if c.startswith("litellm ")]
    assert [argv[-1] for argv in starts] == ["&", "&"]
    expected = [["litellm", *proxy_command(Path(written), port)[len(litellm_command()) :]] for port in (4000, 4001)]
    assert [argv[:-1] for argv in starts] == expected


@readme_block("Two replicas on one Redis", "bash", 1)
def test_two_replicas_compose(block, monkeypatch, capsys, tmp_path):
    """``deploy/compose.yaml`` as far as it can be checked without Docker: it parses, mounts the file
    the README's command writes, names the Redis service the config points at, and starts
    ``litellm`` as ``run_proxy`` does, on ports 4000 and 4001."""
    config_line, up_line = block.commands
    config, written = _replica_config_line(config_line, monkeypatch, capsys, tmp_path)
    compose_file = ROOT / "deploy" / "compose.yaml"
    assert shlex.split(up_line) == [
        "LITELLM_MASTER_KEY=sk-...",
        "REDIS_PASSWORD=...",
        "docker",
        "compose",
        "-f",
        "deploy/compose.yaml",
        "up",
    ]
    services = yaml.safe_load(compose_file.read_text())["services"]
    assert set(services) == {"redis", "litellm-a", "litellm-b"}
    assert config["router_settings"]["redis_host"] == "redis"
    assert "--requirepass" in services["redis"]["command"]
    ports = []
    for name in ("litellm-a", "litellm-b"):
        replica = services[name]
        [volume] = replica["volumes"]
        source, target, mode = volume.split(":")
        assert (compose_file.parent / source).resolve() == (ROOT / written).resolve() and mode == "ro"
        shell = replica["command"][-1]
        install, start = shell.split(" && ")
        check_requirement(pip_requirements(install)[0])
        argv = shlex.split(start.removeprefix("exec "))
        assert proxy_command(Path(target), 4000)[len(litellm_command()) :] == [
            *("--config", target, "--host", "127.0.0.1", "--port", "4000")
        ]
        assert argv == ["litellm", "--config", target, "--host", "0.0.0.0", "--port", "4000"]
        assert {"LITELLM_MASTER_KEY", "REDIS_PASSWORD", "KILO_API_KEY"} <= set(replica["environment"])
        assert replica["environment"]["LITELLM_OFFLINE_MODE"] == "true"
        assert replica["depends_on"] == ["redis"]
        ports += replica["ports"]
    assert ports == ["4000:4000", "4001:4000"]


@readme_block("Free-tier budget", "bash")
def test_free_budget_setup(block, monkeypatch, capsys, tmp_path):
    """The config line runs; the exported budgets parse, and the guard has none unless they are set."""
    monkeypatch.chdir(tmp_path)
    [line] = [c for c in block.commands if c.startswith("kilo-litellm ")]
    code, _, err = run_cli(line, monkeypatch, capsys)
    assert code == 0, err
    argv = shlex.split(line)
    redis = proxy_config.parse_redis(argv[argv.index("--redis") + 1])
    written = (tmp_path / argv[argv.index("-o") + 1]).read_text()
    assert written == proxy_config.render(redis, free_cooldowns=True, free_budget=True)
    assert yaml.safe_load(written)["litellm_settings"]["callbacks"] == [proxy_config.GUARD_CALLBACK]
    env = exports(block)
    assert free_budget.Limits.from_env(env) == free_budget.Limits(per_model=free_budget.Budget(500, 3600))
    assert free_budget.Limits() == free_budget.Limits.from_env({}) == free_budget.Limits(None, None)
    assert set(env) == {free_budget.ENV_PER_MODEL, free_budget.ENV_ANONYMOUS}


@readme_block("Free-tier budget", "yaml")
def test_free_budget_config_line(block):
    """The line ``--free-budget`` adds (``test_replicas_budget.py`` runs it in two real proxies)."""
    added = proxy_config.with_free_budget(proxy_config.config())["litellm_settings"]["callbacks"]
    assert yaml.safe_load(block.text) == {"litellm_settings": {"callbacks": added}}


@readme_block(AGENTS_SECTION, "bash")
def test_agents_proxy_start(block):
    check_proxy_start(block)


@readme_block(AGENTS_SECTION, "bash", 1)
def test_claude_code_settings(block):
    """``test_agents.py`` runs Claude Code with these variables (``readme_blocks.claude_env``)."""
    env = claude_env()
    assert env == exports(block)
    assert env["ANTHROPIC_BASE_URL"] == README_PROXY
    assert env["ANTHROPIC_AUTH_TOKEN"] == "$LITELLM_MASTER_KEY"
    assert env["ANTHROPIC_MODEL"] == env["ANTHROPIC_SMALL_FAST_MODEL"] == env["ANTHROPIC_DEFAULT_HAIKU_MODEL"] == FREE
    assert env["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] == env["DISABLE_TELEMETRY"] == "1"
    assert shlex.split(block.commands[-1]) == ["claude", "-p", "say hello", "--output-format", "json"]


@readme_block(AGENTS_SECTION, "toml")
def test_codex_config(block):
    """``test_agents.py`` gives Codex this file (``readme_blocks.codex_config``), the proxy's URL swapped in."""
    assert codex_config() == block.text
    config = tomllib.loads(block.text)
    provider = config["model_providers"][config["model_provider"]]
    assert config["model"] == FREE
    assert provider["base_url"] == f"{README_PROXY}/v1"
    assert (provider["env_key"], provider["wire_api"]) == ("LITELLM_MASTER_KEY", "responses")
    assert config["analytics"]["enabled"] is False
    assert 'codex exec --skip-git-repo-check "say hello"' in (ROOT / "README.md").read_text()


# -- the command line -------------------------------------------------------------------------------


def run_cli(line: str, monkeypatch, capsys) -> tuple[int, str, str]:
    """One README command line through ``kilo-litellm``'s entry point; ``echo X |`` becomes its stdin."""
    stdin = ""
    piped = re.fullmatch(r"echo (\S+) \| (.*)", line)
    if piped:
        stdin, line = piped.group(1) + "\n", piped.group(2)
    argv = shlex.split(os.path.expandvars(line))
    assert argv[0] == "kilo-litellm" and PYPROJECT["project"]["scripts"]["kilo-litellm"] == "kilo_litellm.cli:main"
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    capsys.readouterr()
    code = cli.main(argv[1:])
    out, err = capsys.readouterr()
    return code, out, err


def check_cli(line: str, gw, monkeypatch, capsys) -> None:
    gw.reset()
    if "--reasoning" in line:
        gw.script(Reply(recording=REASONING_RECORDING, stream=True))  # kilo-auto/free routed to a reasoning model
    code, out, err = run_cli(line, monkeypatch, capsys)
    assert code == 0, (line, err)
    argv = shlex.split(line.split("|")[-1])
    command, flags = argv[1], set(argv[2:])
    if command == "demo":
        assert "\nDone: " in out and "\nTry next" in out
    elif command == "models":
        table = out.split("Seed aliases", 1)[0]
        rows = [row for row in table.splitlines() if row.startswith("kilo/")]
        assert rows[0].startswith("kilo/kilo-auto/free ") and "may-train" in out
        if "--free" in flags:
            assert all(" yes " in row for row in rows) and "claude-sonnet" not in table
        else:
            assert any(row.startswith("kilo/anthropic/claude-sonnet-4.6 ") for row in rows)
            assert "retired -> kilo/kilo-auto/free" in out
    elif command == "proxy-config":
        written = Path(argv[argv.index("-o") + 1])
        assert written.read_text() == SHIPPED_CONFIG.read_text()
    elif command == "check" and "--model" in flags:
        assert f"{gw.api_base}/chat/completions" in out and '"model": "kilo-auto/free"' in out
        assert [r.model for r in gw.chat_requests] == [FREE]
    elif command == "check":
        report = json.loads(out) if "--json" in flags else None
        assert report or "kilo-auto/free" in out
        assert {r.path for r in gw.requests} >= {"/api/gateway/models", "/api/gateway/chat/completions"}
        assert "sk-test-readme" not in out + err
    elif command == "chat":
        [request] = gw.chat_requests
        if "--reasoning" in flags:
            assert request.json["messages"] == [{"role": "user", "content": "why is the sky blue?"}]
            assert (err, out) == (REASONING_TEXT, REASONING_ANSWER + "\n")
        else:
            assert request.json["messages"] == [{"role": "user", "content": "hello"}]
            assert out == STREAM_TEXT + "\n"
    else:
        pytest.fail(f"no check for {line!r}")


@readme_block("Command line", "bash")
def test_command_line(block, at_emulator, monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)
    for line in block.commands:
        check_cli(line, at_emulator, monkeypatch, capsys)


@readme_block("Drift: checking the live gateway", "bash")
def test_drift(block, at_emulator, monkeypatch, capsys):
    monkeypatch.setenv("KILO_API_KEY", "sk-test-readme-drift-key")
    for line in block.commands:
        check_cli(line, at_emulator, monkeypatch, capsys)


@readme_block("Drift: checking the live gateway", "bash", 1)
def test_live_suite_smoke(block, gw):
    """The live suite, pointed at the emulator: the smoke test of the suite the README describes."""
    [line] = block.commands
    assignments, python, rest = re.fullmatch(r"((?:\w+=\S+ )*)(\S+) (.*)", line).groups()
    assert python == ".venv/bin/python"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KILO_")}
    env.update(dict(a.split("=", 1) for a in assignments.split()), KILO_API_BASE=gw.api_base)
    done = subprocess.run(
        [sys.executable, *shlex.split(rest), "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert re.search(r"\d+ passed", done.stdout) and "failed" not in done.stdout


# -- python: every block run as pasted, then checked ------------------------------------------------

PYTHON_CHECKS: dict[tuple[str, str, int], Callable[[str, GatewayEmulator], None]] = {}
PYTHON_BLOCKS = [b.key for b in blocks() if b.language == "python"]
COVERED.extend(PYTHON_BLOCKS)


def python_check(heading: str, index: int = 0):
    """Register what the Python block ``(heading, index)`` must have sent and printed."""

    def register(check):
        PYTHON_CHECKS[(heading, "python", index)] = check
        return check

    return register


@pytest.mark.parametrize("key", PYTHON_BLOCKS, ids=[block_id(*k) for k in PYTHON_BLOCKS])
def test_python_block_runs_as_pasted(key, request, tmp_path):
    block = find(*key)
    assert block.marker in MARKERS | {None}, f"unknown readme-test marker {block.marker!r} at line {block.line}"
    if block.marker == "live":
        pytest.skip("needs the live gateway")
    if block.marker == "needs-proxy":
        proxy, gw = request.getfixturevalue("proxy"), request.getfixturevalue("gw")
        assert block.text.count(README_PROXY) == 1
        out = run_block(
            block, tmp_path, block.text.replace(README_PROXY, proxy.base), LITELLM_MASTER_KEY=proxy.master_key
        )
        PYTHON_CHECKS[key](out, gw)
        return
    key_env = {"KILO_API_KEY": README_KEY} if block.marker == "needs-key" else {}
    with GatewayEmulator() as gw:
        out = run_block(block, tmp_path, KILO_API_BASE=gw.api_base, **key_env)
        PYTHON_CHECKS[key](out, gw)


def test_every_python_block_has_a_check_and_few_are_marked():
    assert sorted(PYTHON_CHECKS) == sorted(PYTHON_BLOCKS)
    marked = [b for b in blocks() if b.marker]
    assert all(b.language == "python" for b in marked), [(b.heading, b.language) for b in marked]
    assert len(marked) * 3 <= len(PYTHON_BLOCKS), "most README Python blocks must run with nothing but the emulator"


@python_check("kilo-litellm")
def check_intro(out, gw):
    [request] = gw.chat_requests
    assert (request.model, request.authorization) == (FREE, None)
    assert request.json["messages"] == [{"role": "user", "content": "hello"}]
    assert out == PLAIN_TEXT + "\n"


@python_check("Live model list")
def check_live_model_list(out, gw):
    assert [r.path for r in gw.requests] == ["/api/gateway/models"]
    listed = next(m for m in json.loads(recording_snapshot())["data"] if m["id"] == "anthropic/claude-opus-4.6")
    source, context, price = out.split("\n")[0], *out.split("\n")[1].split()
    assert source == "live None"
    assert int(context) == listed["context_length"] and float(price) == float(listed["pricing"]["prompt"])


@python_check("Usage")
def check_usage(out, gw):
    assert sent(gw) == [(FREE, None), ("stepfun/step-3.7-flash:free", None)]
    assert gw.chat_requests[0].json["stream"] is True
    assert out == f"{STREAM_TEXT}\n{PLAIN_TEXT}\n"


@python_check("Usage", 1)
def check_usage_with_a_key(out, gw):
    assert sent(gw) == [("anthropic/claude-sonnet-4.6", f"Bearer {README_KEY}")]
    hidden, computed = out.split()
    assert float(hidden) == pytest.approx(float(computed)) and float(hidden) > 0


@python_check("Tools, reasoning, structured output, vision")
def check_tools_reasoning_structured_output(out, gw):
    tools, effort, allowed, structured = (r.json for r in gw.chat_requests)
    assert tools["tools"][0]["function"]["name"] == "search_files" and tools["tool_choice"] == "auto"
    assert "name='search_files'" in out and REASONING_TEXT.strip() in out
    assert effort["reasoning"] == allowed["reasoning"] == {"effort": "high"}
    assert structured["response_format"] == {"type": "json_object"}
    answered = structured["messages"][-2]
    assert answered["role"] == "assistant" and answered["reasoning_details"]  # sent back on the next turn


@python_check("Reasoning parameters")
def check_reasoning_parameters(out, gw):
    [request] = gw.chat_requests
    assert request.json["reasoning"] == {"effort": "high"}


@python_check("Embeddings")
def check_embeddings(out, gw):
    [free] = gw.embedding_requests
    assert (free.model, free.authorization) == ("nvidia/llama-nemotron-embed-vl-1b-v2:free", None)
    assert gw.requests[-1].path == "/api/gateway/embedding-models"
    size, tokens = map(int, out.split())
    assert size > 0 and tokens > 0


@python_check("Embeddings", 1)
def check_paid_embeddings(out, gw):
    [paid] = gw.embedding_requests
    assert (paid.model, paid.authorization, paid.json["input"]) == (
        "openai/text-embedding-3-small",
        f"Bearer {README_KEY}",
        ["a", "b"],
    )
    size, tokens, cost = out.split()
    assert int(size) > 0 and int(tokens) > 0 and float(cost) > 0


@python_check("Router")
def check_router(out, gw):
    assert out == STREAM_TEXT
    first = free_chain()[0].gateway_id
    assert [r.model for r in gw.chat_requests] == [first, first]
    assert gw.chat_requests[0].json["reasoning"] == {"effort": "low"}


@python_check("Proxy")
def check_proxy_client(out, gw):
    assert sent(gw) == [(FREE, f"Bearer {PROXY_KEY}"), ("anthropic/claude-sonnet-4.6", f"Bearer {PROXY_KEY}")]
    assert out == PLAIN_TEXT + "\n"


@python_check("Local gateway emulator")
def check_local_gateway_emulator(out, gw):
    """The block starts an emulator of its own: the test's saw nothing."""
    assert out == "kilo-auto/free\nNone\n429\n"
    assert gw.requests == []


# -- scripts --------------------------------------------------------------------------------------


def run_script(line: str, monkeypatch, capsys, script: Path | None = None, extra: tuple[str, ...] = ()) -> str:
    """``python scripts/X.py ARGS`` in-process (``runpy``), from ``script`` when given; its stdout."""
    argv = shlex.split(line)
    assert argv[0] == "python" and argv[1].startswith("scripts/"), line
    path = script or ROOT / argv[1]
    monkeypatch.setattr(sys, "argv", [str(path), *argv[2:], *extra])
    capsys.readouterr()
    with pytest.raises(SystemExit) as done:
        runpy.run_path(str(path), run_name="__main__")
    out, err = capsys.readouterr()
    assert done.value.code in (0, None), err
    return out


@readme_block("Cassettes", "bash")
def test_cassettes(block, monkeypatch, capsys, tmp_path):
    """Offline: rebuilt in a copy of the layout, byte for byte the committed ones (so re-recording
    leaves ``git status`` clean). ``--live`` needs network: only that the script takes it."""
    offline, live = block.commands
    (tmp_path / "scripts").mkdir()
    script = shutil.copy(ROOT / shlex.split(offline)[1], tmp_path / "scripts")
    monkeypatch.chdir(tmp_path)
    out = run_script(offline, monkeypatch, capsys, script=Path(script))
    committed = sorted((ROOT / "cassettes").glob("*.yaml"))
    assert sorted(p.name for p in (tmp_path / "cassettes").glob("*.yaml")) == [p.name for p in committed]
    assert out.count("wrote cassettes/") == len(committed)
    for path in committed:
        assert (tmp_path / "cassettes" / path.name).read_bytes() == path.read_bytes(), path.name
    assert shlex.split(live)[2] == "--live"
    assert "--live" in run_script(offline, monkeypatch, capsys, script=Path(script), extra=("--help",))


@readme_block("Refreshing the bundled model snapshot", "bash")
def test_refresh_snapshot(block, at_emulator, monkeypatch, capsys, tmp_path):
    """Against the emulator (which serves the snapshot), so nothing changes; the rewrite goes to a
    temporary ``--output`` instead of the bundled file."""
    check, rewrite = block.commands
    snapshot = json.loads(recording_snapshot())
    out = run_script(check, monkeypatch, capsys)
    assert f"{len(snapshot['data'])} models (0 new, 0 gone) from {at_emulator.api_base}/models" in out
    target = tmp_path / "snapshot.json"
    out = run_script(rewrite, monkeypatch, capsys, extra=("--output", str(target)))
    assert f"wrote {target}" in out
    assert json.loads(target.read_text())["data"] == snapshot["data"]


@readme_block("Benchmarks", "bash")
def test_benchmarks(block):
    """The quick run takes a minute or two, too long here: only that the command takes ``--quick``."""
    [line] = block.commands
    argv = shlex.split(line)
    assert argv[:2] == [".venv/bin/python", "bench/run.py"] and argv[2:] == ["--quick"]
    shown = subprocess.run([sys.executable, argv[1], "--help"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "--quick" in shown.stdout


def test_links_and_project_urls():
    """Every relative link in the README names a file of the repository; the bug-report link is the
    project's Issues URL."""
    text = (ROOT / "README.md").read_text()
    targets = re.findall(r"\]\((?!https?://|#)([^)\s]+)\)", text)
    assert {"CONTRIBUTING.md", "CHANGELOG.md", "LICENSE"} <= set(targets)
    for target in targets:
        path, _, anchor = target.partition("#")
        assert (ROOT / path).exists(), target
        if anchor:
            headings = re.findall(r"^#+ (.+)$", (ROOT / path).read_text(), flags=re.M)
            slugs = {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}
            assert anchor in slugs, target
    urls = PYPROJECT["project"]["urls"]
    assert f"<{urls['Issues']}>" in text
    assert urls["Changelog"].endswith("/CHANGELOG.md") and urls["Issues"].startswith(urls["Source"])
    assert "Copyright (c) 2026 kilo-litellm contributors" in (ROOT / "LICENSE").read_text()
    assert PYPROJECT["project"]["license"] == {"text": "MIT"}
    assert f"## [{PYPROJECT['project']['version']}]" in (ROOT / "CHANGELOG.md").read_text()


def test_every_block_has_a_test():
    assert sorted(b.key for b in blocks()) == sorted(COVERED)
    assert len(COVERED) == len(set(COVERED))
