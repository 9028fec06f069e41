"""Kilo's own CLI, the real binary from npm, against the bundled emulator with no path rewriting.

The emulator listens inside a loopback-only network namespace and the client runs there too
(:mod:`netns`, :mod:`kilo_cli`), with ``KILO_API_URL`` at the emulator: every path below is the
one the client builds for ``https://api.kilo.ai``. Each test checks what the user sees (output,
exit code, stored files) and what reached the emulator (its request log).
"""

from __future__ import annotations

import json

import httpx
import pytest
from kilo_cli import VERSION, KiloUser, binary
from netns import loopback_only

from kilo_litellm.emulator import GatewayEmulator
from kilo_litellm.emulator.account import DENIED

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def kilo():
    return binary()


@pytest.fixture(scope="module")
def namespace():
    ns = loopback_only()
    yield ns
    ns.close()


@pytest.fixture(scope="module")
def inside(namespace):
    """An emulator listening inside the namespace."""
    emulator = namespace.call(GatewayEmulator).start()
    yield emulator
    emulator.stop()


@pytest.fixture
def gw(inside):
    inside.reset()
    yield inside
    inside.reset()


@pytest.fixture
def user(kilo, namespace, gw, tmp_path):
    return KiloUser(kilo, namespace, gw.url, tmp_path)


def _paths(gw) -> list[str]:
    return [f"{r.method} {r.path}" for r in gw.requests]


def _listed(done) -> list[str]:
    return [line.strip() for line in done.stdout.splitlines() if line.strip().startswith("kilo/")]


def test_nothing_leaves_the_namespace(namespace):
    import socket

    def reach() -> str:
        try:
            socket.create_connection(("1.1.1.1", 443), timeout=2).close()
        except OSError as exc:
            return type(exc).__name__
        return "connected"

    assert namespace.call(reach) != "connected"


def _served_ids(namespace, gw) -> set[str]:
    """The ids the emulator's ``/models`` gives that the client keeps (those that take tools)."""
    data = namespace.call(httpx.get, gw.url + "/api/openrouter/models", timeout=30).json()["data"]
    return {m["id"] for m in data if "tools" in (m.get("supported_parameters") or [])}


def test_kilo_models_lists_the_gateways_models(user, gw, namespace):
    done = user.run("models", "kilo")
    assert done.returncode == 0, done.stdout + done.stderr
    sent = [r for r in gw.requests if r.path == "/api/openrouter/models"]
    assert sent, _paths(gw)
    assert sent[0].headers["user-agent"] == f"opencode-kilo-provider/{VERSION}"
    assert sent[0].headers["x-kilocode-editorname"] == f"Kilo CLI {VERSION}"
    assert "authorization" not in sent[0].headers
    assert {m.removeprefix("kilo/") for m in _listed(done)} == _served_ids(namespace, gw)


def test_auth_login_approved_stores_the_token_and_reads_the_profile(user, gw):
    done = user.run("auth", "login", "-p", "kilo")
    assert done.returncode == 0, done.stdout + done.stderr
    [token] = gw.account.issued
    assert "Login successful" in done.stdout
    assert token not in done.stdout + done.stderr
    code = next(r.path.rsplit("/", 1)[1] for r in gw.requests if r.path.startswith("/api/device-auth/codes/"))
    assert f"{gw.url}/device-auth?code={code}" in done.stdout
    paths = _paths(gw)
    assert paths[0] == "POST /api/device-auth/codes"
    assert paths[1:3] == [f"GET /api/device-auth/codes/{code}"] * 2  # pending once, then approved
    assert "GET /api/profile" in paths
    for sent in gw.requests:
        assert sent.headers["user-agent"] == f"kilo/{VERSION}"
    stored = json.loads(user.auth_file.read_text())["kilo"]
    assert (stored["type"], stored["access"], stored["refresh"]) == ("oauth", token, token)

    profile = user.run("profile")
    assert profile.returncode == 0, profile.stdout + profile.stderr
    assert gw.account.email in profile.stdout
    assert gw.requests[-1].authorization == f"Bearer {token}"


def test_auth_login_denied_stores_nothing(user, gw):
    gw.account.outcome = DENIED
    done = user.run("auth", "login", "-p", "kilo")
    shown = done.stdout + done.stderr
    assert "denied" in shown.lower(), shown
    assert "Login successful" not in shown
    assert not gw.account.issued
    assert not user.auth_file.exists() or "kilo" not in json.loads(user.auth_file.read_text())
    assert "GET /api/profile" not in _paths(gw)
