"""The account endpoints Kilo's own client signs in with, over an injected ``httpx.Client``.

What the server does (docs/gateway-contract.md, "Sign-in and organisations"):

* ``POST {origin}/api/device-auth/codes``, no body, no auth → ``{"code", "verificationUrl",
  "expiresIn"}``; ``429`` when too many codes are already pending;
* ``GET {origin}/api/device-auth/codes/{code}``, polled about every 3 s → ``202`` pending, ``403``
  denied, ``410`` expired, ``200 {"status": "approved", "token", "userEmail"}``;
* ``GET {origin}/api/profile`` with the token → ``{"user": {"email", "name"}, "organizations":
  [{"id", "name", "role"}], "selectedOrganizationId", "hasPersonalAccount"}`` (older answers put
  ``email`` at the top); :func:`profile_organization` picks from it as Kilo's own client does;
* ``GET {origin}/api/profile/balance`` with the token (and ``X-KiloCode-OrganizationId`` for an
  organisation's balance) → ``{"balance": <USD>}``.

The origin is ``https://api.kilo.ai`` or ``KILO_API_URL`` (the official client's variable); it is
not the gateway's base (``KILO_API_BASE``). The token is a normal Kilo bearer, long-lived, with no
refresh. Every failure is an :class:`AccountError` whose message is one line and never holds the
token (it travels only in the ``Authorization`` header, which no message quotes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from kilo_litellm.config import env
from kilo_litellm.config.settings import DEFAULT_ACCOUNT_URL, ORG_HEADER, user_agent

ENV_ACCOUNT_URL = env.ACCOUNT_URL.name
CODES_PATH = "/api/device-auth/codes"
PROFILE_PATH = "/api/profile"
BALANCE_PATH = "/api/profile/balance"
TIMEOUT = 30.0
DEFAULT_EXPIRES_IN = 600


class AccountError(Exception):
    """A request to the account service failed; ``str()`` is one line that says what to do."""


class TooManyCodesError(AccountError):
    """``429`` on ``POST /api/device-auth/codes``: too many sign-ins are already waiting."""


class SignInDeniedError(AccountError):
    """``403`` while polling: the sign-in was refused in the browser."""


class SignInExpiredError(AccountError):
    """``410`` while polling, or the code's lifetime passed: nobody approved it in time."""


class AccountUnreachableError(AccountError):
    """No HTTP answer: the network, DNS, a refused connection, a timeout."""


class TokenRejectedError(AccountError):
    """``401``/``403`` on a profile endpoint: the token is invalid, expired or revoked."""


