"""The fenced code blocks of ``README.md``, each named by the heading it sits under.

The one place the README is cut into blocks: ``tests/test_readme.py`` runs or checks every block,
and ``tests/test_agents.py`` takes the Claude Code and Codex settings it runs from here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
AGENTS_SECTION = "Kilo models in Claude Code and Codex"


@dataclass(frozen=True)
class Block:
    heading: str
    language: str
    index: int  # among the blocks of this language under this heading
    text: str
    line: int  # of the opening fence, 1-based
    marker: str | None = None  # ``<!-- readme-test: MARKER -->`` on the line before the fence

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.heading, self.language, self.index)

    @property
    def commands(self) -> list[str]:
        """The shell command lines: comments and blank lines dropped, a trailing ``# ...`` cut off."""
        lines = (re.sub(r"\s+#\s.*$", "", line).strip() for line in self.text.splitlines())
        return [line for line in lines if line and not line.startswith("#")]


def block_id(heading: str, language: str, index: int = 0) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")
    return f"{slug}-{language}" + (f"-{index + 1}" if index else "")


MARKER = re.compile(r"<!--\s*readme-test:\s*([\w-]+)\s*-->")


def parse(text: str) -> list[Block]:
    blocks: list[Block] = []
    heading, fence, body, counts, previous = "", None, [], {}, ""
    for number, line in enumerate(text.splitlines(), 1):
        if fence is not None:
            if line.strip() == "```":
                language, start, marker = fence
                index = counts.get((heading, language), 0)
                counts[(heading, language)] = index + 1
                blocks.append(Block(heading, language, index, "\n".join(body) + "\n", start, marker))
                fence = None
            else:
                body.append(line)
        elif line.startswith("```"):
            marked = MARKER.fullmatch(previous.strip())
            fence, body = (line[3:].strip(), number, marked.group(1) if marked else None), []
        elif line.startswith("#"):
            heading = line.lstrip("#").strip()
        previous = line
    assert fence is None, f"README.md: the block opened at line {fence[1]} is never closed"
    return blocks


@lru_cache(maxsize=1)
def blocks() -> tuple[Block, ...]:
    return tuple(parse(README.read_text(encoding="utf-8")))


def find(heading: str, language: str, index: int = 0) -> Block:
    for block in blocks():
        if block.key == (heading, language, index):
            return block
    raise LookupError(f"README.md has no {language} block #{index + 1} under the heading {heading!r}")


def section(heading: str, language: str) -> list[Block]:
    return [b for b in blocks() if b.heading == heading and b.language == language]


def claude_env() -> dict[str, str]:
    """The ``export NAME=VALUE`` lines of the README's Claude Code block."""
    block = next(b for b in section(AGENTS_SECTION, "bash") if "ANTHROPIC_BASE_URL" in b.text)
    return dict(re.findall(r"^export (\w+)=(\S+)$", block.text, flags=re.M))


def codex_config() -> str:
    """The README's ``~/.codex/config.toml``."""
    return next(b.text for b in section(AGENTS_SECTION, "toml") if "[model_providers." in b.text)
