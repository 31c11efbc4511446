"""metadata.json of a model folder (the model contract, model.md section 3): what build_metadata writes after
sbldm/export.py has written the ONNX graphs, and the small helpers it shares with calibrate and evaluate
(file sha256, git revision, JSON without NaN, the packed brain mask)."""
from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import numpy as np

from .unet3d import BETA_END, BETA_START, T_STEPS


FEATURE_NAMES = ["voxel_volume", "surface_area", "sphericity", "x", "y", "z", "w", "h", "d"]
SHARPNESS = 6.0


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def pack_mask(mask_dhw):
    """Bit-packed base64: np.packbits(mask.ravel(order='C'), bitorder='big'), i.e. voxel n is bit
    (7 - n % 8) of byte n // 8 (first voxel = most significant bit)."""
    return base64.b64encode(np.packbits(mask_dhw.astype(bool).ravel(), bitorder="big").tobytes()).decode("ascii")


def git_revision():
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True,
                              cwd=os.path.dirname(os.path.abspath(__file__))).stdout.strip()
    except Exception:
        return "unknown"


def finite_or_none(o):
    """JSON has no NaN/Infinity: replace non-finite floats by None (recursively)."""
    if isinstance(o, float):
        return o if np.isfinite(o) else None
    if isinstance(o, dict):
        return {k: finite_or_none(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [finite_or_none(v) for v in o]
    return o


def tensor_spec(name, dtype, shape, axes, value_range=None, meaning=None):
    d = dict(name=name, dtype=dtype, shape=shape, axes=axes)
    if value_range is not None:
        d["range"] = value_range
    if meaning:
        d["meaning"] = meaning
    return d


MODEL_PURPOSES = ("production", "demo", "test-fixture")


def build_metadata(out, name, vae, unet, volume_dhw, scale_factor, cinfo, brain_dhw, training, metrics,
                   description, sampler_defaults, variant, mask_postprocess=None, purpose="demo", default=False,
                   extra=None):
    """extra: further top-level blocks (calibration, quality_control), written after `metrics`."""
    if purpose not in MODEL_PURPOSES:
        raise ValueError(f"purpose must be one of {', '.join(MODEL_PURPOSES)}, got {purpose!r}")
    D, S, _ = volume_dhw
    z_ch = vae.cfg["z"]
    s = S // vae.down
    spatial = unet.spatial_channel
    c_in = z_ch + (1 if spatial else 0)
    files = {}
    for fn in ("encoder.onnx", "decoder.onnx", "denoiser.onnx", "parity.json"):
        p = os.path.join(out, fn)
        files[fn] = dict(sha256=sha256(p), bytes=os.path.getsize(p))
    chan_names = [f"z{k}" for k in range(z_ch)] + (["spatial_condition"] if spatial else [])
    meta = dict(
        format="slicewise-sbldm-model", format_version=1, name=name, description=description,
        purpose=purpose, default=bool(default),
        files=files,
        volume=dict(
            shape_dhw=[D, S, S], axis_order="[D, H, W]: D = axial slice index (NIfTI k, inferior->superior), "
            "H = NIfTI j (posterior->anterior), W = NIfTI i (left->right, fastest); C order, RAS orientation",
            spacing_mm=[1.0, 1.0, 1.0],
            # the anatomy one grid voxel covers: the platform shows physical units with it
            **({"anatomical_spacing_mm": training["anatomical_spacing_mm"]} if training.get("anatomical_spacing_mm") else {}),
            spacing_note=training.get("spacing_note", ""),
            channels=[
                dict(index=0, name="image", modality=training.get("modality", "T1-weighted phantom"), range=[-1.0, 1.0],
                     scaling="per-volume min-max: x' = (2x - min - max) / (max - min) (paper)"),
                dict(index=1, name="mask", meaning="whole tumour", range=[-1.0, 1.0], threshold=0.0,
                     scaling="binary mask m in {0,1} stored as 2m - 1; decoded mask = x[1] > 0",
                     **({"postprocess": mask_postprocess} if mask_postprocess else {})),
            ],
        ),
        latent=dict(channels=z_ch, slice_shape_chw=[z_ch, s, s], stacked_shape_cdhw=[z_ch, D, s, s],
                    downsampling=vae.down, scale_factor=scale_factor,
                    convention="the denoiser works on z_scaled = z_mean * scale_factor (slices of the encoder, "
                               "stacked along D: z_scaled[:, d] = encoder(slice d) * scale_factor); decode "
                               "decoder(z_scaled[:, d] / scale_factor, slice_index = d) for every d"),
        graphs=dict(
            encoder=dict(file="encoder.onnx", opset=17,
                         inputs=[tensor_spec("x", "float32", ["N", 2, S, S], ["slice", "channel", "H", "W"], [-1.0, 1.0], "[image, mask] of N axial slices"),
                                 tensor_spec("slice_index", "int64", ["N"], ["slice"], [0, D - 1], "axial position d of each slice (l(i) embedding)")],
                         outputs=[tensor_spec("z_mean", "float32", ["N", z_ch, s, s], ["slice", "channel", "h", "w"], None, "posterior mean, UNscaled")]),
            decoder=dict(file="decoder.onnx", opset=17,
                         inputs=[tensor_spec("z", "float32", ["N", z_ch, s, s], ["slice", "channel", "h", "w"], None, "UNscaled latent = z_scaled / scale_factor"),
                                 tensor_spec("slice_index", "int64", ["N"], ["slice"], [0, D - 1], "axial position d of each slice")],
                         outputs=[tensor_spec("x", "float32", ["N", 2, S, S], ["slice", "channel", "H", "W"], [-1.0, 1.0], "[image, mask]; not clamped, clamp image to [-1,1], threshold mask at 0")]),
            denoiser=dict(file="denoiser.onnx", opset=17,
                          architecture=dict(unet={k: (list(v) if isinstance(v, tuple) else v) for k, v in unet.cfg.items()},
                                            graph_layout="slices: [B*D, C, h, w] with 2D convolutions (models/training/sbldm/unet_slices.py), numerically the UNet3D"),
                          inputs=[tensor_spec("x_t", "float32", ["B", c_in, D, s, s], ["batch", "channel", "D", "h", "w"], None,
                                              "channels " + ", ".join(chan_names) + ("; channel %d = spatial condition rendered per conditioning.spatial_channel" % z_ch if spatial else "")),
                                  tensor_spec("t", "int64", ["B"], ["batch"], [0, T_STEPS - 1], "diffusion timestep (0-based)"),
                                  tensor_spec("cond", "float32", ["B", 9], ["batch", "feature"], None, "normalised features, conditioning.feature_names order")],
                          outputs=[tensor_spec("eps", "float32", ["B", z_ch, D, s, s], ["batch", "channel", "D", "h", "w"], None, "predicted noise")]),
        ),
        schedule=dict(num_train_timesteps=T_STEPS, beta_schedule="scaled_linear", beta_start=BETA_START, beta_end=BETA_END,
                      formula="beta_t = linspace(sqrt(beta_start), sqrt(beta_end), T)^2, t = 0..T-1; alpha_bar_t = prod_{s<=t}(1 - beta_s)",
                      prediction_type="epsilon"),
        sampler_defaults=sampler_defaults,
        conditioning=dict(
            feature_names=FEATURE_NAMES, spec="packages/conditioning/SPEC.md",
            normalisation=dict(max_voxel_count=cinfo["max_voxel_count"], max_surface_area=cinfo["max_surface_area"],
                               note="voxel_volume = count / max_voxel_count, surface_area = area / max_surface_area (model grid, voxel units)"),
            ranges=cinfo["ranges"], empirical_sample=cinfo["empirical_sample"],
            empirical_sample_note="normalised condition vectors of training volumes (random subset); sample or interpolate from these to stay inside the training support",
            vector_input=dict(input="cond", how="MLP(cond) added to the time embedding (paper)"),
            spatial_channel=(dict(present=True, input="x_t", channel_index=z_ch, latent_grid_dhw=[D, s, s], sharpness=SHARPNESS,
                                  rendering="SPEC.md 'Spatial condition channel': soft ellipsoid from (x,y,z,w,h,d) at latent resolution; all zeros when voxel_volume == 0")
                             if spatial else dict(present=False)),
            null_condition=(dict(cond=[0.0] * 9, spatial_channel="all zeros",
                                 guidance="eps = eps_null + s * (eps_cond - eps_null); trained with the condition dropped with p = %.2f" % training.get("p_uncond", 0.0))
                            if training.get("p_uncond", 0.0) > 0 else None),
            variant=variant,
        ),
        brain_mask=dict(shape_dhw=list(brain_dhw.shape), encoding="bitpacked-base64",
                        encoding_note="base64 of np.packbits(mask.ravel(order='C'), bitorder='big'): voxel n (flat C-order "
                                      "index over [D,H,W]) is bit (7 - n % 8) of byte n // 8",
                        meaning=training.get("brain_mask_note", "voxels inside the brain in >= 50% of training volumes"),
                        data=pack_mask(brain_dhw)),
        training=training,
        metrics=metrics,
        **(extra or {}),
    )
    pm = os.path.join(out, "parity_measured.json")
    if os.path.exists(pm):  # written by tools/onnx_parity.mjs --write
        with open(pm) as fh:
            meta["metrics"] = dict(meta["metrics"], onnx_parity=json.load(fh))
    meta = finite_or_none(meta)
    with open(os.path.join(out, "metadata.json"), "w") as fh:
        json.dump(meta, fh, indent=1, allow_nan=False)
    return meta
