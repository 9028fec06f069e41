"""The gateway decides what is free and what exists: ids the catalog does not list are sent, bundled
data refuses nothing, and the names and URLs in errors help.

The gateway serves ids free that no rule on the id predicts (docs/gateway-contract.md, "Free models and limits": ``stealth/<name>-alpha``, ids without
``:free``). The package's bundled catalog lists none of the ids here; the emulator lists them in its
``/models`` (as the live gateway does), and the package sends what its catalog does not list and
lets the answer decide: an id the gateway's list does not hold comes back as its 404
``model_not_found``. A model the bundled snapshot prices is sent too (the gateway's 401 says when it
wants a key); only a live ``/models`` list less than a day old that prices the model refuses it
before sending without a key.
"""

from __future__ import annotations

import httpx
import litellm
import pytest
from conftest import MESSAGES, call_litellm

from kilo_litellm.emulator import PAID_AUTH_BODY, Reply, bundled_models, gateway_model
from kilo_litellm.models import catalog

MODES = pytest.mark.parametrize(
    ("is_async", "stream"),
    [(False, False), (True, False), (False, True), (True, True)],
    ids=["sync", "async", "sync-stream", "async-stream"],
)
FREE_UNLISTED = ["acme/next-model-free", "openrouter/next:free", "stealth/nightjar-alpha"]
PAID_UNLISTED = "acme/brand-new-model"
KEY = "sk-test-gateway-decides-0123456789"


@pytest.fixture
def lists_them(gw):
    """The emulator with a ``/models`` that lists the free ids and the paid one, unknown to the catalog."""
    gw.models = [
        *bundled_models(),
        *(gateway_model(g) for g in FREE_UNLISTED),
        gateway_model(PAID_UNLISTED, free=False),
    ]
    return gw


def test_none_of_them_is_in_the_catalog_and_none_is_guessed_free():
    for gateway_id in [*FREE_UNLISTED, PAID_UNLISTED, "acme/new-model:free"]:
        entry = catalog.resolve(f"kilo/{gateway_id}")
        assert catalog.lookup(gateway_id) is None
        assert (entry.gateway_id, entry.known, entry.free) == (gateway_id, False, False)
        assert catalog.free_entry(f"kilo/{gateway_id}") is None


@MODES
@pytest.mark.parametrize("gateway_id", FREE_UNLISTED)
async def test_an_unlisted_free_id_is_sent_without_a_key_and_answered(lists_them, gateway_id, is_async, stream):
    gw = lists_them
    text, usage, _ = await call_litellm(is_async, stream, model=f"kilo/{gateway_id}", api_base=gw.api_base)
    assert text and usage.total_tokens > 0
    [sent] = gw.chat_requests
    assert sent.model == gateway_id
    assert sent.authorization is None and "authorization" not in sent.headers


@MODES
async def test_an_unlisted_paid_id_without_a_key_is_the_gateways_401_saying_how_to_get_a_key(
    lists_them, is_async, stream
):
    gw = lists_them
    with pytest.raises(litellm.AuthenticationError) as caught:
        await call_litellm(is_async, stream, model=f"kilo/{PAID_UNLISTED}", api_base=gw.api_base)
    exc = caught.value
    [sent] = gw.chat_requests
    assert sent.model == PAID_UNLISTED and sent.authorization is None
    assert exc.status_code == 401 and exc.kilo_code == "PAID_MODEL_AUTH_REQUIRED"
    message = str(exc)
    assert "You need to sign in to use this model." in message
    assert "set KILO_API_KEY (or pass api_key=) to a Kilo API key from https://app.kilo.ai" in message
    assert "kilo/kilo-auto/free" in message
    assert "retired" not in message


async def test_an_unlisted_free_looking_id_the_gateway_wants_a_key_for_is_an_authentication_error(gw):
    """The ``:free`` suffix decides nothing: when the gateway answers 401 for it, that is what the caller sees."""
    gw.script(Reply(status=401, body=PAID_AUTH_BODY))
    with pytest.raises(litellm.AuthenticationError, match="KILO_API_KEY"):
        litellm.completion(model="kilo/acme/new-model:free", messages=MESSAGES, api_base=gw.api_base)
    assert gw.chat_requests[-1].authorization is None


