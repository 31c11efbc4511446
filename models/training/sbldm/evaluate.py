"""Evaluate a trained SBLDM on held-out phantoms; writes <out>/eval.json and small PNGs, then re-exports
metadata.json with the metrics.

Measured (all on the model grid, voxel units):
  * conditioning adherence on n held-out condition vectors f (requested) vs features of the sampled mask
    (measured, sbldm/features.py): Spearman rho of voxel_volume, centroid error |c_req - c_meas| in voxels
    and in % of the FOV edge, fraction of samples with a tumour (>= 1 voxel, and >= 10 voxels);
  * brain-outline Dice: brain = largest connected component of (image > threshold), holes filled; Dice vs
    the coarse training brain mask, for samples and (reference) for real held-out phantoms;
  * realism (sbldm/realism.py): Wasserstein-1 between in-brain intensity distributions of generated volumes and
    held-out real phantoms, and per-plane (axial/coronal/sagittal) continuity, generated relative to real;
  * pictures: samples (axial/coronal/sagittal through the tumour, mask outlined), a size sweep
    (voxel_volume 0.1 -> 0.9 at a fixed position).
Sampling uses the reference DDIM sampler of sbldm/sampling.py (Philox noise, per-subject streams) with
classifier-free guidance when the model was trained for it.
"""
from __future__ import annotations

import json
import os
import time

import numpy as np
import torch
from scipy.stats import spearmanr

from .export import export_trained, finite_or_none
from .checkpoints import load_work_models
from .features import compute_features
from .phantoms import load_split
from .postprocess import MASK_POSTPROCESS, largest_component
from .qc import BRAIN_THRESHOLD, brain_from_image, in_brain_percentiles
from .realism import realism_metrics
from .sampling import ddim_sample, sample_with_settings
from .spatial import render_spatial_condition
from .train_vae import decode_latents, dice, encode_volumes, mask_volume_ratio


def load_models(work):
    """A work folder's VAE and EMA UNet (sbldm.checkpoints.load_work_models)."""
    return load_work_models(work)


def make_denoise_fn(unet, latent_dhw, sharpness=6.0):
    def fn(x_t, t, cond):
        x = torch.from_numpy(np.ascontiguousarray(x_t))
        if unet.spatial_channel:
            s = np.stack([render_spatial_condition(c, latent_dhw, sharpness) for c in cond])[:, None]
            x = torch.cat([x, torch.from_numpy(s)], 1)
        with torch.no_grad():
            return unet(x, torch.from_numpy(t), torch.from_numpy(np.asarray(cond, np.float32))).numpy()
    return fn


def sample_volumes(vae, unet, scale, conds, latent_cdhw, steps, eta, guidance, seed, subjects, batch=8, log=print, settings=None):
    """conds [n,9] -> image [n,D,H,W], mask [n,D,H,W] (bool).
    settings: a metadata `sampler_defaults` block (any sampler of the settings contract, spacing, guidance interval);
    without it, DDIM with 'leading' spacing and `steps`, `eta`, `guidance` (the evaluation's reference sampler)."""
    fn = make_denoise_fn(unet, tuple(latent_cdhw[1:]))
    cfg_on = guidance is not None and guidance != 1.0
    imgs, masks = [], []
    t0 = time.time()
    for a in range(0, len(conds), batch):
        c = np.asarray(conds[a:a + batch], np.float32)
        if settings is not None:
            z = sample_with_settings(fn, (len(c),) + tuple(latent_cdhw), sampler=settings["sampler"],
                                     num_steps=settings["num_inference_steps"], eta=settings.get("eta"), seed=seed,
                                     subjects=list(subjects[a:a + batch]), cond=c,
                                     null_cond=np.zeros(9, np.float32) if cfg_on else None,
                                     guidance_scale=guidance if cfg_on else None,
                                     guidance_interval=settings.get("guidance_interval") if cfg_on else None,
                                     timestep_spacing=settings.get("timestep_spacing", "leading"),
                                     steps_offset=settings.get("steps_offset", 0),
                                     set_alpha_to_one=settings.get("set_alpha_to_one"))
        else:
            z = ddim_sample(fn, (len(c),) + tuple(latent_cdhw), num_steps=steps, eta=eta, seed=seed,
                            subjects=list(subjects[a:a + batch]), cond=c,
                            null_cond=np.zeros(9, np.float32) if cfg_on else None, guidance_scale=guidance if cfg_on else None)
        x = decode_latents(vae, torch.from_numpy(z) / scale).numpy()
        imgs.append(np.clip(x[:, 0], -1, 1))
        masks.append(x[:, 1] > 0)
        done = a + len(c)
        el = time.time() - t0
        log(f"sampled {done}/{len(conds)} ({el / done:.1f} s/volume, ETA {(len(conds) - done) * el / done:.0f} s)")
    return np.concatenate(imgs), np.concatenate(masks)


