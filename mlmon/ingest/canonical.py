"""From decoded string leaves to mlmon's canonical columns, with every unusable value counted.

Canonical columns (every downstream analysis sees only these):

=============== ======================= ==================================================
column          dtype                   meaning
=============== ======================= ==================================================
ts              Datetime(us, UTC)       event time; rows without one are skipped
source          Categorical             the file the record came from
event           Categorical             event or message name (``inference``, ...)
level           Categorical             log level, lower case
latency_ms      Float64                 request latency in milliseconds
status          Categorical             the service's own status word, lower case
status_code     Int32                   HTTP status code
error_kind      Categorical             error | timeout | invalid_input | http_5xx, or null
is_request      Boolean                 the record describes a request (see below)
model           Categorical             model name
model_version   Categorical             model version
label           Categorical             predicted class
confidence      Float64                 confidence of the predicted class, in [0, 1]
cpu_percent     Float64                 process CPU use, percent
rss_mb          Float64                 resident memory, MiB
probabilities   List(Float64)           class probabilities in logged order (opt-in)
request_id      String                  the request's id; a number as its digits (opt-in)
actual          Categorical             the true class, read like ``label`` (opt-in)
probability_classes List(String)        the keys of an object of probabilities, aligned
                                        with ``probabilities``; null for a list (opt-in)
group           String                  where the record came from, by ``--by``
                                        (:mod:`mlmon.ingest.groups`; opt-in)
=============== ======================= ==================================================

The opt-in columns (:data:`OPT_IN_COLUMNS`) are decoded only for an analysis that names
them in ``Needs.columns``; no other read decodes their keys or counts their values.

A record is a *request* when it carries a latency, a status, a status code, or an error.
A record is a *prediction* when it carries a predicted class (``label``). A label record
(``{"ts": ..., "event": "label", "request_id": "r-1", "actual": "B"}``) is neither.

Classes (``label``, ``actual``, the keys of ``probability_classes``) are text, a boolean
or a whole number, written one way whatever the writer: a whole number as its digits
(JSON ``1`` and ``1.0``, the text ``"1.0"`` a CSV holds: ``1``), a boolean as ``true`` or
``false`` (JSON ``true``; ``True``, ``TRUE`` as Python, pandas and R write them). A
request id is text as written (an empty one is none); a number is its digits, so ``"123"``,
``123`` and a table's ``123.0`` are one id.
Error kinds, first match wins: ``status`` says timeout / invalid input / error; else an HTTP
``status_code`` >= 500 (``http_5xx``) or 4xx (``invalid_input``); else ``level`` is error or
worse, or an ``error``/``exc_info`` field is present (``error``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import polars as pl

from mlmon.ingest.classes import class_of, probabilities_of, probability_entries, request_id_of
from mlmon.ingest.envelopes.base import GIVEN_PREFIX
from mlmon.ingest.features import FeatureRead, feature_reads
from mlmon.ingest.fields import LATENCY_UNITS_MS, LINE, NUMERIC, FieldMap, Path, has_path, path_dtype, path_expr
from mlmon.ingest.groups import group_expr, is_by_column
from mlmon.ingest.line_decode import PREFIX_TS
from mlmon.ingest.problems import MAX_EXAMPLES, ProblemTally
from mlmon.ingest.timestamps import direct_format, fill_unparsed, parse_direct, parse_timestamp, prefix_times

if TYPE_CHECKING:
    from collections.abc import Callable

    from polars.expr.whenthen import ChainedThen, Then

CATEGORICAL = ("source", "event", "level", "status", "error_kind", "model", "model_version", "label")
CANONICAL_SCHEMA: dict[str, pl.DataType] = {
    "ts": pl.Datetime("us", "UTC"),
    **{name: pl.Categorical() for name in CATEGORICAL},
    "latency_ms": pl.Float64(),
    "status_code": pl.Int32(),
    "is_request": pl.Boolean(),
    "confidence": pl.Float64(),
    "cpu_percent": pl.Float64(),
    "rss_mb": pl.Float64(),
    "probabilities": pl.List(pl.Float64),
    "request_id": pl.String(),
    "actual": pl.Categorical(),
    "probability_classes": pl.List(pl.String),
    "group": pl.String(),
}
"""Every canonical column and its dtype, in frame order (those of :data:`OPT_IN_COLUMNS`
only on request)."""
OPT_IN_COLUMNS = ("probabilities", "request_id", "actual", "probability_classes", "group")
"""Columns decoded only when ``columns`` names them (``probabilities`` also when
``with_probabilities`` asks for it with no ``columns``)."""
_CANONICAL = {name: pl.col(name).cast(dtype) for name, dtype in CANONICAL_SCHEMA.items()}
_TIMEOUT = ["timeout", "timed_out", "timedout", "deadline_exceeded"]
_INVALID = ["invalid_input", "invalid", "bad_request", "rejected", "validation_error"]
_FAILED = ["error", "failed", "failure", "fail", "exception", "internal_error"]
_ERROR_LEVELS = ["error", "err", "critical", "fatal", "crit", "alert", "emergency"]
_ABSENT = ["", "null", "none", "false", "0", "[]", "{}"]


EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
OUT_OF_RANGE = "timestamp out of range"
"""A record's time must lie in [EARLIEST, LATEST): nothing logs events before the Unix
epoch, and a year such as 0 or 9999 is a clock or parsing bug that would stretch every time
window across millennia. Such a line is skipped and counted under this reason."""

_IMPOSSIBLE = {
    "latency_ms": ~pl.col("latency_ms").is_finite() | (pl.col("latency_ms") < 0),
    "confidence": ~pl.col("confidence").is_finite() | (pl.col("confidence") < 0) | (pl.col("confidence") > 1),
    "cpu_percent": ~pl.col("cpu_percent").is_finite() | (pl.col("cpu_percent") < 0),
    "rss_mb": ~pl.col("rss_mb").is_finite() | (pl.col("rss_mb") < 0),
    "status_code": (pl.col("status_code") < 100) | (pl.col("status_code") > 599) | (pl.col("status_code") % 1 != 0),
}
"""Values no service can log; each is nulled and counted as ``impossible value: <name>``."""


def canonicalize(
    raw: pl.DataFrame,
    source: str,
    fields: FieldMap,
    tally: ProblemTally,
    *,
    with_probabilities: bool,
    columns: tuple[str, ...] | None,
    features: tuple[FeatureRead, list[str]] | None = None,
) -> pl.DataFrame:
    """Canonical columns (all, or only ``columns``) for the rows of ``raw`` that have a
    usable timestamp, plus ``has_features`` and the ``feature:<name>`` columns of
    ``features`` (how they are read, and the keys this chunk reads from the object).
    Values are checked and counted whether or not their column is kept.

    One lazy plan per chunk: polars runs it on its thread pool without the GIL, and every
    check is a boolean column of the same plan, counted afterwards in one pass.
    """
    if raw.height == 0:
        return empty_canonical(with_probabilities, columns)
    schema = dict(raw.schema)
    ts_raw = first_present(schema, fields.timestamp)
    ts_format = direct_format(raw.select(ts_raw.drop_nulls().first()).item())
    ts = parse_direct(ts_raw, ts_format) if ts_format else parse_timestamp(ts_raw)
    prefixed = raw[PREFIX_TS].null_count() < raw.height
    if prefixed:  # one shape a file, as the record's own times: parsed by its direct format
        raw = raw.with_columns(prefix_times(raw[PREFIX_TS]).alias(PREFIX_TS))
    keep = canonical_columns(with_probabilities, columns)
    from_raw, wrong_types = _raw_reads(schema, fields, (ts, ts_raw), prefixed, with_probabilities, frozenset(keep))
    if "group" in keep:
        from_raw["group"] = group_expr(schema, columns or (), fields.group)
    feature_columns: list[str] = []
    if features is not None:
        values, masks = feature_reads(schema, *features)
        from_raw.update(values)
        from_raw.update({f"_check_{len(wrong_types) + index}": mask for index, mask in enumerate(masks.values())})
        wrong_types = {**wrong_types, **masks}
        feature_columns = list(values)
    checks = [*wrong_types, *(f"impossible value: {name}" for name in _IMPOSSIBLE)]
    plan = _plan(raw.lazy(), from_raw, len(wrong_types), source, keep, len(checks), prefixed, feature_columns)
    frame = plan.collect()
    if ts_format:
        frame = frame.with_columns(fill_unparsed(frame["ts"], frame["_ts_raw"]))
    if prefixed:
        frame = frame.with_columns(pl.col("ts").fill_null(pl.col("_prefix_ts"))).drop("_prefix_ts")
    out_of_range = (pl.col("ts") < EARLIEST) | (pl.col("ts") >= LATEST)
    problems = {
        "missing timestamp": pl.col("_ts_raw").is_null() & pl.col("ts").is_null(),
        "unparseable timestamp": pl.col("_ts_raw").is_not_null() & pl.col("ts").is_null(),
        OUT_OF_RANGE: out_of_range,
        **{reason: pl.col(f"_check_{index}") for index, reason in enumerate(checks)},
    }
    _count_all(frame, source, tally, problems)
    frame = frame.filter(pl.col("ts").is_not_null() & ~out_of_range)
    return frame.drop("_ts_raw", LINE, *[f"_check_{index}" for index in range(len(checks))])


def _raw_reads(
    schema: dict[str, pl.DataType],
    fields: FieldMap,
    times: tuple[pl.Expr, pl.Expr],
    prefixed: bool,
    with_probabilities: bool,
    kept: frozenset[str],
) -> tuple[dict[str, pl.Expr], dict[str, pl.Expr]]:
    """Every read of a raw column, by output name, and the wrong-type masks by reason. They
    all run in the plan's first step, before any raw column is replaced. ``times``: the
    parsed and the raw timestamp; ``kept``: the canonical columns kept (the opt-in ones are
    read only when kept)."""

    def coalesce(paths: tuple[Path, ...]) -> pl.Expr:
        return first_present(schema, paths)

    numbers = {
        "latency_ms": _number(schema, fields.latency),
        **{name: _number(schema, tuple((path, "ms") for path in fields.simple[name])) for name in NUMERIC},
    }
    wrong_types = {f"wrong type: {name}": wrong for name, (_, wrong) in numbers.items() if wrong is not None}
    label, not_a_class = class_of(coalesce(fields.simple["label"]))
    wrong_types["wrong type: label"] = not_a_class
    opt_in, opt_in_wrong = _opt_in_reads(coalesce, fields, with_probabilities, kept)
    wrong_types.update(opt_in_wrong)
    from_raw = {
        "ts": times[0],
        "_ts_raw": times[1],
        "status": coalesce(fields.simple["status"]).str.to_lowercase(),
        "level": _or_given(schema, "level", coalesce(fields.level)).str.to_lowercase(),
        "event": coalesce(fields.event),
        **{name: coalesce(fields.simple[name]) for name in ("model", "model_version")},
        "label": label,
        **{name: value for name, (value, _) in numbers.items()},
        **opt_in,
        "_error_field": _error_present(schema, fields.simple["error"]),
        **{f"_check_{index}": mask for index, mask in enumerate(wrong_types.values())},
    }
    if prefixed:  # kubectl --timestamps, CRI or Docker: used when the record has none
        from_raw["_prefix_ts"] = pl.col(PREFIX_TS)
    if GIVEN_STATUS in schema:
        from_raw[GIVEN_STATUS] = pl.col(GIVEN_STATUS).cast(pl.Float64, strict=False)
    return from_raw, wrong_types


GIVEN_STATUS = f"{GIVEN_PREFIX}status_code"
GIVEN_REQUEST_ID = f"{GIVEN_PREFIX}request_id"


def _or_given(schema: dict[str, pl.DataType], name: str, read: pl.Expr) -> pl.Expr:
    """``read``, or where it is null the envelope's value for ``name`` (its ``_given_``
    column, :mod:`mlmon.ingest.envelopes`): the record's own value wins."""
    given = f"{GIVEN_PREFIX}{name}"
    return pl.coalesce(read, pl.col(given)) if given in schema else read


