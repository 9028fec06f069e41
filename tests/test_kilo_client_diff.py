"""What Kilo's own CLI and kilo_litellm send for the same thing, on the same emulator, compared.

For a chat, a streamed chat, fill-in-the-middle, the sign-in and the model list, each side's
requests are reduced to their path, auth scheme, header names and body keys (:func:`shape`), and
every difference must be a row of the table in ``docs/kilo-client.md`` (with its reason), and every
row a difference still seen: the table is the list of what differs, neither more nor less.

The official client runs as in ``test_kilo_client`` (inside the loopback-only namespace); the
kilo_litellm calls run there too, on a thread inside the namespace (``litellm.completion``,
``litellm.text_completion`` with ``suffix``) or as the installed ``kilo-litellm`` command.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import litellm
import pytest
from kilo_cli import KiloUser, binary
from netns import INSIDE_HOST, loopback_only

from kilo_litellm.config.settings import user_agent
from kilo_litellm.emulator import GatewayEmulator

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]  # the first test installs the client

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "kilo-client.md"
TOKEN = "kilo-emulator-token-0123456789abcdef"
CLIENT, OURS = "Kilo CLI", "kilo-litellm"
TRANSPORT = frozenset({"host", "connection", "accept", "accept-encoding", "content-length", "content-type"})
"""Headers of HTTP itself, not of the gateway's contract."""
PROMPT, SUFFIX = "def fib(n):\n    ", "\n"
ORG = "7f1c2d3e-4b5a-4c6d-8e9f-0a1b2c3d4e5f"


def shape(request) -> dict[str, set[str]]:
    """The parts compared: ``path`` (a device code as ``{code}``), ``auth`` (scheme), header names, body keys."""
    path = re.sub(r"/api/device-auth/codes/[^/?]+", "/api/device-auth/codes/{code}", request.path.split("?")[0])
    auth = request.headers.get("authorization")
    scheme = "none" if auth is None else ("Bearer anonymous" if auth == "Bearer anonymous" else "Bearer <token>")
    body = request.json if request.raw else None
    return {
        "path": {path},
        "auth": {scheme},
        "header": {h for h in request.headers if h not in TRANSPORT},
        "body": set(body) if isinstance(body, dict) else set(),
    }


def merged(requests) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {"path": set(), "auth": set(), "header": set(), "body": set()}
    for request in requests:
        for part, values in shape(request).items():
            out[part] |= values
    return out


def differences(kind: str, client, ours) -> set[tuple[str, str, str]]:
    """``(kind, "part value", side that has it)`` for everything only one side sends."""
    a, b = merged(client), merged(ours)
    found = set()
    for part in a:
        found |= {(kind, f"{part} {v}", CLIENT) for v in a[part] - b[part]}
        found |= {(kind, f"{part} {v}", OURS) for v in b[part] - a[part]}
    return found


def documented() -> set[tuple[str, str, str]]:
    """The rows of the differences table in ``docs/kilo-client.md``: kind | what | only in | why."""
    rows = set()
    for line in DOC.read_text().splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[2] in (CLIENT, OURS) and cells[3]:
            kind, what, side, _why = cells
            rows.add((kind, what.replace("`", ""), side))
    return rows


@pytest.fixture(scope="module")
def seen(tmp_path_factory):
    """Each side's requests per kind, from one run of every scenario on one emulator."""
    kilo = binary()
    ns = loopback_only()
    gw = ns.call(GatewayEmulator, host=INSIDE_HOST).start()
    try:
        yield _scenarios(kilo, ns, gw, tmp_path_factory)
    finally:
        gw.stop()
        ns.close()


def _taken(gw, *prefixes: str) -> list:
    taken = [r for r in gw.requests if r.path.startswith(prefixes)]
    gw.requests.clear()
    return taken


