"""Load on two LiteLLM proxy replicas sharing one Redis, with and without the budget guard.

    .venv/bin/python bench/replicas.py             # 2,000 streams from 50 clients per run
    .venv/bin/python bench/replicas.py --quick     # 400 streams from 20 clients
    .venv/bin/python bench/replicas.py --only defaults --calls 20000   # the lossless bar: 20,000 calls, none lost

The replicas are two ``litellm --config`` processes from ``kilo-litellm proxy-config``
(``--free-budget`` for the guard runs) pointed at one real ``redis-server``, in front of a local
emulator that streams the recorded answer paced (``--chunk-delay`` per event); ``--gateway-rtt``
delays every gateway answer, refusals included, as the network to the real gateway does (on
loopback a refusal costs about a millisecond). Clients call ``kilo-auto/free`` (falling back along
the free chain) round robin over the replicas, with ``max_retries=0``; the replicas run with
``KEEPALIVE_TIMEOUT=75`` (``replica_helpers``, as docs/redis.md recommends), so the client-to-proxy
keep-alive race (``bench/keepalive.py``) costs no call.

Runs, each on fresh replicas and an empty Redis:

* ``defaults``: the guard with its defaults (no budget configured) in front of a gateway that, like
  the real one for ``kilo-auto/free`` and the ``:free`` ids (docs/gateway-contract.md, "Free models
  and limits"), limits nothing: the guard must count and refuse nothing;
* ``defaults-no-guard``: the same without the guard;
* ``configured``: a gateway that limits every model of the chain to ``--budget`` requests (then
  the 429 ``rate_limit_exceeded`` "Model usage limit reached", no ``Retry-After``), standing in for a
  limit the user knows applies, and the guard configured with that budget
  (``KILO_FREE_BUDGET_PER_MODEL``), Redis up throughout;
* ``configured-no-guard``: the limited gateway, the gateway's 429 is how the replicas learn a model is spent;
* ``configured-redis-stop``: as ``configured``, Redis stopped after half of the calls.

For each: wall time, calls/s, answers, typed refusals, other errors, requests the gateway received
and how many of them it refused (a refusal round trip the guard exists to save), and the answered
calls' latency. Nothing asserts a time; the test suite's scaled-down twin is
``tests/test_replicas_budget.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from proxy_helpers import FREE_GROUP
from redis_server import RedisServer
from replica_helpers import replica_config, two_replicas
from replica_load import paced_stream, run_load, sent_per_model

from kilo_litellm.emulator import RATE_LIMIT_BODY, GatewayEmulator, Reply
from kilo_litellm.proxy import proxy_config
from kilo_litellm.proxy.free_budget import ENV_PER_MODEL
from kilo_litellm.proxy.router import free_chain

LONG_WINDOW = 1_000_000_000
FULL = {"calls": 2000, "concurrency": 50, "budget": 400}
QUICK = {"calls": 400, "concurrency": 20, "budget": 80}


class LimitedGateway(GatewayEmulator):
    """The emulator with a per-model limit: each model answers ``budget`` requests, then 429s
    (``None``: no limit, as the gateway for ``kilo-auto/free`` and the ``:free`` ids)."""

    def __init__(self, budget: int | None, reply: Reply) -> None:
        super().__init__(default=reply)
        self.budget = budget
        self.refusal = Reply(status=429, body=RATE_LIMIT_BODY, delay=reply.delay)
        self.refused: Counter = Counter()
        self._served: Counter = Counter()

    def _next_reply(self, path, headers, raw):
        model = (json.loads(raw or b"{}") or {}).get("model") if path.endswith("/chat/completions") else None
        if model is not None:
            with self._lock:
                self._served[model] += 1
                spent = self.budget is not None and self._served[model] > self.budget
                if spent:
                    self.refused[model] += 1
            if spent:
                return self.refusal
        return super()._next_reply(path, headers, raw)


def one_run(
    name: str,
    *,
    guard: bool,
    limited: bool,
    stop_redis: bool,
    calls: int,
    concurrency: int,
    budget: int,
    delay: float,
    rtt: float,
):
    workdir = Path(tempfile.mkdtemp(prefix="kilo-bench-replicas-"))
    redis = RedisServer(workdir).start()
    gateway = LimitedGateway(budget if limited else None, paced_stream(delay, rtt)).start()
    base = proxy_config.config()
    config = replica_config(proxy_config.with_free_budget(base) if guard else base, redis, cache=False)
    env = {"KILO_API_BASE": gateway.api_base}
    if limited:
        env[ENV_PER_MODEL] = f"{budget}/{LONG_WINDOW}"
    stopped_at: list[float] = []

    def halfway(done: int) -> None:
        if stop_redis and done == calls // 2:
            stopped_at.append(time.monotonic())
            redis.stop()

    try:
        with two_replicas(config, workdir, env) as pair:
            result = asyncio.run(run_load(pair, FREE_GROUP, calls, concurrency, on_done=halfway))
    finally:
        gateway.stop()
        redis.stop()
    received = sent_per_model(gateway)
    lat, refusal_lat = sorted(result.latencies_s), sorted(result.refusal_latencies_s)
    return {
        "run": name,
        "wall_s": round(result.wall_s, 2),
        "calls_per_s": round(result.total / result.wall_s, 1),
        "answered": result.answered,
        "refused": result.refused,
        "refusals": dict(result.refusal_messages),
        "errors": len(result.errors),
        "first_errors": result.errors[:3],
        "gateway_requests": sum(received.values()),
        "gateway_429s": sum(gateway.refused.values()),
        "gateway_received": received,
        "received_before_redis_stopped": sent_per_model(gateway, before=stopped_at[0]) if stopped_at else None,
        "answer_p50_s": _quantile(lat, 0.5),
        "answer_p95_s": _quantile(lat, 0.95),
        "refusal_p50_s": _quantile(refusal_lat, 0.5),
        "refusal_p95_s": _quantile(refusal_lat, 0.95),
    }


def _quantile(values: list[float], q: float) -> float | None:
    return round(values[int(q * (len(values) - 1))], 3) if values else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller counts")
    parser.add_argument("--chunk-delay", type=float, default=0.002, help="seconds between stream events")
    parser.add_argument(
        "--gateway-rtt", type=float, default=0.0, help="seconds before every gateway answer, refusals included"
    )
    parser.add_argument(
        "--only",
        help="comma-separated run names: defaults, defaults-no-guard, configured, configured-no-guard, "
        "configured-redis-stop",
    )
    parser.add_argument("--calls", type=int, help="streamed calls per run (2,000; 400 with --quick)")
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    if args.calls:
        sizes = {**sizes, "calls": args.calls}
    runs = {
        "defaults": {"guard": True, "limited": False, "stop_redis": False},
        "defaults-no-guard": {"guard": False, "limited": False, "stop_redis": False},
        "configured": {"guard": True, "limited": True, "stop_redis": False},
        "configured-no-guard": {"guard": False, "limited": True, "stop_redis": False},
        "configured-redis-stop": {"guard": True, "limited": True, "stop_redis": True},
    }
    chosen = args.only.split(",") if args.only else list(runs)
    chain = [e.gateway_id for e in free_chain()]
    print(
        f"{sizes['calls']} streamed calls of {FREE_GROUP} from {sizes['concurrency']} clients over 2 replicas; "
        f"configured runs: gateway limit = guard budget = {sizes['budget']} per model; defaults runs: no limit; "
        f"gateway round trip {args.gateway_rtt} s; chain {' -> '.join(chain)}"
    )
    results = []
    for name in chosen:
        row = one_run(name, **runs[name], **sizes, delay=args.chunk_delay, rtt=args.gateway_rtt)
        results.append(row)
        print(json.dumps(row, indent=1))
    out = Path(__file__).resolve().parent / "results-replicas.json"
    settings = {"sizes": sizes, "chunk_delay": args.chunk_delay, "gateway_rtt": args.gateway_rtt}
    out.write_text(json.dumps({**settings, "runs": results}, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
