"""The second host, ``https://ai-gateway.kilo.ai/api/v1`` (docs/gateway-contract.md, "Paths and hosts"), as ``api_base``.

Every form a user may write (the ``/v1``-less root, a trailing slash, the full
``.../chat/completions`` URL) reaches the right route for chat, streams, embeddings and the model
list, over loopback HTTP: against the emulator's ``/api/v1`` (a base of the second host's shape on
127.0.0.1), and with Kilo's real host names routed to emulators (``kilo_hosts``), so that the
forms that only make sense on Kilo's own hosts are exercised as users type them.
"""

from __future__ import annotations

import litellm
import pytest
from conftest import MESSAGES, call_litellm
from kilo_hosts import AI_GATEWAY_HOST, API_HOST, routed_async_client, routed_client

import kilo_litellm
from kilo_litellm.config.settings import DEFAULT_API_BASE
from kilo_litellm.emulator import GatewayEmulator, recording, sse_payloads, streamed_text
from kilo_litellm.models.discovery import ModelDiscovery

FREE = "kilo/kilo-auto/free"
EMBED = "kilo/nvidia/llama-nemotron-embed-vl-1b-v2:free"
NONSTREAM_TEXT = "Lorem ipsum dolor sit amet, consectetur adipiscing elit"
STREAM_TEXT = streamed_text(sse_payloads(recording("stream-openai-gpt41.sse")))
MODES = pytest.mark.parametrize(
    ("is_async", "stream"),
    [(False, False), (False, True), (True, False), (True, True)],
    ids=["sync", "sync-stream", "async", "async-stream"],
)


def _expected(stream: bool) -> str:
    return STREAM_TEXT if stream else NONSTREAM_TEXT


# -- a base of the second host's shape on the emulator -------------------------------------------

LOCAL_SUFFIXES = ["", "/", "/chat/completions", "/chat/completions/"]


@MODES
@pytest.mark.parametrize("suffix", LOCAL_SUFFIXES, ids=["root", "slash", "chat-url", "chat-url-slash"])
async def test_chat_and_streams_reach_api_v1(gw, suffix, is_async, stream):
    text, usage, _ = await call_litellm(is_async, stream, model=FREE, api_base=gw.ai_gateway_base + suffix)
    assert text.startswith(_expected(stream)[:40])
    assert usage.prompt_tokens > 0
    assert [r.path for r in gw.requests] == ["/api/v1/chat/completions"]


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_embeddings_reach_api_v1(gw, is_async):
    base = gw.ai_gateway_base + "/embeddings"
    if is_async:
        resp = await litellm.aembedding(model=EMBED, input=["a", "b"], api_base=base)
    else:
        resp = litellm.embedding(model=EMBED, input=["a", "b"], api_base=base)
    assert len(resp.data) == 2
    assert [r.path for r in gw.requests] == ["/api/v1/embeddings"]


def test_refresh_models_reads_api_v1_models(gw, tmp_path, monkeypatch, bundled_catalog_afterwards):
    monkeypatch.setenv("KILO_LITELLM_CACHE_DIR", str(tmp_path))
    found = kilo_litellm.refresh_models(gw.ai_gateway_base + "/", force=True)
    assert (found.source, found.error) == ("live", None)
    assert found.api_base == gw.ai_gateway_base
    assert [r.path for r in gw.requests] == ["/api/v1/models"]


def test_kilo_api_base_from_the_environment_may_be_the_second_host(gw, monkeypatch):
    monkeypatch.setenv("KILO_API_BASE", gw.ai_gateway_base + "/chat/completions")
    assert litellm.completion(model=FREE, messages=MESSAGES).choices[0].message.content == NONSTREAM_TEXT
    assert [r.path for r in gw.requests] == ["/api/v1/chat/completions"]


# -- Kilo's own host names, routed to emulators ---------------------------------------------------

