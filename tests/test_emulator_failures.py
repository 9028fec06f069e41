"""``GatewayEmulator(fail=...)``: one model refused on every request with the gateway's own body, the rest served.

The command-line twin (``kilo-litellm emulator --fail MODEL=STATUS``) is tested in test_cli.py.
"""

from __future__ import annotations

import httpx
import litellm
import pytest
from conftest import MESSAGES, PAYMENT_REQUIRED, call_litellm

import kilo_litellm
from kilo_litellm.emulator import GatewayEmulator, Reply, recording
from kilo_litellm.emulator import bodies as emulator_bodies
from kilo_litellm.emulator.failures import STATUSES, describe, normalised, parse, parse_all
from kilo_litellm.proxy.router import free_chain

FIRST, SECOND = (e.gateway_id for e in free_chain()[:2])
RAISES = {
    401: litellm.AuthenticationError,
    402: PAYMENT_REQUIRED,
    404: litellm.NotFoundError,
    429: litellm.RateLimitError,
    500: litellm.InternalServerError,
    503: litellm.ServiceUnavailableError,
}
GATEWAY_BODIES = {
    401: emulator_bodies.PAID_AUTH_BODY,
    402: emulator_bodies.USAGE_LIMIT_BODY,
    404: emulator_bodies.model_not_found_body(FIRST),
    429: emulator_bodies.RATE_LIMIT_BODY,
    500: recording("error-500-body.json"),
    503: emulator_bodies.SERVICE_UNAVAILABLE_BODY,
}


def _post(gw: GatewayEmulator, model: str, stream: bool = False, path: str = "/chat/completions") -> httpx.Response:
    return httpx.post(gw.api_base + path, json={"model": model, "messages": MESSAGES, "stream": stream}, timeout=10)


@pytest.mark.parametrize("status", STATUSES)
def test_every_request_for_the_model_gets_the_gateways_body_for_that_status(status):
    with GatewayEmulator(fail={FIRST: status}) as gw:
        for stream in (False, True, False):
            answer = _post(gw, FIRST, stream=stream)
            assert (answer.status_code, answer.content) == (status, GATEWAY_BODIES[status])
            assert answer.headers["content-type"] == "application/json"
        assert _post(gw, SECOND).status_code == 200
        assert len(gw.chat_requests) == 4


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize(("is_async", "stream"), [(False, False), (True, True)], ids=["sync", "async-stream"])
async def test_litellm_raises_the_exception_for_the_status_and_other_models_answer(status, is_async, stream):
    with GatewayEmulator(fail={f"kilo/{FIRST}": status}) as gw:
        with pytest.raises(RAISES[status]):
            await call_litellm(is_async, stream, model=f"kilo/{FIRST}", api_base=gw.api_base, num_retries=0)
        text, _, _ = await call_litellm(is_async, stream, model=f"kilo/{SECOND}", api_base=gw.api_base)
        assert text


def test_the_model_is_matched_as_the_gateway_reads_ids_and_only_on_chat_routes():
    with GatewayEmulator(fail={" Kilo/" + FIRST.upper() + " ": 429}) as gw:
        assert gw.fail == {FIRST: 429}
        assert _post(gw, FIRST).status_code == 429
        assert _post(gw, FIRST, path="/v1/chat/completions").status_code == 429
        assert _post(gw, f" {FIRST.upper()}").status_code == 429
        assert httpx.get(gw.api_base + "/models").status_code == 200
        assert httpx.post(gw.url + "/elsewhere/chat/completions", json={"model": FIRST}).status_code == 404
        assert httpx.post(gw.api_base + "/chat/completions", content=b"{not json").status_code == 400


def test_a_scripted_reply_comes_first_and_fail_comes_before_default():
    ok = Reply(body=recording("nonstream-anthropic-whitespace-prefix.json"), stream=False)
    with GatewayEmulator(fail={FIRST: 503}, default=ok) as gw:
        gw.script(Reply(status=500, body=b"{}"))
        assert _post(gw, FIRST).status_code == 500
        assert _post(gw, FIRST).status_code == 503
        assert _post(gw, SECOND).status_code == 200


def test_a_free_router_falls_back_from_the_failing_model():
    with GatewayEmulator(fail={FIRST: 429}) as gw:
        router = kilo_litellm.free_router(api_base=gw.api_base)
        answer = router.completion(model=FIRST, messages=MESSAGES)
        assert answer.choices[0].message.content
        assert [r.model for r in gw.chat_requests] == [FIRST, SECOND]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("kilo-auto/free", "expected MODEL=STATUS, for example kilo-auto/free=429"),
        ("=429", "expected MODEL=STATUS"),
        ("kilo/=429", "expected MODEL=STATUS"),
        ("kilo-auto/free=418", "the status must be one of 401, 402, 404, 429, 500, 503"),
        ("kilo-auto/free=rate", "the status must be one of"),
        ("kilo-auto/free=", "the status must be one of"),
    ],
)
def test_a_bad_option_value_names_itself_and_the_fix(value, message):
    with pytest.raises(ValueError, match=f"^--fail {value!r}: .*{message}"):
        parse(value)


def test_option_values_parse_to_gateway_ids_and_the_banner_lists_them():
    fail = parse_all(["kilo/kilo-auto/free=429", "x-ai/grok-code-fast-1:optimized:free = 503", "kilo-auto/free=500"])
    assert fail == {"kilo-auto/free": 500, "x-ai/grok-code-fast-1:optimized:free": 503}
    assert describe(fail) == "kilo-auto/free (500), x-ai/grok-code-fast-1:optimized:free (503)"


@pytest.mark.parametrize(
    "fail", [{"kilo-auto/free": 418}, {"kilo-auto/free": "429"}, {"kilo-auto/free": True}, {"": 429}]
)
def test_a_bad_fail_mapping_is_refused_before_listening(fail):
    with pytest.raises(ValueError, match="fail: "):
        GatewayEmulator(fail=fail)
    assert normalised(None) == {}
