"""A summary written before the reducers became one named composite (issue 23 §2) still
reads, and merges into the result of reading its log.

``data/replica-a-2.summary.json.gz`` was written by ``mlmon summarize
sample_logs/replica-a/app.log.2.gz --reference references/train.json --window 6h`` at
commit abc5e2d (its states were then split out of nested pairs; now they are the
composite's mapping by part name). The oracle is a read of that log itself: every command
must give the same JSON but for the file names, on the summary's 6h windows (one read each
side: equal to the bit) and rolled up into days (sums regrouped: 12 significant digits).
"""

from __future__ import annotations

import pytest

from mlmon.cli import app
from mlmon.summary.files import read_summary
from tests.conftest import REPO
from tests.summary.test_files import assert_same, comparable

EARLIER = REPO / "tests" / "summary" / "data" / "replica-a-2.summary.json.gz"
LOG = REPO / "tests" / "summary" / "data" / "replica-a-2.log.gz"  # app.log.2.gz as it was then (no labels)
REFERENCE = str(REPO / "references" / "train.json")
COMMANDS = {
    "report": ["report", "--p99-budget", "40ms"],
    "drift": ["drift", "-r", REFERENCE],
    "check": ["check", "-r", REFERENCE],
}


def test_the_earlier_summary_holds_every_part():
    summary = read_summary(str(EARLIER))
    assert list(summary.states) == ["ops", "predictions", "features"]
    assert summary.settings.window.describe() == "6h windows" and summary.stats.records == 3680


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("window", [None, "1d"])
def test_the_earlier_summary_gives_the_result_of_its_log(runner, command, window):
    args = [*COMMANDS[command], "--format", "json", *(["--window", window] if window else [])]
    merged = runner.invoke(app, [args[0], str(EARLIER), *args[1:]])
    read = runner.invoke(app, [args[0], str(LOG), *args[1:], *([] if window else ["--window", "6h"])])
    assert merged.exit_code == read.exit_code != 2, merged.output
    got, want = comparable(merged.stdout), comparable(read.stdout)
    if window is None:
        assert got == want
    else:
        assert_same(got, want)
