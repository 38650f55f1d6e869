"""Generate ``references/train.csv``: the training data of the ``imgcls`` sample service.

Run from the repository root::

    python references/generate_train.py

5,000 rows drawn (seed 20261001, numpy only) from the SAME distributions as the pre-shift
regime of ``sample_logs/`` (Monday 2026-11-09 .. Wednesday 2026-11-11), using the sampling
functions of ``sample_logs/generate.py`` itself:

* ``label``: A 40 % / B 30 % / C 20 % / D 10 %;
* ``confidence`` = probability of ``label`` = 0.4 + 0.6 * Beta(9, 3) (mean 0.85), and
  ``p_A`` .. ``p_D`` with 4 decimals, summing to exactly 1 (in 4-decimal arithmetic);
* features: ``brightness`` ~ Beta(6, 6), ``contrast`` ~ Gamma(9, 0.035) clipped to [0, 1],
  ``width`` x ``height`` = 640 x 480 for every row, so ``aspect_ratio`` =
  ``round(width / height, 4)`` = 1.3333 (width over height; derived, it draws no random
  number, so every other value is as it was before the column existed),
  ``exposure_ms`` ~ lognormal(ln 8, 0.5),
  ``iso`` in {100, 200, 400, 800, 1600} with shares {30, 30, 20, 15, 5} %,
  ``temperature_c`` ~ N(41, 3); rounded exactly as in the logs.

* ``actual``: the true class, drawn from the calibrated pre-shift regime (the class with the
  row's probability vector, ``sample_truth`` of ``sample_logs/generate.py``) by a separate
  generator (``default_rng([SEED, 24])``), so every other value is as it was before the
  column existed. ``references/train.json`` is built with ``--actual actual``, so it holds a
  calibration for estimated performance (CBPE). This is a sample: in a real service the
  calibration table must be held-out validation data, never the training set (a model fits
  its training data better than it will ever predict, and the calibration would learn that
  its mistakes are rare).

There are no missing values. Rerunning the script writes identical bytes.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np

SEED = 20261001
N_ROWS = 5_000
HERE = Path(__file__).resolve().parent
REPO = HERE.parent
COLUMNS = (
    "label",
    "confidence",
    "p_A",
    "p_B",
    "p_C",
    "p_D",
    "brightness",
    "contrast",
    "width",
    "height",
    "aspect_ratio",
    "exposure_ms",
    "iso",
    "temperature_c",
    "actual",
)
TRUTH_STREAM = 24  # the true classes come from default_rng([SEED, TRUTH_STREAM])


def _load_sample_generator():
    """Import sample_logs/generate.py by path (it is a script, not a package)."""
    path = REPO / "sample_logs" / "generate.py"
    spec = importlib.util.spec_from_file_location("_mlmon_sample_logs_generate", path)
    if spec is None or spec.loader is None:  # pragma: no cover
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    # no sample_logs/__pycache__: that directory should hold only logs and their docs
    saved, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = saved
    return module


def _fmt(x: float) -> str:
    """Shortest repr of a float, as json.dumps writes it in the logs (25.0, 0.4228...)."""
    return repr(float(x))


def build(n: int = N_ROWS, seed: int = SEED) -> str:
    """Return the CSV text (header + n rows, LF line endings)."""
    gen = _load_sample_generator()
    rng = np.random.default_rng(seed)
    labels = gen.sample_labels(rng, n, shifted=False)
    probs = gen.sample_probabilities(rng, labels, shifted=False)
    feats = gen.sample_features(rng, n, shifted=False)
    truth = gen.sample_truth(np.random.default_rng([seed, TRUTH_STREAM]), labels, probs)
    lines = [",".join(COLUMNS)]
    for i in range(n):
        lab = int(labels[i])
        p = [int(v) / 10_000 for v in probs[i]]
        lines.append(
            ",".join(
                [
                    gen.CLASSES[lab],
                    _fmt(p[lab]),
                    *(_fmt(v) for v in p),
                    _fmt(feats["brightness"][i]),
                    _fmt(feats["contrast"][i]),
                    str(int(feats["width"][i])),
                    str(int(feats["height"][i])),
                    _fmt(feats["aspect_ratio"][i]),
                    _fmt(feats["exposure_ms"][i]),
                    str(int(feats["iso"][i])),
                    _fmt(feats["temperature_c"][i]),
                    gen.CLASSES[int(truth[i])],
                ]
            )
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    text = build()
    out = HERE / "train.csv"
    out.write_bytes(text.encode("ascii"))
    print(f"wrote {out} ({len(text.encode('ascii')):,} bytes, {N_ROWS} rows)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
