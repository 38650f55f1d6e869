"""Wrap a model so that every call writes one mlmon record: ``monitor`` and ``MonitoredSession``.

One call writes exactly one ``inference`` record (or none, when ``sample_rate`` leaves it
out). It carries ``latency_ms`` (``time.perf_counter``), ``status`` (``ok``, ``error``,
``timeout`` or ``invalid_input``) and, when the call raised, ``error_kind`` (the exception's
class name); ``request_id``; ``model``/``model_version`` from the log's static fields; for
a one-sample call of a classifier ``label`` and ``confidence``; and, when asked for, the
input summary in ``features``. mlmon counts a record with a label as one prediction, so a
call is never counted twice. Raw inputs are never logged.

The model's exception reaches the caller unchanged; the logging itself never raises (see
``PredictionLog``). Standard library only; numpy arrays are read through ``tolist``.
"""

from __future__ import annotations

import functools
import itertools
import math
import os
import time
from typing import Any, Callable, Mapping, Sequence

from mlmon.instrument.log import PredictionLog

__all__ = ["monitor", "MonitoredSession", "top_class", "error_status"]

_TIMEOUT_NAMES = frozenset({"TimeoutError", "TimeoutExpired", "DeadlineExceeded"})
_INVALID_NAMES = frozenset({"InvalidArgument", "InvalidGraph", "ValidationError", "InvalidInput"})
_ids = itertools.count(1)
_ID_PREFIX = os.urandom(4).hex()


def new_request_id() -> str:
    """A process-unique request id: a random 8-hex prefix and a counter (cheap, thread-safe)."""
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
    if isinstance(scores, dict) or (not isinstance(scores, list) and isinstance(scores, Mapping)):
        names, values = list(scores), [float(v) for v in scores.values()]
    else:
        values = scores.tolist() if hasattr(scores, "tolist") else list(scores)
        if len(values) == 1 and isinstance(values[0], (list, tuple)):
            values = values[0]
        if not values or isinstance(values[0], (list, tuple)):
            return None
        values = [float(v) for v in values]
        names = list(class_names) if class_names is not None else list(range(len(values)))
    if len(names) != len(values):
        return None
    best = max(range(len(values)), key=values.__getitem__)
    if min(values) < 0.0 or max(values) > 1.0 or abs(sum(values) - 1.0) > 1e-3:
        top = values[best]
        confidence = 1.0 / sum(math.exp(v - top) for v in values)  # softmax of the top logit
    else:
        confidence = values[best]
    return str(names[best]), confidence


class _Call:
    """One monitored call: the clock, the fields, and the one record at its end."""

    __slots__ = ("log", "fields", "started_ns", "t0")

    def __init__(self, log: PredictionLog, request_id: str | None) -> None:
        self.log = log
        self.fields: dict[str, Any] = {"request_id": request_id or new_request_id()}
        if log.sample_rate < 1.0:
            self.fields["sample_rate"] = log.sample_rate
        self.started_ns = time.time_ns()
        self.t0 = time.perf_counter()

    def finish(self, status: str, error_kind: str | None = None) -> None:
        latency_ms = (time.perf_counter() - self.t0) * 1000.0
        if error_kind is not None:
            self.fields["error_kind"] = error_kind
        self.log.inference(latency_ms, status, ts=self.started_ns, **self.fields)


def _safe(function: Callable[..., Any], *args: Any) -> Any:
    """``function(*args)``, or None when it raises (a summary or a read never breaks a call)."""
    try:
        return function(*args)
    except Exception:  # noqa: BLE001 - monitoring never breaks the service
        return None