def _scenarios(kilo, ns, gw, tmp_path_factory) -> dict[str, tuple[list, list]]:
    client = KiloUser(kilo, ns, gw.url, tmp_path_factory.mktemp("kilo-client"))
    out: dict[str, tuple[list, list]] = {}

    login = client.run("auth", "login", "-p", "kilo")
    assert login.returncode == 0, login.stdout + login.stderr
    client_sign_in = _taken(gw, "/api/")
    ours_login = _kilo_litellm(ns, gw, tmp_path_factory.mktemp("ours-login"), "login", "--no-browser")
    assert ours_login.returncode == 0, ours_login.stdout + ours_login.stderr
    out["sign-in"] = (client_sign_in, _taken(gw, "/api/"))

    client.signed_in(TOKEN)
    listed = client.run("models", "kilo")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    client_models = _taken(gw, "/api/openrouter/models")
    refreshed = _kilo_litellm(ns, gw, tmp_path_factory.mktemp("ours-models"), "models", "--refresh")
    assert refreshed.returncode == 0, refreshed.stdout + refreshed.stderr
    out["model list"] = (client_models, _taken(gw, "/api/gateway/models"))

    gw.account.organizations = [{"id": ORG, "name": "Acme", "role": "member"}]
    gw.account.selected_organization_id = ORG
    client.signed_in(TOKEN, org_id=ORG)
    listed = client.run("models", "kilo")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    client_org_models = _taken(gw, f"/api/organizations/{ORG}/models")
    home = tmp_path_factory.mktemp("ours-org")
    for args in (("login", "--no-browser"), ("models", "--refresh")):
        done = _kilo_litellm(ns, gw, home, *args)
        assert done.returncode == 0, done.stdout + done.stderr
    out["organisation model list"] = (client_org_models, _taken(gw, f"/api/organizations/{ORG}/models"))
    client.signed_in(TOKEN)

    ran = client.run("run", "-m", "kilo/kilo-auto/free", "say hello")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    [client_chat, *_] = _taken(gw, "/api/openrouter/chat/completions")
    messages = [{"role": "user", "content": "say hello"}]
    common = {"model": "kilo/kilo-auto/free", "messages": messages, "api_key": TOKEN, "api_base": gw.api_base}
    ns.call(litellm.completion, **common)
    out["chat"] = ([client_chat], _taken(gw, "/api/gateway/chat/completions"))
    ns.call(lambda: list(litellm.completion(**common, stream=True)))
    out["streamed chat"] = ([client_chat], _taken(gw, "/api/gateway/chat/completions"))

    with client.serve() as served:
        fim = {"prefix": PROMPT, "suffix": SUFFIX, "model": "mistralai/codestral-2508"}
        assert served.post("/kilo/fim", fim).status_code == 200
    client_fim = _taken(gw, "/api/fim/completions")
    ns.call(
        litellm.text_completion,
        model="kilo/mistralai/codestral-2508",
        prompt=PROMPT,
        suffix=SUFFIX,
        api_key=TOKEN,
        api_base=gw.api_base,
    )
    out["fim"] = (client_fim, _taken(gw, "/api/fim/completions"))
    return out


def _kilo_litellm(ns, gw, home: Path, *args: str) -> subprocess.CompletedProcess:
    """The installed ``kilo-litellm`` command as a new user inside the namespace."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KILO_", "XDG_"))}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"),
        KILO_LITELLM_CONFIG_DIR=str(home / "config"),
        KILO_LITELLM_CACHE_DIR=str(home / "cache"),
        KILO_API_URL=gw.url,
        KILO_API_BASE=gw.api_base,
    )
    script = Path(sys.executable).with_name("kilo-litellm")
    argv = [str(script)] if script.exists() else [sys.executable, "-m", "kilo_litellm"]
    return subprocess.run(
        ns.command([*argv, *args, *(("--poll-interval", "0.05") if args[0] == "login" else ())]),
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


KINDS = ("chat", "streamed chat", "fim", "sign-in", "model list", "organisation model list")


@pytest.mark.timeout(900)
def test_every_difference_is_documented_and_every_documented_one_is_seen(seen):
    found = set().union(*(differences(kind, *seen[kind]) for kind in KINDS))
    rows = documented()
    assert not found - rows, f"differences without a reason in {DOC.name}: {sorted(found - rows)}"
    assert not rows - found, f"rows of {DOC.name} no longer seen: {sorted(rows - found)}"


def test_both_sides_were_seen_for_every_kind(seen):
    for kind in KINDS:
        client, ours = seen[kind]
        assert client and ours, kind


def test_our_user_agent_names_our_version_and_every_request_sends_it(seen):
    from importlib.metadata import version

    assert user_agent() == f"kilo-litellm/{version('kilo-litellm')}"
    for kind in KINDS:
        _client, ours = seen[kind]
        assert {r.headers["user-agent"] for r in ours} == {user_agent()}, kind


def test_fim_and_the_sign_in_reach_the_same_paths(seen):
    for kind in ("fim", "sign-in"):
        client, ours = seen[kind]
        assert merged(client)["path"] >= merged(ours)["path"], kind
