"""JSON output: the text of the document each result's ``to_dict()`` gives. The documents,
their schemas and versions are built in :mod:`mlmon.api.payloads`; this module only
serialises them, so ``--format json`` and ``to_json()`` print the same bytes."""

from __future__ import annotations

from typing import Any

from mlmon.api.payloads import findings_payload, json_text


def render(result: Any, *, color: bool = False) -> str:
    """The JSON document of ``result``, indented, with a trailing newline; a result type
    without a ``to_dict()`` shows its ``status`` and ``findings`` only."""
    to_dict = getattr(result, "to_dict", None)
    return json_text(to_dict() if to_dict is not None else findings_payload(result))
