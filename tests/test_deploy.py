"""The proxy's container: the ``Dockerfile`` builds it from this checkout, ``deploy/compose.yaml`` runs
two replicas of it on one Redis, both held to the config ``kilo-litellm proxy-config`` writes.

Where a Docker daemon answers, one test builds the image and starts it; elsewhere that test skips
and says why, and the others check the files as Docker reads them and run the image's commands.
"""

from __future__ import annotations

import fnmatch
import os
import secrets
import shlex
import shutil
import subprocess
import sys
import time

import httpx
import pytest
import yaml
from deploy_files import (
    COMPOSE,
    DOCKERFILE,
    LIVELINESS,
    PYPROJECT,
    ROOT,
    check_compose,
    check_image_command,
    check_requirement,
    header_commands,
    healthcheck,
    ignore_patterns,
    ignored,
    image_config,
    image_port,
    instruction,
    instructions,
    pip_install_requirements,
)
from proxy_helpers import SHIPPED_CONFIG, run_proxy

from kilo_litellm.cli import commands as cli
from kilo_litellm.proxy import proxy_config

IMAGE = "kilo-litellm-proxy"


def test_the_dockerfile_installs_the_checkout_and_runs_the_proxy_as_a_user():
    [base] = instruction("FROM").value
    assert base.startswith("python:3.")
    copies = [c.value for c in instructions("COPY")]
    assert (".", ".") in copies, "the whole checkout (less .dockerignore) is copied"
    [install] = [c.value[0] for c in instructions("RUN") if "pip install" in c.value[0]]
    requirements = pip_install_requirements(install)
    assert requirements == [".[proxy]"], "installed from the copy, never from a package index"
    check_requirement(requirements[0])
    assert ("litellm_config.yaml", image_config()) in copies, "the committed config is the image's default"
    check_image_command(image_config())
    env = dict(zip(instruction("ENV").value[::2], instruction("ENV").value[1::2], strict=True))
    assert env["LITELLM_OFFLINE_MODE"] == "true"

    [user] = instruction("USER").value
    uid, _, gid = user.partition(":")
    assert uid.isdigit() and int(uid) != 0 and gid != "0", user
    assert f"--uid {uid}" in install, "the user exists in the image"
    assert instructions("RUN")[-1].start_line < instruction("USER").start_line < instruction("CMD").start_line

    assert instruction("EXPOSE").value == (str(image_port()),)
    check = healthcheck()
    assert check[:2] == ["python", "-c"]
    assert f"'http://127.0.0.1:{image_port()}{LIVELINESS}'" in check[2]
    flags = dict(f.lstrip("-").split("=") for f in instruction("HEALTHCHECK").flags)
    assert set(flags) == {"interval", "timeout", "start-period", "retries"}


def test_the_dockerignore_keeps_environments_caches_and_history_out_and_the_sources_in():
    patterns = ignore_patterns()
    for left_out in (".venv/bin/python", ".cache/npm/x", ".git/HEAD", "kilo_litellm/__pycache__/a.pyc", ".env"):
        assert ignored(left_out, patterns), left_out
    assert ignored("kilo_litellm.egg-info/PKG-INFO", patterns) and ignored("deploy/litellm_config.yaml", patterns)
    needed = ["pyproject.toml", "README.md", "LICENSE", "litellm_config.yaml", "Dockerfile"]
    needed += [
        p.relative_to(ROOT).as_posix() for p in (ROOT / "kilo_litellm").rglob("*") if "__pycache__" not in p.parts
    ]
    assert [p for p in needed if ignored(p, patterns)] == []


def test_compose_builds_the_image_and_runs_it_on_the_config_its_header_writes(monkeypatch, capsys, tmp_path):
    """The header's two commands: the config line runs (in ``tmp_path`` as the repository root) and
    writes the file compose mounts; the ``up`` line passes the keys compose requires."""
    config_line, up_line = header_commands(COMPOSE)
    argv = shlex.split(config_line)
    assert argv[0] == "kilo-litellm" and argv[1] == "proxy-config"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "deploy").mkdir()
    assert cli.main(argv[1:]) == 0, capsys.readouterr().err
    written = argv[argv.index("-o") + 1]
    text = (tmp_path / written).read_text()
    assert text == proxy_config.render(("redis", 6379), cache=True, free_cooldowns=True)
    monkeypatch.chdir(ROOT)
    check_compose(yaml.safe_load(text), ROOT / written)

    up = shlex.split(up_line)
    assert up[2:] == ["docker", "compose", "-f", COMPOSE.relative_to(ROOT).as_posix(), "up"]
    assert {a.split("=")[0] for a in up[:2]} == {"LITELLM_MASTER_KEY", "REDIS_PASSWORD"}


