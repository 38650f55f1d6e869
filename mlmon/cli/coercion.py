"""Typer's value coercion, without loading pydantic where the result is already known.

Typer 0.2x turns every parameter's value into its annotation through a pydantic
``TypeAdapter`` that it builds on the parameter's first use, even for a value that is
``None``: every command paid for importing pydantic (about 0.1-0.15 s on the 2-core machine,
more than the rest of the command line) and for some twenty adapters before it read a byte.

:func:`quick_value` gives typer's own result, without pydantic, for the values whose result
is certain: ``None`` (``()`` for a parameter that takes several values), a ``str`` for a
``str`` parameter, ``str`` values for a ``list[str]`` one (as a list), an ``int``, ``float``
or ``bool`` for a parameter of exactly that type without bounds, and a member or a name of
an ``Enum`` that typer's own choice matching accepts (:func:`typer._param_types.coerce_cli_choice`).
Anything else (a number typed on the command line, a path, a value typer refuses, a
parameter with a parser or bounds) goes through typer's own coercion, so what is accepted,
what is refused and in which words stay typer's.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, get_args, get_origin

try:  # typer 0.2x: its choice matching, the same function its pydantic adapter calls
    from typer._param_types import coerce_cli_choice
except ImportError:  # pragma: no cover - another typer: every value goes through typer
    coerce_cli_choice = None  # type: ignore[assignment]

NOT_QUICK = object()
""":func:`quick_value`'s answer when only typer's own coercion can tell."""

_EXACT = (str, int, float, bool)


def quick_value(annotation: Any, info: Any, value: Any, *, multiple: bool, ctx: Any) -> Any:
    """What typer's coercion of ``value`` for a parameter of type ``annotation`` (its
    ``ParameterInfo`` ``info``) returns, or :data:`NOT_QUICK` where that takes typer itself.
    ``multiple``: the parameter takes several values (``multiple`` or ``nargs=-1``)."""
    if value is None:
        return () if multiple else None
    if info.parser is not None or isinstance(value, str) and multiple:
        return NOT_QUICK
    if get_origin(annotation) is list:
        quick = get_args(annotation) == (str,) and isinstance(value, (list, tuple))
        return list(value) if quick and all(type(item) is str for item in value) else NOT_QUICK
    if multiple:
        return NOT_QUICK
    if annotation in _EXACT and type(value) is annotation:
        bounded = annotation is not str and (info.min is not None or info.max is not None)
        return NOT_QUICK if bounded else value
    if isinstance(annotation, type) and issubclass(annotation, Enum) and coerce_cli_choice is not None:
        try:
            return coerce_cli_choice(value, choices=list(annotation), case_sensitive=info.case_sensitive, ctx=ctx)
        except ValueError:
            return NOT_QUICK
    return NOT_QUICK


class QuickRuntimeParam:
    """A parameter's coercion: :func:`quick_value` where it knows, else typer's own
    (``slow()`` builds it, with its pydantic adapter, on first need only)."""

    def __init__(self, slow: Any) -> None:
        self._slow = slow

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        described = param.type_descriptor
        multiple = bool(param.multiple or param.nargs == -1)
        quick = quick_value(described.annotation, described.parameter_info, value, multiple=multiple, ctx=ctx)
        if quick is not NOT_QUICK:
            return quick
        return self._slow().coerce(value, param=param, ctx=ctx)


def quick_runtime_param(param: Any, slow: Any) -> QuickRuntimeParam:
    """``param``'s coercion (what typer's ``get_runtime_param`` returns): one
    :class:`QuickRuntimeParam` per parameter, over ``slow``, typer's own ``get_runtime_param``.
    (A method of :class:`mlmon.cli.help.HelpOption` and ``HelpArgument`` rather than a mixin:
    with a mixin first in its bases, :func:`mlmon.cli.help.tidy` could not swap a parameter's
    class in place.)"""
    quick = param.__dict__.get("_quick_runtime_param")
    if quick is None:
        quick = param.__dict__["_quick_runtime_param"] = QuickRuntimeParam(slow)
    return quick
