"""``kilo/<id>`` for an id the catalog does not list: calls work, the cost is the gateway's, and
``get_model_info`` says what LiteLLM says for any provider's unmapped model.

kilo_litellm registers only the ids it knows (the bundled catalog, or the live ``/models`` after
``refresh_models()``). For any other name LiteLLM 1.110 either raises its usual "This model isn't
mapped yet" or, when one of the "fallback generalization" rules of its own cost map matches the
name (``litellm_core_utils/fallback_generalizations.py``; e.g. ``claude-family-baseline`` for
``claude-<tier>-<n>``), answers that rule's capabilities with prices it defaults to 0
(docs/litellm-assumptions.md, "Cost"), for ``openrouter/<id>`` exactly as for ``kilo/<id>``. Those numbers are
LiteLLM's guess, not the gateway's: the cost of a call is what the gateway reports.
"""

from __future__ import annotations

import litellm
import pytest
from conftest import MESSAGES
from litellm.exceptions import ModelNotMappedError

from kilo_litellm.emulator import bundled_models, gateway_model
from kilo_litellm.models import catalog

UNMATCHED = "acme/brand-new-model"
RULE_MATCHED = "anthropic/claude-opus-4.9"


def test_the_ids_are_not_in_the_catalog():
    assert catalog.lookup(UNMATCHED) is None and catalog.lookup(RULE_MATCHED) is None


def test_an_unlisted_id_is_not_mapped():
    with pytest.raises(ModelNotMappedError, match="This model isn't mapped yet"):
        litellm.get_model_info(f"kilo/{UNMATCHED}")


def test_an_unlisted_id_that_litellms_rules_match_gets_their_guess_as_for_openrouter():
    ours = litellm.get_model_info(f"kilo/{RULE_MATCHED}")
    theirs = litellm.get_model_info(f"openrouter/{RULE_MATCHED}")
    assert ours["litellm_provider"] == "kilo"
    same = ("max_input_tokens", "max_output_tokens", "input_cost_per_token", "output_cost_per_token")
    assert {k: ours[k] for k in same} == {k: theirs[k] for k in same}
    assert ours["input_cost_per_token"] == 0


@pytest.mark.parametrize("stream", [False, True], ids=["nonstream", "stream"])
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("gateway_id", [UNMATCHED, RULE_MATCHED])
async def test_a_call_to_an_unlisted_id_costs_what_the_gateway_reports(gw, gateway_id, is_async, stream):
    """Unlisted in the package's catalog; the gateway lists it (its ``/models`` is newer) and serves it."""
    gw.models = [*bundled_models(), gateway_model(gateway_id, free=False)]
    kwargs = dict(model=f"kilo/{gateway_id}", messages=MESSAGES, api_base=gw.api_base, api_key="sk-test-unlisted")
    if stream:
        kwargs["stream_options"] = {"include_usage": True}
    resp = (
        await litellm.acompletion(stream=stream, **kwargs) if is_async else litellm.completion(stream=stream, **kwargs)
    )
    if stream:
        chunks = [c async for c in resp] if is_async else list(resp)
        resp = litellm.stream_chunk_builder(chunks)

    assert resp.choices[0].message.content and gw.chat_requests[-1].model == gateway_id
    reported = resp.usage.cost
    assert reported > 0
    assert resp._hidden_params["response_cost"] == pytest.approx(reported)
    assert litellm.completion_cost(resp) == pytest.approx(reported)
