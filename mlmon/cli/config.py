"""``mlmon config show``: every effective setting and where it came from."""

from __future__ import annotations

from typing import Annotated

import typer

from mlmon.cli.boundary import handle_errors
from mlmon.cli.help import HelpCommand, HelpGroup

config_app = typer.Typer(
    cls=HelpGroup, help="Configuration: mlmon.toml or [tool.mlmon] in pyproject.toml.", no_args_is_help=True
)


@config_app.command("show", cls=HelpCommand)
@handle_errors
def config_show_command(
    config: Annotated[
        str | None,
        typer.Option(
            "--config",
            metavar="PATH",
            help="Read this config file instead of searching upward for mlmon.toml / pyproject.toml.",
        ),
    ] = None,
) -> None:
    """Print every effective setting, one per line: name = value  (source).

    Top-level settings come from a flag, then MLMON_REFERENCE, MLMON_WINDOW,
    MLMON_MIN_SAMPLES, MLMON_FAIL_ON, MLMON_MAX_SILENCE, MLMON_EXIT_ON, then the file, then
    the default. [fields] and [rules.*] are read from the file only.

    \b
    Examples:
      # what a command run here would use:
      mlmon config show
      mlmon config show --config /etc/mlmon/mlmon.toml
      MLMON_WINDOW=1h mlmon config show | grep window

    Exit codes: 0 shown, 2 the config file cannot be read or holds an invalid value.
    """
    from mlmon.config import load_settings, settings_lines

    settings = load_settings(config_path=config)
    for name, value, source in settings_lines(settings):
        typer.echo(f"{name} = {value}  ({source})")
