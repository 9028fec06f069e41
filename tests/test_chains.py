"""``free_router()`` fits the request and continues cut streams, against the emulator's ``/models``.

The emulator serves a ``/models`` whose free models differ (images, tools, structured output,
context window); the catalog is refreshed from it, and ``free_router()`` is built from that catalog
as a user's would be after ``refresh_models()``. The emulator's request log shows which model
each request reached.
"""

from __future__ import annotations

import asyncio

import litellm
import pytest
from litellm.integrations.custom_logger import CustomLogger
from litellm.utils import supports_assistant_prefill

from kilo_litellm import free_router
from kilo_litellm.emulator import GatewayEmulator, Reply, gateway_model, recording, sse_payloads, streamed_text
from kilo_litellm.models.discovery import ModelDiscovery
from kilo_litellm.proxy.router import free_chain

pytestmark = pytest.mark.usefixtures("bundled_catalog_afterwards")

PLAIN = [{"role": "user", "content": "hello"}]
IMAGE = [
    {
        "role": "user",
        "content": [
            {"type": "text", "text": "what is this?"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
        ],
    }
]
TOOLS = [{"type": "function", "function": {"name": "search_files", "parameters": {"type": "object"}}}]
SCHEMA = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object", "properties": {}}}}
LONG = [{"role": "user", "content": "word " * 6000}]

CAPABLE = [
    gateway_model("kilo-auto/free", tools=False, context_length=4000),
    gateway_model("vendor/tools:free", context_length=4000),
    gateway_model("vendor/vision:free", vision=True, tools=False, context_length=4000),
    gateway_model("vendor/big:free", structured_outputs=True, tools=False, context_length=20000),
    gateway_model("vendor/paid-vision", free=False, vision=True, structured_outputs=True, context_length=1_000_000),
    gateway_model("vendor/paid-text", free=False, context_length=1_000_000),
]
# Claude Opus 4.6 refuses a prefill (LiteLLM's model map says so): a free one in the chain is skipped.
CONTINUING = [
    gateway_model("kilo-auto/free"),
    gateway_model("anthropic/claude-opus-4.6"),
    gateway_model("vendor/next:free"),
]

GPT41 = sse_payloads(recording("stream-openai-gpt41.sse"))
STREAM_TEXT = streamed_text(GPT41)
RECORDED_USAGE = GPT41[-1]["usage"]
NONSTREAM_TEXT = "Lorem ipsum dolor sit amet, consectetur adipiscing elit"
TOOL_CALL_TEXT = "The codebase search"
CUT_AFTER = 10
PARTIAL = streamed_text(GPT41[:CUT_AFTER])

MODES = pytest.mark.parametrize(
    "is_async,stream",
    [(False, False), (False, True), (True, False), (True, True)],
    ids=["sync", "sync-stream", "async", "async-stream"],
)


def _serve(gw: GatewayEmulator, models: list[dict], tmp_path) -> GatewayEmulator:
    gw.models = models
    ModelDiscovery(cache_dir=tmp_path / "cache").refresh(gw.api_base)
    gw.requests.clear()
    return gw


@pytest.fixture
def capable(gw, tmp_path):
    """Free models that differ: text only, tools, vision, a big window with structured output; two paid."""
    return _serve(gw, CAPABLE, tmp_path)


@pytest.fixture
def continuing(gw, tmp_path):
    return _serve(gw, CONTINUING, tmp_path)


def _sent(gw: GatewayEmulator) -> list[str | None]:
    return [r.model for r in gw.chat_requests]


async def _ask(router, *, is_async: bool, stream: bool, **kwargs) -> tuple[str, list]:
    kwargs = {"model": "kilo-auto/free", "stream": stream, **kwargs}
    if stream:
        kwargs["stream_options"] = {"include_usage": True}
    if is_async:
        resp = await router.acompletion(**kwargs)
        chunks = [c async for c in resp] if stream else []
    else:
        resp = router.completion(**kwargs)
        chunks = list(resp) if stream else []
    if stream:
        return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices), chunks
    return resp.choices[0].message.content, []


def test_the_chain_is_the_served_free_models_kilo_auto_free_first(capable):
    assert [e.gateway_id for e in free_chain()] == [
        "kilo-auto/free",
        "vendor/tools:free",
        "vendor/vision:free",
        "vendor/big:free",
    ]


