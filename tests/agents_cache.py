"""The agents' cache ``.cache/agents/`` of the clone: real CLIs from npm, pinned, installed once.

``npm install --prefix`` puts each package under ``.cache/agents/node_modules/``; a package whose
installed version is the pinned one is not fetched again. Claude Code and Codex (``test_agents``)
and Kilo's own CLI (``test_kilo_client``) share it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
AGENTS_DIR = ROOT / ".cache" / "agents"
MODULES = AGENTS_DIR / "node_modules"
INSTALL_TIMEOUT = 600


def installed_version(package: str) -> str | None:
    manifest = MODULES / package / "package.json"
    return json.loads(manifest.read_text()).get("version") if manifest.exists() else None


def install(packages: Mapping[str, str], what: str) -> Path:
    """``node_modules`` with each ``package: version`` installed; skips the test where npm is missing."""
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip(f"node/npm not found: {what} cannot be installed")
    missing = [f"{pkg}@{ver}" for pkg, ver in packages.items() if installed_version(pkg) != ver]
    if missing:
        AGENTS_DIR.mkdir(parents=True, exist_ok=True)
        cmd = ["npm", "install", "--prefix", str(AGENTS_DIR), "--no-audit", "--no-fund", "--no-save", *missing]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=INSTALL_TIMEOUT)
        assert done.returncode == 0, f"npm install failed:\n{done.stderr[-3000:]}"
    return MODULES
