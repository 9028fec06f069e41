"""``KiloLLM``: the LiteLLM ``CustomLLM`` for the Kilo Gateway, and the provider's only I/O edge.

LiteLLM calls one of four methods (``completion``, ``acompletion``, ``streaming``,
``astreaming``) with the model name stripped of its ``kilo/`` prefix. Each one resolves the model
and the settings, builds the request (:mod:`request`), sends it, and hands the bytes to the pure
parsers (:mod:`response`, :mod:`sse`, :mod:`stream`, :mod:`errors`).

HTTP goes through LiteLLM's cached httpx handlers (``_get_httpx_client`` and
``get_async_httpx_client``, the latter scoped to the running event loop), so connections are
pooled and proxy/SSL settings are LiteLLM's. A caller or test may inject a client: pass
``client=`` to the call (an ``httpx`` client or LiteLLM ``HTTPHandler``), or construct
``KiloLLM(client=..., aclient=...)``.

Errors are raised as ``litellm.*`` exceptions at the call wherever the gateway allows it (an HTTP
error status; without a key, a model a live ``/models`` list of the last day prices, see
:func:`catalog.key_required`; anything else is sent and the gateway's 401 ``PAID_MODEL_AUTH_REQUIRED``
says whether it wants one), as LiteLLM's own
providers do: ``streaming`` sends the request before it returns the stream, and ``astreaming`` (run
by LiteLLM in a worker thread) sends it on the caller's event loop and waits for the status line
(see :mod:`caller_loop`). So
``except litellm.RateLimitError``, ``num_retries``, ``fallbacks=`` and a Router's fallbacks see
them at ``completion``/``acompletion``, streaming or not.

A stall is bounded: the call's ``timeout`` applies to every read, a non-streaming body that has
not fully arrived within ``timeout`` (keep-alive whitespace, or bytes that never end) is ended with
``litellm.Timeout``, and so is a stream that sends only keep-alives for longer than ``timeout``
(before its first event or between two events). Without a ``timeout`` from the caller that bound is
the gateway's own 800 s and some (:mod:`timeouts`); connecting takes at most a few seconds.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import litellm
from litellm import CustomLLM
from litellm.llms.custom_httpx.http_handler import (
    AsyncHTTPHandler,
    HTTPHandler,
    _get_httpx_client,
    get_async_httpx_client,
)
from litellm.types.utils import EmbeddingResponse, ImageResponse, ModelResponse, ModelResponseStream

from kilo_litellm.config import settings, urls
from kilo_litellm.config.settings import PROVIDER, Settings
from kilo_litellm.models import catalog, retirement, serving
from kilo_litellm.models.catalog import ModelEntry
from kilo_litellm.provider import (
    caller_loop,
    capability_check,
    embeddings,
    errors,
    fim,
    request,
    resend,
    response,
    session,
    timeouts,
)
from kilo_litellm.provider.sse import SSEDecoder
from kilo_litellm.provider.stream import StreamConverter

logger = logging.getLogger("kilo_litellm")


@dataclass(frozen=True)
class Call:
    """Everything one request needs; ``repr`` shows no key (headers are left out of it)."""

    model: str
    entry: ModelEntry
    settings: Settings
    url: str
    body: dict
    headers: dict
    timeout: float
    coalesce: bool = True
    fim: bool = False
    connect: float = timeouts.CONNECT_TIMEOUT

    def __repr__(self) -> str:
        return f"Call(model={self.model!r}, gateway_id={self.entry.gateway_id!r}, url={self.url!r}, {self.settings!r})"


def prepare(
    model: str,
    messages: list,
    api_key: str | None = None,
    api_base: str | None = None,
    optional_params: dict | None = None,
    headers: dict | None = None,
    timeout: Any = None,
    logging_obj: Any = None,
    *,
    stream: bool,
) -> Call:
    """Resolve and build one call, or raise before anything is sent.

    With LiteLLM's ``logging_obj``, three more things happen. LiteLLM drops ``user`` from a custom
    provider's params unless the caller allows it, but keeps it in
    ``logging_obj.model_call_details``; it is sent from there rather than lost silently. A
    ``text_completion`` (``litellm_params["text_completion"]`` there, as in the ``litellm_params``
    LiteLLM passes the method) with a ``suffix``, or on a fill-in-the-middle model, goes to
    ``/fim/completions`` instead of ``/chat/completions`` (:mod:`fim`). And LiteLLM's pre-call log
    gets the request, with the redacted key and no headers. A model the gateway lists to retire
    soon is warned about once (:mod:`retirement`).
    """
    try:
        entry = catalog.resolve(model)
    except catalog.UnknownModelError as exc:
        raise errors.unknown_model(model, str(exc)) from None
    params = optional_params or {}
    details = getattr(logging_obj, "model_call_details", None)
    fill = isinstance(details, dict) and fim.requested(entry, params, details.get("litellm_params"))
    problem = (fim if fill else request).input_problem(messages, params)
    if problem:
        raise errors.bad_request(model, problem)
    capability_check.check(model, messages, params, capability_check.deployment_info(details))
    user = details.get("user") if isinstance(details, dict) else None
    if isinstance(user, str) and user and "user" not in params:
        params = {**params, "user": user}
    conf = settings.resolve(api_key, api_base)
    if fill and not conf.has_real_key:
        raise fim.key_required(f"{PROVIDER}/{model}")
    if not conf.has_real_key and catalog.key_required(entry):
        raise errors.auth_required(f"{PROVIDER}/{model}")
    bound, connect = timeouts.resolve(timeout)
    call = Call(
        model=model,
        entry=entry,
        settings=conf,
        url=fim.url(conf) if fill else request.chat_url(conf),
        body=(fim if fill else request).build_body(entry.gateway_id, messages, params, stream=stream),
        headers=request.build_headers(conf, headers),
        timeout=bound,
        coalesce=settings.coalesce(params.get(settings.COALESCE_PARAM)),
        fim=fill,
        connect=connect,
    )
    retirement.warn_once(entry)
    logger.debug("kilo request %r stream=%s", call, stream)
    if logging_obj is not None:
        logging_obj.pre_call(
            input=messages,
            api_key=call.settings.redacted_key,
            additional_args={"complete_input_dict": call.body, "api_base": call.url},
        )
    return call


def _error_for_status(call: Call | EmbeddingCall, status: int, body: bytes | dict, headers: Any = None) -> Exception:
    """The gateway's error answer as a ``litellm`` exception, with its retry headers kept; an HTML
    404 says the URL looks wrong instead. A 404 ``model_not_found`` is remembered, so free chains
    skip the model from then on (:mod:`serving`)."""
    wrong = errors.wrong_url(status, body, model=call.model, url=call.url) if isinstance(body, bytes) else None
    exc = wrong or errors.to_exception(
        errors.parse(status, body),
        model=call.model,
        entry=call.entry,
        url=call.url,
        has_real_key=call.settings.has_real_key,
        headers=headers,
        stored_sign_in=call.settings.signed_in,
    )
    if call.entry is not None and getattr(exc, "kilo_error_type", None) == "model_not_found":
        serving.mark_not_found(call.entry.gateway_id)
    return exc


@dataclass(frozen=True)
class EmbeddingCall:
    """One ``POST /embeddings``; like :class:`Call`, its ``repr`` shows no key."""

    model: str
    settings: Settings
    url: str
    body: dict
    headers: dict
    timeout: float
    entry: None = None
    connect: float = timeouts.CONNECT_TIMEOUT

    def __repr__(self) -> str:
        return f"EmbeddingCall(model={self.model!r}, url={self.url!r}, {self.settings!r})"


def prepare_embedding(
    model: str,
    inputs: Any,
    api_key: str | None,
    api_base: str | None,
    optional_params: dict | None,
    timeout: Any,
    logging_obj: Any,
) -> EmbeddingCall:
    """Resolve and build one embeddings call, or raise before anything is sent (as :func:`prepare`)."""
    problem = embeddings.input_problem(inputs)
    if problem is None and embeddings.lookup(model) is None and catalog.lookup(model) is not None:
        listed = ", ".join(f"{PROVIDER}/{m.id}" for m in embeddings.known())
        problem = f"'{PROVIDER}/{model}' is a chat model, not an embedding model. Embedding models: {listed}."
    if problem:
        raise errors.bad_request(model, problem)
    conf = settings.resolve(api_key, api_base)
    listed = embeddings.lookup(model)
    if listed is not None and not listed.free and not conf.has_real_key:
        raise errors.auth_required(f"{PROVIDER}/{model}")
    bound, connect = timeouts.resolve(timeout)
    call = EmbeddingCall(
        model=model,
        settings=conf,
        url=urls.endpoint(conf.api_base, "embeddings"),
        body=embeddings.build_body(model, inputs, optional_params or {}),
        headers=request.build_headers(conf),
        timeout=bound,
        connect=connect,
    )
    logger.debug("kilo request %r", call)
    if logging_obj is not None:
        logging_obj.pre_call(
            input=inputs,
            api_key=conf.redacted_key,
            additional_args={"complete_input_dict": call.body, "api_base": call.url},
        )
    return call


def _embedding_result(call: EmbeddingCall, resp: httpx.Response, out: EmbeddingResponse) -> EmbeddingResponse:
    if resp.status_code >= 400:
        raise _error_for_status(call, resp.status_code, resp.content, resp.headers)
    try:
        return embeddings.fill(out, resp.json(), call.model)
    except ValueError as exc:
        raise errors.bad_response(call.model, str(exc)[:300]) from None


def _transport_error(call: Call | EmbeddingCall, exc: Exception) -> Exception:
    if isinstance(exc, httpx.TimeoutException):
        return errors.timeout(call.model, call.timeout, type(exc).__name__, call.url)
    return errors.connection(call.model, f"{type(exc).__name__}: {exc}", call.url)


def _sync_client(client: Any, own: httpx.Client | None) -> httpx.Client:
    if isinstance(client, httpx.Client):
        return client
    if isinstance(client, HTTPHandler):
        return client.client
    return own or _get_httpx_client().client


def _async_client(client: Any, own: httpx.AsyncClient | None) -> httpx.AsyncClient:
    if isinstance(client, httpx.AsyncClient):
        return client
    if isinstance(client, AsyncHTTPHandler):
        return client.client
    return own or get_async_httpx_client(llm_provider=PROVIDER).client


def _request(http: httpx.Client | httpx.AsyncClient, call: Call | EmbeddingCall) -> httpx.Request:
    return http.build_request(
        "POST", call.url, json=call.body, headers=call.headers, timeout=timeouts.for_httpx(call.timeout, call.connect)
    )


class _Deadline:
    """The gateway may keep a connection busy with keep-alives forever; this ends the wait.

    Every read has the call's timeout, but bytes that keep trickling in reset it; so the time a
    whole non-streaming body may take is bounded here too.
    """

    __slots__ = ("_at", "call")

    def __init__(self, call: Call) -> None:
        self.call = call
        self._at = time.monotonic() + call.timeout

    def renew(self) -> None:
        """An event arrived: the next one may take up to ``timeout`` again."""
        self._at = time.monotonic() + self.call.timeout

    @property
    def passed(self) -> bool:
        return time.monotonic() > self._at

    def check(self, received: bytes | bytearray = b"") -> None:
        if self.passed:
            detail = "The response never finished." if received.strip() else "Only keep-alives arrived."
            raise errors.timeout(self.call.model, self.call.timeout, detail, self.call.url)


class _Body:
    """A non-streaming answer being read: bytes in, then the ``ModelResponse`` or the mapped error.

    The same object serves the sync and the async path; only the loop that feeds it differs.
    """

    __slots__ = ("_data", "_deadline", "call")

    def __init__(self, call: Call) -> None:
        self.call = call
        self._data = bytearray()
        self._deadline = _Deadline(call)

    def feed(self, part: bytes) -> None:
        self._data += part
        self._deadline.check(self._data)

    def result(self, resp: httpx.Response, model_response: ModelResponse) -> ModelResponse:
        body = bytes(self._data)
        if resp.status_code >= 400:
            raise _error_for_status(self.call, resp.status_code, body, resp.headers)
        call = self.call
        read = fim.fill if call.fim else response.fill
        return read(model_response, response.parse_body(body, call.model), model=call.model, entry=call.entry)


class _Events:
    """A streaming answer being read: bytes in, ``ModelResponseStream`` chunks out.

    :meth:`feed` is a generator so that chunks decoded before an in-band error event are
    delivered before the error is raised. The events of one ``feed`` (one network read) go to the
    converter together, which coalesces them unless the call turned that off. After ``[DONE]``
    (or an error event) the rest of the body is drained, as the OpenAI SDK does, so the connection
    goes back to the pool instead of being closed; draining stops quietly at the deadline or at a
    transport error.
    """

    __slots__ = ("_converter", "_deadline", "_decoder", "call")

    def __init__(self, call: Call) -> None:
        self.call = call
        self._decoder = SSEDecoder()
        converter = fim.StreamConverter if call.fim else StreamConverter
        self._converter = converter(call.model, call.entry, coalesce=call.coalesce)
        self._deadline = _Deadline(call)

    @property
    def done(self) -> bool:
        return self._converter.done

    @property
    def drained_enough(self) -> bool:
        return self._deadline.passed

    def feed(self, part: bytes) -> Iterator[ModelResponseStream]:
        datas = self._decoder.feed(part)
        if datas:
            yield from self._converter.on_events(datas)
            self._deadline.renew()
            if self._converter.done:
                return
        self._deadline.check()

    def end(self) -> Iterator[ModelResponseStream]:
        """The body ended: flush the decoder, then a clean end after a finish or an error."""
        converter = self._converter
        yield from converter.on_events(self._decoder.flush())
        if converter.done:
            return
        if converter.finished:
            yield from converter.close()
            return
        stray = self._decoder.stray.strip()
        if not converter.started and stray:
            raise _not_an_event_stream(self.call, stray)
        raise errors.connection(
            self.call.model, "the gateway closed the stream before it finished (no [DONE]).", self.call.url
        )


def _not_an_event_stream(call: Call, text: str) -> Exception:
    """A 200 answer to a streaming request that is not SSE: a JSON error body is still the gateway's error."""
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict) and "error" in data:
        return _error_for_status(call, 200, data)
    return errors.bad_response(call.model, f"expected an event stream, got {text[:200]!r}")


