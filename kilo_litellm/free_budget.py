"""The budget guard where proxy configs name it: ``litellm_settings.callbacks: ["kilo_litellm.free_budget.guard"]``.

A stable path for configs written before the package was split into subpackages; the guard itself
lives in :mod:`kilo_litellm.proxy.free_budget`.
"""

from kilo_litellm.proxy.free_budget import FreeBudget, guard

__all__ = ["FreeBudget", "guard"]
