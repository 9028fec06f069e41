"""The package's shape: layers by concern, no import circle, public names where users name them."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("config", "account", "models", "provider", "proxy", "emulator", "cli")


def test_the_import_linter_contracts_in_pyproject_are_kept():
    """``lint-imports`` runs in its own process: it reconfigures logging, which would silence the
    package's logger for the tests that follow."""
    done = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Contracts: 3 kept, 0 broken." in done.stdout, done.stdout[-2000:]
    assert done.returncode == 0


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("kilo_litellm")


def _cycles(graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), imports inside functions included."""
    modules = sorted(graph.modules)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.find_modules_directly_imported_by(node)):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for module in modules:
        if module not in index:
            visit(module)
    return found


def test_no_module_imports_itself_back_through_a_circle(graph):
    assert _cycles(graph) == []


def test_the_cycle_finder_sees_a_circle():
    class Two:
        modules = frozenset({"a", "b", "c"})

        @staticmethod
        def find_modules_directly_imported_by(m):
            return {"a": {"b"}, "b": {"a"}, "c": set()}[m]

    assert _cycles(Two) == [["a", "b"]]


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
    from kilo_litellm.proxy.capabilities import capability_filter

    assert get_instance_fn("kilo_litellm.kilo_llm") is kilo_litellm.kilo_llm
    assert get_instance_fn("kilo_litellm.free_budget.guard") is kilo_litellm.free_budget.guard
    assert get_instance_fn("kilo_litellm.proxy.capabilities.capability_filter") is capability_filter
    config = (ROOT / "litellm_config.yaml").read_text()
    assert "custom_handler: kilo_litellm.kilo_llm" in config


@pytest.mark.parametrize("module", ["kilo_litellm", "kilo_litellm.emulator"])
def test_python_m_entry_points_answer_help(module):
    done = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout
    assert ("--port" in done.stdout) == module.endswith("emulator")
