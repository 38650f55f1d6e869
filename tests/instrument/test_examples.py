"""examples/service_onnx.py and examples/service_logging.py run from a fresh checkout and
write logs that mlmon reads as the examples say (issue 13)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from mlmon import build_report
from tests.conftest import REPO


def run_example(name: str, out) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(REPO / "examples" / name), str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_service_logging_example(tmp_path):
    result = run_example("service_logging.py", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "mlmon report" in result.stdout and "predictions" in result.stdout
    records = [json.loads(line) for line in (tmp_path / "app.jsonl").read_text().splitlines()]
    failed = [r for r in records if "exc_info" in r]
    report = build_report(str(tmp_path)).to_dict()
    assert report["errors"]["requests"] == 500 and report["errors"]["errors"] == len(failed) > 0
    assert report["predictions"]["count"] == 500 - len(failed)


def test_service_onnx_example(tmp_path):
    pytest.importorskip("onnxruntime")
    result = run_example("service_onnx.py", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    for command in ("reference build", "report", "drift", "check"):
        assert f"$ mlmon {command}" in result.stdout
    report = build_report(str(tmp_path / "today")).to_dict()
    assert report["errors"]["requests"] == 400 and report["errors"]["by_kind"]["invalid_input"] == 8
    assert report["predictions"]["count"] == 392 and report["resources"] is not None
    assert "brightness" in result.stdout and "FAIL" in result.stdout
