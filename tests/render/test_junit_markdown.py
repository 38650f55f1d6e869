"""``--format junit`` and ``--format markdown`` (issue 11) on real results from the sample
logs, plus GitHub Actions annotations and the step-summary size cap."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest

from mlmon.api.results import BenchReport
from mlmon.render import github, junit, markdown
from mlmon.verdicts.findings import Finding, Severity
from tests.conftest import REPO, sample_result

MIB = 1024 * 1024
BREACH = (Severity.WARNING, Severity.CRITICAL)


@dataclass(frozen=True)
class CheckResult:
    """Stands for a result type the renderers do not know (the coming ``mlmon check``)."""

    findings: tuple[Finding, ...]


@pytest.fixture(scope="module")
def drift(sample_drift):
    """``build_drift_report("sample_logs/", DriftOptions(reference="references/train.json", window="1d"))``."""
    return sample_drift


@pytest.fixture(scope="module")
def drift_without_reference():
    return sample_result("drift", window="1d")


@pytest.fixture(scope="module")
def report(sample_report):
    """``build_report("sample_logs/", ReportOptions(p99_budget_ms=80.0, max_error_rate=0.02))``."""
    return sample_report


def parse(result) -> tuple[str, ET.Element]:
    text = junit.render(result)
    return text, ET.fromstring(text.encode("utf-8"))


def outcome_of(case: ET.Element) -> str:
    kinds = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
    assert len(kinds) <= 1
    return kinds[0] if kinds else "passed"


# --- the Jenkins xunit plugin's JUnit schema, junit-10.xsd ------------------------------
# The rules of jenkinsci/xunit-plugin's src/main/resources/org/jenkinsci/plugins/xunit/
# types/model/xsd/junit-10.xsd (commit 031e285), restated element by element: which
# attributes each global element takes (and which are required, and the pattern of
# ``time``), which children it may hold, and whether it holds text. The schema itself is
# not copied here; set MLMON_JUNIT_XSD to a copy of it to also run libxml2's xmllint.

TIME = re.compile(r"(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]*)?")
RESULT = ("message", "type")
RERUN_CHILDREN = ("stackTrace", "system-err", "system-out")


@dataclass(frozen=True)
class ElementRule:
    """What the schema allows one element: its attributes (with the required ones and any
    pattern their type imposes), its child elements, and whether it may hold text."""

    attributes: frozenset[str]
    required: frozenset[str] = frozenset()
    patterns: dict = field(default_factory=dict)
    children: frozenset[str] = frozenset()
    text: bool = False


def _rule(attributes=(), required=(), children=(), text=False, patterns=None) -> ElementRule:
    return ElementRule(frozenset(attributes), frozenset(required), patterns or {}, frozenset(children), text)


JUNIT_10 = {
    "testsuites": _rule(
        ("name", "time", "tests", "failures", "errors"), children=("testsuite",), patterns={"time": TIME}
    ),
    "testsuite": _rule(
        (
            "name",
            "tests",
            "failures",
            "errors",
            "skipped",
            "time",
            "timestamp",
            "hostname",
            "id",
            "package",
            "file",
            "log",
            "url",
            "group",
        ),
        ("name", "tests", "failures", "errors"),
        ("properties", "testcase", "testsuite", "system-out", "system-err"),
        patterns={"time": TIME},
    ),
    "properties": _rule(children=("property",)),
    "property": _rule(("name", "value"), ("name", "value")),
    "testcase": _rule(
        ("name", "time", "classname", "group"),
        ("name",),
        (
            "skipped",
            "error",
            "failure",
            "rerunFailure",
            "rerunError",
            "flakyFailure",
            "flakyError",
            "system-out",
            "system-err",
        ),
    ),
    **{name: _rule(RESULT, text=True) for name in ("failure", "error", "skipped")},
    **{
        name: _rule(RESULT, ("type",), RERUN_CHILDREN, text=True)
        for name in ("rerunFailure", "rerunError", "flakyFailure", "flakyError")
    },
    **{name: _rule(text=True) for name in ("system-out", "system-err")},
}


def schema_rules() -> dict[str, ElementRule]:
    """junit-10.xsd's rules (:data:`JUNIT_10`)."""
    return JUNIT_10


