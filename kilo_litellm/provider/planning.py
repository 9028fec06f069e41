"""A call's arguments → the one request it sends: route, URL, headers, body, time bound (pure).

Planning refuses nothing: what the gateway would refuse, or pass upstream unchecked, is
:mod:`admission`'s to say, after planning and before sending. So a request can be shown without
being sent (``kilo-litellm check --model`` prints the provider's own request, even for a paid
model without a key), and the handler plans, admits, then sends. The one thing planning cannot do
without is a gateway id: a bare name that is neither an alias nor a catalog id raises
``litellm.NotFoundError`` here, since there is no request to build for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kilo_litellm.config import settings
from kilo_litellm.config.settings import Settings
from kilo_litellm.models import catalog
from kilo_litellm.models.catalog import ModelEntry
from kilo_litellm.provider import errors, request, routes, timeouts
from kilo_litellm.provider.routes import Route


@dataclass(frozen=True)
class Call:
    """Everything one request needs; ``repr`` shows no key (headers are left out of it).

    ``inputs`` (the messages, or an embedding's input) and ``params`` (the call's parameters) are
    what admission reads; ``entry`` is ``None`` for embeddings, which the chat catalog does not list.
    """

    route: Route
    model: str
    entry: ModelEntry | None
    settings: Settings
    url: str
    body: dict
    headers: dict
    timeout: float
    connect: float = timeouts.CONNECT_TIMEOUT
    coalesce: bool = True
    inputs: Any = field(default=None, repr=False)
    params: Mapping[str, Any] = field(default_factory=dict, repr=False)
    chain_member: bool = False
    """Sent for a free-chain deployment (``model_info.kilo_capability_checks``): its 404
    ``model_not_found`` takes the model out of the chain (:mod:`kilo_litellm.models.serving`)."""

    def __repr__(self) -> str:
        gateway_id = self.entry.gateway_id if self.entry is not None else self.model
        return (
            f"Call({self.route.name}, model={self.model!r}, gateway_id={gateway_id!r}, url={self.url!r}, "
            f"{self.settings!r})"
        )


def _with_user(params: Mapping[str, Any], user: str | None) -> Mapping[str, Any]:
    if user and "user" not in params:
        return {**params, "user": user}
    return params


def _planned(
    route: Route,
    *,
    model: str,
    entry: ModelEntry | None,
    inputs: Any,
    params: Mapping[str, Any],
    api_key: str | None,
    api_base: str | None,
    headers: Mapping[str, Any] | None,
    timeout: Any,
    stream: bool,
) -> Call:
    conf = settings.resolve(api_key, api_base)
    bound, connect = timeouts.resolve(timeout)
    gateway_id = entry.gateway_id if entry is not None else model
    return Call(
        route=route,
        model=model,
        entry=entry,
        settings=conf,
        url=route.url(conf.api_base),
        body=route.build_body(gateway_id=gateway_id, inputs=inputs, params=params, stream=stream),
        headers=request.build_headers(settings=conf, extra=headers),
        timeout=bound,
        connect=connect,
        coalesce=settings.coalesce(params.get(settings.COALESCE_PARAM)),
        inputs=inputs,
        params=params,
    )


def completion(
    *,
    model: str,
    messages: Any,
    params: Mapping[str, Any] | None = None,
    text_completion: bool = False,
    user: str | None = None,
    api_key: str | None = None,
    api_base: str | None = None,
    headers: Mapping[str, Any] | None = None,
    timeout: Any = None,
    stream: bool,
) -> Call:
    """The request of one ``completion``: chat, or fill-in-the-middle for a ``text_completion`` that
    asks for it (:func:`routes.for_completion`). ``user`` (LiteLLM's copy of the caller's ``user``,
    which it drops from a custom provider's params) is sent unless the params name one."""
    try:
        entry = catalog.resolve(model)
    except catalog.UnknownModelError as exc:
        raise errors.unknown_model(model, str(exc)) from None
    given = params or {}
    return _planned(
        routes.for_completion(entry, given, text_completion=text_completion),
        model=model,
        entry=entry,
        inputs=messages,
        params=_with_user(given, user),
        api_key=api_key,
        api_base=api_base,
        headers=headers,
        timeout=timeout,
        stream=stream,
    )


def embedding(
    *,
    model: str,
    inputs: Any,
    params: Mapping[str, Any] | None = None,
    api_key: str | None = None,
    api_base: str | None = None,
    timeout: Any = None,
) -> Call:
    """The request of one ``embedding``: the model id is sent as given."""
    return _planned(
        routes.EMBEDDINGS,
        model=model,
        entry=None,
        inputs=inputs,
        params=params or {},
        api_key=api_key,
        api_base=api_base,
        headers=None,
        timeout=timeout,
        stream=False,
    )
