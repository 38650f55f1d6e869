"""Reference profile version 4 (issue 24): the calibration for estimated performance
(``reference build --actual``), checked against numpy, its JSON round trip, version-3
profiles still loading, and one-line refusals."""

from __future__ import annotations

import json
import math

import numpy as np
import polars as pl
import pytest

from mlmon import reference as ref
from mlmon.cli.app import app
from mlmon.errors import ReferenceProfileError, UsageError
from mlmon.reference.calibration import proba_classes
from mlmon.reference.profile import REFERENCE_CHUNKS
from tests.conftest import REPO

CLASSES = np.array(["A", "B", "C"])


def labelled(n: int, seed: int, k: int = 3, names: np.ndarray = CLASSES) -> pl.DataFrame:
    """A held-out table of a model calibrated by construction: ``p ~ Dirichlet(1)``, the
    truth drawn from ``p``, the prediction its argmax; probabilities over-confident
    (squared and renormalised) so that calibration helps."""
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(k), n)
    truth = (rng.random(n)[:, None] > p.cumsum(axis=1)).sum(axis=1)
    shown = p**2 / (p**2).sum(axis=1, keepdims=True)
    return pl.DataFrame(
        {
            "y_pred": names[p.argmax(axis=1)],
            "y_true": names[truth],
            **{f"p_{c}": shown[:, i] for i, c in enumerate(names)},
            "x": rng.normal(size=n),
        }
    )


@pytest.fixture(scope="module")
def table() -> pl.DataFrame:
    return labelled(5000, seed=3)


@pytest.fixture(scope="module")
def profile(table) -> ref.ReferenceProfile:
    return ref.build_profile(table, label="y_pred", proba_cols=["p_A", "p_B", "p_C"], actual="y_true", source="val")


def oracle_calibrated(p: np.ndarray, calibrators) -> np.ndarray:
    """Calibrated rows by hand: each column through its breakpoints (np.interp), rows
    renormalised (K >= 3)."""
    out = np.column_stack([p[:, k] if c is None else np.interp(p[:, k], c.x, c.y) for k, c in enumerate(calibrators)])
    return out / out.sum(axis=1, keepdims=True)


def test_the_calibration_is_the_tables_by_numpy(table, profile):
    cal = profile.calibration
    p = table.select("p_A", "p_B", "p_C").to_numpy()
    pred = np.searchsorted(CLASSES, table["y_pred"].to_numpy())
    truth = np.searchsorted(CLASSES, table["y_true"].to_numpy())
    assert profile.version == 4 == ref.PROFILE_VERSION
    assert cal.actual_column == "y_true" and cal.classes == ("A", "B", "C") and cal.rows == 5000
    assert cal.accuracy == pytest.approx(np.mean(pred == truth), abs=1e-15)
    assert cal.confidence_range == (p.max(axis=1).min(), p.max(axis=1).max())
    assert any(c is not None for c in cal.calibrators)  # squared probabilities: calibration helps
    calibrated = oracle_calibrated(p, cal.calibrators)
    assert cal.chunk_rows == 500 and len(cal.chunk_accuracy) == REFERENCE_CHUNKS
    for i in range(REFERENCE_CHUNKS):
        rows = slice(500 * i, 500 * (i + 1))
        c, y = calibrated[rows], pred[rows]
        assert cal.chunk_accuracy[i] == pytest.approx(c[np.arange(500), y].mean(), abs=1e-12)
        f1 = []
        for k in range(3):  # NannyML's estimate_f1, one-vs-rest, from the calibrated probabilities
            tp = c[y == k, k].sum()
            fp = (1 - c[y == k, k]).sum()
            fn = c[y != k, k].sum()
            f1.append(tp / (tp + (fp + fn) / 2))
        assert cal.chunk_macro_f1[i] == pytest.approx(np.mean(f1), abs=1e-12)
    values = np.array(cal.chunk_accuracy)
    low, high = cal.accuracy_band
    assert (low, high) == pytest.approx((values.mean() - 3 * values.std(), values.mean() + 3 * values.std()), abs=1e-15)
    assert 0.0 <= low < cal.accuracy < high <= 1.0


