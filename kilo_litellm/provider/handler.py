"""``KiloLLM``: the LiteLLM ``CustomLLM`` for the Kilo Gateway, and the provider's only I/O edge.

LiteLLM calls one of its methods (``completion``, ``acompletion``, ``streaming``, ``astreaming``,
``embedding``, ``aembedding``) with the model name stripped of its ``kilo/`` prefix. Each one
plans the request (:mod:`planning`, pure), lets :mod:`admission` refuse it before anything is
sent, sends it, and feeds the bytes to the sans-IO readers (:mod:`readers`). The endpoint a call
goes to (chat, fill-in-the-middle, embeddings) is its :mod:`routes` object.

HTTP goes through LiteLLM's cached httpx clients (:mod:`litellm_internals`), so connections are
pooled and proxy/SSL settings are LiteLLM's. A caller or test may inject a client: pass
``client=`` to the call (an ``httpx`` client or LiteLLM ``HTTPHandler``), or construct
``KiloLLM(client=..., aclient=...)``.

Errors are raised as ``litellm.*`` exceptions at the call wherever the gateway allows it (an HTTP
error status, a model the catalog lists as paid without a key; an id it does not list is sent and
the gateway's 401 ``PAID_MODEL_AUTH_REQUIRED`` says whether it wants one), as LiteLLM's own
providers do: ``streaming`` sends the request before it returns the stream, and ``astreaming`` (run
by LiteLLM in a worker thread) sends it on the caller's event loop and waits for the status line
(see :mod:`caller_loop`). So ``except litellm.RateLimitError``, ``num_retries``, ``fallbacks=`` and
a Router's fallbacks see them at ``completion``/``acompletion``, streaming or not.

A stall is bounded: the call's ``timeout`` applies to every read, a non-streaming body that has
not fully arrived within ``timeout`` (keep-alive whitespace, or bytes that never end) is ended with
``litellm.Timeout``, and so is a stream that sends only keep-alives for longer than ``timeout``
(before its first event or between two events). Without a ``timeout`` from the caller that bound is
the gateway's own 800 s and some (:mod:`timeouts`); connecting takes at most a few seconds.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Iterator
from dataclasses import replace
from typing import Any

import httpx
import litellm
from litellm import CustomLLM
from litellm.types.utils import EmbeddingResponse, ImageResponse, ModelResponse, ModelResponseStream

from kilo_litellm.models import retirement
from kilo_litellm.provider import (
    admission,
    caller_loop,
    capability_check,
    errors,
    health_probe,
    planning,
    resend,
    session,
    timeouts,
)
from kilo_litellm.provider import litellm_internals as internals
from kilo_litellm.provider.planning import Call
from kilo_litellm.provider.readers import Body, Events, refusal

logger = logging.getLogger("kilo_litellm")


def _completion_call(
    *,
    model: str,
    messages: list,
    api_key: str | None,
    api_base: str | None,
    optional_params: dict | None,
    headers: dict | None,
    timeout: Any,
    logging_obj: Any,
    litellm_params: Any,
    stream: bool,
    **unread: Any,
) -> Call:
    """Plan one completion, admit it (or raise before anything is sent), and log it.

    LiteLLM's ``logging_obj`` brings what the call's arguments lack (:mod:`litellm_internals`): the
    caller's ``user``, whether this is a ``text_completion`` (which may go to fill-in-the-middle),
    and a Router deployment's ``model_info``. A model the gateway lists to retire soon is warned
    about once (:mod:`retirement`).
    """
    details = internals.call_details(logging_obj)
    call = planning.completion(
        model=model,
        messages=messages,
        params=optional_params,
        text_completion=internals.is_text_completion(details),
        user=internals.caller_user(details),
        api_key=api_key,
        api_base=api_base,
        headers=session.task_headers(litellm_params, headers),
        timeout=timeout,
        stream=stream,
    )
    model_info = internals.deployment_info(details)
    call = admission.admit(replace(call, chain_member=capability_check.enabled(model_info)), model_info=model_info)
    retirement.warn_once(call.entry)
    return _logged(call, logging_obj, inputs=messages)


def _embedding_call(
    *,
    model: str,
    input: Any,  # noqa: A002 - LiteLLM's keyword
    api_key: str | None,
    api_base: str | None,
    optional_params: dict | None,
    timeout: Any,
    logging_obj: Any,
    **unread: Any,
) -> Call:
    call = planning.embedding(
        model=model, inputs=input, params=optional_params, api_key=api_key, api_base=api_base, timeout=timeout
    )
    return _logged(admission.admit(call), logging_obj, inputs=input)


def _arguments(given: dict[str, Any]) -> dict[str, Any]:
    """A method's arguments as LiteLLM passed them (its ``locals()`` on entry), without ``self``."""
    return {name: value for name, value in given.items() if name != "self"}


