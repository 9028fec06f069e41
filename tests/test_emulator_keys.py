"""``GatewayEmulator(keys=[...])`` (``kilo-litellm emulator --key``): only those keys pass, any other
bearer gets the gateway's 401 on every route, so a wrong key's answer can be seen offline.

The command-line twin is tested in test_cli.py.
"""

from __future__ import annotations

import httpx
import litellm
import pytest
from conftest import MESSAGES

from kilo_litellm.emulator import INVALID_TOKEN_BODY, GatewayEmulator

GOOD, OTHER = "sk-good-0123456789abcdef", "sk-other-0123456789abcdef"
CHAT = {"model": "kilo-auto/free", "messages": MESSAGES}
FIM = {"model": "mistralai/codestral-2508", "prompt": "x = ", "max_tokens": 8}


@pytest.fixture(scope="module")
def keyed():
    with GatewayEmulator(keys=[GOOD, "sk-invalid-but-issued"]) as gw:
        yield gw


def _call(gw, method: str, path: str, key: str | None, body: dict | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.request(method, gw.url + path, json=body, headers=headers, timeout=10)


ROUTES = [
    ("POST", "/api/gateway/chat/completions", CHAT),
    ("POST", "/api/openrouter/messages", {**CHAT, "max_tokens": 9}),
    ("POST", "/api/openrouter/responses", {"model": "kilo-auto/free", "input": "hi"}),
    ("GET", "/api/gateway/models", None),
    ("GET", "/api/organizations/org-emulator-1/models", None),
    ("POST", "/api/fim/completions", FIM),
    ("GET", "/api/profile", None),
    ("GET", "/api/profile/balance", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES, ids=[r[1] for r in ROUTES])
def test_a_given_key_passes_and_any_other_is_refused_with_401(keyed, method, path, body):
    assert _call(keyed, method, path, GOOD, body).status_code == 200
    assert _call(keyed, method, path, "sk-invalid-but-issued", body).status_code == 200
    refused = _call(keyed, method, path, OTHER, body)
    assert refused.status_code == 401
    if path != "/api/fim/completions":  # the FIM route words a failed sign-in its own way
        assert refused.content == INVALID_TOKEN_BODY


def test_without_a_key_free_models_are_still_served(keyed):
    assert _call(keyed, "POST", "/api/gateway/chat/completions", None, CHAT).status_code == 200


def test_litellm_sees_the_wrong_key_as_an_authentication_error(keyed):
    litellm.completion(model="kilo/kilo-auto/free", messages=MESSAGES, api_base=keyed.api_base, api_key=GOOD)
    with pytest.raises(litellm.AuthenticationError) as caught:
        litellm.completion(model="kilo/kilo-auto/free", messages=MESSAGES, api_base=keyed.api_base, api_key=OTHER)
    assert caught.value.status_code == 401 and OTHER not in str(caught.value)


def test_keys_must_be_a_collection_not_one_string():
    with pytest.raises(TypeError, match="collection"):
        GatewayEmulator(keys=GOOD)