def test_the_dockerfiles_header_builds_and_runs_the_image():
    build, run = (shlex.split(line) for line in header_commands(DOCKERFILE))
    assert build == ["docker", "build", "-t", IMAGE, "."]
    assert (ROOT / build[-1] / "Dockerfile").resolve() == DOCKERFILE
    assert run[:3] == ["docker", "run", "--rm"] and run[-1] == IMAGE
    assert run[run.index("-p") + 1] == f"{image_port()}:{image_port()}"
    assert run[run.index("-e") + 1].startswith("LITELLM_MASTER_KEY=sk-")


@pytest.mark.parametrize("redis", [None, ("redis", 6379)], ids=["shipped", "replicas"])
def test_the_generated_configs_header_installs_from_a_clone_a_wheel_or_the_image(redis):
    """Every install line the config's header shows is one that works: never the package index."""
    header = [line for line in proxy_config.render(redis).splitlines() if line.startswith("#")]
    commands = [line[4:] for line in header if line.startswith("#   ")]
    assert commands[0] == "litellm --config litellm_config.yaml"
    editable, wheel, image = commands[1:]
    assert shlex.split(editable)[:3] == ["pip", "install", "-e"]
    check_requirement(shlex.split(editable)[3])
    build, install = wheel.split(" && ")
    assert shlex.split(build) == ["pip", "wheel", "--no-deps", "-w", "dist", "."]
    pattern, _, extras = shlex.split(install)[2].removeprefix("$(ls ").partition(")")
    built = f"dist/kilo_litellm-{PYPROJECT['project']['version']}-py3-none-any.whl"  # what `pip wheel` writes
    assert fnmatch.fnmatchcase(built, pattern)
    check_requirement(extras)
    assert image == " ".join(header_commands(DOCKERFILE)[0].split())


def test_no_deploy_file_installs_the_package_from_an_index():
    for text in (proxy_config.render(), DOCKERFILE.read_text(), COMPOSE.read_text(), SHIPPED_CONFIG.read_text()):
        assert "kilo-litellm[" not in text and "pip install kilo-litellm" not in text
        assert '"kilo-litellm' not in text


@pytest.mark.slow
def test_the_images_healthcheck_passes_on_the_running_proxy_and_fails_once_it_stops(tmp_path):
    """The ``HEALTHCHECK`` command and the image's ``CMD`` (as ``run_proxy`` starts it, on loopback
    and a free port) against the real proxy serving the committed config."""
    _, flag, code = healthcheck()
    with run_proxy(SHIPPED_CONFIG, tmp_path, {}) as proxy:
        here = code.replace(f"http://127.0.0.1:{image_port()}", proxy.base)
        assert here != code
        assert subprocess.run([sys.executable, flag, here], timeout=30, check=False).returncode == 0
    stopped = subprocess.run([sys.executable, flag, here], capture_output=True, text=True, timeout=30, check=False)
    assert stopped.returncode != 0 and "Connection refused" in stopped.stderr


def _no_docker_daemon() -> str | None:
    """Why the image cannot be built here, or ``None`` when a Docker daemon answers."""
    if shutil.which("docker") is None:
        return "no docker command"
    done = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        return f"`docker info` fails: {lines[-1] if lines else done.returncode}"
    return None


def _docker(*args: str, timeout: float = 120) -> str:
    done = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, (args, done.stderr[-3000:])
    return done.stdout.strip()


@pytest.mark.timeout(1800)
@pytest.mark.slow
def test_the_image_builds_starts_as_a_user_and_answers_liveliness():
    reason = _no_docker_daemon()
    if reason:
        pytest.skip(f"building and starting the image needs a Docker daemon: {reason}")
    tag = f"{IMAGE}-test:{secrets.token_hex(4)}"
    _docker("build", "-t", tag, str(ROOT), timeout=1500)
    container = None
    try:
        key = "sk-" + secrets.token_hex(16)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KILO_", "LITELLM_"))}
        started = subprocess.run(
            ["docker", "run", "-d", "-p", f"127.0.0.1::{image_port()}", "-e", f"LITELLM_MASTER_KEY={key}", tag],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            check=True,
        )
        container = started.stdout.strip()
        base = "http://" + _docker("port", container, str(image_port())).splitlines()[0]
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(base + LIVELINESS, timeout=3).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, _docker("logs", container)[-3000:]
            time.sleep(1)
        assert _docker("exec", container, "id", "-u") != "0"
        models = httpx.get(base + "/v1/models", headers={"Authorization": f"Bearer {key}"}, timeout=10).json()
        assert "kilo-auto/free" in [m["id"] for m in models["data"]]
        while (health := _docker("inspect", "--format", "{{.State.Health.Status}}", container)) == "starting":
            assert time.monotonic() < deadline + 120, health
            time.sleep(2)
        assert health == "healthy"
    finally:
        if container:
            subprocess.run(["docker", "rm", "-f", container], capture_output=True, timeout=120, check=False)
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, timeout=120, check=False)
