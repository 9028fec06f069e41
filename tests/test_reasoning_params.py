"""Reasoning parameters as callers spell them → the gateway's ``reasoning`` object."""

from __future__ import annotations

import litellm
import pytest
from conftest import MESSAGES
from litellm import Router

FREE = "kilo/kilo-auto/free"
CLAUDE = "kilo/anthropic/claude-sonnet-4.6"
KEY = "sk-test-reasoning-0123456789"
ALLOWED = ["reasoning_effort", "thinking"]


def _sent(gw) -> dict:
    return gw.chat_requests[-1].json


@pytest.mark.parametrize(
    ("kwargs", "reasoning"),
    [
        ({"thinking": {"type": "enabled", "budget_tokens": 2048}}, {"max_tokens": 2048}),
        ({"reasoning_effort": "high"}, {"effort": "high"}),
        ({"thinking": {"type": "adaptive"}}, {"enabled": True}),
        ({"thinking": {"type": "disabled"}}, {"enabled": False}),
        ({"thinking": {"type": "enabled", "budget_tokens": 1024}, "reasoning_effort": "low"}, {"max_tokens": 1024}),
        ({"thinking": {"type": "adaptive"}, "reasoning_effort": "low"}, {"effort": "low"}),
    ],
)
def test_reasoning_spellings_reach_the_gateway_as_reasoning(gw, kwargs, reasoning):
    litellm.completion(
        model=CLAUDE, messages=MESSAGES, api_base=gw.api_base, api_key=KEY, allowed_openai_params=ALLOWED, **kwargs
    )
    sent = _sent(gw)
    assert sent["reasoning"] == reasoning
    assert "thinking" not in sent and "reasoning_effort" not in sent


def test_a_reasoning_object_of_the_callers_own_wins(gw):
    litellm.completion(
        model=FREE,
        messages=MESSAGES,
        api_base=gw.api_base,
        reasoning={"effort": "minimal", "exclude": True},
        thinking={"type": "enabled", "budget_tokens": 4096},
        allowed_openai_params=ALLOWED,
    )
    assert _sent(gw)["reasoning"] == {"effort": "minimal", "exclude": True}


def test_without_a_declaration_litellm_itself_refuses_them(gw):
    """LiteLLM checks a custom provider's params against its generic OpenAI-like list (README: reasoning params)."""
    for kwargs in ({"reasoning_effort": "high"}, {"thinking": {"type": "enabled", "budget_tokens": 1024}}):
        with pytest.raises(litellm.UnsupportedParamsError, match="allowed_openai_params"):
            litellm.completion(model=FREE, messages=MESSAGES, api_base=gw.api_base, **kwargs)
    assert gw.requests == []


def test_a_deployment_declaring_reasoning_effort_levels_needs_no_allow_list(gw):
    router = Router(
        model_list=[
            {
                "model_name": "free",
                "litellm_params": {"model": FREE, "api_base": gw.api_base},
                "model_info": {"reasoning_effort_levels": ["low", "medium", "high"]},
            }
        ]
    )
    router.completion(model="free", messages=MESSAGES, reasoning_effort="high")
    assert _sent(gw)["reasoning"] == {"effort": "high"}


@pytest.mark.slow
async def test_thinking_through_the_messages_bridge_keeps_its_budget(gw):
    """LiteLLM's /v1/messages bridge passes ``thinking`` untouched for "claude" model names."""
    resp = await litellm.anthropic.messages.acreate(
        model=CLAUDE,
        messages=MESSAGES,
        max_tokens=4096,
        thinking={"type": "enabled", "budget_tokens": 3000},
        api_base=gw.api_base,
        api_key=KEY,
        allowed_openai_params=ALLOWED,
    )
    assert resp["content"]
    sent = _sent(gw)
    assert sent["model"] == "anthropic/claude-sonnet-4.6"
    assert sent["reasoning"] == {"max_tokens": 3000}
    assert "thinking" not in sent
