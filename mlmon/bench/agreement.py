"""Agreement of two models' outputs on the same inputs (``mlmon bench A.onnx B.onnx``).

Definitions (every distinct input timed, each row of each batch one sample):

- **top-1 agreement**: the share of samples where both models predict the same label, with
  its Wilson interval (:func:`mlmon.stats.performance.wilson_interval`). Labels are read as
  ``mlmon bench --log`` reads them (:mod:`mlmon.bench.predict`); compared as text.
- **largest absolute difference** of the probability outputs: ``max |p_A - p_B|`` over
  samples and classes, the probabilities read as :func:`mlmon.instrument.outputs.probability_row`
  reads them (logits soft-maxed).
- **mean KL divergence** KL(A||B) = ``sum_k p_k log(p_k / q_k)`` per sample (nats), averaged
  over samples; ``0 log 0 = 0`` and ``q`` floored at :data:`~mlmon.bench.ab_result.KL_EPSILON`
  so one zero in B is a large finite value, not infinity.
- For every numeric output both models have (classifier or not): the largest absolute
  difference of its values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from mlmon.bench.ab_result import KL_EPSILON, Agreement
from mlmon.bench.predict import PredictionChoice
from mlmon.instrument.outputs import PredictionRead, probability_row, read_prediction
from mlmon.stats.arrays import Floats
from mlmon.stats.performance import wilson_interval

Outputs = Sequence[Any]
"""One ``session.run`` result: its outputs in the model's order."""


def kl_rows(p: Floats, q: Floats, epsilon: float = KL_EPSILON) -> Floats:
    """KL(p||q) of each row of two ``[rows, classes]`` probability arrays, in nats, with
    ``0 log 0 = 0`` and ``q`` floored at ``epsilon``."""
    p = np.asarray(p, dtype=np.float64)
    q = np.maximum(np.asarray(q, dtype=np.float64), epsilon)
    terms = np.zeros_like(p)
    positive = p > 0
    terms[positive] = p[positive] * np.log(p[positive] / q[positive])
    out: Floats = terms.sum(axis=1)
    return out


def max_abs_diff(x: Any, y: Any) -> float | None:
    """``max |x - y|`` of two numeric arrays of one shape (0.0 when empty); None when their
    shapes differ or they are not numeric."""
    a, b = np.asarray(x), np.asarray(y)
    if a.shape != b.shape or a.dtype.kind not in "fiub" or b.dtype.kind not in "fiub":
        return None
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64))))


def _probabilities(outputs: Outputs, names: Sequence[str], read: PredictionRead, rows: int) -> list[Any] | None:
    """Each row's class probabilities (a list, or a ``{class: p}`` dict), or None."""
    found = [probability_row(outputs, names, read, None, row) for row in range(rows)]
    return None if any(r is None for r in found) else found


def _matrix(rows_a: list[Any], rows_b: list[Any]) -> tuple[Floats, Floats] | None:
    """Two ``[rows, classes]`` arrays with the classes in one order, or None when the two
    models do not give the same classes."""
    if isinstance(rows_a[0], Mapping) != isinstance(rows_b[0], Mapping):
        return None
    if isinstance(rows_a[0], Mapping):
        keys = list(rows_a[0])
        if any(set(r) != set(keys) for r in (*rows_a, *rows_b)):
            return None
        rows_a = [[r[k] for k in keys] for r in rows_a]
        rows_b = [[r[k] for k in keys] for r in rows_b]
    a, b = np.asarray(rows_a, dtype=np.float64), np.asarray(rows_b, dtype=np.float64)
    return (a, b) if a.shape == b.shape else None


def _read(outputs: Outputs, names: Sequence[str], choice: PredictionChoice, labels: Sequence[str]) -> PredictionRead:
    read = read_prediction(
        outputs,
        names,
        label_output=choice.label_output,
        proba_output=choice.proba_output,
        class_names=list(labels) or None,
    )
    assert read is not None  # forced names always read
    return read


