"""What a chat request needs from a model, and which catalog models have it (pure).

A request with an image needs a model whose ``/models`` entry takes images; one with ``tools``
needs tool calling; a ``response_format`` with a JSON schema needs structured output (OpenRouter's
``structured_outputs``); and the prompt must fit the model's context window. Each need is the
LiteLLM ``model_info`` flag the catalog registers for it (``supports_vision``,
``supports_function_calling``, ``supports_response_schema``, ``max_input_tokens``), so a
deployment's own ``model_info`` can say the same thing in the same words.

A flag nobody declared is not a refusal: a model the catalog does not know is sent the request
and the gateway answers for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from kilo_litellm.config.settings import ENV_API_KEY
from kilo_litellm.models import catalog
from kilo_litellm.models.entry import ModelEntry

WINDOW = "max_input_tokens"
SHOWN = 6


@dataclass(frozen=True)
class Need:
    """One capability: the ``model_info`` flag that declares it and how messages name it."""

    flag: str
    label: str


IMAGES = Need("supports_vision", "image input")
TOOLS = Need("supports_function_calling", "tool calling")
SCHEMA = Need("supports_response_schema", "structured output (a response_format with a JSON schema)")


def wants_schema(response_format: Any) -> bool:
    """A ``response_format`` that asks for a JSON schema (a pydantic class becomes one in LiteLLM)."""
    if isinstance(response_format, type):
        return issubclass(response_format, BaseModel)
    return isinstance(response_format, Mapping) and response_format.get("type") == "json_schema"


def of(messages: Any, params: Mapping[str, Any]) -> tuple[Need, ...]:
    """The capabilities a request needs besides a context window, in a fixed order."""
    from litellm.litellm_core_utils.prompt_templates.common_utils import request_contains_image_content

    found = []
    if isinstance(messages, list) and request_contains_image_content(messages):
        found.append(IMAGES)
    if params.get("tools") or params.get("functions"):
        found.append(TOOLS)
    if wants_schema(params.get("response_format")):
        found.append(SCHEMA)
    return tuple(found)


def capabilities(entry: ModelEntry) -> dict[str, Any]:
    """The catalog's flags for ``entry`` under their ``model_info`` names."""
    return {
        IMAGES.flag: entry.supports_vision,
        TOOLS.flag: entry.supports_function_calling,
        SCHEMA.flag: entry.supports_response_schema,
        WINDOW: entry.context_window,
    }


def missing(needs: Iterable[Need], info: Mapping[str, Any]) -> list[Need]:
    """The needs ``info`` declares it lacks (``False``); an undeclared flag is not a lack."""
    return [need for need in needs if info.get(need.flag) is False]


def too_small(info: Mapping[str, Any], prompt_tokens: int | None) -> bool:
    window = info.get(WINDOW)
    return isinstance(window, int) and prompt_tokens is not None and prompt_tokens > window


def serves(entry: ModelEntry, needs: Iterable[Need], prompt_tokens: int | None) -> bool:
    """``entry`` declares every need (a holder is named to users, so unknown is not enough) and the window."""
    info = capabilities(entry)
    return all(info.get(need.flag) is True for need in needs) and not too_small(info, prompt_tokens)


def holders(needs: Sequence[Need], prompt_tokens: int | None) -> tuple[list[str], list[str]]:
    """``kilo/...`` names of the served catalog models that have every need: (free, paid)."""
    served = [e for e in catalog.active().models if not e.retired and serves(e, needs, prompt_tokens)]
    free = [catalog.name_of(e) for e in catalog.served_free() if e in served]
    return free, [catalog.name_of(e) for e in served if not e.free]


def _names(names: list[str]) -> str:
    if not names:
        return "none"
    more = len(names) - SHOWN
    return ", ".join(names[:SHOWN]) + (f" and {more} more" if more > 0 else "")


def refusal_message(
    model: str, lacking: Sequence[Need], needs: Sequence[Need], prompt_tokens: int | None, window: int | None
) -> str:
    """Why ``model`` was not sent the request, and which models have everything it needs (free first)."""
    reasons = [f"it does not take {need.label}" for need in lacking]
    if prompt_tokens is not None and window is not None and prompt_tokens > window:
        reasons.append(f"the prompt has about {prompt_tokens} tokens and its context window is {window}")
    wanted = [need.label for need in needs]
    if prompt_tokens is not None:
        wanted.append(f"a context window of {prompt_tokens} tokens or more")
    free, paid = holders(needs, prompt_tokens)
    return (
        f"{model} was not sent this request: {'; '.join(reasons)} (the gateway's /models). "
        f"Free models with {' and '.join(wanted)}: {_names(free)}. "
        f"Paid models with it (they need {ENV_API_KEY}): {_names(paid)}."
    )
