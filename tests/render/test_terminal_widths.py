"""Terminal output that fits the width and formats numbers for people (issue 12): every
command at 60, 80, 120 and 200 columns has no line longer than the width, no time split
across lines, a header on every column and its key numbers; window starts carry the
precision the windows need; sub-millisecond latency reads in µs; many windows are
summarised to a screenful."""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from mlmon.cli import app
from mlmon.render.human import (
    DAY,
    MILLI,
    MINUTE,
    SECOND,
    fmt_fixed,
    fmt_latency,
    fmt_level,
    fmt_p,
    fmt_pct,
    fmt_sig,
    fmt_span,
    fmt_time,
    humane,
    latency_unit,
    plural,
    short_times,
    time_precision,
)
from mlmon.render.terminal_fit import (
    PIPED_WIDTH,
    Col,
    fit_table,
    output_width,
    sparkline,
    wrap,
)
from tests.conftest import REPO, SAMPLE_LOGS

WIDTHS = (60, 80, 120, 200)
T0 = datetime(2026, 11, 9, tzinfo=UTC)
DATE = re.compile(r"\d{4}-\d\d-\d\d")
CLOCK = re.compile(r"\d\d:\d\d")


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """No config file, no MLMON_* variable, no COLUMNS but the test's own."""
    import os

    for name in [n for n in os.environ if n.startswith("MLMON_")] + ["COLUMNS", "LINES"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def _iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def _run(runner, args: list[str], width: int | None, codes: tuple[int, ...] = (0, 1)) -> str:
    env = {"NO_COLOR": "1"} | ({"COLUMNS": str(width)} if width else {})
    result = runner.invoke(app, args, env=env)
    assert result.exit_code in codes, result.output
    assert "\x1b[" not in result.stdout
    return result.stdout


def split_times(text: str) -> list[str]:
    """Lines where a date ends a cell (or the line) and the next line goes on with a clock
    time: a time split in two."""
    lines = text.splitlines()
    found = []
    for here, after in pairwise(lines):
        for match in DATE.finditer(here):
            rest = here[match.end() :]
            if rest.strip() and not rest.lstrip(" ").startswith(("│", "┃")):
                continue
            below = after[match.start() : match.start() + 5]
            if CLOCK.fullmatch(below) or CLOCK.match(after.lstrip()) and not rest.strip():
                found.append(f"{here!r} / {after!r}")
    return found


def check_fits(text: str, width: int) -> None:
    too_long = [line for line in text.splitlines() if len(line) > width]
    assert too_long == [], f"{len(too_long)} lines over {width}: {too_long[:3]}"
    assert split_times(text) == []
    for line in text.splitlines():
        if "┃" in line:
            cells = [cell.strip() for cell in line.split("┃")]
            assert all(cells), f"a column without a header: {line!r}"
        assert "…" not in line or "empty windows" in line, f"a cell cut short: {line!r}"


def _ten_classes(tmp_path: Path) -> tuple[Path, Path]:
    """A reference of 10 evenly used classes, and four days of logs whose last two move to
    class_0."""
    rng = random.Random(7)
    labels = [f"class_{i}" for i in range(10)]
    csv = tmp_path / "train.csv"
    csv.write_text(
        "label,confidence\n" + "".join(f"{labels[i % 10]},{0.6 + rng.random() / 3:.3f}\n" for i in range(5000))
    )
    lines = []
    for day in range(4):
        for k in range(600):
            label = labels[0] if day >= 2 and k % 2 else labels[k % 10]
            t = T0 + timedelta(days=day, seconds=k * 120)
            lines.append(
                json.dumps(
                    {
                        "timestamp": _iso(t),
                        "event": "prediction",
                        "label": label,
                        "confidence": round(0.5 + rng.random() / 2, 3),
                    }
                )
            )
    log = tmp_path / "ten.log"
    log.write_text("\n".join(lines) + "\n")
    return csv, log


SAMPLE_COMMANDS = {  # the week's p99 147.7 ms: generate.py --truth, total.latency_ms_all.p99
    "report": (["report", str(SAMPLE_LOGS)], ["60,320 lines", "p99 147.7 ms", "1.04%", "15,807"]),
    "report-1h": (
        ["report", str(SAMPLE_LOGS), "--window", "1h"],
        ["p99 147.7 ms", "2026-11-09 00:00", "Over time (1h windows, UTC)"],
    ),
    "drift-1d": (  # Thursday's p_BH: 8 windows (1.4.0's 7 and Sunday's canary 1.5.0) in the family
        ["drift", "--reference", str(REPO / "references" / "train.json"), str(SAMPLE_LOGS), "--window", "1d"],
        ["0.5944", "2026-11-12", "2.82e-236", "FAIL", "3 of 8 features drifted"],
    ),
    "check": (
        ["check", str(SAMPLE_LOGS), "--config", str(REPO / "examples" / "mlmon.toml"), "--exit-on", "any"],
        ["594.1 ms", "···CCCC", "8 critical", "2026-11-12 00:00"],
    ),
}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", SAMPLE_COMMANDS)
def test_sample_commands_fit_every_width(runner, name, width, reuse_sample_builds):  # each command read once
    args, numbers = SAMPLE_COMMANDS[name]
    text = _run(runner, args, width)
    check_fits(text, width)
    missing = [n for n in numbers if n not in text]
    assert missing == [], text


@pytest.mark.parametrize("width", WIDTHS)
def test_ten_classes_turn_round_when_they_do_not_fit(runner, tmp_path, width):
    csv, log = _ten_classes(tmp_path)
    text = _run(runner, ["drift", "--reference", str(csv), str(log), "--window", "1d"], width)
    check_fits(text, width)
    assert "FAIL" in text and "class_9" in text
    turned = "Class shares: reference and" in text
    assert turned == (width < 200), text  # 10 classes as columns need about 150 columns
    if turned:
        row = next(line for line in text.splitlines() if line.startswith("class_0 "))
        assert "10.0%" in row and "60.0%" in row  # the reference, then a shifted day (60% class_0)
    json_text = _run(runner, ["drift", "--reference", str(csv), str(log), "--window", "1d", "--format", "json"], None)
    psi = max(w["psi"] for w in json.loads(json_text)["prediction_drift"]["windows"])
    assert f"{psi:.4f}" in text


def test_the_split_time_detector_sees_the_old_drift_table():
    old = "1.4.0   │ 2026-11-09  │ 2,310 │ 0.0004\n        │ 00:00       │       │\n"
    assert split_times(old) != [] and split_times("at 2026-11-09\n00:00 it") != []
    assert split_times("2026-11-09 00:00 │ 1\n2026-11-10 00:00 │ 2\n") == []


def test_piped_output_does_not_wrap(runner, monkeypatch, reuse_sample_builds):
    import io
    import sys

    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert output_width() == PIPED_WIDTH  # not a terminal
    with monkeypatch.context() as patch:
        patch.setenv("COLUMNS", "97")
        assert output_width() == 97
    text = _run(
        runner, ["check", str(SAMPLE_LOGS), "--config", str(REPO / "examples" / "mlmon.toml"), "--exit-on", "any"], None
    )
    check_fits(text, PIPED_WIDTH)
    line = next(line for line in text.splitlines() if line.startswith("FAIL   │ latency_p99"))
    assert line.endswith("worst: p99 latency 594.1 ms is over the 250 ms critical level")


def _minute_log(tmp_path: Path, minutes: int, latency_ms: float = 20.0) -> Path:
    lines = [
        json.dumps(
            {"timestamp": _iso(T0 + timedelta(minutes=m, seconds=s)), "latency_ms": latency_ms + s / 10, "status": "ok"}
        )
        for m in range(minutes)
        for s in (5, 25, 45)
    ]
    path = tmp_path / "minutes.log"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_one_minute_windows_show_seconds(runner, tmp_path):
    text = _run(runner, ["report", str(_minute_log(tmp_path, 5)), "--window", "1m"], 80)
    check_fits(text, 80)
    for m in range(5):
        assert f"2026-11-09 00:0{m}:00 │" in text
    daily = _run(runner, ["report", str(_minute_log(tmp_path, 5)), "--window", "1d"], 80)
    assert "2026-11-09   │" in daily and "2026-11-09 00:00 │" not in daily


def test_many_windows_are_summarised_to_a_screenful(runner, tmp_path):
    log = _minute_log(tmp_path, 300)
    text = _run(runner, ["report", str(log), "--window", "1m"], 80)
    check_fits(text, 80)
    rows = [line for line in text.splitlines() if re.match(r"2026-11-09 \d\d:\d\d:\d\d │", line)]
    assert 0 < len(rows) <= 48
    assert "300 windows in rows of 7" in text
    spark = next(line for line in text.splitlines() if line.startswith("p99 "))
    assert len(spark) <= 80 and "one mark per 5 windows" in text
    check = _run(runner, ["check", str(log), "--window", "1m"], 80, codes=(0, 1, 2))
    check_fits(check, 80)


def test_sub_millisecond_latency_reads_in_microseconds(runner, tmp_path):
    """onnxruntime's bundled logreg_iris.onnx: p50 0.0077 ms, p99 0.039 ms."""
    values = [0.0077] * 90 + [0.02] * 8 + [0.039] * 2
    path = tmp_path / "bench.log"
    path.write_text(
        "".join(
            json.dumps({"timestamp": _iso(T0 + timedelta(seconds=i)), "latency_ms": v}) + "\n"
            for i, v in enumerate(values)
        )
    )
    text = _run(runner, ["report", str(path)], 80)
    assert "p50 7.7 µs" in text and "p99 39.0 µs" in text
    assert "p50 0.0" not in text and "read 100 lines from 1 file: 100 records" in text


# --- numbers and times for people ----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0077, "7.7 µs"),
        (0.039, "39.0 µs"),
        (0.5, "500.0 µs"),
        (2.354, "2.35 ms"),
        (25.3, "25.3 ms"),
        (1005.0, "1,005.0 ms"),
        (0.0, "0 ms"),
        (None, "-"),
        (float("nan"), "-"),
    ],
)
def test_latency_keeps_significant_digits_and_uses_microseconds(value, text):
    assert fmt_latency(value) == text


