"""Command-line interface: parse options, call one library function, render, exit."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="mlmon",
    help="Monitoring for ML services from the JSON-lines logs they already write.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def main() -> None:
    app()