@MODES
async def test_a_plain_text_request_starts_at_kilo_auto_free(capable, is_async, stream):
    text, _ = await _ask(free_router(api_base=capable.api_base), is_async=is_async, stream=stream, messages=PLAIN)
    assert text == (STREAM_TEXT if stream else NONSTREAM_TEXT)
    assert _sent(capable) == ["kilo-auto/free"]


@MODES
@pytest.mark.parametrize(
    "request_kwargs,reached",
    [
        ({"messages": IMAGE}, "vendor/vision:free"),
        ({"messages": PLAIN, "tools": TOOLS}, "vendor/tools:free"),
        ({"messages": PLAIN, "response_format": SCHEMA}, "vendor/big:free"),
        ({"messages": LONG}, "vendor/big:free"),
    ],
    ids=["image", "tools", "json-schema", "long-prompt"],
)
async def test_a_request_goes_only_to_the_first_free_model_that_can_serve_it(
    capable, is_async, stream, request_kwargs, reached
):
    text, _ = await _ask(free_router(api_base=capable.api_base), is_async=is_async, stream=stream, **request_kwargs)
    assert text
    assert _sent(capable) == [reached]
    assert capable.chat_requests[0].json["messages"] == request_kwargs["messages"]


async def test_json_mode_is_not_structured_output_and_stays_at_kilo_auto_free(capable):
    text, _ = await _ask(
        free_router(api_base=capable.api_base),
        is_async=True,
        stream=False,
        messages=PLAIN,
        response_format={"type": "json_object"},
    )
    assert text == NONSTREAM_TEXT
    assert _sent(capable) == ["kilo-auto/free"]


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_when_no_free_model_fits_the_error_names_what_is_missing_and_who_has_it(capable, is_async):
    with pytest.raises(litellm.BadRequestError) as info:
        await _ask(free_router(api_base=capable.api_base), is_async=is_async, stream=True, messages=IMAGE, tools=TOOLS)
    message = str(info.value)
    assert "kilo/kilo-auto/free was not sent this request: it does not take image input" in message
    assert "Free models with image input and tool calling: none." in message
    assert "Paid models with it (they need KILO_API_KEY): kilo/vendor/paid-vision." in message
    assert info.value.status_code == 400
    assert _sent(capable) == []


async def test_a_prompt_no_free_window_holds_names_the_models_whose_window_does(capable):
    too_long = [{"role": "user", "content": "word " * 30000}]
    with pytest.raises(litellm.ContextWindowExceededError) as info:
        await _ask(free_router(api_base=capable.api_base), is_async=True, stream=False, messages=too_long)
    message = str(info.value)
    assert "kilo/kilo-auto/free was not sent this request: the prompt has about" in message
    assert "its context window is 4000" in message
    assert "Free models with a context window of" in message and "or more: none." in message
    assert "kilo/vendor/paid-vision, kilo/vendor/paid-text" in message
    assert _sent(capable) == []


async def test_without_litellm_s_pre_call_checks_the_filter_still_fits_the_window(capable):
    router = free_router(api_base=capable.api_base, enable_pre_call_checks=False)
    await _ask(router, is_async=True, stream=False, messages=LONG)
    assert _sent(capable) == ["vendor/big:free"]


def test_sync_calls_get_litellm_s_own_context_window_error(capable):
    """The deployment filter runs on async calls only; a sync call meets LiteLLM's pre-call check first."""
    too_long = [{"role": "user", "content": "word " * 30000}]
    with pytest.raises(litellm.ContextWindowExceededError, match="Context Window exceeded for given call"):
        free_router(api_base=capable.api_base).completion(model="kilo-auto/free", messages=too_long)
    assert _sent(capable) == []


def test_skipping_a_model_that_cannot_serve_a_request_does_not_cool_it_down(capable):
    router = free_router(api_base=capable.api_base)
    router.completion(model="kilo-auto/free", messages=IMAGE)
    router.completion(model="kilo-auto/free", messages=PLAIN)
    assert _sent(capable) == ["vendor/vision:free", "kilo-auto/free"]


