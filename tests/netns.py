"""A network namespace with only loopback, for clients that must not reach beyond this machine.

``unshare -n`` (root, as in CI) makes the namespace; a ``cat`` waiting on a pipe holds it open, so
it goes away with the test process however that ends. Code runs inside it two ways:

* a process: :meth:`Namespace.command` prefixes ``nsenter --net=...``, so the program and all its
  children see only the namespace's loopback (no route, no DNS);
* Python in this process: :meth:`Namespace.call` runs a function on a thread that has entered the
  namespace (``setns``). Sockets belong to the namespace they were made in, so a server created
  there (the emulator) listens inside it and a client call made there connects inside it, whichever
  thread later serves or reads them.

Where the namespace cannot be made (not root, no ``unshare``/``nsenter``/``ip``, a sandbox that
forbids it) :func:`loopback_only` skips and says why.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import pytest

CLONE_NEWNET = 0x40000000
INSIDE_HOST = "127.0.0.2"
"""Where servers inside listen: never an address of this process's own servers on 127.0.0.1, so a
pooled keep-alive connection to one of those (same port number, other namespace) is never reused
for one inside."""
READY = "ready"
T = TypeVar("T")


class Namespace:
    """A loopback-only network namespace held open by a child process."""

    def __init__(self) -> None:
        self._holder = subprocess.Popen(
            ["unshare", "-n", "--", "sh", "-c", f"ip link set lo up && echo {READY} && exec cat >/dev/null"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self._holder.stdout.readline().strip() if self._holder.stdout else ""
        if line != READY:
            self.close()
            why = self._holder.stderr.read().strip() if self._holder.stderr else ""
            raise OSError(why or "unshare -n exited without making the namespace")
        self.path = f"/proc/{self._holder.pid}/ns/net"

    def command(self, argv: list[str]) -> list[str]:
        """``argv`` run inside the namespace."""
        return ["nsenter", f"--net={self.path}", "--", *argv]

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)`` on a thread inside the namespace; its result or its exception."""
        outcome: dict[str, Any] = {}

        def inside() -> None:
            try:
                _enter(self.path)
                outcome["value"] = fn(*args, **kwargs)
            except BaseException as exc:  # handed to the caller's thread
                outcome["error"] = exc

        thread = threading.Thread(target=inside, name="in-netns", daemon=True)
        thread.start()
        thread.join()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]

    def close(self) -> None:
        if self._holder.stdin:
            self._holder.stdin.close()
        try:
            self._holder.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._holder.kill()
            self._holder.wait()


def _enter(path: str) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns({path}): {os.strerror(err)}")
    finally:
        os.close(fd)


def loopback_only() -> Namespace:
    """A fresh namespace, or a skip that says why none can be made here."""
    missing = [tool for tool in ("unshare", "nsenter", "ip") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"no network namespace: {', '.join(missing)} not found (util-linux, iproute2)")
    try:
        namespace = Namespace()
    except OSError as exc:
        pytest.skip(f"no network namespace (unshare -n needs root or CAP_SYS_ADMIN): {exc}")
    try:
        namespace.call(lambda: None)
    except OSError as exc:
        namespace.close()
        pytest.skip(f"no network namespace: this process cannot enter one ({exc})")
    return namespace
