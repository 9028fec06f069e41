"""The contract with the live Kilo Gateway, for a maintainer with network to run before a release::

    KILO_LIVE=1 .venv/bin/python -m pytest -m live

Skipped unless ``KILO_LIVE=1``; CI never sets it. ``KILO_API_BASE`` points the suite at another
gateway; pointed at the local emulator it is only a smoke test of the suite itself (the emulator
answers from recordings, so it says nothing about the live gateway). ``KILO_API_KEY``, when set, is
used for the paid seed aliases only: every other call here is anonymous, as a new user's would be.
Each call is tiny (a few tokens).

The second host (``https://ai-gateway.kilo.ai/api/v1``, docs/gateway-contract.md, "Paths and hosts") gets its own model-list
and free-chat checks; ``KILO_LIVE_SECOND_BASE`` points those elsewhere, and with a ``KILO_API_BASE``
ending in ``/api/gateway`` they use ``/api/v1`` on the same host (the emulator serves both). The
error shapes provoked on both hosts are the harmless ones the gateway answers before it looks at the
key ("Errors" there): an empty model, a ``providerOptions`` field.
"""

from __future__ import annotations

import os
import re

import httpx
import litellm
import pytest

import kilo_litellm
from kilo_litellm.cli import drift
from kilo_litellm.config.settings import AI_GATEWAY_API_BASE, DEFAULT_API_BASE
from kilo_litellm.models import catalog
from kilo_litellm.provider import errors

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        os.environ.get("KILO_LIVE") != "1", reason="live gateway suite: set KILO_LIVE=1 (needs network)"
    ),
]

BASE = (os.environ.get("KILO_API_BASE") or DEFAULT_API_BASE).rstrip("/")


def _second_base() -> str | None:
    """The second host, or ``None`` when ``KILO_API_BASE`` points somewhere it cannot be derived from."""
    if os.environ.get("KILO_LIVE_SECOND_BASE"):
        return os.environ["KILO_LIVE_SECOND_BASE"].rstrip("/")
    if not os.environ.get("KILO_API_BASE"):
        return AI_GATEWAY_API_BASE
    return BASE.removesuffix("/api/gateway") + "/api/v1" if BASE.endswith("/api/gateway") else None


SECOND = _second_base()
HOSTS = [BASE, *([SECOND] if SECOND else [])]
needs_second = pytest.mark.skipif(SECOND is None, reason="set KILO_LIVE_SECOND_BASE for the second host's checks")
PAID_KEY = os.environ.get("KILO_API_KEY")
FREE = "kilo/kilo-auto/free"
MESSAGES = [{"role": "user", "content": "Say OK."}]
TIMEOUT = 60


@pytest.fixture(autouse=True)
def anonymous(monkeypatch, tmp_path):
    """No key from the environment, a throwaway model cache, and the bundled catalog afterwards."""
    monkeypatch.delenv("KILO_API_KEY", raising=False)
    monkeypatch.setenv("KILO_LITELLM_CACHE_DIR", str(tmp_path / "cache"))
    yield
    catalog.install(None)


def test_anonymous_free_model_answers():
    resp = litellm.completion(model=FREE, messages=MESSAGES, max_tokens=16, api_base=BASE, timeout=TIMEOUT)
    assert resp.choices and resp.choices[0].finish_reason
    assert resp.usage.prompt_tokens > 0
    assert resp._hidden_params["response_cost"] == 0.0


def test_anonymous_free_model_streams():
    chunks = list(
        litellm.completion(model=FREE, messages=MESSAGES, max_tokens=16, api_base=BASE, timeout=TIMEOUT, stream=True)
    )
    assert chunks
    assert any(c.choices and c.choices[0].finish_reason for c in chunks)
    built = litellm.stream_chunk_builder(chunks, messages=MESSAGES)
    assert built.usage.prompt_tokens > 0


