"""What the gateway says at run time wins: against an emulator whose ``/models`` differs from the
bundled snapshot (two members of the shipped free chain gone, a new free model listed), through
``litellm.completion`` and ``free_router()``.

* No request goes to an id the live list does not serve, beyond the one that proves it gone (a 404
  ``model_not_found``).
* A free model the gateway newly lists serves the chain without a new Router or config.
* A member past its ``expiration_date`` is skipped.
* A process started offline after a refresh knows the refreshed models (subprocesses).
* A typo is answered with the nearest ids the list has.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import subprocess
import sys

import litellm
import pytest
from conftest import MESSAGES

import kilo_litellm
from kilo_litellm.emulator import PAID_AUTH_BODY, Reply, gateway_model
from kilo_litellm.models import catalog, serving
from kilo_litellm.models.discovery import ModelDiscovery
from kilo_litellm.proxy import router

pytestmark = pytest.mark.usefixtures("bundled_catalog_afterwards")

BUNDLED_CHAIN = ["kilo-auto/free", "stepfun/step-5-preview-free", "stealth/glyph-cluster", "inclusionai/ling-3.1-flash"]
GONE = ["stealth/glyph-cluster", "inclusionai/ling-3.1-flash"]
NEW = "acme/fresh-model:free"
RATE_LIMITED = Reply(status=429, body=b'{"error":"Rate limit exceeded","error_type":"rate_limit_exceeded"}')
NOT_FOUND = Reply(
    status=404,
    body=b'{"error":"The requested model does not exist.","error_type":"model_not_found",'
    b'"message":"The requested model does not exist."}',
)


def live_models(*extra: dict) -> list[dict]:
    """The differing ``/models``: the chain's first two members, a paid model, a new free one."""
    return [
        gateway_model("kilo-auto/free", reasoning=True),
        gateway_model("stepfun/step-5-preview-free"),
        gateway_model("anthropic/claude-sonnet-4.6", free=False),
        gateway_model(NEW),
        *extra,
    ]


def refresh(gw, tmp_path, *extra: dict):
    gw.models = live_models(*extra)
    found = ModelDiscovery(cache_dir=tmp_path).refresh(gw.api_base, force=True)
    assert found.source == "live" and found.error is None
    return found


def sent(gw) -> list[str | None]:
    return [r.model for r in gw.chat_requests]


def test_the_bundled_chain_is_what_these_tests_expect():
    assert [router.model_name(e) for e in router.free_chain()] == BUNDLED_CHAIN


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_a_running_chain_skips_members_gone_from_the_live_list_and_takes_in_a_new_free_model(
    gw, tmp_path, caplog, is_async
):
    chain = kilo_litellm.free_router(api_base=gw.api_base)
    assert router.members(chain) == BUNDLED_CHAIN
    refresh(gw, tmp_path)
    assert router.members(chain) == [*BUNDLED_CHAIN, NEW]
    del gw.requests[:]

    caplog.set_level(logging.WARNING, logger="kilo_litellm")
    for _ in range(2):
        gw.script(RATE_LIMITED, RATE_LIMITED)
        call = chain.acompletion if is_async else chain.completion
        resp = call(model="kilo-auto/free", messages=MESSAGES)
        resp = await resp if is_async else resp
        assert resp.choices[0].message.content
    assert sent(gw) == ["kilo-auto/free", "stepfun/step-5-preview-free", NEW] * 2
    warnings = [r.getMessage() for r in caplog.records if "skipping" in r.getMessage()]
    assert len(warnings) == len(GONE), "one warning per gone member, however many calls"
    assert all("kilo-litellm proxy-config" in w and "no longer lists it" in w for w in warnings)


