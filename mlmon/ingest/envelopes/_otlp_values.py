"""OTLP JSON values (:mod:`.otlp`): an ``AnyValue`` as the JSON value it holds, a list of
``KeyValue`` pairs as the members of a JSON object, vectorised with polars; Python only for
lists holding a ``kvlistValue`` or ``arrayValue`` (rare in logs' attributes)."""

from __future__ import annotations

import io
import json
import re

import polars as pl

_S = pl.String()
SCALARS = ("stringValue", "intValue", "doubleValue", "boolValue", "bytesValue")
"""The ``AnyValue`` fields that hold one value."""
SCALAR = pl.Struct({name: _S for name in SCALARS})
_PAIRS = pl.List(pl.Struct({"key": _S, "value": SCALAR}))
_NESTED = '"(?:kvlistValue|arrayValue)"'
_INTEGER = r"^-?(?:0|[1-9][0-9]*)$"
_NUMBER = r"^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?$"


def decode_texts(texts: pl.Series, dtype: pl.DataType) -> pl.Series:
    """JSON texts (as polars writes them: no newline) decoded to ``dtype``; a value of the
    wrong type is null, not a failure of them all."""
    texts = pl.select(pl.when(pl.lit(texts).str.contains(r"^\s*[\[{]")).then(pl.lit(texts))).to_series()
    try:
        return texts.str.json_decode(dtype)
    except pl.exceptions.PolarsError:
        pass
    valid = pl.Series([text if text is None or _is_json(text) else None for text in texts], dtype=pl.String)
    lines = pl.select(pl.concat_str(pl.lit('{"v":'), pl.lit(valid).fill_null("null"), pl.lit("}"))).to_series()
    data = (lines.str.join("\n").item() + "\n").encode() if len(lines) else b""
    try:
        read = pl.read_ndjson(io.BytesIO(data), schema={"v": dtype}, ignore_errors=True)["v"]
    except pl.exceptions.PolarsError:
        read = pl.Series(dtype=dtype)
    return read if len(read) == len(texts) else pl.Series([None] * len(texts), dtype=dtype)


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def json_string(text: pl.Expr) -> pl.Expr:
    """Text as a JSON string (null stays null)."""
    encoded = pl.struct(text.alias("v")).struct.json_encode().str.slice(5).str.head(-1)
    return pl.when(text.is_not_null()).then(encoded)


def scalar_json(value: pl.Expr) -> pl.Expr:
    """A scalar ``AnyValue`` as a JSON value (null: it holds none)."""
    field = value.struct.field
    integer, double = field("intValue").str.strip_chars(), field("doubleValue").str.strip_chars()
    boolean = field("boolValue").str.to_lowercase()
    return (
        pl.when(field("stringValue").is_not_null())
        .then(json_string(field("stringValue")))
        .when(integer.str.contains(_INTEGER))
        .then(integer)
        .when(double.str.contains(_INTEGER))
        .then(double + ".0")
        .when(double.str.contains(_NUMBER))
        .then(double)
        .when(boolean.is_in(["true", "false"]))
        .then(boolean)
        .otherwise(json_string(pl.coalesce(field("intValue"), field("doubleValue"), field("bytesValue"))))
    )


def key_values(frame: pl.DataFrame, key: str, column: str, *, path: tuple[str, ...] = ()) -> pl.DataFrame:
    """The key/value pairs of ``column``, the JSON text of a ``KeyValue`` list (found at
    ``path`` in it: ``("kvlistValue", "values")`` in a body), one row each by ``key`` (the
    row's id): ``key``, ``_member`` (``"key":value``) and ``_text`` (the value as text,
    strings unquoted). Lists holding a list or an object value are walked in Python."""
    rows = frame.select(key, column).filter(pl.col(column).is_not_null())
    nested = rows[column].str.count_matches(_NESTED) > len(path) // 2
    simple, walked = rows.filter(~nested), rows.filter(nested)
    dtype: pl.DataType = _PAIRS
    for name in reversed(path):
        dtype = pl.Struct({name: dtype})
    field = pl.col("_pairs")
    for name in path:
        field = field.struct.field(name)
    decoded = simple.select(key, decode_texts(simple[column], dtype).alias("_pairs")).select(key, field.alias("_pairs"))
    value = pl.col("value")
    long = (
        decoded.explode("_pairs")
        .filter(pl.col("_pairs").is_not_null())
        .unnest("_pairs")
        .with_columns(scalar_json(value).fill_null(pl.lit("null")).alias("_json"))
        .select(key, "key", "_json", pl.coalesce(value.struct.field("stringValue"), "_json").alias("_text"))
    )
    python = [(row, *pair) for row, text in walked.iter_rows() for pair in _walked_pairs(text, path)]
    long = pl.concat([long, pl.DataFrame(python, schema=long.schema, orient="row")], how="vertical_relaxed").sort(
        key, maintain_order=True
    )
    return long.with_columns(pl.concat_str(json_string(pl.col("key")), pl.lit(":"), "_json").alias("_member"))


def _walked_pairs(text: str, path: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """The (key, JSON value, text value) of a ``KeyValue`` list's JSON text, in Python."""
    try:
        pairs = json.loads(text)
    except ValueError:
        return []
    for name in path:
        pairs = pairs.get(name) if isinstance(pairs, dict) else None
    found = []
    for pair in pairs if isinstance(pairs, list) else []:
        if isinstance(pair, dict) and isinstance(pair.get("key"), str):
            value = _any(pair.get("value"))
            dumped = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
            found.append((pair["key"], dumped, value if isinstance(value, str) else dumped))
    return found


def _any(value: object) -> object:
    """An ``AnyValue`` object as the Python value it holds."""
    if not isinstance(value, dict):
        return None
    if isinstance(value.get("kvlistValue"), dict):
        pairs = value["kvlistValue"].get("values") or []
        return {pair.get("key"): _any(pair.get("value")) for pair in pairs if isinstance(pair, dict)}
    if isinstance(value.get("arrayValue"), dict):
        return [_any(item) for item in value["arrayValue"].get("values") or []]
    if re.fullmatch(_INTEGER[1:-1], str(value.get("intValue", "")).strip()):
        return int(str(value["intValue"]).strip())
    if isinstance(value.get("doubleValue"), int | float) and not isinstance(value.get("doubleValue"), bool):
        return float(value["doubleValue"])
    return next((value[name] for name in SCALARS if name in value), None)