def test_latency_columns_take_one_unit():
    assert latency_unit([0.0077, 0.039, None]) == ("µs", 1000.0)
    assert latency_unit([0.5, 25.3]) == ("ms", 1.0)
    assert fmt_level(250) == "250 ms" and fmt_level(0.5) == "500 µs"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.82, "0.82"),
        (0.11, "0.11"),
        (0.022, "0.022"),
        (1.0, "1"),
        (2.47e-236, "2.5e-236"),
        (0.00049, "4.9e-4"),
        (0.0, "0"),
    ],
)
def test_p_values_use_scientific_notation_only_below_a_thousandth(value, text):
    assert fmt_p(value) == text


def test_ordinary_numbers_never_use_scientific_notation():
    assert [fmt_sig(v) for v in (0.0261, 0.167, 1234.5, 25.3, 1e-7, 2e6)] == [
        "0.0261",
        "0.167",
        "1,234",
        "25.3",
        "0.0000001",
        "2,000,000",
    ]


def test_no_negative_zero():
    assert fmt_fixed(-0.0002, 3, signed=True) == "0.000"
    assert fmt_fixed(-0.0002, 3) == "0.000"
    assert fmt_fixed(-0.147, 3, signed=True) == "-0.147" and fmt_fixed(0.001, 3, signed=True) == "+0.001"
    assert fmt_pct(-0.00001, 1) != "-0.0%" and fmt_pct(0.00004, 2) == "<0.01%"