class _OpenStream:
    """The chunks of an answer whose status line has arrived, for LiteLLM to iterate.

    The reading generator closes the response once it has started; this also closes it when the
    stream is closed or dropped before its first chunk (``aclose()`` on LiteLLM's wrapper, or an
    ``acompletion`` cancelled while the status line was on its way).
    """

    __slots__ = ("_chunks", "_loop", "_resp")

    def __init__(self, chunks: AsyncGenerator, resp: httpx.Response, loop: asyncio.AbstractEventLoop) -> None:
        self._chunks = chunks
        self._resp = resp
        self._loop = loop

    def __aiter__(self) -> _OpenStream:
        return self

    def __anext__(self) -> Awaitable[ModelResponseStream]:
        return self._chunks.__anext__()

    async def aclose(self) -> None:
        try:
            await self._chunks.aclose()
        finally:
            await self._resp.aclose()

    def __del__(self) -> None:
        if self._resp.is_closed or self._loop.is_closed():
            return
        try:
            self._loop.call_soon_threadsafe(_close_soon, self._resp)
        except RuntimeError:
            pass


_closing: set[asyncio.Future] = set()


def _close_soon(resp: httpx.Response) -> None:
    closing = asyncio.ensure_future(resp.aclose())
    _closing.add(closing)
    closing.add_done_callback(_closing.discard)


