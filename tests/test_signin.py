"""Signing in without a key: the stored token, which credential a call uses, and the device flow.

In-process against the emulator (its account endpoints beside the gateway). The installed
``kilo-litellm login/whoami/logout`` commands are in ``test_signin_cli.py``, the real proxy in
``test_signin_proxy.py``, the secrets checks in ``test_secrets.py``.
"""

from __future__ import annotations

import json
import logging
import os
import sys

import httpx
import litellm
import pytest
from conftest import MESSAGES, call_litellm
from keyring_backends import ENV_FILE, BrokenKeyring, FileKeyring

import kilo_litellm
from kilo_litellm.account.client import (
    AccountClient,
    AccountError,
    AccountRefusedError,
    AccountUnreachableError,
    Organization,
    SignInDeniedError,
    SignInExpiredError,
    TokenRejectedError,
    TooManyCodesError,
    UnknownOrganizationError,
    account_url,
    choose_organization,
)
from kilo_litellm.account.device_flow import sign_in
from kilo_litellm.config import credentials, settings
from kilo_litellm.emulator import Reply, gateway_model
from kilo_litellm.emulator.account import DENIED, EXPIRED
from kilo_litellm.models import catalog
from kilo_litellm.proxy import free_budget

TOKEN = "kilo-stored-TOKEN-5e1d9a7c3b"
CALL_KEY = "kilo-call-key-0123456789"
ENV_KEY = "kilo-env-key-9876543210"
FREE = "kilo/kilo-auto/free"
PAID = "kilo/anthropic/claude-sonnet-4.6"
ORG = "org-emulator-1"


@pytest.fixture(autouse=True)
def bundled_catalog(bundled_catalog_afterwards):
    """Each test starts on the bundled catalog: whether a keyless paid call is refused before sending
    depends on whether a live list of the last day is installed, which an earlier test may have left."""
    catalog.install(None)


@pytest.fixture
def store(tmp_path, monkeypatch):
    """An empty sign-in store of this test's own: the 0600 file (conftest turns the keyring off)."""
    folder = tmp_path / "config"
    monkeypatch.setenv(credentials.ENV_CONFIG_DIR, str(folder))
    credentials.forget_cache()
    yield folder / credentials.FILE_NAME
    credentials.forget_cache()


@pytest.fixture
def use_keyring(tmp_path, monkeypatch):
    """A configured system keyring (a test backend through ``keyring``'s own interface)."""
    import keyring

    monkeypatch.setenv(ENV_FILE, str(tmp_path / "keyring.json"))
    saved = keyring.get_keyring()

    def use(backend):
        keyring.set_keyring(backend)
        credentials.forget_cache()
        return tmp_path / "keyring.json"

    yield use
    keyring.set_keyring(saved)
    credentials.forget_cache()


def _sent(gw) -> tuple[str | None, str | None]:
    last = gw.chat_requests[-1]
    return last.authorization, last.headers.get("x-kilocode-organizationid")


# -- which credential a call uses ----------------------------------------------------------------

PRECEDENCE = [
    # api_key= of the call, KILO_API_KEY, a stored sign-in -> what the gateway receives, what `check` says
    (CALL_KEY, ENV_KEY, True, CALL_KEY, "api_key= of the call"),
    (None, ENV_KEY, True, ENV_KEY, "KILO_API_KEY"),
    (None, None, True, TOKEN, "stored sign-in (file)"),
    ("", None, True, TOKEN, "stored sign-in (file)"),
    (None, None, False, None, "none (anonymous: free models only)"),
    (CALL_KEY, None, False, CALL_KEY, "api_key= of the call"),
    ("anonymous", None, True, None, "none (api_key= is a placeholder: no key is sent)"),
    (None, "public", True, None, "none (KILO_API_KEY is a placeholder: no key is sent)"),
]


@pytest.mark.parametrize(("call", "env", "stored", "expected", "credential"), PRECEDENCE)
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_the_call_the_environment_then_the_stored_sign_in(
    gw, store, monkeypatch, is_async, call, env, stored, expected, credential
):
    if env is not None:
        monkeypatch.setenv("KILO_API_KEY", env)
    if stored:
        credentials.save(TOKEN)
    await call_litellm(is_async, False, model=FREE, api_base=gw.api_base, api_key=call)
    assert _sent(gw) == ((f"Bearer {expected}" if expected else None), None)
    assert settings.resolve(call).credential == credential


