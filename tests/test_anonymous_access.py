"""The gateway's anonymous access: keyless calls carry no Authorization header, ``kilo-auto/free`` is the
free entry, the seed aliases are retired but still sent, and the catalog follows ``/models``
(``isFree``, ``"-1"`` prices, ``mayTrainOnYourPrompts``). All through LiteLLM against the emulator."""

from __future__ import annotations

import httpx
import litellm
import pytest
from conftest import MESSAGES, call_litellm
from gateway_models import make_gateway_model, models_body
from litellm.exceptions import MidStreamFallbackError
from processes import CEILING

import kilo_litellm
from kilo_litellm.emulator import INVALID_TOKEN_BODY, Reply
from kilo_litellm.models import catalog
from kilo_litellm.models.discovery import ModelDiscovery
from kilo_litellm.proxy import router

SEED_ALIASES = {
    "glm-5-free": "z-ai/glm-5:free",
    "glm-4.7-free": "z-ai/glm-4.7:free",
    "kimi-k2.5-free": "moonshotai/kimi-k2.5:free",
    "minimax-m2.1-free": "minimax/minimax-m2.1:free",
    "minimax-m2.5-free": "minimax/minimax-m2.5:free",
    "trinity-large-preview": "arcee-ai/trinity-large-preview:free",
    "giga-potato-free": "giga-potato",
    "giga-potato-thinking-free": "giga-potato-thinking",
}
MODES = pytest.mark.parametrize(
    "is_async,stream",
    [(False, False), (False, True), (True, False), (True, True)],
    ids=["sync", "sync-stream", "async", "async-stream"],
)


pytestmark = pytest.mark.usefixtures("bundled_catalog_afterwards")


@MODES
async def test_keyless_call_to_kilo_auto_free_sends_no_authorization_header(gw, is_async, stream):
    text, _, _ = await call_litellm(is_async, stream, model="kilo/kilo-auto/free", api_base=gw.api_base)
    assert text
    [sent] = gw.chat_requests
    assert sent.model == "kilo-auto/free"
    assert sent.authorization is None


@pytest.mark.parametrize("placeholder", ["public", "anonymous", "none", "", "PUBLIC "])
def test_placeholder_key_means_no_key(gw, placeholder):
    resp = litellm.completion(model="kilo/kilo-auto/free", messages=MESSAGES, api_base=gw.api_base, api_key=placeholder)
    assert resp.choices[0].message.content
    assert gw.chat_requests[-1].authorization is None


def test_placeholder_key_in_the_environment_means_no_key(gw, monkeypatch):
    monkeypatch.setenv("KILO_API_KEY", "public")
    monkeypatch.setenv("KILO_API_BASE", gw.api_base)
    assert litellm.completion(model="kilo/kilo-auto/free", messages=MESSAGES).choices[0].message.content
    assert gw.chat_requests[-1].authorization is None


def test_real_key_is_sent_as_bearer(gw):
    litellm.completion(model="kilo/kilo-auto/free", messages=MESSAGES, api_base=gw.api_base, api_key="kilo-real-1")
    assert gw.chat_requests[-1].authorization == "Bearer kilo-real-1"


