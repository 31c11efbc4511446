"""Export a trained (or random) SBLDM to ONNX + metadata.json (the model contract, model.md section 3).

Graphs (opset 17, dynamic batch axes):
  encoder.onnx   x [N,2,S,S] float32, slice_index [N] int64          -> z_mean [N,Z,s,s] (UNscaled posterior mean)
  decoder.onnx   z [N,Z,s,s] float32 (UNscaled), slice_index [N] int64 -> x [N,2,S,S]
  denoiser.onnx  x_t [B,C,D,s,s] float32, t [B] int64, cond [B,9] float32 -> eps [B,Z,D,s,s]
The diffusion runs on z_scaled = z * scale_factor; decode z_scaled / scale_factor.
The denoiser graph computes the UNet in slice layout with 2D convolutions only (sbldm/unet_slices.py:
the same function, faster in onnxruntime); parity.json holds the outputs of the plain UNet3D.

Parity fixture parity.json: inputs are closed-form (value_i = amp * sin(freq * i + phase), i = flat C-order
index, computed in float64 and rounded to float32) so TypeScript can rebuild them without a data file;
outputs of PyTorch are stored as base64 little-endian float32 (every `stride`-th value of the flat output).
"""
from __future__ import annotations

import base64
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn

from .checkpoints import load_work_models
from .phantoms import VOXEL_MM
from .postprocess import MASK_POSTPROCESS
from .metadata import (  # noqa: F401 (FEATURE_NAMES ... tensor_spec: re-exported, callers import them from here)
    FEATURE_NAMES,
    MODEL_PURPOSES,
    SHARPNESS,
    build_metadata,
    finite_or_none,
    git_revision,
    pack_mask,
    sha256,
    tensor_spec,
)
from .unet3d import UNet3D
from .unet_slices import SliceLayoutUNet
from .vae import SliceVAE, VAE_CONFIGS


class EncoderGraph(nn.Module):
    def __init__(self, vae):
        super().__init__()
        self.enc = vae.encoder

    def forward(self, x, slice_index):
        return self.enc(x, slice_index)[0]


class DecoderGraph(nn.Module):
    def __init__(self, vae):
        super().__init__()
        self.dec = vae.decoder

    def forward(self, z, slice_index):
        return self.dec(z, slice_index)


def formula_input(shape, amp, freq, phase, dtype=np.float32):
    i = np.arange(int(np.prod(shape)), dtype=np.float64)
    return (amp * np.sin(freq * i + phase)).astype(dtype).reshape(shape)


def b64f32(a):
    return base64.b64encode(np.ascontiguousarray(a, dtype="<f4").tobytes()).decode("ascii")


