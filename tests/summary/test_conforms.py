"""A summary's decoded fields are checked against their annotations (mlmon.summary.conforms):
one case per kind of annotation a state uses, each with a value that fits and one that
does not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Optional, Union

import numpy as np
import polars as pl
import pytest

from mlmon.summary.conforms import conforms, mismatched_field

CASES = [
    (int, 3, "3"),
    (int, np.int64(3), True),
    (int, 3, 3.0),
    (float, 2.5, "2.5"),
    (float, 2, True),
    (float, np.float32(1.5), None),
    (str, "a", b"a"),
    (bool, True, 1),
    (Optional[int], None, "x"),  # noqa: UP045 (the old spelling is a case under test)
    (Union[int, str], "x", 1.5),  # noqa: UP007 (the old spelling is a case under test)
    (int | None, 4, [4]),
    (type(None), None, 0),
    (Literal["exact", "log_buckets"], "exact", "other"),
    (tuple[int, ...], (1, 2, 3), (1, "2")),
    (tuple[int, ...], (), [1]),
    (tuple[str, float], ("a", 1.0), ("a", 1.0, 2.0)),
    (tuple[str, float], ("a", 1.0), (1.0, "a")),
    (dict[str, int], {"a": 1}, {"a": "1"}),
    (dict[str, int], {}, {1: 1}),
    (frozenset[int], frozenset({1, 2}), frozenset({"1"})),
    (frozenset[int], frozenset(), {1}),
    (list[float], [1.0], (1.0,)),
    (pl.DataFrame, pl.DataFrame({"a": [1]}), {"a": [1]}),
    (np.ndarray, np.zeros(2), [0.0, 0.0]),
    (datetime, datetime(2026, 1, 1, tzinfo=UTC), "2026-01-01"),
]


@pytest.mark.parametrize(("hint", "fits", "does_not"), CASES, ids=lambda v: repr(v)[:30])
def test_a_value_conforms_to_its_annotation_and_another_does_not(hint, fits, does_not):
    assert conforms(fits, hint)
    assert not conforms(does_not, hint)


def test_a_bare_none_annotation_takes_only_none():
    assert conforms(None, None) and not conforms(0, None)


def test_anything_and_names_it_cannot_resolve_pass():
    assert conforms(object(), Any) and conforms(3, "SomeForwardName")


@dataclass(frozen=True)
class Piece:
    counts: tuple[pl.DataFrame, ...]
    total: int
    share: float | None = None


def test_the_first_field_that_does_not_conform_is_named_with_what_was_expected():
    assert mismatched_field({"counts": (), "total": 3, "share": None}, Piece) is None
    assert mismatched_field({"counts": "abc", "total": 3, "share": None}, Piece) == "counts: expected tuple, found str"
    assert mismatched_field({"counts": (), "total": 3.5, "share": 0.5}, Piece) == "total: expected int, found float"
