"""Start the real LiteLLM proxy for a test module, from a config laid out like the shipped one.

``agents_config()`` is the shipped ``litellm_config.yaml`` once its first model group is
``kilo-auto/free``; until then it is a config with the same layout (``kilo-auto/free`` falling back
to a second free group, ``num_retries: 0``, ``kilo/*``). ``spend_logger()`` writes a LiteLLM
``CustomLogger`` that appends each call's ``standard_logging_object`` cost to a file, which is how
a test sees what the proxy's spend logging received (there is no database offline).
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml
from processes import NotReadyError, wait_until_ready

from kilo_litellm.models import catalog

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_CONFIG = ROOT / "litellm_config.yaml"
FREE_GROUP = "kilo-auto/free"

SPEND_LOGGER = """
import json

from litellm.integrations.custom_logger import CustomLogger


class SpendLog(CustomLogger):
    async def async_log_success_event(self, kwargs, response_obj, start_time, end_time):
        logged = kwargs.get("standard_logging_object") or {{}}
        line = {{k: logged.get(k) for k in ("call_type", "model", "model_group", "response_cost", "stream")}}
        with open({path!r}, "a") as out:
            out.write(json.dumps(line) + "\\n")


spend_log = SpendLog()
"""


def agents_config() -> dict:
    """The shipped ``litellm_config.yaml``: what users start the proxy with."""
    return yaml.safe_load(SHIPPED_CONFIG.read_text())


def gateway_id(config: Mapping, group: str) -> str:
    """The gateway model id the first deployment of ``group`` sends."""
    model = next(m["litellm_params"]["model"] for m in config["model_list"] if m["model_name"] == group)
    return catalog.resolve(model.removeprefix("kilo/")).gateway_id


def fallback_chain(config: Mapping, group: str) -> list[str]:
    for rule in config.get("router_settings", {}).get("fallbacks", []):
        if group in rule:
            return list(rule[group])
    return []


def write_config(config: Mapping, workdir: Path, spend_file: Path | None = None) -> Path:
    """``config`` as YAML in ``workdir``, with the spend logger as a callback when ``spend_file`` is given."""
    config = copy.deepcopy(dict(config))
    if spend_file is not None:
        (workdir / "spend_cb.py").write_text(SPEND_LOGGER.format(path=str(spend_file)))
        settings = config.setdefault("litellm_settings", {})
        settings["callbacks"] = [*settings.get("callbacks", []), "spend_cb.spend_log"]
    path = workdir / "litellm_config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def read_spend(spend_file: Path, count: int, timeout: float = 10.0) -> list[dict]:
    """The first ``count`` logged calls, waiting for the proxy's asynchronous callbacks."""
    deadline = time.monotonic() + timeout
    while True:
        lines = spend_file.read_text().splitlines() if spend_file.exists() else []
        if len(lines) >= count or time.monotonic() > deadline:
            return [json.loads(line) for line in lines]
        time.sleep(0.05)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def litellm_command() -> list[str]:
    script = Path(sys.executable).with_name("litellm")
    return [str(script)] if script.exists() else [sys.executable, "-m", "litellm.proxy.proxy_cli"]


def proxy_command(config: Path, port: int) -> list[str]:
    """The README's ``litellm --config litellm_config.yaml --host 127.0.0.1 --port 4000``, for ``config`` and ``port``."""
    return [*litellm_command(), "--config", str(config), "--host", "127.0.0.1", "--port", str(port)]


@dataclass(frozen=True)
class Proxy:
    base: str
    master_key: str
    log: Path
    pid: int = 0


class ProxyStartError(NotReadyError):
    """The proxy exited before it answered ``/health/liveliness``, or never did (``processes.CEILING``)."""


@contextlib.contextmanager
def run_proxy(config: Path, workdir: Path, env: Mapping[str, str]) -> Iterator[Proxy]:
    """The proxy on a free loopback port, started from ``workdir``; SIGTERM when the block ends."""
    port = free_port()
    master_key = "sk-" + secrets.token_hex(16)
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("KILO_", "LITELLM_"))}
    full_env.update(LITELLM_MASTER_KEY=master_key, LITELLM_OFFLINE_MODE="true")
    full_env.update({"KILO_LITELLM_CONFIG_DIR": str(workdir / "kilo-config"), **env})  # no stored sign-in unless given
    full_env.setdefault("KILO_LITELLM_CACHE_DIR", str(workdir / "kilo-cache"))  # its /models list stays in workdir
    log_path = workdir / "proxy.log"
    cmd = proxy_command(config, port)
    with log_path.open("wb") as log:
        process = subprocess.Popen(cmd, cwd=workdir, env=full_env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def live() -> bool:
        try:
            return httpx.get(f"{base}/health/liveliness", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        try:
            wait_until_ready(process, live, what="the proxy", log=log_path.read_text)
        except NotReadyError as exc:
            raise ProxyStartError(str(exc)) from None
        yield Proxy(base, master_key, log_path, process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@contextlib.contextmanager
def proxy_with_spend_log(config: Mapping, workdir: Path, env: Mapping[str, str]) -> Iterator[tuple[Proxy, Path]]:
    """A proxy from ``config`` whose spend log is ``workdir/spend.jsonl``: the proxy and that file."""
    spend = workdir / "spend.jsonl"
    with run_proxy(write_config(config, workdir, spend_file=spend), workdir, env) as running:
        yield running, spend


def fresh_emulator_and_spend(emulator, proxy: tuple[Proxy, Path]) -> Iterator:
    """For a per-test fixture: the emulator with an empty script and log, and no spend lines yet."""
    emulator.reset()
    proxy[1].unlink(missing_ok=True)
    yield emulator
    emulator.reset()


def openai_client(proxy: tuple[Proxy, Path], timeout: float = 30):
    """The ``openai`` SDK pointed at the proxy with its master key, without retries."""
    import openai

    return openai.OpenAI(base_url=f"{proxy[0].base}/v1", api_key=proxy[0].master_key, max_retries=0, timeout=timeout)
