"""Train the 2D slice VAE (stage 1), measure it on held-out volumes, then pre-encode every volume.

--decoder-only fine-tunes the decoder of an existing VAE with the encoder frozen (as Stable Diffusion's
ft-MSE decoder was made): the latents, their scale factor and every UNet trained on them stay valid, so a
better decoder ships without retraining stage 2. It also oversamples tumour slices and adds the sharper mask
loss (vae_loss's mask_sharp_weight), which is what the first VAE lacked: it inflated tumour masks ~1.9x.

Outputs in <work>/vae/: ckpt.pt (resumable), metrics.json, train.log; <work>/latents.npz with
  z_train / z_val  float16 [N, Z, D, h, w]  posterior means times scale_factor (NCDHW, D = slices)
  scale_factor     1 / std of the training posterior means (paper: one global std)
"""
from __future__ import annotations

import json
import math
import os
import time

import numpy as np
import torch

from .phantoms import load_split
from .vae import SliceVAE, vae_loss


def slices_from(d, drop_empty=0.9, seed=0):
    """[N,D,H,W] volumes -> x [M,2,H,W] float16, idx [M] int64; drops `drop_empty` of brain-empty slices."""
    img = torch.from_numpy(d["image"].astype(np.float16))
    msk = torch.from_numpy(d["mask"]).to(torch.float16) * 2 - 1
    N, D, H, W = img.shape
    x = torch.stack([img, msk], 2).reshape(N * D, 2, H, W)
    idx = torch.arange(D).repeat(N)
    empty = torch.from_numpy(d["brain"].reshape(N * D, -1).sum(1) == 0)
    g = torch.Generator().manual_seed(seed)
    keep = ~empty | (torch.rand(N * D, generator=g) >= drop_empty)
    return x[keep], idx[keep]


def save_ckpt(path, model, opt, step, elapsed, cfg, ft_step=0):
    tmp = path + ".tmp"
    torch.save(dict(model=model.state_dict(), opt=opt.state_dict(), step=step, elapsed=elapsed, cfg=cfg,
                    ft_step=ft_step), tmp)
    os.replace(tmp, path)


@torch.no_grad()
def encode_volumes(model, image, mask, batch=256):
    """image, mask [N,D,H,W] -> posterior means [N,Z,D,h,w] (float32)."""
    model.eval()
    N, D, H, W = image.shape
    out = []
    for n in range(N):
        x = torch.stack([torch.from_numpy(image[n].astype(np.float32)),
                         torch.from_numpy(mask[n].astype(np.float32)) * 2 - 1], 1)  # [D,2,H,W]
        idx = torch.arange(D)
        mus = [model.encoder(x[a:a + batch], idx[a:a + batch])[0] for a in range(0, D, batch)]
        out.append(torch.cat(mus).permute(1, 0, 2, 3))  # [Z,D,h,w]
    return torch.stack(out)


@torch.no_grad()
def decode_latents(model, z, batch=256):
    """z [N,Z,D,h,w] (unscaled) -> [N,2,D,H,W]."""
    model.eval()
    out = []
    for n in range(z.shape[0]):
        zs = z[n].permute(1, 0, 2, 3)  # [D,Z,h,w]
        idx = torch.arange(zs.shape[0])
        rec = torch.cat([model.decoder(zs[a:a + batch], idx[a:a + batch]) for a in range(0, zs.shape[0], batch)])
        out.append(rec.permute(1, 0, 2, 3))
    return torch.stack(out)


FT_LR = 2e-4  # decoder-only fine-tune learning rate


def mask_volume_ratio(decoded_mask, true_mask):
    """Decoded / true tumour voxels (both thresholded at 0); 1 = the VAE keeps tumour size. None when the
    volume has no tumour."""
    true = int((true_mask > 0).sum())
    return None if true == 0 else float((decoded_mask > 0).sum()) / true


def dice(a, b):
    a, b = a.astype(bool), b.astype(bool)
    s = a.sum() + b.sum()
    return 1.0 if s == 0 else float(2 * (a & b).sum() / s)


def volume_metrics(model, d):
    """Held-out reconstruction: image PSNR (data range 2, [-1,1]) and SSIM (3D mean of 2D slice SSIM via
    skimage), mask Dice after thresholding at 0, and decoded / true tumour volume (1 = no inflation).
    Per volume, then mean/min."""
    from skimage.metrics import structural_similarity

    mu = encode_volumes(model, d["image"], d["mask"])
    rec = decode_latents(model, mu).numpy()
    psnr, ss, dc, ratio = [], [], [], []
    for n in range(len(rec)):
        im = d["image"][n].astype(np.float32)
        r = np.clip(rec[n, 0], -1, 1)
        mse = float(((r - im) ** 2).mean())
        psnr.append(10 * math.log10(4.0 / max(mse, 1e-12)))
        ss.append(float(structural_similarity(im, r, data_range=2.0)))
        dc.append(dice(rec[n, 1] > 0, d["mask"][n] > 0))
        r = mask_volume_ratio(rec[n, 1], d["mask"][n])
        if r is not None:
            ratio.append(r)
    return dict(psnr_db_mean=float(np.mean(psnr)), psnr_db_min=float(np.min(psnr)), ssim_mean=float(np.mean(ss)),
                dice_mean=float(np.mean(dc)), dice_median=float(np.median(dc)), dice_min=float(np.min(dc)),
                mask_volume_ratio_mean=float(np.mean(ratio)), mask_volume_ratio_median=float(np.median(ratio)),
                n_volumes=len(rec))


