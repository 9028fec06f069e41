"""``kilo-litellm`` (also ``python -m kilo_litellm``): try the provider from a terminal.

* ``models``: the gateway's model list (``--free``, ``--json``), the list an earlier refresh
  remembered or the bundled one, with one count of it and its age (``--refresh`` fetches it now and
  exits 1 when it cannot, unless ``--allow-stale``), as LiteLLM now knows it (the
  ``fim`` flag, ``supports_fim`` in JSON: served by ``/fim/completions``), and what became of each
  seed alias of Kilo's original page (served, or retired and its successor).
* ``proxy-config``: the LiteLLM proxy config for the catalog (what ``litellm_config.yaml`` is).
* ``check``: what the gateway serves now (:mod:`kilo_litellm.drift`: anonymous access, the seed
  aliases, the free models, the endpoints), or with ``--model`` what a call to that model would send
  (key redacted), then a 1-token ping.
* ``chat``: a prompt from the arguments or stdin, streamed to the terminal.
* ``demo``: an offline tour against the bundled local gateway emulator (:mod:`kilo_litellm.demo`).
* ``emulator``: that emulator in the foreground, for the other commands, LiteLLM or a proxy to
  call, until Ctrl-C.
* ``login``, ``whoami``, ``logout``: sign in with a device code and store the token for this user
  (:mod:`kilo_litellm.cli.signin`).

``--api-base``/``--api-key`` (or ``KILO_API_BASE``/``KILO_API_KEY``) choose the gateway and key, as
for the provider. Every failure is one line on stderr and exit status 1 (:mod:`cli_errors`); the
key is never printed. This module and :mod:`demo` are the only ones that print.

Only ``chat``, ``demo`` and ``check --model`` call a model through LiteLLM; they load it and
register the provider (:func:`_litellm`). The others start without LiteLLM, which takes seconds to
import.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence

from kilo_litellm.config import env, settings

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

DEFAULT_MODEL = "kilo/kilo-auto/free"
STALE_HELP = "with --refresh: exit 0 on a stale list, and say so on stdout"
PING = [{"role": "user", "content": "ping"}]


class UsageError(Exception):
    """A command line argparse refuses: reported as one line like every other failure."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see `{self.prog} --help`)")


class _Formatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each option's default, except where the help already says it (``--api-base``), and
    never breaks a model id at its hyphens."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        import textwrap

        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "default" in text or action.default in (None, False, argparse.SUPPRESS):
            return text
        return super()._get_help_string(action) or text


