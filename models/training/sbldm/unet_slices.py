"""The same UNet3D, computed in slice layout with 2D convolutions only (for the ONNX export).

Why: onnxruntime's CPU kernels for 3D convolution go through im2col + GEMM and are slow, while its 2D
convolution has blocked (NCHWc) kernels. A 3x3x3 convolution over [B, C, D, h, w] equals a 3x3 2D
convolution over the slices [B*D, 3C, h, w] whose channels are the slice's two neighbours and itself
stacked (kd-major), with the kernel reshaped to [Co, 3*Ci, 3, 3]. The FLOPs are identical; only the
kernel that runs them changes. Every other layer follows the same layout:

  layout     x [B*D, C, h, w]   slice d of batch row b is row b*D + d (one transpose in, one out)
  conv 3^3   zero-pad D by 1, stack slices (d-1, d, d+1) on channels, Conv2d 3x3 (stride 2: every 2nd d)
  conv 1x3x3 Conv2d 3x3;  conv 3x1x1: stacked neighbours, Conv2d 1x1;  conv 1^3: Conv2d 1x1
  GroupNorm  statistics over (D, channels of the group, h, w), as nn.GroupNorm over NCDHW
  upsample   nearest x2 in h, w (Resize) and in D (each slice repeated twice)

SliceLayoutUNet(unet) wraps a trained UNet3D: it reuses its norms, embeddings and biases, and keeps the
3D kernels rewritten as 2D kernels (buffers made at construction: build it after training, for export;
the ONNX exporter needs kernels of known shape). Its forward has the same inputs and outputs and matches
UNet3D.forward to float32 rounding (tests/test_unet_slices.py).
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .unet3d import ResBlock3d, UNet3D
from .vae import sinusoidal


def kernel_2d(conv: nn.Conv3d) -> torch.Tensor:
    """[Co, Ci, kd, kh, kw] -> [Co, kd*Ci, kh, kw] (kd-major, the order conv_slices stacks neighbours)."""
    w = conv.weight.detach()
    co, ci, kd, kh, kw = w.shape
    return w.permute(0, 2, 1, 3, 4).reshape(co, kd * ci, kh, kw).clone()


def conv_slices(x, conv: nn.Conv3d, w2: torch.Tensor, D: int):
    """x [B*D, Ci, h, w] -> the 3D convolution `conv` in slice layout; w2 = kernel_2d(conv).
    Kernels 1 or 3 per axis with 'same' padding; stride 1, or 2 in every axis (3x3x3 only)."""
    kd = conv.kernel_size[0]
    s = conv.stride[0]
    if kd == 1:
        return F.conv2d(x, w2, conv.bias, stride=s, padding=conv.padding[1:]), D
    ci, h, w = x.shape[1], x.shape[2], x.shape[3]
    xs = x.reshape(-1, D, ci, h, w)
    xp = F.pad(xs, (0, 0, 0, 0, 0, 0, 1, 1))  # zero slices at d = -1 and d = D
    # neighbours k = 0, 1, 2 <-> input slices s*d - 1, s*d, s*d + 1 (padded indices s*d + k)
    stacked = torch.cat([xp[:, k:k + D:s] for k in range(3)], dim=2)
    Do = stacked.shape[1]
    y = F.conv2d(stacked.reshape(-1, 3 * ci, h, w), w2, conv.bias, stride=s, padding=conv.padding[1:])
    return y, Do


def block_slices(m: nn.Module, x, k, D: int):
    """A Conv3d, or a Sequential of Conv3d (the (2+1)D factorisation), in slice layout."""
    for conv in (m if isinstance(m, nn.Sequential) else [m]):
        x, D = conv_slices(x, conv, k(conv), D)
    return x


def group_norm_slices(x, gn: nn.GroupNorm, D: int):
    """nn.GroupNorm over NCDHW, for x [B*D, C, h, w]."""
    c, h, w = x.shape[1], x.shape[2], x.shape[3]
    g = gn.num_groups
    xg = x.reshape(-1, D, g, c // g, h * w)
    mean = xg.mean(dim=(1, 3, 4), keepdim=True)
    var = ((xg - mean) ** 2).mean(dim=(1, 3, 4), keepdim=True)
    xn = ((xg - mean) / torch.sqrt(var + gn.eps)).reshape(-1, c, h, w)
    return xn * gn.weight[None, :, None, None] + gn.bias[None, :, None, None]


def res_block_slices(b: ResBlock3d, x, e, D: int, k):
    h = block_slices(b.c1, F.silu(group_norm_slices(x, b.n1, D)), k, D)
    co, hh, ww = h.shape[1], h.shape[2], h.shape[3]
    emb = b.e(F.silu(e))  # [B, Co]
    h = (h.reshape(-1, D, co, hh, ww) + emb[:, None, :, None, None]).reshape(-1, co, hh, ww)
    h = block_slices(b.c2, F.silu(group_norm_slices(h, b.n2, D)), k, D)
    skip = x if isinstance(b.skip, nn.Identity) else conv_slices(x, b.skip, k(b.skip), D)[0]
    return skip + h


def upsample2_slices(x, D: int):
    c, h, w = x.shape[1], x.shape[2], x.shape[3]
    y = F.interpolate(x, scale_factor=2.0, mode="nearest")  # h, w
    y = y.reshape(-1, D, 1, c * 4 * h * w).expand(-1, D, 2, c * 4 * h * w)  # D: slice d -> 2d, 2d + 1
    return y.reshape(-1, c, 2 * h, 2 * w), 2 * D


class SliceLayoutUNet(nn.Module):
    def __init__(self, unet: UNet3D):
        super().__init__()
        self.u = unet
        self._kernel_names = {}
        for i, m in enumerate(m for m in unet.modules() if isinstance(m, nn.Conv3d)):
            self.register_buffer(f"k{i}", kernel_2d(m))
            self._kernel_names[id(m)] = f"k{i}"

    def k(self, conv: nn.Conv3d) -> torch.Tensor:
        return getattr(self, self._kernel_names[id(conv)])

    def forward(self, x_t, t, cond):
        u = self.u
        _, C, D, h, w = x_t.shape
        e = u.t_mlp(sinusoidal(t.float(), u.t_dim)) + u.c_mlp(cond)
        x = x_t.permute(0, 2, 1, 3, 4).reshape(-1, C, h, w)
        x, d = conv_slices(x, u.cin, self.k(u.cin), D)
        hs = [(x, d)]
        for i, blocks in enumerate(u.down_blocks):
            for b in blocks:
                x = res_block_slices(b, x, e, d, self.k)
                hs.append((x, d))
            if i < len(u.downs):
                x, d = conv_slices(x, u.downs[i], self.k(u.downs[i]), d)
                hs.append((x, d))
        x = res_block_slices(u.mid, x, e, d, self.k)
        for i, blocks in enumerate(u.up_blocks):
            for b in blocks:
                skip, ds = hs.pop()
                assert ds == d
                x = res_block_slices(b, torch.cat([x, skip], 1), e, d, self.k)
            if i < len(u.ups):
                y, _ = conv_slices(x, u.ups[i], self.k(u.ups[i]), d)
                x, d = upsample2_slices(y, d)
        x, _ = conv_slices(F.silu(group_norm_slices(x, u.nout, d)), u.cout, self.k(u.cout), d)
        z = x.shape[1]
        return x.reshape(-1, D, z, h, w).permute(0, 2, 1, 3, 4)
