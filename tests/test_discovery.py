"""The live catalog: GET /models from the emulator → LiteLLM's model map, with TTL, disk cache and fallbacks."""

from __future__ import annotations

import datetime
import json
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import litellm
import pytest
from conftest import MESSAGES
from gateway_models import make_gateway_model, models_body
from processes import CEILING

from kilo_litellm.emulator import Reply, gateway_model
from kilo_litellm.models import catalog
from kilo_litellm.models.discovery import ModelDiscovery
from kilo_litellm.models.listing import parse_models, snapshot_payload


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


pytestmark = pytest.mark.usefixtures("bundled_catalog_afterwards")


@pytest.fixture
def discovery(tmp_path):
    clock = Clock()
    found = ModelDiscovery(clock=clock, ttl=600, cache_dir=tmp_path / "cache")
    found.clock = clock
    return found


def model_fetches(gw) -> int:
    return sum(1 for r in gw.requests if r.method == "GET" and r.path.endswith("/models"))


def serve(gw, *models: dict) -> None:
    gw.script(Reply(body=models_body(*models)))


@pytest.mark.parametrize(
    "overrides,field,expected",
    [
        ({"context_length": 64000}, "max_input_tokens", 64000),
        ({"context_length": None, "top_provider": {"context_length": 32000}}, "max_input_tokens", 32000),
        ({"top_provider": {"max_completion_tokens": 4096}}, "max_output_tokens", 4096),
        (
            {"top_provider": {"max_completion_tokens": None}, "max_completion_tokens": 2048},
            "max_output_tokens",
            2048,
        ),
        ({"context_length": 100001, "top_provider": {"max_completion_tokens": None}}, "max_output_tokens", 20001),
        ({"pricing": {"prompt": "0.000003", "completion": "0.000015"}}, "input_cost_per_token", 3e-06),
        ({"pricing": {"prompt": "0.000003", "completion": "0.000015"}}, "output_cost_per_token", 1.5e-05),
        ({"pricing": {"input_cache_read": "0.0000003"}}, "cache_read_input_token_cost", 3e-07),
        ({"pricing": {"input_cache_write": "0.00000375"}}, "cache_creation_input_token_cost", 3.75e-06),
        ({"architecture": {"input_modalities": ["text", "image"]}}, "supports_vision", True),
        ({}, "supports_vision", False),
        ({"supported_parameters": ["tools", "tool_choice"]}, "supports_function_calling", True),
        ({}, "supports_function_calling", False),
        ({"supported_parameters": ["reasoning", "include_reasoning"]}, "supports_reasoning", True),
        ({}, "supports_reasoning", False),
        ({"supported_parameters": ["response_format", "structured_outputs"]}, "supports_response_schema", True),
        ({"supported_parameters": ["response_format"]}, "supports_response_schema", False),
        ({}, "supports_response_schema", False),
    ],
)
def test_each_field_reaches_get_model_info(gw, discovery, overrides, field, expected):
    serve(gw, make_gateway_model(id="acme/field-test", **overrides))
    discovery.refresh(gw.api_base)
    assert litellm.get_model_info("kilo/acme/field-test")[field] == pytest.approx(expected)


def test_an_unknown_price_registers_none_so_litellm_does_not_price_the_model_as_free(gw, discovery):
    """``-1`` (a router such as ``kilo-auto/balanced``): no price is registered; LiteLLM's model info
    then has none to declare, and its proxy sends no cost header for a call the gateway did not price."""
    serve(gw, make_gateway_model(id="acme/unknown-price", pricing={"prompt": "-1", "completion": "-1"}))
    discovery.refresh(gw.api_base)
    assert "input_cost_per_token" not in litellm.model_cost["kilo/acme/unknown-price"]
    assert "output_cost_per_token" not in litellm.model_cost["kilo/acme/unknown-price"]


@pytest.mark.parametrize(
    "overrides,free",
    [
        ({"pricing": {"prompt": "0.0000000", "completion": "0.0000000"}}, True),
        ({"id": "acme/widget-1:free"}, False),
        ({"id": "acme/widget-1-free", "isFree": True}, True),
        ({"pricing": {"prompt": "0", "completion": "0.000001"}}, False),
        ({}, False),
    ],
)
def test_free_is_is_free_else_zero_prices_never_the_id(gw, discovery, overrides, free):
    model = make_gateway_model(**overrides)
    serve(gw, model)
    [entry] = [e for e in discovery.refresh(gw.api_base).models if e.gateway_id == model["id"]]
    assert entry.free is free
    info = litellm.get_model_info(f"kilo/{model['id']}")
    assert (info["output_cost_per_token"] == 0.0) is free


def test_cost_of_a_discovered_paid_model_uses_its_prices(gw, discovery):
    serve(gw, make_gateway_model(id="acme/priced", pricing={"prompt": "0.000002", "completion": "0.000010"}))
    discovery.refresh(gw.api_base)
    prompt, completion = litellm.cost_per_token(model="kilo/acme/priced", prompt_tokens=1000, completion_tokens=100)
    assert (prompt, completion) == (pytest.approx(0.002), pytest.approx(0.001))


