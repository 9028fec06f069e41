"""Coalescing: the events of one network read reach the caller as one chunk, and nothing else changes.

Every stream is read through ``litellm.completion``/``acompletion`` over loopback, once with
coalescing (the default) and once with ``kilo_coalesce=False``. What a caller can observe must be
the same: text and reasoning per choice, tool calls, usage and cost, finish reasons, logprobs and
``litellm.stream_chunk_builder``'s result. The streams are every recording plus derived ones with
tool-call fragments, reasoning details, ``n=2`` and logprobs; the reads are the whole body at once,
one event at a time, and (hypothesis) any split of the bytes.

The sync path reads one HTTP chunk per read (h11 hands each chunked-encoding chunk over on its
own), so the emulator's ``Reply(cuts=...)`` decides the reads exactly there; the async path
(LiteLLM's aiohttp transport) reads whatever has arrived, so its reads vary from run to run.
"""

from __future__ import annotations

import asyncio
import json

import litellm
import pytest
from conftest import MESSAGES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kilo_litellm.emulator import RECORDINGS, Reply, recording, sse_payloads

FREE = "kilo/kilo-auto/free"


def sse(events: list[dict], done: bool = True) -> bytes:
    out = [b": KILO PROCESSING\n\n"]
    out += [b"data: " + json.dumps(e, separators=(",", ":")).encode() + b"\n\n" for e in events]
    return b"".join(out) + (b"data: [DONE]\n\n" if done else b"")


def _event(choices: list[dict], usage: dict | None = None) -> dict:
    event = {"id": "gen-coalesce-1", "created": 1764400000, "model": "z-ai/glm-5", "object": "chat.completion.chunk"}
    return {**event, "choices": choices, **({"usage": usage} if usage else {})}


def _choice(delta: dict, index: int = 0, finish: str | None = None, logprobs: list | None = None) -> dict:
    choice = {"index": index, "delta": {"role": "assistant", **delta}, "finish_reason": finish}
    if logprobs is not None:
        choice["logprobs"] = {
            "content": [{"token": t, "logprob": -0.5, "bytes": None, "top_logprobs": []} for t in logprobs]
        }
    return choice


USAGE = {"prompt_tokens": 12, "completion_tokens": 30, "total_tokens": 42, "cost": 0}


def _call(index: int, id_: str | None = None, name: str | None = None, args: str = "") -> dict:
    return {
        "tool_calls": [{"index": index, "id": id_, "type": "function", "function": {"name": name, "arguments": args}}]
    }


def _detail(text: str, index: int = 0, kind: str = "reasoning.summary") -> dict:
    return {"reasoning_details": [{"type": kind, "index": index, "summary": text, "format": "xai"}]}


ENCRYPTED = {"type": "reasoning.encrypted", "index": 1, "data": "c2VjcmV0", "format": "xai"}
TOOLS_AND_REASONING = sse(
    [
        _event([_choice({"reasoning": "The user wants ", **_detail("The user wants ")})]),
        _event([_choice({"reasoning": "the weather.", **_detail("the weather.")})]),
        _event([_choice({"reasoning_details": [ENCRYPTED]})]),
        _event([_choice({"content": "Let me "})]),
        _event([_choice({"content": "check."})]),
        _event([_choice(_call(0, "call_a", "get_weather"))]),
        _event([_choice(_call(0, args='{"ci'))]),
        _event([_choice(_call(0, args='ty": "Paris"}'))]),
        _event([_choice(_call(1, "call_b", "get_time", '{"tz'))]),
        _event([_choice(_call(1, args='": "UTC"}'))]),
        _event([_choice({}, finish="tool_calls")]),
        _event([_choice({})], USAGE),
    ]
)

N2_LOGPROBS = sse(
    [
        _event([_choice({"content": "Red"}, 0, logprobs=["Red"]), _choice({"content": "Blue"}, 1, logprobs=["Blue"])]),
        _event([_choice({"content": " sky"}, 1, logprobs=[" sky"])]),
        _event([_choice({"content": " rose"}, 0, logprobs=[" rose"])]),
        _event([_choice({"content": " and"}, 1, logprobs=[" and"])]),
        _event([_choice({}, 1, finish="length")]),
        _event([_choice({"content": "."}, 0, logprobs=["."], finish="stop")]),
        _event([_choice({})], USAGE),
    ]
)

STREAMS = {name: recording(name) for name in RECORDINGS if name.endswith(".sse")}
STREAMS |= {"derived-tools-and-reasoning": TOOLS_AND_REASONING, "derived-n2-logprobs": N2_LOGPROBS}


def _n(name: str) -> int:
    return 2 if "n2" in name else 1


async def _read(gw, body: bytes, *, is_async: bool, n: int = 1, **reply) -> tuple[list, BaseException | None]:
    """The chunks a caller gets for ``body`` (and the error that ended them, if any)."""
    gw.script(Reply(body=body, stream=True, **reply))
    return await _consume(gw, is_async=is_async, n=n)


