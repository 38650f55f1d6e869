"""Terminal output with rich: tables and sparklines that fit the width. ANSI styles only
when ``color`` (decided at the CLI boundary: a TTY without NO_COLOR); otherwise the same
layout as plain text. ``render`` dispatches on the result's type: the report's sections are
in ``terminal_report``, drift's in ``terminal_drift``, check's in ``terminal_check``,
bench's in ``terminal_bench``, compare's in ``terminal_compare``, and what they share in
``terminal_parts``; any other result with findings shows its findings table.

Width: ``COLUMNS`` when set, else the terminal's width on a TTY, else (piped) 200 columns,
so that a pipe or a file gets unwrapped lines (:mod:`mlmon.render.terminal_fit`).
"""

from __future__ import annotations

from mlmon.api.results import BenchReport, CheckReport, CompareReport, DriftReport, PerformanceReport, Report
from mlmon.render.terminal_fit import output_width
from mlmon.render.terminal_parts import findings_table, to_text


def render(result: object, *, color: bool = False) -> str:
    """``result`` as terminal text at :func:`output_width`; a result type without sections
    of its own shows its findings table."""
    width = output_width()
    if isinstance(result, Report):
        from mlmon.render.terminal_report import report_parts

        return to_text(report_parts(result, width), color=color, width=width)
    if isinstance(result, DriftReport):
        from mlmon.render.terminal_drift import drift_parts

        return to_text(drift_parts(result, width), color=color, width=width)
    if isinstance(result, CheckReport):
        from mlmon.render.terminal_check import check_parts

        return to_text(check_parts(result, width), color=color, width=width)
    if isinstance(result, BenchReport):
        from mlmon.render.terminal_bench import bench_parts

        return to_text(bench_parts(result, width), color=color, width=width)
    if isinstance(result, PerformanceReport):
        from mlmon.render.terminal_performance import performance_parts

        return to_text(performance_parts(result, width), color=color, width=width)
    if isinstance(result, CompareReport):
        from mlmon.render.terminal_compare import compare_parts

        return to_text(compare_parts(result, width), color=color, width=width)
    return to_text(findings_table(result.findings, width), color=color, width=width)  # type: ignore[attr-defined]
