"""``litellm.text_completion`` → the gateway's fill-in-the-middle route and its answer back (pure).

The route is where Kilo's own client sends it (:func:`kilo_litellm.config.urls.fim_endpoint`):
``POST https://api.kilo.ai/api/fim/completions`` for the documented base, outside the
``/api/gateway`` prefix, and ``/api/v1/fim/completions`` on the second host.

How a fill-in-the-middle call reaches the provider (LiteLLM 1.110, ``litellm/main.py``):
``text_completion`` (and ``atext_completion``, and the proxy's ``/v1/completions`` through the
Router) turns ``prompt`` into ``messages=[{"role": "user", "content": prompt}]``, puts ``suffix``,
``max_tokens`` and the other text-completion parameters into ``optional_params`` untouched, and
calls ``completion(..., text_completion=True)``, which hands ``litellm_params["text_completion"] =
True`` to every one of ``KiloLLM``'s four methods. The ``ModelResponse`` returned is turned into a
``TextCompletionResponse`` by LiteLLM (``choices[0].text`` = the message content, usage and
``_hidden_params`` kept), and a stream of chunks into text-completion chunks.

:func:`kilo_litellm.provider.routes.for_completion` sends such a call to the FIM route
when it has a ``suffix`` or its model is one the gateway serves FIM for
(:mod:`kilo_litellm.models.fim`); a plain ``text_completion`` on a chat model stays a chat
completion, and so does every ``litellm.completion`` call.

What the gateway's FIM route does (docs/gateway-contract.md, "Fill-in-the-middle"):

* it takes Mistral's FIM body, ``{model, prompt, suffix?, max_tokens, min_tokens?, stop?: [str],
  stream?}``, drops every other field, and forwards it to Mistral or Inception;
* a key is required, free or not: without one it answers ``{"error": ..., "success": false}``
  (not the chat route's ``INVALID_TOKEN`` body), so a call without a key is refused here first;
* ``max_tokens`` missing or over :data:`MAX_TOKENS` is answered with an opaque 503
  ``temporarily_unavailable``; so a missing one is sent as :data:`DEFAULT_MAX_TOKENS` (what Kilo's
  own autocomplete asks for) and a larger one is refused here as a 400;
* its own refusals are ``unsupported_fim_model`` (400), ``insufficient_credits`` (402) and
  ``byok_key_required`` (400), read like every other ``error_type`` (:mod:`errors`);
* it passes the upstream's answer through unchanged: Mistral's chat-shaped ``choices[].message``
  (streamed: ``choices[].delta``, usage on the last event, then ``[DONE]``), or Inception's OpenAI
  text-completion ``choices[].text``. :func:`normalise` makes both the chat shape, so the chat
  readers (:mod:`response`, :mod:`stream`) do the rest; the usage carries no ``cost``, so the cost
  is the catalog's per-token price (:mod:`cost`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import litellm
from litellm.types.utils import ModelResponse

from kilo_litellm.config.settings import ENV_API_KEY, LOGIN_COMMAND, PROVIDER, SIGN_UP_URL
from kilo_litellm.config.urls import fim_endpoint
from kilo_litellm.models.catalog import ModelEntry
from kilo_litellm.provider import response, stream
from kilo_litellm.provider.request import INTERNAL_KEYS

ROUTE = "fim/completions"
MAX_TOKENS = 1000
"""The gateway's ceiling for ``max_tokens`` on ``/fim/completions`` (``FIM_MAX_TOKENS_LIMIT``)."""
DEFAULT_MAX_TOKENS = 256
"""Sent when the call names no ``max_tokens``: the gateway requires one, and Kilo's own autocomplete asks for 256."""

_SENT_OWN_WAY = frozenset({"n", "suffix", "max_tokens", "max_completion_tokens"})


def url(api_base: str) -> str:
    """The FIM route for this base: where Kilo's own client posts it (:func:`fim_endpoint`)."""
    return fim_endpoint(api_base)


def _max_tokens(optional_params: Mapping[str, Any]) -> Any:
    value = optional_params.get("max_tokens")
    return optional_params.get("max_completion_tokens") if value is None else value


