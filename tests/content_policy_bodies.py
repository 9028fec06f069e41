"""The upstream content-policy refusals the gateway passes through, and look-alikes that are not refusals.

The bodies are the shapes OpenAI and OpenRouter answer with (``docs/gateway-contract.md``,
"Errors"): OpenAI's refusal wrapped by OpenRouter, OpenAI's own two codes, and
OpenRouter's moderation 403. The look-alikes are a 400 and a 403 of the same families that are
about something else.
"""

from __future__ import annotations

import json

from kilo_litellm.emulator import Reply


def _body(error: dict) -> bytes:
    return json.dumps({"error": error}, separators=(",", ":")).encode()


SAFETY_MESSAGE = (
    "Your request was rejected as a result of our safety system. Your prompt may contain text that is not "
    "allowed by our safety system."
)
INVALID_PROMPT_MESSAGE = (
    "Invalid prompt: your prompt was flagged as potentially violating our usage policy. Please try again with a "
    "different prompt."
)

REFUSALS = {
    "openrouter-wrapped-openai": (
        400,
        _body(
            {
                "message": SAFETY_MESSAGE,
                "code": 400,
                "metadata": {"raw": '{"error":{"code":"content_policy_violation"}}', "provider_name": "OpenAI"},
            }
        ),
    ),
    "openai-content-policy": (
        400,
        _body(
            {
                "message": SAFETY_MESSAGE,
                "type": "invalid_request_error",
                "param": None,
                "code": "content_policy_violation",
            }
        ),
    ),
    "openai-invalid-prompt": (
        400,
        _body(
            {
                "message": INVALID_PROMPT_MESSAGE,
                "type": "invalid_request_error",
                "param": None,
                "code": "invalid_prompt",
            }
        ),
    ),
    "openrouter-moderation": (
        403,
        _body(
            {
                "code": 403,
                "message": 'openai/gpt-4.1 requires moderation on OpenAI. Your input was flagged for "violence". '
                "No credits were charged.",
                "metadata": {
                    "reasons": ["violence"],
                    "flagged_input": "how do I ...",
                    "provider_name": "OpenAI",
                    "model_slug": "openai/gpt-4.1",
                },
            }
        ),
    ),
}

OTHER_400 = _body({"message": "tools[0].function.name: String should match pattern", "code": 400, "metadata": {}})
OTHER_403 = _body({"message": "Your organization may not use this model.", "code": 403})


def refusal(name: str) -> Reply:
    status, body = REFUSALS[name]
    return Reply(status=status, body=body, stream=False)
