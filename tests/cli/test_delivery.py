"""Where output goes and which exit code it earns: ``--output FILE`` for every format,
GitHub Actions' annotations and step summary for markdown, and Nagios' exit codes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mlmon.cli import app
from mlmon.cli.delivery import asked_format, write_file_atomically
from mlmon.errors import OutputError
from mlmon.render import OutputFormat
from tests.conftest import REPO, SAMPLE_LOGS
from tests.e2e.test_golden import assert_same

DRIFT = ["drift", "--reference", str(REPO / "references" / "train.json"), str(SAMPLE_LOGS), "--window", "1d"]
REPORT = ["report", str(SAMPLE_LOGS)]
pytestmark = pytest.mark.usefixtures("reuse_sample_builds")  # delivery is tested here: the sample logs are read once


@pytest.mark.parametrize("output_format", [f.value for f in OutputFormat])
def test_every_format_can_be_written_to_a_file_instead_of_stdout(runner, tmp_path, output_format):
    target = tmp_path / "out" / f"drift.{output_format}"
    target.parent.mkdir()
    result = runner.invoke(
        app,
        [*DRIFT, "--format", output_format, "--output", str(target)],
        env={"GITHUB_ACTIONS": "", "GITHUB_STEP_SUMMARY": ""},
    )
    assert result.exit_code == (2 if output_format == "nagios" else 1), result.output
    assert result.stdout == ""
    assert target.read_text(encoding="utf-8").strip()
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temporary file left


def test_the_file_is_replaced_whole_and_a_directory_is_refused(tmp_path):
    target = tmp_path / "metrics.prom"
    target.write_text("old\n")
    write_file_atomically(str(target), "new\n")
    assert target.read_text() == "new\n" and sorted(os.listdir(tmp_path)) == ["metrics.prom"]
    with pytest.raises(OutputError, match="cannot write the output"):
        write_file_atomically(str(tmp_path / "missing" / "x.prom"), "x")


def test_json_to_a_file_is_the_json_of_stdout(runner, tmp_path):
    target = tmp_path / "report.json"
    runner.invoke(app, [*REPORT, "--format", "json", "--output", str(target)])
    assert_same(
        json.loads(target.read_text()), json.loads(runner.invoke(app, [*REPORT, "--format", "json"]).stdout)
    )  # float noise only


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ([*DRIFT, "--format", "nagios"], 2),  # CRITICAL
        ([*REPORT, "--format", "nagios", "--p99-budget", "10s"], 0),  # OK
        (
            ["drift", str(SAMPLE_LOGS), "--format", "nagios"],
            0,
        ),  # no reference: the unknown checks do not count, confidence is OK
        (["report", "/nonexistent/logs", "--format", "nagios"], 3),  # an input error is UNKNOWN, never CRITICAL
        (["report", str(SAMPLE_LOGS), "--format", "nagios", "--window", "7x"], 3),
        (["report", str(SAMPLE_LOGS), "--format", "nagios", "--no-such-option"], 3),  # a usage error
        (["report", "/nonexistent/logs", "--format", "json"], 2),
    ],
)
def test_nagios_mode_exits_0_1_2_3_and_every_error_is_unknown(runner, args, code):
    result = runner.invoke(app, args)
    assert result.exit_code == code, result.output


def test_a_nagios_request_is_seen_before_click_parses_the_line():
    assert asked_format(["report", "x", "--format", "nagios"]) is OutputFormat.NAGIOS is asked_format(["-f", "nagios"])
    assert asked_format(["--format=nagios"]) is OutputFormat.NAGIOS is asked_format(["-fNAGIOS"])
    assert asked_format(["--format", "json", "nagios"]) is OutputFormat.JSON
    assert asked_format(["report", "x"]) is None is asked_format(["--format", "yaml"]) is asked_format(["--format"])


def test_markdown_in_github_actions_annotates_and_appends_the_step_summary(runner, tmp_path):
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    result = runner.invoke(app, [*DRIFT, "--format", "markdown"], env=env)
    assert result.exit_code == 1
    annotations = [line for line in result.stdout.splitlines() if line.startswith("::")]
    errors = [line for line in annotations if line.startswith("::error title=")]
    assert len(errors) == 4 and len(annotations) == 5  # and a warning: the canary 1.5.0's class shares
    markdown = "".join(line for line in result.stdout.splitlines(keepends=True) if not line.startswith("::"))
    written = summary.read_text()
    assert written.startswith("earlier step\n") and markdown.strip() in written


def test_markdown_outside_github_actions_prints_no_annotation(runner):
    result = runner.invoke(app, [*DRIFT, "--format", "markdown"], env={"GITHUB_ACTIONS": "", "GITHUB_STEP_SUMMARY": ""})
    assert not any(line.startswith("::") for line in result.stdout.splitlines())


# --- the file written for --output --------------------------------------------------------------------


def test_write_atomically_replaces_the_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "mlmon.prom"
    target.write_text("old\n")
    target.chmod(0o640)
    write_file_atomically(str(target), "mlmon_requests 1\n")
    assert target.read_text() == "mlmon_requests 1\n"
    assert os.listdir(tmp_path) == ["mlmon.prom"]
    assert target.stat().st_mode & 0o777 == 0o640  # the replaced file's mode is kept
    fresh = tmp_path / "new.prom"
    write_file_atomically(str(fresh), "x\n")
    assert fresh.stat().st_mode & 0o777 == 0o644 and sorted(os.listdir(tmp_path)) == ["mlmon.prom", "new.prom"]


def test_write_atomically_never_shows_half_a_file(tmp_path, monkeypatch):
    """The temporary file is complete before the rename, is never a ``*.prom`` file the
    collector would read, and is removed when the rename fails."""
    target = tmp_path / "mlmon.prom"
    target.write_text("old\n")
    seen = []

    def failing_replace(src, dst):
        seen.append((os.path.basename(src), Path(src).read_text(), target.read_text()))
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)  # what mlmon.files.replace_file renames with
    with pytest.raises(OutputError, match="cannot write the output: disk full"):
        write_file_atomically(str(target), "new\n")
    ((name, temp_text, during),) = seen
    assert temp_text == "new\n" and during == "old\n"
    assert name.startswith(".mlmon.prom.") and not name.endswith(".prom")
    assert os.listdir(tmp_path) == ["mlmon.prom"] and target.read_text() == "old\n"
