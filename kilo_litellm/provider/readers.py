"""The gateway's answer, read without I/O: bytes in, LiteLLM's response, chunks or exception out.

One parser per kind of answer, fed by the sync and the async loop of :mod:`handler` alike:
:class:`Body` reads a non-streaming answer, :class:`Events` a stream, and :class:`Deadline` ends
a wait the gateway keeps alive with keep-alives. :func:`refusal` turns an error status into the
``litellm`` exception (:mod:`errors`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from typing import Any

from litellm.types.utils import ModelResponseStream

from kilo_litellm.models import serving
from kilo_litellm.provider import errors, response
from kilo_litellm.provider.planning import Call
from kilo_litellm.provider.sse import SSEDecoder


def refusal(call: Call, status: int, body: bytes | dict, headers: Mapping[str, str] | None = None) -> Exception:
    """The gateway's error answer as a ``litellm`` exception, with its retry headers kept; an HTML
    404 says the URL looks wrong instead. A free-chain member's 404 ``model_not_found`` is noted, the
    one thing kept from an answer: the chain skips that model from then on
    (:mod:`kilo_litellm.models.serving`)."""
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
    if call.chain_member and call.entry is not None and getattr(exc, "kilo_error_type", None) == "model_not_found":
        serving.mark_not_found(call.entry.gateway_id)
    return exc


class Deadline:
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


class Body:
    """A non-streaming answer being read: bytes in, then the route's response object or the mapped error."""

    __slots__ = ("_data", "_deadline", "call")

    def __init__(self, call: Call) -> None:
        self.call = call
        self._data = bytearray()
        self._deadline = Deadline(call)

    def feed(self, part: bytes) -> None:
        self._data += part
        self._deadline.check(self._data)

    def result(self, status: int, headers: Mapping[str, str], out: Any) -> Any:
        """``out`` (LiteLLM's empty response object) filled from the answer, or its error raised."""
        body = bytes(self._data)
        if status >= 400:
            raise refusal(self.call, status, body, headers)
        call = self.call
        return call.route.read(out, response.parse_body(body, call.model), model=call.model, entry=call.entry)


class Events:
    """A streaming answer being read: bytes in, ``ModelResponseStream`` chunks out.

    :meth:`feed` is a generator so that chunks decoded before an in-band error event are
    delivered before the error is raised. The events of one ``feed`` (one network read) go to the
    converter together, which coalesces them unless the call turned that off. After ``[DONE]``
    (or an error event) the rest of the body is drained, as the OpenAI SDK does, so the connection
    goes back to the pool instead of being closed; draining stops quietly at the deadline
    (:attr:`drained_enough`).
    """

    __slots__ = ("_converter", "_deadline", "_decoder", "call")

    def __init__(self, call: Call) -> None:
        converter = call.route.converter
        if converter is None:
            raise ValueError(f"the gateway's {call.route.name} endpoint does not stream")
        self.call = call
        self._decoder = SSEDecoder()
        self._converter = converter(call.model, call.entry, coalesce=call.coalesce)
        self._deadline = Deadline(call)

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
        return refusal(call, 200, data)
    return errors.bad_response(call.model, f"expected an event stream, got {text[:200]!r}")
