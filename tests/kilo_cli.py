"""Kilo's own CLI (``@kilocode/cli-linux-x64``, pinned) run against an emulator in a loopback-only namespace.

The binary comes from npm into the agents' cache (:mod:`agents_cache`). Each :class:`KiloUser` has
its own HOME and XDG folders and a project folder, ``KILO_API_URL`` at the emulator (no path
rewriting: the client builds ``/api/openrouter/...``, ``/api/fim/completions``, ``/api/profile``
itself), and the variables that switch off what would call out: telemetry
(``KILO_TELEMETRY_LEVEL`` other than ``all``), auto-update, session ingest and sharing, the
models.dev catalogue fetch, LSP downloads, Claude Code's files. It runs inside the namespace
(:mod:`netns`) where the emulator listens, so nothing it tries can leave the machine.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from agents_cache import install
from netns import Namespace

PACKAGE = "@kilocode/cli-linux-x64"
VERSION = "7.7.9"
RUN_TIMEOUT = 180
YEAR_MS = 365 * 24 * 3600 * 1000
QUIET = {
    "KILO_TELEMETRY_LEVEL": "off",
    "KILO_DISABLE_AUTOUPDATE": "1",
    "KILO_DISABLE_SESSION_INGEST": "1",
    "KILO_DISABLE_SHARE": "1",
    "KILO_DISABLE_MODELS_FETCH": "1",
    "KILO_DISABLE_LSP_DOWNLOAD": "1",
    "KILO_DISABLE_CLAUDE_CODE": "1",
    "KILO_DISABLE_EXTERNAL_SKILLS": "1",
    "KILO_NO_DAEMON": "1",
}
"""The client's own switches (read in its bundled JavaScript) for everything that would call out."""


def binary() -> Path:
    """The pinned ``kilo`` binary, installed on first use; a skip off linux-x64 or without npm."""
    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
        pytest.skip(f"{PACKAGE} is built for linux-x64 only, this is {platform.system()}-{platform.machine()}")
    return install({PACKAGE: VERSION}, f"Kilo CLI {VERSION}") / PACKAGE / "bin" / "kilo"


class KiloUser:
    """One person's fresh home running the official client against ``url`` inside ``namespace``."""

    def __init__(self, kilo: Path, namespace: Namespace, url: str, root: Path) -> None:
        self.kilo = kilo
        self.namespace = namespace
        self.home = root / "home"
        self.project = root / "project"
        for folder in (self.home, self.project):
            folder.mkdir(parents=True, exist_ok=True)
        keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL")}
        self.env = {
            **keep,
            "HOME": str(self.home),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "XDG_DATA_HOME": str(self.home / ".local" / "share"),
            "XDG_CACHE_HOME": str(self.home / ".cache"),
            "XDG_STATE_HOME": str(self.home / ".local" / "state"),
            "TMPDIR": str(root),
            "TERM": "dumb",
            "NO_COLOR": "1",
            "KILO_API_URL": url,
            **QUIET,
        }

    def run(self, *args: str, timeout: float = RUN_TIMEOUT) -> subprocess.CompletedProcess:
        return subprocess.run(
            self.namespace.command([str(self.kilo), *args]),
            cwd=self.project,
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    @property
    def auth_file(self) -> Path:
        return self.home / ".local" / "share" / "kilo" / "auth.json"

    def signed_in(self, token: str, org_id: str | None = None) -> None:
        """The sign-in ``kilo auth login`` stores (``test_kilo_client`` checks its shape), without the flow."""
        entry = {"type": "oauth", "access": token, "refresh": token, "expires": int(time.time() * 1000) + YEAR_MS}
        if org_id is not None:
            entry["accountId"] = org_id
        self.auth_file.parent.mkdir(parents=True, exist_ok=True)
        self.auth_file.write_text(json.dumps({"kilo": entry}))

    def serve(self) -> Served:
        return Served(self)


class Served:
    """``kilo serve`` on a free port inside the namespace; ``post`` calls its HTTP API from inside too."""

    def __init__(self, user: KiloUser) -> None:
        self.user = user
        self.port = user.namespace.call(_free_port)
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            user.namespace.command([str(user.kilo), "serve", "--port", str(self.port), "--hostname", "127.0.0.1"]),
            cwd=user.project,
            env=user.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def wait_ready(self, ceiling: float = RUN_TIMEOUT) -> None:
        deadline = time.monotonic() + ceiling
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"kilo serve exited {self.proc.returncode}:\n{self.proc.stdout.read()[-3000:]}")
            try:
                self.user.namespace.call(httpx.get, self.url + "/kilo/fim", timeout=2)  # any answer: up
                return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise AssertionError(f"kilo serve did not answer within {ceiling:g} s")

    def post(self, path: str, body: dict, timeout: float = 60) -> httpx.Response:
        return self.user.namespace.call(httpx.post, self.url + path, json=body, timeout=timeout)

    def __enter__(self) -> Served:
        try:
            self.wait_ready()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
