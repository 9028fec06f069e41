"""The benchmark's gateway: a :class:`GatewayEmulator` in its own process answering every request
with the same bytes (a non-streaming body, or a synthesized stream of N content chunks), or, for
the paced figures, a small server that writes N events 10-20 ms apart.

It runs in a separate process so the server's threads do not compete with the measured client for
the GIL. ``python bench/server.py nonstream|stream|burst|recorded-stream|paced N`` prints the
``api_base`` and serves until its stdin closes.

* ``stream``: N events, one write (one HTTP chunk) each, as fast as the client reads them.
* ``burst``: the same bytes in 16 KiB writes, so one read holds many events.
* ``paced``: N events, one write each, 10-20 ms apart (the same seeded gaps for every request).
  Each event's text is ``t=<time.monotonic() at its write>;``, so a client on this machine can
  tell how late each token reached the caller (CLOCK_MONOTONIC is shared by all processes).
"""

from __future__ import annotations

import json
import random
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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


BURST_WRITE = 16 * 1024
PACED_GAPS_S = (0.010, 0.020)
STAMP = "t={:.6f};"


def reply_for(mode: str, chunks: int) -> Reply:
    if mode == "nonstream":
        return Reply(body=recording(NONSTREAM_RECORDING), stream=False)
    if mode == "stream":
        return Reply(body=synthesize_stream(chunks), stream=True)
    if mode == "burst":
        return Reply(body=synthesize_stream(chunks), stream=True, chunk_size=BURST_WRITE)
    if mode == "recorded-stream":
        return Reply(body=recording(STREAM_RECORDING), stream=True)
    raise SystemExit(f"unknown mode {mode!r}")


def _quiet(request: object, client_address: object) -> None:
    return


def _paced_parts() -> tuple[bytes, bytes, bytes]:
    """The recording's content event split around its text, and its finish + usage + ``[DONE]``."""
    events = sse_payloads(recording(STREAM_RECORDING))
    content = next(e for e in events if e.get("choices") and e["choices"][0]["delta"].get("content"))
    marker = "\u0000stamp\u0000"
    event = {**content, "choices": [{**content["choices"][0], "delta": {"role": "assistant", "content": marker}}]}
    head, tail = (b"data: " + json.dumps(event, separators=(",", ":")).encode() + b"\n\n").split(
        json.dumps(marker).strip('"').encode()
    )
    finish = next(e for e in events if e.get("choices") and e["choices"][0].get("finish_reason"))
    usage = next(e for e in events if e.get("usage"))
    end = b"".join(b"data: " + json.dumps(e, separators=(",", ":")).encode() + b"\n\n" for e in (finish, usage))
    return head, tail, end + b"data: [DONE]\n\n"


class _Paced(BaseHTTPRequestHandler):
    """``N`` stamped events, each its own write, at the seeded gaps; then finish, usage, ``[DONE]``."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    events = 0
    parts = (b"", b"", b"")
    gaps: tuple[float, ...] = ()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        return

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        head, tail, end = self.parts
        due = time.monotonic()
        try:
            for gap in self.gaps[: self.events]:
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                piece = head + STAMP.format(time.monotonic()).encode() + tail
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                due += gap
            self.wfile.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(end), end))
        except OSError:
            self.close_connection = True


class _PacedServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # read by listen() in the constructor: 200 clients connect at once


def serve_paced(events: int) -> None:
    rng = random.Random(17)
    _Paced.events = events
    _Paced.parts = _paced_parts()
    _Paced.gaps = tuple(rng.uniform(*PACED_GAPS_S) for _ in range(events))
    server = _PacedServer(("127.0.0.1", 0), _Paced)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"http://127.0.0.1:{server.server_address[1]}/api/gateway", flush=True)
    sys.stdin.read()
    server.shutdown()


def main() -> None:
    mode = sys.argv[1]
    chunks = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    if mode == "paced":
        serve_paced(chunks)
        return
    with GatewayEmulator(default=reply_for(mode, chunks)) as gw:
        gw._server.handle_error = _quiet  # a client closing its pooled connections is not an error here
        print(gw.api_base, flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
