"""Rebuild a resumable work folder from a shipped model folder (its committed fp16 weights), so that
`run.py unet --resume` continues a model from a clean checkout, without the original (uncommitted) work folder.

  run.py restore --from-model models/sbldm-phantom-64-fast --work W [--unet-weights PATH]

Needs the phantom shards in W/data (`run.py prepare --work W`, same seeds as the model's training data).
Writes, each only when it is missing (so an interrupted or resumed run is never overwritten):
  W/vae/ckpt.pt, W/vae/metrics.json   from weights/vae_fp16.pt and metadata.json (training.vae, metrics.vae_held_out)
  W/latents.npz                       every volume encoded with that VAE, scaled by the model's DECLARED
                                      latent.scale_factor (not re-estimated: the UNet was trained on that scale)
  W/unet/ckpt.pt, W/unet/state.json   from weights/unet_ema_fp16.pt (or --unet-weights): model = EMA = those
                                      weights in fp32, a fresh optimiser (opt = None, `opt_start_step` = the
                                      step, so train_unet warms the learning rate up again), step and elapsed
                                      time from the weights file or the metadata
Checks: the data's normalisation constants (training maxima of tumour volume and surface area) must equal the
model's metadata, otherwise the shards are not the data the model was trained on and the restore stops.

fp16 -> fp32 is a rounding of the exported weights (relative error ~5e-4 per weight); the model folder's ONNX
graphs were exported from the fp32 weights, so a re-export of restored weights differs from them at that level.
"""
from __future__ import annotations

import json
import os
import time

import numpy as np
import torch

from .checkpoints import load_unet_fp16, load_vae_fp16  # noqa: F401 (re-exported: restore.load_*_fp16)
from .phantoms import load_split


class RestoreError(RuntimeError):
    pass


def check_data_matches(meta, feat_raw_train, rel_tol=1e-6):
    norm = meta["conditioning"]["normalisation"]
    got = dict(max_voxel_count=float(feat_raw_train[:, 0].max()), max_surface_area=float(feat_raw_train[:, 1].max()))
    for k, v in got.items():
        want = float(norm[k])
        if abs(v - want) > rel_tol * max(1.0, abs(want)):
            raise RestoreError(f"restore: the training shards' {k} is {v}, the model's metadata says {want}: "
                               f"these are not the phantoms the model was trained on (run prepare with the same seed, "
                               f"--n-train {meta['training'].get('n_train')})")


def restore(model_dir, work, unet_weights=None, log=print):
    from .train_vae import encode_volumes

    with open(os.path.join(model_dir, "metadata.json")) as fh:
        meta = json.load(fh)
    data = os.path.join(work, "data")
    tr, va = load_split(data, "train"), load_split(data, "val")
    check_data_matches(meta, tr["feat_raw"])
    tmeta = meta["training"]
    vdir, udir = os.path.join(work, "vae"), os.path.join(work, "unet")
    os.makedirs(vdir, exist_ok=True)
    os.makedirs(udir, exist_ok=True)

    vae = load_vae_fp16(model_dir)
    vck = os.path.join(vdir, "ckpt.pt")
    if not os.path.exists(vck):
        vm = tmeta["vae"]
        ft = vm.get("decoder_finetune", {})
        opt = torch.optim.Adam(vae.parameters(), lr=5e-4)
        torch.save(dict(model=vae.state_dict(), opt=opt.state_dict(), step=int(vm["steps"]), elapsed=float(vm["wall_s"]),
                        cfg=vae.cfg, ft_step=int(ft.get("steps", 0)), restored_from=os.path.basename(os.path.normpath(model_dir))),
                   vck)
        metrics = dict(config=vm["config"], params=vm["params"], steps=vm["steps"], wall_s=vm["wall_s"], batch=vm["batch"],
                       train_volumes=tmeta.get("n_train"), scale_factor=meta["latent"]["scale_factor"],
                       held_out=meta["metrics"]["vae_held_out"], restored_from_fp16=True)
        if ft:
            metrics["decoder_finetune"] = ft
        with open(os.path.join(vdir, "metrics.json"), "w") as fh:
            json.dump(metrics, fh, indent=1)
        log(f"restore: VAE checkpoint rebuilt from {model_dir}/weights/vae_fp16.pt")
    lat = os.path.join(work, "latents.npz")
    if not os.path.exists(lat):
        scale = float(meta["latent"]["scale_factor"])
        t0 = time.time()
        mu_tr = encode_volumes(vae, tr["image"], tr["mask"])
        mu_va = encode_volumes(vae, va["image"], va["mask"])
        np.savez(lat + ".tmp.npz", z_train=(mu_tr * scale).numpy().astype(np.float16),
                 z_val=(mu_va * scale).numpy().astype(np.float16), scale_factor=scale)
        os.replace(lat + ".tmp.npz", lat)
        log(f"restore: encoded {len(mu_tr)} + {len(mu_va)} volumes in {time.time() - t0:.0f} s "
            f"(declared scale_factor {scale:.4f}; std of the scaled training latents {float((mu_tr * scale).std()):.4f})")
    uck = os.path.join(udir, "ckpt.pt")
    if not os.path.exists(uck):
        path = unet_weights or os.path.join(model_dir, "weights", "unet_ema_fp16.pt")
        unet, step, elapsed = load_unet_fp16(path)
        um = tmeta["unet"]
        if step == 0:
            step = int(um["steps"])
        if elapsed is None:
            elapsed = float(um["wall_s"])
        state = unet.state_dict()
        torch.save(dict(model=state, ema=state, opt=None, rng=torch.Generator().manual_seed(step).get_state(),
                        step=step, ema_n=step, opt_start_step=step, elapsed=float(elapsed), config=um["config"],
                        variant=um["variant"], unet_cfg=unet.cfg, scale_factor=float(meta["latent"]["scale_factor"]),
                        restored_from=path), uck)
        with open(os.path.join(udir, "state.json"), "w") as fh:  # what export reads about the UNet's training
            json.dump(dict(step=step, elapsed_s=float(elapsed), config=um["config"], variant=um["variant"], unet_cfg=unet.cfg,
                           params=um["params"], batch=um["batch"], lr=um["lr"], ema=um["ema"], ema_updates=step,
                           spatial_channel=unet.cfg["spatial_channel"], tumour_weight=um["tumour_weight"],
                           p_uncond=tmeta["p_uncond"], restored_from=path), fh)
        log(f"restore: UNet checkpoint rebuilt from {path} at step {step} (model = EMA weights, fresh optimiser)")
    return meta
