"""What ``import kilo_litellm`` does to LiteLLM: the ``kilo`` provider, its models and the loop probe.

:func:`register` puts the handler in ``litellm.custom_provider_map``, the catalog's models and the
embedding models in LiteLLM's model map (``litellm.register_model``, through
:func:`litellm_internals.register_models`), and one ``LoopProbe`` in
``litellm.callbacks`` (:mod:`caller_loop`); from then on every catalog :func:`refresh_models`
installs is registered too. The command line imports the package without this (it starts without
LiteLLM) and calls it only for the commands that call a model through LiteLLM.
"""

from __future__ import annotations

import litellm

from kilo_litellm.config.settings import PROVIDER
from kilo_litellm.models import catalog
from kilo_litellm.models.catalog import Catalog
from kilo_litellm.provider import caller_loop, embeddings, litellm_internals, quiet_refusals
from kilo_litellm.provider.handler import KiloLLM

kilo_llm = KiloLLM()
"""The handler instance a proxy config names (``custom_handler: kilo_litellm.kilo_llm``)."""


def _register_models(found: Catalog) -> None:
    litellm_internals.register_models(catalog.model_cost_map(found))


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
    catalog.on_install(_register_models)
    _register_models(catalog.active())
    litellm_internals.register_models(embeddings.model_cost_map())
    return handler
