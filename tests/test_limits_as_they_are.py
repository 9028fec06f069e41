"""The gateway's limits as they are (docs/gateway-contract.md, "Free models and limits"), in-process, no Redis.

Both published free limits, 429 "Model usage limit reached" (200/h) and 401
``promotion_limit_reached`` (10,000/24 h), are checked only for rate-limited Kilo-exclusive models
(today one hidden model behind ``kilo-auto/small``), not for ``kilo-auto/free`` or ``:free`` ids.
Measured on main before this change: the budget guard refused the 201st ``kilo-auto/free``
request of the hour, which the gateway would have served. Now the guard has no default limit;
budgets come only from configuration. The cooldown windows stay tied to the answer that names them.
"""

from __future__ import annotations

import json

import litellm
import pytest
from conftest import MESSAGES, call_litellm
from litellm import Router

from kilo_litellm import free_router
from kilo_litellm.cli.commands import build_parser
from kilo_litellm.emulator import RATE_LIMIT_BODY, Reply, bundled_models, gateway_model
from kilo_litellm.proxy import proxy_config
from kilo_litellm.proxy.free_budget import ENV_ANONYMOUS, ENV_PER_MODEL, MODEL_INFO_KEY, Budget, FreeBudget, Limits

HOUR = 3600
KEY = "sk-test-limits-as-they-are-0123"
MODES = pytest.mark.parametrize(
    ("is_async", "stream"),
    [(False, False), (True, False), (False, True), (True, True)],
    ids=["sync", "async", "sync-stream", "async-stream"],
)


@pytest.fixture
def guards():
    made: list[FreeBudget] = []

    def make(limits: Limits) -> FreeBudget:
        made.append(FreeBudget(limits, clock=lambda: 500_000.0 * HOUR))
        return made[-1]

    yield make
    for guard in made:
        guard.detach()


def test_no_limit_is_configured_by_default():
    assert Limits() == Limits.from_env({}) == Limits(per_model=None, anonymous=None)


async def test_the_201st_and_later_kilo_auto_free_requests_of_the_hour_are_sent(gw, guards):
    """With the guard attached and nothing configured, 250 keyless requests in one hour all reach the gateway."""
    router = free_router(api_base=gw.api_base, free_budget=guards(Limits.from_env({})))
    for _ in range(250):
        await router.acompletion(model="kilo-auto/free", messages=MESSAGES)
    sent = [r.model for r in gw.chat_requests]
    assert sent == ["kilo-auto/free"] * 250
    assert all(r.authorization is None for r in gw.chat_requests)


async def test_a_configured_per_model_budget_counts_only_models_the_catalog_lists_as_free(gw, guards):
    router = free_router(api_base=gw.api_base, free_budget=guards(Limits(per_model=Budget(2, HOUR))))
    gw.models = [*bundled_models(), gateway_model("stealth/nightjar-alpha")]  # free, unknown to the catalog
    for _ in range(3):
        await router.acompletion(model="kilo/stealth/nightjar-alpha", messages=MESSAGES)
    assert [r.model for r in gw.chat_requests] == ["stealth/nightjar-alpha"] * 3
    gw.requests.clear()
    answered = [await router.acompletion(model="stepfun/step-5-preview-free", messages=MESSAGES) for _ in range(3)]
    listed = "stepfun/step-5-preview-free"
    assert [r.model for r in gw.chat_requests][:2] == [listed, listed]
    assert gw.chat_requests[2].model != listed, "the third fell back before reaching the spent model"
    assert answered[2]._hidden_params["additional_headers"]["x-litellm-attempted-fallbacks"] == 1


