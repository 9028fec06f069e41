"""A message without a ``role`` is not refused: LiteLLM makes it an assistant message first.

``litellm.completion`` runs ``validate_and_fix_openai_messages`` (LiteLLM 1.110.2; docs/litellm-assumptions.md,
"Call arguments") on every call, which sets ``role: "assistant"`` on a message whose role
is missing, ``None`` or empty, before any provider sees it; so the provider cannot tell such a
message from an assistant turn. It does the same for ``openrouter/``. A role that is there but not a
string is the provider's to refuse (``test_caller_mistakes.py``).
"""

from __future__ import annotations

import pytest
from conftest import call_litellm

ROLELESS = {
    "missing": {"content": "hello"},
    "none": {"role": None, "content": "hello"},
    "empty": {"role": "", "content": "hello"},
}


@pytest.mark.parametrize("stream", [False, True], ids=["nonstream", "stream"])
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("provider", ["kilo", "openrouter"])
@pytest.mark.parametrize("name", list(ROLELESS))
async def test_a_message_without_a_role_is_sent_as_an_assistant_message(gw, name, provider, is_async, stream):
    messages = [{"role": "user", "content": "hi"}, dict(ROLELESS[name])]
    await call_litellm(
        is_async,
        stream,
        model=f"{provider}/kilo-auto/free",
        messages=messages,
        api_base=gw.api_base,
        api_key="sk-test-k",
    )

    sent = gw.chat_requests[-1].json["messages"]
    assert sent == [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
    assert messages[1] == ROLELESS[name]
