"""Lazy package exports (PEP 562): a package names what it exports and from which module,
and a name's module loads on first use, so importing a package stays cheap. A leaf."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that loads ``exports[name]`` and returns its ``name``, kept
    in the package afterwards so a name is looked up once, not on every use."""

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(exports[name]), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
