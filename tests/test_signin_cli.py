"""``kilo-litellm login``, ``whoami`` and ``logout`` as installed, in a subprocess with a fresh ``HOME``.

Each test runs the command with its own ``HOME`` and XDG folders (so the token lands where
``platformdirs`` says: ``$XDG_CONFIG_HOME/kilo-litellm/signin.json``), ``KILO_API_URL`` at the
emulator's account endpoints and ``KILO_API_BASE`` at its gateway; the test scripts the account
(approve after N polls, deny, expire, 429) and reads what the emulator received.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from keyring_backends import ENV_FILE
from processes import CEILING

from kilo_litellm.emulator import Reply
from kilo_litellm.emulator.account import DENIED, EXPIRED

pytestmark = pytest.mark.slow

SCRIPT = Path(sys.executable).with_name("kilo-litellm")
TESTS = Path(__file__).resolve().parent
PAID = "kilo/anthropic/claude-sonnet-4.6"
FAST = ("--poll-interval", "0.05")
NOT_INHERITED = ("KILO_", "XDG_", "PYTHON_KEYRING", "BROWSER", "DISPLAY", "WAYLAND_DISPLAY")


class User:
    """One OS user's fresh home, and the command run as that user."""

    def __init__(self, tmp_path: Path, gw) -> None:
        self.gw = gw
        self.xdg_config = tmp_path / "xdg-config"
        self.store = self.xdg_config / "kilo-litellm" / "signin.json"
        self.browser_log = tmp_path / "browser.log"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(NOT_INHERITED)}
        self.env.update(
            HOME=str(tmp_path / "home"),
            XDG_CONFIG_HOME=str(self.xdg_config),
            XDG_DATA_HOME=str(tmp_path / "xdg-data"),
            XDG_CACHE_HOME=str(tmp_path / "xdg-cache"),
            XDG_STATE_HOME=str(tmp_path / "xdg-state"),
            KILO_API_URL=gw.url,
            KILO_API_BASE=gw.api_base,
            PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        )
        self.outputs: list[str] = []

    def command(self) -> list[str]:
        return [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "kilo_litellm"]

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [*self.command(), *args],
            capture_output=True,
            text=True,
            env={**self.env, **env},
            timeout=CEILING,
            check=False,
        )
        self.outputs.append(done.stdout + done.stderr)
        return done

    def with_browser(self) -> None:
        """A "browser" (``BROWSER``, as ``webbrowser`` reads it) that writes down the page it was asked to open."""
        browser = self.browser_log.with_name("browser.sh")
        browser.write_text(f'#!/bin/sh\necho "$1" >> {self.browser_log}\n')
        browser.chmod(0o755)
        self.env["BROWSER"] = str(browser)

    @property
    def token(self) -> str:
        [token] = self.gw.account.issued
        return token


@pytest.fixture
def user(tmp_path, gw):
    user = User(tmp_path, gw)
    yield user
    for token in gw.account.issued:
        for output in user.outputs:
            assert token not in output, "the token was printed"


