"""The "Logging predictions from a service" page (docs/instrument.md) runs as shown (issue 13): each
```python block runs in a fresh, empty directory, far from the checkout (the bundled model
is found from the installed package, issue 21 §6), and the logs it writes are read by
mlmon without problems."""

from __future__ import annotations

import json
import logging
import re

import pytest

from mlmon import build_report
from tests import docs_text

HEADING = "Logging predictions from a service: mlmon.instrument"


def section() -> str:
    return docs_text.section(HEADING)


def snippets() -> list[str]:
    return re.findall(r"```python\n(.*?)```", section(), re.S)


def test_the_section_opens_with_the_one_line_start():
    body = section()
    assert body.index("One line to start") < body.index("```python")
    assert "@monitor(PredictionLog(" in snippets()[0]
    assert "never" in body and "logged" in body  # raw inputs are never logged


@pytest.mark.parametrize("index", range(len(snippets())))
def test_readme_snippet_runs_as_shown(index, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    if "onnxruntime" in snippets()[index]:
        pytest.importorskip("onnxruntime")
    logger = logging.getLogger("service")
    before = list(logger.handlers)
    try:
        exec(compile(snippets()[index], f"docs/instrument.md snippet {index + 1}", "exec"), {"__name__": "readme"})
    finally:
        for handler in logger.handlers[len(before) :]:
            handler.close()
        logger.handlers[:] = before
    files = sorted((tmp_path / "logs").iterdir())
    assert files, "the snippet wrote no log"
    records = [json.loads(line) for path in files for line in path.read_text().splitlines()]
    assert records and all(r["ts"].endswith("Z") for r in records)
    report = build_report(str(tmp_path / "logs")).to_dict()
    assert report["records"] == len(records) and report["inputs"]["skipped_lines"] == 0
    labels = [r for r in records if "label" in r]
    assert (report["predictions"] or {"count": 0})["count"] == len(labels)