async def test_a_deployments_own_budget_counts_any_kilo_model(gw, guards):
    """``kilo-auto/small`` is listed as paid, yet routes to the rate-limited model without a
    balance: a budget written on its deployment is counted."""
    deployment = {
        "model_name": "small",
        "litellm_params": {"model": "kilo/kilo-auto/small", "api_base": gw.api_base, "api_key": KEY},
        "model_info": {MODEL_INFO_KEY: f"1/{HOUR}"},
    }
    router = Router(model_list=[deployment], num_retries=0)
    guards(Limits()).attach(router)
    await router.acompletion(model="small", messages=MESSAGES)
    with pytest.raises(litellm.RateLimitError) as refused:
        await router.acompletion(model="small", messages=MESSAGES)
    assert [r.model for r in gw.chat_requests] == ["kilo-auto/small"]
    assert "1 requests per 3600 s" in str(refused.value) and KEY not in str(refused.value)


# -- which answer gets which window -----------------------------------------------------------------

TOO_MANY = json.dumps(
    {
        "error": "Rate limit exceeded",
        "error_type": "rate_limit_exceeded",
        "message": "Too many requests. Please try again later.",
    }
).encode()


async def _refused(gw, reply: Reply, is_async: bool = False, stream: bool = False) -> Exception:
    gw.script(reply)
    with pytest.raises(Exception) as caught:
        await call_litellm(is_async, stream, model="kilo/kilo-auto/free", api_base=gw.api_base)
    return getattr(caught.value, "original_exception", None) or caught.value


@pytest.fixture
def windows(monkeypatch):
    for name in ("KILO_FREE_LIMIT_COOLDOWN", "KILO_DAILY_LIMIT_COOLDOWN"):
        monkeypatch.delenv(name, raising=False)


@MODES
async def test_too_many_requests_keeps_the_gateways_retry_after_ms(gw, windows, is_async, stream):
    exc = await _refused(gw, Reply(status=429, body=TOO_MANY, headers={"retry-after-ms": "2500"}), is_async, stream)
    assert type(exc) is litellm.RateLimitError
    assert exc.response.headers["retry-after-ms"] == "2500"
    assert exc.response.headers["retry-after"] == "3"


async def test_too_many_requests_keeps_the_gateways_retry_after_and_gets_no_invented_window(gw, windows):
    exc = await _refused(gw, Reply(status=429, body=TOO_MANY, headers={"retry-after": "7"}))
    assert exc.response.headers["retry-after"] == "7"
    exc = await _refused(gw, Reply(status=429, body=TOO_MANY))
    assert "retry-after" not in exc.response.headers
    assert "per-account cap" in str(exc) and "not kilo-auto/free" in str(exc)


async def test_model_usage_limit_reached_keeps_its_hour(gw, windows):
    exc = await _refused(gw, Reply(status=429, body=RATE_LIMIT_BODY))
    assert exc.response.headers["retry-after"] == "3600"
    assert "200 requests per hour per IP on Kilo's rate-limited exclusive models" in str(exc)


# -- what the CLI help and the generated config say -------------------------------------------------


def _help(command: str, option: str) -> str:
    parser = build_parser()
    sub = next(a for a in parser._actions if getattr(a, "choices", None) and command in a.choices).choices[command]
    return next(a.help for a in sub._actions if option in a.option_strings)


def test_the_cli_help_says_which_answer_each_window_and_budget_matches():
    budget = _help("proxy-config", "--free-budget")
    assert "None by default" in budget and ENV_PER_MODEL in budget and ENV_ANONYMOUS in budget
    assert "200/h (429 'Model usage limit reached')" in budget and "10,000/24 h (401 promotion_limit_reached)" in budget
    assert "not to kilo-auto/free or :free ids" in budget
    cooldowns = _help("proxy-config", "--free-cooldowns")
    assert "1 h after 429 'Model usage limit reached'" in cooldowns
    assert "24 h after 401 promotion_limit_reached" in cooldowns
    assert "the gateway's retry-after after 'Too many requests'" in cooldowns


def test_the_generated_config_says_the_guard_counts_nothing_unless_configured():
    text = proxy_config.render(free_budget=True, free_cooldowns=True)
    assert "Unset, it counts nothing" in text
    assert '200/h (429 "Model usage limit reached")' in text and "not to kilo-auto/free or :free ids" in text
    assert "default 200/3600" not in text and "default 10000/86400" not in text
