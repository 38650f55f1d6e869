"""The ``mlmon`` application: its commands, ``--version``, ``--color``, shell completion
(``--install-completion``, ``--show-completion``), and the entry point."""

from __future__ import annotations

from typing import Annotated

import typer

from mlmon import __version__
from mlmon.cli.bench import bench_command
from mlmon.cli.boundary import MlmonGroup, run_guarded
from mlmon.cli.check import check_command
from mlmon.cli.color import COLOR_KEY
from mlmon.cli.compare import compare_command
from mlmon.cli.config import config_app
from mlmon.cli.drift import drift_command
from mlmon.cli.help import HelpCommand
from mlmon.cli.lazy import lazy_group
from mlmon.cli.options import Color
from mlmon.cli.performance import performance_command
from mlmon.cli.reference import reference_app
from mlmon.cli.report import report_command
from mlmon.cli.summarize import summarize_command
from mlmon.cli.watch import watch_command

HELP = """Monitoring for ML services from the JSON-lines logs they already write.

Exit codes: 0 ok, 1 a check breached, 2 usage, config or input error. Each command's
help starts with examples and its own exit codes:

\b
  mlmon report --help
"""

app = typer.Typer(
    name="mlmon",
    cls=MlmonGroup,
    help=HELP,
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)
app.command("report", cls=HelpCommand)(report_command)
app.command("drift", cls=HelpCommand)(drift_command)
app.command("check", cls=HelpCommand)(check_command)
app.command("performance", cls=HelpCommand)(performance_command)
app.command("compare", cls=HelpCommand)(compare_command)
app.command("summarize", cls=HelpCommand)(summarize_command)
app.command("bench", cls=HelpCommand)(bench_command)
app.command("watch", cls=HelpCommand)(watch_command)
app.add_typer(reference_app, name="reference")
app.add_typer(config_app, name="config")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mlmon {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    ctx: typer.Context,
    version: Annotated[
        bool | None, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = None,
    color: Color = None,
) -> None:
    """The app's own options: --version and --color (before the command)."""
    ctx.meta[COLOR_KEY] = None if color is None else color.value


def main() -> None:
    """The ``mlmon`` process: ``app`` with each command built only when looked up
    (:func:`mlmon.cli.lazy.lazy_group`; the tests drive ``app`` itself)."""
    run_guarded(lazy_group(app))
