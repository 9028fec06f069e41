"""A local Kilo Gateway for tests, the demo and users' own offline tests: ``GatewayEmulator``.

A real HTTP server on 127.0.0.1 that answers with the gateway's recorded bytes (``recordings/``),
in today's shape or February 2026's, and can be scripted to refuse, cut or delay. ``server`` is the
emulator, ``chains`` what free chains meet (models that differ in ``/models``, streams cut mid-way,
prefills), ``policy_errors`` the refusals of an account, organisation or abuse policy (to script), ``foreground`` the
``kilo-litellm emulator`` / ``python -m kilo_litellm.emulator`` command.
"""

from kilo_litellm.emulator.chains import gateway_model
from kilo_litellm.emulator.policy_errors import *  # noqa: F403
from kilo_litellm.emulator.server import *  # noqa: F403
from kilo_litellm.emulator.server import GatewayEmulator, Reply

__all__ = ["GatewayEmulator", "Reply", "gateway_model"]
