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
keys a reference lacks; not where the chunk's bytes prove that every object holds known keys
only (:func:`holds_known_keys_only`). At most :data:`MAX_FEATURES` keys are read per chunk, the first to
hold a value (by line, then as logged); the values of the others are counted as ``over the
feature cap``. Polars renders an object read as text without escaping its keys, backslashes
or control characters; such an object is read again from its line.
"""

from __future__ import annotations

import functools
import io
import json
from dataclasses import dataclass, field

import polars as pl

from mlmon.errors import UsageError
from mlmon.ingest.chunks import Chunk
from mlmon.ingest.fields import (
    LINE,
    Path,
    has_path,
    may_be_mangled,
    objects_from_lines,
    path_dtype,
    path_expr,
    repaired_objects,
)
from mlmon.ingest.names import FEATURES
from mlmon.ingest.needs import FeatureNeeds

FEATURES_KEY = FEATURES
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
COMPOSITE = (
    r'(?s)^(?:\{\s*(?:\}|".*\})'  # {} or {"...}
    r'|\[\s*(?:\]|["\[{].*\]'  # [], or [ then a string, array or object
    r"|(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)\s*(?:\]|,.*\])))$"  # or [ then a scalar, then ] or ,
)
"""An object or array read as text: ``{}`` or ``{"``...``}``, or ``[`` then a JSON value
then ``,`` or ``]``. Polars renders an object without escaping its keys, backslashes or
control characters, so the text need not be JSON; text such as ``[none]``, ``[0-10]`` or
``{id}`` is a category. One pattern, as the chunk's plan holds one check per feature."""


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

    def known(self) -> tuple[str, ...]:
        """The names read from the object whatever it holds: the known kinds' (not named)."""
        return tuple(name for name in (*self.needs.numeric, *self.needs.categorical) if name not in self.paths)

    def discovers(self, first_line: int, data: bytes | None = None) -> bool:
        """Whether the chunk starting at ``first_line`` lists every key of the object.
        ``data``: the chunk's bytes as read, where a listing that could find no key but the
        known ones is skipped (:func:`holds_known_keys_only`): the chunk is then read as
        later chunks are, typed, which gives the same columns, values and counts."""
        lists = self.needs.discover == "all" or (self.needs.discover == "first_chunk" and first_line == 1)
        return lists and not (data is not None and holds_known_keys_only(data, self.known()))

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


def holds_known_keys_only(data: bytes, known: tuple[str, ...]) -> bool:
    """Whether every ``features`` object in ``data`` (JSON lines, as logged) holds only
    keys in ``known``, each once or more, with a scalar value: then listing the keys finds
    none but the known ones, and a chunk needs no listing (a file's first chunk costs about
    1.7x a later one when it lists them).

    Proved on the bytes, at a fraction of the listing's cost: every ``features`` in ``data``
    (so none in a key such as ``my_features``, a string, or a Docker ``log``'s escaped
    record) starts ``"features": {"<known>": <scalar>, ...}``
    spelled as JSON writes the names (:func:`_known_objects`; a nested value, a null or
    non-object ``features``, other spacing or escapes fail it: the keys are then listed).
    A key written with unicode escapes is not seen, as in :func:`~mlmon.ingest.keys.present_keys`."""
    words = data.count(_KEY_WORD)
    if not known or not words:
        return False
    pattern, matches, start = _known_objects(known), 0, 0
    while start < len(data):  # in pieces of whole lines, so the copies stay small (no match spans a line)
        end = data.find(b"\n", start + _PIECE)
        end = len(data) if end < 0 else end + 1
        try:
            text = pl.Series([data[start:end]], dtype=pl.Binary).cast(pl.String)
        except pl.exceptions.PolarsError:  # not UTF-8: the keys are listed as before
            return False
        matches += int(text.str.count_matches(pattern).item())
        start = end
    # Each match holds the word at least once (its key) and matches do not overlap: as many
    # matches as words means every word is the key of a match.
    return matches == words


_KEY_WORD = FEATURES_KEY.encode()
_PIECE = 1 << 20
"""Bytes searched at once by :func:`holds_known_keys_only` (then up to the line's end)."""


@functools.lru_cache(maxsize=64)
def _known_objects(known: tuple[str, ...]) -> str:
    """A ``features`` key and an object of ``known`` keys (spelled as ``json.dumps``
    writes them) with scalar values: a string, or a number or literal."""
    key = '"(?:' + "|".join(pl.escape_regex(json.dumps(name, ensure_ascii=False)[1:-1]) for name in known) + ')"'
    value = r'(?:"(?:[^"\\\n]|\\.)*"|[^\s,{}\[\]"]+)'
    entry = rf"{key}[ \t]*:[ \t]*{value}"
    return rf'"{FEATURES_KEY}"[ \t]*:[ \t]*\{{[ \t]*(?:{entry}(?:[ \t]*,[ \t]*{entry})*)?[ \t]*\}}'


