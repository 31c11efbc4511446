"""Python side of the conditioning parity fixtures (packages/conditioning/fixtures/features.json).

The TypeScript implementation checks itself against the same JSON (src/parity.test.ts); both must
agree within 1e-4 relative for features and 1e-6 absolute for the spatial channel (SPEC.md).
Also golden values that do not come from the fixture generator (one voxel: octahedron of area sqrt(3)).
Run: /usr/bin/python3 -m pytest models/training/tests/test_features_parity.py -q
"""
from __future__ import annotations

import base64
import json
import math
import os
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(REPO, "models", "training"))
from sbldm.features import compute_features  # noqa: E402
from sbldm.spatial import render_spatial_condition  # noqa: E402

FIXTURE = os.path.join(REPO, "packages", "conditioning", "fixtures", "features.json")
with open(FIXTURE) as fh:
    DOC = json.load(fh)
REL = 1e-4


def rle_decode(runs, shape_dhw):
    flat = np.zeros(int(np.prod(shape_dhw)), dtype=np.uint8)
    pos, val = 0, 0
    for r in runs:
        if val:
            flat[pos:pos + r] = 1
        pos += r
        val ^= 1
    assert pos == flat.size, "run lengths do not cover the volume"
    return flat.reshape(shape_dhw)


def close(a, b, path="") -> None:
    if isinstance(b, dict):
        assert isinstance(a, dict) and set(a) == set(b), f"{path}: keys {sorted(a)} != {sorted(b)}"
        for k in b:
            close(a[k], b[k], f"{path}.{k}")
    elif isinstance(b, (list, tuple)):
        assert len(a) == len(b), f"{path}: length {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            close(x, y, f"{path}[{i}]")
    elif isinstance(b, bool) or b is None:
        assert a == b, f"{path}: {a} != {b}"
    else:
        assert math.isfinite(a), f"{path}: {a} is not finite"
        assert abs(a - b) <= REL * max(abs(b), 1e-12), f"{path}: {a} != {b} (rel {REL})"


@pytest.mark.parametrize("case", DOC["cases"], ids=[c["name"] for c in DOC["cases"]])
def test_features_match_fixture(case):
    mask = rle_decode(case["rle"], case["shapeDhw"])
    got = compute_features(mask, tuple(case["spacingMm"]), DOC["maxVoxelCount"], DOC["maxSurfaceArea"])
    close(got, case["expected"], case["name"])


@pytest.mark.parametrize("case", DOC["cases"], ids=[c["name"] for c in DOC["cases"]])
def test_spatial_matches_fixture(case):
    for sp in case["spatial"]:
        ch = render_spatial_condition(case["expected"]["normalised"], sp["latentShapeDhw"], sp["sharpness"])
        assert ch.dtype == np.float32 and list(ch.shape) == sp["latentShapeDhw"]
        exact = np.frombuffer(base64.b64decode(sp["float32Base64"]), dtype="<f4")
        assert np.max(np.abs(ch.astype(np.float64).ravel() - exact.astype(np.float64))) <= 1e-6
        assert np.array_equal(ch.ravel(), exact), "spatial channel is not bit-identical to the fixture"
        assert ch.min() >= 0.0 and ch.max() <= 1.0


def test_one_voxel_is_an_octahedron():
    m = np.zeros((5, 6, 7), dtype=np.uint8)
    m[1, 2, 3] = 1
    f = compute_features(m, (2.0, 2.0, 2.0), 10.0, 10.0)
    assert f["raw"]["surface_area_vox"] == pytest.approx(math.sqrt(3.0), rel=1e-12)
    assert f["physical"]["surface_area_mm2"] == pytest.approx(4.0 * math.sqrt(3.0), rel=1e-12)
    assert f["physical"]["volume_ml"] == pytest.approx(8e-3)
    assert f["normalised"][3:] == pytest.approx([3.5 / 7, 2.5 / 6, 1.5 / 5, 1 / 7, 1 / 6, 1 / 5])


def test_axis_order_x_is_w():
    m = np.zeros((10, 20, 40), dtype=np.uint8)  # [D, H, W]
    m[2:4, 5:15, 30:40] = 1
    f = compute_features(m)
    assert f["raw"]["extents_vox"] == [10, 10, 2]
    assert [f["raw"]["w"], f["raw"]["h"], f["raw"]["d"]] == pytest.approx([0.25, 0.5, 0.2])
    assert f["raw"]["com_x"] == pytest.approx((34.5 + 0.5) / 40)
    # a box: marching cubes at the midpoints cuts each corner, area < the box's 2(ab+bc+ca)
    assert 0 < f["raw"]["surface_area_vox"] < 2 * (10 * 10 + 10 * 2 + 2 * 10)


def test_empty_mask_defined():
    f = compute_features(np.zeros((4, 5, 6)), (1.0, 1.0, 1.0), 100.0, 100.0)
    assert f["empty"] is True and f["normalised"] == [0.0] * 9
    assert not np.any(render_spatial_condition(f["normalised"], (4, 4, 4)))


def test_anisotropic_area_uses_array_axis_spacing():
    # a slab thin along D: stretching z (sz) must change the area less than stretching x (sx)
    m = np.zeros((6, 20, 20), dtype=np.uint8)
    m[2:4, 3:17, 3:17] = 1
    a_z = compute_features(m, (1.0, 1.0, 3.0))["physical"]["surface_area_mm2"]
    a_x = compute_features(m, (3.0, 1.0, 1.0))["physical"]["surface_area_mm2"]
    assert a_x > a_z
