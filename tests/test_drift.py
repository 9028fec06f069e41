"""``kilo-litellm check``: the drift report, against the local gateway emulator over loopback HTTP.

Most tests script the gateway answer by answer, because the
probes need answers the emulator does not give by default. The probes go out in a fixed order
(:func:`kilo_litellm.cli.drift.probe`), and each test checks the paths it received against that order,
so a scripted answer cannot silently land on the wrong probe.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import user_env
from gateway_models import make_gateway_model, models_body
from processes import CEILING

from kilo_litellm.cli import commands as cli
from kilo_litellm.cli import drift
from kilo_litellm.emulator import GATEWAY_PATH, Reply

SCRIPT = Path(sys.executable).with_name("kilo-litellm")
ROOT = Path(__file__).resolve().parent.parent
KEY = "sk-test-drift-0123456789abcdef"

SERVED = Reply(recording="nonstream-anthropic-whitespace-prefix.json", stream=False)
DISCONTINUED_TEXT = (
    "The free period of this model ended. Please use kilo-auto/balanced for affordable inference "
    "or kilo-auto/free for limited free inference."
)
DISCONTINUED = Reply(
    status=404,
    body=json.dumps(
        {"error": DISCONTINUED_TEXT, "error_type": "discontinued_free_model", "message": DISCONTINUED_TEXT}
    ).encode(),
)
PAID_AUTH = Reply(
    status=401,
    body=b'{"error":{"code":"PAID_MODEL_AUTH_REQUIRED","message":"You need to sign in to use this model."},'
    b'"error_type":"paid_model_auth_required"}',
)
INVALID_TOKEN = Reply(
    status=401,
    headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    body=b'{"error":{"code":"INVALID_TOKEN","message":"Your authentication token is invalid. Please sign in again."},'
    b'"error_type":"authentication_required"}',
)
MODEL_NOT_FOUND = Reply(
    status=404,
    body=b'{"error":"The requested model does not exist.","error_type":"model_not_found",'
    b'"message":"The requested model does not exist."}',
)
TODAY_MODELS = Reply(
    body=models_body(
        make_gateway_model(id="kilo-auto/free", isFree=True, pricing={"prompt": "0", "completion": "0"}),
        make_gateway_model(id="stepfun/step-3.7-flash:free", isFree=True, pricing={"prompt": "0", "completion": "0"}),
        make_gateway_model(id="anthropic/claude-sonnet-4.6", isFree=False),
    )
)
EMBEDDING_MODELS = Reply(
    body=b'{"data":[{"id":"mistralai/mistral-embed","isFree":false},{"id":"acme/embed-free","isFree":true}]}'
)
RESPONSE = Reply(body=b'{"id":"resp_1","object":"response","status":"completed","output":[]}')
HTML_404 = Reply(
    status=404,
    body=b"<!DOCTYPE html><html><body>404: This page could not be found.</body></html>",
    headers={"Content-Type": "text/html"},
)
EMBEDDING = Reply(body=b'{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1]}]}')

PATHS = ["/chat/completions", "/models"]
TAIL = ["/v1/models", "/embedding-models", "/responses", "/messages", "/embeddings"]


def todays_alias_reply(gateway_id: str) -> Reply:
    if gateway_id.startswith("giga-potato"):
        return PAID_AUTH
    if gateway_id == "kilo/auto":
        return MODEL_NOT_FOUND
    return DISCONTINUED


def script(gw, *, anonymous=SERVED, models=TODAY_MODELS, alias=todays_alias_reply, **tail: Reply) -> None:
    """Queue one answer per probe, in the order :func:`drift.probe` sends them."""
    defaults = {
        "v1": TODAY_MODELS,
        "embedding_models": EMBEDDING_MODELS,
        "responses": RESPONSE,
        "messages": HTML_404,
        "embeddings": EMBEDDING,
    }
    defaults.update(tail)
    gw.script(anonymous, models, *(alias(gid) for _, gid in drift.seeds()), *defaults.values())


def expected_paths() -> list[str]:
    chat = ["/chat/completions"] * len(drift.seeds())
    return [f"{GATEWAY_PATH}{p}" for p in [*PATHS, *chat, *TAIL]]


def sent_paths(gw) -> list[str]:
    return [r.path for r in gw.requests]


def table(out: str) -> dict[tuple[str, str], str]:
    """(probe, sent) → result, from the printed table."""
    rows = {}
    for line in out.splitlines():
        cells = re.split(r"\s{2,}", line.strip(), maxsplit=2)
        if len(cells) == 3 and cells[0] != "probe":
            rows[(cells[0], cells[1])] = cells[2]
    return rows


def test_check_reports_what_todays_gateway_serves(gw, capsys):
    script(gw)
    assert cli.main(["check", "--api-base", gw.api_base]) == 0
    out = capsys.readouterr().out
    assert sent_paths(gw) == expected_paths()
    rows = table(out)
    assert f"Kilo Gateway at {gw.api_base} (key: none" in out
    assert rows[("anonymous", "kilo-auto/free")] == "served"
    assert rows[("alias glm-5-free", "z-ai/glm-5:free")] == f"refused: 404 discontinued_free_model: {DISCONTINUED_TEXT}"
    assert rows[("alias giga-potato-free", "giga-potato")] == (
        "refused: 401 paid_model_auth_required: You need to sign in to use this model."
    )
    assert rows[("alias auto", "kilo/auto")] == "refused: 404 model_not_found: The requested model does not exist."
    assert (
        rows[("free models", "GET /models")] == "2 free of 3 (by isFree): kilo-auto/free, stepfun/step-3.7-flash:free"
    )
    assert rows[("endpoint", "GET /v1/models")] == "present (200)"
    assert rows[("endpoint", "POST /chat/completions")] == "present (200)"
    assert rows[("endpoint", "POST /responses")] == "present (200)"
    assert rows[("endpoint", "POST /messages")] == "absent (404)"
    assert rows[("endpoint", "POST /embeddings")] == "present (200)"
    assert gw.requests[-1].json == {"model": "acme/embed-free", "input": "ping"}
    assert all(r.authorization is None for r in gw.requests)
    chats = gw.chat_requests
    assert chats[0].json == {
        "model": "kilo-auto/free",
        "messages": [{"role": "user", "content": "ping"}],
        "max_tokens": 1,
        "stream": False,
    }
    assert [r.model for r in chats[1:]] == [gid for _, gid in drift.seeds()]
    assert all(r.json["max_tokens"] == 1 for r in chats)


def test_json_report_lists_every_seed_alias_and_endpoint(gw, capsys):
    script(gw)
    assert cli.main(["check", "--json", "--api-base", gw.api_base]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["reachable"] is True and report["key"] == "none"
    assert report["anonymous"] == {
        "probe": "anonymous",
        "sent": "kilo-auto/free",
        "ok": True,
        "result": "served",
        "status": 200,
        "error_type": None,
        "message": None,
    }
    assert [(a["probe"], a["sent"]) for a in report["aliases"]] == drift.seeds()
    glm47 = next(a for a in report["aliases"] if a["probe"] == "glm-4.7-free")
    assert (glm47["ok"], glm47["status"], glm47["error_type"]) == (False, 404, "discontinued_free_model")
    assert glm47["message"] == DISCONTINUED_TEXT
    assert report["free_models"]["count"] == 2 and report["free_models"]["rule"] == "isFree"
    assert [e["sent"] for e in report["endpoints"]] == [
        "GET /models",
        "GET /v1/models",
        "GET /embedding-models",
        "POST /chat/completions",
        "POST /responses",
        "POST /messages",
        "POST /embeddings",
    ]


def test_a_real_key_goes_on_every_probe_but_the_anonymous_one_and_is_never_printed(gw, capsys):
    script(gw, alias=lambda gid: SERVED)
    assert cli.main(["check", "--api-key", KEY, "--api-base", gw.api_base]) == 0
    captured = capsys.readouterr()
    assert KEY not in captured.out + captured.err
    assert "(key: sk-…ef;" in captured.out
    assert sent_paths(gw) == expected_paths()
    assert gw.requests[0].authorization is None
    assert {r.authorization for r in gw.requests[1:]} == {f"Bearer {KEY}"}
    assert table(captured.out)[("alias auto", "kilo/auto")] == "served"


@pytest.mark.parametrize("placeholder", ["public", "anonymous", "none", ""])
def test_a_placeholder_key_sends_no_authorization(gw, capsys, monkeypatch, placeholder):
    monkeypatch.setenv("KILO_API_KEY", placeholder)
    script(gw)
    assert cli.main(["check", "--json", "--api-base", gw.api_base]) == 0
    assert json.loads(capsys.readouterr().out)["key"] == "none"
    assert len(gw.requests) == len(expected_paths())
    assert all(r.authorization is None for r in gw.requests)


def test_a_rejected_key_and_an_anonymous_refusal_show_the_gateways_own_words(gw, capsys):
    script(gw, anonymous=PAID_AUTH, alias=lambda gid: INVALID_TOKEN)
    assert cli.main(["check", "--api-key", KEY, "--api-base", gw.api_base]) == 0
    rows = table(capsys.readouterr().out)
    assert rows[("anonymous", "kilo-auto/free")] == (
        "refused: 401 paid_model_auth_required: You need to sign in to use this model."
    )
    assert rows[("alias glm-5-free", "z-ai/glm-5:free")] == (
        "refused: 401 authentication_required: Your authentication token is invalid. Please sign in again."
    )
    assert rows[("endpoint", "POST /chat/completions")] == "present (401 paid_model_auth_required)"


def test_endpoints_are_told_apart_by_what_the_gateway_answers(gw, capsys):
    script(
        gw,
        v1=Reply(status=405, body=b""),
        embedding_models=Reply(
            status=400,
            body=b'{"error":"Invalid path","message":"This endpoint only accepts the path `/chat/completions`."}',
        ),
        responses=Reply(
            status=400,
            body=b'{"error":"The store field is not supported.","error_type":"unsupported_field","message":"x"}',
        ),
        messages=Reply(status=503, body=b'{"error":"Service Unavailable","error_type":"temporarily_unavailable"}'),
        embeddings=MODEL_NOT_FOUND,
    )
    assert cli.main(["check", "--api-base", gw.api_base]) == 0
    rows = table(capsys.readouterr().out)
    assert rows[("endpoint", "GET /v1/models")] == "absent (405)"
    assert rows[("endpoint", "GET /embedding-models")] == "absent (400)"
    assert rows[("endpoint", "POST /responses")] == "present (400 unsupported_field)"
    assert rows[("endpoint", "POST /messages")] == "unknown (503 temporarily_unavailable)"
    assert rows[("endpoint", "POST /embeddings")] == "present (404 model_not_found)"
    assert gw.requests[-1].json["model"] == drift.EMBEDDING_MODEL


FREE_LISTINGS = {
    "suffix rule without isFree": (
        [
            make_gateway_model(id="z-ai/glm-5:free"),
            make_gateway_model(id="openrouter/free"),
            make_gateway_model(id="x/paid"),
        ],
        "2 free of 3 (by :free suffix, no isFree field): z-ai/glm-5:free, openrouter/free",
    ),
    "isFree wins over the suffix, suffix where it is missing": (
        [
            make_gateway_model(id="old/model:free", isFree=False),
            make_gateway_model(id="giga-potato", isFree=True),
            make_gateway_model(id="y:free"),
        ],
        "2 free of 3 (by isFree on 2 of 3, else the :free suffix): giga-potato, y:free",
    ),
    "no free model left": ([make_gateway_model(id="x/paid", isFree=False)], "0 free of 1 (by isFree)"),
    "more than a few": (
        [make_gateway_model(id=f"m{i}:free", isFree=True) for i in range(7)],
        "7 free of 7 (by isFree): m0:free, m1:free, m2:free, m3:free, m4:free, … (2 more)",
    ),
}


@pytest.mark.parametrize(("entries", "shown"), FREE_LISTINGS.values(), ids=FREE_LISTINGS.keys())
def test_free_models_are_counted_from_the_listing(gw, capsys, entries, shown):
    script(gw, models=Reply(body=models_body(*entries)))
    assert cli.main(["check", "--api-base", gw.api_base]) == 0
    assert table(capsys.readouterr().out)[("free models", "GET /models")] == shown


def test_probe_failures_become_report_lines(gw, capsys):
    first_alias = drift.seeds()[0][1]
    script(
        gw,
        anonymous=Reply(reset=True),
        models=Reply(body=b"<html>maintenance</html>", headers={"Content-Type": "text/html"}),
        alias=lambda gid: (
            Reply(delay=3, body=b"{}") if gid == first_alias else Reply(cut_after=5, body=b'{"id": "x", "choices": []}')
        ),
    )
    started = time.monotonic()
    assert cli.main(["check", "--timeout", "0.5", "--api-base", gw.api_base]) == 0
    assert time.monotonic() - started < 15
    rows = table(capsys.readouterr().out)
    assert rows[("anonymous", "kilo-auto/free")].startswith("no answer: ")
    assert rows[("free models", "GET /models")] == "unreadable: HTTP 200, not {'data': [...]}"
    assert rows[("endpoint", "GET /models")] == "absent (200)"
    assert rows[(f"alias {drift.seeds()[0][0]}", first_alias)] == "no answer: ReadTimeout: timed out"
    assert rows[(f"alias {drift.seeds()[1][0]}", drift.seeds()[1][1])].startswith("no answer: ")


def test_an_unreachable_gateway_is_reported_and_exits_1(capsys):
    started = time.monotonic()
    assert cli.main(["check", "--timeout", "2", "--api-base", "http://127.0.0.1:9/api/gateway"]) == 1
    captured = capsys.readouterr()
    assert time.monotonic() - started < 10
    rows = table(captured.out)
    assert rows[("anonymous", "kilo-auto/free")].startswith("no answer: ConnectError")
    assert rows[("endpoint", "POST /embeddings")] == "unknown (not sent: no answer to the first probes)"
    assert "error: no answer from http://127.0.0.1:9/api/gateway" in captured.err


def test_json_is_refused_with_a_model_before_anything_is_sent(gw, capsys):
    assert cli.main(["check", "--model", "kilo/kilo-auto/free", "--json", "--api-base", gw.api_base]) == 1
    assert "--json is for the drift report" in capsys.readouterr().err
    assert gw.requests == []


@pytest.mark.slow
def test_the_installed_command_prints_the_report_without_the_key(gw, tmp_path):
    script(gw)
    env = user_env()
    env.update(KILO_LITELLM_CACHE_DIR=str(tmp_path / "cache"), KILO_API_KEY=KEY, KILO_API_BASE=gw.api_base)
    command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "kilo_litellm"]
    out = subprocess.run(
        [*command, "check", "--json"], capture_output=True, text=True, env=env, timeout=CEILING, check=False
    )
    assert out.returncode == 0, out.stderr
    assert KEY not in out.stdout + out.stderr
    report = json.loads(out.stdout)
    assert report["api_base"] == gw.api_base and report["key"] == "sk-…ef"
    assert report["aliases"][0]["error_type"] == "discontinued_free_model"
    assert gw.requests[0].authorization is None
    assert {r.authorization for r in gw.requests[1:]} == {f"Bearer {KEY}"}


@pytest.mark.slow
def test_the_live_suite_is_skipped_unless_asked_for_and_collects(tmp_path):
    env = user_env()
    run = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "tests/test_live.py"]
    skipped = subprocess.run(
        [*run, "-q", "-rs"], cwd=ROOT, capture_output=True, text=True, env=env, timeout=CEILING, check=False
    )
    assert skipped.returncode == 0, skipped.stdout
    assert (
        re.search(r"\d+ skipped", skipped.stdout)
        and " passed" not in skipped.stdout
        and "KILO_LIVE=1" in skipped.stdout
    )
    collected = subprocess.run(
        [*run, "--collect-only", "-q", "-m", "live"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=CEILING,
        check=False,
    )
    assert collected.returncode == 0, collected.stdout
    assert re.search(r"\d+ tests? collected", collected.stdout), collected.stdout
