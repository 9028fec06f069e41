"""Registering the catalog one name at a time with LiteLLM's name index kept built gives LiteLLM's
model map exactly as one ``litellm.register_model`` call of the whole catalog does.

Two fresh processes register the same models: one as ``import kilo_litellm`` does
(``litellm_internals.register_models``), one through a single ``litellm.register_model`` call per
map, as before. Each then installs a large catalog of gateway ids that LiteLLM's built-in map knows
(spelled as the gateway does, in upper case, with ``:free`` variants, twice under names that differ
only in case), so the lookups inherit flags, land on existing rows and use the case-insensitive
index. Both processes must end with the same ``litellm.model_cost`` (every key, in order, every
entry), the same ``get_model_info`` for every ``kilo/...`` name, and the same registrations LiteLLM
replays after a cost-map reload.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from processes import CEILING

pytestmark = pytest.mark.slow

REGISTER = """
import hashlib, json, sys
sys.argv[0] = "kilo-litellm"  # import the package without registering, as the command line does
import litellm
import kilo_litellm
from kilo_litellm.models import catalog
from kilo_litellm.models.entry import Catalog, ModelEntry
from kilo_litellm.provider import litellm_internals, registration

if sys.argv[1] == "one-call":
    litellm_internals.register_models = lambda entries: litellm.register_model(dict(entries))
registration.register()

builtin = list(dict.fromkeys(k.split("/", 1)[1] for k in litellm.model_cost if k.count("/") == 2))
ids = builtin[:250] + [i.upper() for i in builtin[:20]] + [f"{i}:free" for i in builtin[20:40]]
ids += ["anthropic/claude-sonnet-4.6", "Anthropic/Claude-Sonnet-4.6", "openai/gpt-4.1", "kilo/auto"]
catalog.install(Catalog(models=tuple(
    ModelEntry(gateway_id=i, context_window=1000 + n, input_cost_per_token=n * 1e-9, output_cost_per_token=2e-9,
               supports_vision=n % 2 == 0)
    for n, i in enumerate(ids)
)))

names = sorted({k for k in litellm.model_cost if k.lower().startswith("kilo/")})
utils = litellm.utils
print(json.dumps({
    "keys": hashlib.sha256("\\n".join(litellm.model_cost).encode()).hexdigest(),
    "entries": hashlib.sha256(json.dumps(litellm.model_cost, sort_keys=True, default=repr).encode()).hexdigest(),
    "kilo": {n: dict(litellm.model_cost[n]) for n in names},
    "model_info": {n: litellm.get_model_info(n) for n in names},
    "replayed": {k: v for k, v in utils._runtime_registered_model_cost.items() if k.lower().startswith("kilo/")},
    "order": [k for k, _ in sorted(utils._runtime_registration_order.items(), key=lambda kv: kv[1])],
    "names": {k: list(v) for k, v in utils._runtime_registered_names.items()},
    "by_provider": sorted(litellm.models_by_provider.get("kilo", ())),
}, sort_keys=True, default=repr))
"""


def registered(how: str, cache: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KILO_")}
    env.update(LITELLM_LOCAL_MODEL_COST_MAP="True", KILO_LITELLM_CACHE_DIR=str(cache))
    return subprocess.Popen(
        [sys.executable, "-c", REGISTER, how], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )


def result(proc: subprocess.Popen) -> dict:
    out, err = proc.communicate(timeout=CEILING)
    assert proc.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


def test_registering_name_by_name_gives_litellm_the_same_model_map_as_one_register_model_call(tmp_path):
    fast, one_call = registered("name-by-name", tmp_path), registered("one-call", tmp_path)
    fast, one_call = result(fast), result(one_call)
    assert len(fast["kilo"]) > 250
    assert fast["kilo"]["kilo/anthropic/claude-sonnet-4.6"].get("supports_pdf_input") is True
    assert fast["model_info"]["kilo/kilo-auto/free"]["litellm_provider"] == "kilo"
    for part in ("kilo", "model_info", "replayed", "names", "order", "by_provider", "keys", "entries"):
        differing = (
            sorted(n for n in {*fast[part], *one_call[part]} if fast[part].get(n) != one_call[part].get(n))[:5]
            if isinstance(fast[part], dict)
            else None
        )
        assert fast[part] == one_call[part], f"{part} differs: {differing}"
