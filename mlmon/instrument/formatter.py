"""A standard-library ``logging`` formatter that writes mlmon's JSON lines.

With it, a service's plain logging calls become logs that ``mlmon report``, ``drift`` and
``check`` read with no configuration::

    handler.setFormatter(JsonFormatter(model="imgcls4"))
    logger.info("inference", extra={"latency_ms": 12.3, "status": "ok"})
    logger.info("prediction", extra={"label": "A", "confidence": 0.91})

Each record is one JSON object on one line: ``ts`` (ISO-8601 UTC with microseconds and a
``Z``, from the record's creation time), ``event`` (the message), ``level`` (lower case),
``logger`` (the logger's name), the formatter's static fields, then every ``extra`` key
at the top level. An exception (``logger.exception``, ``exc_info=True``) adds ``error``
(``"ValueError: message"``) and ``exc_info`` (the formatted traceback); mlmon counts such
a record as an error. Values are made strict JSON as ``PredictionLog`` does (NaN → null,
numpy → numbers, anything else → ``str``), so formatting never fails on a value.
"""

from __future__ import annotations

import logging
from typing import Any

from mlmon.instrument.jsonline import fields_json, json_safe, ts_from_ns

__all__ = ["JsonFormatter"]

_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime", "taskName"}
"""The attributes every ``LogRecord`` has; any other attribute came from ``extra``."""
_OWN = ("ts", "event", "level", "logger")


class JsonFormatter(logging.Formatter):
    """Format ``logging`` records as mlmon's native JSON lines (see the module docstring).

    ``**static_fields`` (``model=``, ``model_version=``) are added to every record; an
    ``extra`` key of the same name wins. ``logger_field=False`` leaves out ``logger``.
    """

    def __init__(self, *, logger_field: bool = True, **static_fields: Any) -> None:
        super().__init__()
        bad = set(_OWN[:3]) & static_fields.keys()
        if bad:
            raise ValueError(f"reserved field names cannot be static fields: {sorted(bad)}")
        self._static = json_safe(static_fields)
        self._logger_field = logger_field

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": ts_from_ns(int(record.created * 1_000_000) * 1000),
            "event": record.getMessage(),
            "level": record.levelname.lower(),
        }
        if self._logger_field:
            out["logger"] = record.name
        out.update(self._static)
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in _OWN[:3]:
                out[key] = value  # made strict JSON as it is written
        if record.exc_info and record.exc_info[0] is not None:
            kind, exc = record.exc_info[0], record.exc_info[1]
            out["error"] = f"{kind.__name__}: {exc}" if str(exc) else kind.__name__
            out["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            out["exc_info"] = record.exc_text
        if record.stack_info:
            out["stack_info"] = self.formatStack(record.stack_info)
        return "{" + fields_json(out)[2:] + "}"  # json.dumps(out, ensure_ascii=False, allow_nan=False), faster
