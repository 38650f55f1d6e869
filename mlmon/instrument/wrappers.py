"""Wrap a model so that every call writes one mlmon record: ``monitor`` and ``MonitoredSession``.

One call writes exactly one ``inference`` record (or none, when ``sample_rate`` leaves it
out). It carries ``latency_ms`` (``time.perf_counter``), ``status`` (``ok``, ``error``,
``timeout`` or ``invalid_input``) and, when the call raised, ``error_kind`` (the exception's
class name); ``request_id`` (the caller's ``request_id=``, else a new one); ``model``/
``model_version`` from the log's static fields; for a one-sample call of a classifier
``label``, ``confidence`` and (unless ``probabilities=False``) ``probabilities``, the
class probability vector, an object keyed by class when the classes are named, else an
array; and, when asked for, the input summary in ``features``. mlmon counts a record with
a label as one prediction, so a call is never counted twice. Raw inputs are never logged.

The model's exception reaches the caller unchanged; the logging itself never raises (see
``PredictionLog``). Standard library only; numpy arrays are read through ``tolist``.
"""

from __future__ import annotations

import functools
import itertools
import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from random import random
from typing import Any, cast

from mlmon.instrument.jsonline import VectorFormat, value_json, vector_format, vector_json
from mlmon.instrument.log import PredictionLog
from mlmon.instrument.outputs import probability_row, read_prediction

__all__ = ["monitor", "MonitoredSession", "new_request_id", "top_class", "error_status"]

_TIMEOUT_NAMES = frozenset({"TimeoutError", "TimeoutExpired", "DeadlineExceeded"})
_INVALID_NAMES = frozenset({"InvalidArgument", "InvalidGraph", "ValidationError", "InvalidInput"})
_ids = itertools.count(1)
_ID_PREFIX = os.urandom(4).hex()


def new_request_id() -> str:
    """A process-unique request id: a random 8-hex prefix and a counter (cheap, thread-safe).

    Make one before a monitored call and pass it as ``request_id=``, to label the
    prediction later with ``log.label(request_id, actual)``."""
    return f"{_ID_PREFIX}-{next(_ids)}"


