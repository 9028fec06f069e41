"""Replaying the vcrpy cassettes (real gateway bytes) through litellm.completion, offline."""

from __future__ import annotations

from pathlib import Path

import litellm
import pytest
import vcr
import yaml
from conftest import MESSAGES

from kilo_litellm.emulator import recording

CASSETTES = Path(__file__).resolve().parent.parent / "cassettes"
replay = vcr.VCR(cassette_library_dir=str(CASSETTES), record_mode="none", filter_headers=["authorization"])


def test_completion_replays_from_cassette_without_network(gw):
    with replay.use_cassette("free-completion.yaml") as cassette:
        resp = litellm.completion(model="kilo/kilo-auto/free", messages=MESSAGES)
    assert cassette.play_count == 1
    assert resp.choices[0].message.content == "Lorem ipsum dolor sit amet, consectetur adipiscing elit"
    assert resp.usage.total_tokens == 139


def test_stream_replays_from_cassette(gw):
    with replay.use_cassette("free-stream.yaml") as cassette:
        chunks = list(litellm.completion(model="kilo/kilo-auto/free", messages=MESSAGES, stream=True))
    assert cassette.play_count == 1
    built = litellm.stream_chunk_builder(chunks)
    assert built.choices[0].message.content.startswith("<attempt_completion>")
    assert built.usage.prompt_tokens == 14108


@pytest.mark.parametrize(
    "cassette,source",
    [
        ("free-completion.yaml", "nonstream-anthropic-whitespace-prefix.json"),
        ("free-stream.yaml", "stream-openai-gpt41.sse"),
        ("free-tool-call-stream.yaml", "stream-devstral-free-toolcall.sse"),
    ],
)
def test_cassettes_hold_the_real_bytes_and_no_credentials(cassette, source):
    text = (CASSETTES / cassette).read_text()
    assert "authorization" not in text.lower()
    [interaction] = yaml.safe_load(text)["interactions"]
    assert interaction["response"]["body"]["string"].encode() == recording(source)
