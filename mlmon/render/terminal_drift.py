"""Terminal output for ``mlmon drift``: the window table, the first breach, a bar view of
reference against current class shares, and the confidence trend.

Columns dropped as the width shrinks (first listed goes first):

- Prediction drift: with one model version, the version leaves the table for its title.
  Then JS, n, p (BH), and with several versions the version folds under the window start.
  The first row is the reference's class shares. When the classes still do not fit as
  columns (or there are more than :data:`MAX_CLASS_COLUMNS`), the table turns round: the
  window table keeps its statistics and a second table has the classes as rows and the
  latest windows that fit as columns.
- Confidence: entropy bits, the share below the low level, p10, n (the version as above).

More than 48 windows are shown in buckets (see each table's note); the count of windows in
each bucket is the first column to go.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import partial
from typing import Any

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from mlmon.api.results import DriftReport
from mlmon.render.human import (
    breach_sentence,
    class_overlap_lines,
    fitting_window,
    fmt_fixed,
    fmt_p,
    fmt_pct,
    fmt_time,
    is_whole_range,
    reference_name,
    short_times,
    time_precision,
)
from mlmon.render.terminal_features import feature_parts
from mlmon.render.terminal_fit import (
    PIPED_WIDTH,
    Col,
    bucket_size,
    chunks,
    fit_table,
    least_width,
    para,
)
from mlmon.render.terminal_parts import (
    SEVERITY_STYLE,
    EmptyRun,
    findings_table,
    fold_empty_runs,
    ingest_lines,
    mark,
    title,
)
from mlmon.verdicts.findings import Severity
from mlmon.verdicts.prediction_drift import DriftWindow

BAR_WIDTH = 30
"""The longest class-share bar."""
MAX_CLASS_COLUMNS = 12
"""More classes than this always turn round (classes as rows)."""


def _worst(severities: Sequence[Severity]) -> Severity:
    return max(severities, key=lambda s: s.rank)


def _versions(windows: Sequence[Any]) -> tuple[list[str | None], str]:
    """The versions in order, and the title's note when there is only one."""
    versions = list(dict.fromkeys(w.model_version for w in windows))
    note = f"; model_version {versions[0]}" if len(versions) == 1 and versions[0] is not None else ""
    return versions, note


def _grouped_rows(windows: Sequence[Any], is_empty: Any) -> tuple[list[Any], int]:
    """Windows with empty runs folded, or, beyond a screenful, lists of consecutive
    windows of one version (and the bucket size; 1 when not bucketed)."""
    shown = fold_empty_runs(windows, is_empty, lambda w: w.model_version)
    if len(shown) <= 48:
        return shown, 1
    size = bucket_size(len(windows))
    return chunks(windows, size, lambda w: w.model_version), size


def _drift_rows(
    report: DriftReport, labels: list[str], precision: int, with_classes: bool
) -> tuple[list[list[Any]], int]:
    result = report.prediction
    ref = result.reference_shares
    rows: list[list[Any]] = []
    if with_classes and ref:
        n_ref = f"{report.reference.n_rows:,}" if report.reference is not None else ""
        rows.append(
            [
                "",
                Text("reference", style="dim"),
                "",
                n_ref,
                *(fmt_pct(ref.get(label), 1) for label in labels),
                "",
                "",
                "",
                "",
            ]
        )
    grouped, size = _grouped_rows(result.windows, lambda w: w.n == 0)
    for item in grouped:
        if isinstance(item, EmptyRun):
            rows.append(
                [
                    "",
                    Text(item.describe(precision), style="dim"),
                    "",
                    "",
                    *([""] * len(labels) if with_classes else []),
                    "",
                    "",
                    "",
                    "",
                ]
            )
            continue
        chunk = item if isinstance(item, list) else [item]
        n = sum(w.n for w in chunk)
        counts = {label: sum(c.count for w in chunk for c in w.classes if c.label == label) for label in labels}
        shares = [fmt_pct(counts[label] / n if n else None, 1) for label in labels] if with_classes else []
        tested = [w for w in chunk if math.isfinite(w.psi)]
        rows.append(
            [
                chunk[0].model_version or "-",
                fmt_time(chunk[0].start, precision),
                f"{len(chunk):,}",
                f"{n:,}",
                *shares,
                fmt_fixed(max((w.psi for w in tested), default=None), 4),
                fmt_fixed(max((w.js_distance for w in tested), default=None), 3),
                fmt_p(min((w.p_adjusted for w in tested), default=None)),
                mark(_worst([w.severity for w in chunk])),
            ]
        )
    return rows, size