def monitor(log: PredictionLog, *, class_names: Sequence[str] | None = None,
            postprocess: Callable[[Any], "tuple[Any, float] | None"] | None = None,
            features: Callable[..., Mapping[str, Any]] | None = None,
            invalid: tuple[type[BaseException], ...] = (ValueError,)) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a predict callable so that each call writes one record to ``log``.

    ``postprocess(result)`` returns ``(label, confidence)`` or None; by default
    :func:`top_class` reads the result as one sample's probabilities or logits, with
    ``class_names``. ``features(*args, **kwargs)`` returns the input summary logged under
    ``features`` (off unless given; e.g. ``summaries.image_summary``). A ``request_id=``
    keyword of the call is logged and not passed on; without one an id is made.
    Exceptions in ``invalid`` log ``status="invalid_input"``, timeouts ``"timeout"``.
    """
    read = postprocess or (lambda result: top_class(result, class_names))

    def decorate(predict: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(predict)
        def monitored(*args: Any, request_id: str | None = None, **kwargs: Any) -> Any:
            if not log.sampled():
                return predict(*args, **kwargs)
            call = _Call(log, request_id)
            try:
                result = predict(*args, **kwargs)
            except BaseException as exc:
                call.finish(error_status(exc, invalid), type(exc).__name__)
                raise
            latency_end = time.perf_counter()
            _describe(call, read, result, features, args, kwargs)
            call.t0 += time.perf_counter() - latency_end  # summaries are not model latency
            call.finish("ok")
            return result

        return monitored

    return decorate


def _describe(call: _Call, read: Callable[[Any], Any], result: Any,
              features: Callable[..., Any] | None, args: tuple, kwargs: dict) -> None:
    top = _safe(read, result)
    if top is not None:
        call.fields["label"], call.fields["confidence"] = top
    if features is not None:
        summary = _safe(lambda: features(*args, **kwargs))
        if summary:
            call.fields["features"] = dict(summary)


class MonitoredSession:
    """An onnxruntime ``InferenceSession`` whose ``run`` writes one record per call.

    ``MonitoredSession(session, log, class_names=[...])``; every other attribute is the
    session's. The label and confidence come from ``mlmon.instrument.outputs.read_prediction``
    when that module is present (ZipMap, label + probability outputs, logits), else from
    the first output through :func:`top_class`. ``features="image"`` summarises the first
    input with ``mlmon.instrument.summaries.image_summary``; a callable gets the input feed.
    """

    def __init__(self, session: Any, log: PredictionLog, *, class_names: Sequence[str] | None = None,
                 features: "str | Callable[[Mapping[str, Any]], Mapping[str, Any]] | None" = None) -> None:
        self.session = session
        self.log = log
        self.class_names = list(class_names) if class_names is not None else None
        self._output_names = [o.name for o in session.get_outputs()]
        summary = _image_features if features == "image" else features
        feed_summary = None if summary is None else (lambda _names, feed, _options=None: summary(feed))
        self._run = monitor(log, postprocess=self._read, features=feed_summary)(self._run_session)

    def _run_session(self, output_names: Any, input_feed: Mapping[str, Any], run_options: Any = None) -> Any:
        return self.session.run(output_names, input_feed, run_options)

    def run(self, output_names: Any, input_feed: Mapping[str, Any], run_options: Any = None, *,
            request_id: str | None = None) -> Any:
        """``session.run``, timed and logged; returns exactly what the session returns."""
        return self._run(output_names, input_feed, run_options, request_id=request_id)

    def _read(self, outputs: Sequence[Any]) -> "tuple[Any, float] | None":
        names = self._output_names[:len(outputs)]
        try:
            from mlmon.instrument.outputs import read_prediction
        except ImportError:
            return top_class(outputs[0], self.class_names) if outputs else None
        read = read_prediction(outputs, names, class_names=self.class_names)
        if read is None or len(read.labels) != 1:
            return None
        return read.labels[0], read.confidences[0]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session, name)


def _image_features(input_feed: Mapping[str, Any]) -> Mapping[str, Any]:
    from mlmon.instrument.summaries import image_summary

    image = next(iter(input_feed.values()))
    if getattr(image, "ndim", 0) == 4 and image.shape[0] == 1:  # a batch of one, NCHW or NHWC
        image = image[0]
    return image_summary(image)
