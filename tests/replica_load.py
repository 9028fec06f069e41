"""Many streamed chat calls spread over proxy replicas, and what became of each: the load driver
shared by ``tests/test_replicas_budget.py`` (scaled down) and ``bench/replicas.py`` (full size).

Every call is a real ``openai`` client stream through one of the replicas (round robin). A call
ends as an answer (the whole text arrived), a refusal (HTTP 429, LiteLLM's ``RateLimitError``: the
free-tier budget or the gateway's limit) or an error (anything else, which a lossless run has none of).
``on_done(n)`` runs after the n-th call ends, e.g. to stop Redis halfway.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import openai
from proxy_helpers import Proxy

from kilo_litellm.emulator import GatewayEmulator, Reply, recording, reserialised, sse_payloads, streamed_text

STREAM_EVENTS = sse_payloads(recording("stream-openai-gpt41.sse"))
STREAM_TEXT = streamed_text(STREAM_EVENTS)
MESSAGES = [{"role": "user", "content": "hello"}]


def paced_stream(chunk_delay: float, delay: float = 0.0) -> Reply:
    """The recorded stream as the gateway sends it, after ``delay``, one event every ``chunk_delay`` seconds."""
    body = reserialised(recording("stream-openai-gpt41.sse"))
    return Reply(body=body, stream=True, chunk_delay=chunk_delay, delay=delay)


@dataclass
class LoadResult:
    answered: int = 0
    refused: int = 0
    errors: list[str] = field(default_factory=list)
    refusal_messages: Counter = field(default_factory=Counter)
    served_by: Counter = field(default_factory=Counter)
    wall_s: float = 0.0
    latencies_s: list[float] = field(default_factory=list)
    refusal_latencies_s: list[float] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.answered + self.refused + len(self.errors)


def _refusal_kind(error: openai.RateLimitError) -> str:
    text = str(error)
    return "free budget" if "free-tier budget spent" in text else "other 429"


async def run_load(
    replicas: Sequence[Proxy],
    model: str,
    total: int,
    concurrency: int,
    *,
    on_done: Callable[[int], None] | None = None,
    timeout: float = 60.0,
) -> LoadResult:
    """``total`` streamed calls of ``model``, ``concurrency`` at a time, round robin over ``replicas``."""
    clients = [
        openai.AsyncOpenAI(base_url=f"{p.base}/v1", api_key=p.master_key, max_retries=0, timeout=timeout)
        for p in replicas
    ]
    result = LoadResult()
    next_call = iter(range(total))
    done = 0

    async def one(i: int) -> None:
        nonlocal done
        started = time.monotonic()
        try:
            stream = await clients[i % len(clients)].chat.completions.create(
                model=model, messages=MESSAGES, stream=True
            )
            text, served = "", None
            async for chunk in stream:
                served = served or chunk.model
                text += "".join(c.delta.content or "" for c in chunk.choices)
            if text == STREAM_TEXT:
                result.answered += 1
                result.served_by[served] += 1
                result.latencies_s.append(time.monotonic() - started)
            else:
                result.errors.append(f"call {i}: incomplete text ({len(text)} of {len(STREAM_TEXT)} characters)")
        except openai.RateLimitError as error:
            result.refused += 1
            result.refusal_latencies_s.append(time.monotonic() - started)
            result.refusal_messages[_refusal_kind(error)] += 1
        except Exception as error:
            cause = f" ({type(error.__cause__).__name__}: {error.__cause__})" if error.__cause__ else ""
            result.errors.append(f"call {i}: {type(error).__name__}: {str(error)[:300]}{cause}")
        done += 1
        if on_done is not None:
            on_done(done)

    async def worker() -> None:
        for i in next_call:
            await one(i)

    started = time.monotonic()
    try:
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    finally:
        for client in clients:
            await client.close()
    result.wall_s = time.monotonic() - started
    return result


def sent_per_model(emulator: GatewayEmulator, before: float | None = None, after: float | None = None) -> dict:
    """Chat requests the emulator received per model, optionally only those that arrived in ``[after, before)``."""
    counts: Counter = Counter()
    for request in emulator.chat_requests:
        if (before is None or request.at < before) and (after is None or request.at >= after):
            counts[request.model] += 1
    return dict(counts)


def over_budget(sent: Mapping[str, int], budget: int) -> dict:
    """The models that received more than ``budget`` requests."""
    return {model: count for model, count in sent.items() if count > budget}
