"""``POST /embeddings`` and ``GET /embedding-models`` as the emulated gateway answers them: synthesised.

No recording of either exists. The list is the bundled ``data/embedding-models.json`` (a data file
the emulator shares, in the ``/models`` shape). An answer holds deterministic unit vectors derived
from a hash of each input (equal inputs embed equally), usage with ``prompt_tokens`` and
``total_tokens`` (words, or token ids for token input) and, for a priced id, ``cost``. Free are the
listed ``isFree`` or zero-priced ids and unlisted ``:free`` ids; a chat model is refused with
``api_kind_not_supported``; other unlisted ids are 404.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import random
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from typing import Any

from kilo_litellm.emulator import bodies
from kilo_litellm.emulator.reply import Reply, error

LISTING = "data/embedding-models.json"
DEFAULT_VECTOR_SIZE = 256
VECTOR_SIZES = {
    "openai/text-embedding-3-small": 1536,
    "openai/text-embedding-3-large": 3072,
    "openai/text-embedding-ada-002": 1536,
    "mistralai/mistral-embed-2312": 1024,
    "qwen/qwen3-embedding-8b": 4096,
}
"""Vector sizes the model makers publish."""


@dataclass(frozen=True)
class Listed:
    free: bool
    price: float | None
    vector_size: int | None


def listing_bytes() -> bytes:
    return resources.files("kilo_litellm").joinpath(LISTING).read_bytes()


def _price(value: Any) -> float | None:
    try:
        price = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return float(price) if price.is_finite() and price >= 0 else None


@lru_cache(maxsize=1)
def listed() -> dict[str, Listed]:
    out = {}
    for row in json.loads(listing_bytes())["data"]:
        price = _price((row.get("pricing") or {}).get("prompt"))
        free = row.get("isFree") is True or row["id"].endswith(":free") or price == 0
        out[row["id"]] = Listed(free=free, price=None if free else price, vector_size=VECTOR_SIZES.get(row["id"]))
    return out


def vector(text: str, size: int) -> list[float]:
    """A unit vector that depends only on ``text`` and ``size``: equal inputs embed equally."""
    rng = random.Random(int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big"))
    values = [rng.uniform(-1.0, 1.0) for _ in range(size)]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [round(v / norm, 6) for v in values]


def _encoded(values: list[float], encoding_format: Any) -> list[float] | str:
    if encoding_format == "base64":
        return base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode()
    return values


def _tokens(item: Any) -> int:
    return len(item) if isinstance(item, list) else max(1, len(str(item).split()))


def answer(token: str | None, raw: bytes, rejected: Callable[[str], bool], chat_models: Mapping[str, bool]) -> Reply:
    """``POST /embeddings``; ``chat_models`` is the chat ``/models`` (lower-cased id -> ``isFree``)."""
    try:
        body = json.loads(raw)
    except ValueError:
        return error(400, bodies.BAD_JSON_BODY)
    model = body.get("model") if isinstance(body, dict) else None
    if not isinstance(model, str) or not model:
        return error(400, bodies.BAD_JSON_BODY)
    found = listed().get(model)
    if found is None and model.strip().lower() in chat_models:
        return error(400, bodies.API_KIND_BODY)
    if found is None and not model.endswith(":free"):
        return error(404, bodies.EMBEDDING_NOT_FOUND_BODY)
    if token is not None and rejected(token):
        return error(401, bodies.INVALID_TOKEN_BODY, bodies.INVALID_TOKEN_HEADERS)
    if token is None and not (found.free if found is not None else True):
        return error(401, bodies.PAID_AUTH_BODY)
    inputs = body.get("input")
    items = inputs if isinstance(inputs, list) and inputs and not isinstance(inputs[0], int) else [inputs]
    size = body.get("dimensions") or (found.vector_size if found else None) or DEFAULT_VECTOR_SIZE
    fmt = body.get("encoding_format")
    data = [
        {"object": "embedding", "index": i, "embedding": _encoded(vector(json.dumps(item), size), fmt)}
        for i, item in enumerate(items)
    ]
    tokens = sum(_tokens(item) for item in items)
    usage: dict[str, Any] = {"prompt_tokens": tokens, "total_tokens": tokens}
    if found is not None and not found.free and found.price is not None:
        usage["cost"] = tokens * found.price
    return Reply(
        body=json.dumps({"object": "list", "data": data, "model": model, "usage": usage}).encode(), stream=False
    )
