"""Every format's one-word status is the JSON's ``status``
(:func:`mlmon.verdicts.findings.status_of`, the one place): a result whose findings are
all unknown reads ``unknown`` in each (a check that could not be computed is never a pass),
one without findings ``no checks`` (Nagios, which has no such state: UNKNOWN), and one
with a judged finding its worst judged severity. The terminal and Prometheus show no
status word (a finding's mark, a gauge per finding)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mlmon.api.performance import PerformanceOptions, build_performance
from mlmon.render import html, json_format, junit, markdown, nagios
from mlmon.verdicts.findings import Finding, Severity, Unknown
from tests.conftest import sample_result

FORMATS = ("json", "markdown", "html", "junit", "nagios")
COMMANDS = ("report", "drift", "check", "performance")


def status_word(result, fmt: str) -> str:
    """The one word each format gives the whole result, read back from its text."""
    if fmt == "json":
        return json.loads(json_format.render(result))["status"]
    if fmt == "markdown":
        heading = markdown.render(result).splitlines()[0]
        return re.fullmatch(r"## mlmon \w+: (.+)", heading).group(1)
    if fmt == "html":
        page = html.render(result)
        title = re.search(r"<title>mlmon \w+: ([^<]+)</title>", page).group(1)
        badge = re.search(r'<h1>mlmon \w+ <span class="badge sev-([a-z]+)">([^<]+)</span></h1>', page)
        assert badge.group(2) == title and badge.group(1) == ("unknown" if title == "no checks" else title)
        return title
    if fmt == "junit":
        root = ET.fromstring(junit.render(result).encode())
        return root.find(".//properties/property[@name='mlmon.status']").get("value")
    line = nagios.render(result)
    state = re.match(r"MLMON (OK|WARNING|CRITICAL|UNKNOWN) - ", line).group(1)
    assert nagios.exit_code(result) == ("OK", "WARNING", "CRITICAL", "UNKNOWN").index(state)
    return state.lower()


def unlabelled_logs(folder: Path) -> Path:
    """Two days of predictions with request ids and not one label: no window can be judged."""
    t0 = datetime(2026, 11, 2, tzinfo=UTC)
    records = [
        {"ts": (t0 + timedelta(minutes=20 * i)).isoformat(), "request_id": f"r{i}", "label": "cat" if i % 3 else "dog"}
        for i in range(144)
    ]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "app.log").write_text("".join(json.dumps(r) + "\n" for r in records))
    return folder / "app.log"


@pytest.fixture(scope="module")
def judged_results(tmp_path_factory) -> dict[str, object]:
    """A result of each command with findings that were judged (some ok, some breached)."""
    log = unlabelled_logs(tmp_path_factory.mktemp("status"))
    return {
        "report": sample_result("report", p99_budget="80ms", max_error_rate="2%"),
        "drift": sample_result("drift", reference="references/train.json", window="1d"),
        "check": sample_result("check", reference="references/train.json", window="1d"),
        "performance": build_performance(str(log), PerformanceOptions(window="1d", min_accuracy="80%")),
    }


def all_unknown(result, command: str):
    """``result`` with every finding unknown: performance's own (no window has labels, so
    ``--min-accuracy`` judges nothing), the others' made so."""
    if command == "performance":
        return result
    findings = tuple(
        replace(f, severity=Severity.UNKNOWN, unknown=Unknown.MISSING_INPUT, message=f"no data for {f.check}")
        for f in result.findings
    )
    return replace(result, findings=findings)


def test_the_performance_result_is_all_unknown_of_itself(judged_results):
    """No label at all: each version's accuracy finding is unknown, as the module assumes."""
    findings = judged_results["performance"].findings
    assert findings and {f.severity for f in findings} == {Severity.UNKNOWN}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_all_unknown_findings_read_unknown_in_every_format(judged_results, command, fmt):
    result = all_unknown(judged_results[command], command)
    assert result.findings and all(f.severity is Severity.UNKNOWN for f in result.findings)
    assert status_word(result, fmt) == "unknown"


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_findings_read_no_checks(judged_results, fmt):
    """No finding at all: ``no checks`` (Nagios: UNKNOWN), never ``ok``."""
    result = replace(judged_results["report"], findings=())
    assert status_word(result, fmt) == ("unknown" if fmt == "nagios" else "no checks")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_judged_finding_beside_unknown_ones_gives_its_severity(judged_results, fmt):
    """One ok finding among unknown ones: ``ok``; a warning among ok ones: ``warning``."""
    base = judged_results["report"]
    unknown = Finding("latency_p99", Severity.UNKNOWN, "no latency field", unknown=Unknown.MISSING_INPUT)
    ok = Finding("error_rate", Severity.OK, "error rate 1.0% is within the 2.0% limit", 0.01, 0.02)
    warning = Finding("error_rate", Severity.WARNING, "error rate 1.9% is near the 2.0% limit", 0.019, 0.02, "x")
    assert status_word(replace(base, findings=(unknown, ok)), fmt) == "ok"
    assert status_word(replace(base, findings=(unknown, ok, warning)), fmt) == "warning"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_format_says_what_the_json_says(judged_results, command):
    result = judged_results[command]
    words = {fmt: status_word(result, fmt) for fmt in FORMATS}
    assert set(words.values()) == {result.status}, words
