"""Inline SVG charts for ``--format html``, built as text in Python: a line chart (values
over windows), stacked share columns (class shares per window against the reference), a
grouped histogram (reference against current), and a severity timeline (one cell per
window).

Why SVG from Python and not a chart library: the report must open offline, pasted into a
ticket or attached to a CI run. Inline SVG needs no script (nothing to break, nothing for a
Content-Security-Policy to block), weighs a few KB per chart where the smallest usable
library is ~50-200 KB minified, prints sharply at any size, and keeps renderers
testable with an XML parser. The price is no zoom or pan; hover text comes from SVG
``<title>`` elements, which every browser shows natively.

Colours come from the page's CSS classes (``s0``..: series, ``c0``..: classes, ``sev-*``:
severities), so a chart carries geometry only. Every text is escaped here; callers pass
plain strings.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from mlmon.render.human import finite

WIDTH = 760
"""Width of a full-width chart's viewBox; the page scales it to the column."""
LEFT, RIGHT, TOP, BOTTOM = 58, 14, 26, 38
MAX_TITLED = 400
"""Up to this many windows, each point or column carries a hover ``<title>``; past it,
only the shapes (a page of 10,000 windows stays small)."""
MAX_TIMELINE = 120
"""Windows drawn per timeline; a longer run shows its last ones after ``…``."""
TICKS = 6
"""Labels along the x axis, at most."""


def esc(value: object) -> str:
    """``value`` as text safe in HTML and SVG content and in quoted attributes."""
    return escape("" if value is None else str(value), quote=True)


def _n(value: float) -> str:
    """A coordinate, short: one decimal, no trailing zero."""
    text = f"{value:.1f}"
    return text.removesuffix(".0")


def _open(width: float, height: float, label: str, css: str) -> str:
    return (
        f'<svg class="chart {css}" viewBox="0 0 {_n(width)} {_n(height)}" width="{_n(width)}" height="{_n(height)}" '
        f'role="img" aria-label="{esc(label)}" xmlns="http://www.w3.org/2000/svg"><title>{esc(label)}</title>'
    )


def nice_top(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten at or above ``value`` (1 for 0)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= value * (1 - 1e-9))


def _x_ticks(labels: Sequence[str], x: Callable[[int], float], baseline: float) -> list[str]:
    n = len(labels)
    if n == 0:
        return []
    step = max(1, math.ceil(n / TICKS))
    parts = []
    for i in range(0, n, step):
        parts.append(
            f'<text class="tick" x="{_n(x(i))}" y="{_n(baseline + 16)}" text-anchor="middle">{esc(labels[i])}</text>'
        )
    return parts


def _y_axis(top: float, plot_h: float, width: float, fmt: Callable[[float], str]) -> list[str]:
    parts = []
    for k in range(5):
        value = top * k / 4
        y = TOP + plot_h - plot_h * k / 4
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{_n(width - RIGHT)}" y1="{_n(y)}" y2="{_n(y)}"/>')
        parts.append(f'<text class="tick" x="{LEFT - 6}" y="{_n(y + 4)}" text-anchor="end">{esc(fmt(value))}</text>')
    return parts


@dataclass(frozen=True)
class Series:
    """One line of a line chart."""

    name: str
    """Shown in the legend and hover text."""
    values: Sequence[float | None]
    """One per window; None (or nan) is a gap."""
    css: str = "s0"
    """Colour class."""


@dataclass(frozen=True)
class Band:
    """A shaded range around a line of a line chart (an interval per window)."""

    name: str
    """Hover text."""
    lows: Sequence[float | None]
    """One per window; None (or nan) is a gap."""
    highs: Sequence[float | None]
    """One per window."""
    css: str = "s0"
    """Colour class (the line's)."""


def _band_path(band: Band, x: Callable[[int], float], y: Callable[[float], float]) -> str:
    """Closed areas from the lows to the highs, one per run of windows with both; a lone
    window is a narrow bar."""
    runs: list[list[tuple[float, float, float]]] = [[]]
    for i, (low, high) in enumerate(zip(band.lows, band.highs)):
        if finite(low) and finite(high):
            runs[-1].append((x(i), y(float(low)), y(float(high))))
        elif runs[-1]:
            runs.append([])
    path = []
    for run in (r for r in runs if r):
        if len(run) == 1:
            px, low_y, high_y = run[0]
            run = [(px - 3, low_y, high_y), (px + 3, low_y, high_y)]
        edge = [f"{_n(px)} {_n(high_y)}" for px, _, high_y in run]
        edge += [f"{_n(px)} {_n(low_y)}" for px, low_y, _ in reversed(run)]
        path.append("M" + "L".join(edge) + "Z")
    return "".join(path)


