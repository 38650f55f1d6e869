"""The config (issue 11): discovery, schema validation, precedence, and ``mlmon config show``."""

from __future__ import annotations

import ast
import tomllib
from datetime import timedelta
from pathlib import Path

import pytest

from mlmon.cli import app
from mlmon.config import ConfigFileError, resolve_settings
from mlmon.errors import ConfigError, UsageError
from mlmon.verdicts.registry import DriftThresholds, FeatureDriftThresholds
from mlmon.verdicts.rules import ExitOn, FiringRule
from mlmon.windows import WindowSpec

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "mlmon.toml"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def resolve(cwd: Path, flags: dict | None = None, env: dict | None = None, config: str | None = None):
    return resolve_settings(flags or {}, env or {}, cwd, config)


def error_of(tmp_path: Path, text: str, name: str = "mlmon.toml") -> str:
    write(tmp_path / name, text)
    with pytest.raises(ConfigFileError) as caught:
        resolve(tmp_path)
    return str(caught.value)


# --- the example ---------------------------------------------------------------------------


def test_the_example_parses_and_loads():
    tomllib.loads(EXAMPLE.read_text())
    settings = resolve(REPO, config=str(EXAMPLE))
    assert settings.reference.value == (REPO / "references" / "train.json").resolve()
    assert settings.reference.value.is_file()
    assert settings.window.value == WindowSpec(duration=timedelta(days=1))
    latency = settings.rule("latency_p99")
    assert (latency.warning.value, latency.critical.value, latency.for_windows.value) == (100.0, 250.0, 1)
    assert settings.rule("error_rate").critical.value == pytest.approx(0.05)
    assert settings.rule("prediction_drift").critical.value == DriftThresholds().critical_psi


# --- precedence ----------------------------------------------------------------------------

CASES = [
    # key, file text, env value, flag value, expected (file, env, flag, default)
    ("window", '"1d"', "2h", "15m", (timedelta(days=1), timedelta(hours=2), timedelta(minutes=15), None)),
    ("min_samples", "50", "60", 70, (50, 60, 70, 200)),
    ("fail_on", '"warning"', "critical", "warning", ("warning", "critical", "warning", "critical")),
    ("max_silence", '"1h"', "30m", "2d", (timedelta(hours=1), timedelta(minutes=30), timedelta(days=2), None)),
    ("exit_on", '"any"', "last", "any", ("any", "last", "any", "last")),
]


def _plain(value):
    return value.duration if isinstance(value, WindowSpec) else value


@pytest.mark.parametrize("key, text, env_value, flag_value, expected", CASES, ids=[c[0] for c in CASES])
def test_flag_beats_env_beats_file_beats_default(tmp_path, key, text, env_value, flag_value, expected):
    env = {f"MLMON_{key.upper()}": env_value}
    default = resolve(tmp_path)
    assert (_plain(getattr(default, key).value), getattr(default, key).source) == (expected[3], "default")
    write(tmp_path / "mlmon.toml", f"{key} = {text}\n")
    from_file = resolve(tmp_path)
    assert (_plain(getattr(from_file, key).value), getattr(from_file, key).source) == (expected[0], "file mlmon.toml")
    from_env = resolve(tmp_path, env=env)
    assert (_plain(getattr(from_env, key).value), getattr(from_env, key).source) == (
        expected[1],
        f"env MLMON_{key.upper()}",
    )
    from_flag = resolve(tmp_path, flags={key: flag_value}, env=env)
    assert (_plain(getattr(from_flag, key).value), getattr(from_flag, key).source) == (expected[2], "flag")


def test_reference_precedence_and_resolution(tmp_path):
    write(tmp_path / "conf" / "mlmon.toml", 'reference = "../refs/train.json"\n')
    nested = tmp_path / "conf" / "deep"
    nested.mkdir()
    from_file = resolve(nested)
    assert from_file.reference.value == (tmp_path / "refs" / "train.json").resolve()
    assert from_file.reference.source == "file " + str((tmp_path / "conf" / "mlmon.toml").resolve())
    assert resolve(nested, env={"MLMON_REFERENCE": "e.json"}).reference.value == Path("e.json")
    assert resolve(nested, flags={"reference": "f.json"}, env={"MLMON_REFERENCE": "e.json"}).reference.value == Path(
        "f.json"
    )


def test_a_bad_env_value_names_the_variable(tmp_path):
    with pytest.raises(ConfigFileError, match="env MLMON_WINDOW: invalid duration '2x'"):
        resolve(tmp_path, env={"MLMON_WINDOW": "2x"})
    with pytest.raises(ConfigFileError, match="--min-samples: must be at least 1"):
        resolve(tmp_path, flags={"min_samples": 0})


# --- discovery -----------------------------------------------------------------------------