@MODES
async def test_a_model_the_bundled_snapshot_prices_is_sent_without_a_key_and_the_gateway_answers(gw, is_async, stream):
    with pytest.raises(litellm.AuthenticationError) as caught:
        await call_litellm(is_async, stream, model="kilo/anthropic/claude-sonnet-4.6", api_base=gw.api_base)
    [sent] = gw.chat_requests
    assert sent.model == "anthropic/claude-sonnet-4.6" and sent.authorization is None
    assert caught.value.kilo_code == "PAID_MODEL_AUTH_REQUIRED"
    assert "set KILO_API_KEY (or pass api_key=) to a Kilo API key from https://app.kilo.ai" in str(caught.value)


def _live_list(gw, tmp_path, clock=None):
    from kilo_litellm.models.discovery import ModelDiscovery

    kwargs = {"clock": clock} if clock else {}
    return ModelDiscovery(cache_dir=tmp_path, **kwargs).refresh(gw.api_base, force=True)


@MODES
@pytest.mark.usefixtures("bundled_catalog_afterwards")
async def test_a_model_a_live_list_of_the_last_day_prices_is_refused_before_sending(gw, tmp_path, is_async, stream):
    assert _live_list(gw, tmp_path).source == "live"
    gw.requests.clear()
    with pytest.raises(litellm.AuthenticationError) as caught:
        await call_litellm(is_async, stream, model="kilo/anthropic/claude-sonnet-4.6", api_base=gw.api_base)
    assert "'kilo/anthropic/claude-sonnet-4.6' is a paid model" in str(caught.value)
    assert "https://app.kilo.ai" in str(caught.value)
    assert gw.requests == []


@pytest.mark.usefixtures("bundled_catalog_afterwards")
def test_a_live_list_older_than_a_day_refuses_nothing(gw, tmp_path):
    import time

    assert _live_list(gw, tmp_path, clock=lambda: time.time() - 25 * 3600).source == "live"
    gw.requests.clear()
    with pytest.raises(litellm.AuthenticationError, match="You need to sign in"):
        litellm.completion(model="kilo/anthropic/claude-sonnet-4.6", messages=MESSAGES, api_base=gw.api_base)
    assert [r.model for r in gw.chat_requests] == ["anthropic/claude-sonnet-4.6"]


@pytest.mark.parametrize("model", ["kilo-auto/small", "stealth/glyph-cluster"])
@pytest.mark.usefixtures("bundled_catalog_afterwards")
def test_keyless_models_are_sent_without_a_key_even_on_a_fresh_live_list(gw, tmp_path, model):
    """``kilo-auto/small`` is priced in /models yet served without a key; ``stealth/glyph-cluster`` is free
    with no marker in its id."""
    for fresh in (False, True):
        if fresh:
            assert _live_list(gw, tmp_path).source == "live"
        gw.requests.clear()
        resp = litellm.completion(model=f"kilo/{model}", messages=MESSAGES, api_base=gw.api_base)
        assert resp.choices[0].message.content
        [sent] = gw.chat_requests
        assert sent.model == model and sent.authorization is None


async def test_an_unlisted_id_with_a_key_sends_the_key(lists_them):
    gw = lists_them
    litellm.completion(model=f"kilo/{PAID_UNLISTED}", messages=MESSAGES, api_base=gw.api_base, api_key=KEY)
    assert gw.chat_requests[-1].authorization == f"Bearer {KEY}"