def _opt_in_reads(
    coalesce: Callable[[tuple[Path, ...]], pl.Expr], fields: FieldMap, with_probabilities: bool, kept: frozenset[str]
) -> tuple[dict[str, pl.Expr], dict[str, pl.Expr]]:
    """The reads of the opt-in columns (:data:`OPT_IN_COLUMNS`) wanted, and their
    wrong-type masks by reason. ``probability_classes`` and ``probabilities`` come from
    one split of the logged object when both are read, so they stay aligned."""
    reads: dict[str, pl.Expr] = {}
    wrong: dict[str, pl.Expr] = {}
    if "request_id" in kept:
        reads["request_id"], wrong["wrong type: request_id"] = request_id_of(
            coalesce(fields.simple["request_id"] + ((GIVEN_REQUEST_ID,),))
        )
    if "actual" in kept:
        reads["actual"], wrong["wrong type: actual"] = class_of(coalesce(fields.simple["actual"]))
    text = coalesce(fields.simple.get("probabilities", ()))
    if "probability_classes" in kept:
        reads["probabilities"], reads["probability_classes"] = probability_entries(text)
    elif with_probabilities:
        reads["probabilities"] = probabilities_of(text)
    return reads, wrong


def _plan(
    raw: pl.LazyFrame,
    from_raw: dict[str, pl.Expr],
    first_impossible: int,
    source: str,
    keep: list[str],
    checks: int,
    prefixed: bool,
    passed: list[str],
) -> pl.LazyFrame:
    """The chunk's one lazy plan: reads, HTTP status from a numeric ``status``, impossible
    values nulled, error kind, ``is_request``; then the kept columns (and the ``passed``
    ones, as read), and the check masks."""
    code, status = pl.col("status_code"), pl.col("status")
    error_kind = (
        pl.when(status.is_in(_TIMEOUT))
        .then(pl.lit("timeout"))
        .when(status.is_in(_INVALID))
        .then(pl.lit("invalid_input"))
        .when(status.is_in(_FAILED))
        .then(pl.lit("error"))
        .when(code >= 500)
        .then(pl.lit("http_5xx"))
        .when(code >= 400)
        .then(pl.lit("invalid_input"))
        .when(pl.col("level").is_in(_ERROR_LEVELS) | pl.col("_error_field"))
        .then(pl.lit("error"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    impossible = [(first_impossible + index, name, mask) for index, (name, mask) in enumerate(_IMPOSSIBLE.items())]
    return (
        raw.select(*[expr.alias(name) for name, expr in from_raw.items()], pl.col(LINE))
        # A numeric "status" (some servers log status=200) is an HTTP status code.
        .with_columns(pl.coalesce(code, status.cast(pl.Float64, strict=False)).alias("status_code"))
        .with_columns(*_given_status(from_raw))
        .with_columns(mask.fill_null(False).alias(f"_check_{index}") for index, _, mask in impossible)
        .with_columns(
            pl.when(pl.col(f"_check_{index}")).then(None).otherwise(pl.col(name)).alias(name)
            for index, name, _ in impossible
        )
        .with_columns(error_kind.alias("error_kind"))
        .with_columns(
            pl.lit(source).alias("source"),
            (
                pl.col("latency_ms").is_not_null()
                | status.is_not_null()
                | code.is_not_null()
                | pl.col("error_kind").is_not_null()
            ).alias("is_request"),
        )
        .select(
            *[_CANONICAL[name] for name in keep],
            *[pl.col(name) for name in passed],
            pl.col("_ts_raw"),
            *([pl.col("_prefix_ts")] if prefixed else []),
            pl.col(LINE),
            *[pl.col(f"_check_{index}") for index in range(checks)],
        )
    )


def _given_status(from_raw: dict[str, pl.Expr]) -> list[pl.Expr]:
    """An envelope's HTTP status, given to a record that is a request (a latency, a status
    or an error) and has none: it belongs to the request, not to every line logged while
    serving it (a prediction given one would count as a second request)."""
    if GIVEN_STATUS not in from_raw:
        return []
    code = pl.col("status_code")
    request = pl.col("latency_ms").is_not_null() | pl.col("status").is_not_null() | pl.col("_error_field")
    return [pl.when(code.is_null() & request).then(pl.col(GIVEN_STATUS)).otherwise(code).alias("status_code")]


def canonical_columns(with_probabilities: bool, columns: tuple[str, ...] | None) -> list[str]:
    """The canonical column names, in order: those in ``columns``, or all of them but the
    opt-in ones (:data:`OPT_IN_COLUMNS`; ``probabilities`` with ``with_probabilities``)."""
    names = [name for name in CANONICAL_SCHEMA if with_probabilities or name != "probabilities"]
    if columns is None:
        return [name for name in names if name not in OPT_IN_COLUMNS or name == "probabilities"]
    if unknown := {name for name in columns if not is_by_column(name)} - set(CANONICAL_SCHEMA):
        raise ValueError(f"not canonical columns: {sorted(unknown)}")
    return [name for name in names if name in columns]


def empty_canonical(with_probabilities: bool, columns: tuple[str, ...] | None) -> pl.DataFrame:
    return pl.DataFrame(
        schema={name: CANONICAL_SCHEMA[name] for name in canonical_columns(with_probabilities, columns)}
    )


def first_present(schema: dict[str, pl.DataType], paths: tuple[Path, ...]) -> pl.Expr:
    """The first non-null of ``paths`` per row, using only the paths this chunk has."""
    exprs = [path_expr(path) for path in paths if has_path(schema, path)]
    if not exprs:
        return pl.lit(None, dtype=pl.String)
    return exprs[0] if len(exprs) == 1 else pl.coalesce(exprs)


def _number(schema: dict[str, pl.DataType], candidates: tuple[tuple[Path, str], ...]) -> tuple[pl.Expr, pl.Expr | None]:
    """(value, wrong-type mask) of a numeric field: the value in the first candidate present
    in each row, times its unit's factor (``LATENCY_UNITS_MS``; ``ms`` is 1). The mask is
    ``None`` when every present candidate was read as a number, so none can be wrong."""
    candidates = tuple((path, unit) for path, unit in candidates if has_path(schema, path))
    if not candidates:
        return pl.lit(None, dtype=pl.Float64), None
    present = [path_expr(path).is_not_null() for path, _ in candidates]
    values = [_as_number(path, schema) * LATENCY_UNITS_MS[unit] for path, unit in candidates]
    # Take the value of the same candidate that was present, so "12ms" in latency_ms is
    # counted as a wrong type rather than silently replaced by a later candidate.
    value = values[0]
    if len(values) > 1:
        chain: Then | ChainedThen = pl.when(present[0]).then(values[0])
        for is_present, number in zip(present[1:], values[1:]):
            chain = chain.when(is_present).then(number)
        value = chain.otherwise(None)
    if all(_numeric_at(schema, path) for path, _ in candidates):
        return value, None
    return value, pl.any_horizontal(present) & value.is_null()


def _numeric_at(schema: dict[str, pl.DataType], path: Path) -> bool:
    """True when the dtype at ``path`` (one ``has_path`` found) is numeric."""
    dtype = path_dtype(schema, path)
    return dtype is not None and dtype.is_numeric()


def _as_number(path: Path, schema: dict[str, pl.DataType]) -> pl.Expr:
    expr = path_expr(path)
    if _numeric_at(schema, path):
        return expr.cast(pl.Float64)
    return expr.str.strip_chars().cast(pl.Float64, strict=False)


def _error_present(schema: dict[str, pl.DataType], paths: tuple[Path, ...]) -> pl.Expr:
    """True where any error candidate holds a value other than null/false/empty/none/0: a
    ``"error": null`` beside an ``exc_info`` traceback is still an error."""
    present = [path_expr(path).cast(pl.String) for path in paths if has_path(schema, path)]
    flags = [text.is_not_null() & ~text.str.to_lowercase().str.strip_chars().is_in(_ABSENT) for text in present]
    return pl.any_horizontal(flags).fill_null(False) if flags else pl.lit(False)


def _count_all(frame: pl.DataFrame, source: str, tally: ProblemTally, masks: dict[str, pl.Expr]) -> None:
    """Count the rows matching each mask (one pass), keeping the first line numbers. A null
    in a mask counts as no match (``sum`` skips it, ``filter`` drops it)."""
    hits = frame.select(mask.sum().alias(reason) for reason, mask in masks.items()).row(0, named=True)
    for reason, count in hits.items():
        if count:
            lines = frame.filter(masks[reason]).head(MAX_EXAMPLES)[LINE].to_list()
            tally.add(source, lines, reason, count=count)