def test_discovery_walks_up_from_a_nested_directory(tmp_path):
    write(tmp_path / "mlmon.toml", 'window = "1h"\n')
    nested = tmp_path / "a" / "b" / "c"
    nested.mkdir(parents=True)
    settings = resolve(nested)
    assert settings.config_file == (tmp_path / "mlmon.toml").resolve()
    assert settings.window.value.duration == timedelta(hours=1)


def test_pyproject_tool_mlmon(tmp_path):
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n\n[tool.mlmon]\nwindow = "2h"\n')
    assert resolve(tmp_path).window == resolve(tmp_path).window
    assert resolve(tmp_path).window.value.duration == timedelta(hours=2)
    assert resolve(tmp_path).window.source == "file pyproject.toml"


def test_a_pyproject_without_tool_mlmon_does_not_count(tmp_path):
    write(tmp_path / "mlmon.toml", 'window = "3h"\n')
    write(tmp_path / "sub" / "pyproject.toml", '[project]\nname = "x"\n')
    assert resolve(tmp_path / "sub").window.value.duration == timedelta(hours=3)


def test_mlmon_toml_beats_pyproject_in_the_same_directory(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.mlmon]\nwindow = "2h"\n')
    write(tmp_path / "mlmon.toml", 'window = "4h"\n')
    assert resolve(tmp_path).window.value.duration == timedelta(hours=4)


def test_pyproject_errors_name_the_tool_mlmon_path(tmp_path):
    message = error_of(tmp_path, '[tool.mlmon]\nwindow = "2x"\n', name="pyproject.toml")
    assert message.startswith("pyproject.toml: tool.mlmon.window: invalid duration '2x'")


def test_mlmon_config_and_the_flag_replace_the_search(tmp_path):
    write(tmp_path / "mlmon.toml", 'window = "1h"\n')
    write(tmp_path / "elsewhere" / "other.toml", 'window = "5h"\n')
    write(tmp_path / "flag.toml", 'window = "6h"\n')
    env = {"MLMON_CONFIG": str(tmp_path / "elsewhere" / "other.toml")}
    assert resolve(tmp_path, env=env).window.value.duration == timedelta(hours=5)
    assert resolve(tmp_path, env=env, config="flag.toml").window.value.duration == timedelta(hours=6)
    with pytest.raises(ConfigFileError, match="env MLMON_CONFIG: config file .* not found"):
        resolve(tmp_path, env={"MLMON_CONFIG": "missing.toml"})
    with pytest.raises(ConfigFileError, match="flag --config: config file 'missing.toml' not found"):
        resolve(tmp_path, config="missing.toml")


# --- schema errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ('windw = "1h"\n', "mlmon.toml: windw: unknown key"),
        ('[rules.latency_p95]\ncritical = "1s"\n', "mlmon.toml: rules.latency_p95: unknown rule"),
        ('[rules.latency_p99]\ncritcal = "1s"\n', "mlmon.toml: rules.latency_p99.critcal: unknown key"),
        ('min_samples = "many"\n', "mlmon.toml: min_samples: expected a whole number"),
        ("min_samples = true\n", "mlmon.toml: min_samples: expected a whole number"),
        (
            '[rules.prediction_drift]\nenabled = "maybe"\n',
            "mlmon.toml: rules.prediction_drift.enabled: expected true or false",
        ),
        ('[rules.latency_p99]\ncritical = "2x"\n', "mlmon.toml: rules.latency_p99.critical: invalid latency '2x'"),
        ('max_silence = "2x"\n', "mlmon.toml: max_silence: invalid duration '2x'"),
        ('[rules.no_data]\ncritical = "2x"\n', "mlmon.toml: rules.no_data.critical: invalid duration '2x'"),
        ('[rules.error_rate]\nwarning = "150%"\n', "mlmon.toml: rules.error_rate.warning: invalid ratio '150%'"),
        ('[rules.error_rate]\nwarning = "lots"\n', "mlmon.toml: rules.error_rate.warning: invalid ratio 'lots'"),
        (
            '[rules.latency_p99]\nwarning = "300ms"\ncritical = "200ms"\n',
            "mlmon.toml: rules.latency_p99: warning 300ms exceeds critical 200ms",
        ),
        (
            '[rules.error_rate]\nwarning = "5%"\ncritical = "1%"\n',
            "mlmon.toml: rules.error_rate: warning 5% exceeds critical 1%",
        ),
        (
            "[rules.feature_drift]\nwarning = 0.3\n",
            "mlmon.toml: rules.feature_drift: warning 0.3 exceeds critical 0.25 (default)",
        ),
        ("[rules.latency_p99]\nfor = 0\n", "mlmon.toml: rules.latency_p99.for: must be at least 1"),
        (
            "[rules.latency_p99]\nkeep_firing_for = -1\n",
            "mlmon.toml: rules.latency_p99.keep_firing_for: must be at least 0",
        ),
        (
            "[rules.prediction_drift]\nalpha = 1.5\n",
            "mlmon.toml: rules.prediction_drift.alpha 1.5: must be between 0 and 1 (exclusive)",
        ),
        ('fail_on = "error"\n', "mlmon.toml: fail_on: expected 'warning' or 'critical'"),
        ('exit_on = "first"\n', "mlmon.toml: exit_on: expected 'last' or 'any'"),
        ("[fields]\nlatency_ms = 3\n", "mlmon.toml: fields.latency_ms: expected a string"),
        ('window = "1h"\nwindow = "2h"\n', "mlmon.toml: invalid TOML: Cannot overwrite a value (at line 2"),
        ('window = "1h\n', "mlmon.toml: invalid TOML:"),
    ],
)
def test_every_error_names_the_file_and_the_key(tmp_path, text, expected):
    message = error_of(tmp_path, text)
    assert message.startswith(expected), message


