"""Where kilo-litellm keeps files for this OS user: the sign-in (config) and the model list (cache).

Both follow the platform's convention through ``platformdirs`` (``~/.config/kilo-litellm`` and
``~/.cache/kilo-litellm`` on Linux, honouring ``$XDG_CONFIG_HOME``/``$XDG_CACHE_HOME``;
``~/Library/Application Support/kilo-litellm`` and ``~/Library/Caches/kilo-litellm`` on macOS;
``%LOCALAPPDATA%\\kilo-litellm`` on Windows), unless ``KILO_LITELLM_CONFIG_DIR`` or
``KILO_LITELLM_CACHE_DIR`` names another folder (a container's volume, a test's temporary folder).
Nothing here creates a directory: the code that writes a file does, with the mode it needs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from kilo_litellm.config import env

APP_NAME = "kilo-litellm"


def config_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``KILO_LITELLM_CONFIG_DIR``, else the platform's user config directory for kilo-litellm."""
    given = env.text(env.CONFIG_DIR, environ)
    if given:
        return Path(given).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def cache_dir(explicit: str | os.PathLike | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """``explicit``, else ``KILO_LITELLM_CACHE_DIR``, else the platform's user cache directory for kilo-litellm."""
    if explicit:
        return Path(explicit).expanduser()
    given = env.text(env.CACHE_DIR, environ)
    if given:
        return Path(given).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))
