"""JUnit XML output (``--format junit``): one test case per finding, for CI test-report
views. Works for any result with findings (report, drift, bench, check, performance, compare).

Layout: a ``<testsuites>`` root holding one ``<testsuite name="mlmon <command>">`` with
``tests``, ``failures``, ``errors`` and ``skipped`` counts (the root repeats the first three:
the Jenkins xunit plugin's schema, ``junit-10.xsd``, allows no ``skipped`` on
``<testsuites>``, and rejects the whole file for it), and one ``<testcase>`` per finding,
i.e. per check and scope. Every element and attribute is one that schema allows
(its rules restated and checked in ``tests/render/test_junit_markdown.py``):

- ``classname="mlmon.<check>"`` (``mlmon.prediction_drift``). Jenkins splits the classname
  at its last dot into package and class, so the scope stays out of it: a version such as
  ``1.4.0`` there would become fake packages.
- ``name="<check>[<scope>]"`` (``prediction_drift[model_version=1.4.0]``), unique within the
  suite: a second finding with the same check and scope gets `` #2`` appended, and so on.
  GitLab keys test cases on classname and name and keeps only the first of a duplicate.

What each finding becomes:

- ok: a passing test case, with the finding's sentence in ``<system-out>``.
- warning or critical (a breach): ``<failure message="..." type="warning|critical">``, the
  sentence again as the element's text, followed by value, threshold and scope.
- unknown whose finding says why (``Finding.unknown``, as ``mlmon check``'s do): missing
  input (no reference, too few samples) is ``<skipped>``, not computable is ``<error>``.
- otherwise, unknown that names missing input (the message says ``insufficient data``, ``no
  reference``, ``no baseline``, ``not computed`` or ``not analysed``, or starts with
  ``no ``): ``<skipped message="...">``. Every unknown mlmon's checks produce today is one
  of these; like mlmon's exit code, a skip never breaks the build.
- any other unknown (a check that could not be computed for a reason this list does not
  name), or a severity this module does not know: ``<error message="..." type="unknown">``.
  GitLab and Jenkins count errors with failures, so a new cause is shown, not hidden.

What the CI systems read. GitLab's unit test reports (``artifacts:reports:junit``) use
testcase ``classname`` (shown as the suite), ``name``, ``file`` and ``time``, and the
element text of ``failure``, ``error``, ``skipped``, ``system-out`` and ``system-err``;
the testsuite name is parsed but not shown. Jenkins' JUnit plugin reads the testsuite
``name``, testcase ``classname`` (package and class), ``name`` and ``time``, the
``message``/``type`` attributes and text of ``failure`` and ``error``, the ``message`` of
``skipped``, and ``system-out``. mlmon writes no ``time`` (a check takes no test time;
both read a missing one as 0) and no ``file``.

``mlmon performance`` adds a test case per window of each version judged against
``--min-accuracy`` (:func:`mlmon.render.performance_parts.window_findings`), named
``accuracy[model_version=V window=START]``: passed, a failure, or skipped with ``waits for N
labels`` while the window lacks the labels to be judged.

``mlmon compare`` has a test case per metric judged (``latency_p99[1.5.0 vs 1.4.0]``): a
pass passes, a marginal or failed metric is a failure (``critical`` for a critical metric
that failed, else ``warning``), no data is skipped; the value is the metric's difference
(:func:`mlmon.render.compare_parts.findings_with_figures`).

The suite's ``mlmon.status`` property is the JSON's ``status``
(:func:`~mlmon.verdicts.findings.status_of`): ``unknown`` when every finding is, ``no
checks`` when there is none. CBPE's ``estimated_accuracy`` and ``estimate_gap`` findings
(``mlmon performance --reference`` with a calibration) are test cases as every finding is.

With no findings (no budget given) the suite has zero test cases; Jenkins' ``junit`` step
then needs ``allowEmptyResults: true``. Text from the logs (versions, labels, feature
names) is escaped by ElementTree; characters XML 1.0 cannot hold (control characters, lone
surrogates) become U+FFFD.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from typing import Any

from mlmon.api.results import BenchReport, CompareReport, DriftReport, PerformanceReport, Report
from mlmon.verdicts.findings import Finding, Severity, Unknown, status_of

PASSED, FAILURE, ERROR, SKIPPED = "passed", "failure", "error", "skipped"
"""What a finding becomes in the report (:func:`outcome`)."""

MISSING_INPUT_MARKERS = ("insufficient data", "no reference", "no baseline", "not computed", "not analysed")
"""An unknown finding whose message contains one of these (or starts with ``no ``) is
skipped: the check had nothing, or too little, to judge."""

_COMMANDS: dict[type, str] = {
    Report: "report",
    DriftReport: "drift",
    BenchReport: "bench",
    PerformanceReport: "performance",
}
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


def render(result: Any, *, color: bool = False) -> str:
    """The JUnit XML document for ``result``, with an XML declaration and a trailing newline."""
    root = build_tree(result)
    ET.indent(root, space="  ")
    return XML_DECLARATION + ET.tostring(root, encoding="unicode") + "\n"


def command_name(result: Any) -> str:
    """The mlmon command that made ``result``: ``report``, ``drift``, ``bench``; for another
    type its ``command`` attribute, else its class name without ``Report``/``Result``."""
    known = _COMMANDS.get(type(result))
    if known:
        return known
    named = getattr(result, "command", None)
    if isinstance(named, str) and named:
        return named
    name = type(result).__name__
    for suffix in ("Report", "Result"):
        if name.endswith(suffix) and name != suffix:
            name = name[: -len(suffix)]
    return name.lower()


def outcome(finding: Finding) -> str:
    """``passed``, ``failure``, ``skipped`` or ``error`` (the rule in the module docstring)."""
    severity = finding.severity
    if severity is Severity.OK:
        return PASSED
    if severity in (Severity.WARNING, Severity.CRITICAL):
        return FAILURE
    if severity is Severity.UNKNOWN and finding.unknown is not None:
        return SKIPPED if finding.unknown is Unknown.MISSING_INPUT else ERROR
    if severity is Severity.UNKNOWN and names_missing_input(finding.message):
        return SKIPPED
    return ERROR


def names_missing_input(message: str) -> bool:
    """True when an unknown finding's message says there was nothing or too little to judge."""
    text = (message or "").strip().lower()
    return text.startswith("no ") or any(marker in text for marker in MISSING_INPUT_MARKERS)


