"""Which ids the emulated gateway serves free although its ``/models`` does not list them.

This is the gateway's rule as its server code shows it (docs/gateway-contract.md, "Free models and
limits"), kept in the emulator on purpose: the package itself knows no such rule (it sends an id its
catalog does not list and lets the gateway answer), so the tests can show that it does not need one.
Free without a listing are:

* an id ending in ``:free`` and ``openrouter/free`` (the older rule, still in force);
* ``stealth/<name>-alpha``;
* a few ids without ``:free`` that the server's lists name: :data:`UNLISTED_FREE`.

Every other unlisted id is paid: 401 ``PAID_MODEL_AUTH_REQUIRED`` without a key.
"""

from __future__ import annotations

UNLISTED_FREE = frozenset({"stepfun/step-5-preview-free", "inclusionai/ling-3.1-flash"})
"""Free ids without ``:free`` that the server's code names: a Kilo-exclusive id with a
hyphen instead of the colon, and an id its free list carries as is."""


def free_unlisted(model: str) -> bool:
    """Whether the emulated gateway serves ``model``, absent from its ``/models``, without a key."""
    gid = model.strip().lower()
    if gid.endswith(":free") or gid == "openrouter/free" or gid in UNLISTED_FREE:
        return True
    return gid.startswith("stealth/") and gid.endswith("-alpha")