async def test_a_paid_model_is_sent_with_the_stored_sign_in_streamed_or_not(gw, store):
    credentials.save(TOKEN)
    for is_async in (False, True):
        for stream in (False, True):
            text, _, _ = await call_litellm(is_async, stream, model=PAID, api_base=gw.api_base)
            assert text
    assert {r.authorization for r in gw.chat_requests} == {f"Bearer {TOKEN}"}
    assert len(gw.chat_requests) == 4


def test_fill_in_the_middle_uses_the_stored_sign_in(gw, store):
    codestral, prompt, suffix = "kilo/mistralai/codestral-2508", "def fib(n):\n    ", "\nprint(fib(10))\n"
    with pytest.raises(litellm.AuthenticationError, match=r"needs a Kilo API key.*Run `kilo-litellm login`"):
        litellm.text_completion(model=codestral, prompt=prompt, suffix=suffix, api_base=gw.api_base)
    credentials.save(TOKEN)
    resp = litellm.text_completion(model=codestral, prompt=prompt, suffix=suffix, api_base=gw.api_base)
    assert resp.choices[0].text
    assert [r.authorization for r in gw.fim_requests] == [f"Bearer {TOKEN}"]


def test_embeddings_use_the_stored_sign_in(gw, store):
    credentials.save(TOKEN)
    litellm.embedding(model="kilo/openai/text-embedding-3-small", input=["hello"], api_base=gw.api_base)
    assert gw.embedding_requests[-1].authorization == f"Bearer {TOKEN}"


def test_after_logout_a_paid_model_goes_without_a_key_and_the_gateways_401_says_sign_in(gw, store):
    credentials.save(TOKEN)
    litellm.completion(model=PAID, messages=MESSAGES, api_base=gw.api_base)
    assert credentials.delete() is not None
    with pytest.raises(litellm.AuthenticationError, match=r"This is a paid model: run `kilo-litellm login`"):
        litellm.completion(model=PAID, messages=MESSAGES, api_base=gw.api_base)
    assert [r.authorization for r in gw.chat_requests] == [f"Bearer {TOKEN}", None]
    assert credentials.delete() is None


def test_the_organisation_chosen_at_login_goes_with_the_stored_sign_in_only(gw, store, monkeypatch):
    credentials.save(TOKEN, org_id=ORG, org_name="Emulator Team")
    litellm.completion(model=FREE, messages=MESSAGES, api_base=gw.api_base)
    assert _sent(gw) == (f"Bearer {TOKEN}", ORG)
    litellm.completion(model=FREE, messages=MESSAGES, api_base=gw.api_base, api_key=CALL_KEY)
    assert _sent(gw) == (f"Bearer {CALL_KEY}", None)
    monkeypatch.setenv("KILO_ORG_ID", "org-from-env")
    litellm.completion(model=FREE, messages=MESSAGES, api_base=gw.api_base)
    assert _sent(gw) == (f"Bearer {TOKEN}", "org-from-env")


def test_an_organisations_model_list_comes_from_its_own_route(
    gw, store, tmp_path, monkeypatch, bundled_catalog_afterwards
):
    monkeypatch.setenv("KILO_LITELLM_CACHE_DIR", str(tmp_path))
    credentials.save(TOKEN, org_id=ORG, org_name="Emulator Team")
    gw.organization_models[ORG] = [gateway_model("acme/org-only-model"), gateway_model("kilo-auto/free")]
    found = kilo_litellm.refresh_models(gw.api_base, force=True)
    assert (found.source, found.error) == ("live", None)
    assert "acme/org-only-model" in {m.gateway_id for m in found.models}
    [sent] = gw.requests
    assert sent.path == f"/api/organizations/{ORG}/models"
    assert (sent.authorization, sent.headers["x-kilocode-organizationid"]) == (f"Bearer {TOKEN}", ORG)


def test_the_free_budget_guard_counts_a_stored_sign_in_as_a_key(store):
    deployment = {"litellm_params": {"model": FREE, "api_key": None}}
    assert free_budget.is_anonymous(deployment, env={}) is True
    credentials.save(TOKEN)
    assert free_budget.is_anonymous(deployment, env={}) is False
    assert free_budget.is_anonymous(deployment, env={"KILO_API_KEY": "public"}) is True


# -- a rejected stored sign-in ---------------------------------------------------------------------


