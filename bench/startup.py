"""How long ``kilo-litellm`` takes to start, and what ``import kilo_litellm`` adds to ``import litellm``.

    .venv/bin/python bench/startup.py                 # 5 runs of each, bytecode cached as after an install
    .venv/bin/python bench/startup.py --runs 1        # smoke size
    .venv/bin/python bench/startup.py --no-bytecode   # every module compiled from source in each run

Each row is the median wall time of ``--runs`` fresh processes, as a ratio against
``python -c "import litellm"`` measured in the same run, so a busy machine scales both sides alike:

* the commands that call no model (``--version``, ``login``, ``whoami``, ``logout``, ``models`` from
  the live list and from the cache, ``proxy-config``, ``emulator`` until it serves), against the
  bundled gateway emulator in a fresh home; each should be a small fraction of one ``import litellm``;
* ``import kilo_litellm`` after ``import litellm``, timed inside the process (what a program that
  already uses LiteLLM pays for the provider), with the milliseconds beside the ratio; then its wall
  and CPU time (``time.process_time``, less disturbed by other processes on a loaded machine) as
  ratios against ``import litellm``'s in the same processes.

A process started with ``PYTHONDONTWRITEBYTECODE`` set, as some shells and CI images do, compiles
every module of an editable install from source each time; the default run leaves bytecode cached
(one warm-up run per row writes it), as ``pip install`` does for a wheel. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from kilo_litellm.emulator import GatewayEmulator

PYTHON = sys.executable
SCRIPT = Path(PYTHON).with_name("kilo-litellm")
IMPORT_AFTER_LITELLM = """
import time
wall, cpu = time.perf_counter(), time.process_time()
import litellm
litellm_wall, litellm_cpu = time.perf_counter() - wall, time.process_time() - cpu
wall, cpu = time.perf_counter(), time.process_time()
import kilo_litellm
print(time.perf_counter() - wall, time.process_time() - cpu, litellm_wall, litellm_cpu)
"""


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per row (the median is shown)")
    parser.add_argument(
        "--no-bytecode", action="store_true", help="set PYTHONDONTWRITEBYTECODE and compile every module in each run"
    )
    return parser.parse_args(argv)


def environment(home: Path, emulator: GatewayEmulator, no_bytecode: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KILO_", "XDG_", "PYTHONDONTWRITEBYTECODE"))}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"),
        KILO_API_BASE=emulator.api_base,
        KILO_API_URL=emulator.url,
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        LITELLM_LOCAL_MODEL_COST_MAP="True",
    )
    if no_bytecode:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def command(*args: str) -> list[str]:
    return [str(SCRIPT), *args] if SCRIPT.exists() else [PYTHON, "-m", "kilo_litellm", *args]


def timed_run(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.strip()[-500:]}")
    return elapsed


def timed_emulator(env: dict[str, str]) -> float:
    """``kilo-litellm emulator --port 0`` until it prints how to use it (it serves from then on)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        command("emulator", "--port", "0"), env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        for line in proc.stdout:
            if line.startswith("Ctrl-C"):
                break
        elapsed = time.perf_counter() - start
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate()
    return elapsed


def timed_import(env: dict[str, str]) -> tuple[float, ...]:
    """``import kilo_litellm`` after ``import litellm`` in one fresh process: its wall and CPU time,
    then ``import litellm``'s wall and CPU time in the same process."""
    done = subprocess.run([PYTHON, "-c", IMPORT_AFTER_LITELLM], env=env, capture_output=True, text=True, check=True)
    return tuple(float(v) for v in done.stdout.split()[-4:])


def median(runs: int, measure: Callable[[], float]) -> float:
    measure()  # warm-up: the bytecode cache and the OS's file cache
    return statistics.median(measure() for _ in range(runs))


def medians(runs: int, measure: Callable[[], tuple[float, ...]]) -> list[float]:
    measure()
    return [statistics.median(column) for column in zip(*(measure() for _ in range(runs)), strict=True)]


def rows(env: dict[str, str]) -> list[tuple[str, Callable[[], float]]]:
    def cli(*args: str) -> Callable[[], float]:
        return lambda: timed_run(command(*args), env)

    return [
        ("kilo-litellm --version", cli("--version")),
        ("kilo-litellm login", cli("login", "--poll-interval", "0.05")),
        ("kilo-litellm whoami", cli("whoami")),
        ("kilo-litellm models --refresh (live)", cli("models", "--refresh")),
        ("kilo-litellm models (cache)", cli("models")),
        ("kilo-litellm proxy-config", cli("proxy-config")),
        ("kilo-litellm emulator (until serving)", lambda: timed_emulator(env)),
        ("kilo-litellm logout", cli("logout")),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    with GatewayEmulator() as emulator, tempfile.TemporaryDirectory(prefix="kilo-startup-") as home:
        env = environment(Path(home), emulator, args.no_bytecode)
        baseline = median(args.runs, lambda: timed_run([PYTHON, "-c", "import litellm"], env))
        print(f'python -c "import litellm": {baseline:.2f} s (the unit of the ratios below), {args.runs} runs')
        print(f"bytecode: {'compiled in every run (PYTHONDONTWRITEBYTECODE)' if args.no_bytecode else 'cached'}\n")
        print(f"{'start-up':<42} {'x import litellm':>16}")
        for name, measure in rows(env):
            print(f"{name:<42} {median(args.runs, measure) / baseline:>16.2f}")
        wall, cpu, litellm_wall, litellm_cpu = medians(args.runs, lambda: timed_import(env))
        print(f"{'import kilo_litellm after litellm':<42} {wall / baseline:>16.3f}   ({wall * 1000:.0f} ms)")
        print(
            f"\nimport kilo_litellm after import litellm, inside {args.runs} processes (medians):\n"
            f"  wall {wall * 1000:.1f} ms = {wall / litellm_wall:.4f} x import litellm's {litellm_wall:.2f} s\n"
            f"  CPU  {cpu * 1000:.1f} ms = {cpu / litellm_cpu:.4f} x import litellm's {litellm_cpu:.2f} s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
