"""Terminal output for ``mlmon drift``: the window table, the first breach, a bar view of
reference against current class shares, and the confidence trend."""

from __future__ import annotations


from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from mlmon.api.results import DriftReport
from mlmon.render.terminal import SEVERITY_MARK, SEVERITY_STYLE, EmptyRun, findings_table, fmt_num, fmt_time, fold_empty_runs, ingest_lines
from mlmon.render.terminal_features import feature_parts
from mlmon.verdicts.prediction_drift import DriftWindow

BAR_WIDTH = 30



def _verdict(window) -> Text:
    return Text(SEVERITY_MARK[window.severity], style=SEVERITY_STYLE[window.severity])


def _drift_table(report: DriftReport) -> Table:
    result = report.prediction
    labels = list(result.reference_shares) or sorted({c.label for w in result.windows for c in w.classes})
    table = Table(title=f"Prediction drift ({result.window})", title_justify="left", show_edge=False, pad_edge=False)
    table.add_column("version")
    table.add_column("window start")
    table.add_column("n", justify="right")
    for label in labels:
        table.add_column(f"{label} now/ref", justify="right")
    for name in ("PSI", "JS", "p (BH)", ""):
        table.add_column(name, justify="right")
    for w in fold_empty_runs(result.windows, lambda w: w.n == 0, lambda w: w.model_version):
        if isinstance(w, EmptyRun):
            table.add_row("", Text(w.describe(), style="dim"), *[""] * (len(labels) + 5))
            continue
        shares = {c.label: c for c in w.classes}
        cells = []
        for label in labels:
            c = shares.get(label)
            ref = result.reference_shares.get(label)
            cells.append(f"{fmt_num(c.share if c else 0.0, '.1%')}/{fmt_num(ref, '.1%')}")
        table.add_row(w.model_version or "-", fmt_time(w.start), f"{w.n:,}", *cells, fmt_num(w.psi, ".4f"),
                      fmt_num(w.js_distance, ".3f"), fmt_num(w.p_adjusted, ".1e"), _verdict(w))
    return table


def _bars(report: DriftReport, window: DriftWindow) -> list[RenderableType]:
    ref = report.prediction.reference_shares
    current = {c.label: c.share for c in window.classes}
    title = Text(f"Class shares, reference vs window of {fmt_time(window.start)}", style="italic")
    table = Table(show_header=False, show_edge=False, box=None, pad_edge=False)
    for _ in range(4):
        table.add_column()
    for label in sorted(set(ref) | set(current), key=lambda k: (k not in ref, k)):
        for name, share, style in (("ref", ref.get(label, 0.0), "dim"), ("now", current.get(label, 0.0), "cyan")):
            table.add_row(label if name == "ref" else "", name, Text("█" * round(share * BAR_WIDTH), style=style), f"{share:.1%}")
    note = [Text(f"classes the reference never saw: {', '.join(window.unseen_classes)}", style="yellow")] if window.unseen_classes else []
    return [title, table, *note]


def _confidence_table(report: DriftReport) -> Table:
    result = report.confidence
    source = {"reference": "reference", "first_window": "first window"}.get(result.baseline_source or "", "none")
    table = Table(title=f"Confidence ({result.window}; baseline: {source})", title_justify="left", show_edge=False, pad_edge=False)
    for name in ("version", "window start", "n", "mean", "p10", f"< {result.thresholds.low_threshold:g}", "entropy bits", "change", ""):
        table.add_column(name, justify="left" if name in {"version", "window start"} else "right")
    for w in result.windows:
        table.add_row(w.model_version or "-", fmt_time(w.start), f"{w.n:,}", fmt_num(w.mean, ".3f"), fmt_num(w.p10, ".3f"),
                      fmt_num(w.share_below, ".1%"), fmt_num(w.mean_entropy_bits, ".2f"), fmt_num(w.change, "+.3f"), _verdict(w))
    return table


def drift_parts(report: DriftReport) -> list[RenderableType]:
    """The renderables of ``mlmon drift``, in order."""
    parts: list[RenderableType] = [Text("mlmon drift", style="bold"), *ingest_lines(report.ingest)]
    if report.reference is not None:
        parts.append(Text(f"reference: {report.reference.source} ({report.reference.n_rows:,} rows)", style="dim"))
    parts += [Text(""), _drift_table(report)]
    first = report.prediction.first_breach
    if not report.prediction.computable:
        parts.append(Text(f"prediction drift not computed: {report.prediction.reason}", style="magenta"))
    elif first is not None:
        parts.append(Text(f"first breach: {fmt_time(first.start)} UTC ({first.severity.value}): {first.reason}", style=SEVERITY_STYLE[first.severity]))
    else:
        parts.append(Text("no window breached", style="green"))
    shown = first or next((w for w in reversed(report.prediction.windows) if w.classes), None)
    if shown is not None and report.prediction.reference_shares:
        parts += [Text(""), *_bars(report, shown)]
    parts += [Text(""), _confidence_table(report)]
    features = feature_parts(report.features)
    parts += [Text(""), *features] if features else []
    return [*parts, Text(""), findings_table(report.findings)]