@pytest.mark.parametrize(("is_async", "stream"), [(False, False), (True, False), (False, True), (True, True)])
async def test_a_rejected_stored_sign_in_says_to_log_in_again(gw, store, is_async, stream):
    credentials.save("kilo-expired-token-0123456789")  # the emulator rejects a token saying "expired"
    for model in (FREE, PAID):
        with pytest.raises(litellm.AuthenticationError) as info:
            await call_litellm(is_async, stream, model=model, api_base=gw.api_base)
        assert "run `kilo-litellm login` again" in str(info.value)
        assert info.value.status_code == 401


def test_a_rejected_key_from_the_environment_keeps_its_own_advice(gw, store, monkeypatch):
    credentials.save(TOKEN)
    monkeypatch.setenv("KILO_API_KEY", "kilo-expired-env-key-0123")
    with pytest.raises(litellm.AuthenticationError) as info:
        litellm.completion(model=FREE, messages=MESSAGES, api_base=gw.api_base)
    assert "rejected the Kilo API key that was sent" in str(info.value)
    assert "kilo-litellm login" not in str(info.value)


def test_a_paid_model_refused_for_a_stored_sign_in_says_to_log_in_again(gw, store):
    from kilo_litellm.emulator import PAID_AUTH_BODY

    credentials.save(TOKEN)
    gw.script(Reply(status=401, body=PAID_AUTH_BODY))
    with pytest.raises(litellm.AuthenticationError, match="run `kilo-litellm login` again"):
        litellm.completion(model=PAID, messages=MESSAGES, api_base=gw.api_base)


# -- the store: a 0600 file, or the keyring ---------------------------------------------------------


def test_the_file_is_private_from_its_first_byte(store, monkeypatch):
    """Created 0600 (whatever the umask), in a 0700 folder; never a moment readable by others."""
    created = []
    real_open = os.open

    def watched(path, flags, mode=0o777, *args, **kwargs):
        fd = real_open(path, flags, mode, *args, **kwargs)
        if str(path).startswith(str(store.parent)):
            created.append(os.fstat(fd).st_mode & 0o777)
        return fd

    monkeypatch.setattr(os, "open", watched)
    umask = os.umask(0)
    try:
        credentials.save(TOKEN)
        store.chmod(0o644)  # someone loosened it; the next login writes a private file again
        credentials.save(TOKEN)
    finally:
        os.umask(umask)
    assert created == [0o600, 0o600]
    assert store.stat().st_mode & 0o777 == 0o600
    assert store.parent.stat().st_mode & 0o777 == 0o700
    assert json.loads(store.read_text())["token"] == TOKEN
    assert [p.name for p in store.parent.iterdir()] == [credentials.FILE_NAME]


@pytest.mark.skipif(sys.platform != "linux", reason="platformdirs' Linux layout")
def test_the_store_follows_xdg_config_home(tmp_path, monkeypatch):
    monkeypatch.delenv(credentials.ENV_CONFIG_DIR)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert credentials.path() == tmp_path / "xdg" / "kilo-litellm" / credentials.FILE_NAME
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert credentials.path() == tmp_path / "home" / ".config" / "kilo-litellm" / credentials.FILE_NAME


def test_the_store_is_read_again_only_when_it_changes(store):
    """A login or logout in another terminal (the file replaced or removed) is seen at the next call."""
    credentials.save(TOKEN, email="a@example.com")
    first = credentials.current()
    assert first is not None and first.token == TOKEN
    assert credentials.current() is first
    credentials._write_private(store, {"store": "file", "token": "kilo-other-token-42"})
    assert credentials.current().token == "kilo-other-token-42"
    store.write_text(json.dumps({"store": "file", "token": "kilo-edited-in-place-token"}))
    assert credentials.current().token == "kilo-edited-in-place-token"
    store.unlink()
    assert credentials.current() is None


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '{"store": "file"}', "DIRECTORY"])
def test_a_broken_store_is_not_signed_in_and_never_fails_a_call(gw, store, caplog, content):
    store.parent.mkdir(parents=True)
    if content == "DIRECTORY":
        store.mkdir()
    else:
        store.write_text(content)
    with caplog.at_level(logging.WARNING, logger="kilo_litellm"):
        litellm.completion(model=FREE, messages=MESSAGES, api_base=gw.api_base)
        litellm.completion(model=FREE, messages=MESSAGES, api_base=gw.api_base)
    assert [r.authorization for r in gw.chat_requests] == [None, None]
    warnings = [r.getMessage() for r in caplog.records if "stored sign-in" in r.getMessage()]
    assert len(warnings) == 1, warnings  # once per change of the file, not once per call
    assert "kilo-litellm login" in warnings[0]