def _drift_cols(
    labels: list[str], versions: list[str | None], start_width: int, size: int, with_classes: bool
) -> list[Col]:
    cols = [
        Col("version", "left", drop=5, fold="window start"),
        Col("window start", "left", flex=True, min_width=start_width),
        Col("windows", drop=1),
        Col("n", drop=3),
        *(Col(label) for label in labels if with_classes),
        Col("PSI"),
        Col("JS", drop=2),
        Col("p (BH)", drop=4),
        Col("verdict", "left"),
    ]
    return [
        c
        for c in cols
        if not (c.header == "version" and len(versions) == 1) and not (c.header == "windows" and size == 1)
    ]


def _keep(row: list[Any], versions: list[str | None], size: int) -> list[Any]:
    return [cell for i, cell in enumerate(row) if not (i == 0 and len(versions) == 1) and not (i == 2 and size == 1)]


def _drift_table(report: DriftReport, width: int) -> list[RenderableType]:
    result = report.prediction
    labels = list(result.reference_shares) or sorted({c.label for w in result.windows for c in w.classes})
    precision = time_precision([w.start for w in result.windows])
    versions, note = _versions(result.windows)
    start_width = len(fmt_time(result.windows[0].start, precision)) if result.windows else 10
    for with_classes in (True, False):
        rows, size = _drift_rows(report, labels, precision, with_classes)
        cols = _drift_cols(labels, versions, start_width, size, with_classes)
        rows = [_keep(row, versions, size) for row in rows]
        if not with_classes or (len(labels) <= MAX_CLASS_COLUMNS and least_width(cols, rows) <= width):
            break
    head = [title(f"Prediction drift ({result.window}, UTC{note})")]
    if size > 1:
        head.append(
            para(
                (
                    f"{len(result.windows):,} windows in rows of {size:,}: class shares over the rows' predictions; "
                    "PSI, JS, p and verdict the worst window's"
                ),
                width,
                "dim",
            )
        )
    parts: list[RenderableType] = [*head, fit_table(cols, rows, width)]
    if not with_classes:
        for version in versions:
            parts += _classes_round(
                report,
                [w for w in result.windows if w.model_version == version and w.n],
                labels,
                width,
                precision,
                version if len(versions) > 1 else None,
            )
    return parts


