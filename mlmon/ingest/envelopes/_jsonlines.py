"""Envelopes written one JSON object a line (GCP LogEntry, FireLens, Azure since 2018,
Vercel NDJSON): the envelope's keys read by polars in one call per chunk, with the inner
record read as JSON text, so unwrapping costs a read of the envelope, not a Python loop."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass

import numpy as np
import polars as pl

from mlmon.ingest.envelopes.base import FastRead, Unwrapped, given_column, not_json
from mlmon.ingest.fields import LINE
from mlmon.ingest.line_decode import PREFIX_TS
from mlmon.ingest.lines import sort_lines

PHYSICAL = "_physical"
"""Column of an envelope frame: the 1-based line of the chunk each row came from."""
TEXT = "_text"
"""Column of an envelope frame: the row's whole line, passed on when it is no envelope."""


@dataclass(frozen=True)
class EnvelopeLines:
    """A chunk's lines: the object-shaped ones read with the envelope's schema, the rest."""

    frame: pl.DataFrame
    """One row per object-shaped line polars read: the schema's columns, :data:`PHYSICAL`
    and :data:`TEXT`."""
    others: list[tuple[int, str]]
    """Every other non-blank line (and object-shaped ones no JSON reader accepts), with its
    line: passed on as they are, for the decoder to count."""
    blank: int
    """Blank lines."""


def read_envelope_lines(data: bytes, schema: dict[str, pl.DataType]) -> EnvelopeLines:
    """The lines of ``data`` read with ``schema`` (objects as JSON text where it says String)."""
    if data and not data.endswith(b"\n"):
        data += b"\n"
    lines = sort_lines(data)
    column = _texts(lines.objects)
    numbers = lines.object_lines + 1
    others = [(int(n) + 1, t.decode("utf-8", "replace")) for n, t in zip(lines.other_lines, lines.others)]
    frame = _read(lines.objects, schema, column.len())
    if frame is None:  # some object-shaped line is no JSON: read them one by one, pass such lines on
        texts: list[str] = column.to_list()
        frames = [_read((text + "\n").encode(), schema, 1) if _is_object(text) else None for text in texts]
        good = [i for i, one in enumerate(frames) if one is not None]
        others += [(int(numbers[i]), texts[i]) for i in range(len(texts)) if frames[i] is None]
        texts, numbers = [texts[i] for i in good], numbers[good]
        parts = [one for one in frames if one is not None]
        frame = pl.concat(parts, how="vertical_relaxed") if parts else pl.DataFrame(schema=schema)
        column = pl.Series(TEXT, texts, dtype=pl.String)
    frame = frame.with_columns(pl.Series(PHYSICAL, numbers, dtype=pl.Int64), column)
    return EnvelopeLines(frame, sorted(others), lines.blank)


def _texts(objects: bytes) -> pl.Series:
    """The lines of ``objects`` (each ending in a newline) as text, split by polars."""
    if not objects:
        return pl.Series(TEXT, [], dtype=pl.String)
    try:
        whole = pl.Series([objects], dtype=pl.Binary).cast(pl.String)
    except pl.exceptions.PolarsError:  # not UTF-8: Python replaces what it cannot decode
        whole = pl.Series([objects.decode("utf-8", "replace")])
    return whole.str.strip_suffix("\n").str.split("\n").explode().alias(TEXT)


def _read(data: bytes, schema: dict[str, pl.DataType], rows: int, strict: bool = False) -> pl.DataFrame | None:
    if rows == 0:
        return pl.DataFrame(schema=schema)
    try:
        frame = pl.read_ndjson(io.BytesIO(data), schema=schema, ignore_errors=not strict)
    except pl.exceptions.PolarsError:
        return None
    return frame if frame.height == rows else None


def _is_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


MANGLED = r"\\(?:[\\bfnrt]|u00[01]|u005[cC]|u[dD][89a-fA-F])"
"""A line this matches holds a string with a backslash or a control character in it, which
polars (2.1) writes back unescaped when it reads an object or a list as String
(``{"k": "a\\\\b"}`` comes back as ``{"k": "a\\b"}``): such columns must be read again
(:func:`exact_objects`). Quotes and other characters come back right."""


def exact_objects(frame: pl.DataFrame, paths: dict[str, str]) -> pl.DataFrame:
    """``frame`` (:attr:`EnvelopeLines.frame`) with its columns that hold an object as text
    read again from the line, exactly, where the line is :data:`MANGLED`; ``paths``: column ->
    JSON path (``{"properties": "$.properties"}``)."""
    mangled = frame.filter(pl.col(TEXT).str.contains(MANGLED))
    if mangled.height == 0:
        return frame
    exact = mangled.select(
        PHYSICAL,
        pl.lit(True).alias("_exact"),
        *(pl.col(TEXT).str.json_path_match(path).alias(f"_exact_{name}") for name, path in paths.items()),
    )
    joined = frame.join(exact, on=PHYSICAL, how="left", maintain_order="left")
    fixed = pl.col("_exact").fill_null(False)
    return joined.with_columns(
        pl.when(fixed).then(pl.col(f"_exact_{name}")).otherwise(pl.col(name)).alias(name) for name in paths
    ).drop("_exact", *(f"_exact_{name}" for name in paths))


