"""Float sums that come out the same on every run.

Polars' grouped ``sum`` adds the partial sums of its threads in no fixed order, so the last
digits of a float sum, and of every mean made from it, changed from run to run on the same
logs (16 different results in 20 runs of one ``group_by`` over 2M rows). A group's values
summed as one list, in row order (which polars keeps within a group), give the same result
every run. Integer sums are exact in any order and keep polars' ``sum``.
"""

from __future__ import annotations

import polars as pl


def ordered_sum(column: str | pl.Expr) -> pl.Expr:
    """The sum of ``column`` within each group (or over the frame), added in row order."""
    expr = pl.col(column) if isinstance(column, str) else column
    return expr.implode().list.sum()


def sum_of(name: str, dtype: pl.DataType) -> pl.Expr:
    """``name``'s sum: :func:`ordered_sum` for a float column, polars' ``sum`` otherwise."""
    return ordered_sum(name) if dtype.is_float() else pl.col(name).sum()
