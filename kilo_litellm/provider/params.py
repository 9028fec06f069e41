"""OpenAI- and Anthropic-style reasoning and search parameters → the gateway's request fields (pure).

The gateway passes the body to OpenRouter, whose one reasoning control is the ``reasoning``
object: ``{"effort": ...}`` (OpenAI style) or ``{"max_tokens": N}`` (Anthropic style), not both,
or ``{"enabled": bool}`` for the model's default. Callers arrive with other spellings:

* ``reasoning_effort="high"`` (OpenAI SDKs, LiteLLM's ``/v1/responses`` bridge, Codex);
* ``thinking={"type": "enabled", "budget_tokens": N}`` (Anthropic SDKs; LiteLLM's ``/v1/messages``
  bridge passes it untouched for model names containing "claude", such as
  ``kilo/anthropic/claude-sonnet-4.6``), or ``{"type": "adaptive"}`` / ``{"type": "disabled"}``.

Both become ``reasoning``; a ``reasoning`` object the caller sent itself is kept as it is.
Codex also sends ``web_search_options`` with every field null when the user never asked for
search; forwarding it would switch OpenRouter's web search plugin on (and bill it), so an
all-null one is not sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _from_thinking(thinking: Any) -> dict[str, Any] | None:
    if not isinstance(thinking, Mapping):
        return None
    kind = thinking.get("type")
    budget = thinking.get("budget_tokens")
    if kind == "disabled":
        return {"enabled": False}
    if isinstance(budget, int) and not isinstance(budget, bool) and budget > 0:
        return {"max_tokens": budget}
    if kind in ("enabled", "adaptive"):
        return {"enabled": True}
    return None


def reasoning(effort: Any, thinking: Any) -> dict[str, Any] | None:
    """The ``reasoning`` object for a call: a thinking budget wins over an effort, which wins over ``enabled``."""
    from_thinking = _from_thinking(thinking)
    if from_thinking is not None and ("max_tokens" in from_thinking or from_thinking == {"enabled": False}):
        return from_thinking
    if isinstance(effort, str) and effort:
        return {"effort": effort}
    return from_thinking


def is_empty_search(options: Any) -> bool:
    """``web_search_options`` whose every field is null (or that has none) asks for nothing."""
    return isinstance(options, Mapping) and all(value is None for value in options.values())


def to_gateway(params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` with ``reasoning_effort``/``thinking`` folded into ``reasoning`` and an empty search dropped."""
    out = dict(params)
    found = reasoning(out.pop("reasoning_effort", None), out.pop("thinking", None))
    if found is not None and "reasoning" not in out:
        out["reasoning"] = found
    if is_empty_search(out.get("web_search_options")):
        del out["web_search_options"]
    return out