def postprocess_masks(masks):
    """Apply the declared mask post-processing to every sample: (masks, raw component counts)."""
    kept, counts = [], []
    for m in masks:
        k, n = largest_component(m)
        kept.append(k)
        counts.append(n)
    return np.stack(kept), counts


def adherence(req, masks, max_v, max_a):
    D, H, W = masks.shape[1:]
    meas, err_vox, nonempty, vox = [], [], [], []
    for f, m in zip(req, masks):
        r = compute_features(m.astype(np.uint8), max_voxel_count=max_v, max_surface_area=max_a)
        meas.append(r["normalised"])
        vox.append(r["raw"]["voxel_count"])
        nonempty.append(not r["empty"])
        if not r["empty"]:
            c_req = np.array([f[3] * W, f[4] * H, f[5] * D])
            c_mea = np.array([r["normalised"][3] * W, r["normalised"][4] * H, r["normalised"][5] * D])
            err_vox.append(float(np.linalg.norm(c_req - c_mea)))
    meas = np.asarray(meas)
    rho = float(spearmanr(req[:, 0], meas[:, 0]).correlation)
    err = np.asarray(err_vox) if err_vox else np.array([np.nan])
    return dict(n=len(req), spearman_rho_volume=rho,
                spearman_rho_volume_nonempty=float(spearmanr(req[np.array(nonempty), 0], meas[np.array(nonempty), 0]).correlation) if sum(nonempty) > 2 else None,
                centroid_err_vox_mean=float(np.nanmean(err)), centroid_err_vox_median=float(np.nanmedian(err)),
                centroid_err_pct_fov_mean=float(np.nanmean(err) / W * 100), centroid_err_pct_fov_median=float(np.nanmedian(err) / W * 100),
                fraction_with_tumour=float(np.mean(nonempty)), fraction_with_tumour_ge10vox=float(np.mean(np.asarray(vox) >= 10)),
                requested_volume_mean=float(req[:, 0].mean()), measured_volume_mean=float(meas[:, 0].mean())), meas