class _RefreshReported(logging.Filter):
    """The model list's failed refresh is reported once, by the command, with the URL and the fix."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("kilo /models from ")


_restore: list[Callable[[], None]] = []


def _litellm():
    """LiteLLM, with the ``kilo`` provider registered and its own notices (cost-map fetch retries with
    no network, provider hints) quiet for the command, which they would bury."""
    import litellm

    from kilo_litellm.provider.registration import register

    register()
    if not _restore:
        suppressed, litellm_logger = litellm.suppress_debug_info, logging.getLogger("LiteLLM")
        level = litellm_logger.level

        def restore() -> None:
            litellm_logger.setLevel(level)
            litellm.suppress_debug_info = suppressed

        _restore.append(restore)
        litellm.suppress_debug_info = True
        litellm_logger.setLevel(logging.ERROR)
    return litellm


@contextlib.contextmanager
def _quiet_logs() -> Iterator[None]:
    """For the command only: a caller running :func:`main` in its own process gets its logging back
    as it was."""
    kilo, reported = logging.getLogger("kilo_litellm"), _RefreshReported()
    kilo.addFilter(reported)
    try:
        yield
    finally:
        kilo.removeFilter(reported)
        while _restore:
            _restore.pop()()


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
        ("fim", entry.supports_fim),
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
        "name": entry.name,
        "alias": f"kilo/{entry.aliases[0]}" if entry.aliases else None,
        "free": entry.free,
        "context_window": entry.context_window,
        "max_output_tokens": entry.max_output_tokens,
        "status": entry.status,
        "successor": entry.successor if entry.retired else None,
        "retires": entry.expiration_date.isoformat() if entry.expiration_date else None,
        "preferred_index": entry.preferred_index,
        "may_train_on_prompts": entry.may_train,
        "input_cost_per_token": prices[0],
        "output_cost_per_token": prices[1],
        "supports_vision": entry.supports_vision,
        "supports_function_calling": entry.supports_function_calling,
        "supports_reasoning": entry.supports_reasoning,
        "supports_response_schema": entry.supports_response_schema,
        "supports_prompt_caching": entry.supports_prompt_caching,
        "supports_fim": entry.supports_fim,
    }


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows)


def _list_note(found, verb: str) -> str:
    from kilo_litellm.cli.errors import OFFLINE_HINT

    listed = found.origin if found.source == "snapshot" else f"the {found.source} list"
    return f"note: no model list from {found.api_base} ({found.error}); {verb} {listed}; {OFFLINE_HINT}"


def _stale(found, args: argparse.Namespace, verb: str) -> bool:
    """A ``--refresh`` that could not reach the gateway: said on stderr, and on stdout too with
    ``--allow-stale``; ``True`` when the command must exit non-zero (the live list was asked for)."""
    if not found.error:
        return False
    note = _list_note(found, verb)
    print(note, file=sys.stderr)
    if not getattr(args, "refresh", False):
        return False
    if args.allow_stale:
        if not (verb == "using" and args.output == "-"):
            print(f"stale: {note.removeprefix('note: ')}")
        return False
    return True


def _catalog_line(found) -> str:
    """One count of the catalog in use and how old its list is: what ``models`` and ``check`` say."""
    from kilo_litellm.models import catalog

    return f"{catalog.summary(found.catalog).describe()}; list {found.age()}"


def _models(args: argparse.Namespace) -> int:
    from kilo_litellm.models.discovery import refresh_models

    found = refresh_models(args.api_base, force=args.refresh)
    stale = _stale(found, args, "showing")
    entries = [e for e in found.models if not e.retired and (e.free or not args.free)]
    retired = [e for e in found.models if e.retired]
    if args.json:
        print(json.dumps([_model_row(e) for e in entries + retired], indent=2))
        return 1 if stale else 0
    rows = [["id", "alias", "free", "context", "max out", "$/M in", "$/M out", "flags", "retires"]]
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
                row["retires"] or "",
            ]
        )
    print(_table(rows))
    shown = f"{len(entries)} shown (free only) of " if args.free else ""
    print(f"\n{shown}{_catalog_line(found)}")
    print(f"from {found.origin}")
    print("\nSeed aliases of Kilo's original model page:")
    seeds = [e for e in found.models if e.aliases]
    print(
        _table([["alias", "gateway id", "status"]] + [[f"kilo/{e.aliases[0]}", e.gateway_id, e.status] for e in seeds])
    )
    return 1 if stale else 0


def _redis_target(value: str) -> tuple[str, int]:
    from kilo_litellm.proxy import proxy_config

    try:
        return proxy_config.parse_redis(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _proxy_config(args: argparse.Namespace) -> int:
    from kilo_litellm.models.discovery import refresh_models
    from kilo_litellm.proxy import proxy_config

    if args.cache and args.redis is None:
        print("error: --cache needs --redis HOST:PORT", file=sys.stderr)
        return 2
    if args.refresh:
        found = refresh_models(args.api_base, force=True)
        if _stale(found, args, "using"):
            return 1
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


def _drift_rows(report) -> list[list[str]]:
    rows = [["probe", "sent", "result"], [report.anonymous.probe, report.anonymous.sent, report.anonymous.result]]
    rows += [[f"alias {line.probe}", line.sent, line.result] for line in report.aliases]
    rows.append(["free models", "GET /models", report.free_models.result])
    rows += [["endpoint", line.sent, line.result] for line in report.endpoints]
    return rows


def _http_client():
    import httpx

    return httpx.Client()


def _drift(args: argparse.Namespace) -> int:
    """The drift report of the gateway chosen, or of both of Kilo's hosts when none was (``drift.bases``)."""
    from kilo_litellm.cli import drift
    from kilo_litellm.cli.errors import OFFLINE_HINT

    with _http_client() as client:
        reports = drift.probe_hosts(client, args.api_base, args.api_key, timeout=args.timeout)
    if args.json:
        data = (
            reports[0].as_dict()
            if len(reports) == 1
            else {
                "hosts": [r.as_dict() for r in reports],
                "reachable": any(r.reachable for r in reports),
            }
        )
        print(json.dumps(data, indent=2))
    else:
        from kilo_litellm.cli.signin import describe
        from kilo_litellm.config.settings import resolve
        from kilo_litellm.models import catalog

        print(f"credential: {describe(resolve(args.api_key))}")
        for report in reports:
            print(f"Kilo Gateway at {report.api_base} (key: {report.key}; the anonymous probe sends none)\n")
            print(_table(_drift_rows(report)) + "\n")
        if len(reports) > 1:
            print("\n".join(["What each host answered:", *(f"  {drift.host_line(r)}" for r in reports)]))
        origin = catalog.provenance()
        print(f"catalog in use: {catalog.summary().describe()}; list {origin.describe_age()}")
        print("(the free models rows count the /models list each host answered now)")
    silent = [r for r in reports if not r.reachable]
    if len(silent) == len(reports):
        reasons = "; ".join(f"{r.api_base} ({r.anonymous.result.removeprefix('no answer: ')})" for r in silent)
        return _fail(f"no answer from {reasons}; {OFFLINE_HINT}")
    for report in silent:
        print(f"note: no answer from {report.api_base}; the other host answered", file=sys.stderr)
    return 0