def schema_problems(root: ET.Element, rules: dict[str, ElementRule] | None = None) -> list[str]:
    """Everything in the document the schema does not allow: an element it does not
    declare (or a root other than a global element), an attribute it does not list, a
    required one missing, a value its pattern rejects, a child it does not allow, text
    where none may be. Order and counts of children are not checked (junit-10.xsd's
    choices are unbounded, except properties' sequence of property, which mlmon keeps)."""
    rules = rules if rules is not None else schema_rules()
    problems = []

    def visit(element: ET.Element, where: str) -> None:
        rule = rules.get(element.tag)
        if rule is None:
            problems.append(f"{where}: element not in the schema")
            return
        problems.extend(
            f"{where}: attribute {name!r} not allowed" for name in sorted(set(element.attrib) - rule.attributes)
        )
        problems.extend(f"{where}: attribute {name!r} required" for name in sorted(rule.required - set(element.attrib)))
        problems.extend(
            f"{where}: {name}={element.get(name)!r} does not match its type"
            for name, pattern in rule.patterns.items()
            if name in element.attrib and not pattern.fullmatch(element.get(name))
        )
        if not rule.text and (element.text or "").strip():
            problems.append(f"{where}: text not allowed")
        for child in element:
            if child.tag not in rule.children:
                problems.append(f"{where}/{child.tag}: not allowed in {element.tag}")
            else:
                visit(child, f"{where}/{child.tag}")
            if not rule.text and (child.tail or "").strip():
                problems.append(f"{where}: text not allowed")

    visit(root, root.tag)
    return problems


def check_counts(root: ET.Element, findings) -> None:
    suites = root.findall("testsuite")
    assert root.tag == "testsuites" and len(suites) == 1
    cases = suites[0].findall("testcase")
    assert len(cases) == len(findings)
    kinds = [outcome_of(c) for c in cases]
    for element in (root, suites[0]):
        assert element.get("tests") == str(len(findings))
        assert element.get("failures") == str(kinds.count("failure"))
        assert element.get("errors") == str(kinds.count("error"))
    assert suites[0].get("skipped") == str(kinds.count("skipped")) and root.get("skipped") is None  # junit-10.xsd
    assert schema_problems(root) == []
    assert kinds.count("failure") == sum(f.severity in BREACH for f in findings)
    names = [(c.get("classname"), c.get("name")) for c in cases]
    assert len(set(names)) == len(names)
    for (classname, name), finding in zip(names, findings, strict=True):
        assert re.fullmatch(r"mlmon\.[^.]+", classname), classname
        assert classname == f"mlmon.{finding.check}"
        assert name.startswith(f"{finding.check}[{finding.scope}]")


def test_junit_drift_criticals_are_failures(drift):
    text, root = parse(drift)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n') and text.endswith("\n")
    assert root.find("testsuite").get("name") == "mlmon drift"
    check_counts(root, drift.findings)
    cases = {c.get("name"): c for c in root.iter("testcase")}
    for check in ("prediction_drift", "confidence_collapse", "feature_drift"):
        finding = next(f for f in drift.findings if f.check == check)
        failure = cases[f"{check}[{finding.scope}]"].find("failure")
        assert failure is not None and failure.get("type") == "critical" == finding.severity.value
        assert failure.get("message") == finding.message and failure.text.startswith(finding.message)
    assert next(iter(cases)) == "prediction_drift[model_version=1.4.0]"
    # Sunday's canary 1.5.0: its class shares a warning, its confidence collapse critical
    canary = {f.check: f.severity.value for f in drift.findings if f.scope == "model_version=1.5.0"}
    assert canary == {"prediction_drift": "warning", "confidence_collapse": "critical"}


def test_junit_failure_type_is_the_severity(drift, report):
    for result in (drift, report):
        _, root = parse(result)
        for case, finding in zip(root.iter("testcase"), result.findings, strict=True):
            failure = case.find("failure")
            if finding.severity in BREACH:
                assert failure.get("type") == finding.severity.value
            else:
                assert failure is None


def test_junit_report_passes_and_fails(report):
    _, root = parse(report)
    assert root.find("testsuite").get("name") == "mlmon report"
    check_counts(root, report.findings)
    by_class = {c.get("classname"): c for c in root.iter("testcase")}
    assert by_class["mlmon.latency_p99"].find("failure").get("type") == "critical"
    passing = by_class["mlmon.error_rate"]
    assert outcome_of(passing) == "passed" and "within the 2.00% limit" in passing.find("system-out").text


