"""LiteLLM's helpers print nothing on kilo responses, as on its built-in providers' responses.

Tried as a new user would: ``litellm.stream_chunk_builder`` on a kilo stream, ``litellm.completion_cost``
on a free model's answer, and a Router refusing an image no model of its chain reads, whose one-line
refusal is all the user should read. Output is captured at the file descriptors, where LiteLLM's
``print`` and its loggers write.
"""

from __future__ import annotations

import litellm
import pytest

import kilo_litellm

MESSAGES = [{"role": "user", "content": "hello"}]
IMAGE = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}


def _quiet(capfd) -> str:
    out, err = capfd.readouterr()
    return out + err


@pytest.mark.parametrize("model", ["kilo/kilo-auto/free", "kilo/openai/gpt-4.1"])
def test_the_stream_builder_and_its_cost_print_nothing(gw, capfd, model):
    chunks = list(litellm.completion(model=model, messages=MESSAGES, api_base=gw.api_base, api_key="sk-t", stream=True))
    capfd.readouterr()
    built = litellm.stream_chunk_builder(chunks)
    cost = litellm.completion_cost(built)
    assert _quiet(capfd) == ""
    assert built.choices[0].message.content
    assert cost == (0.0 if model.endswith("free") else pytest.approx(0.008304))


@pytest.mark.parametrize("model", ["kilo/kilo-auto/free", "kilo/kilo-auto/balanced"])
def test_completion_cost_of_an_answer_prints_nothing(gw, capfd, model):
    resp = litellm.completion(model=model, messages=MESSAGES, api_base=gw.api_base, api_key="sk-t")
    capfd.readouterr()
    litellm.completion_cost(resp)
    assert _quiet(capfd) == ""


@pytest.mark.usefixtures("bundled_catalog_afterwards")
def test_an_image_no_model_of_the_chain_reads_is_one_refusal_and_no_router_error_block(gw, capfd, tmp_path):
    """The gateway's list gives no free model image input (the bundled one has two that take it)."""
    from kilo_litellm.emulator import bundled_models
    from kilo_litellm.models.discovery import ModelDiscovery

    gw.models = [
        {**m, "architecture": {**m.get("architecture", {}), "input_modalities": ["text"]}} for m in bundled_models()
    ]
    assert ModelDiscovery(cache_dir=tmp_path).refresh(gw.api_base, force=True).source == "live"
    gw.requests.clear()
    router = kilo_litellm.free_router(api_base=gw.api_base)
    messages = [{"role": "user", "content": [{"type": "text", "text": "What is in this picture?"}, IMAGE]}]
    capfd.readouterr()
    with pytest.raises(litellm.BadRequestError) as caught:
        router.completion(model="kilo-auto/free", messages=messages)
    assert "was not sent this request" in str(caught.value)
    assert _quiet(capfd) == ""
    assert gw.chat_requests == []
