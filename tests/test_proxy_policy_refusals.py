"""The gateway's policy refusals (docs/gateway-contract.md, "Errors") through the real LiteLLM proxy, seen by the ``openai`` client.

The proxy runs as a subprocess with a config of its own: ``num_retries: 2`` (so a retried error
would show), a ``pool`` group of two deployments on two emulators (so a cooled-down deployment
would show), a ``fallback-demo`` group that falls back to ``kilo-auto/free``, and a group of its own
for each shape and mode (LiteLLM cools a deployment down after a 404, which would otherwise answer
the next test "No deployments available").
"""

from __future__ import annotations

import secrets

import openai
import pytest
from processes import starts_a_process
from proxy_helpers import ProxyStartError, run_proxy, write_config

from kilo_litellm.emulator import BYOK_RECONNECT_URL, GatewayEmulator, policy_reply, too_many_requests

KILO_KEY = "kilo-proxy-policy-" + secrets.token_hex(8)
MESSAGES = [{"role": "user", "content": "hello"}]
KILO = {"api_key": "os.environ/KILO_API_KEY", "api_base": "os.environ/KILO_API_BASE"}
SHAPES = [
    ("auto_routing_blocked", "kilo/kilo-auto/balanced", openai.BadRequestError, 400, "does not help"),
    ("team_not_allowed", "kilo/kilo-auto/balanced", openai.NotFoundError, 404, "Model not allowed for your team"),
    ("account_restricted", "kilo/kilo-auto/balanced", openai.PermissionDeniedError, 403, "contact Kilo support"),
    ("byok_reconnect", "kilo/openai/gpt-5", openai.BadRequestError, 400, f"reconnected at {BYOK_RECONNECT_URL}"),
    ("empty_model", "kilo/kilo-auto/free", openai.NotFoundError, 404, "Model not found"),
]


def _group(name: str, stream: bool) -> str:
    return f"{name}-stream" if stream else name


def _config(other: GatewayEmulator) -> dict:
    def deployment(name: str, model: str, **params) -> dict:
        return {"model_name": name, "litellm_params": {"model": model, **KILO, **params}}

    pool_b = deployment("pool", "kilo/kilo-auto/balanced", api_base=other.api_base)
    per_shape = [deployment(_group(name, stream), model) for name, model, *_ in SHAPES for stream in (False, True)]
    return {
        "model_list": [
            *per_shape,
            deployment("kilo-auto/free", "kilo/kilo-auto/free"),
            deployment("fallback-demo", "kilo/kilo-auto/balanced"),
            {**deployment("pool", "kilo/kilo-auto/balanced"), "model_info": {"id": "pool-a"}},
            {**pool_b, "model_info": {"id": "pool-b"}},
        ],
        "router_settings": {
            "num_retries": 2,
            "cooldown_time": 60,
            "fallbacks": [{"fallback-demo": ["kilo-auto/free"]}],
        },
        "litellm_settings": {"custom_provider_map": [{"provider": "kilo", "custom_handler": "kilo_litellm.kilo_llm"}]},
    }


@pytest.fixture(scope="module")
def other():
    """The emulator behind the second deployment of ``pool``."""
    with GatewayEmulator() as gw:
        yield gw


@starts_a_process
@pytest.fixture(scope="module")
def proxy(emulator, other, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("proxy-policy")
    config = write_config(_config(other), workdir)
    try:
        with run_proxy(config, workdir, {"KILO_API_BASE": emulator.api_base, "KILO_API_KEY": KILO_KEY}) as running:
            yield running
    except ProxyStartError as exc:
        pytest.fail(str(exc))


@pytest.fixture
def client(proxy, emulator, other):
    emulator.reset()
    other.reset()
    yield openai.OpenAI(base_url=f"{proxy.base}/v1", api_key=proxy.master_key, max_retries=0, timeout=30)
    emulator.reset()
    other.reset()


@pytest.mark.parametrize("stream", [False, True], ids=["nonstream", "stream"])
@pytest.mark.parametrize(("name", "model", "cls", "status", "phrase"), SHAPES, ids=[s[0] for s in SHAPES])
def test_each_shape_reaches_the_client_with_its_status_and_is_sent_once(
    client, emulator, name, model, cls, status, phrase, stream
):
    emulator.default = policy_reply(name)
    with pytest.raises(cls) as caught:
        resp = client.chat.completions.create(model=_group(name, stream), messages=MESSAGES, stream=stream)
        list(resp) if stream else resp
    assert caught.value.status_code == status
    assert phrase in str(caught.value)
    assert KILO_KEY not in str(caught.value)
    assert [r.model for r in emulator.chat_requests] == [model.removeprefix("kilo/")]


def test_the_abuse_layers_429_is_retried_after_retry_after_then_reaches_the_client(client, emulator):
    emulator.default = too_many_requests(retry_after_ms=1000)
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model="kilo-auto/free", messages=MESSAGES)
    assert "Too many requests" in str(caught.value)
    first, *_, last = emulator.chat_requests
    assert len(emulator.chat_requests) == 3
    assert last.at - first.at >= 2.0


def test_the_policys_503_falls_back_when_the_group_has_a_fallback(client, emulator):
    emulator.script(policy_reply("auto_routing_blocked"))
    raw = client.chat.completions.with_raw_response.create(model="fallback-demo", messages=MESSAGES)
    assert raw.parse().choices[0].message.content
    assert raw.headers["x-litellm-attempted-fallbacks"] == "1"
    assert [r.model for r in emulator.chat_requests] == ["kilo-auto/balanced", "kilo-auto/free"]


def test_the_policys_503_does_not_cool_the_deployment_down(client, emulator, other):
    """``pool`` has a deployment on each emulator; the one behind the policy refuses, and keeps
    getting requests afterwards (a cooled-down deployment would get none for 60 s)."""
    emulator.default = policy_reply("auto_routing_blocked")
    for _ in range(40):
        try:
            client.chat.completions.create(model="pool", messages=MESSAGES)
        except openai.BadRequestError:
            break
    else:
        pytest.fail("the proxy never chose the deployment behind the policy")
    assert len(emulator.chat_requests) == 1
    emulator.default = None
    for _ in range(16):
        client.chat.completions.create(model="pool", messages=MESSAGES)
    assert len(emulator.chat_requests) > 1 and len(other.chat_requests) > 0