def test_invalid_toml_names_its_line(tmp_path):
    assert "line 3" in error_of(tmp_path, 'window = "1h"\n\nmin_samples = = 3\n')


def test_config_errors_are_usage_and_config_errors(tmp_path):
    write(tmp_path / "mlmon.toml", "nope = 1\n")
    with pytest.raises(UsageError):
        resolve(tmp_path)
    with pytest.raises(ConfigError):
        resolve(tmp_path)


# --- values and defaults -------------------------------------------------------------------


def test_rule_units_and_defaults(tmp_path):
    write(
        tmp_path / "mlmon.toml",
        """
[rules.latency_p99]
warning = "0.1s"
critical = 500
[rules.error_rate]
warning = 0.01
critical = "5%"
[rules.no_data]
critical = "30m"
[fields]
latency_ms = "timings.total_ms"
"features.region" = "ctx.region"
""",
    )
    settings = resolve(tmp_path)
    assert (settings.rule("latency_p99").warning.value, settings.rule("latency_p99").critical.value) == (100.0, 500.0)
    assert (settings.rule("error_rate").warning.value, settings.rule("error_rate").critical.value) == (0.01, 0.05)
    assert settings.rule("no_data").critical.value == timedelta(minutes=30)
    assert settings.field_options() == ["latency_ms=timings.total_ms", "features.region=ctx.region"]
    drift = settings.rule("feature_drift")
    assert (drift.warning.value, drift.critical.value, drift.extra("alpha")) == (
        FeatureDriftThresholds().warning_psi,
        FeatureDriftThresholds().critical_psi,
        FeatureDriftThresholds().alpha,
    )
    assert drift.warning.source == "default"
    firing = FiringRule()
    assert (drift.for_windows.value, drift.keep_firing_for.value) == (firing.for_windows, firing.keep_firing_for)


def test_exit_on_values_match_the_rules_enum():
    from mlmon.config.schema import EXIT_ON

    assert set(EXIT_ON) == {e.value for e in ExitOn}


def test_the_config_room_imports_only_leaves():
    allowed = (
        "mlmon.config",
        "mlmon.errors",
        "mlmon.units",
        "mlmon.options",
        "mlmon.windows",
        "mlmon.verdicts.registry",
    )
    for path in sorted((REPO / "mlmon" / "config").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module]
                if isinstance(node, ast.ImportFrom) and node.module
                else []
            )
            for name in names:
                assert not name.startswith("mlmon") or name.startswith(allowed), f"{path.name}: {name}"
                assert name.split(".")[0] not in {"polars", "numpy", "scipy"}, f"{path.name}: {name}"


# --- mlmon config show ---------------------------------------------------------------------


