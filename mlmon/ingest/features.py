"""Input features: the ``features`` object of a record, and fields named as features.

A record's inputs are read from three places, later ones winning for the same name:

* the ``features`` object (``{"features": {"brightness": 0.41, "camera": "cam-2"}}``);
* top-level fields named by ``--features a,b`` (:attr:`IngestOptions.features`);
* ``--field features.NAME=dotted.path`` mappings.

Each becomes a canonical column ``feature:<name>``: ``Float64`` for a numeric feature,
``String`` for a categorical one and for a discovered key whose kind is not known yet.
``has_features`` marks the records that carry inputs at all (the ``features`` object or
a named field); a feature's *missing share* is over those records only, so a prediction or
resource record without inputs is not a missing value. A value of the wrong type (text in a
numeric feature, an object or array anywhere) is counted as ``wrong type: feature NAME``
and read as missing; a ``features`` key that is not an object is ``wrong type: features``.

The set of keys is open. A read that knows its features (a reference profile's) reads the
object with a typed struct schema, which costs about as much as one more numeric field per
feature; polars ignores other keys there. Listing the other keys needs the object as text,
which costs about three times as much, so it is done where ``FeatureNeeds.discover`` says:
in every chunk when logs are profiled, or in each file's first chunk when drift lists the
keys a reference lacks. At most :data:`MAX_FEATURES` keys are read per chunk; the values of
the others are counted as ``over the feature cap``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import polars as pl

from mlmon.errors import UsageError
from mlmon.ingest.fields import Path, has_path, path_dtype, path_expr
from mlmon.ingest.needs import FeatureNeeds

FEATURES_KEY = "features"
"""The top-level key of the features object."""
FEATURE_PREFIX = "feature:"
"""Prefix of the canonical feature columns."""
HAS_FEATURES = "has_features"
"""Canonical Boolean column: the record carries inputs."""
MAX_FEATURES = 500
"""Most feature keys read per chunk (and per run, ``mlmon.analyses.feature_windows``):
a service logs tens; thousands of keys are an id or a payload logged by mistake, and each
key costs a column."""
OVER_CAP = f"over the feature cap ({MAX_FEATURES} keys)"
NOT_AN_OBJECT = f"wrong type: {FEATURES_KEY}"
_PRESENT, _OBJECT = "_features_present", "_features_object"


def column(name: str) -> str:
    """The canonical column of feature ``name``."""
    return FEATURE_PREFIX + name


def feature_name(column_name: str) -> str | None:
    """The feature a canonical column holds, or None when it is not a feature column."""
    return column_name[len(FEATURE_PREFIX) :] if column_name.startswith(FEATURE_PREFIX) else None


def wrong_type(name: str) -> str:
    return f"wrong type: feature {name}"


def split_feature_fields(overrides: dict[str, str]) -> tuple[dict[str, str], dict[str, Path]]:
    """``--field`` overrides split into canonical fields and ``features.NAME`` mappings."""
    fields, features = {}, {}
    for name, dotted in overrides.items():
        if not name.startswith(f"{FEATURES_KEY}."):
            fields[name] = dotted
            continue
        feature, path = name[len(FEATURES_KEY) + 1 :], tuple(part for part in dotted.split(".") if part)
        if not feature or not path:
            raise UsageError(f"--field {name}={dotted}: expected features.NAME=dotted.path")
        features[feature] = path
    return fields, features


@dataclass(frozen=True)
class FeatureRead:
    """How one run reads features: what it knows, and where named fields live."""

    needs: FeatureNeeds
    """The kinds known in advance and where to list other keys."""
    paths: dict[str, Path] = field(default_factory=dict)
    """Named features (``--features``, ``--field features.NAME=``): name -> JSON path."""

    @classmethod
    def of(cls, needs: FeatureNeeds, top_level: tuple[str, ...], mapped: dict[str, Path]) -> FeatureRead:
        return cls(needs, {**{name: (name,) for name in top_level}, **mapped})

    def kind(self, name: str) -> str:
        """``numeric``, ``categorical``, or ``text`` (discovered, kind decided downstream)."""
        return "numeric" if name in self.needs.numeric else "categorical" if name in self.needs.categorical else "text"

    def discovers(self, first_line: int) -> bool:
        """Whether the chunk starting at ``first_line`` lists every key of the object."""
        return self.needs.discover == "all" or (self.needs.discover == "first_chunk" and first_line == 1)

    def read_schema(self) -> dict[str, pl.DataType]:
        """The forgiving schema's entries: the object and named fields' top keys as text."""
        return {FEATURES_KEY: pl.String(), **{path[0]: pl.String() for path in self.paths.values()}}

    def typed_schema(self, discovering: bool) -> dict[str, pl.DataType]:
        """The strict schema's entries: the object as a struct of the known features (text
        when every key must be listed, or none is known)."""
        known = [name for name in (*self.needs.numeric, *self.needs.categorical) if name not in self.paths]
        if discovering or not known:
            return self.read_schema()
        struct = pl.Struct({name: pl.Float64() if name in self.needs.numeric else pl.String() for name in known})
        return {**self.read_schema(), FEATURES_KEY: struct}


def decode_features(raw: pl.DataFrame, read: FeatureRead, discovering: bool) -> tuple[pl.DataFrame, list[str], int]:
    """``raw`` with the ``features`` object as a struct (decoded from text when the strict
    read left it so), the names to read from it, and the values over the key cap."""
    known = [name for name in (*read.needs.numeric, *read.needs.categorical) if name not in read.paths]
    if FEATURES_KEY not in raw.columns:
        return raw, known, 0
    if not isinstance(raw.schema[FEATURES_KEY], pl.String):
        present = pl.col(FEATURES_KEY).is_not_null()
        return raw.with_columns(present.alias(_PRESENT), present.alias(_OBJECT)), known, 0
    text = raw.get_column(FEATURES_KEY)
    objects = text.str.starts_with("{").fill_null(False)
    keys, over_cap = _keys(text.filter(objects)) if discovering else ([], 0)
    names = list(dict.fromkeys((*known, *(key for key in keys if key not in read.paths))))
    decoded = _decode_objects(text, objects, names)
    return raw.with_columns(decoded.alias(FEATURES_KEY), text.is_not_null().alias(_PRESENT), objects.alias(_OBJECT)), names, over_cap


def _keys(objects: pl.Series) -> tuple[list[str], int]:
    """Every key of the JSON objects in ``objects`` (first seen first), capped, and the
    number of values under the keys beyond the cap."""
    if objects.len() == 0:
        return [], 0
    try:
        inferred = pl.read_ndjson(io.BytesIO(objects.str.join("\n").item().encode()), infer_schema_length=None)
    except pl.exceptions.PolarsError:
        found = objects.str.extract_all(r'"((?:[^"\\]|\\.)*)"\s*:').explode().drop_nulls().unique(maintain_order=True)
        return found.head(MAX_FEATURES).to_list(), 0
    over = inferred.columns[MAX_FEATURES:]
    return inferred.columns[:MAX_FEATURES], int(sum(inferred.get_column(name).is_not_null().sum() for name in over))


def _decode_objects(text: pl.Series, objects: pl.Series, names: list[str]) -> pl.Series:
    """The object rows of ``text`` as a struct of ``names`` (every value as text: numbers as
    their digits, objects and arrays as JSON), null elsewhere."""
    dtype = pl.Struct({name: pl.String() for name in names or ["_"]})
    rows = text.filter(objects)
    if not names:
        return pl.Series(FEATURES_KEY, [None] * text.len(), dtype=dtype)
    try:
        frame = pl.read_ndjson(io.BytesIO(rows.str.join("\n").item().encode()), schema=dict(dtype.to_schema()))
        values = frame.to_struct(FEATURES_KEY) if frame.height == rows.len() else None
    except pl.exceptions.PolarsError:
        values = None
    if values is None:  # a shape polars will not read in one call: leaf by leaf
        values = pl.select(pl.struct(pl.lit(rows).str.json_path_match(f"$[{_quoted(n)}]").alias(n) for n in names)).to_series()
    if rows.len() == text.len():
        return values.alias(FEATURES_KEY)
    where, empty = objects.arg_true(), pl.Series([None] * text.len(), dtype=pl.String)
    fields = [empty.clone().scatter(where, values.struct.field(name)).alias(name) for name in names]
    return pl.select(pl.when(pl.lit(objects)).then(pl.struct(fields))).to_series().alias(FEATURES_KEY)


def _quoted(key: str) -> str:
    return "'" + key.replace("\\", "\\\\").replace("'", "\\'") + "'"


def feature_reads(schema: dict[str, pl.DataType], read: FeatureRead, names: list[str]) -> tuple[dict[str, pl.Expr], dict[str, pl.Expr]]:
    """The canonical feature columns of a decoded chunk and their wrong-type masks by
    reason. ``names`` are the keys read from the object; named features come from their
    paths."""
    sources = {name: (FEATURES_KEY, name) for name in names}
    sources.update(read.paths)
    columns: dict[str, pl.Expr] = {}
    checks: dict[str, pl.Expr] = {}
    if _PRESENT in schema:
        checks[NOT_AN_OBJECT] = pl.col(_PRESENT) & ~pl.col(_OBJECT)
    present = [pl.col(_PRESENT)] if _PRESENT in schema else []
    for name, path in sources.items():
        value, wrong = _leaf(schema, path, read.kind(name))
        columns[column(name)] = value
        if wrong is not None:
            checks[wrong_type(name)] = wrong
        if path[0] != FEATURES_KEY and has_path(schema, path[:1]):
            present.append(pl.col(path[0]).is_not_null())
    columns[HAS_FEATURES] = pl.any_horizontal(present) if present else pl.lit(False)
    return columns, checks


def _leaf(schema: dict[str, pl.DataType], path: Path, kind: str) -> tuple[pl.Expr, pl.Expr | None]:
    """(value, wrong-type mask) of one feature; the mask is None when nothing can be wrong."""
    dtype = path_dtype(schema, path)
    if dtype is None or isinstance(dtype, (pl.Null, pl.Struct)):
        return pl.lit(None, dtype=pl.Float64 if kind == "numeric" else pl.String), None
    expr = path_expr(path)
    if dtype.is_numeric():
        return (expr.cast(pl.Float64), None) if kind != "text" else (expr.cast(pl.String), None)
    text = expr.cast(pl.String)
    if kind == "numeric":
        number = text.str.strip_chars().cast(pl.Float64, strict=False)
        return number, text.is_not_null() & number.is_null()
    composite = text.str.starts_with("{") | text.str.starts_with("[")
    wrong = composite & text.str.json_path_match("$").is_not_null()
    return pl.when(wrong).then(None).otherwise(text), wrong.fill_null(False)
