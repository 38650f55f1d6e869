"""Reference profiles: building (against numpy), JSON round trip, and clear errors."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from mlmon import reference as ref
from mlmon import stats
from mlmon.errors import InputError, ReferenceProfileError, UsageError

CLASSES = np.array(["A", "B", "C", "D"])


@pytest.fixture(scope="module")
def train() -> pl.DataFrame:
    rng = np.random.default_rng(10)
    n = 5000
    proba = rng.dirichlet([4, 3, 2, 1], size=n)
    brightness = rng.normal(120, 15, n)
    brightness[:50] = np.nan
    return pl.DataFrame(
        {
            "label": CLASSES[proba.argmax(axis=1)],
            "confidence": proba.max(axis=1),
            **{f"p_{c}": proba[:, i] for i, c in enumerate(CLASSES)},
            "brightness": brightness,
            "iso": rng.choice([100, 200, 400, 800, 1600], n),
            "camera": rng.choice([f"cam{i:02d}" for i in range(30)], n),
        }
    )


def test_build_profile_matches_numpy(train):
    profile = ref.build_profile(train, proba_cols=[f"p_{c}" for c in CLASSES], features=["brightness", "iso"])
    labels, counts = np.unique(train["label"].to_numpy(), return_counts=True)
    assert profile.class_counts == dict(zip(labels.tolist(), counts.tolist()))
    assert sum(profile.class_shares.values()) == pytest.approx(1.0)
    conf = train["confidence"].to_numpy()
    summary = profile.confidence
    assert summary.count == len(conf)
    assert summary.mean == pytest.approx(conf.mean())
    assert summary.std == pytest.approx(conf.std(ddof=1))
    assert (summary.p10, summary.p50, summary.p90) == pytest.approx(tuple(np.quantile(conf, [0.1, 0.5, 0.9])))
    assert summary.share_below_0_5 == pytest.approx((conf < 0.5).mean())
    proba = train.select(f"p_{c}" for c in CLASSES).to_numpy()
    from scipy.stats import entropy

    assert summary.mean_entropy_bits == pytest.approx(entropy(proba, base=2, axis=1).mean())

    b = train["brightness"].to_numpy()
    finite = b[np.isfinite(b)]
    feature = profile.features["brightness"]
    assert feature.count == finite.size
    assert feature.missing_share == pytest.approx(50 / 5000)
    assert (feature.mean, feature.min, feature.max) == pytest.approx((finite.mean(), finite.min(), finite.max()))
    assert feature.std == pytest.approx(finite.std(ddof=1))
    for q, value in feature.quantiles.items():
        assert value == pytest.approx(np.quantile(finite, q))
    assert feature.bin_edges == pytest.approx(tuple(np.quantile(finite, np.linspace(0, 1, 11))))
    assert len(feature.bin_counts) == len(feature.bin_edges) + 1
    assert feature.bin_counts[0] == feature.bin_counts[-1] == 0
    assert sum(feature.bin_counts) == finite.size
    assert all(abs(c - finite.size / 10) <= 1 for c in feature.bin_counts[1:-1])


def test_discrete_feature_edges_are_deduplicated(train):
    iso = ref.build_profile(train, features=["iso"]).features["iso"]
    assert iso.bin_edges == (100.0, 200.0, 400.0, 800.0, 1600.0)
    values = train["iso"].to_numpy()
    assert iso.bin_counts == tuple(stats.bin_counts(values, iso.bin_edges).tolist())
    assert iso.bin_counts[1] == (values == 100).sum()


def test_constant_and_empty_features_do_not_crash():
    frame = pl.DataFrame(
        {"label": ["A"] * 3, "k": [2.0, 2.0, 2.0], "e": [None, None, None]},
        schema_overrides={"e": pl.Float64},
    )
    profile = ref.build_profile(frame, features=["k", "e"])
    assert profile.features["k"].bin_edges == (2.0, 2.0)
    assert profile.features["k"].bin_counts == (0, 3, 0)
    assert profile.features["e"].count == 0 and profile.features["e"].missing_share == 1.0
    assert profile.features["e"].bin_edges == ()
    json.dumps(ref.profile_to_dict(profile), allow_nan=False)


def test_categorical_top_k_and_other(train):
    camera = ref.build_profile(train, features=["camera"]).features["camera"]
    assert camera.kind == "categorical"
    assert len(camera.category_counts) == 20 + 1  # the documented top 20, plus "other"
    assert sum(camera.category_counts.values()) == train.height
    counts = train["camera"].value_counts().sort(["count", "camera"], descending=[True, False])
    top = dict(zip(counts["camera"].to_list()[:20], counts["count"].to_list()[:20]))
    assert {k: v for k, v in camera.category_counts.items() if k != ref.OTHER} == top


def test_defaults_confidence_column_and_numeric_features(train):
    profile = ref.build_profile(train.drop("camera"), proba_cols=[f"p_{c}" for c in CLASSES])
    assert profile.confidence_column == "confidence"
    assert set(profile.features) == {"brightness", "iso"}


def test_confidence_from_probabilities_only(train):
    frame = train.drop("confidence")
    profile = ref.build_profile(frame, proba_cols=[f"p_{c}" for c in CLASSES], features=[])
    assert profile.confidence_column is None
    row_max = frame.select(f"p_{c}" for c in CLASSES).to_numpy().max(axis=1)
    assert profile.confidence.mean == pytest.approx(row_max.mean())


def test_no_confidence_and_integer_labels():
    profile = ref.build_profile(pl.DataFrame({"label": [0, 1, 1, None]}), features=[])
    assert profile.confidence is None
    assert profile.class_counts == {"0": 1, "1": 2}
    assert profile.n_rows == 4


def test_unknown_column_is_usage_error(train):
    with pytest.raises(UsageError, match="'nope'"):
        ref.build_profile(train, label="nope")
    with pytest.raises(UsageError, match="'zzz'"):
        ref.build_profile(train, features=["zzz"])


def test_save_load_round_trip(train, tmp_path):
    profile = ref.build_profile(train, proba_cols=[f"p_{c}" for c in CLASSES], source="train.csv")
    path = tmp_path / "sub" / "train.json"
    ref.save_profile(profile, path)
    data = json.loads(path.read_text())
    assert data[ref.VERSION_KEY] == 3  # no calibration (--actual): written as version 3, as before
    assert data["features"]["brightness"]["quantiles"]["0.01"] == pytest.approx(
        profile.features["brightness"].quantiles[0.01]
    )
    loaded = ref.load_profile(path)
    assert loaded == profile
    assert ref.profile_to_dict(loaded) == ref.profile_to_dict(profile)
    assert ref.profile_to_dict(ref.load_reference(path)) == ref.profile_to_dict(profile)


def test_nan_fields_round_trip_as_null(tmp_path):
    profile = ref.build_profile(pl.DataFrame({"label": ["A"], "confidence": [0.9], "x": [1.0]}))
    path = tmp_path / "one.json"
    ref.save_profile(profile, path)
    assert json.loads(path.read_text())["confidence"]["std"] is None
    assert math.isnan(ref.load_profile(path).confidence.std)


def _write_profile(tmp_path, mutate) -> str:
    data = ref.profile_to_dict(ref.build_profile(pl.DataFrame({"label": ["A", "B"], "x": [1.0, 2.0]})))
    mutate(data)
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data))
    return str(path)


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda d: d.update({ref.VERSION_KEY: 5}), "version 5 is not supported"),
        (
            lambda d: d.pop(ref.VERSION_KEY),
            "not a reference profile \\(expected an object with mlmon_reference_version",
        ),
        (lambda d: d.pop("class_shares"), "field 'class_shares': missing"),
        (lambda d: d.update(class_shares={"A": 0.9, "B": 0.9}), "sum to 1"),
        (lambda d: d["features"]["x"].update(bin_counts=[1]), "bin_counts"),
        (lambda d: d.update(n_rows="many"), "integer"),
    ],
)
def test_bad_profiles_raise_reference_error_naming_the_path(tmp_path, mutate, match):
    path = _write_profile(tmp_path, mutate)
    with pytest.raises(ReferenceProfileError, match=match) as info:
        ref.load_profile(path)
    assert path in str(info.value)
    assert info.value.exit_code == 2
    with pytest.raises(ReferenceProfileError):
        ref.load_reference(path)


def test_missing_and_corrupt_profiles(tmp_path):
    with pytest.raises(ReferenceProfileError, match="not found"):
        ref.load_profile(tmp_path / "nope.json")
    with pytest.raises(ReferenceProfileError, match="not found"):
        ref.load_reference(tmp_path / "nope.json")
    good = _write_profile(tmp_path, lambda d: None)
    truncated = tmp_path / "truncated.json"
    truncated.write_text(Path(good).read_text()[:-40])
    for loader in (ref.load_profile, ref.load_reference):
        with pytest.raises(ReferenceProfileError, match="corrupt") as info:
            loader(truncated)
        assert str(truncated) in str(info.value)


def test_load_reference_profiles_raw_data_on_the_fly(train, tmp_path):
    frame = train.drop("camera")
    expected = ref.build_profile(frame, proba_cols=["p_A", "p_B", "p_C", "p_D"]).class_shares
    paths = {
        "t.csv": frame.write_csv,
        "t.parquet": frame.write_parquet,
        "t.jsonl": frame.write_ndjson,
        "t.data": frame.write_ndjson,
    }
    for name, write in paths.items():
        write(tmp_path / name)
        profile = ref.load_reference(tmp_path / name, proba_cols=["p_A", "p_B", "p_C", "p_D"])
        assert profile.source.endswith(name)
        assert profile.class_shares == pytest.approx(expected)
        assert profile.confidence.count == frame.height


def test_read_table_errors(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        ref.read_table(tmp_path / "missing.csv")
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"not parquet at all")
    with pytest.raises(InputError, match="bad.parquet"):
        ref.read_table(bad)
    empty = tmp_path / "empty.csv"
    empty.write_text("label,confidence\n")
    with pytest.raises(InputError, match="no rows"):
        ref.read_table(empty)
    with pytest.raises(ReferenceProfileError, match="no rows"):
        ref.load_reference(empty)


def test_profile_with_unseen_classes_compares_without_crash():
    profile = ref.build_profile(pl.DataFrame({"label": ["A"] * 70 + ["B"] * 30}), features=[])
    aligned = stats.align_categories(profile.class_shares, {"A": 60, "B": 30, "NEW": 10})
    assert aligned.unseen == ("NEW",)
    assert math.isfinite(stats.psi(aligned.reference_shares, aligned.current_counts))
    assert math.isfinite(stats.chi_squared_gof(aligned.current_counts, aligned.reference_shares)[1])
