"""PyTorch reference for the worker benchmark (npm run bench -w @slicewise/worker).

  torch_reference.py sample --model-dir DIR --sampler unipc --steps 8 --spacing trailing --guidance 5
                            [--guidance-interval '[300, 999]'] --threads 1 --conds '[[...9], ...]'
      samples one volume per condition with the SAME weights and the SAME complete sampler settings as the worker
      through models/training (sbldm.sampling.sample_with_settings on torch tensors: scheduler math in numpy
      float64, the torch UNet under no_grad; slice decoding by the torch VAE decoder); prints one JSON line
      {perVolumeS, denoiserS, callsPerVolume, rowsPerVolume, peakRssMiB, ...}.
  torch_reference.py flops --model-dir DIR --rows 2
      FLOPs of one denoiser call with `rows` batch rows (2 x MACs of the UNet's Conv and Linear layers,
      counted by torch forward hooks; ONNX shape inference cannot follow the GroupNorm reshapes); one JSON line.

Weights: models with weights/unet_ema_fp16.pt + weights/vae_fp16.pt load those (fp16 stored, run in
float32); random fixtures (metadata.training.data_source "none: RANDOM WEIGHTS") are rebuilt exactly as
`run.py export --random` builds them (torch.manual_seed(seed), same re-initialisation).
"""
import argparse
import json
import os
import sys
import time

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "models", "training"))


def load_models(model_dir, meta):
    import torch
    from sbldm.unet3d import UNet3D
    from sbldm.vae import SliceVAE

    wdir = os.path.join(model_dir, "weights")
    if os.path.exists(os.path.join(wdir, "unet_ema_fp16.pt")):
        v = torch.load(os.path.join(wdir, "vae_fp16.pt"))
        vae = SliceVAE(v["cfg"])
        vae.load_state_dict({k: t.float() for k, t in v["state"].items()})
        u = torch.load(os.path.join(wdir, "unet_ema_fp16.pt"))
        ucfg = dict(u["cfg"])
        unet = UNet3D.from_cfg(ucfg)
        unet.load_state_dict({k: t.float() for k, t in u["state"].items()})
        source = "weights/*_fp16.pt (fp16-stored weights run in float32; the ONNX graphs hold the float32 originals)"
    elif str(meta.get("training", {}).get("data_source", "")).startswith("none: RANDOM WEIGHTS"):
        tr = meta["training"]
        torch.manual_seed(int(tr["seed"]))
        vae = SliceVAE(tr["config"])
        unet = UNet3D(tr["config"], z_channels=vae.cfg["z"], spatial_channel=True)
        with torch.no_grad():
            for conv in (vae.decoder.cout, unet.cout):
                conv.weight.normal_(0, 0.05)
                conv.bias.normal_(0, 0.01)
        source = "rebuilt random fixture (run.py export --random --config %s --seed %s)" % (tr["config"], tr["seed"])
    else:
        raise SystemExit("no PyTorch weights found in %s (weights/unet_ema_fp16.pt) and not a random fixture" % model_dir)
    vae.eval()
    unet.eval()
    return vae, unet, source


def make_torch_denoise_fn(unet, latent_dhw, sharpness, null_cond=None):
    """denoise_fn on torch tensors (sample_with_settings(use_torch=True) passes x_t, t, cond as tensors). The
    spatial condition channel is rendered once per distinct condition row and reused across steps, as the worker
    renders it once per volume (numpy rendering is not the denoiser's work). Rows with the null condition get an
    all-zero spatial channel (metadata conditioning.null_condition.spatial_channel), as in the worker."""
    import torch
    from sbldm.spatial import render_spatial_condition

    cache = {}

    def fn(x_t, t, cond):
        x = x_t
        if unet.spatial_channel:
            rows = []
            for c in cond.numpy():
                key = c.tobytes()
                if key not in cache:
                    if null_cond is not None and np.array_equal(c, null_cond):
                        cache[key] = torch.zeros(tuple(latent_dhw), dtype=torch.float32)
                    else:
                        cache[key] = torch.from_numpy(np.ascontiguousarray(render_spatial_condition(c, latent_dhw, sharpness), np.float32))
                rows.append(cache[key])
            x = torch.cat([x, torch.stack(rows)[:, None]], 1)
        return unet(x, t, cond)

    return fn


