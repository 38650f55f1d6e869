"""Input summaries: image brightness/contrast/size against hand-worked values, tabular picks."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from mlmon.instrument.summaries import image_summary, tabular_summary

# A 2 x 3 RGB image (H=2, W=3) with hand-picked pixels.
PIXELS = np.array([[[255, 255, 255], [0, 0, 0], [255, 0, 0]], [[0, 255, 0], [0, 0, 255], [51, 51, 51]]], dtype=np.uint8)
# BT.709 luma / 255 per pixel: 1, 0, 0.2126, 0.7152, 0.0722, 0.2
LUMA = [1.0, 0.0, 0.2126, 0.7152, 0.0722, 0.2]
MEAN = sum(LUMA) / 6  # 2.2 / 6
STD = math.sqrt(sum((y - MEAN) ** 2 for y in LUMA) / 6)  # population std (ddof=0)


def test_hand_worked_rgb_image():
    summary = image_summary(PIXELS)
    assert summary["brightness"] == pytest.approx(2.2 / 6)
    assert summary["contrast"] == pytest.approx(STD)
    assert (summary["width"], summary["height"], summary["aspect_ratio"]) == (3.0, 2.0, 1.5)
    assert set(summary) == {"brightness", "contrast", "width", "height", "aspect_ratio"}


def test_hwc_and_chw_agree_and_uint8_and_float_agree():
    hwc = image_summary(PIXELS)
    # 3 x 2 x 3 fits both layouts: auto takes HWC, so CHW must be named
    assert image_summary(PIXELS.transpose(2, 0, 1), layout="chw") == pytest.approx(hwc)
    photo = np.random.default_rng(0).integers(0, 256, size=(6, 8, 3), dtype=np.uint8)
    assert image_summary(photo.transpose(2, 0, 1)) == pytest.approx(image_summary(photo))
    assert image_summary(photo.transpose(2, 0, 1))["width"] == 8.0
    assert image_summary(PIXELS.astype(np.float32) / 255.0) == pytest.approx(hwc)  # floats on 0-1
    assert image_summary(PIXELS.astype(np.float64)) == pytest.approx(hwc)  # floats on 0-255 (max > 1)


def test_grayscale_rgba_and_single_channel():
    gray = np.array([[0, 255], [255, 255]], dtype=np.uint8)
    summary = image_summary(gray)
    assert summary["brightness"] == pytest.approx(0.75)
    assert summary["contrast"] == pytest.approx(np.std([0, 1, 1, 1]))
    assert summary["aspect_ratio"] == 1.0
    assert image_summary(gray[None, :, :]) == pytest.approx(summary)  # 1 x H x W
    assert image_summary(gray[:, :, None]) == pytest.approx(summary)  # H x W x 1
    rgba = np.concatenate([PIXELS, np.zeros((2, 3, 1), np.uint8)], axis=2)
    assert image_summary(rgba) == pytest.approx(image_summary(PIXELS))  # alpha ignored


def test_wide_image_and_errors():
    image = np.full((4, 10, 3), 128, dtype=np.uint8)
    summary = image_summary(image)
    assert summary["aspect_ratio"] == 2.5 and summary["contrast"] == 0.0
    assert summary["brightness"] == pytest.approx(128 / 255)
    with pytest.raises(ValueError, match="channel axis"):
        image_summary(np.zeros((5, 6, 7)))
    with pytest.raises(ValueError):
        image_summary(np.zeros((2, 2, 2, 2)))
    with pytest.raises(ValueError, match="layout"):
        image_summary(PIXELS, layout="nhwc")


def test_tabular_summary_keeps_named_numbers_and_strings():
    values = {
        "age": 41,
        "income": np.float32(2.5),
        "city": "Oslo",
        "tags": ["a"],
        "secret": 7,
        "flag": True,
        "bad": float("nan"),
    }
    out = tabular_summary(values, ["age", "income", "city", "tags", "flag", "bad", "missing"])
    assert out == {"age": 41.0, "income": 2.5, "city": "Oslo", "flag": 1.0}
    assert all(type(v) in (float, str) for v in out.values())
    json.dumps(out)


def test_instrument_summaries_import_with_the_standard_library_only():
    code = "import sys, mlmon.instrument.summaries, mlmon.instrument.outputs; print('numpy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