def _classes_round(
    report: DriftReport, windows: list[DriftWindow], labels: list[str], width: int, precision: int, version: str | None
) -> list[RenderableType]:
    """Class shares with the classes as rows: the reference, then the latest windows that fit."""
    ref = report.prediction.reference_shares
    if not windows:
        return []
    unseen = sorted({c for w in windows for c in w.unseen_classes} - set(labels))
    names = [*labels, *unseen]
    headers = short_times([w.start for w in windows], precision)
    shares = [{c.label: c.share for c in w.classes} for w in windows]
    for fit in range(min(len(windows), max(width // 6, 1)), 0, -1):
        cols = [Col("class", "left"), *([Col("ref")] if ref else []), *(Col(h) for h in headers[-fit:])]
        rows = [
            [
                name,
                *([fmt_pct(ref[name], 1) if name in ref else "-"] if ref else []),
                *(fmt_pct(s.get(name, 0.0), 1) for s in shares[-fit:]),
            ]
            for name in names
        ]
        if least_width(cols, rows) <= width:
            break
    shown = windows[-fit:]
    what = f"latest {len(shown)} of {len(windows)} windows" if len(shown) < len(windows) else "each window"
    scope = f" of version {version}" if version else ""
    return [Text(""), title(f"Class shares{scope}: reference and {what}"), fit_table(cols, rows, width)]


def _bars(report: DriftReport, window: DriftWindow, width: int, precision: int) -> list[RenderableType]:
    ref = report.prediction.reference_shares
    current = {c.label: c.share for c in window.classes}
    labels = sorted(set(ref) | set(current), key=lambda k: (k not in ref, k))
    bar_width = max(5, min(BAR_WIDTH, width - max(len(label) for label in labels) - 16))
    head = para(f"Class shares, reference vs window of {fmt_time(window.start, precision)}", width, "italic")
    table = Table(show_header=False, show_edge=False, box=None, pad_edge=False)
    for _ in range(4):
        table.add_column(no_wrap=True)
    for label in labels:
        for name, share, style in (("ref", ref.get(label, 0.0), "dim"), ("now", current.get(label, 0.0), "cyan")):
            table.add_row(
                label if name == "ref" else "",
                name,
                Text("█" * round(share * bar_width), style=style),
                fmt_pct(share, 1),
            )
    note = (
        [para(f"classes the reference never saw: {', '.join(window.unseen_classes)}", width, "yellow")]
        if window.unseen_classes
        else []
    )
    return [head, table, *note]


def _weighted(weights: list[int], values: list[float | None]) -> float | None:
    """The mean of the finite ``values`` weighted by ``weights`` (None: none)."""
    pairs = [(v, k) for v, k in zip(values, weights) if v is not None and math.isfinite(v)]
    total = sum(k for _, k in pairs)
    return sum(v * k for v, k in pairs) / total if total else None


def _confidence_rows(report: DriftReport, precision: int) -> tuple[list[list[Any]], int]:
    rows = []
    grouped, size = _grouped_rows(report.confidence.windows, lambda w: w.n == 0)
    for item in grouped:
        if isinstance(item, EmptyRun):
            rows.append(["", Text(item.describe(precision), style="dim"), "", "", "", "", "", "", "", ""])
            continue
        chunk = item if isinstance(item, list) else [item]
        n = sum(w.n for w in chunk)
        weighted = partial(_weighted, [w.n for w in chunk])
        p10s = [w.p10 for w in chunk if math.isfinite(w.p10)]
        changes = [w.change for w in chunk if math.isfinite(w.change)]
        rows.append(
            [
                chunk[0].model_version or "-",
                fmt_time(chunk[0].start, precision),
                f"{len(chunk):,}",
                f"{n:,}",
                fmt_fixed(weighted([w.mean for w in chunk]), 3),
                fmt_fixed(min(p10s, default=None), 3),
                fmt_pct(weighted([w.share_below for w in chunk]), 1),
                fmt_fixed(weighted([w.mean_entropy_bits for w in chunk]), 2),
                fmt_fixed(min(changes, default=None), 3, signed=True),
                mark(_worst([w.severity for w in chunk])),
            ]
        )
    return rows, size


def _confidence_table(report: DriftReport, width: int) -> list[RenderableType]:
    result = report.confidence
    source = {"reference": "reference", "first_window": "first window with enough data"}.get(
        result.baseline_source or "", "none"
    )
    precision = time_precision([w.start for w in result.windows])
    versions, note = _versions(result.windows)
    rows, size = _confidence_rows(report, precision)
    start_width = len(fmt_time(result.windows[0].start, precision)) if result.windows else 10
    cols = [
        Col("version", "left", drop=6, fold="window start"),
        Col("window start", "left", flex=True, min_width=start_width),
        Col("windows", drop=1),
        Col("n", drop=5),
        Col("mean"),
        Col("p10", drop=4),
        Col(f"< {result.thresholds.low_threshold:g}", drop=3),
        Col("entropy bits", drop=2),
        Col("change"),
        Col("verdict", "left"),
    ]
    cols = [
        c
        for c in cols
        if not (c.header == "version" and len(versions) == 1) and not (c.header == "windows" and size == 1)
    ]
    rows = [_keep(row, versions, size) for row in rows]
    parts: list[RenderableType] = [title(f"Confidence ({result.window}, UTC{note}; baseline: {source})")]
    if size > 1:
        parts.append(
            para(
                (
                    f"{len(result.windows):,} windows in rows of {size:,}: mean and shares weighted by n; "
                    "p10, change (the largest fall) and verdict the worst window's"
                ),
                width,
                "dim",
            )
        )
    return [*parts, fit_table(cols, rows, width)]


def _whole_range_baseline(report: DriftReport, width: int) -> list[RenderableType]:
    """Why a whole-range confidence check with no reference confidence says nothing: its one
    window is its own baseline."""
    result = report.confidence
    if result.baseline_source != "first_window" or not is_whole_range(result.window) or not result.windows:
        return []
    span = max(w.end for w in result.windows) - min(w.start for w in result.windows)
    return [
        para(
            (
                "the baseline is each version's first window with enough data, and the whole range is one window: "
                f"nothing to compare it with (the reference has no confidence); add --window {fitting_window(span)}"
            ),
            width,
            "yellow",
        )
    ]


def drift_parts(report: DriftReport, width: int = PIPED_WIDTH) -> list[RenderableType]:
    """The renderables of ``mlmon drift``, in order."""
    parts: list[RenderableType] = [Text("mlmon drift", style="bold"), *ingest_lines(report.ingest, width)]
    if report.reference is not None:
        parts.append(
            para(f"reference: {reference_name(report.reference)} ({report.reference.n_rows:,} rows)", width, "dim")
        )
    parts += [Text(""), *_drift_table(report, width)]
    first = report.prediction.first_breach
    precision = time_precision([w.start for w in report.prediction.windows])
    if not report.prediction.computable:
        parts.append(para(f"prediction drift not computed: {report.prediction.reason}", width, "magenta"))
    elif first is not None:
        parts.append(para(breach_sentence(report.prediction, first, precision), width, SEVERITY_STYLE[first.severity]))
    else:
        parts.append(Text("no window breached", style="green"))
    parts += [para(line, width, "yellow") for line in class_overlap_lines(report.prediction)]
    shown = first or next((w for w in reversed(report.prediction.windows) if w.classes), None)
    if shown is not None and report.prediction.reference_shares:
        parts += [Text(""), *_bars(report, shown, width, precision)]
    parts += [Text(""), *_confidence_table(report, width), *_whole_range_baseline(report, width)]
    features = feature_parts(report.features, width, whole_range=is_whole_range(report.prediction.window))
    parts += [Text(""), *features] if features else []
    return [*parts, Text(""), *findings_table(report.findings, width)]
