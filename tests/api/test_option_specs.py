"""Issue 21 §2e: the Python API checks what the CLI checks. One spec per option
(``mlmon.options``, ``mlmon.config.specs``) serves the flags, the config file and the options classes; every
bad value is refused by all three with the same reason, only the name in front differs
(``--alpha 1.5: ...``, ``mlmon.toml: rules.prediction_drift.alpha 1.5: ...``,
``alpha (--alpha) 1.5: ...``). The oracle is the CLI run through typer's CliRunner."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mlmon import (
    AlertRule,
    CheckOptions,
    CheckRules,
    DriftOptions,
    FiringRule,
    IngestOptions,
    PerformanceOptions,
    ReferenceBuildOptions,
    ReportOptions,
    SummaryOptions,
    build_bench_report,
    build_check,
    build_drift_report,
    build_reference,
    build_report,
    build_summary,
)
from mlmon.cli import app
from mlmon.config import ConfigFileError, resolve_settings
from mlmon.config.specs import RULES, TOP_LEVEL, rule_keys
from mlmon.errors import UsageError
from mlmon.options import OptionError, OptionTypeError

T0 = 1_762_646_400  # 2025-11-09 00:00 UTC


@pytest.fixture
def log(write_lines, tmp_path, monkeypatch) -> str:
    """A small valid log, and a working directory with no config file and no MLMON_*."""
    monkeypatch.chdir(tmp_path)
    for name in (
        "MLMON_CONFIG",
        "MLMON_WINDOW",
        "MLMON_MIN_SAMPLES",
        "MLMON_FAIL_ON",
        "MLMON_EXIT_ON",
        "MLMON_REFERENCE",
        "MLMON_MAX_SILENCE",
    ):
        monkeypatch.delenv(name, raising=False)
    rows = [
        {
            "ts": T0 + 60 * i,
            "event": "inference",
            "latency_ms": 10 + i % 7,
            "status": "ok",
            "label": "AB"[i % 2],
            "confidence": 0.9,
        }
        for i in range(300)
    ]
    return str(write_lines("app.jsonl", rows))


def _twin(cls, field):
    return lambda value: cls(**{field: value})


def _bench(keyword):
    return lambda value: build_bench_report(**{keyword: value})


def _no_data(value):
    return CheckOptions(rules={"no_data": {"critical": value}})


# (command, flag, bad values, the Python twin given the same value, how the twin names it)
FLAGS = [
    (
        "report",
        "--window",
        ["7x", "0", "-1h", "0s", "1.5", "true", "nan", "2%"],
        _twin(ReportOptions, "window"),
        "window (--window)",
    ),
    (
        "report",
        "--p99-budget",
        ["fast", "-5ms", "nan", "inf", "2%", "true", "1d", ""],
        _twin(ReportOptions, "p99_budget"),
        "p99_budget_ms (--p99-budget)",
    ),
    (
        "report",
        "--max-error-rate",
        ["2", "200%", "-1%", "nan", "inf", "1d", "true", "1.5"],
        _twin(ReportOptions, "max_error_rate"),
        "max_error_rate (--max-error-rate)",
    ),
    (
        "report",
        "--max-malformed",
        ["lots", "150%", "-0.1", "nan"],
        _twin(IngestOptions, "max_malformed_share"),
        "max_malformed_share (--max-malformed)",
    ),
    ("report", "--since", ["yesterday-ish", "0h", "-1h"], _twin(IngestOptions, "since"), "since (--since)"),
    ("report", "--until", ["soon"], _twin(IngestOptions, "until"), "until (--until)"),
    ("report", "--engine", ["spark", "true"], _twin(IngestOptions, "engine"), "engine (--engine)"),
    ("report", "--envelope", ["splunk", "true", ""], _twin(IngestOptions, "envelope"), "envelope (--envelope)"),
    (
        "drift",
        "--alpha",
        ["1.5", "0", "1", "nan", "inf", "-0.1", "often", "150%", "true"],
        _twin(DriftOptions, "alpha"),
        "alpha (--alpha)",
    ),
    (
        "drift",
        "--warning-psi",
        ["-1", "nan", "x", "-inf", "5%"],
        _twin(DriftOptions, "warning_psi"),
        "warning_psi (--warning-psi)",
    ),
    ("drift", "--critical-psi", ["-0.5", "nan"], _twin(DriftOptions, "critical_psi"), "critical_psi (--critical-psi)"),
    (
        "drift",
        "--low-confidence",
        ["1.5", "1", "-0.1", "nan", "inf"],
        _twin(DriftOptions, "low_confidence"),
        "low_confidence (--low-confidence)",
    ),
    (
        "drift",
        "--confidence-drop",
        ["-0.1", "1", "nan", "1.5"],
        _twin(DriftOptions, "collapse_drop"),
        "collapse_drop (--confidence-drop)",
    ),
    (
        "drift",
        "--min-samples",
        ["0", "-5", "many", "1.5", "true"],
        _twin(DriftOptions, "min_samples"),
        "min_samples (--min-samples)",
    ),
    ("check", "--exit-on", ["first"], _twin(CheckOptions, "exit_on"), "exit_on (--exit-on)"),
    ("check", "--max-silence", ["0s", "7x", "-5m"], _no_data, "rules.no_data.critical"),
    ("bench", "--duration", ["7x", "0s", "-1s"], _bench("duration"), "duration_s (--duration)"),
    ("bench", "--p99-budget", ["fast", "-1ms", "nan"], _bench("p99_budget"), "p99_budget_ms (--p99-budget)"),
    ("bench", "--batch-size", ["0", "x", "1,0"], _bench("batch_sizes"), "batch_sizes (--batch-size)"),
    ("bench", "--warmup", ["-1"], _bench("warmup"), "warmup (--warmup)"),
    ("bench", "--iterations", ["0"], _bench("iterations"), "iterations (--iterations)"),
    ("bench", "--concurrency", ["0"], _bench("concurrency"), "concurrency (--concurrency)"),
    ("bench", "--threads", ["-1"], _bench("threads"), "threads (--threads)"),
    ("bench", "--seed", ["-1"], _bench("seed"), "seed (--seed)"),
]
CASES = [(command, flag, value, twin, name) for command, flag, values, twin, name in FLAGS for value in values]


def _args(command: str, log: str) -> list[str]:
    return {"report": ["report", log], "drift": ["drift", log], "check": ["check", log], "bench": ["bench"]}[command]


def cli_reason(runner, args: list[str], flag: str) -> str:
    """The CLI's one-line refusal (exit 2, nothing on stdout), less ``mlmon: error: FLAG``."""
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"mlmon: error: {flag}"), result.stderr
    assert result.stdout == ""
    return lines[0].removeprefix(f"mlmon: error: {flag}")


