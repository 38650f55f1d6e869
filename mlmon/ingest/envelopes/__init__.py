"""Logs as cloud log services and collectors export them: the service's JSON record inside
an envelope (issue 26). Each module of this package reads one format and defines
``ENVELOPE`` (:class:`.base.Envelope`); :func:`envelope_for` picks one per file from its first
bytes (``--envelope auto``) or by name. Which envelope a file was read as is part of the
read's account (:class:`mlmon.ingest.problems.IngestStats.envelopes`).
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from mlmon.errors import UsageError
from mlmon.ingest.envelopes.base import Envelope

__all__ = ["Envelope", "envelope_for", "envelopes"]


@cache
def envelopes() -> dict[str, Envelope]:
    """Every envelope format, by name, in detection order."""
    found: list[Envelope] = []
    for module in pkgutil.iter_modules(__path__):
        if module.name != "base" and not module.name.startswith("_"):
            envelope = getattr(importlib.import_module(f"{__name__}.{module.name}"), "ENVELOPE", None)
            if isinstance(envelope, Envelope):
                found.append(envelope)
    return {envelope.name: envelope for envelope in sorted(found, key=lambda e: (e.priority, e.name))}


def envelope_for(head: bytes, option: str = "auto") -> Envelope | None:
    """The envelope of a file whose first bytes (decompressed) are ``head``: the one
    ``option`` names, the first whose detector accepts ``head`` (``auto``), or None (plain
    records; ``none``)."""
    if option == "none":
        return None
    known = envelopes()
    if option != "auto":
        if option not in known:
            raise UsageError(f"--envelope {option}: this envelope is not readable yet")
        return known[option]
    return next((envelope for envelope in known.values() if envelope.detect(head)), None)
