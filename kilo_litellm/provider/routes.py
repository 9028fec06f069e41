"""The gateway's three endpoints the provider calls, each one small object (pure).

A :class:`Route` says everything that differs between ``POST /chat/completions``,
``POST /fim/completions`` (:mod:`fim`) and ``POST /embeddings`` (:mod:`embeddings`): its path, what
is wrong with a call's input before anything is sent, the body, how an answer becomes LiteLLM's
response object, which stream reader its events go to, and whether it needs a key for free models
too. Planning, admission and sending read the route of a call instead of asking which endpoint it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kilo_litellm.config import urls
from kilo_litellm.models.catalog import ModelEntry
from kilo_litellm.provider import embeddings, errors, fim, request, response
from kilo_litellm.provider.stream import StreamConverter


@dataclass(frozen=True)
class Route:
    """One gateway endpoint: ``path`` under the base URL, and the pure steps of a call to it.

    ``input_problem(inputs=, params=)`` says what the gateway would pass upstream unchecked (or
    answer opaquely), ``build_body(gateway_id=, inputs=, params=, stream=)`` is the JSON sent,
    ``read(out, data, model=, entry=)`` fills LiteLLM's response object from a 200 body, and
    ``converter`` reads its stream's events (``None``: it does not stream). ``key_always`` is set
    where the gateway serves no caller without a key.
    """

    name: str
    path: str
    input_problem: Callable[..., str | None]
    build_body: Callable[..., dict]
    read: Callable[..., Any]
    converter: type[StreamConverter] | None = None
    key_always: bool = False
    endpoint: Callable[[str], str] | None = None

    def __repr__(self) -> str:
        return f"Route({self.name!r}, {self.path!r})"

    def url(self, api_base: str) -> str:
        """Where a call goes: ``endpoint(api_base)`` where the route has its own rule, else ``{api_base}/{path}``."""
        return self.endpoint(api_base) if self.endpoint is not None else urls.endpoint(api_base, self.path)


def _read_embeddings(out: Any, data: Any, *, model: str, entry: ModelEntry | None) -> Any:
    try:
        return embeddings.fill(out, data, model)
    except ValueError as exc:
        raise errors.bad_response(model, str(exc)[:300]) from None


CHAT = Route(
    name="chat",
    path="chat/completions",
    input_problem=lambda *, inputs, params: request.input_problem(messages=inputs, params=params),
    build_body=lambda *, gateway_id, inputs, params, stream: request.build_body(
        gateway_id=gateway_id, messages=inputs, params=params, stream=stream
    ),
    read=response.fill,
    converter=StreamConverter,
)
FIM = Route(
    name="fill-in-the-middle",
    path=fim.ROUTE,
    input_problem=lambda *, inputs, params: fim.input_problem(messages=inputs, params=params),
    build_body=lambda *, gateway_id, inputs, params, stream: fim.build_body(
        gateway_id=gateway_id, messages=inputs, params=params, stream=stream
    ),
    read=fim.fill,
    converter=fim.StreamConverter,
    key_always=True,
    endpoint=fim.url,
)
EMBEDDINGS = Route(
    name="embeddings",
    path="embeddings",
    input_problem=lambda *, inputs, params: embeddings.input_problem(inputs=inputs),
    build_body=lambda *, gateway_id, inputs, params, stream: embeddings.build_body(
        model_id=gateway_id, inputs=inputs, params=params
    ),
    read=_read_embeddings,
)


def for_completion(entry: ModelEntry, params: Mapping[str, Any], *, text_completion: bool) -> Route:
    """A ``text_completion`` with a ``suffix``, or on a model the gateway serves FIM for, goes to
    :data:`FIM`; every other completion is :data:`CHAT`."""
    if text_completion and (params.get("suffix") is not None or entry.supports_fim):
        return FIM
    return CHAT
