"""The "Python API" page's examples (docs/python-api.md) run as written (issue 12): each ```python block of that
page is executed from the repository root, and every ``print(...)  # expected`` line must
print exactly ``expected``, in order."""

from __future__ import annotations

import ast
import contextlib
import io
import re
from pathlib import Path

import pytest

from tests.docs_text import section

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = (
    "build_report",
    "build_drift_report",
    "build_check",
    "build_compare",
    "build_summary",
    "build_reference",
    "build_bench_report",
)


def api_section() -> str:
    return section("Python API")


def blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", api_section(), re.S)


def expected_lines(block: str) -> list[str]:
    """The comment after each top-level ``print(...)`` statement, in order."""
    lines = block.splitlines()
    wanted = []
    for node in ast.parse(block).body:
        call = getattr(node, "value", None)
        if isinstance(node, ast.Expr) and isinstance(call, ast.Call) and getattr(call.func, "id", None) == "print":
            line = lines[node.end_lineno - 1]
            assert "  # " in line, f"a print without its expected output: {line}"
            wanted.append(line.rsplit("  # ", 1)[1].strip())
    return wanted


def test_the_section_has_one_example_per_command():
    found = [
        min((c for c in COMMANDS if f"{c}(" in block), key=lambda c: block.index(f"{c}("), default=None)
        for block in blocks()
    ]
    assert found == list(COMMANDS)


@pytest.mark.parametrize("index", range(len(COMMANDS)), ids=COMMANDS)
def test_each_example_prints_what_it_says(index, monkeypatch):
    monkeypatch.chdir(ROOT)
    block = blocks()[index]
    wanted = expected_lines(block)
    assert wanted, "an example shows what it prints"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, f"docs/python-api.md example {index + 1}", "exec"), {"__name__": "readme_example"})
    assert out.getvalue().splitlines() == wanted