def decode_features(
    raw: pl.DataFrame, read: FeatureRead, discovering: bool, chunk: Chunk | None = None
) -> tuple[pl.DataFrame, list[str], int]:
    """``raw`` with the ``features`` object as a struct (decoded from text when the strict
    read left it so), the names to read from it, and the values over the key cap.
    ``chunk``: the lines ``raw`` was read from, where an object is found again as logged
    (:func:`.fields.objects_from_lines`)."""
    known = [name for name in (*read.needs.numeric, *read.needs.categorical) if name not in read.paths]
    if FEATURES_KEY not in raw.columns:
        return raw, known, 0
    if not isinstance(raw.schema[FEATURES_KEY], pl.String):
        present = pl.col(FEATURES_KEY).is_not_null()
        return raw.with_columns(present.alias(_PRESENT), present.alias(_OBJECT)), known, 0
    text = raw.get_column(FEATURES_KEY)
    objects = text.str.starts_with("{").fill_null(False)
    rows, lines = text.filter(objects), raw.get_column(LINE).filter(objects)
    first = None if may_be_mangled(rows) else _first_read(rows, lines, chunk, read, known, discovering)
    if first is not None:
        names, over_cap, values = first
    else:  # some object may have come back as text that is not the object logged
        rows = repaired_objects(rows, lines, chunk, FEATURES_KEY)
        readable = rows.is_not_null()  # a row that cannot be read at all counts as not an object
        objects = objects.scatter(objects.arg_true().filter(~readable), False)
        rows, lines = rows.filter(readable), lines.filter(readable)
        try:
            names, over_cap, values = _read_objects(rows, lines, chunk, read, known, discovering)
        except pl.exceptions.PolarsError:
            names, over_cap, values = _read_in_python(rows, read, known, discovering)
    decoded = _spread(values, objects, names)
    return raw.with_columns(decoded, text.is_not_null().alias(_PRESENT), objects.alias(_OBJECT)), names, over_cap


def _first_read(
    rows: pl.Series, lines: pl.Series, chunk: Chunk | None, read: FeatureRead, known: list[str], discovering: bool
) -> tuple[list[str], int, pl.Series] | None:
    """:func:`_read_objects`, or None when some text is not JSON."""
    try:
        return _read_objects(rows, lines, chunk, read, known, discovering)
    except pl.exceptions.PolarsError:
        return None


def _read_objects(
    rows: pl.Series, lines: pl.Series, chunk: Chunk | None, read: FeatureRead, known: list[str], discovering: bool
) -> tuple[list[str], int, pl.Series]:
    """The names to read from the JSON objects ``rows`` (logged on ``lines``): ``known``,
    and when ``discovering`` every key, first seen first, up to the cap; the values over the
    cap; and the objects as a struct of those names, every value as text (numbers as their
    digits, objects and arrays as JSON). Schema inference lists the keys whatever their
    values' types; it fails only on text that is not JSON."""
    payload = _ndjson(rows) if rows.len() else b""  # joined once: the keys and the values are read from it
    keys = (
        list(pl.scan_ndjson(io.BytesIO(payload), infer_schema_length=None).collect_schema())
        if discovering and rows.len()
        else []
    )
    wanted = list(dict.fromkeys((*known, *keys)))
    if not wanted:
        return [], 0, _nulls(rows.len(), [])
    frame = (
        pl.read_ndjson(io.BytesIO(payload), schema={name: pl.String() for name in wanted})
        if rows.len()
        else _nulls(0, wanted).struct.unnest()
    )
    if frame.height != rows.len():
        raise pl.exceptions.ComputeError("an object row was skipped")
    order = _first_seen(frame.select(pl.nth(range(len(known), len(wanted)))), rows, lines, chunk) if keys else []
    over = [key for key in order[MAX_FEATURES:] if key not in known and key not in read.paths]
    over_cap = int(sum(frame.get_column(key).is_not_null().sum() for key in over))
    names = list(dict.fromkeys((*known, *(key for key in order[:MAX_FEATURES] if key not in read.paths))))
    if not names:
        return [], over_cap, _nulls(rows.len(), [])
    return names, over_cap, frame.select(pl.nth([frame.columns.index(name) for name in names])).to_struct(FEATURES_KEY)


