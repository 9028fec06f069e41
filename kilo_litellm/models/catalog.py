"""The model catalog: friendly aliases, gateway ids, limits, prices and capability flags.

The catalog is data loaded into pydantic models. It answers two questions:

* which gateway id does ``kilo/<name>`` send? Seed aliases such as ``glm-5-free`` are not gateway
  ids (the gateway knows ``z-ai/glm-5:free``); any ``vendor/model`` id is sent as given.
* what does LiteLLM need to know about a model (``litellm.register_model`` entries), so that
  ``get_model_info``, cost and the proxy's model info work for ``kilo/...`` names?

The bundled catalog is the seed aliases (``data/models.json``) merged into the bundled copy of the
gateway's ``/models`` (``data/models-snapshot.json``) by the same rule :func:`refresh_models` uses
for the live list, so the live gateway, when asked, replaces it entry for entry.

Free is what ``/models`` says (``isFree``), and nothing else: the gateway serves ids free that no
rule on the id predicts (``stepfun/step-5-preview-free``, ``inclusionai/ling-3.1-flash``,
``stealth/<name>-alpha``; docs/gateway-contract.md, "Free models and limits") and changes that rule
monthly. So an id the catalog does not list is neither free nor paid here: it is sent (without
``Authorization`` when there is no key) and the gateway answers, with 401
``PAID_MODEL_AUTH_REQUIRED`` if it wants a key. Only an id the catalog lists as paid is refused
before sending without a key. ``kilo-auto/free`` is the stable free entry (same section); the seed
page's free ids are all retired and each names it as its successor.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from kilo_litellm.config import settings
from kilo_litellm.config.settings import PROVIDER
from kilo_litellm.models import listing, prefill, remembered
from kilo_litellm.models.entry import FREE_AUTO, Catalog, ModelEntry
from kilo_litellm.models.entry import is_free_id as is_free_id  # the drift report's display guess


@lru_cache(maxsize=1)
def seeds() -> Catalog:
    """``data/models.json``: the seed aliases and the entries that must resolve even when unlisted.

    Each entry's ``_source`` (where its facts come from) is a note for maintainers, not a field.
    """
    raw = resources.files("kilo_litellm").joinpath("data/models.json").read_text(encoding="utf-8")
    models = [{k: v for k, v in m.items() if not k.startswith("_")} for m in json.loads(raw)["models"]]
    return Catalog.model_validate({"models": models})


@lru_cache(maxsize=1)
def bundled() -> Catalog:
    """The seeds merged into the bundled ``/models`` snapshot: what answers before any refresh."""
    return merge(seeds(), listing.parse_models(listing.snapshot_payload()))


def _adopt(seed: ModelEntry, live: ModelEntry) -> ModelEntry:
    """The live numbers under the seed's aliases.

    A seed alias was a free model: listed but no longer free means it lost its free status, so the
    alias stays retired. ``kilo/auto``'s ``/models`` price is a placeholder the gateway shows so
    that UIs do not call it free; the seed's (unknown) price is kept.
    """
    if not seed.aliases:
        return live.model_copy(update={"keyless": True}) if seed.keyless else live
    served = live.free or not seed.free
    update: dict = {"aliases": seed.aliases, "retired": not served, "successor": seed.successor}
    if live.gateway_id.lower() == "kilo/auto":
        update.update(
            input_cost_per_token=seed.input_cost_per_token,
            output_cost_per_token=seed.output_cost_per_token,
            cache_read_input_token_cost=seed.cache_read_input_token_cost,
            cache_write_input_token_cost=seed.cache_write_input_token_cost,
        )
    return live.model_copy(update=update)


def merge(seed_catalog: Catalog, live: list[ModelEntry]) -> Catalog:
    """The listed models with the seed aliases attached.

    An alias takes its numbers from the listed entry with the same gateway id and is served while
    that entry is free. An alias whose id is not listed stays resolvable (its id is still sent)
    but is marked retired, keeping its ``successor``, so a refusal ends in a ``NotFoundError``
    naming it and the current free models. Seeds without aliases (``kilo-auto/free``) are kept
    as they are when unlisted.
    """
    by_id = {e.gateway_id.lower(): e for e in seed_catalog.models}
    models = [_adopt(by_id[e.gateway_id.lower()], e) if e.gateway_id.lower() in by_id else e for e in live]
    listed = {e.gateway_id.lower() for e in live}
    models += [
        e.model_copy(update={"retired": True}) if e.aliases else e
        for e in seed_catalog.models
        if e.gateway_id.lower() not in listed
    ]
    return Catalog(models=tuple(models))


@dataclass(frozen=True)
class Provenance:
    """Where the active catalog's ``/models`` list came from: ``live`` (fetched by this process),
    ``disk`` (remembered from an earlier refresh) or ``snapshot`` (bundled), with the gateway URL and
    the time it was fetched (Unix seconds; ``None`` for the snapshot)."""

    source: str = "snapshot"
    api_base: str | None = None
    fetched_at: float | None = None

    def age(self, now: float | None = None) -> float | None:
        """Seconds since the list was fetched; ``None`` for the bundled snapshot."""
        if self.fetched_at is None or self.source == "snapshot":
            return None
        return max(0.0, (time.time() if now is None else now) - self.fetched_at)

    def describe_age(self, now: float | None = None) -> str:
        """``fetched 3 min ago from <url>`` or ``the bundled snapshot``: what the CLI and ``check`` show."""
        age = self.age(now)
        if age is None:
            return f"the {listing.snapshot_origin().describe()} (no live list was ever fetched here)"
        return f"fetched {_duration(age)} ago from {self.api_base}/models ({self.source})"


LIVE_FOR = 24 * 3600.0
"""How long a fetched list may speak for the gateway before a call is refused on its word alone."""


def _duration(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f} {unit}"
    return f"{seconds:.0f} s"


_UNSET: Any = object()
_live: Any = _UNSET
_provenance = Provenance()
_listeners: list[Callable[[Catalog], None]] = []


def from_remembered() -> tuple[Catalog, Provenance] | None:
    """The list an earlier refresh remembered on disk (:mod:`remembered`), as a catalog, or ``None``."""
    copy = remembered.read()
    if copy is None:
        return None
    entries = listing.parse_models({"data": copy.data})
    if not entries:
        return None
    return merge(seeds(), entries), Provenance("disk", copy.api_base, copy.fetched_at)


def _start() -> None:
    """The first look at the catalog in a process: what the gateway said last, remembered on disk,
    else the bundled snapshot."""
    global _live, _provenance
    found = from_remembered()
    _live, _provenance = (None, Provenance()) if found is None else found


def active() -> Catalog:
    """The catalog calls resolve against: the last one :func:`install` set, else the one an earlier
    refresh remembered, else the bundled one."""
    if _live is _UNSET:
        _start()
    return _live if _live is not None else bundled()


def provenance() -> Provenance:
    """Where :func:`active`'s list came from, and when."""
    active()
    return _provenance


