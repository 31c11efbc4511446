"""The slice-layout UNet (what denoiser.onnx computes) is the UNet3D, for both convolution kinds."""
import os
import sys

import pytest
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from sbldm.unet3d import UNET_CONFIGS, UNet3D  # noqa: E402
from sbldm.unet_slices import SliceLayoutUNet, conv_slices, kernel_2d  # noqa: E402


def randomised(u):
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for p in u.parameters():  # non-trivial weights everywhere (the output conv is zero-initialised)
            p.copy_(torch.randn(p.shape, generator=g) * 0.1)
    return u.eval()


@pytest.mark.parametrize("conv", ["3d", "2+1d"])
@pytest.mark.parametrize("spatial", [True, False])
def test_slice_layout_equals_unet3d(conv, spatial):
    cfg = dict(UNET_CONFIGS["tiny"], conv=conv)
    u = randomised(UNet3D(cfg, spatial_channel=spatial))
    c_in = 5 if spatial else 4
    x = torch.randn(3, c_in, 12, 8, 8, generator=torch.Generator().manual_seed(2))
    t = torch.tensor([0, 450, 999])
    cond = torch.rand(3, 9, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        a, b = u(x, t, cond), SliceLayoutUNet(u)(x, t, cond)
    assert a.shape == b.shape == (3, 4, 12, 8, 8)
    assert float(a.abs().max()) > 0.1  # not a trivially zero output
    assert float((a - b).abs().max()) < 1e-5


@pytest.mark.parametrize("kernel,stride", [((3, 3, 3), 1), ((3, 3, 3), 2), ((1, 3, 3), 1), ((3, 1, 1), 1), ((1, 1, 1), 1)])
def test_each_convolution_kind(kernel, stride):
    conv = torch.nn.Conv3d(6, 5, kernel, stride=stride, padding=tuple(k // 2 for k in kernel))
    x = torch.randn(2, 6, 8, 6, 6)
    with torch.no_grad():
        ref = conv(x)
        xs = x.permute(0, 2, 1, 3, 4).reshape(-1, 6, 6, 6)
        y, d = conv_slices(xs, conv, kernel_2d(conv), 8)
    assert d == ref.shape[2]
    got = y.reshape(2, d, 5, *ref.shape[3:]).permute(0, 2, 1, 3, 4)
    assert float((got - ref).abs().max()) < 1e-5


def test_from_cfg_defaults_to_3d_convolutions():
    saved = {k: v for k, v in UNet3D("tiny").cfg.items() if k != "conv"}  # a checkpoint from before `conv`
    assert UNet3D.from_cfg(saved).cfg["conv"] == "3d"
    fast = UNet3D("fast")
    assert UNet3D.from_cfg(fast.cfg).cfg == fast.cfg
    # (2+1)D: about 12/27 of the multiply-adds of the same widths in 3D
    n3 = sum(p.numel() for p in UNet3D(dict(UNET_CONFIGS["fast"], conv="3d")).parameters())
    n21 = sum(p.numel() for p in fast.parameters())
    assert n21 < 0.6 * n3
