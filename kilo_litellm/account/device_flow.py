"""A device sign-in from start to token: start, wait for the browser's approval, read the profile.

The server decides: it answers each poll ``202`` until the user approves (``200`` with the token),
denies (``403``) or lets the code expire (``410``). The client waits about 3 s between polls (what
Kilo's own client does) and gives up by itself once the code's ``expiresIn`` has passed. The clock
and the sleep are injected so that tests and the demo do not wait; ``on_code`` and ``on_wait`` let
the command line show the code and a countdown (this module prints nothing).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from kilo_litellm.account.client import (
    AccountClient,
    AccountError,
    Approved,
    DeviceCode,
    Organization,
    Profile,
    SignInExpiredError,
    choose_organization,
    profile_organization,
)

POLL_INTERVAL = 3.0


def wait_for_approval(
    client: AccountClient,
    code: DeviceCode,
    *,
    interval: float = POLL_INTERVAL,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    on_wait: Callable[[float], None] | None = None,
) -> Approved:
    """Poll ``code`` every ``interval`` seconds until it is approved; denied or expired raise.

    ``on_wait(seconds_left)`` is called before each wait. ``KeyboardInterrupt`` (Ctrl-C) in the
    sleep passes through untouched.
    """
    deadline = clock() + code.expires_in
    while True:
        left = deadline - clock()
        if left <= 0:
            raise SignInExpiredError("the code expired before it was approved; run `kilo-litellm login` again")
        if on_wait is not None:
            on_wait(left)
        sleep(min(interval, left))
        answer = client.poll(code.code)
        if isinstance(answer, Approved):
            return answer


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in: the token (never in ``repr``), who, and the organisation chosen."""

    token: str = field(repr=False)
    email: str | None
    organization: Organization | None
    profile: Profile | None


def sign_in(
    client: AccountClient,
    *,
    org: str | None = None,
    personal: bool = False,
    interval: float = POLL_INTERVAL,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    on_code: Callable[[DeviceCode], None] | None = None,
    on_wait: Callable[[float], None] | None = None,
) -> SignIn:
    """Start a sign-in, wait for its approval, then read the profile.

    With ``org`` the profile is required and the organisation must be one of the account's (an
    :class:`~kilo_litellm.account.client.UnknownOrganizationError` otherwise, before anything is stored).
    Without it the organisation is the one Kilo's own client picks from the profile
    (:func:`~kilo_litellm.account.client.profile_organization`), or none with ``personal``; a
    profile that cannot be read then leaves the e-mail to what the approval said and no organisation.
    """
    code = client.start()
    if on_code is not None:
        on_code(code)
    approved = wait_for_approval(client, code, interval=interval, clock=clock, sleep=sleep, on_wait=on_wait)
    try:
        profile: Profile | None = client.profile(approved.token)
    except AccountError as exc:
        if org is not None:
            raise type(exc)(f"signed in, but the profile (for --org) could not be read: {exc}") from None
        profile = None
    chosen = None
    if profile is not None and org is not None:
        chosen = choose_organization(profile.organizations, org)
    elif profile is not None and not personal:
        chosen = profile_organization(profile)
    email = (profile.email if profile is not None else None) or approved.email
    return SignIn(token=approved.token, email=email, organization=chosen, profile=profile)
