"""Calibration steps 2 and "Measure" (see sbldm/calibrate.py): sample condition vectors with a work folder's models,
post-process and measure the masks, and report how well the generated tumours follow the requested ones."""
from __future__ import annotations

import json
import math
import os
import time

import numpy as np
import torch
from scipy.stats import spearmanr

from .features import compute_features
from .qc import brain_outline_dice, in_brain_percentiles


FEATURES = ["voxel_volume", "surface_area", "sphericity", "x", "y", "z", "w", "h", "d"]


# requested voxel_volume bins (normalised units; the training phantoms span about 0.007-1.0, uniform in voxels)
SIZE_BINS = (("small", 0.0, 0.1), ("medium", 0.1, 0.25), ("large", 0.25, 0.45), ("very_large", 0.45, math.inf))
TUMOUR_MIN_VOXELS = 10


def measure_masks(masks, max_v, max_a):
    out, vox = [], []
    for m in masks:
        r = compute_features(m.astype(np.uint8), max_voxel_count=max_v, max_surface_area=max_a)
        out.append(r["normalised"])
        vox.append(r["raw"]["voxel_count"])
    return np.asarray(out, np.float64), np.asarray(vox)


def adherence_report(req, meas, vox, dhw):
    """req, meas [n, 9] normalised; vox [n] voxel counts of the (post-processed) generated masks."""
    D, H, W = dhw
    ratio = meas[:, 0] / req[:, 0]
    rel = np.abs(ratio - 1.0)
    present = vox >= 1
    c_req = req[:, 3:6] * [W, H, D]
    c_mea = meas[:, 3:6] * [W, H, D]
    cerr = np.linalg.norm(c_req - c_mea, axis=1)[present]
    rep = dict(
        n=int(len(req)),
        generated_over_requested_volume_mean=float(ratio.mean()),
        generated_over_requested_volume_median=float(np.median(ratio)),
        volume_abs_rel_error_median=float(np.median(rel)),
        volume_abs_rel_error_p90=float(np.percentile(rel, 90)),
        spearman_rho_volume=float(spearmanr(req[:, 0], meas[:, 0]).correlation),
        centroid_err_pct_fov_mean=float(cerr.mean() / W * 100) if len(cerr) else None,
        centroid_err_pct_fov_median=float(np.median(cerr) / W * 100) if len(cerr) else None,
        centroid_err_pct_fov_p90=float(np.percentile(cerr, 90) / W * 100) if len(cerr) else None,
        fraction_with_tumour=float(present.mean()),
        fraction_with_tumour_ge10vox=float((vox >= TUMOUR_MIN_VOXELS).mean()),
        requested_volume_mean=float(req[:, 0].mean()),
        measured_volume_mean=float(meas[:, 0].mean()),
        by_size_bin={},
        features={},
    )
    for name, lo, hi in SIZE_BINS:
        sel = (req[:, 0] >= lo) & (req[:, 0] < hi)
        if sel.any():
            rep["by_size_bin"][name] = dict(
                requested_range=[lo, None if math.isinf(hi) else hi], n=int(sel.sum()),
                generated_over_requested_volume_mean=float(ratio[sel].mean()),
                volume_abs_rel_error_median=float(np.median(rel[sel])),
                volume_abs_rel_error_p90=float(np.percentile(rel[sel], 90)))
    for k, name in enumerate(FEATURES):
        d = meas[present, k] - req[present, k]
        a = np.abs(d)
        rep["features"][name] = dict(bias_mean=float(d.mean()), abs_err_median=float(np.median(a)),
                                     abs_err_p90=float(np.percentile(a, 90)), abs_err_p95=float(np.percentile(a, 95)))
    return rep


def sample_and_measure(vae, unet, scale, fed, latent_cdhw, sd, seed, subjects, max_v, max_a, log):
    from .evaluate import postprocess_masks, sample_volumes

    imgs, masks = sample_volumes(vae, unet, scale, fed, latent_cdhw, sd["num_inference_steps"], sd["eta"],
                                 sd["guidance_scale"], seed, subjects=subjects, log=log, settings=sd)
    masks, _ = postprocess_masks(masks)
    meas, vox = measure_masks(masks, max_v, max_a)
    return imgs, masks, meas, vox


def _sample_chunk(task):
    """Worker process: sample and measure one chunk of condition vectors with the work folder's models.
    -> dict(meas [n, 9], vox [n], dice [n], pcts [n, len(INTENSITY_PERCENTILES)]); cached on disk by content key."""
    work, fed, latent_cdhw, sd, seed, subjects, max_v, max_a, brain, cache = task
    if cache and os.path.exists(cache):
        with np.load(cache) as z:
            return {k: z[k] for k in z.files}
    torch.set_num_threads(1)
    from .evaluate import load_models

    vae, unet, uck = load_models(work)
    imgs, masks, meas, vox = sample_and_measure(vae, unet, float(uck["scale_factor"]), fed, latent_cdhw, sd, seed, subjects,
                                                max_v, max_a, log=lambda m: None)
    res = dict(meas=meas, vox=np.asarray(vox), dice=np.asarray([brain_outline_dice(im, brain) for im in imgs]),
               pcts=np.asarray([in_brain_percentiles(im, brain) for im in imgs]),
               pcts_tissue=np.asarray([in_brain_percentiles(im, brain, exclude_mask=m) for im, m in zip(imgs, masks)]))
    if cache:
        np.savez(cache + ".tmp.npz", **res)
        os.replace(cache + ".tmp.npz", cache)
    return res


def sample_parallel(work, fed, latent_cdhw, sd, seed, subjects, max_v, max_a, brain, procs, unet_step, log, chunk=8):
    """Sample and measure `fed` (one noise stream per subject, as evaluate) in chunks over `procs` processes (spawned,
    1 thread each: on shared cores several niced single-thread processes get more done than one process's threads).
    Each chunk's result is cached in <work>/calibrate_cache/ by a key of its inputs, so an interrupted run resumes.
    The result does not depend on procs or chunking beyond float rounding of batched convolutions."""
    import hashlib
    import multiprocessing as mp

    cache_dir = os.path.join(work, "calibrate_cache")
    os.makedirs(cache_dir, exist_ok=True)
    tasks = []
    for a in range(0, len(fed), chunk):
        f = np.asarray(fed[a:a + chunk], np.float32)
        sub = list(subjects[a:a + chunk])
        key = hashlib.sha256(f.tobytes() + json.dumps([sub, sd, seed, unet_step, chunk], sort_keys=True).encode()).hexdigest()[:24]
        tasks.append((work, f, tuple(latent_cdhw), sd, seed, sub, max_v, max_a, brain, os.path.join(cache_dir, key + ".npz")))
    t0, done, out = time.time(), 0, []
    with mp.get_context("spawn").Pool(max(1, procs)) as pool:
        for r in pool.imap(_sample_chunk, tasks):
            out.append(r)
            done += len(r["vox"])
            el = time.time() - t0
            log(f"sampled {done}/{len(fed)} ({el / done:.1f} s/volume wall over {procs} processes, ETA {(len(fed) - done) * el / done:.0f} s)")
    key = "pcts_tissue" if all("pcts_tissue" in r for r in out) else "pcts"  # chunks cached before tissue percentiles
    return (np.concatenate([r["meas"] for r in out]), np.concatenate([r["vox"] for r in out]),
            [float(x) for r in out for x in r["dice"]], [list(map(float, x)) for r in out for x in r[key]])
