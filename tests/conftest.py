"""Shared fixtures: small log files written per test, and a CLI runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
SAMPLE_LOGS = REPO / "sample_logs"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def write_lines(tmp_path: Path):
    """Write raw lines (str or dict) to a file and return its path."""

    def write(name: str, lines: list, newline: str = "\n", final_newline: bool = True) -> Path:
        path = tmp_path / name
        text = newline.join(json.dumps(line) if isinstance(line, dict) else line for line in lines)
        path.write_text(text + (newline if final_newline else ""), encoding="utf-8")
        return path

    return write


@pytest.fixture(autouse=True)
def _piped_terminal_width(monkeypatch):
    """Terminal text is tested at the piped width: a COLUMNS exported by the shell running
    pytest must not reach it (tests that want a width pass COLUMNS themselves)."""
    monkeypatch.delenv("COLUMNS", raising=False)