def test_junit_checks_without_a_reference_are_skipped(drift_without_reference):
    _, root = parse(drift_without_reference)
    check_counts(root, drift_without_reference.findings)
    by_class = {c.get("classname"): c for c in root.iter("testcase")}
    for check in ("prediction_drift", "feature_drift"):
        skipped = by_class[f"mlmon.{check}"].find("skipped")
        assert skipped is not None and "no reference profile" in skipped.get("message")
    assert root.find("testsuite").get("skipped") == "2" and root.get("errors") == "0"


def test_junit_outcome_rule_for_unknown_findings():
    findings = (
        Finding(
            "prediction_drift",
            Severity.UNKNOWN,
            "insufficient data: no window has 200 predictions",
            scope="model_version=2",
        ),
        Finding("latency_p99", Severity.UNKNOWN, "no latency values to check against the p99 budget"),
        Finding(
            "confidence_collapse",
            Severity.UNKNOWN,
            "no baseline: no reference confidence and no earlier window with enough data",
        ),
        Finding("feature_drift", Severity.UNKNOWN, "feature drift not computed: the logs carry no inputs"),
        Finding("error_rate", Severity.UNKNOWN, "could not compute the rate: division by zero"),
        Finding("latency_p99", Severity.OK, "p99 latency 5.0 ms is within the 10 ms budget"),
    )
    assert [junit.outcome(f) for f in findings] == ["skipped"] * 4 + ["error", "passed"]
    _, root = parse(CheckResult(findings))
    check_counts(root, findings)
    assert (root.find("testsuite").get("skipped"), root.get("errors"), root.get("failures")) == ("4", "1", "0")
    error = root.find(".//testcase[@classname='mlmon.error_rate']/error")
    assert error.get("type") == "unknown" and error.get("message") == findings[4].message


def test_junit_names_a_result_type_it_does_not_know_and_an_empty_one():
    _, root = parse(CheckResult(()))
    suite = root.find("testsuite")
    assert suite.get("name") == "mlmon check" and suite.get("tests") == "0" and suite.findall("testcase") == []


def test_junit_names_are_unique_when_check_and_scope_repeat():
    findings = tuple(Finding("feature_drift", Severity.WARNING, f"feature {i} moved") for i in range(3))
    _, root = parse(CheckResult(findings))
    assert [c.get("name") for c in root.iter("testcase")] == [
        "feature_drift[all]",
        "feature_drift[all] #2",
        "feature_drift[all] #3",
    ]
    check_counts(root, findings)


def test_junit_escapes_text_from_the_logs():
    message = "label <b>\"x\" & 'y'\x00\x1b\ud800 moved\nsecond line"
    scope = "model_version=1.4.0]<&"
    finding = Finding("prediction_drift", Severity.CRITICAL, message, 0.5, 0.25, scope)
    text, root = parse(CheckResult((finding,)))
    case = root.find("testsuite/testcase")
    clean = "label <b>\"x\" & 'y'\ufffd\ufffd\ufffd moved\nsecond line"
    assert case.get("classname") == "mlmon.prediction_drift" and case.get("name") == f"prediction_drift[{scope}]"
    assert case.find("failure").get("message") == clean
    assert case.find("failure").text == f"{clean}\nvalue: 0.5\nthreshold: 0.25\nscope: {scope}"
    text.encode("utf-8")  # no lone surrogate left


def test_bench_results_render_in_both_formats():
    findings = (
        Finding(
            "latency_p99", Severity.CRITICAL, "p99 latency 12.5 ms is over the 10 ms budget", 12.5, 10.0, "batch=8"
        ),
        Finding("latency_p99", Severity.OK, "p99 latency 4.000 ms is within the 10 ms budget", 4.0, 10.0, "batch=1"),
    )
    result = SimpleNamespace(model=SimpleNamespace(name="model.onnx"), configs=(1, 2))
    bench = BenchReport(result, 10.0, findings)  # type: ignore[arg-type]
    _, root = parse(bench)
    assert root.find("testsuite").get("name") == "mlmon bench"
    check_counts(root, findings)
    text = markdown.render(bench)
    assert (
        text.startswith("## mlmon bench: critical\n")
        and "- configurations: 2" in text
        and "- p99 budget: 10 ms" in text
    )
    assert table_rows(text) == [[f.severity.value, f.check, f.scope, f.message] for f in findings]