def cmd_sample(a):
    """Samples with complete sampler settings (the settings contract: sampler, steps, eta, guidance scale and
    interval, spacing, offset, alpha-to-one) through sbldm.sampling.sample_with_settings on torch tensors, decodes
    with the torch VAE; times per volume (sampling + decoding), the denoiser's share, and the peak RSS."""
    import resource

    import torch
    from sbldm import evaluate
    from sbldm.sampling import sample_with_settings

    torch.set_num_threads(a.threads)
    meta = json.load(open(os.path.join(a.model_dir, "metadata.json")))
    vae, unet, source = load_models(a.model_dir, meta)
    lat = meta["latent"]["stacked_shape_cdhw"]
    scale = float(meta["latent"]["scale_factor"])
    conds = np.asarray(json.loads(a.conds), np.float32)
    guided = meta["conditioning"].get("null_condition") is not None
    null_cond = np.asarray(meta["conditioning"]["null_condition"]["cond"], np.float32) if guided else None
    interval = json.loads(a.guidance_interval)
    fn0 = make_torch_denoise_fn(unet, tuple(lat[1:]), meta["conditioning"].get("spatial_channel", {}).get("sharpness", 6.0), null_cond)
    stats = dict(denoiser_s=0.0, calls=0, rows=0)

    def fn(x_t, t, cond):
        t0 = time.perf_counter()
        out = fn0(x_t, t, cond)
        stats["denoiser_s"] += time.perf_counter() - t0
        stats["calls"] += 1
        stats["rows"] += int(x_t.shape[0])
        return out

    def run(i, c, steps):
        return sample_with_settings(fn, (1,) + tuple(lat), sampler=a.sampler, num_steps=steps, eta=a.eta, seed=a.seed,
                                    subjects=[i], cond=c[None], null_cond=null_cond if guided else None,
                                    guidance_scale=a.guidance if guided else None,
                                    guidance_interval=interval if guided else None, timestep_spacing=a.spacing,
                                    steps_offset=a.steps_offset, set_alpha_to_one=a.set_alpha_to_one == "true",
                                    use_torch=True)

    # warm-up (first call allocations), not timed
    run(0, conds[0], 1)
    stats.update(denoiser_s=0.0, calls=0, rows=0)
    per, dec = [], []
    for i, c in enumerate(conds):
        t0 = time.perf_counter()
        z = run(i, c, a.steps)
        t1 = time.perf_counter()
        with torch.no_grad():
            x = evaluate.decode_latents(vae, torch.from_numpy(z) / scale).numpy()
        img = np.clip(x[:, 0], -1, 1)
        _mask = x[:, 1] > 0
        t2 = time.perf_counter()
        per.append(t2 - t0)
        dec.append(t2 - t1)
        print(json.dumps(dict(progress="torch volume %d/%d" % (i + 1, len(conds)), s=round(t2 - t0, 3))), file=sys.stderr, flush=True)
    n = len(conds)
    print(json.dumps(dict(perVolumeS=float(np.mean(per)), decoderS=float(np.mean(dec)),
                          denoiserS=stats["denoiser_s"] / n, callsPerVolume=stats["calls"] / n, rowsPerVolume=stats["rows"] / n,
                          peakRssMiB=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
                          settings=dict(sampler=a.sampler, steps=a.steps, eta=a.eta, guidance=a.guidance if guided else None,
                                        guidanceInterval=interval, spacing=a.spacing, stepsOffset=a.steps_offset,
                                        setAlphaToOne=a.set_alpha_to_one == "true"),
                          threads=a.threads, torch=torch.__version__, weights=source, n=n)))


