"""Shared fixtures: one local gateway emulator per session, a clean Kilo environment per test."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
# The tests never read or write the sign-in of the user running them (``kilo-litellm login``): an
# empty folder of their own for the 0600 file, and keyring's documented "no keyring" backend.
os.environ["KILO_LITELLM_CONFIG_DIR"] = tempfile.mkdtemp(prefix="kilo-litellm-tests-config-")
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"

import pytest

import kilo_litellm  # noqa: F401  (registers the provider)
from kilo_litellm.emulator import GatewayEmulator

MESSAGES = [{"role": "user", "content": "hello"}]

# ``-m "not slow"``: the day-to-day subset. Slow are the tests that start a process (the real proxy,
# the CLI, an agent, a nested pytest or pip), wait out timeouts on purpose, or run load.
SLOW_MODULES = (
    "test_proxy.py",
    "test_proxy_clients.py",
    "test_agents.py",
    "test_load.py",
    "test_faults.py",
    "test_signin_cli.py",
    "test_signin_proxy.py",
)
SLOW_MODULE_PREFIXES = ("test_replicas",)
SLOW_FIXTURES = frozenset({"proxy", "keyless_proxy", "proxied", "run", "start_emulator", "redis_server"})
SLOW_TESTS = frozenset(
    {
        "test_live_suite_smoke",
        "test_set_up_and_run",
        "test_committed_proxy_config_is_what_the_command_writes",
        "test_the_live_suite_is_skipped_unless_asked_for_and_collects",
        "test_the_installed_command_prints_the_report_without_the_key",
        "test_refresh_snapshot_script_writes_the_gateway_list",
        "test_import_fetches_nothing",
        "test_kilo_keep_alives_forever_end_in_a_timeout",
        "test_a_router_waits_as_long_as_retry_after_says",
        "test_thinking_through_the_messages_bridge_keeps_its_budget",
        "test_python_block_runs_as_pasted",
        "test_install_from_a_wheel",
        "test_redis_starts_stops_and_restarts_on_the_same_port",
        "test_python_m_emulator_accepts_only_the_keys_it_is_given",
        "test_the_images_healthcheck_passes_on_the_running_proxy_and_fails_once_it_stops",
        "test_the_image_builds_starts_as_a_user_and_answers_liveliness",
        "test_proxy_config_free_budget_adds_the_guard_as_a_litellm_callback",
        "test_python_m_entry_points_answer_help",
        "test_the_import_linter_contracts_in_pyproject_are_kept",
        "test_docs_site_builds_strictly",
        "test_fail_recipe_runs_end_to_end",
        "test_test_commands",
    }
)


def _slow(item: pytest.Item) -> bool:
    module = item.path.name
    return (
        module in SLOW_MODULES
        or module.startswith(SLOW_MODULE_PREFIXES)
        or bool(SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())))
        or getattr(item, "originalname", item.name) in SLOW_TESTS
    )


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _slow(item):
            item.add_marker(pytest.mark.slow)


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
    litellm.register_model(catalog.model_cost_map())


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
