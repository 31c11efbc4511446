"""Tumour conditioning features (paper order), Python side of packages/conditioning/SPEC.md.

Notation (SPEC.md, "The nine features"):
  mask  binary array [D, H, W], C order; x runs along W, y along H, z along D.
  V     voxel count (voxels > 0), A  marching-cubes area at level 0.5 of the zero-padded mask
        (voxel units, spacing 1), sphericity = (36 pi V^2)^(1/3) / A.
  x,y,z = (mean voxel index along that axis + 0.5) / axis size   (volume centre = 0.5)
  w,h,d = (max index - min index + 1) / axis size along x, y, z
  Normalised vector (paper order):
    [V / maxVoxelCount, A / maxSurfaceArea, sphericity, x, y, z, w, h, d]
  Physical units: spacing_mm = (sx, sy, sz) along x, y, z (NIfTI pixdim[1..3]).
    volume_ml = V sx sy sz / 1000, surface_area_mm2 = marching cubes with that spacing,
    sphericity from the physical V (mm^3) and A (mm^2),
    centroid_mm = (mean index + 0.5) * s  (from the grid's outer corner),
    extents_mm  = (max - min + 1) * s.
  Empty mask: every feature 0, empty = True, never NaN.

The TypeScript implementation in packages/conditioning must agree within 1e-4 relative
(fixtures in packages/conditioning/fixtures/).
"""
from __future__ import annotations

import math
from typing import Optional, Sequence

import numpy as np
from skimage import measure

FEATURE_NAMES = (
    "voxel_volume", "surface_area", "sphericity", "x", "y", "z", "w", "h", "d",
)


def marching_cubes_area(mask_dhw: np.ndarray, spacing_dhw: Sequence[float] = (1.0, 1.0, 1.0)) -> float:
    """Marching-cubes (Lewiner) surface area at level 0.5 of the mask padded by one zero voxel.

    mask_dhw: [D, H, W]; spacing_dhw: spacing along the ARRAY axes (sz, sy, sx), mm or 1 for voxels.
    Returns 0.0 for an empty mask.
    """
    m = np.asarray(mask_dhw) > 0
    if not m.any():
        return 0.0
    padded = np.pad(m.astype(np.float32), 1, mode="constant", constant_values=0.0)
    verts, faces, _normals, _values = measure.marching_cubes(
        padded, level=0.5, spacing=tuple(float(s) for s in spacing_dhw), method="lewiner"
    )
    # float64 vertices: skimage returns float32, and the exact (table) area is what TypeScript computes.
    return float(measure.mesh_surface_area(verts.astype(np.float64), faces))


def _sphericity(volume: float, area: float) -> float:
    if volume <= 0 or area <= 0:
        return 0.0
    return float((36.0 * math.pi * volume * volume) ** (1.0 / 3.0) / area)