def export_graphs(vae, unet, out, volume_dhw, z_ch):
    D, S, _ = volume_dhw
    f = vae.down
    s = S // f
    c_in = z_ch + (1 if unet.spatial_channel else 0)
    vae.eval()
    unet.eval()
    enc, dec = EncoderGraph(vae), DecoderGraph(vae)
    xin = torch.from_numpy(formula_input((2, 2, S, S), 0.9, 0.01, 0.0))
    idx = torch.tensor([1, D - 3], dtype=torch.int64)
    zin = torch.from_numpy(formula_input((2, z_ch, s, s), 1.0, 0.05, 1.0))
    xt = torch.from_numpy(formula_input((2, c_in, D, s, s), 1.2, 0.003, 0.5))
    tt = torch.tensor([10, 700], dtype=torch.int64)
    cond = torch.tensor([[0.3, 0.35, 0.7, 0.45, 0.55, 0.5, 0.25, 0.3, 0.28], [0.0] * 9], dtype=torch.float32)
    kw = dict(opset_version=17, do_constant_folding=True)
    with torch.no_grad():
        torch.onnx.export(enc, (xin, idx), os.path.join(out, "encoder.onnx"), input_names=["x", "slice_index"],
                          output_names=["z_mean"], dynamic_axes={"x": {0: "N"}, "slice_index": {0: "N"}, "z_mean": {0: "N"}}, **kw)
        torch.onnx.export(dec, (zin, idx), os.path.join(out, "decoder.onnx"), input_names=["z", "slice_index"],
                          output_names=["x"], dynamic_axes={"z": {0: "N"}, "slice_index": {0: "N"}, "x": {0: "N"}}, **kw)
        torch.onnx.export(SliceLayoutUNet(unet), (xt, tt, cond), os.path.join(out, "denoiser.onnx"), input_names=["x_t", "t", "cond"],
                          output_names=["eps"], dynamic_axes={"x_t": {0: "B"}, "t": {0: "B"}, "cond": {0: "B"}, "eps": {0: "B"}}, **kw)
        outs = dict(encoder=enc(xin, idx).numpy(), decoder=dec(zin, idx).numpy(), denoiser=unet(xt, tt, cond).numpy())

    def entry(arr, stride_target=16384):
        stride = max(1, int(np.ceil(arr.size / stride_target)))
        return dict(shape=list(arr.shape), stride=stride, values_b64=b64f32(arr.ravel()[::stride]),
                    sum=float(arr.astype(np.float64).sum()), abs_max=float(np.abs(arr).max()))

    parity = dict(
        about="Fixed inputs (closed form) and PyTorch outputs for ONNX parity checks. Input value i (flat C-order "
              "index) = float32(amp * sin(freq * i + phase)) computed in float64. Outputs: every `stride`-th "
              "value of the flat C-order output, base64 little-endian float32.",
        encoder=dict(inputs=dict(x=dict(shape=[2, 2, S, S], amp=0.9, freq=0.01, phase=0.0),
                                 slice_index=dict(values=idx.tolist())), outputs=dict(z_mean=entry(outs["encoder"]))),
        decoder=dict(inputs=dict(z=dict(shape=[2, z_ch, s, s], amp=1.0, freq=0.05, phase=1.0),
                                 slice_index=dict(values=idx.tolist())), outputs=dict(x=entry(outs["decoder"]))),
        denoiser=dict(inputs=dict(x_t=dict(shape=[2, c_in, D, s, s], amp=1.2, freq=0.003, phase=0.5),
                                  t=dict(values=tt.tolist(), dtype="int64"), cond=dict(values=cond.tolist())),
                      outputs=dict(eps=entry(outs["denoiser"]))),
        tolerance=dict(abs=1e-4, measured_max_abs_diff=None),
    )
    with open(os.path.join(out, "parity.json"), "w") as fh:
        json.dump(parity, fh)
    check_onnx(out)
    return parity


def check_onnx(out):
    import onnx

    for g in ("encoder", "decoder", "denoiser"):
        m = onnx.load(os.path.join(out, f"{g}.onnx"))
        onnx.checker.check_model(m)


# ------------------------------------------------------------------------------------------------
def random_conditioning(volume_dhw, seed=0, n=60):
    """Conditioning table for random-weight fixture models: features of seeded random ellipsoids."""
    from .features import features9_unnormalised

    rng = np.random.default_rng(seed)
    D, H, W = volume_dhw
    kk, jj, ii = np.meshgrid(np.arange(D), np.arange(H), np.arange(W), indexing="ij")
    rows = []
    for _ in range(n):
        c = rng.uniform(0.3, 0.7, 3) * [D, H, W]
        r = rng.uniform(0.08, 0.25, 3) * [D, H, W]
        m = ((kk - c[0]) / r[0]) ** 2 + ((jj - c[1]) / r[1]) ** 2 + ((ii - c[2]) / r[2]) ** 2 <= 1
        rows.append(features9_unnormalised(m.astype(np.uint8)))
    raw = np.asarray(rows)
    f = raw.copy()
    f[:, 0] /= raw[:, 0].max()
    f[:, 1] /= raw[:, 1].max()
    brain = (((kk + 0.5 - D / 2) / (0.42 * D)) ** 2 + ((jj + 0.5 - H / 2) / (0.45 * H)) ** 2 + ((ii + 0.5 - W / 2) / (0.38 * W)) ** 2) <= 1
    return dict(max_voxel_count=float(raw[:, 0].max()), max_surface_area=float(raw[:, 1].max()),
                ranges=dict(min=f.min(0).round(6).tolist(), max=f.max(0).round(6).tolist()),
                empirical_sample=np.round(f, 5).tolist()), brain


