"""What the emulated gateway answers one request: the route, then the gateway's checks in its order, then the answer.

Pure: a function of the path, the headers, the body, the ``/models`` the emulator serves and its
rule for tokens (:mod:`.rules`). For chat, Messages and Responses: a body that is not JSON is 400
``invalid_request``, a ``providerOptions`` field 400 ``unsupported_field``, a missing or blank
``model`` 404, all before the key is checked; then the caller and the model (:func:`.rules.refusal`);
then the answer (:mod:`.chat`, :mod:`.api_shapes`). A path the gateway does not serve is a JSON 404.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from kilo_litellm.emulator import api_shapes, bodies, chat, embeddings, fim, rules
from kilo_litellm.emulator.listing import listed_free, listing_body
from kilo_litellm.emulator.reply import Reply, error


def answer(
    path: str,
    headers: Mapping[str, str],
    raw: bytes,
    models: list[dict[str, Any]],
    rejected: Callable[[str], bool],
) -> Reply:
    """The gateway's answer to one request (the account routes aside)."""
    found = rules.route(path)
    token = rules.bearer(headers)
    if found is None:
        return error(404, bodies.path_not_found_body(path.split("?", 1)[0]))
    name = found.name
    if name == rules.MODELS:
        if token is not None and rejected(token):
            return rules.invalid_token()
        return Reply(body=listing_body(models), stream=False)
    if name == "/embedding-models":
        return Reply(body=embeddings.listing_bytes(), stream=False)
    if name == "/embeddings":
        return embeddings.answer(token, raw, rejected, listed_free(models))
    if name in (rules.FIM, rules.EDIT):
        return Reply(**fim.answer(token, raw, rejected, edit=name == rules.EDIT))
    if name not in rules.INFERENCE:
        return error(404, bodies.path_not_found_body(path.split("?", 1)[0]))
    return _inference(name, token, raw, models, rejected)


def _inference(
    name: str, token: str | None, raw: bytes, models: list[dict[str, Any]], rejected: Callable[[str], bool]
) -> Reply:
    try:
        body = json.loads(raw)
    except ValueError:
        return error(400, bodies.BAD_JSON_BODY)
    if not isinstance(body, dict):
        return error(400, bodies.BAD_JSON_BODY)
    if "providerOptions" in body:
        return error(400, bodies.PROVIDER_OPTIONS_BODY)
    model = body.get("model")
    if not isinstance(model, str) or not model.strip():
        return error(404, bodies.EMPTY_MODEL_BODY)
    refused = rules.refusal(model, token, listed_free(models), rejected)
    if refused is not None:
        return refused
    if name == rules.CHAT:
        return chat.answer(body)
    if name == rules.MESSAGES:
        return api_shapes.messages_answer(body)
    if body.get("store") is True or body.get("previous_response_id"):
        return error(400, bodies.STORE_BODY)
    return api_shapes.responses_answer(body)
