"""An upstream content-policy refusal, passed through the gateway, is ``litellm.ContentPolicyViolationError``.

So a Router's ``content_policy_fallbacks`` fire for it, as they do for LiteLLM's own ``openai/``
path; every other 400 and 403 keeps its class. Each call goes over loopback HTTP to the emulator,
scripted with the upstream's body.
"""

from __future__ import annotations

import litellm
import pytest
from content_policy_bodies import OTHER_400, OTHER_403, REFUSALS, refusal

from kilo_litellm.emulator import Reply

KEY = "sk-test-content-policy"
MESSAGES = [{"role": "user", "content": "hello"}]
PAID = "kilo/openai/gpt-4.1"


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_each_refusal_is_a_content_policy_violation(gw, name, stream):
    gw.script(refusal(name))
    with pytest.raises(litellm.ContentPolicyViolationError) as caught:
        resp = litellm.completion(model=PAID, messages=MESSAGES, api_base=gw.api_base, api_key=KEY, stream=stream)
        list(resp) if stream else resp
    assert caught.value.status_code == 400
    assert "content_policy_fallbacks" in str(caught.value)
    assert KEY not in str(caught.value)
    assert len(gw.chat_requests) == 1


@pytest.mark.parametrize(
    ("status", "body", "cls"),
    [(400, OTHER_400, litellm.BadRequestError), (403, OTHER_403, litellm.PermissionDeniedError)],
    ids=["400", "403"],
)
def test_other_400s_and_403s_keep_their_class(gw, status, body, cls):
    gw.script(Reply(status=status, body=body, stream=False))
    with pytest.raises(cls) as caught:
        litellm.completion(model=PAID, messages=MESSAGES, api_base=gw.api_base, api_key=KEY)
    assert not isinstance(caught.value, litellm.ContentPolicyViolationError)
    assert caught.value.status_code == status


@pytest.mark.parametrize("name", sorted(REFUSALS))
async def test_a_routers_content_policy_fallbacks_fire(gw, name):
    router = litellm.Router(
        model_list=[
            {"model_name": "strict", "litellm_params": {"model": PAID, "api_base": gw.api_base, "api_key": KEY}},
            {
                "model_name": "lenient",
                "litellm_params": {"model": "kilo/kilo-auto/free", "api_base": gw.api_base},
            },
        ],
        content_policy_fallbacks=[{"strict": ["lenient"]}],
        num_retries=0,
    )
    gw.script(refusal(name))
    resp = await router.acompletion(model="strict", messages=MESSAGES)
    assert resp.choices[0].message.content
    assert [r.model for r in gw.chat_requests] == ["openai/gpt-4.1", "kilo-auto/free"]