SECOND_HOST_FORMS = [
    "https://ai-gateway.kilo.ai/api/v1",
    "https://ai-gateway.kilo.ai/api/v1/",
    "https://ai-gateway.kilo.ai/api",
    "https://ai-gateway.kilo.ai/api/",
    "https://ai-gateway.kilo.ai",
    "https://ai-gateway.kilo.ai/api/v1/chat/completions",
]


@pytest.fixture
def hosts(gw):
    """``(old, new)``: emulators answering for ``api.kilo.ai`` (``gw``) and ``ai-gateway.kilo.ai``."""
    with GatewayEmulator() as new:
        yield gw, new


@pytest.fixture
def provider_through(hosts, monkeypatch):
    """The registered provider's own clients (used for embeddings) sent to the routed hosts."""
    routes = {API_HOST: hosts[0], AI_GATEWAY_HOST: hosts[1]}
    handler = kilo_litellm.register()
    monkeypatch.setattr(handler, "_client", routed_client(routes))
    monkeypatch.setattr(handler, "_aclient", routed_async_client(routes))
    return hosts


@MODES
@pytest.mark.parametrize("base", SECOND_HOST_FORMS)
async def test_each_form_of_the_second_host_reaches_its_api_v1(provider_through, base, is_async, stream):
    old, new = provider_through
    text, _, _ = await call_litellm(is_async, stream, model=FREE, api_base=base)
    assert text.startswith(_expected(stream)[:40])
    assert [r.path for r in new.requests] == ["/api/v1/chat/completions"]
    assert new.requests[0].headers["host"] == AI_GATEWAY_HOST
    assert old.requests == []


@pytest.mark.parametrize("base", SECOND_HOST_FORMS)
def test_embeddings_and_the_model_list_on_each_form_of_the_second_host(provider_through, base, tmp_path):
    old, new = provider_through
    litellm.embedding(model=EMBED, input="x", api_base=base.replace("chat/completions", "embeddings"))
    routes = {API_HOST: old, AI_GATEWAY_HOST: new}
    found = ModelDiscovery(client=routed_client(routes), cache_dir=tmp_path, register=False).refresh(base, force=True)
    assert (found.source, found.api_base) == ("live", "https://ai-gateway.kilo.ai/api/v1")
    assert [r.path for r in new.requests] == ["/api/v1/embeddings", "/api/v1/models"]
    assert old.requests == []


@pytest.mark.parametrize("stream", [False, True], ids=["nonstream", "stream"])
def test_without_api_base_the_documented_host_is_used(provider_through, stream):
    old, new = provider_through
    assert DEFAULT_API_BASE == "https://api.kilo.ai/api/gateway"
    resp = litellm.completion(model=FREE, messages=MESSAGES, stream=stream)
    list(resp) if stream else resp
    assert [r.path for r in old.requests] == ["/api/gateway/chat/completions"]
    assert old.requests[0].headers["host"] == API_HOST
    assert new.requests == []


@pytest.mark.parametrize(
    "base", ["https://api.kilo.ai", "https://api.kilo.ai/api", "https://api.kilo.ai/api/gateway/v1/"]
)
def test_the_documented_hosts_root_is_completed_too(provider_through, base):
    old, new = provider_through
    litellm.completion(model=FREE, messages=MESSAGES, api_base=base)
    assert [r.path for r in old.requests] == ["/api/gateway/chat/completions"]
    assert new.requests == []


def test_a_v1_after_api_v1_is_kept_and_the_gateways_invalid_path_names_both_roots(gw):
    """``/api/v1`` is the second host's root, so nothing after it is cut; ``/api/v1/v1`` is no route."""
    with pytest.raises(litellm.BadRequestError) as caught:
        litellm.completion(model=FREE, messages=MESSAGES, api_base=gw.ai_gateway_base + "/v1")
    assert [r.path for r in gw.requests] == ["/api/v1/v1/chat/completions"]
    assert "api_base ends in /api/gateway" in str(caught.value)
    assert "/api/v1 on https://ai-gateway.kilo.ai" in str(caught.value)
