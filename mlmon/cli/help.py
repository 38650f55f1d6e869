"""Help that shows what to type: ``LOGS...``, ``DURATION``, ``warning|critical``.

Typer 0.2x prints a parameter's Python type in the help (``<str>``, ``<list[str]>``, and
``--help <bool>`` for every flag) and a required argument as ``{logs}...`` in the usage
line; that comes from its ``TyperOption.display_type`` and
``TyperArgument._usage_display_name``. Every mlmon command and group is a
:class:`HelpCommand` or :class:`HelpGroup`, whose parameters show instead:

- an option: its ``metavar`` (``DURATION``, ``FILE``), else its choices joined by ``|``,
  else a name for its type (``N``, ``NUMBER``, ``PATH``, ``TEXT``); a flag shows nothing;
- an argument: its ``metavar``, else its name in capitals, with ``...`` when it takes
  several, in brackets in the usage line when it is optional.

The help itself is laid out by :mod:`mlmon.cli.help_render` (short lines at 80 columns,
examples that paste, no markup). A value outside an option's choices is matched without
regard to case (``--format JSON`` is ``json``), else refused in one line that lists the
choices; a value of the wrong type says so in words (``--warmup 'x': not a whole
number``); an unknown option is answered with the options that contain it or look like it
(:func:`similar_options`: ``--p99`` → ``--p99-budget``). Every help ends with the address of
its page in the documentation site (:func:`docs_url`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from mlmon.cli.coercion import quick_runtime_param

try:  # typer 0.2x bundles its own click
    from typer import _click as click
except ImportError:  # pragma: no cover - older typer depends on click
    import click  # type: ignore[no-redef]

_TYPE_METAVARS = {int: "N", float: "NUMBER", str: "TEXT", Path: "PATH"}

DOCS = "https://mlmon.readthedocs.io/en/latest/"
"""The documentation site (``mkdocs.yml``'s ``site_url``, ``[project.urls]`` Documentation):
a command's page is ``commands/<command>/`` under it, built from ``docs/commands/<command>.md``."""


def docs_url(ctx: Any) -> str:
    """The page of the command ``ctx`` runs: ``DOCS`` for ``mlmon`` itself, else the page of
    its first word (``mlmon reference build`` → ``commands/reference/``)."""
    names = []
    while ctx.parent is not None:
        names.append(ctx.info_name)
        ctx = ctx.parent
    return f"{DOCS}commands/{names[-1]}/" if names else DOCS


def docs_line(ctx: Any, width: int) -> str:
    """The help's last line, after a blank one: `` Docs: <url>``, the address on a line of its
    own when both do not fit ``width`` (an address is never broken)."""
    url = docs_url(ctx)
    return f"\n Docs: {url}\n" if len(url) + 7 <= width else f"\n Docs:\n {url}\n"


class HelpOption(TyperOption):
    """A typer option that shows a metavar, never a Python type (values coerced as
    :mod:`mlmon.cli.coercion` says)."""

    def display_type_rich(self, ctx: Any) -> str | None:
        if self.is_flag or self.count:
            return None
        if self.metavar is not None:
            return self.metavar
        described = self.type_descriptor
        if described.is_choice and described.choices:
            return "|".join(str(getattr(choice, "value", choice)) for choice in described.choices)
        return _TYPE_METAVARS.get(described.annotation, "TEXT")

    def get_runtime_param(self) -> Any:
        return quick_runtime_param(self, super().get_runtime_param)

    def process_value(self, ctx: Any, value: Any) -> Any:
        """Typer's coercion, with a choice matched regardless of case and its errors in
        mlmon's words (``--format 'xml': choose one of terminal, json, ...``)."""
        described = self.type_descriptor
        if described.is_choice and described.choices and value is not None:
            choices = [str(getattr(choice, "value", choice)) for choice in described.choices]
            value = (
                [self._choice(v, choices, ctx) for v in value]
                if isinstance(value, (list, tuple))
                else self._choice(value, choices, ctx)
            )
        try:
            return super().process_value(ctx, value)
        except click.exceptions.BadParameter as error:
            raise click.exceptions.UsageError(self._reworded(value, error), ctx) from None

    @property
    def long_name(self) -> str:
        """The option's longest name (``--format``)."""
        return max(self.opts, key=len) if self.opts else str(self.name)

    def _choice(self, value: Any, choices: list[str], ctx: Any) -> Any:
        if not isinstance(value, str) or value in choices:
            return value
        same = [choice for choice in choices if choice.lower() == value.strip().lower()]
        if same:
            return same[0]
        close = difflib.get_close_matches(value.lower(), choices, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise click.exceptions.UsageError(f"{self.long_name} {value!r}: choose one of {', '.join(choices)}{hint}", ctx)

    def _reworded(self, value: Any, error: Any) -> str:
        kind = {int: "not a whole number", float: "not a number"}.get(self.type_descriptor.annotation)
        shown = value[-1] if isinstance(value, (list, tuple)) and value else value
        if kind:
            return f"{self.long_name} {shown!r}: {kind}"
        message = str(error.message).removeprefix("Value error, ").rstrip(".")
        return f"{self.long_name} {shown!r}: {message}"


class HelpArgument(TyperArgument):
    """A typer argument shown as ``NAME`` or ``NAME...`` (``[NAME]`` when optional; values
    coerced as :mod:`mlmon.cli.coercion` says)."""

    def get_runtime_param(self) -> Any:
        return quick_runtime_param(self, super().get_runtime_param)

    @property
    def display_name_raw(self) -> str:
        return self.metavar or (self.name or "").upper()

    def display_type_rich(self, ctx: Any) -> str | None:
        return None

    def _rich_display_name(self) -> str:
        name = self.display_name_raw
        return name + "..." if self.nargs != 1 and not name.endswith("...") else name

    def _usage_display_name(self) -> str:
        name = self._rich_display_name()
        return name if self.required else f"[{name}]"


def tidy(param: Any) -> Any:
    """``param`` shown as :class:`HelpOption` or :class:`HelpArgument` (typer's own classes
    only; the class is swapped in place, its state untouched)."""
    if type(param) is TyperOption:
        param.__class__ = HelpOption
    elif type(param) is TyperArgument:
        param.__class__ = HelpArgument
    return param


def similar_options(typed: str, known: Iterable[str], most: int = 3) -> list[str]:
    """The options a user who typed ``typed`` may have meant: those that start with it,
    else those that contain it (``--p99`` → ``--p99-budget``, ``--budget`` →
    ``--p99-budget``), else those that look like it (difflib; ``--formt`` → ``--format``)."""
    names = sorted({name for name in known if name.startswith("--")}, key=lambda n: (len(n), n))
    typed = typed.split("=", 1)[0]
    stem = typed.lstrip("-").lower()
    if not stem:
        return []
    starting = [n for n in names if n[2:].lower().startswith(stem)]
    containing = [n for n in names if stem in n[2:].lower()] if len(stem) >= 2 else []
    looking = difflib.get_close_matches(typed, names, n=most, cutoff=0.6) if len(stem) >= 3 else []
    return (starting or containing or looking)[:most]


class _TidyParams:
    """Every parameter, the help option included, shown as :func:`tidy` says; the help laid
    out by :func:`mlmon.cli.help_render.render_help`."""

    def get_params(self, ctx: Any) -> list[Any]:
        return [tidy(param) for param in super().get_params(ctx)]  # type: ignore[misc]

    def format_help(self, ctx: Any, formatter: Any) -> None:
        from mlmon.cli.color import use_color
        from mlmon.cli.help_render import help_width, render_help

        formatter.write(render_help(self, ctx, color=use_color(None)))
        formatter.write(docs_line(ctx, help_width()))

    def get_help(self, ctx: Any) -> str:
        formatter = ctx.make_formatter()
        self.format_help(ctx, formatter)
        return formatter.getvalue().rstrip("\n")


class HelpCommand(_TidyParams, TyperCommand):
    """The class of every mlmon command (``app.command(name, cls=HelpCommand)``)."""


class HelpGroup(_TidyParams, TyperGroup):
    """The class of every mlmon command group."""
