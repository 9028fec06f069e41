"""The reasons live in the repository: code, tests and docs cite only pages a clone has.

What the gateway does on the wire is in ``docs/gateway-contract.md``, the LiteLLM behaviours the
provider relies on in ``docs/litellm-assumptions.md``; both are cited by a section heading, written
``docs/gateway-contract.md, "Errors"`` (more headings may follow, each quoted). These tests fail on
a citation of the developers' research notes, which live outside the repository, on a LiteLLM source
line number (they move with every release: name the module and function instead), and on a cited
heading that the page does not have.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = {name: ROOT / "docs" / name for name in ("gateway-contract.md", "litellm-assumptions.md")}
SUFFIXES = {".py", ".json", ".md", ".toml", ".yaml", ".yml", ".txt", ".sh"}


def cited_files() -> list[Path]:
    """The package, the tests, the benchmarks, the scripts, the docs and the top-level pages."""
    roots = [ROOT / name for name in ("kilo_litellm", "tests", "bench", "scripts", "docs")]
    files = [p for r in roots for p in r.rglob("*") if p.is_file() and p.suffix in SUFFIXES]
    files += [ROOT / name for name in ("README.md", "CONTRIBUTING.md", "CHANGELOG.md")]
    return sorted(p for p in files if p != Path(__file__).resolve() and "recordings" not in p.parts)


OUTSIDE = re.compile(
    "|".join(
        [
            r"kilo-gateway-(?:today|wire)",  # the research notes' file names
            r"litellm-[\w.-]*notes",
            r"litellm-(?:proxy-offline|clients-and-proxy)",
            r"shared/docs",
            r"(?:today's|wire|custom-provider|proxy|research) notes",
            r"notes'?\s*§",
            r"§\s*\d",  # a numbered section of a document that is not here
            r"\bsections? \d+\.\d+",
        ]
    ),
    flags=re.IGNORECASE,
)
LINE_NUMBER = re.compile(r"\.py:\d+|``:\d+(?:-\d+)?``")
CITATION = re.compile(r'docs/(gateway-contract|litellm-assumptions)\.md((?:,\s*"[^"]+")+)')


def headings(page: Path) -> set[str]:
    return {line[3:].strip() for line in page.read_text(encoding="utf-8").splitlines() if line.startswith("## ")}


def findings(pattern: re.Pattern[str]) -> list[str]:
    hits = []
    for path in cited_files():
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if pattern.search(line):
                hits.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return hits


def test_the_scan_reads_the_package_the_tests_and_the_docs():
    names = {p.relative_to(ROOT).parts[0] for p in cited_files()}
    assert {"kilo_litellm", "tests", "bench", "scripts", "docs", "README.md"} <= names
    assert ROOT / "kilo_litellm" / "data" / "models.json" in cited_files()


def test_nothing_cites_a_document_outside_the_repository():
    assert findings(OUTSIDE) == [], "cite docs/gateway-contract.md or docs/litellm-assumptions.md by heading"


def test_nothing_cites_a_source_line_number():
    assert findings(LINE_NUMBER) == [], "name LiteLLM's module and function (docs/litellm-assumptions.md)"


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_cited_heading_exists(page):
    known = headings(PAGES[page])
    cited: dict[str, set[str]] = {}
    for path in cited_files():
        text = path.read_text(encoding="utf-8", errors="replace").replace('\\"', '"')
        for match in CITATION.finditer(text):
            if f"{match.group(1)}.md" != page:
                continue
            for name in re.findall(r'"([^"]+)"', match.group(2)):
                cited.setdefault(" ".join(name.split()), set()).add(str(path.relative_to(ROOT)))
    assert cited, f"nothing cites {page}"
    missing = {name: sorted(where) for name, where in cited.items() if name not in known}
    assert missing == {}, f"headings {page} does not have"


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("(today's notes §8.3)", OUTSIDE),
        ("wire notes §2.3", OUTSIDE),
        ("see kilo-gateway-today.md", OUTSIDE),
        ("custom-provider notes §3", OUTSIDE),
        ("section 8.4 says", OUTSIDE),
        ("runs it in ``main.py:938``", LINE_NUMBER),
        ("(``utils.py:2409``, ``:1835-1839``)", LINE_NUMBER),
    ],
)
def test_the_patterns_catch_the_old_citations(text, pattern):
    assert pattern.search(text)