def test_counts_have_separators_and_the_singular():
    assert plural(1, "line") == "1 line" and plural(51611, "line") == "51,611 lines" and plural(0, "file") == "0 files"
    assert fmt_span(604740) == "7.0 days" and fmt_span(42) == "42 seconds"


def test_verdict_sentences_read_like_the_tables():
    message = (
        "fired in 1 of 7 window(s), first at 2026-11-11T00:00:00Z; ok in 7 judged window(s); at 2026-11-11T10:02:03.5Z"
    )
    assert (
        humane(message)
        == "fired in 1 of 7 windows, first at 2026-11-11 00:00; ok in 7 judged windows; at 2026-11-11 10:02:03.5"
    )


def test_window_starts_carry_the_precision_the_windows_need():
    days = [T0 + timedelta(days=i) for i in range(3)]
    assert time_precision(days) == DAY and fmt_time(days[1], DAY) == "2026-11-10"
    assert time_precision(days[:1], timedelta(hours=1)) == MINUTE
    assert time_precision([T0, T0 + timedelta(minutes=1)]) == SECOND
    assert time_precision([T0 + timedelta(hours=1)]) == MINUTE
    assert time_precision([T0, T0 + timedelta(milliseconds=500)]) == MILLI
    assert fmt_time(T0 + timedelta(seconds=1.5), MILLI) == "2026-11-09 00:00:01.500"
    assert short_times(days, DAY) == ["11-09", "11-10", "11-11"]
    assert short_times([T0, T0 + timedelta(hours=1)], MINUTE) == ["00:00", "01:00"]


def test_wrapping_never_splits_a_time_or_a_number_from_its_unit():
    text = "first at 2026-11-12 00:00; p99 latency 594.1 ms is over the budget"
    for width in range(16, 40):
        lines = wrap(text, width)
        assert all(len(line) <= width for line in lines)
        assert any("2026-11-12 00:00" in line for line in lines) and any("594.1 ms" in line for line in lines)


def test_tables_drop_then_fold_columns_by_rank():
    import io

    from rich.console import Console

    cols = [
        Col("name", "left"),
        Col("scope", "left", drop=2, fold="name"),
        Col("extra", drop=1),
        Col("note", "left", flex=True, min_width=10),
    ]
    rows = [["latency_p99", "model_version=1.4.0", "12,345", "a long sentence that has to wrap somewhere"]]

    def shown(width: int) -> str:
        console = Console(width=width, record=True, file=io.StringIO())
        console.print(fit_table(cols, rows, width))
        return console.export_text()

    wide, middle, narrow = shown(200), shown(52), shown(40)
    assert "extra" in wide and "scope" in wide
    assert "extra" not in middle and "┃ scope" in middle
    assert "name / scope" in narrow and all(len(line) <= 40 for line in narrow.splitlines())


def test_sparklines_bucket_to_the_width_by_the_largest():
    values = [1.0] * 100
    values[57] = 9.0
    line = sparkline(values, 20)
    assert len(line) == 20 and line[11] == "█" and set(line) - {"█"} == {"▂"}
    assert sparkline([None, 0.0, 2.0]) == " ▁█"
