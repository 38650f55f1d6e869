"""The one place that builds a run's reducers (issue 23 §2): each command's analyses as one
composite, its parts named as a summary stores them, and the runner's results equal to
each reducer run alone over the same read."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mlmon.analyses.feature_windows import FeatureReducer
from mlmon.analyses.ops import OpsReducer
from mlmon.analyses.predictions import PredictionReducer
from mlmon.api.inputs import open_inputs
from mlmon.api.reducers import Analyses, analyse
from mlmon.ingest.needs import FeatureNeeds
from mlmon.ingest.reader import reduce_logs
from mlmon.plain import to_plain
from mlmon.reference.store import load_reference
from mlmon.summary.parts import PARTS
from mlmon.windows import parse_window
from tests.conftest import REPO, SAMPLE_LOGS

REFERENCE = load_reference(REPO / "references" / "train.json")
LOG = str(SAMPLE_LOGS / "replica-b" / "app.log.6.gz")
HOUR = parse_window("1h")


def _kinds(asked: Analyses) -> dict[str, type]:
    return {name: type(part) for name, part in asked.reducer().parts.items()}


def test_each_command_asks_for_its_parts_named_as_summaries_store_them():
    report = Analyses(HOUR, ops=True)
    drift = Analyses(HOUR, predictions=True, low_confidence=0.4, reference=REFERENCE)
    check_without_features = replace(drift, ops=True, features=False)
    summarize = Analyses(HOUR, ops=True, predictions=True, reference=REFERENCE, note_inputs=True)
    assert _kinds(report) == {"ops": OpsReducer}
    assert _kinds(drift) == {"predictions": PredictionReducer, "features": FeatureReducer}
    assert _kinds(check_without_features) == {"ops": OpsReducer, "predictions": PredictionReducer}
    assert _kinds(summarize) == {"ops": OpsReducer, "predictions": PredictionReducer, "features": FeatureReducer}
    assert all(PARTS[kind] == name for asked in (report, drift, summarize) for name, kind in _kinds(asked).items())
    predictions = drift.reducer().parts["predictions"]
    assert (predictions.window, predictions.by_version, predictions.low_threshold) == (HOUR, True, 0.4)
    with pytest.raises(ValueError, match="at least one analysis"):
        Analyses(HOUR).reducer()


def test_inputs_are_noted_only_when_no_feature_is_read():
    noted = Analyses(HOUR, predictions=True, note_inputs=True).reducer().parts["predictions"]
    read = Analyses(HOUR, predictions=True, reference=REFERENCE, note_inputs=True).reducer().parts["predictions"]
    assert noted.needs.features == FeatureNeeds() and read.needs.features is None
    assert noted.needs.columns == read.needs.columns == PredictionReducer().needs.columns


def test_the_runner_gives_each_analysis_what_it_gives_alone():
    asked = Analyses(HOUR, ops=True, predictions=True, low_confidence=0.5, reference=REFERENCE)
    found = analyse(open_inputs([LOG], None), asked)
    assert found.stats.records > 3000
    for name, result in (("ops", found.ops), ("predictions", found.predictions), ("features", found.features)):
        part = asked.reducer().parts[name]
        state, stats = reduce_logs([LOG], None, part)
        assert to_plain(result) == to_plain(part.finalize(state)), name
        assert stats.records == found.stats.records
    assert analyse(open_inputs([LOG], None), Analyses(HOUR, ops=True)).features is None