def export_random(out, config="tiny", seed=0):
    """Random-weight model with the full contract (test fixture for the worker). Deterministic given seed."""
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(seed)
    vae = SliceVAE(config)
    unet = UNet3D(config, z_channels=vae.cfg["z"], spatial_channel=True)
    with torch.no_grad():  # non-zero outputs (the zero-initialised output convs would give constant graphs)
        for conv in (vae.decoder.cout, unet.cout):
            conv.weight.normal_(0, 0.05)
            conv.bias.normal_(0, 0.01)
    n = vae.cfg["n_slices"]
    volume = (n, n, n)
    cinfo, brain = random_conditioning(volume, seed)
    export_graphs(vae, unet, out, volume, vae.cfg["z"])
    training = dict(data_source="none: RANDOM WEIGHTS (test fixture, generates noise)", n_train=0, steps=0, wall_s=0,
                    code="run.py export --random --config %s --seed %d (byte-identical on re-export)" % (config, seed),
                    config=config, seed=seed, p_uncond=0.15, spacing_note="fixture; nominal 1 mm",
                    brain_mask_note="fixture: an ellipsoid, not anatomy")
    meta = build_metadata(out, f"{config}-random", vae, unet, volume, 1.0, cinfo, brain, training,
                          metrics=dict(note="random weights: no metrics"),
                          description="Random-weight fixture following the full SBLDM model contract. Not a model: outputs are noise.",
                          sampler_defaults=dict(sampler="ddim", num_inference_steps=4, eta=0.0, guidance_scale=2.0,
                                                timestep_spacing="leading", steps_offset=0, set_alpha_to_one=True),
                          variant="spatial", purpose="test-fixture", default=False)
    return meta


def previous_choice(out, purpose=None, default=None):
    """purpose / default: the given values, else those of the model folder's current metadata.json (so evaluate's
    re-export keeps them), else ("demo", False)."""
    prev = {}
    p = os.path.join(out, "metadata.json")
    if os.path.exists(p):
        with open(p) as fh:
            prev = json.load(fh)
    return (purpose if purpose is not None else prev.get("purpose", "demo"),
            default if default is not None else bool(prev.get("default", False)))


def calibration_blocks(out, log=print):
    """The `calibration` and `quality_control` blocks from <out>/calibration.json (written by run.py calibrate),
    only when they were fitted on the denoiser that is now in the folder (same denoiser.onnx sha256)."""
    p = os.path.join(out, "calibration.json")
    if not os.path.exists(p):
        return {}
    with open(p) as fh:
        c = json.load(fh)
    want = c.get("calibration", {}).get("fitted_on", {}).get("denoiser_sha256")
    have = sha256(os.path.join(out, "denoiser.onnx"))
    if want != have:
        log(f"calibration.json was fitted on denoiser {str(want)[:12]}, the folder has {have[:12]}: NOT carried into "
            f"metadata.json (rerun run.py calibrate)")
        return {}
    return {k: c[k] for k in ("calibration", "quality_control") if k in c}


