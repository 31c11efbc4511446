"""Condition calibration and quality-control thresholds of a trained model (run.py stage `calibrate`).

  run.py calibrate --work W --out models/<name> [--cal-conditions 48 --cal-per-condition 5 --n-samples 60]

Why: the generated tumour is not the size that was requested (sbldm-phantom-64-fast: 1.9x on average), though the
ORDER is right (Spearman rho 0.84). A monotone map requested -> fed, applied before the denoiser, fixes the size
without retraining.

Fit, on TRAINING-split conditions only (the held-out phantoms stay unseen until the measurement):
  1. draw `--cal-conditions` training condition vectors; give each `--cal-per-condition` fed volumes
     V_fed = V_req * s, s log-stratified in [--cal-scale-min, --cal-scale-max] (clipped to the training range of
     voxel_volume), with the SIMILAR-SHAPE RULES applied to the rest of the vector (surface area * ratio^(2/3),
     extents w, h, d * ratio^(1/3); sphericity and centroid unchanged): exactly the vectors the applier will feed;
  2. sample each with the model's default sampler settings (metadata sampler_defaults), decode, threshold, apply
     the declared mask post-processing (largest component), measure the features (sbldm/features.py);
  3. fit the generated volume as a monotone function of the fed volume (`--cal-method`, FIT_METHODS): equal-count
     bins of V_fed (`--cal-bins`); 'median' (default): isotonic regression (pool-adjacent-violators, weighted by bin
     counts) of the log median generated V at the median V_fed per bin (the median generated / requested ratio becomes
     1; see fit_volume_map for why not the mean); 'mean': arithmetic bin means (the first fit, outlier-driven);
     'mean_corrected': the median curve scaled so the MEAN ratio becomes 1; bins pooled to equal values are merged;
  4. invert: knots requested = fitted generated volume, fed = mean fed volume of the bin (both strictly increasing),
     piecewise linear between knots, clamped outside (requests beyond what the model produces get the end knot).
  Only voxel_volume is mapped: the other size features are tied to it (rules above), sphericity is scale-free, and
  the centroid's bias is small (measured and written in `effect`); every rule is declared in the block.
Measure, on the first `--n-samples` HELD-OUT conditions (same noise seeds as `evaluate`): before (fed = requested)
and after (fed = calibrated): generated / requested volume ratio, absolute relative volume error (median, p90),
per size bin, Spearman rho, centroid error, per-feature bias and absolute error, brain-outline Dice.
Quality control (metadata `quality_control`): tolerances = p95 of |measured - requested| per feature on the held-out
conditions after calibration; brain-outline minimum Dice; in-brain intensity percentile ranges of the training
phantoms; the held-out pass rate of each check.
Writes <out>/calibration.json (blocks + full report), <out>/calibration.png, and the blocks into <out>/metadata.json
(export/evaluate carry them over while the denoiser is unchanged).
"""
from __future__ import annotations

import json
import math
import os
import time

import numpy as np
import torch

from .calibrate_fit import FIT_METHODS, fit_volume_map, pav, scaled_vector  # noqa: F401 (pav: re-exported)
from .calibrate_measure import (  # noqa: F401 (measure_masks, sample_and_measure, SIZE_BINS: re-exported)
    FEATURES,
    SIZE_BINS,
    TUMOUR_MIN_VOXELS,
    adherence_report,
    measure_masks,
    sample_and_measure,
    sample_parallel,
)
from .calibration import CALIBRATION_FORMAT, apply_calibration, validate_calibration
from .export import finite_or_none, git_revision, sha256
from .phantoms import load_split
from .postprocess import MASK_POSTPROCESS
from .qc import BRAIN_THRESHOLD, INTENSITY_PERCENTILES, brain_outline_dice, in_brain_percentiles

SIMILAR_SHAPE_RULES = [
    dict(target="surface_area", op="scale_by_ratio_power", source="voxel_volume", exponent=2.0 / 3.0,
         note="area of a similar shape scales with volume^(2/3)"),
    *[dict(target=t, op="scale_by_ratio_power", source="voxel_volume", exponent=1.0 / 3.0,
           note="extent of a similar shape scales with volume^(1/3); the spatial channel's ellipsoid shrinks with it")
      for t in ("w", "h", "d")],
]
QC_VERSION = 1


