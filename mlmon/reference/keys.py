"""How a feature's values become category keys, the same way on both sides: in a reference
profile (``reference build``) and in a window of logs (``mlmon.analyses.features``).

* A number is keyed by the shortest text that reads back as the same float64, with -0.0 as
  0.0 (:func:`value_keys`).
* A boolean is ``true`` or ``false`` however it was written: JSON ``true``, a polars
  Boolean (a CSV column of ``True``/``False`` as pandas writes it, or ``TRUE``/``FALSE`` as
  R does), or the text ``"True"``, ``"true"``, ``"TRUE"`` (:func:`category_keys`). A service
  that logs ``str(flag)`` is then not a new category. Every other category compares as
  written, case and spaces included.
"""

from __future__ import annotations

import polars as pl

BOOLEAN_KEYS = ("true", "false")
"""The keys of the two boolean values."""


def value_keys(values: pl.Series) -> pl.Series:
    """Numbers as category keys: the shortest text that reads back as the same float64
    (polars' cast to String), with -0.0 read as 0.0. The profile keys its value counts so."""
    numbers = values.cast(pl.Float64)
    return numbers.zip_with(numbers != 0.0, pl.Series([0.0] * numbers.len())).cast(pl.String)


def category_keys(values: pl.Series) -> pl.Series:
    """Categories as keys (nulls stay null): text as written, except the spellings of a
    boolean, which become ``true`` and ``false`` (see the module's notes)."""
    text = values.cast(pl.String)
    lowered = text.str.to_lowercase()
    return pl.select(pl.when(lowered.is_in(BOOLEAN_KEYS)).then(lowered).otherwise(text)).to_series().alias(values.name)