def test_a_deployment_s_own_model_info_overrides_the_catalog(capable):
    router = free_router(api_base=capable.api_base)
    listed = router.get_model_list()
    [first] = [d for d in listed if d["model_name"] == "kilo-auto/free"]
    router = litellm.Router(
        model_list=[{**first, "model_info": {**first["model_info"], "supports_vision": True}}],
        num_retries=0,
    )
    router.completion(model="kilo-auto/free", messages=IMAGE)
    assert _sent(capable) == ["kilo-auto/free"]


def test_a_chain_without_the_checks_sends_the_image_where_it_is_asked(capable):
    router = free_router(api_base=capable.api_base)
    model_list = [{**d, "model_info": {}} for d in router.get_model_list() if d["model_name"] == "kilo-auto/free"]
    litellm.Router(model_list=model_list, num_retries=0).completion(model="kilo-auto/free", messages=IMAGE)
    assert _sent(capable) == ["kilo-auto/free"]


# -- streams cut mid-way ----------------------------------------------------------------------------


class _Spend(CustomLogger):
    def __init__(self) -> None:
        super().__init__()
        self.logged: list[dict] = []

    async def async_log_success_event(self, kwargs, response_obj, start_time, end_time):
        self.logged.append(kwargs)


SPEND = _Spend()


@pytest.fixture
def spend():
    """One logger for the module: LiteLLM keeps a single success callback per logger class."""
    if SPEND not in litellm.callbacks:
        litellm.callbacks.append(SPEND)
    SPEND.logged.clear()
    return SPEND


async def _logged(spend: _Spend, count: int = 1) -> list[dict]:
    for _ in range(500):
        if len(spend.logged) >= count:
            break
        await asyncio.sleep(0.02)
    return spend.logged


def test_the_catalog_marks_which_models_continue_a_prefill(continuing):
    assert supports_assistant_prefill(model="kilo/kilo-auto/free") is True
    assert supports_assistant_prefill(model="kilo/vendor/next:free") is True
    assert supports_assistant_prefill(model="kilo/anthropic/claude-opus-4.6") is False


@pytest.mark.parametrize(
    "model,accepts",
    [
        ("kilo/stepfun/step-5-preview-free", True),
        ("kilo/anthropic/claude-haiku-4.5", True),
        ("kilo/anthropic/claude-opus-4.6", False),
        ("kilo/openai/gpt-4.1", False),
        ("kilo/kilo-auto/balanced", False),
    ],
)
def test_the_bundled_catalog_s_prefill_rule(model, accepts):
    """Free: yes; LiteLLM's own map where it says (Claude up to 4.5 yes, Opus 4.6 no); other paid: no."""
    assert supports_assistant_prefill(model=model) is accepts


async def test_a_stream_cut_after_some_text_continues_on_the_next_free_model(continuing, spend):
    continuing.script(Reply(disconnect_after=CUT_AFTER))
    text, chunks = await _ask(free_router(api_base=continuing.api_base), is_async=True, stream=True, messages=PLAIN)

    assert text == STREAM_TEXT
    assert _sent(continuing) == ["kilo-auto/free", "vendor/next:free"]
    continuation = continuing.chat_requests[1].json["messages"]
    assert continuation == [*PLAIN, {"role": "assistant", "content": PARTIAL}]
    usage = next(c.usage for c in reversed(chunks) if getattr(c, "usage", None))
    assert usage.completion_tokens > RECORDED_USAGE["completion_tokens"]
    assert usage.prompt_tokens > RECORDED_USAGE["prompt_tokens"]
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    [logged] = await _logged(spend)
    assert logged["response_cost"] == 0.0


async def test_a_cut_stream_skips_a_free_model_that_cannot_continue(continuing):
    """The chain is kilo-auto/free -> claude-opus-4.6 (free here) -> vendor/next:free; Opus 4.6 refuses prefills."""
    continuing.script(Reply(disconnect_after=CUT_AFTER))
    text, _ = await _ask(free_router(api_base=continuing.api_base), is_async=True, stream=True, messages=PLAIN)
    assert text == STREAM_TEXT
    assert _sent(continuing) == ["kilo-auto/free", "vendor/next:free"]


