"""Whether the gateway still serves a model a chain names, on the gateway's own word.

A free chain (``free_router()``, the generated proxy config) was written from the catalog of its
day; the gateway's free list changes monthly. A member is skipped, with one warning per model that
says how to write the config again, when

* the gateway's ``/models`` (fetched by this process or remembered from a refresh, never the bundled
  snapshot) no longer lists it;
* it answered 404 ``model_not_found`` in this process (:func:`mark_not_found`, called by the provider);
* its ``expiration_date`` has passed.

Pure but for the small in-process record of 404s and the once-per-model warning.
"""

from __future__ import annotations

import datetime
import logging
import threading

from kilo_litellm.config.settings import PROVIDER
from kilo_litellm.models import catalog, retirement

logger = logging.getLogger("kilo_litellm")

REGENERATE = "`kilo-litellm models --refresh && kilo-litellm proxy-config -o litellm_config.yaml`"

_not_found: set[str] = set()
_warned: set[str] = set()
_lock = threading.Lock()


def _gateway_id(model: str) -> str:
    name = model.strip()
    return name[len(PROVIDER) + 1 :] if name.lower().startswith(f"{PROVIDER}/") else name


def mark_not_found(gateway_id: str) -> None:
    """The gateway answered 404 ``model_not_found`` for ``gateway_id``: chains skip it from now on."""
    with _lock:
        _not_found.add(gateway_id.strip().lower())


def forget() -> None:
    """Forget every 404 and warning: a newly installed catalog speaks for the gateway again."""
    with _lock:
        _not_found.clear()
        _warned.clear()


catalog.on_install(lambda _found: forget())


def why_not(model: str, today: datetime.date | None = None) -> str | None:
    """Why a chain should not send to ``model`` (``kilo/<id>`` or ``<id>``), or ``None`` while it is served."""
    gateway_id = _gateway_id(model)
    key = gateway_id.lower()
    if key in _not_found:
        return "the gateway answered 404 model_not_found for it"
    entry = catalog.lookup(gateway_id)
    if catalog.provenance().source != "snapshot" and (entry is None or not entry.listed):
        return f"the gateway's /models ({catalog.provenance().describe_age()}) no longer lists it"
    if entry is not None and entry.expiration_date is not None:
        if entry.expiration_date < (today or retirement.utc_today()):
            return f"it was listed to retire on {entry.expiration_date.isoformat()}"
    return None


def skipped(model: str, today: datetime.date | None = None) -> str | None:
    """:func:`why_not`, warned about once per model: ``None`` when ``model`` is served."""
    reason = why_not(model, today)
    if reason is None:
        return None
    key = _gateway_id(model).lower()
    with _lock:
        first = key not in _warned
        _warned.add(key)
    if first:
        logger.warning(
            "kilo free chain: skipping %s/%s: %s. Write the config again from the live list: %s",
            PROVIDER,
            _gateway_id(model),
            reason,
            REGENERATE,
        )
    return reason
