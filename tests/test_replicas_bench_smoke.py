"""The proxy benchmarks run and print their tables (tiny sizes; nothing here asserts a time).

``bench/proxy.py`` starts one proxy and two replicas on a real Redis, ``bench/keepalive.py`` one
proxy per keep-alive setting; both are slow, hence the ``test_replicas`` prefix (marked slow).
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from proxy_helpers import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def _run(*argv: str) -> str:
    done = subprocess.run([sys.executable, *argv], cwd=ROOT, capture_output=True, text=True, timeout=850, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_bench_proxy_prints_both_contenders_and_their_ratios_for_each_topology_and_mode():
    out = _run("bench/proxy.py", "--clients", "2", "--calls-per-client", "1", "--events", "3", "--rounds", "1")
    rows = re.findall(r"^(one|replicas)\s+(burst|paced)\s+2 (kilo|peer)\s+.*\s(\d+)$", out, flags=re.M)
    assert {(t, m, c) for t, m, c, _ in rows} == {
        (t, m, c) for t in ("one", "replicas") for m in ("burst", "paced") for c in ("kilo", "peer")
    }
    assert all(errors == "0" for *_, errors in rows), out
    assert len(re.findall(r"^\s+kilo/peer(\s+[\d.]+x){4}$", out, flags=re.M)) == 4, out


def test_bench_keepalive_prints_calls_and_failures_for_both_settings():
    out = _run("bench/keepalive.py", "--clients", "2", "--trials", "2")
    rows = re.findall(r"^\s+(equal|nested)\s+(\d) s\s+1.0 s\s+(\d)\s+(\d+)\s+(\d+)$", out, flags=re.M)
    assert [(s, r, calls) for s, _, r, calls, _ in rows] == [
        (s, r, "4") for s in ("equal", "nested") for r in ("0", "2")
    ], out
    assert [failed for s, _, r, _, failed in rows if r == "2" or s == "nested"] == ["0"] * 3
