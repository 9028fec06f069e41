"""LiteLLM APIs the gateway has no route for, ``api_base`` as users write it, and a wrong base URL."""

from __future__ import annotations

import io

import litellm
import pytest
from conftest import MESSAGES
from litellm import Router

import kilo_litellm
from kilo_litellm.emulator import HTML_NOT_FOUND_BODY, NOT_FOUND_BODY, Reply
from kilo_litellm.models.discovery import ModelDiscovery

FREE = "kilo/kilo-auto/free"
PAID = "kilo/anthropic/claude-sonnet-4.6"
KEY = "sk-test-endpoints-0123456789"

IMAGE = ("cat.png", io.BytesIO(b"\x89PNG\r\n\x1a\n"), "image/png")

UNSUPPORTED = [
    ("image_generation", lambda base: litellm.image_generation(model=FREE, prompt="a cat", api_base=base)),
    ("image_edit", lambda base: litellm.image_edit(model=FREE, image=IMAGE, prompt="a hat", api_base=base)),
]
AUNSUPPORTED = [
    ("aimage_generation", lambda base: litellm.aimage_generation(model=FREE, prompt="a cat", api_base=base)),
    ("aimage_edit", lambda base: litellm.aimage_edit(model=FREE, image=IMAGE, prompt="a hat", api_base=base)),
]


def _says_what_the_gateway_offers(exc: Exception) -> None:
    text = str(exc)
    assert "the Kilo gateway has no image" in text
    for offer in ("chat completions", "embeddings", "/v1/messages", "/v1/responses"):
        assert offer in text


@pytest.mark.parametrize(("name", "call"), UNSUPPORTED, ids=[n for n, _ in UNSUPPORTED])
def test_unsupported_hooks_are_a_400_and_send_nothing(gw, name, call):
    with pytest.raises(litellm.BadRequestError) as caught:
        call(gw.api_base)
    assert caught.value.status_code == 400
    _says_what_the_gateway_offers(caught.value)
    assert gw.requests == []


@pytest.mark.parametrize(("name", "call"), AUNSUPPORTED, ids=[n for n, _ in AUNSUPPORTED])
async def test_async_unsupported_hooks_are_a_400_and_send_nothing(gw, name, call):
    with pytest.raises(litellm.BadRequestError) as caught:
        await call(gw.api_base)
    _says_what_the_gateway_offers(caught.value)
    assert gw.requests == []


def test_router_neither_retries_nor_falls_back_nor_cools_down_on_it(gw, monkeypatch):
    """A 400 is not retried or cooled down; LiteLLM falls back on a 400 only with ``fallback_on_unsupported_params``."""
    handler = kilo_litellm.register()
    calls = []
    original = handler.image_generation

    def counting(*args, **kwargs):
        calls.append(kwargs.get("model"))
        return original(*args, **kwargs)

    monkeypatch.setattr(handler, "image_generation", counting)
    params = {"api_base": gw.api_base}
    router = Router(
        model_list=[
            {"model_name": "pics", "litellm_params": {"model": FREE, **params}, "model_info": {"id": "pics-1"}},
            {"model_name": "pics", "litellm_params": {"model": FREE, **params}, "model_info": {"id": "pics-2"}},
            {"model_name": "backup", "litellm_params": {"model": PAID, "api_key": KEY, **params}},
        ],
        num_retries=2,
        fallbacks=[{"pics": ["backup"]}],
        fallback_on_unsupported_params=False,
        allowed_fails=0,
    )
    with pytest.raises(litellm.BadRequestError, match="no image generation API"):
        router.image_generation(model="pics", prompt="a cat")
    assert calls == ["kilo-auto/free"]
    assert router.cooldown_cache.get_active_cooldowns(model_ids=["pics-1", "pics-2"], parent_otel_span=None) == []
    assert gw.requests == []


# -- api_base forms ---------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "/", "/v1", "/v1/", "/chat/completions", "/v1/chat/completions"])
def test_api_base_forms_all_reach_the_chat_route(gw, suffix):
    litellm.completion(model=FREE, messages=MESSAGES, api_base=gw.api_base + suffix)
    assert [r.path for r in gw.requests] == ["/api/gateway/chat/completions"]


def test_api_base_from_the_environment_is_normalised_too(gw, monkeypatch):
    monkeypatch.setenv("KILO_API_BASE", gw.api_base + "/v1/")
    litellm.completion(model=FREE, messages=MESSAGES)
    assert [r.path for r in gw.requests] == ["/api/gateway/chat/completions"]


def test_embeddings_and_model_list_use_the_same_normalised_base(gw, tmp_path):
    litellm.embedding(model="kilo/nvidia/llama-nemotron-embed-vl-1b-v2:free", input="x", api_base=gw.api_base + "/v1")
    found = ModelDiscovery(cache_dir=tmp_path, register=False).refresh(gw.api_base + "/v1/", force=True)
    assert found.source == "live"
    assert [r.path for r in gw.requests] == ["/api/gateway/embeddings", "/api/gateway/models"]


@pytest.mark.parametrize("stream", [False, True])
def test_a_base_that_answers_an_html_404_says_the_url_looks_wrong(gw, stream):
    """A web server that is not the gateway answers a page of HTML (the gateway's own 404 is JSON)."""
    wrong = gw.url + "/wrong/path"
    gw.script(Reply(status=404, body=HTML_NOT_FOUND_BODY, headers={"Content-Type": "text/html"}))
    with pytest.raises(litellm.NotFoundError) as caught:
        resp = litellm.completion(model=FREE, messages=MESSAGES, api_base=wrong, stream=stream)
        list(resp) if stream else None
    text = str(caught.value)
    assert "the gateway URL looks wrong" in text
    assert f"{wrong}/chat/completions answered an HTML 404" in text
    assert "https://api.kilo.ai/api/gateway" in text
    assert "free models" not in text


async def test_a_wrong_base_for_embeddings_says_so_too(gw):
    gw.script(Reply(status=404, body=HTML_NOT_FOUND_BODY, headers={"Content-Type": "text/html"}))
    with pytest.raises(litellm.NotFoundError, match="the gateway URL looks wrong"):
        await litellm.aembedding(
            model="kilo/nvidia/llama-nemotron-embed-vl-1b-v2:free", input="x", api_base=gw.url + "/wrong"
        )


def test_the_gateways_own_404_still_names_the_model_problem(gw):
    gw.script(Reply(status=404, body=NOT_FOUND_BODY))
    with pytest.raises(litellm.NotFoundError) as caught:
        litellm.completion(model="kilo/acme/no-such-model", messages=MESSAGES, api_base=gw.api_base, api_key=KEY)
    assert "does not exist" in str(caught.value)
    assert "looks wrong" not in str(caught.value)


# -- what Codex sends -----------------------------------------------------------------------


def test_all_null_web_search_options_are_not_sent(gw):
    litellm.completion(
        model=FREE,
        messages=MESSAGES,
        api_base=gw.api_base,
        web_search_options={"search_context_size": None, "user_location": None},
    )
    assert "web_search_options" not in gw.chat_requests[-1].json


def test_web_search_options_with_a_value_are_sent(gw):
    litellm.completion(
        model=FREE, messages=MESSAGES, api_base=gw.api_base, web_search_options={"search_context_size": "low"}
    )
    assert gw.chat_requests[-1].json["web_search_options"] == {"search_context_size": "low"}
