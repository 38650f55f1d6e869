"""A check that cannot be computed, in words (verdicts/needs.py), on hand-made ingest
statistics: requests that cannot show a failure, why a field has no value, features asked
for and not carried, and a reference that shares nothing with the logs (eight names, then
a count)."""

from __future__ import annotations

import pytest

from mlmon.errors import MissingFieldError
from mlmon.ingest.problems import IngestStats
from mlmon.verdicts.needs import not_found_reason, reference_mismatch, require_errors_visible, require_features

HINT = "no keys sampled"


def stats(fields: set[str], records: int = 4, lines: int = 10) -> IngestStats:
    return IngestStats(("a.log",), (), lines, records, 0, {}, (), fields_found=frozenset(fields))


def test_requests_that_cannot_show_a_failure_are_refused():
    with pytest.raises(MissingFieldError) as caught:
        require_errors_visible(stats({"latency"}), 4)
    assert str(caught.value) == (
        "the error-rate limit (error_rate) needs to see failures, but no record has a status, status_code, error or "
        f"level field; {HINT}; map one with --field status=KEY"
    )
    assert (caught.value.check, caught.value.field) == ("error_rate", "status")
    require_errors_visible(stats({"latency", "level"}), 4)  # a log level can say a request failed
    require_errors_visible(stats(set(), records=0), 0)  # nothing kept: nothing to refuse


@pytest.mark.parametrize(
    ("fields", "records", "lines", "reason"),
    [
        ({"label"}, 4, 10, "no record kept carries a label"),  # in lines, not in a kept record
        (set(), 0, 0, "no record kept carries a label"),  # nothing read at all
        (set(), 0, 10, f"no record carries a label; {HINT}; map one with --field label=KEY"),
        (set(), 4, 10, f"no record carries a label; {HINT}; map one with --field label=KEY"),
    ],
)
def test_why_a_field_has_no_value(fields, records, lines, reason):
    assert not_found_reason(stats(fields, records, lines), "label") == reason


def test_features_asked_for_must_be_carried_by_some_record():
    require_features(stats(set()), carried=True)
    require_features(stats(set(), records=0), carried=False)
    with pytest.raises(MissingFieldError) as caught:
        require_features(stats(set()), carried=False)
    assert str(caught.value) == (
        "feature drift (feature_drift) needs input features, but no record carries a features object or a field "
        f"named by --features; {HINT}"
    )
    assert (caught.value.check, caught.value.field) == ("feature_drift", "features")


@pytest.mark.parametrize(
    ("classes", "shown"),
    [
        ([f"c{i}" for i in range(8)], "c0, c1, c2, c3, c4, c5, c6, c7"),
        ([f"c{i}" for i in range(9)], "c0, c1, c2, c3, c4, c5, c6, c7 and 1 more"),
        ([f"c{i}" for i in range(10)], "c0, c1, c2, c3, c4, c5, c6, c7 and 2 more"),
    ],
)
def test_a_reference_that_shares_nothing_names_eight_of_each_then_a_count(classes, shown):
    assert reference_mismatch(reversed(classes), ["x"], [], ["f1"]) == (
        f"the reference does not describe these logs: no class or feature in common (reference classes: {shown}; "
        "classes in the logs: x; reference features: none; features in the logs: f1); build a reference from this "
        "service's training data or a known-good window (mlmon reference build), or map the logs' fields with "
        "--field label=KEY / --features"
    )


def test_one_value_kept_is_enough():
    from mlmon.verdicts.needs import require_field

    require_field(stats(set()), "label", "prediction_drift", "prediction drift", 1)
    with pytest.raises(MissingFieldError, match="^prediction drift needs a label, but no record has a label field"):
        require_field(stats(set()), "label", "prediction_drift", "prediction drift", 0)
