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

__all__ = ["Envelope", "envelope_for", "envelope_names", "envelopes"]


@cache
def envelopes() -> dict[str, Envelope]:
    """Every envelope format (and variant), by :attr:`~.base.Envelope.key`, in detection order."""
    found: list[Envelope] = []
    for module in pkgutil.iter_modules(__path__):
        if module.name != "base" and not module.name.startswith("_"):
            loaded = importlib.import_module(f"{__name__}.{module.name}")
            one = getattr(loaded, "ENVELOPE", None)
            found.extend([one] if isinstance(one, Envelope) else getattr(loaded, "ENVELOPES", ()))
    return {envelope.key: envelope for envelope in sorted(found, key=lambda e: (e.priority, e.key))}


def envelope_names() -> tuple[str, ...]:
    """The names ``--envelope`` takes that can be read."""
    return tuple(dict.fromkeys(envelope.name for envelope in envelopes().values()))


def envelope_for(head: bytes, option: str = "auto") -> Envelope | None:
    """The envelope of a file whose first bytes (decompressed) are ``head``: the one
    ``option`` names, the first whose detector accepts ``head`` (``auto``), or None (plain
    records; ``none``)."""
    if option == "none":
        return None
    known = list(envelopes().values())
    if option != "auto":
        named = [envelope for envelope in known if envelope.name == option]
        if not named:
            raise UsageError(f"--envelope {option}: this envelope is not readable yet")
        return next((envelope for envelope in named if envelope.detect(head)), named[0])
    return next((envelope for envelope in known if envelope.detect(head)), None)