def test_chunks_differ_by_at_most_one_row_and_rows_missing_a_value_are_left_out(table):
    rough = table.head(1003).with_columns(
        pl.when(pl.int_range(pl.len()) % 7 == 0).then(None).otherwise(pl.col("y_true")).alias("y_true"),
        pl.when(pl.int_range(pl.len()) % 11 == 0).then(float("nan")).otherwise(pl.col("p_B")).alias("p_B"),
    )
    kept = rough.filter(pl.col("y_true").is_not_null() & pl.col("p_B").is_finite())
    cal = ref.build_profile(rough, label="y_pred", proba_cols=["p_A", "p_B", "p_C"], actual="y_true").calibration
    assert cal.rows == kept.height and cal.chunk_rows == kept.height // 10
    p = kept.select("p_A", "p_B", "p_C").to_numpy()
    pred = np.searchsorted(CLASSES, kept["y_pred"].to_numpy())
    calibrated = oracle_calibrated(p, cal.calibrators)
    right = calibrated[np.arange(kept.height), pred]
    # every chunk estimate is a mean of consecutive rows, and together they cover each row once
    sizes = np.diff(np.arange(11) * kept.height // 10)
    assert set(sizes) <= {kept.height // 10, kept.height // 10 + 1}
    assert np.dot(cal.chunk_accuracy, sizes) == pytest.approx(right.sum(), abs=1e-9)


def test_binary_has_one_calibrator_for_the_positive_class():
    data = labelled(4000, seed=5, k=2, names=np.array([0, 1]))
    profile = ref.build_profile(data, label="y_pred", proba_cols=["p_0", "p_1"], actual="y_true")
    cal = profile.calibration
    assert cal.classes == ("0", "1") and cal.calibrators[0] is None and cal.calibrators[1] is not None
    p1 = data["p_1"].to_numpy()
    pred, truth = data["y_pred"].to_numpy(), data["y_true"].to_numpy()
    calibrated = np.interp(p1, cal.calibrators[1].x, cal.calibrators[1].y)
    right = np.where(pred == 1, calibrated, 1 - calibrated)
    assert cal.chunk_accuracy[0] == pytest.approx(right[:400].mean(), abs=1e-12)
    assert cal.accuracy == pytest.approx(np.mean(pred == truth), abs=1e-15)


@pytest.mark.parametrize(
    ("columns", "classes"),
    [
        (["p_cat", "p_dog"], ("cat", "dog")),
        (["prob_cat", "score_dog", "proba_bird"], ("cat", "dog", "bird")),
        (["cat", "p_dog"], ("cat", "p_dog")),  # not every column has a prefix: the names themselves
        (["p_1.0", "p_2", "P_True"], ("1", "2", "true")),  # written as a logged class is
    ],
)
def test_a_probability_column_holds_the_class_after_its_prefix(columns, classes):
    assert proba_classes(columns) == classes


def test_classes_in_column_order_not_name_order(table):
    profile = ref.build_profile(table, label="y_pred", proba_cols=["p_C", "p_A", "p_B"], actual="y_true")
    assert profile.calibration.classes == ("C", "A", "B")


@pytest.mark.parametrize(
    ("change", "kwargs", "message"),
    [
        (None, {"proba_cols": None}, r"--actual needs --proba-cols"),
        (None, {"label": None}, r"--actual needs --proba-cols \(two or more\) and --label"),
        (None, {"proba_cols": ["p_A", "p_B"]}, r"classes of column 'y_pred' \(C\) are not among"),
        (pl.col("y_true").replace("A", "Z"), {}, r"classes of column 'y_true' \(Z\) are not among"),
        (pl.col("p_A") * 2, {}, r"outside \[0, 1\]"),
        (pl.lit(None, dtype=pl.String).alias("y_true"), {}, r"no row has a predicted class"),
        (None, {"proba_cols": ["p_A", "prob_A", "p_B"]}, r"two columns hold the same class"),
    ],
)
def test_refusals_are_one_line(table, change, kwargs, message):
    data = table.with_columns(prob_A=pl.col("p_A"))
    if change is not None:
        data = data.with_columns(change)
    options = {"label": "y_pred", "proba_cols": ["p_A", "p_B", "p_C"], "actual": "y_true", "features": ["x"]} | kwargs
    with pytest.raises(UsageError, match=message) as error:
        ref.build_profile(data, **options)
    assert "\n" not in str(error.value)


def test_version_4_round_trips_and_older_profiles_still_load(profile, tmp_path):
    path = tmp_path / "ref.json"
    ref.save_profile(profile, path)
    data = json.loads(path.read_text())
    assert data[ref.VERSION_KEY] == 4 and list(data)[-1] == "calibration"
    assert list(data["calibration"]) == [
        "actual",
        "classes",
        "calibrators",
        "confidence_range",
        "rows",
        "accuracy",
        "chunk_rows",
        "chunk_accuracy",
        "chunk_macro_f1",
    ]
    loaded = ref.load_profile(path)
    assert loaded == profile and loaded.calibration.accuracy_band == profile.calibration.accuracy_band
    v3 = ref.load_profile(REPO / "tests" / "golden" / "reference_train.json")
    assert v3.version == 3 and v3.calibration is None and v3.features
    v1 = ref.load_profile(REPO / "tests" / "golden" / "profile_v1.json")
    assert v1.version == 1 and v1.calibration is None


def test_without_actual_the_profile_is_written_as_version_3_without_calibration(table, tmp_path):
    profile = ref.build_profile(table, label="y_pred", proba_cols=["p_A", "p_B", "p_C"])
    path = tmp_path / "ref.json"
    ref.save_profile(profile, path)
    data = json.loads(path.read_text())
    assert profile.calibration is None and data[ref.VERSION_KEY] == 3 and "calibration" not in data


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda c: c.update(calibrators=c["calibrators"][:2]), "calibration.calibrators"),
        (
            lambda c: c["calibrators"].__setitem__(0, {"x": [0.2, 0.1], "y": [0.1, 0.2]}),
            r"calibration.calibrators\[0\]",
        ),
        (lambda c: c["calibrators"].__setitem__(1, [1, 2]), r"calibration.calibrators\[1\]"),
        (lambda c: c.update(classes=["A", "A", "B"]), "calibration.classes"),
        (lambda c: c.update(classes=["A", "B"]), "calibration.classes"),
        (lambda c: c.update(confidence_range=[0.9, 0.5]), "calibration.confidence_range"),
        (lambda c: c.update(confidence_range=[0.5, 1.5]), r"calibration.confidence_range\[1\]"),
        (lambda c: c.update(accuracy=2), "calibration.accuracy"),
        (lambda c: c.update(chunk_macro_f1=[0.5]), "calibration.chunk_macro_f1"),
        (lambda c: c.pop("rows"), "calibration.rows"),
        (lambda c: c.update(actual=3), "calibration.actual"),
    ],
)
def test_a_corrupt_calibration_is_refused_naming_the_field(profile, tmp_path, edit, field):
    data = ref.profile_to_dict(profile)
    edit(data["calibration"])
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ReferenceProfileError, match=f"bad.json: corrupt reference profile: field '{field}'"):
        ref.load_profile(path)