@pytest.mark.parametrize(
    ("command", "flag", "value", "twin", "name"), CASES, ids=[f"{c[0]} {c[1]} {c[2]!r}" for c in CASES]
)
def test_the_cli_and_its_python_twin_refuse_a_bad_value_alike(runner, log, command, flag, value, twin, name):
    reason = cli_reason(runner, [*_args(command, log), flag, value], flag)
    with pytest.raises(OptionError) as raised:
        twin(value)
    assert isinstance(raised.value, ValueError) and isinstance(raised.value, UsageError)
    assert str(raised.value) == name + reason


def test_a_refused_value_reads_as_the_issue_asks(runner, log):
    assert (
        cli_reason(runner, ["drift", log, "--alpha", "1.5"], "--alpha") == " 1.5: must be between 0 and 1 (exclusive)"
    )
    with pytest.raises(ValueError, match=r"^alpha \(--alpha\) 1\.5: must be between 0 and 1 \(exclusive\)$"):
        DriftOptions(alpha=1.5)
    with pytest.raises(
        ValueError, match=r"^max_error_rate \(--max-error-rate\): invalid ratio '2': must lie between 0 and 1"
    ):
        ReportOptions(max_error_rate=2)  # not 200%


@pytest.mark.parametrize(
    ("make", "typed", "text"),
    [
        (_twin(ReportOptions, "max_error_rate"), 2, "2"),
        (_twin(ReportOptions, "max_error_rate"), 1.5, "1.5"),
        (_twin(ReportOptions, "max_error_rate"), -0.01, "-0.01"),
        (_twin(ReportOptions, "max_error_rate"), math.nan, "nan"),
        (_twin(ReportOptions, "p99_budget_ms"), math.nan, "nan"),
        (_twin(ReportOptions, "p99_budget_ms"), math.inf, "inf"),
        (_twin(ReportOptions, "p99_budget_ms"), -5, "-5"),
        (_twin(ReportOptions, "p99_warning_ms"), -5.5, "-5.5"),
        (_twin(ReportOptions, "warning_error_rate"), 2.0, "2"),
        (_twin(ReportOptions, "window"), 0, "0"),
        (_twin(ReportOptions, "window"), -3, "-3"),
        (_twin(ReportOptions, "window"), timedelta(0), "0s"),
        (_twin(ReportOptions, "window"), timedelta(hours=-1), "-1h"),
        (_twin(DriftOptions, "alpha"), 1.5, "1.5"),
        (_twin(DriftOptions, "alpha"), 0, "0"),
        (_twin(DriftOptions, "alpha"), math.inf, "inf"),
        (_twin(DriftOptions, "min_samples"), 0, "0"),
        (_twin(DriftOptions, "warning_psi"), -1, "-1"),
        (_twin(DriftOptions, "critical_psi"), math.nan, "nan"),
        (_twin(DriftOptions, "low_confidence"), 1, "1"),
        (_twin(DriftOptions, "collapse_drop"), -0.1, "-0.1"),
        (_twin(DriftOptions, "warning_drop"), 1.5, "1.5"),
        (_twin(IngestOptions, "max_malformed_share"), 1.5, "1.5"),
        (_no_data, timedelta(0), "0s"),
        (_no_data, 0, "0s"),
        (_bench("duration"), 0, "0s"),
        (_bench("batch_sizes"), [8, 0], "8,0"),
        (_bench("p99_budget"), -1, "-1"),
    ],
    ids=lambda v: repr(v) if not callable(v) else None,
)
def test_a_typed_value_is_refused_as_its_text_is(make, typed, text):
    with pytest.raises(OptionError) as as_text:
        make(text)
    with pytest.raises(OptionError) as as_typed:
        make(typed)
    assert str(as_typed.value) == str(as_text.value)


