"""Kilo Gateway as a LiteLLM provider: ``import kilo_litellm`` and call ``kilo/<model>``.

Importing registers the ``kilo`` provider in ``litellm.custom_provider_map``, the catalog's models
with ``litellm.register_model`` and one ``LoopProbe`` in ``litellm.callbacks`` (so async streams
can fail at the call); all three are idempotent. Nothing is fetched at import: the catalog is the
``/models`` list an earlier refresh remembered on disk, else the bundled snapshot, until
:func:`refresh_models` fetches the gateway's live list (LiteLLM's model map follows each one).
The command line (``kilo-litellm``, ``python -m kilo_litellm``, ``python -m kilo_litellm.emulator``)
imports the package without registering, so that it starts without LiteLLM; its commands that call
a model register first (:mod:`kilo_litellm.provider.registration`). Each public name is imported
when first read.

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

import importlib
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


__version__ = "0.2.0"

_PUBLIC = {
    "DEFAULT_API_BASE": "kilo_litellm.config.settings",
    "PROVIDER": "kilo_litellm.config.settings",
    "KiloLLM": "kilo_litellm.provider.handler",
    "free_router": "kilo_litellm.proxy.router",
    "kilo_llm": "kilo_litellm.provider.registration",
    "refresh_embedding_models": "kilo_litellm.provider.embeddings",
    "refresh_models": "kilo_litellm.models.discovery",
    "register": "kilo_litellm.provider.registration",
}
"""Each public name and the module that defines it, imported when the name is first read."""


def __getattr__(name: str):
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC})


if _running_as_cli():
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
else:
    importlib.import_module("kilo_litellm.provider.registration").register()

__all__ = ["__version__", *_PUBLIC]
