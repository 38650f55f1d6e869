"""Where each canonical field lives in the dialects mlmon reads without configuration.

A canonical field is read from the first candidate path that holds a value in a record
(``pl.coalesce``), so heterogeneous records and mixed dialects work in one file. Paths are
tuples of JSON keys; the names come from the one table in :mod:`mlmon.ingest.names`.
loguru's ``record.extra`` needs no paths here: ``mlmon.ingest.keys`` lifts its keys to
the top level. Every leaf is decoded as a string and converted afterwards, so a wrong type
becomes a counted problem instead of a failed read or a silent null.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import polars as pl

from mlmon.errors import UsageError
from mlmon.ingest.chunks import Chunk
from mlmon.ingest.names import (
    BY_SHORTCUTS,
    DOCKER_LOG,
    DOCKER_STREAM,
    LOGURU,
    NAMES,
    UNIT_MS,
    Path,
    latency_names,
    spellings,
)

if TYPE_CHECKING:
    from polars.datatypes import DataTypeClass

LINE = "_line"
"""Column holding each decoded row's 1-based line number in its file."""


def _candidates(name: str) -> tuple[Path, ...]:
    return tuple((key,) for key in spellings(NAMES[name])) + LOGURU.get(name, ())


TIMESTAMP: tuple[Path, ...] = _candidates("ts")
EVENT: tuple[Path, ...] = _candidates("event")
LEVEL: tuple[Path, ...] = _candidates("level")

LATENCY_UNITS_MS = UNIT_MS
"""Milliseconds per unit, for the unit suffix of a latency field's name."""
LATENCY: tuple[tuple[Path, str], ...] = tuple(((name,), unit) for name, unit in latency_names())
"""(path, unit) pairs; a bare name such as ``latency`` or ``duration`` is taken as ms. Other
names and units are one ``--field latency_s=my.path`` away."""

SIMPLE: dict[str, tuple[Path, ...]] = {
    name: _candidates(name) for name in NAMES if name not in ("ts", "event", "level")
}
"""Canonical fields that need no unit handling, with their candidate paths in priority order."""

NUMERIC = ("status_code", "confidence", "cpu_percent", "rss_mb")
"""Fields of ``SIMPLE`` whose values are numbers (latency is numeric too, with a unit)."""
_UNCHECKED_TEXT = ("model", "model_version")
"""Free-text fields of ``SIMPLE`` that no check or derived column reads."""
OPT_IN = ("request_id", "actual")
"""Fields of ``SIMPLE`` read only for an analysis that names them (``Needs.columns``): the
join of predictions and ground truth. No other read decodes their keys or counts their values."""

OVERRIDABLE = ("ts", "event", "level", *(f"latency_{u}" for u in LATENCY_UNITS_MS), *SIMPLE)
"""Names accepted on the left of ``--field NAME=path``."""


