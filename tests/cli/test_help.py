"""The command line (issue 12): help that shows what to type, examples and exit codes in
every command's help, --version and shell completion, impossible option values rejected
naming the option, --color and NO_COLOR, consistent machine output, bench --log --force,
and a JSON list given as a reference."""

from __future__ import annotations

import io
import json
import os
import re

import pytest

from mlmon.cli import app
from mlmon.cli.boundary import use_color
from tests.conftest import REPO, SAMPLE_LOGS

REFERENCE = str(REPO / "references" / "train.json")

COMMANDS = [
    [],
    ["report"],
    ["drift"],
    ["check"],
    ["summarize"],
    ["bench"],
    ["reference"],
    ["reference", "build"],
    ["config"],
    ["config", "show"],
]
LEAF_COMMANDS = [["report"], ["drift"], ["check"], ["summarize"], ["bench"], ["reference", "build"], ["config", "show"]]
TYPE_NAMES = re.compile(r"<(str|int|float|bool|path|list\[[^>]*\]|[a-z]+\|[a-z|]+)>")


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """No config file or MLMON_* variable of the machine running the tests."""
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("MLMON_") or n in ("NO_COLOR", "FORCE_COLOR")]:
        monkeypatch.delenv(name)


def help_of(runner, command: list[str]) -> str:
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "mlmon")
def test_help_shows_metavars_never_python_types(runner, command):
    text = help_of(runner, command)
    assert not TYPE_NAMES.search(text), TYPE_NAMES.search(text)
    assert "{" not in text and "<list" not in text
    assert not re.search(r"--help\s+\S*bool", text)
    assert re.search(r"--help\s+Show this message", text)


def test_help_names_values_as_users_type_them(runner):
    report = help_of(runner, ["report"])
    assert "Usage: mlmon report [OPTIONS] LOGS..." in report
    for metavar in (
        "LOGS...",
        "DURATION|N|all",
        "warning|critical",
        "TIME",
        "FILE",
        "LATENCY",
        "RATE",
        "auto|always|never",
        "NAME=PATH",
        "SHARE",
    ):
        assert metavar in report, metavar
    assert re.search(r"-f\s+terminal\|json\|markdown\|junit\|prometheus", report)
    check = help_of(runner, ["check"])
    assert "last|any" in check and "--max-silence" in check and "DURATION" in check
    drift = help_of(runner, ["drift"])
    assert (
        re.search(r"--alpha\s+NUMBER", drift)
        and re.search(r"--min-samples\s+N\b", drift)
        and re.search(r"--reference\s+-r\s+PATH", drift)
    )
    bench = help_of(runner, ["bench"])
    assert "Usage: mlmon bench [OPTIONS] [MODEL.onnx]" in bench and "--force" in bench
    build = help_of(runner, ["reference", "build"])
    assert "Usage: mlmon reference build [OPTIONS] DATA..." in build and re.search(r"--quiet\s+-q\s+No progress", build)
    assert "[tool.mlmon]" in help_of(runner, []) and "[tool.mlmon]" in help_of(runner, ["config"])


@pytest.mark.parametrize("command", LEAF_COMMANDS, ids=" ".join)
def test_every_command_help_ends_with_examples_and_exit_codes(runner, command):
    text = help_of(runner, command)
    examples = text[text.index("Examples:") : text.index("Exit codes:")]
    assert 2 <= examples.count(f"mlmon {' '.join(command)}") <= 4, examples
    assert re.search(r"Exit codes: 0 .*, 2 ", text.replace("\n", " "))
    assert text.index("Exit codes:") < text.index("─ Options")


def test_version_and_shell_completion(runner, monkeypatch):
    from mlmon import __version__

    # typer picks the shell from the process tree (shellingham), not from the word after
    # --show-completion: with no shell among pytest's ancestors (a detached or cron run)
    # it printed "Shell  not supported" and exited 1. The user's shell is bash here.
    monkeypatch.setattr("shellingham.detect_shell", lambda *a, **k: ("bash", "/bin/bash"))

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"mlmon {__version__}"
    text = help_of(runner, [])
    assert "--install-completion" in text and "--show-completion" in text
    script = runner.invoke(app, ["--show-completion", "bash"])
    assert script.exit_code == 0 and "_mlmon_completion" in script.stdout


