"""The documentation as the tests read it: ``README.md`` and every page of ``docs/``.

Tests of a documented example find it here, where the reader finds it, instead of each
parsing the README its own way: :func:`section` (a heading's text, up to the next heading
of its level or above), :func:`fenced_blocks` (every fenced block, fences paired in order,
never a heading inside one), :func:`block` (the one block that holds a marker) and
:func:`block_after` (the block right after an HTML comment such as ``<!-- alert rules:
... -->``). Pages are read through ``docs/``'s symbolic links too (``docs/statistics``
is ``references/statistics``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tests.conftest import REPO

DOCS = REPO / "docs"
README = REPO / "README.md"
_HEADING = re.compile(r"(#{1,6}) (.*)")


@dataclass(frozen=True)
class Block:
    """One fenced block of a page."""

    page: str
    """The page, relative to the repository (``docs/commands/check.md``)."""

    line: int
    """The line of its opening fence, from 1."""

    language: str
    """What follows the opening fence (``sh``, ``yaml``), ``""`` when nothing does."""

    text: str
    """The lines between the fences, each with its newline."""

    before: str
    """The last non-blank line above the opening fence (an HTML comment that marks it)."""


def pages() -> list[Path]:
    """``README.md``, then every Markdown page under ``docs/`` in name order, through its
    symbolic links (``docs/statistics/psi.md``)."""
    found = [Path(top) / name for top, _, names in os.walk(DOCS, followlinks=True) for name in names]
    return [README, *sorted(path for path in found if path.suffix == ".md")]


@cache
def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _name(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def fenced_blocks(path: Path | None = None) -> list[Block]:
    """Every fenced block of ``path`` (of every page when None), fences paired in order."""
    found: list[Block] = []
    for page in [path] if path else pages():
        opened: tuple[int, str, str] | None = None
        body: list[str] = []
        previous = ""
        for number, line in enumerate(_text(page).splitlines(keepends=True), 1):
            if line.startswith("```"):
                if opened is None:
                    opened, body = (number, line[3:].strip(), previous), []
                else:
                    found.append(Block(_name(page), opened[0], opened[1], "".join(body), opened[2]))
                    opened = None
            elif opened is not None:
                body.append(line)
            elif line.strip():
                previous = line.strip()
    return found


def block(marker: str, language: str) -> str:
    """The text of the one fenced block of ``language`` (``""``: none given) that holds
    ``marker``, on any page; two such blocks are an error, since a test would not know
    which one the reader sees."""
    hits = [b for b in fenced_blocks() if b.language == language and marker in b.text]
    where = ", ".join(f"{b.page}:{b.line}" for b in hits)
    assert len(hits) == 1, (
        f"{len(hits)} {language or 'plain'} blocks hold {marker!r} in README.md and docs/: {where or 'none'}"
    )
    return hits[0].text


def block_after(comment: str, language: str) -> str:
    """The text of the fenced block of ``language`` right after the line ``comment`` (an
    HTML comment that names the test running it), on any page; exactly one."""
    hits = [b for b in fenced_blocks() if b.language == language and b.before == comment]
    assert len(hits) == 1, f"{len(hits)} {language} blocks after {comment!r} in README.md and docs/"
    return hits[0].text


def section(heading: str) -> str:
    """The text under the heading ``heading`` (its words, any level), on any page, up to
    the next heading of its level or above (fenced blocks are not headings); exactly one
    heading may have those words."""
    hits = []
    for page in pages():
        lines = _text(page).splitlines(keepends=True)
        fence = False
        starts: list[tuple[int, int, str]] = []
        for index, line in enumerate(lines):
            if line.startswith("```"):
                fence = not fence
            match = None if fence else _HEADING.match(line.rstrip("\n"))
            if match:
                starts.append((index, len(match.group(1)), match.group(2).strip()))
        for position, (index, level, words) in enumerate(starts):
            if words == heading:
                end = next((i for i, lv, _ in starts[position + 1 :] if lv <= level), len(lines))
                hits.append("".join(lines[index:end]))
    assert len(hits) == 1, f"{len(hits)} headings {heading!r} in README.md and docs/"
    return hits[0]


def page_text(relative: str) -> str:
    """The text of one page, named relative to the repository (``docs/log-format.md``)."""
    return _text(REPO / relative)


def all_text() -> str:
    """README.md and every page of docs/, one after the other."""
    return "\n".join(_text(page) for page in pages())
