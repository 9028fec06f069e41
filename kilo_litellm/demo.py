"""``kilo-litellm demo``: a tour of the provider through LiteLLM against the bundled gateway emulator.

Everything runs on 127.0.0.1 with recorded gateway bytes, so it works offline and without a key.
This is CLI code: it prints.
"""

from __future__ import annotations

import sys
import tempfile

import litellm

from . import catalog
from .discovery import ModelDiscovery
from .emulator import RATE_LIMIT_BODY, GatewayEmulator, Reply
from .router import free_router

MESSAGES = [{"role": "user", "content": "Say hello."}]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "search_files",
            "description": "Search files for a regex.",
            "parameters": {"type": "object", "properties": {"path": {"type": "string"}, "regex": {"type": "string"}}},
        },
    }
]
PAID_MODEL = "kilo/anthropic/claude-sonnet-4.6"
DUMMY_KEY = "kilo-demo-key-not-real"


def _short(text: str | None, limit: int = 160) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _catalog(base: str) -> None:
    print("0. kilo_litellm.refresh_models(): GET /models → LiteLLM's model map")
    with tempfile.TemporaryDirectory() as cache:
        found = ModelDiscovery(cache_dir=cache).refresh(base)
    free = sum(1 for e in found.models if e.free and not e.retired)
    name = f"kilo/{catalog.FREE_AUTO}"
    info = litellm.get_model_info(name)
    print(f"   {len(found.models)} models ({free} free) from the {found.source} list")
    print(
        f"   get_model_info({name!r}): context {info['max_input_tokens']:,}, "
        f"max output {info['max_output_tokens']:,}, input ${info['input_cost_per_token']}/token\n"
    )


def _completion(gateway: GatewayEmulator, model: str) -> None:
    print(f"1. litellm.completion(model={model!r})")
    resp = litellm.completion(model=model, messages=MESSAGES, api_base=gateway.api_base)
    sent = gateway.chat_requests[-1]
    auth = "no Authorization header (anonymous)" if sent.authorization is None else "a bearer key"
    print(f"   sent model={sent.model!r} with {auth}")
    print(f"   reply: {resp.choices[0].message.content}")
    print(f"   usage: {resp.usage.prompt_tokens} in / {resp.usage.completion_tokens} out\n")


def _stream(gateway: GatewayEmulator, model: str) -> None:
    print(f"2. litellm.completion(model={model!r}, stream=True)")
    chunks = []
    sys.stdout.write("   ")
    for chunk in litellm.completion(model=model, messages=MESSAGES, api_base=gateway.api_base, stream=True):
        chunks.append(chunk)
        if chunk.choices and chunk.choices[0].delta.content:
            sys.stdout.write(chunk.choices[0].delta.content.replace("\n", "\n   "))
            sys.stdout.flush()
    built = litellm.stream_chunk_builder(chunks)
    print(
        f"\n   {len(chunks)} chunks, finish_reason={built.choices[0].finish_reason!r}, "
        f"usage {built.usage.prompt_tokens} in / {built.usage.completion_tokens} out\n"
    )


def _tool_call(gateway: GatewayEmulator, model: str) -> None:
    print(f"3. tool call: litellm.completion(model={model!r}, tools=[search_files], stream=True)")
    chunks = list(
        litellm.completion(model=model, messages=MESSAGES, api_base=gateway.api_base, tools=TOOLS, stream=True)
    )
    built = litellm.stream_chunk_builder(chunks)
    for call in built.choices[0].message.tool_calls or []:
        print(f"   {call.function.name}({call.function.arguments})  id={call.id}")
    print(f"   finish_reason={built.choices[0].finish_reason!r}\n")


def _reasoning(gateway: GatewayEmulator, model: str) -> None:
    print(f"4. reasoning: litellm.completion(model={model!r}, reasoning={{'effort': 'low'}})")
    resp = litellm.completion(model=model, messages=MESSAGES, api_base=gateway.api_base, reasoning={"effort": "low"})
    message = resp.choices[0].message
    print(f"   sent reasoning={gateway.chat_requests[-1].json.get('reasoning')}")
    print(f"   reasoning_content: {_short(message.reasoning_content)}")
    print(f"   content: {_short(message.content)}\n")


def _retired(gateway: GatewayEmulator) -> None:
    print("5. a seed alias of Kilo's original page: litellm.completion(model='kilo/glm-5-free')")
    try:
        litellm.completion(model="kilo/glm-5-free", messages=MESSAGES, api_base=gateway.api_base)
    except litellm.NotFoundError as exc:
        print(f"   litellm.NotFoundError: {_short(str(exc), 400)}\n")


def _fallback(gateway: GatewayEmulator) -> None:
    router = free_router(api_base=gateway.api_base)
    chain = [d["model_name"] for d in router.model_list if d["model_name"] != "kilo/*"]
    print(f"6. free_router(): {' -> '.join(chain[:3])} ...; the first answers 429")
    gateway.script(Reply(status=429, body=RATE_LIMIT_BODY))
    before = len(gateway.chat_requests)
    resp = router.completion(model=chain[0], messages=MESSAGES)
    for sent in gateway.chat_requests[before:]:
        print(f"   gateway received model={sent.model!r}")
    print(f"   the Router fell back after the 429; reply: {_short(resp.choices[0].message.content)}\n")


def _cost(gateway: GatewayEmulator, model: str) -> None:
    print("7. cost: the gateway reports what a paid call cost; free models cost $0")
    paid = litellm.completion(model=PAID_MODEL, messages=MESSAGES, api_base=gateway.api_base, api_key=DUMMY_KEY)
    free = litellm.completion(model=model, messages=MESSAGES, api_base=gateway.api_base)
    print(f"   {PAID_MODEL} (dummy key): ${paid._hidden_params.get('response_cost') or 0:.6f}")
    print(f"   {model}: ${free._hidden_params.get('response_cost') or 0:.6f}\n")


def run(model: str) -> int:
    with GatewayEmulator() as gateway:
        print(f"Local Kilo Gateway emulator on {gateway.api_base} (recorded gateway bytes, no network)\n")
        _catalog(gateway.api_base)
        _completion(gateway, model)
        _stream(gateway, model)
        _tool_call(gateway, model)
        _reasoning(gateway, model)
        _retired(gateway)
        _fallback(gateway)
        _cost(gateway, model)
    print(
        "Done: model list, completion, stream, tool call, reasoning, a retired alias, Router fallback and cost "
        "went through LiteLLM to the local gateway."
    )
    return 0
