"""Build (or re-record) the vcrpy cassettes in ``cassettes/``.

Default, offline: the calls go to the bundled gateway emulator, scripted to answer each with one
real recording's bytes unchanged (not re-serialised as the gateway passes streams on); each
interaction is stored under the real gateway URL
(``https://api.kilo.ai/api/gateway``) so replaying needs no ``api_base``.

``--live``, with network: the same calls go to the real gateway (``kilo-auto/free``, so no key is
needed; set ``KILO_API_KEY`` for more). Either way the ``Authorization`` header is filtered out.
The offline rebuild also leaves out the ``Date`` header, the one thing that differed between runs,
so rebuilding from the bundled bytes reproduces the committed cassettes byte for byte.

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
from kilo_litellm.config.settings import DEFAULT_API_BASE
from kilo_litellm.emulator import GatewayEmulator, Reply

CASSETTES = Path(__file__).resolve().parent.parent / "cassettes"
MESSAGES = [{"role": "user", "content": "hello"}]
TOOLS = [{"type": "function", "function": {"name": "search_files", "parameters": {"type": "object"}}}]

# cassette name -> the recording the emulator answers it with, offline
RECORDED = {
    "free-completion": "nonstream-anthropic-whitespace-prefix.json",
    "free-stream": "stream-openai-gpt41.sse",
    "free-tool-call-stream": "stream-devstral-free-toolcall.sse",
}
# cassette name -> completion kwargs
CALLS = {
    "free-completion": {"model": "kilo/kilo-auto/free"},
    "free-stream": {"model": "kilo/kilo-auto/free", "stream": True},
    "free-tool-call-stream": {"model": "kilo/kilo-auto/free", "stream": True, "tools": TOOLS},
}


def _drop_headers(*names: str):
    """A ``before_record_response`` hook that leaves out headers which change from run to run."""

    def drop(response):
        for name in list(response["headers"]):
            if name.lower() in names:
                del response["headers"][name]
        return response

    return drop


def recorder(api_base: str, offline: bool) -> vcr.VCR:
    """Offline rebuilds leave out ``Date`` too, so rebuilding from the bundled bytes changes no file."""

    def to_gateway(request):
        request.uri = request.uri.replace(api_base, DEFAULT_API_BASE)
        return request

    return vcr.VCR(
        cassette_library_dir=str(CASSETTES),
        record_mode="all",
        filter_headers=["authorization", "host"],
        before_record_response=_drop_headers("server", "date") if offline else _drop_headers("server"),
        before_record_request=to_gateway,
        decode_compressed_response=True,
    )


def record(api_base: str, offline: bool, gateway: GatewayEmulator | None = None) -> None:
    rec = recorder(api_base, offline)
    for name, kwargs in CALLS.items():
        if gateway is not None:
            gateway.script(Reply(recording=RECORDED[name], stream=bool(kwargs.get("stream"))))
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
        record(os.environ.get("KILO_API_BASE", DEFAULT_API_BASE), offline=False)
        return 0
    with GatewayEmulator() as gateway:
        record(gateway.api_base, offline=True, gateway=gateway)
    return 0


if __name__ == "__main__":
    sys.exit(main())