NUMERIC_FIELDS = [
    (ReportOptions, ["window", "p99_budget_ms", "max_error_rate", "p99_warning_ms", "warning_error_rate"]),
    (
        DriftOptions,
        [
            "window",
            "min_samples",
            "alpha",
            "warning_psi",
            "critical_psi",
            "low_confidence",
            "collapse_drop",
            "warning_drop",
        ],
    ),
    (IngestOptions, ["max_malformed_share", "chunk_bytes", "since", "until"]),
    (CheckOptions, ["window", "now"]),
    (SummaryOptions, ["window"]),
]


@pytest.mark.parametrize(
    ("cls", "field"),
    [(cls, f) for cls, names in NUMERIC_FIELDS for f in names],
    ids=lambda v: getattr(v, "__name__", v),
)
@pytest.mark.parametrize("value", [True, False])
def test_a_boolean_is_never_a_number(cls, field, value):
    with pytest.raises(OptionTypeError) as raised:
        cls(**{field: value})
    assert isinstance(raised.value, TypeError) and isinstance(raised.value, ValueError)
    assert str(raised.value).startswith(field) and "boolean" in str(raised.value)


OPTION_CLASSES = [
    ReportOptions,
    DriftOptions,
    CheckOptions,
    SummaryOptions,
    ReferenceBuildOptions,
    IngestOptions,
    PerformanceOptions,
]


