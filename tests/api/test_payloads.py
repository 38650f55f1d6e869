"""A result's ``to_dict()`` is the payload ``mlmon.api.payloads`` builds: exactly the JSON
document ``--format json`` prints, read back (same keys in the same order, same types, no
tuple or numpy number left), built afresh on every call; ``to_json()`` and the JSON
renderer are that payload's text."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from mlmon import CheckOptions, build_bench_report, build_check
from mlmon.api import payloads
from mlmon.render.json_format import render
from mlmon.verdicts.findings import Finding, Severity
from tests.conftest import REPO, SAMPLE_LOGS

REFERENCE = str(REPO / "references" / "train.json")
NOW = datetime(2026, 11, 16, tzinfo=UTC)


@pytest.fixture(scope="module")
def results() -> dict[str, Any]:
    """A check on the sample logs carries the report and the drift of the same read."""
    check = build_check(str(SAMPLE_LOGS), CheckOptions(reference=REFERENCE, window="1d", now=NOW))
    bench = build_bench_report(iterations=3, warmup=0, batch_sizes="1,2", p99_budget="10s", providers="cpu")
    return {"report": check.report, "drift": check.drift, "check": check, "bench": bench}


def assert_plain_and_equal(built: Any, read: Any, where: str = "$") -> None:
    """``built`` equals ``read`` (a document ``json.loads`` gave) value for value and type
    for type: a tuple, a numpy float or an int subclass would pass ``==`` and fail here."""
    assert type(built) is type(read), f"{where}: {type(built).__name__} where JSON reads {type(read).__name__}"
    if isinstance(read, dict):
        assert list(built) == list(read), where
        for key in read:
            assert_plain_and_equal(built[key], read[key], f"{where}.{key}")
    elif isinstance(read, list):
        assert len(built) == len(read), where
        for index, (left, right) in enumerate(zip(built, read)):
            assert_plain_and_equal(left, right, f"{where}[{index}]")
    else:
        assert built == read, where


def emptied(value: Any) -> None:
    """Clear every dict and list inside ``value``, depth first."""
    for item in list(value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()):
        emptied(item)
    if isinstance(value, (dict, list)):
        value.clear()


@pytest.mark.parametrize("kind", ["report", "drift", "check", "bench"])
def test_to_dict_is_the_printed_document_read_back(results, kind):
    result = results[kind]
    text = render(result)
    assert result.to_json() == text == payloads.json_text(result.to_dict())
    assert_plain_and_equal(result.to_dict(), json.loads(text))


@pytest.mark.parametrize("kind", ["report", "drift", "check", "bench"])
def test_each_to_dict_is_a_fresh_document(results, kind):
    """Changing what ``to_dict()`` gave changes neither the result nor the next call's."""
    result = results[kind]
    text = result.to_json()
    emptied(result.to_dict())
    assert result.to_json() == text and result.to_dict() == json.loads(text)


def test_each_document_names_its_schema_version(results):
    """The versions the README documents: report 2, drift 2, check 1, bench 1 (also under
    ``version``)."""
    documents = {kind: result.to_dict() for kind, result in results.items()}
    assert documents["report"]["mlmon_report_version"] == 2 == payloads.REPORT_SCHEMA_VERSION
    assert documents["drift"]["mlmon_drift_version"] == 2 == payloads.DRIFT_SCHEMA_VERSION
    assert documents["check"]["mlmon_check_version"] == 1 == payloads.CHECK_SCHEMA_VERSION
    assert (
        documents["bench"]["mlmon_bench_version"] == 1 == documents["bench"]["version"] == payloads.BENCH_SCHEMA_VERSION
    )
    assert [next(iter(documents[kind])) for kind in ("report", "drift", "check", "bench")] == [
        "mlmon_report_version",
        "mlmon_drift_version",
        "mlmon_check_version",
        "mlmon_bench_version",
    ]


def test_a_result_type_without_a_document_shows_its_status_and_findings():
    @dataclass(frozen=True)
    class Other:
        findings: tuple[Finding, ...]

    other = Other(
        (Finding("latency_p99", Severity.WARNING, "p99 1.2 s over 1 s", scope="all", value=1.2, threshold=1.0),)
    )
    assert json.loads(render(other)) == {
        "status": "warning",
        "findings": [
            {
                "check": "latency_p99",
                "severity": "warning",
                "message": "p99 1.2 s over 1 s",
                "value": 1.2,
                "threshold": 1.0,
                "scope": "all",
                "unknown": None,
            }
        ],
    }
    assert render(Other(())) == '{\n  "status": "no checks",\n  "findings": []\n}\n'


def test_json_text_is_indented_strict_and_ends_with_a_newline():
    assert (
        payloads.json_text({"a": [1, None], "b": "é"}) == '{\n  "a": [\n    1,\n    null\n  ],\n  "b": "\\u00e9"\n}\n'
    )
    with pytest.raises(ValueError):
        payloads.json_text({"x": float("nan")})
