"""Reference profile version 2 (issue 10): each numeric feature's quantile grid, missing
counts, and version-1 profiles still loading."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from mlmon import stats
from mlmon.errors import ReferenceProfileError
from mlmon.reference.store import load_profile
from tests.conftest import REPO

TRAIN = REPO / "references" / "train.csv"


def test_the_grid_is_numpys_quantiles_at_the_grid_levels_and_missing_is_counted():
    profile = load_profile(REPO / "references" / "train.json")
    data = pl.read_csv(TRAIN)
    assert profile.version == 4 and profile.grid_levels == tuple(stats.GRID_LEVELS)
    numeric = [name for name, f in profile.features.items() if f.kind == "numeric"]
    assert numeric
    for name in numeric:
        column = data.get_column(name).cast(pl.Float64)
        values = column.drop_nulls().to_numpy()
        values = values[np.isfinite(values)]
        feature = profile.features[name]
        np.testing.assert_allclose(feature.grid, np.quantile(values, stats.GRID_LEVELS), rtol=1e-12)
        assert (feature.grid[0], feature.grid[-1]) == (feature.min, feature.max)
        assert feature.missing == data.height - values.size


def test_a_version_1_profile_still_loads_without_grids():
    profile = load_profile(REPO / "tests" / "golden" / "profile_v1.json")
    assert profile.version == 1 and profile.grid_levels == ()
    assert profile.features and all(getattr(f, "grid", ()) == () for f in profile.features.values())
    assert profile.class_shares  # prediction drift needs nothing new


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d["grid_levels"].reverse(), "grid_levels"),
        (lambda d: d.update(grid_levels=[0.0, 0.5]), "grid_levels"),
        (lambda d: d["features"]["brightness"]["grid"].pop(), "features.brightness.grid"),
        (lambda d: d["features"]["brightness"]["grid"].reverse(), "features.brightness.grid"),
        (lambda d: d["features"]["brightness"]["grid"].__setitem__(3, None), "features.brightness.grid[3]"),
        (lambda d: d["features"]["brightness"].pop("missing"), "features.brightness.missing"),
    ],
)
def test_a_bad_grid_names_its_field(tmp_path: Path, mutate, field):
    data = json.loads((REPO / "references" / "train.json").read_text())
    mutate(data)
    path = tmp_path / "ref.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ReferenceProfileError, match=re.escape(f"field '{field}'")):
        load_profile(path)
