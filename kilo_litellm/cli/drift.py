"""What the gateway serves right now: a handful of tiny requests, read into a :class:`DriftReport`.

The gateway has changed shape three times in nine months (free models retired, placeholder keys
refused, new endpoints), and the bundled catalog and the docs only know what was true when they
were written. :func:`probe` asks the gateway itself, one request per question:

* anonymous access: ``POST /chat/completions`` for ``kilo-auto/free`` with no ``Authorization``
  header, which is how the gateway tells an anonymous caller from a rejected key;
* every seed alias of the bundled catalog: its gateway id, ``max_tokens: 1``: served or refused,
  with the gateway's own status, ``error_type`` and message;
* the free models ``GET /models`` lists (``isFree``; the ``:free`` id rule when the field is absent);
* which endpoints answer: a 404/405, an HTML page or the gateway's ``Invalid path`` error means the
  route is absent; any other JSON error the gateway builds means the route exists and read the body.

The gateway answers on two hosts (docs/gateway-contract.md, "Paths and hosts"): the documented ``https://api.kilo.ai/api/gateway``
and ``https://ai-gateway.kilo.ai/api/v1``, which keep their rate-limit counters apart and may be
deployed apart. Without a base from the caller (argument or ``KILO_API_BASE``), :func:`bases` names
both and :func:`probe_hosts` asks each; with one, only that one.

:func:`probe` is the one I/O edge and takes the ``httpx.Client``; it never raises, a request that
fails becomes a report line. Everything else here is pure. A placeholder key (``public``,
``anonymous``, ``none``, empty) is no key: nothing is sent in its place.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from kilo_litellm.config import settings
from kilo_litellm.models import catalog
from kilo_litellm.models.catalog import Catalog
from kilo_litellm.provider import errors

PROBE_TIMEOUT = 10.0
FREE_MODEL = catalog.FREE_AUTO
EMBEDDING_MODEL = "openai/text-embedding-3-small"
SHOWN_FREE = 5
PING = [{"role": "user", "content": "ping"}]
SKIPPED = "not sent: no answer to the first probes"

PRESENT, ABSENT, UNKNOWN = "present", "absent", "unknown"
HOSTS = (settings.DEFAULT_API_BASE, settings.AI_GATEWAY_API_BASE)
_ROUTE_MISSING_TYPES = frozenset({"invalid_path"})


@dataclass(frozen=True)
class Answer:
    """One HTTP answer as received, or ``failure`` saying why none came (timeout, refused connection, ...)."""

    status: int | None = None
    content_type: str = ""
    body: bytes = b""
    failure: str | None = None

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None


@dataclass(frozen=True)
class Outcome:
    """One line of the report: what was sent and what the gateway made of it."""

    probe: str
    sent: str
    ok: bool
    result: str
    status: int | None = None
    error_type: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class FreeModels:
    """The free ids ``GET /models`` lists; ``rule`` says how they were told apart."""

    ok: bool
    result: str
    count: int = 0
    first: tuple[str, ...] = ()
    rule: str | None = None


@dataclass(frozen=True)
class DriftReport:
    """Everything :func:`probe` learnt; ``key`` is the redacted key sent on non-anonymous probes."""

    api_base: str
    key: str
    anonymous: Outcome
    aliases: tuple[Outcome, ...]
    free_models: FreeModels
    endpoints: tuple[Outcome, ...] = field(default_factory=tuple)

    @property
    def reachable(self) -> bool:
        """Whether any probe got an HTTP answer at all."""
        lines = (self.anonymous, *self.aliases, *self.endpoints)
        return any(line.status is not None for line in lines)

    def as_dict(self) -> dict:
        return {**asdict(self), "reachable": self.reachable}


# -- pure reading ---------------------------------------------------------------------------------


def refusal(answer: Answer) -> tuple[str | None, str]:
    """``(error_type, message)`` from any of the gateway's error shapes.

    ``error_type`` is the top-level key every gateway-built error has carried since 2026-04; older
    bodies fall back to the nested ``error.code``.
    """
    data = answer.json()
    parsed = errors.parse(answer.status or 0, answer.body)
    kind = data.get("error_type") if isinstance(data, Mapping) else None
    if kind is None and parsed.code is not None:
        kind = str(parsed.code)
    return (str(kind) if kind is not None else None), parsed.message


def _is_html(answer: Answer) -> bool:
    return "html" in answer.content_type.lower() or answer.body.lstrip()[:1] == b"<"


def chat_outcome(probe: str, sent: str, answer: Answer) -> Outcome:
    """A chat request's answer: ``served`` (2xx) or ``refused: <status> <error_type>: <message>``."""
    if answer.failure is not None:
        return Outcome(probe, sent, False, answer.failure)
    if answer.status is not None and 200 <= answer.status < 300:
        return Outcome(probe, sent, True, "served", status=answer.status)
    kind, message = refusal(answer)
    if _is_html(answer):
        message = f"an HTML page ({len(answer.body)} bytes)"
    label = f"{answer.status} {kind}" if kind else f"{answer.status}"
    return Outcome(
        probe, sent, False, f"refused: {label}: {message}", status=answer.status, error_type=kind, message=message
    )