@dataclass(frozen=True)
class FieldMap:
    """The candidate paths for every canonical field, after ``--field`` overrides."""

    timestamp: tuple[Path, ...]
    """Timestamp paths, first match wins."""
    event: tuple[Path, ...]
    """Event/message name paths."""
    level: tuple[Path, ...]
    """Log level paths."""
    latency: tuple[tuple[Path, str], ...]
    """Latency paths with the unit of each (``ms``, ``us`` or ``s``)."""
    simple: dict[str, tuple[Path, ...]]
    """Every other canonical field, by canonical name."""
    group: tuple[tuple[Path, ...], ...] = ()
    """Per ``--by`` item, its candidate paths (:func:`by_candidates`); read into the
    ``group`` column only when it is kept (:meth:`keeping`)."""

    def all_paths(self) -> list[Path]:
        paths = [*self.timestamp, *self.event, *self.level, *(p for p, _ in self.latency), DOCKER_LOG, DOCKER_STREAM]
        for candidates in (*self.simple.values(), *self.group):
            paths.extend(candidates)
        return paths

    def read_schema(self) -> dict[str, pl.DataType]:
        """The forgiving schema: every candidate's top-level key, as a string.

        Every JSON value reads as a string (numbers as their digits, objects as JSON text),
        so a wrong type such as ``"latency_ms": "12ms"`` survives to be counted. Reading a key
        that no line has costs little (about 16 ms per million lines), far less than scanning
        each chunk for keys, and a key that first appears on line 25,001 is read like any
        other. A nested path's top-level key holds the JSON text of the object;
        ``nested_schema`` decodes it only when some line has it (loguru's ``record``).
        """
        return {path[0]: pl.String() for path in self.all_paths()}

    def typed_schema(self) -> dict[str, pl.DataType]:
        """The fast schema: ``read_schema`` with the keys of numeric fields as ``Float64``.

        Chunks are first read strictly with it. Polars then fails on any value of the wrong
        type (``"12ms"``, ``true``, an object) instead of nulling it, and the chunk is read
        again with ``read_schema`` so the value is counted. Clean chunks skip a round trip of
        every number through text, which is a quarter of the decoding time.
        """
        return {**self.read_schema(), **{key: pl.Float64() for key in self.numeric_keys()}}

    def keeping(self, columns: tuple[str, ...] | None) -> FieldMap:
        """This map without the candidates of free-text fields that ``columns`` leaves out
        (``event``, ``model``, ``model_version``) and of the :data:`OPT_IN` fields it does
        not name (None names none of them): a key nobody reads is not decoded. Fields that
        errors, requests or value checks depend on (``label`` among them) are always read,
        so every command counts the same unusable values. The ``--by`` items named in
        ``columns`` (:func:`by_columns`) give :attr:`group`."""
        named = frozenset(columns or ())
        unread = {name for name in OPT_IN if name not in named}
        if columns is not None:
            unread |= {name for name in _UNCHECKED_TEXT if name not in named}
        simple = {name: () if name in unread else paths for name, paths in self.simple.items()}
        event = self.event if columns is None or "event" in named else ()
        by = by_items(columns or ())
        group = tuple(by_candidates(item) for item in by) if by and "group" in named else ()
        return FieldMap(self.timestamp, event, self.level, self.latency, simple, group)

    def numeric_keys(self) -> frozenset[str]:
        """Top-level keys that only ever hold a number: a key that any other field (or a
        nested path) also reads stays text."""
        numeric = [path for path, _ in self.latency]
        numeric += [path for name in NUMERIC for path in self.simple.get(name, ())]
        textual = [*self.timestamp, *self.event, *self.level, DOCKER_LOG, DOCKER_STREAM]
        textual += [path for name, paths in self.simple.items() if name not in NUMERIC for path in paths]
        textual += [path for paths in self.group for path in paths]
        textual_keys = {path[0] for path in textual} | {path[0] for path in numeric if len(path) > 1}
        return frozenset(path[0] for path in numeric if len(path) == 1) - textual_keys

    def nested_schema(self, extra: tuple[Path, ...] = ()) -> dict[str, pl.DataType]:
        """Struct types for the top-level keys that nested candidate paths (and ``extra``
        paths, such as named features) go through."""
        nested = [path for path in (*self.all_paths(), *extra) if len(path) > 1]
        return {key: dtype for key, dtype in _nest(nested).items() if isinstance(dtype, pl.Struct)}


BY_PREFIX = "by:"
"""How a reducer names a ``--by`` item among its ``Needs.columns`` (``by:pod``), next to
``group``: the read takes the item's candidates from there (:meth:`FieldMap.keeping`)."""


def by_columns(by: tuple[str, ...]) -> tuple[str, ...]:
    """The ``Needs.columns`` that ask for the ``group`` column of the ``--by`` items ``by``."""
    return ("group", *(BY_PREFIX + item for item in dict.fromkeys(by))) if by else ()


def by_items(columns: tuple[str, ...]) -> tuple[str, ...]:
    """The ``--by`` items named in ``columns`` (:func:`by_columns`), in order."""
    return tuple(name[len(BY_PREFIX) :] for name in columns if name.startswith(BY_PREFIX))


def by_candidates(item: str) -> tuple[Path, ...]:
    """Where a ``--by`` item is read from, first match wins: a shortcut's names
    (:data:`~mlmon.ingest.names.BY_SHORTCUTS`) or the item itself; each name as one key
    (``source.pod``, as envelopes write it), then, when it has dots, as a path into nested
    objects (``kubernetes.pod_name``). A path into an object a shorter path already reads
    as a value is left out (``host``'s ``source.host.name`` is one key, never
    ``source`` → ``host`` → ``name`` beside ``source`` → ``host``): one key cannot be read
    both as a value and as an object."""
    paths: list[Path] = []
    for name in BY_SHORTCUTS.get(item, (item,)):
        paths.append((name,))
        split = tuple(part for part in name.split(".") if part)
        if len(split) > 1 and not any(split[: len(p)] == p or p[: len(split)] == split for p in paths[:-1]):
            paths.append(split)
    return tuple(dict.fromkeys(paths))


