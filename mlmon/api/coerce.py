"""What the Python twins accept besides typed values: the CLI's strings, options given as a
dict, and inputs given as one path or several.

``build_report("logs/")`` reads the directory (a string is one input, never its
characters); ``build_report(["a.log", Path("b.log.gz")])`` reads both. Options classes
parse every field from ``__post_init__`` through its option spec
(:func:`~mlmon.options.check_fields`): ``"1d"``, ``"200ms"``, ``"1%"`` become the
typed values the CLI's parsers give, and a value the CLI refuses is refused with the CLI's
reason, the field named first (``alpha (--alpha) 1.5: must be between 0 and 1 (exclusive)``).
Every twin takes its options as a dict too (:func:`options_of`): ``build_report(logs,
{"window": "1d"})`` is ``build_report(logs, ReportOptions(window="1d"))``."""

from __future__ import annotations

import os
from collections.abc import Iterable

from mlmon.options import OptionError, OptionTypeError, check_fields, check_levels, options_of

__all__ = ["Inputs", "OptionError", "OptionTypeError", "as_inputs", "check_fields", "check_levels", "options_of"]

Inputs = str | os.PathLike[str] | Iterable[str | os.PathLike[str]]
"""One path, directory, glob or ``-``, or a sequence of them."""


def as_inputs(inputs: Inputs) -> list[str]:
    """``inputs`` as a list of strings: a single ``str`` or path is one input."""
    if isinstance(inputs, (str, os.PathLike)):
        return [os.fspath(inputs)]
    if isinstance(inputs, bytes) or not isinstance(inputs, Iterable):
        raise TypeError(f"inputs must be a path or a sequence of paths, not {type(inputs).__name__}")
    items = list(inputs)
    for item in items:
        if not isinstance(item, (str, os.PathLike)):
            raise TypeError(f"each input must be a path (str or os.PathLike), not {type(item).__name__}: {item!r}")
    return [os.fspath(item) for item in items]
