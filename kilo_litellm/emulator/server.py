"""The emulator's socket server: a real HTTP server on 127.0.0.1 with scripted answers and fault injection.

:class:`GatewayEmulator` runs a threaded HTTP/1.1 server that answers each request with, in order:
the next scripted :class:`~.reply.Reply` (:meth:`GatewayEmulator.script`), Kilo's account routes
(:mod:`.account`), a scripted refusal for a failing model (``fail=``, :mod:`.failures`),
:attr:`GatewayEmulator.default`, else what the gateway answers (:mod:`.gateway`). It records every
request in :attr:`GatewayEmulator.requests`.

The faults a client must survive are in how a :class:`~.reply.Reply` is written: a delay, a
per-chunk delay, a cut after N bytes, a TCP reset before any byte, a FIN without a byte, a stall, a
gzip body, a body that never ends (with keep-alive drips), and a stream cut after N events with the
gateway's in-band ``upstream_disconnect`` (:mod:`.chains`). A handler that waits (``stall``,
``keep_open``) ends as soon as the client closes its side, so an abandoned request leaves no server
thread behind. A client hanging up mid-request is routine for a server: it is logged at debug on
the ``kilo_litellm`` logger, not printed as a traceback.
"""

from __future__ import annotations

import contextlib
import gzip as gzip_module
import logging
import select
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from kilo_litellm.emulator import chains, failures, gateway, rules
from kilo_litellm.emulator.account import AccountEmulator
from kilo_litellm.emulator.bodies import refusal_body
from kilo_litellm.emulator.listing import bundled_models
from kilo_litellm.emulator.reply import Received, Reply, error

logger = logging.getLogger("kilo_litellm")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes; no 40 ms delayed-ACK stall
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        return

    def do_GET(self) -> None:
        self._answer(b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self._answer(self.rfile.read(length) if length else b"")

    def _answer(self, raw: bytes) -> None:
        emu = self.server.emulator
        headers = {k.lower(): v for k, v in self.headers.items()}
        emu._record(Received(self.command, self.path, headers, raw, time.monotonic(), self.client_address[1]))
        reply = emu._next_reply(self.path, headers, raw)
        if reply.reset:
            self._reset()
            return
        if reply.hang_up:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if reply.stall:
            self._wait_for_client_to_leave()
            self.close_connection = True
            return
        if reply.delay and emu._stopping.wait(reply.delay):
            return
        payload = reply.payload()
        plain = gzip_module.decompress(payload) if reply.gzip else payload
        stream = reply.stream if reply.stream is not None else plain.lstrip().startswith((b"data:", b":"))
        stream = stream or reply.keep_open
        self.send_response(reply.status)
        if "content-type" not in {k.lower() for k in reply.headers}:
            self.send_header("Content-Type", "text/event-stream" if stream else "application/json")
        if reply.gzip:
            self.send_header("Content-Encoding", "gzip")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if stream:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        try:
            self._write_body(reply, payload, stream)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _write_body(self, reply: Reply, payload: bytes, stream: bool) -> None:
        pieces = _cut(payload, reply.cuts) if reply.cuts else _pieces(payload, reply.chunk_size, stream)
        sent = 0
        for piece in pieces:
            if reply.cut_after is not None and sent + len(piece) > reply.cut_after:
                self._write(piece[: reply.cut_after - sent], stream)
                self.wfile.flush()
                self._reset()
                return
            self._write(piece, stream)
            sent += len(piece)
            if reply.chunk_delay:
                self.wfile.flush()
                if self.server.emulator._stopping.wait(reply.chunk_delay):
                    return
        if reply.keep_open:
            self.wfile.flush()
            self._drip(reply)
            return
        if stream:
            self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _reset(self) -> None:
        """Close with a TCP reset (RST), as a crashed peer or a middlebox does."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        self.connection.close()
        self.close_connection = True

    def _client_left(self, wait: float) -> bool:
        """True once the client has closed its side (EOF or reset), waiting up to ``wait`` seconds."""
        readable, _, _ = select.select([self.connection], [], [], wait)
        if not readable:
            return False
        try:
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def _wait_for_client_to_leave(self) -> None:
        stopping = self.server.emulator._stopping
        while not stopping.is_set() and not self._client_left(0.05):
            pass

    def _drip(self, reply: Reply) -> None:
        """The response never ends: keep-alive bytes (if any) until the client or emulator leaves."""
        self.close_connection = True
        interval = reply.drip_interval
        stopping = self.server.emulator._stopping
        while not stopping.is_set():
            if self._client_left(interval):
                return
            if reply.drip:
                try:
                    self._write(reply.drip, True)
                    self.wfile.flush()
                except OSError:
                    return

    def _write(self, piece: bytes, stream: bool) -> None:
        if not piece:
            return
        if stream:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        else:
            self.wfile.write(piece)


def _pieces(payload: bytes, size: int | None, stream: bool) -> Iterable[bytes]:
    """Streams go out one SSE event (or one line block) at a time, as the gateway flushes them."""
    if size:
        return [payload[i : i + size] for i in range(0, len(payload), size)]
    if stream:
        parts = payload.split(b"\n\n")
        return [p + b"\n\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    return [payload]


def _cut(payload: bytes, cuts: Iterable[int]) -> list[bytes]:
    points = sorted({c for c in cuts if 0 < c < len(payload)})
    return [payload[a:b] for a, b in zip([0, *points], [*points, len(payload)], strict=True)]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024
    emulator: GatewayEmulator

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-request (reset, broken pipe) is routine for a gateway: a debug
        line. Anything else is a fault of the emulator and keeps the standard traceback on stderr."""
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError):
            logger.debug("kilo emulator: client %s went away: %r", client_address, exc)
            return
        super().handle_error(request, client_address)


