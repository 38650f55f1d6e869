"""Turn a classifier's output into the ``label`` and ``confidence`` of ``--log`` records."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from mlmon.bench.result import TensorSpec


def classification_output(specs: Sequence[TensorSpec], outputs: Sequence[Any], batch_size: int) -> int | None:
    """Index of the output that holds class scores, or None when there is none.

    The first float tensor output shaped ``[batch, classes]`` wins (``classes`` may be 1:
    a binary sigmoid). Models with other outputs (detection boxes, embeddings with a third
    axis, sequence/map outputs) get log records without ``label``/``confidence``.
    """
    for index, (spec, value) in enumerate(zip(specs, outputs)):
        if (spec.type.startswith("tensor(float") or spec.type == "tensor(double)") \
                and isinstance(value, np.ndarray) and value.ndim == 2 and value.shape[0] == batch_size:
            return index
    return None


def _softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def decode(first_rows: np.ndarray, labels: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Labels and confidences from class scores, one row per call.

    Rows that are already probabilities (non-negative, summing to 1 within 1e-3) are used
    as they are; other rows are treated as logits and soft-maxed. One column is read as
    the probability of class ``1`` (a sigmoid output; values outside [0, 1] are passed
    through a logistic first). The label is ``labels[argmax]`` when the model names its
    classes, else the class index as a string; the confidence is the top probability.
    """
    scores = np.asarray(first_rows, dtype=np.float64)
    if scores.ndim != 2 or scores.shape[0] == 0:
        return [], np.empty(0)
    if scores.shape[1] == 1:
        p1 = scores[:, 0]
        if p1.min() < 0 or p1.max() > 1:
            p1 = 1.0 / (1.0 + np.exp(-p1))
        probs = np.stack([1.0 - p1, p1], axis=1)
    elif scores.min() >= 0 and np.allclose(scores.sum(axis=1), 1.0, atol=1e-3):
        probs = scores
    else:
        probs = _softmax(scores)
    index = probs.argmax(axis=1)
    confidence = probs[np.arange(len(probs)), index]
    names = list(labels) if len(labels) == probs.shape[1] else [str(i) for i in range(probs.shape[1])]
    return [names[i] for i in index], confidence