def live_list() -> Catalog | None:
    """The active catalog when it is the gateway's own list less than :data:`LIVE_FOR` old (fetched here
    or remembered), else ``None``: the only list that may decide anything before a call is sent."""
    catalog_now = active()
    age = _provenance.age()
    return catalog_now if _live is not None and age is not None and age < LIVE_FOR else None


def key_required(entry: ModelEntry) -> bool:
    """Whether a call to ``entry`` without a key is refused before it is sent.

    Only on the word of the gateway itself: a live ``/models`` list (fetched by this process or
    remembered from a refresh) less than :data:`LIVE_FOR` old lists the model as paid. The bundled
    data never refuses: whether a model is free, paid, retired or exists is then the gateway's answer
    (401 ``PAID_MODEL_AUTH_REQUIRED``, 404 ``model_not_found``), mapped to errors that say what to do.
    A retired seed alias is sent for its answer; ``kilo-auto/small`` is priced but served keyless.
    """
    return not (entry.free or entry.keyless or entry.retired) and entry.listed and live_list() is not None


def on_install(listener: Callable[[Catalog], None]) -> None:
    """Call ``listener(catalog)`` whenever a catalog is installed (LiteLLM's model map follows it so)."""
    if listener not in _listeners:
        _listeners.append(listener)


