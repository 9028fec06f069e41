"""``kilo-litellm demo`` as a newcomer reads it, run against the test's own gateway emulator.

``demo.run`` takes the emulator, so each test sees both what the demo printed and what the gateway
received. ``test_readme.py`` runs the installed command as the README shows it.
"""

from __future__ import annotations

import json
import re

import pytest
from readme_blocks import AGENTS_SECTION, ROOT, blocks

from kilo_litellm.cli import commands as cli
from kilo_litellm.cli import demo
from kilo_litellm.emulator import recording, sse_payloads
from kilo_litellm.proxy.router import free_chain, model_name

FREE = "kilo/kilo-auto/free"


def _text(name: str, field: str = "content") -> str:
    return "".join(
        (c["choices"][0]["delta"].get(field) or "") for c in sse_payloads(recording(name)) if c.get("choices")
    )


@pytest.fixture
def tour(gw, capsys, bundled_catalog_afterwards, monkeypatch, tmp_path):
    """The demo's output, and the emulator it ran against."""
    monkeypatch.setenv("KILO_LITELLM_CACHE_DIR", str(tmp_path))
    assert demo.run(FREE, gateway=gw) == 0
    return capsys.readouterr().out, gw


def steps(out: str) -> dict[str, str]:
    """The numbered steps of the tour, by number."""
    tour_part = out.split("\nDone:")[0]
    return dict(re.findall(r"^(\d)\. (.*?)(?=^\d\. |\Z)", tour_part, flags=re.M | re.S))


def test_every_call_shows_the_prompt_it_sends(tour):
    out, gw = tour
    shown = re.findall(r'^   prompt: "(.*)"$', out, flags=re.M)
    sent = [r.json["messages"][-1]["content"] for r in gw.chat_requests]
    assert sent and set(sent) == set(shown)
    for number, text in steps(out).items():
        if number != "0":  # the model list sends no prompt
            assert "   prompt: " in text, f"step {number} shows no prompt"


def test_every_answer_is_labelled_a_recorded_gateway_answer_and_is_one(tour):
    out, _ = tour
    answers = re.findall(rf"^   {re.escape(demo.REPLAYED)}\n     (.*)$", out, flags=re.M)
    plain = json.loads(recording("nonstream-anthropic-whitespace-prefix.json"))["choices"][0]["message"]["content"]
    assert answers == [
        plain,
        _text("stream-openai-gpt41.sse").splitlines()[0],
        _text("stream-devstral-free-toolcall.sse"),
        _text("stream-grok-reasoning.sse"),
        plain,
    ]
    recorded = re.findall(r"^   recorded from (\S+) for ", out, flags=re.M)
    assert recorded == [
        "anthropic/claude-3.7-sonnet",
        "openai/gpt-4.1",
        "mistralai/devstral-2512:free",
        "x-ai/grok-code-fast-1",
        "anthropic/claude-3.7-sonnet",
    ]
    assert "14,108 prompt tokens" in steps(out)["2"] and "a different prompt" in steps(out)["2"]


def test_prompts_match_the_recorded_answers_where_they_claim_to(tour):
    out, _ = tour
    hi = steps(out)["4"]
    assert 'prompt: "say hi"' in hi and 'The user\'s task is "say hi"' in hi
    assert "lorem ipsum" in demo.LOREM.text and "Lorem ipsum" in steps(out)["1"]


def test_the_model_count_is_the_models_commands(tour, capsys):
    out, gw = tour
    served, free, retired = map(
        int, re.search(r"(\d+) models \((\d+) free\) and (\d+) retired seed aliases", out).groups()
    )
    assert "live" not in steps(out)["0"]
    assert cli.main(["models", "--api-base", gw.api_base]) == 0
    table = capsys.readouterr().out
    count = re.search(
        r"^(\d+) models: (\d+) listed by /models \((\d+) free\).*; (\d+) retired seed aliases;", table, re.M
    )
    assert count, table[-300:]
    assert (int(count[1]), int(count[4])) == (served, retired)
    assert cli.main(["models", "--json", "--free", "--api-base", gw.api_base]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert sum(1 for r in rows if r["status"] == "served") == free
    assert sum(1 for r in rows if r["status"] != "served") == retired


def test_the_router_step_is_free_router(tour):
    out, gw = tour
    chain = [model_name(e) for e in free_chain()]
    assert f"chain: {' -> '.join(chain)};" in " ".join(steps(out)["6"].split())
    received = re.findall(r"the gateway received model='(.*)'", steps(out)["6"])
    assert received == [free_chain()[0].gateway_id, free_chain()[1].gateway_id]
    assert [r.model for r in gw.chat_requests][
        -5:-3
    ] == received  # the cost step's two calls and the sign-in's come last


def test_the_tour_says_live_only_of_the_real_gateway(tour):
    out, _ = tour
    tour_part, after = out.split("\nDone:")
    assert "live" not in tour_part
    assert "went through LiteLLM to the local gateway." in after


def test_it_ends_with_what_to_try_next(tour):
    out, _ = tour
    next_steps = out.split("\nDone:")[1].split("\n", 2)[2]
    assert out.rstrip().endswith(demo.NEXT_STEPS.rstrip())
    for command in (
        'kilo-litellm chat "Say hello."',
        "export KILO_API_KEY=",
        "--model kilo/anthropic/claude-sonnet-4.6",
        "kilo-litellm proxy-config -o litellm_config.yaml",
        "kilo-litellm emulator",
        "export LITELLM_MASTER_KEY=sk-",
        "litellm --config litellm_config.yaml --port 4000",
    ):
        assert command in next_steps, command
    assert f'"{AGENTS_SECTION}"' in " ".join(next_steps.split())
    [page] = {b.page for b in blocks() if b.heading == AGENTS_SECTION}
    assert page in next_steps and (ROOT / page).is_file()


def test_the_sign_in_step_signs_in_to_the_emulator_in_a_store_of_its_own(tour):
    from kilo_litellm.config import credentials

    out, gw = tour
    [token] = gw.account.issued
    assert gw.chat_requests[-1].authorization == f"Bearer {token}" and token not in out
    step = " ".join(steps(out)["8"].split())
    assert "the call used stored sign-in (file), and sent the stored token" in step
    assert credentials.current() is None  # the store of the user running the demo is left alone
