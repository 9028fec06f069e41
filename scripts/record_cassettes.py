"""Build (or re-record) the vcrpy cassettes in ``cassettes/``.

Default, offline: the calls go to the bundled gateway emulator in its February 2026 mode (when the
cassettes' free ids were still served), which serves the real recorded gateway bytes; each
interaction is stored under the real gateway URL (``https://api.kilo.ai/api/gateway``) so replaying
needs no ``api_base``.

``--live``, with network: the same calls go to the real gateway (free models, so ``public`` works;
set ``KILO_API_KEY`` for more). Either way the ``Authorization`` header is filtered out.

    python scripts/record_cassettes.py          # rebuild from the bundled recordings
    python scripts/record_cassettes.py --live   # re-record from the live gateway
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import litellm
import vcr

import kilo_litellm  # noqa: F401
from kilo_litellm.emulator import GatewayEmulator
from kilo_litellm.settings import DEFAULT_API_BASE

CASSETTES = Path(__file__).resolve().parent.parent / "cassettes"
MESSAGES = [{"role": "user", "content": "hello"}]
TOOLS = [{"type": "function", "function": {"name": "search_files", "parameters": {"type": "object"}}}]

# cassette name -> completion kwargs
CALLS = {
    "glm-5-free-completion": {"model": "kilo/glm-5-free"},
    "glm-5-free-stream": {"model": "kilo/glm-5-free", "stream": True},
    "glm-5-free-tool-call-stream": {"model": "kilo/glm-5-free", "stream": True, "tools": TOOLS},
}


def _drop_server_header(response):
    response["headers"].pop("server", None)
    response["headers"].pop("Server", None)
    return response


def recorder(api_base: str) -> vcr.VCR:
    def to_gateway(request):
        request.uri = request.uri.replace(api_base, DEFAULT_API_BASE)
        return request

    return vcr.VCR(
        cassette_library_dir=str(CASSETTES),
        record_mode="all",
        filter_headers=["authorization", "host"],
        before_record_response=_drop_server_header,
        before_record_request=to_gateway,
        decode_compressed_response=True,
    )


def record(api_base: str) -> None:
    rec = recorder(api_base)
    for name, kwargs in CALLS.items():
        path = CASSETTES / f"{name}.yaml"
        path.unlink(missing_ok=True)
        with rec.use_cassette(path.name):
            resp = litellm.completion(messages=MESSAGES, api_base=api_base, **kwargs)
            if kwargs.get("stream"):
                list(resp)
        print(f"wrote {path.relative_to(CASSETTES.parent)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--live", action="store_true", help="record from the live gateway (needs network)")
    args = parser.parse_args(argv)
    CASSETTES.mkdir(exist_ok=True)
    if args.live:
        record(os.environ.get("KILO_API_BASE", DEFAULT_API_BASE))
        return 0
    with GatewayEmulator(mode="february") as gateway:
        record(gateway.api_base)
    return 0


if __name__ == "__main__":
    sys.exit(main())
