"""``kilo-litellm`` (also ``python -m kilo_litellm``): try the provider from a terminal.

* ``models``: the gateway's model list (``--free``, ``--json``), as LiteLLM now knows it, and what
  became of each seed alias of Kilo's original page (served, or retired and its successor).
* ``proxy-config``: the LiteLLM proxy config for the catalog (what ``litellm_config.yaml`` is).
* ``check``: what the gateway serves now (:mod:`kilo_litellm.drift`: anonymous access, the seed
  aliases, the free models, the endpoints), or with ``--model`` what a call to that model would send
  (key redacted), then a 1-token ping.
* ``chat``: a prompt from the arguments or stdin, streamed to the terminal.
* ``demo``: an offline tour against the bundled local gateway emulator (:mod:`kilo_litellm.demo`).

``--api-base``/``--api-key`` (or ``KILO_API_BASE``/``KILO_API_KEY``) choose the gateway and key, as
for the provider. This module and :mod:`demo` are the only ones that print.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

DEFAULT_MODEL = "kilo/kilo-auto/free"
PING = [{"role": "user", "content": "ping"}]


def _quiet_litellm() -> None:
    """LiteLLM's own notices (cost-map fetch retries with no network, provider hints) would bury the output."""
    import logging

    import litellm

    litellm.suppress_debug_info = True
    logging.getLogger("LiteLLM").setLevel(logging.ERROR)


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def _flags(entry) -> str:
    marks = [
        ("vision", entry.supports_vision),
        ("tools", entry.supports_function_calling),
        ("reasoning", entry.supports_reasoning),
        ("json", entry.supports_response_schema),
        ("cache", entry.supports_prompt_caching),
        ("may-train", entry.may_train),
    ]
    return ",".join(name for name, on in marks if on)


def _per_million(price: float | None) -> str:
    return "?" if price is None else f"{price * 1e6:.2f}"


def _model_row(entry) -> dict:
    prices = entry.billed_prices or (None, None)
    return {
        "id": entry.gateway_id if entry.gateway_id.lower().startswith("kilo/") else f"kilo/{entry.gateway_id}",
        "gateway_id": entry.gateway_id,
        "alias": f"kilo/{entry.aliases[0]}" if entry.aliases else None,
        "free": entry.free,
        "context_window": entry.context_window,
        "max_output_tokens": entry.max_output_tokens,
        "status": entry.status,
        "successor": entry.successor if entry.retired else None,
        "may_train_on_prompts": entry.may_train,
        "input_cost_per_token": prices[0],
        "output_cost_per_token": prices[1],
        "supports_vision": entry.supports_vision,
        "supports_function_calling": entry.supports_function_calling,
        "supports_reasoning": entry.supports_reasoning,
        "supports_response_schema": entry.supports_response_schema,
        "supports_prompt_caching": entry.supports_prompt_caching,
    }


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows)


def _models(args: argparse.Namespace) -> int:
    from . import refresh_models

    found = refresh_models(args.api_base, force=args.refresh)
    if found.error:
        print(f"note: showing the {found.source} model list ({found.error})", file=sys.stderr)
    entries = [e for e in found.models if not e.retired and (e.free or not args.free)]
    seeds = [e for e in found.models if e.aliases]
    if args.json:
        listed = entries + [e for e in seeds if e.retired]
        print(json.dumps([_model_row(e) for e in listed], indent=2))
        return 0
    rows = [["id", "alias", "free", "context", "max out", "$/M in", "$/M out", "flags"]]
    for e in entries:
        row = _model_row(e)
        rows.append(
            [
                row["id"],
                row["alias"] or "",
                "yes" if e.free else "",
                f"{e.context_window:,}" if e.context_window else "?",
                f"{e.max_output_tokens:,}" if e.max_output_tokens else "?",
                _per_million(row["input_cost_per_token"]),
                _per_million(row["output_cost_per_token"]),
                _flags(e),
            ]
        )
    print(_table(rows))
    print(f"\n{len(entries)} models from the {found.source} list of {found.api_base}")
    print("\nSeed aliases of Kilo's original model page:")
    print(
        _table([["alias", "gateway id", "status"]] + [[f"kilo/{e.aliases[0]}", e.gateway_id, e.status] for e in seeds])
    )
    return 0