DRIFT = ["drift", "-r", REFERENCE, str(SAMPLE_LOGS)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([*DRIFT, "--alpha", "1.5"], "mlmon: error: --alpha 1.5: must be between 0 and 1 (exclusive)"),
        ([*DRIFT, "--alpha", "0"], "mlmon: error: --alpha 0: must be between 0 and 1 (exclusive)"),
        ([*DRIFT, "--alpha", "nan"], "mlmon: error: --alpha nan: must be between 0 and 1 (exclusive)"),
        ([*DRIFT, "--min-samples", "0"], "mlmon: error: --min-samples: must be at least 1, got 0"),
        (["check", str(SAMPLE_LOGS), "--min-samples", "0"], "mlmon: error: --min-samples: must be at least 1, got 0"),
        (
            [*DRIFT, "--warning-psi", "0.3", "--critical-psi", "0.2"],
            "mlmon: error: --warning-psi 0.3 exceeds --critical-psi 0.2",
        ),
        (
            [*DRIFT, "--critical-psi", "0.005"],
            "mlmon: error: --warning-psi 0.01 (default) exceeds --critical-psi 0.005",
        ),
        ([*DRIFT, "--warning-psi", "0.5"], "mlmon: error: --warning-psi 0.5 exceeds --critical-psi 0.25 (default)"),
        ([*DRIFT, "--warning-psi", "-1"], "mlmon: error: --warning-psi -1: must be 0 or more"),
        ([*DRIFT, "--low-confidence", "1.5"], "mlmon: error: --low-confidence 1.5: must be at least 0 and below 1"),
        ([*DRIFT, "--confidence-drop", "-0.1"], "mlmon: error: --confidence-drop -0.1: must be at least 0 and below 1"),
        (["report", str(SAMPLE_LOGS), "--window", "7x"], "mlmon: error: --window: invalid duration '7x'"),
        ([*DRIFT, "--window", "7x"], "mlmon: error: --window: invalid duration '7x'"),
        (["check", str(SAMPLE_LOGS), "--window", "7x"], "mlmon: error: --window: invalid duration '7x'"),
        (
            ["report", str(SAMPLE_LOGS), "--since", "2026-11-14", "--until", "2026-11-12"],
            "mlmon: error: --since '2026-11-14' is not before --until",
        ),
        (["report", str(SAMPLE_LOGS), "--max-error-rate", "7x"], "mlmon: error: --max-error-rate: invalid ratio '7x'"),
        (["report", str(SAMPLE_LOGS), "--p99-budget", "fast"], "mlmon: error: --p99-budget: invalid latency 'fast'"),
        (
            ["report", str(SAMPLE_LOGS), "--max-malformed", "lots"],
            "mlmon: error: --max-malformed: invalid ratio 'lots'",
        ),
        (["bench", "--duration", "7x"], "mlmon: error: --duration: invalid duration '7x'"),
        (["bench", "--p99-budget", "fast"], "mlmon: error: --p99-budget: invalid latency 'fast'"),
        (["bench", "--batch-size", "0"], "mlmon: error: --batch-size: invalid batch size '0'"),
    ],
    ids=lambda v: " ".join(v[-2:]) if isinstance(v, list) else None,
)
def test_impossible_values_are_rejected_naming_the_option(runner, args, message):
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), result.stderr
    assert result.stdout == ""


def test_an_impossible_value_is_unknown_for_nagios(runner):
    result = runner.invoke(app, [*DRIFT, "--alpha", "2", "--format", "nagios"])
    assert result.exit_code == 3 and "--alpha 2" in result.stderr


@pytest.fixture
def small_logs(write_lines):
    rows = [
        {"ts": 1_762_646_400 + i, "event": "inference", "latency_ms": 10 + i % 9, "status": "ok"} for i in range(200)
    ]
    return str(write_lines("app.jsonl", rows))


def _colored(runner, args, env=None) -> bool:
    result = runner.invoke(app, args, env=env or {})
    assert result.exit_code == 0, result.output
    return "\x1b[" in result.stdout


