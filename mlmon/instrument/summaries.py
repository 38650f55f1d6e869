"""Input summaries for the ``features`` object of inference records (what data drift reads).

Off by default: a service calls these and passes the result as ``features``. Raw inputs are
never logged, only these numbers (privacy). Standard library only at import; numpy is
imported inside :func:`image_summary`.

Image summaries match ``sample_logs``' scale: brightness and contrast are on a 0-1 scale.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

BT709 = (0.2126, 0.7152, 0.0722)
"""ITU-R BT.709 luma weights of R, G and B."""


def _hwc(image: Any, layout: str) -> Any:
    """The image as a float64 H x W x C array (C = 1, 3 or 4)."""
    if image.ndim == 2:
        return image[:, :, None]
    if image.ndim != 3:
        raise ValueError(f"an image is a 2-D (grayscale) or 3-D (HWC or CHW) array, not {image.ndim}-D")
    if layout == "auto":
        last, first = image.shape[2] in (1, 3, 4), image.shape[0] in (1, 3, 4)
        if last == first and last:
            layout = "hwc"  # both fit (e.g. 3x4x3): the common numpy / PIL layout wins
        elif not last and not first:
            raise ValueError(
                f"cannot tell the channel axis of shape {tuple(image.shape)}: "
                "want 1, 3 or 4 channels first or last; pass layout='hwc' or 'chw'"
            )
        else:
            layout = "hwc" if last else "chw"
    if layout == "chw":
        image = image.transpose(1, 2, 0)
    elif layout != "hwc":
        raise ValueError(f"layout must be 'auto', 'hwc' or 'chw', not {layout!r}")
    if image.shape[2] not in (1, 3, 4):
        raise ValueError(f"an image has 1, 3 or 4 channels, not {image.shape[2]}")
    return image


def image_summary(array: Any, layout: str = "auto") -> dict[str, float]:
    """``brightness``, ``contrast``, ``width``, ``height`` and ``aspect_ratio`` of an image.

    ``array``: a numpy array (or anything ``numpy.asarray`` takes), 2-D grayscale or 3-D
    with 1 (gray), 3 (RGB) or 4 (RGBA: alpha ignored) channels, laid out HWC or CHW
    (``layout="auto"``: channels are the axis of size 1, 3 or 4, the last one when both
    ends fit). Values are uint8/integers on 0-255, or floats: taken as 0-1 when their
    maximum is at most 1, else as 0-255.

    brightness is the mean of the BT.709 luma ``Y = 0.2126 R + 0.7152 G + 0.0722 B``
    (gray: the value itself) scaled to 0-1 (``Y / 255``), as ``sample_logs`` writes it;
    contrast is the population standard deviation (ddof=0) of the same ``Y / 255``;
    aspect_ratio is ``width / height``.
    """
    import numpy as np

    image = np.asarray(array)
    if image.dtype.kind not in "fiub" or image.size == 0:
        raise ValueError("an image is a non-empty numeric array")
    is_float = image.dtype.kind == "f"
    image = _hwc(image, layout).astype(np.float64)
    scaled = image if is_float and image.max() <= 1.0 else image / 255.0
    channels = scaled.shape[2]
    luma = scaled[:, :, 0] if channels == 1 else scaled[:, :, :3] @ np.asarray(BT709)
    height, width = luma.shape
    return {
        "brightness": float(luma.mean()),
        "contrast": float(luma.std()),
        "width": float(width),
        "height": float(height),
        "aspect_ratio": width / height,
    }


def tabular_summary(values: Mapping[str, Any], names: Sequence[str]) -> dict[str, float | str]:
    """The features ``names`` of ``values``: numbers as floats (``bool`` too: 0.0/1.0; NaN and
    infinities skipped, JSON has no place for them), strings kept; other values and
    missing names skipped. Order follows ``names``."""
    out: dict[str, float | str] = {}
    for name in names:
        if name not in values:
            continue
        value = values[name]
        if isinstance(value, str):
            out[name] = value
        elif isinstance(value, numbers.Real) or (
            hasattr(value, "dtype") and getattr(value, "ndim", 1) == 0 and value.dtype.kind in "fiub"
        ):
            number = float(value)
            if math.isfinite(number):
                out[name] = number
    return out
