"""The Router's ERROR block for a refusal the caller is told about anyway, left out of LiteLLM's log.

When no deployment of a chain can take a request (an image and no model that reads images), the
capability check refuses it at every group of the chain before anything is sent, and the caller
gets one ``litellm.BadRequestError`` that names the models that could take it. LiteLLM's Router
logs each failed fallback walk as an ERROR block ("Error occurred while trying to do fallbacks",
with the same text and its cooldown list) before that exception reaches the caller, so the user
reads the refusal four times. :class:`RefusalFilter` drops exactly those records of the
``LiteLLM Router`` logger: the fallback-walk ERROR whose text is this provider's refusal.
Everything else the Router logs is untouched.
"""

from __future__ import annotations

import logging

ROUTER_LOGGER = "LiteLLM Router"
FALLBACK_WALK = "Error occurred while trying to do fallbacks"
REFUSAL_MARK = "was not sent this request"
"""The phrase every capability refusal carries (:func:`kilo_litellm.models.needs.refusal_message`)."""


class RefusalFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.ERROR:
            return True
        try:
            text = record.getMessage()
        except Exception:
            return True
        return not (FALLBACK_WALK in text and REFUSAL_MARK in text)


_FILTER = RefusalFilter()


def install() -> None:
    """Add the filter to the Router's logger once."""
    logger = logging.getLogger(ROUTER_LOGGER)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
