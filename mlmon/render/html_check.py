"""``mlmon check`` and ``mlmon bench`` in HTML. Check: the run line, one row per rule and
scope with its verdict and a timeline of every window (hover: the window and why), then the
operational and drift sections of the same read. Bench: the model, the table of
configurations, and the budget verdict."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from mlmon.api.results import BenchReport, CheckReport
from mlmon.render.html_charts import Cell, timeline
from mlmon.render.html_drift import drift_sections
from mlmon.render.html_parts import (
    Markup,
    badge,
    facts,
    fmt_time,
    note,
    section,
    table,
    tag,
    tally,
)
from mlmon.render.html_report import report_sections
from mlmon.verdicts.alerting import RuleOutcome
from mlmon.verdicts.findings import Severity
from mlmon.verdicts.rules import ExitOn

if TYPE_CHECKING:
    from mlmon.bench.result import BenchResult, ConfigResult


def _cells(outcome: RuleOutcome) -> list[Cell]:
    """One per window; an ok window's hover is short (most windows are ok), the others say why."""
    cells = []
    for w in outcome.windows:
        held = " (held by keep_firing_for)" if w.held else ""
        why = "" if w.effective is Severity.OK and not w.held else f": {w.reason}"
        cells.append(
            Cell(f"sev-{w.effective.value}", f"{fmt_time(w.start)} UTC: {w.effective.value}{held}{why}", w.held)
        )
    return cells


def quiet_features(outcomes: Sequence[RuleOutcome]) -> dict[Severity, list[RuleOutcome]]:
    """Per-feature outcomes that never fired, by severity (ok, unknown), where two or more
    share one: they fold into one row, as in the terminal."""
    groups = {
        severity: [o for o in outcomes if o.scope.startswith("feature=") and o.severity is severity and not o.fired]
        for severity in (Severity.OK, Severity.UNKNOWN)
    }
    return {severity: group for severity, group in groups.items() if len(group) > 1}


def verdicts_section(report: CheckReport) -> Markup:
    """The rules table: status, rule, scope, timeline, verdict; quiet features folded."""
    quiet = quiet_features(report.outcomes)
    folded = {id(o) for group in quiet.values() for o in group}
    rows: list[tuple[object, ...]] = []
    for o in report.outcomes:
        if id(o) in folded:
            continue
        line = timeline(f"{o.rule} {o.scope}: verdict per window, oldest first", _cells(o)) if o.windows else ""
        rows.append((badge(o.severity), tag("code", o.rule), o.scope, Markup(line), o.message))
    for severity, group in quiet.items():
        names = ", ".join(o.scope.removeprefix("feature=") for o in group)
        what = "never fired" if severity is Severity.OK else "never judged (too few values, or none)"
        rows.append((badge(severity), tag("code", group[0].rule), f"{len(group)} features", "", f"{what}: {names}"))
    parts: list[object] = [
        table(("status", "rule", "scope", "windows (oldest first)", "verdict"), rows, css="verdicts")
    ]
    parts.append(
        Markup(
            '<p class="legend-line">Timeline: <span class="key sev-ok"></span> ok <span class="key '
            'sev-warning"></span> warning '
            '<span class="key sev-critical"></span> critical <span class="key sev-critical held"></span> held '
            "(keep_firing_for) "
            '<span class="key sev-unknown"></span> unknown. Hover a cell for the window and the reason.</p>'
        )
    )
    if report.not_checked:
        parts.append(note("Not checked: " + "; ".join(f"{rule} ({why})" for rule, why in report.not_checked)))
    parts.append(note("Verdicts: " + tally([o.severity for o in report.outcomes]), ""))
    return section("Verdicts", *parts, anchor="verdicts")


def check_sections(report: CheckReport) -> list[Markup]:
    """The sections of ``mlmon check``: run facts, verdicts, then the same read's figures."""
    basis = "the last judged window (firing now)" if report.exit_on is ExitOn.LAST else "any window"
    items: list[tuple[str, object]] = [("windows", report.window.describe())]
    if report.span:
        items.append(("span", f"{fmt_time(report.span[0])} to {fmt_time(report.span[1])} UTC"))
    items += [("last record", fmt_time(report.last_record)), ("verdicts from", basis)]
    bounds = {
        o.rule: o.threshold
        for o in report.outcomes
        if o.scope == "all" and o.threshold is not None and o.rule in ("latency_p99", "error_rate")
    }
    parts = [facts(items), verdicts_section(report)]
    parts.append(Markup('<h2 class="part">Operations</h2>'))
    parts += report_sections(report.report, findings=False, bounds=bounds)
    parts.append(Markup('<h2 class="part">Drift</h2>'))
    parts += drift_sections(report.drift)
    return parts


