"""The real LiteLLM proxy (the shipped ``litellm_config.yaml``) with the gateway: a client's
conversation reaches the gateway as ``X-KiloCode-TaskId``, a model the gateway lists to retire
shows in the proxy's ``/model/deprecations``, ``~vendor/model-latest`` ids pass the ``kilo/*``
wildcard unchanged.

The proxy runs with ``general_settings.missing_session_id: generate``, the policy that makes up a
session id for every request without one: a made-up id is LiteLLM's, not a conversation, and is
not sent.
"""

from __future__ import annotations

import secrets
import uuid

import anthropic
import httpx
import openai
import pytest
from processes import starts_a_process
from proxy_helpers import ProxyStartError, agents_config, run_proxy, write_config

from kilo_litellm.emulator import bundled_models, gateway_model

HEADER = "x-kilocode-taskid"
MESSAGES = [{"role": "user", "content": "hello"}]
KILO_KEY = "kilo-proxy-today-" + secrets.token_hex(8)


@starts_a_process
@pytest.fixture(scope="module")
def proxy(emulator, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("proxy-today")
    config = agents_config()
    config.setdefault("general_settings", {})["missing_session_id"] = "generate"
    path = write_config(config, workdir)
    try:
        with run_proxy(path, workdir, {"KILO_API_BASE": emulator.api_base, "KILO_API_KEY": KILO_KEY}) as running:
            yield running
    except ProxyStartError as exc:
        pytest.fail(str(exc))


@pytest.fixture
def client(proxy, emulator):
    emulator.reset()
    yield openai.OpenAI(base_url=f"{proxy.base}/v1", api_key=proxy.master_key, max_retries=0, timeout=30)
    emulator.reset()


def _task_id(client, emulator, **kwargs) -> str | None:
    resp = client.chat.completions.create(model="kilo-auto/free", messages=MESSAGES, **kwargs)
    assert resp.choices[0].message.content
    [sent] = emulator.chat_requests
    emulator.reset()
    return sent.headers.get(HEADER)


def test_a_clients_metadata_session_id_is_sent_as_the_task_id(client, emulator):
    assert _task_id(client, emulator, extra_body={"metadata": {"session_id": "proxy-conv-1"}}) == "proxy-conv-1"


def test_the_x_litellm_session_id_header_is_sent_as_the_task_id(client, emulator):
    assert _task_id(client, emulator, extra_headers={"x-litellm-session-id": "proxy-conv-2"}) == "proxy-conv-2"


def test_claude_codes_session_header_names_the_conversation(client, emulator):
    """LiteLLM's proxy reads any ``x-<client>-session-id`` header (Claude Code sends one per conversation)."""
    sid = str(uuid.uuid4())
    assert _task_id(client, emulator, extra_headers={"x-claude-code-session-id": sid}) == sid


def test_claude_code_on_the_messages_route_keeps_its_conversation(proxy, emulator):
    """What Claude Code does: Anthropic's ``/v1/messages`` with its session header."""
    emulator.reset()
    claude = anthropic.Anthropic(base_url=proxy.base, api_key=proxy.master_key, max_retries=0, timeout=30)
    sid = str(uuid.uuid4())
    msg = claude.messages.create(
        model="kilo-auto/free", max_tokens=64, messages=MESSAGES, extra_headers={"x-claude-code-session-id": sid}
    )
    assert msg.content
    [sent] = emulator.chat_requests
    assert sent.headers.get(HEADER) == sid


def test_a_stream_carries_the_task_id_too(client, emulator):
    stream = client.chat.completions.create(
        model="kilo-auto/free", messages=MESSAGES, stream=True, extra_headers={"x-litellm-session-id": "proxy-s"}
    )
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    [sent] = emulator.chat_requests
    assert sent.headers.get(HEADER) == "proxy-s"


def test_without_a_session_the_proxys_made_up_one_is_not_sent(client, emulator):
    assert _task_id(client, emulator) is None
    assert _task_id(client, emulator, extra_headers={"x-litellm-trace-id": "a-trace-not-a-chat"}) is None


def test_a_model_the_gateway_lists_to_retire_shows_in_model_deprecations(proxy):
    answer = httpx.get(
        f"{proxy.base}/model/deprecations",
        params={"warn_within_days": 3650},
        headers={"Authorization": f"Bearer {proxy.master_key}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    listed = {m["model_name"]: m for bucket in answer.json().values() if isinstance(bucket, list) for m in bucket}
    assert listed["dots-studio/dots-3-note-preview:free"]["deprecation_date"] == "2026-12-31"
    assert "kilo-auto/free" not in listed


def test_latest_alias_ids_pass_the_wildcard_unchanged(client, emulator):
    emulator.models = [*bundled_models(), gateway_model("~anthropic/claude-sonnet-latest", free=False)]
    resp = client.chat.completions.create(model="kilo/~anthropic/claude-sonnet-latest", messages=MESSAGES)
    assert resp.choices[0].message.content
    [sent] = emulator.chat_requests
    assert sent.model == "~anthropic/claude-sonnet-latest"