def test_aliases_take_the_live_numbers_for_their_gateway_id(gw, discovery):
    serve(
        gw,
        make_gateway_model(
            id="z-ai/glm-5:free",
            context_length=300000,
            top_provider={"max_completion_tokens": 90000},
            pricing={"prompt": "0", "completion": "0"},
        ),
    )
    discovery.refresh(gw.api_base)
    info = litellm.get_model_info("kilo/glm-5-free")
    assert (info["max_input_tokens"], info["max_output_tokens"]) == (300000, 90000)
    gw.models = [gateway_model("z-ai/glm-5:free")]  # a gateway that serves the seed id again
    litellm.completion(model="kilo/glm-5-free", messages=MESSAGES, api_base=gw.api_base)
    assert gw.chat_requests[-1].model == "z-ai/glm-5:free"


def test_alias_whose_model_left_the_list_fails_naming_the_free_models(gw, discovery):
    serve(gw, make_gateway_model(id="z-ai/glm-5:free", pricing={"prompt": "0", "completion": "0"}))
    discovery.refresh(gw.api_base)
    with pytest.raises(litellm.NotFoundError) as info:
        litellm.completion(model="kilo/trinity-large-preview", messages=MESSAGES, api_base=gw.api_base)
    message = str(info.value)
    assert "arcee-ai/trinity-large-preview:free" in message and "retired" in message
    assert "kilo/glm-5-free" in message and "None" not in message


def test_retired_alias_still_names_its_successor_after_a_refresh(gw, discovery):
    discovery.refresh(gw.api_base)
    with pytest.raises(litellm.NotFoundError, match=r"use kilo/kilo-auto/free"):
        litellm.completion(model="kilo/minimax-m2.1-free", messages=MESSAGES, api_base=gw.api_base)


def test_fresh_list_is_reused_until_the_ttl_passes(gw, discovery):
    assert discovery.refresh(gw.api_base).source == "live"
    discovery.clock.now += 599
    assert discovery.refresh(gw.api_base).source == "memory"
    assert model_fetches(gw) == 1
    discovery.clock.now += 2
    assert discovery.refresh(gw.api_base).source == "live"
    assert model_fetches(gw) == 2


def test_force_fetches_inside_the_ttl(gw, discovery):
    discovery.refresh(gw.api_base)
    assert discovery.refresh(gw.api_base, force=True).source == "live"
    assert model_fetches(gw) == 2


@pytest.mark.parametrize(
    "reply",
    [Reply(status=503, body=b'{"error":"Service unavailable"}'), Reply(body=b"<html>oops</html>"), Reply(body=b"{}")],
    ids=["http-503", "not-json", "no-data"],
)
def test_gateway_trouble_keeps_the_stale_list(gw, discovery, caplog, reply):
    glm = make_gateway_model(id="z-ai/glm-5:free", pricing={"prompt": "0", "completion": "0"})
    serve(gw, glm, make_gateway_model(id="acme/kept", context_length=77777))
    discovery.refresh(gw.api_base)
    discovery.clock.now += 10_000
    gw.script(reply)
    with caplog.at_level(logging.WARNING, logger="kilo_litellm"):
        found = discovery.refresh(gw.api_base)
    assert found.source == "memory" and found.error
    assert litellm.get_model_info("kilo/acme/kept")["max_input_tokens"] == 77777
    assert any("keeping the previous catalog" in r.getMessage() for r in caplog.records)
    assert catalog.lookup("glm-5-free").retired is False
    gw.models = [gateway_model("z-ai/glm-5:free")]  # a gateway that serves the seed id again
    resp = litellm.completion(model="kilo/glm-5-free", messages=MESSAGES, api_base=gw.api_base)
    assert resp.choices[0].message.content


def test_unreachable_gateway_falls_back_to_the_bundled_snapshot(tmp_path):
    found = ModelDiscovery(cache_dir=tmp_path).refresh("http://127.0.0.1:9/api/gateway")
    assert found.source == "snapshot" and "ConnectError" in found.error
    assert {"z-ai/glm-5:free", "kilo/auto"} <= {e.gateway_id for e in found.models}
    assert litellm.get_model_info("kilo/glm-5-free")["max_input_tokens"] == 202800


def test_disk_cache_survives_a_new_process(gw, discovery, tmp_path):
    serve(gw, make_gateway_model(id="acme/on-disk", context_length=55555))
    discovery.refresh(gw.api_base)
    catalog.install(None)

    clock = Clock(discovery.clock.now + 60)
    again = ModelDiscovery(clock=clock, ttl=600, cache_dir=tmp_path / "cache")
    found = again.refresh(gw.api_base)
    assert found.source == "disk" and model_fetches(gw) == 1
    assert litellm.get_model_info("kilo/acme/on-disk")["max_input_tokens"] == 55555

    clock.now += 600
    assert again.refresh(gw.api_base).source == "live" and model_fetches(gw) == 2


