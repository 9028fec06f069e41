"""``kilo-litellm demo``: a tour of the provider through LiteLLM against the bundled gateway emulator.

Everything runs on 127.0.0.1, so it works offline and without a key. The emulator decides its
answers the way the gateway does (auth, retired ids, which kind of answer a request gets). What it
says comes from real gateway answers recorded earlier (``kilo_litellm/recordings/``), which were
given to other conversations: mostly Kilo Code agent sessions with thousands of prompt tokens. So
each step shows the prompt it sends and says what the replayed answer was recorded for. Where a
short prompt fits the recording (a line of lorem ipsum, "say hi"), the demo sends that prompt.
The model count matches ``kilo-litellm models`` and the Router is :func:`free_router`, as the
README describes them. This is CLI code: it prints.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass

import httpx
import litellm

from kilo_litellm.account.client import AccountClient
from kilo_litellm.account.device_flow import sign_in
from kilo_litellm.config import credentials, settings
from kilo_litellm.emulator import RATE_LIMIT_BODY, GatewayEmulator, Reply
from kilo_litellm.models import catalog
from kilo_litellm.models.discovery import ModelDiscovery
from kilo_litellm.proxy.router import free_router

PAID_MODEL = "kilo/anthropic/claude-sonnet-4.6"
DUMMY_KEY = "kilo-demo-key-not-real"
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


@dataclass(frozen=True)
class Prompt:
    """A prompt the demo sends, and what the answer the emulator replays for it was recorded for."""

    text: str
    model: str  # the model that gave the recorded answer
    recorded_for: str

    @property
    def messages(self) -> list[dict[str, str]]:
        return [{"role": "user", "content": self.text}]


LOREM = Prompt(
    "Give me one line of lorem ipsum placeholder text.", "anthropic/claude-3.7-sonnet", "a prompt like this one"
)
REFACTOR = Prompt(
    "Refactor the duplicated suffix logic in the if/else branches of my function.",
    "openai/gpt-4.1",
    "a different prompt: a Kilo Code agent's refactoring task, its instructions and code included "
    "(this short prompt stands in for it)",
)
FIND_TOOL = Prompt(
    "Find where the read_file tool is defined in src/.",
    "mistralai/devstral-2512:free",
    "a Kilo Code agent asking this, its instructions included",
)
SAY_HI = Prompt(
    "say hi", "x-ai/grok-code-fast-1", "this task in Kilo Code's ask mode, the agent's instructions included"
)
REPLAYED = "answer (a real gateway answer recorded earlier, replayed by the local emulator):"


def _say(text: str, indent: str = "   ", hang: str = "  ") -> None:
    """``text`` wrapped to 100 columns; ids and URLs are never split."""
    print(
        textwrap.fill(
            text,
            width=100,
            initial_indent=indent,
            subsequent_indent=indent + hang,
            break_on_hyphens=False,
            break_long_words=False,
        )
    )


def _short(text: str | None, limit: int = 160) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _show(prompt: Prompt) -> None:
    print(f'   prompt: "{prompt.text}"')


def _answer(prompt: Prompt, text: str) -> None:
    print(f"   {REPLAYED}")
    print("     " + text.strip().replace("\n", "\n     "))


def _recorded(prompt: Prompt, usage) -> None:
    _say(
        f"recorded from {prompt.model} for {prompt.recorded_for}: {usage.prompt_tokens:,} prompt tokens, "
        f"{usage.completion_tokens:,} completion tokens"
    )
    print()


def _catalog(base: str) -> None:
    print("0. the model list: kilo_litellm.refresh_models() reads GET /models into LiteLLM's model map")
    with tempfile.TemporaryDirectory() as cache:
        found = ModelDiscovery(cache_dir=cache).refresh(base)
    served = [e for e in found.models if not e.retired]
    free = sum(1 for e in served if e.free)
    retired = sum(1 for e in found.models if e.retired)
    name = f"kilo/{catalog.FREE_AUTO}"
    info = litellm.get_model_info(name)
    print("   the emulator serves the list bundled with the package (a snapshot of the gateway's /models)")
    print(
        f"   {len(served)} models ({free} free) and {retired} retired seed aliases, as `kilo-litellm models` lists them"
    )
    print(
        f"   get_model_info({name!r}): context {info['max_input_tokens']:,} tokens, "
        f"max output {info['max_output_tokens']:,}, ${info['input_cost_per_token']:g} per token\n"
    )


def _completion(gateway: GatewayEmulator, model: str) -> None:
    print(f"1. litellm.completion(model={model!r})")
    _show(LOREM)
    resp = litellm.completion(model=model, messages=LOREM.messages, api_base=gateway.api_base)
    sent = gateway.chat_requests[-1]
    auth = "no Authorization header (anonymous: free models need no key)" if sent.authorization is None else "a key"
    print(f"   sent model={sent.model!r} with {auth}")
    _answer(LOREM, resp.choices[0].message.content)
    _recorded(LOREM, resp.usage)


def _stream(gateway: GatewayEmulator, model: str) -> None:
    print(f"2. streaming: litellm.completion(model={model!r}, stream=True)")
    _show(REFACTOR)
    chunks = []
    stream = litellm.completion(model=model, messages=REFACTOR.messages, api_base=gateway.api_base, stream=True)
    print(f"   {REPLAYED}")
    sys.stdout.write("     ")
    for chunk in stream:
        chunks.append(chunk)
        if chunk.choices and chunk.choices[0].delta.content:
            sys.stdout.write(chunk.choices[0].delta.content.replace("\n", "\n     "))
            sys.stdout.flush()
    built = litellm.stream_chunk_builder(chunks)
    print(f"\n   {len(chunks)} chunks, finish_reason={built.choices[0].finish_reason!r}")
    _recorded(REFACTOR, built.usage)


def _tool_call(gateway: GatewayEmulator, model: str) -> None:
    print(f"3. a tool call: litellm.completion(model={model!r}, tools=[search_files], stream=True)")
    _show(FIND_TOOL)
    chunks = list(
        litellm.completion(
            model=model, messages=FIND_TOOL.messages, api_base=gateway.api_base, tools=TOOLS, stream=True
        )
    )
    built = litellm.stream_chunk_builder(chunks)
    message = built.choices[0].message
    _answer(FIND_TOOL, message.content or "")
    for call in message.tool_calls or []:
        print(f"   tool call: {call.function.name}({call.function.arguments})  id={call.id}")
    print(f"   finish_reason={built.choices[0].finish_reason!r}: your code runs the tool and sends back the result")
    _recorded(FIND_TOOL, built.usage)


def _reasoning(gateway: GatewayEmulator, model: str) -> None:
    print(f"4. reasoning: litellm.completion(model={model!r}, reasoning={{'effort': 'low'}})")
    _show(SAY_HI)
    resp = litellm.completion(
        model=model, messages=SAY_HI.messages, api_base=gateway.api_base, reasoning={"effort": "low"}
    )
    message = resp.choices[0].message
    print(f"   sent reasoning={gateway.chat_requests[-1].json.get('reasoning')}")
    _say(f"reasoning_content: {_short(message.reasoning_content)}")
    _answer(SAY_HI, message.content)
    _recorded(SAY_HI, resp.usage)


def _retired(gateway: GatewayEmulator) -> None:
    print("5. a free model of Kilo's original page, retired since: litellm.completion(model='kilo/glm-5-free')")
    _show(LOREM)
    print("   the emulator refuses it with the 404 body the gateway's code has for it; the provider raises:")
    try:
        litellm.completion(model="kilo/glm-5-free", messages=LOREM.messages, api_base=gateway.api_base)
    except litellm.NotFoundError as exc:
        _say(_short(str(exc), 400))
        print()


def _fallback(gateway: GatewayEmulator) -> None:
    router = free_router(api_base=gateway.api_base)
    chain = [d["model_name"] for d in router.model_list if d["model_name"] != "kilo/*"]
    print("6. fallback: kilo_litellm.free_router(), the Router over the free models")
    _say(f"chain: {' -> '.join(chain)}; kilo/* for any other model")
    _show(LOREM)
    _say(f"the emulator is told to answer the first request with the gateway's 429 ({chain[0]} rate-limited)")
    gateway.script(Reply(status=429, body=RATE_LIMIT_BODY))
    before = len(gateway.chat_requests)
    resp = router.completion(model=chain[0], messages=LOREM.messages)
    for sent in gateway.chat_requests[before:]:
        print(f"   the gateway received model={sent.model!r}")
    _say("the Router fell back at once (the free models' 429 has no Retry-After: waiting would not help)")
    _answer(LOREM, resp.choices[0].message.content)
    _recorded(LOREM, resp.usage)


def _cost(gateway: GatewayEmulator, model: str) -> None:
    print("7. cost: a paid call costs what the gateway reports in usage.cost; free models cost $0")
    _show(LOREM)
    paid = litellm.completion(model=PAID_MODEL, messages=LOREM.messages, api_base=gateway.api_base, api_key=DUMMY_KEY)
    free = litellm.completion(model=model, messages=LOREM.messages, api_base=gateway.api_base)
    _say(
        f"{PAID_MODEL} with a made-up key (the emulator accepts any key that is not a placeholder): "
        f"${paid._hidden_params.get('response_cost') or 0:.6f}, the usage.cost of the recorded answer"
    )
    print(f"   {model}: ${free._hidden_params.get('response_cost') or 0:.6f}\n")


def _sign_in(gateway: GatewayEmulator) -> None:
    print("8. signing in without a key: what `kilo-litellm login` does (a device code, approved in the browser)")
    codes = []
    with httpx.Client() as http:
        result = sign_in(AccountClient(http, gateway.url), interval=0.05, on_code=codes.append)
    stored = credentials.save(result.token, email=result.email)
    _say(
        f"Kilo's account service (here the emulator, beside its gateway) gave the code {codes[0].code} to confirm at "
        f"{codes[0].verification_url}; the emulator approved it at the second poll"
    )
    _say(f"signed in as {result.email}; the token is stored for this user ({stored.location}, a temporary one)")
    _show(LOREM)
    litellm.completion(model=PAID_MODEL, messages=LOREM.messages, api_base=gateway.api_base)
    used = "the stored token" if gateway.chat_requests[-1].authorization == f"Bearer {result.token}" else "another key"
    _say(f"{PAID_MODEL} without api_key=: the call used {settings.resolve().credential}, and sent {used}")
    print()


@contextlib.contextmanager
def _own_sign_in_store() -> Iterator[None]:
    """The tour signs in to the emulator: into a temporary store, never the user's own (which it does not use)."""
    saved = os.environ.get(credentials.ENV_CONFIG_DIR)
    with tempfile.TemporaryDirectory() as folder:
        os.environ[credentials.ENV_CONFIG_DIR] = folder
        credentials.forget_cache()
        try:
            yield
        finally:
            if saved is None:
                os.environ.pop(credentials.ENV_CONFIG_DIR, None)
            else:
                os.environ[credentials.ENV_CONFIG_DIR] = saved
            credentials.forget_cache()