def test_config_show_prints_every_setting_with_its_source(runner, tmp_path, monkeypatch):
    write(tmp_path / "mlmon.toml", 'window = "1h"\n[rules.latency_p99]\ncritical = "200ms"\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLMON_MIN_SAMPLES", "42")
    for name in (
        "MLMON_CONFIG",
        "MLMON_WINDOW",
        "MLMON_FAIL_ON",
        "MLMON_EXIT_ON",
        "MLMON_REFERENCE",
        "MLMON_MAX_SILENCE",
    ):
        monkeypatch.delenv(name, raising=False)
    result = runner.invoke(app, ["config", "show"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "window = 1h  (file mlmon.toml)" in lines
    assert "min_samples = 42  (env MLMON_MIN_SAMPLES)" in lines
    assert "fail_on = critical  (default)" in lines
    assert "rules.latency_p99.critical = 200ms  (file mlmon.toml)" in lines
    assert "rules.feature_drift.warning = 0.005  (default)" in lines
    assert all(" = " in line and line.endswith(")") for line in lines)


def test_config_show_with_the_example(runner, monkeypatch):
    monkeypatch.chdir(REPO)
    monkeypatch.delenv("MLMON_WINDOW", raising=False)
    result = runner.invoke(app, ["config", "show", "--config", "examples/mlmon.toml"])
    assert result.exit_code == 0, result.output
    assert "window = 1d  (file examples/mlmon.toml)" in result.stdout.splitlines()
    assert result.stdout.splitlines()[0] == f"config_file = {EXAMPLE}  (flag --config)"


def test_a_config_path_is_shown_as_given(runner, tmp_path, monkeypatch):
    """Issue 22 §8: ``--config`` (or ``MLMON_CONFIG``) with an absolute path under the
    working directory is named by that path, in sources and in errors; a relative one as
    written; a file found by the search, relative to the working directory."""
    config = write(tmp_path / "etc" / "mlmon.toml", 'window = "1h"\n')
    monkeypatch.chdir(tmp_path)
    for name in ("MLMON_CONFIG", "MLMON_WINDOW"):
        monkeypatch.delenv(name, raising=False)
    assert resolve(tmp_path, config=str(config)).window.source == f"file {config}"
    assert resolve(tmp_path, env={"MLMON_CONFIG": str(config)}).window.source == f"file {config}"
    assert resolve(tmp_path, config="etc/mlmon.toml").window.source == "file etc/mlmon.toml"
    assert resolve(tmp_path, config="./etc/../etc/mlmon.toml").window.source == "file ./etc/../etc/mlmon.toml"
    result = runner.invoke(app, ["config", "show", "--config", str(config)])
    assert f"window = 1h  (file {config})" in result.stdout.splitlines()
    write(config, '[rules.latency_p99]\ncritical = "fast"\n')
    check = runner.invoke(app, ["check", str(config), "--config", str(config)])
    assert check.exit_code == 2 and check.stderr.startswith(
        f"mlmon: error: {config}: rules.latency_p99.critical: invalid latency"
    )
    write(tmp_path / "mlmon.toml", 'window = "2h"\n')
    assert resolve(tmp_path).window.source == "file mlmon.toml"


def test_max_silence_from_a_flag_or_the_environment_is_no_datas_critical_level_and_turns_it_on(
    runner, tmp_path, monkeypatch
):
    """``config show`` shows what check uses: MLMON_MAX_SILENCE as ``[rules.no_data]``'s
    critical level, and the rule on though the file turns it off (flags and variables win)."""
    write(tmp_path / "mlmon.toml", "[rules.no_data]\nenabled = false\n")
    monkeypatch.chdir(tmp_path)
    for name in ("MLMON_CONFIG", "MLMON_MAX_SILENCE"):
        monkeypatch.delenv(name, raising=False)
    assert not resolve(tmp_path).rule("no_data").enabled.value
    flag = resolve(tmp_path, flags={"max_silence": "15m"}).rule("no_data")
    assert (flag.enabled.value, flag.enabled.source, flag.critical.value) == (
        True,
        "flag --max-silence",
        timedelta(minutes=15),
    )
    result = runner.invoke(app, ["config", "show"], env={"MLMON_MAX_SILENCE": "20m"})
    lines = result.stdout.splitlines()
    assert "rules.no_data.enabled = true  (env MLMON_MAX_SILENCE)" in lines
    assert "rules.no_data.critical = 20m  (env MLMON_MAX_SILENCE)" in lines


def test_config_show_error_is_one_line_exit_2(runner, tmp_path, monkeypatch):
    write(tmp_path / "mlmon.toml", '[rules.latency_p99]\ncritical = "2x"\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLMON_CONFIG", raising=False)
    result = runner.invoke(app, ["config", "show"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "mlmon: error: mlmon.toml: rules.latency_p99.critical: invalid latency '2x': use e.g. 200ms, 0.2s or 500us"
    ]


def test_rule_min_samples_precedence(tmp_path):
    """A flag or MLMON_MIN_SAMPLES wins; else a rule's own key; else the top-level key."""
    (tmp_path / "mlmon.toml").write_text("min_samples = 50\n[rules.prediction_drift]\nmin_samples = 80\n")
    settings = resolve_settings({}, {}, tmp_path)
    assert settings.rule("prediction_drift").extra("min_samples") == 80
    assert settings.rule("feature_drift").extra("min_samples") == 50
    env = resolve_settings({}, {"MLMON_MIN_SAMPLES": "30"}, tmp_path)
    assert env.rule("prediction_drift").extra("min_samples") == 30
    flag = resolve_settings({"min_samples": 20}, {"MLMON_MIN_SAMPLES": "30"}, tmp_path)
    assert [flag.rule(name).extra("min_samples") for name in ("prediction_drift", "feature_drift")] == [20, 20]
    (tmp_path / "mlmon.toml").write_text("[rules.prediction_drift]\nalpha = 0.01\n")
    assert resolve_settings({}, {}, tmp_path).rule("prediction_drift").extra("min_samples") == 200