def check_sampler(sd):
    """Calibration samples with the model's default settings through sampling.sample_with_settings, the Python twin of
    the worker's createScheduler + sample(): every sampler of the settings contract, either spacing, guidance interval."""
    from .sampling import SAMPLER_NAMES

    if sd.get("sampler") not in SAMPLER_NAMES:
        raise SystemExit(f"calibrate: sampler_defaults.sampler = {sd.get('sampler')!r}; allowed: {', '.join(SAMPLER_NAMES)}")


HISTORY_KEYS = ("generated_over_requested_volume_mean", "generated_over_requested_volume_median", "volume_abs_rel_error_median",
                "volume_abs_rel_error_p90", "spearman_rho_volume", "centroid_err_pct_fov_mean")


def history_entries(prev_doc):
    """The earlier fits of a model folder (calibration.json history plus the block it replaces): version, method, knots
    and the held-out result after calibration, so a refit never hides what the previous fit measured."""
    out = list(prev_doc.get("history", []))
    c = prev_doc.get("calibration")
    if c:
        after = c.get("effect", {}).get("held_out", {}).get("after", {})
        out.append(dict(version=c.get("version"), method=c.get("method"), fit_method=c.get("fitted_on", {}).get("fit_method", "mean"),
                        maps=c.get("maps"), held_out_after={k: after.get(k) for k in HISTORY_KEYS},
                        by_size_bin={k: v.get("generated_over_requested_volume_mean") for k, v in after.get("by_size_bin", {}).items()}))
    return out


def reusable_eval_samples(path, sd, seed, n, unet_step, req):
    """evaluate's per-sample record (eval_samples.json) when it measured exactly these held-out samples (same sampler
    settings, seed, subjects 0..n-1, UNet step, requested vectors): -> (measured [n, 9], voxels [n], brain Dice [n])."""
    if not os.path.exists(path):
        return None
    with open(path) as fh:
        e = json.load(fh)
    ok = (e.get("sampler") == sd and e.get("seed") == seed and e.get("subjects") == list(range(n))
          and e.get("unet_step") == unet_step and e.get("postprocess") == MASK_POSTPROCESS["op"]
          and np.allclose(np.asarray(e.get("requested"), np.float64), req, atol=1e-7))
    if not ok:
        return None
    return np.asarray(e["measured"], np.float64), np.asarray(e["voxels"]), list(e["brain_dice"])


# ------------------------------------------------------------------------------------------------
def quality_control_block(after, dice_after, pct_after, train_pcts, real_dice):
    tol = {name: dict(abs=float(math.ceil(after["features"][name]["abs_err_p95"] * 1e4) / 1e4),
                      basis="p95 of |measured - requested| on held-out conditions after calibration")
           for name in FEATURES}
    p5 = float(np.percentile(dice_after, 5))
    min_dice = math.floor(p5 * 20) / 20  # rounded down to 0.05
    lo, hi = train_pcts.min(0), train_pcts.max(0)
    ranges = [[float(math.floor(a * 1e3) / 1e3), float(math.ceil(b * 1e3) / 1e3)] for a, b in zip(lo, hi)]
    return dict(
        version=QC_VERSION,
        units="normalised feature units (conditioning.feature_names); image values in the model's range [-1, 1]",
        tumour_present=dict(min_voxels=TUMOUR_MIN_VOXELS,
                            basis="the mask after the declared post-processing (largest component) has at least this "
                                  "many voxels; the smallest training tumour has about 100"),
        tolerances=tol,
        brain_outline=dict(image_threshold=BRAIN_THRESHOLD, min_dice=min_dice,
                           definition="Dice(largest 6-connected component of image > image_threshold with holes filled, "
                                      "brain_mask); packages/conditioning brainOutlineDice",
                           basis=f"p5 of held-out generated volumes after calibration ({p5:.3f}), rounded down to 0.05; "
                                 f"real held-out phantoms: mean {np.mean(real_dice):.3f}, min {np.min(real_dice):.3f}"),
        intensity=dict(percentiles=list(INTENSITY_PERCENTILES), ranges=ranges, region="brain_mask minus the tumour mask",
                       definition="percentiles (linear between ranks) of the image values inside brain_mask, without the "
                                  "voxels of the (post-processed) tumour mask: brain tissue only, since the tumour's size "
                                  "and bright rim are requested; packages/conditioning inBrainPercentiles(image, shape, "
                                  "brainMask, percentiles, tumourMask)",
                       basis=f"[min, max] of each percentile over the {len(train_pcts)} training phantoms, widened to "
                             f"3 decimals"),
    )