async def test_when_no_later_model_can_continue_the_cut_is_raised_after_the_text(gw, tmp_path):
    _serve(gw, CONTINUING[:2], tmp_path)
    gw.script(Reply(disconnect_after=CUT_AFTER))
    chunks = []
    with pytest.raises(litellm.ServiceUnavailableError, match="interrupted while streaming"):
        resp = await free_router(api_base=gw.api_base).acompletion(model="kilo-auto/free", messages=PLAIN, stream=True)
        async for chunk in resp:
            chunks.append(chunk)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == PARTIAL
    assert _sent(gw) == ["kilo-auto/free"]


def test_a_sync_stream_is_not_continued_it_raises_after_the_text(continuing):
    """LiteLLM continues async streams only (``wrap_chat_stream_sync`` "never continues after content")."""
    continuing.script(Reply(disconnect_after=CUT_AFTER))
    chunks = []
    with pytest.raises(litellm.ServiceUnavailableError, match="interrupted while streaming"):
        for chunk in free_router(api_base=continuing.api_base).completion(
            model="kilo-auto/free", messages=PLAIN, stream=True
        ):
            chunks.append(chunk)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == PARTIAL
    assert _sent(continuing) == ["kilo-auto/free"]


async def test_continuation_can_be_turned_off(continuing):
    continuing.script(Reply(disconnect_after=CUT_AFTER))
    router = free_router(api_base=continuing.api_base, enable_mid_stream_fallback_continuation=False)
    with pytest.raises(litellm.ServiceUnavailableError):
        await _ask(router, is_async=True, stream=True, messages=PLAIN)
    assert _sent(continuing) == ["kilo-auto/free"]


async def test_a_cut_before_any_text_falls_back_without_a_prefill(continuing):
    continuing.script(Reply(disconnect_after=0))
    text, _ = await _ask(free_router(api_base=continuing.api_base), is_async=True, stream=True, messages=PLAIN)
    assert text == STREAM_TEXT
    assert _sent(continuing) == ["kilo-auto/free", "anthropic/claude-opus-4.6"]
    assert continuing.chat_requests[1].json["messages"] == PLAIN


@pytest.mark.parametrize("stream", [False, True], ids=["nonstream", "stream"])
async def test_a_caller_s_own_prefill_is_sent_as_a_trailing_assistant_message_without_prefix(gw, stream):
    prefill = {"role": "assistant", "content": PARTIAL, "prefix": True}
    resp = await litellm.acompletion(
        model="kilo/kilo-auto/free", messages=[*PLAIN, prefill], api_base=gw.api_base, stream=stream
    )
    if stream:
        assert PARTIAL + "".join([c.choices[0].delta.content or "" async for c in resp]) == STREAM_TEXT
    assert gw.chat_requests[-1].json["messages"] == [*PLAIN, {"role": "assistant", "content": PARTIAL}]


async def test_usage_and_cost_of_a_continued_paid_stream_add_up(gw, spend):
    """Paid models report a cost: the continuation's log carries the cut part's cost plus the gateway's."""
    first, second = "kilo/openai/gpt-4.1", "kilo/anthropic/claude-haiku-4.5"
    router = litellm.Router(
        model_list=[
            {"model_name": "a", "litellm_params": {"model": first, "api_base": gw.api_base, "api_key": "kilo-real-1"}},
            {"model_name": "b", "litellm_params": {"model": second, "api_base": gw.api_base, "api_key": "kilo-real-1"}},
        ],
        fallbacks=[{"a": ["b"]}],
        num_retries=0,
        enable_mid_stream_fallback_continuation=True,
    )
    gw.script(Reply(disconnect_after=CUT_AFTER))
    resp = await router.acompletion(model="a", messages=PLAIN, stream=True, stream_options={"include_usage": True})
    chunks = [c async for c in resp]
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == STREAM_TEXT
    usage = next(c.usage for c in reversed(chunks) if getattr(c, "usage", None))
    cut_prompt = usage.prompt_tokens - RECORDED_USAGE["prompt_tokens"]
    cut_completion = usage.completion_tokens - RECORDED_USAGE["completion_tokens"]
    assert cut_prompt > 0 and cut_completion > 0
    info = litellm.get_model_info(first)
    cut_cost = cut_prompt * info["input_cost_per_token"] + cut_completion * info["output_cost_per_token"]
    [logged] = await _logged(spend)
    assert logged["response_cost"] == pytest.approx(RECORDED_USAGE["cost"] + cut_cost)