def _would_send(model: str, args: argparse.Namespace):
    """The request a call to ``model`` sends, planned by the provider itself, and the refusal the
    provider would raise before sending it (a paid model without a key), or ``None``."""
    from kilo_litellm.provider import admission, planning

    call = planning.completion(
        model=model,
        messages=PING,
        params={"max_tokens": 1},
        api_key=args.api_key,
        api_base=args.api_base,
        timeout=30,
        stream=False,
    )
    return call, admission.refusal(call)


def _check(args: argparse.Namespace) -> int:
    if args.model is None:
        return _drift(args)
    if args.json:
        return _fail("--json is for the drift report: leave out --model")
    litellm = _litellm()

    from kilo_litellm.cli.errors import one_line
    from kilo_litellm.models.discovery import refresh_models

    found = refresh_models(args.api_base)
    print(f"catalog: {_catalog_line(found)}")
    call, refused = _would_send(settings.strip_provider(args.model), args)
    entry = call.entry
    status = "retired" + (f" (use {entry.successor})" if entry.successor else "") if entry.retired else "listed"
    kind = ("free" if entry.free else "paid") if entry.known else "not in the catalog"
    if not entry.known:
        status = "sent as given: the gateway decides whether it needs a key"
    print(f"model:      {args.model}")
    print(f"gateway id: {entry.gateway_id}  ({kind}, {status})")
    print(f"POST        {call.url}")
    for name, value in call.headers.items():
        shown = f"Bearer {call.settings.redacted_key}" if name.lower() == "authorization" else value
        print(f"  {name}: {shown}")
    if "Authorization" not in call.headers:
        print("  (no Authorization header: no key is set)")
    print(f"  body: {json.dumps(call.body)}")
    from kilo_litellm.cli.signin import describe

    print(f"credential: {describe(call.settings)}")
    if refused is not None:
        return _fail(f"not sent: {one_line(refused, api_base=call.settings.api_base)}")
    if args.no_ping:
        return 0
    try:
        resp = litellm.completion(
            model=args.model, messages=PING, max_tokens=1, api_base=args.api_base, api_key=args.api_key, timeout=30
        )
    except Exception as exc:
        return _fail(f"ping failed: {one_line(exc, api_base=call.settings.api_base, api_key=args.api_key)}")
    cost = resp._hidden_params.get("response_cost") or 0.0
    print(f"ping: OK, answered by {resp.model!r}, {resp.usage.total_tokens} tokens, ${cost:.6f}")
    return 0


