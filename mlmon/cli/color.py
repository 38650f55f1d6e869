"""Whether mlmon writes colour: the app's ``--color``, a command's, ``NO_COLOR``,
``FORCE_COLOR`` and the terminal. Its own module, below ``boundary`` and ``help``, which
both ask."""

from __future__ import annotations

import os
import sys
from typing import Any

try:
    from typer import _click as click
except ImportError:  # pragma: no cover - older typer depends on click
    import click  # type: ignore[no-redef]

COLOR_KEY = "mlmon.color"
"""Where the app's ``--color`` (before the command) is kept: the root context's ``meta``."""


def use_color(choice: str | None = None, stream: Any = None) -> bool:
    """Whether to write ANSI colours to ``stream`` (default: stdout). The first that says:
    ``choice`` (a command's ``--color``), the app's ``--color``; ``always`` or ``never``
    decide, ``auto`` (the default) goes on: ``NO_COLOR`` set and not empty (no-color.org)
    means no; ``FORCE_COLOR`` set and not empty means yes; else yes when ``stream`` is a
    terminal and ``TERM`` is not ``dumb``."""
    choice = str(getattr(choice, "value", choice) or _app_color() or "auto")
    if choice in ("always", "never"):
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    stream = sys.stdout if stream is None else stream
    try:
        return stream is not None and stream.isatty() and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError, OSError):  # a closed or replaced stream
        return False


def _app_color() -> str | None:
    ctx = click.globals.get_current_context(silent=True)
    return None if ctx is None else ctx.find_root().meta.get(COLOR_KEY)
