"""Benchmark kilo_litellm against LiteLLM's own OpenAI-compatible paths and raw httpx.

    .venv/bin/python bench/run.py            # the full run (several minutes)
    .venv/bin/python bench/run.py --quick    # a short run with smaller counts

Everything runs against local :class:`kilo_litellm.emulator.GatewayEmulator` processes on
127.0.0.1 that serve the same bytes to every contender (see ``server.py``); nothing leaves the
machine. Contenders are interleaved round by round and each figure is a median, because a
two-core machine is noisy. Figures:

* non-streaming latency p50/p95 (sync ``completion``);
* streaming throughput: a synthesized 2,000-chunk stream consumed through ``completion(stream=True)``,
  written one event per write (``stream``) and in 16 KiB writes (``burst``);
* a paced stream (events 10-20 ms apart): time to first token, and how late the last token reaches
  the caller after its write (``paced``);
* 200 concurrent paced ``acompletion`` streams in one event loop: client CPU per stream and the p99
  token lag (``load``);
* 500 concurrent ``acompletion`` streams in one event loop: wall time, errors, open sockets;
* ``import kilo_litellm`` time beyond ``import litellm``, and any socket connect during it;
* peak traced memory (tracemalloc) over many non-streaming calls.

Prints a table (each figure as a ratio to LiteLLM's openai path and to raw httpx) and writes
``bench/results.json``. Workers for the isolated figures are this script re-run with ``--worker``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
HERE = Path(__file__).resolve().parent
PY = sys.executable
ENV = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
NAMES = ("kilo", "openai", "openrouter", "httpx", "floor")
STREAM_CHUNKS = 2000
# LiteLLM's aiohttp pool closes idle connections on a timer (AIOHTTP_KEEPALIVE_TIMEOUT, 15 s, checked
# every 15 s), so an idle connection can live up to ~30 s.
SOCKET_SETTLE_S = 45.0

FULL = {"latency_calls": 600, "latency_rounds": 6, "warmup": 30, "stream_reps": 7, "concurrency": 500,
        "concurrency_reps": 3, "import_reps": 12, "memory_calls": 10_000, "paced_events": 100, "paced_reps": 7,
        "load_streams": 200, "load_events": 50, "load_reps": 3}  # fmt: skip
QUICK = {"latency_calls": 200, "latency_rounds": 4, "warmup": 10, "stream_reps": 3, "concurrency": 500,
         "concurrency_reps": 1, "import_reps": 5, "memory_calls": 1_000, "paced_events": 60, "paced_reps": 3,
         "load_streams": 200, "load_events": 40, "load_reps": 1}  # fmt: skip
PHASES = "latency,stream,burst,paced,load,concurrency,import,memory"
STAMP = re.compile(r"t=([0-9.]+);")


# -- the emulator processes ----------------------------------------------------------------------


@contextmanager
def gateway(mode: str, chunks: int = 0):
    """An emulator process serving one fixed reply; yields its ``api_base`` (always loopback)."""
    proc = subprocess.Popen(
        [PY, str(HERE / "server.py"), mode, str(chunks)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env=ENV,
    )  # fmt: skip
    try:
        base = proc.stdout.readline().strip()
        if not base.startswith("http://127.0.0.1:"):
            raise SystemExit(f"the emulator did not start (got {base!r})")
        yield base
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)


def worker(*args: str, timeout: float = 1200) -> dict:
    out = subprocess.run(
        [PY, str(HERE / "run.py"), "--worker", *args], capture_output=True, text=True, env=ENV, timeout=timeout
    )
    if out.returncode != 0:
        raise SystemExit(f"worker {args} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- phases run in this process ------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bench_latency(names, base: str, cfg: dict) -> dict:
    from contenders import completion

    samples: dict[str, list[float]] = {n: [] for n in names}
    for name in names:
        for _ in range(cfg["warmup"]):
            completion(name, base)
    per_round = cfg["latency_calls"] // cfg["latency_rounds"]
    for rnd in range(cfg["latency_rounds"]):
        order = names[rnd % len(names) :] + names[: rnd % len(names)]
        for name in order:
            for _ in range(per_round):
                t = time.perf_counter()
                completion(name, base)
                samples[name].append(time.perf_counter() - t)
    return {
        n: {"p50_ms": 1e3 * percentile(s, 0.5), "p95_ms": 1e3 * percentile(s, 0.95), "calls": len(s)}
        for n, s in samples.items()
    }


def bench_stream(names, base: str, cfg: dict, key: str = "chunks_per_s") -> dict:
    """``STREAM_CHUNKS`` events consumed to the last one; ``key`` is events per second of wall time."""
    from contenders import stream

    seen: dict[str, int] = {}
    for name in names:
        seen[name] = stream(name, base)
    rates: dict[str, list[float]] = {n: [] for n in names}
    for rep in range(cfg["stream_reps"]):
        order = names[rep % len(names) :] + names[: rep % len(names)]
        for name in order:
            t = time.perf_counter()
            stream(name, base)
            rates[name].append(STREAM_CHUNKS / (time.perf_counter() - t))
    return {
        n: {key: statistics.median(r), "runs": [round(x) for x in r], "chunks_seen": seen[n]} for n, r in rates.items()
    }


def token_lags(arrivals: list[tuple[float, str]]) -> list[tuple[float, float]]:
    """``(written_at, lag)`` of every stamped token: when the caller got it minus when the server wrote it."""
    return [(float(s), at - float(s)) for at, text in arrivals for s in STAMP.findall(text)]


def bench_paced(names, base: str, cfg: dict) -> dict:
    """One sync stream at a time, contenders interleaved; medians over the reps."""
    from contenders import stream_arrivals

    for name in names:
        stream_arrivals(name, base)
    runs: dict[str, list[dict]] = {n: [] for n in names}
    for rep in range(cfg["paced_reps"]):
        order = names[rep % len(names) :] + names[: rep % len(names)]
        for name in order:
            started, arrivals = stream_arrivals(name, base)
            lags = token_lags(arrivals)
            runs[name].append(
                {
                    "first_token_ms": 1e3 * (arrivals[0][0] - started),
                    "last_lag_ms": 1e3 * max(lags)[1],
                    "mean_lag_ms": 1e3 * statistics.fmean(lag for _, lag in lags),
                    "tokens": len(lags),
                    "chunks": len(arrivals),
                }
            )
    out = {}
    for name, rs in runs.items():
        out[name] = {k: statistics.median(r[k] for r in rs) for k in rs[0]}
        out[name]["events"] = cfg["paced_events"]
    return out


def bench_load(names, base: str, cfg: dict) -> dict:
    runs: dict[str, list[dict]] = {n: [] for n in names}
    for rep in range(cfg["load_reps"]):
        order = names[rep % len(names) :] + names[: rep % len(names)]
        for name in order:
            runs[name].append(worker("load", name, base, str(cfg["load_streams"]), str(cfg["load_events"])))
    out = {}
    for name, rs in runs.items():
        out[name] = {k: statistics.median(r[k] for r in rs) for k in rs[0] if isinstance(rs[0][k], (int, float))}
        out[name]["errors"] = max(r["errors"] for r in rs)
        out[name]["runs"] = rs
    return out


def bench_concurrency(names, base: str, cfg: dict) -> dict:
    runs: dict[str, list[dict]] = {n: [] for n in names}
    for rep in range(cfg["concurrency_reps"]):
        order = names[rep % len(names) :] + names[: rep % len(names)]
        for name in order:
            settle = SOCKET_SETTLE_S if rep == 0 else 0.0
            runs[name].append(worker("concurrency", name, base, str(cfg["concurrency"]), str(settle)))
    out = {}
    for name, rs in runs.items():
        out[name] = {
            "wall_s": statistics.median(r["wall_s"] for r in rs),
            "errors": max(r["errors"] for r in rs),
            "sockets_baseline": max(r["sockets_baseline"] for r in rs),
            "sockets_after": max(r["sockets_after"] for r in rs),
            "sockets_settled": rs[0]["sockets_settled"],
            "settle_s": rs[0]["settle_s"],
            "streams": cfg["concurrency"],
            "runs": rs,
        }
    return out


def bench_memory(names, base: str, cfg: dict) -> dict:
    return {n: worker("memory", n, base, str(cfg["memory_calls"])) for n in names}


IMPORT_PROBE = r"""
import json, os, sys, time
connects = {"litellm": [], "kilo_litellm": []}
phase = ["litellm"]
def hook(event, args):
    if event in ("socket.connect", "socket.getaddrinfo", "socket.sendto"):
        connects[phase[0]].append(f"{event} {args[1:]!r}"[:200])
