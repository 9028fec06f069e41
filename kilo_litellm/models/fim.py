"""Which gateway models answer fill-in-the-middle (``POST /fim/completions``): pure data.

The gateway's ``/models`` has no field that says so (docs/gateway-contract.md, "The model list" and
"Fill-in-the-middle"), and its FIM route accepts an exact list of public ids, aliases deliberately left out
(``supported-fim-models.ts`` in Kilo's server code): Mistral's Codestral and Inception's Mercury
Edit, the two models Kilo's own autocomplete offers. Any other id gets ``400
unsupported_fim_model`` from the gateway, which the provider maps to a clear error; so this list
only decides what ``kilo-litellm models`` marks and where a ``text_completion`` without a
``suffix`` goes, never what may be sent.
"""

from __future__ import annotations

FIM_MODELS: tuple[str, ...] = ("mistralai/codestral-2508", "inception/mercury-edit-2")
"""The gateway ids ``/fim/completions`` accepts, the first one Kilo's default."""


def supports_fim(gateway_id: str) -> bool:
    """Whether the gateway serves fill-in-the-middle for this id."""
    return gateway_id.strip().lower() in FIM_MODELS
