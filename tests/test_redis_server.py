"""The Redis harness the replica tests stand on: a real server, stoppable and restartable on its port."""

import pytest
import redis
from redis_server import running_redis


@pytest.mark.slow
def test_redis_starts_stops_and_restarts_on_the_same_port(tmp_path):
    with running_redis(tmp_path) as server:
        server.client().set("k", "v")
        assert server.client().get("k") == "v"
        server.stop()
        with pytest.raises(redis.ConnectionError):
            server.client().ping()
        server.start()
        assert server.client().get("k") is None
