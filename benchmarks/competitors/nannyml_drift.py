"""NannyML 0.13.1's univariate drift over the log's features, chunked by period (daily).

Usage (with the competitors' interpreter; ``benchmarks/bench_competitors.py`` runs it)::

    /work/bench-venv/bin/python benchmarks/competitors/nannyml_drift.py LOG REF.csv \\
        --continuous brightness,... --discrete iso,... --categorical f_region [--period D]

Methods, the closest to mlmon's rule: Kolmogorov-Smirnov and Jensen-Shannon for the
continuous features (mlmon: a KS test, with Wasserstein and PSI as effect sizes), chi-squared
and Jensen-Shannon for the discrete and categorical ones (mlmon: chi-squared and PSI).
``--discrete`` (numbers with at most 20 values in the profile) and ``--categorical`` (text)
are both ``treat_as_categorical``, as mlmon judges them. The reference is the training CSV,
fitted every run (a NannyML user fits on reference data; mlmon reads a profile built once).
It has no timestamps, so its rows, in order, are spread over the 10 days before the log:
10 reference chunks, from which NannyML sets its alert thresholds. Prints one JSON line:
rows, chunks, the alerts per method, and the seconds of each phase (import, read, fit,
calculate).
"""

from __future__ import annotations

from common import TIMESTAMP, Phases, arguments, emit, read_log, read_reference

CONTINUOUS_METHODS = ["kolmogorov_smirnov", "jensen_shannon"]
CATEGORICAL_METHODS = ["chi2", "jensen_shannon"]
REFERENCE_DAYS = 10
"""The reference rows are spread over this many days before the log: 10 reference chunks,
from which NannyML sets its alert thresholds (one chunk would give a zero spread)."""


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    phases = Phases()
    import nannyml as nml
    import numpy as np
    import pandas as pd

    phases.done("import")
    features = args.continuous + args.discrete + args.categorical
    numeric = args.continuous + args.discrete
    analysis = read_log(args.log, numeric, args.categorical)
    reference = read_reference(args.reference_csv, numeric, args.categorical)
    day = np.arange(len(reference)) * REFERENCE_DAYS // max(len(reference), 1)
    start = analysis[TIMESTAMP].min().floor("D") - pd.Timedelta(days=REFERENCE_DAYS)
    reference[TIMESTAMP] = start + pd.to_timedelta(day, unit="D")
    phases.done("read")
    calculator = nml.UnivariateDriftCalculator(
        column_names=features,
        treat_as_categorical=args.discrete + args.categorical,
        timestamp_column_name=TIMESTAMP,
        continuous_methods=CONTINUOUS_METHODS,
        categorical_methods=CATEGORICAL_METHODS,
        chunk_period=args.period,
    )
    calculator.fit(reference)
    phases.done("fit")
    result = calculator.calculate(analysis).filter(period="analysis")
    frame = result.to_df()
    phases.done("calculate")
    alerts: dict[str, int] = {}
    for column in frame.columns:
        if column[-1] == "alert":
            method = column[-2]
            alerts[method] = alerts.get(method, 0) + int(frame[column].sum())
    emit(
        {
            "tool": f"nannyml {nml.__version__}",
            "rows": len(analysis),
            "reference_rows": len(reference),
            "chunks": len(frame),
            "features": len(features),
            "alerts": alerts,
            "phases": phases.seconds,
        }
    )


if __name__ == "__main__":
    main()
