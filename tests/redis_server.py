"""A real ``redis-server`` on a free loopback port, started and stopped by the tests.

``.ci/run`` installs Debian's ``redis-server`` on a fresh machine; the tests start their own server
(no persistence, no config file) so nothing depends on a service already running. ``stop()`` and
``start()`` again on the same port let a test take Redis away mid-run and bring it back.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import redis
from processes import wait_until_ready


class RedisMissingError(RuntimeError):
    pass


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """One ``redis-server`` process; ``host``/``port`` are what a LiteLLM config's ``redis_host``/``redis_port`` take."""

    host = "127.0.0.1"

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RedisMissingError(
                "redis-server is not installed: `.ci/run` installs it (apt-get install -y redis-server)"
            )
        self.binary = binary
        self.workdir = workdir
        self.port = port or _free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}"

    def client(self) -> redis.Redis:
        return redis.Redis(host=self.host, port=self.port, socket_timeout=2, decode_responses=True)

    def start(self) -> RedisServer:
        cmd = [self.binary, "--port", str(self.port), "--bind", self.host, "--save", "", "--appendonly", "no"]
        log = (self.workdir / f"redis-{self.port}.log").open("ab")
        self.process = subprocess.Popen(cmd, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT)
        log_path = self.workdir / f"redis-{self.port}.log"
        wait_until_ready(self.process, self._answers, what=f"redis-server on port {self.port}", log=log_path.read_text)
        return self

    def _answers(self) -> bool:
        with contextlib.suppress(redis.RedisError):
            return bool(self.client().ping())
        return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None


@contextlib.contextmanager
def running_redis(workdir: Path) -> Iterator[RedisServer]:
    server = RedisServer(workdir).start()
    try:
        yield server
    finally:
        server.stop()
