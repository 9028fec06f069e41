"""What a LiteLLM proxy operator sees for kilo deployments, side by side with LiteLLM's built-in paths.

One real proxy serves kilo deployments on one emulator and ``openrouter/`` and ``openai/``
deployments on a second one; both emulators answer with identical bytes (``default`` or a script),
so every difference a test finds is the provider's. The config is the docs' snippet for adding Kilo
to an existing config (docs/proxy.md, "Kilo in an existing proxy config") plus the generated model
list (``kilo-litellm proxy-config``) and the deployments compared here. A spend logger writes
each call's standard logging payload, which is what LiteLLM's spend tracking receives.
"""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path

import httpx
import pytest
import yaml
from cache_bodies import CACHED_USAGE, cached_reply, cached_stream_reply
from content_policy_bodies import refusal
from processes import starts_a_process
from proxy_helpers import ProxyStartError, run_proxy
from readme_blocks import find

from kilo_litellm.emulator import GatewayEmulator
from kilo_litellm.models import catalog
from kilo_litellm.provider import cost
from kilo_litellm.proxy import proxy_config, router

KILO_KEY = "sk-kilo-operator-" + secrets.token_hex(8)
CLAUDE = "anthropic/claude-sonnet-4.6"
MESSAGES = [{"role": "user", "content": "hello"}]
SNIPPET_HEADING = "Kilo in an existing proxy config"

SPEND_LOGGER = """
import json

from litellm.integrations.custom_logger import CustomLogger


class Payloads(CustomLogger):
    async def async_log_success_event(self, kwargs, response_obj, start_time, end_time):
        logged = kwargs.get("standard_logging_object") or {{}}
        with open({path!r}, "a") as out:
            out.write(json.dumps(logged, default=str) + "\\n")


payloads = Payloads()
"""


def _snippet() -> dict:
    return yaml.safe_load(find(SNIPPET_HEADING, "yaml").text)


def _config(kilo: GatewayEmulator, other: GatewayEmulator) -> dict:
    """The snippet, the generated model list, and the deployments each test compares."""

    def on(gw: GatewayEmulator, name: str, model: str, key: str | None = KILO_KEY, **info) -> dict:
        params = {"model": model, "api_base": gw.api_base, **({"api_key": key} if key else {})}
        deployment = {"model_name": name, "litellm_params": params}
        if info:
            deployment["model_info"] = info
        return deployment

    config = _snippet()
    generated = [d for d in proxy_config.config()["model_list"] if d["model_name"] != "kilo/*"]
    config["model_list"] = [
        *config["model_list"],
        *generated,
        on(kilo, "kilo-claude", f"kilo/{CLAUDE}"),
        on(other, "openrouter-claude", f"openrouter/{CLAUDE}"),
        on(other, "openai-claude", f"openai/{CLAUDE}"),
        on(kilo, "kilo-balanced", "kilo/kilo-auto/balanced"),
        on(kilo, "kilo-paid-keyless", "kilo/openai/gpt-4.1", key=None),
        on(kilo, "kilo-strict", "kilo/openai/gpt-4.1"),
        on(kilo, "kilo-lenient", "kilo/kilo-auto/free", key=None),
        on(other, "openai-strict", "openai/openai/gpt-4.1"),
        on(other, "openai-lenient", "openai/kilo-auto/free"),
    ]
    config.setdefault("litellm_settings", {}).setdefault("callbacks", []).append("payloads_cb.payloads")
    config["router_settings"] = {
        "num_retries": 0,
        "content_policy_fallbacks": [{"kilo-strict": ["kilo-lenient"]}, {"openai-strict": ["openai-lenient"]}],
    }
    config["general_settings"] = {"background_health_checks": False}
    return config


@pytest.fixture(scope="module")
def other():
    """The emulator behind the ``openrouter/`` and ``openai/`` deployments."""
    with GatewayEmulator() as gw:
        yield gw