def cmd_flops(a):
    """Multiply-accumulates of Conv3d/Conv2d/Linear layers of the UNet (the weights the ONNX denoiser was
    exported from), counted by forward hooks on one call with `rows` batch rows; FLOPs = 2 x MACs.
    Normalisation, activations and additions are not counted (they are < 2% of the work here)."""
    import torch

    meta = json.load(open(os.path.join(a.model_dir, "metadata.json")))
    _vae, unet, source = load_models(a.model_dir, meta)
    x_spec = next(i for i in meta["graphs"]["denoiser"]["inputs"] if len(i["shape"]) == 5)
    c_in, D, h, w = x_spec["shape"][1:]
    macs = {"conv": 0, "linear": 0}

    def conv_hook(mod, inp, out):
        k = int(np.prod(mod.kernel_size))
        macs["conv"] += int(out.numel()) * (mod.in_channels // mod.groups) * k

    def lin_hook(mod, inp, out):
        macs["linear"] += int(out.numel()) * mod.in_features

    for mod in unet.modules():
        if isinstance(mod, (torch.nn.Conv3d, torch.nn.Conv2d)):
            mod.register_forward_hook(conv_hook)
        elif isinstance(mod, torch.nn.Linear):
            mod.register_forward_hook(lin_hook)
    with torch.no_grad():
        unet(torch.zeros(a.rows, c_in, D, h, w), torch.zeros(a.rows, dtype=torch.long), torch.zeros(a.rows, 9))
    print(json.dumps(dict(flopsPerCall=2 * (macs["conv"] + macs["linear"]), rows=a.rows,
                          byOp={k: 2 * v for k, v in macs.items()}, counted="2 x MACs of Conv and Linear layers (torch hooks)",
                          weights=source)))


def cmd_latent(a):
    """The z_scaled latent [C, D, h, w] of one subject (float32, base64): parity with the worker."""
    import base64

    import torch
    from sbldm import evaluate
    from sbldm.sampling import ddim_sample

    torch.set_num_threads(1)
    meta = json.load(open(os.path.join(a.model_dir, "metadata.json")))
    _vae, unet, _source = load_models(a.model_dir, meta)
    lat = meta["latent"]["stacked_shape_cdhw"]
    cond = np.asarray(json.loads(a.cond), np.float32)[None]
    fn = evaluate.make_denoise_fn(unet, tuple(lat[1:]), meta["conditioning"]["spatial_channel"]["sharpness"])
    z = ddim_sample(fn, (1,) + tuple(lat), num_steps=a.steps, eta=a.eta, seed=a.seed, subjects=[a.subject], cond=cond,
                    null_cond=np.zeros(cond.shape[1], np.float32), guidance_scale=a.guidance)
    print(json.dumps(dict(shape=list(z.shape), latent=base64.b64encode(np.ascontiguousarray(z, np.float32).tobytes()).decode())))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sample")
    s.add_argument("--model-dir", required=True)
    s.add_argument("--sampler", default="ddim", choices=["ddim", "ddpm", "dpmpp_2m", "unipc"])
    s.add_argument("--steps", type=int, default=50)
    s.add_argument("--eta", type=float, default=0.0)
    s.add_argument("--guidance", type=float, default=2.0)
    s.add_argument("--guidance-interval", default="null", help="JSON: null (every step) or [t_lo, t_hi]")
    s.add_argument("--spacing", default="leading", choices=["leading", "trailing"])
    s.add_argument("--steps-offset", type=int, default=0)
    s.add_argument("--set-alpha-to-one", default="true", choices=["true", "false"])
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--threads", type=int, default=1)
    s.add_argument("--conds", required=True)
    f = sub.add_parser("flops")
    f.add_argument("--model-dir", required=True)
    f.add_argument("--rows", type=int, default=2)
    z = sub.add_parser("latent")
    z.add_argument("--model-dir", required=True)
    z.add_argument("--steps", type=int, default=5)
    z.add_argument("--eta", type=float, default=0.0)
    z.add_argument("--guidance", type=float, default=2.0)
    z.add_argument("--seed", type=int, default=1)
    z.add_argument("--subject", type=int, default=0)
    z.add_argument("--cond", required=True)
    a = p.parse_args()
    {"sample": cmd_sample, "flops": cmd_flops, "latent": cmd_latent}[a.cmd](a)


if __name__ == "__main__":
    main()
