"""Does a decoded value have the type its dataclass field declares? A summary is input, so a
field of the wrong type (a list where a table belongs, text where a count belongs) must be
refused naming the file, not met later as a traceback deep inside a merge.

The check follows the field's annotation one generic level at a time: unions, ``None``,
``tuple[X, ...]``, fixed tuples, ``dict[K, V]``, ``frozenset[X]``, classes (``int`` takes
any integer, ``float`` any real number, numpy's included). Names it cannot resolve (a type
imported only for checkers) and type variables pass: the check guards against damaged
files, not against every conceivable forgery.
"""

from __future__ import annotations

import numbers
import types
import typing
from typing import Any


def mismatched_field(instance_fields: dict[str, Any], cls: type) -> str | None:
    """The first field whose value does not conform to ``cls``'s annotation, with what was
    expected and found; None when all conform."""
    try:
        hints = typing.get_type_hints(cls)
    except (NameError, AttributeError, TypeError):
        return None
    for name, value in instance_fields.items():
        hint = hints.get(name)
        if hint is not None and not conforms(value, hint):
            return f"{name}: expected {_name(hint)}, found {type(value).__name__}"
    return None


def conforms(value: Any, hint: Any) -> bool:
    """Whether ``value`` is of type ``hint`` (see the module docstring)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any or isinstance(hint, (typing.TypeVar, str, typing.ForwardRef)):
        return True
    if origin in (typing.Union, types.UnionType):
        return any(conforms(value, arg) for arg in args)
    if hint is None:  # an annotation of None (get_type_hints gives NoneType, a class, below)
        return value is None
    if origin is typing.Literal:
        return value in args
    if origin is tuple:
        if not isinstance(value, tuple):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(conforms(item, args[0]) for item in value)
        return not args or (len(args) == len(value) and all(conforms(v, a) for v, a in zip(value, args)))
    if origin in (dict, frozenset, list, set):
        return isinstance(value, origin) and _items_conform(value, args)
    if hint is float:
        return isinstance(value, numbers.Real) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, numbers.Integral) and not isinstance(value, bool)
    base = origin if isinstance(origin, type) else hint
    return not isinstance(base, type) or isinstance(value, base)


def _items_conform(value: Any, args: tuple) -> bool:
    if isinstance(value, dict):
        return len(args) != 2 or all(conforms(k, args[0]) and conforms(v, args[1]) for k, v in value.items())
    return len(args) != 1 or all(conforms(item, args[0]) for item in value)


def _name(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint).replace("typing.", "")
