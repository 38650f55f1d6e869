"""``mlmon drift`` in HTML: class shares against the reference per window (stacked columns,
one chart per model version, with the verdict of each window under it), the window table,
confidence over time, and data drift: the features ranked, then the top drifting features'
reference-against-current summaries and histograms."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

from mlmon.api.results import DriftReport
from mlmon.render.html_charts import Series, histogram, line_chart, share_columns
from mlmon.render.html_parts import (
    Markup,
    badge,
    facts,
    figure,
    fmt_num,
    fmt_time,
    join,
    note,
    section,
    sev_class,
    table,
    tag,
    tick_labels,
)
from mlmon.render.human import breach_sentence, class_overlap_lines, feature_overlap_lines
from mlmon.verdicts.confidence import ConfidenceWindow
from mlmon.verdicts.feature_drift import FeatureDriftResult, FeatureOutcome
from mlmon.verdicts.findings import Severity
from mlmon.verdicts.prediction_drift import DriftWindow, PredictionDriftResult

TOP_MOVERS = 6
"""Drifted features shown with their histograms, at most."""
MIN_SHOWN = 4
"""With fewer drifted, the next features by PSI (verdict ok) fill up to this many."""
MAX_CLASSES = 8
"""Classes drawn per share chart; past it, the smaller ones pool as ``other``."""
OTHER = "(other)"


def by_version(windows: Sequence[DriftWindow] | Sequence[ConfidenceWindow]) -> dict[str | None, list]:
    groups: dict[str | None, list] = {}
    for w in windows:
        groups.setdefault(w.model_version, []).append(w)
    return groups


def class_order(result: PredictionDriftResult) -> tuple[list[str], dict[str, str]]:
    """The classes to draw, the reference's first, and where each label goes (itself or
    :data:`OTHER` past :data:`MAX_CLASSES`)."""
    totals: dict[str, int] = {}
    for w in result.windows:
        for c in w.classes:
            totals[c.label] = totals.get(c.label, 0) + c.count
    labels = list(result.reference_shares) + sorted(set(totals) - set(result.reference_shares))
    if len(labels) <= MAX_CLASSES:
        return labels, {label: label for label in labels}
    ranked = sorted(labels, key=lambda k: (-result.reference_shares.get(k, 0.0), -totals.get(k, 0), k))
    kept = [label for label in labels if label in set(ranked[: MAX_CLASSES - 1])]
    return [*kept, OTHER], {label: label if label in kept else OTHER for label in labels}


def _pooled(shares: dict[str, float], place: dict[str, str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for label, share in shares.items():
        if math.isfinite(share):
            out[place.get(label, OTHER)] = out.get(place.get(label, OTHER), 0.0) + float(share)
    return out


def prediction_section(report: DriftReport) -> Markup:
    """Class shares against the reference: a chart per model version, then the table."""
    result = report.prediction
    parts: list[object] = []
    if not result.computable:
        parts.append(note(f"Prediction drift not computed: {result.reason}", "unknown"))
    elif (first := result.first_breach) is not None:
        sentence = breach_sentence(result, first)  # a whole-range run names the range, not a start
        parts.append(note(sentence[:1].upper() + sentence[1:], sev_class(first.severity)))
    elif result.windows:
        parts.append(note("No window breached.", "sev-ok"))
    classes, place = class_order(result)
    reference = _pooled(result.reference_shares, place)
    for version, windows in by_version(result.windows).items():
        shares = [None if w.n == 0 else _pooled({c.label: c.share for c in w.classes}, place) for w in windows]
        name = f"model version {version}" if version is not None else "all versions"
        svg = share_columns(
            f"Class shares per window against the reference ({name})",
            [fmt_time(w.start) for w in windows],
            classes,
            shares,
            reference,
            [sev_class(w.severity) for w in windows],
            ticks=tick_labels([w.start for w in windows]),
        )
        caption = (
            f"{name}: stacked class shares per window; the first column and the dashed lines are the "
            "reference; the strip under each window is its verdict."
        )
        parts.append(figure(svg, caption))
    parts += _overlap_notes(class_overlap_lines(result))
    if result.windows:
        parts.append(
            tag(
                "details", join([tag("summary", f"Table of the {len(result.windows):,} windows"), _drift_table(result)])
            )
        )
    return section(f"Prediction drift ({result.window})", *parts, anchor="prediction-drift")


def _drift_table(result: PredictionDriftResult) -> Markup:
    labels = list(result.reference_shares) or sorted({c.label for w in result.windows for c in w.classes})
    labels = labels[:MAX_CLASSES]
    headers = (
        "version",
        "window start (UTC)",
        "n",
        *(f"{label} now/ref" for label in labels),
        "PSI",
        "JS",
        "p (BH)",
        "verdict",
    )
    rows = []
    for w in result.windows:
        shares = {c.label: c.share for c in w.classes}
        cells = [
            f"{fmt_num(shares.get(label, 0.0), '.1%')}/{fmt_num(result.reference_shares.get(label), '.1%')}"
            for label in labels
        ]
        rows.append(
            (
                w.model_version or "-",
                fmt_time(w.start),
                f"{w.n:,}",
                *cells,
                fmt_num(w.psi, ".4f"),
                fmt_num(w.js_distance, ".3f"),
                fmt_num(w.p_adjusted, ".1e"),
                _verdict(w),
            )
        )
    return table(headers, rows, numeric=range(2, len(headers) - 1))


def _verdict(w: DriftWindow) -> Markup:
    """The badge, and why for a window that is not ok (an ok window's numbers are in its row)."""
    return (
        badge(w.severity)
        if w.severity is Severity.OK
        else Markup(badge(w.severity) + " " + tag("span", w.reason, "muted"))
    )


def confidence_section(report: DriftReport) -> Markup:
    """Mean and p10 confidence per window, with the baseline as a dashed line."""
    result = report.confidence
    source = {"reference": "reference", "first_window": "first window"}.get(result.baseline_source or "", "none")
    parts: list[object] = []
    if not result.computable:
        parts.append(note(f"Confidence trend not computed: {result.reason}", "unknown"))
    for version, windows in by_version(result.windows).items():
        name = f"model version {version}" if version is not None else "all versions"
        series = [
            Series("mean confidence", [w.mean for w in windows], "s0"),
            Series("p10 confidence", [w.p10 for w in windows], "s2"),
        ]
        baseline = next((w.baseline for w in windows if math.isfinite(w.baseline)), None)
        svg = line_chart(
            f"Confidence per window ({name})",
            [fmt_time(w.start) for w in windows],
            series,
            lambda v: f"{v:.2f}",
            ticks=tick_labels([w.start for w in windows]),
            bound=baseline,
            bound_label=f"baseline mean {baseline or 0:.3f} ({source})",
        )
        parts.append(
            figure(
                svg,
                (
                    f"{name}: mean and 10th percentile of the predicted class's confidence; dashed: the baseline mean "
                    f"({source})."
                ),
            )
        )
    if result.windows:
        low = f"< {result.thresholds.low_threshold:g}"
        rows = [
            (
                w.model_version or "-",
                fmt_time(w.start),
                f"{w.n:,}",
                fmt_num(w.mean, ".3f"),
                fmt_num(w.p10, ".3f"),
                fmt_num(w.share_below, ".1%"),
                fmt_num(w.mean_entropy_bits, ".2f"),
                fmt_num(w.change, "+.3f"),
                badge(w.severity),
            )
            for w in result.windows
        ]
        headers = ("version", "window start (UTC)", "n", "mean", "p10", low, "entropy bits", "change", "verdict")
        parts.append(
            tag(
                "details",
                join(
                    [
                        tag("summary", f"Table of the {len(result.windows):,} windows"),
                        table(headers, rows, numeric=range(2, 8)),
                    ]
                ),
            )
        )
    return section(f"Confidence ({result.window}; baseline: {source})", *parts, anchor="confidence")


def features_section(result: FeatureDriftResult | None) -> Markup | None:
    """Data drift: the dataset line, the ranking, the movers' histograms, one-side features."""
    if result is None:
        return None
    if result.reason is not None:
        return section(
            "Data drift",
            note(f"Data drift not computed: {result.reason}", "unknown"),
            *_one_side(result),
            anchor="data-drift",
        )
    critical, warning, unknown = (result.count(s) for s in (Severity.CRITICAL, Severity.WARNING, Severity.UNKNOWN))
    worst = Severity.CRITICAL if critical else Severity.WARNING if warning else Severity.OK
    line = (
        f"{critical + warning} of {len(result.features)} features drifted ({critical} critical, {warning} warning"
        + (f", {unknown} unknown)" if unknown else ")")
    )
    if result.whole_range:
        line += "; judged over the whole range (record-count windows apply to predictions)"
    parts: list[object] = [note(line, sev_class(worst)), _ranking(result.features)]
    movers = [f for f in result.features if f.severity in (Severity.WARNING, Severity.CRITICAL)][:TOP_MOVERS]
    quiet = [f for f in result.features if f.severity is Severity.OK][: max(0, MIN_SHOWN - len(movers))]
    if quiet:
        parts.append(
            note(
                f"Histograms: the {len(movers)} drifted feature(s), then the next {len(quiet)} by PSI for comparison."
                if movers
                else f"No feature drifted; the {len(quiet)} with the largest PSI are shown."
            )
        )
    movers += quiet
    parts.append(Markup('<div class="movers">' + "".join(_mover(f) for f in movers) + "</div>"))
    return section("Data drift", *parts, *_one_side(result), anchor="data-drift")


def _ranking(features: Sequence[FeatureOutcome]) -> Markup:
    rows = []
    for f in features:
        d = f.worst.drift
        w1 = "-" if d.wasserstein_sd is None else fmt_num(d.wasserstein_sd.value, ".3f")
        first = fmt_time(f.first_drifted) if isinstance(f.first_drifted, datetime) else "-"
        missing = f"{fmt_num(d.missing_share, '.1%')}/{fmt_num(d.reference_missing_share, '.1%')}"
        rows.append(
            (
                f.feature,
                f.section,
                f.kind,
                first,
                fmt_num(d.psi, ".4f"),
                w1,
                fmt_num(f.worst.p_adjusted, ".1e"),
                missing,
                badge(f.severity),
            )
        )
    headers = ("feature", "inputs", "kind", "first drifted", "PSI", "W1/sd", "p (BH)", "missing logs/ref", "verdict")
    return table(headers, rows, numeric=range(4, 8))


def _mover(outcome: FeatureOutcome) -> Markup:
    s = outcome.summary
    since = f" from {fmt_time(outcome.first_drifted)}" if isinstance(outcome.first_drifted, datetime) else ""
    numeric = outcome.kind != "categorical"
    headers = ("", "n", "mean", "std", "p5", "p50", "p95", "missing") if numeric else ("", "n", "missing")
    rows = []
    for side, d in (("reference", s.reference), ("logs", s.current)):
        middle = (_g(d.mean), _g(d.std), *(_g(q) for q in d.quantiles)) if numeric else ()
        rows.append((side, f"{d.n:,}", *middle, fmt_num(d.missing_share, ".1%")))
    svg = histogram(f"{outcome.feature}: reference against logs", s.bars.labels, s.bars.reference, s.bars.current)
    head = tag("h3", join([outcome.feature, " ", badge(outcome.severity)]))
    why = note(f"{outcome.kind}, {outcome.severity.value}{since}: {outcome.worst.reason}")
    shares = table(headers, rows, numeric=range(1, len(headers)), css="compact")
    return Markup(f'<div class="mover">{head}{why}{figure(svg)}{shares}</div>')


def _one_side(result: FeatureDriftResult) -> list[Markup]:
    return _overlap_notes(feature_overlap_lines(result))


def _overlap_notes(lines: list[str]) -> list[Markup]:
    """:func:`~mlmon.render.human.overlap_lines` as warning notes, each a sentence."""
    return [note(line[0].upper() + line[1:], "warn") for line in lines]


def _g(value: float) -> str:
    return "-" if not math.isfinite(value) else f"{value:.4g}"


def drift_sections(report: DriftReport) -> list[Markup]:
    """The sections of ``mlmon drift``, in order (without the findings table)."""
    parts: list[Markup] = []
    ref = report.reference
    parts.append(facts([("reference", "none" if ref is None else f"{ref.source or 'unnamed'} ({ref.n_rows:,} rows)")]))
    parts += [prediction_section(report), confidence_section(report)]
    if (features := features_section(report.features)) is not None:
        parts.append(features)
    return parts
