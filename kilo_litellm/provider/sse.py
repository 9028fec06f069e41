"""Server-sent events from bytes, fed in pieces of any size (pure).

What the gateway sends (docs/gateway-contract.md, "Streams"): ``data: <json>`` events separated by blank
lines, ``: OPENROUTER PROCESSING`` comment keep-alives before and between events (the gateway
re-writes them as ``: KILO PROCESSING``), sometimes ``data:`` without the space, and ``data: [DONE]``
at the end (only when the upstream sent it, and not after an in-band error). The decoder
follows the SSE spec for what matters here: comment lines are ignored, one optional space after
the colon is dropped, multi-line data is joined with ``\\n``, fields other than ``data`` are
ignored, and a final event without its blank line is still delivered by :meth:`flush`.
Lines end in ``\\n`` or ``\\r\\n``. Invalid UTF-8 is replaced, never raised.

Lines that are not SSE at all (a JSON error body or an HTML page answered to a streaming request)
are kept, up to :data:`STRAY_LIMIT` characters, in :attr:`SSEDecoder.stray`, so the caller can say
what came instead of an event stream.
"""

from __future__ import annotations

import codecs

STRAY_LIMIT = 4096


class SSEDecoder:
    """Incremental decoder: ``feed(bytes) -> [data, ...]`` then ``flush() -> [data, ...]``."""

    __slots__ = ("_buffer", "_data", "_text", "stray")

    def __init__(self) -> None:
        self._text = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._buffer = ""
        self._data: list[str] = []
        self.stray = ""

    def feed(self, chunk: bytes) -> list[str]:
        self._buffer += self._text.decode(chunk)
        if "\n" not in self._buffer:
            return []
        *lines, self._buffer = self._buffer.split("\n")
        return self._lines(lines)

    def flush(self) -> list[str]:
        tail = self._buffer + self._text.decode(b"", final=True)
        self._buffer = ""
        events = self._lines([tail]) if tail else []
        if self._data:
            events.append("\n".join(self._data))
            self._data = []
        return events

    def _lines(self, lines: list[str]) -> list[str]:
        events: list[str] = []
        for raw in lines:
            line = raw[:-1] if raw.endswith("\r") else raw
            if not line.strip():
                if self._data:
                    events.append("\n".join(self._data))
                    self._data = []
                continue
            if line[0] == ":":
                continue
            name, _, value = line.partition(":")
            if name == "data":
                self._data.append(value[1:] if value.startswith(" ") else value)
            elif name not in ("event", "id", "retry") and len(self.stray) < STRAY_LIMIT:
                self.stray += line + "\n"
        return events
