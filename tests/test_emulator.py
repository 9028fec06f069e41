"""The emulator's persistent default reply (what the benchmarks serve to every request)."""

from __future__ import annotations

import httpx

from kilo_litellm.emulator import Reply


def test_default_reply_answers_every_request_after_the_script(gw):
    gw.default = Reply(status=200, body=b'{"ok": true}', stream=False)
    gw.script(Reply(status=429, body=b"{}"))
    url = gw.api_base + "/chat/completions"

    statuses = [httpx.post(url, json={"model": "x"}).status_code for _ in range(3)]

    assert statuses == [429, 200, 200]
    assert httpx.post(url, json={"model": "x"}).json() == {"ok": True}
    gw.reset()
    assert gw.default is None
