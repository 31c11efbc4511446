"""The downstream segmentation experiment's segmenter must really learn: on a separable toy (bright spheres in
noise) it reaches a high held-out Dice after a short training, far above an untrained network."""
from __future__ import annotations

import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sbldm.seg_experiment import SegUNet3D, dice, dice_scores, to_seg_grid, train_segmenter  # noqa: E402


def _spheres(n, rng, size=32):
    img = (np.full((n, size, size, size), -0.5) + rng.normal(0, 0.1, (n, size, size, size))).astype(np.float32)
    mask = np.zeros((n, size, size, size), np.uint8)
    zz, yy, xx = np.mgrid[:size, :size, :size]
    for i in range(n):
        c, r = rng.uniform(8, size - 8, 3), rng.uniform(4, 7)
        s = (zz - c[0]) ** 2 + (yy - c[1]) ** 2 + (xx - c[2]) ** 2 < r * r
        img[i][s] += 0.8
        mask[i] = s
    return img, mask


def test_dice():
    a = np.zeros((4, 4), bool)
    b = a.copy()
    a[:2] = True
    b[1:3] = True
    assert dice(a, b) == 0.5 and dice(a, a) == 1.0 and dice(b & False, a & False) == 1.0


def test_segmenter_learns_a_separable_toy():
    rng = np.random.default_rng(0)
    x, y = _spheres(6, rng)
    hx, hy = _spheres(6, rng)
    torch.manual_seed(0)
    untrained = float(np.mean(dice_scores(SegUNet3D(), hx, hy)))
    xs, ys = to_seg_grid(x, y)
    assert xs.shape == (6, 1, 16, 16, 16) and float(ys.max()) == 1.0
    net = train_segmenter(xs, ys, steps=120, seed=0, threads=2)
    trained = float(np.mean(dice_scores(net, hx, hy)))
    assert trained > 0.7 and trained > untrained + 0.4, (untrained, trained)
    # deterministic given the seed
    again = train_segmenter(xs, ys, steps=3, seed=5, threads=2)
    again2 = train_segmenter(xs, ys, steps=3, seed=5, threads=2)
    assert all(torch.equal(p, q) for p, q in zip(again.state_dict().values(), again2.state_dict().values()))


def test_largest_component_keeps_the_biggest_face_connected_island():
    from sbldm.postprocess import largest_component

    m = np.zeros((4, 5, 6), np.uint8)
    m[0, 0, 0:2] = 1  # 2 voxels
    m[2, 2, 2:5] = 1  # 3 voxels
    m[3, 3, 5] = 1  # touches the 3-voxel island only diagonally: its own component under 6-connectivity
    kept, n = largest_component(m)
    assert n == 3 and kept.sum() == 3 and kept[2, 2, 2:5].all()
    tie = np.zeros((3, 3, 3), np.uint8)
    tie[0, 0, 0] = tie[2, 2, 2] = 1
    kept, n = largest_component(tie)
    assert n == 2 and kept[0, 0, 0] and not kept[2, 2, 2]  # ties: first in C order
    empty, n = largest_component(np.zeros((2, 2, 2)))
    assert n == 0 and not empty.any()


def test_component_fixture_matches_the_python_reference():
    """packages/conditioning/fixtures/components.json (the TypeScript side checks itself against it too)."""
    import json

    from sbldm.postprocess import largest_component

    repo = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
    sys.path.insert(0, os.path.join(repo, "packages", "conditioning", "scripts"))
    from gen_fixtures import rle_decode, rle_encode

    doc = json.load(open(os.path.join(repo, "packages", "conditioning", "fixtures", "components.json")))
    assert len(doc["cases"]) >= 5
    for c in doc["cases"]:
        kept, n = largest_component(rle_decode(c["rle"], c["shapeDhw"]).reshape(c["shapeDhw"]))
        assert n == c["components"] and rle_encode(kept) == c["keptRle"], c["name"]
