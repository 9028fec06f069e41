"""The gateway's ``/models`` as a process last heard it, remembered on disk for the next one.

A refresh (:func:`kilo_litellm.refresh_models`, ``kilo-litellm models --refresh``) writes the list it
fetched, with the URL and the time, to ``models.json`` in the user's cache directory
(:func:`kilo_litellm.config.dirs.cache_dir`: the platform's, or ``$KILO_LITELLM_CACHE_DIR``, which
the test suite points at a folder of its own). A later process reads it before any call, so one
started without network knows what the gateway said last; the bundled snapshot answers only when
no list was ever remembered. No litellm here: the CLI's ``models`` reads it without importing it.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from kilo_litellm.config.dirs import cache_dir

logger = logging.getLogger("kilo_litellm")

FILE_NAME = "models.json"


@dataclass(frozen=True)
class Copy:
    """One ``/models`` answer: where it came from, when (Unix seconds) and its ``data`` entries."""

    api_base: str
    fetched_at: float
    data: list


def read(folder: str | os.PathLike | None = None) -> Copy | None:
    """The remembered list, or ``None`` when there is none or it cannot be read (logged, never raised)."""
    path = cache_dir(folder) / FILE_NAME
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return Copy(str(raw["api_base"]), float(raw["fetched_at"]), list(raw["data"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        logger.warning("kilo model cache %s is unreadable, ignoring it: %s", path, exc)
        return None


def write(copy: Copy, folder: str | os.PathLike | None = None) -> Path | None:
    """Remember ``copy`` (atomically: a reader never sees half a file); the path, or ``None`` if it failed."""
    path = cache_dir(folder) / FILE_NAME
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(
            json.dumps({"api_base": copy.api_base, "fetched_at": copy.fetched_at, "data": copy.data}),
            encoding="utf-8",
        )
        os.replace(tmp, path)
    except OSError as exc:
        logger.warning("kilo model cache %s could not be written: %s", path, exc)
        return None
    return path