def with_known_keys(typed_schema: dict[str, pl.DataType], known: frozenset[str]) -> dict[str, pl.DataType]:
    """``typed_schema`` with every key outside ``known`` typed ``Null``.

    A file's later chunks are read with the keys its earlier chunks had. Polars fills a
    ``Null`` column more cheaply than a typed one, and a strict read fails on the first value
    found under such a key, so a key that first appears late is never dropped: the chunk is
    read again with the full schema.
    """
    return {key: dtype if key in known else pl.Null() for key, dtype in typed_schema.items()}


def default_field_map() -> FieldMap:
    return FieldMap(TIMESTAMP, EVENT, LEVEL, LATENCY, dict(SIMPLE))


def field_map(overrides: dict[str, str] | None = None, *, with_probabilities: bool = False) -> FieldMap:
    """The default map with ``--field canonical=dotted.path`` overrides applied.

    An override replaces all candidates of that field; ``latency_s=elapsed`` names the unit.
    ``probabilities`` is read only when asked for: re-serialising a nested object per line
    costs more than decoding every other field together.
    """
    base = default_field_map()
    if not with_probabilities:
        base.simple.pop("probabilities")
    if not overrides:
        return base
    timestamp, event, level, latency, simple = base.timestamp, base.event, base.level, base.latency, dict(base.simple)
    for name, dotted in overrides.items():
        path = tuple(part for part in dotted.split(".") if part)
        if not path:
            raise UsageError(f"--field {name}=: the path is empty")
        if name == "ts":
            timestamp = (path,)
        elif name == "event":
            event = (path,)
        elif name == "level":
            level = (path,)
        elif name.startswith("latency_") and name[8:] in LATENCY_UNITS_MS:
            latency = ((path, name[8:]),)
        elif name in simple or name == "probabilities":
            if name in simple:
                simple[name] = (path,)
        else:
            raise UsageError(f"--field {name}=...: unknown field; use one of {', '.join(OVERRIDABLE)}")
    return FieldMap(timestamp, event, level, latency, simple)


def parse_field_options(values: list[str] | None) -> dict[str, str]:
    """Parse repeated ``--field canonical=path`` options."""
    result: dict[str, str] = {}
    for value in values or []:
        name, sep, path = value.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--field {value!r}: expected NAME=PATH, e.g. latency_ms=timings.total_ms")
        result[name.strip()] = path.strip()
    return result


def path_expr(path: Path) -> pl.Expr:
    """The expression reading ``path`` from a frame decoded with ``FieldMap.read_schema()``
    (nested keys after ``decode_nested``)."""
    expr = pl.col(path[0])
    for key in path[1:]:
        expr = expr.struct.field(key)
    return expr


def has_path(schema: dict[str, pl.DataType], path: Path) -> bool:
    """True when ``path`` exists in ``schema`` (a frame decoded with it has the column)."""
    return path_dtype(schema, path) is not None


def path_dtype(schema: dict[str, pl.DataType], path: Path) -> pl.DataType | None:
    """The dtype at ``path`` in ``schema`` (through struct fields), or None if absent."""
    node: object = schema
    for key in path:
        fields = (
            node
            if isinstance(node, dict)
            else {f.name: f.dtype for f in node.fields}
            if isinstance(node, pl.Struct)
            else {}
        )
        if key not in fields:
            return None
        node = fields[key]
    return cast("pl.DataType | None", node)  # a dtype once a key was followed


def decode_nested(frame: pl.DataFrame, nested: dict[str, pl.DataType], chunk: Chunk | None = None) -> pl.DataFrame:
    """Decode the JSON text of nested top-level keys into structs; drop all-null columns
    so later steps skip them. ``chunk``: the lines ``frame`` was read from, where an object
    whose text is not JSON is found again as logged (:func:`objects_from_lines`)."""
    empty = [name for name in frame.columns if not name.startswith("_") and frame[name].null_count() == frame.height]
    frame = frame.drop(empty)
    todo = [name for name in nested if name in frame.columns and frame.schema[name] == pl.String]
    if not todo:
        return frame
    if not any(may_be_mangled(frame.get_column(name)) for name in todo):
        try:
            return frame.with_columns(pl.col(name).str.json_decode(nested[name]).alias(name) for name in todo)
        except pl.exceptions.PolarsError:
            pass
    return frame.with_columns(_decoded(frame, name, nested[name], chunk) for name in todo)