@pytest.mark.parametrize("token", ["public", "no-key", "kilo-expired-key"])
def test_emulator_rejects_a_bearer_it_cannot_verify_like_the_gateway(gw, token):
    resp = httpx.post(
        gw.api_base + "/chat/completions",
        json={"model": "kilo-auto/free", "messages": MESSAGES},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert resp.status_code == 401
    assert resp.content == INVALID_TOKEN_BODY
    assert resp.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_kilo_auto_free_is_registered_and_free(gw):
    info = litellm.get_model_info("kilo/kilo-auto/free")
    assert info["max_input_tokens"] and info["max_output_tokens"]
    assert info["input_cost_per_token"] == info["output_cost_per_token"] == 0
    resp = litellm.completion(model="kilo/kilo-auto/free", messages=MESSAGES, api_base=gw.api_base)
    assert resp._hidden_params["response_cost"] == 0.0


@pytest.mark.parametrize("name", ["frontier", "balanced", "efficient"])
def test_other_kilo_auto_models_are_known_paid_and_priced_by_the_gateway_only(gw, name):
    entry = catalog.lookup(f"kilo-auto/{name}")
    assert entry is not None and not entry.free and entry.billed_prices is None
    with pytest.raises(litellm.AuthenticationError, match="You need to sign in"):
        litellm.completion(model=f"kilo/kilo-auto/{name}", messages=MESSAGES, api_base=gw.api_base)
    assert [(r.model, r.authorization) for r in gw.chat_requests] == [(f"kilo-auto/{name}", None)]
    resp = litellm.completion(
        model=f"kilo/kilo-auto/{name}", messages=MESSAGES, api_base=gw.api_base, api_key="kilo-real-1"
    )
    assert resp._hidden_params["response_cost"] == pytest.approx(resp.usage.model_extra.get("cost") or 0.001425)
    assert resp._hidden_params["response_cost"] > 0


def test_kilo_auto_small_is_priced_yet_sent_and_served_without_a_key(gw):
    entry = catalog.lookup("kilo-auto/small")
    assert entry is not None and not entry.free and entry.keyless
    assert entry.billed_prices == (5e-08, 4e-07)
    resp = litellm.completion(model="kilo/kilo-auto/small", messages=MESSAGES, api_base=gw.api_base)
    assert resp.choices[0].message.content
    assert [(r.model, r.authorization) for r in gw.chat_requests] == [("kilo-auto/small", None)]


@pytest.mark.parametrize("key", [None, "kilo-real-1"], ids=["keyless", "with-key"])
@pytest.mark.parametrize("alias", sorted(SEED_ALIASES))
def test_seed_alias_still_sends_its_own_gateway_id(gw, alias, key):
    """Refused with 404 (discontinued, not found, unavailable) or, for an id that lost its free status,
    401 PAID_MODEL_AUTH_REQUIRED: either way a NotFoundError that says what to use instead."""
    with pytest.raises(litellm.NotFoundError) as caught:
        litellm.completion(model=f"kilo/{alias}", messages=MESSAGES, api_base=gw.api_base, api_key=key)
    assert gw.chat_requests[-1].model == SEED_ALIASES[alias]
    assert gw.chat_requests[-1].authorization == (f"Bearer {key}" if key else None)
    message = str(caught.value)
    assert "kilo/kilo-auto/free" in message and "kilo/stepfun/step-5-preview-free" in message


@MODES
async def test_retired_alias_names_kilo_auto_free_in_every_call_mode(gw, is_async, stream):
    with pytest.raises((litellm.NotFoundError, MidStreamFallbackError)) as caught:
        await call_litellm(is_async, stream, model="kilo/glm-5-free", api_base=gw.api_base)
    exc = caught.value
    exc = getattr(exc, "original_exception", None) or exc
    assert isinstance(exc, litellm.NotFoundError)
    message = str(exc)
    assert "kilo/kilo-auto/free" in message
    assert "kilo/stepfun/step-5-preview-free" in message


def test_bundled_catalog_marks_every_seed_alias_retired_with_successor():
    seeds = [e for e in catalog.active().models if e.aliases]
    assert {e.aliases[0] for e in seeds} >= set(SEED_ALIASES)
    for entry in seeds:
        assert entry.retired
        expected = "kilo/kilo-auto/balanced" if entry.gateway_id == "kilo/auto" else "kilo/kilo-auto/free"
        assert entry.successor == expected


def test_current_free_models_start_with_kilo_auto_free():
    assert catalog.current_free_models()[0] == "kilo/kilo-auto/free"
    assert not any(name.removeprefix("kilo/") in SEED_ALIASES for name in catalog.current_free_models())


# -- the catalog follows /models -----------------------------------------------------------------


def _refresh(gw, tmp_path, *models: dict):
    """The gateway's ``/models`` is ``models`` (it serves those ids, and no other); the catalog refreshed from it."""
    gw.models = list(models)
    return ModelDiscovery(cache_dir=tmp_path).refresh(gw.api_base, force=True)


FREE = {"prompt": "0", "completion": "0"}


def test_is_free_decides_when_present(gw, tmp_path):
    found = _refresh(
        gw,
        tmp_path,
        make_gateway_model(id="acme/zero-but-paid", pricing=FREE, isFree=False),
        make_gateway_model(id="acme/priced-but-free", isFree=True),
        make_gateway_model(id="acme/suffix:free", isFree=False),
        make_gateway_model(id="acme/old:free", pricing={"prompt": "0.000001", "completion": "0.000001"}),
    )
    free = {e.gateway_id: e.free for e in found.models}
    assert free["acme/zero-but-paid"] is False
    assert free["acme/priced-but-free"] is True
    assert free["acme/suffix:free"] is False
    assert free["acme/old:free"] is False, "without isFree, the listed prices decide, never the id"


def test_negative_price_is_unknown_never_a_negative_cost(gw, tmp_path):
    _refresh(gw, tmp_path, make_gateway_model(id="acme/router", pricing={"prompt": "-1", "completion": "-1"}))
    entry = catalog.lookup("acme/router")
    assert entry.input_cost_per_token is None and entry.billed_prices is None
    gw.script(
        Reply(
            body=b'{"id":"x","model":"acme/router","choices":[{"index":0,"message":{"role":"assistant",'
            b'"content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":5,'
            b'"total_tokens":15}}',
            stream=False,
        )
    )
    resp = litellm.completion(model="kilo/acme/router", messages=MESSAGES, api_base=gw.api_base, api_key="kilo-real-1")
    cost = resp._hidden_params.get("response_cost")
    assert cost is None or cost >= 0


def test_may_train_on_prompts_is_kept_and_shown(gw, tmp_path, capsys):
    _refresh(gw, tmp_path, make_gateway_model(id="acme/trains:free", mayTrainOnYourPrompts=True, isFree=True))
    assert catalog.lookup("acme/trains:free").may_train is True
    gw.script(
        Reply(body=models_body(make_gateway_model(id="acme/trains:free", mayTrainOnYourPrompts=True, isFree=True)))
    )
    from kilo_litellm.cli.commands import main

    assert main(["models", "--api-base", gw.api_base, "--refresh"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("kilo/acme/trains:free"))
    assert "may-train" in row


def test_alias_listed_as_free_is_served_again_and_unlisted_one_stays_retired(gw, tmp_path):
    _refresh(
        gw,
        tmp_path,
        make_gateway_model(id="moonshotai/kimi-k2.5:free", pricing=FREE, isFree=True),
        make_gateway_model(id="giga-potato", pricing={"prompt": "0.000001", "completion": "0.000002"}, isFree=False),
        make_gateway_model(id="kilo-auto/free", pricing=FREE, isFree=True),
    )
    assert catalog.lookup("kimi-k2.5-free").retired is False
    assert catalog.lookup("giga-potato-free").retired is True
    assert catalog.lookup("glm-5-free").retired is True
    assert "kilo/kimi-k2.5-free" in catalog.current_free_models()
    chain = [router.model_name(e) for e in router.free_chain()]
    assert chain == ["kilo-auto/free", "kimi-k2.5-free"]


def test_free_router_chain_follows_the_refreshed_catalog(gw, tmp_path):
    _refresh(
        gw,
        tmp_path,
        make_gateway_model(id="kilo-auto/free", pricing=FREE, isFree=True, supported_parameters=["reasoning"]),
        make_gateway_model(id="acme/paid"),
        make_gateway_model(id="acme/one:free", pricing=FREE, isFree=True),
        make_gateway_model(id="acme/two", pricing=FREE, isFree=True),
    )
    r = kilo_litellm.free_router(api_base=gw.api_base)
    assert [d["model_name"] for d in r.model_list] == ["kilo-auto/free", "acme/one:free", "acme/two", "kilo/*"]
    assert router.free_fallbacks()[0] == {"kilo-auto/free": ["acme/one:free", "acme/two"]}
    gw.script(Reply(status=429, body=b'{"error":"Rate limit exceeded","error_type":"rate_limit_exceeded"}'))
    assert r.completion(model="kilo-auto/free", messages=MESSAGES).choices[0].message.content
    assert [q.model for q in gw.chat_requests] == ["kilo-auto/free", "acme/one:free"]


@pytest.mark.slow
def test_committed_proxy_config_is_what_the_command_writes(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    committed = Path(__file__).resolve().parent.parent / "litellm_config.yaml"
    out = tmp_path / "config.yaml"
    env = {**os.environ, "KILO_LITELLM_CACHE_DIR": str(tmp_path / "cache"), "KILO_API_BASE": "http://127.0.0.1:9"}
    subprocess.run(
        [sys.executable, "-m", "kilo_litellm", "proxy-config", "-o", str(out)], check=True, env=env, timeout=CEILING
    )
    assert out.read_text() == committed.read_text()


def test_models_command_shows_what_became_of_each_seed_alias(gw, capsys):
    from kilo_litellm.cli.commands import main

    assert main(["models", "--api-base", gw.api_base, "--refresh"]) == 0
    out = capsys.readouterr().out
    seeds = out.split("Seed aliases of Kilo's original model page:", 1)[1]
    for alias, gateway_id in SEED_ALIASES.items():
        line = next(row for row in seeds.splitlines() if row.startswith(f"kilo/{alias} "))
        assert gateway_id in line and "retired -> kilo/kilo-auto/free" in line
    assert "kilo/auto " in seeds and "retired -> kilo/kilo-auto/balanced" in seeds
