"""OpenTelemetry logs as the Collector's file exporter writes them: JSON lines, one
``LogsData`` a line (https://opentelemetry.io/docs/specs/otel/protocol/file-exporter/),
encoded as OTLP JSON (https://github.com/open-telemetry/opentelemetry-proto/blob/main/examples/logs.json).

A line holds ``resourceLogs[].scopeLogs[].logRecords[]``: many records, each given the
line as its physical line. A record's ``body`` is the app's record: a ``stringValue``
holding a JSON object, or a ``kvlistValue``; any other body is ``not JSON (otlp body)`` (a
record with no body at all is its attributes alone). The record's ``attributes`` are record
fields, as Python's ``extra=`` becomes log-record attributes; the body's own keys win. An
``AnyValue`` becomes its JSON value: ``intValue`` (a string in OTLP JSON) a number,
``doubleValue`` a number (``NaN``, ``Infinity``: text), ``boolValue`` true or false,
``kvlistValue`` an object, ``arrayValue`` a list, ``bytesValue`` its base64 text. The
resource's attributes say where the record came from: ``source.<key>``
(``source.k8s.pod.name``, ``source.service.name``), their values as text.
``timeUnixNano`` fills ``ts`` (ISO UTC, 9 digits; ``observedTimeUnixNano`` only where the
time is missing or 0, as the data model says); ``severityText`` lower-cased fills ``level``
(else ``severityNumber``'s short name). Not kept: the scope, ``traceId``, ``spanId``,
``flags``. A container of the wrong type is one item skipped: ``malformed envelope (otlp
resourceLogs is not a list)``, ``(otlp logRecord is not an object)`` and the like.

Vectorised: polars reads the lines once, each record's ``body`` and ``attributes`` kept
as JSON text (it reads nested lists of structs several times slower than text); the lists
are exploded, the bodies and attribute lists decoded with ``str.json_decode``, and each
record joined back as JSON text with string expressions (:mod:`._otlp_values`). Python runs
only where it is rare: an attribute holding a ``kvlistValue`` or ``arrayValue``; an
attribute whose key the body's text holds (is it the body's own key?); a line with a
container polars read as null (absent, or of the wrong type?); and a line holding a string
with a backslash or a control character, whose texts polars writes back wrong
(:data:`._jsonlines.MANGLED`): its bodies and attributes are written again by ``json``.
Cost (benchmarks/bench_envelopes.py's shape: 100 records a line, 100,000 records; 2
shared cores under load, best of 5): reading 3.4x the same records as plain lines, the file
being 1.2x their size; ``mlmon report`` end to end 1.65x (median of 3). A chunk whose records
all hold a JSON object in ``stringValue`` takes the fast path instead (:mod:`._otlp_fast`:
two polars calls, no record written out and decoded again).
"""

from __future__ import annotations

import json
import re

import polars as pl

from mlmon.ingest.envelopes._jsonlines import (
    MANGLED,
    PHYSICAL,
    TEXT,
    EnvelopeLines,
    read_envelope_lines,
    unwrapped_of,
)
from mlmon.ingest.envelopes._otlp_fast import iso_time, merged_record, read_fast, severity_level, source_columns
from mlmon.ingest.envelopes._otlp_values import SCALARS, json_string, key_values, scalar_json
from mlmon.ingest.envelopes.base import Envelope, Unwrapped

NAME = "otlp"
BODY = "body"
_S = pl.String()
_RECORD = pl.Struct(
    {
        **{name: _S for name in ("timeUnixNano", "observedTimeUnixNano", "severityText", "severityNumber")},
        BODY: pl.Struct({name: _S for name in (*SCALARS, "kvlistValue", "arrayValue")}),
        "attributes": _S,
    }
)
"""A log record as polars reads it: the attributes and a ``kvlistValue`` body as JSON text
(polars reads nested lists of structs slowly, text fast)."""
_LINES: dict[str, pl.DataType] = {
    "resourceLogs": pl.List(
        pl.Struct(
            {
                "resource": pl.Struct({"attributes": _S}),
                "scopeLogs": pl.List(pl.Struct({"logRecords": pl.List(_RECORD)})),
            }
        )
    )
}
_HEAD = re.compile(rb'\s*\{\s*"resourceLogs"\s*:')
NOT_AN_OBJECT = "logRecord is not an object"
_ENVELOPED = pl.lit(True).alias("_enveloped")


