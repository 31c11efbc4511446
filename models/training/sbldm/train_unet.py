"""Train the 3D latent UNet (stage 2) on pre-encoded slice latents.

Per step (notation of unet3d.py): z0 = scaled latent [B,Z,D,h,w]; t ~ U{0..T-1}; eps ~ N(0, I);
  z_t = sqrt(abar_t) z0 + sqrt(1 - abar_t) eps;  loss = sum(w |eps_theta(z_t, t, f) - eps|) / sum(w)
  w = 1 + lambda * m   (m = tumour fraction of each latent voxel; lambda = 0 in the paper variant)
Classifier-free guidance (variant 'spatial'): with probability p_uncond the condition is replaced by
the null condition (f = 0 AND spatial channel = 0).
Outputs in <work>/unet/: ckpt.pt (resumable: model, EMA, optimiser, RNG, step), ema_fp16.pt (the EMA weights in
the format of a model folder's weights/unet_ema_fp16.pt: cfg, fp16 state, step, elapsed_s; small enough to commit
and to resume from with `run.py restore --unet-weights`), conditioning.json (normalisation constants, ranges,
empirical sample), train.log.

Learning rate: linear warm-up over 200 steps after the optimiser (re)starts (a fresh run, or a checkpoint rebuilt
by `run.py restore`, which carries no optimiser state: Adam's moments start at zero, and full steps from them
would jolt the weights); then constant, or with `--lr-schedule cosine` a cosine decay to `--lr-min` over the
wall-clock budget of the run (`--minutes`; wall time, not steps, because on shared cores the step rate is not
known in advance; the schedule's position is checkpointed, so a resumed run continues it).
"""
from __future__ import annotations

import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from .phantoms import load_split
from .spatial import render_spatial_condition
from .unet3d import UNet3D, scaled_linear_betas

VARIANTS = {
    # our choice (model.md section 2): spatial channel + tumour-weighted loss + classifier-free guidance
    "spatial": dict(spatial_channel=True, tumour_weight=5.0, p_uncond=0.15),
    # the paper: 9-vector added to the time embedding only, plain L1, no guidance
    "paper": dict(spatial_channel=False, tumour_weight=0.0, p_uncond=0.0),
}
SHARPNESS = 6.0


def conditioning_table(feat_raw_train):
    """Normalisation constants (training maxima) and the normalised training vectors."""
    max_v = float(feat_raw_train[:, 0].max())
    max_a = float(feat_raw_train[:, 1].max())
    return max_v, max_a


def normalise(feat_raw, max_v, max_a):
    f = np.array(feat_raw, dtype=np.float64, copy=True)
    f[:, 0] /= max_v
    f[:, 1] /= max_a
    return f.astype(np.float32)