def install(live: Catalog | None, origin: Provenance | None = None) -> None:
    """Make ``live`` (from the gateway's ``/models``) the active catalog; ``None`` goes back to the bundled one."""
    global _live, _provenance
    _live = live
    _provenance = origin if live is not None and origin is not None else Provenance()
    _table.cache_clear()
    for listener in list(_listeners):
        listener(active())


@lru_cache(maxsize=1)
def _table() -> dict[str, ModelEntry]:
    return active().by_name()


def lookup(name: str) -> ModelEntry | None:
    """The catalog entry for an alias or gateway id, or ``None``."""
    return _table().get(name.strip().lower())


def served_free() -> list[ModelEntry]:
    """The free models the catalog lists and does not mark retired, ``kilo-auto/free`` first."""
    served = [e for e in active().models if e.free and not e.retired]
    return sorted(served, key=lambda e: e.gateway_id.lower() != FREE_AUTO)


def name_of(entry: ModelEntry) -> str:
    """The ``kilo/...`` name users know a model by: its first alias, else its gateway id."""
    return f"{PROVIDER}/{entry.aliases[0] if entry.aliases else entry.gateway_id}"


def current_free_models(limit: int = 6) -> list[str]:
    """``kilo/...`` names of the free models the gateway serves, ``kilo/kilo-auto/free`` first.

    The live ``/models`` lists dozens of ``:free`` models; messages name the first ``limit``.
    """
    return [name_of(e) for e in served_free()[:limit]]


def served_names(limit: int = 6) -> list[str]:
    """``kilo/...`` names a caller can use today: the served free models (``kilo/kilo-auto/free``
    first), then the served aliases; never a retired one."""
    names = current_free_models(limit)
    names += [f"{PROVIDER}/{a}" for e in active().models if not e.retired for a in e.aliases]
    return list(dict.fromkeys(names))


def close_name(name: str) -> str | None:
    """The catalog name closest to a mistyped ``name``, said with its state: ``kilo/<alias>``, or
    ``kilo/<alias> (retired; use <successor>)`` for a retired one; ``None`` when nothing is close."""
    import difflib

    table = _table()
    [match] = difflib.get_close_matches(name.strip().lower(), list(table), n=1, cutoff=0.75) or [None]
    if match is None:
        return None
    entry = table[match]
    return labelled(next((a for a in entry.aliases if a.lower() == match), entry.gateway_id), entry)


@dataclass(frozen=True)
class Summary:
    """One count of a catalog, the same in ``models``, ``models --json`` and ``check``.

    ``listed``: the served entries of the gateway's ``/models`` (``free`` of them free); ``kept``:
    served entries the list leaves out that the package's seeds keep (``kilo-auto/free`` when
    unlisted, the fill-in-the-middle ids); ``retired``: seed aliases the gateway no longer serves
    (``models`` shows them below its table, ``--json`` at the end of its list).
    """

    listed: int
    free: int
    kept: int
    retired: int

    @property
    def served(self) -> int:
        """The rows of ``kilo-litellm models``: listed plus kept."""
        return self.listed + self.kept

    def describe(self) -> str:
        kept = f" + {self.kept} the list leaves out (fill-in-the-middle ids, kept from the seeds)" if self.kept else ""
        return (
            f"{self.served} models: {self.listed} listed by /models ({self.free} free){kept}; "
            f"{self.retired} retired seed aliases"
        )


