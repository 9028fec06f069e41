"""Start the real LiteLLM proxy on a given config as a subprocess, for the endpoint tests."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

STARTUP_BUDGET = 60.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _litellm_command() -> list[str]:
    script = Path(sys.executable).with_name("litellm")
    return [str(script)] if script.exists() else [sys.executable, "-m", "litellm.proxy.proxy_cli"]


@contextlib.contextmanager
def running_proxy(config: Path, workdir: Path, **env_vars: str) -> Iterator[tuple[str, str]]:
    """``(base_url, master_key)`` of a proxy started from an empty ``workdir``; SIGTERM on exit."""
    log_path = workdir / "proxy.log"
    port = _free_port()
    master_key = "sk-" + secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KILO_", "LITELLM_"))}
    env.update(LITELLM_MASTER_KEY=master_key, LITELLM_OFFLINE_MODE="true", **env_vars)
    cmd = [*_litellm_command(), "--config", str(config), "--host", "127.0.0.1", "--port", str(port)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_BUDGET
        while True:
            if process.poll() is not None:
                pytest.fail(f"the proxy exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                if httpx.get(f"{base}/health/liveliness", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the proxy did not start within {STARTUP_BUDGET} s:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        yield base, master_key
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
