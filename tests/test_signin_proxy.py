"""The real LiteLLM proxy, started with the shipped config and no ``KILO_API_KEY``, uses the stored sign-in.

The proxy runs as the same OS user as ``kilo-litellm login`` (here: the same sign-in folder,
``KILO_LITELLM_CONFIG_DIR``), so its ``kilo/*`` calls carry the stored token and the organisation
chosen at login; a login or logout in another terminal is seen at its next call. With LiteLLM's
debug logging on, its log never holds the token.
"""

from __future__ import annotations

import openai
import pytest
from processes import starts_a_process
from proxy_helpers import SHIPPED_CONFIG, ProxyStartError, run_proxy

from kilo_litellm.config import credentials

pytestmark = pytest.mark.slow

TOKEN = "kilo-stored-PROXY-SECRET-8d2f6b1e9a"
OTHER = "kilo-stored-PROXY-SECRET-again-3c7a"
PAID = "kilo/anthropic/claude-sonnet-4.6"
MESSAGES = [{"role": "user", "content": "hello"}]


@pytest.fixture(scope="module")
def config_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("signin-proxy-config")


def _store(config_dir, token: str | None, **fields: str) -> None:
    """What ``kilo-litellm login`` (a token) or ``logout`` (``None``) does to this user's store."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(credentials.ENV_CONFIG_DIR, str(config_dir))
        if token is None:
            credentials.delete()
        else:
            credentials.save(token, **fields)
    credentials.forget_cache()


@starts_a_process
@pytest.fixture(scope="module")
def proxy(emulator, config_dir, tmp_path_factory):
    _store(config_dir, TOKEN, org_id="org-emulator-1", org_name="Emulator Team")
    workdir = tmp_path_factory.mktemp("signin-proxy")
    env = {"KILO_API_BASE": emulator.api_base, credentials.ENV_CONFIG_DIR: str(config_dir), "LITELLM_LOG": "DEBUG"}
    try:
        with run_proxy(SHIPPED_CONFIG, workdir, env) as running:
            yield running
    except ProxyStartError as exc:
        pytest.fail(str(exc))
    log = running.log.read_text(errors="replace")
    assert "POST /v1/chat/completions" in log or "chat/completions" in log, "the proxy logged nothing"
    for token in (TOKEN, OTHER):
        assert token not in log and token[-12:] not in log, "the stored token is in the proxy's log"


@pytest.fixture
def client(proxy, emulator):
    emulator.reset()
    yield openai.OpenAI(base_url=f"{proxy.base}/v1", api_key=proxy.master_key, max_retries=0, timeout=60)
    emulator.reset()


def _received(emulator) -> tuple[str | None, str | None]:
    last = emulator.chat_requests[-1]
    return last.authorization, last.headers.get("x-kilocode-organizationid")


def test_a_paid_model_through_the_proxy_carries_the_stored_sign_in(client, emulator):
    resp = client.chat.completions.create(model=PAID, messages=MESSAGES)
    assert resp.choices[0].message.content
    assert _received(emulator) == (f"Bearer {TOKEN}", "org-emulator-1")
    chunks = list(client.chat.completions.create(model="kilo-auto/free", messages=MESSAGES, stream=True))
    assert chunks and _received(emulator) == (f"Bearer {TOKEN}", "org-emulator-1")


def test_logout_and_login_in_another_terminal_are_seen_at_the_next_call(client, emulator, config_dir):
    try:
        _store(config_dir, None)
        with pytest.raises(openai.AuthenticationError, match=r"no Kilo API key is set\. Run `kilo-litellm login`"):
            client.chat.completions.create(model=PAID, messages=MESSAGES)
        assert emulator.chat_requests == []
        client.chat.completions.create(model="kilo-auto/free", messages=MESSAGES)
        assert _received(emulator) == (None, None)
        _store(config_dir, OTHER)
        client.chat.completions.create(model=PAID, messages=MESSAGES)
        assert _received(emulator) == (f"Bearer {OTHER}", None)
    finally:
        _store(config_dir, TOKEN, org_id="org-emulator-1")


def test_a_rejected_stored_sign_in_tells_the_proxys_client_to_log_in_again(client, config_dir):
    try:
        _store(config_dir, "kilo-expired-token-0123456789")
        with pytest.raises(openai.AuthenticationError, match="run `kilo-litellm login` again"):
            client.chat.completions.create(model=PAID, messages=MESSAGES)
    finally:
        _store(config_dir, TOKEN, org_id="org-emulator-1")
