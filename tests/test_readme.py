"""Every fenced code block of ``README.md`` and of the docs site (``docs/*.md``), run (or, where it
cannot run offline, checked); the site itself built with ``mkdocs build --strict``; every link
between them checked, anchors included.

One test per block, its id naming the heading the block sits under (``test_block[usage-python]``),
whichever page it is on (``readme_blocks`` cuts the pages; block headings are unique across them),
and ``test_every_block_has_a_test`` fails when a block is added without one. How each kind is
proved:

* python: every block runs as pasted, as a standalone script (a subprocess of this Python, cwd a
  temporary folder, ``KILO_API_BASE`` at a gateway emulator of its own, no other ``KILO_*``), and
  must exit 0; then its check asserts what the emulator received and what the block printed. An
  HTML comment ``<!-- readme-test: MARKER -->`` on the line before a block states what it needs
  beyond that, and few blocks have one: ``needs-key`` runs with ``KILO_API_KEY`` set to a test key,
  ``needs-proxy`` against one real LiteLLM proxy started from the shipped ``litellm_config.yaml``
  (plus the docs' embedding deployment) with its URL in place of ``127.0.0.1:4000``, ``live``
  is not run (it needs the live gateway).
* bash: ``kilo-litellm ...`` lines run in-process through the command's entry point
  (``kilo_litellm.cli:main``; ``test_cli.py`` runs the installed script) and ``python scripts/...``
  lines through ``runpy`` with their offline variant, against the emulator; the wheel line builds the
  wheel; ``curl`` lines run against the test's proxy; the ``mkdocs build`` line builds the site.
  What cannot run here is checked against what does: ``pip install`` lines against
  ``pyproject.toml``, the ``litellm --config`` line against how ``proxy_helpers.run_proxy`` starts
  the proxy, the "Set up and run" test command against ``.ci/run``, the benchmark lines against
  their ``--help``, the Claude Code lines and the npm pins against what ``test_agents.py`` runs (it
  needs the CLIs from npm), the container lines against the ``Dockerfile`` and ``deploy/compose.yaml``
  (``deploy_files``; ``test_deploy.py`` builds the image where a Docker daemon answers). The
  emulator ``--fail`` recipe is checked line by line, then run end to end.
* toml/yaml: parsed; the Codex config is the one ``test_agents.py`` gives Codex, the deployment
  snippets are run in a ``Router`` and the proxy.
* lua: the editor's autocomplete setup, its request replayed against the proxy as the editor sends it.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import io
import json
import logging
import os
import re
import runpy
import shlex
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import httpx
import litellm
import pytest
import tomllib
import yaml
from conftest import user_env
from deploy_files import COMPOSE, DOCKERFILE, header_commands
from processes import CEILING, starts_a_process
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
from replica_helpers import KEEPALIVE_TIMEOUT

from kilo_litellm.cli import commands as cli
from kilo_litellm.emulator import GatewayEmulator, Reply, foreground, recording, sse_payloads, streamed_text
from kilo_litellm.models import catalog, discovery
from kilo_litellm.proxy import capabilities, config_names, free_budget, proxy_config
from kilo_litellm.proxy.router import free_chain

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
README_PROXY = "http://127.0.0.1:4000"
PROXY_KEY = "sk-test-readme-0123456789"
README_KEY = "sk-test-readme-key-9876543210"  # KILO_API_KEY for ``needs-key`` blocks; the emulator accepts it
MESSAGES = [{"role": "user", "content": "hello"}]
MARKERS = {"needs-key", "needs-proxy", "live"}
STREAM_TEXT = streamed_text(sse_payloads(recording("stream-openai-gpt41.sse")))
REASONING_RECORDING = "stream-grok-reasoning.sse"
_REASONING_DELTAS = [c["choices"][0]["delta"] for c in sse_payloads(recording(REASONING_RECORDING)) if c.get("choices")]
REASONING_TEXT = "".join(d.get("reasoning") or "" for d in _REASONING_DELTAS)
REASONING_ANSWER = "".join(d.get("content") or "" for d in _REASONING_DELTAS)
FREE = "kilo-auto/free"
PLAIN_TEXT = json.loads(recording("nonstream-anthropic-whitespace-prefix.json"))["choices"][0]["message"]["content"]

COVERED: list[tuple[str, str, int]] = []


def readme_block(heading: str, language: str, index: int = 0):
    """Parametrize a test with the block ``(heading, language, index)`` of README or docs, named after it."""
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

    Its stdout; a failure shows the block's page and line and its traceback.
    """
    script = cwd / "readme_block.py"
    script.write_text(text or block.text, encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KILO_", "LITELLM_MASTER"))}
    clean.update(KILO_LITELLM_CACHE_DIR=str(cwd / "cache"), LITELLM_LOCAL_MODEL_COST_MAP="True")
    clean.update({"KILO_LITELLM_CONFIG_DIR": str(cwd / "config"), **env})  # no stored sign-in
    done = subprocess.run(
        [sys.executable, script.name], cwd=cwd, env=clean, capture_output=True, text=True, timeout=CEILING, check=False
    )
    assert done.returncode == 0, f"the block at {block.where} failed:\n{done.stderr}"
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


def check_proxy_start(block, litellm: str = "litellm") -> None:
    """The proxy start lines: the master key form (LiteLLM 1.110 will not start without one), offline
    mode, and the command ``run_proxy`` runs, as ``litellm`` (the venv's, active or named)."""
    env = exports(block)
    key = subprocess.run(["bash", "-c", f"echo {env['LITELLM_MASTER_KEY']}"], capture_output=True, text=True)
    assert re.fullmatch(r"sk-[0-9a-f]{32}\n", key.stdout), key
    assert env["LITELLM_OFFLINE_MODE"] == "true"  # what run_proxy sets
    [start] = [c for c in block.commands if c.startswith(f"{litellm} ")]
    argv = shlex.split(start)
    config, port = Path(argv[argv.index("--config") + 1]), int(argv[argv.index("--port") + 1])
    assert config.name == SHIPPED_CONFIG.name and (ROOT / config).is_file()
    assert argv == [litellm, *proxy_command(config, port)[len(litellm_command()) :]]


def run_curl(line: str, base: str, master_key: str) -> str:
    """A docs ``curl`` line, run by bash against the proxy at ``base`` in place of ``127.0.0.1:4000``."""
    assert line.startswith("curl ") and line.count(README_PROXY) == 1, line
    done = subprocess.run(
        ["bash", "-c", line.replace(README_PROXY, base)],
        env={**os.environ, "LITELLM_MASTER_KEY": master_key},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


# -- one proxy for the module: the shipped config plus the docs' embedding deployment ------------


@starts_a_process
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


# -- the blocks, in README order, then the docs pages' ------------------------------------------------


@readme_block("kilo-litellm", "bash")
def test_the_first_snippet_offline(block, tmp_path):
    """The first snippet where the reader is: ``kilo-litellm emulator`` started as the block says (on
    a free port, not 4010, so parallel runs do not collide), the two exports it names, and the
    snippet saved as ``hello.py`` answers from the emulator, without a LiteLLM cost-map warning."""
    start, *exported, run = block.commands
    assert start == "kilo-litellm emulator" and run == "python hello.py"
    env = exports(block)
    assert list(env) == ["KILO_API_BASE", "LITELLM_LOCAL_MODEL_COST_MAP"] and len(exported) == 2
    assert env["KILO_API_BASE"] == f"http://{foreground.HOST}:{foreground.PORT}/api/gateway"
    assert env["LITELLM_LOCAL_MODEL_COST_MAP"] == "True"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KILO_", "LITELLM_"))}
    clean.update(KILO_LITELLM_CACHE_DIR=str(tmp_path / "cache"), KILO_LITELLM_CONFIG_DIR=str(tmp_path / "config"))
    emulator = subprocess.Popen(
        [sys.executable, "-m", "kilo_litellm", *shlex.split(start)[1:], "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=clean,
    )
    try:
        printed = []
        for line in emulator.stdout:
            printed.append(line.strip())
            if line.startswith("Ctrl-C"):
                break
        [base] = [line.split(": ", 1)[1] for line in printed if line.startswith("api_base: ")]
        assert f"export KILO_API_BASE={base}" in printed  # the export the block copies, at port 4010
        assert base == env["KILO_API_BASE"].replace(f":{foreground.PORT}/", f":{httpx.URL(base).port}/")
        (tmp_path / "hello.py").write_text(find("kilo-litellm", "python").text, encoding="utf-8")
        done = subprocess.run(
            [sys.executable, *shlex.split(run)[1:]],
            cwd=tmp_path,
            env={**clean, **env, "KILO_API_BASE": base},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        emulator.terminate()
        emulator.wait(timeout=30)
        emulator.stdout.close()
    assert done.returncode == 0, done.stderr
    assert done.stdout == PLAIN_TEXT + "\n"
    assert "cost map" not in done.stderr, done.stderr


@readme_block("Set up and run", "bash")
@pytest.mark.slow
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
    env = user_env()
    env["KILO_LITELLM_CACHE_DIR"] = str(tmp_path)
    done = subprocess.run([*command, "demo"], capture_output=True, text=True, env=env, timeout=CEILING, check=False)
    assert done.returncode == 0, done.stderr
    [summary] = [line for line in done.stdout.splitlines() if line.startswith("Done:")]
    assert "Try next" in done.stdout.split(summary)[1]
    promised = re.search(r"offline demo \((.*?) through LiteLLM", " ".join(block.text.replace("#", "").split()))
    for item in re.split(r", | and ", promised.group(1)):
        assert item in summary, (item, summary)


@readme_block("The proxy in five lines", "bash")
def test_readme_proxy_start(block):
    """The README's proxy: the ``[proxy]`` extra into the "Set up and run" venv, then the proxy as
    ``run_proxy`` starts it (the ``proxy`` fixture runs that and the next block's curl line)."""
    [install] = [c for c in block.commands if "pip install" in c]
    assert install.startswith(".venv/bin/pip install ")
    check_requirement(pip_requirements(install)[0])
    check_proxy_start(block, ".venv/bin/litellm")


@readme_block("The proxy in five lines", "bash", 1)
def test_readme_proxy_curl(block, proxy, gw):
    [line] = block.commands
    answer = json.loads(run_curl(line, proxy.base, proxy.master_key))
    assert answer["choices"][0]["message"]["content"] == PLAIN_TEXT
    assert sent(gw) == [(FREE, f"Bearer {PROXY_KEY}")]


@readme_block("Install from a clone", "bash")
def test_install(block):
    """In a clone: the "Set up and run" venv, then the venv activated."""
    install, activate = block.commands
    venv, pip = install.split(" && ")
    assert venv == find("Set up and run", "bash").commands[0].split(" && ")[0]
    assert pip == ".venv/bin/pip install -e ."
    check_requirement(pip_requirements(pip)[0])
    assert activate == "source .venv/bin/activate" and (Path(sys.prefix) / "bin" / "activate").is_file()


@readme_block("Install from a wheel", "bash")
@pytest.mark.slow
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
        [sys.executable, "-m", *argv], cwd=sources, capture_output=True, text=True, timeout=CEILING, check=False
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
    assert int(exports(block)["KEEPALIVE_TIMEOUT"].split()[0]) == int(KEEPALIVE_TIMEOUT) > 5  # httpx keeps 5 s
    from litellm.proxy.proxy_cli import run_server

    [keepalive] = [p for p in run_server.params if p.name == "keepalive_timeout"]
    assert keepalive.envvar == "KEEPALIVE_TIMEOUT"


@readme_block("Containers", "bash")
def test_container_image(block):
    """The lines the Dockerfile's own header shows; ``test_deploy.py`` holds the Dockerfile to them."""
    assert block.commands == header_commands(DOCKERFILE)


@readme_block("Containers", "bash", 1)
def test_containers_compose(block):
    """The lines ``deploy/compose.yaml``'s header shows; ``test_deploy.py`` runs the config line and
    holds compose to the file it writes and to the image the Dockerfile builds."""
    assert block.commands == header_commands(COMPOSE)


@readme_block("Free-tier budget", "bash")
def test_free_budget_setup(block, monkeypatch, capsys, tmp_path):
    """The config line runs; the exported limits are the two the guard reads, in the form it parses,
    and the guard has none unless they are set."""
    monkeypatch.chdir(tmp_path)
    [line] = [c for c in block.commands if c.startswith("kilo-litellm ")]
    code, _, err = run_cli(line, monkeypatch, capsys)
    assert code == 0, err
    argv = shlex.split(line)
    redis = proxy_config.parse_redis(argv[argv.index("--redis") + 1])
    written = (tmp_path / argv[argv.index("-o") + 1]).read_text()
    assert written == proxy_config.render(redis, free_cooldowns=True, free_budget=True)
    assert yaml.safe_load(written)["litellm_settings"]["callbacks"] == [
        capabilities.CALLBACK,
        config_names.LIVE_CATALOG,
        proxy_config.GUARD_CALLBACK,
    ]
    env = {name: value.strip() for name, value in exports(block).items()}
    assert free_budget.Limits() == free_budget.Limits.from_env({}) == free_budget.Limits(None, None)
    assert set(env) == {free_budget.ENV_PER_MODEL, free_budget.ENV_ANONYMOUS}
    limits = free_budget.Limits.from_env(env)
    for name, value in env.items():
        assert free_budget.parse_budget(value, name) == (
            limits.per_model if name == free_budget.ENV_PER_MODEL else limits.anonymous
        )


@readme_block("Free-tier budget", "yaml")
def test_free_budget_config_line(block):
    """The line ``--free-budget`` adds (``test_replicas_budget.py`` runs it in two real proxies)."""
    added = proxy_config.with_free_budget(proxy_config.config())["litellm_settings"]["callbacks"]
    assert yaml.safe_load(block.text) == {"litellm_settings": {"callbacks": added}}


@readme_block("Kilo in an existing proxy config", "yaml")
def test_the_existing_config_snippet_is_the_generated_configs_lines(block):
    """The snippet's lines are the generated config's (``test_proxy_operator.py`` serves it in a real proxy)."""
    snippet = yaml.safe_load(block.text)
    generated = proxy_config.with_free_budget(proxy_config.config())
    assert snippet["litellm_settings"]["custom_provider_map"] == generated["litellm_settings"]["custom_provider_map"]
    assert set(snippet["litellm_settings"]["callbacks"]) <= set(generated["litellm_settings"]["callbacks"])
    [deployment] = snippet["model_list"]
    same = next(d for d in generated["model_list"] if d["model_name"] == deployment["model_name"])
    for key in ("model", "api_key", "api_base"):
        assert deployment["litellm_params"][key] == same["litellm_params"][key]


def agent_versions_under_test() -> dict[str, str]:
    """``test_agents.py``'s ``AGENTS``: the npm packages and the versions it runs."""
    source = (ROOT / "tests" / "test_agents.py").read_text()
    [assignment] = [n for n in ast.parse(source).body if isinstance(n, ast.Assign) and n.targets[0].id == "AGENTS"]
    return ast.literal_eval(assignment.value)


@readme_block("Install the tested Claude Code and Codex", "bash")
def test_agents_install_line(block):
    """The pinned versions are the ones ``test_agents.py`` installs and runs."""
    [line] = block.commands
    argv = shlex.split(line)
    assert argv[:3] == ["npm", "install", "-g"]
    assert dict(spec.rsplit("@", 1) for spec in argv[3:]) == agent_versions_under_test()


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
    assert 'codex exec --skip-git-repo-check "say hello"' in (ROOT / block.page).read_text()


FIM_SECTION = "Fill in the middle"
EDITOR_FIM_SECTION = "Editor autocomplete (fill in the middle)"


@readme_block(EDITOR_FIM_SECTION, "yaml")
def test_fim_group_is_the_shipped_configs(block):
    shipped = {m["model_name"]: m["litellm_params"] for m in yaml.safe_load(SHIPPED_CONFIG.read_text())["model_list"]}
    for deployment in yaml.safe_load(block.text):
        assert deployment["litellm_params"].items() <= shipped[deployment["model_name"]].items()


def lua_settings(text: str) -> dict:
    """The ``key = value`` pairs of the docs' minuet setup: strings (Lua escapes decoded), numbers,
    booleans and lists of strings."""
    values: dict = {}
    for key, raw in re.findall(r"(\w+) = ('[^']*'|\d+|true|false|\{ '[^}]*' \})", text):
        if raw.startswith("{"):
            values[key] = [item.encode().decode("unicode_escape") for item in re.findall(r"'([^']*)'", raw)]
        elif raw.startswith("'"):
            values[key] = raw[1:-1].encode().decode("unicode_escape")
        else:
            values[key] = int(raw) if raw.isdigit() else raw == "true"
    return values


@readme_block(EDITOR_FIM_SECTION, "lua")
def test_minuet_autocompletes_through_the_proxy(block, proxy, gw, monkeypatch):
    """What minuet-ai.nvim does with this setup, replayed against the docs' proxy: its
    ``openai_fim_compatible`` request (``lua/minuet/backends/common.lua`` ``complete_openai_fim_base``:
    ``{model, stream, prompt, suffix}`` plus ``optional``, ``Authorization: Bearer`` the value of the
    variable ``api_key`` names) and its stream decoding (``utils.stream_decode``: each line without
    ``data:`` decoded as JSON, ``choices[1].text`` kept when it is a non-empty string)."""
    import httpx

    from kilo_litellm.emulator import fim as emulated

    settings = lua_settings(block.text)
    assert settings["provider"] == "openai_fim_compatible" and settings["end_point"].startswith(README_PROXY)
    monkeypatch.setenv(settings["api_key"], proxy.master_key)
    prefix, suffix = "def fib(n):\n    ", "\n\nprint(fib(10))\n"
    body = {
        "model": settings["model"],
        "stream": settings["stream"],
        "prompt": prefix,
        "suffix": suffix,
        "max_tokens": settings["max_tokens"],
        "stop": settings["stop"],
    }
    headers = {"Authorization": "Bearer " + os.environ[settings["api_key"]], "Accept": "application/json"}
    url = settings["end_point"].replace(README_PROXY, proxy.base)
    answer = httpx.post(url, json=body, headers=headers, timeout=30)
    assert answer.status_code == 200, answer.text
    texts = []
    for line in answer.text.split("\n"):
        try:
            event = json.loads(re.sub(r"^data:", "", line))
        except ValueError:
            continue
        text = event["choices"][0].get("text") if isinstance(event, dict) and event.get("choices") else None
        if isinstance(text, str) and text:
            texts.append(text)
    assert "".join(texts) == emulated.FIM_TEXT
    [sent] = gw.fim_requests
    assert sent.authorization == f"Bearer {PROXY_KEY}"
    assert sent.json == {
        "model": "mistralai/codestral-2508",
        "prompt": prefix,
        "suffix": suffix,
        "max_tokens": 128,
        "stop": ["\n\n"],
        "stream": True,
    }


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


@readme_block("Sign in, check, sign out", "bash")
def test_sign_in_lines(block, at_emulator, monkeypatch, capsys, tmp_path):
    """The lines as shown, against the emulator's account endpoints (an organisation named as in the
    page), no browser, quick polls; then the stored sign-in is gone."""
    from kilo_litellm.cli import signin
    from kilo_litellm.config import credentials

    gw = at_emulator
    monkeypatch.setenv("KILO_API_URL", gw.url)
    monkeypatch.setenv(credentials.ENV_CONFIG_DIR, str(tmp_path / "config"))
    for name in ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(signin, "POLL_INTERVAL", 0.01)
    credentials.forget_cache()
    gw.account.organizations = [{"id": "org-acme", "name": "Acme", "role": "member"}]
    outs = []
    for line in block.commands:
        code, out, err = run_cli(line, monkeypatch, capsys)
        assert code == 0, (line, err)
        outs.append(out)
    login, org_login, whoami, logout = outs
    assert "  Code:  " in login and "Signed in as dev@example.com." in login
    assert "Organisation: Acme (org-acme, member), sent as X-KiloCode-OrganizationId." in org_login
    assert "organisation in use: Acme (org-acme, member), chosen at login" in whoami
    assert logout.startswith("signed out: removed the stored sign-in") and credentials.current() is None


@readme_block("Drift: checking the live gateway", "bash")
def test_drift(block, at_emulator, monkeypatch, capsys):
    monkeypatch.setenv("KILO_API_KEY", "sk-test-readme-drift-key")
    for line in block.commands:
        check_cli(line, at_emulator, monkeypatch, capsys)


@readme_block("Drift: checking the live gateway", "bash", 1)
@pytest.mark.slow
def test_live_suite_smoke(block, gw):
    """The live suite, pointed at the emulator: the smoke test of the suite the README describes."""
    [line] = block.commands
    assignments, python, rest = re.fullmatch(r"((?:\w+=\S+ )*)(\S+) (.*)", line).groups()
    assert python == ".venv/bin/python"
    env = user_env()
    env.update(dict(a.split("=", 1) for a in assignments.split()), KILO_API_BASE=gw.api_base)
    done = subprocess.run(
        [sys.executable, *shlex.split(rest), "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=CEILING,
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
@pytest.mark.slow
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
    assert sent(gw) == [(FREE, None), ("stepfun/step-5-preview-free", None)]
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


@python_check("Conversations: `X-KiloCode-TaskId`")
def check_conversations(out, gw):
    assert [r.headers.get("x-kilocode-taskid") for r in gw.chat_requests] == ["chat-7f3a", "chat-7f3a", None]


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


@python_check(FIM_SECTION)
def check_fill_in_the_middle(out, gw):
    from kilo_litellm.emulator import fim as emulated

    [sent] = gw.requests
    assert (sent.path, sent.authorization) == ("/api/fim/completions", f"Bearer {README_KEY}")
    assert sent.json == {
        "model": "mistralai/codestral-2508",
        "prompt": "def fib(n):\n    ",
        "suffix": "\n\nprint(fib(10))",
        "max_tokens": 64,
        "stream": False,
    }
    text, totals = out.rstrip("\n").rsplit("\n", 1)
    tokens, cost = totals.split()
    assert text == emulated.FIM_TEXT and int(tokens) > 0 and float(cost) > 0


@python_check("Router")
def check_router(out, gw):
    assert out == STREAM_TEXT
    first = free_chain()[0].gateway_id
    assert [r.model for r in gw.chat_requests] == [first, first]
    assert gw.chat_requests[0].json["reasoning"] == {"effort": "low"}


@python_check("Requests that need more than text")
def check_requests_that_need_more_than_text(out, gw):
    """The image skips ``kilo-auto/free`` (text only) and goes to the chain's first model that reads images."""
    assert out.strip() == "kilo/stepfun/step-5-preview-free"
    assert [r.model for r in gw.chat_requests] == ["stepfun/step-5-preview-free"]


@python_check("Free chains offline: capabilities and cut streams")
def check_free_chains_offline(out, gw):
    """The block starts an emulator of its own: the test's saw nothing."""
    assert out.split("\n") == [
        "vendor/eyes:free",
        "['kilo-auto/free', 'vendor/eyes:free']",
        "assistant",
        str(len(STREAM_TEXT)),
        "",
    ]
    assert gw.requests == []


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
    """Against the emulator (which serves the snapshot's entries, with the ``opencode`` blocks the
    gateway adds, and the FIM models), so no model is gone; the rewrite goes to a temporary
    ``--output`` instead of the bundled file and holds what the emulator served."""
    check, rewrite = block.commands
    snapshot = json.loads(recording_snapshot())
    out = run_script(check, monkeypatch, capsys)
    served = at_emulator.served_models()
    new = len(served) - len(snapshot["data"])  # the gateway lists more than the snapshot (the FIM models)
    assert f"{len(served)} models ({new} new, 0 gone) from {at_emulator.api_base}/models" in out
    target = tmp_path / "snapshot.json"
    out = run_script(rewrite, monkeypatch, capsys, extra=("--output", str(target)))
    assert f"wrote {target}" in out
    assert json.loads(target.read_text())["data"] == served


@functools.cache
def bench_options(script: str) -> frozenset[str]:
    """The options ``bench/<script> --help`` lists, read in this process: the script runs as
    ``__main__`` and exits at ``--help`` before it starts anything, and its imports are the suite's."""
    shown, argv, path = io.StringIO(), sys.argv, list(sys.path)
    sys.argv, sys.path[:0] = [script, "--help"], [str((ROOT / script).parent)]
    try:
        with contextlib.redirect_stdout(shown), pytest.raises(SystemExit) as exited:
            runpy.run_path(str(ROOT / script), run_name="__main__")
    finally:
        sys.argv, sys.path[:] = argv, path
    assert exited.value.code == 0, shown.getvalue()
    return frozenset(re.findall(r"(--[\w-]+)", shown.getvalue()))


def check_bench_line(line: str) -> None:
    """A ``.venv/bin/python bench/X.py ...`` line: the script exists and its ``--help`` takes each option."""
    argv = shlex.split(line)
    assert argv[0] == ".venv/bin/python" and argv[1].startswith("bench/") and (ROOT / argv[1]).is_file(), line
    options = bench_options(argv[1])
    for arg in argv[2:]:
        assert not arg.startswith("--") or arg in options, (line, arg)


@readme_block("Run them", "bash")
def test_benchmarks(block):
    """A run takes minutes, too long here: the scripts take the options the lines give them."""
    assert [shlex.split(c)[:2] for c in block.commands] == [[".venv/bin/python", "bench/run.py"]] * 3
    for line in block.commands:
        check_bench_line(line)


@readme_block("Through the proxy", "bash")
def test_proxy_benchmarks(block):
    assert [shlex.split(c)[1] for c in block.commands] == ["bench/proxy.py"] * 3 + ["bench/keepalive.py"]
    for line in block.commands:
        check_bench_line(line)


@readme_block("Two replicas and the free-tier budget", "bash")
def test_replica_benchmarks(block):
    assert [shlex.split(c)[1] for c in block.commands] == ["bench/replicas.py"] * 3
    for line in block.commands:
        check_bench_line(line)


@readme_block("Start-up", "bash")
def test_startup_benchmarks(block):
    assert [shlex.split(c)[1] for c in block.commands] == ["bench/startup.py"] * 3
    for line in block.commands:
        check_bench_line(line)


def bare(title: str) -> str:
    """A figure title without its parenthesised counts, which differ between runs."""
    return re.sub(r"\s*\([^)]*\)", "", title)


def bench_report_format() -> tuple[dict[str, tuple[str, bool]], list[str], tuple[str, ...]]:
    """What ``bench/run.py`` prints: figure titles (to unit and direction), contender labels, names."""
    run = runpy.run_path(str(ROOT / "bench" / "run.py"))
    contenders = runpy.run_path(str(ROOT / "bench" / "contenders.py"))
    titles = {bare(label): (unit, higher) for _, _, label, unit, higher in run["FIGURES"]}
    return titles, list(contenders["LABELS"].values()), run["NAMES"]


def check_bench_output(block) -> None:
    """A results block is what ``bench/run.py`` prints: its figure titles with their units and
    direction, rows numbered as its contenders are, or a line per contender name."""
    titles, labels, names = bench_report_format()
    numbered = [re.match(r"\s+\((\d)\)", line) for line in block.text.splitlines()]
    rows = [int(m.group(1)) for m in numbered if m]
    for title, unit, better in re.findall(r"^(.+?) \[([\w/]+), (lower|higher) is better\]", block.text, flags=re.M):
        assert titles[bare(title)] == (unit, better == "higher"), title
    if rows:
        assert set(rows) == set(range(1, len(labels) + 1)), rows
    else:
        assert [line.split(":")[0].strip() for line in block.text.strip().splitlines()] == list(names)


@readme_block("Results", "text")
def test_benchmark_results(block):
    check_bench_output(block)


@readme_block("Results", "text", 1)
def test_benchmark_retained_memory(block):
    check_bench_output(block)


@readme_block("Coalescing: burst, paced and loaded streams", "text")
def test_benchmark_coalescing_results(block):
    check_bench_output(block)


# -- the emulator's --fail recipe: proxy + emulator, a fallback without Python -------------------------

RECIPE = "Proxy and emulator: a fallback offline"


@readme_block(RECIPE, "bash")
def test_fail_recipe_lines(block):
    """The emulator line asks for a 429 on ``kilo-auto/free``; KILO_API_BASE is where the command
    listens by default; the proxy starts as ``run_proxy`` starts it."""
    assert block.marker is None
    emulator, *_ = block.commands
    argv = shlex.split(emulator)
    assert argv[:2] == ["kilo-litellm", "emulator"] and argv[-1] == "&"
    failures = [argv[i + 1] for i, a in enumerate(argv) if a == "--fail"]
    assert failures == [f"{FREE}=429"]
    assert exports(block)["KILO_API_BASE"] == f"http://{foreground.HOST}:{foreground.PORT}/api/gateway"
    check_proxy_start(block)


@readme_block(RECIPE, "bash", 1)
def test_fail_recipe_request(block):
    """The request is the README's curl line with ``-i`` (headers shown); the next test runs both."""
    [line] = block.commands
    readme = find("The proxy in five lines", "bash", 1).commands[0]
    assert line == readme.replace("curl -s ", "curl -s -i ")


@pytest.mark.slow
def test_fail_recipe_runs_end_to_end(tmp_path):
    """The recipe as written: ``kilo-litellm emulator --fail kilo-auto/free=429``, the shipped
    config's proxy in front of it, the curl line: a 200 from the next free model, one fallback."""
    start = find(RECIPE, "bash")
    port = free_port()
    argv = shlex.split(start.commands[0])[:-1]
    emulator = subprocess.Popen(
        [sys.executable, "-m", "kilo_litellm", *argv[1:], "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        api_base = f"http://127.0.0.1:{port}/api/gateway"
        wait_for(f"{api_base}/models")
        with run_proxy(SHIPPED_CONFIG, tmp_path, {"KILO_API_BASE": api_base}) as proxy:
            out = run_curl(find(RECIPE, "bash", 1).commands[0], proxy.base, proxy.master_key)
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
    head, _, body = out.replace("\r\n", "\n").partition("\n\n")
    headers = dict(line.lower().split(": ", 1) for line in head.splitlines()[1:] if ": " in line)
    assert head.split()[1] == "200", head
    assert headers["x-litellm-attempted-fallbacks"] == "1"
    assert headers["x-litellm-model-group"] == free_chain()[1].gateway_id
    assert json.loads(body)["choices"][0]["message"]["content"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


# -- architecture -------------------------------------------------------------------------------------


@readme_block("The path of one request", "mermaid")
def test_architecture_diagram(block):
    """A sequence diagram (the site renders it, ``test_docs_site_builds_strictly``) whose messages go
    between declared participants, and whose participants name modules that exist."""
    kind, *lines = [line.strip() for line in block.text.splitlines() if line.strip()]
    assert kind == "sequenceDiagram"
    declared = dict(re.findall(r"^participant (\w+) as (.+)$", "\n".join(lines), flags=re.M))
    for line in lines:
        arrow = re.match(r"^(\w+)-(?:->>|>>)(\w+): .+$", line)
        assert arrow or line.startswith(("participant ", "alt ", "else ", "end")), line
        if arrow:
            assert set(arrow.groups()) <= set(declared), line
    for name in re.findall(r"provider\.\w+", " ".join(declared.values())):
        assert (ROOT / "kilo_litellm" / name.replace(".", "/")).with_suffix(".py").is_file(), name


# -- the gateway's wire contract ----------------------------------------------------------------------


@readme_block("Authentication", "text")
def test_contract_invalid_token(block, gw):
    """The contract's rejected-bearer answer is the emulator's, byte for byte, for a free model."""
    status, header, body = block.text.strip().splitlines()
    reply = httpx.post(
        f"{gw.api_base}/chat/completions",
        headers={"Authorization": "Bearer public"},
        json={"model": FREE, "messages": MESSAGES},
    )
    assert status == f"HTTP/1.1 {reply.status_code}"
    name, _, value = header.partition(": ")
    assert reply.headers[name] == value
    assert reply.text == body


# -- contributing -------------------------------------------------------------------------------------


@readme_block("Set up for development", "bash")
def test_development_set_up(block):
    """The "Set up and run" test command's install, without running the suite."""
    [line] = block.commands
    tests = find("Set up and run", "bash").commands[1]
    assert tests.startswith(line.replace('-e ".[dev,proxy]"', '-q -e ".[dev,proxy]"') + " && ")


@readme_block("Tests", "bash")
@pytest.mark.slow
def test_test_commands(block):
    """The full run is ``.ci/run``'s; the subsets select tests (``--collect-only``, no run)."""
    full, *subsets = block.commands
    assert full == find("Set up and run", "bash").commands[1].rsplit(" && ", 1)[1]
    for line in subsets:
        argv = shlex.split(line)
        assert argv[:3] == [".venv/bin/python", "-m", "pytest"], line
        done = subprocess.run(
            [sys.executable, "-m", "pytest", *argv[3:], "--collect-only", "-q", "-p", "no:cacheprovider"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=CEILING,
            check=False,
        )
        counts = [int(n) for n in re.findall(r"^tests/\S+\.py: (\d+)$", done.stdout, flags=re.M)]
        assert done.returncode == 0 and sum(counts) > 0, (line, done.stdout[-2000:])


@readme_block("Documentation", "bash")
@pytest.mark.slow
def test_docs_site_builds_strictly(block, tmp_path):
    """The docs' own build line, into a temporary folder: no warning (broken links and anchors
    included, ``validation`` in mkdocs.yml), and the architecture diagram reaches the page as mermaid."""
    [line] = block.commands
    argv = shlex.split(line)
    assert argv == [".venv/bin/mkdocs", "build", "--strict"]
    mkdocs = Path(sys.executable).with_name("mkdocs")
    command = [str(mkdocs)] if mkdocs.exists() else [sys.executable, "-m", "mkdocs"]
    done = subprocess.run(
        [*command, *argv[1:], "-d", str(tmp_path / "site")],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=CEILING,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    nav = yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=yaml.BaseLoader)["nav"]
    pages = sorted(p.name for p in (ROOT / "docs").glob("*.md"))
    assert sorted(next(iter(item.values())) for item in nav) == pages  # every page is in the nav
    architecture = (tmp_path / "site" / "architecture" / "index.html").read_text()
    assert '<pre class="mermaid">' in architecture


MARKDOWN = [
    "README.md",
    "CONTRIBUTING.md",
    "CHANGELOG.md",
    "bench/README.md",
    *(f"docs/{p.name}" for p in sorted((ROOT / "docs").glob("*.md"))),
]


def anchors(path: Path) -> set[str]:
    """The anchors of a page's headings, as the docs site (Python-Markdown's ``toc``) makes them;
    fenced blocks skipped."""
    from markdown.extensions.toc import slugify

    found, fenced = set(), False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and re.match(r"#+ ", line):
            found.add(slugify(line.lstrip("#").strip().replace("`", ""), "-"))
    return found


@pytest.mark.parametrize("page", MARKDOWN)
def test_links(page):
    """Every relative link names a file of the repository, and its ``#anchor`` a heading of that
    file (links between docs pages included); a bare ``#anchor`` a heading of the page itself."""
    path = ROOT / page
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    for target in re.findall(r"\]\((?!https?://)([^)\s]+)\)", text):
        file, _, anchor = target.partition("#")
        linked = (path.parent / file).resolve() if file else path
        assert linked.is_file() and ROOT in linked.parents, (page, target)
        if anchor:
            assert anchor in anchors(linked), (page, target)


def test_no_home_the_project_does_not_have():
    """No URL of a home elsewhere, no install from a package index it is not on, no LiteLLM source
    line numbers (they go stale: the pages name the behaviour and the version)."""
    assert "urls" not in PYPROJECT["project"]
    texts = {page: (ROOT / page).read_text(encoding="utf-8") for page in [*MARKDOWN, "pyproject.toml"]}
    for page, text in texts.items():
        assert "Kilo-Org/kilo-litellm" not in text, page
        assert not re.search(r"pip install [\"']?kilo-litellm\b", text), page
        if page != "CHANGELOG.md":
            assert not re.search(r"\b[\w/]+\.py:\d+", text), (page, re.findall(r"\b[\w/]+\.py:\d+", text))
    readme = texts["README.md"]
    assert {"CONTRIBUTING.md", "CHANGELOG.md", "LICENSE"} <= set(re.findall(r"\]\(([^)#\s]+)\)", readme))
    assert "Copyright (c) 2026 kilo-litellm contributors" in (ROOT / "LICENSE").read_text()
    assert PYPROJECT["project"]["license"] == {"text": "MIT"}
    assert f"## [{PYPROJECT['project']['version']}]" in texts["CHANGELOG.md"]


def test_the_readme_stays_short_and_links_every_page():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 200
    linked = set(re.findall(r"\]\(docs/([\w-]+\.md)", readme))
    assert linked == {p.name for p in (ROOT / "docs").glob("*.md")} - {"index.md"}


def test_block_headings_are_unique_across_pages():
    """A block is found by heading, language and index: two pages may not share one."""
    pages_of = {}
    for b in blocks():
        pages_of.setdefault(b.key, set()).add(b.page)
    assert {k: p for k, p in pages_of.items() if len(p) > 1} == {}


def test_every_block_has_a_test():
    assert {b.page for b in blocks()} > {"README.md"}  # the docs pages are read too
    assert sorted(b.key for b in blocks()) == sorted(COVERED)
    assert len(COVERED) == len(set(COVERED))
