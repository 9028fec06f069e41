"""Two LiteLLM proxy replicas sharing one real Redis, as the README's "Two replicas" section runs them.

``replica_config(base_config, redis, cache=...)`` is a proxy config (e.g. the shipped
``litellm_config.yaml``) pointed at ``redis``: the Router's state (cooldowns, rpm counters) through
``router_settings.redis_host/redis_port`` and, with ``cache=True``, the response cache through
``litellm_settings.cache`` of ``type: redis``. ``two_replicas(config, workdir, env)`` starts two
``litellm --config`` processes from that one file (``proxy_helpers.run_proxy``), with the docs'
``KEEPALIVE_TIMEOUT``, and yields both.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from pathlib import Path

from proxy_helpers import Proxy, run_proxy, write_config
from redis_server import RedisServer

from kilo_litellm.proxy import proxy_config

KEEPALIVE_TIMEOUT = "75"  # docs/redis.md: the proxy's idle keep-alive outlasts its clients' (httpx: 5 s)


def replica_config(base_config: Mapping, redis: RedisServer, *, cache: bool) -> dict:
    """``base_config`` with the Router's state (and, with ``cache``, the response cache) in ``redis``:
    what ``kilo-litellm proxy-config --redis HOST:PORT [--cache]`` adds (``proxy_config.with_redis``)."""
    return proxy_config.with_redis(base_config, redis.host, redis.port, cache=cache)


@contextlib.contextmanager
def two_replicas(config: Mapping, workdir: Path, env: Mapping[str, str]) -> Iterator[tuple[Proxy, Proxy]]:
    """Replicas A and B from one config file in ``workdir``, each on its own port and log; both stopped at the end."""
    path = write_config(config, workdir)
    dir_a, dir_b = workdir / "replica-a", workdir / "replica-b"
    dir_a.mkdir(exist_ok=True)
    dir_b.mkdir(exist_ok=True)
    env = {"KEEPALIVE_TIMEOUT": KEEPALIVE_TIMEOUT, **env}
    with run_proxy(path, dir_a, env) as a, run_proxy(path, dir_b, env) as b:
        yield a, b
