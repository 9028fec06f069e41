"""The processes the tests start (a proxy, Redis, the CLI, an emulator): how long they may take, and the slow mark.

A process's start follows the machine: on 2 cores at a load average of 10, ``import litellm`` alone
takes over 20 s and a proxy more than 120 s. So a start is a wait for readiness while the process
is alive, up to :data:`CEILING`, and a subprocess run has the same ceiling: a bound that catches a
hang, not a speed check. The behaviour a test checks keeps its own bound (pytest-timeout's
``timeout``, which counts the test function only, not the fixtures that start its processes).

A fixture that starts a process says so where it is defined (``@starts_a_process``); every test
that uses it, directly or through another fixture, is marked ``slow`` (``tests/conftest.py``).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from typing import TypeVar

CEILING = 600.0
"""Seconds a process may take to start, or a subprocess to run, on a busy machine."""

PROCESS_FIXTURES: set[str] = set()
"""The names of the fixtures that start a process (``@starts_a_process``)."""

F = TypeVar("F")


def starts_a_process(fixture: F) -> F:
    """Mark every test that uses ``fixture`` (a ``@pytest.fixture``, decorated below this) ``slow``."""
    PROCESS_FIXTURES.add(getattr(fixture, "name", None) or fixture.__name__)
    return fixture


class NotReadyError(RuntimeError):
    """The process exited before it was ready, or was not ready within :data:`CEILING`."""


def wait_until_ready(
    process: subprocess.Popen, ready: Callable[[], bool], *, what: str, log: Callable[[], str]
) -> float:
    """Poll ``ready()`` while ``process`` runs; the seconds it took. Raises :class:`NotReadyError`
    with the end of ``log()`` when the process exits first or :data:`CEILING` passes."""
    start = time.monotonic()
    while True:
        if process.poll() is not None:
            raise NotReadyError(f"{what} exited with {process.returncode}:\n{log()[-3000:]}")
        if ready():
            return time.monotonic() - start
        if time.monotonic() - start > CEILING:
            raise NotReadyError(f"{what} was not ready in {CEILING:.0f} s:\n{log()[-3000:]}")
        time.sleep(0.1)
