"""Stage 1: 2D KL-VAE applied to every axial slice, [image, mask] encoded jointly (paper).

Notation / shapes:
  x      [N, 2, S, S]   one axial slice per row: channel 0 = image in [-1, 1], channel 1 = mask in {-1, +1}
  l      [N] int64      slice position i in 0..D-1 (the paper's l(i): sinusoidal embedding -> MLP, added in
                        every residual block of encoder and decoder)
  z      [N, Z, S/f, S/f] latent, f = 2^(len(ch)-1) (64 -> 16 with f = 4); posterior N(mu, exp(logvar))
  The diffusion model works on z_scaled = mu * scale_factor (scale_factor = 1 / std of training latents).

Differences from the paper's VAE (scaled down for 2 CPU cores): channels [16, 32, 64] instead of
[128, 256, 512, 512], x4 instead of x8, Z = 4 instead of 6, no LPIPS (no pretrained nets offline),
plus a mask-weighted L1 term. GroupNorm, SiLU, no attention, decoder without skips, zero-initialised
output conv and no tanh are as in the paper.
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

VAE_CONFIGS = {
    # channels per level (len-1 stride-2 downsamplings), latent channels, embedding width, GroupNorm groups
    "small": dict(ch=(16, 32, 64), z=4, emb=64, groups=8, n_slices=64),
    "tiny": dict(ch=(8, 16), z=4, emb=16, groups=4, n_slices=16),
}


def sinusoidal(t: torch.Tensor, dim: int, max_period: float = 10000.0) -> torch.Tensor:
    """t [N] (any real) -> [N, dim] = [cos(t w_k), sin(t w_k)], w_k = max_period^(-k/(dim/2))."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)


class ResBlock2d(nn.Module):
    def __init__(self, cin, cout, emb, groups):
        super().__init__()
        self.n1 = nn.GroupNorm(groups, cin)
        self.c1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.e = nn.Linear(emb, cout)
        self.n2 = nn.GroupNorm(groups, cout)
        self.c2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, e):
        h = self.c1(F.silu(self.n1(x)))
        h = h + self.e(e)[:, :, None, None]
        h = self.c2(F.silu(self.n2(h)))
        return self.skip(x) + h


class SliceEmbedding(nn.Module):
    """l(i): sinusoidal embedding of the slice index, then a 2-layer MLP (paper)."""

    def __init__(self, emb):
        super().__init__()
        self.emb = emb
        self.mlp = nn.Sequential(nn.Linear(emb, emb), nn.SiLU(), nn.Linear(emb, emb))

    def forward(self, idx):
        return self.mlp(sinusoidal(idx, self.emb))


class Encoder(nn.Module):
    def __init__(self, ch, z, emb, groups, in_ch=2, **_):
        super().__init__()
        self.l = SliceEmbedding(emb)
        self.cin = nn.Conv2d(in_ch, ch[0], 3, padding=1)
        self.blocks = nn.ModuleList()
        self.downs = nn.ModuleList()
        c = ch[0]
        for i, co in enumerate(ch):
            self.blocks.append(ResBlock2d(c, co, emb, groups))
            c = co
            self.downs.append(nn.Conv2d(c, c, 3, stride=2, padding=1) if i < len(ch) - 1 else nn.Identity())
        self.mid = ResBlock2d(c, c, emb, groups)
        self.nout = nn.GroupNorm(groups, c)
        self.cout = nn.Conv2d(c, 2 * z, 3, padding=1)

    def forward(self, x, idx):
        e = self.l(idx)
        h = self.cin(x)
        for b, d in zip(self.blocks, self.downs):
            h = d(b(h, e))
        h = self.mid(h, e)
        mu, logvar = self.cout(F.silu(self.nout(h))).chunk(2, dim=1)
        return mu, logvar.clamp(-30.0, 20.0)


