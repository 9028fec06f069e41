"""The package's shape: layers by concern and no import circle (import-linter), public names where users name them."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import grimp
import pytest
from processes import CEILING

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("config", "account", "models", "provider", "proxy", "emulator", "cli")


@pytest.mark.slow
def test_the_import_linter_contracts_in_pyproject_are_kept():
    """The layers and import-linter's own ``acyclic_siblings`` (no import circle, imports inside
    functions included). ``lint-imports`` runs in its own process: it reconfigures logging, which
    would silence the package's logger for the tests that follow."""
    done = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=CEILING,
    )
    assert "Contracts: 4 kept, 0 broken." in done.stdout, done.stdout[-2000:]
    assert done.returncode == 0


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("kilo_litellm")


def test_only_the_command_line_imports_the_package_root(graph):
    importers = graph.find_modules_that_directly_import("kilo_litellm")
    assert importers, "the cli imports the root (for __version__): the check must see that"
    assert {m for m in importers if m.split(".")[1] != "cli"} == set()


def test_every_module_lives_in_a_layer_or_is_a_named_entry_point(graph):
    top_level = {m for m in graph.modules if m.count(".") == 1}
    assert top_level == {f"kilo_litellm.{name}" for name in (*LAYERS, "free_budget", "__main__")}


def test_every_subpackage_says_what_it_is_for():
    for name in LAYERS:
        doc = importlib.import_module(f"kilo_litellm.{name}").__doc__ or ""
        assert len(doc.split()) >= 25, name


PUBLIC = [
    ("kilo_litellm", "kilo_llm"),
    ("kilo_litellm", "KiloLLM"),
    ("kilo_litellm", "free_router"),
    ("kilo_litellm", "refresh_models"),
    ("kilo_litellm", "refresh_embedding_models"),
    ("kilo_litellm", "register"),
    ("kilo_litellm", "__version__"),
    ("kilo_litellm.free_budget", "guard"),
    ("kilo_litellm.free_budget", "FreeBudget"),
    ("kilo_litellm.proxy.capabilities", "capability_filter"),
    ("kilo_litellm.emulator", "GatewayEmulator"),
    ("kilo_litellm.emulator", "Reply"),
    ("kilo_litellm.emulator", "gateway_model"),
    ("kilo_litellm.cli", "main"),
]


@pytest.mark.parametrize(("module", "name"), PUBLIC, ids=[f"{m}.{n}" for m, n in PUBLIC])
def test_public_names_resolve_where_users_name_them(module, name):
    assert getattr(importlib.import_module(module), name) is not None


def test_the_package_docstring_lists_the_public_names():
    import kilo_litellm

    undocumented = [
        f"{m}.{n}"
        for m, n in PUBLIC
        if f"{m}.{n}" not in kilo_litellm.__doc__ and f"{m}:{n}" not in kilo_litellm.__doc__
    ]
    assert undocumented == []
    assert {n for m, n in PUBLIC if m == "kilo_litellm"} <= {*kilo_litellm.__all__, "__version__"}


def test_configs_name_the_handler_and_the_guard_by_their_public_paths():
    from litellm.proxy.types_utils.utils import get_instance_fn

    import kilo_litellm
    import kilo_litellm.free_budget
    from kilo_litellm.proxy import config_names
    from kilo_litellm.proxy.capabilities import capability_filter

    assert get_instance_fn(config_names.HANDLER) is kilo_litellm.kilo_llm
    assert get_instance_fn(config_names.GUARD_CALLBACK) is kilo_litellm.free_budget.guard
    assert get_instance_fn(config_names.CAPABILITY_FILTER) is capability_filter
    config = (ROOT / "litellm_config.yaml").read_text()
    assert "custom_handler: kilo_litellm.kilo_llm" in config


@pytest.mark.parametrize("module", ["kilo_litellm", "kilo_litellm.emulator"])
@pytest.mark.slow
def test_python_m_entry_points_answer_help(module):
    done = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True, text=True, timeout=CEILING)
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout
    assert ("--port" in done.stdout) == module.endswith("emulator")
