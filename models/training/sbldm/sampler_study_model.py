"""The model side of the sampler study (sbldm/sampler_study.py): a model folder's fp16 weights as fp32 modules, the
denoiser as the samplers call it (counting calls and rows), and one setting's samples decoded to images and masks."""
from __future__ import annotations

import base64
import json
import os
import time

import numpy as np
import torch

from .checkpoints import load_unet_fp16, load_vae_fp16
from .postprocess import largest_component
from .sampling import NoiseSchedule, sample_with_settings
from .spatial import render_spatial_condition
from .train_vae import decode_latents


def load_shipped(model_dir):
    """The model folder's metadata and fp16 weights (as fp32 modules)."""
    with open(os.path.join(model_dir, "metadata.json")) as fh:
        meta = json.load(fh)
    unet, _, _ = load_unet_fp16(os.path.join(model_dir, "weights", "unet_ema_fp16.pt"))
    vae = load_vae_fp16(model_dir)
    bm = meta["brain_mask"]
    bits = np.unpackbits(np.frombuffer(base64.b64decode(bm["data"]), np.uint8), bitorder="big")
    brain = bits[: int(np.prod(bm["shape_dhw"]))].reshape(bm["shape_dhw"]).astype(bool)
    sc = meta["schedule"]
    schedule = NoiseSchedule(num_train_timesteps=sc["num_train_timesteps"], beta_schedule=sc["beta_schedule"],
                             beta_start=sc["beta_start"], beta_end=sc["beta_end"], prediction_type=sc["prediction_type"])
    return dict(meta=meta, unet=unet, vae=vae, brain=brain, schedule=schedule,
                scale=float(meta["latent"]["scale_factor"]), latent_cdhw=tuple(meta["latent"]["stacked_shape_cdhw"]),
                guidance=float(meta["sampler_defaults"]["guidance_scale"]),
                max_v=float(meta["conditioning"]["normalisation"]["max_voxel_count"]),
                max_a=float(meta["conditioning"]["normalisation"]["max_surface_area"]),
                sharpness=float(meta["conditioning"]["spatial_channel"]["sharpness"]))


class Denoiser:
    """x_t, t, cond -> eps with the spatial channel rendered from cond (cached per condition row); counts
    calls and rows."""

    def __init__(self, m):
        self.unet = m["unet"]
        self.dhw = tuple(m["latent_cdhw"][1:])
        self.sharpness = m["sharpness"]
        self.cache = {}
        self.calls = 0
        self.rows = 0

    def spatial(self, c):
        key = np.asarray(c, np.float32).tobytes()
        if key not in self.cache:
            self.cache[key] = render_spatial_condition(c, self.dhw, self.sharpness)
        return self.cache[key]

    def __call__(self, x_t, t, cond):
        self.calls += 1
        self.rows += x_t.shape[0]
        x = torch.from_numpy(np.ascontiguousarray(x_t))
        if self.unet.spatial_channel:
            s = np.stack([self.spatial(c) for c in cond])[:, None]
            x = torch.cat([x, torch.from_numpy(s)], 1)
        with torch.no_grad():
            return self.unet(x, torch.from_numpy(t), torch.from_numpy(np.asarray(cond, np.float32))).numpy()


def generate(m, den, setting, conds, seed, subjects, batch, log):
    """Latents, images, post-processed masks and costs of one setting on `conds` [n, 9]."""
    lat, imgs, masks, comps = [], [], [], []
    calls0, rows0 = den.calls, den.rows
    t_sample = 0.0
    kw = dict(sampler=setting["sampler"], num_steps=setting["steps"], timestep_spacing=setting["spacing"],
              eta=0.0 if setting["sampler"] == "ddim" else None, schedule=m["schedule"])
    for a in range(0, len(conds), batch):
        c = np.asarray(conds[a:a + batch], np.float32)
        t0 = time.time()
        z = sample_with_settings(den, (len(c),) + m["latent_cdhw"], seed=seed, subjects=list(subjects[a:a + batch]),
                                 cond=c, null_cond=np.zeros(c.shape[1], np.float32), guidance_scale=m["guidance"],
                                 guidance_interval=setting["interval"], use_torch=False, **kw)
        t_sample += time.time() - t0
        with torch.no_grad():
            x = decode_latents(m["vae"], torch.from_numpy(z) / m["scale"]).numpy()
        for k in range(len(c)):
            lat.append(z[k])
            imgs.append(np.clip(x[k, 0], -1, 1))
            mk, n = largest_component(x[k, 1] > 0)
            masks.append(mk)
            comps.append(n)
        log(f"  {setting['key']}: {a + len(c)}/{len(conds)} ({t_sample / (a + len(c)):.1f} s/volume sampling)")
    n = len(conds)
    return dict(latents=np.stack(lat), images=np.stack(imgs), masks=np.stack(masks), components=comps,
                rows_per_volume=(den.rows - rows0) / n, sample_s_per_volume=t_sample / n, calls_total=den.calls - calls0)
