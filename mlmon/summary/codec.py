"""A generic, exact JSON codec for analysis states: what a summary file holds.

``encode(value)`` turns a state into JSON-ready values (dicts, lists, strings, numbers,
booleans, null); ``decode(encoded)`` gives back an equal value of the same types, float
bits included. Plain JSON values stand for themselves: ``None``, ``bool``, ``int``,
``str``, a finite ``float`` (written with Python's ``repr``, the shortest text that reads
back as the same double) and a list. Every other value is a JSON object whose key ``"$"``
names its kind:

=================  ======================================================================
``"$"``            the other keys
=================  ======================================================================
``tuple``          ``items``: the elements
``frozenset``      ``items``: the elements, sorted
``dict``           ``items``: ``[key, value]`` pairs in insertion order (keys may be
                   tuples, ints, strings, None)
``float``          ``value``: ``"nan"``, ``"inf"`` or ``"-inf"`` (JSON has no such numbers)
``datetime``       ``value``: ISO 8601 with microseconds and its UTC offset
``timedelta``      ``microseconds``: an integer
``numpy``          a numpy scalar: ``dtype`` (``"int64"``), ``value``
``ndarray``        ``dtype`` (numpy's, with byte order: ``"<f8"``), ``shape``, ``base64``:
                   the C-ordered bytes
``series``         a polars Series: ``name``, ``dtype`` (below), ``length``, ``nulls``
                   (base64 of the validity bits, ``numpy.packbits`` of "is null", or null
                   when none), ``values`` (below)
``frame``          a polars DataFrame: ``height``, ``columns``: one ``series`` each
``module:Class``   a frozen dataclass: one key per field, in field order (a class that
                   has moved since is found by :data:`MOVED_CLASSES`)
=================  ======================================================================

A polars dtype is a string for the plain ones (``"Float64"``, ``"UInt32"``, ``"String"``,
``"Categorical"``, ``"Boolean"``, ``"Null"``, ``"Date"``...) or a one-key object:
``{"Datetime": ["us", "UTC"]}``, ``{"Duration": "us"}``, ``{"Enum": [categories]}``,
``{"List": dtype}``. A Series' ``values``: numbers, booleans and times as an ``ndarray``
of their physical values (nulls written as 0); text, categories and enums as a JSON list
of strings and nulls; lists as ``{"lengths": ndarray, "inner": series}`` (the non-null
lists' elements, concatenated).

Decoding instantiates only frozen dataclasses of the modules in :data:`ALLOWED_MODULES`
(the analyses' states, the statistics they hold, ingest's account, window specs): a
summary can name no other class and makes no other import. Anything else, and any value
that does not decode, raises :class:`CodecError`.
"""

from __future__ import annotations

import base64
import dataclasses
import importlib
import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from mlmon.summary.conforms import mismatched_field

if TYPE_CHECKING:
    from polars.datatypes import DataTypeClass

ALLOWED_MODULES = ("mlmon.analyses.", "mlmon.stats.", "mlmon.ingest.problems", "mlmon.windows")
"""Where the classes a summary may name are defined: module name prefixes (a trailing dot
takes the whole package)."""

MOVED_CLASSES = {
    "mlmon.analyses.ops:OpsState": "mlmon.analyses.ops_types:OpsState",  # issue 23 §2
}
"""Classes that moved to another module since a summary was written: the ``module:Class``
an earlier summary names -> where the class is now. A summary names a class by the module
that defined it when it was written; without this table an earlier one would read only
while the old module happened to import the class."""

_SIMPLE_DTYPES = {
    str(dtype()): dtype()
    for dtype in (
        pl.Int8,
        pl.Int16,
        pl.Int32,
        pl.Int64,
        pl.UInt8,
        pl.UInt16,
        pl.UInt32,
        pl.UInt64,
        pl.Float32,
        pl.Float64,
        pl.Boolean,
        pl.String,
        pl.Categorical,
        pl.Null,
        pl.Date,
    )
}
_TEXT = (pl.String, pl.Categorical, pl.Enum)
_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


class CodecError(ValueError):
    """A value that cannot be encoded, or an encoded value that does not decode."""


