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
=============== ======================= ==================================================

A record is a *request* when it carries a latency, a status, a status code, or an error.
Error kinds, first match wins: ``status`` says timeout / invalid input / error; else an HTTP
``status_code`` >= 500 (``http_5xx``) or 4xx (``invalid_input``); else ``level`` is error or
worse, or an ``error``/``exc_info`` field is present (``error``).
"""

from __future__ import annotations

import polars as pl

from mlmon.ingest.decode import LINE, PREFIX_TS
from mlmon.ingest.fields import LATENCY_UNITS_MS, FieldMap, Path, has_path, path_expr
from mlmon.ingest.problems import ProblemTally
from mlmon.ingest.timestamps import parse_timestamps

CATEGORICAL = ("source", "event", "level", "status", "error_kind", "model", "model_version", "label")
_TIMEOUT = ["timeout", "timed_out", "timedout", "deadline_exceeded"]
_INVALID = ["invalid_input", "invalid", "bad_request", "rejected", "validation_error"]
_FAILED = ["error", "failed", "failure", "fail", "exception", "internal_error"]
_ERROR_LEVELS = ["error", "err", "critical", "fatal", "crit", "alert", "emergency"]
_ABSENT = ["", "null", "none", "false", "0", "[]", "{}"]


def canonicalize(
    raw: pl.DataFrame,
    source: str,
    fields: FieldMap,
    tally: ProblemTally,
    *,
    with_probabilities: bool = False,
) -> pl.DataFrame:
    """Canonical columns for the rows of ``raw`` that have a usable timestamp."""
    if raw.height == 0:
        return empty_canonical(with_probabilities)
    schema = dict(raw.schema)

    def _coalesce(paths: tuple[Path, ...]) -> pl.Expr:
        return _first_present(schema, paths)

    def _text_and_number(paths: tuple[Path, ...]) -> tuple[pl.Expr, pl.Expr]:
        text = _coalesce(paths)
        return text, text.str.strip_chars().cast(pl.Float64, strict=False)

    ts_raw = raw.select(_coalesce(fields.timestamp)).to_series()
    ts = parse_timestamps(ts_raw)
    if raw[PREFIX_TS].null_count() < raw.height:
        ts = ts.fill_null(parse_timestamps(raw[PREFIX_TS]))
    frame = raw.with_columns(ts.alias("ts"), ts_raw.alias("_ts_raw"))
    _count_all(frame, source, tally, {
        "missing timestamp": pl.col("_ts_raw").is_null() & pl.col("ts").is_null(),
        "unparseable timestamp": pl.col("_ts_raw").is_not_null() & pl.col("ts").is_null(),
    })
    frame = frame.filter(pl.col("ts").is_not_null())

    numbers = {
        "latency_ms": _latency(schema, fields.latency),
        **{name: _text_and_number(fields.simple[name]) for name in ("status_code", "confidence", "cpu_percent", "rss_mb")},
    }
    status_text = _coalesce(fields.simple["status"]).str.to_lowercase()
    frame = frame.with_columns(
        *[raw_text.alias(f"_raw_{name}") for name, (raw_text, _) in numbers.items()],
        *[value.alias(name) for name, (_, value) in numbers.items()],
        status_text.alias("status"),
    ).with_columns(
        # A numeric "status" (some servers log status=200) is an HTTP status code.
        pl.coalesce(pl.col("status_code"), pl.col("status").cast(pl.Float64, strict=False)).alias("status_code"),
    )
    _count_all(frame, source, tally, {
        f"wrong type: {name}": pl.col(f"_raw_{name}").is_not_null() & pl.col(name).is_null() for name in numbers
    })
    impossible = {
        "latency_ms": ~pl.col("latency_ms").is_finite() | (pl.col("latency_ms") < 0),
        "confidence": ~pl.col("confidence").is_finite() | (pl.col("confidence") < 0) | (pl.col("confidence") > 1),
        "cpu_percent": ~pl.col("cpu_percent").is_finite() | (pl.col("cpu_percent") < 0),
        "rss_mb": ~pl.col("rss_mb").is_finite() | (pl.col("rss_mb") < 0),
        "status_code": (pl.col("status_code") < 100) | (pl.col("status_code") > 599) | (pl.col("status_code") % 1 != 0),
    }
    _count_all(frame, source, tally, {f"impossible value: {name}": mask for name, mask in impossible.items()})
    frame = frame.with_columns(
        *[pl.when(mask.fill_null(False)).then(None).otherwise(pl.col(name)).alias(name) for name, mask in impossible.items()]
    )

    level = _coalesce(fields.level).str.to_lowercase()
    error_text = _coalesce(fields.simple["error"])
    has_error_field = error_text.is_not_null() & ~error_text.str.to_lowercase().is_in(_ABSENT)
    code = pl.col("status_code")
    status = pl.col("status")
    error_kind = (
        pl.when(status.is_in(_TIMEOUT)).then(pl.lit("timeout"))
        .when(status.is_in(_INVALID)).then(pl.lit("invalid_input"))
        .when(status.is_in(_FAILED)).then(pl.lit("error"))
        .when(code >= 500).then(pl.lit("http_5xx"))
        .when(code >= 400).then(pl.lit("invalid_input"))
        .when(level.is_in(_ERROR_LEVELS) | has_error_field).then(pl.lit("error"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    frame = frame.with_columns(
        pl.lit(source).alias("source"),
        _coalesce(fields.event).alias("event"),
        level.alias("level"),
        error_kind.alias("error_kind"),
        _coalesce(fields.simple["model"]).alias("model"),
        _coalesce(fields.simple["model_version"]).alias("model_version"),
        _coalesce(fields.simple["label"]).alias("label"),
    ).with_columns(
        (pl.col("latency_ms").is_not_null() | status.is_not_null() | code.is_not_null() | pl.col("error_kind").is_not_null())
        .alias("is_request"),
    )
    columns = [
        pl.col("ts"),
        *[pl.col(name).cast(pl.Categorical) for name in CATEGORICAL],
        pl.col("latency_ms"),
        pl.col("status_code").cast(pl.Int32),
        pl.col("is_request"),
        pl.col("confidence"),
        pl.col("cpu_percent"),
        pl.col("rss_mb"),
    ]
    if with_probabilities:
        columns.append(_probabilities(_coalesce(fields.simple["probabilities"])).alias("probabilities"))
    return frame.select(columns)


def empty_canonical(with_probabilities: bool = False) -> pl.DataFrame:
    schema: dict[str, pl.DataType] = {"ts": pl.Datetime("us", "UTC")}
    schema.update({name: pl.Categorical() for name in CATEGORICAL})
    schema.update({"latency_ms": pl.Float64, "status_code": pl.Int32, "is_request": pl.Boolean,
                   "confidence": pl.Float64, "cpu_percent": pl.Float64, "rss_mb": pl.Float64})
    if with_probabilities:
        schema["probabilities"] = pl.List(pl.Float64)
    return pl.DataFrame(schema=schema)


def _first_present(schema: dict[str, pl.DataType], paths: tuple[Path, ...]) -> pl.Expr:
    """The first non-null of ``paths`` per row, using only the paths this chunk has."""
    exprs = [path_expr(path) for path in paths if has_path(schema, path)]
    if not exprs:
        return pl.lit(None, dtype=pl.String)
    return exprs[0] if len(exprs) == 1 else pl.coalesce(exprs)


def _latency(schema: dict[str, pl.DataType], candidates: tuple[tuple[Path, str], ...]) -> tuple[pl.Expr, pl.Expr]:
    """(raw text, value in ms) for the first latency candidate present in each row."""
    candidates = tuple((path, unit) for path, unit in candidates if has_path(schema, path))
    if not candidates:
        return pl.lit(None, dtype=pl.String), pl.lit(None, dtype=pl.Float64)
    texts = [path_expr(path) for path, _ in candidates]
    values = [path_expr(path).str.strip_chars().cast(pl.Float64, strict=False) * LATENCY_UNITS_MS[unit] for path, unit in candidates]
    first_present = pl.coalesce(texts)
    # Take the value of the same candidate whose text was present, so "12ms" in latency_ms
    # is counted as a wrong type rather than silently replaced by a later candidate.
    value = pl.when(texts[0].is_not_null()).then(values[0])
    for text, number in zip(texts[1:], values[1:]):
        value = value.when(text.is_not_null()).then(number)
    return first_present, value.otherwise(None)


def _probabilities(text: pl.Expr) -> pl.Expr:
    """Values of a JSON object ``{"A": 0.9, ...}`` or array ``[0.9, ...]``, in order."""
    values = text.str.extract_all(r"(?:[:\[,])\s*-?[0-9][0-9.eE+-]*")
    return values.list.eval(pl.element().str.replace(r"^[:\[,]\s*", "").cast(pl.Float64, strict=False))


def _count_all(frame: pl.DataFrame, source: str, tally: ProblemTally, masks: dict[str, pl.Expr]) -> None:
    """Count the rows matching each mask (one pass), keeping the first line numbers."""
    hits = frame.select(mask.fill_null(False).sum().alias(reason) for reason, mask in masks.items()).row(0, named=True)
    for reason, count in hits.items():
        if count:
            lines = frame.filter(masks[reason].fill_null(False)).head(5)[LINE].to_list()
            tally.add(source, lines, reason, count=count)