class AccountRefusedError(AccountError):
    """Any other refusal or an answer that is not what the endpoint sends."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class DeviceCode:
    """A started sign-in: the code the user confirms at ``verification_url`` within ``expires_in`` seconds."""

    code: str
    verification_url: str
    expires_in: int


@dataclass(frozen=True)
class Approved:
    """The browser approved the sign-in; ``repr`` leaves the token out."""

    token: str = field(repr=False)
    email: str | None = None


PENDING = "pending"


@dataclass(frozen=True)
class Organization:
    id: str
    name: str
    role: str | None = None

    def __str__(self) -> str:
        return f"{self.name} ({self.id}{', ' + self.role if self.role else ''})"


@dataclass(frozen=True)
class Profile:
    """``has_personal_account`` is ``None`` when the profile does not say (older answers)."""

    email: str | None
    name: str | None
    organizations: tuple[Organization, ...] = ()
    selected_organization_id: str | None = None
    has_personal_account: bool | None = None


def profile_organization(profile: Profile) -> Organization | None:
    """The organisation Kilo's own client signs in to when none is asked for: the profile's
    ``selectedOrganizationId`` when it is one of the listed ones, else the first organisation of an
    account without a personal one (``hasPersonalAccount: false``), else none (the personal account)."""
    selected = next((o for o in profile.organizations if o.id == profile.selected_organization_id), None)
    if selected is not None:
        return selected
    if profile.has_personal_account is False and profile.organizations:
        return profile.organizations[0]
    return None


def account_url(value: str | None = None) -> str:
    """The account origin: ``value``, else ``KILO_API_URL``, else ``https://api.kilo.ai``.

    A trailing ``/`` or ``/api`` is dropped (people paste ``https://api.kilo.ai/api``); anything that
    is not an ``http(s)://host`` URL is an :class:`AccountError` naming the variable.
    """
    given = value or env.text(env.ACCOUNT_URL) or DEFAULT_ACCOUNT_URL
    origin = given.strip().rstrip("/")
    origin = origin.removesuffix("/api").rstrip("/")
    try:
        url = httpx.URL(origin)
    except (httpx.InvalidURL, TypeError):
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        where = "" if value else f"{ENV_ACCOUNT_URL}: "
        raise AccountError(f"{where}{given!r} is not a URL: it should look like {DEFAULT_ACCOUNT_URL}")
    return origin


def _json(resp: httpx.Response) -> Any:
    try:
        return resp.json()
    except ValueError:
        return None


def _detail(resp: httpx.Response) -> str:
    """The server's own words for a refusal, on one short line."""
    data = _json(resp)
    if isinstance(data, dict):
        for key in ("message", "error", "status"):
            value = data.get(key)
            if isinstance(value, dict):
                value = value.get("message")
            if isinstance(value, str) and value.strip():
                return " ".join(value.split())[:200]
    text = " ".join(resp.text.split())[:200]
    return text or "empty body"


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


class AccountClient:
    """The account service at one origin. ``http`` is any ``httpx.Client`` (tests pass one that talks
    to the local emulator); the caller owns and closes it."""

    def __init__(self, http: httpx.Client, origin: str | None = None, timeout: float = TIMEOUT) -> None:
        self._http = http
        self.origin = account_url(origin)
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"AccountClient(origin={self.origin!r})"

    def _send(self, method: str, path: str, token: str | None = None, org_id: str | None = None) -> httpx.Response:
        headers = {"Accept": "application/json", "User-Agent": user_agent()}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if org_id:
            headers[ORG_HEADER] = org_id
        try:
            return self._http.request(method, self.origin + path, headers=headers, timeout=self._timeout)
        except httpx.TimeoutException:
            raise AccountUnreachableError(
                f"the Kilo account service at {self.origin} did not answer within {self._timeout:g} s"
            ) from None
        except httpx.HTTPError as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise AccountUnreachableError(
                f"could not reach the Kilo account service at {self.origin} ({type(exc).__name__}: {reason[:200]}); "
                f"check the network, or {ENV_ACCOUNT_URL}"
            ) from None

    def _refused(self, what: str, resp: httpx.Response) -> AccountRefusedError:
        return AccountRefusedError(
            f"the Kilo account service at {self.origin} refused {what} (HTTP {resp.status_code}: {_detail(resp)})",
            resp.status_code,
        )

    def start(self) -> DeviceCode:
        """Start a device sign-in: the code to confirm and where."""
        resp = self._send("POST", CODES_PATH)
        if resp.status_code == 429:
            raise TooManyCodesError(
                "too many sign-ins are already waiting for approval (HTTP 429): approve or deny them in the browser, "
                "or wait until they expire (about 10 minutes), then run `kilo-litellm login` again"
            )
        if resp.status_code != 200 and resp.status_code != 201:
            raise self._refused("to start a sign-in", resp)
        data = _json(resp)
        code = _text(data.get("code")) if isinstance(data, dict) else None
        url = _text(data.get("verificationUrl")) if isinstance(data, dict) else None
        if code is None or url is None:
            raise AccountRefusedError(
                f"the Kilo account service at {self.origin} sent no code and URL for the sign-in: {_detail(resp)}",
                resp.status_code,
            )
        expires = data.get("expiresIn")
        ok = isinstance(expires, (int, float)) and not isinstance(expires, bool) and expires > 0
        return DeviceCode(code=code, verification_url=url, expires_in=int(expires) if ok else DEFAULT_EXPIRES_IN)

    def poll(self, code: str) -> Approved | str:
        """One look at a started sign-in: :class:`Approved`, or ``PENDING``; denied and expired raise."""
        resp = self._send("GET", f"{CODES_PATH}/{quote(code, safe='')}")
        if resp.status_code == 202:
            return PENDING
        if resp.status_code == 403:
            raise SignInDeniedError("the sign-in was denied in the browser; nothing was stored")
        if resp.status_code == 410:
            raise SignInExpiredError("the code expired before it was approved; run `kilo-litellm login` again")
        if resp.status_code != 200:
            raise self._refused("the sign-in", resp)
        data = _json(resp)
        status = data.get("status") if isinstance(data, dict) else None
        if status == PENDING:
            return PENDING
        token = _text(data.get("token")) if isinstance(data, dict) else None
        if status != "approved" or token is None:
            raise AccountRefusedError(
                f"the Kilo account service at {self.origin} answered the approved sign-in without a token",
                resp.status_code,
            )
        return Approved(token=token, email=_text(data.get("userEmail")))

    def _with_token(self, path: str, what: str, token: str, org_id: str | None) -> Any:
        resp = self._send("GET", path, token, org_id)
        if resp.status_code in (401, 403):
            raise TokenRejectedError(f"the Kilo account service rejected the credential (HTTP {resp.status_code})")
        if resp.status_code != 200:
            raise self._refused(what, resp)
        data = _json(resp)
        if not isinstance(data, dict):
            raise AccountRefusedError(f"the Kilo account service at {self.origin} sent no {what}", resp.status_code)
        return data

    def profile(self, token: str, org_id: str | None = None) -> Profile:
        """The account behind ``token``: e-mail, name, organisations."""
        data = self._with_token(PROFILE_PATH, "the profile", token, org_id)
        user = data.get("user") if isinstance(data.get("user"), dict) else {}
        orgs = []
        for item in data.get("organizations") or ():
            if isinstance(item, dict) and _text(item.get("id")):
                org_id_ = _text(item["id"]) or ""
                orgs.append(
                    Organization(id=org_id_, name=_text(item.get("name")) or org_id_, role=_text(item.get("role")))
                )
        personal = data.get("hasPersonalAccount")
        return Profile(
            email=_text(user.get("email")) or _text(data.get("email")),
            name=_text(user.get("name")) or _text(data.get("name")),
            organizations=tuple(orgs),
            selected_organization_id=_text(data.get("selectedOrganizationId")),
            has_personal_account=personal if isinstance(personal, bool) else None,
        )

    def balance(self, token: str, org_id: str | None = None) -> float:
        """The balance in USD of the account (or of the organisation ``org_id``)."""
        data = self._with_token(BALANCE_PATH, "the balance", token, org_id)
        value = data.get("balance")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise AccountRefusedError(f"the Kilo account service at {self.origin} sent no balance")
        return float(value)


class UnknownOrganizationError(AccountError):
    """``--org`` names none of the account's organisations."""


def choose_organization(organizations: tuple[Organization, ...], wanted: str) -> Organization:
    """The organisation ``wanted`` names: its id, else its name (case-insensitive, if only one has it)."""
    wanted = wanted.strip()
    for org in organizations:
        if org.id == wanted:
            return org
    named = [org for org in organizations if org.name.casefold() == wanted.casefold()]
    if len(named) == 1:
        return named[0]
    listed = ", ".join(map(str, organizations)) or "none"
    if named:
        raise UnknownOrganizationError(f"several organisations are named {wanted!r}: pass its id ({listed})")
    raise UnknownOrganizationError(f"this account has no organisation {wanted!r} (its organisations: {listed})")
