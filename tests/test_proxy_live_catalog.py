"""The shipped ``litellm_config.yaml`` in the real LiteLLM proxy follows the gateway's live ``/models``.

The emulator's ``/models`` differs from the bundled snapshot the config was written from: two
members of the free chain are gone and a new free model is listed. The proxy fetches the list at
start-up (the config's ``live_catalog`` callback); a chain walk then sends nothing to the gone
members and reaches the new model, with no new config.
"""

from __future__ import annotations

import time

import pytest
from proxy_helpers import agents_config, fallback_chain, openai_client, proxy_with_spend_log

from kilo_litellm.emulator import GatewayEmulator, Reply, gateway_model

CONFIG = agents_config()
GONE = ["stealth/glyph-cluster", "inclusionai/ling-3.1-flash"]
NEW = "acme/fresh-model:free"
RATE_LIMITED = Reply(status=429, body=b'{"error":"Rate limit exceeded","error_type":"rate_limit_exceeded"}')
READY_WITHIN = 120.0


@pytest.fixture(scope="module")
def emulator():
    with GatewayEmulator() as gw:
        gw.models = [
            gateway_model("kilo-auto/free", reasoning=True),
            gateway_model("stepfun/step-5-preview-free"),
            gateway_model(NEW),
        ]
        yield gw


@pytest.fixture(scope="module")
def proxy(emulator, tmp_path_factory):
    with proxy_with_spend_log(CONFIG, tmp_path_factory.mktemp("proxy-live"), {"KILO_API_BASE": emulator.api_base}) as p:
        yield p


def _models_fetched(emulator) -> bool:
    return any(r.path.endswith("/models") and r.method == "GET" for r in emulator.requests)


def test_the_shipped_chain_names_the_members_this_test_removes():
    assert fallback_chain(CONFIG, "kilo-auto/free")[1:3] == GONE


def test_the_proxy_fetches_models_at_start_up_and_its_chain_follows_the_live_list(emulator, proxy):
    deadline = time.monotonic() + READY_WITHIN
    while not _models_fetched(emulator):
        assert time.monotonic() < deadline, "the proxy never asked for /models"
        time.sleep(0.2)
    oai = openai_client(proxy, timeout=60)
    deadline = time.monotonic() + READY_WITHIN
    while NEW not in {m.id for m in oai.models.list().data}:
        assert oai.chat.completions.create(model="kilo-auto/free", messages=[{"role": "user", "content": "hi"}])
        assert time.monotonic() < deadline, "the new free model never joined the chain"
        time.sleep(0.2)
    del emulator.requests[:]
    emulator.script(RATE_LIMITED, RATE_LIMITED)
    resp = oai.chat.completions.create(model="kilo-auto/free", messages=[{"role": "user", "content": "hello"}])
    assert resp.choices[0].message.content
    assert [r.model for r in emulator.chat_requests] == ["kilo-auto/free", "stepfun/step-5-preview-free", NEW]
    assert not set(GONE) & {r.model for r in emulator.chat_requests}
    log = proxy[0].log.read_text()
    assert all(f"skipping kilo/{gone}" in log for gone in GONE)