def _prompt(args: argparse.Namespace) -> str:
    if args.prompt and args.prompt != ["-"]:
        return " ".join(args.prompt)
    return sys.stdin.read()


def _chat(args: argparse.Namespace) -> int:
    litellm = _litellm()
    prompt = _prompt(args).strip()
    if not prompt:
        return _fail("no prompt: pass one as arguments or on stdin")
    messages = ([{"role": "system", "content": args.system}] if args.system else []) + [
        {"role": "user", "content": prompt}
    ]
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
    sys.stdout.write("\n")
    return 0


def _demo(args: argparse.Namespace) -> int:
    _litellm()
    from kilo_litellm.cli import demo
    from kilo_litellm.models import catalog

    entry = catalog.resolve(settings.strip_provider(args.model))
    if not entry.free or entry.retired:
        state = "retired" if entry.retired else "paid" if entry.known else "not listed as free"
        return _fail(
            f"the demo calls without a key, and {args.model} is {state}: use a free model like {DEFAULT_MODEL}"
        )
    return demo.run(args.model)


def _emulator(args: argparse.Namespace) -> int:
    from kilo_litellm.emulator import foreground

    return foreground.run(args)


def _api_base(value: str) -> str:
    from kilo_litellm.cli.errors import api_base_problem

    problem = api_base_problem(value)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return value


def _kilo_model(value: str) -> str:
    from kilo_litellm.cli.errors import model_problem

    problem = model_problem(value)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return value.strip()


def _version() -> str:
    from importlib.metadata import version

    from kilo_litellm import __version__

    return f"kilo-litellm {__version__} (LiteLLM {version('litellm')})"


