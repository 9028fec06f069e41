"""Every path the gateway serves, on the emulator: one handler behind three prefixes, FIM, Next Edit,
an organisation's model list, defaults and the profile; a path it does not serve is a JSON 404.

Through the OpenAI SDK and httpx over loopback, as Kilo's own client and kilo_litellm call them.
"""

from __future__ import annotations

import httpx
import openai
import pytest
from conftest import MESSAGES

from kilo_litellm.emulator import gateway_model, recording, sse_payloads, streamed_text

KEY = "sk-test-paths-0123456789"
PREFIXES = ["/api/gateway", "/api/gateway/v1", "/api/openrouter", "/api/openrouter/v1", "/api/v1"]
STREAM_TEXT = streamed_text(sse_payloads(recording("stream-openai-gpt41.sse")))
FIM_BODY = {"model": "mistralai/codestral-2508", "prompt": "def fib(n):\n    ", "suffix": "\n", "max_tokens": 64}


def _auth(key: str | None = KEY) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"} if key else {}


@pytest.mark.parametrize("prefix", PREFIXES)
def test_chat_and_the_model_list_answer_under_every_prefix(gw, prefix):
    client = openai.OpenAI(api_key="anonymous", base_url=gw.url + prefix, max_retries=0)
    stream = client.chat.completions.create(model="kilo-auto/free", messages=MESSAGES, stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == STREAM_TEXT
    listed = [m.id for m in client.models.list()]
    assert "kilo-auto/free" in listed
    assert [r.path for r in gw.requests] == [f"{prefix}/chat/completions", f"{prefix}/models"]
    assert gw.chat_requests[-1].authorization == "Bearer anonymous"


@pytest.mark.parametrize("path", ["/api/fim/completions", "/api/v1/fim/completions", "/api/gateway/fim/completions"])
def test_fill_in_the_middle_answers_where_clients_send_it(gw, path):
    answer = httpx.post(gw.url + path, json=FIM_BODY, headers=_auth(), timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.json()["choices"][0]["message"]["content"].startswith("if n < 2")
    assert [r.path for r in gw.fim_requests] == [path]


def test_next_edit_answers_with_the_edited_text(gw):
    body = {"model": "inception/mercury-edit-2", "max_tokens": 512, "messages": [{"role": "user", "content": "x"}]}
    answer = httpx.post(gw.url + "/api/edit/completions", json=body, headers=_auth(), timeout=10)
    assert answer.status_code == 200
    assert answer.json()["choices"][0]["message"]["content"].startswith("if n < 2")
    refused = httpx.post(gw.url + "/api/edit/completions", json={**body, "model": "x/y"}, headers=_auth(), timeout=10)
    assert (refused.status_code, refused.json()["error_type"]) == (400, "unsupported_fim_model")
    assert httpx.post(gw.url + "/api/edit/completions", json=body, timeout=10).status_code == 401


def test_an_organisations_model_list_is_its_own_for_a_member(gw):
    gw.account.organizations = [{"id": "org-a", "name": "Team A"}]
    gw.organization_models["org-a"] = [gateway_model("team/only-model")]
    mine = httpx.get(gw.url + "/api/organizations/org-a/models", headers=_auth(), timeout=10)
    assert [m["id"] for m in mine.json()["data"]] == ["team/only-model"]
    other = httpx.get(gw.url + "/api/organizations/org-b/models", headers=_auth(), timeout=10)
    assert other.status_code == 403 and "not a member" in other.json()["error"]
    assert httpx.get(gw.url + "/api/organizations/org-a/models", timeout=10).status_code == 401


def test_an_organisation_without_a_list_of_its_own_gets_the_gateways(gw):
    answer = httpx.get(gw.url + "/api/organizations/org-emulator-1/models", headers=_auth(), timeout=10)
    assert [m["id"] for m in answer.json()["data"]] == [m["id"] for m in gw.served_models()]


def test_defaults_name_the_default_model_personal_and_per_organisation(gw):
    assert httpx.get(gw.url + "/api/defaults", timeout=10).json() == {"defaultModel": "kilo-auto/free"}
    gw.account.organizations = [{"id": "org-a", "name": "Team A", "defaultModel": "kilo-auto/balanced"}]
    org = httpx.get(gw.url + "/api/organizations/org-a/defaults", headers=_auth(), timeout=10)
    assert org.json() == {"defaultModel": "kilo-auto/balanced"}
    gw.account.default_model = "kilo-auto/small"
    assert httpx.get(gw.url + "/api/defaults", timeout=10).json() == {"defaultModel": "kilo-auto/small"}


def test_the_profile_says_which_organisation_an_organisation_user_signs_in_to(gw):
    personal = httpx.get(gw.url + "/api/profile", headers=_auth(), timeout=10).json()
    assert (personal["selectedOrganizationId"], personal["hasPersonalAccount"]) == (None, True)
    assert personal["user"]["email"] == "dev@example.com"
    gw.account.organizations = [{"id": "org-a", "name": "Team A", "balance": 40.0}]
    gw.account.has_personal_account = False
    gw.account.selected_organization_id = "org-a"
    profile = httpx.get(gw.url + "/api/profile", headers=_auth(), timeout=10).json()
    assert profile["organizations"] == [{"id": "org-a", "name": "Team A"}]
    assert (profile["selectedOrganizationId"], profile["hasPersonalAccount"]) == ("org-a", False)
    org_header = {**_auth(), "X-KiloCode-OrganizationId": "org-a"}
    assert httpx.get(gw.url + "/api/profile/balance", headers=org_header, timeout=10).json() == {"balance": 40.0}
    assert httpx.get(gw.url + "/api/profile/balance", headers=_auth(), timeout=10).json() == {"balance": 12.5}


@pytest.mark.parametrize(
    "path", ["/wrong/path", "/api/nothing-here", "/api/gateway/no-such-route", "/api/v1/chat", "/", "/api/fim"]
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_path_the_gateway_does_not_serve_is_a_json_404(gw, path, method):
    answer = httpx.request(method, gw.url + path, json={"model": "kilo-auto/free"}, timeout=10)
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/json"
    assert answer.json()["error_type"] == "invalid_path"
    assert b"<html" not in answer.content.lower()
