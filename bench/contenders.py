"""The five ways of making the same chat-completion call that the benchmark compares.

Every contender sends one ``POST {api_base}/chat/completions`` for the same messages to the same
emulator process, which answers all of them with the same bytes:

* ``kilo``: ``litellm.completion("kilo/kilo-auto/free")`` through kilo_litellm.
* ``openai``: LiteLLM's built-in OpenAI-compatible path, ``openai/kilo-auto/free``.
* ``openrouter``: LiteLLM's ``openrouter/`` provider with the same base.
* ``httpx``: the same POST with a bare ``httpx`` client and ``json.loads`` (the floor of any client).
* ``floor``: a minimal ``CustomLLM`` ("floor" provider) doing that bare POST inside
  ``litellm.completion``: what LiteLLM's own wrapper costs any provider of kilo_litellm's shape.

Each contender has a sync non-streaming call, a sync stream that returns the number of chunks, and
an async stream (for the concurrency figure); the ``*_arrivals`` variants return, for the paced
figures, when each piece of text reached the caller.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import httpx
import litellm
from litellm import CustomLLM
from litellm.types.utils import ModelResponseStream, Usage

import kilo_litellm  # noqa: F401  (registers the kilo provider)

NAMES = ("kilo", "openai", "openrouter", "httpx", "floor")
LABELS = {
    "kilo": "(1) kilo_litellm  kilo/kilo-auto/free",
    "openai": "(2) litellm openai/ path",
    "openrouter": "(3) litellm openrouter/ path",
    "httpx": "(4) raw httpx POST",
    "floor": "(5) minimal CustomLLM floor",
}
GATEWAY_ID = "kilo-auto/free"
MESSAGES = [{"role": "user", "content": "hello"}]
HEADERS = {"Authorization": "Bearer public", "Content-Type": "application/json"}
MODELS = {
    "kilo": "kilo/kilo-auto/free",
    "openai": f"openai/{GATEWAY_ID}",
    "openrouter": f"openrouter/{GATEWAY_ID}",
    "floor": f"floor/{GATEWAY_ID}",
}


def _sse_data(lines: Iterator[str]) -> Iterator[dict]:
    for line in lines:
        if line.startswith("data:"):
            data = line[5:].strip()
            if data == "[DONE]":
                return
            yield json.loads(data)


async def _asse_data(lines: AsyncIterator[str]) -> AsyncIterator[dict]:
    async for line in lines:
        if line.startswith("data:"):
            data = line[5:].strip()
            if data == "[DONE]":
                return
            yield json.loads(data)


class _Clients:
    """One sync client, and one async client per event loop (a client cannot outlive its loop)."""

    def __init__(self) -> None:
        self.sync = httpx.Client(limits=httpx.Limits(max_connections=None, max_keepalive_connections=100))
        self._async: dict[asyncio.AbstractEventLoop, httpx.AsyncClient] = {}

    def aclient(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        client = self._async.get(loop)
        if client is None:
            client = self._async[loop] = httpx.AsyncClient(
                limits=httpx.Limits(max_connections=None, max_keepalive_connections=100), timeout=600
            )
        return client

    async def aclose(self) -> None:
        client = self._async.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()


CLIENTS = _Clients()


def _body(model: str, stream: bool) -> dict:
    return {"model": model, "messages": MESSAGES, "stream": stream}


class FloorLLM(CustomLLM):
    """The least a ``CustomLLM`` can do: POST, parse, fill the bare response (text, the gateway's
    token counts, cost 0 so LiteLLM neither counts tokens nor prices them) / yield bare chunks."""

    def completion(self, model, messages, api_base, custom_prompt_dict, model_response, *args, **kwargs):
        data = CLIENTS.sync.post(f"{api_base}/chat/completions", json=_body(model, False), headers=HEADERS).json()
        model_response.choices[0].message.content = data["choices"][0]["message"]["content"]
        usage = data["usage"]
        model_response.usage = Usage(
            prompt_tokens=usage["prompt_tokens"],
            completion_tokens=usage["completion_tokens"],
            total_tokens=usage["total_tokens"],
        )
        model_response._hidden_params["response_cost"] = 0.0
        return model_response

    def streaming(self, model, messages, api_base, *args, **kwargs) -> Iterator[ModelResponseStream]:
        with CLIENTS.sync.stream("POST", f"{api_base}/chat/completions", json=_body(model, True), headers=HEADERS) as r:
            for event in _sse_data(r.iter_lines()):
                yield _floor_chunk(event, model)

    async def astreaming(self, model, messages, api_base, *args, **kwargs) -> AsyncIterator[ModelResponseStream]:
        client = CLIENTS.aclient()
        async with client.stream("POST", f"{api_base}/chat/completions", json=_body(model, True), headers=HEADERS) as r:
            async for event in _asse_data(r.aiter_lines()):
                yield _floor_chunk(event, model)


def _floor_chunk(event: dict, model: str) -> ModelResponseStream:
    choices = event.get("choices") or []
    content = choices[0]["delta"].get("content") if choices else None
    return ModelResponseStream(
        id=event.get("id"), model=model, choices=[{"index": 0, "delta": {"content": content}}] if content else []
    )


def register_floor() -> None:
    """Register the provider and its model (priced at 0, as kilo_litellm registers its models), so
    the floor pays no cost-map miss: LiteLLM regex-scans its whole map for an unregistered model."""
    if not any(item.get("provider") == "floor" for item in litellm.custom_provider_map):
        litellm.custom_provider_map.append({"provider": "floor", "custom_handler": FloorLLM()})
        litellm.utils.custom_llm_setup()
        prices = ("input_cost_per_token", "output_cost_per_token", "cache_read_input_token_cost",
                  "cache_creation_input_token_cost")  # fmt: skip
        litellm.register_model(
            {MODELS["floor"]: {"litellm_provider": "floor", "mode": "chat", **dict.fromkeys(prices, 0.0)}}
        )


register_floor()


def _kwargs(name: str, api_base: str) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"model": MODELS[name], "messages": MESSAGES, "api_base": api_base}
    if name in ("openai", "openrouter"):
        kwargs["api_key"] = "public"
    return kwargs


def completion(name: str, api_base: str) -> str | None:
    """One non-streaming call; returns the answer's text."""
    if name == "httpx":
        r = CLIENTS.sync.post(f"{api_base}/chat/completions", json=_body(GATEWAY_ID, False), headers=HEADERS)
        return r.json()["choices"][0]["message"]["content"]
    return litellm.completion(**_kwargs(name, api_base)).choices[0].message.content


