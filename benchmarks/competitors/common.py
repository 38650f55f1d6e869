"""What the competitor scripts share: reading the log and the training CSV, the command
line, and the one JSON line each prints. Run with the competitors' interpreter
(``/work/bench-venv/bin/python``, see benchmarks/README.md), not mlmon's.

The log is read the way a competent user would read it for these libraries: pyarrow's
multithreaded JSON reader with an explicit schema (``timestamp`` and the ``features``
struct, every other key ignored), then pandas. The reading counts in the time, as mlmon's
does.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from typing import Any

warnings.filterwarnings("ignore")  # the libraries' UserWarnings and FutureWarnings, on every chunk

TIMESTAMP = "timestamp"


def arguments(description: str) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("log", help="the JSON-lines log (make_logs.py --features 16)")
    ap.add_argument("reference_csv", help="the training CSV the mlmon profile was built from")
    ap.add_argument("--continuous", default="", help="comma-separated continuous features")
    ap.add_argument("--discrete", default="", help="comma-separated discrete numeric features (judged as categories)")
    ap.add_argument("--categorical", default="", help="comma-separated categorical (text) features")
    ap.add_argument("--period", default="D", help="chunk / window period, a pandas frequency (default D: daily)")
    args = ap.parse_args()
    args.continuous = [c for c in args.continuous.split(",") if c]
    args.discrete = [c for c in args.discrete.split(",") if c]
    args.categorical = [c for c in args.categorical.split(",") if c]
    if not (args.continuous or args.discrete or args.categorical):
        ap.error("name the features with --continuous, --discrete and --categorical")
    return args


def read_log(path: str, numeric: list[str], categorical: list[str]) -> Any:
    """The log's timestamp and features as a pandas frame: ``numeric`` ones as float64,
    ``categorical`` ones as text."""
    import pyarrow as pa
    import pyarrow.json as pj

    fields = [(c, pa.float64()) for c in numeric] + [(c, pa.string()) for c in categorical]
    schema = pa.schema([(TIMESTAMP, pa.timestamp("us", tz="UTC")), ("features", pa.struct(fields))])
    options = pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
    table = pj.read_json(path, parse_options=options)
    features = table.column("features").combine_chunks()
    columns = {TIMESTAMP: table.column(TIMESTAMP)} | {name: features.field(name) for name, _ in fields}
    return pa.table(columns).to_pandas()


def read_reference(path: str, numeric: list[str], categorical: list[str]) -> Any:
    """The training CSV's feature columns, typed as ``read_log`` types them."""
    import pandas as pd

    dtypes: dict[str, Any] = {c: "float64" for c in numeric} | {c: str for c in categorical}
    return pd.read_csv(path, usecols=list(dtypes), dtype=dtypes)


class Phases:
    """Seconds spent in each named phase, in order."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._t = time.perf_counter()

    def done(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = round(now - self._t, 3)
        self._t = now


def emit(result: dict) -> None:
    json.dump(result, sys.stdout, default=str)
    sys.stdout.write("\n")
