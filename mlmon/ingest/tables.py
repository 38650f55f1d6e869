"""Training tables: CSV, TSV, Parquet and JSON lines (or a JSON array of records), read
whole into a DataFrame for ``mlmon reference build``. Logs go through ``reader`` instead."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from mlmon.errors import InputError

TABLE_READERS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "ndjson",
    ".ndjson": "ndjson",
    ".json": "json",
}


def read_table(path: str | os.PathLike[str]) -> pl.DataFrame:
    """Read a CSV, TSV, Parquet or JSON-lines file (by extension, else by sniffing its first
    bytes) into a DataFrame. A ``.json`` file may hold JSON lines or one JSON array of
    records. Raises :class:`~mlmon.errors.InputError` when the file is missing, unreadable
    or has no rows."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    kind = TABLE_READERS.get(p.suffix.lower()) or sniff(p)
    try:
        if kind == "parquet":
            df = pl.read_parquet(p)
        elif kind in ("csv", "tsv"):
            df = pl.read_csv(p, separator="\t" if kind == "tsv" else ",", infer_schema_length=10_000)
        elif kind == "json" and first_char(p) == "[":
            df = pl.read_json(p)
        else:
            df = pl.read_ndjson(p, infer_schema_length=10_000)
    except (OSError, pl.exceptions.PolarsError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{p}: cannot read as {kind}: {first}") from None
    if df.height == 0:
        raise InputError(f"{p}: no rows")
    return df


def first_char(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(4096).lstrip()
    return head[:1].decode("latin-1")


def sniff(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(4)
    if head == b"PAR1":
        return "parquet"
    return {"{": "ndjson", "[": "json"}.get(first_char(path), "csv")
