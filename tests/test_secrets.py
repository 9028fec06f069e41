"""The API key never shows up where a user or an operator can see it.

With LiteLLM's debug logging fully on (``LITELLM_LOG=DEBUG``, ``litellm._turn_on_debug()``,
``litellm.set_verbose = True``, the provider's own ``kilo_litellm`` logger at DEBUG), calls that
succeed, stream, fail at the gateway, fail in transport and time out are made with a recognisable
fake key, passed as ``api_key=`` and through ``KILO_API_KEY``. The key must appear in no log
record (root and LiteLLM loggers), nothing written to stdout/stderr (captured at the file
descriptor, since LiteLLM's handlers hold the original streams), no exception's ``str``/``repr``,
no provider object's ``repr``, and no cassette. The gateway must still have received it (so the
test is not vacuous).
"""

from __future__ import annotations

import logging
from pathlib import Path

import litellm
import pytest
from conftest import MESSAGES, PAYMENT_REQUIRED

import kilo_litellm
from kilo_litellm.config import settings
from kilo_litellm.emulator import INVALID_TOKEN_BODY, INVALID_TOKEN_HEADERS, RATE_LIMIT_BODY, GatewayEmulator, Reply
from kilo_litellm.provider import handler

KEY = "kilo-sk-SECRET-7f3a9c2e1b44d0"
FRAGMENTS = (KEY, "SECRET-7f3a9c2e", "7f3a9c2e1b44d0")
CASSETTES = Path(__file__).resolve().parent.parent / "cassettes"
LITELLM_LOGGERS = ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "kilo_litellm")


def _assert_clean(text: str, where: str) -> None:
    for fragment in FRAGMENTS:
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
    call = handler.prepare(
        "openai/gpt-4.1",
        MESSAGES,
        api_key=KEY,
        api_base=gw.api_base,
        optional_params={},
        headers=None,
        timeout=1,
        stream=False,
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