@pytest.mark.parametrize(
    ("cls", "field"),
    [(cls, f) for cls in OPTION_CLASSES for f in cls.__dataclass_fields__],
    ids=lambda v: getattr(v, "__name__", v),
)
def test_every_field_of_every_options_class_is_checked(cls, field):
    """No field takes anything: an object of no type an option takes is refused, naming it."""
    with pytest.raises(OptionError) as raised:
        cls(**{field: object()})
    assert str(raised.value).startswith(field)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            ReportOptions(window="1d", p99_budget="0.2s", max_error_rate="2%"),
            ReportOptions(window=timedelta(days=1), p99_budget_ms=200.0, max_error_rate=0.02),
        ),
        (
            ReportOptions(p99_budget=timedelta(milliseconds=250), window=5000),
            ReportOptions(p99_budget_ms=250.0, window="5000"),
        ),
        (
            DriftOptions(alpha="0.1%", low_confidence="50%", collapse_drop="inf", min_samples="50", by_version="false"),
            DriftOptions(alpha=0.001, low_confidence=0.5, collapse_drop=math.inf, min_samples=50, by_version=False),
        ),
        (
            IngestOptions(since=1_763_251_200, engine="DASK", features=["a", "b"]),
            IngestOptions(since=datetime(2025, 11, 16, tzinfo=UTC), engine="dask", features="a,b"),
        ),
        (
            CheckOptions(rules={"latency_p99": {"critical": "200ms"}, "no_data": {"critical": "15m"}}, exit_on="ANY"),
            CheckOptions(
                rules=CheckRules(latency_p99=AlertRule(critical=200.0), no_data=AlertRule(critical=900.0)),
                exit_on="any",
            ),
        ),
    ],
    ids=["report", "report typed", "drift", "ingest", "check rules"],
)
def test_strings_typed_values_and_dicts_give_the_same_options(options, expected):
    assert options == expected


def test_a_critical_level_below_the_warning_level_is_refused_as_the_cli_does(runner, log):
    reason = cli_reason(runner, ["drift", log, "--warning-psi", "0.3", "--critical-psi", "0.2"], "--warning-psi")
    assert reason == " 0.3 exceeds --critical-psi 0.2"
    with pytest.raises(OptionError) as raised:
        DriftOptions(warning_psi=0.3, critical_psi=0.2)
    fields = {"--warning-psi": "warning_psi (--warning-psi)", "--critical-psi": "critical_psi (--critical-psi)"}
    assert str(raised.value) == fields["--warning-psi"] + reason.replace("--critical-psi", fields["--critical-psi"])
    with pytest.raises(OptionError, match=r"^features\.warning_psi .* 0\.3 exceeds features\.critical_psi .* 0\.2$"):
        DriftOptions(features={"warning_psi": 0.3, "critical_psi": 0.2})
    with pytest.raises(OptionError, match=r"^rules\.error_rate: warning 0\.05 exceeds critical 0\.01$"):
        CheckOptions(rules={"error_rate": AlertRule(warning=0.05, critical=0.01)})


@pytest.mark.parametrize(
    ("toml", "python", "message"),
    [
        (
            '[rules.latency_p99]\nwarning = "300ms"\ncritical = "200ms"\n',
            {"latency_p99": {"warning": "300ms", "critical": "200ms"}},
            "rules.latency_p99: warning 300ms exceeds critical 200ms",
        ),
        (
            "[rules.prediction_drift]\ncritical = 0.005\n",
            {"prediction_drift": {"critical": 0.005}},
            "rules.prediction_drift: warning 0.01 (default) exceeds critical 0.005",
        ),
        (
            "[rules.confidence_collapse]\nwarning = 0.3\n",
            {"confidence_collapse": {"warning": 0.3}},
            "rules.confidence_collapse: warning 0.3 exceeds critical 0.1 (default)",
        ),
        (
            '[rules.no_data]\nwarning = "30m"\ncritical = "15m"\n',
            {"no_data": {"warning": 1800, "critical": "15m"}},
            "rules.no_data: warning 30m exceeds critical 15m",
        ),
    ],
)
def test_the_config_file_and_check_options_read_a_rule_alike(tmp_path, monkeypatch, toml, python, message):
    """One reading of ``[rules.NAME]`` (``parse_rule``): the same defaults, units and level rule."""
    monkeypatch.chdir(tmp_path)
    Path("mlmon.toml").write_text(toml)
    with pytest.raises(ConfigFileError) as from_file:
        resolve_settings({}, {}, Path.cwd())
    with pytest.raises(OptionError) as from_python:
        CheckOptions(rules=python)
    assert str(from_file.value) == f"mlmon.toml: {message}"
    assert str(from_python.value) == message