async def _consume(gw, *, is_async: bool, n: int = 1, **kwargs) -> tuple[list, BaseException | None]:
    kwargs = dict(model=FREE, messages=MESSAGES, api_base=gw.api_base, stream=True, timeout=10, **kwargs)
    kwargs |= {"stream_options": {"include_usage": True}} | ({"n": n} if n > 1 else {})
    chunks: list = []
    try:
        if is_async:
            async for chunk in await litellm.acompletion(**kwargs):
                chunks.append(chunk)
        else:
            for chunk in litellm.completion(**kwargs):
                chunks.append(chunk)
    except Exception as exc:  # the error is part of what the caller observes
        return chunks, getattr(exc, "original_exception", None) or exc
    return chunks, None


def observed(chunks: list, error: BaseException | None) -> dict:
    """Everything a caller can read off a stream, independent of how it was cut into chunks."""
    choices: dict[int, dict] = {}
    for chunk in chunks:
        for choice in chunk.choices:
            seen = choices.setdefault(choice.index, {"content": "", "reasoning": "", "logprobs": [], "finish": []})
            seen["content"] += choice.delta.content or ""
            seen["reasoning"] += getattr(choice.delta, "reasoning_content", None) or ""
            logprobs = getattr(choice, "logprobs", None)
            if logprobs is not None:
                seen["logprobs"] += [(t.token, t.logprob) for t in logprobs.content]
            if choice.finish_reason:
                seen["finish"].append(choice.finish_reason)
    out: dict = {
        "choices": choices,
        "usage": [c.usage.model_dump() for c in chunks if getattr(c, "usage", None)],
        "error": None if error is None else (type(error), str(error)),
    }
    if error is None:
        built = litellm.stream_chunk_builder(chunks)
        out["built"] = built.model_dump(exclude={"created"})
        out["cost"] = built._hidden_params.get("response_cost")
        out["tool_calls"] = [
            (c.id, c.function.name, c.function.arguments) for m in built.choices for c in m.message.tool_calls or ()
        ]
    return out


REFERENCE: dict[tuple[str, bool], dict] = {}


async def reference(gw, name: str, is_async: bool) -> dict:
    """The stream as the caller saw it without coalescing (one chunk per event, whatever the reads)."""
    if (name, is_async) not in REFERENCE:
        gw.script(Reply(body=STREAMS[name], stream=True))
        chunks, error = await _consume(gw, is_async=is_async, n=_n(name), kilo_coalesce=False)
        REFERENCE[name, is_async] = observed(chunks, error)
    return REFERENCE[name, is_async]


CARRIED = ("content", "reasoning", "reasoning_details", "tool_calls")


def _content_events(body: bytes) -> int:
    """Events whose delta carries something the caller receives."""
    deltas = ([c.get("delta") or {} for c in e.get("choices") or ()] for e in sse_payloads(body))
    return sum(1 for event in deltas if any(d.get(k) for d in event for k in CARRIED))


def test_the_derived_streams_are_what_they_claim():
    tools = sse_payloads(TOOLS_AND_REASONING)
    assert sum(1 for e in tools if e["choices"][0]["delta"].get("tool_calls")) == 5
    assert sum(1 for e in tools if e["choices"][0]["delta"].get("reasoning_details")) == 3
    assert {c["index"] for e in sse_payloads(N2_LOGPROBS) for c in e["choices"]} == {0, 1}


@pytest.mark.parametrize("name", sorted(STREAMS))
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_a_whole_stream_in_one_read_is_observed_as_without_coalescing(gw, name, is_async):
    body = STREAMS[name]
    chunks, error = await _read(gw, body, is_async=is_async, n=_n(name), chunk_size=len(body))
    assert observed(chunks, error) == await reference(gw, name, is_async)


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_the_reference_streams_carry_what_the_equivalence_compares(gw, is_async):
    """The equivalence above is not vacuous: the reference streams hold tools, reasoning, n=2 and logprobs."""
    tools = await reference(gw, "derived-tools-and-reasoning", is_async)
    assert tools["tool_calls"] == [
        ("call_a", "get_weather", '{"city": "Paris"}'),
        ("call_b", "get_time", '{"tz": "UTC"}'),
    ]
    assert tools["choices"][0]["reasoning"] == "The user wants the weather."
    assert tools["choices"][0]["finish"] == ["tool_calls"] and tools["usage"][-1]["completion_tokens"] == 30
    details = tools["built"]["choices"][0]["message"]["provider_specific_fields"]["reasoning_details"]
    assert [(d["type"], d.get("summary") or d.get("data")) for d in details] == [
        ("reasoning.summary", "The user wants the weather."),
        ("reasoning.encrypted", "c2VjcmV0"),
    ]
    two = await reference(gw, "derived-n2-logprobs", is_async)
    assert two["choices"][0]["content"] == "Red rose." and two["choices"][1]["content"] == "Blue sky and"
    assert [t for t, _ in two["choices"][1]["logprobs"]] == ["Blue", " sky", " and"]
    assert [(c["index"], c["finish_reason"]) for c in two["built"]["choices"]] == [(0, "stop"), (1, "length")]
    assert (await reference(gw, "stream-inband-error-402.sse", is_async))["error"][0] is not type(None)


