"""A summary names each state's class by the module that defined it when it was written; a
class that has moved since is found through the codec's table of moved classes, not by
the chance that its old module still imports it (issue 23 §4)."""

from __future__ import annotations

import dataclasses
import gzip
import importlib

import pytest

import mlmon.analyses.ops
from mlmon.analyses.ops_types import OpsState
from mlmon.summary.codec import MOVED_CLASSES, CodecError, decode
from mlmon.summary.files import read_summary
from tests.conftest import REPO

EARLIER = REPO / "tests" / "summary" / "data" / "replica-a-2.summary.json.gz"
"""Written before OpsState moved from mlmon.analyses.ops to mlmon.analyses.ops_types."""


def test_the_earlier_summary_names_the_old_module():
    text = gzip.decompress(EARLIER.read_bytes()).decode()
    assert '"mlmon.analyses.ops:OpsState"' in text and "ops_types" not in text


def test_the_old_name_reads_even_when_the_old_module_no_longer_has_the_class(monkeypatch):
    monkeypatch.delattr(mlmon.analyses.ops, "OpsState")
    summary = read_summary(str(EARLIER))
    ops = summary.states["ops"]
    assert type(ops) is OpsState
    assert sum(minutes.height for minutes in ops.minutes) > 0


def test_a_name_neither_defined_nor_moved_is_refused(monkeypatch):
    monkeypatch.delattr(mlmon.analyses.ops, "OpsState")
    with pytest.raises(CodecError, match="unknown class 'mlmon.analyses.ops:NoSuchState'"):
        decode({"$": "mlmon.analyses.ops:NoSuchState"})


@pytest.mark.parametrize("old", MOVED_CLASSES)
def test_every_moved_class_names_a_frozen_dataclass_where_it_is_defined_now(old):
    module, _, name = MOVED_CLASSES[old].partition(":")
    cls = getattr(importlib.import_module(module), name)
    assert cls.__module__ == module and cls.__qualname__ == name
    assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen
    assert old != MOVED_CLASSES[old]
