"""Smaller things a newcomer hit (issue 21 §6): ignored files named, every written file
said on stderr in one shape, a whole-range drift run that says it is the whole range
(and which --window would date the change) instead of a "first breach" at the first
record, the confidence baseline in words, and a PredictionLog that leaves no empty file
when the service fails before logging."""

from __future__ import annotations

import json
import os
import random
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mlmon.cli import app
from mlmon.render.human import fitting_window, fmt_size, some_of, wrote_line

T0 = datetime(2026, 11, 9, tzinfo=UTC)
DAYS = 6
SHIFT_DAY = 3  # the class shares change at the start of the 4th day (2026-11-12)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("MLMON_")] + ["COLUMNS", "NO_COLOR", "FORCE_COLOR"]:
        monkeypatch.delenv(name, raising=False)


def _iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def _logs(tmp_path: Path, with_confidence: bool = True) -> Path:
    """Six days of predictions, 600 a day, evenly A/B/C/D until day 4, then 85% A."""
    rng = random.Random(3)
    lines = []
    for day in range(DAYS):
        for k in range(600):
            label = "A" if day >= SHIFT_DAY and rng.random() < 0.8 else "ABCD"[k % 4]
            record = {"ts": _iso(T0 + timedelta(days=day, seconds=60 + k * 140)), "event": "prediction", "label": label}
            if with_confidence:
                record["confidence"] = round(0.7 + rng.random() / 4, 3)
            lines.append(json.dumps(record))
    path = tmp_path / "logs" / "app.jsonl"
    path.parent.mkdir(exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def _reference(tmp_path: Path, with_confidence: bool = True) -> Path:
    rows = ["label,confidence" if with_confidence else "label"]
    rows += [f"{'ABCD'[i % 4]},0.85" if with_confidence else "ABCD"[i % 4] for i in range(4000)]
    path = tmp_path / "train.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


# -- ignored files are named --------------------------------------------------------------------


def test_some_of():
    assert some_of([]) == "" and some_of(["a"]) == "a"
    assert some_of(["a", "b", "c", "d"]) == "a, b, c, d"  # "and 1 more" would save nothing
    assert some_of(["a", "b", "c", "d", "e"]) == "a, b, c and 2 more"
    assert some_of([f"f{i}" for i in range(1203)], sep="; ") == "f0; f1; f2 and 1,200 more"


@pytest.mark.parametrize("others", [["README.md", "notes.txt"], ["a.csv", "b.csv", "c.csv", "d.md", "e.py", "f.txt"]])
def test_ignored_files_are_named(runner, tmp_path, others):
    logs = _logs(tmp_path).parent
    for name in others:
        (logs / name).write_text("not a log\n")
    machine = runner.invoke(app, ["report", str(logs), "--format", "json"])
    ignored = json.loads(machine.stdout)["inputs"]["ignored_files"]
    assert sorted(Path(p).name for p in ignored) == sorted(others)  # the JSON's list is the oracle
    text = runner.invoke(app, ["report", str(logs)], env={"NO_COLOR": "1"}).stdout
    line = " ".join(text[text.index("ignored ") :].split("\n\n")[0].split())
    named = ignored if len(ignored) <= 4 else ignored[:3]
    expected = ", ".join(named) + ("" if len(ignored) <= 4 else f" and {len(ignored) - 3} more")
    assert line.startswith(f"ignored {len(others)} files in directories that do not look like logs: {expected}"), line


# -- every written file is said, in one shape -------------------------------------------------


def test_wrote_line():
    assert fmt_size(999) == "999 bytes" and fmt_size(14_200) == "14.2 kB" and fmt_size(3_100_000) == "3.1 MB"
    assert wrote_line("r.html", 14_200, "html") == "mlmon: wrote r.html (14.2 kB): html"
    assert wrote_line("-", None) == "mlmon: wrote standard output"


@pytest.mark.parametrize(
    ("args", "name", "details"),
    [
        (["report", "{logs}", "-o", "{out}"], "report.html", "html"),
        (["report", "{logs}", "--format", "json", "--output", "{out}"], "report.json", "json"),
        (["drift", "-r", "{ref}", "{logs}", "--window", "1d", "-f", "junit", "-o", "{out}"], "drift.xml", "junit"),
        (["check", "{logs}", "-r", "{ref}", "-f", "prometheus", "-o", "{out}"], "mlmon.prom", "prometheus"),
        (
            ["reference", "build", "{ref}", "-o", "{out}"],
            "train.json",
            "4,000 rows, 0 features; classes A 25.0%  B 25.0%  C 25.0%  D 25.0%",
        ),
    ],
    ids=lambda v: v[0] if isinstance(v, list) else None,
)
def test_every_written_file_is_said_on_stderr(runner, tmp_path, args, name, details):
    logs, ref, out = _logs(tmp_path), _reference(tmp_path), tmp_path / "out" / name
    out.parent.mkdir()
    argv = [a.format(logs=logs, ref=ref, out=out) for a in args]
    result = runner.invoke(app, argv)
    assert result.exit_code in (0, 1), result.output
    size = out.stat().st_size
    assert wrote_line(str(out), size, details) in result.stderr.splitlines()
    assert re.search(rf"^mlmon: wrote {re.escape(str(out))} \({re.escape(fmt_size(size))}\)", result.stderr, re.M)
    if "--format" in argv or "-f" in argv or name.endswith(".json"):
        assert result.stdout == "" or name == "train.json"
    quiet = runner.invoke(app, [*argv, "-q"] if argv[0] != "reference" else [*argv, "--quiet"])
    assert "mlmon: wrote" not in quiet.stderr


def test_bench_says_the_files_it_wrote(runner, tmp_path):
    pytest.importorskip("onnxruntime")
    log, out = tmp_path / "bench.jsonl", tmp_path / "bench.json"
    result = runner.invoke(app, ["bench", "-n", "5", "--warmup", "0", "--log", str(log), "-f", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    records = len(log.read_text().splitlines())
    lines = result.stderr.splitlines()
    assert wrote_line(str(log), log.stat().st_size, f"{records:,} inference records") in lines
    assert wrote_line(str(out), out.stat().st_size, "json") in lines


# -- whole-range drift says so --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("span", "window"),
    [
        (timedelta(days=7), "1d"),
        (timedelta(days=3), "1d"),
        (timedelta(days=1), "6h"),
        (timedelta(hours=3), "1h"),
        (timedelta(minutes=50), "15m"),
        (timedelta(minutes=2), "1m"),
    ],
)
def test_fitting_window_splits_the_span_into_at_least_three(span, window):
    assert fitting_window(span) == window


def test_whole_range_drift_says_it_is_the_whole_range_and_which_window_dates_it(runner, tmp_path):
    logs, ref = _logs(tmp_path), _reference(tmp_path)
    whole = runner.invoke(app, ["drift", "-r", str(ref), str(logs)], env={"NO_COLOR": "1"})
    assert whole.exit_code == 1, whole.output
    text = " ".join(whole.stdout.split())
    assert "first breach" not in text
    first, last = "2026-11-09 00:01", "2026-11-14 23:18"  # the logs' first and last records, by construction
    assert f"drift over the whole range, {first} to {last} UTC (critical)" in text, text
    assert "add --window 1d to find the first window that drifted" in text
    html = tmp_path / "drift.html"
    runner.invoke(app, ["drift", "-r", str(ref), str(logs), "-o", str(html)])
    page = " ".join(html.read_text().split())
    assert f"Drift over the whole range, {first} to {last} UTC (critical)" in page and "First breach" not in page
    daily = runner.invoke(app, ["drift", "-r", str(ref), str(logs), "--window", "1d"], env={"NO_COLOR": "1"})
    assert "first breach: 2026-11-12 UTC (critical)" in " ".join(daily.stdout.split())  # the day the shares moved
    dated = json.loads(runner.invoke(app, ["drift", "-r", str(ref), str(logs), "--window", "1d", "-f", "json"]).stdout)
    flagged = [w["start"][:10] for w in dated["prediction_drift"]["windows"] if w["severity"] != "ok"]
    assert flagged == ["2026-11-12", "2026-11-13", "2026-11-14"]


def test_the_confidence_baseline_is_said_in_words(runner, tmp_path):
    logs, ref = _logs(tmp_path), _reference(tmp_path, with_confidence=False)
    whole = runner.invoke(app, ["drift", "-r", str(ref), str(logs)], env={"NO_COLOR": "1"})
    text = " ".join(whole.stdout.split())
    assert "first_window" not in whole.stdout
    assert "baseline: first window with enough data" in text
    assert (
        "the whole range is one window: nothing to compare it with (the reference has no confidence); add --window 1d"
        in text
    )
    machine = json.loads(
        runner.invoke(app, ["drift", "-r", str(ref), str(logs), "--window", "1d", "-f", "json"]).stdout
    )
    finding = next(f for f in machine["findings"] if f["check"] == "confidence_collapse")
    assert "first_window" not in finding["message"] and "the first window with enough data" in finding["message"]


# -- a PredictionLog leaves no empty file ---------------------------------------------------------


def test_a_log_is_created_at_its_first_record(tmp_path):
    from mlmon.instrument import PredictionLog

    path = tmp_path / "logs" / "service.jsonl"
    log = PredictionLog(path, model="m")
    assert not path.parent.exists()  # nothing on disk until a record is written
    log.inference(1.5)
    log.inference(2.5)
    log.close()
    assert [json.loads(line)["latency_ms"] for line in path.read_text().splitlines()] == [1.5, 2.5]
    replaced = PredictionLog(path, append=False)
    assert len(path.read_text().splitlines()) == 2  # replaced only when the first record comes
    replaced.inference(3.0)
    replaced.close()
    assert [json.loads(line)["latency_ms"] for line in path.read_text().splitlines()] == [3.0]
    closed = PredictionLog(tmp_path / "never.jsonl")
    closed.close()
    closed.inference(1.0)  # after close: counted, never raised, and no file made
    assert closed.failures == 1 and not (tmp_path / "never.jsonl").exists()


def test_a_model_that_does_not_load_leaves_no_log(tmp_path, monkeypatch):
    ort = pytest.importorskip("onnxruntime")
    from mlmon.instrument import MonitoredSession, PredictionLog

    monkeypatch.chdir(tmp_path)
    log = PredictionLog("logs/imgcls4.jsonl", model="imgcls4")
    with pytest.raises(Exception):  # noqa: B017 (onnxruntime's own error type for a missing file)
        MonitoredSession(ort.InferenceSession("mlmon/models/imgcls4.onnx"), log)  # not here: the README's old path
    assert not (tmp_path / "logs").exists()


def test_a_path_that_cannot_be_opened_is_a_counted_failure(tmp_path, capsys):
    from mlmon.instrument import PredictionLog

    (tmp_path / "taken").write_text("a file where the log's directory should be\n")
    log = PredictionLog(tmp_path / "taken" / "app.jsonl")
    log.inference(1.0)
    log.inference(2.0)
    assert log.failures == 2 and log.records_written == 0
    assert capsys.readouterr().err.count("mlmon.instrument: could not write") == 1