def test_color_flag_and_environment(runner, small_logs):
    report = ["report", small_logs]
    assert not _colored(runner, report)  # not a terminal
    assert _colored(runner, [*report, "--color", "always"])
    assert _colored(runner, ["--color", "always", *report])  # before the command too
    assert not _colored(runner, ["--color", "always", *report, "--color", "never"])  # the command's own wins
    assert not _colored(runner, [*report, "--color", "never"], {"FORCE_COLOR": "1"})
    assert _colored(runner, [*report, "--color", "always"], {"NO_COLOR": "1"})  # a flag wins over NO_COLOR
    assert _colored(runner, report, {"FORCE_COLOR": "1"})
    assert _colored(runner, report, {"FORCE_COLOR": "1", "NO_COLOR": ""})  # empty NO_COLOR does not count
    assert not _colored(runner, report, {"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert not _colored(runner, [*report, "--format", "json", "--color", "always"])  # machine formats never


class _TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_use_color_on_a_terminal(monkeypatch):
    monkeypatch.delenv("TERM", raising=False)
    assert use_color(None, _TTY()) and not use_color(None, io.StringIO())
    monkeypatch.setenv("NO_COLOR", "")
    assert use_color(None, _TTY())  # no-color.org: only a non-empty value counts
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_color(None, _TTY()) and not use_color("auto", _TTY()) and use_color("always", _TTY())
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    assert not use_color(None, _TTY()) and not use_color("never", _TTY())


def test_bench_json_names_its_schema_like_report_and_drift(runner):
    result = runner.invoke(app, ["bench", "-n", "3", "--warmup", "0", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert list(doc)[0] == "mlmon_bench_version" and doc["mlmon_bench_version"] == doc["version"] == 1
    assert doc["status"] == "no checks"


def test_a_json_report_without_checks_says_so(runner, small_logs):
    plain = json.loads(runner.invoke(app, ["report", small_logs, "--format", "json"]).stdout)
    assert plain["status"] == "no checks" and plain["findings"] == []
    checked = json.loads(runner.invoke(app, ["report", small_logs, "--format", "json", "--p99-budget", "1s"]).stdout)
    assert checked["status"] == "ok" and [f["check"] for f in checked["findings"]] == ["latency_p99"]


def test_bench_log_asks_for_force_before_replacing_a_file(runner, tmp_path):
    log = tmp_path / "bench.jsonl"
    log.write_text("keep me\n")
    refused = runner.invoke(app, ["bench", "-n", "3", "--warmup", "0", "--log", str(log)])
    assert refused.exit_code == 2
    assert refused.stderr.strip() == f"mlmon: error: --log {log}: the file exists; add --force to replace it"
    assert log.read_text() == "keep me\n"
    forced = runner.invoke(app, ["bench", "-n", "3", "--warmup", "0", "--log", str(log), "--force", "--format", "json"])
    assert forced.exit_code == 0, forced.output
    assert len(log.read_text().splitlines()) == 3
    fresh = runner.invoke(app, ["bench", "-n", "3", "--warmup", "0", "--log", str(tmp_path / "new.jsonl")])
    assert fresh.exit_code == 0, fresh.output


@pytest.mark.parametrize("text", ["[1, 2]", '[{"a": 1}, {"a": 2}]', "[]"])
def test_a_json_list_as_reference_is_not_a_profile(runner, tmp_path, text):
    path = tmp_path / "ref.json"
    path.write_text(text)
    result = runner.invoke(app, ["drift", "--reference", str(path), str(SAMPLE_LOGS)])
    assert result.exit_code == 2
    line = result.stderr.strip()
    if text.startswith("[{"):  # records: training data, profiled, that shares nothing with the logs
        assert line.startswith(
            "mlmon: error: the reference does not describe these logs: no class or feature in common"
        ), line
    else:
        assert line.startswith(
            f"mlmon: error: {path}: not a reference profile (expected an object with "
            f"mlmon_reference_version, got a list)"
        ), line
    assert "\n" not in line


def test_a_json_list_of_training_records_is_still_training_data(tmp_path):
    from mlmon.reference import load_reference

    path = tmp_path / "train.json"
    path.write_text(json.dumps([{"label": "AB"[i % 2], "confidence": 0.9} for i in range(40)]))
    profile = load_reference(path)
    assert profile.class_counts == {"A": 20, "B": 20} and profile.path == str(path)


def test_drift_names_the_profile_file_it_was_given(runner):
    result = runner.invoke(app, [*DRIFT, "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    reference = json.loads(result.stdout)["reference"]
    assert reference["path"] == REFERENCE and reference["source"].endswith("train.csv")
