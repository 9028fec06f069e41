"""What the emulator answers (:class:`Reply`, scriptable with faults) and what it received (:class:`Received`)."""

from __future__ import annotations

import gzip as gzip_module
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kilo_litellm.emulator.recorded import recording


@dataclass
class Reply:
    """One scripted answer. ``body`` wins over ``recording``; ``stream`` picks the content type.

    Fault modes: ``reset`` closes the connection with a TCP reset before any response byte;
    ``hang_up`` closes it (FIN) without a byte, as a server closing an idle keep-alive connection
    at the moment the client reuses it does;
    ``stall`` sends nothing until the client leaves; ``cut_after`` resets after that many body
    bytes; ``gzip`` sends the payload gzip-compressed with ``Content-Encoding: gzip``;
    ``keep_open`` sends the payload and then never ends the response, writing ``drip`` (if set)
    every ``drip_interval`` seconds until the client leaves. ``cuts`` splits the body at those
    byte offsets instead, one write (one HTTP chunk) per piece, to serve exactly chosen reads.
    ``disconnect_after`` ends a stream after that many data events with the gateway's in-band
    ``upstream_disconnect`` (:mod:`.chains`); without a body or recording, it cuts the emulator's own answer.
    """

    status: int = 200
    body: bytes | None = None
    recording: str | None = None
    stream: bool | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    chunk_delay: float = 0.0
    chunk_size: int | None = None
    cut_after: int | None = None
    stall: bool = False
    reset: bool = False
    hang_up: bool = False
    gzip: bool = False
    keep_open: bool = False
    drip: bytes | None = None
    drip_interval: float = 0.1
    cuts: tuple[int, ...] = ()
    disconnect_after: int | None = None

    def payload(self) -> bytes:
        if self.body is not None:
            raw = self.body
        elif self.recording is not None:
            raw = recording(self.recording)
        else:
            raw = b""
        return gzip_module.compress(raw) if self.gzip else raw


def error(status: int, body: bytes, headers: Mapping[str, str] | None = None) -> Reply:
    """A JSON error answer."""
    return Reply(status=status, body=body, stream=False, headers=dict(headers or {}))


@dataclass
class Received:
    """One request the emulator received."""

    method: str
    path: str
    headers: dict[str, str]
    raw: bytes
    at: float
    client_port: int = 0

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.raw)
        except ValueError:
            return None

    @property
    def model(self) -> str | None:
        body = self.json
        return body.get("model") if isinstance(body, dict) else None

    @property
    def authorization(self) -> str | None:
        return self.headers.get("authorization")
