"""Read a prediction (label and confidence per row) from a model's raw outputs.

Shared by services (through :mod:`mlmon.instrument`) and ``mlmon bench --log``. Standard
library only at import; numpy is imported inside the functions that need it.

What is read, in order (the first that applies wins):

1. ``proba_output`` / ``label_output`` when given: the named outputs, and nothing else is
   guessed except a probability output to pair with a named label output. A name that is
   not an output, or an output of the wrong shape, raises :class:`OutputChoiceError`.
2. A ZipMap (sklearn-onnx's ``output_probability``: a list of ``{class: probability}``
   dicts, one per row), with the label output beside it when there is one: the label is
   the label output's value, else the most probable key; the confidence is that key's
   probability.
3. A label output (1-D int or string tensor whose name contains ``label``) beside a 2-D
   float probability tensor: label from the label output, confidence from the column of
   that label (the label as a class index, or its position in ``class_names``; else the
   row's largest probability).
4. A single 2-D float ``[batch, classes]`` output, only when the model looks like a
   classifier: its name contains ``prob``, ``logit``, ``score``, ``softmax``, ``label`` or
   ``class``; or it has 2+ columns whose rows are probabilities (non-negative, summing to
   1 within 1e-3) and its shape is not the shape of an input (an element-wise output such
   as ``mul_1.onnx``'s ``[3, 2]`` from a ``[3, 2]`` input is not a classifier; pass
   ``input_shapes`` to apply that test). Rows that are probabilities are used as they are,
   others are logits and soft-maxed; a single column is the probability of class ``1``
   (passed through a logistic first when outside [0, 1]). Labels are ``class_names[argmax]``
   when there is one name per column, else the column index.
5. Otherwise ``None``: not a classifier, or too ambiguous to tell (two candidate outputs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_HINTS = ("prob", "logit", "score", "softmax", "label", "class")


class OutputChoiceError(ValueError):
    """``label_output`` / ``proba_output`` names no output, or one of the wrong shape."""


@dataclass(frozen=True)
class PredictionRead:
    """One label and confidence per row of the batch, and where they were read."""

    labels: list[str]
    """Predicted label of each row, as a string."""
    confidences: list[float | None]
    """Probability of that label (None where the model gives no probability)."""
    source: str
    """The output(s) read, e.g. ``output_label + output_probability (ZipMap)``."""
    label_output: str | None = None
    """Name of the label output read, if any."""
    proba_output: str | None = None
    """Name of the probability (or score) output read, if any."""


def _is_zipmap(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and len(value) > 0 and all(isinstance(v, Mapping) for v in value)


def _as_label(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    item = getattr(value, "item", None)
    return str(item() if callable(item) else value)


def _label_column(value: Any) -> list[Any] | None:
    """The rows of a label output (1-D, or 2-D with one column), or None."""
    import numpy as np

    array = None if _is_zipmap(value) else np.asarray(value)
    if array is None or array.dtype.kind not in "iuUSOb" or array.ndim not in (1, 2):
        return None
    if array.ndim == 2:
        if array.shape[1] != 1:
            return None
        array = array[:, 0]
    return array.tolist()


def _float_matrix(value: Any) -> Any:
    """``value`` as a 2-D float64 array with at least one row and column, or None."""
    import numpy as np

    if _is_zipmap(value):
        return None
    array = np.asarray(value)
    if array.dtype.kind not in "fiu" or array.ndim != 2 or 0 in array.shape:
        return None
    return array.astype(np.float64)


def _probabilities(scores: Any) -> Any:
    import numpy as np

    if scores.shape[1] == 1:
        p1 = scores[:, 0]
        if p1.min() < 0 or p1.max() > 1:
            p1 = 1.0 / (1.0 + np.exp(-p1))
        return np.stack([1.0 - p1, p1], axis=1)
    if _rows_are_probabilities(scores):
        return scores
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def _rows_are_probabilities(scores: Any) -> bool:
    import numpy as np

    return bool(scores.min() >= 0 and np.allclose(scores.sum(axis=1), 1.0, atol=1e-3))


def _from_zipmap(rows: Sequence[Mapping[Any, Any]], labels: list[Any] | None) -> tuple[list[str], list[float | None]]:
    out_labels: list[str] = []
    confidences: list[float | None] = []
    for i, row in enumerate(rows):
        if labels is not None:
            key = labels[i]
            prob = row.get(key)
            if prob is None:  # a label of another type than the keys: match as text
                prob = next((p for k, p in row.items() if _as_label(k) == _as_label(key)), None)
        else:
            key, prob = max(row.items(), key=lambda kv: kv[1]) if row else (None, None)
        out_labels.append(_as_label(key))
        confidences.append(None if prob is None else float(prob))
    return out_labels, confidences


def _from_matrix(
    scores: Any, labels: list[Any] | None, class_names: Sequence[str] | None
) -> tuple[list[str], list[float | None]]:
    import numpy as np

    probs = _probabilities(scores)
    columns = probs.shape[1]
    names = [str(n) for n in class_names] if class_names and len(class_names) == columns else None
    if labels is None:
        index = probs.argmax(axis=1)
        top = probs[np.arange(len(probs)), index]
        return [names[i] if names else str(i) for i in index.tolist()], [float(c) for c in top]
    confidences: list[float | None] = []
    for row, label in zip(probs, labels):
        text = _as_label(label)
        if names and text in names:
            col = names.index(text)
        elif isinstance(label, (int, np.integer)) and 0 <= int(label) < columns:
            col = int(label)
        else:
            col = int(row.argmax())
        confidences.append(float(row[col]))
    return [_as_label(v) for v in labels], confidences


def _index(names: Sequence[str], name: str, option: str) -> int:
    if name not in names:
        raise OutputChoiceError(f"{option} {name}: the model has no such output (its outputs: {', '.join(names)})")
    return list(names).index(name)


def _label_rows(outputs: Sequence[Any], names: Sequence[str], name: str) -> list[Any]:
    rows = _label_column(outputs[_index(names, name, "--label-output")])
    if rows is None:
        raise OutputChoiceError(
            f"--label-output {name}: not a label output (want a 1-D int or string tensor, one value per row)"
        )
    return rows


def _check_rows(labels: list[Any] | None, rows: int, label_name: str | None, proba_name: str) -> None:
    if labels is not None and len(labels) != rows:
        raise OutputChoiceError(f"--label-output {label_name} has {len(labels)} rows but {proba_name} has {rows}")


def _source(label_name: str | None, proba_name: str | None, kind: str) -> str:
    parts = " + ".join(n for n in (label_name, proba_name) if n is not None)
    return f"{parts} ({kind})" if kind else parts


def _read(
    outputs: Sequence[Any],
    names: Sequence[str],
    label_name: str | None,
    proba_name: str | None,
    class_names: Sequence[str] | None,
) -> PredictionRead:
    """Read the named outputs (a name already checked to exist); raises on a wrong shape."""
    labels = None if label_name is None else _label_rows(outputs, names, label_name)
    if proba_name is None:
        return PredictionRead(
            [_as_label(v) for v in labels or []],
            [None] * len(labels or []),
            _source(label_name, None, "labels only"),
            label_name,
            None,
        )
    value = outputs[_index(names, proba_name, "--proba-output")]
    if _is_zipmap(value):
        _check_rows(labels, len(value), label_name, proba_name)
        got, conf = _from_zipmap(value, labels)
        return PredictionRead(got, conf, _source(label_name, proba_name, "ZipMap"), label_name, proba_name)
    scores = _float_matrix(value)
    if scores is None:
        raise OutputChoiceError(
            f"--proba-output {proba_name}: not a probability output "
            "(want a [batch, classes] numeric tensor or a ZipMap list of maps)"
        )
    _check_rows(labels, scores.shape[0], label_name, proba_name)
    kind = (
        "probability rows"
        if scores.shape[1] > 1 and _rows_are_probabilities(scores)
        else "sigmoid"
        if scores.shape[1] == 1
        else "logits, soft-maxed"
    )
    got, conf = _from_matrix(scores, labels, class_names)
    return PredictionRead(got, conf, _source(label_name, proba_name, kind), label_name, proba_name)


def _hinted(name: str) -> bool:
    lowered = name.lower()
    return any(h in lowered for h in _HINTS)


def _guess_label(outputs: Sequence[Any], names: Sequence[str], skip: str | None) -> str | None:
    found = [n for n, v in zip(names, outputs) if n != skip and "label" in n.lower() and _label_column(v) is not None]
    return found[0] if len(found) == 1 else None


def _guess_proba(
    outputs: Sequence[Any], names: Sequence[str], skip: str | None, input_shapes: Sequence[Sequence[int]] | None
) -> str | None:
    """The one output that looks like class probabilities or scores, or None."""
    zipmaps = [n for n, v in zip(names, outputs) if n != skip and _is_zipmap(v)]
    if zipmaps:
        return zipmaps[0] if len(zipmaps) == 1 else None
    shapes = {tuple(int(d) for d in s) for s in input_shapes or ()}
    hinted, plain = [], []
    for name, value in zip(names, outputs):
        scores = None if name == skip else _float_matrix(value)
        if scores is None or getattr(value, "dtype", None) is None or value.dtype.kind != "f":
            continue
        if _hinted(name):
            hinted.append(name)
        elif scores.shape[1] > 1 and _rows_are_probabilities(scores) and tuple(scores.shape) not in shapes:
            plain.append(name)
    candidates = hinted or plain
    return candidates[0] if len(candidates) == 1 else None


def probability_row(
    outputs: Sequence[Any],
    output_names: Sequence[str],
    read: PredictionRead,
    class_names: Sequence[str] | None = None,
    row: int = 0,
) -> dict[str, float] | list[float] | None:
    """Row ``row``'s class probabilities from the output ``read`` took them from: a ZipMap's
    ``{class: probability}``, or a score tensor's row as probabilities (logits soft-maxed,
    a single column ``[1 - p, p]``, as :func:`read_prediction` reads them) keyed by
    ``class_names`` when there is one name per column, else a list. None when ``read``
    used no probability output."""
    if read.proba_output is None:
        return None
    value = outputs[[str(n) for n in output_names].index(read.proba_output)]
    if _is_zipmap(value):
        return {_as_label(key): float(p) for key, p in value[row].items()}
    scores = _float_matrix(value)
    if scores is None:
        return None
    probabilities: list[float] = _probabilities(scores)[row].tolist()  # read as the whole batch is
    if class_names and len(class_names) == len(probabilities):
        return dict(zip([str(n) for n in class_names], probabilities))
    return probabilities


def read_prediction(
    outputs: Sequence[Any],
    output_names: Sequence[str],
    *,
    label_output: str | None = None,
    proba_output: str | None = None,
    class_names: Sequence[str] | None = None,
    input_shapes: Sequence[Sequence[int]] | None = None,
) -> PredictionRead | None:
    """Labels and confidences, one per row, from ``outputs`` (as ``session.run`` returns
    them, named by ``output_names``), or None when the model does not look like a
    classifier. See the module docstring for the rules; ``label_output`` and
    ``proba_output`` force the choice (:class:`OutputChoiceError` when one names no
    output or an output of the wrong shape); ``class_names`` names the columns of a
    probability tensor; ``input_shapes`` (the shapes fed) rule out element-wise outputs.
    """
    names = [str(n) for n in output_names]
    if len(names) != len(outputs):
        raise ValueError(f"{len(outputs)} outputs but {len(names)} output names")
    for name, option in ((label_output, "--label-output"), (proba_output, "--proba-output")):
        if name is not None:
            _index(names, name, option)
    if label_output is not None or proba_output is not None:
        if proba_output is None:
            proba_output = _guess_proba(outputs, names, label_output, None)
        return _read(outputs, names, label_output, proba_output, class_names)
    proba = _guess_proba(outputs, names, None, input_shapes)
    label = _guess_label(outputs, names, proba)
    if proba is None and label is None:
        return None
    try:
        return _read(outputs, names, label, proba, class_names)
    except OutputChoiceError:
        return None  # rows that do not line up: in doubt, not a classifier
