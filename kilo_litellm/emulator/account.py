"""Kilo's account endpoints in the emulator: device sign-in and the profile, on the gateway's port.

The account origin (``KILO_API_URL``, ``https://api.kilo.ai`` live) is not the gateway's base, so the
emulator serves both: ``/api/gateway/...`` is the gateway, and beside it (``KILO_API_URL`` set to
``GatewayEmulator.url``):

* ``POST /api/device-auth/codes`` → ``{"code", "verificationUrl", "expiresIn"}``, or ``429`` when
  :attr:`AccountEmulator.too_many_codes` is set;
* ``GET /api/device-auth/codes/{code}`` → ``202 {"status":"pending"}`` for the first
  :attr:`~AccountEmulator.pending_polls` polls, then what :attr:`~AccountEmulator.outcome` says:
  ``approved`` (``200 {"status":"approved","token","userEmail"}``), ``denied`` (``403``) or
  ``expired`` (``410``); an approved code is used up (``410`` afterwards), an unknown one is ``404``;
* ``GET /api/profile`` → ``{"user": {"email", "name"}, "organizations": [...],
  "selectedOrganizationId", "hasPersonalAccount"}`` (the official client signs in to
  ``selectedOrganizationId`` when listed, else to the only organisation of a user without a personal
  account) and ``GET /api/profile/balance`` → ``{"balance": <USD>}`` (an organisation's when
  ``X-KiloCode-OrganizationId`` names one that has its own): for any token the gateway part accepts,
  ``401`` without one, the gateway's ``INVALID_TOKEN`` for one it rejects;
* ``GET /api/defaults`` → ``{"defaultModel"}`` (:attr:`AccountEmulator.default_model`), and
  ``GET /api/organizations/{id}/defaults`` → the organisation's (its ``defaultModel``, else the same);
  an organisation the caller is not a member of is ``403``, as for its model list.

Synthesised from the official client's code (no recording exists; docs/gateway-contract.md, "Sign-in
and organisations"): the status codes and fields are what it reads. The token an approval hands
out is :attr:`~AccountEmulator.token` when set (a test that wants a token the gateway then rejects
sets one containing ``expired``), else a fresh one.
"""

from __future__ import annotations

import itertools
import json
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from kilo_litellm.emulator.bodies import INVALID_TOKEN_BODY
from kilo_litellm.emulator.rules import ORGANIZATIONS_PATH

CODES_PATH = "/api/device-auth/codes"
PROFILE_PATH = "/api/profile"
BALANCE_PATH = "/api/profile/balance"
DEFAULTS_PATH = "/api/defaults"
APPROVED, DENIED, EXPIRED = "approved", "denied", "expired"
ORG_HEADER = "x-kilocode-organizationid"

UNAUTHORIZED_BODY = b'{"error":"Unauthorized","message":"Invalid or missing authentication token."}'
NOT_A_MEMBER_BODY = b'{"error":"Access denied (not a member of the organization)","success":false}'
TOO_MANY_CODES_BODY = b'{"error":"Too many pending authorization requests. Please try again later."}'


def _default_organizations() -> list[dict[str, Any]]:
    return [{"id": "org-emulator-1", "name": "Emulator Team", "role": "owner", "balance": 250.0}]