def error_status(exc: BaseException, invalid: tuple[type[BaseException], ...] = (ValueError,)) -> str:
    """``timeout`` for a timeout, ``invalid_input`` for ``invalid`` exceptions (and
    onnxruntime's ``InvalidArgument``), else ``error``."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    if isinstance(exc, TimeoutError) or names & _TIMEOUT_NAMES:
        return "timeout"
    if isinstance(exc, invalid) or names & _INVALID_NAMES:
        return "invalid_input"
    return "error"


def top_class(scores: Any, class_names: Sequence[str] | None = None) -> tuple[Any, float] | None:
    """(label, confidence) of one sample's class scores, or None if they are not one sample.

    ``scores`` is a list or array of probabilities or logits, shaped ``(k,)`` or
    ``(1, k)``, or a mapping of class to probability (sklearn's ZipMap). Scores that are not
    a probability vector (a value outside [0, 1], or a sum off 1 by more than 1e-3) are read
    as logits and put through a softmax. The label is ``class_names[i]`` when given, else
    the index ``i`` (as text).
    """
    read = _scores(scores, class_names, False)
    return None if read is None else (read[0], read[1])


def _scores(
    scores: Any, class_names: Sequence[Any] | None, vector: bool
) -> tuple[str, float, list[float] | None, Sequence[Any] | None] | None:
    """:func:`top_class`'s label and confidence, then (when ``vector``, for two classes or
    more) the probability vector (logits soft-maxed) and the class names (``class_names``,
    or a mapping's keys; None: unnamed), or None when the scores are not one sample's."""
    names = class_names
    values: Sequence[Any]
    if type(scores) is list:  # the common cases first: no Mapping check
        values = scores
    elif hasattr(scores, "tolist"):  # numpy, without importing it
        values = scores.tolist()
    elif isinstance(scores, Mapping):
        names, values = list(scores), list(scores.values())
    else:
        values = list(scores)
    if len(values) == 1 and isinstance(values[0], (list, tuple)):
        values = values[0]
    if not values or isinstance(values[0], (list, tuple)) or (names is not None and len(names) != len(values)):
        return None
    values = list(map(float, values))
    top = max(values)
    best = values.index(top)
    if min(values) < 0.0 or top > 1.0 or abs(sum(values) - 1.0) > 1e-3:
        exps = [math.exp(v - top) for v in values]
        total = sum(exps)
        top = 1.0 / total  # softmax of the top logit
        if vector:
            values = [e / total for e in exps]
    label = str(best if names is None else names[best])
    return label, top, (values if vector and len(values) > 1 else None), names


def monitor(
    log: PredictionLog,
    *,
    class_names: Sequence[str] | None = None,
    postprocess: Callable[[Any], tuple[Any, float | None] | None] | None = None,
    features: Callable[..., Mapping[str, Any]] | None = None,
    invalid: tuple[type[BaseException], ...] = (ValueError,),
    probabilities: bool = True,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a predict callable so that each call writes one record to ``log``.

    ``postprocess(result)`` returns ``(label, confidence)``, ``(label, confidence,
    probabilities)`` (a list, or a dict of class to probability) or None; by default
    :func:`top_class` reads the result as one sample's probabilities or logits, with
    ``class_names``, and its probability vector (logits soft-maxed) is logged too:
    ``probabilities=False`` leaves it out (a model with many classes). ``features(*args,
    **kwargs)`` returns the input summary logged under ``features`` (off unless given; e.g.
    ``summaries.image_summary``). A ``request_id=`` keyword of the call is logged and not
    passed on (pass your own to label the prediction later with ``log.label``); without one
    an id is made. Exceptions in ``invalid`` log ``status="invalid_input"``, timeouts
    ``"timeout"``.
    """
    names = list(class_names) if class_names is not None else None
    named = vector_format(len(names), names) if names is not None else None

    def decorate(predict: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(predict)
        def monitored(*args: Any, request_id: str | None = None, **kwargs: Any) -> Any:
            rate = log.sample_rate
            if rate < 1.0 and random() >= rate:  # PredictionLog.sampled, inlined
                return predict(*args, **kwargs)
            started_ns = time.time_ns()
            t0 = time.perf_counter()
            try:
                result = predict(*args, **kwargs)
            except BaseException as exc:
                latency_ms = (time.perf_counter() - t0) * 1000.0
                log.call_record(
                    started_ns,
                    latency_ms,
                    error_status(exc, invalid),
                    request_id or new_request_id(),
                    error_kind=type(exc).__name__,
                )
                raise
            latency_ms = (time.perf_counter() - t0) * 1000.0  # summaries below are not model latency
            try:
                if postprocess is None:
                    top, vector = _read_scores(result, names, named, probabilities)
                else:
                    top, vector = _pair(postprocess(result), probabilities)
            except Exception:  # noqa: BLE001 - monitoring never breaks the service
                top = vector = None
            summary = None if features is None else _summary(features, args, kwargs)
            request_id = request_id or f"{_ID_PREFIX}-{next(_ids)}"  # new_request_id(), inlined
            log.call_record(started_ns, latency_ms, "ok", request_id, top, summary, probabilities=vector)
            return result

        return monitored

    return decorate


def _read_scores(
    result: Any, names: list[Any] | None, form: VectorFormat | None, vector: bool
) -> tuple[tuple[str, float] | None, str | None]:
    """(label, confidence) of a result read as scores, and the JSON text of its probability
    vector (None when not asked for or not one sample's); ``form`` is the vector's format
    keyed by ``names`` (:func:`~mlmon.instrument.jsonline.vector_format`)."""
    read = _scores(result, names, vector)
    if read is None:
        return None, None
    label, confidence, values, keys = read
    if values is None:
        return (label, confidence), None
    if form is None or keys is not names:  # no names, or a mapping's keys
        form = vector_format(len(values), keys)
    return (label, confidence), vector_json(values, form)


def _pair(top: Any, vector: bool) -> tuple[tuple[Any, Any] | None, str | None]:
    """A postprocess result as (label, confidence) and the JSON text of its probabilities
    (the third item, when there is one and ``vector``), or Nones; raises on other shapes."""
    if top is None:
        return None, None
    label, confidence, *rest = top
    if len(rest) > 1:
        raise ValueError(f"postprocess returned {len(top)} items, not 2 or 3")
    probabilities = rest[0] if rest and vector else None
    return (label, confidence), None if probabilities is None else _vector_text(probabilities)


def _vector_text(probabilities: Any) -> str:
    """The JSON text of a postprocess's probabilities: a dict of class to probability or a
    sequence of them as :func:`~mlmon.instrument.jsonline.vector_json` writes them, any
    other value as :func:`~mlmon.instrument.jsonline.value_json` does."""
    try:
        if isinstance(probabilities, Mapping):
            return vector_json(list(probabilities.values()), vector_format(len(probabilities), probabilities))
        values = probabilities.tolist() if hasattr(probabilities, "tolist") else list(probabilities)
        return vector_json(values, vector_format(len(values)))
    except (TypeError, ValueError):  # not numbers: written as they are
        return value_json(probabilities)


def _summary(features: Callable[..., Any], args: tuple, kwargs: dict) -> dict[str, Any] | None:
    """The input summary as a dict, or None when there is none or making it fails."""
    try:
        summary = features(*args, **kwargs)
        return (summary if type(summary) is dict else dict(summary)) if summary else None
    except Exception:  # noqa: BLE001 - monitoring never breaks the service
        return None


class MonitoredSession:
    """An onnxruntime ``InferenceSession`` whose ``run`` writes one record per call.

    ``MonitoredSession(session, log, class_names=[...])``; every other attribute is the
    session's. The label and confidence come from ``mlmon.instrument.outputs.read_prediction``
    (ZipMap, label + probability outputs, logits), the probability vector from the output
    they were read from (``outputs.probability_row``; ``probabilities=False``: not logged).
    ``features="image"`` summarises the first input with
    ``mlmon.instrument.summaries.image_summary``; a callable gets the input feed. Pass
    ``run(..., request_id=...)`` to label the prediction later with ``log.label``.
    """

    def __init__(
        self,
        session: Any,
        log: PredictionLog,
        *,
        class_names: Sequence[str] | None = None,
        features: str | Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None,
        probabilities: bool = True,
    ) -> None:
        self.session = session
        self.log = log
        self.class_names = list(class_names) if class_names is not None else None
        self._output_names = [o.name for o in session.get_outputs()]
        given = cast("Callable[[Mapping[str, Any]], Mapping[str, Any]] | None", features)  # "image" is the one str
        summary = _image_features if features == "image" else given
        feed_summary = None if summary is None else (lambda _names, feed, _options=None: summary(feed))
        self._probabilities = probabilities
        self._run = monitor(log, postprocess=self._read, features=feed_summary, probabilities=probabilities)(
            self._run_session
        )

    def _run_session(self, output_names: Any, input_feed: Mapping[str, Any], run_options: Any = None) -> Any:
        return self.session.run(output_names, input_feed, run_options)

    def run(
        self,
        output_names: Any,
        input_feed: Mapping[str, Any],
        run_options: Any = None,
        *,
        request_id: str | None = None,
    ) -> Any:
        """``session.run``, timed and logged; returns exactly what the session returns."""
        return self._run(output_names, input_feed, run_options, request_id=request_id)

    def _read(self, outputs: Sequence[Any]) -> tuple[Any, ...] | None:
        names = self._output_names[: len(outputs)]
        read = read_prediction(outputs, names, class_names=self.class_names)
        if read is None or len(read.labels) != 1:
            return None
        if not self._probabilities:
            return read.labels[0], read.confidences[0]
        return read.labels[0], read.confidences[0], probability_row(outputs, names, read, self.class_names)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session, name)


def _image_features(input_feed: Mapping[str, Any]) -> Mapping[str, Any]:
    from mlmon.instrument.summaries import image_summary

    image = next(iter(input_feed.values()))
    if getattr(image, "ndim", 0) == 4 and image.shape[0] == 1:  # a batch of one, NCHW or NHWC
        image = image[0]
    return image_summary(image)