def one_error_line(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith("error: ")
    return line


@pytest.mark.timeout(600)  # seven runs of the command; each imports LiteLLM
def test_login_stores_the_token_and_every_command_uses_it(user, gw):
    user.with_browser()
    login = user.run("login", *FAST)
    assert login.returncode == 0, login.stderr
    [code] = [line.split()[-1] for line in login.stdout.splitlines() if line.strip().startswith("Code:")]
    url = f"{gw.url}/device-auth?code={code}"
    assert f"  URL:   {url}\n  Code:  {code}\n" in login.stdout
    assert "Opened the page in your browser." in login.stdout
    assert user.browser_log.read_text().split() == [url]
    assert "Waiting for approval: 10:00 left (Ctrl-C to cancel)" in login.stdout
    assert "Signed in as dev@example.com." in login.stdout
    assert f"Stored in {user.store} (readable only by you)." in login.stdout
    assert "Your organisations: Emulator Team (org-emulator-1, owner)" in login.stdout
    assert user.store.stat().st_mode & 0o777 == 0o600
    assert json.loads(user.store.read_text())["token"] == user.token

    chat = user.run("chat", "--model", PAID, "hello")
    assert chat.returncode == 0, chat.stderr
    assert gw.chat_requests[-1].authorization == f"Bearer {user.token}"

    whoami = user.run("whoami")
    assert whoami.returncode == 0, whoami.stderr
    assert whoami.stdout.splitlines() == [
        "signed in as dev@example.com",
        f"credential: stored sign-in (file {user.store})",
        "organisations: Emulator Team (org-emulator-1, owner)",
        "balance: $12.50",
    ]
    assert gw.requests[-1].authorization == f"Bearer {user.token}"

    check = user.run("check", "--model", PAID, "--no-ping")
    assert check.returncode == 0, check.stderr
    assert "  Authorization: Bearer (stored sign-in, file)\n" in check.stdout
    assert f"credential: stored sign-in (file {user.store})\n" in check.stdout

    logout = user.run("logout")
    assert logout.returncode == 0, logout.stderr
    assert f"signed out: removed the stored sign-in (file {user.store})" in logout.stdout
    assert not user.store.exists()
    sent = len(gw.chat_requests)
    line = one_error_line(user.run("chat", "--model", PAID, "hello"))
    assert "is a paid model and no Kilo API key is set. Run `kilo-litellm login`" in line
    assert len(gw.chat_requests) == sent
    assert user.run("whoami").stdout.startswith("not signed in: none (anonymous: free models only)\n")


@pytest.mark.timeout(300)
def test_login_with_an_organisation_sends_it_afterwards(user, gw):
    login = user.run("login", "--org", "emulator team", "--no-browser", *FAST)
    assert login.returncode == 0, login.stderr
    assert "Organisation: Emulator Team (org-emulator-1, owner), sent as X-KiloCode-OrganizationId." in login.stdout
    assert user.run("chat", "--model", PAID, "hello").returncode == 0
    sent = gw.chat_requests[-1]
    assert (sent.authorization, sent.headers["x-kilocode-organizationid"]) == (f"Bearer {user.token}", "org-emulator-1")
    whoami = user.run("whoami").stdout
    assert "organisation in use: Emulator Team (org-emulator-1, owner), chosen at login\n" in whoami
    assert "balance: $250.00 (organisation)\n" in whoami


@pytest.mark.timeout(300)
def test_login_takes_the_organisation_the_profile_selects_and_whoami_shows_it(user, gw):
    gw.account.selected_organization_id = "org-emulator-1"
    login = user.run("login", "--no-browser", *FAST)
    assert login.returncode == 0, login.stderr
    assert (
        "Organisation: Emulator Team (org-emulator-1, owner), as your Kilo profile selects it; "
        "sent as X-KiloCode-OrganizationId.\n"
        "`kilo-litellm login --personal` signs in without it, `--org ID` with another.\n"
    ) in login.stdout
    assert json.loads(user.store.read_text())["org_id"] == "org-emulator-1"
    whoami = user.run("whoami").stdout
    assert "organisation in use: Emulator Team (org-emulator-1, owner), chosen at login\n" in whoami
    personal = user.run("login", "--no-browser", "--personal", *FAST)
    assert personal.returncode == 0, personal.stderr
    assert "Personal account. Your organisations: Emulator Team" in personal.stdout
    assert "organisation in use" not in user.run("whoami").stdout


def test_without_a_browser_the_url_is_all(user):
    login = user.run("login", *FAST)
    assert login.returncode == 0, login.stderr
    assert "Open the URL in a browser on any device." in login.stdout


REFUSALS = {
    "too many pending codes": ("too_many_codes", "too many sign-ins are already waiting for approval (HTTP 429)"),
    "denied": ("denied", "the sign-in was denied in the browser; nothing was stored"),
    "expired": ("expired", "the code expired before it was approved; run `kilo-litellm login` again"),
    "server error": ("500", "refused to start a sign-in (HTTP 500: database down)"),
    "no network": ("offline", "could not reach the Kilo account service at http://127.0.0.1:9 (ConnectError:"),
    "not a URL": ("bad url", "KILO_API_URL: 'api.kilo.ai' is not a URL: it should look like https://api.kilo.ai"),
    "unknown organisation": ("org", "this account has no organisation 'nope' (its organisations: Emulator Team"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_every_refusal_is_one_line_and_exit_1(user, gw, case):
    setup, expected = REFUSALS[case]
    args, env = ["login", "--no-browser", *FAST], {}
    if setup == "too_many_codes":
        gw.account.too_many_codes = True
    elif setup in (DENIED, EXPIRED):
        gw.account.outcome = setup
    elif setup == "500":
        gw.script(Reply(status=500, body=b'{"error":"Internal Server Error","message":"database down"}'))
    elif setup == "offline":
        env["KILO_API_URL"] = "http://127.0.0.1:9"
    elif setup == "bad url":
        env["KILO_API_URL"] = "api.kilo.ai"
    else:
        args += ["--org", "nope"]
    line = one_error_line(user.run(*args, **env))
    assert expected in line
    assert line.endswith("nothing was stored")
    assert not user.store.exists()


def test_ctrl_c_while_waiting_stores_nothing(user, gw):
    gw.account.pending_polls = 10**6
    proc = subprocess.Popen(
        [*user.command(), "login", "--no-browser", "--poll-interval", "0.2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=user.env,
    )
    seen: list[str] = []
    waiting = threading.Event()

    def read() -> None:
        for line in proc.stdout:
            seen.append(line)
            if line.startswith("Waiting for approval"):
                waiting.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert waiting.wait(60), "".join(seen)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 130
    finally:
        if proc.poll() is None:
            proc.kill()
    reader.join(5)
    err = proc.stderr.read()
    assert err == "login cancelled: nothing was stored\n"
    assert not user.store.exists()


@pytest.mark.timeout(300)
def test_a_rejected_stored_sign_in_says_to_log_in_again(user, gw):
    gw.account.token = "kilo-expired-token-0123456789"  # the emulator's gateway rejects a token saying "expired"
    assert user.run("login", "--no-browser", *FAST).returncode == 0
    line = one_error_line(user.run("whoami"))
    assert (
        line == "error: your stored sign-in was rejected by Kilo (expired or revoked): run `kilo-litellm login` again"
    )
    line = one_error_line(user.run("chat", "--model", PAID, "hello"))
    assert "The gateway rejected your stored Kilo sign-in (expired or revoked): run `kilo-litellm login` again" in line


@pytest.mark.timeout(400)
def test_the_system_keyring_holds_the_token_where_one_is_configured(user, gw, tmp_path):
    held = tmp_path / "keyring.json"
    keyring = {
        "PYTHONPATH": str(TESTS),
        "PYTHON_KEYRING_BACKEND": "keyring_backends.FileKeyring",
        ENV_FILE: str(held),
    }
    login = user.run("login", "--no-browser", *FAST, **keyring)
    assert login.returncode == 0, login.stderr
    assert "Stored in the system keyring." in login.stdout
    assert json.loads(held.read_text()) == {"kilo-litellm/kilo-sign-in": user.token}
    assert "token" not in json.loads(user.store.read_text())
    assert user.run("chat", "--model", PAID, "hello", **keyring).returncode == 0
    assert gw.chat_requests[-1].authorization == f"Bearer {user.token}"
    assert "credential: stored sign-in (system keyring)\n" in user.run("whoami", **keyring).stdout
    logout = user.run("logout", **keyring)
    assert "signed out: removed the stored sign-in (system keyring)" in logout.stdout
    assert json.loads(held.read_text()) == {} and not user.store.exists()


@pytest.mark.timeout(300)
def test_a_failing_keyring_falls_back_to_the_file_and_says_so(user, gw):
    broken = {"PYTHONPATH": str(TESTS), "PYTHON_KEYRING_BACKEND": "keyring_backends.BrokenKeyring"}
    login = user.run("login", "--no-browser", *FAST, **broken)
    assert login.returncode == 0, login.stderr
    assert "could not store the sign-in in the system keyring (KeyringError: the collection is locked)" in login.stderr
    assert f"Stored in {user.store} (readable only by you)." in login.stdout
    assert json.loads(user.store.read_text())["token"] == user.token
    assert user.run("chat", "--model", PAID, "hello", **broken).returncode == 0
    assert gw.chat_requests[-1].authorization == f"Bearer {user.token}"
