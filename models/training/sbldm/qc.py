"""Quality-control measurements of one generated volume (reference implementation). The platform worker runs the
same measurements in TypeScript (packages/conditioning/src/qc.ts), checked against
packages/conditioning/fixtures/qc.json (scripts/gen_qc_fixtures.py); a model declares the thresholds in
metadata.json `quality_control` (written by sbldm/calibrate.py).

Inputs: image [D, H, W] in the model's output range [-1, 1] (volume channel "image", before any export scaling);
masks [D, H, W] {0, 1}; brain_mask = the model's coarse `brain_mask` (metadata, same grid).

* brain outline: largest 6-connected component of (image > threshold), holes filled (background not 6-connected
  to the volume border becomes brain); comparison in float32 (image values are float32; the threshold is rounded
  to float32 first, as numpy does for a float32 array);
* brain_outline_dice(image, brain_mask, threshold) = Dice(outline, brain_mask) = 2 |A & B| / (|A| + |B|), 1 when
  both are empty (sbldm/train_vae.dice);
* in_brain_percentiles(image, brain_mask, percentiles[, exclude_mask]): percentiles of the image values inside
  brain_mask (minus exclude_mask: the QC passes the tumour mask, so the check is about brain tissue), linear
  interpolation between closest ranks: sorted values v (float64), pos = (n - 1) * p / 100, i = floor(pos),
  value = v[i] + (pos - i) * (v[i + 1] - v[i]) (v[i] when i = n - 1); numpy's default 'linear' method up to
  rounding, written out so both languages compute the same float64 expression.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import ndimage as ndi

from .postprocess import largest_component

BRAIN_THRESHOLD = -0.7  # image value in [-1, 1]; background (noise floor) sits near -1
INTENSITY_PERCENTILES = (5.0, 25.0, 50.0, 75.0, 95.0)


def dice(a, b):
    a, b = np.asarray(a).astype(bool), np.asarray(b).astype(bool)
    s = int(a.sum()) + int(b.sum())
    return 1.0 if s == 0 else 2 * int((a & b).sum()) / s


def brain_from_image(img, threshold=BRAIN_THRESHOLD):
    """Brain outline of an image: largest 6-connected component of (image > threshold), holes filled."""
    above = np.asarray(img, dtype=np.float32) > np.float32(threshold)
    return ndi.binary_fill_holes(largest_component(above)[0])


def brain_outline_dice(img, brain_mask, threshold=BRAIN_THRESHOLD):
    img = np.asarray(img)
    if img.shape != np.asarray(brain_mask).shape:
        raise ValueError(f"brain_outline_dice: image shape {img.shape} != brain_mask shape {np.asarray(brain_mask).shape}")
    return dice(brain_from_image(img, threshold), brain_mask)


def percentiles_linear(values, percentiles):
    v = np.sort(np.asarray(values, dtype=np.float64).ravel())
    n = len(v)
    if n == 0:
        raise ValueError("percentiles of an empty set (the brain mask has no voxels)")
    out = []
    for p in percentiles:
        if not (0 <= p <= 100):
            raise ValueError(f"percentile must be in [0, 100], got {p}")
        pos = (n - 1) * float(p) / 100.0
        i = int(math.floor(pos))
        out.append(float(v[i]) if i >= n - 1 else float(v[i] + (pos - i) * (v[i + 1] - v[i])))
    return out


def in_brain_percentiles(img, brain_mask, percentiles=INTENSITY_PERCENTILES, exclude_mask=None):
    """Percentiles of the image inside brain_mask, without the voxels of exclude_mask when given (the QC excludes the
    tumour: its bright rim and size are requested conditions, the check is about the brain tissue)."""
    img = np.asarray(img, dtype=np.float32)
    bm = np.asarray(brain_mask).astype(bool)
    if img.shape != bm.shape:
        raise ValueError(f"in_brain_percentiles: image shape {img.shape} != brain_mask shape {bm.shape}")
    if exclude_mask is not None:
        ex = np.asarray(exclude_mask)
        if ex.shape != bm.shape:
            raise ValueError(f"in_brain_percentiles: exclude_mask shape {ex.shape} != brain_mask shape {bm.shape}")
        bm = bm & ~(ex > 0)
        if not bm.any():  # the tumour covers the whole brain mask: no tissue to measure, every check fails (NaN)
            return [math.nan] * len(percentiles)
    return percentiles_linear(img[bm], percentiles)
