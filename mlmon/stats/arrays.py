"""Array types of the numbers rooms: numpy arrays that say their element type.

A bare ``np.ndarray`` is an array of ``Any``; these say what the statistics compute on, so
the type checker's no-``Any`` rule holds in ``stats``, ``analyses`` and ``verdicts``.
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
import numpy.typing as npt

Floats: TypeAlias = npt.NDArray[np.float64]
"""Float64 values: shares, measurements, p-values, quantiles."""
Ints: TypeAlias = npt.NDArray[np.int64]
"""Int64 values: counts, bucket keys, indices."""
