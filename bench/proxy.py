"""The proxy's own figures: ``kilo/kilo-auto/free`` against LiteLLM's ``openai/`` path through real proxies.

    .venv/bin/python bench/proxy.py                       # 50 and 200 clients, burst and paced, 1 proxy and 2 replicas
    .venv/bin/python bench/proxy.py --clients 50 --only one --modes burst --profile 10
    .venv/bin/python bench/proxy.py --clients 4 --calls-per-client 1 --events 5 --rounds 1   # smoke size

One ``litellm --config`` proxy (``one``), then two replicas sharing one real ``redis-server``
(``replicas``, round robin), each from one config with two model groups on the same gateway:
``kilo`` (``kilo/kilo-auto/free``, this package) and ``peer`` (``openai/kilo-auto/free``, LiteLLM's
OpenAI-compatible path, ``api_key: public``). The gateway is ``bench/server.py`` in its own process:

* ``burst``: ``--events`` content events written in 16 KiB writes, as fast as the proxy reads;
* ``paced``: ``--events`` events one by one, 10-20 ms apart (the same seeded gaps every time).

Clients are ``openai.AsyncOpenAI`` streams (``max_retries=0``), ``--clients`` at a time, each making
``--calls-per-client`` calls; ``kilo`` and ``peer`` alternate for ``--rounds`` rounds (medians shown).
Per row: requests/s (calls / wall time), time to first token p50/p99 (request sent to first content),
proxy CPU per request (``utime + stime`` of every proxy process from ``/proc/<pid>/stat``, read
before and one second after the phase, divided by the calls) and errors (an exception or no text),
then ``kilo / peer`` of each, measured in the same run. The client runs in this process on the same
cores, the same for both. ``--profile SECONDS`` samples the proxy with ``py-spy`` during a kilo
burst phase and prints where its CPU goes. Nothing here is asserted as a time; the smoke test
(``tests/test_bench_proxy.py``) runs it at tiny sizes to check that it works and prints the table.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import openai
from proxy_helpers import Proxy, agents_config, run_proxy, write_config
from redis_server import RedisServer
from replica_helpers import two_replicas

from kilo_litellm.proxy import proxy_config

HERE = Path(__file__).resolve().parent
PY = sys.executable
CONTENDERS = {"kilo": "kilo/kilo-auto/free", "peer": "openai/kilo-auto/free"}
MODES = ("burst", "paced")
TOPOLOGIES = ("one", "replicas")
TICKS = os.sysconf("SC_CLK_TCK")
MESSAGES = [{"role": "user", "content": "hello"}]


@contextlib.contextmanager
def gateway(mode: str, events: int) -> Iterator[str]:
    """``bench/server.py MODE EVENTS`` in its own process; yields its ``api_base``."""
    proc = subprocess.Popen(
        [PY, str(HERE / "server.py"), mode, str(events)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        yield proc.stdout.readline().strip()
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)


def bench_config(bases: dict[str, str]) -> dict:
    """The shipped config's provider registration with one ``<contender>-<mode>`` group per pair."""
    config = agents_config()
    config["model_list"] = [
        {
            "model_name": f"{name}-{mode}",
            "litellm_params": {"model": model, "api_base": base, "api_key": "public"},
        }
        for mode, base in bases.items()
        for name, model in CONTENDERS.items()
    ]
    config["router_settings"] = {"num_retries": 0}
    return config


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            found += [int(c) for c in task.read_text().split()]
    return found


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU of each process and its live children, from ``/proc/<pid>/stat``."""
    total = 0
    for pid in [*pids, *(c for p in pids for c in _children(p))]:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / TICKS


def _quantile(values: list[float], q: float) -> float | None:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else None


async def load(replicas: Sequence[Proxy], model: str, clients: int, calls_per_client: int) -> dict:
    """``clients`` concurrent clients, each streaming ``calls_per_client`` calls round robin over ``replicas``."""
    sdk = [
        openai.AsyncOpenAI(base_url=f"{p.base}/v1", api_key=p.master_key, max_retries=0, timeout=120) for p in replicas
    ]
    ttft: list[float] = []
    errors: Counter = Counter()

    async def one(i: int) -> None:
        started = time.monotonic()
        first = None
        try:
            stream = await sdk[i % len(sdk)].chat.completions.create(model=model, messages=MESSAGES, stream=True)
            async for chunk in stream:
                if first is None and any(c.delta.content for c in chunk.choices):
                    first = time.monotonic() - started
            if first is None:
                errors["no text"] += 1
            else:
                ttft.append(first)
        except Exception as error:
            errors[type(error).__name__] += 1

    async def client(c: int) -> None:
        for k in range(calls_per_client):
            await one(c * calls_per_client + k)

    started = time.monotonic()
    try:
        await asyncio.gather(*(client(c) for c in range(clients)))
    finally:
        for s in sdk:
            await s.close()
    return {"wall_s": time.monotonic() - started, "ttft": ttft, "errors": errors}


def phase(replicas: Sequence[Proxy], group: str, clients: int, calls_per_client: int) -> dict:
    pids = [p.pid for p in replicas]
    before = cpu_seconds(pids)
    result = asyncio.run(load(replicas, group, clients, calls_per_client))
    time.sleep(1.0)
    calls = clients * calls_per_client
    return {
        "calls": calls,
        "rps": calls / result["wall_s"],
        "ttft_p50_ms": 1000 * (_quantile(result["ttft"], 0.5) or 0),
        "ttft_p99_ms": 1000 * (_quantile(result["ttft"], 0.99) or 0),
        "cpu_ms_per_req": 1000 * (cpu_seconds(pids) - before) / calls,
        "errors": sum(result["errors"].values()),
        "error_kinds": dict(result["errors"]),
    }


FIELDS = (
    ("rps", "requests/s", "higher"),
    ("ttft_p50_ms", "TTFT p50 ms", "lower"),
    ("ttft_p99_ms", "TTFT p99 ms", "lower"),
    ("cpu_ms_per_req", "proxy CPU ms/req", "lower"),
)


def median_row(runs: list[dict]) -> dict:
    row = {key: statistics.median(r[key] for r in runs) for key, _, _ in FIELDS}
    row["errors"] = sum(r["errors"] for r in runs)
    row["calls"] = sum(r["calls"] for r in runs)
    kinds: Counter = Counter()
    for r in runs:
        kinds.update(r["error_kinds"])
    row["error_kinds"] = dict(kinds)
    return row


def print_table(rows: list[dict]) -> None:
    head = "  ".join(f"{label:>16}" for _, label, _ in FIELDS)
    print(f"{'topology':9} {'mode':6} {'clients':>7} {'contender':9} {head}  {'errors':>6}")
    for row in rows:
        values = "  ".join(f"{row[key]:>16,.1f}" for key, _, _ in FIELDS)
        line = (
            f"{row['topology']:9} {row['mode']:6} {row['clients']:>7} {row['contender']:9} {values}  {row['errors']:>6}"
        )
        print(line)
        if row["contender"] == "peer":
            kilo = next(r for r in rows if r["contender"] == "kilo" and _same(r, row))
            ratios = "  ".join(f"{_ratio(kilo[key], row[key]):>15}x" for key, _, _ in FIELDS)
            print(f"{'':9} {'':6} {'':>7} {'kilo/peer':9} {ratios}")
    print("higher is better for requests/s; lower for the others.")


def _same(a: dict, b: dict) -> bool:
    return all(a[k] == b[k] for k in ("topology", "mode", "clients"))


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "-"


def profile(proxy: Proxy, group: str, clients: int, calls_per_client: int, seconds: float) -> None:
    """Sample the proxy with py-spy while kilo streams go through it; print where its CPU went."""
    spy = shutil.which("py-spy") or str(Path(PY).with_name("py-spy"))
    if not Path(spy).exists():
        print("profile: py-spy is not installed (pip install py-spy); no profile taken")
        return
    out = Path(tempfile.mkdtemp(prefix="kilo-bench-proxy-")) / "proxy.raw"
    cmd = [spy, "record", "--pid", str(proxy.pid), "--duration", str(int(seconds)), "--rate", "200"]
    recorder = subprocess.Popen(
        [*cmd, "--format", "raw", "--nonblocking", "-o", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    stop = threading.Event()

    def keep_busy() -> None:
        while not stop.is_set() and recorder.poll() is None:
            asyncio.run(load([proxy], group, clients, calls_per_client))

    time.sleep(0.5)
    worker = threading.Thread(target=keep_busy)
    worker.start()
    recorder.wait()
    stop.set()
    worker.join()
    if not out.exists():
        print(f"profile: py-spy failed: {recorder.stderr.read().decode()[-500:]}")
        return
    print_profile(out.read_text())


PACKAGES = (
    ("kilo_litellm", "kilo_litellm/"),
    ("litellm streaming wrapper", "litellm_core_utils/streaming_handler"),
    ("litellm logging", "litellm_core_utils/litellm_logging"),
    ("litellm proxy", "litellm/proxy/"),
    ("litellm router", "litellm/router"),
    ("litellm (other)", "litellm/"),
    ("pydantic", "pydantic"),
    ("starlette/fastapi", "starlette/"),
    ("uvicorn/h11", "uvicorn/"),
    ("aiohttp", "aiohttp/"),
    ("httpx/httpcore", "http"),
    ("asyncio", "asyncio/"),
)


def print_profile(raw: str) -> None:
    """py-spy's raw stacks: the share of samples in each package (innermost listed frame) and the top functions."""
    own: Counter = Counter()
    where: Counter = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        own[frames[-1]] += n
        for frame in reversed(frames):
            name = next((label for label, part in PACKAGES if part in frame), None)
            if name:
                where[name] += n
                break
        else:
            where["other"] += n
    print(f"profile: {total} samples of the proxy process (innermost frame's package)")
    for name, n in where.most_common():
        print(f"  {100 * n / total:5.1f}%  {name}")
    print("  top functions (own samples):")
    for frame, n in own.most_common(15):
        print(f"  {100 * n / total:5.1f}%  {frame[:140]}")