def detect(head: bytes) -> bool:
    """A first line that opens a ``LogsData``: ``{"resourceLogs":``."""
    return bool(_HEAD.match(head))


def malformed(what: str) -> str:
    """The skip reason of a container of the wrong type: ``malformed envelope (otlp
    resourceLogs is not a list)``."""
    return f"malformed envelope ({NAME} {what})"


def unwrap(data: bytes, source: str) -> Unwrapped:
    """A chunk of the file exporter's lines, unwrapped."""
    lines = read_envelope_lines(data, _LINES)
    frame = lines.frame
    resources, scopes, logs = _containers(frame)
    exact_resources, exact_records = _exact_texts(frame)
    resources = _replaced(resources, exact_resources)
    records, unread = _records(logs, exact_records)
    sources = _sources(resources)
    if sources.width > 1:
        records = records.join(sources, on="_res", how="left", maintain_order="left")
    given = {
        "ts": iso_time(pl.col("timeUnixNano")).fill_null(iso_time(pl.col("observedTimeUnixNano"))),
        "level": severity_level(),
        **{name: pl.col(name) for name in sources.columns if name != "_res"},
    }
    rows = records.select(
        PHYSICAL, merged_record().alias("_record"), *(expr.alias(name) for name, expr in given.items()), _ENVELOPED
    )
    passed = frame.filter(pl.col("resourceLogs").is_null() & ~pl.col(TEXT).str.contains('"resourceLogs"', literal=True))
    damaged = pl.concat([_damaged(frame, resources, scopes), unread], how="diagonal")
    rows = pl.concat([rows, passed.select(PHYSICAL, TEXT, ~_ENVELOPED), damaged], how="diagonal_relaxed").sort(
        PHYSICAL, maintain_order=True
    )
    return unwrapped_of(
        NAME,
        EnvelopeLines(rows, lines.others, lines.blank),
        pl.col("_record"),
        pl.lit(BODY),
        {name: pl.col(name) for name in given},
        is_envelope=pl.col("_enveloped"),
        skip=pl.col("_damage"),
    )