def input_problem(*, messages: Any, params: Mapping[str, Any]) -> str | None:
    """What the gateway would refuse (or answer with an opaque 503), said before anything is sent."""
    if not isinstance(messages, list) or len(messages) != 1 or not isinstance(_content(messages[0]), str):
        count = len(messages) if isinstance(messages, list) else 0
        return (
            "fill-in-the-middle takes one prompt string per call "
            f"(litellm.text_completion(prompt='...', suffix='...')), got {count} prompts."
        )
    suffix = params.get("suffix")
    if suffix is not None and not isinstance(suffix, str):
        return f"suffix must be a string, got {type(suffix).__name__}."
    value = _max_tokens(params)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        return f"max_tokens must be a positive integer, got {value!r}."
    if value is not None and value > MAX_TOKENS:
        return (
            f"max_tokens={value} is over the gateway's fill-in-the-middle limit of {MAX_TOKENS}: "
            f"ask for at most {MAX_TOKENS} (without max_tokens, {DEFAULT_MAX_TOKENS} is sent)."
        )
    n = params.get("n")
    if isinstance(n, int) and not isinstance(n, bool) and n > 1:
        return f"the gateway's fill-in-the-middle returns one completion per request; n={n} was asked."
    return None


def _content(message: Any) -> Any:
    message = message.model_dump() if hasattr(message, "model_dump") else message
    return message.get("content") if isinstance(message, Mapping) else None


def build_body(*, gateway_id: str, messages: Any, params: Mapping[str, Any], stream: bool) -> dict:
    """Mistral's FIM body; the call's other parameters go along for the gateway to keep or drop.

    ``seed`` is sent as Mistral's ``random_seed``, ``max_completion_tokens`` as ``max_tokens``, and
    a ``stop`` string as the list the gateway requires; ``extra_body`` is merged in last.
    """
    sent = {
        "random_seed" if k == "seed" else k: v
        for k, v in params.items()
        if k not in INTERNAL_KEYS and k not in _SENT_OWN_WAY and v is not None
    }
    if isinstance(sent.get("stop"), str):
        sent["stop"] = [sent["stop"]]
    prompt = _content(messages[0]) if isinstance(messages, list) and messages else None
    body: dict[str, Any] = {"model": gateway_id, "prompt": prompt}
    if params.get("suffix") is not None:
        body["suffix"] = params["suffix"]
    body["max_tokens"] = _max_tokens(params) or DEFAULT_MAX_TOKENS
    body.update(sent)
    body.update(params.get("extra_body") or {})
    body["stream"] = stream
    return body


def key_required(model: str) -> litellm.AuthenticationError:
    """Raised before sending: the gateway serves fill-in-the-middle to signed-in callers only."""
    return litellm.AuthenticationError(
        message=(
            f"KiloException - fill-in-the-middle ('{model}' with a suffix) needs a Kilo API key, even for free "
            f"models, and none is set. Run `{LOGIN_COMMAND}`, or set {ENV_API_KEY} (or pass api_key=) to a key "
            f"from {SIGN_UP_URL}."
        ),
        model=model,
        llm_provider=PROVIDER,
    )


def _text(content: Any) -> Any:
    """Mistral content may come as a list of chunks: their text, joined."""
    if not isinstance(content, list):
        return content
    return "".join(part.get("text") or "" for part in content if isinstance(part, Mapping))


def _choice(choice: Any, part: str) -> Any:
    """One choice in the chat shape: ``text`` (Inception) becomes the ``message``/``delta`` content."""
    if not isinstance(choice, dict):
        return choice
    inner = choice.get(part)
    if inner is None and "text" in choice:
        out = {k: v for k, v in choice.items() if k != "text"}
        out[part] = {"content": choice["text"]}
        return out
    if isinstance(inner, dict) and isinstance(inner.get("content"), list):
        return {**choice, part: {**inner, "content": _text(inner["content"])}}
    return choice


def normalise(data: Any, *, streamed: bool = False) -> Any:
    """A FIM answer (or stream event) in the chat shape the chat readers take; anything else as given."""
    if not isinstance(data, dict) or not isinstance(data.get("choices"), list):
        return data
    part = "delta" if streamed else "message"
    return {**data, "choices": [_choice(c, part) for c in data["choices"]]}


def fill(model_response: ModelResponse, data: dict[str, Any], *, model: str, entry: ModelEntry) -> ModelResponse:
    """LiteLLM's response object from a non-streaming FIM answer (see :func:`response.fill`)."""
    return response.fill(model_response, normalise(data), model=model, entry=entry)


class StreamConverter(stream.StreamConverter):
    """The chat stream reader, fed FIM events in the chat shape (:func:`normalise`)."""

    __slots__ = ()

    def _event_parts(self, event: dict[str, Any]) -> list:
        return super()._event_parts(normalise(event, streamed=True))
