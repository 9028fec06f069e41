"""``kilo-litellm check`` on both of Kilo's hosts, or on the one the user named.

Kilo's real host names are routed to two local emulators (``kilo_hosts``), so the command runs as a
user runs it, without ``--api-base``, and each emulator sees only its host's probes. The emulators
answer as the gateway does (unscripted).
"""

from __future__ import annotations

import json

import pytest
from kilo_hosts import AI_GATEWAY_HOST, API_HOST, routed_client

from kilo_litellm.cli import commands as cli
from kilo_litellm.cli import drift
from kilo_litellm.emulator import GatewayEmulator

OLD = "https://api.kilo.ai/api/gateway"
NEW = "https://ai-gateway.kilo.ai/api/v1"


@pytest.fixture
def hosts(gw, monkeypatch):
    """``(old, new)`` emulators for ``api.kilo.ai`` and ``ai-gateway.kilo.ai``; the command's client reaches them."""
    with GatewayEmulator() as new:
        routes = {API_HOST: gw, AI_GATEWAY_HOST: new}
        monkeypatch.setattr(cli, "_http_client", lambda: routed_client(routes))
        yield gw, new


def _roots(emulator: GatewayEmulator) -> set[str]:
    return {"/".join(r.path.split("/")[:3]) for r in emulator.requests}


def test_without_a_base_both_hosts_are_probed_and_each_says_what_answered(hosts, capsys):
    old, new = hosts
    assert drift.bases() == [OLD, NEW]
    assert cli.main(["check"]) == 0
    out = capsys.readouterr().out
    assert f"Kilo Gateway at {OLD} (key: none" in out
    assert f"Kilo Gateway at {NEW} (key: none" in out
    assert f"  {OLD}: answered (anonymous kilo-auto/free: served)" in out
    assert f"  {NEW}: answered (anonymous kilo-auto/free: served)" in out
    assert _roots(old) == {"/api/gateway"} and _roots(new) == {"/api/v1"}
    assert len(old.requests) == len(new.requests) > 5
    assert old.requests[0].headers["host"] == API_HOST and new.requests[0].headers["host"] == AI_GATEWAY_HOST


def test_json_for_both_hosts_lists_one_report_per_host(hosts, capsys):
    assert cli.main(["check", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["reachable"] is True
    assert [h["api_base"] for h in data["hosts"]] == [OLD, NEW]
    assert all(h["anonymous"]["result"] == "served" for h in data["hosts"])


@pytest.mark.parametrize("how", ["--api-base", "KILO_API_BASE"])
def test_a_named_base_is_the_only_one_probed(hosts, capsys, monkeypatch, how):
    old, new = hosts
    argv = ["check", "--json"]
    if how == "--api-base":
        argv += ["--api-base", "https://ai-gateway.kilo.ai/api"]
    else:
        monkeypatch.setenv("KILO_API_BASE", "https://ai-gateway.kilo.ai/api")
    assert cli.main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["api_base"] == NEW and "hosts" not in report
    assert old.requests == [] and _roots(new) == {"/api/v1"}


def test_a_host_that_does_not_answer_is_reported_while_the_other_one_did(gw, capsys, monkeypatch):
    monkeypatch.setattr(cli, "_http_client", lambda: routed_client({API_HOST: gw}))
    assert cli.main(["check", "--timeout", "2"]) == 0
    captured = capsys.readouterr()
    assert f"  {OLD}: answered" in captured.out
    assert f"  {NEW}: no answer: ConnectError: ai-gateway.kilo.ai is not routed" in captured.out
    assert f"note: no answer from {NEW}; the other host answered" in captured.err


def test_no_host_answering_is_an_error_naming_both(capsys, monkeypatch):
    monkeypatch.setattr(cli, "_http_client", lambda: routed_client({}))
    assert cli.main(["check", "--timeout", "2"]) == 1
    err = capsys.readouterr().err
    assert f"error: no answer from {OLD} (ConnectError" in err
    assert f"; {NEW} (ConnectError" in err
