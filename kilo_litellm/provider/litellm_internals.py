"""Every LiteLLM (and httpx) internal the provider relies on, in one place to read at a LiteLLM upgrade.

A ``CustomLLM`` gets its arguments through LiteLLM's public interface, but a few things it needs
are only reachable through LiteLLM's internals; each is read here and nowhere else in the provider,
and each function names the behaviour it relies on (LiteLLM 1.110; the behaviours are listed in
``docs/litellm-assumptions.md``). A LiteLLM that changes one of them breaks one function here,
and the tests that exercise it, instead of several modules.

* **HTTP clients**: LiteLLM's cached httpx handlers (``_get_httpx_client``,
  ``get_async_httpx_client`` scoped to the running event loop) and their ``.client``; on async
  calls, ``LiteLLMAiohttpTransport`` behind the httpx client (httpx's private ``_transport``) and
  its aiohttp session (:func:`aiohttp_session`).
* **The call's logging object**: ``logging_obj.model_call_details`` carries what LiteLLM drops
  from a custom provider's arguments (``user``, the ``litellm_params`` with ``text_completion``
  and a Router deployment's ``model_info``); ``logging_obj.pre_call`` logs the request.
* **Errors**: the class LiteLLM gives a custom provider's HTTP status (:func:`status_class`), and
  the attribute it reads an exception's response headers from (:func:`keep_response_headers`).
* **httpcore's trace extension**: the event names :mod:`resend` reads to tell a reused connection
  that closed before answering (:data:`TRACE_CONNECT`, ...).
* **Response bookkeeping**: ``_hidden_params`` of a response (``response_cost``,
  ``custom_llm_provider``, ...), which LiteLLM's cost callbacks and the proxy read.
* **Timeouts**: the values LiteLLM passes when the caller chose none (``litellm.constants``,
  ``litellm.request_timeout`` and ``request_timeout_explicitly_set``).
* **The caller's conversation**: ``provider_affinity.get_caller_session_id`` where it exists.
* **The proxy**: ``litellm.proxy.proxy_server.llm_router`` says a proxy is serving.
* **The model map**: ``register_model``'s case-insensitive index of every model name
  (``utils._model_cost_lowercase_map``), kept built while a catalog registers (:func:`register_models`).

One more is used where it lives, since it is a public hook used for its timing: LiteLLM awaits
every ``litellm.callbacks`` logger's ``async_pre_call_deployment_hook`` on the caller's event loop
before it runs a custom provider's ``astreaming`` in a worker thread (:mod:`caller_loop`).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Mapping
from typing import Any

import httpx
import litellm
from litellm import constants as litellm_constants
from litellm.llms.custom_httpx.http_handler import (
    AsyncHTTPHandler,
    HTTPHandler,
    _get_httpx_client,
    get_async_httpx_client,
)

from kilo_litellm.config.settings import PROVIDER

# -- HTTP clients ------------------------------------------------------------------------------------


def sync_client(client: Any, own: httpx.Client | None) -> httpx.Client:
    """The httpx client of one call: the caller's (an httpx client or LiteLLM ``HTTPHandler``), else
    the provider's own, else LiteLLM's cached one (pooled, with LiteLLM's proxy and SSL settings)."""
    if isinstance(client, httpx.Client):
        return client
    if isinstance(client, HTTPHandler):
        return client.client
    return own or _get_httpx_client().client


def async_client(client: Any, own: httpx.AsyncClient | None) -> httpx.AsyncClient:
    """The async twin of :func:`sync_client`; LiteLLM caches its client per running event loop."""
    if isinstance(client, httpx.AsyncClient):
        return client
    if isinstance(client, AsyncHTTPHandler):
        return client.client
    return own or get_async_httpx_client(llm_provider=PROVIDER).client


def aiohttp_session(http: httpx.AsyncClient) -> Any:
    """The aiohttp ``ClientSession`` behind ``http`` when LiteLLM's aiohttp transport sends its
    requests (LiteLLM's default for async calls), else ``None``."""
    try:
        from litellm.llms.custom_httpx.aiohttp_transport import LiteLLMAiohttpTransport
    except ImportError:
        return None
    transport = getattr(http, "_transport", None)
    if not isinstance(transport, LiteLLMAiohttpTransport):
        return None
    return transport.get_valid_client_session()


# -- the call's logging object ----------------------------------------------------------------------


def call_details(logging_obj: Any) -> Mapping[str, Any]:
    """``logging_obj.model_call_details``: what LiteLLM knows of the call (empty without one)."""
    details = getattr(logging_obj, "model_call_details", None)
    return details if isinstance(details, Mapping) else {}


def _get(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, Mapping) else getattr(value, key, None)


def is_text_completion(details: Mapping[str, Any]) -> bool:
    """Whether the call came from ``litellm.text_completion`` (``litellm_params["text_completion"]``)."""
    return _get(details.get("litellm_params"), "text_completion") is True


def caller_user(details: Mapping[str, Any]) -> str | None:
    """The call's ``user``: LiteLLM drops it from a custom provider's params unless the caller allows
    it, but keeps it in the call's details."""
    user = details.get("user")
    return user if isinstance(user, str) and user else None


def deployment_info(details: Mapping[str, Any]) -> Any:
    """The Router deployment's ``model_info``, kept in the call's ``litellm_params``."""
    return _get(details.get("litellm_params"), "model_info")


def log_pre_call(logging_obj: Any, *, inputs: Any, redacted_key: str, body: dict, url: str) -> None:
    """LiteLLM's pre-call log of the request: its body and URL, the key redacted, no headers."""
    if logging_obj is not None:
        logging_obj.pre_call(
            input=inputs, api_key=redacted_key, additional_args={"complete_input_dict": body, "api_base": url}
        )


# -- errors ----------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def status_class(status: int) -> type[Exception] | None:
    """The ``litellm`` class LiteLLM itself gives a custom provider's error of this HTTP status, or
    ``None`` when this LiteLLM has no such mapping.

    For a provider it has no mapping of its own for, LiteLLM maps an exception with a
    ``status_code`` by status alone (``exception_mapping_utils._map_exception_by_status``): 401
    ``AuthenticationError``, 402 ``PaymentRequiredError``, 403 ``PermissionDeniedError``, 404
    ``NotFoundError``, 408 and 504 ``Timeout``, 429 ``RateLimitError``, 500 ``InternalServerError``,
    502 ``BadGatewayError``, 503 ``ServiceUnavailableError``, any other 4xx ``BadRequestError``, any
    other 5xx ``APIError``. It is asked once per status, with a ``CustomLLMError`` as a provider
    would raise it, and its answer kept.
    """
    try:
        from litellm.litellm_core_utils.exception_mapping_utils import _map_exception_by_status
        from litellm.llms.custom_llm import CustomLLMError
    except ImportError:
        return None
    try:
        _map_exception_by_status(
            model=PROVIDER,
            original_exception=CustomLLMError(status, ""),
            custom_llm_provider=PROVIDER,
            error_str="",
            exception_provider=PROVIDER,
            extra_information="",
        )
    except Exception as mapped:
        return type(mapped)
    return None


def keep_response_headers(exc: Exception, headers: httpx.Headers) -> None:
    """Put the gateway's retry hints where LiteLLM reads them on an exception: besides
    ``exc.response.headers``, ``litellm_response_headers`` (a Router's cooldown and retry sleep)."""
    exc.litellm_response_headers = headers  # type: ignore[attr-defined]


# -- httpcore's trace extension ---------------------------------------------------------------------

TRACE_CONNECT = "connection.connect_tcp."
"""The prefix of the events of opening a new connection: an attempt that has one did not reuse."""
TRACE_SEND_HEADERS = "http11.send_request_headers.started"
"""Sending began; without a connect event before it, on a pooled connection."""
TRACE_HEADERS_FAILED = "http11.receive_response_headers.failed"
"""The wait for the status line failed."""
NO_RESPONSE = "without sending a response"
"""httpcore's ``RemoteProtocolError`` text for a server that closed before any status line."""


# -- response bookkeeping ----------------------------------------------------------------------------


def hidden_params(response: Any) -> dict[str, Any]:
    """A response's ``_hidden_params``, which LiteLLM's cost callbacks and the proxy read
    (``response_cost``, ``custom_llm_provider``, the upstream's model and provider)."""
    return response._hidden_params


def record_reported_cost(response: Any, cost: float) -> None:
    """A cost the provider knows, where LiteLLM's cost calculator looks before its price map
    (``set_response_cost_in_hidden_params``: ``additional_headers``), so LiteLLM also writes its cost
    breakdown, as for its built-in providers that report a cost."""
    from litellm.litellm_core_utils.core_helpers import set_response_cost_in_hidden_params

    set_response_cost_in_hidden_params(response, cost)


# -- timeouts ----------------------------------------------------------------------------------------

COMPLETION_FALLBACK = float(getattr(litellm_constants, "COMPLETION_HTTP_FALLBACK_SECONDS", 600.0))
"""What ``litellm.completion`` passes as ``timeout`` when the caller chose none."""
REQUEST_TIMEOUT_DEFAULT = float(getattr(litellm_constants, "DEFAULT_REQUEST_TIMEOUT_SECONDS", 6000.0))
"""``litellm.request_timeout`` while nobody set it, which a ``Router`` (and so the proxy) passes."""


def unset_timeouts() -> frozenset[float]:
    """The ``timeout`` values that mean "the caller chose none"; none once ``litellm.request_timeout`` was set."""
    explicit = getattr(litellm, "request_timeout_explicitly_set", False)
    if explicit or float(litellm.request_timeout) != REQUEST_TIMEOUT_DEFAULT:
        return frozenset()
    return frozenset({COMPLETION_FALLBACK, REQUEST_TIMEOUT_DEFAULT})


# -- the caller's conversation -----------------------------------------------------------------------

try:
    from litellm.litellm_core_utils.provider_affinity import get_caller_session_id as session_id_reader
except ImportError:  # LiteLLM before provider affinity (< 1.110)
    session_id_reader = None


# -- the model map ---------------------------------------------------------------------------------


def register_models(entries: Mapping[str, Mapping[str, Any]]) -> None:
    """``litellm.register_model(entries)`` for ``kilo/...`` entries: the same model map, built in a
    fraction of the time.

    For each name, LiteLLM 1.110's ``register_model`` looks the name up (``get_model_info``) to find
    the built-in entry it inherits flags from (``supports_pdf_input`` for a Claude id), merges and
    writes it, then drops its case-insensitive index of all ~4,900 model names
    (``utils._model_cost_lowercase_map``), which the next name's lookup rebuilds: most of the time
    ``import kilo_litellm`` spent. Here LiteLLM registers one name at a time and, after a write that
    added at most that name, gets the index back with that name added: what its rebuild would make,
    since the rebuild maps each lowercased name to the last key spelled so, and a new key is the
    last. When anything else changed the map (a reload replaced it, it grew by another key, LiteLLM
    rebuilt the index itself) LiteLLM's own rebuild is left to run. The per-provider model sets are
    filled once at the end, as ``register_model`` does after its loop. Entries of another provider,
    or a LiteLLM without that index, go through one ``register_model`` call.
    """
    utils = litellm.utils
    indexed = hasattr(utils, "_model_cost_lowercase_map") and hasattr(utils, "_rebuild_model_cost_lowercase_map")
    if not indexed or any(entry.get("litellm_provider") != PROVIDER for entry in entries.values()):
        litellm.register_model(dict(entries))
        return
    for name, entry in entries.items():
        cost = litellm.model_cost
        index = utils._model_cost_lowercase_map
        if index is None:
            index = utils._rebuild_model_cost_lowercase_map()
        size, new = len(cost), name not in cost
        litellm.register_model({name: entry}, add_to_provider_model_sets=False)
        if litellm.model_cost is not cost or utils._model_cost_lowercase_map is not None:
            continue
        if new and name in cost and len(cost) == size + 1:
            index[name.lower()] = name
        elif len(cost) != size:
            continue
        utils._model_cost_lowercase_map = index
    litellm.add_known_models(dict(entries))


# -- the proxy ---------------------------------------------------------------------------------------

PROXY_MODULE = "litellm.proxy.proxy_server"


def serving_as_proxy() -> bool:
    """Whether this process is a running LiteLLM proxy: its server module is loaded *and* has built
    its Router (importing the module alone, as LiteLLM's bridges and tests do, is not enough)."""
    server = sys.modules.get(PROXY_MODULE)
    return getattr(server, "llm_router", None) is not None
