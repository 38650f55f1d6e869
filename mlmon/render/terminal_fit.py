"""Fitting terminal output to a width: the width itself, wrapping that never splits a
time or a number from its unit, tables that drop or fold columns, sparklines and long runs
of windows summarised to a screenful.

Width (:func:`output_width`): ``COLUMNS`` when set (tests set it); else the terminal's
width when standard output is a terminal (rich's detection); else, piped or redirected,
:data:`PIPED_WIDTH` (200) columns, wide enough that no table wraps, so a file or a pipe gets
whole lines whatever the terminal that made it. Set ``COLUMNS=80`` to ask for less.

Tables (:func:`fit_table`): each column has a drop rank. While the table is wider than the
width, the columns of the lowest remaining rank go (rank 1 first; 0 never), each either
dropped or folded into another column as an extra line. At most one column is flexible: it
takes the room left (at least its ``min_width``) and its text wraps there, at spaces that
are not inside a time or between a number and its unit. Every other column never wraps.

Runs of windows: a table holds at most :data:`MAX_ROWS` rows; beyond that, consecutive
windows are shown in buckets (:func:`chunks`), and each table says how it summarises
them. A sparkline has one mark per window while they fit, else one per bucket of windows,
the bucket's largest value (:func:`sparkline`).
"""

from __future__ import annotations

import math
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from rich.cells import cell_len
from rich.console import Console, JustifyMethod
from rich.table import Table
from rich.text import Text

PIPED_WIDTH = 200
"""Columns when standard output is not a terminal and ``COLUMNS`` is not set."""
MAX_ROWS = 48
"""The most windows a table lists one per row; more are shown in buckets."""
SPARKS = "▁▂▃▄▅▆▇█"

T = TypeVar("T")
Cell = str | Text


def output_width() -> int:
    """The width to render at (see the module docstring)."""
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        tty = sys.stdout.isatty()
    except (AttributeError, ValueError):
        tty = False
    return Console(file=sys.stdout).width if tty else PIPED_WIDTH


