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
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

_TYPE_METAVARS = {int: "N", float: "NUMBER", str: "TEXT", Path: "PATH"}


class HelpOption(TyperOption):
    """A typer option that shows a metavar, never a Python type."""

    def display_type_rich(self, ctx: Any) -> str | None:
        if self.is_flag or self.count:
            return None
        if self.metavar is not None:
            return self.metavar
        described = self.type_descriptor
        if described.is_choice and described.choices:
            return "|".join(str(getattr(choice, "value", choice)) for choice in described.choices)
        return _TYPE_METAVARS.get(described.annotation, "TEXT")


class HelpArgument(TyperArgument):
    """A typer argument shown as ``NAME`` or ``NAME...`` (``[NAME]`` when optional)."""

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


class _TidyParams:
    """Every parameter, the help option included, shown as :func:`tidy` says."""

    def get_params(self, ctx: Any) -> list[Any]:
        return [tidy(param) for param in super().get_params(ctx)]  # type: ignore[misc]


class HelpCommand(_TidyParams, TyperCommand):
    """The class of every mlmon command (``app.command(name, cls=HelpCommand)``)."""


class HelpGroup(_TidyParams, TyperGroup):
    """The class of every mlmon command group."""
