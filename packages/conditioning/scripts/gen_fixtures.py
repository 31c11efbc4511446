"""Generate the parity fixtures in fixtures/ from the Python reference (models/training/sbldm).

fixtures/features.json: small masks (RLE, see below) with their expected features (compute_features)
  and spatial condition channels (render_spatial_condition). TypeScript (src/parity.test.ts) and Python
  (models/training/tests/test_features_parity.py) both check themselves against it.
fixtures/bench-masks.json: a 64^3 and a [D, H, W] = [96, 192, 192] mask for bench/conditioning.bench.ts.

Mask encoding ("rle"): the mask flattened in C order over [D, H, W] (W fastest), as run lengths that
alternate 0-runs and 1-runs, starting with a (possibly empty) 0-run. Sum of runs = D*H*W.

Run: python3 packages/conditioning/scripts/gen_fixtures.py
"""
from __future__ import annotations

import base64
import json
import os
import sys

import numpy as np
from scipy import ndimage

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(REPO, "models", "training"))
from sbldm.features import compute_features  # noqa: E402
from sbldm.spatial import render_spatial_condition  # noqa: E402

FIX = os.path.join(HERE, "..", "fixtures")


def rle_encode(mask: np.ndarray) -> list[int]:
    flat = (mask.ravel(order="C") > 0).astype(np.int8)
    change = np.flatnonzero(np.diff(flat)) + 1
    bounds = np.concatenate([[0], change, [flat.size]])
    runs = np.diff(bounds).tolist()
    if flat.size and flat[0] == 1:
        runs = [0] + runs
    return [int(r) for r in runs]


def rle_decode(runs: list[int], shape_dhw) -> np.ndarray:
    flat = np.zeros(int(np.prod(shape_dhw)), dtype=np.uint8)
    pos, val = 0, 0
    for r in runs:
        if val:
            flat[pos:pos + r] = 1
        pos += r
        val ^= 1
    assert pos == flat.size
    return flat.reshape(shape_dhw)


def ellipsoid(shape_dhw, centre_zyx, radii_zyx) -> np.ndarray:
    z, y, x = np.meshgrid(*(np.arange(n, dtype=np.float64) for n in shape_dhw), indexing="ij")
    cz, cy, cx = centre_zyx
    rz, ry, rx = radii_zyx
    return ((z - cz) / rz) ** 2 + ((y - cy) / ry) ** 2 + ((x - cx) / rx) ** 2 <= 1.0


def blob(shape_dhw, seed: int, sigma: float, thresh: float, window=None) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = ndimage.gaussian_filter(rng.random(shape_dhw), sigma)
    m = noise > thresh
    if window is not None:
        m &= window
    return m


def cases() -> list[dict]:
    out = []
    out.append(dict(name="sphere_r8_24cube", mask=ellipsoid((24, 24, 24), (11.5, 11.5, 11.5), (8, 8, 8)),
                    spacing=[1.0, 1.0, 1.0]))
    out.append(dict(name="ellipsoid_offcentre_aniso", mask=ellipsoid((32, 40, 48), (10, 22, 30), (6, 9, 13)),
                    spacing=[0.9375, 1.1, 2.5]))
    out.append(dict(name="ellipsoid_tilted_like_thin", mask=ellipsoid((40, 32, 24), (25, 12, 9), (14, 3, 5)),
                    spacing=[1.2, 1.2, 1.0]))
    win = ellipsoid((36, 36, 36), (18, 16, 20), (13, 12, 11))
    out.append(dict(name="irregular_blob_a", mask=blob((36, 36, 36), 7, 1.6, 0.5, win), spacing=[1.0, 1.0, 1.0]))
    win = ellipsoid((28, 44, 40), (13, 20, 22), (10, 16, 15))
    out.append(dict(name="irregular_blob_b_aniso", mask=blob((28, 44, 40), 11, 1.2, 0.49, win),
                    spacing=[1.0, 0.8, 3.0]))
    # pure noise: every marching-cubes configuration, the ambiguous ones included
    out.append(dict(name="noise_all_configs", mask=np.random.default_rng(3).random((24, 26, 28)) < 0.45,
                    spacing=[1.3, 0.7, 1.9]))
    one = np.zeros((24, 24, 24), dtype=bool)
    one[5, 17, 9] = True
    out.append(dict(name="one_voxel", mask=one, spacing=[1.0, 1.0, 1.0]))
    # touches the W=0, H=max and D=max borders: the padding closes the surface
    out.append(dict(name="touching_border", mask=ellipsoid((30, 32, 34), (27, 29, 2), (8, 7, 9)),
                    spacing=[1.0, 1.0, 1.0]))
    two = ellipsoid((32, 32, 32), (8, 8, 8), (4, 5, 3)) | ellipsoid((32, 32, 32), (22, 24, 20), (6, 4, 5))
    out.append(dict(name="two_components", mask=two, spacing=[2.0, 2.0, 2.0]))
    full = np.ones((24, 25, 26), dtype=bool)
    out.append(dict(name="full_volume", mask=full, spacing=[1.0, 1.0, 1.0]))
    out.append(dict(name="empty", mask=np.zeros((24, 24, 24), dtype=bool), spacing=[1.0, 1.0, 1.0]))
    return out


