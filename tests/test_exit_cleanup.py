"""A script that closes its own event loop after two ``acompletion`` calls exits cleanly with the
documented step (docs/errors.md, "A crash at exit after closing your own event loop").

Each case runs as a subprocess of this Python against the emulator, as a user's script would; the
exit status is what the user sees.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import user_env

SCRIPT = """
import asyncio

import litellm

import kilo_litellm  # noqa: F401


async def main(api_base):
    for _ in range(2):
        await litellm.acompletion(model="kilo/kilo-auto/free", messages=[{{"role": "user", "content": "hi"}}],
                                  api_base=api_base)
    {cleanup}


loop = asyncio.new_event_loop()
loop.run_until_complete(main({api_base!r}))
{shutdown}
loop.close()
print("done")
"""

pytestmark = pytest.mark.slow

CLEANUPS = {
    "close_litellm_async_clients": ("await litellm.close_litellm_async_clients()", ""),
    "shutdown_default_executor": ("pass", "loop.run_until_complete(loop.shutdown_default_executor())"),
}


@pytest.mark.parametrize("name", sorted(CLEANUPS))
def test_the_documented_cleanup_ends_the_script_with_exit_0(gw, tmp_path, name):
    cleanup, shutdown = CLEANUPS[name]
    script = tmp_path / "script.py"
    script.write_text(SCRIPT.format(cleanup=cleanup, shutdown=shutdown, api_base=gw.api_base))
    env = user_env() | {"LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("done")
    assert len(gw.chat_requests) == 2
