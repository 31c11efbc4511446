"""Realism metrics of generated volumes against held-out real phantoms (evaluate reports them; the model card shows
them for the previous and the current weights). Images [n, D, H, W] in [-1, 1]; `region` = the model's coarse brain
mask [D, H, W] (metadata brain_mask): the same voxels for generated and real volumes, so a generated brain that is
too small, shifted or blurred shows up in both metrics.

* intensity Wasserstein-1: W1 between the distributions of image values inside `region`, pooled over all generated
  volumes vs pooled over the real ones (scipy.stats.wasserstein_distance, exact for empirical distributions; image
  units, range [-1, 1] so W1 <= 2). Also the mean over pairs (generated volume i vs the real phantom whose features
  were requested for it) and, as the scale of "as real as real", W1 between two disjoint halves of the real set.
* per-plane continuity: for each axis, the mean absolute difference between neighbouring voxels along that axis
  (both inside `region`), i.e. between adjacent slices: along D = between adjacent AXIAL slices, along H = between
  adjacent CORONAL slices, along W = between adjacent SAGITTAL slices. Reported for generated and real volumes and
  as the ratio generated / real (1 = like real; > 1 = jumps between slices, e.g. the striping of slice-wise decoding
  across axial slices; < 1 = too smooth, i.e. blur). `axial_over_inplane` = the D difference over the mean of the H
  and W differences, generated relative to real: > 1 means the axial direction is relatively rougher than in real
  volumes (striping), independent of overall blur.
"""
from __future__ import annotations

import numpy as np
from scipy.stats import wasserstein_distance

PLANES = (("axial", 0), ("coronal", 1), ("sagittal", 2))  # plane name, array axis of [D, H, W] its slices step along


def in_region_values(imgs, region):
    r = np.asarray(region).astype(bool)
    return np.concatenate([np.asarray(im, np.float32)[r] for im in imgs]).astype(np.float64)


def intensity_w1(gen_imgs, real_imgs, region):
    g = in_region_values(gen_imgs, region)
    r = in_region_values(real_imgs, region)
    n_half = len(real_imgs) // 2
    out = dict(
        pooled=float(wasserstein_distance(g, r)),
        paired_mean=float(np.mean([wasserstein_distance(in_region_values([a], region), in_region_values([b], region))
                                   for a, b in zip(gen_imgs, real_imgs)])),
        region="coarse brain mask (metadata brain_mask)", n_generated=len(gen_imgs), n_real=len(real_imgs),
    )
    if n_half >= 2:
        out["real_vs_real_halves"] = float(wasserstein_distance(in_region_values(real_imgs[:n_half], region),
                                                                in_region_values(real_imgs[n_half:], region)))
    return out


def adjacent_abs_diff(imgs, region, axis):
    """Mean |x[i+1] - x[i]| along `axis` over voxel pairs with both voxels inside region, over all volumes."""
    r = np.asarray(region).astype(bool)
    sl_a = [slice(None)] * 3
    sl_b = [slice(None)] * 3
    sl_a[axis], sl_b[axis] = slice(1, None), slice(None, -1)
    pair = r[tuple(sl_a)] & r[tuple(sl_b)]
    tot, cnt = 0.0, 0
    for im in imgs:
        x = np.asarray(im, np.float64)
        d = np.abs(x[tuple(sl_a)] - x[tuple(sl_b)])[pair]
        tot += float(d.sum())
        cnt += int(d.size)
    return tot / max(cnt, 1)


def continuity(gen_imgs, real_imgs, region):
    out = {}
    for name, ax in PLANES:
        g, r = adjacent_abs_diff(gen_imgs, region, ax), adjacent_abs_diff(real_imgs, region, ax)
        out[name] = dict(generated=g, real=r, ratio=g / r if r > 0 else None)
    gi = out["axial"]["generated"] / (0.5 * (out["coronal"]["generated"] + out["sagittal"]["generated"]))
    ri = out["axial"]["real"] / (0.5 * (out["coronal"]["real"] + out["sagittal"]["real"]))
    out["axial_over_inplane"] = dict(generated=gi, real=ri, ratio=gi / ri)
    out["definition"] = ("mean |difference| between adjacent slices inside the coarse brain mask: 'axial' = between "
                         "adjacent axial slices (along D), 'coronal' along H, 'sagittal' along W; ratio = generated / real")
    return out


def realism_metrics(gen_imgs, real_imgs, region):
    return dict(intensity_w1=intensity_w1(gen_imgs, real_imgs, region),
                continuity=continuity(gen_imgs, real_imgs, region))
