"""Stage 2: 3D UNet denoiser over the stack of slice latents (no attention, as in the paper).

Notation / shapes (NCDHW):
  x_t   [B, C_in, D, h, w]  noisy scaled latent z_t (Z channels) [+ 1 spatial condition channel s(f)]
  t     [B]                 diffusion step 0..T-1 (int64 in the ONNX graph; cast to float inside)
  cond  [B, 9]              normalised tumour features f (paper order); the null condition is all zeros
  eps   [B, Z, D, h, w]     predicted noise (epsilon parameterisation)
Embedding (paper): e = MLP_t(sinusoidal(t)) + MLP_c(f), added after the first conv of every residual
block. Variant 'spatial' (our choice) also concatenates s(f) (SPEC.md rendering) to x_t.

Schedule (paper): T = 1000, beta_t = linspace(sqrt(0.002), sqrt(0.02), T)^2 ("scaled linear"),
alpha_bar_t = prod_{s<=t} (1 - beta_s); q(z_t | z_0) = N(sqrt(alpha_bar_t) z_0, (1 - alpha_bar_t) I).
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .vae import sinusoidal

UNET_CONFIGS = {
    # ch: channels per level (len-1 stride-2 downsamplings in D, h, w); n_res: residual blocks per level;
    # conv: "3d" (3x3x3 convolutions in the residual blocks, the paper) or "2+1d" (a 1x3x3 in-slice
    # convolution followed by a 3x1x1 across-slice one: 12 instead of 27 taps, our CPU choice)
    "small": dict(ch=(24, 48, 96), n_res=1, groups=8, emb=128, t_dim=64),
    # CPU-fast: about 5x fewer FLOPs than "small" (worker target: a 64^3 volume in seconds on 2 cores)
    "fast": dict(ch=(16, 32, 64), n_res=1, groups=8, emb=64, t_dim=32, conv="2+1d"),
    "tiny": dict(ch=(8, 16), n_res=1, groups=4, emb=16, t_dim=16),
    # approximately the paper's UNet (GPU scale): [64,128,256,512], 2 blocks per level, GroupNorm(32), 512-d embedding
    "paper": dict(ch=(64, 128, 256, 512), n_res=2, groups=32, emb=512, t_dim=128),
}

T_STEPS = 1000
BETA_START, BETA_END = 0.002, 0.02


def scaled_linear_betas(T=T_STEPS, beta_start=BETA_START, beta_end=BETA_END):
    return torch.linspace(beta_start ** 0.5, beta_end ** 0.5, T, dtype=torch.float64) ** 2


def conv_block(cin, cout, conv="3d"):
    """3x3x3 convolution, or its (2+1)D factorisation: 1x3x3 (in-slice) then 3x1x1 (across slices)."""
    if conv == "3d":
        return nn.Conv3d(cin, cout, 3, padding=1)
    if conv == "2+1d":
        return nn.Sequential(nn.Conv3d(cin, cout, (1, 3, 3), padding=(0, 1, 1)), nn.Conv3d(cout, cout, (3, 1, 1), padding=(1, 0, 0)))
    raise ValueError(f"UNet conv must be '3d' or '2+1d', got {conv!r}")


class ResBlock3d(nn.Module):
    def __init__(self, cin, cout, emb, groups, conv="3d"):
        super().__init__()
        self.n1 = nn.GroupNorm(groups, cin)
        self.c1 = conv_block(cin, cout, conv)
        self.e = nn.Linear(emb, cout)
        self.n2 = nn.GroupNorm(groups, cout)
        self.c2 = conv_block(cout, cout, conv)
        self.skip = nn.Conv3d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, e):
        h = self.c1(F.silu(self.n1(x)))
        h = h + self.e(F.silu(e))[:, :, None, None, None]
        h = self.c2(F.silu(self.n2(h)))
        return self.skip(x) + h


class UNet3D(nn.Module):
    def __init__(self, config="small", z_channels=4, spatial_channel=True, n_cond=9):
        super().__init__()
        cfg = dict(UNET_CONFIGS[config]) if isinstance(config, str) else dict(config)
        cfg.setdefault("conv", "3d")
        self.cfg = dict(cfg, z_channels=z_channels, spatial_channel=spatial_channel, n_cond=n_cond)
        ch, n_res, g, E, conv = cfg["ch"], cfg["n_res"], cfg["groups"], cfg["emb"], cfg["conv"]
        self.t_dim = cfg["t_dim"]
        self.spatial_channel = spatial_channel
        self.t_mlp = nn.Sequential(nn.Linear(self.t_dim, E), nn.SiLU(), nn.Linear(E, E))
        self.c_mlp = nn.Sequential(nn.Linear(n_cond, E // 2), nn.SiLU(), nn.Linear(E // 2, E))
        cin = z_channels + (1 if spatial_channel else 0)
        self.cin = nn.Conv3d(cin, ch[0], 3, padding=1)
        self.down_blocks = nn.ModuleList()
        self.downs = nn.ModuleList()
        skips = [ch[0]]
        c = ch[0]
        for i, co in enumerate(ch):
            blocks = nn.ModuleList()
            for _ in range(n_res):
                blocks.append(ResBlock3d(c, co, E, g, conv))
                c = co
                skips.append(c)
            self.down_blocks.append(blocks)
            if i < len(ch) - 1:
                self.downs.append(nn.Conv3d(c, c, 3, stride=2, padding=1))
                skips.append(c)
        self.mid = ResBlock3d(c, c, E, g, conv)
        self.up_blocks = nn.ModuleList()
        self.ups = nn.ModuleList()
        for i, co in reversed(list(enumerate(ch))):
            blocks = nn.ModuleList()
            for _ in range(n_res + 1):
                blocks.append(ResBlock3d(c + skips.pop(), co, E, g, conv))
                c = co
            self.up_blocks.append(blocks)
            if i > 0:
                self.ups.append(nn.Conv3d(c, c, 3, padding=1))
        self.nout = nn.GroupNorm(g, c)
        self.cout = nn.Conv3d(c, z_channels, 1)
        nn.init.zeros_(self.cout.weight)  # zero-initialised output conv (paper)
        nn.init.zeros_(self.cout.bias)

    @classmethod
    def from_cfg(cls, cfg: dict) -> "UNet3D":
        """Rebuild from a saved `cfg` (checkpoints, weights/unet_ema_fp16.pt); models saved before `conv`
        existed are "3d"."""
        arch = {k: cfg[k] for k in ("ch", "n_res", "groups", "emb", "t_dim")}
        arch["conv"] = cfg.get("conv", "3d")
        return cls(arch, z_channels=cfg["z_channels"], spatial_channel=cfg["spatial_channel"], n_cond=cfg["n_cond"])

    def forward(self, x_t, t, cond):
        e = self.t_mlp(sinusoidal(t.float(), self.t_dim)) + self.c_mlp(cond)
        h = self.cin(x_t)
        hs = [h]
        for i, blocks in enumerate(self.down_blocks):
            for b in blocks:
                h = b(h, e)
                hs.append(h)
            if i < len(self.downs):
                h = self.downs[i](h)
                hs.append(h)
        h = self.mid(h, e)
        for i, blocks in enumerate(self.up_blocks):
            for b in blocks:
                h = b(torch.cat([h, hs.pop()], 1), e)
            if i < len(self.ups):
                # conv at the coarse resolution, then nearest x2 (8x cheaper than conv after upsampling)
                h = F.interpolate(self.ups[i](h), scale_factor=2.0, mode="nearest")
        return self.cout(F.silu(self.nout(h)))
