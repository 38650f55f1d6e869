"""The service side: write the logs mlmon reads from a Python service (DESIGN.md §1).

Standard library only at import (no numpy, no polars), so a service imports it at no cost.
``PredictionLog`` (``mlmon.instrument.log``) writes mlmon's native JSON lines.
"""

from __future__ import annotations

from mlmon.instrument.log import PredictionLog, TimedCall, format_ts

__all__ = ["PredictionLog", "TimedCall", "format_ts"]
