"""One configuration surface: each rule of ``kilo_litellm.config`` once, and the package keeping to it.

The rules: the key's precedence (argument > ``KILO_API_KEY`` > stored sign-in > anonymous), the
base URL's and the organisation's, the ``kilo/`` prefix (``kilo/auto`` kept whole), the
directories (``platformdirs`` unless overridden), the parsers of the variables' kinds; and that
every ``KILO_*`` name, every Kilo URL and every ``kilo/`` strip lives in ``config`` alone.
"""

from __future__ import annotations

import ast
import logging
import re
from pathlib import Path

import platformdirs
import pytest

import kilo_litellm
from kilo_litellm.cli.commands import build_parser
from kilo_litellm.config import credentials, dirs, env, settings
from kilo_litellm.models import catalog
from kilo_litellm.provider import capability_check

PACKAGE = Path(kilo_litellm.__file__).parent
CONFIG = PACKAGE / "config"
ENV_MODULE = CONFIG / "env.py"
KEY = "sk-kilo-test-config-0123456789"
STORED = "stored-token-abcdefghijklmnop"


@pytest.fixture
def signed_in(tmp_path, monkeypatch):
    monkeypatch.setenv(env.CONFIG_DIR.name, str(tmp_path / "config"))
    credentials.save(STORED, org_id="org-stored")
    yield
    credentials.delete()


def _package_sources(*, outside: tuple[Path, ...] = ()) -> list[Path]:
    return [p for p in sorted(PACKAGE.rglob("*.py")) if not any(p.is_relative_to(o) for o in outside)]


