"""The kilo-litellm command."""

from kilo_litellm.cli.commands import main

__all__ = ["main"]
