"""The window behind a gateway rate limit, put on the exception as ``retry-after`` (pure).

Which answer gets which window (docs/gateway-contract.md, "Errors", "Free models and limits"):

* 429 ``rate_limit_exceeded`` "Model usage limit reached" (before 2026-04 "Free model usage limit
  reached", without an ``error_type``): 200 requests in a sliding hour per IP, checked only on
  rate-limited Kilo-exclusive models (one hidden model behind ``kilo-auto/small``; not
  ``kilo-auto/free``, not the ``:free`` ids). It has no ``Retry-After``, so the hour (3600 s) is put
  on the exception: a model that sent it is spent for up to that long.
* 401 ``promotion_limit_reached`` (raised as a 429): 10,000 requests in 24 h per IP without a key,
  on the same rate-limited models only; no ``Retry-After`` either, so 86400 s.
* 429 ``rate_limit_exceeded`` "Too many requests": the per-account (per-IP without a key) cap on
  every request, numbers not published. It gets no window from here: it refuses every model of the
  account alike, and a longer cooldown would only empty the fallback chain. When the gateway (its
  abuse layer) sends ``retry-after``/``retry-after-ms`` with it, those are kept as they came.
* A ``Retry-After`` the gateway sends itself (``top_up_in_progress``, the abuse layer's 429s) always
  wins over a window.

Without a window LiteLLM would cool the model down for its default few seconds and every replica
would go on spending a request on a refusal; a ``retry-after`` on the exception is read by a Router
as the cooldown (after a deployment's own ``cooldown_time``) and stored in Redis for every replica.
LiteLLM's retry sleep takes a ``retry-after`` only up to 60 s and backs off otherwise, so a long
window never becomes a long sleep.

A window is an upper bound: in a sliding hour the oldest request may age out sooner. Each length
can be set per process (``KILO_FREE_LIMIT_COOLDOWN``, ``KILO_DAILY_LIMIT_COOLDOWN``, seconds;
``0`` adds nothing, so LiteLLM's ``cooldown_time`` applies).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from kilo_litellm.config import env

ENV_FREE_LIMIT_COOLDOWN = env.FREE_LIMIT_COOLDOWN.name
ENV_DAILY_LIMIT_COOLDOWN = env.DAILY_LIMIT_COOLDOWN.name


class Window(NamedTuple):
    """One limit of the rate-limited Kilo-exclusive models: the variable that sets its cooldown and
    the gateway's window."""

    variable: env.Variable
    seconds: int

    @property
    def env(self) -> str:
        return self.variable.name


HOURLY = Window(env.FREE_LIMIT_COOLDOWN, 3600)
DAILY = Window(env.DAILY_LIMIT_COOLDOWN, 86400)


def window_of(error_type: str | None, message: str) -> Window | None:
    """The limit behind a rate-limit refusal, from its ``error_type`` and message; ``None`` for any other.

    The hourly limit's message ("Model usage limit reached", before 2026-04 "Free model usage limit
    reached" without an ``error_type``) tells it from the per-account cap ("Too many requests").
    """
    if error_type == "promotion_limit_reached":
        return DAILY
    if error_type in ("rate_limit_exceeded", None) and "usage limit reached" in message.lower():
        return HOURLY
    return None


def configured_seconds(window: Window, environ: Mapping[str, str] | None = None) -> int:
    """The window's length, or its variable when that is a whole number of seconds (``0``: none)."""
    return int(env.seconds(window.variable, window.seconds, environ, whole=True, allow_zero=True))


def retry_headers(
    headers: Mapping[str, str], error_type: str | None, message: str, environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """``headers`` (the retry hints the gateway sent with a rate-limit refusal), with the window as
    ``retry-after`` when it sent none."""
    kept = dict(headers)
    window = window_of(error_type, message)
    if window is None or "retry-after" in kept:
        return kept
    seconds = configured_seconds(window, environ)
    if seconds > 0:
        kept["retry-after"] = str(seconds)
    return kept