def run_topology(topology: str, bases: dict[str, str], args, rows: list[dict]) -> None:
    workdir = Path(tempfile.mkdtemp(prefix=f"kilo-bench-proxy-{topology}-"))
    config = bench_config(bases)
    redis = None
    if topology == "replicas":
        redis = RedisServer(workdir).start()
        config = proxy_config.with_redis(config, redis.host, redis.port, cache=False)
    try:
        if topology == "one":
            starter = run_proxy(write_config(config, workdir), workdir, {})
            with starter as proxy:
                measure(topology, [proxy], args, rows)
                if args.profile:
                    profile(proxy, "kilo-burst", min(args.clients), args.calls_per_client, args.profile)
        else:
            with two_replicas(config, workdir, {}) as pair:
                measure(topology, list(pair), args, rows)
    finally:
        if redis is not None:
            redis.stop()


def measure(topology: str, replicas: list[Proxy], args, rows: list[dict]) -> None:
    for mode in args.modes:
        for name in CONTENDERS:
            asyncio.run(load(replicas, f"{name}-{mode}", len(replicas), 1))  # warm-up: first-call imports
    for mode in args.modes:
        if mode not in MODES:
            raise SystemExit(f"unknown mode {mode!r}")
        for clients in args.clients:
            runs: dict[str, list[dict]] = {name: [] for name in CONTENDERS}
            for _ in range(args.rounds):
                for name in CONTENDERS:
                    runs[name].append(phase(replicas, f"{name}-{mode}", clients, args.calls_per_client))
            for name, done in runs.items():
                row = {"topology": topology, "mode": mode, "clients": clients, "contender": name}
                rows.append({**row, **median_row(done)})
                print(json.dumps(rows[-1]), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="50,200", help="comma-separated concurrent client counts")
    parser.add_argument("--calls-per-client", type=int, default=4)
    parser.add_argument("--events", type=int, default=200, help="content events per stream")
    parser.add_argument("--rounds", type=int, default=3, help="kilo/peer alternations per row (medians)")
    parser.add_argument("--modes", default="burst,paced", help="comma-separated: burst, paced")
    parser.add_argument("--only", default="one,replicas", help="comma-separated: one, replicas")
    parser.add_argument("--profile", type=float, default=0, help="seconds of py-spy sampling of one proxy (kilo)")
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args()
    args.clients = [int(c) for c in args.clients.split(",")]
    args.modes = args.modes.split(",")
    rows: list[dict] = []
    with contextlib.ExitStack() as stack:
        bases = {mode: stack.enter_context(gateway(mode, args.events)) for mode in args.modes}
        for topology in args.only.split(","):
            if topology not in TOPOLOGIES:
                raise SystemExit(f"unknown topology {topology!r}")
            run_topology(topology, bases, args, rows)
    cpus = os.cpu_count()
    print(
        f"\n{args.events}-event streams, {args.calls_per_client} calls per client, {args.rounds} rounds, {cpus} cores"
    )
    print_table(rows)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
