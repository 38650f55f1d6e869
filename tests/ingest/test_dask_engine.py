"""The Dask engine (issue 14): the same report, drift and account as the local engine, on a
``LocalCluster(n_workers=2, threads_per_worker=1)``, with blocks small enough that every
file is cut into many and the tree reduction has several levels. Counts, percentiles,
line numbers and verdicts are equal; means may differ in the last bit, since their sums
are added in another grouping (``assert_same``: relative 1e-9)."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

distributed = pytest.importorskip("distributed")

from mlmon.analyses.ops import OpsReducer  # noqa: E402
from mlmon.api.drift import DriftOptions, build_drift_report  # noqa: E402
from mlmon.api.report import ReportOptions, build_report  # noqa: E402
from mlmon.cli import app  # noqa: E402
from mlmon.errors import UsageError  # noqa: E402
from mlmon.ingest.dask_engine import DaskEngine, local_cluster_shape, reduce_logs_dask  # noqa: E402
from mlmon.ingest.discovery import discover  # noqa: E402
from mlmon.ingest.options import IngestOptions  # noqa: E402
from mlmon.ingest.outcome import ChunkPlan  # noqa: E402
from mlmon.ingest.reader import reduce_logs  # noqa: E402
from mlmon.plain import to_plain  # noqa: E402
from mlmon.windows import parse_window  # noqa: E402
from tests.e2e.test_golden import assert_same  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_logs"
REFERENCE = ROOT / "references" / "train.json"


@pytest.fixture(scope="module")
def scheduler():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def messy(tmp_path_factory) -> list[str]:
    """A copy of a sample file with bad lines spread through it, a gzip copy of another,
    and a byte-order mark: line numbers, examples and counts must survive the blocks."""
    folder = tmp_path_factory.mktemp("messy")
    lines = (SAMPLE / "replica-a" / "app.log").read_bytes().splitlines(keepends=True)
    for at in (3, 700, 1501, 2999):
        lines.insert(at, b'{"timestamp": "2026-11-10T00:00:00Z", "latency_ms": \n')
    (folder / "a.log").write_bytes(b"\xef\xbb\xbf" + b"".join(lines))
    with gzip.open(folder / "b.log.gz", "wb") as out:
        out.write((SAMPLE / "replica-b" / "app.log").read_bytes())
    return [str(folder / "a.log"), str(folder / "b.log.gz")]


def plain(value) -> dict:
    return json.loads(json.dumps(to_plain(value)))


def as_json(result) -> dict:
    return json.loads(result.to_json())


def test_report_on_dask_equals_the_local_report(scheduler):
    options = dict(window="1h", p99_budget="250ms")
    local = build_report(str(SAMPLE), ReportOptions(**options))
    remote = build_report(str(SAMPLE), ReportOptions(**options, ingest=IngestOptions(scheduler=scheduler)))
    assert_same(as_json(remote), as_json(local))
    assert remote.status == local.status


def test_small_blocks_give_the_same_state_lines_and_examples(scheduler, messy):
    reducer = OpsReducer(parse_window("1h"))
    options = IngestOptions()
    local_state, local_stats = reduce_logs(messy, options, reducer)
    engine = DaskEngine(scheduler, block_bytes=100_000, split_every=3)
    remote_state, remote_stats = reduce_logs_dask(discover(messy), ChunkPlan.of(reducer, options), engine)
    assert remote_stats == local_stats
    assert [(e.source, e.line) for e in local_stats.examples] == [(messy[0], n) for n in (4, 701, 1502, 3000)]
    assert_same(plain(reducer.finalize(remote_state)), plain(reducer.finalize(local_state)))


def test_drift_on_dask_equals_local_drift(scheduler):
    local = build_drift_report(str(SAMPLE), DriftOptions(reference=str(REFERENCE), window="1d"))
    remote = build_drift_report(
        str(SAMPLE),
        DriftOptions(reference=str(REFERENCE), window="1d", ingest=IngestOptions(engine="dask", scheduler=scheduler)),
    )
    assert_same(as_json(remote), as_json(local))


def test_compare_on_dask_equals_local_compare(scheduler):
    """Both reads of compare (when each version served, then the analyses) on the cluster."""
    args = ["compare", str(SAMPLE), "--baseline", "1.4.0", "--candidate", "1.5.0", "--format", "json"]
    local = CliRunner().invoke(app, args)
    remote = CliRunner().invoke(app, [*args, "--scheduler", scheduler])
    assert remote.exit_code == local.exit_code == 1
    assert_same(json.loads(remote.stdout), json.loads(local.stdout))


def test_the_cli_takes_a_scheduler_and_exits_as_local(scheduler):
    runner = CliRunner()
    args = ["report", str(SAMPLE / "replica-a"), "--format", "json", "--p99-budget", "40ms"]
    local = runner.invoke(app, args)
    remote = runner.invoke(app, [*args, "--scheduler", scheduler])
    assert remote.exit_code == local.exit_code
    assert_same(json.loads(remote.stdout), json.loads(local.stdout))
    assert local.exit_code == 1


def test_standard_input_and_unknown_engines_are_usage_errors(scheduler):
    with pytest.raises(UsageError, match="standard input"):
        reduce_logs("-", IngestOptions(scheduler=scheduler), OpsReducer())
    with pytest.raises(UsageError, match="engine 'spark'"):
        IngestOptions(engine="spark")
    result = CliRunner().invoke(app, ["report", str(SAMPLE), "--engine", "spark"])
    assert result.exit_code == 2 and "--engine" in result.output


def test_an_unreadable_file_inside_a_directory_is_skipped_and_counted(scheduler, tmp_path):
    shutil.copy(SAMPLE / "replica-a" / "app.log", tmp_path / "good.log")
    (tmp_path / "broken.log").symlink_to(tmp_path / "missing")
    local = build_report(str(tmp_path))
    remote = build_report(str(tmp_path), ReportOptions(ingest=IngestOptions(scheduler=scheduler)))
    assert_same(as_json(remote), as_json(local))


def test_beside_a_summary_an_unreadable_file_inside_a_directory_is_skipped_and_each_file_looked_at_once(
    scheduler, tmp_path, monkeypatch
):
    from mlmon.api.summarize import SummaryOptions, build_summary, write_summary
    from tests.ingest.test_input_files import _counting_sniffs, _refusing_to_open

    summary, folder = tmp_path / "b.summary.json", tmp_path / "logs"
    write_summary(build_summary(str(SAMPLE / "replica-b" / "app.log"), SummaryOptions(window="1h")), summary)
    folder.mkdir()
    shutil.copy(SAMPLE / "replica-a" / "app.log", folder / "good.log")
    shutil.copy(SAMPLE / "replica-a" / "app.log.1", folder / "locked.log")
    error = _refusing_to_open(monkeypatch, folder / "locked.log")
    looks = _counting_sniffs(monkeypatch)
    remote = build_report(
        [str(folder), str(summary)], ReportOptions(window="1h", ingest=IngestOptions(scheduler=scheduler))
    )
    assert looks == {str(folder / "good.log"): 1, str(folder / "locked.log"): 1, str(summary): 1}
    local = build_report([str(folder), str(summary)], ReportOptions(window="1h"))
    assert remote.ingest.unreadable_files == local.ingest.unreadable_files == (error,)
    assert_same(as_json(remote), as_json(local))


@pytest.mark.parametrize(
    ("cores", "shape"), [(1, (1, 1)), (2, (1, 2)), (4, (1, 4)), (8, (2, 4)), (16, (4, 4)), (18, (4, 4))]
)
def test_a_local_cluster_uses_each_core_once(cores, shape):
    assert local_cluster_shape(cores) == shape


def test_a_run_of_summaries_and_logs_shares_the_callers_client(scheduler, tmp_path, monkeypatch):
    from mlmon.api.summarize import SummaryOptions, build_summary, write_summary

    summary = tmp_path / "a.summary.json"
    write_summary(build_summary(str(SAMPLE / "replica-a"), SummaryOptions(window="1h")), summary)
    inputs = [str(SAMPLE / "replica-b" / "app.log"), str(summary), str(SAMPLE / "replica-b" / "app.log.1")]
    local = build_report(inputs, ReportOptions(window="1h"))
    monkeypatch.setattr(distributed, "LocalCluster", lambda *a, **k: pytest.fail("started a cluster of its own"))
    with distributed.Client(scheduler):
        remote = build_report(inputs, ReportOptions(window="1h", ingest=IngestOptions(engine="dask")))
    assert_same(as_json(remote), as_json(local))