def _common() -> argparse.ArgumentParser:
    """``--api-base``/``--api-key``, accepted before or after the command."""
    common = _Parser(add_help=False)
    common.add_argument(
        "--api-base",
        type=_api_base,
        default=argparse.SUPPRESS,
        help=f"gateway URL (default: ${env.API_BASE}, else {settings.DEFAULT_API_BASE})",
    )
    common.add_argument(
        "--api-key",
        default=argparse.SUPPRESS,
        help="Kilo API key (default: $KILO_API_KEY, else none: free models only)",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    from kilo_litellm.emulator import foreground

    common = _common()
    parser = _Parser(
        prog="kilo-litellm",
        description="The Kilo Gateway as a LiteLLM provider.",
        parents=[common],
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str, parents: list) -> argparse.ArgumentParser:  # noqa: A002 - argparse's name
        return sub.add_parser(name, parents=parents, help=help, description=help, formatter_class=_Formatter)

    models = command("models", "list the gateway's models", [common])
    models.add_argument("--free", action="store_true", help="only free models")
    models.add_argument("--json", action="store_true", help="JSON instead of a table")
    models.add_argument(
        "--refresh", action="store_true", help="fetch now, even if the cached list is fresh (exit 1 if unreachable)"
    )
    models.add_argument("--allow-stale", action="store_true", help=STALE_HELP)
    models.set_defaults(func=_models)

    proxy = command("proxy-config", "write the LiteLLM proxy config for Kilo models", [common])
    proxy.add_argument("--output", "-o", default="-", help="file to write, - for stdout")
    proxy.add_argument(
        "--refresh",
        action="store_true",
        help="from the live /models list, fetched now (exit 1 if the gateway is unreachable)",
    )
    proxy.add_argument("--allow-stale", action="store_true", help=STALE_HELP)
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
        help=(
            "cool a free model down at its first 429 for as long as the answer says: 1 h after 429 'Model usage "
            "limit reached', 24 h after 401 promotion_limit_reached (both only from Kilo's rate-limited "
            "exclusive models), the gateway's retry-after after 'Too many requests', else LiteLLM's cooldown_time"
        ),
    )
    proxy.add_argument(
        "--free-budget",
        action="store_true",
        help=(
            "add the budget guard (counts shared via Redis): fall back before the budgets you configure "
            "(KILO_FREE_BUDGET_PER_MODEL, KILO_FREE_BUDGET_ANONYMOUS, a deployment's model_info.kilo_free_budget). "
            "None by default: the gateway's 200/h (429 'Model usage limit reached') and 10,000/24 h (401 "
            "promotion_limit_reached) apply only to Kilo's rate-limited exclusive models, not to kilo-auto/free "
            "or :free ids"
        ),
    )
    proxy.set_defaults(func=_proxy_config)

    check = command(
        "check",
        "ask the gateway what works now (both of Kilo's hosts unless --api-base or KILO_API_BASE names one); "
        "with --model, show a call and ping it",
        [common],
    )
    check.add_argument(
        "--model",
        type=_kilo_model,
        help="show what a call to this model sends, then ping it (default: none, the drift report)",
    )
    check.add_argument("--no-ping", action="store_true", help="with --model: only show the request")
    check.add_argument(
        "--json",
        action="store_true",
        help="the drift report as JSON (both hosts: {hosts: [report, ...], reachable})",
    )
    check.add_argument("--timeout", type=float, default=10.0, help="seconds per probe")
    check.set_defaults(func=_check)

    chat = command("chat", "send a prompt (arguments or stdin), stream the answer", [common])
    chat.add_argument("prompt", nargs="*", help="the prompt; read from stdin when omitted or '-'")
    chat.add_argument("--model", type=_kilo_model, default=DEFAULT_MODEL, help="a kilo/<model> id or alias")
    chat.add_argument("--system", help="a system message")
    chat.add_argument("--reasoning", action="store_true", help="also stream reasoning (to stderr)")
    chat.set_defaults(func=_chat)

    demo = command("demo", "offline tour against the bundled local gateway emulator", [])
    demo.add_argument("--model", type=_kilo_model, default=DEFAULT_MODEL, help="a free kilo/<model> to tour with")
    demo.set_defaults(func=_demo)

    emulator = command("emulator", "run the bundled local gateway emulator until Ctrl-C", [])
    foreground.add_arguments(emulator)
    emulator.set_defaults(func=_emulator)

    from kilo_litellm.cli import signin

    signin.add_commands(command, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; every failure ends here as one line on stderr and exit status 1."""
    args, api_key = None, None
    try:
        args = build_parser().parse_args(argv)
        args.api_base = getattr(args, "api_base", None)
        args.api_key = getattr(args, "api_key", None)
        api_key = args.api_key or env.raw_text(env.API_KEY)
        from_env = env.text(env.API_BASE)
        if args.api_base is None and from_env:
            from kilo_litellm.cli.errors import api_base_problem

            problem = api_base_problem(from_env)
            if problem:
                return _fail(f"{env.API_BASE}: {problem}")
        with _quiet_logs():
            return args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader left (``kilo-litellm models | head``): nothing to say, and nothing more to flush.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except UsageError as exc:
        return _fail(str(exc))
    except Exception as exc:
        from kilo_litellm.cli.errors import one_line
        from kilo_litellm.config.settings import resolve

        base = resolve(api_base=getattr(args, "api_base", None)).api_base
        return _fail(one_line(exc, api_base=base, api_key=api_key))