def test_equal_levels_are_one_tier_and_a_rule_read_from_the_file_equals_the_same_dict(tmp_path, monkeypatch):
    from mlmon.api.check_rules import rules_from_settings

    monkeypatch.chdir(tmp_path)
    Path("mlmon.toml").write_text(
        '[rules.latency_p99]\nwarning = "200ms"\ncritical = "200ms"\nfor = 3\n[rules.no_data]\ncritical = 900\n'
    )
    from_file = CheckOptions(rules=rules_from_settings(resolve_settings({}, {}, Path.cwd()))).rules
    from_dict = CheckOptions(
        rules={"latency_p99": {"warning": 0.2 * 1000, "critical": "0.2s", "for": "3"}, "no_data": {"critical": "15m"}}
    ).rules
    assert (
        from_file.latency_p99 == from_dict.latency_p99 == AlertRule(warning=200.0, critical=200.0, firing=FiringRule(3))
    )
    assert from_file.no_data.critical == from_dict.no_data.critical == 900.0


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"for": 0}, "rules.latency_p99.for: must be at least 1, got 0"),
        ({"keep_firing_for": -1}, "rules.latency_p99.keep_firing_for: must be at least 0, got -1"),
        ({"firing": {"for_windows": 0}}, "rules.latency_p99.for: must be at least 1, got 0"),
        (
            {"critcal": "1s"},
            "rules.latency_p99.critcal: unknown key (known: enabled, warning, critical, for, keep_firing_for)",
        ),
        (
            {"firing": {"for": 2}},
            "rules.latency_p99.firing: expected FiringRule or a dict of for_windows and keep_firing_for",
        ),
    ],
)
def test_a_rule_given_as_a_dict_is_checked_as_the_config_file_checks_it(rule, message):
    with pytest.raises(OptionError) as raised:
        CheckOptions(rules={"latency_p99": rule})
    assert str(raised.value).startswith(message)


def test_a_rule_without_a_warning_level_keeps_none_and_a_dict_takes_the_defaults():
    """An ``AlertRule``'s None is no tier (its documented meaning); a key a dict leaves out is
    the config's default, as a ``[rules.NAME]`` table without it is."""
    assert CheckOptions(rules={"prediction_drift": AlertRule(critical=0.3)}).rules.prediction_drift.warning is None
    assert (
        CheckOptions(rules={"prediction_drift": {"critical": 0.3}}).rules.prediction_drift.warning
        == DriftOptions().warning_psi
    )


def test_the_confidence_drop_is_checked_against_the_warning_drop(runner, log):
    with pytest.raises(
        OptionError,
        match=(
            r"^warning_drop \(rules\.confidence_collapse\.warning\) 0\.3 exceeds collapse_drop "
            r"\(--confidence-drop\) 0\.2$"
        ),
    ):
        DriftOptions(warning_drop=0.3, collapse_drop=0.2)
    assert DriftOptions(warning_drop=0.2, collapse_drop=0.2).warning_drop == 0.2  # equal: allowed
    assert DriftOptions(warning_drop=0.5, collapse_drop=math.inf).collapse_drop == math.inf  # no collapse tier
    Path("mlmon.toml").write_text("[rules.confidence_collapse]\nwarning = 0.08\n")
    reason = cli_reason(runner, ["drift", log, "--confidence-drop", "0.05"], "rules.confidence_collapse.warning")
    assert reason == " 0.08 (file mlmon.toml) exceeds --confidence-drop 0.05"


def test_none_is_the_default_everywhere():
    """One behaviour: None takes the default, for options classes and their nested thresholds alike."""
    assert DriftOptions(alpha=None).alpha == DriftOptions().alpha
    assert DriftOptions(features={"alpha": None, "min_samples": None}).features == DriftOptions().features
    assert CheckOptions(rules={"latency_p99": {"for": None, "enabled": None}}).rules.latency_p99 == AlertRule()
    assert IngestOptions(chunk_bytes=None, max_malformed_share=None) == IngestOptions()