def _logged(call: Call, logging_obj: Any, *, inputs: Any) -> Call:
    logger.debug("kilo request %r", call)
    internals.log_pre_call(
        logging_obj, inputs=inputs, redacted_key=call.settings.redacted_key, body=call.body, url=call.url
    )
    return call


def _transport_error(call: Call, exc: Exception) -> Exception:
    if isinstance(exc, httpx.TimeoutException):
        return errors.timeout(call.model, call.timeout, type(exc).__name__, call.url)
    return errors.connection(call.model, f"{type(exc).__name__}: {exc}", call.url)


def _request(http: httpx.Client | httpx.AsyncClient, call: Call) -> httpx.Request:
    return http.build_request(
        "POST", call.url, json=call.body, headers=call.headers, timeout=timeouts.for_httpx(call.timeout, call.connect)
    )


def _read_all(http: httpx.Client, call: Call, out: Any) -> Any:
    body = Body(call)
    try:
        resp = resend.send(http, _request(http, call))
        try:
            for part in resp.iter_bytes():
                body.feed(part)
        finally:
            resp.close()
    except httpx.HTTPError as exc:
        raise _transport_error(call, exc) from None
    return body.result(resp.status_code, resp.headers, out)


async def _aread_all(http: httpx.AsyncClient, call: Call, out: Any) -> Any:
    body = Body(call)
    try:
        resp = await resend.asend(http, _request(http, call))
        try:
            async for part in resp.aiter_bytes():
                body.feed(part)
        finally:
            await resp.aclose()
    except httpx.HTTPError as exc:
        raise _transport_error(call, exc) from None
    return body.result(resp.status_code, resp.headers, out)


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
        call = _completion_call(**_arguments(locals()), stream=False)
        return _read_all(internals.sync_client(client, self._client), call, model_response)

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
        http = internals.async_client(client, self._aclient)
        if health_probe.requested(litellm_params):
            return await health_probe.answer(model, api_key, api_base, http, model_response)
        call = _completion_call(**_arguments(locals()), stream=False)
        return await _aread_all(http, call, model_response)

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
        call = _completion_call(**_arguments(locals()), stream=True)
        http = internals.sync_client(client, self._client)
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
            raise refusal(call, resp.status_code, body, resp.headers)
        return self._iter_stream(call, resp)

    @staticmethod
    def _iter_stream(call: Call, resp: httpx.Response) -> Iterator[ModelResponseStream]:
        events, parts = Events(call), resp.iter_bytes()
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
        call = _completion_call(**_arguments(locals()), stream=True)
        loop = caller_loop.current()
        if loop is None:
            caller_loop.install()
            return self._astream(call, client)
        opening = asyncio.run_coroutine_threadsafe(self._aopen(call, client), loop)
        try:
            resp = opening.result(timeout=timeouts.status_line_wait(call.timeout, call.connect))
        except concurrent.futures.TimeoutError:
            opening.cancel()
            raise errors.timeout(call.model, call.timeout, "No status line arrived.", call.url) from None
        return _OpenStream(self._astream(call, client, resp), resp, loop)

    async def _aopen(self, call: Call, client: Any) -> httpx.Response:
        """The gateway's answer once its status line is in, or its refusal raised as a ``litellm`` error."""
        http = internals.async_client(client, self._aclient)
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
        raise refusal(call, resp.status_code, body, resp.headers)

    async def _astream(
        self, call: Call, client: Any, resp: httpx.Response | None = None
    ) -> AsyncIterator[ModelResponseStream]:
        if resp is None:
            resp = await self._aopen(call, client)
        events, parts = Events(call), resp.aiter_bytes()
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
        call = _embedding_call(**_arguments(locals()))
        return _read_all(internals.sync_client(None, self._client), call, model_response)

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
        http = internals.async_client(None, self._aclient)
        if health_probe.requested(litellm_params):
            return await health_probe.answer_embedding(model, api_key, api_base, http, model_response)
        call = _embedding_call(**_arguments(locals()))
        return await _aread_all(http, call, model_response)

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
