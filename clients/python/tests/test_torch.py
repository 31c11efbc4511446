"""slicewise.torch.Dataset loads batches, and a small 3D UNet trains on a pulled folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
nibabel = pytest.importorskip("nibabel")
import numpy as np  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402

import slicewise  # noqa: E402
import slicewise.torch  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_the_torch_dataset_yields_image_mask_and_condition_batches(pulled_v2):
    ds = slicewise.torch.Dataset(pulled_v2)
    entries = slicewise.load(pulled_v2)
    assert len(ds) == 4
    image, mask, cond = next(iter(DataLoader(ds, batch_size=2, shuffle=False, num_workers=2)))
    shape = nibabel.load(entries[0]["image"]).shape  # (X, Y, Z)
    assert image.shape == mask.shape == (2, 1, *shape) and cond.shape == (2, 9)
    assert image.dtype == mask.dtype == cond.dtype == torch.float32
    assert np.array_equal(image[1, 0].numpy(), nibabel.load(entries[1]["image"]).get_fdata(dtype=np.float32))
    assert set(torch.unique(mask).tolist()) <= {0.0, 1.0}
    assert torch.equal(cond, torch.tensor([entries[0]["requested"], entries[1]["requested"]], dtype=torch.float32))
    measured = slicewise.torch.Dataset(entries, conditions="measured")[2][2]
    assert torch.equal(measured, torch.tensor(entries[2]["measured"], dtype=torch.float32))
    with pytest.raises(slicewise.UsageError, match="conditions must be"):
        slicewise.torch.Dataset(entries, conditions="both")


def test_a_small_3d_unet_trains_for_a_few_steps_on_the_pulled_folder(pulled_v2):
    sys.path.insert(0, str(EXAMPLES))
    try:
        import train_unet3d
    finally:
        sys.path.remove(str(EXAMPLES))
    lines: list[str] = []
    losses = train_unet3d.train(pulled_v2, steps=8, batch_size=2, lr=3e-3, log=lines.append)
    assert len(losses) == 8 and all(np.isfinite(losses))
    assert np.mean(losses[-2:]) < np.mean(losses[:2]), losses
    assert lines[0] == f"training on {slicewise.read_lock(pulled_v2).pinned_spec}"


def test_the_training_example_runs_as_a_script_and_records_its_lineage(stack, pulled_v2):
    r = subprocess.run(
        [sys.executable, str(EXAMPLES / "train_unet3d.py"), "--data", str(pulled_v2), "--steps", "2", "--register-as", "example-run"],
        env={**os.environ, "SLICEWISE_API_URL": stack.url, "SLICEWISE_TOKEN": stack.write_token},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert r.returncode == 0, r.stderr
    assert "lineage recorded: training run" in r.stdout
    runs = stack.gql("query($v: ID!) { datasetVersion(id: $v) { trainingRuns { name metadata } } }", {"v": stack.v2_id})["datasetVersion"]["trainingRuns"]
    assert any(x["name"] == "example-run" and x["metadata"]["steps"] == 2 for x in runs)