def presence(answer: Answer) -> str:
    """Whether the route exists: ``present``, ``absent`` or ``unknown`` (no answer or a 5xx).

    A 404/405, an HTML page or the gateway's ``Invalid path`` error means no such route. Any other
    JSON answer means the gateway routed the request and judged its body (a 401 for a paid model, a
    404 ``model_not_found`` for the model in it), so the route is there.
    """
    if answer.failure is not None or answer.status is None:
        return UNKNOWN
    data = answer.json()
    if _is_html(answer) or not isinstance(data, Mapping):
        return ABSENT
    kind = data.get("error_type")
    error = data.get("error")
    if kind in _ROUTE_MISSING_TYPES or (isinstance(error, str) and error.lower() == "invalid path"):
        return ABSENT
    if answer.status in (404, 405):
        return PRESENT if kind else ABSENT
    if answer.status >= 500:
        return UNKNOWN
    return PRESENT


def endpoint_outcome(sent: str, answer: Answer) -> Outcome:
    """One endpoint line: ``present (200)``, ``absent (404)``, ``unknown (no answer: ...)``."""
    state = presence(answer)
    if answer.failure is not None:
        return Outcome("endpoint", sent, False, f"{state} ({answer.failure})")
    kind, message = (None, None) if answer.status and answer.status < 300 else refusal(answer)
    detail = f"{answer.status} {kind}" if kind else f"{answer.status}"
    return Outcome(
        "endpoint",
        sent,
        state == PRESENT,
        f"{state} ({detail})",
        status=answer.status,
        error_type=kind,
        message=message,
    )


def free_models(answer: Answer, shown: int = SHOWN_FREE) -> FreeModels:
    """The ids ``GET /models`` marks ``isFree``; the ``:free`` id rule for entries without the field."""
    if answer.failure is not None:
        return FreeModels(False, answer.failure)
    data = answer.json()
    entries = data.get("data") if isinstance(data, Mapping) else None
    if answer.status != 200 or not isinstance(entries, list):
        return FreeModels(False, f"unreadable: HTTP {answer.status}, not {{'data': [...]}}")
    models = [m for m in entries if isinstance(m, Mapping) and isinstance(m.get("id"), str)]
    flagged = [m for m in models if isinstance(m.get("isFree"), bool)]
    free = [
        m["id"] for m in models if (m["isFree"] if isinstance(m.get("isFree"), bool) else catalog.is_free_id(m["id"]))
    ]
    if models and len(flagged) == len(models):
        rule = "isFree"
    elif flagged:
        rule = f"isFree on {len(flagged)} of {len(models)}, else the :free suffix"
    else:
        rule = ":free suffix, no isFree field"
    first = tuple(free[:shown])
    more = f", … ({len(free) - len(first)} more)" if len(free) > len(first) else ""
    named = f": {', '.join(first)}{more}" if first else ""
    result = f"{len(free)} free of {len(models)} (by {rule}){named}"
    return FreeModels(bool(free), result, len(free), first, rule)


def embedding_model(answer: Answer | None) -> str:
    """A model for the embeddings probe: a free one ``GET /embedding-models`` lists, else its first."""
    data = answer.json() if answer is not None and answer.status == 200 else None
    entries = data.get("data") if isinstance(data, Mapping) else None
    ids = [m for m in entries or () if isinstance(m, Mapping) and isinstance(m.get("id"), str)]
    free = [m["id"] for m in ids if m.get("isFree") is True]
    return (free or [m["id"] for m in ids] or [EMBEDDING_MODEL])[0]


def seeds(source: Catalog | None = None) -> list[tuple[str, str]]:
    """``(alias, gateway id)`` of every catalog entry that has an alias (its first one)."""
    return [(e.aliases[0], e.gateway_id) for e in (source or catalog.bundled()).models if e.aliases]


def chat_body(model: str) -> dict:
    return {"model": model, "messages": PING, "max_tokens": 1, "stream": False}


# -- the one I/O edge -----------------------------------------------------------------------------