def _segments(points: Sequence[tuple[float, float] | None]) -> str:
    """An SVG path through the points, broken at each gap."""
    path, pen = [], False
    for point in points:
        if point is None:
            pen = False
            continue
        path.append(f"{'L' if pen else 'M'}{_n(point[0])} {_n(point[1])}")
        pen = True
    return "".join(path)


def _legend(entries: Sequence[tuple[str, str]], shape: str = "line") -> list[str]:
    parts, x = [], LEFT
    for name, css in entries:
        mark = (
            f'<line class="{css}" x1="{x}" x2="{x + 16}" y1="12" y2="12"/>'
            if shape == "line"
            else f'<rect class="{css}" x="{x}" y="6" width="12" height="12"/>'
        )
        parts.append(f'{mark}<text class="legend" x="{x + 20}" y="16">{esc(name)}</text>')
        x += 28 + 7 * len(name)
    return parts


def line_chart(
    label: str,
    windows: Sequence[str],
    series: Sequence[Series],
    fmt: Callable[[float], str],
    *,
    ticks: Sequence[str] | None = None,
    bound: float | None = None,
    bound_label: str = "",
    width: float = WIDTH,
    height: float = 210,
    bands: Sequence[Band] = (),
) -> str:
    """Values over windows: one path per series, broken at gaps, a dot per value (with hover
    text up to :data:`MAX_TITLED` windows), a dashed ``bound`` line when given, and shaded
    ``bands`` under the lines."""
    n = len(windows)
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM
    present = [float(v) for s in series for v in s.values if finite(v)]
    present += [float(v) for b in bands for v in b.highs if finite(v)]
    top = nice_top(max([*present, bound if finite(bound) else 0.0], default=0.0))

    def x(i: int) -> float:
        return LEFT + (i + 0.5) * plot_w / max(n, 1)

    def y(v: float) -> float:
        return TOP + plot_h - plot_h * v / top

    parts = [
        _open(width, height, label, "line-chart"),
        *_legend([(s.name, s.css) for s in series]),
        *_y_axis(top, plot_h, width, fmt),
    ]
    parts += _x_ticks(ticks or windows, x, TOP + plot_h)
    if finite(bound):
        yb = _n(y(float(bound)))
        parts.append(
            f'<line class="bound" x1="{LEFT}" x2="{_n(width - RIGHT)}" y1="{yb}" '
            f'y2="{yb}"><title>{esc(bound_label)}</title></line>'
            f'<text class="tick bound-label" x="{_n(width - RIGHT)}" y="{_n(float(yb) - 4)}" '
            f'text-anchor="end">{esc(bound_label)}</text>'
        )
    for b in bands:
        parts.append(f'<path class="band {b.css}" d="{_band_path(b, x, y)}"><title>{esc(b.name)}</title></path>')
    for s in series:
        points = [(x(i), y(float(v))) if finite(v) else None for i, v in enumerate(s.values)]
        parts.append(f'<path class="line {s.css}" d="{_segments(points)}"/>')
        for i, (point, value) in enumerate(zip(points, s.values)):
            if point is not None and value is not None:  # a point is drawn for a finite value only
                hover = (
                    f"<title>{esc(windows[i])}: {esc(s.name)} {esc(fmt(float(value)))}</title>"
                    if n <= MAX_TITLED
                    else ""
                )
                parts.append(
                    f'<circle class="pt {s.css}" cx="{_n(point[0])}" cy="{_n(point[1])}" r="2.5">{hover}</circle>'
                )
    return "".join(parts) + "</svg>"