@dataclass
class AccountEmulator:
    """The account the emulator's sign-in approves, and how the next sign-in goes (set these in a test)."""

    rejected: Callable[[str], bool] = field(repr=False, default=lambda token: False)
    email: str = "dev@example.com"
    name: str = "Emulator Dev"
    balance: float = 12.5
    organizations: list[dict[str, Any]] = field(default_factory=_default_organizations)
    selected_organization_id: str | None = None
    has_personal_account: bool = True
    default_model: str = "kilo-auto/free"
    pending_polls: int = 1
    outcome: str = APPROVED
    expires_in: int = 600
    too_many_codes: bool = False
    token: str | None = field(default=None, repr=False)
    codes: dict[str, int] = field(default_factory=dict, repr=False)
    issued: list[str] = field(default_factory=list, repr=False)
    _count: Any = field(default_factory=lambda: itertools.count(1), repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def reset(self) -> None:
        """Back to the defaults (the ``rejected`` rule stays)."""
        fresh = AccountEmulator(rejected=self.rejected)
        with self._lock:
            for name in (
                "email",
                "name",
                "balance",
                "organizations",
                "selected_organization_id",
                "has_personal_account",
                "default_model",
                "pending_polls",
                "outcome",
                "expires_in",
            ):
                setattr(self, name, getattr(fresh, name))
            self.too_many_codes, self.token = False, None
            self.codes.clear()
            self.issued.clear()

    def answer(self, origin: str, path: str, headers: Mapping[str, str], token: str | None) -> tuple[int, bytes] | None:
        """``(status, JSON body)`` for an account path, ``None`` for any other path."""
        route = path.split("?", 1)[0].rstrip("/")
        if route == CODES_PATH:
            return self._start(origin)
        if route.startswith(CODES_PATH + "/"):
            return self._poll(unquote(route[len(CODES_PATH) + 1 :]))
        if route == DEFAULTS_PATH:
            return 200, json.dumps({"defaultModel": self.default_model}).encode()
        if route.startswith(ORGANIZATIONS_PATH) and route.endswith("/defaults"):
            org_id = unquote(route[len(ORGANIZATIONS_PATH) : -len("/defaults")])
            refused = self.organization_refusal(org_id, token)
            if refused is not None:
                return refused
            org = self._organization(org_id) or {}
            return 200, json.dumps({"defaultModel": org.get("defaultModel", self.default_model)}).encode()
        if route in (PROFILE_PATH, BALANCE_PATH):
            refused = self._unauthenticated(token)
            if refused is not None:
                return refused
            return 200, self._profile() if route == PROFILE_PATH else self._balance(headers.get(ORG_HEADER))
        return None

    def _unauthenticated(self, token: str | None) -> tuple[int, bytes] | None:
        if token is None:
            return 401, UNAUTHORIZED_BODY
        if self.rejected(token):
            return 401, INVALID_TOKEN_BODY
        return None

    def _organization(self, org_id: str) -> dict[str, Any] | None:
        return next((o for o in self.organizations if o.get("id") == org_id), None)

    def organization_refusal(self, org_id: str, token: str | None) -> tuple[int, bytes] | None:
        """``(status, body)`` refusing an organisation's route to this caller, ``None`` for a member."""
        refused = self._unauthenticated(token)
        if refused is not None:
            return refused
        return None if self._organization(org_id) is not None else (403, NOT_A_MEMBER_BODY)

    def _start(self, origin: str) -> tuple[int, bytes]:
        if self.too_many_codes:
            return 429, TOO_MANY_CODES_BODY
        with self._lock:
            code = f"EMU{next(self._count):03d}-{secrets.token_hex(2).upper()}"
            self.codes[code] = 0
        body = {"code": code, "verificationUrl": f"{origin}/device-auth?code={code}", "expiresIn": self.expires_in}
        return 200, json.dumps(body).encode()

    def _poll(self, code: str) -> tuple[int, bytes]:
        with self._lock:
            if code not in self.codes:
                return 404, b'{"error":"Not found"}'
            polls = self.codes[code]
            if polls < 0:
                return 410, b'{"status":"expired"}'
            self.codes[code] = polls + 1
            if polls < self.pending_polls:
                return 202, b'{"status":"pending"}'
            if self.outcome == DENIED:
                return 403, b'{"status":"denied"}'
            if self.outcome == EXPIRED:
                return 410, b'{"status":"expired"}'
            self.codes[code] = -1
            token = self.token or f"kilo-emulator-token-{secrets.token_hex(12)}"
            self.issued.append(token)
        return 200, json.dumps({"status": APPROVED, "token": token, "userEmail": self.email}).encode()

    def _profile(self) -> bytes:
        orgs = [{k: v for k, v in org.items() if k not in ("balance", "defaultModel")} for org in self.organizations]
        profile = {
            "user": {"email": self.email, "name": self.name},
            "organizations": orgs,
            "selectedOrganizationId": self.selected_organization_id,
            "hasPersonalAccount": self.has_personal_account,
        }
        return json.dumps(profile).encode()

    def _balance(self, org_id: str | None) -> bytes:
        org = next((o for o in self.organizations if org_id and o.get("id") == org_id), None)
        balance = org.get("balance", self.balance) if org is not None else self.balance
        return json.dumps({"balance": balance}).encode()