def qc_pass_rates(qc, req, meas, vox, dice, pcts):
    present = vox >= qc["tumour_present"]["min_voxels"]
    tol_ok = np.ones(len(req), bool)
    per_feature = {}
    for k, name in enumerate(FEATURES):
        ok = np.abs(meas[:, k] - req[:, k]) <= qc["tolerances"][name]["abs"]
        per_feature[name] = float(ok.mean())
        tol_ok &= ok
    dice_ok = np.asarray(dice) >= qc["brain_outline"]["min_dice"]
    r = np.asarray(qc["intensity"]["ranges"])
    p = np.asarray(pcts)
    int_ok = np.all((p >= r[:, 0]) & (p <= r[:, 1]), axis=1)
    allok = present & tol_ok & dice_ok & int_ok
    return allok, dict(n=int(len(req)), tumour_present=float(present.mean()), tolerances_all=float(tol_ok.mean()),
                tolerances=per_feature, brain_outline=float(dice_ok.mean()), intensity=float(int_ok.mean()),
                all=float(allok.mean()),
                note="held-out conditions after calibration, one try each: the share of volumes that would pass QC "
                     "first time (a failure regenerates with another seed)")


def plot(path, fit, cal_fed, cal_gen, req, before, after):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 3, figsize=(12, 4))
    lim = [0.005, 2.0]
    a = ax[0]
    a.scatter(cal_fed, cal_gen, s=6, alpha=0.5, label="training-split samples")
    a.plot(fit["fed"], fit["requested"], "r.-", label="isotonic fit (knots)")
    a.plot(lim, lim, "k--", lw=0.8, label="identity")
    a.set(xscale="log", yscale="log", xlim=lim, ylim=lim, xlabel="fed voxel_volume", ylabel="generated voxel_volume",
          title="fit (training conditions)")
    a.legend(fontsize=7)
    for a, m, t in ((ax[1], before, "held-out, before"), (ax[2], after, "held-out, after calibration")):
        a.scatter(req[:, 0], m[:, 0], s=10)
        a.plot(lim, lim, "k--", lw=0.8)
        r = m[:, 0] / req[:, 0]
        a.set(xscale="log", yscale="log", xlim=lim, ylim=lim, xlabel="requested voxel_volume", ylabel="generated voxel_volume",
              title=f"{t}\nmean ratio {r.mean():.2f}, median |rel err| {np.median(np.abs(r - 1)):.2f}")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def main(a):
    torch.set_num_threads(a.threads)
    out = a.out
    logf = os.path.join(a.work, "calibrate.log")

    def log(msg):
        line = f"[{time.strftime('%H:%M:%S')}] {msg}"
        print(line, flush=True)
        with open(logf, "a") as fh:
            fh.write(line + "\n")

    t_start = time.time()
    with open(os.path.join(out, "metadata.json")) as fh:
        meta = json.load(fh)
    sd = dict(meta["sampler_defaults"])
    check_sampler(sd)
    uck = torch.load(os.path.join(a.work, "unet", "ckpt.pt"))  # step; the sampling processes load the models
    norm = meta["conditioning"]["normalisation"]
    max_v, max_a = float(norm["max_voxel_count"]), float(norm["max_surface_area"])
    names = meta["conditioning"]["feature_names"]
    if names != FEATURES:
        raise SystemExit(f"calibrate: conditioning.feature_names {names} != {FEATURES}")
    v_min, v_max = meta["conditioning"]["ranges"]["min"][0], meta["conditioning"]["ranges"]["max"][0]
    data = os.path.join(a.work, "data")
    tr, va = load_split(data, "train"), load_split(data, "val")

    def normalise(raw):
        f = raw.astype(np.float64).copy()
        f[:, 0] /= max_v
        f[:, 1] /= max_a
        return f

    f_tr, f_va = normalise(tr["feat_raw"]), normalise(va["feat_raw"])
    lat = np.load(os.path.join(a.work, "latents.npz"))
    latent_cdhw = lat["z_val"].shape[1:]
    dhw = tuple(va["image"].shape[1:])
    brain = np.load(os.path.join(a.work, "unet", "conditioning_brain.npy"))

    # 1-3: fit on training-split conditions
    rng = np.random.default_rng(a.seed + 2024)
    nc, k = min(a.cal_conditions, len(f_tr)), a.cal_per_condition
    pick = np.sort(rng.choice(len(f_tr), size=nc, replace=False))
    lo, hi = math.log(a.cal_scale_min), math.log(a.cal_scale_max)
    fed_tr, req_tr = [], []
    for j, i in enumerate(pick):
        strata = (np.arange(k) + rng.uniform(0, 1, k)) / k  # one log-scale draw per stratum
        rng.shuffle(strata)
        for u in strata:
            fed_tr.append(scaled_vector(f_tr[i], math.exp(lo + u * (hi - lo)), v_min, v_max))
            req_tr.append(f_tr[i])
    fed_tr = np.asarray(fed_tr)
    log(f"calibration fit: {nc} training conditions x {k} fed volumes (scale {a.cal_scale_min}-{a.cal_scale_max}), "
        f"sampler {sd}")
    meas_tr, _, _, _ = sample_parallel(a.work, fed_tr, latent_cdhw, sd, a.seed + 7, list(range(100000, 100000 + len(fed_tr))),
                                       max_v, max_a, brain, a.procs, int(uck["step"]), log)
    fit = fit_volume_map(fed_tr[:, 0], meas_tr[:, 0], n_bins=a.cal_bins, method=a.cal_method)
    log("fit " + json.dumps(fit))
    prev_version, history = 0, []
    cp = os.path.join(out, "calibration.json")
    if os.path.exists(cp):
        with open(cp) as fh:
            prev = json.load(fh)
        prev_version = int(prev.get("calibration", {}).get("version", 0))
        history = history_entries(prev)
    cal = dict(
        format=CALIBRATION_FORMAT, version=prev_version + 1, space="normalised",
        method=FIT_METHODS[a.cal_method] + " (models/training/sbldm/calibrate.py)",
        interpolation="linear", extrapolation="clamp", empty_condition="unchanged",
        application=("per feature map: piecewise-linear interpolation between knots, clamped to the end knots outside "
                     "them; then the rules in order; a vector with voxel_volume == 0 is fed unchanged "
                     "(packages/conditioning applyCalibration = models/training/sbldm/calibration.py)"),
        fitted_on=dict(split="train", n_conditions=int(nc), per_condition=int(k), n_samples=int(len(fed_tr)),
                       fed_scale_range=[a.cal_scale_min, a.cal_scale_max], bins=int(a.cal_bins), fit_method=a.cal_method,
                       residual_ratio={k: (round(v, 4) if isinstance(v, float) else v) for k, v in fit["residual_ratio"].items()},
                       sampler=sd,
                       mask_postprocess=MASK_POSTPROCESS["op"], seed=int(a.seed), unet_step=int(uck["step"]),
                       denoiser_sha256=sha256(os.path.join(out, "denoiser.onnx")), git_revision=git_revision()),
        maps=dict(voxel_volume=dict(requested=fit["requested"], fed=fit["fed"])),
        rules=[dict(r) for r in SIMILAR_SHAPE_RULES],
    )
    issues = validate_calibration(cal, FEATURES)
    if issues:
        raise SystemExit("calibrate: the fitted block is invalid: " + "; ".join(issues))

    # held-out: before / after, same noise as evaluate (seed a.seed, subjects 0..n-1)
    n = min(a.n_samples, len(f_va))
    req = f_va[:n]
    fed_after = np.asarray([apply_calibration(list(v), cal, FEATURES)["fed"] for v in req])
    prev = reusable_eval_samples(os.path.join(out, "eval_samples.json"), sd, a.seed, n, int(uck["step"]), req)
    if prev is not None:
        log(f"held-out: {n} conditions, before (fed = requested): reusing evaluate's samples (eval_samples.json: same "
            f"sampler settings, seed, subjects and UNet step)")
        meas_b, vox_b, dice_b = prev
    else:
        log(f"held-out: {n} conditions, before (fed = requested)")
        meas_b, vox_b, dice_b, _ = sample_parallel(a.work, req, latent_cdhw, sd, a.seed, list(range(n)), max_v, max_a, brain,
                                                   a.procs, int(uck["step"]), log)
    log(f"held-out: {n} conditions, after calibration")
    meas_a, vox_a, dice_a, pct_a = sample_parallel(a.work, fed_after, latent_cdhw, sd, a.seed, list(range(n)), max_v, max_a,
                                                   brain, a.procs, int(uck["step"]), log)
    before, after = adherence_report(req, meas_b, vox_b, dhw), adherence_report(req, meas_a, vox_a, dhw)
    before["brain_outline_dice_mean"], after["brain_outline_dice_mean"] = float(np.mean(dice_b)), float(np.mean(dice_a))
    log("before " + json.dumps(before))
    log("after " + json.dumps(after))

    # quality control thresholds
    train_pcts = np.asarray([in_brain_percentiles(im.astype(np.float32), brain, exclude_mask=m)
                             for im, m in zip(tr["image"], tr["mask"])])
    real_dice = [brain_outline_dice(im.astype(np.float32), brain) for im in va["image"][:n]]
    qc = quality_control_block(after, dice_a, pct_a, train_pcts, real_dice)
    passed, qc["measured_pass_rate"] = qc_pass_rates(qc, req, meas_a, vox_a, dice_a, pct_a)
    log("quality_control " + json.dumps(qc))
    # what a team receives: the worker regenerates a failing volume with another seed, so the delivered volumes follow
    # the distribution of passing ones (estimate: the held-out volumes that pass first time)
    after_passing = adherence_report(req[passed], meas_a[passed], vox_a[passed], dhw) if passed.sum() >= 5 else None
    if after_passing is not None:
        after_passing["brain_outline_dice_mean"] = float(np.mean(np.asarray(dice_a)[passed]))
    cal["effect"] = dict(held_out=dict(
        n=int(n), conditions="features of the first n held-out phantoms (the conditions of run.py evaluate)",
        sampler=sd, before=before, after=after, after_qc_passing=after_passing,
        after_qc_passing_note="after calibration, only the volumes that pass the declared quality_control defaults "
                              "first time: an estimate of what the worker delivers, since it regenerates failing volumes"))
    plot(os.path.join(out, "calibration.png"), fit, fed_tr[:, 0], meas_tr[:, 0], req, meas_b, meas_a)
    doc = dict(calibration=cal, quality_control=qc,
               report=dict(fit=fit, fit_samples=dict(fed=fed_tr.round(6).tolist(), generated=meas_tr.round(6).tolist()),
                           held_out=dict(requested=req.round(6).tolist(), fed_after=fed_after.round(6).tolist(),
                                         generated_before=meas_b.round(6).tolist(), generated_after=meas_a.round(6).tolist(),
                                         brain_dice_before=dice_b, brain_dice_after=dice_a),
                           wall_s=time.time() - t_start),
               history=history)
    doc = finite_or_none(doc)
    with open(cp, "w") as fh:
        json.dump(doc, fh, indent=1, allow_nan=False)
    with open(os.path.join(out, "metadata.json")) as fh:  # re-read: evaluate may have rewritten it meanwhile
        meta = json.load(fh)
    meta["calibration"], meta["quality_control"] = doc["calibration"], doc["quality_control"]
    with open(os.path.join(out, "metadata.json"), "w") as fh:
        json.dump(meta, fh, indent=1, allow_nan=False)
    log(f"calibration v{cal['version']} written to {cp} and metadata.json in {time.time() - t_start:.0f} s")