def _string_constants(path: Path) -> list[tuple[int, str]]:
    """The string literals of a module that are not docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


# -- the key, the base URL and the organisation ----------------------------------------------------


def test_the_key_is_the_argument_then_the_environment_then_the_stored_sign_in_then_none(signed_in, monkeypatch):
    monkeypatch.setenv(env.API_KEY.name, KEY)
    assert settings.resolve("sk-from-the-call-000000").source == settings.FROM_CALL
    assert settings.resolve().api_key == KEY and settings.resolve().source == settings.FROM_ENV
    monkeypatch.delenv(env.API_KEY.name)
    stored = settings.resolve()
    assert stored.api_key == STORED and stored.signed_in
    credentials.delete()
    anonymous = settings.resolve()
    assert not anonymous.has_real_key and anonymous.source == settings.FROM_NOWHERE


def test_a_placeholder_key_from_the_call_or_environment_means_no_key_and_not_the_stored_one(signed_in, monkeypatch):
    assert not settings.resolve("public").has_real_key
    monkeypatch.setenv(env.API_KEY.name, "anonymous")
    assert not settings.resolve().has_real_key
    assert settings.resolve().source == settings.FROM_ENV


def test_the_base_url_is_the_argument_then_the_environment_then_the_documented_gateway(monkeypatch):
    assert settings.resolve().api_base == settings.DEFAULT_API_BASE
    monkeypatch.setenv(env.API_BASE.name, "http://127.0.0.1:9/api/gateway/v1/")
    assert settings.resolve().api_base == "http://127.0.0.1:9/api/gateway"
    assert settings.given_base() == "http://127.0.0.1:9/api/gateway/v1/"
    assert settings.resolve(api_base="http://127.0.0.1:8/api/gateway").api_base == "http://127.0.0.1:8/api/gateway"


def test_the_organisation_is_the_call_then_the_environment_then_the_stored_sign_in(signed_in, monkeypatch):
    assert settings.resolve().org_id == "org-stored"
    assert settings.resolve(KEY).org_id is None, "a key of the call does not take the signed-in account's org"
    monkeypatch.setenv(env.ORG_ID.name, "org-env")
    assert settings.resolve().org_id == "org-env"
    assert settings.resolve(org_id="org-call").org_id == "org-call"


def test_the_environment_is_read_at_each_call_not_at_import(monkeypatch):
    assert settings.resolve().api_base == settings.DEFAULT_API_BASE
    monkeypatch.setenv(env.API_BASE.name, "http://127.0.0.1:7/api/gateway")
    assert settings.resolve().api_base == "http://127.0.0.1:7/api/gateway"


# -- the kilo/ prefix ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "bare"),
    [
        ("kilo/glm-5-free", "glm-5-free"),
        (" KILO/anthropic/claude-sonnet-4.6 ", "anthropic/claude-sonnet-4.6"),
        ("kilo/kilo/auto", "kilo/auto"),
        ("kilo/auto", "kilo/auto"),
        ("glm-5-free", "glm-5-free"),
    ],
)
def test_the_kilo_prefix_is_stripped_once_and_kilo_auto_is_a_gateway_id(written, bare):
    assert settings.strip_provider(written) == bare


def test_every_reader_of_a_model_name_follows_the_one_prefix_rule():
    alias = catalog.FREE_AUTO
    assert catalog.resolve(f"kilo/{alias}") == catalog.resolve(alias)
    assert catalog.resolve("kilo/auto").gateway_id == "kilo/auto"
    assert capability_check.declared(f"kilo/{alias}", None) == capability_check.declared(alias, None)


# -- the directories -------------------------------------------------------------------------------


def test_the_cache_directory_is_the_argument_then_the_variable_then_the_platforms(tmp_path, monkeypatch):
    monkeypatch.delenv(env.CACHE_DIR.name, raising=False)
    assert dirs.cache_dir() == Path(platformdirs.user_cache_dir("kilo-litellm", appauthor=False))
    monkeypatch.setenv(env.CACHE_DIR.name, str(tmp_path / "from-env"))
    assert dirs.cache_dir() == tmp_path / "from-env"
    assert dirs.cache_dir(tmp_path / "given") == tmp_path / "given"


def test_the_config_directory_is_the_variable_then_the_platforms(tmp_path, monkeypatch):
    monkeypatch.setenv(env.CONFIG_DIR.name, str(tmp_path / "config"))
    assert dirs.config_dir() == tmp_path / "config"
    assert credentials.path() == tmp_path / "config" / credentials.FILE_NAME
    monkeypatch.delenv(env.CONFIG_DIR.name)
    assert dirs.config_dir() == Path(platformdirs.user_config_dir("kilo-litellm", appauthor=False))


# -- the kinds of variables ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, None), ("", None), (" ", None), ("0", False), ("Off", False), ("no", False), ("1", True)],
)
def test_a_switch_is_unset_off_or_on(raw, expected):
    assert env.flag(env.COALESCE, {} if raw is None else {env.COALESCE.name: raw}) is expected


def test_seconds_that_are_not_seconds_fall_back_to_the_default_with_a_warning(caplog):
    assert env.seconds(env.TIMEOUT, 830.0, {env.TIMEOUT.name: "12.5"}) == 12.5
    with caplog.at_level(logging.WARNING, logger="kilo_litellm"):
        assert env.seconds(env.TIMEOUT, 830.0, {env.TIMEOUT.name: "soon"}) == 830.0
    assert env.TIMEOUT.name in caplog.text
    assert env.seconds(env.FREE_LIMIT_COOLDOWN, 3600, {env.FREE_LIMIT_COOLDOWN.name: "0"}, allow_zero=True) == 0
    assert env.seconds(env.FREE_LIMIT_COOLDOWN, 3600, {env.FREE_LIMIT_COOLDOWN.name: "1.5"}, whole=True) == 3600


def test_text_is_trimmed_and_empty_is_unset():
    assert env.text(env.ORG_ID, {env.ORG_ID.name: "  org-1 "}) == "org-1"
    assert env.text(env.ORG_ID, {env.ORG_ID.name: "   "}) is None
    assert env.text(env.ORG_ID, {}) is None


# -- the package keeps to the one surface ----------------------------------------------------------


def test_every_kilo_variable_is_named_in_the_env_module_only():
    literal = re.compile(r"""[rbfu]?["']KILO_""")
    found = [
        f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}"
        for path in _package_sources()
        if path != ENV_MODULE
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if literal.search(line)
    ]
    assert found == [], "KILO_* names belong in kilo_litellm/config/env.py:\n" + "\n".join(found)
    names = [v.name for v in env.VARIABLES]
    assert len(names) == len(set(names)) and all(n.startswith("KILO_") for n in names)
    defined = set(re.findall(r"""["'](KILO_[A-Z_]+)["']""", ENV_MODULE.read_text(encoding="utf-8")))
    assert defined == set(names), "every variable of env.py is listed in env.VARIABLES"


def test_kilo_urls_are_written_in_config_only():
    hosts = ("https://api.kilo.ai", "https://ai-gateway.kilo.ai", "https://app.kilo.ai")
    found = [
        f"{path.relative_to(PACKAGE)}:{number}: {value!r}"
        for path in _package_sources(outside=(CONFIG, PACKAGE / "emulator"))
        for number, value in _string_constants(path)
        if value.startswith(hosts)
    ]
    assert found == [], "Kilo's URLs belong in kilo_litellm/config:\n" + "\n".join(found)


def test_the_cli_help_names_the_configured_default_gateway(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["check", "--help"])
    assert settings.DEFAULT_API_BASE in " ".join(capsys.readouterr().out.split())


def test_config_imports_nothing_but_itself_the_standard_library_and_its_two_helpers():
    allowed = {"platformdirs", "keyring"}
    for path in sorted(CONFIG.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and node.level == 0
                else []
            )
            for name in names:
                top = name.split(".")[0]
                assert top not in ("litellm", "httpx", "pydantic") and (
                    top in allowed or name.startswith("kilo_litellm.config") or top in _stdlib()
                ), f"{path.name} imports {name}"


def _stdlib() -> frozenset[str]:
    import sys

    return frozenset(sys.stdlib_module_names) | {"__future__"}