def test_the_keyring_holds_the_token_where_one_is_configured(gw, store, use_keyring):
    held = use_keyring(FileKeyring())
    stored = credentials.save(TOKEN, org_id=ORG)
    assert stored.where == credentials.IN_KEYRING and stored.location == "system keyring"
    assert TOKEN not in store.read_text() and json.loads(store.read_text())["org_id"] == ORG
    assert store.stat().st_mode & 0o777 == 0o600
    assert TOKEN in held.read_text()
    credentials.forget_cache()
    litellm.completion(model=PAID, messages=MESSAGES, api_base=gw.api_base)
    assert _sent(gw) == (f"Bearer {TOKEN}", ORG)
    assert settings.resolve().credential == "stored sign-in (keyring)"
    assert credentials.delete().where == credentials.IN_KEYRING
    assert not store.exists() and TOKEN not in held.read_text()


def test_a_failing_keyring_leaves_the_token_in_the_file_with_a_log_line(gw, store, use_keyring, caplog):
    use_keyring(BrokenKeyring())
    with caplog.at_level(logging.WARNING, logger="kilo_litellm"):
        stored = credentials.save(TOKEN)
    assert stored.where == credentials.IN_FILE
    assert json.loads(store.read_text())["token"] == TOKEN
    [line] = [r.getMessage() for r in caplog.records]
    assert "could not store the sign-in in the system keyring (KeyringError: the collection is locked)" in line
    assert f"storing it in {store} (mode 0600) instead" in line
    litellm.completion(model=PAID, messages=MESSAGES, api_base=gw.api_base)
    assert _sent(gw)[0] == f"Bearer {TOKEN}"


def test_a_keyring_that_cannot_be_read_any_more_is_not_signed_in(gw, store, use_keyring, caplog):
    use_keyring(FileKeyring())
    credentials.save(TOKEN)
    use_keyring(BrokenKeyring())
    with caplog.at_level(logging.WARNING, logger="kilo_litellm"):
        litellm.completion(model=FREE, messages=MESSAGES, api_base=gw.api_base)
        with pytest.raises(litellm.AuthenticationError, match="This is a paid model: run `kilo-litellm login`"):
            litellm.completion(model=PAID, messages=MESSAGES, api_base=gw.api_base)
    assert _sent(gw) == (None, None)
    assert "in the system keyring, which cannot be read now (KeyringError)" in caplog.text


def test_without_the_keyring_package_the_file_is_used(gw, store, monkeypatch):
    monkeypatch.setitem(sys.modules, "keyring", None)  # what `import keyring` meets when it is not installed
    assert credentials.keyring_backend() == (None, "the keyring package is not installed")
    assert credentials.save(TOKEN).where == credentials.IN_FILE
    litellm.completion(model=PAID, messages=MESSAGES, api_base=gw.api_base)
    assert _sent(gw)[0] == f"Bearer {TOKEN}"


# -- the account service: device flow and profile, against the emulator -----------------------------


