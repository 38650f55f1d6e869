"""The fast path of OTLP JSON (:mod:`.otlp`; :attr:`.base.Envelope.read_fast`): a chunk of
the file exporter's lines read in two polars calls, no record written out, unwrapped and
decoded again line by line.

The first call reads the lines typed, with only the keys a record needs (those of a log
record's that the chunk holds): each record's times, severity, ``body.stringValue`` and
``attributes``, and each resource's attributes as a list of structs (strings read as strings:
nothing is written back as JSON text, so no escape is lost, :data:`._jsonlines.MANGLED`). A
record's attributes are read as text first (cheap where there are none, as a collector's
records often have none) and, where a record has some, the chunk again with them as lists of
structs. The lists are exploded to one row a record. The bodies, each with its attributes
added as the line-by-line path adds them (JSON members at the object's end,
:func:`merged_record`), are joined and read in the second call, typed strictly by the keys
of the record schema they hold (:func:`.keys.present_keys`, as the decoder keeps them).
The resources' attributes become ``source.<key>`` columns, one row per resource, joined to
its records.

Any chunk this cannot read exactly as :func:`.otlp.unwrap` does gives None, and takes that
path, which names each problem: a blank line or a carriage return, a line that is no
``LogsData`` or holds a container of the wrong type (polars' strict read fails) or an entry
that is null, a body that is no ``stringValue`` holding a JSON object (a ``kvlistValue``, a
text, none), a value of the wrong type for the schema, an attribute holding a list or an
object (or text that may be one polars wrote back), an attribute whose key the body's text
holds (is it the body's own key?), a key the record schema names loguru's or Docker's.
"""

from __future__ import annotations

import io

import polars as pl

from mlmon.ingest.envelopes._jsonlines import given_columns, whole_lines
from mlmon.ingest.envelopes._otlp_values import SCALARS, json_string, scalar_json
from mlmon.ingest.envelopes.base import SOURCE_PREFIX, FastRead
from mlmon.ingest.fields import LINE
from mlmon.ingest.keys import present_keys
from mlmon.ingest.line_decode import PREFIX_TS
from mlmon.ingest.names import DOCKER_LOG, DOCKER_STREAM, DOCKER_TIME, RECORD

_S = pl.String()
_VALUE = pl.Struct({**{name: _S for name in SCALARS}, "kvlistValue": _S, "arrayValue": _S})
_PAIRS = pl.List(pl.Struct({"key": _S, "value": _VALUE}))
_TIMES = ("timeUnixNano", "observedTimeUnixNano", "severityText", "severityNumber")
_BODY = pl.Struct({"stringValue": _S})


def _record_keys(attributes: pl.DataType) -> dict[str, pl.DataType]:
    """The keys of a log record read besides its body, ``attributes`` typed as given."""
    return {**dict.fromkeys(_TIMES, _S), "attributes": attributes}


def _line_schema(data: bytes, attributes: pl.DataType) -> dict[str, pl.DataType]:
    """The keys of a line the fast path reads, typed (a container of another type fails the
    read); of a log record's, only those written in ``data`` (reading a key that no record
    holds costs a null a record)."""
    record = {name: dtype for name, dtype in _record_keys(attributes).items() if b'"%s"' % name.encode() in data}
    logs = pl.List(pl.Struct({**record, "body": _BODY}))
    resource = pl.Struct({"attributes": _PAIRS})
    return {
        "resourceLogs": pl.List(
            pl.Struct({"resource": resource, "scopeLogs": pl.List(pl.Struct({"logRecords": logs}))})
        )
    }


SEVERITIES = ("trace", "debug", "info", "warn", "error", "fatal")
"""The short names of ``severityNumber`` 1-4, 5-8, ... 21-24."""


def nano_time(nanos: pl.Expr) -> pl.Expr:
    """A ``timeUnixNano`` (text) as a UTC datetime; null where it is missing, no number or 0."""
    ns = nanos.str.strip_chars().cast(pl.Int64, strict=False)
    return pl.when(ns > 0).then(ns).cast(pl.Datetime("ns", "UTC"))


def iso_time(nanos: pl.Expr) -> pl.Expr:
    """Nanoseconds since the epoch (text) as ISO UTC with 9 digits; null where missing or 0."""
    ns = nanos.str.strip_chars().cast(pl.Int64, strict=False)
    return pl.when(ns > 0).then(ns).cast(pl.Datetime("ns")).dt.to_string("%Y-%m-%dT%H:%M:%S%.9fZ")