sys.addaudithook(hook)
t0 = time.perf_counter()
import litellm
t1 = time.perf_counter()
phase[0] = "kilo_litellm"
import kilo_litellm
t2 = time.perf_counter()
print(json.dumps({"litellm_ms": 1e3 * (t1 - t0), "kilo_ms": 1e3 * (t2 - t1), "connects": connects}))
"""


def bench_import(cfg: dict) -> dict:
    """Fresh interpreters; bytecode caching on (as in an installed package), the first run discarded."""
    env = {k: v for k, v in ENV.items() if k != "PYTHONDONTWRITEBYTECODE"}
    runs = []
    for _ in range(cfg["import_reps"] + 1):
        out = subprocess.run([PY, "-c", IMPORT_PROBE], capture_output=True, text=True, env=env, timeout=120, cwd="/")
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    runs = runs[1:]
    return {
        "import_litellm_ms": statistics.median(r["litellm_ms"] for r in runs),
        "import_kilo_litellm_extra_ms": statistics.median(r["kilo_ms"] for r in runs),
        "kilo_litellm_network_calls": sorted({c for r in runs for c in r["connects"]["kilo_litellm"]}),
        "litellm_network_calls": sorted({c for r in runs for c in r["connects"]["litellm"]}),
        "runs_ms": [round(r["kilo_ms"], 1) for r in runs],
    }


# -- workers (fresh processes) --------------------------------------------------------------------


def open_sockets() -> int:
    fds = Path("/proc/self/fd")
    count = 0
    for fd in fds.iterdir():
        try:
            count += os.readlink(fd).startswith("socket:")
        except OSError:
            pass
    return count


def worker_concurrency(name: str, base: str, n: int, settle_s: float) -> dict:
    """``n`` streams at once in one event loop; then wait up to ``settle_s`` for idle pooled
    connections to be closed (LiteLLM's aiohttp pool closes them on its keep-alive timer)."""
    import asyncio

    from contenders import astream

    async def main() -> dict:
        await astream(name, base)
        baseline = open_sockets()
        t = time.perf_counter()
        results = await asyncio.gather(*(astream(name, base) for _ in range(n)), return_exceptions=True)
        wall = time.perf_counter() - t
        after = open_sockets()
        t = time.perf_counter()
        while open_sockets() > baseline and time.perf_counter() - t < settle_s:
            await asyncio.sleep(0.25)
        errors = [r for r in results if isinstance(r, BaseException) or r == 0]
        return {
            "wall_s": wall,
            "errors": len(errors),
            "error_sample": [repr(e)[:300] for e in errors[:3]],
            "chunks_per_stream": sorted({r for r in results if isinstance(r, int)}),
            "sockets_baseline": baseline,
            "sockets_after": after,
            "sockets_settled": open_sockets(),
            "settle_s": round(time.perf_counter() - t, 2),
        }

    return asyncio.run(main())


def worker_load(name: str, base: str, n: int, events: int) -> dict:
    """``n`` paced streams at once in one event loop: this process's CPU time (all threads, so
    LiteLLM's logging threads too, and a second's grace for work it defers) and every token's lag."""
    import asyncio

    from contenders import astream_arrivals

    async def main() -> dict:
        await astream_arrivals(name, base)
        cpu, t = time.process_time(), time.perf_counter()
        results = await asyncio.gather(*(astream_arrivals(name, base) for _ in range(n)), return_exceptions=True)
        wall = time.perf_counter() - t
        await asyncio.sleep(1.0)
        cpu = time.process_time() - cpu
        done = [r for r in results if not isinstance(r, BaseException)]
        lags = sorted(lag for _, arrivals in done for _, lag in token_lags(arrivals))
        errors = [r for r in results if isinstance(r, BaseException)]
        errors += [r for r in done if len(token_lags(r[1])) != events]
        return {
            "cpu_ms_per_stream": 1e3 * cpu / n,
            "p99_lag_ms": 1e3 * percentile(lags, 0.99),
            "p50_lag_ms": 1e3 * percentile(lags, 0.5),
            "max_lag_ms": 1e3 * lags[-1],
            "wall_s": wall,
            "chunks_per_stream": statistics.median(len(r[1]) for r in done),
            "errors": len(errors),
            "error_sample": [repr(e)[:300] for e in errors[:3]],
        }

    return asyncio.run(main())


def worker_memory(name: str, base: str, n: int) -> dict:
    import tracemalloc

    from contenders import completion

    for _ in range(50):
        completion(name, base)
    tracemalloc.start()
    start, _ = tracemalloc.get_traced_memory()
    t = time.perf_counter()
    for _ in range(n):
        completion(name, base)
    wall = time.perf_counter() - t
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "calls": n,
        "peak_mib": (peak - start) / 2**20,
        "retained_mib": (current - start) / 2**20,
        "wall_s_traced": wall,
    }


