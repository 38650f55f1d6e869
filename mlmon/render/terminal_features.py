"""Terminal output for data drift in ``mlmon drift``: the dataset line, features ranked by
drift, the top movers' reference-against-current summaries with bars, and the features
found on one side only."""

from __future__ import annotations

import math
from datetime import datetime

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from mlmon.render.terminal import SEVERITY_MARK, SEVERITY_STYLE, fmt_num, fmt_time
from mlmon.verdicts.feature_drift import FeatureDriftResult, FeatureOutcome
from mlmon.verdicts.findings import Severity

TOP_MOVERS = 3
"""Drifted features shown with their summaries and bars."""
BAR_WIDTH = 20


def feature_parts(result: FeatureDriftResult | None) -> list[RenderableType]:
    """The renderables of the data-drift section (none when the inputs were not read)."""
    if result is None:
        return []
    if result.reason is not None:
        return [Text(f"data drift not computed: {result.reason}", style="magenta"), *_one_side(result)]
    parts: list[RenderableType] = [_dataset_line(result)]
    sections = {"image": "Image inputs", "tabular": "Tabular inputs"}
    present = [name for name in sections if any(f.section == name for f in result.features)]
    for name in present:
        rows = [f for f in result.features if f.section == name]
        parts.append(_ranking(rows, sections[name] if len(present) > 1 else None))
    movers = [f for f in result.features if f.severity in (Severity.WARNING, Severity.CRITICAL)][:TOP_MOVERS]
    for outcome in movers:
        parts += [Text(""), _mover(outcome)]
    return parts + _one_side(result)


def _dataset_line(result: FeatureDriftResult) -> Text:
    critical, warning, unknown = (result.count(s) for s in (Severity.CRITICAL, Severity.WARNING, Severity.UNKNOWN))
    drifted = critical + warning
    style = SEVERITY_STYLE[Severity.CRITICAL if critical else Severity.WARNING if warning else Severity.OK]
    text = f"Data drift: {drifted} of {len(result.features)} features drifted ({critical} critical, {warning} warning"
    text += f", {unknown} unknown)" if unknown else ")"
    if result.whole_range:
        text += "; judged over the whole range (record-count windows apply to predictions)"
    return Text(text, style=f"bold {style}" if drifted else style)


def _ranking(features: list[FeatureOutcome], title: str | None) -> Table:
    table = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
    for name in ("feature", "kind", "first drifted", "PSI", "W1/sd", "p (BH)", "missing logs/ref", "verdict"):
        table.add_column(name, justify="left" if name in {"feature", "kind", "first drifted"} else "right")
    for f in features:
        d = f.worst.drift
        w1 = "-" if d.wasserstein_sd is None else fmt_num(d.wasserstein_sd.value, ".3f")
        first = fmt_time(f.first_drifted) if isinstance(f.first_drifted, datetime) else "-"
        missing = f"{fmt_num(d.missing_share, '.1%')}/{fmt_num(d.reference_missing_share, '.1%')}"
        verdict = Text(SEVERITY_MARK[f.severity], style=SEVERITY_STYLE[f.severity])
        table.add_row(f.feature, f.kind, first, fmt_num(d.psi, ".4f"), w1, fmt_num(f.worst.p_adjusted, ".1e"), missing, verdict)
    return table


def _mover(outcome: FeatureOutcome) -> RenderableType:
    s = outcome.summary
    since = f" from {fmt_time(outcome.first_drifted)}" if isinstance(outcome.first_drifted, datetime) else ""
    head = Text(f"{outcome.feature} ({outcome.kind}, {outcome.severity.value}{since}): {outcome.worst.reason}", style=SEVERITY_STYLE[outcome.severity])
    numeric = outcome.kind != "categorical"
    stats = Table(show_edge=False, pad_edge=False, box=None)
    names = ("", "n", "mean", "std", "p5", "p50", "p95", "missing") if numeric else ("", "n", "missing")
    for name in names:
        stats.add_column(name, justify="left" if not name else "right")
    for side, d in (("reference", s.reference), ("logs", s.current)):
        middle = (_g(d.mean), _g(d.std), *(_g(q) for q in d.quantiles)) if numeric else ()
        stats.add_row(side, f"{d.n:,}", *middle, fmt_num(d.missing_share, ".1%"))
    bars = Table(show_edge=False, box=None, pad_edge=False)
    for name in ("", "reference", "", "logs", ""):
        bars.add_column(name, justify="right" if name == "" and bars.columns else "left")
    top = max((v for v in (*s.bars.reference, *s.bars.current) if math.isfinite(v)), default=0.0)
    for label, ref, now in zip(s.bars.labels, s.bars.reference, s.bars.current):
        bars.add_row(label, Text(_bar(ref, top), style="dim"), fmt_num(ref, ".1%"), Text(_bar(now, top), style="cyan"), fmt_num(now, ".1%"))
    return Group(head, stats, bars)


def _one_side(result: FeatureDriftResult) -> list[RenderableType]:
    lines = []
    if result.only_in_logs:
        names = ", ".join(f"{name} ({n:,} values)" for name, n in list(result.only_in_logs.items())[:10])
        more = f" and {len(result.only_in_logs) - 10} more" if len(result.only_in_logs) > 10 else ""
        lines.append(Text(f"in the logs but not in the reference (not judged): {names}{more}", style="yellow"))
    if result.only_in_reference:
        lines.append(Text(f"in the reference but in no record: {', '.join(result.only_in_reference)}", style="yellow"))
    return lines


def _bar(share: float, top: float) -> str:
    """A bar scaled so the largest share of the feature fills ``BAR_WIDTH``."""
    return "" if not math.isfinite(share) or top <= 0 else "█" * round(share / top * BAR_WIDTH)



def _g(value: float) -> str:
    return "-" if not math.isfinite(value) else f"{value:.4g}"
