"""Train a small 3D UNet on a pulled Slicewise version: a template for a real training job.

    python -m slicewise pull brain-mri/glioma-train@v3 --out data/glioma-v3
    python examples/train_unet3d.py --data data/glioma-v3 --steps 200 [--register-as unet-baseline]

It checks the folder (``slicewise.load``), logs the exact version it trains on (``slicewise.lock``), feeds
``(image, mask, conditions)`` batches from ``slicewise.torch.Dataset`` to a 3D UNet with a BCE + soft Dice
loss, and optionally records the run's lineage (``register_training_run``; a GENERATE token in
``$SLICEWISE_TOKEN``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing
import slicewise  # noqa: E402
import slicewise.torch  # noqa: E402


def block(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv3d(c_in, c_out, 3, padding=1), nn.GroupNorm(1, c_out), nn.SiLU(), nn.Conv3d(c_out, c_out, 3, padding=1), nn.GroupNorm(1, c_out), nn.SiLU())


class UNet3D(nn.Module):
    """Two resolution levels: [B, 1, X, Y, Z] -> logits [B, 1, X, Y, Z] (X, Y, Z even)."""

    def __init__(self, channels: int = 8) -> None:
        super().__init__()
        self.enc = block(1, channels)
        self.down = nn.Conv3d(channels, 2 * channels, 2, stride=2)
        self.mid = block(2 * channels, 2 * channels)
        self.up = nn.ConvTranspose3d(2 * channels, channels, 2, stride=2)
        self.dec = block(2 * channels, channels)
        self.head = nn.Conv3d(channels, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e = self.enc(x)  # [B, C, X, Y, Z]
        m = self.mid(self.down(e))  # [B, 2C, X/2, Y/2, Z/2]
        return self.head(self.dec(torch.cat([self.up(m), e], dim=1)))


def loss_fn(logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """BCE + soft Dice (1 - 2|P∩M| / (|P| + |M|)), the usual pair for small foreground objects."""
    p = torch.sigmoid(logits)
    dice = 1 - (2 * (p * mask).sum() + 1) / (p.sum() + mask.sum() + 1)
    return nn.functional.binary_cross_entropy_with_logits(logits, mask) + dice


def train(data: str | Path, *, steps: int = 5, batch_size: int = 2, lr: float = 3e-3, seed: int = 0, register_as: str | None = None, log=print) -> list[float]:
    torch.manual_seed(seed)
    lock = slicewise.read_lock(data)
    log(f"training on {lock.pinned_spec if lock else data}")
    dataset = slicewise.torch.Dataset(data)
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True, generator=torch.Generator().manual_seed(seed), drop_last=True)
    model = UNet3D()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses: list[float] = []
    while len(losses) < steps:
        for image, mask, conditions in loader:  # [B,1,X,Y,Z], [B,1,X,Y,Z], [B,9]
            image = (image - image.mean(dim=(2, 3, 4), keepdim=True)) / (image.std(dim=(2, 3, 4), keepdim=True) + 1e-6)
            loss = loss_fn(model(image), mask)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(float(loss))
            log(f"step {len(losses)}: loss {losses[-1]:.4f} (requested voxel_volume {conditions[:, 0].mean():.3f})")
            if len(losses) == steps:
                break
    if register_as:
        run = slicewise.register_training_run(data, name=register_as, metadata={"steps": steps, "batchSize": batch_size, "lr": lr, "finalLoss": losses[-1]})
        log(f"lineage recorded: training run {run['id']}")
    return losses


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, help="a folder written by slicewise pull")
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=2)
    p.add_argument("--register-as", help="record the run's lineage under this name (GENERATE token)")
    a = p.parse_args(argv)
    train(a.data, steps=a.steps, batch_size=a.batch_size, register_as=a.register_as)
    return 0


if __name__ == "__main__":
    sys.exit(main())
