"""The documentation's example output is real: every complete ``$ mlmon ...`` block of
``README.md`` and ``docs/`` is run on the sample data and must print exactly what the page
shows, with the exit code it shows (``$ echo $?``).

A block shows the command's standard output; a command that writes a file (``-o``,
``--output``) shows its standard error, where it says what it wrote. A block cut with a ``...`` line is not complete;
a block whose output cannot be the same twice (timings) says so in the line above it,
``<!-- example not run: <why> -->``. Each example runs in a scratch directory that sees
the checkout's ``sample_logs/`` and ``examples/`` and a copy of its ``references/``, so an
example that writes a file (``reference build -o references/train.json``) never writes
into the checkout. ``python scripts/refresh_doc_examples.py`` rewrites the blocks from
what mlmon prints now.
"""

from __future__ import annotations

import os
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from mlmon.cli import app
from tests.conftest import REPO
from tests.docs_text import Block, fenced_blocks

NOT_RUN = "<!-- example not run: "
"""The start of the comment above a block whose output varies run to run."""
SHOWN_AS = ("", "console")
"""The fence languages of a terminal session."""


@dataclass(frozen=True)
class Example:
    """One ``$ mlmon ...`` block and what it says mlmon prints."""

    block: Block
    """Where it is, and its text."""

    command: str
    """The command after ``$ `` (``mlmon report sample_logs/ --window 1d``)."""

    output: str
    """What the block shows the command printing."""

    code: int
    """The exit code after ``$ echo $?``; 0 when the block does not show one."""

    @property
    def complete(self) -> bool:
        return "\n...\n" not in f"\n{self.output}"

    @property
    def not_run(self) -> str | None:
        """Why the block is not run, from the comment above it; None when it is."""
        return (
            self.block.before[len(NOT_RUN) :].removesuffix("-->").strip()
            if self.block.before.startswith(NOT_RUN)
            else None
        )


def examples() -> list[Example]:
    """Every ``$ mlmon`` block of README.md and docs/, in page order."""
    found = []
    for block in fenced_blocks():
        first, _, rest = block.text.partition("\n")
        if block.language in SHOWN_AS and first.startswith("$ mlmon "):
            output, _, code = rest.partition("$ echo $?\n")
            found.append(Example(block, first[2:], output, int(code.strip() or 0)))
    return found


def scratch(where: Path) -> Path:
    """A working directory for the examples: ``sample_logs/`` and ``examples/`` linked from
    the checkout, the files of ``references/`` copied (an example may write over one)."""
    for name in ("sample_logs", "examples"):
        (where / name).symlink_to(REPO / name, target_is_directory=True)
    (where / "references").mkdir()
    for path in (REPO / "references").iterdir():
        if path.is_file():
            shutil.copy2(path, where / "references" / path.name)
    return where


def writes_a_file(argv: list[str]) -> bool:
    """True when the command's output goes to a file (``-o``, ``--output``)."""
    return any(arg in ("-o", "--output") or arg.startswith("--output=") for arg in argv)


def run(runner, command: str) -> tuple[str, int]:
    """What ``command`` shows and its exit code, as piped with ``NO_COLOR`` (run from the
    working directory): its standard output, or its standard error when it writes a file."""
    argv = shlex.split(command)[1:]
    result = runner.invoke(app, argv, env={"NO_COLOR": "1", "COLUMNS": None})
    return (result.stderr if writes_a_file(argv) else result.stdout), result.exit_code


def to_run() -> list[Example]:
    """The complete examples to run, each once: a block shown on two pages (the README's
    and its command's page) runs on the first."""
    seen: dict[tuple[str, str, int], Example] = {}
    for example in examples():
        if example.complete and example.not_run is None:
            seen.setdefault((example.command, example.output, example.code), example)
    return list(seen.values())


RUN = to_run()


def test_the_docs_have_examples_to_check():
    commands = [e.command for e in RUN]
    for name in ("report", "drift", "check", "reference build"):
        assert any(c.startswith(f"mlmon {name} ") for c in commands), name
    assert any(e.block.page == "README.md" for e in RUN) and any(e.block.page.startswith("docs/commands/") for e in RUN)


def test_a_block_not_run_says_why():
    skipped = [e for e in examples() if e.not_run is not None]
    assert all(len(e.not_run) > 10 for e in skipped), [e.block.before for e in skipped]


@pytest.mark.parametrize("example", RUN, ids=lambda e: f"{e.block.page}:{e.block.line}")
def test_doc_example_output_is_what_mlmon_prints(runner, monkeypatch, tmp_path, example):
    monkeypatch.chdir(scratch(tmp_path))
    for name in [n for n in os.environ if n.startswith("MLMON_")]:
        monkeypatch.delenv(name)
    shown, code = run(runner, example.command)
    assert code == example.code, shown
    assert shown == example.output
