"""A composite's mapping by part name shows itself as the parts it holds (a mutation
survivor: no test read ``repr`` of a :class:`ByPart`, which a failing test or a debugger
prints)."""

from __future__ import annotations

from mlmon.analyses.composite import ByPart


def test_a_by_part_mapping_shows_its_parts_in_order():
    parts = ByPart.of({"ops": 1, "predictions": [2, 3]})
    assert repr(parts) == "ByPart({'ops': 1, 'predictions': [2, 3]})"
    assert repr(ByPart()) == "ByPart({})"
