"""``kilo-litellm login``, ``whoami`` and ``logout``: signing in from the terminal, as Kilo's own client does.

``login`` starts a device sign-in on Kilo's account service (``KILO_API_URL``, default
``https://api.kilo.ai``; not the gateway), shows the URL and the code, opens the browser where
there is one (``webbrowser``, which honours ``BROWSER``), and waits with a countdown until the
code is approved, denied or expired, or Ctrl-C. The token goes to this user's store
(:mod:`kilo_litellm.config.credentials`); from then on ``kilo/<model>`` calls without ``api_key=``
or ``KILO_API_KEY`` use it. The organisation, sent afterwards as ``X-KiloCode-OrganizationId``, is
chosen as Kilo's own client chooses it: the profile's ``selectedOrganizationId``, else the only
organisation of an account without a personal one; ``--org`` picks another, ``--personal`` none.
``whoami`` shows who the credential in use belongs to and the organisation in use; ``logout``
deletes the stored token. Every failure is one line on stderr and exit status 1; the
token is never printed.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable
from typing import TextIO

from kilo_litellm.account.client import AccountClient, AccountError, DeviceCode, TokenRejectedError
from kilo_litellm.account.device_flow import POLL_INTERVAL, sign_in
from kilo_litellm.config import credentials
from kilo_litellm.config.settings import (
    ENV_API_KEY,
    ENV_ORG_ID,
    FROM_CALL,
    FROM_SIGN_IN,
    LOGIN_COMMAND,
    SIGN_UP_URL,
    Settings,
    resolve,
)

NOTHING_STORED = "nothing was stored"


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def describe(conf: Settings) -> str:
    """Which credential ``conf`` uses, for a person: never any of it."""
    if conf.source == FROM_SIGN_IN:
        stored = credentials.current()
        return f"stored sign-in ({stored.location if stored is not None else conf.stored_in})"
    if conf.source == FROM_CALL and conf.has_real_key:
        return "--api-key"
    return conf.credential.replace("api_key=", "--api-key")


def _open_browser(url: str) -> bool:
    """Open ``url`` in a browser if this machine has one to open; ``False`` when it did not.

    ``BROWSER`` is honoured as given. Without it, a Unix session with no display has no browser to
    show, and a console browser (lynx, w3m) that ``webbrowser`` would fall back to is not used: it
    would take over the terminal the countdown runs in.
    """
    import webbrowser

    chosen = bool(os.environ.get("BROWSER"))
    if not chosen and os.name == "posix" and sys.platform != "darwin":
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            return False
    try:
        browser = webbrowser.get()
        if not chosen and type(browser) is webbrowser.GenericBrowser:
            return False
        return bool(browser.open(url, new=2))
    except Exception:
        return False


def _clock(seconds: float) -> str:
    whole = max(0, int(seconds + 0.5))
    return f"{whole // 60}:{whole % 60:02d}"


class _Countdown:
    """``Waiting for approval: 9:57 left``: rewritten in place on a terminal, a line a minute otherwise."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._tty = out.isatty()
        self._shown: int | None = None
        self._open = False

    def __call__(self, left: float) -> None:
        text = f"Waiting for approval: {_clock(left)} left (Ctrl-C to cancel)"
        if self._tty:
            self._out.write("\r" + text + "\033[K")
            self._open = True
        else:
            minute = math.ceil(left / 60)
            if minute == self._shown:
                return
            self._shown = minute
            self._out.write(text + "\n")
        self._out.flush()

    def end(self) -> None:
        if self._open:
            self._out.write("\n")
            self._out.flush()
            self._open = False


def _show_code(code: DeviceCode, open_browser: bool) -> None:
    print("Sign in to Kilo: open this page and confirm the code.\n")
    print(f"  URL:   {code.verification_url}")
    print(f"  Code:  {code.code}")
    print(f"  (the code expires in {_clock(code.expires_in)})\n")
    if open_browser and _open_browser(code.verification_url):
        print("Opened the page in your browser.")
    else:
        print("Open the URL in a browser on any device.")
    sys.stdout.flush()


