"""``mlmon report`` and ``mlmon drift`` read the config (issue 11): flag > MLMON_* > file >
default for every value they use, ``[fields]`` under ``--field``, the rules' levels and
``enabled``, and config errors as one line with exit 2 (3 with ``--format nagios``)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from mlmon.cli import app
from tests.conftest import REPO, SAMPLE_LOGS

REFERENCE = REPO / "references" / "train.json"
EXAMPLE = REPO / "examples" / "mlmon.toml"


@pytest.fixture
def cli(runner, tmp_path, monkeypatch, reuse_sample_builds):
    """Run mlmon in an empty directory with no ``MLMON_*`` variable set; the sample logs are
    read once for the same options (what differs here is how settings become options)."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("MLMON_"):
            monkeypatch.delenv(name)

    def invoke(*args: object, env: dict[str, str] | None = None):
        return runner.invoke(app, [str(a) for a in args], env={"NO_COLOR": "1", **(env or {})})

    return invoke


def config(tmp_path: Path, text: str, name: str = "mlmon.toml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def as_json(result) -> dict:
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def report_json(cli, *args, env=None, logs=SAMPLE_LOGS) -> dict:
    return as_json(cli("report", logs, "--format", "json", *args, env=env))


def drift_json(cli, *args, env=None, logs=SAMPLE_LOGS) -> dict:
    return as_json(cli("drift", logs, "--format", "json", *args, env=env))


DAY = SAMPLE_LOGS / "replica-a" / "app.log.3.gz"
"""One day of one replica (a fourteenth of the week), for the tests whose answer is a
setting the output echoes (a window, a threshold), whatever the records say."""


def findings(result: dict, check: str) -> list[dict]:
    return [f for f in result["findings"] if f["check"] == check]


def overall(result: dict, check: str) -> list[dict]:
    """``check``'s findings over every request (scope ``all``); the sample week's report also
    judges each model version apart, 1.4.0 and Sunday's canary 1.5.0."""
    return [f for f in findings(result, check) if f["scope"] == "all"]


# --- precedence: flag > env > file > default ------------------------------------------------


def test_report_window_flag_beats_env_beats_file_beats_default(cli, tmp_path):
    assert report_json(cli, logs=DAY)["window"] == "whole range"
    config(tmp_path, 'window = "1d"\n')
    assert report_json(cli, logs=DAY)["window"] == "1d windows"
    assert report_json(cli, env={"MLMON_WINDOW": "12h"}, logs=DAY)["window"] == "12h windows"
    assert report_json(cli, "--window", "2d", env={"MLMON_WINDOW": "12h"}, logs=DAY)["window"] == "2d windows"


def test_drift_window_flag_beats_env_beats_file_beats_default(cli, tmp_path):
    def window(*args, env=None):
        return drift_json(cli, "--reference", REFERENCE, *args, env=env, logs=DAY)["prediction_drift"]["window"]

    default = window()
    config(tmp_path, 'window = "1d"\n')
    from_file = window()
    from_env = window(env={"MLMON_WINDOW": "12h"})
    from_flag = window("--window", "2d", env={"MLMON_WINDOW": "12h"})
    assert (default, from_file, from_env, from_flag) == ("whole range", "1d windows", "12h windows", "2d windows")


WARNING_P99 = '[rules.latency_p99]\nwarning = "90ms"\ncritical = "250ms"\n'
"""The whole week's p99 (147.7 ms, generate.py --truth) is over 90 ms and within 250 ms: a warning."""


def test_report_fail_on_flag_beats_env_beats_file_beats_default(cli, tmp_path):
    config(tmp_path, WARNING_P99)
    result = report_json(cli)
    assert [f["severity"] for f in overall(result, "latency_p99")] == ["warning"]
    assert cli("report", SAMPLE_LOGS).exit_code == 0  # default: critical
    config(tmp_path, 'fail_on = "warning"\n' + WARNING_P99)
    assert cli("report", SAMPLE_LOGS).exit_code == 1  # file
    assert cli("report", SAMPLE_LOGS, env={"MLMON_FAIL_ON": "critical"}).exit_code == 0  # env
    assert cli("report", SAMPLE_LOGS, "--fail-on", "warning", env={"MLMON_FAIL_ON": "critical"}).exit_code == 1  # flag
    config(tmp_path, WARNING_P99)
    assert cli("report", SAMPLE_LOGS, env={"MLMON_FAIL_ON": "warning"}).exit_code == 1
    assert cli("report", SAMPLE_LOGS, "--fail-on", "critical", env={"MLMON_FAIL_ON": "warning"}).exit_code == 0


DRIFT_WARNINGS_ONLY = f"""reference = {json.dumps(str(REFERENCE))}
window = "1d"
[rules.prediction_drift]
critical = 5.0
[rules.confidence_collapse]
enabled = false
[rules.feature_drift]
critical = 10.0
"""
"""Thursday's shift (PSI 0.59) under a critical PSI of 5: warnings, and no critical finding."""


def test_drift_fail_on_flag_beats_env_beats_file_beats_default(cli, tmp_path):
    config(tmp_path, DRIFT_WARNINGS_ONLY)
    result = drift_json(cli)
    assert {f["check"]: f["severity"] for f in result["findings"]} == {
        "prediction_drift": "warning",
        "feature_drift": "warning",
    }
    assert cli("drift", SAMPLE_LOGS).exit_code == 0  # default: critical
    config(tmp_path, 'fail_on = "warning"\n' + DRIFT_WARNINGS_ONLY)
    assert cli("drift", SAMPLE_LOGS).exit_code == 1  # file
    assert cli("drift", SAMPLE_LOGS, env={"MLMON_FAIL_ON": "critical"}).exit_code == 0  # env
    assert cli("drift", SAMPLE_LOGS, "--fail-on", "warning", env={"MLMON_FAIL_ON": "critical"}).exit_code == 1  # flag


def _min_samples(result: dict) -> tuple[int, int, int]:
    return (
        result["prediction_drift"]["thresholds"]["min_samples"],
        result["confidence"]["thresholds"]["min_samples"],
        result["feature_drift"]["thresholds"]["min_samples"],
    )


def test_drift_min_samples_flag_beats_env_beats_file_beats_default(cli, tmp_path):
    ref = ("--reference", REFERENCE)
    assert _min_samples(drift_json(cli, *ref, logs=DAY)) == (200, 200, 200)
    config(tmp_path, "min_samples = 50\n")
    assert _min_samples(drift_json(cli, *ref, logs=DAY)) == (50, 50, 50)
    assert _min_samples(drift_json(cli, *ref, env={"MLMON_MIN_SAMPLES": "60"}, logs=DAY)) == (60, 60, 60)
    assert _min_samples(drift_json(cli, *ref, "--min-samples", "70", env={"MLMON_MIN_SAMPLES": "60"}, logs=DAY)) == (
        70,
        70,
        70,
    )


def test_a_rules_own_min_samples_beats_the_top_level_key_but_not_a_flag(cli, tmp_path):
    config(
        tmp_path,
        "min_samples = 50\n[rules.prediction_drift]\nmin_samples = 40\n[rules.feature_drift]\nmin_samples = 30\n",
    )
    ref = ("--reference", REFERENCE)
    assert _min_samples(drift_json(cli, *ref, logs=DAY)) == (40, 40, 30)
    assert _min_samples(drift_json(cli, *ref, "--min-samples", "70", logs=DAY)) == (70, 70, 70)


def test_drift_thresholds_come_from_the_rules_and_flags_win(cli, tmp_path):
    config(
        tmp_path,
        (
            "[rules.prediction_drift]\nwarning = 0.02\ncritical = 0.3\nalpha = 0.01\n"
            "[rules.confidence_collapse]\nwarning = 0.05\ncritical = 0.2\nlow_confidence = 0.4\n"
            "[rules.feature_drift]\nwarning = 0.006\ncritical = 0.35\nalpha = 0.002\n"
        ),
    )
    result = drift_json(cli, "--reference", REFERENCE, logs=DAY)
    prediction, conf, features = (
        result["prediction_drift"]["thresholds"],
        result["confidence"]["thresholds"],
        result["feature_drift"]["thresholds"],
    )
    assert (prediction["warning_psi"], prediction["critical_psi"], prediction["alpha"]) == (0.02, 0.3, 0.01)
    assert (conf["collapse_drop"], conf["warning_drop"], conf["low_threshold"]) == (0.2, 0.05, 0.4)
    assert (features["warning_psi"], features["critical_psi"], features["alpha"]) == (0.006, 0.35, 0.002)
    assert features["warning_wasserstein"] == 0.1  # not configurable: the registry's default
    flags = (
        "--warning-psi",
        "0.03",
        "--critical-psi",
        "0.4",
        "--alpha",
        "0.005",
        "--confidence-drop",
        "0.15",
        "--low-confidence",
        "0.6",
    )
    result = drift_json(cli, "--reference", REFERENCE, *flags, logs=DAY)
    prediction, conf = result["prediction_drift"]["thresholds"], result["confidence"]["thresholds"]
    assert (prediction["warning_psi"], prediction["critical_psi"], prediction["alpha"]) == (0.03, 0.4, 0.005)
    assert (conf["collapse_drop"], conf["low_threshold"]) == (0.15, 0.6)
    assert result["feature_drift"]["thresholds"]["critical_psi"] == 0.35  # the flags are prediction drift's


def test_drift_reference_flag_is_relative_to_the_cwd_and_the_files_to_the_file(cli, tmp_path):
    (tmp_path / "conf").mkdir()
    shutil.copy(REFERENCE, tmp_path / "conf" / "mine.json")
    config(tmp_path, 'reference = "mine.json"\n', "conf/mlmon.toml")
    result = drift_json(cli, "--config", "conf/mlmon.toml")
    assert result["reference"]["n_rows"] > 0 and result["prediction_drift"]["computable"]
    missing = cli("drift", SAMPLE_LOGS, "--config", "conf/mlmon.toml", "--reference", "mine.json")
    assert missing.exit_code == 2 and "mine.json" in missing.stderr  # a flag is relative to the CWD
    env = cli("drift", SAMPLE_LOGS, "--config", "conf/mlmon.toml", env={"MLMON_REFERENCE": "nowhere.json"})
    assert env.exit_code == 2 and "nowhere.json" in env.stderr  # the environment beats the file


# --- [fields] under --field -------------------------------------------------------------------


def _timed_logs(tmp_path: Path) -> Path:
    """Ten inferences whose latency sits at two paths: timings.total_ms (10-19 ms) and
    other.ms (500-509 ms); no path the dialect detection would find."""
    lines = [
        json.dumps(
            {
                "ts": f"2026-11-09T00:00:{i:02d}Z",
                "event": "inference",
                "timings": {"total_ms": 10 + i},
                "other": {"ms": 500 + i},
            }
        )
        for i in range(10)
    ]
    path = tmp_path / "timed.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_field_flag_overrides_the_files_field_of_the_same_name(cli, tmp_path):
    logs = _timed_logs(tmp_path)
    config(tmp_path, '[fields]\nlatency_ms = "timings.total_ms"\n')
    from_file = as_json(cli("report", logs, "--format", "json"))["latency"]
    from_flag = as_json(cli("report", logs, "--format", "json", "--field", "latency_ms=other.ms"))["latency"]
    assert from_file["max_ms"] == 19 and from_flag["max_ms"] == 509


def test_drift_reads_the_files_fields(cli, tmp_path):
    config(tmp_path, '[fields]\nlabel = "no.such.path"\n')
    assert (
        drift_json(cli, "--reference", REFERENCE, logs=DAY)["prediction_drift"]["windows"] == []
    )  # labels read where the file says
    assert (
        len(
            drift_json(cli, "--reference", REFERENCE, "--field", "label=label", logs=DAY)["prediction_drift"]["windows"]
        )
        == 1
    )


# --- the rules' levels ------------------------------------------------------------------------


def test_report_latency_rule_from_the_file_judges_the_whole_range(cli):
    """The whole week's p99 is 147.7 ms (generate.py --truth; 97.8 ms before Sunday's canary);
    Wednesday 2026-11-11 alone reaches 594 ms, but report judges the whole range (per-window
    verdicts are ``mlmon check``'s): a warning under a 100 ms warning level and a 250 ms
    critical one, not critical."""
    result = report_json(cli, "--config", EXAMPLE, "--window", "1d")
    wednesday = next(w for w in result["windows"] if w["start"] == "2026-11-11T00:00:00Z")
    assert wednesday["p99_ms"] == pytest.approx(594.1, abs=0.05)
    (latency,) = overall(result, "latency_p99")
    assert (latency["severity"], latency["scope"], latency["threshold"]) == ("warning", "all", 100.0)
    assert latency["value"] == pytest.approx(147.716, abs=5e-4)
    assert latency["message"] == "p99 latency 147.7 ms is over the 100 ms warning level (critical 250 ms)"
    (errors,) = overall(result, "error_rate")  # 1.04% within the 2% warning level
    assert (errors["severity"], errors["threshold"]) == ("ok", 0.02)


@pytest.mark.parametrize(
    ("levels", "severity", "threshold", "message"),
    [
        (
            'warning = "90ms"\ncritical = "250ms"',
            "warning",
            90.0,
            "p99 latency 147.7 ms is over the 90 ms warning level (critical 250 ms)",
        ),
        (
            'warning = "50ms"\ncritical = "90ms"',
            "critical",
            90.0,
            "p99 latency 147.7 ms is over the 90 ms critical level",
        ),
        ('critical = "90ms"', "critical", 90.0, "p99 latency 147.7 ms is over the 90 ms budget"),
        ('warning = "90ms"', "warning", 90.0, "p99 latency 147.7 ms is over the 90 ms warning level"),
    ],
)
def test_report_latency_levels_from_the_file(cli, tmp_path, levels, severity, threshold, message):
    config(tmp_path, f"[rules.latency_p99]\n{levels}\n")
    (latency,) = overall(report_json(cli), "latency_p99")
    assert (latency["severity"], latency["threshold"], latency["message"]) == (severity, threshold, message)


def test_the_p99_budget_flag_replaces_the_files_critical_and_drops_a_warning_above_it(cli, tmp_path):
    config(tmp_path, '[rules.latency_p99]\nwarning = "100ms"\ncritical = "250ms"\n')
    (latency,) = overall(report_json(cli, "--p99-budget", "80ms"), "latency_p99")
    assert (latency["severity"], latency["threshold"]) == ("critical", 80.0)
    assert latency["message"] == "p99 latency 147.7 ms is over the 80 ms budget"
    (latency,) = overall(report_json(cli, "--p99-budget", "200ms"), "latency_p99")
    assert (latency["severity"], latency["threshold"]) == ("warning", 100.0)  # the 100 ms warning level holds under 200


def test_report_error_rate_levels_from_the_file_and_the_flag(cli, tmp_path):
    config(tmp_path, '[rules.error_rate]\nwarning = "1%"\ncritical = "5%"\n')
    (errors,) = overall(report_json(cli), "error_rate")
    assert (errors["severity"], errors["threshold"]) == ("warning", 0.01)  # 1.04% of requests
    (errors,) = overall(report_json(cli, "--max-error-rate", "1%"), "error_rate")
    assert (errors["severity"], errors["threshold"]) == ("critical", 0.01)


# --- enabled = false --------------------------------------------------------------------------


def test_a_disabled_report_rule_is_not_checked_unless_its_flag_is_given(cli, tmp_path):
    config(
        tmp_path,
        (
            '[rules.latency_p99]\nenabled = false\ncritical = "50ms"\n[rules.error_rate]\nenabled = '
            'false\ncritical = "0.1%"\n'
        ),
    )
    result = report_json(cli)
    assert result["findings"] == []
    assert cli("report", SAMPLE_LOGS).exit_code == 0
    (latency,) = overall(report_json(cli, "--p99-budget", "80ms"), "latency_p99")
    assert (latency["severity"], latency["threshold"]) == ("critical", 80.0)


@pytest.mark.parametrize("check", ["prediction_drift", "confidence_collapse", "feature_drift"])
def test_a_disabled_drift_rule_gives_no_finding(cli, tmp_path, check):
    base = f'reference = {json.dumps(str(REFERENCE))}\nwindow = "1d"\n'
    config(tmp_path, base)
    assert {f["check"] for f in drift_json(cli, logs=DAY)["findings"]} == {
        "prediction_drift",
        "confidence_collapse",
        "feature_drift",
    }
    config(tmp_path, f"{base}[rules.{check}]\nenabled = false\n")
    assert {f["check"] for f in drift_json(cli, logs=DAY)["findings"]} == {
        "prediction_drift",
        "confidence_collapse",
        "feature_drift",
    } - {check}


# --- the example ------------------------------------------------------------------------------


def test_drift_with_the_example_config_finds_thursdays_drift(cli):
    result = cli("drift", SAMPLE_LOGS, "--config", EXAMPLE, "--format", "json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["prediction_drift"]["computable"] and data["prediction_drift"]["window"] == "1d windows"
    assert data["prediction_drift"]["first_breach"]["start"] == "2026-11-12T00:00:00Z"
    assert data["prediction_drift"]["first_breach"]["severity"] == "critical"
    assert {f["check"] for f in data["findings"] if f["severity"] == "critical"} == {
        "prediction_drift",
        "confidence_collapse",
        "feature_drift",
    }


def test_without_a_config_nothing_changes(cli):
    """The working directory has no config: the defaults, as before the config existed."""
    result = drift_json(cli, "--reference", REFERENCE)
    assert result["prediction_drift"]["thresholds"] == {
        "min_samples": 200,
        "alpha": 0.001,
        "warning_psi": 0.01,
        "critical_psi": 0.25,
        "epsilon": 0.0001,
    }
    report = report_json(cli)
    assert report["window"] == "whole range" and report["findings"] == []


# --- errors -----------------------------------------------------------------------------------

ERRORS = [
    ("bogus = 1\n", "mlmon.toml: bogus: unknown key"),
    ('min_samples = "many"\n', "mlmon.toml: min_samples: expected a whole number"),
    ('[rules.latency_p99]\ncritical = "250 parsecs"\n', "mlmon.toml: rules.latency_p99.critical: invalid latency"),
    ('[rules.prediction_drift]\nalpha = "often"\n', "mlmon.toml: rules.prediction_drift.alpha: expected a number"),
    ('window = "1 fortnight"\n', "mlmon.toml: window: invalid duration"),
]


@pytest.mark.parametrize("command", ["report", "drift"])
@pytest.mark.parametrize(("text", "message"), ERRORS, ids=[e[1].split(": ")[1] for e in ERRORS])
def test_a_config_error_is_one_line_naming_the_file_and_the_key(cli, tmp_path, command, text, message):
    config(tmp_path, text)
    for format, code in (("terminal", 2), ("nagios", 3)):
        result = cli(command, SAMPLE_LOGS, "--format", format)
        assert result.exit_code == code, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"mlmon: error: {message}"), result.stderr
        # Nagios shows stdout only: there the error is the plugin's status line too (issue 22)
        assert result.stdout == (
            "" if format == "terminal" else f"MLMON UNKNOWN - {lines[0].removeprefix('mlmon: ')}\n"
        )


@pytest.mark.parametrize("command", ["report", "drift"])
def test_a_missing_config_file_is_exit_2(cli, command):
    for format, code in (("json", 2), ("nagios", 3)):
        result = cli(command, SAMPLE_LOGS, "--config", "missing.toml", "--format", format)
        assert result.exit_code == code
        assert result.stderr.strip() == "mlmon: error: flag --config: config file 'missing.toml' not found"


@pytest.mark.parametrize("command", ["report", "drift"])
def test_a_bad_setting_flag_or_variable_is_exit_2_naming_it(cli, command):
    result = cli(command, SAMPLE_LOGS, "--fail-on", "sometimes")
    assert result.exit_code == 2 and result.stderr.startswith("mlmon: error: --fail-on: ")
    result = cli(command, SAMPLE_LOGS, env={"MLMON_WINDOW": "soon"})
    assert result.exit_code == 2 and result.stderr.startswith("mlmon: error: env MLMON_WINDOW: ")


# --- a flag that sets a rule's level wins over enabled = false (issue 22 §2) ------------------

THURSDAY = SAMPLE_LOGS / "replica-a" / "app.log.3.gz"
"""One day of sample logs after the shift: prediction drift (PSI 0.59), a confidence fall of
0.15, about 1% errors and a p99 over 40 ms."""
LEVEL_FLAG_RUNS = {
    "p99_budget": ("latency_p99", "--p99-budget", "report", "1ms"),
    "max_error_rate": ("error_rate", "--max-error-rate", "report", "0.1%"),
    "warning_psi": ("prediction_drift", "--warning-psi", "drift", "0.01"),
    "critical_psi": ("prediction_drift", "--critical-psi", "drift", "0.3"),
    "confidence_drop": ("confidence_collapse", "--confidence-drop", "drift", "0.1"),
}
"""Each level flag: its rule, the flag, the command that takes it and a level Thursday is over."""


def test_every_level_flag_is_tested():
    from mlmon.cli.settings import LEVEL_FLAGS

    assert {param: run[:2] for param, run in LEVEL_FLAG_RUNS.items()} == LEVEL_FLAGS


@pytest.mark.parametrize("param", sorted(LEVEL_FLAG_RUNS))
def test_a_level_flag_turns_on_a_rule_the_file_turned_off(cli, tmp_path, param):
    """Flags win over the file, ``enabled = false`` included: with the rule off in the file
    there is no finding, and the flag that sets one of its levels brings it back, critical."""
    rule, flag, command, level = LEVEL_FLAG_RUNS[param]
    config(tmp_path, f"reference = {json.dumps(str(REFERENCE))}\n[rules.{rule}]\nenabled = false\n")
    off = as_json(cli(command, THURSDAY, "--format", "json"))
    assert findings(off, rule) == []
    on = cli(command, THURSDAY, "--format", "json", flag, level)
    assert on.exit_code == 1, on.output
    assert [f["severity"] for f in findings(as_json(on), rule)] == ["critical"]


def test_a_level_flag_replaces_one_key_and_the_rules_other_keys_apply(cli, tmp_path):
    """``--p99-budget`` over a rule the file turned off: the flag is the critical level, the
    file's warning below it still warns (the rule is on, as with ``enabled = true``)."""
    config(tmp_path, '[rules.latency_p99]\nenabled = false\nwarning = "1ms"\ncritical = "1ms"\n')
    (latency,) = findings(as_json(cli("report", THURSDAY, "--format", "json", "--p99-budget", "10s")), "latency_p99")
    assert (latency["severity"], latency["threshold"]) == ("warning", 1.0)