def latent_mask(mask, h, w):
    """mask [N,D,H,W] {0,1} -> tumour fraction per latent voxel [N,1,D,h,w] (average over H/h x W/w)."""
    m = torch.from_numpy(mask).float()
    N, D, H, W = m.shape
    return F.avg_pool2d(m.reshape(N * D, 1, H, W), (H // h, W // w)).reshape(N, 1, D, h, w)


def render_all(f, latent_dhw):
    return torch.from_numpy(np.stack([render_spatial_condition(v, latent_dhw, SHARPNESS) for v in f]))[:, None]


def load_training_data(work):
    lat = np.load(os.path.join(work, "latents.npz"))
    data = os.path.join(work, "data")
    tr, va = load_split(data, "train"), load_split(data, "val")
    max_v, max_a = conditioning_table(tr["feat_raw"])
    out = {}
    for name, d, z in (("train", tr, lat["z_train"]), ("val", va, lat["z_val"])):
        zt = torch.from_numpy(z.astype(np.float32))
        f = normalise(d["feat_raw"], max_v, max_a)
        out[name] = dict(z=zt, f=torch.from_numpy(f), m=latent_mask(d["mask"], zt.shape[3], zt.shape[4]),
                         s=render_all(f, tuple(zt.shape[2:])), brain=d["brain"], feat_raw=d["feat_raw"])
    out["max_v"], out["max_a"] = max_v, max_a
    out["scale_factor"] = float(lat["scale_factor"])
    return out


def write_conditioning_json(path, D, seed=0):
    ftr = D["train"]["f"].numpy().astype(np.float64)
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(ftr), size=min(200, len(ftr)), replace=False)
    brain = D["train"]["brain"].astype(np.float32).mean(0) >= 0.5
    info = dict(
        feature_names=["voxel_volume", "surface_area", "sphericity", "x", "y", "z", "w", "h", "d"],
        max_voxel_count=D["max_v"], max_surface_area=D["max_a"],
        ranges=dict(min=ftr.min(0).round(6).tolist(), max=ftr.max(0).round(6).tolist()),
        empirical_sample=np.round(ftr[np.sort(pick)], 5).tolist(),
        n_train=int(len(ftr)),
        empty_fraction=float((ftr[:, 0] == 0).mean()),
    )
    with open(path, "w") as fh:
        json.dump(info, fh)
    np.save(path.replace(".json", "_brain.npy"), brain)
    return info


class Diffusion:
    def __init__(self):
        self.betas = scaled_linear_betas()
        self.abar = torch.cumprod(1 - self.betas, 0).float()

    def q_sample(self, z0, t, eps):
        a = self.abar[t].view(-1, 1, 1, 1, 1)
        return a.sqrt() * z0 + (1 - a).sqrt() * eps


def model_input(z_t, s, spatial):
    return torch.cat([z_t, s], 1) if spatial else z_t


@torch.no_grad()
def conditioning_check(model, diff, V, spatial, n=6, seed=1234):
    """Held-out: L1 loss with true vs shuffled conditions (whole latent and tumour region) and the relative
    change of epsilon when the condition is swapped. Costs 2 forward passes on n volumes."""
    model.eval()
    g = torch.Generator().manual_seed(seed)
    n = min(n, len(V["z"]))
    idx = torch.arange(n)
    z0, f, s, m = V["z"][idx], V["f"][idx], V["s"][idx], V["m"][idx]
    t = torch.linspace(50, 900, n).long()
    eps = torch.randn(z0.shape, generator=g)
    zt = diff.q_sample(z0, t, eps)
    perm = torch.roll(idx, 1)
    e1 = model(model_input(zt, s, spatial), t, f)
    e2 = model(model_input(zt, s[perm], spatial), t, f[perm])
    tum = (m > 0.25).float().expand_as(eps)
    l1, l2 = (e1 - eps).abs(), (e2 - eps).abs()
    model.train()
    return dict(loss_true=float(l1.mean()), loss_shuf=float(l2.mean()),
                tumour_loss_true=float((l1 * tum).sum() / tum.sum().clamp(min=1)),
                tumour_loss_shuf=float((l2 * tum).sum() / tum.sum().clamp(min=1)),
                eps_rel_change=float((e1 - e2).norm() / e1.norm().clamp(min=1e-8)))


def main(a):
    torch.set_num_threads(a.threads)
    out = os.path.join(a.work, "unet")
    os.makedirs(out, exist_ok=True)
    logf = os.path.join(out, "train.log")

    def log(msg):
        line = f"[{time.strftime('%H:%M:%S')}] {msg}"
        print(line, flush=True)
        with open(logf, "a") as fh:
            fh.write(line + "\n")

    var = VARIANTS[a.variant]
    spatial = var["spatial_channel"]
    D = load_training_data(a.work)
    cinfo = write_conditioning_json(os.path.join(out, "conditioning.json"), D, a.seed)
    T, V = D["train"], D["val"]
    cfg = a.config
    torch.manual_seed(a.seed)
    model = UNet3D(cfg, z_channels=T["z"].shape[1], spatial_channel=spatial)
    ema = UNet3D(cfg, z_channels=T["z"].shape[1], spatial_channel=spatial)
    ema.load_state_dict(model.state_dict())
    ema.requires_grad_(False)
    lr = getattr(a, "lr", None) or 3e-4
    lr_schedule = getattr(a, "lr_schedule", None) or "constant"
    lr_min = getattr(a, "lr_min", None) or lr * 0.1
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    g = torch.Generator().manual_seed(a.seed)
    diff = Diffusion()
    step, elapsed_prev = 0, 0.0
    ema_n = 0  # updates since the EMA started; decay warms up as min(0.999, (1 + n) / (10 + n))
    opt_start = 0  # step at which the optimiser state started (learning-rate warm-up counts from here)
    sched = None  # cosine schedule position: dict(horizon_s, done_s, lr_min), checkpointed
    ck = os.path.join(out, "ckpt.pt")
    if a.resume and os.path.exists(ck):
        s = torch.load(ck)
        model.load_state_dict(s["model"])
        ema.load_state_dict(s["ema"])
        step, elapsed_prev = s["step"], s["elapsed"]
        if s.get("opt") is not None:
            opt.load_state_dict(s["opt"])
            opt_start = s.get("opt_start_step", 0)
        else:  # rebuilt by run.py restore from fp16 weights: fresh optimiser, warm up again
            opt_start = step
            log(f"no optimiser state in the checkpoint (restored from {s.get('restored_from')}): fresh AdamW, "
                f"learning-rate warm-up over 200 steps")
        g.set_state(s["rng"])
        ema_n = s.get("ema_n", step)
        sched = s.get("sched")
        log(f"resumed at step {step} ({elapsed_prev:.0f} s trained)")
        if getattr(a, "ema_reset", False):
            ema.load_state_dict(model.state_dict())
            ema_n = 0
            log("EMA reset to the current weights (decay warm-up restarts)")
    nparams = sum(p.numel() for p in model.parameters())
    bs = getattr(a, "batch", None) or 2
    budget_s = (a.minutes if a.minutes is not None else (0.5 if a.smoke else 90)) * 60
    max_steps = a.steps if a.steps is not None else 10 ** 9
    if lr_schedule == "cosine" and sched is None:
        sched = dict(horizon_s=budget_s, done_s=0.0, lr_min=lr_min, lr_peak=lr)
    sched_done0 = sched["done_s"] if sched else 0.0
    check_every = 2 if a.smoke else 500
    ck_every_s = 300
    log(f"UNet config={cfg} variant={a.variant} params={nparams} train={len(T['z'])} val={len(V['z'])} batch={bs} "
        f"latent={tuple(T['z'].shape[1:])} maxV={D['max_v']:.0f} maxA={D['max_a']:.1f} scale={D['scale_factor']:.4f}")
    t0 = time.time()
    last_ck = t0
    avg = None
    steps_this_run = 0
    model.train()

    def current_lr():
        warm = min(1.0, (step - opt_start + 1) / 200)  # linear warm-up over 200 steps of this optimiser
        if not sched:
            return lr * warm
        import math
        frac = min(1.0, sched["done_s"] / max(sched["horizon_s"], 1e-9))
        return warm * (sched["lr_min"] + 0.5 * (sched["lr_peak"] - sched["lr_min"]) * (1 + math.cos(math.pi * frac)))

    def save():
        elapsed = elapsed_prev + time.time() - t0
        st = dict(model=model.state_dict(), ema=ema.state_dict(), opt=opt.state_dict(), rng=g.get_state(),
                  step=step, ema_n=ema_n, opt_start_step=opt_start, sched=sched, elapsed=elapsed, config=cfg,
                  variant=a.variant, unet_cfg=model.cfg, scale_factor=D["scale_factor"])
        torch.save(st, ck + ".tmp")
        os.replace(ck + ".tmp", ck)
        torch.save(dict(cfg=model.cfg, state={k: v.half() for k, v in ema.state_dict().items()}, step=step,
                        elapsed_s=elapsed), os.path.join(out, "ema_fp16.pt.tmp"))
        os.replace(os.path.join(out, "ema_fp16.pt.tmp"), os.path.join(out, "ema_fp16.pt"))
        with open(os.path.join(out, "state.json"), "w") as fh:
            json.dump(dict(step=step, elapsed_s=elapsed, config=cfg, variant=a.variant,
                           unet_cfg=model.cfg, params=nparams, batch=bs, lr=lr, ema=0.999, ema_updates=ema_n,
                           lr_schedule=(dict(kind="cosine", **sched) if sched else dict(kind="constant")),
                           lr_now=current_lr(), **var), fh)

    while steps_this_run < max_steps and time.time() - t0 < budget_s:
        b = torch.randint(0, len(T["z"]), (bs,), generator=g)
        z0, f, s, m = T["z"][b], T["f"][b].clone(), T["s"][b].clone(), T["m"][b]
        t = torch.randint(0, 1000, (bs,), generator=g)
        eps = torch.randn(z0.shape, generator=g)
        drop = torch.rand(bs, generator=g) < var["p_uncond"]
        f[drop] = 0.0
        s[drop] = 0.0
        zt = diff.q_sample(z0, t, eps)
        pred = model(model_input(zt, s, spatial), t, f)
        w = 1.0 + var["tumour_weight"] * m
        loss = ((pred - eps).abs() * w).sum() / (w.sum() * eps.shape[1])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if sched:
            sched["done_s"] = sched_done0 + time.time() - t0
        for pg in opt.param_groups:
            pg["lr"] = current_lr()
        opt.step()
        decay = min(0.999, (1.0 + ema_n) / (10.0 + ema_n))
        ema_n += 1
        with torch.no_grad():
            for pe, pm in zip(ema.parameters(), model.parameters()):
                pe.mul_(decay).add_(pm, alpha=1.0 - decay)
        step += 1
        steps_this_run += 1
        avg = float(loss) if avg is None else 0.98 * avg + 0.02 * float(loss)
        if step % 50 == 0 or steps_this_run == max_steps:
            el = time.time() - t0
            rate = el / steps_this_run
            left = int(min(max(budget_s - el, 0) / rate, max_steps - steps_this_run))  # whichever budget ends first
            log(f"step {step} loss {avg:.4f} lr {current_lr():.2e} {rate:.3f} s/step ETA {left * rate:.0f} s (~{left} more steps)")
        if step % check_every == 0:
            c = conditioning_check(model, diff, V, spatial)
            log("cond-check " + " ".join(f"{k}={v:.4f}" for k, v in c.items()))
        if time.time() - last_ck > ck_every_s:
            save()
            last_ck = time.time()
            log(f"checkpoint at step {step}")
    save()
    c = conditioning_check(ema, diff, V, spatial)
    log(f"done: step {step}, {elapsed_prev + time.time() - t0:.0f} s total; EMA cond-check "
        + " ".join(f"{k}={v:.4f}" for k, v in c.items()))
