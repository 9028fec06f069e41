"""The live model catalog: the gateway's ``GET /models`` → ``ModelEntry`` objects → the active catalog.

It reads the body with :mod:`kilo_litellm.models.listing` and installs the result as the active
catalog (:mod:`kilo_litellm.models.catalog`; LiteLLM's model map follows it through the listener
``kilo_litellm.register`` adds, so this module never imports LiteLLM and the CLI's ``models`` runs
without it).

:func:`refresh_models` is the one I/O edge. Nothing is fetched at import or during a completion;
until something refreshes, the list an earlier refresh remembered answers (:mod:`remembered`), else
the snapshot bundled in the package. A fetched list is kept in memory for a TTL and on disk
(:func:`kilo_litellm.config.dirs.cache_dir`: ``KILO_LITELLM_CACHE_DIR``, else the platform's user
cache directory), and
when the gateway cannot be reached the last good copy (memory, then disk, then the snapshot) stays
in use, so a refresh never raises; :class:`Discovered` says which copy is in use and why.
:func:`start_background_refresh` keeps a long-running process on the live list (the proxy starts
it through :mod:`kilo_litellm.proxy.live_catalog`).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx
from pydantic import ValidationError

from kilo_litellm.config import settings
from kilo_litellm.config.dirs import cache_dir
from kilo_litellm.config.urls import endpoint, models_endpoint
from kilo_litellm.models import catalog, remembered
from kilo_litellm.models.catalog import Catalog, ModelEntry, Provenance
from kilo_litellm.models.listing import DiscoveryError, ModelsPayload, parse_models, snapshot_origin

logger = logging.getLogger("kilo_litellm")

DEFAULT_TTL = 3600.0
FETCH_TIMEOUT = 10.0
BACKGROUND_EVERY = 3600.0
"""How often a long-running process fetches ``/models`` again (:func:`start_background_refresh`)."""


# -- caches and the one fetch ---------------------------------------------------------------------


@dataclass(frozen=True)
class Discovered:
    """The catalog in use and where it came from: ``live``, ``memory``, ``disk`` or ``snapshot``.

    ``error`` says why a stale copy is in use when the gateway could not be read.
    """

    catalog: Catalog
    source: str
    api_base: str
    fetched_at: float | None = None
    error: str | None = None

    @property
    def models(self) -> tuple[ModelEntry, ...]:
        return self.catalog.models

    @property
    def origin(self) -> str:
        """Where the list in use was taken, as a user reads it: ``the bundled snapshot taken <date>
        from <url>`` (or of a hand-written one), else ``<url> fetched <UTC time>``."""
        if self.source == "snapshot":
            return f"the {snapshot_origin().describe()}"
        when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(self.fetched_at)) if self.fetched_at else "earlier"
        return f"{endpoint(self.api_base, 'models')} fetched {when}"

    @property
    def live(self) -> bool:
        """Whether this process fetched the list just now (a stale copy or the snapshot is not live)."""
        return self.source == "live" and self.error is None

    def age(self, now: float | None = None) -> str:
        """How old the list in use is, as the CLI says it: ``3 min old``, or ``bundled``."""
        return catalog.Provenance(self.source, self.api_base, self.fetched_at).describe_age(now)


class ModelDiscovery:
    """Fetches ``/models`` at most once per TTL, one fetch at a time, and installs the result.

    ``client`` is an ``httpx.Client`` or LiteLLM ``HTTPHandler`` (default: LiteLLM's shared one, or
    in a process that has not loaded LiteLLM, such as the command line, a client of its own);
    ``clock`` returns Unix seconds (injectable for tests); ``register=False`` leaves the active
    catalog and LiteLLM's model map alone.
    """

    def __init__(
        self,
        *,
        client: Any = None,
        clock: Callable[[], float] = time.time,
        ttl: float = DEFAULT_TTL,
        cache_dir: str | os.PathLike | None = None,
        register: bool = True,
    ) -> None:
        self._client = client
        self._clock = clock
        self._ttl = ttl
        self._cache_dir = cache_dir
        self._register = register
        self._lock = threading.Lock()
        self._generation = 0
        self._memory: remembered.Copy | None = None
        self._last: Discovered | None = None

    def __repr__(self) -> str:
        return f"ModelDiscovery(ttl={self._ttl}, cache_dir={str(cache_dir(self._cache_dir))!r})"

    @property
    def cache_file(self) -> Path:
        return cache_dir(self._cache_dir) / remembered.FILE_NAME

    def refresh(self, api_base: str | None = None, *, force: bool = False) -> Discovered:
        """The current catalog, fetched if the cached one is older than the TTL (or ``force``).

        Callers that arrive while a fetch is in flight wait for it and get its result.
        """
        base = settings.resolve(api_base=api_base).api_base
        generation = self._generation
        with self._lock:
            last = self._last
            if self._generation != generation and last is not None and last.api_base == base:
                return last
            result = self._cached(base) if not force else None
            if result is None:
                result = self._fetch_or_fallback(base)
            self._generation += 1
            self._last = result
            if self._register and result.catalog is not catalog.active():
                install(result)
        return result

    def _fresh(self, copy: remembered.Copy | None, base: str) -> bool:
        return copy is not None and copy.api_base == base and self._clock() - copy.fetched_at < self._ttl

    def _cached(self, base: str) -> Discovered | None:
        memory, last = self._memory, self._last
        if self._fresh(memory, base):
            if last is not None and last.api_base == base and last.fetched_at == memory.fetched_at:
                return replace(last, source="memory", error=None)
            return self._discovered(memory, "memory")
        disk = self._read_disk()
        if self._fresh(disk, base):
            self._memory = disk
            return self._discovered(disk, "disk")
        return None

    def _fetch_or_fallback(self, base: str) -> Discovered:
        try:
            copy = remembered.Copy(base, self._clock(), self._fetch(base))
            entries = parse_models({"data": copy.data})
            if not entries:
                raise DiscoveryError("/models listed no usable model")
        except (httpx.HTTPError, DiscoveryError) as exc:
            error = f"{type(exc).__name__}: {exc}"
            logger.warning("kilo /models from %s failed, keeping the previous catalog: %s", base, error)
            return self._fallback(base, error)
        self._memory = copy
        self._write_disk(copy)
        return self._discovered(copy, "live", entries)

    def _fallback(self, base: str, error: str) -> Discovered:
        """The last good list: this process's copy of ``base``, else the one remembered on disk (of
        whichever gateway it was fetched from: what a gateway said last beats the bundled snapshot)."""
        memory, disk = self._memory, self._read_disk()
        if memory is not None and memory.api_base == base:
            return self._discovered(memory, "memory", error=error)
        if disk is not None:
            return self._discovered(disk, "disk", error=error)
        return Discovered(catalog=catalog.bundled(), source="snapshot", api_base=base, error=error)

    def _discovered(
        self, copy: remembered.Copy, source: str, entries: list[ModelEntry] | None = None, error: str | None = None
    ) -> Discovered:
        if entries is None:
            entries = parse_models({"data": copy.data})
        return Discovered(
            catalog=catalog.merge(catalog.seeds(), entries),
            source=source,
            api_base=copy.api_base,
            fetched_at=copy.fetched_at,
            error=error,
        )

    def _http(self) -> httpx.Client:
        if isinstance(self._client, httpx.Client):
            return self._client
        if self._client is not None and isinstance(getattr(self._client, "client", None), httpx.Client):
            return self._client.client
        if "litellm" not in sys.modules:
            return _own_client()
        from litellm.llms.custom_httpx.http_handler import _get_httpx_client

        return _get_httpx_client().client

    def _fetch(self, base: str) -> list:
        """``GET {base}/models``; the list is public, so no key is sent. With an organisation (and a
        key) its own list, ``/api/organizations/{id}/models``, sent with both, as Kilo's own client
        reads it (:func:`kilo_litellm.config.urls.models_endpoint`)."""
        conf = settings.resolve(api_base=base)
        org_id = conf.org_id if conf.has_real_key else None
        url = models_endpoint(base, org_id)
        headers = {"Accept": "application/json", "User-Agent": settings.user_agent()}
        if org_id and url != endpoint(base, "models"):
            headers.update({"Authorization": f"Bearer {conf.api_key.strip()}", settings.ORG_HEADER: org_id})
        resp = self._http().get(url, headers=headers, timeout=FETCH_TIMEOUT)
        if resp.status_code >= 400:
            raise DiscoveryError(f"GET {url} answered HTTP {resp.status_code}")
        try:
            return ModelsPayload.model_validate(json.loads(resp.content)).data
        except (ValueError, ValidationError):
            raise DiscoveryError(f"GET {url} did not answer {{'data': [...]}}") from None

    def _read_disk(self) -> remembered.Copy | None:
        return remembered.read(self._cache_dir)

    def _write_disk(self, copy: remembered.Copy) -> None:
        remembered.write(copy, self._cache_dir)


def install(found: Discovered) -> None:
    """Make ``found``'s catalog the one calls resolve against (LiteLLM's map follows, see the module doc)."""
    if found.source == "snapshot":
        catalog.install(None)
        return
    source = "live" if found.source in ("live", "memory") else found.source
    catalog.install(found.catalog, Provenance(source, found.api_base, found.fetched_at))


@lru_cache(maxsize=1)
def _own_client() -> httpx.Client:
    """The client of a process without LiteLLM (the command line's ``models``)."""
    return httpx.Client()


_default: ModelDiscovery | None = None
_default_lock = threading.Lock()


def default_discovery() -> ModelDiscovery:
    global _default
    with _default_lock:
        if _default is None:
            _default = ModelDiscovery()
        return _default


def refresh_models(api_base: str | None = None, *, force: bool = False) -> Discovered:
    """Fetch the gateway's ``/models`` (argument > ``KILO_API_BASE`` > default base) unless the cached
    list is younger than an hour, and make LiteLLM's ``get_model_info`` and costs use it.

    Never raises for network or gateway trouble: the last good list (memory, disk, bundled snapshot)
    stays in use and the returned :class:`Discovered` says so in ``source`` and ``error``.
    """
    return default_discovery().refresh(api_base, force=force)


class BackgroundRefresh:
    """A daemon thread that refreshes ``/models`` now and then every ``every`` seconds.

    Calls never wait for it: they resolve against whatever catalog is installed, and a fetch that
    fails leaves the last good list in use (:meth:`ModelDiscovery.refresh` never raises), logged once.
    """

    def __init__(
        self, discovery: ModelDiscovery | None = None, every: float = BACKGROUND_EVERY, api_base: str | None = None
    ) -> None:
        self._discovery = discovery
        self._every = every
        self._api_base = api_base
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.rounds = 0

    def start(self) -> BackgroundRefresh:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="kilo-models-refresh", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                (self._discovery or default_discovery()).refresh(self._api_base, force=True)
            except Exception:
                logger.exception("kilo /models background refresh failed")
            self.rounds += 1
            self._stop.wait(self._every)


_background: BackgroundRefresh | None = None


def start_background_refresh(every: float = BACKGROUND_EVERY) -> BackgroundRefresh:
    """Refresh ``/models`` in a daemon thread now and every ``every`` seconds (once per process)."""
    global _background
    with _default_lock:
        if _background is None:
            _background = BackgroundRefresh(every=every).start()
        return _background
