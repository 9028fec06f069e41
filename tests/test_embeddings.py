"""Embeddings through ``litellm.embedding``/``aembedding`` and the real proxy's ``/v1/embeddings``."""

from __future__ import annotations

import math
from pathlib import Path

import litellm
import openai
import pytest
from processes import starts_a_process
from proxy_helpers import SHIPPED_CONFIG, run_proxy

import kilo_litellm
from kilo_litellm.emulator import DEFAULT_VECTOR_SIZE, RATE_LIMIT_BODY, GatewayEmulator, Reply
from kilo_litellm.provider import embeddings

FREE = "kilo/nvidia/llama-nemotron-embed-vl-1b-v2:free"
PAID = "kilo/openai/text-embedding-3-small"
KEY = "sk-test-embeddings-0123456789"


def _norm(vector: list[float]) -> float:
    return math.sqrt(sum(v * v for v in vector))


def test_free_model_needs_no_key_and_costs_nothing(gw):
    resp = litellm.embedding(model=FREE, input=["hello world", "bye"], api_base=gw.api_base)
    assert isinstance(resp, litellm.EmbeddingResponse)
    assert [d["index"] for d in resp.data] == [0, 1]
    assert resp.data[0]["embedding"] != resp.data[1]["embedding"]
    assert _norm(resp.data[0]["embedding"]) == pytest.approx(1.0, abs=1e-4)
    assert resp.usage.prompt_tokens == resp.usage.total_tokens == 3
    assert resp._hidden_params["response_cost"] == 0.0
    [sent] = gw.embedding_requests
    assert sent.path == "/api/gateway/embeddings"
    assert sent.json == {"model": "nvidia/llama-nemotron-embed-vl-1b-v2:free", "input": ["hello world", "bye"]}


def test_paid_model_vector_size_usage_and_the_gateways_cost(gw):
    resp = litellm.embedding(model=PAID, input="the same text", api_base=gw.api_base, api_key=KEY)
    again = litellm.embedding(model=PAID, input="the same text", api_base=gw.api_base, api_key=KEY)
    info = litellm.get_model_info(PAID)
    assert info["mode"] == "embedding" and info["output_vector_size"] == 1536
    assert len(resp.data[0]["embedding"]) == 1536
    assert resp.data[0]["embedding"] == again.data[0]["embedding"]
    assert resp.model == "openai/text-embedding-3-small"
    assert resp.usage.prompt_tokens == 3
    assert resp._hidden_params["response_cost"] == pytest.approx(3 * 0.00000002)
    assert litellm.completion_cost(resp) == pytest.approx(3 * 0.00000002)
    assert gw.embedding_requests[-1].authorization == f"Bearer {KEY}"


def test_cost_falls_back_to_the_listed_price_when_the_gateway_reports_none(gw):
    body = b'{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.6,0.8]}],"usage":{"prompt_tokens":1000,"total_tokens":1000}}'
    gw.script(Reply(body=body, stream=False))
    resp = litellm.embedding(model="kilo/openai/text-embedding-3-large", input="x", api_base=gw.api_base, api_key=KEY)
    assert resp.data[0]["embedding"] == [0.6, 0.8]
    assert resp._hidden_params["response_cost"] == pytest.approx(1000 * 0.00000013)


async def test_aembedding_with_dimensions_through_extra_body(gw):
    resp = await litellm.aembedding(
        model="kilo/openai/text-embedding-3-large",
        input=["a", "b", "c"],
        api_base=gw.api_base,
        api_key=KEY,
        extra_body={"dimensions": 64},
    )
    assert [len(d["embedding"]) for d in resp.data] == [64, 64, 64]
    assert gw.embedding_requests[-1].json["dimensions"] == 64
    assert resp._hidden_params["response_cost"] == pytest.approx(3 * 0.00000013)


def test_paid_model_without_key_fails_before_sending(gw):
    with pytest.raises(litellm.AuthenticationError, match="KILO_API_KEY"):
        litellm.embedding(model=PAID, input="x", api_base=gw.api_base)
    assert gw.requests == []


