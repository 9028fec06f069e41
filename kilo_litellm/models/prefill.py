"""Which gateway models continue a trailing assistant message (assistant prefill).

LiteLLM continues a stream that broke after some text on a fallback whose model takes a prefill
(``model_info.supports_assistant_prefill``): the fallback gets the conversation plus the partial
answer as a trailing assistant message and writes the rest. The gateway's ``/models`` says nothing
about prefill, so the catalog decides from what is known, in this order:

1. **LiteLLM's own model map**, where it declares the flag for the same model: under Vercel's AI
   Gateway, which uses the gateway's ``vendor/model`` ids (``vercel_ai_gateway/<id>``; Kilo routes
   part of its traffic there), or under the id itself (``deepseek/...``). That map says, for
   instance, that Claude up to 4.5 continues a prefill and Claude Opus 4.6 refuses one (Anthropic
   answers 400 "does not support assistant message prefill" from 4.6 on).
2. **Free models: yes.** The free pool is open-weight models served through OpenRouter, whose
   convention is that a trailing assistant message is a prefill the model continues; the gateway
   passes messages through unchanged.
3. **Anything else: no.** A paid model LiteLLM knows nothing about (OpenAI's models answer a
   trailing assistant message with a new reply; ``kilo-auto/frontier`` and ``balanced`` route to
   models that may refuse it) is not sent a continuation it might repeat from the start.

A deployment's own ``model_info.supports_assistant_prefill`` wins over this rule (LiteLLM reads it
first).
"""

from __future__ import annotations

LITELLM_KEY_PREFIXES = ("vercel_ai_gateway/", "")


def declared(gateway_id: str) -> bool | None:
    """What LiteLLM's model map declares for ``gateway_id``, or ``None`` when it says nothing.

    Read only when the catalog is registered with LiteLLM, so the catalog itself needs no LiteLLM."""
    import litellm

    for prefix in LITELLM_KEY_PREFIXES:
        key = f"{prefix}{gateway_id}"
        value = (litellm.model_cost.get(key) or litellm.model_cost.get(key.lower()) or {}).get(
            "supports_assistant_prefill"
        )
        if isinstance(value, bool):
            return value
    return None


def accepts(gateway_id: str, free: bool) -> bool:
    """Whether a continuation may be sent to this model (see the module doc for the rule)."""
    known = declared(gateway_id)
    return known if known is not None else free