# -- report --------------------------------------------------------------------------------------

FIGURES = (
    # (phase, key, label, unit, higher is better)
    ("latency", "p50_ms", "non-stream latency p50", "ms", False),
    ("latency", "p95_ms", "non-stream latency p95", "ms", False),
    ("stream", "chunks_per_s", f"stream throughput ({STREAM_CHUNKS:,} chunks, one write each)", "chunks/s", True),
    ("burst", "events_per_s", f"burst stream ({STREAM_CHUNKS:,} events in 16 KiB writes)", "events/s", True),
    ("paced", "first_token_ms", "paced stream (10-20 ms apart): time to first token", "ms", False),
    ("paced", "last_lag_ms", "paced stream: last token's lag behind its write", "ms", False),
    ("load", "cpu_ms_per_stream", "200 concurrent paced streams: client CPU per stream", "ms", False),
    ("load", "p99_lag_ms", "200 concurrent paced streams: p99 token lag", "ms", False),
    ("concurrency", "wall_s", "concurrent streams: wall time", "s", False),
    ("memory", "peak_mib", "peak traced memory", "MiB", False),
)


def ratios(results: dict) -> None:
    for phase, key, *_ in FIGURES:
        data = results.get(phase)
        if not data:
            continue
        for row in data.values():
            for ref in ("openai", "httpx"):
                if ref in data and data[ref][key]:
                    row[f"{key}_x_{ref}"] = row[key] / data[ref][key]


