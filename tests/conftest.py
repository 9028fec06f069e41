"""Shared fixtures: one local gateway emulator per session, a clean Kilo environment per test."""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import pytest

import kilo_litellm  # noqa: F401  (registers the provider)
from kilo_litellm.emulator import GatewayEmulator

MESSAGES = [{"role": "user", "content": "hello"}]


def _litellm_version() -> tuple[int, ...]:
    from importlib.metadata import version

    return tuple(int(p) for p in version("litellm").split(".")[:3] if p.isdigit())


# litellm.completion_cost(response) honours a provider-reported usage.cost from 1.110; older
# versions price from the model map only (the provider's _hidden_params["response_cost"] is right in all).
COMPLETION_COST_USES_USAGE_COST = _litellm_version() >= (1, 110)

# LiteLLM has PaymentRequiredError from about 1.101; before that a 402 is a BadRequestError.
import litellm  # noqa: E402

PAYMENT_REQUIRED = getattr(litellm, "PaymentRequiredError", litellm.BadRequestError)


@pytest.fixture(scope="session")
def gateway():
    with GatewayEmulator() as emulator:
        yield emulator


@pytest.fixture(scope="module")
def emulator():
    """An emulator of its own for one test module (a proxy in front of it sees only that module's requests)."""
    with GatewayEmulator() as gw:
        yield gw


@pytest.fixture(scope="session")
def february_gateway():
    with GatewayEmulator(mode="february") as emulator:
        yield emulator


def _clean(emulator: GatewayEmulator, monkeypatch):
    """``emulator`` with an empty script and request log, and no KILO_* variables set."""
    for name in ("KILO_API_KEY", "KILO_API_BASE", "KILO_ORG_ID"):
        monkeypatch.delenv(name, raising=False)
    emulator.reset()
    yield emulator
    emulator.reset()


@pytest.fixture
def february(february_gateway, monkeypatch):
    """An emulator of the gateway of February 2026 (seed free models served), reset like ``gw``."""
    yield from _clean(february_gateway, monkeypatch)


@pytest.fixture
def gw(gateway, monkeypatch):
    """Today's gateway emulator with an empty script and request log, and no KILO_* variables set."""
    yield from _clean(gateway, monkeypatch)
