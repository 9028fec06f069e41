"""When a model retires, what its display name says without the gateway's marks, and the one-time
warning a call to a model that retires soon logs.

The gateway (docs/gateway-contract.md, "The model list") lists ``expiration_date`` on the models it is about to
drop (OpenRouter's field: an ISO date, "the date after which the model may be removed") and
appends marks to display names: ``" (new)"``, ``" ($$$$)"`` and ``" (retires Dec 12)"``. Names
are kept without the marks (ids are never touched); the date is kept as
``ModelEntry.expiration_date``, read from the name's mark only when the field is missing (the mark
has no year: the one nearest to today is taken).

A call to a model that retires within :data:`WARN_DAYS` days (or that is past its date and still
listed) logs one warning on the ``kilo_litellm`` logger, once per model per process, so a
long-running proxy or script hears of it before the gateway starts refusing the id.
"""

from __future__ import annotations

import datetime
import logging
import re
import threading

from kilo_litellm.config.settings import PROVIDER
from kilo_litellm.models.entry import ModelEntry

logger = logging.getLogger("kilo_litellm")

WARN_DAYS = 14
"""A call to a model whose ``expiration_date`` is at most this many days away logs a warning."""

_MARK = re.compile(r"\s*\((?:new|\$+|retires\s+(?P<retires>[^()]*))\)\s*$", re.IGNORECASE)
_MONTHS = {m: i for i, m in enumerate(("jan feb mar apr may jun jul aug sep oct nov dec").split(), start=1)}
_MONTH_DAY = re.compile(r"^(?P<month>[a-z]{3})[a-z]*\.?\s+(?P<day>\d{1,2})(?:,?\s+(?P<year>\d{4}))?$", re.IGNORECASE)


def utc_today() -> datetime.date:
    return datetime.datetime.now(datetime.timezone.utc).date()


def display_name(raw: str | None) -> tuple[str | None, str | None]:
    """``(name without the gateway's trailing marks, the text of a "retires ..." mark or None)``.

    ``"Poolside: Laguna S 2.1 (free) (retires Dec 31)"`` → ``("Poolside: Laguna S 2.1 (free)", "Dec 31")``;
    OpenRouter's own ``"(free)"`` is part of the name and stays.
    """
    if raw is None:
        return None, None
    name, retires = raw.strip(), None
    while match := _MARK.search(name):
        if match.group("retires") and retires is None:
            retires = match.group("retires").strip()
        name = name[: match.start()].rstrip()
    return name or raw.strip(), retires


def parse_date(value: object) -> datetime.date | None:
    """An ``expiration_date`` (``"2026-12-31"``, or a timestamp starting with one) as a date;
    ``None`` when absent or unreadable, so a malformed date never costs the entry."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if not isinstance(value, str):
        return None
    try:
        return datetime.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def date_from_mark(text: str | None, today: datetime.date | None = None) -> datetime.date | None:
    """The date of a ``"retires Dec 31"`` mark: that month and day in the year the mark names, else
    in the year nearest ``today``."""
    match = _MONTH_DAY.match((text or "").strip())
    month = _MONTHS.get(match.group("month").lower()) if match else None
    if match is None or month is None:
        return None
    today = today or utc_today()
    candidates = []
    years = [int(match.group("year"))] if match.group("year") else [today.year - 1, today.year, today.year + 1]
    for year in years:
        try:
            candidates.append(datetime.date(year, month, int(match.group("day"))))
        except ValueError:
            continue
    return min(candidates, key=lambda d: abs((d - today).days), default=None)


def notice(entry: ModelEntry, today: datetime.date | None = None, within: int = WARN_DAYS) -> str | None:
    """What a caller of ``entry`` should hear about its retirement now, or ``None``."""
    if entry.expiration_date is None:
        return None
    days = (entry.expiration_date - (today or utc_today())).days
    if days > within:
        return None
    name, date = f"{PROVIDER}/{entry.gateway_id}", entry.expiration_date.isoformat()
    if days < 0:
        when = f"was listed to retire on {date}"
    elif days == 0:
        when = f"retires today ({date})"
    else:
        when = f"retires on {date}, in {days} day{'s' if days != 1 else ''}"
    return (
        f"{name} {when}, says the gateway's /models: the gateway may stop serving it then. "
        "`kilo-litellm models` lists the others (kilo/kilo-auto/free is the stable free entry)."
    )


_warned: set[str] = set()
_warned_lock = threading.Lock()


def warn_once(entry: ModelEntry, today: datetime.date | None = None) -> None:
    """Log :func:`notice` for ``entry`` the first time this process calls it; later calls are silent."""
    message = notice(entry, today)
    if message is None:
        return
    key = entry.gateway_id.lower()
    with _warned_lock:
        if key in _warned:
            return
        _warned.add(key)
    logger.warning("%s", message)
