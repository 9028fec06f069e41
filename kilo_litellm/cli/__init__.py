"""``kilo-litellm``: the command line (models, check, chat, demo, proxy-config, emulator).

The only layer that prints. ``commands`` parses and dispatches, ``errors`` words every failure as
one line without the key, ``demo`` is the offline tour and ``drift`` the live probe behind ``check``.
"""

from kilo_litellm.cli.commands import main

__all__ = ["main"]
