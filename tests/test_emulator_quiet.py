"""A client that resets its connection mid-request leaves no traceback on the test run's stderr."""

from __future__ import annotations

import socket
import struct
import time

import litellm
from conftest import MESSAGES

from kilo_litellm.emulator import GatewayEmulator


def _reset_mid_request(gw: GatewayEmulator) -> None:
    """Headers promising a body, one byte of it, then a TCP reset: the server fails reading the rest."""
    host, port = gw._server.server_address[:2]
    with socket.create_connection((host, port)) as sock:
        sock.sendall(b"POST /api/gateway/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{")
        time.sleep(0.2)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def test_a_reset_mid_request_prints_nothing_and_the_emulator_keeps_serving(capfd):
    with GatewayEmulator() as gw:
        _reset_mid_request(gw)
        resp = litellm.completion(model="kilo/kilo-auto/free", messages=MESSAGES, api_base=gw.api_base)
    assert resp.choices[0].message.content
    err = capfd.readouterr().err
    assert "Traceback" not in err and "ConnectionResetError" not in err, err
