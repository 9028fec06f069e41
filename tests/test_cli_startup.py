"""The commands that call no model start without LiteLLM: each, as installed, imports no ``litellm`` module.

Every command runs in its own process under ``python -X importtime``, which names each module the
process imports, against the local gateway emulator and a fresh home. ``chat`` is the control: it
calls a model, so it must load LiteLLM (and ``openai`` with it).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import user_env
from processes import CEILING

SCRIPT = Path(sys.executable).with_name("kilo-litellm")
HEAVY = ("litellm", "openai")
NOT_INHERITED = ("KILO_", "XDG_", "PYTHON_KEYRING", "BROWSER", "DISPLAY", "WAYLAND_DISPLAY", "LITELLM_")


def imported(stderr: str) -> set[str]:
    """The modules a ``-X importtime`` run imported, from its stderr."""
    return {
        line.rsplit("|", 1)[1].strip()
        for line in stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY)


def without_timings(stderr: str) -> str:
    return "\n".join(line for line in stderr.splitlines() if not line.startswith("import time:"))


class Commands:
    """``kilo-litellm`` as one user runs it: a fresh home, the emulator as gateway and account service."""

    def __init__(self, tmp_path: Path, gw) -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(NOT_INHERITED)}
        self.env.update(
            HOME=str(tmp_path / "home"),
            XDG_CONFIG_HOME=str(tmp_path / "config"),
            XDG_CACHE_HOME=str(tmp_path / "cache"),
            XDG_DATA_HOME=str(tmp_path / "data"),
            KILO_API_URL=gw.url,
            KILO_API_BASE=gw.api_base,
            PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        )

    def argv(self, *args: str, module: bool = False) -> list[str]:
        command = ["-m", "kilo_litellm"] if module or not SCRIPT.exists() else [str(SCRIPT)]
        return [sys.executable, "-X", "importtime", *command, *args]

    def run(self, *args: str, module: bool = False) -> subprocess.CompletedProcess:
        done = subprocess.run(
            self.argv(*args, module=module),
            capture_output=True,
            text=True,
            env=self.env,
            timeout=CEILING,
            check=False,
        )
        assert done.returncode == 0, without_timings(done.stderr)[-2000:]
        return done


@pytest.fixture
def cli(tmp_path, gw):
    return Commands(tmp_path, gw)


def test_sign_in_models_proxy_config_and_version_import_no_litellm(cli):
    runs = {
        "--version": cli.run("--version"),
        "login": cli.run("login", "--poll-interval", "0.05"),
        "whoami": cli.run("whoami"),
        "models (live)": cli.run("models", "--refresh"),
        "models (cache)": cli.run("models", "--json"),
        "proxy-config": cli.run("proxy-config"),
        "python -m kilo_litellm models": cli.run("models", "--free", module=True),
        "logout": cli.run("logout"),
    }
    assert "Signed in as dev@example.com." in runs["login"].stdout
    assert "dev@example.com" in runs["whoami"].stdout
    assert "(live)" in runs["models (live)"].stdout and "listed by /models" in runs["models (live)"].stdout
    assert runs["models (cache)"].stdout.lstrip().startswith("[")
    assert "custom_provider_map" in runs["proxy-config"].stdout
    for name, done in runs.items():
        modules = imported(done.stderr)
        assert "kilo_litellm.cli.commands" in modules, name
        assert heavy(modules) == [], f"{name} imported {heavy(modules)[:5]}"


def test_the_emulator_command_imports_no_litellm(cli):
    proc = subprocess.Popen(
        cli.argv("emulator", "--port", "0"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli.env
    )
    try:
        for line in proc.stdout:
            if line.startswith("Ctrl-C"):
                break
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=CEILING)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    modules = imported(err)
    assert "kilo_litellm.emulator.server" in modules
    assert heavy(modules) == []


@pytest.mark.slow
def test_chat_loads_litellm(cli):
    """The control: a command that calls a model imports LiteLLM, so the check above can fail."""
    done = cli.run("chat", "hi")
    assert done.stdout.strip()
    assert {"litellm", "openai"} <= imported(done.stderr)


IMPORT_AFTER_LITELLM = """
import json, sys, litellm
names, rebuilds = [], []
register_model = litellm.register_model
litellm.register_model = lambda cost, **kw: names.extend(cost) or register_model(cost, **kw)
rebuild = litellm.utils._rebuild_model_cost_lowercase_map
litellm.utils._rebuild_model_cost_lowercase_map = lambda: rebuilds.append(1) or rebuild()
before = set(sys.modules)
import kilo_litellm
print(json.dumps([sorted(set(sys.modules) - before), names, len(rebuilds)]))
"""
NOT_AT_IMPORT = (
    "kilo_litellm.cli",
    "kilo_litellm.emulator",
    "kilo_litellm.proxy",
    "kilo_litellm.models.discovery",
    "difflib",
    "yaml",
)
"""What registering needs none of: the command line, the emulator, the Router and proxy config, the
live list's fetch, the typo matcher."""


@pytest.mark.slow
def test_import_after_litellm_registers_once_and_loads_only_what_registering_needs(tmp_path):
    """What ``import kilo_litellm`` costs a program that already imported LiteLLM: the provider's own
    modules and registering each name once, with LiteLLM's index of its ~4,900 model names built once
    (``register_model`` alone rebuilds it for every name)."""
    env = user_env()
    env["KILO_LITELLM_CACHE_DIR"] = str(tmp_path)  # no remembered list: the bundled catalog registers
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_AFTER_LITELLM], capture_output=True, text=True, env=env, timeout=CEILING
    )
    assert done.returncode == 0, done.stderr[-2000:]
    loaded, names, rebuilds = json.loads(done.stdout.strip().splitlines()[-1])
    assert [m for m in loaded if m.startswith(NOT_AT_IMPORT)] == []
    assert "kilo_litellm.provider.registration" in loaded
    from kilo_litellm.models import catalog
    from kilo_litellm.provider import embeddings

    assert names == [*catalog.model_cost_map(catalog.bundled()), *embeddings.model_cost_map()]
    assert rebuilds <= 1
