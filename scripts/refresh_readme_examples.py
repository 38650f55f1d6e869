"""Rerun every complete ``$ mlmon report|drift|check`` block of the README and write what
mlmon prints now in its place (what ``tests/e2e/test_readme_examples.py`` checks byte for
byte). Review the diff: a changed number in an example is a changed behaviour.

Run from the repository root: ``python scripts/refresh_readme_examples.py``.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mlmon.cli import app  # noqa: E402
from tests.test_readme_examples import BLOCK  # noqa: E402


def refreshed(text: str) -> str:
    runner = CliRunner()

    def rerun(match) -> str:
        command, body = match.group(1), match.group(2)
        if "\n...\n" in f"\n{body}":
            return match.group(0)
        result = runner.invoke(app, shlex.split(command)[1:], env={"NO_COLOR": "1"})
        tail = f"$ echo $?\n{result.exit_code}\n" if "$ echo $?\n" in body else ""
        return f"```\n$ {command}\n{result.stdout}{tail}```"

    return BLOCK.sub(rerun, text)


if __name__ == "__main__":
    os.chdir(REPO)
    os.environ.pop("COLUMNS", None)
    readme = REPO / "README.md"
    readme.write_text(refreshed(readme.read_text(encoding="utf-8")), encoding="utf-8")
