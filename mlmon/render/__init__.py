"""Renderers: each output format is one module with a ``render_*`` function per result type
that returns text. Adding a format touches no analysis code."""

from __future__ import annotations

import enum


class OutputFormat(str, enum.Enum):
    """Formats selectable with ``--format``."""

    TERMINAL = "terminal"
    JSON = "json"