def _containers(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The lines' resources (by ``_res``, with ``_attributes``, their attributes as text),
    scopes, and log records (``_log``, null where one is no object), in order."""
    resource = pl.col("_resource")
    resources = (
        frame.filter(pl.col("resourceLogs").list.len() > 0)
        .select(PHYSICAL, pl.col("resourceLogs").alias("_resource"))
        .explode("_resource")
        .with_row_index("_res")
        .with_columns(resource.struct.field("resource").struct.field("attributes").alias("_attributes"))
    )
    scopes = (
        resources.filter(resource.struct.field("scopeLogs").list.len() > 0)
        .select(PHYSICAL, "_res", resource.struct.field("scopeLogs").alias("_scope"))
        .explode("_scope")
    )
    logs = (
        scopes.filter(pl.col("_scope").struct.field("logRecords").list.len() > 0)
        .select(PHYSICAL, "_res", pl.col("_scope").struct.field("logRecords").alias("_log"))
        .explode("_log")
    )
    return resources, scopes, logs


def _exact_texts(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The resources' ``_attributes`` and the records' ``_kvlist`` and ``attributes`` as JSON
    text, written by Python, on the lines polars would write them wrong (:data:`MANGLED`),
    each by its line and its place among the line's resources or records (``_nth``)."""
    resources: list[tuple[int, int, str | None]] = []
    records: list[tuple[int, int, str | None, str | None]] = []
    mangled = frame.filter(pl.col(TEXT).str.contains(MANGLED))
    for line, text in zip(mangled[PHYSICAL].to_list(), mangled[TEXT].to_list()):
        try:
            document = json.loads(text)
        except ValueError:
            continue
        listed = document.get("resourceLogs") if isinstance(document, dict) else None
        nth = 0
        for n, resource in enumerate(listed if isinstance(listed, list) else []):
            attributes = _get(_get(resource, "resource"), "attributes")
            resources.append((line, n, _dumped(attributes)))
            for scope in _items(resource, "scopeLogs"):
                for record in _items(scope, "logRecords"):
                    if isinstance(record, dict):
                        kvlist = _dumped(_get(record.get(BODY), "kvlistValue"))
                        records.append((line, nth, kvlist, _dumped(record.get("attributes"))))
                        nth += 1
    key = {PHYSICAL: pl.Int64, "_nth": pl.Int64}
    return (
        pl.DataFrame(resources, schema={**key, "_attributes": pl.String}, orient="row"),
        pl.DataFrame(records, schema={**key, "_kvlist": pl.String, "attributes": pl.String}, orient="row"),
    )


def _get(parent: object, name: str) -> object:
    """``parent[name]`` where ``parent`` is an object and the value a list or object."""
    value = parent.get(name) if isinstance(parent, dict) else None
    return value if isinstance(value, list | dict) else None


def _items(parent: object, name: str) -> list[object]:
    """``parent[name]`` where ``parent`` is an object and the value a list, else none."""
    value = _get(parent, name)
    return value if isinstance(value, list) else []


def _dumped(value: object) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _replaced(frame: pl.DataFrame, exact: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with the columns of ``exact`` taken from it, by line and place, on the lines
    where both hold as many rows (they always do: polars and Python walk the same lists)."""
    if exact.height == 0:
        return frame
    frame = frame.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).over(PHYSICAL).alias("_nth"))
    counts = frame.group_by(PHYSICAL).len().join(exact.group_by(PHYSICAL).len(), on=PHYSICAL, suffix="_exact")
    lines = counts.filter(pl.col("len") == pl.col("len_exact"))[PHYSICAL].implode()
    exact = exact.filter(pl.col(PHYSICAL).is_in(lines)).with_columns(pl.lit(True).alias("_exact"))
    columns = [name for name in exact.columns if name not in (PHYSICAL, "_nth", "_exact")]
    joined = frame.join(exact, on=[PHYSICAL, "_nth"], how="left", suffix="_x", maintain_order="left")
    taken = pl.col("_exact").fill_null(False)
    return joined.with_columns(
        pl.when(taken).then(pl.col(f"{name}_x")).otherwise(pl.col(name)).alias(name) for name in columns
    ).drop("_nth", "_exact", *(f"{name}_x" for name in columns))


def _records(logs: pl.DataFrame, exact: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The log records (one row each, by ``_rec``: their fields, ``_body`` the body as text,
    ``_attrs`` the attributes as JSON members), and the damaged rows of the ones that are
    no object (read as null). ``exact``: the texts polars would write wrong."""
    records = logs.filter(pl.col("_log").is_not_null()).with_row_index("_rec").unnest("_log")
    records = _replaced(records.with_columns(pl.col(BODY).struct.field("kvlistValue").alias("_kvlist")), exact)
    records = records.with_columns(_body_text(records).alias("_body"))
    records = records.join(_attributes(records), on="_rec", how="left", maintain_order="left")
    unread = logs.filter(pl.col("_log").is_null()).select(PHYSICAL)
    return records, unread.select(PHYSICAL, pl.lit(malformed(NOT_AN_OBJECT)).alias("_damage"), _ENVELOPED)


def _body_text(records: pl.DataFrame) -> pl.Expr:
    """Each record's body as text: its ``stringValue``, its ``kvlistValue`` as a JSON
    object, ``""`` for another value (no object: skipped); null where it has none."""
    body = pl.col(BODY).struct.field
    objects = (
        key_values(records, "_rec", "_kvlist", path=("values",))
        .group_by("_rec", maintain_order=True)
        .agg(pl.col("_member").str.join(","))
        .select("_rec", pl.concat_str(pl.lit("{"), pl.col("_member"), pl.lit("}")).alias("_object"))
    )
    joined = records.select("_rec").join(objects, on="_rec", how="left", maintain_order="left")["_object"]
    other = pl.any_horizontal(body(name).is_not_null() for name in (*SCALARS, "arrayValue"))
    return (
        pl.when(body("stringValue").is_not_null())
        .then(body("stringValue"))
        .when(pl.col("_kvlist").is_not_null())
        .then(pl.lit(joined).fill_null(pl.lit("{}")))
        .when(other.fill_null(False))
        .then(scalar_json(pl.col(BODY)).fill_null(pl.lit("")))
    )


def _attributes(records: pl.DataFrame) -> pl.DataFrame:
    """Each record's attributes as JSON members (``_attrs``: ``"key":value,...``), the ones
    that are the body's own keys left out."""
    pairs = key_values(records, "_rec", "attributes")
    pairs = pairs.with_columns(records["_body"].gather(pairs["_rec"]).alias("_body"))  # _rec: the record's row
    maybe = pairs.with_row_index("_pair").filter(
        pl.col("_body").str.contains(json_string(pl.col("key")), literal=True).fill_null(False)
    )
    if maybe.height:
        clash = [pair for pair, body, key in maybe.select("_pair", "_body", "key").iter_rows() if _body_has(body, key)]
        pairs = pairs.with_row_index("_pair").filter(~pl.col("_pair").is_in(clash)).drop("_pair")
    return pairs.group_by("_rec", maintain_order=True).agg(pl.col("_member").str.join(",").alias("_attrs"))


def _body_has(body: str, key: str) -> bool:
    """Whether the JSON object ``body`` has the top-level ``key`` (not JSON: no)."""
    try:
        value = json.loads(body)
    except ValueError:
        return False
    return isinstance(value, dict) and key in value


def _sources(resources: pl.DataFrame) -> pl.DataFrame:
    """Each resource's attributes as ``source.<key>`` columns of text, by ``_res``."""
    return source_columns(key_values(resources, "_res", "_attributes"), resources)


def _damaged(frame: pl.DataFrame, resources: pl.DataFrame, scopes: pl.DataFrame) -> pl.DataFrame:
    """One row per container of the wrong type (each one item, skipped): the lines where
    polars read one as null are walked in Python to tell a wrong type from an absent one;
    and a row passing on each of those lines that is no ``LogsData`` after all (an app's
    record with a ``resourceLogs`` key inside)."""
    resource = pl.col("_resource")
    suspects = pl.concat(
        [
            frame.filter(
                pl.col("resourceLogs").is_null() & pl.col(TEXT).str.contains('"resourceLogs"', literal=True)
            ).select(PHYSICAL),
            resources.filter(resource.is_null() | resource.struct.field("scopeLogs").is_null()).select(PHYSICAL),
            scopes.filter(pl.col("_scope").is_null() | pl.col("_scope").struct.field("logRecords").is_null()).select(
                PHYSICAL
            ),
        ]
    ).unique(maintain_order=True)
    texts = dict(zip(frame[PHYSICAL].to_list(), frame[TEXT].to_list()))
    found = {line: _wrong_types(texts[line]) for line in suspects[PHYSICAL].to_list()}
    damaged = pl.DataFrame(
        [(line, reason) for line, reasons in found.items() for reason in reasons or ()],
        schema={PHYSICAL: pl.Int64, "_damage": pl.String},
        orient="row",
    ).with_columns(_ENVELOPED)
    passed = pl.DataFrame(
        [(line, texts[line]) for line, reasons in found.items() if reasons is None],
        schema={PHYSICAL: pl.Int64, TEXT: pl.String},
        orient="row",
    ).with_columns(~_ENVELOPED)
    return pl.concat([damaged, passed], how="diagonal")


def _wrong_types(text: str) -> list[str] | None:
    """The reasons of a line's containers of the wrong type (``null``: absent, fine; the
    records themselves are checked by :func:`_records`); None: the line has no top-level
    ``resourceLogs``."""
    try:
        document = json.loads(text)
    except ValueError:
        return []
    if not isinstance(document, dict) or "resourceLogs" not in document:
        return None
    found: list[str] = []
    for resource in _listed(document, "resourceLogs", found):
        for scope in _listed(resource, "scopeLogs", found):
            _listed(scope, "logRecords", found)
    return found


def _listed(parent: object, name: str, found: list[str]) -> list[object]:
    """The objects of ``parent``'s list ``name``; a list or entry of the wrong type added
    to ``found`` (not a record: a record is checked by :func:`_records`)."""
    value = parent.get(name) if isinstance(parent, dict) else None
    if value is None:
        return []
    if not isinstance(value, list):
        found.append(malformed(f"{name} is not a list"))
        return []
    if name != "logRecords":
        found.extend(malformed(f"{name} entry is not an object") for item in value if not isinstance(item, dict))
    return [item for item in value if isinstance(item, dict)]


ENVELOPE = Envelope(
    name=NAME,
    title="OpenTelemetry Collector file export (OTLP JSON)",
    detect=detect,
    unwrap=unwrap,
    priority=40,
    read_fast=read_fast,
    own_keys=True,
)