def test_models_parse_and_mark_free_models():
    found = kilo_litellm.refresh_models(BASE, force=True)
    assert (found.source, found.error) == ("live", None)
    raw = httpx.get(f"{BASE}/models", headers={"Accept": "application/json"}, timeout=TIMEOUT).json()["data"]
    assert len(found.models) >= len(raw) > 0
    missing = [m.get("id") for m in raw if not isinstance(m.get("isFree"), bool)]
    assert not missing, f"{len(missing)} /models entries without a boolean isFree, e.g. {missing[:5]}"
    flagged = {m["id"].lower() for m in raw if m["isFree"]}
    assert FREE.removeprefix("kilo/") in flagged
    seen_free = {e.gateway_id.lower() for e in found.models if e.free}
    assert flagged <= seen_free, f"isFree models the provider prices as paid: {sorted(flagged - seen_free)[:5]}"


def test_models_names_lose_their_marks_and_retiring_models_are_dated():
    """The ``/models`` fields (docs/gateway-contract.md, "The model list"): marks on names, ``expiration_date`` on models."""
    found = kilo_litellm.refresh_models(BASE, force=True)
    raw = {m["id"]: m for m in httpx.get(f"{BASE}/models", timeout=TIMEOUT).json()["data"]}
    marked = [e.gateway_id for e in found.models if e.name and re.search(r"\((new|\$+|retires [^)]*)\)$", e.name)]
    assert not marked, f"display names that kept a mark: {marked[:5]}"
    undated = [
        gid for gid, m in raw.items() if m.get("expiration_date") and catalog.lookup(gid).expiration_date is None
    ]
    assert not undated, (
        f"expiration_date the provider could not read: {[raw[g]['expiration_date'] for g in undated[:5]]}"
    )


def test_a_named_conversation_is_answered():
    """``litellm_session_id`` goes out as ``X-KiloCode-TaskId``; the gateway answers as without it."""
    resp = litellm.completion(
        model=FREE,
        messages=MESSAGES,
        max_tokens=16,
        api_base=BASE,
        timeout=TIMEOUT,
        litellm_session_id=f"kilo-litellm-live-{os.getpid()}",
    )
    assert resp.choices and resp.choices[0].finish_reason


def test_an_invalid_key_is_an_authentication_error():
    with pytest.raises(litellm.AuthenticationError):
        litellm.completion(
            model=FREE,
            messages=MESSAGES,
            max_tokens=16,
            api_base=BASE,
            api_key="sk-kilo-invalid-0000",
            timeout=TIMEOUT,
        )


@pytest.mark.parametrize(("alias", "gateway_id"), drift.seeds())
def test_each_seed_alias_works_or_is_not_found(alias, gateway_id):
    free = catalog.bundled().by_name()[alias].free
    if not free and not PAID_KEY:
        pytest.skip(f"kilo/{alias} is paid: set KILO_API_KEY to check it")
    try:
        resp = litellm.completion(
            model=f"kilo/{alias}",
            messages=MESSAGES,
            max_tokens=16,
            api_base=BASE,
            api_key=None if free else PAID_KEY,
            timeout=TIMEOUT,
        )
    except litellm.NotFoundError:
        return
    assert resp.choices, f"kilo/{alias} ({gateway_id}) answered without choices"


# -- the second host (docs/gateway-contract.md, "Paths and hosts") ----------------------------------


@needs_second
def test_second_host_lists_the_models():
    found = kilo_litellm.refresh_models(SECOND, force=True)
    assert (found.source, found.error, found.api_base) == ("live", None, SECOND)
    raw = httpx.get(f"{SECOND}/models", headers={"Accept": "application/json"}, timeout=TIMEOUT).json()["data"]
    assert {m["id"].lower() for m in raw if m.get("isFree")} >= {FREE.removeprefix("kilo/")}
    assert len(found.models) >= len(raw) > 0


@needs_second
@pytest.mark.parametrize("stream", [False, True], ids=["nonstream", "stream"])
def test_second_host_answers_a_free_chat(stream):
    resp = litellm.completion(
        model=FREE, messages=MESSAGES, max_tokens=16, api_base=SECOND, timeout=TIMEOUT, stream=stream
    )
    chunks = list(resp) if stream else None
    built = litellm.stream_chunk_builder(chunks, messages=MESSAGES) if stream else resp
    assert built.choices and built.usage.prompt_tokens > 0


