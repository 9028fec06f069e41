"""The client -> proxy keep-alive race, reproduced: a pooled connection reused as uvicorn closes it.

    .venv/bin/python bench/keepalive.py                           # 50 clients x 20 reuses per setting
    .venv/bin/python bench/keepalive.py --clients 2 --trials 2    # smoke size

uvicorn (under ``litellm --config``) closes a keep-alive connection idle for ``--keepalive_timeout``
seconds (5 by default); httpx (inside the ``openai`` client) keeps an idle pooled connection for
``keepalive_expiry`` seconds (5 by default) and sends the next request on it. With both at 5 s a
client that comes back after just under 5 s writes its request on a connection the server is closing:
it reads end-of-file without a response byte, ``openai.APIConnectionError`` ("Connection error.",
caused by ``httpx.RemoteProtocolError: Server disconnected without sending a response``). Nothing
reached LiteLLM, so no proxy log line shows it.

This starts one real proxy and, scaled down to 1 s so a run is short, has ``--clients`` clients at
once reuse their connection ``--trials`` times each after idling just under the client's expiry (a
random time in its last ``--window`` seconds):

* ``equal``: proxy ``KEEPALIVE_TIMEOUT=1`` = client ``keepalive_expiry=1``, as the defaults are (5 = 5);
* ``nested``: proxy ``KEEPALIVE_TIMEOUT=3`` > client expiry 1: the client always drops first.

For each, with ``max_retries=0`` (what ``tests/replica_load.py`` runs) and with openai's default
``max_retries=2``: calls, failures. The requests are ``GET /v1/models``, which LiteLLM answers itself,
so the gateway hop plays no part. Nothing asserts a time; a smoke test runs it with ``--trials 2``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import httpx
import openai
from proxy_helpers import agents_config, run_proxy, write_config

CLIENT_EXPIRY = 1.0
SETTINGS = {"equal": 1, "nested": 3}


async def reuse_after_idle(base: str, key: str, idles: list[float], retries: int) -> tuple[int, list[str]]:
    """One client, one pooled connection: a call to open it, then for each idle time: wait, call again on it."""
    http = httpx.AsyncClient(limits=httpx.Limits(max_keepalive_connections=1, keepalive_expiry=CLIENT_EXPIRY))
    client = openai.AsyncOpenAI(base_url=f"{base}/v1", api_key=key, max_retries=retries, http_client=http)
    failures: list[str] = []
    try:
        await client.models.list()
        for idle in idles:
            await asyncio.sleep(idle)
            try:
                await client.models.list()
            except openai.APIConnectionError as error:
                failures.append(f"idle {idle:.4f} s: {type(error.__cause__).__name__}: {error.__cause__}")
                await client.models.list()
    finally:
        await client.close()
    return len(idles), failures


async def many_clients(base: str, key: str, clients: int, trials: int, window: float, retries: int):
    """``clients`` clients at once, each reusing its connection ``trials`` times after a random idle
    time in the last ``window`` seconds before the client's expiry."""
    rng = random.Random(22)
    runs = await asyncio.gather(
        *(
            reuse_after_idle(base, key, [CLIENT_EXPIRY - rng.uniform(0, window) for _ in range(trials)], retries)
            for _ in range(clients)
        )
    )
    return sum(calls for calls, _ in runs), [f for _, failures in runs for f in failures]


def run(clients: int, trials: int, window: float) -> list[dict]:
    rows = []
    for name, server_timeout in SETTINGS.items():
        workdir = Path(tempfile.mkdtemp(prefix="kilo-bench-keepalive-"))
        env = {"KEEPALIVE_TIMEOUT": str(server_timeout)}
        with run_proxy(write_config(agents_config(), workdir), workdir, env) as proxy:
            for retries in (0, 2):
                calls, failures = asyncio.run(
                    many_clients(proxy.base, proxy.master_key, clients, trials, window, retries)
                )
                rows.append(
                    {
                        "setting": name,
                        "proxy_keepalive_s": server_timeout,
                        "client_expiry_s": CLIENT_EXPIRY,
                        "max_retries": retries,
                        "calls": calls,
                        "failed": len(failures),
                        "first_failures": failures[:3],
                    }
                )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50, help="clients at once, each with its own connection")
    parser.add_argument("--trials", type=int, default=20, help="reuses per client, setting and retry count")
    parser.add_argument("--window", type=float, default=0.005, help="idle times drawn from this much below expiry")
    args = parser.parse_args()
    rows = run(args.clients, args.trials, args.window)
    print(f"reuse of a pooled connection after idling {CLIENT_EXPIRY - args.window:.3f}-{CLIENT_EXPIRY} s")
    print(
        f"  {'setting':8} {'proxy keep-alive':>16} {'client expiry':>13} {'max_retries':>11} {'calls':>6} {'failed':>6}"
    )
    for row in rows:
        print(
            f"  {row['setting']:8} {row['proxy_keepalive_s']:>14} s {row['client_expiry_s']:>11} s "
            f"{row['max_retries']:>11} {row['calls']:>6} {row['failed']:>6}"
        )
    for row in rows:
        for failure in row["first_failures"]:
            print(f"  {row['setting']}, max_retries={row['max_retries']}: {failure}")


if __name__ == "__main__":
    main()
