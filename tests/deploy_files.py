"""The container files, read as Docker reads them: ``Dockerfile`` (BuildKit's own parser, through the
``dockerfile`` package), ``.dockerignore`` and ``deploy/compose.yaml``; and the checks that hold them
to the config ``kilo-litellm proxy-config`` writes. ``test_deploy.py`` and ``test_readme.py`` use them.
"""

from __future__ import annotations

import fnmatch
import shlex
from pathlib import Path, PurePosixPath

import dockerfile
import tomllib
import yaml
from proxy_helpers import litellm_command, proxy_command

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
COMPOSE = ROOT / "deploy" / "compose.yaml"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
REPLICAS = ("litellm-a", "litellm-b")
LIVELINESS = "/health/liveliness"


def instructions(cmd: str) -> list[dockerfile.Command]:
    return [c for c in dockerfile.parse_file(str(DOCKERFILE)) if c.cmd == cmd.upper()]


def instruction(cmd: str) -> dockerfile.Command:
    [found] = instructions(cmd)
    return found


def image_command() -> list[str]:
    """The image's ``CMD``, in exec form."""
    cmd = instruction("CMD")
    assert cmd.json, cmd.original
    return list(cmd.value)


def image_config() -> str:
    """The config path the image's ``CMD`` serves."""
    argv = image_command()
    return argv[argv.index("--config") + 1]


def image_port() -> int:
    argv = image_command()
    return int(argv[argv.index("--port") + 1])


def healthcheck() -> list[str]:
    """The ``HEALTHCHECK``'s command, in exec form."""
    check = instruction("HEALTHCHECK")
    assert check.json and check.value[0] == "CMD", check.original
    return list(check.value[1:])


def check_image_command(target: str) -> None:
    """The image runs ``litellm`` on ``target`` as the tests' ``run_proxy`` does, on every interface."""
    assert proxy_command(Path(target), 4000)[len(litellm_command()) :] == [
        *("--config", target, "--host", "127.0.0.1", "--port", "4000")
    ]
    assert image_command() == ["litellm", "--config", target, "--host", "0.0.0.0", "--port", "4000"]


def check_requirement(requirement: str) -> None:
    """``.[proxy]`` or ``<wheel>[proxy]``: this project, with extras it declares."""
    _, _, extras = requirement.partition("[")
    assert extras, requirement
    for extra in extras.rstrip("]").split(","):
        assert extra in PYPROJECT["project"]["optional-dependencies"], requirement


def services() -> dict:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def header_commands(path: Path) -> list[str]:
    """The command lines a file's header comment shows (``#   <command>``)."""
    return [line[4:] for line in path.read_text().splitlines() if line.startswith("#   ")]


def check_compose(config: dict, written: Path) -> None:
    """``deploy/compose.yaml`` runs two replicas of the image the checkout's Dockerfile builds, on
    the config ``kilo-litellm proxy-config --redis redis:6379 ...`` wrote to ``written``: mounted
    where the image's ``CMD`` reads it, with the Redis service it names, and the keys it needs."""
    found = services()
    assert set(found) == {"redis", *REPLICAS}
    assert (config["router_settings"]["redis_host"], config["router_settings"]["redis_port"]) == ("redis", 6379)
    assert "--requirepass" in found["redis"]["command"]
    assert config["router_settings"]["redis_password"] == "os.environ/REDIS_PASSWORD"
    ports = []
    for name in REPLICAS:
        replica = found[name]
        assert "image" not in replica and "command" not in replica, "the replicas run the image built here"
        assert (COMPOSE.parent / replica["build"]).resolve() == DOCKERFILE.parent
        [volume] = replica["volumes"]
        source, target, mode = volume.split(":")
        assert (COMPOSE.parent / source).resolve() == written.resolve() and mode == "ro"
        assert target == image_config()
        check_image_command(target)
        env = replica["environment"]
        assert (
            env["LITELLM_MASTER_KEY"].startswith("${LITELLM_MASTER_KEY:?") and "master key" in env["LITELLM_MASTER_KEY"]
        )
        assert env["REDIS_PASSWORD"].startswith("${REDIS_PASSWORD:?")
        assert env["KILO_API_KEY"] == "${KILO_API_KEY:-}"
        assert replica["depends_on"] == ["redis"]
        [published] = replica["ports"]
        assert published.endswith(f":{image_port()}")
        ports.append(published)
    assert ports == ["4000:4000", "4001:4000"]


def ignored(path: str, patterns: list[str]) -> bool:
    """Whether ``.dockerignore`` ``patterns`` leave ``path`` (or a folder above it) out of the build context."""
    parts = PurePosixPath(path).parts
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        anywhere = pattern.startswith("**/")
        for prefix in prefixes:
            name = PurePosixPath(prefix).name
            if fnmatch.fnmatchcase(prefix, pattern) or (anywhere and fnmatch.fnmatchcase(name, pattern[3:])):
                return True
    return False


def ignore_patterns() -> list[str]:
    lines = (line.strip() for line in DOCKERIGNORE.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def pip_install_requirements(run: str) -> list[str]:
    """The requirements of the ``pip install`` in a ``RUN`` line (``&&``-joined commands)."""
    for command in run.split("&&"):
        argv = shlex.split(command)
        if argv[:2] == ["pip", "install"]:
            return [a for a in argv[2:] if not a.startswith("-")]
    raise AssertionError(f"no pip install in {run!r}")