# --- every JUnit file mlmon writes meets junit-10.xsd (issue 22 §7) ----------------------


def test_the_schema_rules_are_junit_10s():
    """The validator reads what the issue quotes: ``testsuites`` takes name, time, tests,
    failures and errors; and it rejects what mlmon used to write (``skipped`` there)."""
    rules = schema_rules()
    assert rules["testsuites"].attributes == {"name", "time", "tests", "failures", "errors"}
    assert (
        rules["testsuite"].required == {"name", "tests", "failures", "errors"}
        and "skipped" in rules["testsuite"].attributes
    )
    assert rules["testcase"].attributes == {"name", "time", "classname", "group"} and rules["testcase"].required == {
        "name"
    }
    assert rules["failure"].text and rules["system-out"].text and not rules["testsuites"].text
    old = ET.fromstring(
        '<testsuites name="mlmon" tests="0" failures="0" errors="0" skipped="0"><testsuite name="s" '
        'tests="0" failures="0" errors="0"/></testsuites>'
    )
    assert schema_problems(old) == ["testsuites: attribute 'skipped' not allowed"]
    bad = ET.fromstring(
        '<testsuite tests="1" failures="0" errors="0" time="1.5s">x<testcase classname="c" '
        'file="f.py"><failure foo="1"/><bogus/></testcase></testsuite>'
    )
    assert schema_problems(bad) == [
        "testsuite: attribute 'name' required",
        "testsuite: time='1.5s' does not match its type",
        "testsuite: text not allowed",
        "testsuite/testcase: attribute 'file' not allowed",
        "testsuite/testcase: attribute 'name' required",
        "testsuite/testcase/failure: attribute 'foo' not allowed",
        "testsuite/testcase/bogus: not allowed in testcase",
    ]


@pytest.fixture(scope="module")
def junit_documents(report, drift, drift_without_reference, tmp_path_factory):
    """mlmon's JUnit output for every kind of result and outcome: report, drift with and
    without a reference, bench, unknowns (skipped and error), no findings, text to escape,
    ``mlmon check`` on the sample logs with the example config, and ``mlmon performance``
    (a case per window, immature ones skipped) with and without a minimum."""
    from mlmon.api.performance import PerformanceOptions, build_performance
    from tests.render.test_performance_formats import labelled_logs

    labelled = str(labelled_logs(tmp_path_factory.mktemp("junit") / "logs"))
    bench = BenchReport(
        SimpleNamespace(model=SimpleNamespace(name="m.onnx"), configs=(1,)),
        10.0,  # type: ignore[arg-type]
        (Finding("latency_p99", Severity.CRITICAL, "slow", 12.5, 10.0, "batch_size=8"),),
    )
    odd = Finding("prediction_drift", Severity.CRITICAL, 'a <b> & "c" \x1b', 0.5, 0.25, "model_version=1.4.0]<&")
    unknowns = CheckResult(
        (
            Finding("prediction_drift", Severity.UNKNOWN, "insufficient data: 3 < 200"),
            Finding("error_rate", Severity.UNKNOWN, "could not compute the rate"),
        )
    )
    from typer.testing import CliRunner

    from mlmon.cli import app

    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(REPO)
        check = CliRunner().invoke(
            app, ["check", "sample_logs/", "--config", "examples/mlmon.toml", "--window", "1d", "--format", "junit"]
        )
    assert check.exit_code in (0, 1) and check.stdout.startswith("<?xml"), check.output
    documents = {
        name: junit.render(result)
        for name, result in {
            "report": report,
            "drift": drift,
            "drift_without_reference": drift_without_reference,
            "bench": bench,
            "unknowns": unknowns,
            "empty": CheckResult(()),
            "escaped": CheckResult((odd,)),
            "performance": build_performance(labelled, PerformanceOptions(window="1d", min_accuracy="80%")),
            "performance without a minimum": build_performance(labelled, PerformanceOptions(window="1d")),
        }.items()
    }
    return {**documents, "check": check.stdout}