NEXT_STEPS = """\
Try next (in the environment kilo-litellm is installed in: an activated venv, or name its
bin/ folder, e.g. .venv/bin/kilo-litellm in a clone; docs/install.md):
  the live gateway, free, no key:  kilo-litellm chat "Say hello."
  its live model list:             kilo-litellm models
  with a key (paid models):        kilo-litellm login   (or export KILO_API_KEY=... from https://app.kilo.ai)
                                   kilo-litellm chat --model kilo/anthropic/claude-sonnet-4.6 "Say hello."
  offline, against an emulator:    kilo-litellm emulator   (it prints the KILO_API_BASE to export)
  in your code:                    import kilo_litellm, litellm
                                   litellm.completion(model="kilo/kilo-auto/free", messages=[...])
  in the LiteLLM proxy:            the proxy's packages: the [proxy] extra (docs/install.md)
                                   kilo-litellm proxy-config -o litellm_config.yaml
                                   export LITELLM_MASTER_KEY=sk-...   (any secret: the proxy needs one)
                                   litellm --config litellm_config.yaml --port 4000
  in an agent:                     Claude Code or Codex through that proxy: docs/agents.md,
                                   "Kilo models in Claude Code and Codex\""""


def run(model: str, gateway: GatewayEmulator | None = None) -> int:
    """The tour against ``gateway`` (a fresh emulator of the gateway when ``None``)."""
    with nullcontext(gateway) if gateway is not None else GatewayEmulator() as gw, _own_sign_in_store():
        _say(
            f"A local Kilo Gateway emulator on {gw.api_base} stands in for the real gateway. It replays "
            "real gateway answers recorded earlier: each step shows the prompt it sends and what the "
            "replayed answer was recorded for. No network, no key.",
            indent="",
            hang="",
        )
        print()
        _catalog(gw.api_base)
        _completion(gw, model)
        _stream(gw, model)
        _tool_call(gw, model)
        _reasoning(gw, model)
        _retired(gw)
        _fallback(gw)
        _cost(gw, model)
        _sign_in(gw)
    print(
        "Done: model list, completion, stream, tool call, reasoning, a retired alias, Router fallback, cost and "
        "sign-in went through LiteLLM to the local gateway.\n"
    )
    print(NEXT_STEPS)
    return 0
