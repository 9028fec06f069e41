"""Shared fixtures: one local gateway emulator per session, a clean Kilo environment per test."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
# The tests never read or write the sign-in of the user running them (``kilo-litellm login``): an
# empty folder of their own for the 0600 file, and keyring's documented "no keyring" backend.
os.environ["KILO_LITELLM_CONFIG_DIR"] = tempfile.mkdtemp(prefix="kilo-litellm-tests-config-")
# Nor the model list the gateway served them (``kilo-litellm models``, ``refresh_models``): a cache
# folder of their own, which the processes they start inherit.
os.environ["KILO_LITELLM_CACHE_DIR"] = tempfile.mkdtemp(prefix="kilo-litellm-tests-cache-")
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"

import pytest
from processes import CEILING, PROCESS_FIXTURES, starts_a_process

import kilo_litellm  # noqa: F401  (registers the provider)
from kilo_litellm.emulator import GatewayEmulator

MESSAGES = [{"role": "user", "content": "hello"}]


def user_env() -> dict[str, str]:
    """The environment for a process the tests start as a user would: no ``KILO_*`` setting of the
    caller's, but the tests' own config and cache folders (``KILO_LITELLM_*``, set above)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("KILO_") or k.startswith("KILO_LITELLM_")}


def pytest_collection_modifyitems(config, items):
    """``-m "not slow"`` is the day-to-day subset. Slow are the tests that start a process (the real
    proxy, the CLI, an agent, a nested pytest or pip), wait out timeouts on purpose or run load: each
    module, test or fixture says so where it is defined (``pytestmark``, ``@pytest.mark.slow``,
    ``@starts_a_process``). A slow test waits on processes, so its bound is theirs
    (``processes.CEILING``) unless it sets its own."""
    for item in items:
        if PROCESS_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
        if item.get_closest_marker("slow") and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(CEILING))


def _litellm_version() -> tuple[int, ...]:
    from importlib.metadata import version

    return tuple(int(p) for p in version("litellm").split(".")[:3] if p.isdigit())


# litellm.completion_cost(response) honours a provider-reported usage.cost from 1.110; older
# versions price from the model map only (the provider's _hidden_params["response_cost"] is right in all).
COMPLETION_COST_USES_USAGE_COST = _litellm_version() >= (1, 110)

# LiteLLM has PaymentRequiredError from about 1.101; before that a 402 is a BadRequestError.
import litellm  # noqa: E402

PAYMENT_REQUIRED = getattr(litellm, "PaymentRequiredError", litellm.BadRequestError)


async def call_litellm(is_async: bool, stream: bool, **kwargs):
    """One call the way a user makes it; returns (text, usage, chunks)."""
    kwargs = {"messages": MESSAGES, "stream": stream, **kwargs}
    if stream:
        kwargs["stream_options"] = {"include_usage": True}
    if is_async:
        resp = await litellm.acompletion(**kwargs)
        chunks = [c async for c in resp] if stream else None
    else:
        resp = litellm.completion(**kwargs)
        chunks = list(resp) if stream else None
    if stream:
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        usage = next(c.usage for c in reversed(chunks) if getattr(c, "usage", None))
        return text, usage, chunks
    return resp.choices[0].message.content, resp.usage, None


@pytest.fixture
def bundled_catalog_afterwards():
    """For tests that install a refreshed catalog: the bundled one is back afterwards."""
    from kilo_litellm.models import catalog

    yield
    catalog.install(None)


@pytest.fixture(scope="session")
def gateway():
    with GatewayEmulator() as emulator:
        yield emulator


@pytest.fixture(scope="module")
def emulator():
    """An emulator of its own for one test module (a proxy in front of it sees only that module's requests)."""
    with GatewayEmulator() as gw:
        yield gw


def _clean(emulator: GatewayEmulator, monkeypatch):
    """``emulator`` with an empty script and request log, and no KILO_* variables set."""
    for name in ("KILO_API_KEY", "KILO_API_BASE", "KILO_ORG_ID"):
        monkeypatch.delenv(name, raising=False)
    emulator.reset()
    yield emulator
    emulator.reset()


@pytest.fixture
def gw(gateway, monkeypatch):
    """The gateway emulator with an empty script and request log, and no KILO_* variables set."""
    yield from _clean(gateway, monkeypatch)


@starts_a_process
@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    """A real ``redis-server`` for the module (see ``redis_server.py``; ``.ci/run`` installs it)."""
    from redis_server import RedisMissingError, running_redis

    try:
        with running_redis(tmp_path_factory.mktemp("redis")) as server:
            yield server
    except RedisMissingError as exc:
        pytest.fail(str(exc))


@pytest.fixture
def sleeps(monkeypatch):
    """Every backoff LiteLLM's router would sleep, sync or async (the sleep itself still happens)."""
    from litellm.router_python_host import PythonHost

    seen: list[float] = []
    original_async, original_sync = PythonHost.sleep, PythonHost.sleep_sync

    def record_async(self, seconds):
        seen.append(seconds)
        return original_async(self, seconds)

    def record_sync(self, seconds):
        seen.append(seconds)
        return original_sync(self, seconds)

    monkeypatch.setattr(PythonHost, "sleep", record_async)
    monkeypatch.setattr(PythonHost, "sleep_sync", record_sync)
    return seen