SPLITS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@SPLITS
@given(
    name=st.sampled_from(sorted(STREAMS)),
    cuts=st.lists(st.integers(min_value=1, max_value=30_000), max_size=30),
    is_async=st.booleans(),
)
def test_any_split_of_the_bytes_is_observed_as_without_coalescing(gw, name, cuts, is_async):
    body = STREAMS[name]

    async def run() -> tuple[dict, dict]:
        chunks, error = await _read(gw, body, is_async=is_async, n=_n(name), cuts=tuple(c % len(body) for c in cuts))
        return observed(chunks, error), await reference(gw, name, is_async)

    got, want = asyncio.run(run())
    assert got == want


@pytest.mark.parametrize("name", ["stream-openai-gpt41.sse", "derived-tools-and-reasoning", "derived-n2-logprobs"])
def test_a_burst_reaches_the_caller_in_fewer_chunks_than_events(gw, name):
    """One content chunk per read, plus the stream's first chunk, which goes out alone (it carries the
    requested name, the later ones ``kilo/<name>``, which ``stream_chunk_builder`` names the response after)."""
    body = STREAMS[name]
    gw.script(Reply(body=body, stream=True, chunk_size=16384))
    chunks, error = asyncio.run(_consume(gw, is_async=False, n=_n(name)))
    assert error is None
    events, reads = _content_events(body), -(-len(body) // 16384)
    content_chunks = [
        c for c in chunks if c.choices and any(ch.delta.content or ch.delta.tool_calls for ch in c.choices)
    ]
    assert len(content_chunks) <= reads + 1 < events


def _dumps(chunks: list) -> list[dict]:
    return [c.model_dump(exclude={"created"}) for c in chunks]


@pytest.mark.parametrize("name", ["stream-openai-gpt41.sse", "derived-tools-and-reasoning", "derived-n2-logprobs"])
def test_one_event_per_read_gives_exactly_the_chunks_of_no_coalescing(gw, name):
    """Sync reads follow the HTTP chunks, one event each here: the chunks are identical, one by one."""
    body = STREAMS[name]
    gw.script(Reply(body=body, stream=True), Reply(body=body, stream=True))
    on, _ = asyncio.run(_consume(gw, is_async=False, n=_n(name)))
    off, _ = asyncio.run(_consume(gw, is_async=False, n=_n(name), kilo_coalesce=False))
    assert _dumps(on) == _dumps(off)
    assert len(on) >= _content_events(body)


async def test_async_paced_events_each_reach_the_caller_on_their_own(gw):
    body = STREAMS["derived-tools-and-reasoning"]
    gw.script(Reply(body=body, stream=True, chunk_delay=0.01), Reply(body=body, stream=True, chunk_delay=0.01))
    on, _ = await _consume(gw, is_async=True)
    off, _ = await _consume(gw, is_async=True, kilo_coalesce=False)
    assert _dumps(on) == _dumps(off)


@pytest.mark.parametrize("how", ["argument", "environment", "router"])
def test_the_switch_turns_coalescing_off_and_is_never_sent(gw, monkeypatch, how):
    body = STREAMS["stream-openai-gpt41.sse"]
    gw.script(Reply(body=body, stream=True, chunk_size=len(body)))
    kwargs = dict(model=FREE, messages=MESSAGES, api_base=gw.api_base, stream=True)
    if how == "argument":
        chunks = list(litellm.completion(**kwargs, kilo_coalesce=False))
    elif how == "environment":
        monkeypatch.setenv("KILO_COALESCE", "0")
        chunks = list(litellm.completion(**kwargs))
    else:
        deployment = {"model": FREE, "api_base": gw.api_base, "kilo_coalesce": False}
        router = litellm.Router(model_list=[{"model_name": "kilo", "litellm_params": deployment}])
        chunks = list(router.completion(model="kilo", messages=MESSAGES, stream=True))
    assert len(chunks) > _content_events(body)
    assert "kilo_coalesce" not in gw.chat_requests[-1].json


def test_the_argument_wins_over_the_environment(gw, monkeypatch):
    monkeypatch.setenv("KILO_COALESCE", "0")
    body = STREAMS["stream-openai-gpt41.sse"]
    gw.script(Reply(body=body, stream=True, chunk_size=len(body)))
    chunks = list(
        litellm.completion(model=FREE, messages=MESSAGES, api_base=gw.api_base, stream=True, kilo_coalesce=True)
    )
    assert len(chunks) < _content_events(body)
