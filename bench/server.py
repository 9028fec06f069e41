"""The benchmark's gateway: a :class:`GatewayEmulator` in its own process answering every request
with the same bytes (a non-streaming body, or a synthesized stream of N content chunks).

It runs in a separate process so the server's threads do not compete with the measured client for
the GIL. ``python bench/server.py nonstream|stream N`` prints the ``api_base`` and serves until
its stdin closes.
"""

from __future__ import annotations

import json
import sys

from kilo_litellm.emulator import GatewayEmulator, Reply, recording, sse_payloads

STREAM_RECORDING = "stream-openai-gpt41.sse"
NONSTREAM_RECORDING = "nonstream-anthropic-whitespace-prefix.json"


def synthesize_stream(chunks: int) -> bytes:
    """An SSE body of ``chunks`` content events in the recording's exact event shape, followed by
    its finish event, its usage event and ``[DONE]`` (a long answer from the same upstream)."""
    events = sse_payloads(recording(STREAM_RECORDING))
    content = [e for e in events if e.get("choices") and e["choices"][0]["delta"].get("content")]
    finish = next(e for e in events if e.get("choices") and e["choices"][0].get("finish_reason"))
    usage = next(e for e in events if e.get("usage"))
    out = [b": OPENROUTER PROCESSING\n\n"]
    for i in range(chunks):
        event = content[i % len(content)]
        out.append(b"data: " + json.dumps(event, separators=(",", ":")).encode() + b"\n\n")
    for event in (finish, usage):
        out.append(b"data: " + json.dumps(event, separators=(",", ":")).encode() + b"\n\n")
    out.append(b"data: [DONE]\n\n")
    return b"".join(out)


def reply_for(mode: str, chunks: int) -> Reply:
    if mode == "nonstream":
        return Reply(body=recording(NONSTREAM_RECORDING), stream=False)
    if mode == "stream":
        return Reply(body=synthesize_stream(chunks), stream=True)
    if mode == "recorded-stream":
        return Reply(body=recording(STREAM_RECORDING), stream=True)
    raise SystemExit(f"unknown mode {mode!r}")


def _quiet(request: object, client_address: object) -> None:
    return


def main() -> None:
    mode = sys.argv[1]
    chunks = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    with GatewayEmulator(default=reply_for(mode, chunks)) as gw:
        gw._server.handle_error = _quiet  # a client closing its pooled connections is not an error here
        print(gw.api_base, flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