class Decoder(nn.Module):
    def __init__(self, ch, z, emb, groups, in_ch=2, **_):
        super().__init__()
        self.l = SliceEmbedding(emb)
        rch = list(reversed(ch))
        self.cin = nn.Conv2d(z, rch[0], 3, padding=1)
        self.mid = ResBlock2d(rch[0], rch[0], emb, groups)
        self.blocks = nn.ModuleList()
        self.ups = nn.ModuleList()
        c = rch[0]
        for i, co in enumerate(rch):
            self.blocks.append(ResBlock2d(c, co, emb, groups))
            c = co
            self.ups.append(nn.Conv2d(c, c, 3, padding=1) if i < len(rch) - 1 else nn.Identity())
        self.nout = nn.GroupNorm(groups, c)
        self.cout = nn.Conv2d(c, in_ch, 3, padding=1)
        nn.init.zeros_(self.cout.weight)  # zero-initialised output conv (paper)
        nn.init.zeros_(self.cout.bias)

    def forward(self, z, idx):
        e = self.l(idx)
        h = self.mid(self.cin(z), e)
        for i, (b, u) in enumerate(zip(self.blocks, self.ups)):
            h = b(h, e)
            if i < len(self.blocks) - 1:
                h = u(F.interpolate(h, scale_factor=2.0, mode="nearest"))
        return self.cout(F.silu(self.nout(h)))


class SliceVAE(nn.Module):
    def __init__(self, config="small"):
        super().__init__()
        cfg = dict(VAE_CONFIGS[config]) if isinstance(config, str) else dict(config)
        self.cfg = cfg
        self.encoder = Encoder(**cfg)
        self.decoder = Decoder(**cfg)

    @property
    def down(self):
        return 2 ** (len(self.cfg["ch"]) - 1)

    def forward(self, x, idx, sample=True):
        mu, logvar = self.encoder(x, idx)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar) if sample else mu
        return self.decoder(z, idx), mu, logvar


# ---------------------------------------------------------------------------------------------
# Losses
# ---------------------------------------------------------------------------------------------
def _gauss_window(size=7, sigma=1.5):
    g = torch.exp(-((torch.arange(size, dtype=torch.float32) - size // 2) ** 2) / (2 * sigma ** 2))
    g = g / g.sum()
    return (g[:, None] * g[None, :])[None, None]


_WIN = _gauss_window()


def ssim(a, b, data_range=2.0):
    """Mean SSIM of [N,1,H,W] images (Gaussian window 7, sigma 1.5; Wang et al. 2004 constants)."""
    w = _WIN.to(a.device)
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    mu_a, mu_b = F.conv2d(a, w), F.conv2d(b, w)
    saa = F.conv2d(a * a, w) - mu_a ** 2
    sbb = F.conv2d(b * b, w) - mu_b ** 2
    sab = F.conv2d(a * b, w) - mu_a * mu_b
    s = ((2 * mu_a * mu_b + c1) * (2 * sab + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (saa + sbb + c2))
    return s.mean()


def vae_loss(x, rec, mu, logvar, kl_weight=1e-6, mask_weight=4.0, mask_sharp_weight=0.0, mask_gain=4.0):
    """L1 (both channels) + (1 - SSIM) on the image + mask-weighted L1 + kl_weight * KL (paper, minus LPIPS).

    mask_sharp_weight > 0 adds, on the mask channel read as a logit `mask_gain * m` (so the decision boundary
    stays at m = 0, the threshold the metadata declares), binary cross-entropy plus a soft Dice over the batch.
    L1 towards +-1 alone leaves a wide band of positive values around each tumour, which thresholds into an
    inflated mask; these two terms penalise exactly that band.
    """
    tumour = (x[:, 1:2] > 0).float()
    l1 = (rec - x).abs()
    l1_all = l1.mean()
    l1_tumour = (l1 * tumour).sum() / (tumour.sum() * 2 + 1.0)
    s = 1.0 - ssim(rec[:, :1], x[:, :1])
    kl = 0.5 * (mu ** 2 + logvar.exp() - 1.0 - logvar).sum(dim=(1, 2, 3)).mean()
    total = l1_all + s + mask_weight * l1_tumour + kl_weight * kl
    parts = dict(l1=float(l1_all), ssim=float(1 - s), l1_tumour=float(l1_tumour), kl=float(kl))
    if mask_sharp_weight > 0:
        logit = mask_gain * rec[:, 1:2]
        bce = F.binary_cross_entropy_with_logits(logit, tumour)
        p = torch.sigmoid(logit)
        soft_dice = (2 * (p * tumour).sum() + 1.0) / (p.sum() + tumour.sum() + 1.0)
        total = total + mask_sharp_weight * (bce + (1.0 - soft_dice))
        parts.update(bce=float(bce), soft_dice=float(soft_dice))
    return total, parts