def _redis_target(value: str) -> tuple[str, int]:
    from . import proxy_config

    try:
        return proxy_config.parse_redis(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _proxy_config(args: argparse.Namespace) -> int:
    from . import proxy_config, refresh_models

    if args.cache and args.redis is None:
        print("error: --cache needs --redis HOST:PORT", file=sys.stderr)
        return 2
    if args.refresh:
        found = refresh_models(args.api_base, force=True)
        if found.error:
            print(f"note: using the {found.source} model list ({found.error})", file=sys.stderr)
    text = proxy_config.render(
        args.redis, cache=args.cache, free_cooldowns=args.free_cooldowns, free_budget=args.free_budget
    )
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(text)
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


def _strip_provider(model: str) -> str:
    name = model.strip()
    return name[len("kilo/") :] if name.lower().startswith("kilo/") and name.lower() != "kilo/auto" else name


def _drift_rows(report) -> list[list[str]]:
    rows = [["probe", "sent", "result"], [report.anonymous.probe, report.anonymous.sent, report.anonymous.result]]
    rows += [[f"alias {line.probe}", line.sent, line.result] for line in report.aliases]
    rows.append(["free models", "GET /models", report.free_models.result])
    rows += [["endpoint", line.sent, line.result] for line in report.endpoints]
    return rows


def _drift(args: argparse.Namespace) -> int:
    import httpx

    from . import drift

    with httpx.Client() as client:
        report = drift.probe(client, args.api_base, args.api_key, timeout=args.timeout)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print(f"Kilo Gateway at {report.api_base} (key: {report.key}; the anonymous probe sends none)\n")
        print(_table(_drift_rows(report)))
    if not report.reachable:
        return _fail(f"no answer from {report.api_base}")
    return 0


def _check(args: argparse.Namespace) -> int:
    if args.model is None:
        return _drift(args)
    if args.json:
        return _fail("--json is for the drift report: leave out --model")
    import litellm

    from . import refresh_models
    from .handler import prepare

    found = refresh_models(args.api_base)
    print(f"catalog: {len(found.models)} models from the {found.source} list")
    try:
        call = prepare(
            _strip_provider(args.model),
            PING,
            api_key=args.api_key,
            api_base=args.api_base,
            optional_params={"max_tokens": 1},
            headers=None,
            timeout=30,
            stream=False,
        )
    except (litellm.NotFoundError, litellm.AuthenticationError) as exc:
        return _fail(str(exc))
    entry = call.entry
    status = "retired" + (f" (use {entry.successor})" if entry.successor else "") if entry.retired else "listed"
    print(f"model:      {args.model}")
    print(f"gateway id: {entry.gateway_id}  ({'free' if entry.free else 'paid'}, {status})")
    print(f"POST        {call.url}")
    for name, value in call.headers.items():
        shown = f"Bearer {call.settings.redacted_key}" if name.lower() == "authorization" else value
        print(f"  {name}: {shown}")
    print(f"  body: {json.dumps(call.body)}")
    if args.no_ping:
        return 0
    try:
        resp = litellm.completion(
            model=args.model, messages=PING, max_tokens=1, api_base=args.api_base, api_key=args.api_key, timeout=30
        )
    except Exception as exc:
        return _fail(f"ping failed: {exc}")
    cost = resp._hidden_params.get("response_cost") or 0.0
    print(f"ping: OK, answered by {resp.model!r}, {resp.usage.total_tokens} tokens, ${cost:.6f}")
    return 0


def _prompt(args: argparse.Namespace) -> str:
    if args.prompt and args.prompt != ["-"]:
        return " ".join(args.prompt)
    return sys.stdin.read()


def _chat(args: argparse.Namespace) -> int:
    import litellm

    prompt = _prompt(args).strip()
    if not prompt:
        return _fail("no prompt: pass one as arguments or on stdin")
    messages = ([{"role": "system", "content": args.system}] if args.system else []) + [
        {"role": "user", "content": prompt}
    ]
    try:
        stream = litellm.completion(
            model=args.model, messages=messages, api_base=args.api_base, api_key=args.api_key, stream=True
        )
        for chunk in stream:
            delta = chunk.choices[0].delta if chunk.choices else None
            if delta is None:
                continue
            if args.reasoning and getattr(delta, "reasoning_content", None):
                sys.stderr.write(delta.reasoning_content)
                sys.stderr.flush()
            if delta.content:
                sys.stdout.write(delta.content)
                sys.stdout.flush()
    except Exception as exc:
        return _fail(str(exc))
    sys.stdout.write("\n")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from . import demo

    return demo.run(args.model)


def _common() -> argparse.ArgumentParser:
    """``--api-base``/``--api-key``, accepted before or after the command."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--api-base", default=argparse.SUPPRESS, help="gateway URL (default: $KILO_API_BASE or Kilo)")
    common.add_argument("--api-key", default=argparse.SUPPRESS, help="Kilo API key (default: $KILO_API_KEY, else none)")
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = argparse.ArgumentParser(
        prog="kilo-litellm", description="The Kilo Gateway as a LiteLLM provider.", parents=[common]
    )
    sub = parser.add_subparsers(dest="command", required=True)

    models = sub.add_parser("models", parents=[common], help="list the gateway's models")
    models.add_argument("--free", action="store_true", help="only free models")
    models.add_argument("--json", action="store_true", help="JSON instead of a table")
    models.add_argument("--refresh", action="store_true", help="fetch even if the cached list is fresh")
    models.set_defaults(func=_models)

    proxy = sub.add_parser("proxy-config", parents=[common], help="write the LiteLLM proxy config for Kilo models")
    proxy.add_argument("--output", "-o", default="-", help="file to write (default: stdout)")
    proxy.add_argument("--refresh", action="store_true", help="from the live /models list instead of the bundled one")
    proxy.add_argument(
        "--redis",
        metavar="HOST:PORT",
        type=_redis_target,
        help="share cooldowns and rpm counters of proxy replicas through this Redis (password: $REDIS_PASSWORD)",
    )
    proxy.add_argument("--cache", action="store_true", help="with --redis: also share the response cache there")
    proxy.add_argument(
        "--free-cooldowns",
        action="store_true",
        help="cool a free model down for the gateway's limit window (1 h, 24 h) at its first 429",
    )
    proxy.add_argument(
        "--free-budget",
        action="store_true",
        help="add the free-tier budget guard: fall back before the gateway's free-model limits (shared via Redis)",
    )
    proxy.set_defaults(func=_proxy_config)

    check = sub.add_parser(
        "check", parents=[common], help="ask the gateway what works now; with --model, show a call and ping it"
    )
    check.add_argument("--model", help="show what a call to this model sends, then ping it (no drift report)")
    check.add_argument("--no-ping", action="store_true", help="with --model: only show the request")
    check.add_argument("--json", action="store_true", help="the drift report as JSON")
    check.add_argument("--timeout", type=float, default=10.0, help="seconds per probe (default 10)")
    check.set_defaults(func=_check)

    chat = sub.add_parser("chat", parents=[common], help="send a prompt (arguments or stdin), stream the answer")
    chat.add_argument("prompt", nargs="*", help="the prompt; read from stdin when omitted or '-'")
    chat.add_argument("--model", default=DEFAULT_MODEL)
    chat.add_argument("--system", help="a system message")
    chat.add_argument("--reasoning", action="store_true", help="also stream reasoning (to stderr)")
    chat.set_defaults(func=_chat)

    demo = sub.add_parser("demo", help="offline tour against the bundled local gateway emulator")
    demo.add_argument("--model", default=DEFAULT_MODEL)
    demo.set_defaults(func=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.api_base = getattr(args, "api_base", None)
    args.api_key = getattr(args, "api_key", None)
    _quiet_litellm()
    return args.func(args)
