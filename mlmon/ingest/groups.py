"""The canonical ``group`` column: where a record came from, by the ``--by`` items.

Each ``--by`` item is read from the first of its candidate paths holding a value
(:func:`~mlmon.ingest.fields.by_candidates`: a shortcut's names, each as one key and then
as a dotted path), as text (a number as its digits); an empty text is no value. One item:
``group`` is its value, null where the record has none. Several: ``group`` is one JSON
object of every item's value by item, in ``--by`` order, ``null`` for an item the record
lacks (``{"pod":"a","revision":null}``); :func:`group_values` reads either back. A record
with no value is kept in a group of its own, never dropped.
"""

from __future__ import annotations

import json

import polars as pl

from mlmon.ingest.fields import BY_PREFIX, Path, by_items, has_path, path_dtype, path_expr

GroupValues = tuple[str | None, ...]
"""One group's value per ``--by`` item (None: the records have none)."""


def is_by_column(name: str) -> bool:
    """Whether a name among ``Needs.columns`` names a ``--by`` item (``by:pod``), not a column."""
    return name.startswith(BY_PREFIX)


def group_expr(
    schema: dict[str, pl.DataType], columns: tuple[str, ...], candidates: tuple[tuple[Path, ...], ...]
) -> pl.Expr:
    """The ``group`` column of a chunk decoded with ``schema``: ``candidates`` holds, per
    ``--by`` item named in ``columns`` (:func:`~mlmon.ingest.fields.by_columns`), its
    candidate paths (none: no ``--by``, every value null)."""
    by = by_items(columns)
    if not by:
        return pl.lit(None, dtype=pl.String)
    values = [_value(schema, paths).alias(item) for item, paths in zip(by, candidates, strict=True)]
    if len(values) == 1:
        return values[0]
    return pl.struct(values).struct.json_encode()


def _value(schema: dict[str, pl.DataType], paths: tuple[Path, ...]) -> pl.Expr:
    """The first candidate holding a value, as text; an object or a list is no value."""
    found = [
        path_expr(path).cast(pl.String)
        for path in paths
        if has_path(schema, path) and not isinstance(path_dtype(schema, path), pl.Struct | pl.List)
    ]
    texts = [pl.when(text != "").then(text) for text in found]
    if not texts:
        return pl.lit(None, dtype=pl.String)
    return texts[0] if len(texts) == 1 else pl.coalesce(texts)


def group_values(group: str | None, items: int) -> GroupValues:
    """The per-item values of a ``group`` value read for ``items`` ``--by`` items."""
    if items == 1:
        return (group,)
    if group is None:
        return (None,) * items
    decoded = json.loads(group)
    return tuple(None if value is None else str(value) for value in decoded.values())