def fmt(value: float) -> str:
    return f"{value:,.0f}" if value >= 1000 else f"{value:.3g}" if value < 10 else f"{value:.1f}"


def report(results: dict, cfg: dict) -> str:
    from contenders import LABELS

    lines = []
    for phase, key, label, unit, higher in FIGURES:
        data = results.get(phase)
        if not data:
            continue
        extra = ""
        if phase == "concurrency":
            extra = "  errors  sockets: before / right after / settled (s)"
        elif phase == "memory":
            extra = f"  ({cfg['memory_calls']:,} calls)"
        elif phase in ("stream", "burst"):
            extra = "  chunks seen"
        elif phase == "paced":
            extra = f"  chunks / tokens ({cfg['paced_events']} events)"
        elif phase == "load":
            extra = f"  errors  chunks/stream ({cfg['load_streams']} x {cfg['load_events']} events)  p50 lag  wall s"
        better = "higher" if higher else "lower"
        lines.append(f"\n{label} [{unit}, {better} is better]")
        lines.append(f"  {'contender':<46}{'value':>10} {'x openai':>9} {'x httpx':>9}{extra}")
        for name, row in data.items():
            line = f"  {LABELS[name]:<46}{fmt(row[key]):>10} {row.get(f'{key}_x_openai', 0):>9.2f} "
            line += f"{row.get(f'{key}_x_httpx', 0):>9.2f}"
            if phase == "concurrency":
                line += f"  {row['errors']:>6}  {row['sockets_baseline']:>3} / {row['sockets_after']:>3} / "
                line += f"{row['sockets_settled']:>3} ({row['settle_s']:.1f})"
            elif phase in ("stream", "burst"):
                line += f"  {row['chunks_seen']:>6}"
            elif phase == "paced":
                line += f"  {row['chunks']:>6.0f} / {row['tokens']:.0f}"
            elif phase == "load":
                line += f"  {row['errors']:>6}  {row['chunks_per_stream']:>13.0f}  {row['p50_lag_ms']:>16.1f}  "
                line += f"{row['wall_s']:>6.2f}"
            lines.append(line)
    imp = results.get("import")
    if imp:
        lines.append(
            f"\nimport litellm: {imp['import_litellm_ms']:.0f} ms; import kilo_litellm after it: "
            f"+{imp['import_kilo_litellm_extra_ms']:.1f} ms (median of {len(imp['runs_ms'])}); "
            f"network calls during import kilo_litellm: {len(imp['kilo_litellm_network_calls'])}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller counts, about a minute or two")
    parser.add_argument("--only", default=",".join(NAMES), help="comma-separated contenders")
    parser.add_argument("--phases", default=PHASES)
    parser.add_argument("--json", default=str(HERE / "results.json"), help="where to write the results")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))

    if args.worker:
        kind, *rest = args.worker
        if kind == "concurrency":
            print(json.dumps(worker_concurrency(rest[0], rest[1], int(rest[2]), float(rest[3]))))
        elif kind == "load":
            print(json.dumps(worker_load(rest[0], rest[1], int(rest[2]), int(rest[3]))))
        else:
            print(json.dumps(worker_memory(rest[0], rest[1], int(rest[2]))))
        return

    cfg = QUICK if args.quick else FULL
    names = [n for n in args.only.split(",") if n]
    phases = set(args.phases.split(","))
    results: dict = {
        "config": {**cfg, "quick": args.quick, "contenders": names, "stream_chunks": STREAM_CHUNKS},
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
    }
    started = time.time()
    if "import" in phases:
        results["import"] = bench_import(cfg)
    with gateway("nonstream") as base:
        if "latency" in phases:
            results["latency"] = bench_latency(names, base, cfg)
        if "memory" in phases:
            results["memory"] = bench_memory(names, base, cfg)
    if "stream" in phases:
        with gateway("stream", STREAM_CHUNKS) as base:
            results["stream"] = bench_stream(names, base, cfg)
    if "burst" in phases:
        with gateway("burst", STREAM_CHUNKS) as base:
            results["burst"] = bench_stream(names, base, cfg, key="events_per_s")
    if "paced" in phases:
        with gateway("paced", cfg["paced_events"]) as base:
            results["paced"] = bench_paced(names, base, cfg)
    if "load" in phases:
        with gateway("paced", cfg["load_events"]) as base:
            results["load"] = bench_load(names, base, cfg)
    if "concurrency" in phases:
        with gateway("recorded-stream") as base:
            results["concurrency"] = bench_concurrency(names, base, cfg)
    ratios(results)
    results["elapsed_s"] = time.time() - started
    results["versions"] = {p: metadata.version(p) for p in ("litellm", "httpx", "pydantic", "aiohttp")}
    Path(args.json).write_text(json.dumps(results, indent=2))
    print(report(results, cfg))
    print(f"\n({results['elapsed_s']:.0f} s; results in {args.json})")


if __name__ == "__main__":
    main()