def export_trained(work, out, name="sbldm-phantom-64", eval_metrics=None, sampler_defaults=None, purpose=None,
                   default=None):
    os.makedirs(out, exist_ok=True)
    purpose, default = previous_choice(out, purpose, default)
    vae, unet, uck = load_work_models(work)  # the UNet's EMA weights are what is sampled (model.md)
    ucfg = dict(uck["unet_cfg"])
    with open(os.path.join(work, "unet", "conditioning.json")) as fh:
        cinfo = json.load(fh)
    brain = np.load(os.path.join(work, "unet", "conditioning_brain.npy"))
    with open(os.path.join(work, "vae", "metrics.json")) as fh:
        vm = json.load(fh)
    with open(os.path.join(work, "unet", "state.json")) as fh:
        us = json.load(fh)
    lat = np.load(os.path.join(work, "latents.npz"))
    D = lat["z_train"].shape[2]
    S = D  # cubic volumes
    volume = (D, S, S)
    export_graphs(vae, unet, out, volume, vae.cfg["z"])
    from .phantoms import COLIN_NOTICE

    with open(os.path.join(out, "NOTICE"), "w") as fh:  # the weights are derived from Colin27 (MNI notice)
        fh.write(COLIN_NOTICE)
    # compact weights so training can resume / be inspected without the work folder
    wdir = os.path.join(out, "weights")
    os.makedirs(wdir, exist_ok=True)
    torch.save(dict(cfg=vae.cfg, state={k: v.half() for k, v in vae.state_dict().items()}), os.path.join(wdir, "vae_fp16.pt"))
    torch.save(dict(cfg=ucfg, state={k: v.half() for k, v in unet.state_dict().items()}, step=us["step"]),
               os.path.join(wdir, "unet_ema_fp16.pt"))
    shard = np.load(os.path.join(work, "data", "train_000.npz"))
    brats = json.loads(str(shard["params_json"][0])).get("source") == "brats"
    training = dict(
        data_source=("BraTS-style folder: FLAIR + whole-tumour mask (labels 1, 2, 4), nearest resize, per-volume [-1, 1]"
                     if brats else
                     "phantoms from 2 real T1 brains (Colin27, ITK KmeansTest subject): random affine + elastic "
                     "deformation, simulated tumour, intensity augmentation (models/training/sbldm/phantoms.py)"),
        n_train=cinfo["n_train"], modality="FLAIR" if brats else "T1-weighted phantom with FLAIR-like hyperintense tumour",
        spacing_note="model grid: nominal 1 mm as in the paper's voxel-unit features; one voxel covers about 3 mm of the source anatomy",
        **({} if brats else {"anatomical_spacing_mm": [VOXEL_MM] * 3}),
        vae=dict(config=vm["config"], params=vm["params"], steps=vm["steps"], wall_s=round(vm["wall_s"]), batch=vm["batch"],
                 **({"decoder_finetune": vm["decoder_finetune"]} if "decoder_finetune" in vm else {})),
        unet=dict(config=us["config"], variant=us["variant"], params=us["params"], steps=us["step"], wall_s=round(us["elapsed_s"]),
                  batch=us["batch"], lr=us["lr"], ema=us["ema"], tumour_weight=us["tumour_weight"]),
        p_uncond=us["p_uncond"], git_revision=git_revision(), exported_utc=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        hardware="2 shared CPU cores, PyTorch 1.13 (Debian)",
        brain_mask_note="voxels inside the brain in >= 50% of training phantoms",
    )
    metrics = dict(vae_held_out=vm["held_out"])
    if eval_metrics:
        metrics.update(eval_metrics)
    sd = sampler_defaults or dict(sampler="ddim", num_inference_steps=50, eta=0.0, guidance_scale=2.0,
                                  timestep_spacing="leading", steps_offset=0, set_alpha_to_one=True)
    return build_metadata(out, name, vae, unet, volume, float(lat["scale_factor"]), cinfo, brain, training, metrics,
                          "Slice-based latent diffusion (Kebaili et al., ISBI 2024), small CPU-trained instance on "
                          "brain-tumour PHANTOMS: " + ("the platform's production model (chosen by its measured metrics), "
                                                       "phantom-trained, not for clinical use." if purpose == "production" else
                                                       "a demo model, not for clinical use."), sd,
                          us["variant"], mask_postprocess=MASK_POSTPROCESS, purpose=purpose, default=default,
                          extra=calibration_blocks(out))


def main(a):
    torch.set_num_threads(a.threads)
    if a.random:
        meta = export_random(a.out, a.config, a.seed)
    else:
        ev = None
        p = os.path.join(a.out, "eval.json")
        if os.path.exists(p):
            with open(p) as fh:
                e = json.load(fh)
            ev, sd = e.get("metrics"), e.get("sampler_defaults")
        else:
            sd = None
        meta = export_trained(a.work, a.out, os.path.basename(os.path.normpath(a.out)), ev, sd,
                              purpose=getattr(a, "purpose", None), default=getattr(a, "default_model", None))
    print(json.dumps({k: v["bytes"] for k, v in meta["files"].items()}))