def main(a):
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    out = os.path.join(a.work, "vae")
    os.makedirs(out, exist_ok=True)
    logf = os.path.join(out, "train.log")

    def log(msg):
        line = f"[{time.strftime('%H:%M:%S')}] {msg}"
        print(line, flush=True)
        with open(logf, "a") as fh:
            fh.write(line + "\n")

    data = os.path.join(a.work, "data")
    tr = load_split(data, "train")
    va = load_split(data, "val")
    cfg = "tiny" if a.config == "tiny" else "small"
    model = SliceVAE(cfg)
    decoder_only = bool(getattr(a, "decoder_only", False))
    ck = os.path.join(out, "ckpt.pt")
    step, elapsed, ft_step = 0, 0.0, 0
    if decoder_only:
        # Fine-tune the decoder of the VAE in <work>/vae/ckpt.pt. The first run starts a fresh optimiser over
        # the decoder only; a resumed fine-tune (ckpt has ft_step) continues it.
        if not os.path.exists(ck):
            raise SystemExit(f"--decoder-only needs a trained VAE at {ck}")
        s = torch.load(ck)
        model.load_state_dict(s["model"])
        step, elapsed, ft_step = s["step"], s["elapsed"], s.get("ft_step", 0)
        model.encoder.requires_grad_(False)
        opt = torch.optim.Adam(model.decoder.parameters(), lr=FT_LR)
        if ft_step > 0 and a.resume:
            opt.load_state_dict(s["opt"])
        log(f"decoder fine-tune from step {step} (fine-tune steps so far {ft_step}); encoder frozen")
    else:
        opt = torch.optim.Adam(model.parameters(), lr=5e-4)
        if a.resume and os.path.exists(ck):
            s = torch.load(ck)
            model.load_state_dict(s["model"])
            opt.load_state_dict(s["opt"])
            step, elapsed = s["step"], s["elapsed"]
            log(f"resumed at step {step}")
    x, idx = slices_from(tr, seed=a.seed)
    has_tumour = torch.nonzero((x[:, 1] > 0).flatten(1).any(1)).flatten()
    tumour_frac = 0.5 if decoder_only else 0.0  # share of each batch drawn from slices that contain tumour
    nparams = sum(p.numel() for p in model.parameters())
    log(f"VAE config={cfg} params={nparams} slices={len(x)} (with tumour {len(has_tumour)}) "
        f"volumes={len(tr['image'])}")
    budget_s = (a.minutes if a.minutes is not None else (0.5 if a.smoke else 12)) * 60
    max_steps = a.steps if a.steps is not None else 10 ** 9
    bs = 8 if a.smoke else 32
    g = torch.Generator().manual_seed(a.seed + step + ft_step)
    run_t0 = time.time()
    t0 = run_t0 - elapsed
    run_steps = 0
    last_ck = time.time()
    avg = None
    model.train()
    if decoder_only:
        model.encoder.eval()
    sharp = 1.0 if decoder_only else 0.0
    while run_steps < max_steps and time.time() - run_t0 < budget_s:
        n_t = int(round(bs * tumour_frac))
        b = torch.cat([torch.randint(0, len(x), (bs - n_t,), generator=g),
                       has_tumour[torch.randint(0, len(has_tumour), (n_t,), generator=g)]])
        xb, ib = x[b].float(), idx[b]
        rec, mu, logvar = model(xb, ib)
        loss, parts = vae_loss(xb, rec, mu, logvar, mask_sharp_weight=sharp)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        run_steps += 1
        if decoder_only:
            ft_step += 1
        else:
            step += 1
        avg = parts if avg is None else {k: 0.95 * avg[k] + 0.05 * v for k, v in parts.items()}
        if run_steps % 25 == 0 or run_steps == max_steps:
            el = time.time() - run_t0
            eta = min(max(budget_s - el, 0), (max_steps - run_steps) * el / run_steps)  # whichever budget ends first
            log(f"step {step + ft_step} {el / run_steps:.2f} s/step ETA {eta:.0f} s | "
                + " ".join(f"{k}={v:.4f}" for k, v in avg.items()))
        if time.time() - last_ck > 120:
            save_ckpt(ck, model, opt, step, time.time() - t0, cfg, ft_step)
            last_ck = time.time()
    elapsed = time.time() - t0
    save_ckpt(ck, model, opt, step, elapsed, cfg, ft_step)
    model.eval()
    m = volume_metrics(model, va)
    log(f"held-out: {json.dumps(m)}")
    if decoder_only:
        # The encoder did not change, so latents.npz (and any UNet trained on it) stays as it is.
        mp = os.path.join(out, "metrics.json")
        prev = json.load(open(mp)) if os.path.exists(mp) else {}
        prev.update(held_out=m, wall_s=elapsed, decoder_finetune=dict(
            steps=ft_step, batch=bs, lr=FT_LR, tumour_slice_fraction=tumour_frac, mask_sharp_weight=sharp))
        with open(mp, "w") as fh:
            json.dump(prev, fh, indent=1)
        log(f"decoder fine-tune done: {ft_step} steps; latents unchanged")
        return

    mu_tr = encode_volumes(model, tr["image"], tr["mask"])
    mu_va = encode_volumes(model, va["image"], va["mask"])
    scale = float(1.0 / mu_tr.std())
    np.savez(os.path.join(a.work, "latents.npz"), z_train=(mu_tr * scale).numpy().astype(np.float16),
             z_val=(mu_va * scale).numpy().astype(np.float16), scale_factor=scale)
    with open(os.path.join(out, "metrics.json"), "w") as fh:
        json.dump(dict(config=cfg, params=nparams, steps=step, wall_s=elapsed, batch=bs, slices=len(x),
                       train_volumes=len(tr["image"]), scale_factor=scale, held_out=m), fh, indent=1)
    log(f"scale_factor={scale:.4f} (latent std {1 / scale:.4f}); latents written")
