"""Renderers room: the only place JSON and text are made.

One module per format behind one interface: a format module has
``render(result, *, color: bool) -> str``, which shows any result that carries findings
(``mlmon.api.results``) and the command-specific sections it knows. :class:`OutputFormat`
maps each ``--format`` choice to its module. A format module may also own what the CLI
does with the format (``mlmon.cli.delivery`` reads these, for any format):

- ``exit_code(result) -> int``: the exit code a result earns, in place of ``--fail-on``'s
  0/1 (``nagios``: the plugin's states 0/1/2/3);
- ``ERROR_EXIT_CODE``: the exit code of every error, in place of 2 (``nagios``: 3);
- ``error_output(message) -> str``: what an error prints on standard output besides its
  line on stderr (``nagios``: the plugin's ``MLMON UNKNOWN`` line);
- ``deliver_beside(result, text, write_stdout) -> list[str]``: what the format delivers
  besides its text, returning warnings for stderr (``markdown``: GitHub Actions'
  annotations and step summary, :mod:`mlmon.render.github`).

Renderers import result types and payloads (``mlmon.api``), verdicts and the JSON-safe
converter (``mlmon.plain``); never polars, never the analyses' reducers, never the CLI.
"""

from __future__ import annotations

import enum
import importlib
from typing import Any


class OutputFormat(str, enum.Enum):
    """Formats selectable with ``--format``."""

    TERMINAL = "terminal"
    JSON = "json"
    MARKDOWN = "markdown"
    JUNIT = "junit"
    PROMETHEUS = "prometheus"
    NAGIOS = "nagios"
    HTML = "html"

    @property
    def module(self) -> str:
        """The module that renders this format."""
        return _MODULES[self]

    @property
    def is_machine(self) -> bool:
        """A format that programs parse: diagnostics go to stderr, never into it."""
        return self is not OutputFormat.TERMINAL


_MODULES = {
    OutputFormat.TERMINAL: "mlmon.render.terminal",
    OutputFormat.JSON: "mlmon.render.json_format",
    OutputFormat.MARKDOWN: "mlmon.render.markdown",
    OutputFormat.JUNIT: "mlmon.render.junit",
    OutputFormat.PROMETHEUS: "mlmon.render.prometheus",
    OutputFormat.NAGIOS: "mlmon.render.nagios",
    OutputFormat.HTML: "mlmon.render.html",
}


def render(result: Any, output_format: OutputFormat, *, color: bool = False) -> str:
    """``result`` as text in ``output_format`` (the format's module loads on first use)."""
    return importlib.import_module(output_format.module).render(result, color=color)