def test_disk_copy_is_the_fallback_when_the_gateway_fails(gw, discovery, tmp_path):
    serve(gw, make_gateway_model(id="acme/on-disk", context_length=44444))
    discovery.refresh(gw.api_base)
    later = ModelDiscovery(clock=Clock(discovery.clock.now + 10_000), ttl=600, cache_dir=tmp_path / "cache")
    gw.script(Reply(status=500, body=b"{}"))
    found = later.refresh(gw.api_base)
    assert found.source == "disk" and found.error
    assert litellm.get_model_info("kilo/acme/on-disk")["max_input_tokens"] == 44444


def test_unreadable_disk_cache_is_ignored(gw, tmp_path):
    (tmp_path / "models.json").write_text("{not json")
    found = ModelDiscovery(cache_dir=tmp_path).refresh(gw.api_base)
    assert found.source == "live"
    assert json.loads((tmp_path / "models.json").read_text())["api_base"] == gw.api_base


def test_concurrent_callers_share_one_fetch(gw, discovery):
    gw.script(Reply(body=models_body(make_gateway_model(id="acme/shared")), delay=0.3))
    start = threading.Barrier(8)
    results = []

    def call():
        start.wait()
        results.append(discovery.refresh(gw.api_base))

    threads = [threading.Thread(target=call) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(results) == 8 and model_fetches(gw) == 1
    assert all("acme/shared" in {e.gateway_id for e in r.models} for r in results)


def test_malformed_and_duplicate_entries_are_skipped(gw, discovery, caplog):
    serve(
        gw,
        make_gateway_model(id="acme/good", context_length=1000),
        make_gateway_model(id="acme/good", context_length=2000),
        make_gateway_model(id="ACME/GOOD", context_length=3000),
        make_gateway_model(id=""),
        make_gateway_model(id="acme/bad-context", context_length="lots"),
        make_gateway_model(id="acme/bad-params", supported_parameters="tools"),
        {"name": "no id"},
        "not an object",
        make_gateway_model(id="acme/also-good"),
    )
    with caplog.at_level(logging.WARNING, logger="kilo_litellm"):
        found = discovery.refresh(gw.api_base)
    live = [e.gateway_id for e in found.models if e.gateway_id.startswith("acme/")]
    assert live == ["acme/good", "acme/also-good"]
    assert litellm.get_model_info("kilo/acme/good")["max_input_tokens"] == 1000
    assert sum("duplicate" in r.getMessage() for r in caplog.records) == 2
    assert sum("malformed" in r.getMessage() for r in caplog.records) == 5


def test_models_request_carries_no_key(gw, discovery, monkeypatch):
    monkeypatch.setenv("KILO_API_KEY", "kilo-secret-key-123456")
    discovery.refresh(gw.api_base)
    [request] = [r for r in gw.requests if r.path.endswith("/models")]
    assert request.authorization is None


def test_api_base_comes_from_the_environment(gw, discovery, monkeypatch):
    monkeypatch.setenv("KILO_API_BASE", gw.api_base)
    assert discovery.refresh().api_base == gw.api_base
    assert model_fetches(gw) == 1


@pytest.mark.slow
def test_import_fetches_nothing(gw, tmp_path):
    env = {**os.environ, "KILO_API_BASE": gw.api_base, "KILO_LITELLM_CACHE_DIR": str(tmp_path)}
    subprocess.run([sys.executable, "-c", "import kilo_litellm"], env=env, check=True, timeout=CEILING)
    assert gw.requests == []
    assert not (tmp_path / "models.json").exists()


def test_bundled_snapshot_parses_and_lists_every_current_seed():
    entries = parse_models(snapshot_payload())
    ids = {e.gateway_id for e in entries}
    seeds = {e.gateway_id for e in catalog.bundled().models if not e.retired}
    assert seeds - ids == {"mistralai/codestral-2508", "inception/mercury-edit-2"}  # FIM-only seeds, unlisted
    assert len(ids) == len(entries)


@pytest.mark.slow
def test_refresh_snapshot_script_writes_the_gateway_list(gw, tmp_path):
    gw.script(
        Reply(
            body=models_body(make_gateway_model(id="z-ai/glm-5:free", isFree=True), make_gateway_model(id="acme/new"))
        )
    )
    script = Path(__file__).resolve().parent.parent / "scripts" / "refresh_snapshot.py"
    out = tmp_path / "snapshot.json"
    done = subprocess.run(
        [sys.executable, str(script), "--api-base", gw.api_base, "--output", str(out)],
        capture_output=True,
        text=True,
        timeout=CEILING,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "seed kilo/giga-potato-free (giga-potato): retired -> kilo/kilo-auto/free" in done.stderr
    assert "seed kilo/glm-5-free (z-ai/glm-5:free): served" in done.stderr
    written = json.loads(out.read_text())
    assert [e.gateway_id for e in parse_models(written)] == ["z-ai/glm-5:free", "acme/new"]
    assert written["_source"] == f"GET {gw.api_base}/models"
    taken = datetime.datetime.fromisoformat(written["_taken_at"].replace("Z", "+00:00"))
    assert abs((datetime.datetime.now(datetime.timezone.utc) - taken).total_seconds()) < 120
    assert "entries of the bundled snapshot were written by hand" in done.stdout
