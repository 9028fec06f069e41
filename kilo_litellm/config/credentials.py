"""The token ``kilo-litellm login`` stores, kept for this OS user only, and read back cheaply.

Where: ``signin.json`` in the user's config directory (:func:`kilo_litellm.config.dirs.config_dir`:
``KILO_LITELLM_CONFIG_DIR`` when set, else the platform's, such as ``~/.config/kilo-litellm``). The
directory is created 0700 and the file is written 0600 from its first byte (a new file opened with
that mode, then renamed over the old one), so no other user can read it at any moment. Where a
system keyring is configured (the optional ``keyring`` package with a real backend), the token goes
there instead and the file keeps only what is not secret: the organisation, the e-mail, and that
the token is in the keyring. A keyring that is not
installed, not configured or failing leaves the token in the file, with one log line saying so.

Reading: the provider asks :func:`current` on every call; it costs one ``stat`` of the file, which
(and the keyring) is read again only when the file changed (inode, size, mtime, ctime), so a
``kilo-litellm login`` or ``logout`` in another terminal is seen by a running process or proxy at its
next call. Nothing here raises on read: a missing, unreadable or corrupt store, or a keyring that
fails, is "not signed in" (logged once per change of the file), so an anonymous call never fails
because of it.

The token is in no ``repr``, log line or exception message of this module.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kilo_litellm.config import dirs, env

logger = logging.getLogger("kilo_litellm")

ENV_CONFIG_DIR = env.CONFIG_DIR.name
FILE_NAME = "signin.json"
KEYRING_SERVICE = "kilo-litellm"
KEYRING_USER = "kilo-sign-in"
IN_FILE, IN_KEYRING = "file", "keyring"
VERSION = 1
_DIR_ENV = (env.CONFIG_DIR.name, "XDG_CONFIG_HOME", "HOME", "USERPROFILE", "APPDATA", "LOCALAPPDATA")


class StoreError(Exception):
    """The sign-in could not be written or removed (the directory is not writable, ...)."""


@dataclass(frozen=True)
class StoredSignIn:
    """What ``kilo-litellm login`` stored; ``repr`` shows where, never the token."""

    token: str = field(repr=False)
    where: str
    path: Path
    org_id: str | None = None
    org_name: str | None = None
    email: str | None = None

    @property
    def location(self) -> str:
        """Where the token is, for people: ``file /home/me/.config/kilo-litellm/signin.json`` or ``system keyring``."""
        return "system keyring" if self.where == IN_KEYRING else f"file {self.path}"

    def __repr__(self) -> str:
        return f"StoredSignIn(where={self.where!r}, email={self.email!r}, org_id={self.org_id!r})"


_path_cache: tuple[tuple[str | None, ...], Path] | None = None


def path() -> Path:
    """The sign-in file of this user (it may not exist); follows ``KILO_LITELLM_CONFIG_DIR``,
    ``XDG_CONFIG_HOME`` and ``HOME`` as they are now."""
    global _path_cache
    seen = tuple(os.environ.get(name) for name in _DIR_ENV)
    cached = _path_cache
    if cached is not None and cached[0] == seen:
        return cached[1]
    found = dirs.config_dir() / FILE_NAME
    _path_cache = (seen, found)
    return found


# -- the system keyring (optional) ------------------------------------------------------------------


def keyring_backend() -> tuple[Any, str]:
    """The ``keyring`` module when a real backend is configured, else ``None``; and why not.

    ``keyring`` picks a backend by itself (Secret Service, macOS Keychain, Windows Credential
    Locker, or ``PYTHON_KEYRING_BACKEND``); with none usable it falls back to its ``fail`` backend,
    and ``null`` is the documented way to turn it off: both mean "no keyring here".
    """
    try:
        import keyring
        from keyring.backends import chainer, fail, null

        backend = keyring.get_keyring()
    except ImportError:
        return None, "the keyring package is not installed"
    except Exception as exc:
        return None, f"the system keyring failed to load ({type(exc).__name__}: {exc})"
    if isinstance(backend, (fail.Keyring, null.Keyring)):
        return None, "no system keyring is configured"
    if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
        return None, "no system keyring is configured"
    return keyring, ""


class _NoKeyringError(Exception):
    pass


def _keyring_token() -> str | None:
    module, why = keyring_backend()
    if module is None:
        raise _NoKeyringError(why)
    return module.get_password(KEYRING_SERVICE, KEYRING_USER)


def _forget_keyring_token() -> None:
    module, _ = keyring_backend()
    if module is None:
        return
    with contextlib.suppress(Exception):
        module.delete_password(KEYRING_SERVICE, KEYRING_USER)


# -- reading ----------------------------------------------------------------------------------------

_lock = threading.Lock()
_read_cache: tuple[tuple, StoredSignIn | None] | None = None


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _read(file: Path) -> StoredSignIn | None:
    """The stored sign-in, or ``None`` (logged) when the file or the keyring cannot give one."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        logger.warning(
            "kilo: ignoring the stored sign-in %s (%s); run `kilo-litellm login` again", file, type(exc).__name__
        )
        return None
    if not isinstance(data, dict):
        logger.warning(
            "kilo: ignoring the stored sign-in %s (not a sign-in record); run `kilo-litellm login` again", file
        )
        return None
    where = IN_KEYRING if data.get("store") == IN_KEYRING else IN_FILE
    if where == IN_KEYRING:
        try:
            token = _text(_keyring_token())
        except Exception as exc:
            logger.warning(
                "kilo: the stored sign-in is in the system keyring, which cannot be read now (%s): "
                "calls go without it; run `kilo-litellm login` again",
                exc if isinstance(exc, _NoKeyringError) else type(exc).__name__,
            )
            return None
    else:
        token = _text(data.get("token"))
    if token is None:
        logger.warning("kilo: the stored sign-in in %s has no token; run `kilo-litellm login` again", file)
        return None
    return StoredSignIn(
        token=token,
        where=where,
        path=file,
        org_id=_text(data.get("org_id")),
        org_name=_text(data.get("org_name")),
        email=_text(data.get("email")),
    )