def compute_features(
    mask_dhw: np.ndarray,
    spacing_mm: Sequence[float] = (1.0, 1.0, 1.0),
    max_voxel_count: Optional[float] = None,
    max_surface_area: Optional[float] = None,
) -> dict:
    """Nine tumour features of a binary mask.

    mask_dhw:   array [D, H, W] (any dtype; voxel > 0 is tumour).
    spacing_mm: (sx, sy, sz) in mm along x (W), y (H), z (D); only used for `physical`.
    max_voxel_count, max_surface_area: the model's normalisation constants (training maxima,
        voxel units); when both are given `normalised` is the 9-vector in paper order, else None.

    Returns {
      'empty': bool,
      'raw': {'voxel_count', 'surface_area_vox', 'sphericity',
              'com_x', 'com_y', 'com_z',        # relative centre: (mean index + 0.5) / size
              'w', 'h', 'd',                     # relative extents: (max - min + 1) / size
              'com_vox': [x, y, z],              # mean voxel index (0-based) along W, H, D
              'extents_vox': [w, h, d],          # max - min + 1 along W, H, D (voxels)
              'shape_dhw': [D, H, W]},
      'normalised': list[9] or None,
      'physical': {'volume_ml', 'surface_area_mm2', 'sphericity',
                   'centroid_mm': [x, y, z], 'extents_mm': [x, y, z]},
    }
    """
    m = np.asarray(mask_dhw)
    if m.ndim != 3:
        raise ValueError(f"mask_dhw must be 3-D [D, H, W], got shape {m.shape}")
    if len(spacing_mm) != 3 or not all(math.isfinite(float(s)) and float(s) > 0 for s in spacing_mm):
        raise ValueError(f"spacing_mm must be three finite positive numbers (sx, sy, sz), got {spacing_mm}")
    for name, val in (("max_voxel_count", max_voxel_count), ("max_surface_area", max_surface_area)):
        if val is not None and not (math.isfinite(float(val)) and float(val) > 0):
            raise ValueError(f"{name} must be a finite positive number, got {val}")
    sx, sy, sz = (float(s) for s in spacing_mm)
    D, H, W = (int(n) for n in m.shape)
    b = m > 0
    count = int(b.sum())
    have_norm = max_voxel_count is not None and max_surface_area is not None

    if count == 0:
        return {
            "empty": True,
            "raw": {
                "voxel_count": 0, "surface_area_vox": 0.0, "sphericity": 0.0,
                "com_x": 0.0, "com_y": 0.0, "com_z": 0.0, "w": 0.0, "h": 0.0, "d": 0.0,
                "com_vox": [0.0, 0.0, 0.0], "extents_vox": [0, 0, 0], "shape_dhw": [D, H, W],
            },
            "normalised": [0.0] * 9 if have_norm else None,
            "physical": {
                "volume_ml": 0.0, "surface_area_mm2": 0.0, "sphericity": 0.0,
                "centroid_mm": [0.0, 0.0, 0.0], "extents_mm": [0.0, 0.0, 0.0],
            },
        }

    kk, jj, ii = np.nonzero(b)  # indices along D, H, W
    mean_x = float(ii.mean())
    mean_y = float(jj.mean())
    mean_z = float(kk.mean())
    ext_w = int(ii.max() - ii.min() + 1)
    ext_h = int(jj.max() - jj.min() + 1)
    ext_d = int(kk.max() - kk.min() + 1)

    area_vox = marching_cubes_area(b)
    sph = _sphericity(float(count), area_vox)
    com_x = (mean_x + 0.5) / W
    com_y = (mean_y + 0.5) / H
    com_z = (mean_z + 0.5) / D
    w = ext_w / W
    h = ext_h / H
    d = ext_d / D

    vol_mm3 = count * sx * sy * sz
    if sx == sy == sz == 1.0:
        area_mm2 = area_vox
    else:
        area_mm2 = marching_cubes_area(b, spacing_dhw=(sz, sy, sx))

    normalised = None
    if have_norm:
        normalised = [
            count / float(max_voxel_count), area_vox / float(max_surface_area), sph,
            com_x, com_y, com_z, w, h, d,
        ]

    return {
        "empty": False,
        "raw": {
            "voxel_count": count, "surface_area_vox": area_vox, "sphericity": sph,
            "com_x": com_x, "com_y": com_y, "com_z": com_z, "w": w, "h": h, "d": d,
            "com_vox": [mean_x, mean_y, mean_z], "extents_vox": [ext_w, ext_h, ext_d],
            "shape_dhw": [D, H, W],
        },
        "normalised": normalised,
        "physical": {
            "volume_ml": vol_mm3 / 1000.0,
            "surface_area_mm2": area_mm2,
            "sphericity": _sphericity(vol_mm3, area_mm2),
            "centroid_mm": [(mean_x + 0.5) * sx, (mean_y + 0.5) * sy, (mean_z + 0.5) * sz],
            "extents_mm": [ext_w * sx, ext_h * sy, ext_d * sz],
        },
    }


def features9_unnormalised(mask_dhw: np.ndarray) -> list:
    """[V, A, sphericity, x, y, z, w, h, d] with raw V (voxels) and A (voxel units): what a training
    script collects over the data set before the maxima are known."""
    r = compute_features(mask_dhw)["raw"]
    return [float(r["voxel_count"]), r["surface_area_vox"], r["sphericity"],
            r["com_x"], r["com_y"], r["com_z"], r["w"], r["h"], r["d"]]
