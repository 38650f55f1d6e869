"""The calibration of a reference profile (``reference build --actual``): the classes of the
probability columns, one isotonic calibrator per class, and the reference chunks' estimates
that give the band. The maths is :mod:`mlmon.stats.calibration`'s
(``references/statistics/cbpe.md``); this module reads the table into it.

**Which class a probability column holds.** A column named like a class probability
(``p_cat``, ``prob_cat``, ``proba_cat``, ``probability_cat``, ``score_cat``: the names
:func:`mlmon.reference.build.probability_like` knows) holds the class after the prefix
(``cat``), when every probability column has such a name; otherwise each column's name is
its class. Either way the class is written as a logged class is (``p_1.0`` and ``p_1`` are
class ``1``, ``p_True`` is ``true``: :func:`mlmon.ingest.classes.class_text`), and so are
the table's predicted and true classes, so that they compare with the logs'.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import polars as pl

from mlmon.errors import UsageError
from mlmon.ingest.classes import class_text
from mlmon.reference.profile import REFERENCE_CHUNKS, CalibrationProfile

PROBABILITY_NAME = re.compile(r"(?i)^(?:p|prob|proba|probability|score)_(.+)$")
"""A probability column's name: a prefix, an underscore, then its class."""


def proba_classes(columns: Sequence[str]) -> tuple[str, ...]:
    """The class of each probability column (see the module's notes), in column order.
    ``UsageError`` when two columns hold the same class."""
    matches = [PROBABILITY_NAME.match(name) for name in columns]
    names = [m.group(1) for m in matches if m] if all(matches) else list(columns)
    written = pl.DataFrame({"c": names}, schema={"c": pl.String}).select(class_text(pl.col("c")))
    classes = tuple(written.to_series().to_list())
    if len(set(classes)) != len(classes):
        raise UsageError(
            f"--proba-cols {','.join(columns)}: two columns hold the same class ({', '.join(classes)}); "
            "a probability column holds the class after its prefix (p_cat: cat), or its own name"
        )
    return classes


def build_calibration(
    df: pl.DataFrame, label: str, actual: str, proba: Sequence[str], source: str = ""
) -> CalibrationProfile:
    """Fit the calibrators on ``df`` (held-out rows the model did not train on) and estimate
    the reference's chunks. Rows with a predicted class, a true class and every probability
    finite are used; ``UsageError`` (one line) when there is none, or when a predicted or
    true class is not one of the probability columns' classes, or a probability lies outside
    [0, 1]."""
    from mlmon.stats.calibration import calibrate, fit_calibrators

    classes = proba_classes(proba)
    where = f"{source}: " if source else ""
    rows = _labelled_rows(df, label, actual, proba)
    if rows.height == 0:
        raise UsageError(
            f"{where}no row has a predicted class ({label!r}), a true class ({actual!r}) and every probability"
        )
    for column, name in ((label, "_pred"), (actual, "_actual")):
        stray = sorted(set(rows.get_column(name).unique().to_list()) - set(classes))
        if stray:
            raise UsageError(
                f"{where}classes of column {column!r} ({', '.join(stray[:5])}) are not among the probability columns' "
                f"classes ({', '.join(classes)}, from {', '.join(proba)})"
            )
    p = rows.select(proba).to_numpy().astype(np.float64)
    if p.min() < 0.0 or p.max() > 1.0:
        raise UsageError(f"{where}probability columns {', '.join(proba)} hold values outside [0, 1]")
    index = {name: k for k, name in enumerate(classes)}
    predicted = rows.get_column("_pred").replace_strict(index, return_dtype=pl.Int64).to_numpy()
    truth = rows.get_column("_actual").replace_strict(index, return_dtype=pl.Int64).to_numpy()
    calibrators = fit_calibrators(p, truth)
    accuracy, f1 = _chunk_estimates(calibrate(p, calibrators), predicted)
    top = p.max(axis=1)
    return CalibrationProfile(
        actual_column=actual,
        classes=classes,
        calibrators=calibrators,
        confidence_range=(float(top.min()), float(top.max())),
        rows=rows.height,
        accuracy=float(np.mean(predicted == truth)),
        chunk_rows=rows.height // REFERENCE_CHUNKS,
        chunk_accuracy=accuracy,
        chunk_macro_f1=f1,
    )


def _labelled_rows(df: pl.DataFrame, label: str, actual: str, proba: Sequence[str]) -> pl.DataFrame:
    """Predicted and true classes (as logged classes are written) and the probabilities, of
    the rows that have them all, finite, in table order."""
    finite = pl.all_horizontal(pl.col(c).cast(pl.Float64).is_finite() for c in proba)
    return (
        df.lazy()
        .select(
            class_text(pl.col(label).cast(pl.String)).alias("_pred"),
            class_text(pl.col(actual).cast(pl.String)).alias("_actual"),
            *(pl.col(c).cast(pl.Float64) for c in proba),
        )
        .filter(pl.col("_pred").is_not_null() & pl.col("_actual").is_not_null() & finite.fill_null(False))
        .collect()
    )


def _chunk_estimates(calibrated: np.ndarray, predicted: np.ndarray) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Estimated accuracy and macro F1 of each of :data:`REFERENCE_CHUNKS` chunks of the rows
    in table order, sizes differing by at most one (an empty chunk, with fewer rows than
    chunks, estimates nan). NannyML's ``DefaultChunker`` keeps the remainder of ``n // 10``
    as an eleventh, smaller chunk, whose noise would widen the band; these chunks do not."""
    from mlmon.stats.calibration import estimated_accuracy, estimated_macro_f1, expected_confusion

    bounds = np.arange(REFERENCE_CHUNKS + 1) * predicted.size // REFERENCE_CHUNKS
    matrices = [expected_confusion(calibrated[a:b], predicted[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
    return tuple(estimated_accuracy(m) for m in matrices), tuple(estimated_macro_f1(m) for m in matrices)