def whole_lines(data: bytes) -> tuple[bytes, int] | None:
    """``data`` with its last line ended, and its lines, for a fast path; None when it holds
    a blank line or a carriage return (the line-by-line path counts and reads those). The
    newlines are found by numpy: ``b"\\n\\n" in data`` alone took 9 ms per 8 MiB."""
    if not data or data.startswith(b"\n") or b"\r" in data:
        return None
    text = data if data.endswith(b"\n") else data + b"\n"
    ends = np.flatnonzero(np.frombuffer(text, dtype=np.uint8) == _NEWLINE)
    if ends.size > 1 and bool((np.diff(ends) == 1).any()):
        return None
    return text, int(ends.size)


_NEWLINE = ord("\n")


def given_columns(given: dict[str, pl.Expr]) -> list[pl.Expr]:
    """An envelope's values (``given`` of :func:`unwrapped_of`) as the raw columns a fast path
    gives: its time as the prefix time (used where the record has none), the others as
    :func:`.base.given_column` names them."""
    return [expr.alias(PREFIX_TS if key == "ts" else given_column(key)) for key, expr in given.items()]


def read_text_fast(
    data: bytes,
    envelope_schema: dict[str, pl.DataType],
    record_schema: dict[str, pl.DataType],
    inner: pl.Expr,
    given: dict[str, pl.Expr],
    *,
    is_envelope: pl.Expr,
    skip: pl.Expr | None = None,
) -> FastRead | None:
    """The fast path (:attr:`.base.Envelope.read_fast`) of an envelope whose record is JSON
    text in a string (FireLens ``log``, Vercel ``message``): the envelope's keys read in one
    call, the records in a second, typed strictly by ``record_schema``; ``given`` as for
    :func:`unwrapped_of`. None when any line needs the line-by-line path: a blank line, a
    line that is no envelope, an item to skip, a text that is no JSON object, a wrong type."""
    lines = whole_lines(data)
    if lines is None:
        return None
    text, rows = lines
    frame = _read(text, envelope_schema, rows, strict=True)
    if frame is None:
        return None
    record = inner.str.strip_chars()
    whole = [is_envelope.fill_null(False).all().alias("_a"), record.str.starts_with("{").fill_null(False).all()]
    if skip is not None:
        whole.append(skip.is_null().all().alias("_c"))
    if not all(frame.select(whole).row(0)):
        return None
    payload = (frame.select(record.str.join("\n")).item() + "\n").encode()
    records = _read(payload, record_schema, rows, strict=True)
    if records is None:
        return None
    numbers = pl.int_range(1, rows + 1, dtype=pl.Int64).alias(LINE)
    return FastRead(records.hstack(frame.select(numbers, *(v.cast(pl.String) for v in given_columns(given)))), {}, rows)


def unwrapped_of(
    envelope: str,
    lines: EnvelopeLines,
    inner: pl.Expr,
    where: pl.Expr,
    given: dict[str, pl.Expr],
    *,
    is_envelope: pl.Expr,
    skip: pl.Expr | None = None,
) -> Unwrapped:
    """The :class:`Unwrapped` of envelope rows: ``inner`` is each row's record as JSON text
    (null: none), ``where`` names the field it came from (for ``not JSON (<envelope>
    <where>)``), ``given`` the envelope's values by key; rows where ``is_envelope`` is false
    are passed on whole; ``skip`` (optional) is a reason for rows to skip instead."""
    frame = lines.frame.with_columns(
        inner.str.strip_chars().alias("_inner"),
        where.alias("_where"),
        is_envelope.fill_null(False).alias("_enveloped"),
        (skip if skip is not None else pl.lit(None, dtype=pl.String)).alias("_skip"),
    )
    record = pl.col("_inner").str.starts_with("{").fill_null(False)
    reason = (
        pl.when(~pl.col("_enveloped"))
        .then(pl.lit(None, dtype=pl.String))
        .when(pl.col("_skip").is_not_null())
        .then(pl.col("_skip"))
        .when(~record)
        .then(pl.format(not_json(envelope, "{}"), pl.col("_where")))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    frame = frame.with_columns(reason.alias("_reason"))
    skipped = frame.filter(pl.col("_reason").is_not_null())
    kept = frame.filter(pl.col("_reason").is_null()).with_columns(
        pl.when(pl.col("_enveloped"))
        .then(pl.col("_inner").str.replace_all("\n", " "))
        .otherwise(pl.col(TEXT))
        .alias("_out")
    )
    passed = pl.DataFrame(
        {PHYSICAL: [n for n, _ in lines.others], "_out": [t for _, t in lines.others]},
        schema={PHYSICAL: pl.Int64, "_out": pl.String},
    )
    given_frame = kept.select(
        PHYSICAL,
        "_out",
        *(pl.when(pl.col("_enveloped")).then(expr).cast(pl.String).alias(key) for key, expr in given.items()),
    )
    out = (
        pl.concat([given_frame, passed], how="diagonal_relaxed").sort(PHYSICAL, maintain_order=True)
        if passed.height
        else given_frame
    )
    reasons: dict[str, list[int]] = {}
    for (name,), group in skipped.group_by("_reason", maintain_order=True):
        reasons[str(name)] = group[PHYSICAL].to_list()
    data = (out["_out"].str.join("\n").item() + "\n").encode() if out.height else b""
    return Unwrapped(
        data=data,
        lines=out[PHYSICAL].to_numpy().astype(np.int64),
        given={key: out[key] for key in given},
        skipped=reasons,
        items=out.height + skipped.height,
        blank=lines.blank,
    )
