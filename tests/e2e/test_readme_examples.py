"""The README's example output is real: every complete ``$ mlmon report`` and ``$ mlmon
drift`` block is run on the sample data and must print exactly what the README shows,
with the exit code it shows. A block abbreviated with ``...`` is not complete."""

from __future__ import annotations

import re
import shlex

import pytest

from mlmon.cli import app
from tests.conftest import REPO

BLOCK = re.compile(r"```\n\$ (mlmon (?:report|drift|check) [^\n]*)\n(.*?)```", re.S)


def _examples() -> list[tuple[str, str, int]]:
    examples = []
    for command, body in BLOCK.findall((REPO / "README.md").read_text(encoding="utf-8")):
        if "\n...\n" in f"\n{body}":
            continue
        output, _, code = body.partition("$ echo $?\n")
        examples.append((command, output, int(code.strip() or 0)))
    return examples


def test_the_readme_has_examples_to_check():
    commands = [command for command, _, _ in _examples()]
    assert any(c.startswith("mlmon report") for c in commands) and any(c.startswith("mlmon drift") for c in commands)
    assert any(c.startswith("mlmon check") for c in commands)


@pytest.mark.parametrize(("command", "output", "code"), _examples(), ids=lambda value: str(value)[:60])
def test_readme_example_output_is_what_mlmon_prints(runner, monkeypatch, command, output, code):
    monkeypatch.chdir(REPO)
    monkeypatch.delenv("COLUMNS", raising=False)  # piped width, whatever the terminal running the tests
    result = runner.invoke(app, shlex.split(command)[1:], env={"NO_COLOR": "1"})
    assert result.exit_code == code, result.output
    assert result.stdout == output