def test_every_junit_document_meets_the_schema(junit_documents):
    for name, text in junit_documents.items():
        root = ET.fromstring(text.encode("utf-8"))
        assert root.tag == "testsuites" and root.get("skipped") is None, name
        assert schema_problems(root) == [], name
    kinds = {child.tag for text in junit_documents.values() for child in ET.fromstring(text.encode()).iter()}
    assert {
        "failure",
        "error",
        "skipped",
        "system-out",
        "properties",
        "property",
    } <= kinds  # every element mlmon writes was seen


def test_xmllint_validates_every_junit_document_against_the_xsd(junit_documents, tmp_path):
    """The real validator, libxml2's ``xmllint --schema``, where it and a copy of
    junit-10.xsd (``MLMON_JUNIT_XSD``) are at hand."""
    xmllint, xsd = shutil.which("xmllint"), os.environ.get("MLMON_JUNIT_XSD")
    if xmllint is None or not xsd:
        pytest.skip(
            "xmllint (apt-get install libxml2-utils) and MLMON_JUNIT_XSD, a copy of the xunit plugin's "
            "junit-10.xsd, are needed"
        )
    old = tmp_path / "old.xml"
    old.write_text(
        junit_documents["report"].replace('<testsuites name="mlmon" ', '<testsuites name="mlmon" skipped="0" ')
    )
    rejected = subprocess.run([xmllint, "--noout", "--schema", xsd, str(old)], capture_output=True, text=True)
    assert rejected.returncode != 0 and "skipped" in rejected.stderr  # the tool sees what the issue reports
    for name, text in junit_documents.items():
        path = tmp_path / f"{name}.xml"
        path.write_text(text, encoding="utf-8")
        done = subprocess.run([xmllint, "--noout", "--schema", xsd, str(path)], capture_output=True, text=True)
        assert done.returncode == 0, f"{name}: {done.stderr}"


def table_rows(text: str) -> list[list[str]]:
    """The finding rows of the Markdown table, each cell unescaped."""
    lines = text.splitlines()
    start = lines.index("| status | check | scope | finding |") + 2
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        cells = re.split(r"(?<!\\)\|", line.strip()[1:-1])  # our escaping never leaves "\\|"
        rows.append([re.sub(r"\\(.)", r"\1", c.strip()).replace("<br>", "\n").strip("`*") for c in cells])
    return rows


@pytest.mark.parametrize("name", ["drift", "report", "drift_without_reference"])
def test_markdown_table_rows_match_the_findings(name, request):
    result = request.getfixturevalue(name)
    text = markdown.render(result)
    command = "report" if name == "report" else "drift"
    assert text.splitlines()[0] == f"## mlmon {command}: critical"
    expected = [[f.severity.value, f.check, f.scope, f.message] for f in result.findings]
    assert table_rows(text) == expected
    assert f"- records read: {result.ingest.records:,} from {len(result.ingest.files)} files" in text


def test_markdown_key_numbers(report, drift):
    text = markdown.render(report)
    assert "- time span: 2026-11-09T00:00:00.219000Z to 2026-11-15T23:59:52.053723Z" in text
    assert "- p99 latency: 147.7 ms" in text  # generate.py --truth: total.latency_ms_all.p99 147.716
    assert "- reference: references/train.json (built from references/train.csv) (5,000 rows)" in markdown.render(drift)


def test_markdown_escapes_pipes_and_line_breaks():
    findings = (Finding("feature_drift", Severity.WARNING, "a|b\nc <i>d</i> *e* _f_ \\|g", scope="feature=x|y"),)
    text = markdown.render(CheckResult(findings))
    row = [line for line in text.splitlines() if line.startswith("| **warning**")]
    assert row == [
        "| **warning** | `feature_drift` | feature=x\\|y | a\\|b<br>c \\<i>d\\</i> \\*e\\* \\_f\\_ \\\\\\|g |"
    ]
    assert table_rows(text) == [["warning", "feature_drift", "feature=x|y", "a|b\nc <i>d</i> *e* _f_ \\|g"]]
    assert text.startswith("## mlmon check: warning\n")


def test_markdown_without_findings_says_so(report):
    text = markdown.render(CheckResult(()))
    assert text.startswith("## mlmon check: no checks\n") and "| status |" not in text


