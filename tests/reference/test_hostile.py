"""Reference profiles are input too (issue 9): every wrong type, range or shape, a document
nested too deeply or too big, is one line naming the file and the field, exit 2; null or
NaN statistics read as NaN and never crash a report; writing honours the umask and leaves
an unchanged committed profile alone."""

from __future__ import annotations

import copy
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlmon import reference as ref
from mlmon.cli.app import app
from mlmon.errors import ReferenceProfileError
from mlmon.reference import store
from tests.conftest import REPO, SAMPLE_LOGS

TRAIN_PROFILE = REPO / "references" / "train.json"
DELETE = object()
CAMERA = {
    "kind": "categorical",
    "count": 3,
    "missing_share": 0.0,
    "missing": 0,
    "category_counts": {"cam01": 2, "cam02": 1},
}


@pytest.fixture(scope="module")
def good() -> dict:
    data = json.loads(TRAIN_PROFILE.read_text())
    data["features"]["camera"] = copy.deepcopy(CAMERA)
    return data


def mutated(good: dict, where: tuple, value) -> dict:
    data = copy.deepcopy(good)
    *parents, last = where
    node = data
    for key in parents:
        node = node[key]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return data


def write(tmp_path: Path, data, name: str = "ref.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


VERSION = ref.VERSION_KEY
BAD = [
    # (where, bad value, field the message must name)
    ((VERSION,), True, VERSION),
    ((VERSION,), "1", VERSION),
    ((VERSION,), 1.0, VERSION),
    ((VERSION,), None, VERSION),
    (("created_at",), 1732500000, "created_at"),
    (("created_at",), "yesterday", "created_at"),
    (("created_at",), DELETE, "created_at"),
    (("source",), None, "source"),
    (("source",), ["train.csv"], "source"),
    (("n_rows",), -1, "n_rows"),
    (("n_rows",), "5000", "n_rows"),
    (("n_rows",), True, "n_rows"),
    (("n_rows",), 5000.5, "n_rows"),
    (("columns",), ["label"], "columns"),
    (("columns", "label"), 3, "columns.label"),
    (("columns", "proba"), "p_A,p_B", "columns.proba"),
    (("columns", "proba"), [1, 2], "columns.proba[0]"),
    (("class_counts",), [1961, 1530], "class_counts"),
    (("class_counts", "A"), -5, "class_counts.A"),
    (("class_counts", "A"), 1961.5, "class_counts.A"),
    (("class_counts", "A"), {"n": 1}, "class_counts.A"),
    (("class_shares",), "A:0.4", "class_shares"),
    (("class_shares", "A"), "0.3922", "class_shares.A"),
    (("class_shares", "A"), None, "class_shares.A"),
    (("class_shares", "A"), 1.5, "class_shares.A"),
    (("class_shares", "A"), math.inf, "class_shares.A"),
    (("class_shares", "A"), 0.5, "class_shares"),  # no longer sums to 1
    (("class_shares", "E"), 0.0, "class_shares"),  # a class class_counts lacks
    (("confidence",), [0.85], "confidence"),
    (("confidence",), 0.85, "confidence"),
    (("confidence", "mean"), True, "confidence.mean"),
    (("confidence", "mean"), "high", "confidence.mean"),
    (("confidence", "mean"), {"value": 0.8}, "confidence.mean"),
    (("confidence", "mean"), -math.inf, "confidence.mean"),
    (("confidence", "p10"), DELETE, "confidence.p10"),
    (("confidence", "count"), -1, "confidence.count"),
    (("confidence", "std"), -0.1, "confidence.std"),
    (("confidence", "share_below_0_5"), 2, "confidence.share_below_0_5"),
    (("confidence", "mean_entropy_bits"), "0.8", "confidence.mean_entropy_bits"),
    (("features",), [], "features"),
    (("features", "iso"), "numeric", "features.iso"),
    (("features", "iso", "kind"), "ordinal", "features.iso.kind"),
    (("features", "iso", "kind"), DELETE, "features.iso.kind"),
    (("features", "iso", "count"), "5000", "features.iso.count"),
    (("features", "iso", "mean"), False, "features.iso.mean"),
    (("features", "iso", "std"), -1.0, "features.iso.std"),
    (("features", "iso", "missing_share"), None, "features.iso.missing_share"),
    (("features", "iso", "missing_share"), 1.5, "features.iso.missing_share"),
    (("features", "iso", "quantiles"), [100.0, 200.0], "features.iso.quantiles"),
    (("features", "iso", "quantiles", "median"), 200.0, "features.iso.quantiles.median"),
    (("features", "iso", "quantiles", "2"), 200.0, "features.iso.quantiles.2"),
    (("features", "iso", "quantiles", "0.5"), "200", "features.iso.quantiles.0.5"),
    (("features", "iso", "bin_edges"), [None] * 5, "features.iso.bin_edges[0]"),
    (("features", "iso", "bin_edges"), [1600.0, 800.0, 400.0, 200.0, 100.0], "features.iso.bin_edges"),
    (("features", "iso", "bin_edges"), [100.0, 200.0, 200.0, 800.0, 1600.0], "features.iso.bin_edges"),
    (("features", "iso", "bin_edges"), [100.0], "features.iso.bin_edges"),
    (("features", "iso", "bin_edges"), "100,200", "features.iso.bin_edges"),
    (("features", "iso", "bin_edges"), [100.0, "200", 400.0, 800.0, 1600.0], "features.iso.bin_edges[1]"),
    (("features", "iso", "bin_counts"), [0, -1466, 1491, 1003, 1040, 0], "features.iso.bin_counts[1]"),
    (("features", "iso", "bin_counts"), [0, 1466, 0], "features.iso.bin_counts"),
    (("features", "iso", "bin_counts"), {"0": 1}, "features.iso.bin_counts"),
    (("features", "camera", "category_counts"), ["cam01"], "features.camera.category_counts"),
    (("features", "camera", "category_counts", "cam01"), -2, "features.camera.category_counts.cam01"),
    (("features", "camera", "count"), True, "features.camera.count"),
    (("features", "camera", "missing_share"), "0", "features.camera.missing_share"),
]


def _id(case) -> str:
    where, value, _ = case
    return ".".join(map(str, where)) + "=" + ("DELETE" if value is DELETE else json.dumps(value))[:20]


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


def test_the_committed_profile_with_extras_is_valid(good, tmp_path):
    profile = ref.load_profile(write(tmp_path, good))
    assert profile.features["camera"].category_counts == CAMERA["category_counts"]


@pytest.mark.parametrize(("where", "value", "field"), BAD, ids=[_id(c) for c in BAD])
def test_a_mistyped_field_is_one_error_naming_file_and_field(good, tmp_path, where, value, field):
    path = write(tmp_path, mutated(good, where, value))
    for loader in (ref.load_profile, ref.load_reference):
        with pytest.raises(ReferenceProfileError) as info:
            loader(path)
        message = one_line(str(info.value))
        assert message.startswith(f"{path}: ")
        assert f"field {field!r}: " in message, message


@pytest.mark.parametrize(("where", "value", "field"), BAD[::4], ids=[_id(c) for c in BAD[::4]])
def test_the_cli_says_it_in_one_line_with_exit_2(runner, good, tmp_path, where, value, field):
    path = write(tmp_path, mutated(good, where, value))
    result = runner.invoke(app, ["drift", "--reference", str(path), str(SAMPLE_LOGS), "--format", "json"])
    assert result.exit_code == 2, result.output
    line = one_line(result.stderr)
    assert line.startswith(f"mlmon: error: {path}: ") and f"field {field!r}" in line, line
    assert result.stdout == ""


def test_a_version_that_is_true_is_not_version_1(good, tmp_path):
    path = write(tmp_path, mutated(good, (VERSION,), True))
    with pytest.raises(ReferenceProfileError, match="expected a non-negative integer, got true"):
        ref.load_profile(path)
    with pytest.raises(ReferenceProfileError, match="version 5 is not supported"):
        ref.load_profile(write(tmp_path, mutated(good, (VERSION,), 5)))


@pytest.mark.parametrize(
    "text",
    [
        '{"a":' * 10_000 + "1" + "}" * 10_000,
        '{"mlmon_reference_version": 1, "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"mlmon_reference_version": ' + "9" * 5000 + "}",
        '{"mlmon_reference_version": 1, ',
        "{\n" + "\u00ff",
        "[1, 2]",
        "42",
        '"a string"',
        "null",
    ],
    ids=["deep-object", "deep-list", "huge-integer", "truncated", "not-utf8", "array", "number", "string", "null"],
)
def test_documents_that_are_not_profiles_are_one_line(runner, tmp_path, text):
    path = tmp_path / "ref.json"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(ReferenceProfileError) as info:
        ref.load_profile(path)
    assert one_line(str(info.value)).startswith(f"{path}: ")
    result = runner.invoke(app, ["drift", "--reference", str(path), str(SAMPLE_LOGS)])
    assert result.exit_code == 2
    assert one_line(result.stderr).startswith("mlmon: error: ")


def test_deep_nesting_through_the_real_entry_point(tmp_path):
    """RecursionError is a property of the process: run the installed entry point."""
    for name in ("ref.json", "ref.data"):
        path = tmp_path / name
        path.write_text('{"a":' * 10_000 + "1" + "}" * 10_000)
        run = subprocess.run(
            [
                sys.executable,
                "-c",
                "from mlmon.cli import main; main()",
                "drift",
                "--reference",
                str(path),
                str(SAMPLE_LOGS),
            ],
            capture_output=True,
            text=True,
            cwd=REPO,
        )
        assert run.returncode == 2, run.stderr
        line = one_line(run.stderr)
        assert line.startswith("mlmon: error: ") and str(path) in line and "internal error" not in line, line


def test_a_profile_over_the_size_cap_is_refused_unread(good, tmp_path, monkeypatch):
    assert store.MAX_PROFILE_BYTES == 64 * 2**20 and "64 MiB" in (REPO / "references" / "PROFILE_FORMAT.md").read_text()
    path = write(tmp_path, good)
    monkeypatch.setattr(store, "MAX_PROFILE_BYTES", path.stat().st_size - 1)
    for loader in (ref.load_profile, ref.load_reference):
        with pytest.raises(ReferenceProfileError, match="larger than") as info:
            loader(path)
        assert one_line(str(info.value)).startswith(f"{path}: ")


def test_big_json_lines_data_is_still_raw_data_not_a_profile(tmp_path, monkeypatch):
    rows = [{"label": "AB"[i % 2], "confidence": 0.9} for i in range(50)]
    path = tmp_path / "train.json"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    monkeypatch.setattr(store, "MAX_PROFILE_BYTES", 100)
    assert ref.load_reference(path).class_counts == {"A": 25, "B": 25}


@pytest.mark.parametrize("missing", ["null", "NaN"])
def test_null_or_nan_confidence_drifts_and_writes_strict_json(good, tmp_path, missing, runner):
    conf = {k: None for k in ("mean", "std", "p10", "p50", "p90", "share_below_0_5", "mean_entropy_bits")}
    data = mutated(good, ("confidence",), {"count": 5000, **conf})
    data.pop("calibration", None)  # its null calibrators (none kept) must not become NaN below
    path = tmp_path / "ref.json"
    path.write_text(json.dumps(data).replace("null", missing) if missing == "NaN" else json.dumps(data))
    if missing == "NaN":
        assert "NaN" in path.read_text()
    profile = ref.load_profile(path)
    assert math.isnan(profile.confidence.mean)
    run = runner.invoke(
        app, ["drift", "--reference", str(path), str(SAMPLE_LOGS), "--window", "1d", "--format", "json"]
    )
    assert run.exception is None or isinstance(run.exception, SystemExit), repr(run.exception)
    assert run.exit_code in (0, 1), run.stderr
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr
    report = json.loads(run.stdout, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
    assert report["reference"]["confidence_mean"] is None
    confidence = report["confidence"]
    # No reference mean to compare with: not the reference, and never a made-up number.
    assert confidence["baseline_source"] != "reference"
    assert all(w["baseline"] is None or math.isfinite(w["baseline"]) for w in confidence["windows"])
    assert "nan" not in json.dumps(report["findings"]).lower()


def test_profiles_are_written_with_the_umask(good, tmp_path):
    profile = ref.load_profile(write(tmp_path, good))
    old = os.umask(0o027)
    try:
        ref.save_profile(profile, tmp_path / "new.json")
    finally:
        os.umask(old)
    assert (tmp_path / "new.json").stat().st_mode & 0o777 == 0o640
    os.chmod(tmp_path / "new.json", 0o604)
    ref.save_profile(profile, tmp_path / "new.json")
    assert (tmp_path / "new.json").stat().st_mode & 0o777 == 0o604  # the mode of the file it replaces
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_rebuilding_the_readme_example_leaves_the_committed_profile_alone(runner, tmp_path, monkeypatch):
    """docs/commands/reference.md: ``mlmon reference build references/train.csv --proba-cols p_A,p_B,p_C,p_D --actual
    actual -o references/train.json`` must leave ``git status`` clean (run on a copy here)."""
    copied = tmp_path / "train.json"
    copied.write_bytes(TRAIN_PROFILE.read_bytes())
    os.utime(copied, (1, 1))
    monkeypatch.chdir(REPO)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    build = ["reference", "build", "references/train.csv", "--proba-cols", "p_A,p_B,p_C,p_D", "--actual", "actual"]
    result = runner.invoke(app, [*build, "-o", str(copied)])
    assert result.exit_code == 0, result.output
    assert copied.read_bytes() == TRAIN_PROFILE.read_bytes()
    assert copied.stat().st_mtime == 1  # not even rewritten


def test_source_date_epoch_fixes_created_at(tmp_path, monkeypatch):
    import polars as pl

    frame = pl.DataFrame({"label": ["A", "B"], "confidence": [0.9, 0.8]})
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    first = ref.build_profile(frame)
    assert ref.profile_to_dict(first)["created_at"] == "2023-11-14T22:13:20Z"
    ref.save_profile(first, tmp_path / "a.json")
    ref.save_profile(ref.build_profile(frame), tmp_path / "b.json")
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "last tuesday")
    with pytest.raises(Exception, match="SOURCE_DATE_EPOCH"):
        ref.build_profile(frame)


def test_a_changed_profile_is_rewritten(good, tmp_path):
    path = write(tmp_path, good)
    profile = ref.load_profile(path)
    changed = ref.profile_from_dict(mutated(good, ("n_rows",), 4999), origin="x")
    ref.save_profile(changed, path)
    assert json.loads(path.read_text())["n_rows"] == 4999
    ref.save_profile(profile, path)
    assert json.loads(path.read_text())["n_rows"] == 5000


def _unwritable_outputs(tmp_path: Path) -> list[tuple[Path, str]]:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    cases = [(tmp_path, "Is a directory"), (blocker / "ref.json", "a parent of it is not a directory")]
    if os.path.exists("/dev/full"):
        cases.append((Path("/dev/full"), "No space left on device"))
    return cases


def test_an_unwritable_output_is_one_line_and_no_temp_file_is_left(runner, tmp_path):
    for path, why in _unwritable_outputs(tmp_path):
        result = runner.invoke(
            app,
            [
                "reference",
                "build",
                str(REPO / "references" / "train.csv"),
                "--proba-cols",
                "p_A,p_B,p_C,p_D",
                "-o",
                str(path),
            ],
        )
        assert result.exit_code == 2, result.output
        line = one_line(result.stderr)
        assert line == f"mlmon: error: {path}: cannot write reference profile: {why}", line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]
    assert Path("/dev/full").is_char_device() or not os.path.exists("/dev/full")  # written through, not replaced


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_profile_is_one_line(good, tmp_path):
    path = write(tmp_path, good)
    path.chmod(0)
    for loader in (ref.load_profile, ref.load_reference):
        with pytest.raises(ReferenceProfileError, match="Permission denied"):
            loader(path)
