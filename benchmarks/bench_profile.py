"""Where a chunk's time goes (issue 28): one chunk of a log taken through each step of
:func:`mlmon.ingest.outcome.process_chunk` on one thread, each step timed on its own.

Usage (from the repository root)::

    python benchmarks/bench_profile.py FILE [--reference REF.json] [--offset-mib 64] [--chunk-mib 16] [--repeats 7]

Sets ``POLARS_MAX_THREADS=1`` before polars is imported, so each figure is the CPU one core
spends (polars' own threads would hide it from a wall clock). The chunk is the whole lines
of ``--chunk-mib`` MiB from ``--offset-mib`` into the file, read as a chunk after the
file's first one: the keys the file's first chunk held are known, as in a real run. Steps,
for ``report``'s analyses and, with ``--reference``, ``drift``'s (predictions and the
reference's features):

- ``newlines``: counting the chunk's lines (``Chunk.counted``);
- ``present_keys``: the search for the candidate keys the first chunk did not hold
  (:func:`mlmon.ingest.keys.present_keys`);
- ``read``: polars' strict typed read of the chunk with the keys kept;
- ``bare read``: the same bytes read by polars with only the keys the report needs (not a
  step of mlmon: what a bare polars script pays);
- ``nested``, ``features``: objects decoded (:func:`~mlmon.ingest.fields.decode_nested`,
  :func:`~mlmon.ingest.features.decode_features`);
- ``canonicalize``: :func:`mlmon.ingest.canonical.canonicalize`;
- one line per analysis: its ``from_chunk``;
- ``process_chunk``: the whole, as a run calls it (its sum of steps, give or take).

Prints milliseconds (median of ``--repeats``), the share of ``process_chunk`` and
microseconds per record. The steps run in turn, ``--repeats`` rounds.
"""

from __future__ import annotations

import os

os.environ["POLARS_MAX_THREADS"] = "1"

import argparse
import io
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl

from mlmon.api.reducers import Analyses
from mlmon.ingest.canonical import canonicalize
from mlmon.ingest.chunks import Chunk
from mlmon.ingest.features import decode_features
from mlmon.ingest.fields import decode_nested, with_known_keys
from mlmon.ingest.keys import present_keys
from mlmon.ingest.options import IngestOptions
from mlmon.ingest.outcome import ChunkPlan, Hints, process_chunk
from mlmon.ingest.problems import ProblemTally
from mlmon.reference import load_reference
from mlmon.windows import WHOLE_BY_DEFAULT, parse_window

BARE_KEYS = {"timestamp": pl.String(), "latency_ms": pl.Float64(), "status": pl.String(), "model_version": pl.String()}
"""What ``bench_report.py --bare`` reads of each record."""


def whole_lines(path: Path, offset: int, size: int) -> tuple[bytes, bytes]:
    """The file's first chunk and a chunk of whole lines from ``offset``."""
    with path.open("rb") as handle:
        first = handle.read(size)
        handle.seek(offset)
        data = handle.read(size)
    return first[: first.rfind(b"\n") + 1], data[data.find(b"\n") + 1 : data.rfind(b"\n") + 1]


def median_ms(steps: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Each step's median time in ms, the steps run in turn ``repeats`` times: a change in the
    machine's speed during the run touches every step alike."""
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(repeats):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) * 1e3 for name, values in times.items()}


def profile(name: str, plan: ChunkPlan, first: bytes, data: bytes, repeats: int) -> None:
    hints = Hints()
    process_chunk(plan, Chunk("log", first, 1, at_eof=False), hints)
    chunk = Chunk("log", data, 1, at_eof=False, starts_file=False)
    known = hints.known_keys["log"]
    full = plan.typed_schemas[False]
    rest = [key for key in plan.schema if key not in known]
    keep = known | present_keys(data, rest)
    typed = {key: dtype for key, dtype in with_known_keys(full, known).items() if key in keep}
    counted = chunk.counted()
    raw = pl.read_ndjson(io.BytesIO(data), schema=typed).with_columns(
        pl.int_range(1, counted.newline_count + 1, dtype=pl.Int64).alias("_line"),
        pl.lit(None, dtype=pl.String).alias("_prefix_ts"),
    )
    nested = decode_nested(raw, plan.nested, counted)
    features = None
    with_features = nested
    if plan.features is not None:
        with_features, names, _ = decode_features(nested, plan.features, False, counted)
        features = (plan.features, names)

    def canonical() -> pl.DataFrame:
        return canonicalize(
            with_features,
            "log",
            plan.fields,
            ProblemTally(),
            with_probabilities=plan.probabilities,
            columns=plan.columns,
            features=features,
        )

    records = canonical()
    steps: dict[str, Callable[[], object]] = {
        "newlines": lambda: Chunk("log", data, 1, at_eof=False).counted(),
        "present_keys": lambda: present_keys(data, rest),
        "read": lambda: pl.read_ndjson(io.BytesIO(data), schema=typed),
        "nested": lambda: decode_nested(raw, plan.nested, counted),
    }
    if plan.features is not None:
        steps["features"] = lambda: decode_features(nested, plan.features, False, counted)
    steps["canonicalize"] = canonical
    for part, reducer in plan.reducer.parts.items():
        steps[f"{part}.from_chunk"] = lambda reducer=reducer: reducer.from_chunk(records)
    steps["process_chunk"] = lambda: process_chunk(plan, chunk, hints)
    steps["bare read"] = lambda: pl.read_ndjson(io.BytesIO(data), schema=BARE_KEYS)
    figures = median_ms(steps, repeats)
    whole, rows = figures["process_chunk"], counted.newline_count
    print(f"\n{name}: one chunk of {len(data) / 2**20:.1f} MiB, {rows:,} records, one thread, median of {repeats}")
    print(f"{'step':<26}{'ms':>9}{'share':>8}{'us/record':>11}")
    for step, ms in figures.items():
        share = "" if step in ("process_chunk", "bare read") else f"{ms / whole:.0%}"
        print(f"{step:<26}{ms:>9.1f}{share:>8}{ms * 1e3 / rows:>11.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("log", type=Path)
    parser.add_argument("--reference", type=Path, help="a profile: also drift's analyses")
    parser.add_argument("--offset-mib", type=int, default=64)
    parser.add_argument("--chunk-mib", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    first, data = whole_lines(args.log, args.offset_mib << 20, args.chunk_mib << 20)
    options = IngestOptions()
    profile("report", ChunkPlan.of(Analyses(WHOLE_BY_DEFAULT, ops=True).reducer(), options), first, data, args.repeats)
    if args.reference is not None:
        analyses = Analyses(parse_window("1d"), predictions=True, reference=load_reference(str(args.reference)))
        profile("drift", ChunkPlan.of(analyses.reducer(), options), first, data, args.repeats)


if __name__ == "__main__":
    main()