def test_annotations_escape_as_the_actions_toolkit_does():
    message = "p99 100% over: a,b\nnext\r"
    scope = "model_version=1.4.0, window=2026-11-12T00:00:00Z"
    findings = (
        Finding("latency_p99", Severity.CRITICAL, message, scope=scope),
        Finding("error_rate", Severity.WARNING, "50% of 2, then: more", scope="all"),
        Finding("error_rate", Severity.OK, "fine"),
        Finding("error_rate", Severity.UNKNOWN, "no requests"),
    )
    assert github.github_annotations(CheckResult(findings)) == [
        (
            "::error title=latency_p99 (model_version=1.4.0%2C window=2026-11-12T00%3A00%3A00Z)::p99 100%25 "
            "over: a,b%0Anext%0D"
        ),
        "::warning title=error_rate (all)::50%25 of 2, then: more",
    ]


def test_annotations_at_most_ten_of_each_kind():
    findings = tuple(
        Finding("feature_drift", severity, f"{severity.value} {i}", scope=f"feature=f{i}")
        for i in range(25)
        for severity in (Severity.CRITICAL, Severity.WARNING, Severity.OK)
    )
    lines = github.github_annotations(CheckResult(findings))
    errors = [line for line in lines if line.startswith("::error ")]
    warnings = [line for line in lines if line.startswith("::warning ")]
    assert len(errors) == 10 and len(warnings) == 10 and len(lines) == 20
    assert errors[0] == "::error title=feature_drift (feature=f0)::critical 0"
    assert warnings[-1] == "::warning title=feature_drift (feature=f9)::warning 9"


def test_annotations_of_a_real_drift(drift):
    lines = github.github_annotations(drift)
    errors = [line for line in lines if line.startswith("::error title=")]
    assert len(errors) == 4 and len(lines) == 5  # the warning: the canary 1.5.0's class shares
    assert lines[0].startswith("::error title=prediction_drift (model_version=1.4.0)::prediction drift in 4 of 7")
    assert any(
        line.startswith("::warning title=prediction_drift (model_version=1.5.0)::prediction drift in 1 of 1")
        for line in lines
    )


def test_step_summary_appends_in_full_when_it_fits(tmp_path, report):
    path = tmp_path / "summary.md"
    path.write_text("earlier step", encoding="utf-8")
    text = markdown.render(report)
    done = github.append_step_summary(text, path)
    assert done.outcome == "written" and done.detail == "" and not done
    assert path.read_text(encoding="utf-8") == "earlier step\n" + text
    assert done.bytes_written == len(text.encode()) + 1


def test_step_summary_never_passes_one_mib(tmp_path, drift):
    path = tmp_path / "summary.md"
    path.write_bytes(b"x" * (MIB - 101) + b"\n")  # 1 MiB - 100 bytes
    text = markdown.render(drift)
    done = github.append_step_summary(text, path)
    assert done.outcome == "truncated" and "1 MiB" in done.detail and done and str(done) == done.detail
    assert path.stat().st_size <= MIB
    added = path.read_bytes()[MIB - 100 :].decode("utf-8")
    assert added.startswith("## mlmon drift: critical\n") and added.endswith(github.TRUNCATION_NOTE)
    assert len(added.encode()) == done.bytes_written
    again = github.append_step_summary(text, path)
    assert again.outcome == "not_written" and again.bytes_written == 0 and "1 MiB" in again.detail
    assert path.stat().st_size == MIB - 100 + done.bytes_written


def test_step_summary_cuts_whole_lines_only(tmp_path):
    path = tmp_path / "summary.md"
    text = "".join(f"| é{i} | {'ü' * 50} |\n" for i in range(30000))  # about 3.1 MB
    done = github.append_step_summary(text, path)
    data = path.read_bytes()
    assert done.outcome == "truncated" and MIB - 200 < len(data) <= MIB
    body = data.decode("utf-8").removesuffix(github.TRUNCATION_NOTE)
    assert body.endswith("|\n") and text.startswith(body)


def test_step_summary_not_written_without_a_file(tmp_path):
    assert github.append_step_summary("x\n", None).outcome == "not_written"
    done = github.append_step_summary("x\n", tmp_path)  # a directory
    assert done.outcome == "not_written" and str(tmp_path) in done.detail


def test_loading_the_new_renderers_loads_no_heavy_library():
    code = (
        "import sys, mlmon.render.junit, mlmon.render.markdown; print([m for m in ('polars', 'numpy', "
        "'scipy', 'onnxruntime') if m in sys.modules])"
    )
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"
    )