def _login(args: argparse.Namespace) -> int:
    import httpx

    countdown = _Countdown(sys.stdout)
    try:
        with httpx.Client() as http:
            client = AccountClient(http)
            result = sign_in(
                client,
                org=args.org,
                personal=args.personal,
                interval=args.poll_interval,
                on_code=lambda code: _show_code(code, not args.no_browser),
                on_wait=countdown,
            )
    except KeyboardInterrupt:
        countdown.end()
        print(f"login cancelled: {NOTHING_STORED}", file=sys.stderr)
        return 130
    except AccountError as exc:
        countdown.end()
        text = str(exc)
        return _fail(text if NOTHING_STORED in text else f"{text}; {NOTHING_STORED}")
    countdown.end()
    org = result.organization
    try:
        stored = credentials.save(
            result.token, org_id=org.id if org else None, org_name=org.name if org else None, email=result.email
        )
    except credentials.StoreError as exc:
        return _fail(f"signed in, but the sign-in could not be stored: {exc}")
    print(f"Signed in as {result.email or 'your Kilo account'}.")
    if org is not None and args.org is None:
        print(f"Organisation: {org}, as your Kilo profile selects it; sent as X-KiloCode-OrganizationId.")
        print(f"`{LOGIN_COMMAND} --personal` signs in without it, `--org ID` with another.")
    elif org is not None:
        print(f"Organisation: {org}, sent as X-KiloCode-OrganizationId.")
    elif result.profile is not None and result.profile.organizations:
        listed = ", ".join(map(str, result.profile.organizations))
        print(f"Personal account. Your organisations: {listed}; `{LOGIN_COMMAND} --org ID` uses one.")
    where = "the system keyring" if stored.where == credentials.IN_KEYRING else f"{stored.path} (readable only by you)"
    print(f"Stored in {where}.")
    print(f"kilo/<model> calls without api_key= or {ENV_API_KEY} now use this sign-in.")
    if os.environ.get(ENV_API_KEY):
        print(f"note: {ENV_API_KEY} is set, and calls use it before this sign-in.")
    return 0


def _rejected(conf: Settings) -> str:
    if conf.source == FROM_SIGN_IN:
        return f"your stored sign-in was rejected by Kilo (expired or revoked): run `{LOGIN_COMMAND}` again"
    return f"{describe(conf)} was rejected by Kilo (invalid or expired): get a new key at {SIGN_UP_URL}"


def _whoami(args: argparse.Namespace) -> int:
    import httpx

    conf = resolve(api_key=args.api_key)
    if not conf.has_real_key:
        print(f"not signed in: {describe(conf)}")
        print(f"Run `{LOGIN_COMMAND}` to sign in, or set {ENV_API_KEY}.")
        return 0
    with httpx.Client() as http:
        try:
            client = AccountClient(http)
            profile = client.profile(conf.api_key)
        except TokenRejectedError:
            return _fail(_rejected(conf))
        except AccountError as exc:
            return _fail(str(exc))
        try:
            balance = f"${client.balance(conf.api_key, conf.org_id):,.2f}"
        except AccountError as exc:
            balance = f"unavailable ({exc})"
    print(f"signed in as {profile.email or '(no e-mail on the profile)'}")
    print(f"credential: {describe(conf)}")
    orgs = ", ".join(map(str, profile.organizations)) or "none"
    print(f"organisations: {orgs}")
    if conf.org_id:
        named = next((o for o in profile.organizations if o.id == conf.org_id), None)
        origin = f"from {ENV_ORG_ID}" if os.environ.get(ENV_ORG_ID) else "chosen at login"
        shown = str(named) if named else f"{conf.org_id} (not one of this account's organisations)"
        print(f"organisation in use: {shown}, {origin}")
        print(f"balance: {balance} (organisation)")
    else:
        print(f"balance: {balance}")
    return 0


def _logout(args: argparse.Namespace) -> int:
    try:
        removed = credentials.delete()
    except credentials.StoreError as exc:
        return _fail(str(exc))
    if removed is None:
        print("not signed in: there was no stored sign-in to remove")
    else:
        print(f"signed out: removed the stored sign-in ({removed.location})")
        print("kilo/<model> calls without a key are anonymous again (free models only).")
    if os.environ.get(ENV_API_KEY):
        print(f"note: {ENV_API_KEY} is still set, and calls use it.")
    return 0


def _interval(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 60:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds between 0 and 60")
    return seconds


def add_commands(command: Callable[..., argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    """``login``, ``whoami`` and ``logout`` on the parser that ``command(name, help, parents)`` adds to."""
    login = command("login", "sign in to Kilo in the browser and store the token for this user", [])
    chosen = login.add_mutually_exclusive_group()
    chosen.add_argument(
        "--org",
        metavar="ORG",
        help="use this organisation of the account (its id or name); default: the one your Kilo profile "
        "selects, as Kilo's own client does",
    )
    chosen.add_argument("--personal", action="store_true", help="use the personal account, not an organisation")
    login.add_argument("--no-browser", action="store_true", help="only print the URL, do not open a browser")
    login.add_argument(
        "--poll-interval",
        type=_interval,
        default=POLL_INTERVAL,
        metavar="SECONDS",
        help="how often to ask whether the code was approved",
    )
    login.set_defaults(func=_login)
    whoami = command("whoami", "show the account, organisations and balance of the credential in use", [common])
    whoami.set_defaults(func=_whoami)
    logout = command("logout", "delete the stored sign-in", [])
    logout.set_defaults(func=_logout)