def test_nan_chunk_estimates_round_trip_as_null(table, tmp_path):
    small = table.head(7)  # fewer rows than chunks: the empty chunks estimate nothing
    profile = ref.build_profile(small, label="y_pred", proba_cols=["p_A", "p_B", "p_C"], actual="y_true")
    assert sum(math.isnan(v) for v in profile.calibration.chunk_accuracy) == 3
    path = tmp_path / "small.json"
    ref.save_profile(profile, path)
    assert json.loads(path.read_text())["calibration"]["chunk_accuracy"].count(None) == 3
    assert ref.profile_to_dict(ref.load_profile(path)) == ref.profile_to_dict(profile)


def test_the_command_builds_a_calibrated_profile_and_refuses_logs(runner, table, tmp_path):
    csv, out = tmp_path / "val.csv", tmp_path / "ref.json"
    table.write_csv(csv)
    args = ["reference", "build", str(csv), "--label", "y_pred", "--proba-cols", "p_A,p_B,p_C", "--actual", "y_true"]
    result = runner.invoke(app, [*args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    cal = ref.load_profile(out).calibration
    assert "calibrated on 5,000 labelled rows" in result.stderr and f"(accuracy {cal.accuracy:.1%})" in result.stderr
    logs = runner.invoke(app, ["reference", "build", str(REPO / "sample_logs"), "--actual", "y", "-o", str(out)])
    assert logs.exit_code == 2 and logs.stderr.strip().splitlines() == [
        "mlmon: error: --actual reads a table with the true classes (CSV, Parquet, JSON lines), not logs"
    ]