def _ms(value: float) -> str:
    return f"{value:.3f}" if value < 10 else f"{value:.2f}" if value < 100 else f"{value:.1f}"


def _rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _shape(shape: Sequence[object]) -> str:
    return "[" + ", ".join("?" if d is None else str(d) for d in shape) + "]"


CONFIG_HEADERS = (
    "batch",
    "concurrency",
    "calls",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "max ms",
    "inf/s",
    "samples/s",
    "CPU s",
    "RSS peak MiB",
    "RSS Δ MiB",
)
"""The columns of the bench page's table, one row per configuration."""


def bench_sections(report: BenchReport) -> list[Markup]:
    """The model's facts, one row per configuration, and the budget verdict."""
    result = report.result
    breached = {f.scope for f in report.findings if f.severity is Severity.CRITICAL}
    rows = [_config_row(c, set() if report.ab is not None else breached) for c in result.configs]  # A/B: B's budget
    parts = [
        facts(_bench_facts(result)),
        section(
            "Configurations",
            table(CONFIG_HEADERS, rows, numeric=range(12)),
            note("Latency of each session.run call (numpy linear percentiles); CPU: process user+system time."),
            anchor="configurations",
        ),
    ]
    if report.budget_ms is not None:
        met = not breached
        text = f"p99 budget {report.budget_ms:g} ms: " + ("met by every configuration" if met else "EXCEEDED")
        parts.append(note(text, "sev-ok" if met else "sev-critical"))
    if result.log_path:
        parts.append(note(f"Wrote {result.log_records:,} inference records to {result.log_path}."))
    if report.ab is not None:  # mlmon bench A.onnx B.onnx: the table above is A's
        b_rows = [_config_row(c, breached) for c in report.ab.b.configs]
        b_title = f"Model B: {report.ab.b.model.name}.onnx"
        parts.append(section(b_title, table(CONFIG_HEADERS, b_rows, numeric=range(12)), anchor="model-b"))
        parts += [note(report.ab.decision), *(note(f"Note: {n}") for n in report.ab.notes)]
    return parts


def _bench_facts(result: BenchResult) -> list[tuple[str, object]]:
    """The model, its session, its inputs and how each configuration ran."""
    m = result.model
    stop = f"{result.iterations} calls" if result.iterations is not None else f"{result.duration_s:g} s"
    source = f"synthetic, seed {result.seed}" if result.input_source == "synthetic" else result.input_source
    return [
        ("model", f"{m.name}.onnx ({'bundled' if m.bundled else m.path}, {m.size_bytes / 2**20:.1f} MiB)"),
        (
            "session",
            (
                f"{', '.join(m.providers)} · graph optimization {m.graph_optimization} · intra-op threads "
                f"{'default' if m.intra_op_threads == 0 else m.intra_op_threads} · loaded in {_ms(m.load_time_ms)} "
                f"ms · RSS {m.rss_after_load_mib:.0f} MiB"
            ),
        ),
        ("inputs", ", ".join(f"{t.name} {t.type} {_shape(t.shape)}" for t in m.inputs) + f" ({source})"),
        ("run", f"warmup {result.warmup} · {stop} per configuration"),
    ]


def _config_row(c: ConfigResult, breached: set[str]) -> tuple[object, ...]:
    """One configuration's cells; its p99 in bold red when it breached the budget."""
    p99 = _ms(c.latency.p99_ms)
    return (
        str(c.batch_size),
        str(c.concurrency),
        f"{c.calls:,}",
        _ms(c.latency.p50_ms),
        _ms(c.latency.p95_ms),
        tag("b", p99, "sev-critical") if f"batch_size={c.batch_size}" in breached else p99,
        _ms(c.latency.max_ms),
        _rate(c.inferences_per_s),
        _rate(c.samples_per_s),
        f"{c.cpu_time_s:.2f}",
        f"{c.peak_rss_mib:.1f}",
        f"{round(c.rss_growth_mib, 1) + 0.0:+.1f}",
    )
