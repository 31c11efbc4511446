"""Spatial condition channel (SPEC.md, "Spatial condition channel"), rendered at latent resolution.

Notation:
  f = [voxel_volume, surface_area, sphericity, x, y, z, w, h, d]  (normalised, paper order)
  latent grid [Dl, Hl, Wl]; i along Wl, j along Hl, k along Dl; voxel centre p = (i+.5, j+.5, k+.5)
  c = (x Wl, y Hl, z Dl);  r = (max(w Wl/2, .5), max(h Hl/2, .5), max(d Dl/2, .5))
  q = || (p - c) / r ||_2,  value = 1 / (1 + exp(sharpness (q - 1)))
Computed in float64, returned as float32 [Dl, Hl, Wl] in [0, 1]; all zeros when voxel_volume == 0.
Must match packages/conditioning/src/spatial.ts to 1e-6 absolute.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np


def render_spatial_condition(
    features9: Sequence[float],
    latent_shape_dhw: Sequence[int],
    sharpness: float = 6.0,
) -> np.ndarray:
    """features9: normalised 9-vector (paper order); latent_shape_dhw: (Dl, Hl, Wl).

    Returns np.float32 array [Dl, Hl, Wl].
    """
    f = [float(v) for v in features9]
    if len(f) != 9 or not all(math.isfinite(v) for v in f):
        raise ValueError(f"features9 must be 9 finite numbers, got {features9}")
    if len(latent_shape_dhw) != 3 or not all(int(n) > 0 for n in latent_shape_dhw):
        raise ValueError(f"latent_shape_dhw must be three positive ints (Dl, Hl, Wl), got {latent_shape_dhw}")
    if not (math.isfinite(float(sharpness)) and float(sharpness) > 0):
        raise ValueError(f"sharpness must be a finite positive number, got {sharpness}")
    Dl, Hl, Wl = (int(n) for n in latent_shape_dhw)
    if f[0] == 0.0:
        return np.zeros((Dl, Hl, Wl), dtype=np.float32)
    x, y, z, w, h, d = f[3:9]
    cx, cy, cz = x * Wl, y * Hl, z * Dl
    rx = max(w * Wl / 2.0, 0.5)
    ry = max(h * Hl / 2.0, 0.5)
    rz = max(d * Dl / 2.0, 0.5)
    px = (np.arange(Wl, dtype=np.float64) + 0.5 - cx) / rx
    py = (np.arange(Hl, dtype=np.float64) + 0.5 - cy) / ry
    pz = (np.arange(Dl, dtype=np.float64) + 0.5 - cz) / rz
    q = np.sqrt(pz[:, None, None] ** 2 + py[None, :, None] ** 2 + px[None, None, :] ** 2)
    with np.errstate(over="ignore"):
        val = 1.0 / (1.0 + np.exp(float(sharpness) * (q - 1.0)))
    return val.astype(np.float32)