def _decoded(frame: pl.DataFrame, name: str, dtype: pl.DataType, chunk: Chunk | None) -> pl.Series:
    """Column ``name`` of ``frame`` decoded into ``dtype`` when the one-call decode failed
    or some text may be mangled (:func:`may_be_mangled`).

    Polars renders an object read as text without escaping its keys, backslashes or
    control characters (a Windows path, a tab), so such text is read again from its line
    first. When some line holds another shape under the key (``"record": "text"``, an
    array, a string where an object was expected), it is read leaf by leaf, each a null
    where absent."""
    text = repaired_objects(frame.get_column(name), frame.get_column(LINE), chunk, name)
    try:
        return text.str.json_decode(dtype)
    except pl.exceptions.PolarsError:
        return text.to_frame().select(_by_path(pl.col(name), dtype)).to_series().alias(name)


_MAYBE_MANGLED = r"[\\\x00-\x1f]"
"""In the text of an object polars read as text: a backslash or a control character, which
it may have written back unescaped (quotes it writes back escaped, so right)."""


def object_texts(texts: pl.Series) -> pl.Series:
    """``texts`` where they are an object's JSON (they start with ``{``), else null."""
    return pl.select(pl.when(pl.lit(texts).str.starts_with("{")).then(pl.lit(texts))).to_series().alias(texts.name)


def may_be_mangled(rows: pl.Series) -> bool:
    """Whether some object text in ``rows`` may not be the object as logged
    (:func:`repaired_objects` reads those again from their lines)."""
    return bool(rows.str.contains(_MAYBE_MANGLED).any())


def repaired_objects(rows: pl.Series, lines: pl.Series, chunk: Chunk | None, key: str) -> pl.Series:
    """``rows``, the text of top-level ``key`` logged on ``lines`` of ``chunk``, with every
    value that is not JSON taken again from its line (:func:`objects_from_lines`), null
    where it is no object there or there is no ``chunk``. Polars writes an object read as
    text back without escaping its keys, nor the backslashes and control characters in
    its strings, which is not JSON, or is JSON of other values (a Windows path's doubled
    backslashes back as one, then read as an escape): a text with a backslash or a control
    character is taken again too."""
    broken = rows.is_not_null() & (rows.str.contains(_MAYBE_MANGLED) | rows.str.json_path_match("$").is_null())
    if not broken.any():
        return rows
    where = broken.arg_true()
    again = (
        objects_from_lines(lines.gather(where), chunk, key)
        if chunk is not None
        else pl.Series([None] * where.len(), dtype=pl.String)
    )
    return rows.scatter(where, again)


def objects_from_lines(numbers: pl.Series, chunk: Chunk, key: str) -> pl.Series:
    """The object under top-level ``key`` of each line ``numbers`` of ``chunk`` as JSON
    text, keys in logged order, or null. A body after a prefix (kubectl, CRI) starts at
    its first brace; a Docker wrapper holds the line in ``log``; loguru's record holds the
    key in ``record.extra`` (read as top level, :func:`.keys.lift_loguru_extra`)."""
    texts = chunk.data.split(b"\n")
    at = [n - chunk.first_line for n in numbers.to_list()]
    picked = [texts[i].decode("utf-8", "replace") if 0 <= i < len(texts) else "" for i in at]
    line = pl.lit(pl.Series(picked, dtype=pl.String)).str.strip_chars()
    body = line.str.slice(line.str.find("{", literal=True).fill_null(0))
    path = f"$[{_quoted(key)}]"
    found = pl.coalesce(
        body.str.json_path_match(path),
        body.str.json_path_match("$.log").str.json_path_match(path),
        body.str.json_path_match(f"$['record']['extra']{path[1:]}"),
    )
    return pl.select(pl.when(found.str.starts_with("{")).then(found)).to_series()


def _by_path(text: pl.Expr, dtype: pl.DataType | DataTypeClass, prefix: str = "$") -> pl.Expr:
    """The struct ``dtype`` read from JSON text one leaf at a time with JSON paths: a value
    of another shape anywhere gives a null leaf instead of failing the column."""
    if not isinstance(dtype, pl.Struct):
        return text.str.json_path_match(prefix)
    fields = [_by_path(text, f.dtype, f"{prefix}[{_quoted(f.name)}]").alias(f.name) for f in dtype.fields]
    return pl.struct(fields)


def _quoted(key: str) -> str:
    return "'" + key.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _nest(paths: list[Path]) -> dict[str, pl.DataType]:
    tree: dict = {}
    for path in paths:
        node = tree
        for key in path[:-1]:
            child = node.get(key)
            if not isinstance(child, dict):
                child = node[key] = {}
            node = child
        node.setdefault(path[-1], None)
    return {key: _dtype(value) for key, value in tree.items()}


def _dtype(node: dict | None) -> pl.DataType:
    if node is None:
        return pl.String()
    return pl.Struct({key: _dtype(value) for key, value in node.items()})