MAX_VOXEL_COUNT = 20000.0
MAX_SURFACE_AREA = 6000.0
LATENT_SHAPES = [[16, 8, 12], [64, 16, 16]]
SHARPNESS = [6.0, 2.5]


def main() -> None:
    os.makedirs(FIX, exist_ok=True)
    entries = []
    for c in cases():
        mask = c["mask"].astype(np.uint8)
        shape = list(mask.shape)
        runs = rle_encode(mask)
        assert np.array_equal(rle_decode(runs, shape), mask)
        feats = compute_features(mask, tuple(c["spacing"]), MAX_VOXEL_COUNT, MAX_SURFACE_AREA)
        spatial = []
        for li, (ls, sh) in enumerate(zip(LATENT_SHAPES, SHARPNESS)):
            if li > 0 and c["name"] not in ("ellipsoid_offcentre_aniso", "one_voxel"):
                continue  # the full-size latent grid only for two cases, to keep the fixture small
            ch = render_spatial_condition(feats["normalised"], ls, sh)
            # exact float32 values, C order over [Dl, Hl, Wl], little-endian, base64
            spatial.append({"latentShapeDhw": ls, "sharpness": sh,
                            "float32Base64": base64.b64encode(ch.astype("<f4").tobytes()).decode("ascii")})
        entries.append({"name": c["name"], "shapeDhw": shape, "spacingMm": c["spacing"], "rle": runs,
                        "expected": feats, "spatial": spatial})
        print(f"{c['name']}: shape {shape} count {feats['raw']['voxel_count']} area {feats['raw']['surface_area_vox']:.4f}")
    doc = {"description": "Parity fixtures for packages/conditioning (see scripts/gen_fixtures.py). "
                          "Masks: C-order [D, H, W] run lengths, alternating 0/1, starting with 0. "
                          "Spatial channels: float32 little-endian, base64.",
           "maxVoxelCount": MAX_VOXEL_COUNT, "maxSurfaceArea": MAX_SURFACE_AREA, "cases": entries}
    with open(os.path.join(FIX, "features.json"), "w") as fh:
        json.dump(doc, fh, separators=(",", ":"))
        fh.write("\n")

    bench = []
    m64 = ellipsoid((64, 64, 64), (30, 34, 31), (14, 11, 17)) | blob((64, 64, 64), 21, 2.0, 0.5,
                                                                    ellipsoid((64, 64, 64), (36, 30, 36), (18, 16, 15)))
    bench.append(("cube64", m64))
    shape = (96, 192, 192)
    big = ellipsoid(shape, (44, 90, 110), (22, 38, 30))
    rng = np.random.default_rng(5)
    small = ndimage.gaussian_filter(rng.random((48, 96, 96)), 1.5) > 0.5
    big |= np.repeat(np.repeat(np.repeat(small, 2, 0), 2, 1), 2, 2) & ellipsoid(shape, (50, 100, 96), (28, 45, 40))
    bench.append(("brain_192x192x96", big))
    bdoc = {"description": "Benchmark masks, same RLE encoding as features.json", "cases": []}
    for name, m in bench:
        m = m.astype(np.uint8)
        f = compute_features(m, (1.0, 1.0, 1.0))
        bdoc["cases"].append({"name": name, "shapeDhw": list(m.shape), "rle": rle_encode(m),
                              "expected": f})
        print(f"bench {name}: count {f['raw']['voxel_count']} area {f['raw']['surface_area_vox']:.3f}")
    with open(os.path.join(FIX, "bench-masks.json"), "w") as fh:
        json.dump(bdoc, fh, separators=(",", ":"))
        fh.write("\n")


if __name__ == "__main__":
    main()