def _first_seen(frame: pl.DataFrame, rows: pl.Series, lines: pl.Series, chunk: Chunk | None) -> list[str]:
    """The columns of ``frame`` in the order their keys first hold a value: by row, then
    by place in that row's object as logged, then by name. Polars' schema inference and its
    text rendering of an object lose the order past a few dozen keys, differently each run."""
    present = frame.select(pl.all().is_not_null())
    first = {s.name: (int(s.arg_max() or 0) if s.any() else None) for s in present.get_columns()}
    where = sorted({row for row in first.values() if row is not None})
    logged = (
        objects_from_lines(lines.gather(where), chunk, FEATURES_KEY).to_list()
        if chunk is not None and where
        else [None] * len(where)
    )
    place: dict[int | None, dict[str, int]] = {
        row: {key: n for n, key in enumerate(_object(text or rendered))}
        for row, text, rendered in zip(where, logged, rows.gather(where).to_list())
    }
    last = len(first)
    return sorted(
        first, key=lambda key: (first[key] is None, first[key] or 0, place.get(first[key], {}).get(key, last), key)
    )


def _nulls(rows: int, names: list[str]) -> pl.Series:
    return pl.Series(FEATURES_KEY, [None] * rows, dtype=pl.Struct({name: pl.String() for name in names or ["_"]}))


def _ndjson(rows: pl.Series) -> bytes:
    return rows.str.join("\n").item().encode()


def _read_in_python(
    rows: pl.Series, read: FeatureRead, known: list[str], discovering: bool
) -> tuple[list[str], int, pl.Series]:
    """What :func:`_read_objects` gives, for objects polars will not read (slow; a last
    resort)."""
    objects = [_object(row) for row in rows.to_list()]
    keys = list(dict.fromkeys(key for item in objects for key in item)) if discovering else []
    over = set(keys[MAX_FEATURES:])
    over_cap = sum(1 for item in objects for key, value in item.items() if key in over and value is not None)
    names = list(dict.fromkeys((*known, *(key for key in keys[:MAX_FEATURES] if key not in read.paths))))
    dtype = pl.Struct({name: pl.String() for name in names or ["_"]})
    values = [{name: _as_text(item.get(name)) for name in names} if names else None for item in objects]
    return names, over_cap, pl.Series(FEATURES_KEY, values, dtype=dtype)


def _object(row: str) -> dict:
    try:
        value = json.loads(row)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _as_text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _spread(values: pl.Series, objects: pl.Series, names: list[str]) -> pl.Series:
    """The struct ``values`` of the object rows placed at those rows, null elsewhere."""
    if values.len() == objects.len():
        return values.alias(FEATURES_KEY)
    where = objects.arg_true()
    empty = pl.Series([None] * objects.len(), dtype=pl.String)
    fields = [empty.clone().scatter(where, values.struct.field(name)).alias(name) for name in names or ["_"]]
    return pl.select(pl.when(pl.lit(objects)).then(pl.struct(fields))).to_series().alias(FEATURES_KEY)


def feature_reads(
    schema: dict[str, pl.DataType], read: FeatureRead, names: list[str]
) -> tuple[dict[str, pl.Expr], dict[str, pl.Expr]]:
    """The canonical feature columns of a decoded chunk and their wrong-type masks by
    reason. ``names`` are the keys read from the object; named features come from their
    paths."""
    sources: dict[str, tuple[str, ...]] = {name: (FEATURES_KEY, name) for name in names}
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
        if path[0] != FEATURES_KEY and has_path(schema, path):
            present.append(path_expr(path).is_not_null())
    columns[HAS_FEATURES] = pl.any_horizontal(present) if present else pl.lit(False)
    return columns, checks


def _leaf(schema: dict[str, pl.DataType], path: Path, kind: str) -> tuple[pl.Expr, pl.Expr | None]:
    """(value, wrong-type mask) of one feature; the mask is None when nothing can be wrong."""
    dtype = path_dtype(schema, path)
    missing = pl.lit(None, dtype=pl.Float64 if kind == "numeric" else pl.String)
    if dtype is None or isinstance(dtype, pl.Null):
        return missing, None
    expr = path_expr(path)
    if isinstance(dtype, pl.Struct):  # a named field that other paths go through: an object
        return missing, expr.is_not_null()
    if dtype.is_numeric():
        return expr.cast(pl.Float64 if kind == "numeric" else pl.String), None
    text = expr.cast(pl.String)
    if kind == "numeric":
        number = text.str.strip_chars().cast(pl.Float64, strict=False)
        return number, text.is_not_null() & number.is_null()
    wrong = text.str.contains(COMPOSITE)
    return pl.when(wrong).then(None).otherwise(text), wrong.fill_null(False)
