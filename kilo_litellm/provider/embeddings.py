"""Embeddings through the gateway: its model list, the request body and the ``EmbeddingResponse`` (pure).

The gateway serves ``POST {base}/embeddings`` in OpenAI's embeddings shape (``{"model", "input",
"dimensions"?, "encoding_format"?}`` → ``{"data": [{"embedding", "index"}], "usage"}``) and lists
its embedding models at ``GET {base}/embedding-models``. Free embedding ids may be called
without a key, like free chat models; paid ones need one.

The listing's shape is **assumed** from the description of the gateway's server code to be the
``/models`` shape (``{"data": [{"id", "name", "context_length", "pricing": {"prompt": "0.00000002"},
"isFree", ...}]}``); no recording of a live answer exists. ``data/embedding-models.json`` is a
bundled copy in that shape, registered with LiteLLM at import (``mode: "embedding"``, with the
vector size where it is publicly known), so ``get_model_info`` and cost work before anything is
fetched; :func:`refresh_embedding_models` replaces it with the gateway's own list.

The gateway's usage may carry ``cost`` (the upstream's charge, as for chat); when it does not,
the cost is the listed per-token price times the prompt tokens, and 0 for free ids.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import TYPE_CHECKING, Any

import httpx

from kilo_litellm.config import settings
from kilo_litellm.config.settings import PROVIDER
from kilo_litellm.config.urls import endpoint

if TYPE_CHECKING:
    from litellm.types.utils import EmbeddingResponse

logger = logging.getLogger("kilo_litellm")

BUNDLED = "data/embedding-models.json"
FETCH_TIMEOUT = 10.0

# Vector sizes the model makers publish; the gateway's listing does not carry them.
VECTOR_SIZES = {
    "openai/text-embedding-3-small": 1536,
    "openai/text-embedding-3-large": 3072,
    "openai/text-embedding-ada-002": 1536,
    "mistralai/mistral-embed-2312": 1024,
    "qwen/qwen3-embedding-8b": 4096,
}

# Request parameters of OpenAI's embeddings API that the gateway forwards; LiteLLM's own keys are not sent.
FORWARDED = ("dimensions", "encoding_format", "user", "input_type", "provider")


@dataclass(frozen=True)
class EmbeddingModel:
    """One embedding model the gateway lists: what LiteLLM needs to know about it."""

    id: str
    name: str | None = None
    context_length: int | None = None
    price_per_token: float | None = None
    free: bool = False
    vector_size: int | None = None


def _price(value: Any) -> float | None:
    """A decimal string in USD per token; a negative price (``"-1"``) means unknown."""
    try:
        price = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return float(price) if price.is_finite() and price >= 0 else None


def is_free_id(model_id: str) -> bool:
    return model_id.endswith(":free")


def parse_listing(body: Any) -> list[EmbeddingModel]:
    """``GET /embedding-models`` (assumed ``/models`` shape) → models; unreadable entries are skipped."""
    rows = body.get("data") if isinstance(body, Mapping) else None
    out = []
    for row in rows if isinstance(rows, list) else ():
        if not isinstance(row, Mapping) or not isinstance(row.get("id"), str) or not row["id"]:
            continue
        pricing = row.get("pricing") if isinstance(row.get("pricing"), Mapping) else {}
        price = _price(pricing.get("prompt"))
        free = row.get("isFree") is True or is_free_id(row["id"]) or price == 0
        context = row.get("context_length")
        out.append(
            EmbeddingModel(
                id=row["id"],
                name=row.get("name") if isinstance(row.get("name"), str) else None,
                context_length=context if isinstance(context, int) and context > 0 else None,
                price_per_token=0.0 if free else price,
                free=free,
                vector_size=VECTOR_SIZES.get(row["id"]),
            )
        )
    return out


def bundled() -> list[EmbeddingModel]:
    return parse_listing(json.loads(resources.files("kilo_litellm").joinpath(BUNDLED).read_text("utf-8")))


_known: dict[str, EmbeddingModel] = {m.id: m for m in bundled()}


def known() -> list[EmbeddingModel]:
    return list(_known.values())


def lookup(model_id: str) -> EmbeddingModel | None:
    return _known.get(model_id)


def is_free(model_id: str) -> bool:
    found = lookup(model_id)
    return found.free if found is not None else is_free_id(model_id)


def model_cost_map(models: Iterable[EmbeddingModel] | None = None) -> dict[str, dict]:
    """``litellm.register_model`` entries: ``kilo/<id>`` in ``mode: "embedding"``."""
    out = {}
    for m in known() if models is None else models:
        entry: dict[str, Any] = {
            "litellm_provider": PROVIDER,
            "mode": "embedding",
            "input_cost_per_token": m.price_per_token or 0.0,
            "output_cost_per_token": 0.0,
            "cache_read_input_token_cost": 0.0,
            "cache_creation_input_token_cost": 0.0,
        }
        if m.context_length:
            entry["max_input_tokens"] = entry["max_tokens"] = m.context_length
        if m.vector_size:
            entry["output_vector_size"] = m.vector_size
        out[f"{PROVIDER}/{m.id}"] = entry
    return out


def register(models: Iterable[EmbeddingModel]) -> list[EmbeddingModel]:
    """Make ``models`` the known embedding models and register them with LiteLLM."""
    from kilo_litellm.provider import litellm_internals

    models = list(models)
    _known.update({m.id: m for m in models})
    litellm_internals.register_models(model_cost_map(models))
    return models


def build_body(*, model_id: str, inputs: Any, params: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body for ``POST /embeddings``; ``extra_body`` is merged as for chat."""
    body: dict[str, Any] = {"model": model_id, "input": inputs}
    body.update({k: params[k] for k in FORWARDED if params.get(k) is not None})
    body.update(params.get("extra_body") or {})
    return body


