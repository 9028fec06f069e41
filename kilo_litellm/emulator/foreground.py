"""The bundled emulator in the foreground: ``kilo-litellm emulator`` and ``python -m kilo_litellm.emulator``.

A command-line entry point (it prints), so that a user can point LiteLLM, a proxy or the other
``kilo-litellm`` commands at a local gateway from another terminal; it runs until Ctrl-C or SIGTERM.
``--fail MODEL=STATUS`` (repeatable) makes it refuse one model, so a fallback can be watched;
``--key KEY`` (repeatable) makes it accept only those keys, so the gateway's answer to a wrong key
(401 ``INVALID_TOKEN``) can be seen from a shell.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence

from kilo_litellm.emulator import GatewayEmulator, failures

HOST = "127.0.0.1"
PORT = 4010
MODEL = "kilo/kilo-auto/free"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=HOST, help="address to listen on")
    parser.add_argument("--port", type=int, default=PORT, help="port to listen on; 0 for any free one")
    parser.add_argument(
        "--key",
        action="append",
        metavar="KEY",
        help=(
            "accept only this key (repeatable); any other bearer gets the gateway's 401 INVALID_TOKEN "
            "(default: any key but a placeholder such as 'public')"
        ),
    )
    parser.add_argument(
        "--fail",
        action="append",
        metavar="MODEL=STATUS",
        help=(
            "refuse every chat request for MODEL (a gateway id, kilo/ optional) with the gateway's own "
            f"{'/'.join(str(s) for s in failures.STATUSES)} answer, e.g. {failures.EXAMPLE}; repeatable "
            "(default: none, every model answers)"
        ),
    )


def run(args: argparse.Namespace) -> int:
    """The bundled emulator in the foreground until Ctrl-C or SIGTERM, then exit 0."""
    try:
        fail = failures.parse_all(args.fail or ())
    except ValueError as exc:
        return _fail(str(exc))
    try:
        gateway = GatewayEmulator(host=args.host, port=args.port, fail=fail, keys=args.key)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return _fail(
            f"cannot listen on {args.host}:{args.port} ({reason}); pass another --port, or --port 0 for any free one"
        )
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with gateway:
        base = gateway.api_base
        keys = "no key needed" if not args.key else f"accepts only the {len(args.key)} key(s) given with --key"
        print(f"Kilo Gateway emulator (recorded answers, no network, {keys})")
        print(f"api_base: {base}\n")
        if fail:
            print(f"Refuses every chat request for: {failures.describe(fail)}; every other model answers normally.\n")
        print("Use it from another terminal:")
        print(f"  kilo-litellm --api-base {base} models")
        print(f"  export KILO_API_BASE={base}")
        print(f"  export KILO_API_URL={gateway.url}   # its account endpoints: kilo-litellm login, whoami")
        print(f'  litellm.completion(model="{MODEL}", messages=[...], api_base="{base}")\n')
        print("Ctrl-C stops it.", flush=True)
        while not stop.wait(0.5):
            pass
    print("emulator stopped", file=sys.stderr)
    return 0


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kilo_litellm.emulator", description="run the bundled local gateway emulator until Ctrl-C"
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))