class KiloLLM(CustomLLM):
    """The ``kilo`` provider. Holds no key and no per-call state; one instance serves every call."""

    def __init__(self, client: httpx.Client | None = None, aclient: httpx.AsyncClient | None = None) -> None:
        super().__init__()
        self._client = client
        self._aclient = aclient

    def __repr__(self) -> str:
        return "KiloLLM()"

    # -- non-streaming ---------------------------------------------------------------------------

    def completion(
        self,
        model: str,
        messages: list,
        api_base: str | None,
        custom_prompt_dict: dict,
        model_response: ModelResponse,
        print_verbose: Any,
        encoding: Any,
        api_key: str | None,
        logging_obj: Any,
        optional_params: dict,
        acompletion: Any = None,
        litellm_params: Any = None,
        logger_fn: Any = None,
        headers: dict | None = None,
        timeout: Any = None,
        client: Any = None,
    ) -> ModelResponse:
        headers = session.task_headers(litellm_params, headers)
        call = prepare(model, messages, api_key, api_base, optional_params, headers, timeout, logging_obj, stream=False)
        http, body = _sync_client(client, self._client), _Body(call)
        try:
            resp = resend.send(http, _request(http, call))
            try:
                for part in resp.iter_bytes():
                    body.feed(part)
            finally:
                resp.close()
        except httpx.HTTPError as exc:
            raise _transport_error(call, exc) from None
        return body.result(resp, model_response)

    async def acompletion(
        self,
        model: str,
        messages: list,
        api_base: str | None,
        custom_prompt_dict: dict,
        model_response: ModelResponse,
        print_verbose: Any,
        encoding: Any,
        api_key: str | None,
        logging_obj: Any,
        optional_params: dict,
        acompletion: Any = None,
        litellm_params: Any = None,
        logger_fn: Any = None,
        headers: dict | None = None,
        timeout: Any = None,
        client: Any = None,
    ) -> ModelResponse:
        headers = session.task_headers(litellm_params, headers)
        call = prepare(model, messages, api_key, api_base, optional_params, headers, timeout, logging_obj, stream=False)
        http, body = _async_client(client, self._aclient), _Body(call)
        try:
            resp = await resend.asend(http, _request(http, call))
            try:
                async for part in resp.aiter_bytes():
                    body.feed(part)
            finally:
                await resp.aclose()
        except httpx.HTTPError as exc:
            raise _transport_error(call, exc) from None
        return body.result(resp, model_response)

    # -- streaming -------------------------------------------------------------------------------

    def streaming(
        self,
        model: str,
        messages: list,
        api_base: str | None,
        custom_prompt_dict: dict,
        model_response: ModelResponse,
        print_verbose: Any,
        encoding: Any,
        api_key: str | None,
        logging_obj: Any,
        optional_params: dict,
        acompletion: Any = None,
        litellm_params: Any = None,
        logger_fn: Any = None,
        headers: dict | None = None,
        timeout: Any = None,
        client: Any = None,
    ) -> Iterator[ModelResponseStream]:
        headers = session.task_headers(litellm_params, headers)
        call = prepare(model, messages, api_key, api_base, optional_params, headers, timeout, logging_obj, stream=True)
        http = _sync_client(client, self._client)
        try:
            resp = resend.send(http, _request(http, call))
        except httpx.HTTPError as exc:
            raise _transport_error(call, exc) from None
        if resp.status_code >= 400:
            try:
                body = resp.read()
            except httpx.HTTPError:
                body = b""
            finally:
                resp.close()
            raise _error_for_status(call, resp.status_code, body, resp.headers)
        return self._iter_stream(call, resp)

    @staticmethod
    def _iter_stream(call: Call, resp: httpx.Response) -> Iterator[ModelResponseStream]:
        events, parts = _Events(call), resp.iter_bytes()
        try:
            for part in parts:
                yield from events.feed(part)
                if events.done:
                    break
            else:
                yield from events.end()
                return
            for _ in parts:
                if events.drained_enough:
                    break
        except httpx.HTTPError as exc:
            if not events.done:
                raise _transport_error(call, exc) from None
        finally:
            resp.close()

    def astreaming(
        self,
        model: str,
        messages: list,
        api_base: str | None,
        custom_prompt_dict: dict,
        model_response: ModelResponse,
        print_verbose: Any,
        encoding: Any,
        api_key: str | None,
        logging_obj: Any,
        optional_params: dict,
        acompletion: Any = None,
        litellm_params: Any = None,
        logger_fn: Any = None,
        headers: dict | None = None,
        timeout: Any = None,
        client: Any = None,
    ) -> AsyncIterator[ModelResponseStream]:
        """Send the request on the caller's loop and wait for the status line, then hand over the stream.

        LiteLLM calls this from the worker thread ``acompletion`` runs ``completion`` in and does not
        await what it returns (see :mod:`caller_loop`); waiting here is what makes a refused stream
        (429, 5xx, 401, ...) raise at ``await acompletion(...)``, so ``except litellm.RateLimitError``,
        ``num_retries`` and ``fallbacks=`` work as for LiteLLM's own providers. Only the status line
        and headers are waited for, never the first event. Without the caller's loop (the probe is
        not installed, or this runs on the loop's own thread) the request is sent on the first
        ``__anext__`` instead, and its errors surface there.
        """
        headers = session.task_headers(litellm_params, headers)
        call = prepare(model, messages, api_key, api_base, optional_params, headers, timeout, logging_obj, stream=True)
        loop = caller_loop.current()
        if loop is None:
            caller_loop.install()
            return self._astream(call, client)
        opening = asyncio.run_coroutine_threadsafe(self._aopen(call, client), loop)
        try:
            resp = opening.result(timeout=4 * call.timeout + 1)
        except concurrent.futures.TimeoutError:
            opening.cancel()
            raise errors.timeout(call.model, call.timeout, "No status line arrived.", call.url) from None
        return _OpenStream(self._astream(call, client, resp), resp, loop)

    async def _aopen(self, call: Call, client: Any) -> httpx.Response:
        """The gateway's answer once its status line is in, or its refusal raised as a ``litellm`` error."""
        http = _async_client(client, self._aclient)
        try:
            resp = await resend.asend(http, _request(http, call))
        except httpx.HTTPError as exc:
            raise _transport_error(call, exc) from None
        if resp.status_code < 400:
            return resp
        try:
            body = await resp.aread()
        except httpx.HTTPError:
            body = b""
        finally:
            await resp.aclose()
        raise _error_for_status(call, resp.status_code, body, resp.headers)

    async def _astream(
        self, call: Call, client: Any, resp: httpx.Response | None = None
    ) -> AsyncIterator[ModelResponseStream]:
        if resp is None:
            resp = await self._aopen(call, client)
        events, parts = _Events(call), resp.aiter_bytes()
        try:
            async for part in parts:
                for chunk in events.feed(part):
                    yield chunk
                if events.done:
                    break
            else:
                for chunk in events.end():
                    yield chunk
                return
            async for _ in parts:
                if events.drained_enough:
                    break
        except httpx.HTTPError as exc:
            if not events.done:
                raise _transport_error(call, exc) from None
        finally:
            await resp.aclose()

    # -- embeddings ------------------------------------------------------------------------------

    def embedding(
        self,
        model: str,
        input: list,  # noqa: A002 - LiteLLM's keyword
        model_response: EmbeddingResponse,
        print_verbose: Any,
        logging_obj: Any,
        optional_params: dict,
        api_key: str | None = None,
        api_base: str | None = None,
        timeout: Any = None,
        litellm_params: Any = None,
    ) -> EmbeddingResponse:
        call = prepare_embedding(model, input, api_key, api_base, optional_params, timeout, logging_obj)
        http = _sync_client(None, self._client)
        try:
            resp = resend.send(http, _request(http, call), stream=False)
        except httpx.HTTPError as exc:
            raise _transport_error(call, exc) from None
        return _embedding_result(call, resp, model_response)

    async def aembedding(
        self,
        model: str,
        input: list,  # noqa: A002 - LiteLLM's keyword
        model_response: EmbeddingResponse,
        print_verbose: Any,
        logging_obj: Any,
        optional_params: dict,
        api_key: str | None = None,
        api_base: str | None = None,
        timeout: Any = None,
        litellm_params: Any = None,
    ) -> EmbeddingResponse:
        call = prepare_embedding(model, input, api_key, api_base, optional_params, timeout, logging_obj)
        http = _async_client(None, self._aclient)
        try:
            resp = await resend.asend(http, _request(http, call), stream=False)
        except httpx.HTTPError as exc:
            raise _transport_error(call, exc) from None
        return _embedding_result(call, resp, model_response)

    # -- what the gateway has no route for: a 400 before anything is sent ------------------------

    def image_generation(self, model: str, *args: Any, **kwargs: Any) -> ImageResponse:
        raise errors.unsupported_endpoint("image generation", model)

    async def aimage_generation(self, model: str, *args: Any, **kwargs: Any) -> ImageResponse:
        raise errors.unsupported_endpoint("image generation", model)

    def image_edit(self, model: str, *args: Any, **kwargs: Any) -> ImageResponse:
        raise errors.unsupported_endpoint("image edit", model)

    async def aimage_edit(self, model: str, *args: Any, **kwargs: Any) -> ImageResponse:
        raise errors.unsupported_endpoint("image edit", model)


__all__ = ["KiloLLM", "litellm"]
