"""What this process holds open, for asserting that a failed call leaves nothing behind.

A snapshot records the process's socket inodes (from ``/proc/self/fd``), its threads and, inside
an event loop, its asyncio tasks. Take it after a warm-up call, so LiteLLM's pooled keep-alive
connection is part of the baseline; :func:`assert_nothing_left` then waits (up to a bound, for
LiteLLM's background logging tasks and the emulator's handler threads to finish) until nothing
new remains, and fails naming what is still open.

The emulator runs in this process too: its server thread and per-connection handler threads are
left out of the thread comparison (an emulator handler only ends once the client closes its side,
so a client socket leaked by the provider still shows up as a leaked socket pair). So are
LiteLLM's own long-lived helpers, which it starts lazily and keeps by design: its bounded logging
thread pool (``litellm-logging_*`` threads) and its per-loop ``LoggingWorker`` task; and the
bounded, idle worker pools LiteLLM's async path runs sync code in (the event loop's default
executor, ``asyncio_*``, and AnyIO's worker threads), which grow with concurrency, not with calls.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from dataclasses import dataclass, field

SETTLE_SECONDS = 5.0


def socket_inodes() -> set[str]:
    out = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:"):
            out.add(target)
    return out


def _tcp_ports_by_inode() -> dict[str, tuple[int, int]]:
    """``socket:[inode]`` → (local port, remote port), from ``/proc/net/tcp``."""
    out = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as fh:
                rows = fh.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cols = row.split()
            local, remote, inode = cols[1], cols[2], cols[9]
            out[f"socket:[{inode}]"] = (int(local.rsplit(":", 1)[1], 16), int(remote.rsplit(":", 1)[1], 16))
    return out


def _idle_pooled_ports() -> set[int]:
    """Local ports of the idle keep-alive connections in LiteLLM's cached sync httpx client.

    An idle pooled connection is reuse, not a leak (a stream the provider stops reading at
    ``[DONE]`` is closed, so the next call may pool a fresh connection); a connection still
    checked out of the pool after the call is a leak, and stays counted.
    """
    from litellm.llms.custom_httpx.http_handler import _get_httpx_client

    pool = getattr(_get_httpx_client().client._transport, "_pool", None)
    ports = set()
    for conn in getattr(pool, "connections", ()):
        if not conn.is_idle():
            continue
        stream = getattr(getattr(conn, "_connection", None), "_network_stream", None)
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is not None:
            ports.add(sock.getsockname()[1])
    return ports


def _idle_async_pooled_ports() -> set[int]:
    """Local ports of the idle keep-alive connections in LiteLLM's async client for this loop.

    The async path uses LiteLLM's aiohttp transport; a stream read to its end (an in-band error
    event, say) hands its connection back to aiohttp's pool, which is reuse, not a leak.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return set()
    from litellm.llms.custom_httpx.http_handler import get_async_httpx_client

    session = getattr(get_async_httpx_client(llm_provider="kilo").client._transport, "client", None)
    connector = getattr(session, "connector", None)
    ports = set()
    for idle in getattr(connector, "_conns", {}).values():
        for proto, *_ in idle:
            transport = getattr(proto, "transport", None)
            sock = transport.get_extra_info("socket") if transport is not None else None
            if sock is not None:
                ports.add(sock.getsockname()[1])
    return ports


def _not_pooled(sockets: set[str]) -> set[str]:
    if not sockets:
        return sockets
    idle = _idle_pooled_ports() | _idle_async_pooled_ports()
    ports = _tcp_ports_by_inode()
    return {s for s in sockets if not (idle & set(ports.get(s, ())))}


def _is_emulator_or_litellm_pool(thread: threading.Thread) -> bool:
    return (
        thread.name == "kilo-emulator"
        or "process_request_thread" in thread.name
        or thread.name.startswith(("litellm-logging", "asyncio_", "AnyIO worker thread"))
    )


def client_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if not _is_emulator_or_litellm_pool(t)}


def _tasks() -> set[asyncio.Task]:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return set()
    return {
        t
        for t in asyncio.all_tasks()
        if t is not asyncio.current_task() and "LoggingWorker" not in getattr(t.get_coro(), "__qualname__", "")
    }


@dataclass
class Snapshot:
    sockets: set[str] = field(default_factory=socket_inodes)
    threads: set[threading.Thread] = field(default_factory=client_threads)
    tasks: set[asyncio.Task] = field(default_factory=_tasks)

    def new_since(self, base: Snapshot) -> dict[str, set]:
        leftovers = {
            "sockets": _not_pooled(self.sockets - base.sockets),
            "threads": {t for t in self.threads - base.threads if t.is_alive()},
            "tasks": {t for t in self.tasks - base.tasks if not t.done()},
        }
        return {k: v for k, v in leftovers.items() if v}


def assert_nothing_left(base: Snapshot) -> None:
    """Synchronous callers: wait for sockets and threads to settle, then compare."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while (left := Snapshot().new_since(base)) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not left, f"left open after the call: {left}"


async def assert_nothing_left_async(base: Snapshot) -> None:
    """Inside an event loop: also lets pending tasks run to completion while waiting."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while (left := Snapshot().new_since(base)) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert not left, f"left open after the call: {left}"