def _send(
    client: httpx.Client, method: str, url: str, headers: Mapping[str, str], body: dict | None, timeout: float
) -> Answer:
    """One request; whatever goes wrong comes back as ``Answer.failure``, never as an exception."""
    try:
        resp = client.request(method, url, headers=dict(headers), json=body, timeout=timeout)
    except Exception as exc:
        return Answer(failure=f"no answer: {type(exc).__name__}" + (f": {exc}" if str(exc) else ""))
    return Answer(status=resp.status_code, content_type=resp.headers.get("content-type", ""), body=resp.content)


def _headers(key: str | None) -> dict[str, str]:
    headers = {
        "Accept": "application/json",
        "User-Agent": settings.user_agent(),
        settings.FEATURE_HEADER: settings.FEATURE,
    }
    if key:
        headers["Authorization"] = f"Bearer {key}"
    return headers


def probe(
    client: httpx.Client,
    api_base: str | None = None,
    api_key: str | None = None,
    *,
    timeout: float = PROBE_TIMEOUT,
    source: Catalog | None = None,
) -> DriftReport:
    """Ask the gateway at ``api_base`` (argument > ``KILO_API_BASE`` > the live gateway) what works now.

    The anonymous probe never carries a key; the others carry ``api_key`` (argument >
    ``KILO_API_KEY``) when it is a real key. ``source`` is the catalog whose seed aliases are tried
    (default: the bundled one). Requests go one after another in a fixed order: anonymous chat,
    ``GET /models``, each seed alias, ``GET /v1/models``, ``GET /embedding-models``,
    ``POST /responses``, ``POST /messages``, ``POST /embeddings``. The Responses probe asks for 16
    output tokens, the smallest ``max_output_tokens`` OpenAI's Responses API accepts. When neither
    of the first two requests gets an answer the rest are not sent (each would wait ``timeout``).
    """
    conf = settings.resolve(api_key=api_key, api_base=api_base)
    key = conf.api_key if conf.has_real_key else None
    base = conf.api_base
    anonymous, keyed = _headers(None), _headers(key)

    def send(method: str, path: str, body: dict | None = None, headers: Mapping[str, str] = keyed) -> Answer:
        if dead:
            return Answer(failure=SKIPPED)
        return _send(client, method, f"{base}{path}", headers, body, timeout)

    dead = False
    first = send("POST", "/chat/completions", chat_body(FREE_MODEL), anonymous)
    listing = send("GET", "/models")
    dead = first.status is None and listing.status is None
    aliases = tuple(
        chat_outcome(alias, gid, send("POST", "/chat/completions", chat_body(gid))) for alias, gid in seeds(source)
    )
    v1 = send("GET", "/v1/models")
    embedding_list = send("GET", "/embedding-models")
    responses = send("POST", "/responses", {"model": FREE_MODEL, "input": "ping", "max_output_tokens": 16})
    messages = send("POST", "/messages", {"model": FREE_MODEL, "messages": PING, "max_tokens": 1})
    embeddings = send("POST", "/embeddings", {"model": embedding_model(embedding_list), "input": "ping"})
    endpoints = (
        endpoint_outcome("GET /models", listing),
        endpoint_outcome("GET /v1/models", v1),
        endpoint_outcome("GET /embedding-models", embedding_list),
        endpoint_outcome("POST /chat/completions", first),
        endpoint_outcome("POST /responses", responses),
        endpoint_outcome("POST /messages", messages),
        endpoint_outcome("POST /embeddings", embeddings),
    )
    return DriftReport(
        api_base=base,
        key=conf.redacted_key if key else "none",
        anonymous=chat_outcome("anonymous", FREE_MODEL, first),
        aliases=aliases,
        free_models=free_models(listing),
        endpoints=endpoints,
    )


def bases(api_base: str | None = None) -> list[str]:
    """The gateways to probe: ``api_base`` or ``KILO_API_BASE`` when given, else both of Kilo's hosts."""
    chosen = settings.given_base(api_base)
    return [settings.resolve(api_base=chosen).api_base] if chosen else list(HOSTS)


def probe_hosts(
    client: httpx.Client,
    api_base: str | None = None,
    api_key: str | None = None,
    *,
    timeout: float = PROBE_TIMEOUT,
    source: Catalog | None = None,
) -> list[DriftReport]:
    """One :func:`probe` per gateway of :func:`bases`, one host after the other."""
    return [probe(client, base, api_key, timeout=timeout, source=source) for base in bases(api_base)]


def host_line(report: DriftReport) -> str:
    """What one host answered, in a line: ``answered`` (with the anonymous probe's result) or why not."""
    if report.reachable:
        return f"{report.api_base}: answered (anonymous {FREE_MODEL}: {report.anonymous.result})"
    return f"{report.api_base}: {report.anonymous.result}"