def input_problem(*, inputs: Any) -> str | None:
    """What is wrong with ``input`` before anything is sent, or ``None``."""
    if isinstance(inputs, str):
        return None if inputs else "input must not be empty."
    if not isinstance(inputs, list) or not inputs:
        return "input must be a string or a non-empty list of strings (or of token-id lists)."
    return None


def cost(model: EmbeddingModel | None, model_id: str, usage: Mapping[str, Any]) -> float | None:
    """USD for one call: the gateway's ``usage.cost``, else the listed price, 0 for a free id."""
    reported = usage.get("cost")
    if isinstance(reported, (int, float)) and not isinstance(reported, bool) and reported >= 0:
        return float(reported)
    if model.free if model is not None else is_free_id(model_id):
        return 0.0
    tokens = usage.get("prompt_tokens")
    if model is None or model.price_per_token is None or not isinstance(tokens, int):
        return None
    return tokens * model.price_per_token


def fill(model_response: EmbeddingResponse, data: Any, model_id: str) -> EmbeddingResponse:
    """The gateway's JSON → LiteLLM's ``EmbeddingResponse``, with usage and cost."""
    from litellm.types.utils import Embedding, Usage

    from kilo_litellm.provider import litellm_internals

    rows = data.get("data") if isinstance(data, Mapping) else None
    if not isinstance(rows, list):
        raise ValueError(f"expected {{'data': [...]}}, got {str(data)[:200]!r}")
    model_response.data = [
        Embedding(embedding=row.get("embedding"), index=row.get("index", i), object="embedding")
        for i, row in enumerate(rows)
        if isinstance(row, Mapping)
    ]
    usage = data.get("usage") if isinstance(data.get("usage"), Mapping) else {}
    prompt = usage.get("prompt_tokens") if isinstance(usage.get("prompt_tokens"), int) else 0
    total = usage.get("total_tokens") if isinstance(usage.get("total_tokens"), int) else prompt
    model_response.usage = Usage(prompt_tokens=prompt, completion_tokens=0, total_tokens=total)
    model_response.model = model_id
    price = cost(lookup(model_id), model_id, usage)
    if price is not None:
        model_response.usage.cost = price  # type: ignore[attr-defined]
        litellm_internals.hidden_params(model_response)["response_cost"] = price
    litellm_internals.hidden_params(model_response)["custom_llm_provider"] = PROVIDER
    return model_response


def refresh_embedding_models(api_base: str | None = None, client: httpx.Client | None = None) -> list[EmbeddingModel]:
    """``GET {api_base}/embedding-models`` → the known models, registered with LiteLLM.

    Never raises: when the gateway cannot be read, the models known so far stay in use and a
    warning is logged on the ``kilo_litellm`` logger.
    """
    url = endpoint(settings.resolve(api_base=api_base).api_base, "embedding-models")
    http = client or httpx.Client(timeout=FETCH_TIMEOUT)
    try:
        resp = http.get(url, headers={"Accept": "application/json"})
        models = parse_listing(resp.json()) if resp.status_code == 200 else []
        problem = None if models else f"GET {url} answered HTTP {resp.status_code} with no embedding models"
    except (httpx.HTTPError, ValueError) as exc:
        models, problem = [], f"GET {url} failed: {type(exc).__name__}"
    finally:
        if client is None:
            http.close()
    if problem:
        logger.warning("kilo embedding models not refreshed: %s; keeping %d known ones", problem, len(_known))
        return known()
    register(models)
    return models
