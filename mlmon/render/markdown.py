"""Markdown output (``--format markdown``): a GitHub-flavoured summary of any result with
findings (report, drift, bench, check), made for ``$GITHUB_STEP_SUMMARY`` and pull-request
comments: a heading with the command and overall status, a few key numbers (records read,
time span, reference), and one table row per finding (status, check, scope, finding).

Text from the logs is escaped for a table cell: backslash and the characters Markdown or
HTML would read (``| * ` [ ] < & ~``, and ``_`` unless it sits between two letters or
digits, where GitHub never reads it as emphasis) get a backslash, and a line break becomes
``<br>``, so a label or version can neither split a row nor inject markup.

Two helpers for GitHub Actions, called by the CLI: :func:`github_annotations` turns the
breaches into ``::error``/``::warning`` workflow commands, escaped by the rules of GitHub's
actions toolkit (``escapeData`` for the message, ``escapeProperty`` for the title), at most
10 of each kind (GitHub shows no more per step); :func:`append_step_summary` appends to the
step-summary file without letting it pass GitHub's 1 MiB limit.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mlmon.api.results import BenchReport, CheckReport, DriftReport, Report
from mlmon.plain import iso_utc
from mlmon.render.human import class_overlap_lines, feature_overlap_lines, reference_name
from mlmon.render.junit import command_name
from mlmon.verdicts.findings import Finding, Severity, worst

ANNOTATIONS_PER_KIND = 10
"""GitHub shows at most 10 error and 10 warning annotations per step."""
STEP_SUMMARY_LIMIT = 1024 * 1024
"""GitHub's limit on a step's summary file, in bytes (1 MiB)."""
TRUNCATION_NOTE = "\n\n*mlmon: the rest is cut (GitHub's 1 MiB step-summary limit).*\n"

_MD_SPECIAL = re.compile(r"([\\`*\[\]<|&~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
_SAFE_CHECK = re.compile(r"[A-Za-z0-9_.-]+")
_KIND = {Severity.CRITICAL: "error", Severity.WARNING: "warning"}


def render(result: Any, *, color: bool = False) -> str:
    """The Markdown summary of ``result``, ending with a newline."""
    findings = tuple(result.findings)
    status = worst(findings).value if findings else "no checks"
    lines = [f"## mlmon {cell(command_name(result))}: {status}", ""]
    facts = key_numbers(result)
    if facts:
        lines += [f"- {fact}" for fact in facts] + [""]
    if not findings:
        lines.append("No checks ran: give a budget, a limit or a reference to check against.")
        return "\n".join(lines) + "\n"
    lines += [_tally(findings), "", "| status | check | scope | finding |", "|---|---|---|---|"]
    lines += [table_row(f) for f in findings]
    return "\n".join(lines) + "\n"


def table_row(finding: Finding) -> str:
    """One row: status (bold for a breach), check, scope, message."""
    status = finding.severity.value
    if finding.severity in _KIND:
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
    return []


def _check_numbers(report: CheckReport) -> list[str]:
    facts = [_records(report.ingest), f"windows: {report.window.describe()}", *(_span(*report.span) if report.span else [])]
    facts.append("verdicts from: " + ("the last judged window (firing now)" if report.exit_on.value == "last" else "any window"))
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
        facts.append(f"error rate: {overall.errors.rate:.2%} ({overall.errors.errors:,} of {overall.errors.requests:,} requests)")
    return facts


def _drift_numbers(report: DriftReport) -> list[str]:
    facts = [_records(report.ingest)]
    windows = [*report.prediction.windows, *report.confidence.windows]
    if windows:
        facts += _span(min(w.start for w in windows), max(w.end for w in windows))
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
    if report.budget_ms is not None:
        facts.append(f"p99 budget: {report.budget_ms:g} ms")
    return facts


def escape_data(text: str) -> str:
    """A workflow command's message, as the toolkit's ``escapeData``: % CR LF."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value, as the toolkit's ``escapeProperty``: % CR LF : ,"""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotations(result: Any) -> list[str]:
    """``::error title=<check> (<scope>)::<message>`` per critical finding and ``::warning``
    per warning, in finding order, at most :data:`ANNOTATIONS_PER_KIND` of each."""
    counts = {"error": 0, "warning": 0}
    commands = []
    for finding in result.findings:
        kind = _KIND.get(finding.severity)
        if kind is None or counts[kind] >= ANNOTATIONS_PER_KIND:
            continue
        counts[kind] += 1
        title = escape_property(f"{finding.check} ({finding.scope})")
        commands.append(f"::{kind} title={title}::{escape_data(str(finding.message))}")
    return commands


@dataclass(frozen=True)
class StepSummaryWrite:
    """What :func:`append_step_summary` did. False when all was written; as text, the line
    to show on stderr otherwise."""

    outcome: str
    """``written`` (all of it), ``truncated`` (a head of it and a note) or ``not_written``."""
    bytes_written: int
    """Bytes appended to the file."""
    detail: str
    """Why it was cut or not written, a line for stderr; empty when all was written."""

    def __bool__(self) -> bool:
        """True when there is something to tell (cut or not written): ``if outcome: warn(outcome)``."""
        return self.outcome != "written"

    def __str__(self) -> str:
        return self.detail


def append_step_summary(text: str, path: str | os.PathLike[str] | None) -> StepSummaryWrite:
    """Append ``text`` (UTF-8) to the step-summary file at ``path`` (``$GITHUB_STEP_SUMMARY``)
    so that the file never exceeds :data:`STEP_SUMMARY_LIMIT` bytes. When all of it does not
    fit, the whole lines that do are appended with a note saying so; when not even the first
    line and the note fit, or the file cannot be written, nothing is."""
    if not path:
        return StepSummaryWrite("not_written", 0, "no step summary file (GITHUB_STEP_SUMMARY is not set)")
    try:
        size, joiner = _current_size(path)
        data = joiner + text.encode("utf-8", "replace")
        room = STEP_SUMMARY_LIMIT - size
        if len(data) <= room:
            return _append(path, data, "written", "")
        note = TRUNCATION_NOTE.encode("utf-8")
        head = _head(data, room - len(note))
        full = f"{len(data):,} bytes would pass GitHub's 1 MiB limit ({max(room, 0):,} bytes left in {path})"
        if head is None:
            return StepSummaryWrite("not_written", 0, f"step summary not written: {full}")
        return _append(path, head + note, "truncated", f"step summary truncated: {full}")
    except OSError as e:
        return StepSummaryWrite("not_written", 0, f"step summary not written: {path}: {e.strerror or e}")


def _current_size(path: str | os.PathLike[str]) -> tuple[int, bytes]:
    """The file's size, and a newline to start on when it does not end with one."""
    try:
        with open(path, "rb") as f:
            size = f.seek(0, os.SEEK_END)
            if size == 0:
                return 0, b""
            f.seek(size - 1)
            return size, b"" if f.read(1) == b"\n" else b"\n"
    except FileNotFoundError:
        return 0, b""


def _head(data: bytes, limit: int) -> bytes | None:
    """The longest run of whole lines of ``data`` within ``limit`` bytes (so never a broken
    table row or UTF-8 character); None when not even one line fits."""
    head = data[: max(limit, 0)]
    head = head[: head.rfind(b"\n") + 1]
    return head if head.strip() else None


def _append(path: str | os.PathLike[str], data: bytes, outcome: str, detail: str) -> StepSummaryWrite:
    with open(path, "ab") as f:
        f.write(data)
    return StepSummaryWrite(outcome, len(data), detail)