@starts_a_process
@pytest.fixture(scope="module")
def proxy(emulator, other, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("proxy-operator")
    spend = workdir / "payloads.jsonl"
    (workdir / "payloads_cb.py").write_text(SPEND_LOGGER.format(path=str(spend)))
    path = workdir / "litellm_config.yaml"
    path.write_text(yaml.safe_dump(_config(emulator, other), sort_keys=False))
    env = {"KILO_API_BASE": emulator.api_base}
    try:
        with run_proxy(path, workdir, env) as running:
            yield running, spend
    except ProxyStartError as exc:
        pytest.fail(str(exc))


@pytest.fixture
def op(proxy, emulator, other):
    """The proxy, both emulators reset, and no payload logged yet."""
    for gw in (emulator, other):
        gw.reset()
        gw.default = None
    proxy[1].unlink(missing_ok=True)
    yield proxy
    for gw in (emulator, other):
        gw.reset()
        gw.default = None


def _post(op, path: str, body: dict) -> httpx.Response:
    running = op[0]
    headers = {"Authorization": f"Bearer {running.master_key}"}
    return httpx.post(f"{running.base}{path}", headers=headers, json=body, timeout=60)


def _get(op, path: str) -> httpx.Response:
    running = op[0]
    return httpx.get(f"{running.base}{path}", headers={"Authorization": f"Bearer {running.master_key}"}, timeout=120)


def _payloads(op, *groups: str) -> dict[str, dict]:
    """The last logged standard payload of each model group, once every one of ``groups`` has one."""
    deadline = time.monotonic() + 30
    spend: Path = op[1]
    while True:
        lines = spend.read_text().splitlines() if spend.exists() else []
        found = {p["model_group"]: p for p in map(json.loads, lines)}
        if set(groups) <= set(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def _both_answer(emulator, other, reply) -> None:
    emulator.default = reply
    other.default = reply


# -- prompt-cache accounting -------------------------------------------------------------------------


def test_chat_usage_reports_cache_reads_and_writes_as_openrouter_does(op, emulator, other):
    _both_answer(emulator, other, cached_reply())
    kilo = _post(op, "/v1/chat/completions", {"model": "kilo-claude", "messages": MESSAGES}).json()["usage"]
    routed = _post(op, "/v1/chat/completions", {"model": "openrouter-claude", "messages": MESSAGES}).json()["usage"]
    assert kilo == routed
    assert (
        kilo["prompt_tokens_details"]["cache_write_tokens"]
        == CACHED_USAGE["prompt_tokens_details"]["cache_write_tokens"]
    )
    assert kilo["prompt_tokens_details"]["cached_tokens"] == CACHED_USAGE["prompt_tokens_details"]["cached_tokens"]
    logged = _payloads(op, "kilo-claude", "openrouter-claude")
    for group in ("kilo-claude", "openrouter-claude"):
        assert logged[group]["prompt_tokens"] == CACHED_USAGE["prompt_tokens"]
        assert logged[group]["response_cost"] == pytest.approx(CACHED_USAGE["cost"])


def _streamed_usage(op, model: str) -> dict:
    body = {"model": model, "messages": MESSAGES, "stream": True, "stream_options": {"include_usage": True}}
    running = op[0]
    headers = {"Authorization": f"Bearer {running.master_key}"}
    usage = None
    with httpx.stream("POST", f"{running.base}/v1/chat/completions", headers=headers, json=body, timeout=60) as resp:
        for line in resp.iter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                usage = json.loads(line[6:]).get("usage") or usage
    return usage


def test_the_final_stream_chunk_reports_cache_reads_and_writes_as_openrouter_does(op, emulator, other):
    _both_answer(emulator, other, cached_stream_reply())
    kilo, routed = _streamed_usage(op, "kilo-claude"), _streamed_usage(op, "openrouter-claude")
    assert kilo == routed
    assert kilo["prompt_tokens_details"]["cache_write_tokens"] == 900


def test_the_messages_route_reports_cache_creation_and_reads_as_openrouter_does(op, emulator, other):
    _both_answer(emulator, other, cached_reply())
    body = {"max_tokens": 64, "messages": MESSAGES}
    kilo = _post(op, "/v1/messages", {"model": "kilo-claude", **body}).json()["usage"]
    routed = _post(op, "/v1/messages", {"model": "openrouter-claude", **body}).json()["usage"]
    assert kilo == routed
    details = CACHED_USAGE["prompt_tokens_details"]
    assert kilo["cache_creation_input_tokens"] == details["cache_write_tokens"]
    assert kilo["cache_read_input_tokens"] == details["cached_tokens"]
    assert (
        kilo["input_tokens"] == CACHED_USAGE["prompt_tokens"] - details["cached_tokens"] - details["cache_write_tokens"]
    )


# -- cost as the built-in paths report it -------------------------------------------------------------


def _cost_headers(resp: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in resp.headers.items() if k.startswith("x-litellm-response-cost")}


def test_cost_headers_and_breakdown_are_the_ones_openrouter_gets(op, emulator, other):
    _both_answer(emulator, other, cached_reply())
    kilo = _post(op, "/v1/chat/completions", {"model": "kilo-claude", "messages": MESSAGES})
    routed = _post(op, "/v1/chat/completions", {"model": "openrouter-claude", "messages": MESSAGES})
    assert set(_cost_headers(kilo)) == set(_cost_headers(routed))
    assert {"x-litellm-response-cost-input", "x-litellm-response-cost-output"} <= set(_cost_headers(kilo))
    for name in ("x-litellm-response-cost", "x-litellm-response-cost-original"):
        assert float(kilo.headers[name]) == pytest.approx(float(routed.headers[name])) == pytest.approx(0.00561)
    # LiteLLM splits a reported cost by the registered prices (kilo's), or books it all as output
    # when it has none (its map lacks this openrouter/ id): the parts differ, their sum does not.
    parts = [float(kilo.headers[f"x-litellm-response-cost-{p}"]) for p in ("input", "output")]
    assert sum(parts) == pytest.approx(CACHED_USAGE["cost"])
    logged = _payloads(op, "kilo-claude")
    assert logged["kilo-claude"]["cost_breakdown"]["total_cost"] == pytest.approx(CACHED_USAGE["cost"])
    assert logged["kilo-claude"]["hidden_params"]["additional_headers"][cost.SOURCE_HEADER] == cost.GATEWAY


def test_a_call_without_a_reported_cost_is_priced_from_the_catalog_with_its_cache_tokens(op, emulator):
    emulator.default = cached_reply(cost=None)
    resp = _post(op, "/v1/chat/completions", {"model": "kilo-claude", "messages": MESSAGES})
    entry = catalog.resolve(CLAUDE)
    details = CACHED_USAGE["prompt_tokens_details"]
    read_price = entry.cache_read_input_token_cost
    write_price = entry.cache_write_input_token_cost or entry.input_cost_per_token
    uncached = CACHED_USAGE["prompt_tokens"] - details["cached_tokens"] - details["cache_write_tokens"]
    expected = (
        uncached * entry.input_cost_per_token
        + details["cached_tokens"] * read_price
        + details["cache_write_tokens"] * write_price
        + CACHED_USAGE["completion_tokens"] * entry.output_cost_per_token
    )
    assert read_price < entry.input_cost_per_token
    assert float(resp.headers["x-litellm-response-cost"]) == pytest.approx(expected)
    logged = _payloads(op, "kilo-claude")["kilo-claude"]
    assert logged["response_cost"] == pytest.approx(expected)
    assert logged["hidden_params"]["additional_headers"][cost.SOURCE_HEADER] == cost.CATALOG


def test_a_router_of_unknown_price_without_a_reported_cost_is_not_priced_as_free(op, emulator):
    emulator.default = cached_reply(cost=None)
    resp = _post(op, "/v1/chat/completions", {"model": "kilo-balanced", "messages": MESSAGES})
    assert resp.status_code == 200
    assert _cost_headers(resp) == {}  # LiteLLM's "no price known", where a free model gets "0.0"
    logged = _payloads(op, "kilo-balanced")["kilo-balanced"]
    assert logged["hidden_params"]["additional_headers"][cost.SOURCE_HEADER] == cost.UNKNOWN
    free = _post(op, "/v1/chat/completions", {"model": "kilo-lenient", "messages": MESSAGES})
    assert float(free.headers["x-litellm-response-cost"]) == 0.0


# -- content-policy fallbacks --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["openai-invalid-prompt", "openrouter-moderation"])
def test_content_policy_fallbacks_fire_for_kilo_as_for_openai(op, emulator, other, name):
    emulator.script(refusal(name))
    kilo = _post(op, "/v1/chat/completions", {"model": "kilo-strict", "messages": MESSAGES})
    assert kilo.status_code == 200, kilo.text
    assert kilo.headers["x-litellm-attempted-fallbacks"] == "1"
    assert [r.model for r in emulator.chat_requests] == ["openai/gpt-4.1", "kilo-auto/free"]
    if name == "openai-invalid-prompt":  # the one LiteLLM's openai/ path maps itself
        other.script(refusal(name))
        builtin = _post(op, "/v1/chat/completions", {"model": "openai-strict", "messages": MESSAGES})
        assert builtin.status_code == 200
        assert builtin.headers["x-litellm-attempted-fallbacks"] == kilo.headers["x-litellm-attempted-fallbacks"]


# -- health checks that spend nothing ------------------------------------------------------------------


def test_health_spends_no_request_on_a_model_and_probes_each_base_and_key_once(op, emulator):
    health = _get(op, "/health").json()
    kilo_requests = [(r.method, r.path.split("?")[0], r.authorization) for r in emulator.requests]
    assert emulator.chat_requests == []
    probes = [(m, p) for m, p, _ in kilo_requests]
    assert sorted(set(probes)) == [("GET", "/api/gateway/models"), ("GET", "/api/profile")]
    assert probes.count(("GET", "/api/gateway/models")) == 2  # one keyless, one with the key
    assert probes.count(("GET", "/api/profile")) == 1
    assert all(auth in (None, f"Bearer {KILO_KEY}") for *_, auth in kilo_requests)
    unhealthy = {e["model"]: e for e in health["unhealthy_endpoints"]}
    healthy = {e["model"] for e in health["healthy_endpoints"]}
    assert {"kilo/kilo-auto/free", f"kilo/{CLAUDE}"} <= healthy
    assert "needs a key" in unhealthy["kilo/openai/gpt-4.1"]["error"]
    assert all("kilo/" not in model or "needs a key" in e["error"] for model, e in unhealthy.items())


# -- the wildcard's models listed ----------------------------------------------------------------------


def test_v1_models_and_model_info_list_the_gateways_models(op, emulator):
    listed = {m["id"] for m in _get(op, "/v1/models").json()["data"]}
    gateway = {m["id"] for m in json.loads(httpx.get(f"{emulator.api_base}/models").content)["data"]}
    assert gateway and {router.model_name(catalog.resolve(gid)) for gid in gateway} <= listed
    info = {m["model_name"]: m["model_info"] for m in _get(op, "/model/info").json()["data"]}
    assert info[CLAUDE]["input_cost_per_token"] == catalog.resolve(CLAUDE).input_cost_per_token
    assert info[CLAUDE]["max_input_tokens"] == catalog.resolve(CLAUDE).context_window


# -- Kilo in an existing proxy config --------------------------------------------------------------------


def test_the_snippets_model_answers_through_the_proxy(op, emulator):
    [deployment] = _snippet()["model_list"]
    resp = _post(op, "/v1/chat/completions", {"model": deployment["model_name"], "messages": MESSAGES})
    assert resp.status_code == 200
    assert resp.json()["choices"][0]["message"]["content"]
    assert [r.model for r in emulator.chat_requests] == [deployment["litellm_params"]["model"].removeprefix("kilo/")]
