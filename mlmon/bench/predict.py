"""Turn a model's outputs into the ``label`` and ``confidence`` of ``--log`` records.

The reading itself is :func:`mlmon.instrument.outputs.read_prediction`, the code services
use; this module decides once, on the probe call, which outputs hold the prediction, and
afterwards decodes the first sample of every timed call with that choice forced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mlmon.bench.result import TensorSpec
from mlmon.errors import UsageError
from mlmon.instrument.outputs import OutputChoiceError, read_prediction

NOT_A_CLASSIFIER = "none: not a classifier"
TURNED_OFF = "none: --no-predictions"


@dataclass(frozen=True)
class PredictionChoice:
    """Which outputs a bench run reads its predictions from."""

    source: str
    """What was read, e.g. ``label + probabilities (ZipMap)``, or ``none: ...`` and why."""
    label_output: str | None = None
    proba_output: str | None = None
    indices: tuple[int, ...] = ()
    """Output indices to keep from every timed call (empty: keep nothing)."""


def classification_output(
    specs: Sequence[TensorSpec],
    probe: Sequence[Any],
    *,
    input_shapes: Sequence[Sequence[int]] = (),
    labels: Sequence[str] = (),
    label_output: str | None = None,
    proba_output: str | None = None,
    enabled: bool = True,
) -> PredictionChoice:
    """The outputs holding the prediction, read off the probe call's ``probe`` outputs.

    ``label_output``/``proba_output`` force the choice (a :class:`~mlmon.errors.UsageError`
    naming the output when it is missing or of the wrong shape); otherwise the heuristics of
    :mod:`mlmon.instrument.outputs` decide, and a model that does not look like a
    classifier gets log records without ``label``/``confidence``.
    """
    if not enabled:
        return PredictionChoice(TURNED_OFF)
    names = [s.name for s in specs]
    try:
        read = read_prediction(
            probe,
            names,
            label_output=label_output,
            proba_output=proba_output,
            class_names=labels or None,
            input_shapes=input_shapes,
        )
    except OutputChoiceError as exc:
        raise UsageError(str(exc)) from None
    if read is None:
        return PredictionChoice(NOT_A_CLASSIFIER)
    used = [n for n in (read.label_output, read.proba_output) if n is not None]
    return PredictionChoice(read.source, read.label_output, read.proba_output, tuple(names.index(n) for n in used))


def check_output_names(specs: Sequence[TensorSpec], label_output: str | None, proba_output: str | None) -> None:
    """Before any run: ``label_output``/``proba_output`` must name outputs of the model."""
    names = [s.name for s in specs]
    for name, option in ((label_output, "--label-output"), (proba_output, "--proba-output")):
        if name is not None and name not in names:
            raise UsageError(f"{option} {name}: the model has no such output (its outputs: {', '.join(names)})")


def _first_row(value: Any) -> Any:
    return value[0] if isinstance(value, (list, tuple)) else np.asarray(value)[0]


def decode_kept(
    choice: PredictionChoice, kept: Sequence[Any], labels: Sequence[str]
) -> tuple[list[str], list[float | None]]:
    """Label and confidence of the first sample of each kept call (the outputs
    ``choice.indices`` of each, as :func:`mlmon.bench.timing.timed_loop` keeps them)."""
    if not choice.indices or not kept:
        return [], []
    columns: list[Any] = []
    for position in range(len(choice.indices)):
        rows = [_first_row(k if len(choice.indices) == 1 else k[position]) for k in kept]
        columns.append(rows if isinstance(rows[0], dict) else np.stack(rows))
    names = [n for n in (choice.label_output, choice.proba_output) if n is not None]
    read = read_prediction(
        columns, names, label_output=choice.label_output, proba_output=choice.proba_output, class_names=labels or None
    )
    assert read is not None  # forced names always read
    return read.labels, read.confidences


def decode(first_rows: np.ndarray, labels: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Labels and confidences from a float ``[rows, classes]`` score tensor.

    Rows that are already probabilities (non-negative, summing to 1 within 1e-3) are used
    as they are; other rows are treated as logits and soft-maxed. One column is read as
    the probability of class ``1`` (a sigmoid output; values outside [0, 1] are passed
    through a logistic first). The label is ``labels[argmax]`` when the model names its
    classes, else the class index as a string; the confidence is the top probability.
    """
    scores = np.asarray(first_rows, dtype=np.float64)
    if scores.ndim != 2 or scores.shape[0] == 0:
        return [], np.empty(0)
    read = read_prediction([scores], ["scores"], proba_output="scores", class_names=list(labels) or None)
    assert read is not None
    return read.labels, np.asarray(read.confidences, dtype=np.float64)