def test_the_emulator_serves_what_its_models_lists_and_answers_404_to_every_other_id(lists_them):
    def answer(model: str, key: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        body = {"model": model, "messages": MESSAGES}
        return httpx.post(lists_them.api_base + "/chat/completions", json=body, headers=headers, timeout=10)

    assert [answer(m).status_code for m in FREE_UNLISTED] == [200, 200, 200]
    assert answer(PAID_UNLISTED).status_code == 401
    assert answer(PAID_UNLISTED, KEY).status_code == 200
    for model in ("acme/other:free", "stealth/nightjar-beta", "acme/not-listed"):
        for key in (None, KEY):
            refused = answer(model, key)
            assert refused.status_code == 404, (model, key)
            assert refused.json()["error_type"] == "model_not_found"
            assert f"'{model}' does not exist" in refused.json()["error"]


# -- names that help --------------------------------------------------------------------


@MODES
async def test_an_unknown_alias_names_todays_models_first_and_marks_a_retired_near_miss(gw, is_async, stream):
    with pytest.raises(litellm.NotFoundError) as caught:
        await call_litellm(is_async, stream, model="kilo/glm-6-free", api_base=gw.api_base)
    message = str(caught.value)
    served = message.split("Served today: ", 1)[1].split(" (", 1)[0].split(", ")
    assert served[0] == "kilo/kilo-auto/free"
    assert all(catalog.resolve(name).free and not catalog.resolve(name).retired for name in served)
    assert "Did you mean kilo/glm-5-free (retired; use kilo/kilo-auto/free)?" in message
    assert gw.requests == []


def test_an_unknown_alias_far_from_every_name_gets_no_guess():
    with pytest.raises(catalog.UnknownModelError) as caught:
        catalog.resolve("kilo/zzqx")
    assert "Did you mean" not in str(caught.value) and "Served today: kilo/kilo-auto/free" in str(caught.value)


UNREACHABLE = "http://127.0.0.1:9/api/gateway"


@MODES
async def test_a_connection_error_names_the_url_it_tried_and_not_the_key(is_async, stream):
    with pytest.raises(litellm.APIConnectionError) as caught:
        await call_litellm(is_async, stream, model="kilo/kilo-auto/free", api_base=UNREACHABLE, api_key=KEY)
    assert type(caught.value) is litellm.APIConnectionError
    message = str(caught.value)
    assert f"could not reach the gateway at {UNREACHABLE}/chat/completions: ConnectError" in message
    assert KEY not in message and KEY not in repr(caught.value)


async def test_a_connection_error_shows_no_credentials_written_into_api_base():
    base = "http://user:secret-in-url@127.0.0.1:9/api/gateway"
    with pytest.raises(litellm.APIConnectionError) as caught:
        litellm.completion(model="kilo/kilo-auto/free", messages=MESSAGES, api_base=base)
    assert "could not reach the gateway at http://127.0.0.1:9/api/gateway/chat/completions" in str(caught.value)
    assert "secret-in" not in str(caught.value)


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_a_stream_cut_before_it_finished_names_the_url(gw, is_async):
    gw.script(Reply(body=b'data: {"id":"x","choices":[{"index":0,"delta":{"content":"hi"}}]}\n\n', stream=True))
    with pytest.raises(Exception) as caught:
        await call_litellm(is_async, True, model="kilo/kilo-auto/free", api_base=gw.api_base)
    error = getattr(caught.value, "original_exception", None) or caught.value
    assert isinstance(error, litellm.APIConnectionError)
    assert f"at {gw.api_base}/chat/completions" in str(error) and "no [DONE]" in str(error)


async def test_a_timeout_names_the_url(gw):
    gw.script(Reply(stall=True))
    with pytest.raises(litellm.Timeout) as caught:
        litellm.completion(model="kilo/kilo-auto/free", messages=MESSAGES, api_base=gw.api_base, timeout=0.5)
    assert f"no answer from the gateway at {gw.api_base}/chat/completions within 0.5 s" in str(caught.value)


def test_an_unlisted_embedding_id_is_sent_too_and_a_listed_paid_one_is_not(gw):
    with pytest.raises(litellm.NotFoundError):
        litellm.embedding(model="kilo/acme/new-embedding", input="x", api_base=gw.api_base)
    assert gw.embedding_requests[-1].json["model"] == "acme/new-embedding"
    assert gw.embedding_requests[-1].headers.get("authorization") is None
    with pytest.raises(litellm.AuthenticationError, match="KILO_API_KEY"):
        litellm.embedding(model="kilo/openai/text-embedding-3-small", input="x", api_base=gw.api_base)
    assert len(gw.embedding_requests) == 1
