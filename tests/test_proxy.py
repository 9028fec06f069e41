"""The real LiteLLM proxy, started with the shipped ``litellm_config.yaml``, called with the ``openai`` client.

The proxy runs as a subprocess (once for this module) from an empty directory, so the handler is
the installed ``kilo_litellm.kilo_llm``; ``KILO_API_BASE`` points it at the local gateway emulator
running in this process.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import httpx
import openai
import pytest
from processes import starts_a_process
from proxy_helpers import ProxyStartError, run_proxy

from kilo_litellm.emulator import RATE_LIMIT_BODY, GatewayEmulator, Reply, recording, sse_payloads, streamed_text
from kilo_litellm.proxy.router import free_chain

pytestmark = pytest.mark.slow

CONFIG = Path(__file__).resolve().parent.parent / "litellm_config.yaml"
FREE_MODELS = [e.gateway_id for e in free_chain()]
FIRST, SECOND, THIRD = FREE_MODELS[:3]
MESSAGES = [{"role": "user", "content": "hello"}]
NONSTREAM_TEXT = "Lorem ipsum dolor sit amet, consectetur adipiscing elit"
GPT41 = sse_payloads(recording("stream-openai-gpt41.sse"))
STREAM_TEXT = streamed_text(GPT41)
STREAM_COST = GPT41[-1]["usage"]["cost"]
TOOLS = [{"type": "function", "function": {"name": "search_files", "parameters": {"type": "object"}}}]
KILO_KEY = "kilo-proxy-test-" + secrets.token_hex(8)


@starts_a_process
@pytest.fixture(scope="module")
def proxy(emulator, tmp_path_factory):
    """``(base_url, master_key, log_path)`` of a running proxy with a Kilo key; SIGTERM at the end of the module."""
    yield from _running_proxy(emulator, tmp_path_factory, KILO_API_KEY=KILO_KEY)


@starts_a_process
@pytest.fixture(scope="module")
def keyless_proxy(emulator, tmp_path_factory):
    """The same proxy with ``KILO_API_KEY`` unset, as a new user starts it."""
    yield from _running_proxy(emulator, tmp_path_factory)


def _running_proxy(emulator, tmp_path_factory, **kilo_env: str):
    workdir = tmp_path_factory.mktemp("proxy")
    try:
        with run_proxy(CONFIG, workdir, {"KILO_API_BASE": emulator.api_base, **kilo_env}) as running:
            yield running.base, running.master_key, running.log
    except ProxyStartError as exc:
        pytest.fail(str(exc))


@pytest.fixture
def client(proxy, emulator):
    base, master_key, _ = proxy
    emulator.reset()
    yield openai.OpenAI(base_url=f"{base}/v1", api_key=master_key, max_retries=0, timeout=30)
    emulator.reset()


def _sent(emulator: GatewayEmulator) -> list[str | None]:
    return [r.model for r in emulator.chat_requests]


def _stream_text(chunks) -> str:
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def test_lists_the_free_models(client):
    ids = {m.id for m in client.models.list()}
    assert set(FREE_MODELS) <= ids
    assert {"kilo-auto/balanced", "anthropic/claude-sonnet-4.6", "openai/text-embedding-3-small"} <= ids


def test_model_info_shows_limits_and_prices(proxy):
    base, master_key, _ = proxy
    answer = httpx.get(f"{base}/model/info", headers={"Authorization": f"Bearer {master_key}"}, timeout=30)
    info = {row["model_name"]: row["model_info"] for row in answer.json()["data"]}
    free = info["kilo-auto/free"]
    assert (free["max_input_tokens"], free["max_output_tokens"]) == (204800, 32768)
    assert free["input_cost_per_token"] == free["output_cost_per_token"] == 0
    sonnet = info["anthropic/claude-sonnet-4.6"]
    assert (sonnet["input_cost_per_token"], sonnet["output_cost_per_token"]) == (3e-06, 1.5e-05)
    assert sonnet["supports_reasoning"] is True


def test_completion(client, emulator):
    raw = client.chat.completions.with_raw_response.create(model=FIRST, messages=MESSAGES)
    resp = raw.parse()
    assert resp.choices[0].message.content == NONSTREAM_TEXT
    assert (resp.usage.prompt_tokens, resp.usage.completion_tokens) == (55, 84)
    assert float(raw.headers["x-litellm-response-cost"]) == 0.0
    [sent] = emulator.chat_requests
    assert sent.model == FIRST
    assert sent.authorization == f"Bearer {KILO_KEY}"


def test_stream_with_usage(client, emulator):
    chunks = list(
        client.chat.completions.create(
            model=FIRST, messages=MESSAGES, stream=True, stream_options={"include_usage": True}
        )
    )
    assert _stream_text(chunks) == STREAM_TEXT
    usage = chunks[-1].usage
    assert (usage.prompt_tokens, usage.completion_tokens) == (14108, 79)
    assert usage.prompt_tokens_details.cached_tokens == 13696
    assert usage.model_extra["cost"] == 0.0
    assert _sent(emulator) == [FIRST]


@pytest.mark.parametrize("stream", [False, True], ids=["nonstream", "stream"])
def test_tool_call(client, emulator, stream):
    resp = client.chat.completions.create(model=SECOND, messages=MESSAGES, tools=TOOLS, stream=stream)
    if stream:
        chunks = list(resp)
        calls = [tc for c in chunks if c.choices for tc in (c.choices[0].delta.tool_calls or [])]
        name = next(tc.function.name for tc in calls if tc.function and tc.function.name)
        arguments = "".join(tc.function.arguments or "" for tc in calls if tc.function)
        finish = next(c.choices[0].finish_reason for c in reversed(chunks) if c.choices and c.choices[0].finish_reason)
    else:
        [call] = resp.choices[0].message.tool_calls
        name, arguments, finish = call.function.name, call.function.arguments, resp.choices[0].finish_reason
    assert name == "search_files"
    assert arguments == '{"path": "src", "regex": "read_file", "file_pattern": "*.ts"}'
    assert finish == "tool_calls"
    assert emulator.chat_requests[-1].json["tools"] == TOOLS


def test_fallback_after_rate_limit(client, emulator):
    emulator.script(Reply(status=429, body=RATE_LIMIT_BODY))
    raw = client.chat.completions.with_raw_response.create(model=FIRST, messages=MESSAGES)
    assert raw.parse().choices[0].message.content == NONSTREAM_TEXT
    assert raw.headers["x-litellm-attempted-fallbacks"] == "1"
    assert raw.headers["x-litellm-attempted-retries"] == "0"
    assert raw.headers["x-litellm-model-group"] == SECOND
    assert _sent(emulator) == [FIRST, SECOND]


def test_stream_fallback_after_rate_limit(client, emulator):
    emulator.script(Reply(status=429, body=RATE_LIMIT_BODY), Reply(status=429, body=RATE_LIMIT_BODY))
    chunks = list(client.chat.completions.create(model=FIRST, messages=MESSAGES, stream=True))
    assert _stream_text(chunks) == STREAM_TEXT
    assert _sent(emulator) == [FIRST, SECOND, THIRD]


def test_every_free_model_rate_limited_reaches_the_client_as_429(client, emulator):
    emulator.script(*[Reply(status=429, body=RATE_LIMIT_BODY)] * len(FREE_MODELS))
    with pytest.raises(openai.RateLimitError, match="Model usage limit reached"):
        client.chat.completions.create(model=FIRST, messages=MESSAGES)
    assert len(emulator.chat_requests) == len(FREE_MODELS)


def test_reasoning_effort_and_user_reach_the_gateway(client, emulator):
    client.chat.completions.create(model=FIRST, messages=MESSAGES, reasoning_effort="high", user="user-7")
    sent = emulator.chat_requests[-1].json
    assert sent["reasoning"] == {"effort": "high"}
    assert sent["user"] == "user-7"


def test_paid_model_through_wildcard_reports_its_cost(client, emulator):
    raw = client.chat.completions.with_raw_response.create(model="kilo/anthropic/claude-sonnet-4.6", messages=MESSAGES)
    assert raw.parse().usage.model_extra["cost"] == pytest.approx(0.001425)
    assert float(raw.headers["x-litellm-response-cost"]) == pytest.approx(0.001425)
    assert _sent(emulator) == ["anthropic/claude-sonnet-4.6"]
    assert emulator.chat_requests[-1].authorization == f"Bearer {KILO_KEY}"


def test_paid_stream_reports_its_cost_in_the_final_usage_chunk(client):
    chunks = list(
        client.chat.completions.create(
            model="kilo/anthropic/claude-sonnet-4.6",
            messages=MESSAGES,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    assert _stream_text(chunks) == STREAM_TEXT
    assert chunks[-1].usage.model_extra["cost"] == pytest.approx(STREAM_COST)


def test_kilo_key_stays_out_of_the_proxy_log(proxy, client):
    client.chat.completions.create(model=FIRST, messages=MESSAGES)
    log = proxy[2].read_text(errors="replace")
    assert "Uvicorn running" in log or "Application startup complete" in log
    assert KILO_KEY not in log


def test_keyless_proxy_sends_no_authorization_header(keyless_proxy, emulator):
    base, master_key, _ = keyless_proxy
    emulator.reset()
    client = openai.OpenAI(base_url=f"{base}/v1", api_key=master_key, max_retries=0, timeout=30)
    resp = client.chat.completions.create(model="kilo-auto/free", messages=MESSAGES)
    assert resp.choices[0].message.content == NONSTREAM_TEXT
    chunks = list(client.chat.completions.create(model="kilo-auto/free", messages=MESSAGES, stream=True))
    assert _stream_text(chunks) == STREAM_TEXT
    assert [(r.model, r.authorization) for r in emulator.chat_requests] == [("kilo-auto/free", None)] * 2
    emulator.script(Reply(status=429, body=RATE_LIMIT_BODY))
    assert client.chat.completions.create(model="kilo-auto/free", messages=MESSAGES).choices[0].message.content
    assert _sent(emulator)[-2:] == [FIRST, SECOND]


def test_keyless_proxy_answers_a_retired_seed_alias_with_a_404_naming_kilo_auto_free(keyless_proxy, emulator):
    base, master_key, _ = keyless_proxy
    client = openai.OpenAI(base_url=f"{base}/v1", api_key=master_key, max_retries=0, timeout=30)
    with pytest.raises(openai.NotFoundError, match="kilo/kilo-auto/free"):
        client.chat.completions.create(model="kilo/glm-5-free", messages=MESSAGES)
    assert emulator.chat_requests[-1].model == "z-ai/glm-5:free"


def test_health_checks_every_deployment_and_the_wildcard_with_kilo_auto_free(proxy, emulator):
    base, master_key, _ = proxy
    emulator.reset()
    answer = httpx.get(f"{base}/health", headers={"Authorization": f"Bearer {master_key}"}, timeout=60).json()
    assert answer["unhealthy_count"] == 0, answer["unhealthy_endpoints"]
    healthy = {e["model"] for e in answer["healthy_endpoints"]}
    assert {"kilo/kilo-auto/free", "kilo/anthropic/claude-sonnet-4.6", "kilo/openai/text-embedding-3-small"} <= healthy
    # Kilo deployments answer LiteLLM's health check with the gateway's /models (docs/proxy.md): no model is asked.
    assert emulator.chat_requests == [] and emulator.embedding_requests == []
    assert any(r.path.endswith("/models") for r in emulator.requests)
