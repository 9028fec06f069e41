"""The proxy's background health checks, every second, spend no request on a kilo model.

A real proxy with ``background_health_checks: true`` and ``health_check_interval: 1`` serves a free
deployment, a paid one with a key and a paid one without; the emulator's log over several check
cycles shows what the checks cost: no chat request, and the model list (and profile) at most once
per api_base and key per probe lifetime, however many cycles ran.
"""

from __future__ import annotations

import math
import secrets
import time

import httpx
import pytest
from processes import starts_a_process
from proxy_helpers import ProxyStartError, run_proxy, write_config

from kilo_litellm.provider import health_probe

KILO_KEY = "sk-kilo-background-" + secrets.token_hex(8)
WINDOW = 12.0


@starts_a_process
@pytest.fixture(scope="module")
def proxy(emulator, tmp_path_factory):
    def deployment(name: str, model: str, **params) -> dict:
        return {"model_name": name, "litellm_params": {"model": model, "api_base": emulator.api_base, **params}}

    config = {
        "model_list": [
            deployment("free", "kilo/kilo-auto/free"),
            deployment("paid", "kilo/anthropic/claude-sonnet-4.6", api_key=KILO_KEY),
            deployment("paid-too", "kilo/openai/gpt-4.1", api_key=KILO_KEY),
            deployment("paid-keyless", "kilo/z-ai/glm-5"),
        ],
        "litellm_settings": {"custom_provider_map": [{"provider": "kilo", "custom_handler": "kilo_litellm.kilo_llm"}]},
        "general_settings": {"background_health_checks": True, "health_check_interval": 1},
    }
    workdir = tmp_path_factory.mktemp("proxy-background-health")
    try:
        with run_proxy(write_config(config, workdir), workdir, {}) as running:
            yield running
    except ProxyStartError as exc:
        pytest.fail(str(exc))


def test_background_checks_ask_no_model_and_probe_each_base_and_key_once_per_probe_lifetime(proxy, emulator):
    headers = {"Authorization": f"Bearer {proxy.master_key}"}
    deadline = time.monotonic() + 60
    while not emulator.requests:
        assert time.monotonic() < deadline, "no background check ran"
        time.sleep(0.2)
    emulator.reset()
    time.sleep(WINDOW)
    probes = [(r.method, r.path, r.authorization) for r in emulator.requests]
    assert emulator.chat_requests == []
    most = math.ceil(WINDOW / health_probe.PROBE_TTL) + 1
    keyless = probes.count(("GET", "/api/gateway/models", None))
    keyed = probes.count(("GET", "/api/gateway/models", f"Bearer {KILO_KEY}"))
    assert 1 <= keyless <= most and 1 <= keyed <= most, probes
    assert probes.count(("GET", "/api/profile", f"Bearer {KILO_KEY}")) == keyed
    health = httpx.get(f"{proxy.base}/health", headers=headers, timeout=60).json()
    unhealthy = {e["model"]: e["error"] for e in health["unhealthy_endpoints"]}
    assert list(unhealthy) == ["kilo/z-ai/glm-5"] and "needs a key" in unhealthy["kilo/z-ai/glm-5"]
    assert emulator.chat_requests == []
