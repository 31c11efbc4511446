"""The metrics of the sampler study (sbldm/sampler_study.py): per-sample numbers of one setting, their aggregate,
the seed-to-seed noise band of DDIM 50, the paired test against a baseline, and "within noise"."""
from __future__ import annotations

import numpy as np
from scipy.stats import spearmanr

from .evaluate import brain_from_image
from .features import compute_features
from .train_vae import dice

METRICS = ("spearman_rho_volume", "centroid_err_pct_fov_mean", "volume_ratio", "brain_dice_mean")


METRICS = ("spearman_rho_volume", "centroid_err_pct_fov_mean", "volume_ratio", "brain_dice_mean")


def per_sample(m, req, out, ref):
    """Per-sample numbers of one setting (ref: the DDIM 50 result from the same noise, or None)."""
    D, H, W = out["masks"].shape[1:]
    rows = []
    for i, f in enumerate(req):
        r = compute_features(out["masks"][i].astype(np.uint8), max_voxel_count=m["max_v"], max_surface_area=m["max_a"])
        meas = r["normalised"]
        err = None
        if not r["empty"]:
            c_req = np.array([f[3] * W, f[4] * H, f[5] * D])
            c_mea = np.array([meas[3] * W, meas[4] * H, meas[5] * D])
            err = float(np.linalg.norm(c_req - c_mea))
        row = dict(measured_volume=float(meas[0]), centroid_err_vox=err, nonempty=not r["empty"],
                   brain_dice=float(dice(brain_from_image(out["images"][i]), m["brain"])),
                   raw_components=int(out["components"][i]))
        if ref is not None:
            row["image_mad_vs_ddim50"] = float(np.mean(np.abs(out["images"][i] - ref["images"][i])))
            row["mask_dice_vs_ddim50"] = float(dice(out["masks"][i], ref["masks"][i]))
            dz = out["latents"][i].astype(np.float64) - ref["latents"][i].astype(np.float64)
            row["latent_rel_rms_vs_ddim50"] = float(np.sqrt(np.mean(dz ** 2) / np.mean(ref["latents"][i].astype(np.float64) ** 2)))
        rows.append(row)
    return rows


def aggregate(req, rows, W):
    meas = np.array([r["measured_volume"] for r in rows])
    errs = [r["centroid_err_vox"] for r in rows if r["centroid_err_vox"] is not None]
    agg = dict(n=len(rows), spearman_rho_volume=float(spearmanr(req[:, 0], meas).correlation),
               centroid_err_pct_fov_mean=float(np.mean(errs) / W * 100) if errs else None,
               volume_ratio=float(meas.mean() / req[:, 0].mean()),
               brain_dice_mean=float(np.mean([r["brain_dice"] for r in rows])),
               fraction_with_tumour=float(np.mean([r["nonempty"] for r in rows])))
    for k in ("image_mad_vs_ddim50", "mask_dice_vs_ddim50", "latent_rel_rms_vs_ddim50"):
        if k in rows[0]:
            agg[k] = float(np.mean([r[k] for r in rows]))
    return agg


def band_of(aggs):
    """Range (max - min) of each metric over runs that differ only in the noise seed."""
    return {k: float(max(a[k] for a in aggs) - min(a[k] for a in aggs)) for k in METRICS}


PAIRED = (("centroid_err_vox", +1), ("abs_log_volume_ratio", +1), ("brain_dice", -1), ("mask_dice_vs_ddim50", -1))


def paired_change(req, base_rows, rows):
    """Per-sample differences (candidate - base, same noise): mean, standard error and whether it is worse
    than 2 SE in the degrading direction (sign +1: larger is worse); tumours lost vs base."""
    def value(r, i, k):
        if k == "abs_log_volume_ratio":
            return abs(np.log(r["measured_volume"] / req[i, 0])) if r["measured_volume"] > 0 else None
        return r.get(k)

    out = {}
    for k, sign in PAIRED:
        d = [value(c, i, k) - value(b, i, k) for i, (b, c) in enumerate(zip(base_rows, rows))
             if value(c, i, k) is not None and value(b, i, k) is not None]
        if len(d) < 2:
            out[k] = dict(mean=None, se=None, worse=False)
            continue
        d = np.asarray(d, np.float64)
        mean, se = float(d.mean()), float(d.std(ddof=1) / np.sqrt(len(d)))
        out[k] = dict(mean=mean, se=se, worse=bool(sign * mean > 2 * se))
    out["tumours_lost"] = int(sum(b["nonempty"] and not c["nonempty"] for b, c in zip(base_rows, rows)))
    return out


def within(agg, ref, band, n):
    ok = {k: abs(agg[k] - ref[k]) <= band[k] for k in METRICS}
    ok["fraction_with_tumour"] = agg["fraction_with_tumour"] >= ref["fraction_with_tumour"] - 1.0 / n - 1e-12
    return ok