def stream(name: str, api_base: str) -> int:
    """One streaming call consumed to the end; returns the number of chunks the caller saw."""
    if name == "httpx":
        url = f"{api_base}/chat/completions"
        with CLIENTS.sync.stream("POST", url, json=_body(GATEWAY_ID, True), headers=HEADERS) as r:
            return sum(1 for _ in _sse_data(r.iter_lines()))
    return sum(1 for _ in litellm.completion(stream=True, **_kwargs(name, api_base)))


async def astream(name: str, api_base: str) -> int:
    """One async streaming call consumed to the end; returns the number of chunks."""
    if name == "httpx":
        client = CLIENTS.aclient()
        url = f"{api_base}/chat/completions"
        async with client.stream("POST", url, json=_body(GATEWAY_ID, True), headers=HEADERS) as r:
            return sum([1 async for _ in _asse_data(r.aiter_lines())])
    resp = await litellm.acompletion(stream=True, **_kwargs(name, api_base))
    return sum([1 async for _ in resp])


CALLS: dict[str, Callable[[str, str], Any]] = {"completion": completion, "stream": stream}


def _text(chunk: Any) -> str | None:
    return chunk.choices[0].delta.content if chunk.choices else None


def _event_text(event: dict) -> str | None:
    choices = event.get("choices") or []
    return choices[0]["delta"].get("content") if choices else None


def stream_arrivals(name: str, api_base: str) -> tuple[float, list[tuple[float, str]]]:
    """One sync stream: when it was started, and ``(time.monotonic(), text)`` for every text the caller got."""
    out: list[tuple[float, str]] = []
    started = time.monotonic()
    if name == "httpx":
        url = f"{api_base}/chat/completions"
        with CLIENTS.sync.stream("POST", url, json=_body(GATEWAY_ID, True), headers=HEADERS) as r:
            for event in _sse_data(r.iter_lines()):
                if text := _event_text(event):
                    out.append((time.monotonic(), text))
        return started, out
    for chunk in litellm.completion(stream=True, **_kwargs(name, api_base)):
        if text := _text(chunk):
            out.append((time.monotonic(), text))
    return started, out


async def astream_arrivals(name: str, api_base: str) -> tuple[float, list[tuple[float, str]]]:
    """:func:`stream_arrivals` for one async stream."""
    out: list[tuple[float, str]] = []
    started = time.monotonic()
    if name == "httpx":
        client = CLIENTS.aclient()
        url = f"{api_base}/chat/completions"
        async with client.stream("POST", url, json=_body(GATEWAY_ID, True), headers=HEADERS) as r:
            async for event in _asse_data(r.aiter_lines()):
                if text := _event_text(event):
                    out.append((time.monotonic(), text))
        return started, out
    async for chunk in await litellm.acompletion(stream=True, **_kwargs(name, api_base)):
        if text := _text(chunk):
            out.append((time.monotonic(), text))
    return started, out
