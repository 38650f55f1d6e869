"""The service side: write the logs mlmon reads from a Python service (docs/instrument.md).

Standard library only at import (no numpy, no polars), so a service imports it at no cost.

- ``PredictionLog`` (``log.py``): the thread-safe JSON-lines writer; never raises;
  ``log.label(request_id, actual)`` writes a prediction's true class, later.
- ``jsonline.py``: the text of one record, written directly (the hot path; same bytes as ``json``).
- ``monitor`` and ``MonitoredSession`` (``wrappers.py``): one record per model call;
  ``new_request_id`` for an id to pass them and label the prediction later (``log.label``).
- ``JsonFormatter`` (``formatter.py``): plain ``logging`` calls as mlmon's JSON lines.
- ``ResourceMonitor`` (``resources.py``): RSS and CPU% records from a daemon thread.
- ``outputs.read_prediction`` and ``summaries`` (image and tabular input summaries).
"""

from __future__ import annotations

from mlmon.instrument.formatter import JsonFormatter
from mlmon.instrument.log import PredictionLog, TimedCall, format_ts
from mlmon.instrument.outputs import OutputChoiceError, PredictionRead, read_prediction
from mlmon.instrument.resources import ResourceMonitor
from mlmon.instrument.summaries import image_summary, tabular_summary
from mlmon.instrument.wrappers import MonitoredSession, error_status, monitor, new_request_id, top_class

__all__ = [
    "JsonFormatter",
    "MonitoredSession",
    "OutputChoiceError",
    "PredictionLog",
    "PredictionRead",
    "ResourceMonitor",
    "TimedCall",
    "error_status",
    "format_ts",
    "image_summary",
    "monitor",
    "new_request_id",
    "read_prediction",
    "tabular_summary",
    "top_class",
]
