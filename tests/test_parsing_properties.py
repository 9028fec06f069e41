"""Property tests of the pure SSE and stream parsers (hypothesis).

* Any chunking of a real recording gives the same events, and the same LiteLLM chunks (or the
  same error), as feeding the whole body at once: the network may split bytes anywhere.
* Arbitrary bytes never make :class:`SSEDecoder` raise (it documents that it never raises), and
  never make :class:`StreamConverter` raise anything but a ``litellm`` exception (an
  ``openai.APIError`` subclass: ``APIError`` for an unreadable event, or the mapped class of an
  in-band ``{"error": ...}`` event).
"""

from __future__ import annotations

import json

import openai
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kilo_litellm.emulator import RECORDINGS, recording
from kilo_litellm.models import catalog
from kilo_litellm.provider.sse import SSEDecoder
from kilo_litellm.provider.stream import StreamConverter

SSE_RECORDINGS = [name for name in RECORDINGS if name.endswith(".sse")]
ENTRY = catalog.resolve("glm-5-free")
PROPS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _events(pieces) -> list[str]:
    decoder = SSEDecoder()
    out = [data for piece in pieces for data in decoder.feed(piece)]
    return out + decoder.flush()


def _split(raw: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(raw) + 1) for c in cuts})
    return [raw[a:b] for a, b in zip([0, *points], [*points, len(raw)], strict=True)]


def _convert(events: list[str]):
    """Chunks as plain data, or the error raised; what a caller of the converter observes."""
    converter = StreamConverter("glm-5-free", ENTRY)
    chunks = []
    try:
        for data in events:
            chunks += converter.on_event(data)
        chunks += converter.close()
    except openai.APIError as exc:
        return [c.model_dump() for c in chunks], (type(exc), str(exc))
    return [c.model_dump() for c in chunks], None


WHOLE = {name: _events([recording(name)]) for name in SSE_RECORDINGS}
CONVERTED = {name: _convert(events) for name, events in WHOLE.items()}


def test_whole_recordings_decode_to_their_json_events():
    for name, events in WHOLE.items():
        assert events, name
        for data in events:
            assert data == "[DONE]" or isinstance(json.loads(data), dict)


@PROPS
@given(name=st.sampled_from(SSE_RECORDINGS), cuts=st.lists(st.integers(min_value=0), max_size=40))
def test_any_chunking_gives_the_same_events_and_chunks(name, cuts):
    raw = recording(name)
    events = _events(_split(raw, cuts))
    assert events == WHOLE[name]
    assert _convert(events) == CONVERTED[name]


@PROPS
@given(name=st.sampled_from(SSE_RECORDINGS), size=st.integers(min_value=1, max_value=7))
def test_tiny_fixed_size_pieces_give_the_same_events(name, size):
    raw = recording(name)
    assert _events([raw[i : i + size] for i in range(0, len(raw), size)]) == WHOLE[name]


@PROPS
@given(pieces=st.lists(st.binary(max_size=200), max_size=20))
def test_random_bytes_never_make_the_decoder_raise(pieces):
    for data in _events(pieces):
        assert isinstance(data, str)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
KEYS = st.sampled_from(["id", "choices", "usage", "error", "delta", "finish_reason", "content", "model", "code"])
EVENT = st.recursive(
    JSON,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS | st.text(max_size=8), inner, max_size=5),
    max_leaves=30,
)


@PROPS
@given(events=st.lists(st.one_of(EVENT.map(json.dumps), st.text(max_size=50)), max_size=6))
def test_arbitrary_events_raise_only_litellm_errors(events):
    converter = StreamConverter("glm-5-free", ENTRY)
    try:
        for data in events:
            converter.on_event(data)
        converter.close()
    except openai.APIError:
        pass


@PROPS
@given(pieces=st.lists(st.binary(max_size=120), max_size=10))
def test_random_bytes_through_decoder_and_converter_raise_only_litellm_errors(pieces):
    converter = StreamConverter("glm-5-free", ENTRY)
    try:
        for data in _events(pieces):
            converter.on_event(data)
        converter.close()
    except openai.APIError:
        pass
