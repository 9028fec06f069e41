"""The API key, and the token ``kilo-litellm login`` stored, never show up where a user or an operator can see it.

With LiteLLM's debug logging fully on (``LITELLM_LOG=DEBUG``, ``litellm._turn_on_debug()``,
``litellm.set_verbose = True``, the provider's own ``kilo_litellm`` logger at DEBUG), calls that
succeed, stream, fail at the gateway, fail in transport and time out are made with a recognisable
fake key, passed as ``api_key=`` and through ``KILO_API_KEY``. The key must appear in no log
record (root and LiteLLM loggers), nothing written to stdout/stderr (captured at the file
descriptor, since LiteLLM's handlers hold the original streams), no exception's ``str``/``repr``,
no provider object's ``repr``, and no cassette. The gateway must still have received it (so the
test is not vacuous). The stored sign-in gets the same treatment, from the device flow that
receives it to the calls, refusals and commands (``login``, ``whoami``, ``check``, ``logout``) that
use it; the proxy's log is checked in ``test_signin_proxy.py``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import litellm
import pytest
from conftest import MESSAGES, PAYMENT_REQUIRED

import kilo_litellm
from kilo_litellm.config import credentials, settings
from kilo_litellm.emulator import INVALID_TOKEN_BODY, INVALID_TOKEN_HEADERS, RATE_LIMIT_BODY, GatewayEmulator, Reply
from kilo_litellm.provider import handler, planning

KEY = "kilo-sk-SECRET-7f3a9c2e1b44d0"
FRAGMENTS = (KEY, "SECRET-7f3a9c2e", "7f3a9c2e1b44d0")
CASSETTES = Path(__file__).resolve().parent.parent / "cassettes"
LITELLM_LOGGERS = ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "kilo_litellm")


STORED = "kilo-stored-SECRET-4c8e2a9f61d7b0"
STORED_FRAGMENTS = (STORED, "SECRET-4c8e2a9f", "4c8e2a9f61d7b0")


def _assert_clean(text: str, where: str, fragments: tuple[str, ...] = FRAGMENTS) -> None:
    for fragment in fragments:
        assert fragment not in text, f"the key leaked into {where}"


@pytest.fixture
def debug_logging(monkeypatch, caplog):
    """Every LiteLLM debug switch on, captured; restored afterwards."""
    monkeypatch.setenv("LITELLM_LOG", "DEBUG")
    loggers = [logging.getLogger(name) for name in LITELLM_LOGGERS]
    saved = [(lg, lg.level, lg.disabled) for lg in loggers]
    saved_verbose = litellm.set_verbose
    litellm._turn_on_debug()
    litellm.set_verbose = True
    caplog.set_level(logging.DEBUG)
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
        lg.disabled = False
        lg.addHandler(caplog.handler)
    yield caplog
    for lg, level, disabled in saved:
        lg.removeHandler(caplog.handler)
        lg.setLevel(level)
        lg.disabled = disabled
    litellm.set_verbose = saved_verbose


def _exception_texts(exc: BaseException) -> str:
    parts = []
    while exc is not None:
        parts += [str(exc), repr(exc), str(getattr(exc, "message", ""))]
        exc = getattr(exc, "original_exception", None) or exc.__cause__ or exc.__context__
    return "\n".join(parts)


async def test_key_never_logged_printed_or_in_errors(gw, debug_logging, capfd, monkeypatch):
    kw = {"messages": MESSAGES, "api_base": gw.api_base, "timeout": 1}
    errors = []

    litellm.completion(model="kilo/kilo-auto/free", api_key=KEY, **kw)
    list(litellm.completion(model="kilo/kilo-auto/free", api_key=KEY, stream=True, **kw))
    resp = await litellm.acompletion(model="kilo/kilo-auto/free", api_key=KEY, stream=True, **kw)
    [c async for c in resp]
    await litellm.acompletion(model="kilo/openai/gpt-4.1", api_key=KEY, **kw)

    gw.script(Reply(status=429, body=RATE_LIMIT_BODY))
    with pytest.raises(litellm.RateLimitError) as info:
        litellm.completion(model="kilo/kilo-auto/free", api_key=KEY, **kw)
    errors.append(info.value)

    gw.script(Reply(recording="stream-inband-error-402.sse", stream=True))
    with pytest.raises(PAYMENT_REQUIRED) as info:
        resp = await litellm.acompletion(model="kilo/openai/gpt-4.1", api_key=KEY, stream=True, **kw)
        [c async for c in resp]
    errors.append(info.value)

    gw.script(Reply(stall=True))
    with pytest.raises(litellm.Timeout) as info:
        await litellm.acompletion(model="kilo/kilo-auto/free", api_key=KEY, **kw)
    errors.append(info.value)

    with GatewayEmulator() as resetting:  # a fresh connection reset before a byte: an error, not sent again
        resetting.default = Reply(reset=True)
        with pytest.raises(litellm.APIConnectionError) as info:
            litellm.completion(model="kilo/kilo-auto/free", api_key=KEY, **{**kw, "api_base": resetting.api_base})
        assert [r.authorization for r in resetting.chat_requests] == [f"Bearer {KEY}"]
    errors.append(info.value)

    monkeypatch.setenv("KILO_API_KEY", KEY)
    gw.script(Reply(status=401, body=b'{"error":"Unauthorized","message":"Invalid API key"}'))
    with pytest.raises(litellm.AuthenticationError) as info:
        litellm.completion(model="kilo/openai/gpt-4.1", **kw)
    errors.append(info.value)
    monkeypatch.delenv("KILO_API_KEY")

    with pytest.raises(litellm.AuthenticationError) as info:
        litellm.completion(model="kilo/openai/gpt-4.1", **kw)
    errors.append(info.value)

    gw.script(Reply(status=401, body=INVALID_TOKEN_BODY, headers=INVALID_TOKEN_HEADERS))
    with pytest.raises(litellm.AuthenticationError, match="rejected") as info:
        litellm.completion(model="kilo/kilo-auto/free", api_key=KEY, **kw)
    errors.append(info.value)

    embed = {"api_base": gw.api_base, "api_key": KEY, "timeout": 1}
    litellm.embedding(model="kilo/openai/text-embedding-3-small", input=["hello"], **embed)
    await litellm.aembedding(model="kilo/openai/text-embedding-3-small", input=["hello"], **embed)
    gw.script(Reply(status=401, body=INVALID_TOKEN_BODY, headers=INVALID_TOKEN_HEADERS))
    with pytest.raises(litellm.AuthenticationError) as info:
        litellm.embedding(model="kilo/openai/text-embedding-3-small", input=["hello"], **embed)
    errors.append(info.value)

    assert sum(r.authorization == f"Bearer {KEY}" for r in gw.chat_requests) == 9
    assert sum(r.authorization == f"Bearer {KEY}" for r in gw.embedding_requests) == 3
    assert debug_logging.records, "debug logging captured nothing: the test would be vacuous"
    for record in debug_logging.records:
        _assert_clean(record.getMessage(), f"log record {record.name}:{record.levelname}")
        _assert_clean(repr(record.__dict__), f"log record {record.name} attributes")
    out, err = capfd.readouterr()
    assert out or err, "verbose mode printed nothing: the test would be vacuous"
    _assert_clean(out, "stdout")
    _assert_clean(err, "stderr")
    for exc in errors:
        _assert_clean(_exception_texts(exc), f"{type(exc).__name__}")


def test_provider_objects_do_not_show_the_key(gw):
    conf = settings.resolve(KEY, gw.api_base)
    call = planning.completion(
        model="openai/gpt-4.1", messages=MESSAGES, api_key=KEY, api_base=gw.api_base, timeout=1, stream=False
    )
    assert call.headers["Authorization"] == f"Bearer {KEY}"
    for obj in (kilo_litellm.kilo_llm, handler.KiloLLM(), conf, call):
        _assert_clean(repr(obj), f"repr({type(obj).__name__})")
        _assert_clean(str(obj), f"str({type(obj).__name__})")


def test_cassettes_hold_no_credentials():
    files = sorted(CASSETTES.glob("*.yaml"))
    assert files
    for path in files:
        text = path.read_text()
        _assert_clean(text, path.name)
        assert "authorization" not in text.lower(), f"{path.name} stores an Authorization header"
        assert "bearer " not in text.lower(), f"{path.name} stores a bearer token"


async def test_the_stored_sign_in_never_logged_printed_or_in_errors(gw, debug_logging, capfd, monkeypatch, tmp_path):
    import httpx

    from kilo_litellm.account.client import AccountClient
    from kilo_litellm.account.device_flow import sign_in
    from kilo_litellm.cli import commands

    monkeypatch.setenv(credentials.ENV_CONFIG_DIR, str(tmp_path / "config"))
    monkeypatch.setenv("KILO_API_URL", gw.url)
    monkeypatch.setenv("KILO_API_BASE", gw.api_base)
    credentials.forget_cache()
    gw.account.token = STORED
    with httpx.Client() as http:
        client = AccountClient(http)
        result = sign_in(client, interval=0.01)
        client.balance(result.token)
    stored = credentials.save(result.token, org_id="org-emulator-1", email=result.email)
    kw = {"messages": MESSAGES, "timeout": 1}
    errors = []

    litellm.completion(model="kilo/kilo-auto/free", **kw)
    list(litellm.completion(model="kilo/openai/gpt-4.1", stream=True, **kw))
    resp = await litellm.acompletion(model="kilo/openai/gpt-4.1", stream=True, **kw)
    [c async for c in resp]
    litellm.embedding(model="kilo/openai/text-embedding-3-small", input=["hello"], timeout=1)

    for reply, error in (
        (Reply(status=429, body=RATE_LIMIT_BODY), litellm.RateLimitError),
        (Reply(status=401, body=INVALID_TOKEN_BODY, headers=INVALID_TOKEN_HEADERS), litellm.AuthenticationError),
        (Reply(stall=True), litellm.Timeout),
        (Reply(reset=True), litellm.APIConnectionError),
    ):
        gw.script(reply)
        with pytest.raises(error) as info:
            await litellm.acompletion(model="kilo/openai/gpt-4.1", **kw)
        errors.append(info.value)
    assert "run `kilo-litellm login` again" in str(errors[1])

    for argv in (["whoami"], ["check", "--model", "kilo/openai/gpt-4.1"], ["check"], ["logout"]):
        assert commands.main(argv) == 0, argv
    with pytest.raises(litellm.AuthenticationError) as info:
        litellm.completion(model="kilo/openai/gpt-4.1", **kw)
    errors.append(info.value)

    received = [r.authorization for r in gw.requests if r.authorization]
    assert received.count(f"Bearer {STORED}") >= 20, "the stored token was not used: the test would be vacuous"
    assert debug_logging.records
    for record in debug_logging.records:
        _assert_clean(record.getMessage(), f"log record {record.name}:{record.levelname}", STORED_FRAGMENTS)
        _assert_clean(repr(record.__dict__), f"log record {record.name} attributes", STORED_FRAGMENTS)
    out, err = capfd.readouterr()
    assert "signed in as dev@example.com" in out and "signed out" in out
    _assert_clean(out, "stdout", STORED_FRAGMENTS)
    _assert_clean(err, "stderr", STORED_FRAGMENTS)
    for exc in errors:
        _assert_clean(_exception_texts(exc), f"{type(exc).__name__}", STORED_FRAGMENTS)
    credentials.save(STORED)
    conf = settings.resolve()
    call = planning.completion(model="openai/gpt-4.1", messages=MESSAGES, stream=False)
    assert call.headers["Authorization"] == f"Bearer {STORED}"
    for obj in (conf, call, stored, credentials.current(), result, client):
        _assert_clean(repr(obj), f"repr({type(obj).__name__})", STORED_FRAGMENTS)
        _assert_clean(str(obj), f"str({type(obj).__name__})", STORED_FRAGMENTS)
    credentials.delete()