def current() -> StoredSignIn | None:
    """The stored sign-in, or ``None``; one ``stat`` per call, the file read only when it changed."""
    global _read_cache
    file = path()
    try:
        st = os.stat(file)
    except FileNotFoundError:
        return None
    except OSError as exc:
        key: tuple = (str(file), "stat failed", type(exc).__name__)
        if _read_cache is None or _read_cache[0] != key:
            logger.warning("kilo: cannot read the stored sign-in %s (%s)", file, type(exc).__name__)
            _read_cache = (key, None)
        return None
    key = (str(file), st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    cached = _read_cache
    if cached is not None and cached[0] == key:
        return cached[1]
    with _lock:
        cached = _read_cache
        if cached is not None and cached[0] == key:
            return cached[1]
        found = _read(file)
        _read_cache = (key, found)
        return found


def forget_cache() -> None:
    """The next :func:`current` reads the store again (after this process wrote or removed it)."""
    global _read_cache
    _read_cache = None


# -- writing ----------------------------------------------------------------------------------------


def _write_private(file: Path, data: dict) -> None:
    """``data`` as ``file``, mode 0600 from the start: a new file created 0600, then renamed over ``file``."""
    file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = file.with_name(f".{file.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(tmp, flags, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(json.dumps(data, indent=2).encode("utf-8") + b"\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, file)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def save(
    token: str,
    *,
    org_id: str | None = None,
    org_name: str | None = None,
    email: str | None = None,
) -> StoredSignIn:
    """Store ``token`` (and the chosen organisation) for this user: in the system keyring when one is
    configured, else in the 0600 file. Raises :class:`StoreError` when the file cannot be written."""
    file = path()
    record: dict[str, Any] = {"version": VERSION, "store": IN_FILE}
    record.update({k: v for k, v in (("org_id", org_id), ("org_name", org_name), ("email", email)) if v})
    where = IN_FILE
    module, why = keyring_backend()
    if module is not None:
        try:
            module.set_password(KEYRING_SERVICE, KEYRING_USER, token)
            where = IN_KEYRING
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}".replace(token, "***")[:300]
            logger.warning(
                "kilo: could not store the sign-in in the system keyring (%s): storing it in %s (mode 0600) instead",
                reason,
                file,
            )
    else:
        logger.info("kilo: %s: storing the sign-in in %s (mode 0600)", why, file)
    record["store"] = where
    if where == IN_FILE:
        record["token"] = token
    try:
        _write_private(file, record)
    except OSError as exc:
        raise StoreError(f"cannot write {file} ({exc.strerror or type(exc).__name__})") from None
    finally:
        forget_cache()
    if where == IN_FILE and module is not None:
        _forget_keyring_token()
    return StoredSignIn(token=token, where=where, path=file, org_id=org_id, org_name=org_name, email=email)


def delete() -> StoredSignIn | None:
    """Remove the stored sign-in (file and keyring entry); what was removed, or ``None`` if there was none.

    A file that cannot be read is removed all the same (it is ``None`` then only if nothing was there).
    """
    file = path()
    existed = file.exists()
    found = current() if existed else None
    if existed:
        _forget_keyring_token()
    try:
        file.unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise StoreError(f"cannot remove {file} ({exc.strerror or type(exc).__name__})") from None
    finally:
        forget_cache()
    if found is None and existed:
        return StoredSignIn(token="", where=IN_FILE, path=file)
    return found
