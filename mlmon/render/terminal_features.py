"""Terminal output for data drift in ``mlmon drift``: the dataset line, features ranked by
drift, the top movers' reference-against-current summaries with bars, and the features
found on one side only.

Columns dropped as the width shrinks (first listed goes first): the ranking drops kind,
missing logs/ref, W1/sd, first drifted, then p (BH) (feature, PSI and verdict stay); a
mover's summary drops missing, std, p5 and p95; its bars shorten to fit."""

from __future__ import annotations

import math
from datetime import datetime

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from mlmon.render.human import (
    feature_overlap_lines,
    fmt_fixed,
    fmt_p,
    fmt_pct,
    fmt_sig,
    fmt_time,
    humane,
    plural,
    time_precision,
)
from mlmon.render.terminal_fit import PIPED_WIDTH, Cell, Col, fit_table, para
from mlmon.render.terminal_parts import SEVERITY_STYLE, mark, title
from mlmon.verdicts.feature_drift import FeatureDriftResult, FeatureOutcome
from mlmon.verdicts.findings import Severity

TOP_MOVERS = 3
"""Drifted features shown with their summaries and bars."""
BAR_WIDTH = 20


def feature_parts(
    result: FeatureDriftResult | None, width: int = PIPED_WIDTH, *, whole_range: bool = False
) -> list[RenderableType]:
    """The renderables of the data-drift section (none when the inputs were not read).
    ``whole_range``: the run's one window is the whole range, whose start says nothing of
    when a feature drifted, so the table says ``whole range`` instead."""
    if result is None:
        return []
    if result.reason is not None:
        return [para(f"data drift not computed: {result.reason}", width, "magenta"), *_one_side(result, width)]
    precision = time_precision([v.window for v in result.verdicts if isinstance(v.window, datetime)])
    parts: list[RenderableType] = [_dataset_line(result, width)]
    sections = {"image": "Image inputs", "tabular": "Tabular inputs"}
    present = [name for name in sections if any(f.section == name for f in result.features)]
    for name in present:
        rows = [f for f in result.features if f.section == name]
        parts += _ranking(rows, sections[name] if len(present) > 1 else None, width, precision, whole_range)
    movers = [f for f in result.features if f.severity in (Severity.WARNING, Severity.CRITICAL)][:TOP_MOVERS]
    for outcome in movers:
        parts += [Text(""), _mover(outcome, width, precision, whole_range)]
    return parts + _one_side(result, width)


def _dataset_line(result: FeatureDriftResult, width: int) -> Text:
    critical, warning, unknown = (result.count(s) for s in (Severity.CRITICAL, Severity.WARNING, Severity.UNKNOWN))
    drifted = critical + warning
    style = SEVERITY_STYLE[Severity.CRITICAL if critical else Severity.WARNING if warning else Severity.OK]
    text = (
        f"Data drift: {drifted} of {plural(len(result.features), 'feature')} drifted ({critical} critical, {warning} "
        "warning"
    )
    text += f", {unknown} unknown)" if unknown else ")"
    if result.whole_range:
        text += "; judged over the whole range (record-count windows apply to predictions)"
    return para(text, width, f"bold {style}" if drifted else style)


def _ranking(
    features: list[FeatureOutcome], heading: str | None, width: int, precision: int, whole_range: bool
) -> list[RenderableType]:
    cols = [
        Col("feature", "left"),
        Col("kind", "left", drop=1),
        Col("first drifted", "left", drop=4),
        Col("PSI"),
        Col("W1/sd", drop=3),
        Col("p (BH)", drop=5),
        Col("missing logs/ref", drop=2),
        Col("verdict", "left"),
    ]
    rows: list[list[Cell]] = []
    for f in features:
        d = f.worst.drift
        w1 = "-" if d.wasserstein_sd is None else fmt_fixed(d.wasserstein_sd.value, 3)
        first = _first_drifted(f, precision, whole_range) or "-"
        missing = f"{fmt_pct(d.missing_share, 1)}/{fmt_pct(d.reference_missing_share, 1)}"
        rows.append(
            [f.feature, f.kind, first, fmt_fixed(d.psi, 4), w1, fmt_p(f.worst.p_adjusted), missing, mark(f.severity)]
        )
    return [*([title(heading)] if heading else []), fit_table(cols, rows, width)]


def _first_drifted(outcome: FeatureOutcome, precision: int, whole_range: bool) -> str | None:
    if not isinstance(outcome.first_drifted, datetime):
        return None
    return "whole range" if whole_range else fmt_time(outcome.first_drifted, precision)


def _mover(outcome: FeatureOutcome, width: int, precision: int, whole_range: bool) -> RenderableType:
    s = outcome.summary
    first = _first_drifted(outcome, precision, whole_range)
    since = "" if first is None else " over the whole range" if whole_range else f" from {first}"
    head = para(
        f"{outcome.feature} ({outcome.kind}, {outcome.severity.value}{since}): {humane(outcome.worst.reason)}",
        width,
        SEVERITY_STYLE[outcome.severity],
    )
    numeric = outcome.kind != "categorical"
    names = ("side", "n", "mean", "std", "p5", "p50", "p95", "missing") if numeric else ("side", "n", "missing")
    drops = {"missing": 1, "std": 2, "p5": 3, "p95": 3}
    cols = [Col(name, "left" if name == "side" else "right", drop=drops.get(name, 0)) for name in names]
    rows = []
    for side, d in (("reference", s.reference), ("logs", s.current)):
        middle = (_g(d.mean), _g(d.std), *(_g(q) for q in d.quantiles)) if numeric else ()
        rows.append([side, f"{d.n:,}", *middle, fmt_pct(d.missing_share, 1)])
    stats = fit_table(cols, rows, width, box=None)
    label_width = max((len(label) for label in s.bars.labels), default=1)
    bar_width = max(4, min(BAR_WIDTH, (width - label_width - 2 * 8 - 8) // 2))
    bars = Table(show_edge=False, box=None, pad_edge=False)
    for name in ("value", "reference", "share", "logs", "share"):
        bars.add_column(name, justify="right" if name == "share" else "left", no_wrap=True)
    top = max((v for v in (*s.bars.reference, *s.bars.current) if math.isfinite(v)), default=0.0)
    for label, ref, now in zip(s.bars.labels, s.bars.reference, s.bars.current):
        bars.add_row(
            label,
            Text(_bar(ref, top, bar_width), style="dim"),
            fmt_pct(ref, 1),
            Text(_bar(now, top, bar_width), style="cyan"),
            fmt_pct(now, 1),
        )
    return Group(head, stats, bars)


def _one_side(result: FeatureDriftResult, width: int) -> list[RenderableType]:
    return [para(line, width, "yellow") for line in feature_overlap_lines(result)]


def _bar(share: float, top: float, width: int = BAR_WIDTH) -> str:
    """A bar scaled so the largest share of the feature fills ``width``."""
    return "" if not math.isfinite(share) or top <= 0 else "█" * round(share / top * width)


def _g(value: float) -> str:
    """Four significant digits, no scientific notation."""
    return fmt_sig(value, 4)
