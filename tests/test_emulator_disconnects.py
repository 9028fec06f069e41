"""A client that hangs up mid-request is routine for the emulator; a bug in it is still reported."""

from __future__ import annotations

import logging
import socket
import struct
import time
from urllib.parse import urlsplit

from kilo_litellm.emulator import Reply

HEAD = b"POST /api/gateway/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"


def _send_and_reset(gw, data: bytes) -> None:
    """Send ``data``, then close with a TCP reset, as a killed client or a middlebox does."""
    parts = urlsplit(gw.url)
    with socket.create_connection((parts.hostname, parts.port)) as sock:
        sock.sendall(data)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def _wait_for(seen, deadline: float = 10.0) -> None:
    end = time.monotonic() + deadline
    while not seen() and time.monotonic() < end:
        time.sleep(0.02)


def test_a_client_reset_mid_body_leaves_a_debug_line_not_a_traceback(gw, capfd, caplog):
    caplog.set_level(logging.DEBUG, logger="kilo_litellm")
    err = []

    def seen() -> bool:
        err.append(capfd.readouterr().err)
        return any("went away" in r.getMessage() for r in caplog.records) or "Traceback" in "".join(err)

    _send_and_reset(gw, HEAD + b"Content-Length: 1000\r\n\r\n{")
    _wait_for(seen)

    assert "Traceback" not in "".join(err) and "ConnectionResetError" not in "".join(err)
    [line] = [r for r in caplog.records if "went away" in r.getMessage()]
    assert line.levelno == logging.DEBUG and "ConnectionResetError" in line.getMessage()


def test_an_error_in_the_emulator_itself_is_still_reported(gw, capfd):
    gw.script(Reply(recording="no-such-recording.sse"))
    err = []

    def seen() -> bool:
        err.append(capfd.readouterr().err)
        return "FileNotFoundError" in "".join(err)

    _send_and_reset(gw, HEAD + b"Content-Length: 2\r\n\r\n{}")
    _wait_for(seen)

    assert "Traceback" in "".join(err) and "no-such-recording.sse" in "".join(err)