def test_a_chat_model_is_refused_before_sending(gw):
    with pytest.raises(litellm.BadRequestError, match=r"chat model, not an embedding model.*text-embedding-3-small"):
        litellm.embedding(model="kilo/kilo-auto/free", input="x", api_base=gw.api_base)
    assert gw.requests == []


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (Reply(status=429, body=RATE_LIMIT_BODY), litellm.RateLimitError),
        (
            Reply(status=503, body=b'{"error":"Service Unavailable","error_type":"temporarily_unavailable"}'),
            litellm.ServiceUnavailableError,
        ),
    ],
)
def test_gateway_errors_are_litellm_errors(gw, reply, error):
    gw.script(reply)
    with pytest.raises(error):
        litellm.embedding(model=FREE, input="x", api_base=gw.api_base)


def test_unknown_embedding_id_is_the_gateways_404(gw):
    with pytest.raises(litellm.NotFoundError, match="does not exist"):
        litellm.embedding(model="kilo/acme/embed-nothing", input="x", api_base=gw.api_base, api_key=KEY)


def test_embedding_models_listing_refreshes_the_model_map(gw):
    found = kilo_litellm.refresh_embedding_models(gw.api_base + "/v1/")
    assert {m.id for m in found} == {m.id for m in embeddings.bundled()}
    assert [r.path for r in gw.requests] == ["/api/gateway/embedding-models"]
    assert litellm.get_model_info("kilo/qwen/qwen3-embedding-8b")["max_input_tokens"] == 32768


def test_embedding_models_listing_failure_keeps_what_is_known(gw, caplog):
    gw.script(Reply(status=500, body=b'{"error":"boom"}'))
    found = kilo_litellm.refresh_embedding_models(gw.api_base)
    assert {m.id for m in found} >= {"openai/text-embedding-3-small"}
    assert "not refreshed" in caplog.text


# -- the real proxy, called with the openai client --------------------------------------------


@starts_a_process
@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    """The real proxy from the shipped ``litellm_config.yaml``, in front of an emulator."""
    workdir: Path = tmp_path_factory.mktemp("embedproxy")
    with GatewayEmulator() as emulator:
        with run_proxy(SHIPPED_CONFIG, workdir, {"KILO_API_BASE": emulator.api_base, "KILO_API_KEY": KEY}) as proxy:
            client = openai.OpenAI(base_url=f"{proxy.base}/v1", api_key=proxy.master_key, max_retries=0, timeout=30)
            yield emulator, client


@pytest.mark.parametrize("model", ["openai/text-embedding-3-small", "kilo/openai/text-embedding-3-small"])
def test_proxy_embeddings_with_the_openai_client(proxied, model):
    emulator, client = proxied
    emulator.reset()
    raw = client.embeddings.with_raw_response.create(model=model, input=["hello", "world"])
    resp = raw.parse()
    assert [len(d.embedding) for d in resp.data] == [1536, 1536]
    assert resp.usage.prompt_tokens == 2
    assert float(raw.headers["x-litellm-response-cost"]) == pytest.approx(2 * 0.00000002)
    [sent] = emulator.embedding_requests
    assert sent.json == {"model": "openai/text-embedding-3-small", "input": ["hello", "world"]}
    assert sent.authorization == f"Bearer {KEY}"


def test_proxy_free_embedding_via_the_wildcard(proxied):
    emulator, client = proxied
    emulator.reset()
    raw = client.embeddings.with_raw_response.create(model=FREE, input="hello")
    assert len(raw.parse().data[0].embedding) == DEFAULT_VECTOR_SIZE
    assert float(raw.headers["x-litellm-response-cost"]) == 0.0
    assert emulator.embedding_requests[-1].json["model"] == "nvidia/llama-nemotron-embed-vl-1b-v2:free"


def test_retry_after_of_a_refused_embedding_travels_on_the_exception(gw):
    gw.script(
        Reply(
            status=429,
            body=b'{"error":"Too many requests","error_type":"rate_limit_exceeded"}',
            headers={"Retry-After": "7"},
        )
    )
    with pytest.raises(litellm.RateLimitError) as caught:
        litellm.embedding(model="kilo/openai/text-embedding-3-small", input="hi", api_base=gw.api_base, api_key=KEY)
    assert caught.value.response.headers["retry-after"] == "7"
