"""Whether a planned call may be sent: the provider's refusals, before anything goes out (pure).

The gateway validates little of a request and passes the rest upstream, where a mistake comes back
as an opaque error or is billed; and it refuses a few calls only after a round trip. So a planned
:class:`~kilo_litellm.provider.planning.Call` is refused here, in this order, with the
``litellm`` exception the gateway's own answer would map to:

1. input the route's endpoint would pass on unchecked (a bad ``max_tokens``, messages that are
   not messages, more than one fill-in-the-middle prompt, an empty embedding input), or a chat
   model asked for embeddings: ``litellm.BadRequestError``;
2. on a free-chain deployment (``model_info.kilo_capability_checks``), a member the gateway no
   longer serves (``litellm.NotFoundError``, so the Router's walk moves on) or a request the model
   cannot serve (:mod:`capability_check`);
3. no real key where one is needed: fill-in-the-middle always; a chat model only when a live
   ``/models`` list less than a day old prices it (:func:`catalog.key_required`: the bundled data
   never refuses, and ``kilo-auto/small`` is priced yet served keyless); an embedding model the
   embedding list names as paid: ``litellm.AuthenticationError``. Anything else is sent, and the
   gateway's 401 ``PAID_MODEL_AUTH_REQUIRED`` says whether it wants a key.
"""

from __future__ import annotations

from typing import Any

from kilo_litellm.config.settings import PROVIDER
from kilo_litellm.models import catalog
from kilo_litellm.provider import capability_check, embeddings, errors, fim, routes
from kilo_litellm.provider.planning import Call


def _input_refusal(call: Call) -> Exception | None:
    problem = call.route.input_problem(inputs=call.inputs, params=call.params)
    if problem is None and call.route is routes.EMBEDDINGS and embeddings.lookup(call.model) is None:
        if catalog.lookup(call.model) is not None:
            listed = ", ".join(f"{PROVIDER}/{m.id}" for m in embeddings.known())
            problem = f"'{PROVIDER}/{call.model}' is a chat model, not an embedding model. Embedding models: {listed}."
    return errors.bad_request(call.model, problem) if problem else None


def _listed_as_paid(call: Call) -> bool:
    if call.route is routes.EMBEDDINGS:
        listed = embeddings.lookup(call.model)
        return listed is not None and not listed.free
    return call.entry is not None and catalog.key_required(call.entry)


def refusal(call: Call, *, model_info: Any = None) -> Exception | None:
    """The exception that refuses ``call``, or ``None`` when it may be sent.

    ``model_info`` is the Router deployment's (LiteLLM keeps it in the call's details), read for the
    capability checks of a free-chain deployment.
    """
    refused = _input_refusal(call)
    if refused is None and call.route is not routes.EMBEDDINGS and capability_check.enabled(model_info):
        refused = capability_check.gone(call.model) or capability_check.refusal(
            call.model, call.inputs, call.params, model_info
        )
    if refused is not None or call.settings.has_real_key:
        return refused
    if call.route.key_always:
        return fim.key_required(f"{PROVIDER}/{call.model}")
    if _listed_as_paid(call):
        return errors.auth_required(f"{PROVIDER}/{call.model}")
    return None


def admit(call: Call, *, model_info: Any = None) -> Call:
    """``call`` when it may be sent; otherwise its :func:`refusal` is raised."""
    refused = refusal(call, model_info=model_info)
    if refused is not None:
        raise refused
    return call