def _classifier_parts(
    pairs: Sequence[tuple[Outputs, Outputs]],
    names: tuple[Sequence[str], Sequence[str]],
    choices: tuple[PredictionChoice, PredictionChoice],
    labels: Sequence[str],
) -> dict[str, Any]:
    """Top-1 agreement, largest probability difference and mean KL over ``pairs``."""
    same = total = 0
    probs_a: list[Any] = []
    probs_b: list[Any] = []
    comparable = True
    for out_a, out_b in pairs:
        read_a, read_b = _read(out_a, names[0], choices[0], labels), _read(out_b, names[1], choices[1], labels)
        same += sum(x == y for x, y in zip(read_a.labels, read_b.labels))
        total += len(read_a.labels)
        rows_a = _probabilities(out_a, names[0], read_a, len(read_a.labels))
        rows_b = _probabilities(out_b, names[1], read_b, len(read_b.labels))
        comparable = comparable and rows_a is not None and rows_b is not None and len(rows_a) == len(rows_b)
        if comparable:
            probs_a += rows_a or []
            probs_b += rows_b or []
    low, high = wilson_interval(same, total)
    parts: dict[str, Any] = {"top1_agree": same, "top1_share": same / total if total else None}
    parts.update(top1_low=low, top1_high=high)
    matrices = _matrix(probs_a, probs_b) if comparable and probs_a else None
    if matrices is not None:
        parts["max_abs_proba_diff"] = max_abs_diff(*matrices)
        parts["mean_kl"] = float(np.mean(kl_rows(*matrices)))
    return parts


def _output_diffs(
    pairs: Sequence[tuple[Outputs, Outputs]], names: tuple[Sequence[str], Sequence[str]]
) -> tuple[tuple[str, float | None], ...]:
    """The largest absolute difference of each numeric output both models have."""
    diffs: list[tuple[str, float | None]] = []
    for name in (n for n in names[0] if n in names[1]):
        i, j = list(names[0]).index(name), list(names[1]).index(name)
        if not pairs or _kind(pairs[0][0][i]) not in "fiub":
            continue  # a ZipMap, strings: compared through the prediction, if at all
        values = [max_abs_diff(a[i], b[j]) for a, b in pairs]
        diffs.append((name, None if any(v is None for v in values) else max(v for v in values if v is not None)))
    return tuple(diffs)


def output_agreement(
    pairs: Sequence[tuple[Outputs, Outputs]],
    names: tuple[Sequence[str], Sequence[str]],
    choices: tuple[PredictionChoice, PredictionChoice],
    labels: Sequence[str] = (),
) -> Agreement:
    """Agreement of A's and B's outputs, ``pairs`` holding both models' outputs for each
    input (``names``: each model's output names; ``choices``: the outputs each reads its
    prediction from, as :func:`mlmon.bench.predict.classification_output` chose them;
    ``labels``: class names both models share, else empty)."""
    rows = sum(_rows(out_a) for out_a, _ in pairs)
    diffs = _output_diffs(pairs, names)
    if not (choices[0].indices and choices[1].indices):
        source = next((c.source for c in choices if not c.indices), choices[0].source)
        return Agreement(rows, False, source, output_max_abs_diff=diffs)
    parts = _classifier_parts(pairs, names, choices, labels)
    return Agreement(rows, True, choices[0].source, output_max_abs_diff=diffs, **parts)


def _kind(value: Any) -> str:
    """numpy's dtype kind of ``value`` (``O`` for a ZipMap's list of dicts)."""
    return str(np.asarray(value).dtype.kind) if not isinstance(value, (list, tuple)) else "O"


def _rows(outputs: Outputs) -> int:
    """Samples in one call's outputs: the leading dimension of its first output."""
    first = outputs[0] if len(outputs) else ()
    if isinstance(first, (list, tuple)):
        return len(first)
    shape = np.shape(first)
    return int(shape[0]) if shape else 1