def summary(source: Catalog | None = None) -> Summary:
    """:class:`Summary` of ``source`` (default: the active catalog)."""
    models = (source or active()).models
    listed = [e for e in models if e.listed and not e.retired]
    return Summary(
        listed=len(listed),
        free=sum(1 for e in listed if e.free),
        kept=sum(1 for e in models if not e.listed and not e.retired),
        retired=sum(1 for e in models if e.retired),
    )


def nearest(gateway_id: str, limit: int = 3) -> list[str]:
    """``kilo/...`` names of the served models whose id is closest to ``gateway_id`` (a typo's answer:
    ``kilo-auto/fre`` → ``kilo/kilo-auto/free``), nearest first; never the id itself nor a retired one."""
    import difflib

    wanted = gateway_id.strip().lower().removeprefix(f"{PROVIDER}/")
    served = {e.gateway_id.lower(): e for e in active().models if not e.retired and e.listed}
    served.pop(wanted, None)
    close = difflib.get_close_matches(wanted, list(served), n=limit, cutoff=0.75)
    return [f"{PROVIDER}/{served[m].gateway_id}" for m in close]


def did_you_mean(gateway_id: str) -> str:
    """``Did you mean kilo/kilo-auto/free?`` for an id the gateway does not serve, or ``""``."""
    close = nearest(gateway_id)
    return f"Did you mean {' or '.join(close)}? " if close else ""


def labelled(name: str, entry: ModelEntry) -> str:
    """``kilo/<name>``, followed by ``(retired; use <successor>)`` when ``entry`` is retired: a name
    shown to a user as a suggestion never hides that it no longer works."""
    if not entry.retired:
        return f"{PROVIDER}/{name}"
    return f"{PROVIDER}/{name} (retired" + (f"; use {entry.successor})" if entry.successor else ")")


class UnknownModelError(ValueError):
    """A bare ``kilo/<name>`` that is neither an alias nor a known gateway id."""


def free_entry(model: str) -> ModelEntry | None:
    """The entry of a ``kilo/<model>`` name when the catalog lists it as free (``isFree``); ``None``
    for another provider's model, a paid one, one the catalog does not list or a name it cannot resolve."""
    if not settings.has_provider_prefix(model):
        return None
    try:
        entry = resolve(model)
    except UnknownModelError:
        return None
    return entry if entry.free else None


def _unknown(name: str) -> str:
    close = close_name(name)
    guess = f"Did you mean {close}? " if close else ""
    return (
        f"Unknown Kilo model alias 'kilo/{name}'. {guess}Served today: {', '.join(served_names())} "
        "(`kilo-litellm models` lists them all). Any gateway id also works, e.g. 'kilo/anthropic/claude-sonnet-4.6'."
    )


def resolve(model: str) -> ModelEntry:
    """Map what LiteLLM passes (``glm-5-free``, ``z-ai/glm-5:free``, ``anthropic/claude-sonnet-4.6``)
    to the entry whose ``gateway_id`` is sent.

    Names with a ``/`` (or a ``:variant``) are gateway ids and pass through unchanged; one the catalog
    does not list gets an entry with ``known=False`` and no price, for the gateway to judge. A bare
    name must be an alias or a catalog id, because the gateway would only answer "model not found"
    after a round trip.
    """
    name = settings.strip_provider(model)
    if not name:
        raise UnknownModelError(f"No model given after 'kilo/'. Served today: {', '.join(served_names())}.")
    entry = lookup(name)
    if entry is not None:
        return entry
    if "/" in name or ":" in name:
        return ModelEntry(gateway_id=name, known=False, input_cost_per_token=None, output_cost_per_token=None)
    raise UnknownModelError(_unknown(name))


def model_cost_map(source: Catalog | None = None) -> dict[str, dict]:
    """``litellm.register_model`` payload for every model of ``source`` (default: the active catalog),
    under each of its names, with whether it continues a prefill (:mod:`prefill`)."""
    models = (source or active()).models
    return {
        name: {**entry.model_info(), "supports_assistant_prefill": prefill.accepts(entry.gateway_id, entry.free)}
        for entry in models
        for name in entry.litellm_names()
    }
