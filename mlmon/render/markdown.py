"""Markdown output (``--format markdown``): a GitHub-flavoured summary of any result with
findings (report, drift, bench, check, performance), made for ``$GITHUB_STEP_SUMMARY`` and
pull-request comments: a heading with the command and overall status (the JSON's
``status``, :func:`~mlmon.verdicts.findings.status_of`: ``unknown`` when no check could be
judged, never ``ok``), a few key numbers (records read, time span, reference), and one
table row per finding (status, check, scope, finding). ``mlmon performance`` shows, before
its findings, a table per model version with one row per window, as the terminal does
(with CBPE's estimate, the reference's band and the gap when the reference has a
calibration). ``mlmon report --by`` shows, before its findings, the ``By <items>`` table, a row per
group as the terminal shows it. ``mlmon compare`` shows its verdict, sides, metrics, classes and shadow
traffic as tables in place of the findings (:mod:`mlmon.render.markdown_compare`).

Text from the logs is escaped for a table cell: backslash and the characters Markdown or
HTML would read (``| * ` [ ] < & ~``, and ``_`` unless it sits between two letters or
digits, where GitHub never reads it as emphasis) get a backslash, and a line break becomes
``<br>``, so a label or version can neither split a row nor inject markup.

In GitHub Actions the format delivers more than its text (:func:`deliver_beside`, which
the CLI calls for the format): annotations and the step summary, made in
:mod:`mlmon.render.github`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from mlmon.api.results import BenchReport, CheckReport, CompareReport, DriftReport, PerformanceReport, Report
from mlmon.plain import iso_utc
from mlmon.render.github import deliver_in_actions
from mlmon.render.human import class_overlap_lines, feature_overlap_lines, reference_name
from mlmon.render.junit import command_name
from mlmon.verdicts.findings import Finding, Severity, status_of

_MD_SPECIAL = re.compile(r"([\\`*\[\]<|&~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
_SAFE_CHECK = re.compile(r"[A-Za-z0-9_.-]+")
_BREACHES = (Severity.CRITICAL, Severity.WARNING)


def render(result: Any, *, color: bool = False) -> str:
    """The Markdown summary of ``result``, ending with a newline."""
    findings = tuple(result.findings)
    status = status_of(findings)
    lines = [f"## mlmon {cell(command_name(result))}: {status}", ""]
    if isinstance(result, CompareReport):
        from mlmon.render.markdown_compare import compare_lines

        return "\n".join(lines + compare_lines(result, cell)) + "\n"
    facts = key_numbers(result)
    if facts:
        lines += [f"- {fact}" for fact in facts] + [""]
    if isinstance(result, PerformanceReport):
        lines += _performance_tables(result)
    if isinstance(result, BenchReport) and result.ab is not None:
        lines += _ab_table(result)
    if isinstance(result, Report) and result.groups:
        lines += groups_table(result)
    if not findings:
        lines.append("No checks ran: give a budget, a limit or a reference to check against.")
        return "\n".join(lines) + "\n"
    lines += [_tally(findings), "", "| status | check | scope | finding |", "|---|---|---|---|"]
    lines += [table_row(f) for f in findings]
    return "\n".join(lines) + "\n"


def table_row(finding: Finding) -> str:
    """One row: status (bold for a breach), check, scope, message."""
    status = finding.severity.value
    if finding.severity in _BREACHES:
        status = f"**{status}**"
    check = f"`{finding.check}`" if _SAFE_CHECK.fullmatch(finding.check or "") else cell(finding.check)
    return f"| {status} | {check} | {cell(finding.scope)} | {cell(finding.message)} |"


def cell(value: Any) -> str:
    """``value`` safe inside a GitHub table cell (see the module docstring)."""
    text = _MD_SPECIAL.sub(r"\\\1", "" if value is None else str(value))
    return "<br>".join(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))


def _tally(findings: tuple[Finding, ...]) -> str:
    order = (Severity.CRITICAL, Severity.WARNING, Severity.UNKNOWN, Severity.OK)
    parts = [f"{n} {s.value}" for s in order if (n := sum(f.severity is s for f in findings))]
    return f"{len(findings)} finding{'' if len(findings) == 1 else 's'}: {', '.join(parts)}."


def key_numbers(result: Any) -> list[str]:
    """A few facts worth a glance, as Markdown list items (without the ``- ``)."""
    if isinstance(result, Report):
        return _report_numbers(result)
    if isinstance(result, DriftReport):
        return _drift_numbers(result)
    if isinstance(result, BenchReport):
        return _bench_numbers(result)
    if isinstance(result, CheckReport):
        return _check_numbers(result)
    if isinstance(result, PerformanceReport):
        return _performance_numbers(result)
    return []


def groups_table(report: Report) -> list[str]:
    """``report --by``: the ``By <items>`` table, a row per group, as the terminal's
    (:mod:`mlmon.render.group_rows`), and the note naming an item no record has."""
    from mlmon.render.group_rows import absent_items, group_cells, group_headers

    headers, factor = group_headers(report.groups)
    items = len(report.groups[0].by)
    lines = [f"### By {cell(', '.join(report.groups[0].by))}", ""]
    lines += ["| " + " | ".join(cell(h) for h in headers) + " |", "|" + "|".join(["---"] * items + ["---:"] * 6) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in group_cells(g, factor)) + " |" for g in report.groups]
    absent = absent_items(report.groups)
    return [*lines, *(["", cell(absent)] if absent else []), ""]


def _performance_numbers(report: PerformanceReport) -> list[str]:
    from mlmon.render.performance_parts import labels_line, maturity_line

    starts = [j.window.start for j in report.windows]
    ends = [j.window.end for j in report.windows]
    facts = [_records(report.ingest), *_span(min(starts, default=None), max(ends, default=None))]
    facts += [f"windows: {report.window.describe()}", cell(labels_line(report)), cell(maturity_line(report))]
    return facts


def _performance_tables(report: PerformanceReport) -> list[str]:
    """A table per model version, one row per window (a window not judged yet says how many
    labels it waits for)."""
    from mlmon.render.performance_parts import by_version, has_estimates, headers, numeric, version_name, window_cells

    lines: list[str] = []
    for version, judged in by_version(report).items():
        names, estimated = headers(report, judged), has_estimates(judged)
        rule = "|".join("---:" if i in numeric(judged) else "---" for i in range(len(names)))
        lines += [f"### Realized performance, {cell(version_name(version))}", ""]
        lines += ["| " + " | ".join(names) + " |", f"|{rule}|"]
        lines += ["| " + " | ".join(cell(c) for c in window_cells(report, j, estimated)) + " |" for j in judged]
        lines.append("")
    return lines


def _check_numbers(report: CheckReport) -> list[str]:
    facts = [
        _records(report.ingest),
        f"windows: {report.window.describe()}",
        *(_span(*report.span) if report.span else []),
    ]
    facts.append(
        "verdicts from: " + ("the last judged window (firing now)" if report.exit_on.value == "last" else "any window")
    )
    if report.not_checked:
        facts.append("not checked: " + cell("; ".join(f"{rule} ({why})" for rule, why in report.not_checked)))
    return facts


def _records(ingest: Any) -> str:
    files = len(ingest.files)
    text = f"records read: {ingest.records:,} from {files:,} file{'' if files == 1 else 's'}"
    if ingest.skipped_lines:
        n = ingest.skipped_lines
        text += f" ({n:,} line{'' if n == 1 else 's'} skipped)"
    return text


def _span(start: datetime | None, end: datetime | None) -> list[str]:
    return [] if start is None or end is None else [f"time span: {iso_utc(start)} to {iso_utc(end)}"]


def _report_numbers(report: Report) -> list[str]:
    overall = report.overall
    facts = [_records(report.ingest), *_span(overall.start, overall.end)]
    if overall.latency.p99_ms is not None:
        facts.append(f"p99 latency: {overall.latency.p99_ms:,.1f} ms")
        if overall.latency.percentile_method != "exact":
            facts.append("percentiles from log buckets, within 0.54%")
    if overall.errors.rate is not None:
        facts.append(
            f"error rate: {overall.errors.rate:.2%} ({overall.errors.errors:,} of {overall.errors.requests:,} requests)"
        )
    return facts


def _drift_numbers(report: DriftReport) -> list[str]:
    facts = [_records(report.ingest)]
    bounds = [(w.start, w.end) for w in report.prediction.windows] + [
        (w.start, w.end) for w in report.confidence.windows
    ]
    if bounds:
        facts += _span(min(start for start, _ in bounds), max(end for _, end in bounds))
    reference = report.reference
    if reference is None:
        facts.append("reference: none")
    else:
        facts.append(f"reference: {cell(reference_name(reference))} ({reference.n_rows:,} rows)")
    facts += [cell(line) for line in class_overlap_lines(report.prediction)]
    features = report.features
    if features is not None:
        facts += [cell(line) for line in feature_overlap_lines(features)]
    return facts


def _bench_numbers(report: BenchReport) -> list[str]:
    configs = report.result.configs
    facts = [f"model: {cell(report.result.model.name)}", f"configurations: {len(configs)}"]
    if report.ab is not None:
        facts[0] = f"models: A {cell(report.ab.a.model.name)}, B {cell(report.ab.b.model.name)}"
        facts.append(f"decision: {cell(report.ab.decision)}")
        facts += [f"note: {cell(note)}" for note in report.ab.notes]
    if report.budget_ms is not None:
        facts.append(f"p99 budget: {report.budget_ms:g} ms" + (" (B)" if report.ab is not None else ""))
    return facts


def _ab_table(report: BenchReport) -> list[str]:
    """``mlmon bench A.onnx B.onnx``: both models' latency per batch size, and B / A."""
    assert report.ab is not None
    lines = ["| batch | model | p50 ms | p99 ms | per sample ms | samples/s | mean B/A (95% interval) |"]
    lines.append("|---:|---|---:|---:|---:|---:|---|")
    for a, b, d in zip(report.ab.a.configs, report.ab.b.configs, report.ab.differences):
        ratio = f"{d.mean_ratio.value:.3g} [{d.mean_ratio.low:.3g}, {d.mean_ratio.high:.3g}]: {d.verdict}"
        for name, c, last in (("A", a, ""), ("B", b, ratio)):
            row = [c.latency.p50_ms, c.latency.p99_ms, c.per_sample_ms]
            numbers = " | ".join(f"{v:.4g}" for v in row)
            lines.append(f"| {c.batch_size} | {name} | {numbers} | {c.samples_per_s:,.0f} | {last} |")
    return [*lines, ""]


def deliver_beside(result: Any, text: str, write_stdout: Callable[[str], Any]) -> list[str]:
    """What the format delivers besides ``text``: in GitHub Actions, annotations and the step
    summary (:func:`mlmon.render.github.deliver_in_actions`). Returns warnings for stderr."""
    return deliver_in_actions(result, text, write_stdout)