def picture(path, imgs, masks, titles, centres=None):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(imgs)
    fig, ax = plt.subplots(3, n, figsize=(1.6 * n, 5.0), squeeze=False)
    for k in range(n):
        im, m = imgs[k], masks[k]
        if centres is not None and centres[k] is not None:
            cd, ch, cw = [int(np.clip(v, 0, s - 1)) for v, s in zip(centres[k], im.shape)]
        elif m.any():
            cd, ch, cw = [int(v) for v in np.round(np.argwhere(m).mean(0))]
        else:
            cd, ch, cw = [s // 2 for s in im.shape]
        views = [(im[cd], m[cd]), (im[:, ch], m[:, ch]), (im[:, :, cw], m[:, :, cw])]  # axial, coronal, sagittal
        for r, (sl, ms) in enumerate(views):
            a = ax[r, k]
            a.imshow(sl, cmap="gray", origin="lower", vmin=-1, vmax=1)
            if ms.any():
                a.contour(ms.astype(float), levels=[0.5], colors="r", linewidths=0.6, origin="lower")
            a.set_xticks([])
            a.set_yticks([])
            if r == 0:
                a.set_title(titles[k], fontsize=7)
    for r, name in enumerate(("axial", "coronal", "sagittal")):
        ax[r, 0].set_ylabel(name, fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=70)
    plt.close(fig)


def main(a):
    torch.set_num_threads(a.threads)
    out = a.out
    os.makedirs(out, exist_ok=True)
    logf = os.path.join(a.work, "evaluate.log")

    def log(msg):
        line = f"[{time.strftime('%H:%M:%S')}] {msg}"
        print(line, flush=True)
        with open(logf, "a") as fh:
            fh.write(line + "\n")

    t_start = time.time()
    vae, unet, uck = load_models(a.work)
    scale = float(uck["scale_factor"])
    with open(os.path.join(a.work, "unet", "conditioning.json")) as fh:
        cinfo = json.load(fh)
    coarse_brain = np.load(os.path.join(a.work, "unet", "conditioning_brain.npy"))
    max_v, max_a = cinfo["max_voxel_count"], cinfo["max_surface_area"]
    va = load_split(os.path.join(a.work, "data"), "val")
    req = va["feat_raw"].astype(np.float64).copy()
    req[:, 0] /= max_v
    req[:, 1] /= max_a
    n = min(a.n_samples, len(req))
    req = req[:n]
    lat = np.load(os.path.join(a.work, "latents.npz"))
    latent_cdhw = lat["z_val"].shape[1:]
    guidance = float(a.guidance) if unet.spatial_channel or uck.get("variant") == "spatial" else None
    if uck.get("variant") == "paper":
        guidance = None
    sd = dict(sampler="ddim", num_inference_steps=a.ddim_steps, eta=a.eta, guidance_scale=guidance if guidance else 1.0,
              timestep_spacing="leading", steps_offset=0, set_alpha_to_one=True)
    log(f"sampling {n} volumes: DDIM {a.ddim_steps} steps, eta {a.eta}, guidance {guidance}")
    t0 = time.time()
    imgs, masks = sample_volumes(vae, unet, scale, req, latent_cdhw, a.ddim_steps, a.eta, guidance, a.seed,
                                 subjects=list(range(n)), log=log)
    sample_wall = time.time() - t0
    # what the platform delivers: the mask post-processing the exported metadata declares (sbldm/postprocess.py)
    adh_raw, _ = adherence(req, masks, max_v, max_a)
    masks, n_comp = postprocess_masks(masks)
    adh, meas = adherence(req, masks, max_v, max_a)
    adh["postprocess"] = MASK_POSTPROCESS["op"]
    adh["raw_components_mean"] = float(np.mean(n_comp))
    adh["raw_components_median"] = float(np.median(n_comp))
    log("adherence (raw masks) " + json.dumps(adh_raw))
    log("adherence (post-processed) " + json.dumps(adh))

    # brain-outline Dice
    d_samp = [dice(brain_from_image(im), coarse_brain) for im in imgs]
    d_real = [dice(brain_from_image(im.astype(np.float32)), coarse_brain) for im in va["image"][:n]]
    d_real_true = [dice(b.astype(bool), coarse_brain) for b in va["brain"][:n]]
    brain = dict(threshold=BRAIN_THRESHOLD, samples_vs_coarse_mean=float(np.mean(d_samp)), samples_vs_coarse_min=float(np.min(d_samp)),
                 real_phantoms_vs_coarse_mean=float(np.mean(d_real)), real_phantom_true_brain_vs_coarse_mean=float(np.mean(d_real_true)),
                 sample_vs_real_phantom_mean=float(np.mean([dice(brain_from_image(i), brain_from_image(r.astype(np.float32)))
                                                            for i, r in zip(imgs, va["image"][:n])])))
    log("brain " + json.dumps(brain))
    realism = realism_metrics(imgs, [v.astype(np.float32) for v in va["image"][:n]], coarse_brain)
    log("realism " + json.dumps(realism))
    # per-sample record: run.py calibrate reuses it as its "before" measurement when the settings and weights match
    with open(os.path.join(out, "eval_samples.json"), "w") as fh:
        json.dump(dict(sampler=sd, seed=int(a.seed), subjects=list(range(n)), unet_step=int(uck["step"]),
                       postprocess=MASK_POSTPROCESS["op"], requested=req.round(8).tolist(), measured=meas.round(8).tolist(),
                       voxels=[int(m.sum()) for m in masks], brain_dice=[float(d) for d in d_samp],
                       in_brain_percentiles=[in_brain_percentiles(im, coarse_brain) for im in imgs]), fh)

    # How much the VAE alone changes tumour size: decoded / true tumour voxels (mask > 0) of held-out phantoms
    # put through encoder and decoder. Generated masks inherit this factor.
    with torch.no_grad():
        ratios = []
        for i in range(n):
            rec = decode_latents(vae, encode_volumes(vae, va["image"][i:i + 1], va["mask"][i:i + 1]))[0].numpy()
            r = mask_volume_ratio(rec[1], va["mask"][i])
            if r is not None:
                ratios.append(r)
    vae_ratio = dict(n=len(ratios), mean=float(np.mean(ratios)), median=float(np.median(ratios)),
                     note="decoded / true tumour voxel count of held-out phantoms (encode -> decode, mask > 0)")
    log("vae mask volume ratio " + json.dumps(vae_ratio))

    # pictures
    k = min(6, n)
    picture(os.path.join(out, "samples.png"), imgs[:k], masks[:k],
            [f"req V={req[i, 0]:.2f}\nmeas V={meas[i, 0]:.2f}" for i in range(k)])
    picture(os.path.join(out, "real_phantoms.png"), [v.astype(np.float32) for v in va["image"][:k]], [m > 0 for m in va["mask"][:k]],
            [f"held-out phantom\nV={req[i, 0]:.2f}" for i in range(k)])
    # size sweep at a fixed position: nearest empirical vector in volume, position overridden
    emp = np.asarray(cinfo["empirical_sample"])
    pos = np.array([0.42, 0.55, 0.55])
    sizes = [0.1, 0.25, 0.4, 0.55, 0.7, 0.9]
    sweep = []
    for v in sizes:
        f = emp[np.argmin(np.abs(emp[:, 0] - v))].copy()
        f[3:6] = pos
        sweep.append(f)
    sweep = np.asarray(sweep)
    s_imgs, s_masks = sample_volumes(vae, unet, scale, sweep, latent_cdhw, a.ddim_steps, a.eta, guidance, a.seed + 1,
                                     subjects=[0] * len(sweep), log=log)
    s_masks, _ = postprocess_masks(s_masks)
    s_meas = [compute_features(m.astype(np.uint8), max_voxel_count=max_v, max_surface_area=max_a)["normalised"][0] for m in s_masks]
    centre = [pos[2] * latent_cdhw[1], pos[1] * s_imgs.shape[2], pos[0] * s_imgs.shape[3]]
    picture(os.path.join(out, "size_sweep.png"), s_imgs, s_masks,
            [f"req V={sweep[i, 0]:.2f}\nmeas V={s_meas[i]:.2f}" for i in range(len(sweep))], centres=[centre] * len(sweep))
    sweep_info = dict(position_xyz=pos.tolist(), requested=sweep[:, 0].round(4).tolist(), measured=[round(float(v), 4) for v in s_meas],
                      same_noise_seed=True)
    log("size sweep " + json.dumps(sweep_info))
    defaults = dict(sd, num_inference_steps=a.default_ddim_steps or a.ddim_steps)
    ev = dict(
        metrics=dict(conditioning_adherence=adh, conditioning_adherence_raw_masks=adh_raw, brain_outline_dice=brain, size_sweep=sweep_info, vae_mask_volume_ratio=vae_ratio,
                     realism=realism,
                     sampling=dict(settings=sd, wall_s_per_volume=sample_wall / n, threads=a.threads, engine="PyTorch 1.13 CPU",
                                   note="metrics above were measured with these settings"),
                     held_out="phantoms from a separate seed range (same two source brains)",
                     eval_wall_s=time.time() - t_start),
        sampler_defaults=defaults,
    )
    ev = finite_or_none(ev)
    with open(os.path.join(out, "eval.json"), "w") as fh:
        json.dump(ev, fh, indent=1, allow_nan=False)
    export_trained(a.work, out, os.path.basename(os.path.normpath(out)), ev["metrics"], defaults)
    log(f"evaluation done in {time.time() - t_start:.0f} s; metadata.json updated")
