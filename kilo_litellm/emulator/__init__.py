"""The local gateway emulator."""

from kilo_litellm.emulator.server import *  # noqa: F403