def encode(value: Any) -> Any:
    """``value`` as JSON-ready values (see the module docstring)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.generic):
        return {"$": "numpy", "dtype": value.dtype.name, "value": encode(value.item())}
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$": "float", "value": repr(value)}
    if isinstance(value, list):
        return [encode(item) for item in value]
    if isinstance(value, tuple):
        return {"$": "tuple", "items": [encode(item) for item in value]}
    if isinstance(value, frozenset):
        return {"$": "frozenset", "items": [encode(item) for item in _sorted(value)]}
    if isinstance(value, dict):
        return {"$": "dict", "items": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, datetime):
        return {"$": "datetime", "value": value.isoformat(timespec="microseconds")}
    if isinstance(value, timedelta):
        return {"$": "timedelta", "microseconds": value // timedelta(microseconds=1)}
    if isinstance(value, np.ndarray):
        return _encode_array(value)
    if isinstance(value, pl.Series):
        return _encode_series(value)
    if isinstance(value, pl.DataFrame):
        return {"$": "frame", "height": value.height, "columns": [_encode_series(s) for s in value.get_columns()]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _encode_dataclass(value)
    raise CodecError(f"cannot encode a {type(value).__module__}.{type(value).__qualname__}")


def decode(encoded: Any) -> Any:
    """The value :func:`encode` was given. Raises :class:`CodecError`."""
    if encoded is None or isinstance(encoded, (bool, int, float, str)):
        return encoded
    if isinstance(encoded, list):
        return [decode(item) for item in encoded]
    if not isinstance(encoded, dict) or not isinstance(encoded.get("$"), str):
        raise CodecError(f"not an encoded value: {_excerpt(encoded)}")
    kind = encoded["$"]
    try:
        decoder = _DECODERS.get(kind)
        return decoder(encoded) if decoder is not None else _decode_dataclass(kind, encoded)
    except CodecError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, pl.exceptions.PolarsError) as error:
        raise CodecError(f"bad {kind!r} value ({type(error).__name__}: {error}): {_excerpt(encoded)}") from None


def _sorted(items: frozenset) -> list:
    try:
        return sorted(items)
    except TypeError:  # mixed types: any fixed order will do
        return sorted(items, key=repr)


def _excerpt(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _encode_dataclass(value: Any) -> dict:
    cls = type(value)
    if not cls.__dataclass_params__.frozen:
        raise CodecError(f"cannot encode {cls.__qualname__}: not a frozen dataclass")
    fields = {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return {"$": f"{cls.__module__}:{cls.__qualname__}", **fields}


def _decode_dataclass(kind: str, encoded: dict) -> Any:
    module, _, name = MOVED_CLASSES.get(kind, kind).partition(":")
    if not name or not any(module == p or (p.endswith(".") and module.startswith(p)) for p in ALLOWED_MODULES):
        raise CodecError(f"unknown kind {kind!r}: a summary names only mlmon's analysis states")
    try:
        cls = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        raise CodecError(f"unknown class {kind!r} (made by another mlmon?)") from None
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen):  # type: ignore[attr-defined]
        raise CodecError(f"{kind!r} is not a frozen dataclass")
    names = {f.name for f in dataclasses.fields(cls)}
    given = set(encoded) - {"$"}
    # A field added since the summary was written takes its default; any other mismatch refuses it.
    defaulted = {f.name for f in dataclasses.fields(cls) if _has_default(f)}
    if not given <= names or not names - given <= defaulted:
        raise CodecError(f"{kind}: fields {sorted(given)} do not match {sorted(names)} (made by another mlmon?)")
    values = {key: decode(item) for key, item in encoded.items() if key != "$"}
    wrong = mismatched_field(values, cls)
    if wrong is not None:
        raise CodecError(f"{kind}: {wrong}")
    return cls(**values)


def _has_default(field: dataclasses.Field) -> bool:
    return field.default is not dataclasses.MISSING or field.default_factory is not dataclasses.MISSING


def _encode_array(array: np.ndarray) -> dict:
    if array.dtype.hasobject or array.dtype.fields is not None:
        raise CodecError(f"cannot encode a numpy array of dtype {array.dtype}")
    data = np.ascontiguousarray(array)
    return {
        "$": "ndarray",
        "dtype": data.dtype.str,
        "shape": list(data.shape),
        "base64": base64.b64encode(data.tobytes()).decode("ascii"),
    }


def _decode_array(encoded: dict) -> np.ndarray:
    dtype = np.dtype(encoded["dtype"])
    if dtype.hasobject or dtype.fields is not None:
        raise CodecError(f"numpy dtype {dtype} is not allowed")
    data = base64.b64decode(encoded["base64"], validate=True)
    return np.frombuffer(data, dtype=dtype).reshape(encoded["shape"]).copy()


def encode_dtype(dtype: pl.DataType | DataTypeClass) -> Any:
    """A polars dtype as JSON (see the module docstring)."""
    if isinstance(dtype, pl.Datetime):
        return {"Datetime": [dtype.time_unit, dtype.time_zone]}
    if isinstance(dtype, pl.Duration):
        return {"Duration": dtype.time_unit}
    if isinstance(dtype, pl.Enum):
        return {"Enum": dtype.categories.to_list()}
    if isinstance(dtype, pl.List):
        return {"List": encode_dtype(dtype.inner)}
    if str(dtype) in _SIMPLE_DTYPES:
        return str(dtype)
    raise CodecError(f"cannot encode a polars Series of dtype {dtype}")


def decode_dtype(encoded: Any) -> pl.DataType:
    """The polars dtype :func:`encode_dtype` was given."""
    if isinstance(encoded, str) and encoded in _SIMPLE_DTYPES:
        return _SIMPLE_DTYPES[encoded]
    if isinstance(encoded, dict) and len(encoded) == 1:
        ((name, arg),) = encoded.items()
        if name == "Datetime":
            unit, zone = arg
            return pl.Datetime(unit, zone)
        if name == "Duration":
            return pl.Duration(arg)
        if name == "Enum":
            return pl.Enum(list(arg))
        if name == "List":
            return pl.List(decode_dtype(arg))
    raise CodecError(f"unknown polars dtype {_excerpt(encoded)}")


def _encode_series(series: pl.Series) -> dict:
    dtype = series.dtype
    nulls = series.null_count()
    validity = base64.b64encode(np.packbits(series.is_null().to_numpy()).tobytes()).decode("ascii") if nulls else None
    if isinstance(dtype, _TEXT):
        values: Any = series.cast(pl.String).to_list()
    elif isinstance(dtype, pl.List):
        lengths = series.list.len().fill_null(0).cast(pl.Int64).to_numpy()
        values = {
            "lengths": _encode_array(lengths),
            "inner": _encode_series(series.explode(empty_as_null=False, keep_nulls=False)),
        }
    elif dtype == pl.Null:
        values = None
    else:
        physical = series.to_physical()
        values = _encode_array(physical.fill_null(False if dtype == pl.Boolean else 0).to_numpy())
    return {
        "$": "series",
        "name": series.name,
        "dtype": encode_dtype(dtype),
        "length": series.len(),
        "nulls": validity,
        "values": values,
    }


def _decode_series(encoded: dict) -> pl.Series:
    name, dtype, length, values = (
        encoded["name"],
        decode_dtype(encoded["dtype"]),
        int(encoded["length"]),
        encoded["values"],
    )
    if isinstance(dtype, _TEXT):
        series = pl.Series(name, values, dtype=pl.String).cast(dtype)
    elif isinstance(dtype, pl.List):
        series = _decode_lists(name, dtype, values)
    elif dtype == pl.Null:
        series = pl.Series(name, [None] * length, dtype=pl.Null)
    else:
        physical = pl.Series(name, _decode_array(values))
        series = physical if physical.dtype == dtype else physical.cast(dtype)
    if series.len() != length:
        raise CodecError(f"series {name!r}: {series.len()} values, {length} announced")
    if encoded["nulls"] is not None and not isinstance(dtype, _TEXT) and dtype != pl.Null:
        bits = np.frombuffer(base64.b64decode(encoded["nulls"], validate=True), dtype=np.uint8)
        missing = np.unpackbits(bits, count=length).astype(bool)
        series = pl.select(pl.when(pl.Series(missing)).then(None).otherwise(series).alias(name)).to_series()
    return series


def _decode_lists(name: str, dtype: pl.List, values: dict) -> pl.Series:
    """Lists from their lengths and concatenated elements; null lists are set after."""
    lengths = _decode_array(values["lengths"])
    inner = _decode_series(values["inner"]).to_list()
    ends = np.cumsum(lengths)
    rows = [inner[end - n : end] for end, n in zip(ends.tolist(), lengths.tolist())]
    return pl.Series(name, rows, dtype=dtype)


def _decode_frame(encoded: dict) -> pl.DataFrame:
    columns = [_decode_series(column) for column in encoded["columns"]]
    frame = pl.DataFrame(columns)
    if frame.height != int(encoded["height"]) and columns:
        raise CodecError("frame columns differ in length")
    return frame


_DECODERS = {
    "tuple": lambda e: tuple(decode(item) for item in e["items"]),
    "frozenset": lambda e: frozenset(decode(item) for item in e["items"]),
    "dict": lambda e: {_key(decode(k)): decode(v) for k, v in e["items"]},
    "float": lambda e: _NON_FINITE[e["value"]],
    "datetime": lambda e: datetime.fromisoformat(e["value"]),
    "timedelta": lambda e: timedelta(microseconds=int(e["microseconds"])),
    "numpy": lambda e: _scalar_type(e["dtype"])(decode(e["value"])),
    "ndarray": _decode_array,
    "series": _decode_series,
    "frame": _decode_frame,
}


def _scalar_type(name: str) -> type:
    dtype = np.dtype(name)
    if dtype.kind not in "biuf":
        raise CodecError(f"numpy scalar of dtype {name} is not allowed")
    return dtype.type


def _key(key: Any) -> Any:
    """A decoded dict key: must be hashable (a list never is: keys are tuples)."""
    hash(key)
    return key
