"""``kilo-litellm``: the command line (models, check, chat, demo, proxy-config, emulator, login, whoami, logout).

The only layer that prints. ``commands`` parses and dispatches, ``errors`` words every failure as
one line without the key, ``demo`` is the offline tour, ``drift`` the live probe behind ``check``
and ``signin`` the device sign-in and its stored token.
"""

from kilo_litellm.cli.commands import main

__all__ = ["main"]