class GatewayEmulator:
    """``with GatewayEmulator() as gw: litellm.completion(..., api_base=gw.api_base)``.

    ``keys``: the only tokens it accepts (any other bearer gets the gateway's 401 ``INVALID_TOKEN``);
    without them it takes every token but the placeholders and those containing ``invalid`` or
    ``expired`` (:mod:`.rules`). ``fail``: gateway id -> status, refused on every chat request.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        default: Reply | None = None,
        fail: Mapping[str, int] | None = None,
        keys: Collection[str] | None = None,
    ) -> None:
        if isinstance(keys, str):
            raise TypeError("keys must be a collection of tokens, not one string")
        self.fail = failures.normalised(fail)
        """Gateway id -> status: every chat request for that model gets the gateway's refusal (:mod:`.failures`)."""
        self.keys: frozenset[str] | None = None if keys is None else frozenset(keys)
        """The tokens it accepts; ``None``: any but a placeholder (:func:`.rules.rejecter`)."""
        self._server = _Server((host, port), _Handler)
        self.default = default
        """The answer to every request the script does not cover; ``None`` answers like the gateway."""
        self.models: list[dict] | None = None
        """``GET /models`` entries served instead of the bundled ones (:func:`.chains.gateway_model`);
        they also decide which ids it serves, and to whom."""
        self.organization_models: dict[str, list[dict]] = {}
        """Organisation id -> its ``GET /api/organizations/{id}/models`` entries (default: :attr:`models`)."""
        self._server.emulator = self
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._script: deque[Reply] = deque()
        self._stopping = threading.Event()
        self.requests: list[Received] = []
        self.account = AccountEmulator(rejected=self.rejects)
        """Kilo's account endpoints beside the gateway (``KILO_API_URL`` = :attr:`url`): see :mod:`.account`."""

    def rejects(self, token: str) -> bool:
        """Whether the gateway answers this bearer token with 401 ``INVALID_TOKEN``."""
        return rules.rejecter(self.keys)(token)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_base(self) -> str:
        return self.url + rules.GATEWAY_PATH

    @property
    def openrouter_base(self) -> str:
        """The base Kilo's own client uses (``<KILO_API_URL>/api/openrouter``)."""
        return self.url + rules.OPENROUTER_PATH

    @property
    def ai_gateway_base(self) -> str:
        """The base in the second host's shape (``https://ai-gateway.kilo.ai/api/v1``): ``<url>/api/v1``."""
        return self.url + rules.AI_GATEWAY_PATH

    def start(self) -> GatewayEmulator:
        self._thread = threading.Thread(target=self._server.serve_forever, name="kilo-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> GatewayEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def script(self, *replies: Reply) -> GatewayEmulator:
        """Queue answers for the next requests, in order; after them the default behaviour resumes."""
        with self._lock:
            self._script.extend(replies)
        return self

    def reset(self) -> None:
        with self._lock:
            self.default = None
            self.models = None
            self.organization_models.clear()
            self._script.clear()
            self.requests.clear()
        self.account.reset()

    @property
    def chat_requests(self) -> list[Received]:
        return [r for r in self.requests if r.path.split("?", 1)[0].endswith("/chat/completions")]

    @property
    def messages_requests(self) -> list[Received]:
        return [r for r in self.requests if r.path.split("?", 1)[0].rstrip("/").endswith("/messages")]

    @property
    def responses_requests(self) -> list[Received]:
        return [r for r in self.requests if r.path.split("?", 1)[0].rstrip("/").endswith("/responses")]

    @property
    def embedding_requests(self) -> list[Received]:
        return [r for r in self.requests if r.path.endswith("/embeddings")]

    @property
    def fim_requests(self) -> list[Received]:
        return [r for r in self.requests if r.path.endswith("/fim/completions")]

    def served_models(self, organization: str | None = None) -> list[dict]:
        """The ``/models`` entries it serves (an organisation's when it has its own)."""
        if organization is not None and organization in self.organization_models:
            return self.organization_models[organization]
        return bundled_models() if self.models is None else self.models

    def _record(self, received: Received) -> None:
        with self._lock:
            self.requests.append(received)

    def _gateway_reply(self, path: str, headers: Mapping[str, str], raw: bytes) -> Reply:
        found = rules.route(path)
        if found is not None and found.organization is not None:
            refused = self.account.organization_refusal(found.organization, rules.bearer(headers))
            if refused is not None:
                return error(*refused)
        org = found.organization if found is not None else None
        return gateway.answer(path, headers, raw, self.served_models(org), self.rejects)

    def _next_reply(self, path: str, headers: Mapping[str, str], raw: bytes) -> Reply:
        with self._lock:
            reply = self._script.popleft() if self._script else None
        if reply is None:
            account = self.account.answer(self.url, path, headers, rules.bearer(headers))
            if account is not None:
                return Reply(status=account[0], body=account[1], stream=False)
            found = rules.route(path)
            chat = found is not None and found.name in rules.INFERENCE
            failed = failures.failing(self.fail, raw) if chat else None
            if failed is not None:
                return error(failed[1], refusal_body(failed[1], failed[0]))
            reply = self.default
        if reply is None or reply.disconnect_after is None:
            return reply or self._gateway_reply(path, headers, raw)
        own = reply.body is not None or reply.recording is not None
        source = reply if own else self._gateway_reply(path, headers, raw)
        plain = source.payload()
        if source.status != 200 or source.gzip or not plain.lstrip().startswith((b"data:", b":")):
            return source
        cut = chains.cut_stream(plain, reply.disconnect_after)
        return replace(reply, body=cut, recording=None, stream=True, disconnect_after=None)