def severity_level() -> pl.Expr:
    """``severityText`` lower-cased, else ``severityNumber``'s short name."""
    text = pl.col("severityText").str.strip_chars().str.to_lowercase()
    number = pl.col("severityNumber").str.strip_chars().cast(pl.Int64, strict=False)
    named = pl.when(number.is_between(1, 24)).then(
        ((number - 1) // 4).replace_strict(dict(enumerate(SEVERITIES)), return_dtype=pl.String, default=None)
    )
    return pl.when(text.str.len_chars() > 0).then(text).otherwise(named)


def merged_record() -> pl.Expr:
    """The record: the body's object (``_body``) with the attributes (``_attrs``, JSON members)
    added at its end; the attributes alone where there is no body; the body as it is where it
    is no object."""
    body, attrs = pl.col("_body").str.strip_chars(), pl.col("_attrs")
    start = body.str.strip_suffix("}").str.strip_chars_end()
    comma = pl.when(start.str.ends_with("{")).then(pl.lit("")).otherwise(pl.lit(","))
    return (
        pl.when(body.is_null() & (attrs.str.len_chars() > 0))
        .then(pl.concat_str(pl.lit("{"), attrs, pl.lit("}")))
        .when(attrs.is_null() | (attrs == "") | ~body.str.starts_with("{") | ~body.str.ends_with("}"))
        .then(body)
        .otherwise(pl.concat_str(start, comma, attrs, pl.lit("}")))
    )


def read_fast(data: bytes, schema: dict[str, pl.DataType]) -> FastRead | None:
    """A chunk's records, typed by ``schema`` (every key of the record schema: those the
    records hold are kept, as the line-by-line decoder keeps them), or None: see the
    module's docstring."""
    lines = whole_lines(data)
    if lines is None:
        return None
    text, rows = lines
    read = _containers(text, rows, _S)
    if read is not None and read[1]["attributes"].drop_nulls().is_in(["[]"]).not_().any():
        read = _attributes_decoded(*read) or _containers(text, rows, _PAIRS)
    if read is None:
        return None
    resources, logs = read
    records = _records(logs)
    sources = _sources(resources)
    if records is None or sources is None:
        return None
    return _typed(records, sources, schema)


def _containers(text: bytes, rows: int, attributes: pl.DataType) -> tuple[pl.DataFrame, pl.DataFrame] | None:
    """The resources (by ``_res``, with their line) and the log records (with their line and
    resource; their ``attributes`` typed as ``attributes`` says) of ``rows`` lines; None where
    a line is no ``LogsData``, a container has the wrong type or an entry is null, or the
    lines hold no record."""
    try:
        frame = pl.read_ndjson(io.BytesIO(text), schema=_line_schema(text, attributes))
    except pl.exceptions.PolarsError:
        return None
    if frame.height != rows or frame["resourceLogs"].null_count():
        return None
    frame = frame.with_columns(pl.int_range(1, rows + 1, dtype=pl.Int64).alias(LINE))
    resources = _exploded(frame, "resourceLogs", (LINE,))
    if resources is None:
        return None
    resources = resources.with_row_index("_res").unnest("resourceLogs")
    scopes = _exploded(resources, "scopeLogs", (LINE, "_res"))
    logs = None if scopes is None else _exploded(scopes.unnest("scopeLogs"), "logRecords", (LINE, "_res"))
    if logs is None or logs.height == 0:
        return None
    logs = logs.unnest("logRecords")
    absent = {name: dtype for name, dtype in _record_keys(attributes).items() if name not in logs.columns}
    return resources, logs.with_columns(pl.lit(None, dtype=dtype).alias(name) for name, dtype in absent.items())


def _attributes_decoded(resources: pl.DataFrame, logs: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame] | None:
    """``logs`` with their ``attributes`` (JSON text, as polars wrote them back) decoded to
    lists, as the line-by-line path decodes them; None where a text holds a backslash or a
    control character (a string polars may have written back wrong, :data:`._jsonlines.MANGLED`:
    the chunk is read again with the attributes as lists, exactly) or is no list of pairs."""
    texts = pl.col("attributes")
    if logs.select(texts.str.contains(r"[\\\x00-\x1f]").any()).item():
        return None
    try:
        return resources, logs.with_columns(pl.when(texts != "[]").then(texts).str.json_decode(_PAIRS))
    except pl.exceptions.PolarsError:
        return None


def _exploded(frame: pl.DataFrame, column: str, keys: tuple[str, ...]) -> pl.DataFrame | None:
    """``frame``'s list ``column``, one row an entry, with ``keys``; None where an entry is
    null (no object: the line-by-line path names it). A null list holds no entry."""
    rows = frame.filter(pl.col(column).list.len() > 0).select(*keys, column).explode(column)
    return None if rows[column].null_count() else rows


def _pairs(frame: pl.DataFrame, key: str, column: str) -> pl.DataFrame | None:
    """The key/value pairs of the ``KeyValue`` lists in ``column``, one row each by ``key``:
    ``key``, ``_json`` (the value as JSON) and ``_text`` (strings unquoted), as
    :func:`._otlp_values.key_values` gives them; None where that walks one in Python, or a
    value may be a list or an object polars wrote back as text, or a pair or key is null."""
    rows = _exploded(frame.select(key, column), column, (key,))
    if rows is None:
        return None
    pairs = rows.unnest(column)
    value = pl.col("value").struct.field
    nested = pl.any_horizontal(value(name).is_not_null() for name in ("kvlistValue", "arrayValue"))
    written = pl.any_horizontal(value(name).str.contains(r"^\s*[\[{]") for name in SCALARS).fill_null(False)
    zero = value("doubleValue").str.strip_chars() == "-0"  # polars writes it back as 0
    if pairs.select((nested | written | zero.fill_null(False) | pl.col("key").is_null()).any()).item():
        return None
    as_json = scalar_json(pl.col("value")).fill_null(pl.lit("null"))
    return pairs.select(key, "key", as_json.alias("_json"), value("stringValue").alias("_text")).with_columns(
        pl.coalesce("_text", "_json").alias("_text")
    )


def _records(logs: pl.DataFrame) -> pl.DataFrame | None:
    """The log records (``_record``: each as the JSON text the line-by-line path gives the
    decoder), or None where one is not read so (see the module's docstring)."""
    body = pl.col("body").struct.field("stringValue")
    records = logs.with_row_index("_rec").with_columns(body.alias("_body"))
    inner = pl.col("_body").str.strip_chars()
    whole = (inner.str.starts_with("{") & ~pl.col("_body").str.contains("\r", literal=True)).fill_null(False).all()
    if not records.select(whole).item():
        return None
    attributed = records.filter(pl.col("attributes").list.len() > 0) if records["attributes"].dtype != _S else None
    if attributed is None or attributed.height == 0:
        return records.with_columns(inner.str.replace_all("\n", " ", literal=True).alias("_record"))
    pairs = _pairs(attributed, "_rec", "attributes")
    if pairs is None:
        return None
    pairs = pairs.with_columns(json_string(pl.col("key")).alias("_key"))
    bodies = records["_body"].gather(pairs["_rec"])  # _rec: the record's row
    if pairs.select(pl.lit(bodies).str.contains(pl.col("_key"), literal=True).any()).item():
        return None  # the body's own key, or only its text? The line-by-line path tells.
    members = pairs.group_by("_rec", maintain_order=True).agg(
        pl.concat_str("_key", pl.lit(":"), "_json").str.join(",").alias("_attrs")
    )
    records = records.join(members, on="_rec", how="left", maintain_order="left")
    return records.with_columns(
        merged_record().str.strip_chars().str.replace_all("\n", " ", literal=True).alias("_record")
    )


def _sources(resources: pl.DataFrame) -> pl.DataFrame | None:
    """Each resource's attributes as ``source.<key>`` columns of text, by ``_res``, as
    :func:`.otlp.unwrap` gives them; None where it would not read them so."""
    attributes = resources.select("_res", pl.col("resource").struct.field("attributes"))
    pairs = _pairs(attributes, "_res", "attributes")
    return None if pairs is None else source_columns(pairs, resources)


def source_columns(pairs: pl.DataFrame, resources: pl.DataFrame) -> pl.DataFrame:
    """Resource attributes' ``pairs`` (``_res``, ``key``, ``_text``) as ``source.<key>``
    columns of text, one row a resource of ``resources`` that has any (the first value of a
    repeated key); an empty key is left out."""
    pairs = pairs.filter(pl.col("key").str.len_chars() > 0)
    if pairs.height == 0:
        return resources.select("_res")
    return (
        pairs.with_columns((pl.lit(SOURCE_PREFIX) + pl.col("key")).alias("key"))
        .pivot(on="key", index="_res", values="_text", aggregate_function="first")
        .with_columns(pl.col("_res").cast(resources["_res"].dtype))
    )


def _typed(records: pl.DataFrame, sources: pl.DataFrame, schema: dict[str, pl.DataType]) -> FastRead | None:
    """The records read in one call, typed strictly by the keys of ``schema`` they hold,
    with their physical lines and the envelope's values; None: a value of the wrong type,
    a text that is no JSON object, or a key the line-by-line decoder reads again."""
    payload = records["_record"].str.join("\n").cast(pl.Binary).item() + b"\n"
    keep = present_keys(payload, list(schema))
    if RECORD in keep or all(name[0] in keep for name in (DOCKER_LOG, DOCKER_STREAM, DOCKER_TIME)):
        return None
    try:
        typed = pl.read_ndjson(io.BytesIO(payload), schema={key: dtype for key, dtype in schema.items() if key in keep})
    except pl.exceptions.PolarsError:
        return None
    if typed.height != records.height:
        return None
    if sources.width > 1:
        records = records.join(sources, on="_res", how="left", maintain_order="left")
    given = {
        "level": severity_level(),
        **{name: pl.col(name) for name in sources.columns if name != "_res" and name not in typed.columns},
    }
    when = nano_time(pl.col("timeUnixNano")).fill_null(nano_time(pl.col("observedTimeUnixNano")))
    values = records.select(LINE, when.alias(PREFIX_TS), *(column.cast(pl.String) for column in given_columns(given)))
    return FastRead(typed.hstack(values), {}, records.height)