def test_the_engine_is_checked_with_a_scheduler_too(runner, log):
    reason = cli_reason(runner, ["report", log, "--engine", "spark", "--scheduler", "tcp://127.0.0.1:1"], "--engine")
    with pytest.raises(OptionError) as raised:
        IngestOptions(engine="spark", scheduler="tcp://127.0.0.1:1")
    assert str(raised.value) == "engine (--engine)" + reason
    assert IngestOptions(scheduler="tcp://127.0.0.1:1").engine == "dask"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("0h", "invalid duration '0h': must be positive"),
        ("-1h", "invalid duration '-1h': must be positive"),
        ("99999999999w", "invalid duration '99999999999w': too long"),
        ("9999999w", "invalid duration '9999999w': reaches back before"),
    ],
)
def test_a_relative_time_is_refused_once_as_a_duration(runner, log, value, reason):
    """``--since 0h`` is read as ``--window 0h`` is: the value shown once, never a traceback."""
    assert cli_reason(runner, ["report", log, "--since", value], "--since").startswith(f": {reason}")
    with pytest.raises(OptionError, match=r"^since \(--since\): " + reason.replace("(", r"\(")):
        IngestOptions(since=value)


@pytest.mark.parametrize(
    ("rule", "bad"),
    [
        ({"drift": {"alpha": 1.5}}, "rules.drift.alpha (--alpha) 1.5: must be between 0 and 1 (exclusive)"),
        (
            {"features": {"min_samples": 0}},
            "rules.features.min_samples (rules.feature_drift.min_samples): must be at least 1, got 0",
        ),
        (
            {"confidence": {"low_threshold": 2}},
            "rules.confidence.low_threshold (--low-confidence) 2: must be at least 0 and below 1",
        ),
        ({"drift_share": 0}, "rules.drift_share (rules.feature_drift.drift_share) 0: must be above 0 and at most 1"),
        ({"prediction_drift": {"warning": -1}}, "rules.prediction_drift.warning -1: must be 0 or more"),
        ({"latency_p99": {"critical": "fast"}}, "rules.latency_p99.critical: invalid latency 'fast'"),
    ],
)
def test_check_rules_are_checked_as_the_config_file_checks_them(rule, bad):
    from mlmon.verdicts.registry import ConfidenceThresholds, DriftThresholds, FeatureDriftThresholds

    typed = {"drift": DriftThresholds, "features": FeatureDriftThresholds, "confidence": ConfidenceThresholds}
    rules = {k: typed[k](**v) if k in typed else v for k, v in rule.items()}
    with pytest.raises(OptionError) as raised:
        CheckOptions(rules=rules)
    assert str(raised.value).startswith(bad)


# --- the config file: same spec, same reason ---------------------------------------------------


@pytest.mark.parametrize(
    ("flag", "value", "toml", "key"),
    [
        ("--alpha", "1.5", "[rules.prediction_drift]\nalpha = 1.5\n", "rules.prediction_drift.alpha"),
        ("--alpha", "nan", "[rules.prediction_drift]\nalpha = nan\n", "rules.prediction_drift.alpha"),
        ("--warning-psi", "-1", "[rules.prediction_drift]\nwarning = -1\n", "rules.prediction_drift.warning"),
        (
            "--low-confidence",
            "1.5",
            "[rules.confidence_collapse]\nlow_confidence = 1.5\n",
            "rules.confidence_collapse.low_confidence",
        ),
        (
            "--confidence-drop",
            "-0.1",
            "[rules.confidence_collapse]\ncritical = -0.1\n",
            "rules.confidence_collapse.critical",
        ),
        ("--max-error-rate", "200%", '[rules.error_rate]\ncritical = "200%"\n', "rules.error_rate.critical"),
        ("--max-error-rate", "2", "[rules.error_rate]\ncritical = 2\n", "rules.error_rate.critical"),
        ("--p99-budget", "-5ms", '[rules.latency_p99]\ncritical = "-5ms"\n', "rules.latency_p99.critical"),
        ("--window", "7x", 'window = "7x"\n', "window"),
        ("--window", "0", "window = 0\n", "window"),
        ("--min-samples", "0", "min_samples = 0\n", "min_samples"),
        ("--max-silence", "0s", 'max_silence = "0s"\n', "max_silence"),
        ("--exit-on", "first", 'exit_on = "first"\n', "exit_on"),
    ],
)
def test_the_config_file_refuses_what_the_flag_refuses(runner, log, flag, value, toml, key):
    command = (
        "check"
        if flag in {"--max-silence", "--exit-on"}
        else "report"
        if flag in {"--max-error-rate", "--p99-budget"}
        else "drift"
    )
    reason = cli_reason(runner, [*_args(command, log), flag, value], flag)
    Path("mlmon.toml").write_text(toml)
    with pytest.raises(ConfigFileError) as raised:
        resolve_settings({}, {}, Path.cwd())
    assert str(raised.value) == f"mlmon.toml: {key}{reason}"