def share_columns(
    label: str,
    windows: Sequence[str],
    classes: Sequence[str],
    shares: Sequence[dict[str, float] | None],
    reference: dict[str, float],
    marks: Sequence[str],
    *,
    ticks: Sequence[str] | None = None,
    height: float = 230,
) -> str:
    """Class shares per window as stacked columns, the reference as the first column and as
    dashed lines at its cumulative shares across the windows; under each window a strip in
    its verdict's colour (``marks``: ``sev-*`` classes). ``shares`` None: an empty window."""
    n = len(windows)
    ref_w = 34.0
    plot_l = LEFT + ref_w + 12
    plot_w, plot_h = WIDTH - plot_l - RIGHT, height - TOP - BOTTOM
    slot = plot_w / max(n, 1)
    colour = {c: f"c{i % 8}" for i, c in enumerate(classes)}

    def column(x0: float, width: float, values: dict[str, float], where: str, titled: bool) -> list[str]:
        out, base = [], 0.0
        for c in classes:
            share = float(values.get(c, 0.0))
            if not finite(share) or share <= 0:
                continue
            y0 = TOP + plot_h - plot_h * (base + share)
            hover = (
                f"<title>{esc(where)}: {esc(c)} {share:.1%}"
                + (f" (reference {reference.get(c, 0.0):.1%})" if reference else "")
                + "</title>"
                if titled
                else ""
            )
            out.append(
                f'<rect class="share {colour[c]}" x="{_n(x0)}" y="{_n(y0)}" width="{_n(width)}" '
                f'height="{_n(plot_h * share)}">{hover}</rect>'
            )
            base += share
        return out

    parts = [_open(WIDTH, height, label, "share-chart"), *_legend([(c, colour[c]) for c in classes], "box")]
    parts += _y_axis(1.0, plot_h, WIDTH, lambda v: f"{v:.0%}")[1::2]  # labels only: columns cover the grid
    if reference:
        parts += column(LEFT + 6, ref_w, reference, "reference", True)
        parts.append(
            f'<text class="tick" x="{_n(LEFT + 6 + ref_w / 2)}" y="{_n(TOP + plot_h + 16)}" '
            'text-anchor="middle">ref</text>'
        )
    titled = n <= MAX_TITLED
    for i, values in enumerate(shares):
        if values is not None:
            parts += column(plot_l + i * slot + slot * 0.1, slot * 0.8, values, windows[i], titled)
        parts.append(
            f'<rect class="mark {esc(marks[i])}" x="{_n(plot_l + i * slot + slot * 0.1)}" y="{_n(TOP + plot_h + 2)}" '
            f'width="{_n(slot * 0.8)}" height="4"/>'
        )
    parts += _x_ticks(ticks or windows, lambda i: plot_l + (i + 0.5) * slot, TOP + plot_h + 4)
    cumulative = 0.0
    for c in classes[:-1]:
        cumulative += float(reference.get(c, 0.0))
        yr = _n(TOP + plot_h - plot_h * cumulative)
        parts.append(f'<line class="ref-line" x1="{_n(plot_l)}" x2="{_n(WIDTH - RIGHT)}" y1="{yr}" y2="{yr}"/>')
    return "".join(parts) + "</svg>"


def histogram(
    label: str,
    bins: Sequence[str],
    reference: Sequence[float],
    current: Sequence[float],
    *,
    width: float = 440,
    height: float = 190,
) -> str:
    """Shares per bin, reference (grey) and current (coloured) side by side. A share that is
    nan (no values on that side) draws no bar."""
    n = len(bins)
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM
    slot = plot_w / max(n, 1)
    top = nice_top(max((float(v) for v in (*reference, *current) if finite(v)), default=0.0))
    parts = [_open(width, height, label, "histogram"), *_legend([("reference", "ref"), ("logs", "cur")], "box")]
    parts += _y_axis(top, plot_h, width, lambda v: f"{v:.0%}")
    for i, name in enumerate(bins):
        for side, css, values in ((0, "ref", reference), (1, "cur", current)):
            share = values[i] if i < len(values) else math.nan
            if not finite(share):
                continue
            bar_h = plot_h * float(share) / top
            x0 = LEFT + i * slot + slot * (0.1 + 0.4 * side)
            what = "reference" if side == 0 else "logs"
            parts.append(
                f'<rect class="bar {css}" x="{_n(x0)}" y="{_n(TOP + plot_h - bar_h)}" width="{_n(slot * 0.4)}" '
                f'height="{_n(bar_h)}">'
                f"<title>{esc(name)}: {what} {float(share):.1%}</title></rect>"
            )
    step = max(1, math.ceil(n / 12))
    for i in range(0, n, step):
        text = bins[i] if len(bins[i]) <= 9 else bins[i][:8] + "…"
        parts.append(
            f'<text class="tick" x="{_n(LEFT + (i + 0.5) * slot)}" y="{_n(TOP + plot_h + 16)}" '
            f'text-anchor="middle">{esc(text)}</text>'
        )
    return "".join(parts) + "</svg>"


@dataclass(frozen=True)
class Cell:
    """One window of a timeline."""

    css: str
    """Severity class (``sev-ok``, ``sev-critical``...)."""
    hover: str
    """What the cell says on hover: the window and why."""
    held: bool = False
    """Firing only because of ``keep_firing_for``: drawn hatched (outlined)."""


def timeline(label: str, cells: Sequence[Cell]) -> str:
    """One small square per window, oldest first, in its severity's colour; past
    :data:`MAX_TIMELINE` windows, the last ones after an ellipsis."""
    shown = list(cells[-MAX_TIMELINE:])
    lead = 12 if len(cells) > MAX_TIMELINE else 0
    width, height = lead + 11 * len(shown) + 1, 16
    parts = [_open(width, height, label, "timeline")]
    if lead:
        parts.append('<text class="tick" x="0" y="12">…</text>')
    for i, cell in enumerate(shown):
        held = " held" if cell.held else ""
        parts.append(
            f'<rect class="cell {esc(cell.css)}{held}" x="{lead + 11 * i + 1}" y="1" width="9" '
            f'height="14"><title>{esc(cell.hover)}</title></rect>'
        )
    return "".join(parts) + "</svg>"
