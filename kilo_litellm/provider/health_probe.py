"""A LiteLLM health check of a ``kilo/`` deployment, answered without spending a request on a model.

LiteLLM 1.110's proxy probes every deployment the same way, for ``GET /health`` and for
``general_settings.background_health_checks``: ``litellm.ahealth_check`` with the deployment's
``litellm_params`` (``model_info.health_check_model`` replacing the model, ``model_info.mode``
choosing the call, ``chat`` by default), which for a custom provider is a real ``acompletion``
("test from litellm", ``max_tokens`` 16) tagged ``litellm-internal-health-check`` in its metadata
(``docs/litellm-assumptions.md``, "The proxy"). Against the gateway that is a billed request
to each paid model and a request off the free tier's quota for each free one, per check.

The provider recognises the tag (:func:`requested`) and answers the check itself:

* a paid model without a key is reported as needing one (nothing is sent: the gateway would
  refuse it);
* else ``GET {api_base}/models`` (is the gateway there, does it list the chat model?) and, with a key,
  ``GET {origin}/api/profile`` (is the key accepted?); neither is a model request, neither costs.

Both answers are shared by every deployment with the same ``api_base`` and key for
:data:`PROBE_TTL` seconds (concurrent checks wait for the one in flight), so one ``/health`` is
at most one probe per ``api_base`` and key, whatever the number of deployments. A failure is
raised as the ``litellm`` error the same failure of a chat call would be, which ``/health`` lists
under ``unhealthy_endpoints``. The probe goes through LiteLLM's ``acompletion`` like any call, but
not through the Router, so the free-tier budget guard (a Router pre-call check) never counts it.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from litellm.types.utils import Choices, Message, ModelResponse, Usage

from kilo_litellm.config.settings import (
    DEFAULT_ACCOUNT_URL,
    ENV_API_KEY,
    LOGIN_COMMAND,
    PROVIDER,
    SIGN_UP_URL,
    Settings,
    resolve,
)
from kilo_litellm.config.urls import KILO_HOSTS, endpoint
from kilo_litellm.models import catalog
from kilo_litellm.models.catalog import ModelEntry
from kilo_litellm.provider import embeddings, errors, litellm_internals, request

HEALTH_CHECK_TAG = "litellm-internal-health-check"
PROBE_TTL = 10.0
PROFILE_PATH = "/api/profile"


def requested(litellm_params: Any) -> bool:
    """Whether LiteLLM sent this call as a health check (its metadata carries the health-check tag)."""
    if not isinstance(litellm_params, Mapping):
        return False
    for name in ("metadata", "litellm_metadata"):
        metadata = litellm_params.get(name)
        tags = metadata.get("tags") if isinstance(metadata, Mapping) else None
        if isinstance(tags, (list, tuple)) and HEALTH_CHECK_TAG in tags:
            return True
    return False


def profile_url(api_base: str) -> str:
    """``/api/profile`` on the account origin: the base's host (Kilo's web host for its gateway hosts)."""
    url = httpx.URL(api_base)
    if url.host in KILO_HOSTS:
        return DEFAULT_ACCOUNT_URL + PROFILE_PATH
    return str(url.copy_with(path=PROFILE_PATH, query=None, fragment=None))


@dataclass(frozen=True)
class Seen:
    """What one probe of a base (with one key) found: the ids ``/models`` lists, or the error raised."""

    at: float
    listed: frozenset[str] = frozenset()
    error: Exception | None = None


_seen: dict[tuple[str, str], Seen] = {}
_inflight: dict[tuple[int, str, str], asyncio.Future] = {}


def _key_of(settings: Settings) -> tuple[str, str]:
    """The cache key: the base and a digest of the key (the key itself is never stored)."""
    secret = settings.api_key.strip() if settings.has_real_key else ""
    return settings.api_base, hashlib.sha256(secret.encode()).hexdigest()[:16]


def needs_key(model: str) -> Exception:
    return errors.auth_required(
        f"{PROVIDER}/{model}",
        detail=(
            f"health check: '{PROVIDER}/{model}' needs a key: it is a paid model and no Kilo API key is set, so "
            f"the gateway would refuse every call. Run `{LOGIN_COMMAND}`, or set {ENV_API_KEY} (or the "
            f"deployment's api_key) to a key from {SIGN_UP_URL}."
        ),
    )


async def _fetch(http: httpx.AsyncClient, settings: Settings, model: str) -> Seen:
    headers = request.build_headers(settings=settings)
    models_url = endpoint(settings.api_base, "models")
    try:
        listed = await http.get(models_url, headers=headers)
        if listed.status_code >= 400:
            raise _refused(model, models_url, listed, settings)
        data = (
            listed.json().get("data") if listed.headers.get("content-type", "").startswith("application/json") else None
        )
        ids = frozenset(str(m.get("id", "")).lower() for m in data or () if isinstance(m, Mapping))
        if settings.has_real_key:
            url = profile_url(settings.api_base)
            profile = await http.get(url, headers=headers)
            if profile.status_code >= 400:
                raise _refused(model, url, profile, settings)
    except httpx.HTTPError as exc:
        if isinstance(exc, httpx.TimeoutException):
            raise errors.timeout(model, None, "health check", models_url) from None
        raise errors.connection(model, f"{type(exc).__name__}: {exc}", models_url) from None
    except ValueError:
        ids = frozenset()
    return Seen(at=time.monotonic(), listed=ids)


def _refused(model: str, url: str, resp: httpx.Response, settings: Settings) -> Exception:
    wrong = errors.wrong_url(resp.status_code, resp.content, model=model, url=url)
    return wrong or errors.to_exception(
        errors.parse(resp.status_code, resp.content),
        model=model,
        url=url,
        has_real_key=settings.has_real_key,
        stored_sign_in=settings.signed_in,
    )


async def probe(http: httpx.AsyncClient, settings: Settings, model: str) -> Seen:
    """The gateway's answer for this base and key: cached for :data:`PROBE_TTL`, shared while in flight."""
    key = _key_of(settings)
    seen = _seen.get(key)
    if seen is not None and time.monotonic() - seen.at < PROBE_TTL:
        return seen
    flight = (id(asyncio.get_running_loop()), *key)
    running = _inflight.get(flight)
    if running is None:
        running = asyncio.ensure_future(_probe_once(http, settings, model))
        _inflight[flight] = running
        running.add_done_callback(lambda _: _inflight.pop(flight, None))
    return await asyncio.shield(running)


