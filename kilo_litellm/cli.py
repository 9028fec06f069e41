"""``kilo-litellm`` (also ``python -m kilo_litellm``): try the provider from a terminal.

``demo`` starts the bundled local gateway emulator and runs a tour through LiteLLM, with no network.
This is the only module that prints.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

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


def _quiet_litellm() -> None:
    """LiteLLM's own notices (cost-map fetch retries with no network, provider hints) would bury the tour."""
    import logging

    import litellm

    litellm.suppress_debug_info = True
    logging.getLogger("LiteLLM").setLevel(logging.ERROR)


def _demo(args: argparse.Namespace) -> int:
    import litellm

    import kilo_litellm  # noqa: F401
    from kilo_litellm.emulator import GatewayEmulator

    _quiet_litellm()
    model = args.model
    with GatewayEmulator() as gateway:
        print(f"Local Kilo Gateway emulator on {gateway.api_base} (recorded gateway bytes, no network)\n")

        print(f"1. litellm.completion(model={model!r})")
        resp = litellm.completion(model=model, messages=MESSAGES, api_base=gateway.api_base)
        sent = gateway.chat_requests[-1]
        print(f"   sent model={sent.model!r} with {sent.authorization!r}")
        print(f"   reply: {resp.choices[0].message.content}")
        print(
            f"   usage: {resp.usage.prompt_tokens} in / {resp.usage.completion_tokens} out, "
            f"cost ${resp._hidden_params.get('response_cost', 0):.6f}\n"
        )

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

        print(f"3. tool call: litellm.completion(model={model!r}, tools=[search_files], stream=True)")
        chunks = list(
            litellm.completion(model=model, messages=MESSAGES, api_base=gateway.api_base, tools=TOOLS, stream=True)
        )
        built = litellm.stream_chunk_builder(chunks)
        for call in built.choices[0].message.tool_calls or []:
            print(f"   {call.function.name}({call.function.arguments})  id={call.id}")
        print(f"   finish_reason={built.choices[0].finish_reason!r}\n")
    print("Done: completion, stream and tool call went through LiteLLM to the local gateway.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kilo-litellm", description="The Kilo Gateway as a LiteLLM provider.")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="offline tour against the bundled local gateway emulator")
    demo.add_argument("--model", default="kilo/glm-5-free")
    demo.set_defaults(func=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