def test_every_config_key_is_one_spec_that_names_its_key():
    assert all(spec.config == key for key, spec in TOP_LEVEL.items())
    for name in RULES:
        for key, spec in rule_keys(name).items():
            assert spec.config == f"rules.{name}.{key}", (name, key)


@pytest.mark.parametrize(
    ("flag", "text", "field", "expected"),
    [
        ("alpha", "0.1%", "alpha", 0.001),
        ("low_confidence", "50%", "low_confidence", 0.5),
        ("confidence_drop", "0.2", "collapse_drop", 0.2),
        ("critical_psi", "inf", "critical_psi", math.inf),
        ("warning_psi", "0", "warning_psi", 0.0),
    ],
)
def test_the_drift_flags_accept_what_the_twin_accepts(tmp_path, flag, text, field, expected):
    from mlmon.cli.settings import drift_options_from

    settings = resolve_settings({}, {}, tmp_path)
    options = drift_options_from(settings, IngestOptions(), None, {flag: text}, {})
    assert getattr(options, field) == getattr(DriftOptions(**{field: text}), field) == expected


# --- options as a dict -------------------------------------------------------------------------


def test_every_twin_takes_its_options_as_a_dict(log):
    assert (
        build_report(log, {"window": "1h", "p99_budget": "1s"}).to_dict()
        == build_report(log, ReportOptions(window="1h", p99_budget="1s")).to_dict()
    )
    assert build_report(log, {"ingest": {"since": T0 + 3600}}).overall.records == 240


@pytest.mark.parametrize(
    ("call", "cls"),
    [
        (lambda log, o: build_report(log, o), "ReportOptions"),
        (lambda log, o: build_drift_report(log, o), "DriftOptions"),
        (lambda log, o: build_check(log, o), "CheckOptions"),
        (lambda log, o: build_summary(log, o), "SummaryOptions"),
        (lambda log, o: build_reference(log, None, o), "ReferenceBuildOptions"),
    ],
    ids=["report", "drift", "check", "summary", "reference"],
)
def test_an_unknown_option_or_a_wrong_type_names_the_options_there_are(log, call, cls):
    with pytest.raises(OptionTypeError) as raised:
        call(log, {"windw": "1d", "labl": "x"})
    message = str(raised.value)
    assert (
        isinstance(raised.value, TypeError) and f"{cls} has no option 'windw'" in message and "its options: " in message
    )
    with pytest.raises(TypeError, match=f"expected {cls} or a dict of its options, got a list"):
        call(log, ["window", "1d"])


def test_a_misspelt_option_gets_a_suggestion():
    with pytest.raises(OptionTypeError, match=r"no option 'max_eror_rate' \(did you mean 'max_error_rate'\?\)"):
        build_report("x.log", {"max_eror_rate": "1%"})
    with pytest.raises(OptionTypeError, match=r"ingest: IngestOptions has no option 'sinc' \(did you mean 'since'\?\)"):
        ReportOptions(ingest={"sinc": "6h"})


def test_the_options_leaf_and_ingest_import_nothing_above_them():
    """``mlmon.options`` is a leaf (errors and units only), so ingest's options may use it
    without reaching the config, the verdicts or the windows (imports point down only)."""
    import subprocess
    import sys

    code = (
        "import sys, mlmon.options, mlmon.ingest.reader, mlmon.ingest.time_options; "
        "print(sorted(m for m in sys.modules if m.startswith(('mlmon.config', 'mlmon.verdicts', "
        "'mlmon.windows', 'mlmon.api'))))"
    )
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"
    )
    source = (Path(__file__).resolve().parents[2] / "mlmon" / "options.py").read_text()
    assert {line.split()[1] for line in source.splitlines() if line.startswith("from mlmon")} == {
        "mlmon.errors",
        "mlmon.units",
    }