class Clock:
    """A clock that moves only when the flow sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def account(gw):
    with httpx.Client() as http:
        yield AccountClient(http, gw.url)


def _polls(gw) -> list:
    return [r for r in gw.requests if r.path.startswith("/api/device-auth/codes/")]


def test_sign_in_polls_every_three_seconds_until_approved(gw, account):
    gw.account.pending_polls = 3
    clock, waits, codes = Clock(), [], []
    result = sign_in(account, clock=clock, sleep=clock.sleep, on_code=codes.append, on_wait=waits.append)
    assert clock.sleeps == [3.0] * 4 and waits == [600.0, 597.0, 594.0, 591.0]
    [code] = codes
    assert code.verification_url == f"{gw.url}/device-auth?code={code.code}" and code.expires_in == 600
    assert [r.path for r in _polls(gw)] == [f"/api/device-auth/codes/{code.code}"] * 4
    assert [r.authorization for r in _polls(gw)] == [None] * 4
    assert gw.account.issued == [result.token]
    assert (result.email, result.organization) == ("dev@example.com", None)
    assert result.profile.organizations == (Organization(ORG, "Emulator Team", "owner"),)
    profile = gw.requests[-1]
    assert (profile.path, profile.authorization) == ("/api/profile", f"Bearer {result.token}")
    assert result.token not in repr(result)


@pytest.mark.parametrize(("wanted", "chosen"), [(ORG, ORG), ("emulator team", ORG)])
def test_sign_in_with_an_organisation_by_id_or_name(gw, account, wanted, chosen):
    clock = Clock()
    result = sign_in(account, org=wanted, clock=clock, sleep=clock.sleep)
    assert result.organization.id == chosen


SECOND = "org-emulator-2"
CHOICES = {
    "selected": ({"selected_organization_id": SECOND}, SECOND),
    "selected but not listed": ({"selected_organization_id": "org-gone"}, None),
    "no personal account": ({"has_personal_account": False}, ORG),
    "personal account": ({}, None),
    "--personal": ({"selected_organization_id": SECOND}, "personal"),
}


@pytest.mark.parametrize("case", list(CHOICES))
def test_without_org_the_organisation_is_chosen_as_kilos_own_client_does(gw, account, case):
    profile, expected = CHOICES[case]
    gw.account.organizations.append({"id": SECOND, "name": "Second Team", "role": "member"})
    for name, value in profile.items():
        setattr(gw.account, name, value)
    clock = Clock()
    result = sign_in(account, personal=expected == "personal", clock=clock, sleep=clock.sleep)
    chosen = result.organization.id if result.organization else None
    assert chosen == (None if expected == "personal" else expected)


def test_an_organisation_the_account_lacks_is_refused_listing_its_own(gw, account):
    clock = Clock()
    with pytest.raises(UnknownOrganizationError, match=r"no organisation 'nope' \(its organisations: Emulator Team"):
        sign_in(account, org="nope", clock=clock, sleep=clock.sleep)
    twins = (Organization("a", "Team"), Organization("b", "team"))
    with pytest.raises(UnknownOrganizationError, match="several organisations are named 'Team': pass its id"):
        choose_organization(twins, "Team")


@pytest.mark.parametrize(
    ("outcome", "error", "message"),
    [
        (DENIED, SignInDeniedError, "denied in the browser"),
        (EXPIRED, SignInExpiredError, "expired before it was approved"),
    ],
)
def test_a_denied_or_expired_code_ends_the_wait(gw, account, outcome, error, message):
    gw.account.outcome = outcome
    clock = Clock()
    with pytest.raises(error, match=message):
        sign_in(account, clock=clock, sleep=clock.sleep)
    assert len(_polls(gw)) == 2
    assert gw.account.issued == []


def test_a_code_nobody_approves_expires_on_the_client_too(gw, account):
    gw.account.pending_polls, gw.account.expires_in = 1000, 10
    clock = Clock()
    with pytest.raises(SignInExpiredError):
        sign_in(account, clock=clock, sleep=clock.sleep)
    assert clock.sleeps == [3.0, 3.0, 3.0, 1.0] and len(_polls(gw)) == 4


def test_too_many_pending_codes_is_its_own_error(gw, account):
    gw.account.too_many_codes = True
    with pytest.raises(TooManyCodesError, match=r"too many sign-ins are already waiting for approval \(HTTP 429\)"):
        sign_in(account, sleep=pytest.fail)
    assert _polls(gw) == []


def test_any_other_refusal_names_the_status_and_the_servers_words(gw, account):
    gw.script(Reply(status=500, body=b'{"error":"Internal Server Error","message":"database down"}'))
    with pytest.raises(AccountRefusedError, match=r"refused to start a sign-in \(HTTP 500: database down\)"):
        account.start()
    gw.script(Reply(status=200, body=b"<html>login</html>", headers={"Content-Type": "text/html"}))
    with pytest.raises(AccountRefusedError, match="sent no code and URL"):
        account.start()
    gw.script(Reply(status=200, body=b'{"status":"approved"}'))
    with pytest.raises(AccountRefusedError, match="without a token"):
        account.poll("EMU")


def test_no_answer_names_the_account_service_and_the_variable():
    with httpx.Client() as http:
        client = AccountClient(http, "http://127.0.0.1:9")
        with pytest.raises(AccountUnreachableError) as info:
            client.start()
    text = str(info.value)
    assert text.startswith("could not reach the Kilo account service at http://127.0.0.1:9 (ConnectError:")
    assert "KILO_API_URL" in text and "\n" not in text


def test_the_profile_and_the_balance(gw, account):
    profile = account.profile(TOKEN)
    assert (profile.email, profile.name) == ("dev@example.com", "Emulator Dev")
    assert account.balance(TOKEN) == 12.5
    assert account.balance(TOKEN, ORG) == 250.0
    assert gw.requests[-1].headers["x-kilocode-organizationid"] == ORG
    for token in ("kilo-expired-token-1", "public"):
        with pytest.raises(TokenRejectedError):
            account.profile(token)


def test_the_account_origin_is_kilo_api_url_not_the_gateway_base(monkeypatch):
    monkeypatch.delenv("KILO_API_URL", raising=False)
    monkeypatch.setenv("KILO_API_BASE", "http://127.0.0.1:1/api/gateway")
    assert account_url() == "https://api.kilo.ai"
    monkeypatch.setenv("KILO_API_URL", "http://127.0.0.1:4010/api/")
    assert account_url() == "http://127.0.0.1:4010"
    monkeypatch.setenv("KILO_API_URL", "api.kilo.ai")
    with pytest.raises(AccountError, match=r"KILO_API_URL: 'api\.kilo\.ai' is not a URL"):
        account_url()


# -- the commands, in this process (the installed command: test_signin_cli.py) ---------------------


@pytest.fixture
def cli(gw, store, monkeypatch, capsys):
    """``kilo-litellm ARGS`` through its entry point: (exit status, stdout, stderr)."""
    from kilo_litellm.cli import commands

    monkeypatch.setenv("KILO_API_URL", gw.url)
    monkeypatch.setenv("KILO_API_BASE", gw.api_base)

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = commands.main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_check_says_which_credential_is_in_use_without_showing_it(cli, gw, store, monkeypatch):
    kilo_litellm.refresh_models(gw.api_base, force=True)
    code, out, _ = cli("check", "--model", PAID, "--no-ping")  # refused: the live list of a moment ago prices it
    assert code == 1 and "credential: none (anonymous: free models only)\n" in out
    assert cli("login", "--no-browser", "--poll-interval", "0.01")[0] == 0
    [token] = gw.account.issued
    code, out, _ = cli("check")
    assert code == 0 and out.startswith(
        f"credential: stored sign-in (file {store})\nKilo Gateway at {gw.api_base} (key: "
    )
    assert "(key: (stored sign-in, file); the anonymous probe sends none)" in out
    assert {r.authorization for r in gw.chat_requests[1:]} == {f"Bearer {token}"}
    monkeypatch.setenv("KILO_API_KEY", ENV_KEY)
    assert "credential: KILO_API_KEY\n" in cli("check", "--model", PAID, "--no-ping")[1]
    assert "credential: --api-key\n" in cli("check", "--model", PAID, "--no-ping", "--api-key", CALL_KEY)[1]
    _, out, err = cli("whoami")
    assert "signed in as dev@example.com\n" in out and token not in out + err


def test_login_while_kilo_api_key_is_set_says_which_wins(cli, monkeypatch):
    monkeypatch.setenv("KILO_API_KEY", ENV_KEY)
    code, out, _ = cli("login", "--no-browser", "--poll-interval", "0.01")
    assert code == 0 and "note: KILO_API_KEY is set, and calls use it before this sign-in." in out
    code, out, _ = cli("logout")
    assert code == 0 and out.endswith("note: KILO_API_KEY is still set, and calls use it.\n")
    assert cli("logout")[1].startswith("not signed in: there was no stored sign-in to remove\n")


def test_whoami_for_a_key_and_when_not_signed_in(cli, gw, monkeypatch):
    code, out, _ = cli("whoami")
    assert (code, out) == (
        0,
        "not signed in: none (anonymous: free models only)\n"
        "Run `kilo-litellm login` to sign in, or set KILO_API_KEY.\n",
    )
    monkeypatch.setenv("KILO_API_KEY", ENV_KEY)
    code, out, _ = cli("whoami")
    assert code == 0 and "credential: KILO_API_KEY\n" in out
    assert gw.requests[-2].authorization == f"Bearer {ENV_KEY}"
    monkeypatch.setenv("KILO_API_KEY", "kilo-expired-env-key-01")
    code, _, err = cli("whoami")
    assert (code, err) == (
        1,
        "error: KILO_API_KEY was rejected by Kilo (invalid or expired): get a new key at https://app.kilo.ai\n",
    )


def test_the_poll_interval_must_be_a_few_seconds(cli):
    code, _, err = cli("login", "--poll-interval", "0")
    assert code == 1 and "is not a number of seconds between 0 and 60" in err and len(err.splitlines()) == 1