# -- error shapes that cost nothing, answered before the key is checked (docs/gateway-contract.md, "Errors")


@pytest.mark.parametrize("key", [None, "sk-kilo-invalid-0000"], ids=["anonymous", "bad-key"])
@pytest.mark.parametrize("base", HOSTS)
def test_an_empty_model_is_a_404_model_not_found_before_the_key(base, key):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    resp = httpx.post(
        f"{base}/chat/completions", json={"model": "", "messages": MESSAGES}, headers=headers, timeout=TIMEOUT
    )
    assert resp.status_code == 404
    body = resp.json()
    assert (body.get("error_type"), body.get("error")) == ("model_not_found", "Model not found")
    raised = errors.to_exception(errors.parse(resp.status_code, resp.content), model="")
    assert type(raised) is litellm.NotFoundError


@pytest.mark.parametrize("key", [None, "sk-kilo-invalid-0000"], ids=["anonymous", "bad-key"])
@pytest.mark.parametrize("base", HOSTS)
def test_provider_options_are_a_bad_request_before_the_key(base, key):
    with pytest.raises(litellm.BadRequestError) as caught:
        litellm.completion(
            model=FREE,
            messages=MESSAGES,
            max_tokens=16,
            api_base=base,
            api_key=key,
            timeout=TIMEOUT,
            extra_body={"providerOptions": {}},
        )
    assert caught.value.kilo_error_type == "unsupported_field"


@pytest.mark.parametrize("gateway_id", ["stepfun/step-5-preview-free", "inclusionai/ling-3.1-flash"])
def test_an_id_the_catalog_does_not_list_is_sent_and_the_gateway_answers(gateway_id):
    """Free without ``:free`` (docs/gateway-contract.md, "Free models and limits"): answered, or refused by the gateway itself
    (``kilo_code``/``kilo_error_type`` come only from its answer), never by the provider before sending.
    A 401 ``PAID_MODEL_AUTH_REQUIRED`` here means Kilo made the id paid since: the error says how to get a key."""
    try:
        resp = litellm.completion(
            model=f"kilo/{gateway_id}", messages=MESSAGES, max_tokens=16, api_base=BASE, timeout=TIMEOUT
        )
    except (litellm.AuthenticationError, litellm.NotFoundError) as exc:
        assert getattr(exc, "kilo_error_type", None) or getattr(exc, "kilo_code", None), exc
        if isinstance(exc, litellm.AuthenticationError):
            assert "KILO_API_KEY" in str(exc) and "https://app.kilo.ai" in str(exc)
        return
    assert resp.choices


# -- fill-in-the-middle (docs/gateway-contract.md, "Fill-in-the-middle") ----------------------------


@pytest.mark.parametrize("base", HOSTS)
def test_fim_without_a_key_is_refused_the_web_apps_way(base):
    """The provider never sends a FIM call without a key; this checks the body it maps (docs/gateway-contract.md,
    "Fill-in-the-middle")."""
    answer = httpx.post(
        f"{base}/fim/completions",
        json={"model": "mistralai/codestral-2508", "prompt": "def f(", "suffix": "):", "max_tokens": 4},
        timeout=TIMEOUT,
    )
    assert answer.status_code in (400, 401, 403), answer.text
    assert answer.json().get("success") is False, answer.text


@pytest.mark.parametrize("model", [f"kilo/{m}" for m in ("mistralai/codestral-2508", "inception/mercury-edit-2")])
@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
def test_fim_answers_with_a_key(model, stream):
    if not PAID_KEY:
        pytest.skip("fill-in-the-middle needs a key: set KILO_API_KEY to check it")
    resp = litellm.text_completion(
        model=model,
        prompt="def add(a, b):\n    ",
        suffix="\n\nprint(add(1, 2))",
        max_tokens=8,
        stream=stream,
        api_base=BASE,
        api_key=PAID_KEY,
        timeout=TIMEOUT,
    )
    chunks = list(resp) if stream else [resp]
    assert any(c.choices and isinstance(c.choices[0].text, str) for c in chunks)
    if not stream:
        assert resp.usage.completion_tokens > 0 and resp._hidden_params["response_cost"] > 0
