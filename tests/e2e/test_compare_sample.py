"""``mlmon compare`` on the sample week: the canary fails for the reasons planted in it,
read against the generator's own truth (``python sample_logs/generate.py --truth``), and
1.4.0 split in two at random passes against itself."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlmon.cli.app import app
from tests.conftest import SAMPLE_LOGS, sample_truth


@pytest.fixture(scope="module")
def canary():
    truth = sample_truth()["canary"]
    done = CliRunner().invoke(
        app, ["compare", str(SAMPLE_LOGS), "--baseline", "1.4.0", "--candidate", "1.5.0", "-f", "json"]
    )
    return truth, json.loads(done.stdout), done.exit_code


def test_the_canary_fails_for_the_planted_reasons(canary) -> None:
    truth, doc, code = canary
    assert code == 1
    assert doc["verdict"] == "fail"
    verdicts = {m["metric"]: m["verdict"] for m in doc["metrics"]}
    assert verdicts["latency_p99"] == "fail"  # slower at the tail (critical)
    assert verdicts["latency_p95"] == "fail"
    assert verdicts["predicted_classes"] == "fail"  # shifted predictions (critical)
    assert verdicts["latency_p50"] == "pass"  # the median holds
    assert verdicts["error_rate"] == "pass"  # the same status shares


def test_the_canary_figures_equal_the_truth(canary) -> None:
    truth, doc, _ = canary
    base, cand = truth["per_version"]["1.4.0"], truth["per_version"]["1.5.0"]
    assert doc["baseline"]["requests"] == base["inference"]
    assert doc["candidate"]["requests"] == cand["inference"]
    assert doc["candidate"]["predictions"] == cand["prediction"]
    metrics = {m["metric"]: m for m in doc["metrics"]}
    for q in ("p50", "p95", "p99"):
        assert metrics[f"latency_{q}"]["baseline"] == pytest.approx(base["latency_ms_all"][q], abs=5e-4)
        assert metrics[f"latency_{q}"]["candidate"] == pytest.approx(cand["latency_ms_all"][q], abs=5e-4)
    assert metrics["error_rate"]["baseline"] == pytest.approx(base["error_rate_non_ok"], abs=5e-7)
    assert metrics["error_rate"]["candidate"] == pytest.approx(cand["error_rate_non_ok"], abs=5e-7)
    assert metrics["confidence_mean"]["candidate"] == pytest.approx(cand["confidence_mean"], abs=5e-5)
    shares = {c["name"]: c["candidate"] for c in doc["classes"]}
    assert shares == pytest.approx(cand["label_shares"], abs=5e-5)
    assert doc["period"]["since"] >= truth["period"][0] and doc["period"]["until"] <= truth["period"][1]


def _split_by_request(tmp: Path) -> tuple[Path, Path]:
    """1.4.0's records of the week in two files, each request (and its label) on one side."""
    halves = (tmp / "a.log").open("w"), (tmp / "b.log").open("w")
    for path in sorted(SAMPLE_LOGS.glob("replica-*/app.log*")):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt") as lines:
            for line in lines:
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if record.get("model_version") != "1.4.0":
                    continue
                key = record.get("request_id") or line
                halves[int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % 2].write(line)
    for half in halves:
        half.close()
    return tmp / "a.log", tmp / "b.log"


def test_a_version_split_at_random_passes_against_itself(tmp_path: Path) -> None:
    a, b = _split_by_request(tmp_path)
    reference = str(SAMPLE_LOGS.parent / "references" / "train.json")  # calibrated: CBPE estimates each half
    args = ["compare", "--baseline-logs", str(a), "--candidate-logs", str(b), "-r", reference, "-f", "json"]
    done = CliRunner().invoke(app, args)
    doc = json.loads(done.stdout)
    assert done.exit_code == 0, done.output
    assert doc["verdict"] == "pass"
    assert {m["verdict"] for m in doc["metrics"]} == {"pass"}
    assert {m["metric"] for m in doc["metrics"]} >= {
        "latency_p99",
        "error_rate",
        "predicted_classes",
        "accuracy",
        "estimated_accuracy",
    }


def test_the_readmes_cut_example_is_lines_of_the_complete_one() -> None:
    """The README shows the canary's comparison cut (``...``); every line it keeps is a line
    of the complete block on docs/commands/compare.md, which tests/e2e/test_doc_examples.py
    runs."""
    command = "$ mlmon compare sample_logs/ --baseline 1.4.0 --candidate 1.5.0\n"

    def block(page: str) -> list[str]:
        text = (SAMPLE_LOGS.parent / page).read_text(encoding="utf-8")
        start = text.index(command) + len(command)
        return text[start : text.index("```", start)].splitlines()

    cut = [line for line in block("README.md") if line != "..."]
    assert len(cut) >= 5
    assert set(cut) <= set(block("docs/commands/compare.md"))


def test_an_estimate_the_candidate_cannot_have_is_named() -> None:
    """1.5.0's confidences leave the reference's calibrated range: no estimate, and why."""
    reference = str(SAMPLE_LOGS.parent / "references" / "train.json")
    args = ["compare", str(SAMPLE_LOGS), "--baseline", "1.4.0", "--candidate", "1.5.0", "-r", reference, "-f", "json"]
    doc = json.loads(CliRunner().invoke(app, args).stdout)
    (estimate,) = [m for m in doc["metrics"] if m["metric"] == "estimated_accuracy"]
    assert estimate["verdict"] == "no data"
    assert estimate["reason"].startswith("no estimate for the candidate: confidence outside the reference's range")
    assert estimate["candidate"] is None and 0 < estimate["baseline"] < 1