_TOKEN = re.compile(
    r"\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d(?:\.\d+)?)?"  # a time
    # a number and its unit
    r"|[-+<]?\d[\d.,]*(?:e-?\d+)? (?:ms|µs|s|MiB|req/s|days?|hours?|minutes?|seconds?)(?![\w/])"
    r"|\S+"
)


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` cells, broken at spaces outside times and
    number-unit pairs; a word longer than a line is cut. Existing line breaks stay."""
    width = max(width, 1)
    out: list[str] = []
    for paragraph in text.split("\n"):
        indent = paragraph[: len(paragraph) - len(paragraph.lstrip(" "))]
        line, end = "", len(indent)
        for match in _TOKEN.finditer(paragraph, len(indent)):
            gap, word = paragraph[end : match.start()], match.group()
            end = match.end()
            if line and cell_len(line + gap + word) <= width:
                line += gap + word
                continue
            if line:
                out.append(line)
            line = (indent if cell_len(indent + word) <= width else "") + word
            while cell_len(line) > width:
                out.append(line[:width])
                line = line[width:]
        out.append(line)
    return out


def para(text: str, width: int, style: str = "") -> Text:
    """A paragraph wrapped by :func:`wrap`."""
    return Text("\n".join(wrap(text, width)), style=style)


@dataclass(frozen=True)
class Col:
    """One column of :func:`fit_table`."""

    header: str
    justify: JustifyMethod = "right"
    drop: int = 0
    """Rank: columns of rank 1 go first when the table is too wide; 0 stays."""
    fold: str | None = None
    """Header of the column this one's cells join as an extra line when it goes."""
    flex: bool = False
    """Takes the room left and wraps there (at most one column)."""
    min_width: int = 24
    """The flexible column's least width."""
    style: str | None = None


def _lines(cell: Cell) -> list[str]:
    return (cell.plain if isinstance(cell, Text) else cell).split("\n")


def _width(cell: Cell) -> int:
    return max(cell_len(line) for line in _lines(cell))


def _join(a: Cell, b: Cell) -> Cell:
    if not (isinstance(b, Text) and b.plain) and not str(b).strip():
        return a
    if not (isinstance(a, Text) and a.plain) and not str(a).strip():
        return b
    return Text.assemble(a, "\n", b) if isinstance(a, Text) or isinstance(b, Text) else f"{a}\n{b}"


def _gap(options: dict[str, Any]) -> int:
    """Cells between two columns: the padding either side and the rule, if any."""
    padding = options.get("padding", (0, 1))
    pad = padding if isinstance(padding, int) else padding[1] if len(padding) in (2, 4) else padding[0]
    return 2 * pad + (0 if "box" in options and options["box"] is None else 1)


def _natural(cols: list[Col], grid: list[list[Cell]], gap: int = 3) -> tuple[int, int]:
    """(width of the table with the flexible column at its least, the flexible column's
    natural width)."""
    total, flex_natural = gap * (len(cols) - 1), 0
    for i, col in enumerate(cols):
        natural = max([cell_len(col.header), *(_width(row[i]) for row in grid)])
        if col.flex:
            flex_natural = natural
            natural = min(natural, max(col.min_width, cell_len(col.header)))
        total += natural
    return total, flex_natural


def _fit(
    cols: Sequence[Col], rows: Sequence[Sequence[Cell]], width: int, gap: int = 3
) -> tuple[list[Col], list[list[Cell]]]:
    """The columns and cells left once columns have gone, rank by rank, until the table
    fits ``width`` (or nothing more can go)."""
    cols, grid = list(cols), [list(row) for row in rows]
    for rank in sorted({c.drop for c in cols if c.drop}):
        if _natural(cols, grid, gap)[0] <= width:
            break
        for i in reversed([i for i, c in enumerate(cols) if c.drop == rank]):
            target = next(
                (j for j, c in enumerate(cols) if cols[i].fold and c.header.split(" / ")[0] == cols[i].fold), None
            )
            if target is not None:
                cols[target] = replace(cols[target], header=f"{cols[target].header} / {cols[i].header}")
                for row in grid:
                    row[target] = _join(row[target], row[i])
            del cols[i]
            for row in grid:
                del row[i]
    return cols, grid


def least_width(cols: Sequence[Col], rows: Sequence[Sequence[Cell]]) -> int:
    """The table's width once every column that may go has gone."""
    return _natural(*_fit(cols, rows, 0))[0]


def fit_table(cols: Sequence[Col], rows: Sequence[Sequence[Cell]], width: int, **options: Any) -> Table:
    """A table of ``rows`` that fits ``width`` (see the module docstring)."""
    gap = _gap(options)
    cols, grid = _fit(cols, rows, width, gap)
    fixed, flex_natural = _natural(cols, grid, gap)
    table = Table(show_edge=False, pad_edge=False, **options)
    for col in cols:
        table.add_column(
            col.header,
            justify=col.justify,
            no_wrap=not col.flex,
            overflow="fold" if col.flex else "ellipsis",
            style=col.style,
        )
    flex = next((i for i, c in enumerate(cols) if c.flex), None)
    if flex is not None:
        others = fixed - min(flex_natural, max(cols[flex].min_width, cell_len(cols[flex].header)))
        room = min(flex_natural, max(width - others, cell_len(cols[flex].header), 8))
        for row in grid:
            cell = row[flex]
            text = "\n".join(wrap(cell.plain if isinstance(cell, Text) else cell, room))
            row[flex] = Text(text, style=cell.style) if isinstance(cell, Text) else text
    for row in grid:
        table.add_row(*row)
    return table


def chunks(rows: Sequence[T], size: int, group: Callable[[T], object] = lambda _: None) -> list[list[T]]:
    """Consecutive ``rows`` in lists of at most ``size``, never across a ``group``."""
    out: list[list[T]] = []
    for row in rows:
        if out and len(out[-1]) < size and group(out[-1][0]) == group(row):
            out[-1].append(row)
        else:
            out.append([row])
    return out


def bucket_size(count: int, limit: int = MAX_ROWS) -> int:
    """Windows per bucket so that ``count`` windows make at most ``limit`` rows."""
    return max(1, math.ceil(count / limit))


def sparkline(values: Sequence[float | None], width: int | None = None) -> str:
    """One mark per value, scaled to the largest, a gap (None) a space; with more values
    than ``width``, one mark per bucket of :func:`spark_bucket` values, its largest."""
    if width is not None and len(values) > width:
        per = spark_bucket(len(values), width)
        values = [
            max((v for v in values[i : i + per] if v is not None), default=None) for i in range(0, len(values), per)
        ]
    present = [v for v in values if v is not None and math.isfinite(v)]
    top = max(present, default=0.0)
    if top <= 0:
        return "".join(" " if v is None else SPARKS[0] for v in values)
    return "".join(
        " "
        if v is None or not math.isfinite(v)
        else SPARKS[min(int(v / top * (len(SPARKS) - 1) + 0.5), len(SPARKS) - 1)]
        for v in values
    )


def spark_bucket(count: int, width: int) -> int:
    """Values per mark when ``count`` values share ``width`` marks."""
    return max(1, math.ceil(count / max(width, 1)))
