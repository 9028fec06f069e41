"""The fenced code blocks of ``README.md`` and of the docs site's pages (``docs/*.md``), each named
by the heading it sits under.

The one place the documentation is cut into blocks: ``tests/test_readme.py`` runs or checks every
block, and ``tests/test_agents.py`` takes the Claude Code and Codex settings it runs from here.
A block is found by its heading, language and index, whichever page it is on; no two pages may
hold a block under the same heading (``test_readme.py`` checks it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
AGENTS_SECTION = "Kilo models in Claude Code and Codex"


def pages() -> list[Path]:
    """README.md, then every page of the docs site."""
    return [README, *sorted(DOCS.glob("*.md"))]


@dataclass(frozen=True)
class Block:
    heading: str
    language: str
    index: int  # among the blocks of this language under this heading
    text: str
    line: int  # of the opening fence, 1-based
    marker: str | None = None  # ``<!-- readme-test: MARKER -->`` on the line before the fence
    page: str = "README.md"  # the file, relative to the repository root

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.heading, self.language, self.index)

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line} ({self.heading})"

    @property
    def commands(self) -> list[str]:
        """The shell command lines: comments and blank lines dropped, a trailing ``# ...`` cut off."""
        lines = (re.sub(r"\s+#\s.*$", "", line).strip() for line in self.text.splitlines())
        return [line for line in lines if line and not line.startswith("#")]


def block_id(heading: str, language: str, index: int = 0) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")
    return f"{slug}-{language}" + (f"-{index + 1}" if index else "")


MARKER = re.compile(r"<!--\s*readme-test:\s*([\w-]+)\s*-->")


def parse(text: str, page: str = "README.md") -> list[Block]:
    blocks: list[Block] = []
    heading, fence, body, counts, previous = "", None, [], {}, ""
    for number, line in enumerate(text.splitlines(), 1):
        if fence is not None:
            if line.strip() == "```":
                language, start, marker = fence
                index = counts.get((heading, language), 0)
                counts[(heading, language)] = index + 1
                blocks.append(Block(heading, language, index, "\n".join(body) + "\n", start, marker, page))
                fence = None
            else:
                body.append(line)
        elif line.startswith("```"):
            marked = MARKER.fullmatch(previous.strip())
            fence, body = (line[3:].strip(), number, marked.group(1) if marked else None), []
        elif line.startswith("#"):
            heading = line.lstrip("#").strip()
        previous = line
    assert fence is None, f"{page}: the block opened at line {fence[1]} is never closed"
    return blocks


@lru_cache(maxsize=1)
def blocks() -> tuple[Block, ...]:
    return tuple(
        block
        for path in pages()
        for block in parse(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())
    )


def find(heading: str, language: str, index: int = 0) -> Block:
    for block in blocks():
        if block.key == (heading, language, index):
            return block
    raise LookupError(f"no page has a {language} block #{index + 1} under the heading {heading!r}")


def section(heading: str, language: str) -> list[Block]:
    return [b for b in blocks() if b.heading == heading and b.language == language]


def claude_env() -> dict[str, str]:
    """The ``export NAME=VALUE`` lines of the docs' Claude Code block."""
    block = next(b for b in section(AGENTS_SECTION, "bash") if "ANTHROPIC_BASE_URL" in b.text)
    return dict(re.findall(r"^export (\w+)=(\S+)$", block.text, flags=re.M))


def codex_config() -> str:
    """The docs' ``~/.codex/config.toml``."""
    return next(b.text for b in section(AGENTS_SECTION, "toml") if "[model_providers." in b.text)
