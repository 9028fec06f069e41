"""The bundled recordings are the gateway's bytes, unedited."""

from __future__ import annotations

import hashlib
from importlib import resources


def test_bundled_recordings_match_their_checksums():
    folder = resources.files("kilo_litellm.emulator").joinpath("recordings")
    lines = folder.joinpath("SHA256SUMS").read_text().splitlines()
    assert len(lines) == 6
    for line in lines:
        digest, name = line.split()
        assert hashlib.sha256(folder.joinpath(name).read_bytes()).hexdigest() == digest, name
