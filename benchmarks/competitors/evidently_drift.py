"""Evidently 0.7.23's ``DataDriftPreset`` over the log's features, one report per period (daily).

Usage (with the competitors' interpreter; ``benchmarks/bench_competitors.py`` runs it)::

    /work/bench-venv/bin/python benchmarks/competitors/evidently_drift.py LOG REF.csv \\
        --continuous brightness,... --discrete iso,... --categorical f_region [--period D]

The columns are declared as mlmon's profile judges them: ``--continuous`` as numerical,
``--discrete`` (numbers with at most 20 values in the profile) and ``--categorical`` (text) as
categorical. The preset's methods are left to Evidently: on more than 1,000 rows, normed
Wasserstein distance for numerical columns and Jensen-Shannon distance for categorical ones,
drift at 0.1 or more. The reference is the training CSV, wrapped in a ``Dataset`` once and
reused for every period. Prints one JSON line: rows, periods, the drifted columns summed over
the periods (``DriftedColumnsCount``), the methods Evidently chose, and the seconds of each
phase (import, read, report).
"""

from __future__ import annotations

from common import TIMESTAMP, Phases, arguments, emit, read_log, read_reference


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    phases = Phases()
    import evidently
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    phases.done("import")
    numeric = args.continuous + args.discrete
    features = args.continuous + args.discrete + args.categorical
    log = read_log(args.log, numeric, args.categorical)
    reference = read_reference(args.reference_csv, numeric, args.categorical)
    phases.done("read")
    definition = DataDefinition(numerical_columns=args.continuous, categorical_columns=args.discrete + args.categorical)
    reference_set = Dataset.from_pandas(reference, data_definition=definition)
    periods = drifted = 0
    methods: set[str] = set()
    for _, day in log.groupby(log[TIMESTAMP].dt.floor(args.period)):
        current = Dataset.from_pandas(day[features].reset_index(drop=True), data_definition=definition)
        snapshot = Report([DataDriftPreset(columns=features)]).run(current, reference_set)
        periods += 1
        for metric in snapshot.dict()["metrics"]:
            kind = metric["config"]["type"]
            if kind.endswith(":DriftedColumnsCount"):
                drifted += int(metric["value"]["count"])
            elif kind.endswith(":ValueDrift"):
                methods.add(metric["config"]["method"])
    phases.done("report")
    emit(
        {
            "tool": f"evidently {evidently.__version__}",
            "rows": len(log),
            "reference_rows": len(reference),
            "chunks": periods,
            "features": len(features),
            "drifted": drifted,
            "methods": sorted(methods),
            "phases": phases.seconds,
        }
    )


if __name__ == "__main__":
    main()
