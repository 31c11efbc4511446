"""Loading trained weights, in one place: a work folder's checkpoints (training output: vae/ckpt.pt, unet/ckpt.pt
with its EMA weights) and a model folder's committed fp16 copies (weights/*_fp16.pt, loaded into fp32 modules).
Used by export, evaluate, calibrate, restore and the sampler study."""
from __future__ import annotations

import os

import torch

from .unet3d import UNet3D
from .vae import SliceVAE


def fp32(state):
    """A state dict with every floating tensor in fp32 (fp16 weights -> fp32 modules)."""
    return {k: v.float() if torch.is_floating_point(v) else v for k, v in state.items()}


def load_work_models(work):
    """A work folder's VAE and the UNet's EMA weights (what is sampled and exported, model.md), in eval mode.
    -> (vae, unet, unet checkpoint dict: step, scale_factor, unet_cfg, ...)."""
    vck = torch.load(os.path.join(work, "vae", "ckpt.pt"))
    vae = SliceVAE(vck["cfg"])
    vae.load_state_dict(vck["model"])
    uck = torch.load(os.path.join(work, "unet", "ckpt.pt"))
    unet = UNet3D.from_cfg(dict(uck["unet_cfg"]))
    unet.load_state_dict(uck["ema"])
    vae.eval()
    unet.eval()
    return vae, unet, uck


def load_vae_fp16(model_dir):
    """A model folder's weights/vae_fp16.pt as an fp32 SliceVAE in eval mode."""
    w = torch.load(os.path.join(model_dir, "weights", "vae_fp16.pt"))
    vae = SliceVAE(w["cfg"])
    vae.load_state_dict(fp32(w["state"]))
    vae.eval()
    return vae


def load_unet_fp16(path):
    """-> (unet, step, elapsed_s or None). Reads weights/unet_ema_fp16.pt and train_unet's ema_fp16.pt."""
    w = torch.load(path)
    unet = UNet3D.from_cfg(dict(w["cfg"]))
    unet.load_state_dict(fp32(w["state"]))
    unet.eval()
    return unet, int(w.get("step", 0)), w.get("elapsed_s")