async def test_a_member_that_answered_404_model_not_found_gets_no_second_request(gw, tmp_path):
    chain = kilo_litellm.free_router(api_base=gw.api_base)
    refresh(gw, tmp_path)
    del gw.requests[:]
    gw.script(RATE_LIMITED, NOT_FOUND)
    assert (await chain.acompletion(model="kilo-auto/free", messages=MESSAGES)).choices[0].message.content
    gw.script(RATE_LIMITED)
    assert (await chain.acompletion(model="kilo-auto/free", messages=MESSAGES)).choices[0].message.content
    assert sent(gw) == ["kilo-auto/free", "stepfun/step-5-preview-free", NEW, "kilo-auto/free", NEW]


def test_a_member_past_its_expiration_date_is_skipped(gw, tmp_path):
    yesterday = (datetime.datetime.now(datetime.timezone.utc).date() - datetime.timedelta(days=1)).isoformat()
    expired = {**gateway_model("stepfun/step-5-preview-free"), "expiration_date": yesterday}
    gw.models = [gateway_model("kilo-auto/free"), expired, gateway_model(NEW)]
    assert ModelDiscovery(cache_dir=tmp_path).refresh(gw.api_base, force=True).source == "live"
    chain = kilo_litellm.free_router(api_base=gw.api_base)
    assert router.members(chain) == ["kilo-auto/free", NEW]
    assert serving.why_not("kilo/stepfun/step-5-preview-free") == f"it was listed to retire on {yesterday}"


def test_a_chain_built_after_the_refresh_names_only_what_the_gateway_lists(gw, tmp_path):
    refresh(gw, tmp_path)
    assert [router.model_name(e) for e in router.free_chain()] == ["kilo-auto/free", "stepfun/step-5-preview-free", NEW]


def test_the_bundled_snapshot_alone_skips_nothing():
    assert catalog.provenance().source == "snapshot"
    assert [serving.why_not(m) for m in BUNDLED_CHAIN] == [None] * 4


# -- typos ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [None, "k-1"], ids=["keyless", "with-key"])
def test_a_typo_is_sent_once_and_answered_with_the_nearest_ids(gw, key):
    with pytest.raises(litellm.NotFoundError) as caught:
        litellm.completion(model="kilo/kilo-auto/fre", messages=MESSAGES, api_base=gw.api_base, api_key=key)
    assert sent(gw) == ["kilo-auto/fre"]
    assert "Did you mean kilo/kilo-auto/free" in str(caught.value)


def test_a_401_paid_auth_for_an_id_no_list_has_names_the_nearest_ids_too(gw):
    gw.script(Reply(status=401, body=PAID_AUTH_BODY))
    with pytest.raises(litellm.AuthenticationError) as caught:
        litellm.completion(model="kilo/kilo-auto/fre", messages=MESSAGES, api_base=gw.api_base)
    assert "Did you mean kilo/kilo-auto/free" in str(caught.value)


def test_a_typo_the_gateway_answers_404_for_names_the_nearest_ids_of_the_live_list(gw, tmp_path):
    refresh(gw, tmp_path)
    gw.script(NOT_FOUND)
    with pytest.raises(litellm.NotFoundError) as caught:
        litellm.completion(model="kilo/acme/fresh-modle:free", messages=MESSAGES, api_base=gw.api_base, api_key="k-1")
    assert f"Did you mean kilo/{NEW}?" in str(caught.value)


def test_an_id_far_from_every_listed_one_gets_no_guess(gw):
    with pytest.raises(litellm.NotFoundError) as caught:
        litellm.completion(model="kilo/zzqx/qqq", messages=MESSAGES, api_base=gw.api_base)
    assert "Did you mean" not in str(caught.value)


# -- a later process -----------------------------------------------------------------------------

OFFLINE = "http://127.0.0.1:9/api/gateway"


def _run(args: list[str], cache: str, base: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "KILO_LITELLM_CACHE_DIR": cache, "KILO_API_BASE": base}
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, timeout=180, check=False)