def case_names(findings: tuple[Finding, ...] | list[Finding]) -> list[tuple[str, str]]:
    """``(classname, name)`` per finding, in order; a repeated pair gets `` #2``, `` #3``..."""
    seen: set[tuple[str, str]] = set()
    names = []
    for finding in findings:
        check = xml_text(finding.check).replace(".", "_") or "unnamed"
        classname, base = f"mlmon.{check}", f"{check}[{xml_text(finding.scope)}]"
        name, n = base, 1
        while (classname, name) in seen:
            n += 1
            name = f"{base} #{n}"
        seen.add((classname, name))
        names.append((classname, name))
    return names


def case_findings(result: Any) -> tuple[Finding, ...]:
    """The findings that become test cases: ``result``'s, and for ``mlmon performance``
    one per judged window after them."""
    findings = tuple(result.findings)
    if isinstance(result, CompareReport):
        from mlmon.render.compare_parts import findings_with_figures

        findings = findings_with_figures(result)
    if isinstance(result, PerformanceReport):
        from mlmon.render.performance_parts import window_findings

        findings += window_findings(result)
    return findings


def build_tree(result: Any) -> ET.Element:
    """The ``<testsuites>`` element for ``result`` (anything with ``findings``)."""
    findings = case_findings(result)
    kinds = [outcome(f) for f in findings]
    counts = Counter(kinds)
    totals = {"tests": str(len(findings)), "failures": str(counts[FAILURE]), "errors": str(counts[ERROR])}
    command = xml_text(command_name(result))
    root = ET.Element("testsuites", {"name": "mlmon", **totals})
    suite = ET.SubElement(root, "testsuite", {"name": f"mlmon {command}", **totals, "skipped": str(counts[SKIPPED])})
    properties = ET.SubElement(suite, "properties")
    ET.SubElement(properties, "property", {"name": "mlmon.command", "value": command})
    ET.SubElement(properties, "property", {"name": "mlmon.status", "value": status_of(tuple(result.findings))})
    for finding, kind, (classname, name) in zip(findings, kinds, case_names(findings), strict=True):
        _testcase(suite, finding, kind, classname, name)
    return root


def _testcase(suite: ET.Element, finding: Finding, kind: str, classname: str, name: str) -> None:
    case = ET.SubElement(suite, "testcase", {"classname": classname, "name": name})
    message = xml_text(finding.message)
    details = "\n".join([message, *_evidence(finding)])
    if kind == FAILURE:
        ET.SubElement(case, "failure", {"message": message, "type": finding.severity.value}).text = details
    elif kind == ERROR:
        severity = getattr(finding.severity, "value", str(finding.severity))
        ET.SubElement(case, "error", {"message": message, "type": xml_text(str(severity))}).text = details
    elif kind == SKIPPED:
        ET.SubElement(case, "skipped", {"message": message}).text = details
    else:
        ET.SubElement(case, "system-out").text = details


def _evidence(finding: Finding) -> list[str]:
    lines = [
        f"{label}: {value:.6g}"
        for label, value in (("value", finding.value), ("threshold", finding.threshold))
        if value is not None
    ]
    return [*lines, f"scope: {xml_text(finding.scope)}"]


def xml_text(value: Any) -> str:
    """``value`` as text XML 1.0 can hold: characters it cannot become U+FFFD."""
    return _NOT_XML.sub("\ufffd", "" if value is None else str(value))