async def _probe_once(http: httpx.AsyncClient, settings: Settings, model: str) -> Seen:
    try:
        seen = await _fetch(http, settings, model)
    except Exception as exc:
        seen = Seen(at=time.monotonic(), error=exc)
    _seen[_key_of(settings)] = seen
    return seen


def _listed(entry: ModelEntry, seen: Seen) -> bool:
    """Whether the gateway serves the model, as far as its list tells (fill-in-the-middle models may
    be served unlisted, and a list that could not be read tells nothing)."""
    return not seen.listed or entry.supports_fim or entry.gateway_id.lower() in seen.listed


async def answer(
    model: str, api_key: str | None, api_base: str | None, http: httpx.AsyncClient, model_response: ModelResponse
) -> ModelResponse:
    """The health check's answer for ``kilo/<model>``, or the error that makes it unhealthy."""
    settings = resolve(api_key, api_base)
    try:
        entry = catalog.resolve(model)
    except catalog.UnknownModelError as exc:
        raise errors.unknown_model(model, str(exc)) from None
    if entry.retired:
        raise errors.retired(model, entry)
    if entry.known and not entry.free and not settings.has_real_key:
        raise needs_key(model)
    seen = await probe(http, settings, model)
    if seen.error is not None:
        raise seen.error
    if not _listed(entry, seen):
        raise errors.unknown_model(
            model, f"health check: the gateway at {settings.api_base} does not list '{entry.gateway_id}' on /models."
        )
    model_response.choices = [Choices(index=0, finish_reason="stop", message=Message(content="", role="assistant"))]
    model_response.model = f"{PROVIDER}/{model}"
    model_response.usage = Usage(prompt_tokens=0, completion_tokens=0, total_tokens=0)  # type: ignore[attr-defined]
    hidden = litellm_internals.hidden_params(model_response)
    hidden["custom_llm_provider"] = PROVIDER
    hidden["kilo_health_probe"] = True
    litellm_internals.record_reported_cost(model_response, 0.0)
    return model_response


async def answer_embedding(
    model: str, api_key: str | None, api_base: str | None, http: httpx.AsyncClient, model_response: Any
) -> Any:
    """The health check's answer for an embedding deployment (``model_info.mode: embedding``)."""
    settings = resolve(api_key, api_base)
    listed = embeddings.lookup(model)
    if listed is not None and not listed.free and not settings.has_real_key:
        raise needs_key(model)
    seen = await probe(http, settings, model)
    if seen.error is not None:
        raise seen.error
    model_response.model = f"{PROVIDER}/{model}"
    model_response.data = []
    hidden = litellm_internals.hidden_params(model_response)
    hidden["custom_llm_provider"] = PROVIDER
    hidden["kilo_health_probe"] = True
    litellm_internals.record_reported_cost(model_response, 0.0)
    return model_response


def forget() -> None:
    """Drop every remembered probe (tests, or after changing keys)."""
    _seen.clear()
