"""Kilo Gateway as a LiteLLM provider: ``import kilo_litellm`` and call ``kilo/<model>``.

Importing registers the ``kilo`` provider in ``litellm.custom_provider_map``, the catalog's models
with ``litellm.register_model`` and one ``LoopProbe`` in ``litellm.callbacks`` (so async streams
can fail at the call); all three are idempotent. Nothing is fetched at import:
:func:`refresh_models` replaces the bundled catalog with the gateway's live ``/models`` list.

The public names, where users, the README and configs name them (``tests/test_architecture.py``
checks that each resolves):

* ``kilo_litellm.kilo_llm``: the handler instance a proxy config names
  (``custom_provider_map: [{provider: kilo, custom_handler: kilo_litellm.kilo_llm}]``);
* ``kilo_litellm.free_router``, ``kilo_litellm.refresh_models``,
  ``kilo_litellm.refresh_embedding_models``, ``kilo_litellm.register``, ``kilo_litellm.KiloLLM``,
  ``kilo_litellm.__version__``;
* ``kilo_litellm.free_budget.guard``: the budget guard a proxy config names in ``callbacks``
  (an instance of ``kilo_litellm.free_budget.FreeBudget``);
* ``kilo_litellm.proxy.capabilities.capability_filter``: the free chain's deployment filter a proxy
  config names in ``callbacks``;
* ``kilo_litellm.emulator.GatewayEmulator``, ``kilo_litellm.emulator.Reply`` and
  ``kilo_litellm.emulator.gateway_model``: the local gateway and its ``/models`` entries;
* ``python -m kilo_litellm`` and the ``kilo-litellm`` script (``kilo_litellm.cli:main``), and
  ``python -m kilo_litellm.emulator``.

The code is layered by concern, each layer importing only those below it: ``config`` (settings,
URLs, the stored sign-in) < ``account`` (Kilo's device sign-in and profile) < ``models`` (catalog,
``/models``) < ``provider`` (the ``CustomLLM``) < ``proxy`` (Router, proxy config, cooldowns, budget
guard) < ``emulator`` < ``cli``.
"""

from __future__ import annotations

import itertools
import os
import sys
from pathlib import Path


def _running_as_cli() -> bool:
    """``kilo-litellm``, ``python -m kilo_litellm`` or ``python -m kilo_litellm.emulator``: the command
    needs only LiteLLM's bundled cost map.

    LiteLLM fetches its remote cost map at import and retries in a background thread, which offline
    delays the command's exit and prints warnings; LiteLLM skips that for its own CLI the same way.
    """
    argv = getattr(sys, "orig_argv", sys.argv)
    return Path(sys.argv[0]).stem == "kilo-litellm" or any(
        a == "-m" and b in (__name__, f"{__name__}.emulator") for a, b in itertools.pairwise(argv)
    )


if _running_as_cli():
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import litellm  # noqa: E402

from kilo_litellm.config.settings import DEFAULT_API_BASE, PROVIDER  # noqa: E402
from kilo_litellm.models import catalog  # noqa: E402
from kilo_litellm.models.discovery import refresh_models  # noqa: E402
from kilo_litellm.provider import caller_loop, embeddings, quiet_refusals  # noqa: E402
from kilo_litellm.provider.embeddings import refresh_embedding_models  # noqa: E402
from kilo_litellm.provider.handler import KiloLLM  # noqa: E402
from kilo_litellm.proxy.router import free_router  # noqa: E402

__version__ = "0.2.0"

kilo_llm = KiloLLM()


def register(handler: KiloLLM | None = None) -> KiloLLM:
    """Make ``kilo/...`` models callable through LiteLLM; calling it again changes nothing.

    If the map already has a ``kilo`` entry (for instance from a proxy config), that entry is kept
    and returned, so a config's handler always wins.
    """
    for item in litellm.custom_provider_map:
        if item.get("provider") == PROVIDER and isinstance(item.get("custom_handler"), KiloLLM):
            handler = item["custom_handler"]
            break
    else:
        handler = handler or kilo_llm
        litellm.custom_provider_map.append({"provider": PROVIDER, "custom_handler": handler})
    litellm.utils.custom_llm_setup()
    caller_loop.install()
    quiet_refusals.install()
    litellm.register_model(catalog.model_cost_map())
    litellm.register_model(embeddings.model_cost_map())
    return handler


register()

__all__ = [
    "DEFAULT_API_BASE",
    "PROVIDER",
    "KiloLLM",
    "__version__",
    "free_router",
    "kilo_llm",
    "refresh_embedding_models",
    "refresh_models",
    "register",
]
