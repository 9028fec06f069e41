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
from netns import INSIDE_HOST, loopback_only

from kilo_litellm.emulator import TOOL_MARKER, GatewayEmulator, gateway_model, recording, sse_payloads, streamed_text
from kilo_litellm.emulator import fim as emulated_fim
from kilo_litellm.emulator.account import DENIED

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]  # the first test installs the client

TOKEN = "kilo-emulator-token-0123456789abcdef"
ANSWER = streamed_text(sse_payloads(recording("stream-openai-gpt41.sse")))
SESSION_HEADERS = ("x-kilocode-taskid", "x-session-affinity", "x-session-id")


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
    emulator = namespace.call(GatewayEmulator, host=INSIDE_HOST).start()
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


RUNS = {
    "kilo-auto/free": ("/api/openrouter/chat/completions", None),
    "anthropic/claude-sonnet-4.6": ("/api/openrouter/messages", TOKEN),
    "openai/gpt-4.1": ("/api/openrouter/responses", TOKEN),
}


@pytest.mark.timeout(300)
@pytest.mark.parametrize("model", list(RUNS), ids=["chat", "messages", "responses"])
def test_kilo_run_calls_the_shell_tool_and_answers(user, gw, model):
    path, token = RUNS[model]
    if token is not None:
        user.signed_in(token)
    done = user.run("run", "-m", f"kilo/{model}", "say hello")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert done.stdout.rstrip().endswith(ANSWER)  # the answers on stdout, the transcript on stderr
    assert f"code · {model}" in done.stderr
    assert f"echo {TOOL_MARKER}\n{TOOL_MARKER}" in done.stderr.replace("\x1b[0m", "")
    turns = [r for r in gw.requests if r.method == "POST"]
    assert [r.path for r in turns] == [path, path], _paths(gw)
    asked, answered = (r.json for r in turns)
    assert asked["model"] == model and asked["stream"] is True
    assert "bash" in json.dumps(asked["tools"])
    assert TOOL_MARKER in json.dumps(answered)
    sent = turns[0].headers
    assert sent["authorization"] == f"Bearer {token or 'anonymous'}"
    assert sent["user-agent"].startswith(f"Kilo-Code/{VERSION} ai-sdk/provider-utils/")
    assert (sent["x-kilocode-editorname"], sent["x-kilocode-feature"], sent["x-kilocode-mode"]) == (
        f"Kilo CLI {VERSION}",
        "cli",
        "code",
    )
    assert len({turns[0].headers[h] for h in SESSION_HEADERS} | {turns[1].headers[h] for h in SESSION_HEADERS}) == 1
    if path.endswith("/messages"):
        assert (sent["anthropic-version"], sent["x-api-key"]) == ("2023-06-01", token)


@pytest.mark.timeout(300)
def test_fill_in_the_middle_through_kilo_serve(user, gw):
    user.signed_in(TOKEN)
    with user.serve() as served:
        answer = served.post("/kilo/fim", {"prefix": "def fib(n):\n    ", "suffix": "\n", "model": FIM_MODEL})
        refused = served.post("/kilo/fim", {"prefix": "def fib(n):\n    ", "suffix": "\n"})
    assert answer.status_code == 200, answer.text
    deltas = [e["choices"][0]["delta"].get("content") or "" for e in sse_payloads(answer.content) if e.get("choices")]
    assert "".join(deltas) == emulated_fim.FIM_TEXT
    sent = [r for r in gw.requests if r.path == "/api/fim/completions"]
    assert [r.json["model"] for r in sent] == [FIM_MODEL, "mistralai/codestral-2501"]
    assert sent[0].json == {
        "model": FIM_MODEL,
        "prompt": "def fib(n):\n    ",
        "suffix": "\n",
        "max_tokens": 256,
        "temperature": 0.2,
        "stream": True,
    }
    headers = sent[0].headers
    assert (headers["authorization"], headers["user-agent"], headers["x-kilocode-feature"]) == (
        f"Bearer {TOKEN}",
        f"kilo/{VERSION}",
        "autocomplete",
    )
    # the client's own default FIM model is not on the gateway's list: its user sees the refusal
    assert refused.status_code == 400 and "unsupported_fim_model" in refused.text


FIM_MODEL = "mistralai/codestral-2508"
ORG = "7f1c2d3e-4b5a-4c6d-8e9f-0a1b2c3d4e5f"
ORG_ONLY = "acme/org-only-model"


def test_an_organisation_users_model_list(user, gw):
    gw.account.organizations = [{"id": ORG, "name": "Acme", "role": "member"}]
    gw.organization_models[ORG] = [gateway_model(ORG_ONLY), gateway_model("kilo-auto/free")]
    user.signed_in(TOKEN, org_id=ORG)
    done = user.run("models", "kilo")
    assert done.returncode == 0, done.stdout + done.stderr
    assert set(_listed(done)) == {f"kilo/{ORG_ONLY}", "kilo/kilo-auto/free"}
    [sent] = [r for r in gw.requests if r.path == f"/api/organizations/{ORG}/models"]
    assert sent.authorization == f"Bearer {TOKEN}"
    assert sent.headers["x-kilocode-organizationid"] == ORG
    assert "/api/openrouter/models" not in {r.path for r in gw.requests}
