import sys

from kilo_litellm.cli.commands import main

raise SystemExit(main(["emulator", *sys.argv[1:]]))