@pytest.mark.slow
def test_a_process_started_offline_after_a_refresh_knows_the_refreshed_models(gw, tmp_path):
    gw.models = live_models()
    cache = str(tmp_path / "cache")
    refreshed = _run(["-m", "kilo_litellm", "models", "--refresh", "--json"], cache, gw.api_base)
    assert refreshed.returncode == 0, refreshed.stderr
    assert NEW in {row["gateway_id"] for row in json.loads(refreshed.stdout)}

    listed = _run(["-m", "kilo_litellm", "models", "--json"], cache, OFFLINE)
    assert listed.returncode == 0, listed.stderr
    rows = {row["gateway_id"]: row for row in json.loads(listed.stdout)}
    assert NEW in rows and rows[NEW]["free"] is True
    assert not set(GONE) & set(rows)

    script = (
        "import litellm, kilo_litellm\n"
        "from kilo_litellm.models import catalog\n"
        "from kilo_litellm.proxy import router\n"
        f"print(litellm.get_model_info('kilo/{NEW}')['max_input_tokens'])\n"
        "print(catalog.provenance().source)\n"
        "print(' '.join(router.model_name(e) for e in router.free_chain()))\n"
    )
    known = _run(["-c", script], cache, OFFLINE)
    assert known.returncode == 0, known.stderr
    window, source, chain = known.stdout.split("\n")[:3]
    assert (window, source) == ("131072", "disk")
    assert chain.split() == ["kilo-auto/free", "stepfun/step-5-preview-free", NEW]


@pytest.mark.slow
def test_models_refresh_that_cannot_reach_the_gateway_exits_non_zero_unless_allowed(tmp_path):
    cache = str(tmp_path / "cache")
    failed = _run(["-m", "kilo_litellm", "models", "--refresh"], cache, OFFLINE)
    assert failed.returncode == 1 and "no model list from" in failed.stderr
    allowed = _run(["-m", "kilo_litellm", "models", "--refresh", "--allow-stale"], cache, OFFLINE)
    assert allowed.returncode == 0 and allowed.stdout.startswith("stale: no model list from")
    config = _run(["-m", "kilo_litellm", "proxy-config", "--refresh"], cache, OFFLINE)
    assert config.returncode == 1 and config.stdout == ""


def test_the_live_lists_four_prices_reach_the_catalog_entry_and_litellms_map(gw, tmp_path):
    priced = gateway_model("acme/cached", free=False)
    priced["pricing"].update(input_cache_read="0.0000001", input_cache_write="0.00000125")
    refresh(gw, tmp_path, priced)
    entry = catalog.lookup("acme/cached")
    assert (entry.input_cost_per_token, entry.output_cost_per_token) == (1e-06, 4e-06)
    assert (entry.cache_read_input_token_cost, entry.cache_write_input_token_cost) == (1e-07, 1.25e-06)
    info = litellm.get_model_info("kilo/acme/cached")
    assert info["cache_read_input_token_cost"] == 1e-07
    assert info["cache_creation_input_token_cost"] == 1.25e-06


RETIRED_BY_THE_GATEWAY = (
    "stepfun/step-3.7-flash:free",
    "stealth/space-bunny-alpha",
    "qwen/qwen3.8-27b:free",
    "inclusionai/ling-3.0-flash:free",
    "inclusionai/ling-3.0-flash-sante:free",
    "inclusionai/ling-3.0-flash-fin:free",
    "inclusionai/ling-3.0-flash-vl:free",
    "z-ai/glm-5.2:free",
    "minimax/minimax-m3:free",
    "minimax/minimax-m2.7:free",
    "thinkingmachines/inkling:free",
    "tencent/hy3:free",
    "meituan/longcat-2.0-free",
    "nex-agi/",
    "poolside/laguna-s-2.1:free",
    "poolside/laguna-xs-2.1:free",
)
"""Free ids the gateway stopped serving (docs/gateway-contract.md, Free models and limits)."""


def test_the_shipped_config_and_the_snapshot_name_no_retired_model():
    from pathlib import Path

    shipped = (Path(__file__).resolve().parent.parent / "litellm_config.yaml").read_text()
    listed = {e.gateway_id for e in catalog.bundled().models if e.listed}
    for gone in RETIRED_BY_THE_GATEWAY:
        assert gone not in shipped
        assert not any(gateway_id.startswith(gone) for gateway_id in listed)
