"""Tests of the SBLDM training pipeline: unit checks plus an end-to-end smoke run on a synthetic BraTS folder.

Run: /usr/bin/python3 -m pytest models/training/tests -q     (about a minute on 2 cores)
"""
from __future__ import annotations

import base64
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
TRAINING = os.path.dirname(HERE)
sys.path.insert(0, TRAINING)

from sbldm import phantoms  # noqa: E402
from sbldm.export import pack_mask, formula_input  # noqa: E402
from sbldm.unet3d import UNet3D, scaled_linear_betas  # noqa: E402
from sbldm.vae import SliceVAE, ssim  # noqa: E402

torch.set_num_threads(1)


def test_minmax_scaling_is_the_papers():
    x = np.array([2.0, 4.0, 6.0])
    np.testing.assert_allclose(phantoms.minmax_to_pm1(x), [-1.0, 0.0, 1.0])
    assert np.all(phantoms.minmax_to_pm1(np.full(4, 3.0)) == 0)


def test_resize_nearest_picks_centre_samples():
    v = np.arange(8 * 4 * 2).reshape(8, 4, 2)
    r = phantoms.resize_nearest(v, (4, 2, 1))
    # index = floor((o + 0.5) * n / m): D 8->4 picks 1,3,5,7; H 4->2 picks 1,3; W 2->1 picks 1
    np.testing.assert_array_equal(r[:, :, 0], v[[1, 3, 5, 7]][:, [1, 3], 1])


def test_scaled_linear_betas_endpoints():
    b = scaled_linear_betas()
    assert b.shape == (1000,)
    assert abs(float(b[0]) - 0.002) < 1e-12 and abs(float(b[-1]) - 0.02) < 1e-12
    # midpoint of the sqrt-linear ramp, squared
    mid = ((0.002 ** 0.5 + (0.02 ** 0.5 - 0.002 ** 0.5) * 500 / 999)) ** 2
    assert abs(float(b[500]) - mid) < 1e-12


def test_vae_shapes_and_zero_init_decoder():
    vae = SliceVAE("tiny")
    x = torch.randn(3, 2, 16, 16)
    idx = torch.tensor([0, 5, 15])
    rec, mu, logvar = vae(x, idx)
    assert mu.shape == (3, 4, 8, 8) and rec.shape == (3, 2, 16, 16)
    assert torch.all(rec == 0)  # zero-initialised output conv (paper)
    assert abs(float(ssim(x[:, :1], x[:, :1])) - 1.0) < 1e-5


def test_vae_mask_sharp_loss_penalises_a_blurred_mask():
    from sbldm.vae import vae_loss

    x = torch.full((2, 2, 16, 16), -1.0)
    x[:, 1, 4:10, 4:10] = 1.0
    mu, logvar = torch.zeros(2, 4, 8, 8), torch.zeros(2, 4, 8, 8)
    sharp = x.clone()
    blurred = x.clone()
    blurred[:, 1, 2:12, 2:12] = blurred[:, 1, 2:12, 2:12].clamp(min=0.2)  # a positive band around the tumour
    _, p_sharp = vae_loss(x, sharp, mu, logvar, mask_sharp_weight=1.0)
    _, p_blur = vae_loss(x, blurred, mu, logvar, mask_sharp_weight=1.0)
    assert p_sharp["bce"] < p_blur["bce"] and p_sharp["soft_dice"] > p_blur["soft_dice"]
    _, plain = vae_loss(x, blurred, mu, logvar)
    assert "bce" not in plain  # off by default: the paper's loss


def test_unet_shapes_and_condition_path():
    torch.manual_seed(0)
    u = UNet3D("tiny", spatial_channel=True)
    torch.nn.init.normal_(u.cout.weight, 0, 0.1)
    x = torch.randn(2, 5, 16, 8, 8)
    t = torch.tensor([3, 900])
    c = torch.rand(2, 9)
    e1 = u(x, t, c)
    assert e1.shape == (2, 4, 16, 8, 8)
    e2 = u(x, t, torch.zeros(2, 9))
    assert float((e1 - e2).abs().max()) > 0  # the 9-vector reaches the output
    # the paper variant has no spatial channel
    assert UNet3D("tiny", spatial_channel=False).cin.in_channels == 4


def test_pack_mask_bit_order():
    m = np.zeros((2, 2, 4), bool)
    m[0, 0, 0] = True  # voxel 0 -> MSB of byte 0
    m[1, 1, 3] = True  # voxel 15 -> LSB of byte 1
    assert base64.b64decode(pack_mask(m)) == bytes([0b10000000, 0b00000001])


def test_formula_input_is_closed_form():
    a = formula_input((2, 3), 1.5, 0.1, 0.2)
    np.testing.assert_array_equal(a.ravel(), np.float32(1.5 * np.sin(0.1 * np.arange(6) + 0.2)))


def _fake_brats(root, n=8, shape=(24, 28, 20), seed=0):
    """Synthetic BraTS-style folder: <case>/<case>_flair.nii.gz + _seg.nii.gz (labels 0,1,2,4)."""
    import nibabel as nib

    rng = np.random.default_rng(seed)
    X, Y, Z = shape
    ii, jj, kk = np.meshgrid(np.arange(X), np.arange(Y), np.arange(Z), indexing="ij")
    for c in range(n):
        name = f"BraTS2021_{c:05d}"
        os.makedirs(os.path.join(root, name))
        brain = ((ii - X / 2) / (0.4 * X)) ** 2 + ((jj - Y / 2) / (0.4 * Y)) ** 2 + ((kk - Z / 2) / (0.4 * Z)) ** 2 < 1
        flair = brain * (300 + 50 * rng.standard_normal(shape))
        cx, cy, cz = rng.uniform(0.35, 0.65, 3) * shape
        r = rng.uniform(2.0, 4.5)
        d = np.sqrt((ii - cx) ** 2 + (jj - cy) ** 2 + (kk - cz) ** 2)
        seg = np.where(d < r, 2, 0) + np.where(d < 0.6 * r, 2, 0)  # 2 oedema, 4 enhancing core
        seg = np.where(d < 0.3 * r, 1, seg)  # 1 necrosis
        flair = flair + (seg > 0) * 200
        nib.save(nib.Nifti1Image(flair.astype(np.float32), np.eye(4)), os.path.join(root, name, f"{name}_flair.nii.gz"))
        nib.save(nib.Nifti1Image(seg.astype(np.uint8), np.eye(4)), os.path.join(root, name, f"{name}_seg.nii.gz"))


def test_brats_loader(tmp_path):
    _fake_brats(str(tmp_path), n=1)
    case = os.path.join(str(tmp_path), "BraTS2021_00000")
    d = phantoms.load_brats_case(case, shape=(16, 16, 16))
    assert d["image"].shape == (16, 16, 16) and d["image"].min() == -1.0 and d["image"].max() == 1.0
    assert set(np.unique(d["mask"])) <= {0, 1} and d["mask"].sum() > 0
    # labels 1, 2, 4 merged; voxel order [D,H,W] = fdata.transpose(2,1,0) then nearest resize
    import nibabel as nib

    seg = nib.load(os.path.join(case, "BraTS2021_00000_seg.nii.gz")).get_fdata().transpose(2, 1, 0)
    np.testing.assert_array_equal(d["mask"], phantoms.resize_nearest(np.isin(seg, (1, 2, 4)), (16, 16, 16)))
    bad = os.path.join(str(tmp_path), "BraTS2021_00000", "BraTS2021_00000_seg.nii.gz")
    nib.save(nib.Nifti1Image(np.full((24, 28, 20), 3, np.uint8), np.eye(4)), bad)
    with pytest.raises(ValueError, match="labels"):
        phantoms.load_brats_case(case, shape=(16, 16, 16))


def test_phantom_generator_if_sources_present():
    src = os.path.join(TRAINING, ".cache", "src")
    if not os.path.exists(os.path.join(src, "colin27_t1.nii.gz")):
        pytest.skip("source brains not fetched (run.py prepare fetches them)")
    sources = phantoms.load_sources(src)
    cfg = phantoms.config_for_shape((32, 32, 32))
    p = phantoms.make_phantom(sources[0], np.random.default_rng(3), cfg)
    assert p["image"].shape == (32, 32, 32) and abs(p["image"].min() + 1) < 1e-6 and abs(p["image"].max() - 1) < 1e-6
    assert p["mask"].sum() > 0
    assert np.all(p["brain"][p["mask"] > 0])  # tumour inside the brain
    p2 = phantoms.make_phantom(sources[0], np.random.default_rng(3), cfg)
    np.testing.assert_array_equal(p["image"], p2["image"])  # deterministic given the seed


def test_end_to_end_smoke_on_fake_brats(tmp_path):
    brats = tmp_path / "brats"
    brats.mkdir()
    _fake_brats(str(brats), n=8)
    work = tmp_path / "work"
    out = tmp_path / "model"
    cmd = [sys.executable, os.path.join(TRAINING, "run.py"), "prepare", "--smoke", "--brats", str(brats), "--n-val", "2",
           "--work", str(work), "--out", str(out), "--threads", "1"]
    subprocess.run(cmd, check=True, capture_output=True)
    for stage in ("vae", "unet", "export", "evaluate", "calibrate"):
        cmd[2] = stage
        r = subprocess.run(cmd, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr[-2000:]
    meta = json.load(open(out / "metadata.json"))
    # model choice: a trained export is a demo unless told otherwise, never the default by itself
    assert meta["purpose"] == "demo" and meta["default"] is False
    # realism metrics (sbldm/realism.py) next to the outline Dice
    rl = meta["metrics"]["realism"]
    assert rl["intensity_w1"]["pooled"] >= 0 and set(rl["continuity"]) >= {"axial", "coronal", "sagittal"}
    # calibration: fitted on the training split, valid, declared with its effect; QC thresholds declared
    from sbldm.calibration import validate_calibration

    cal, qc = meta["calibration"], meta["quality_control"]
    assert validate_calibration(cal, meta["conditioning"]["feature_names"]) == []
    assert cal["fitted_on"]["split"] == "train" and cal["version"] == 1
    assert cal["fitted_on"]["denoiser_sha256"] == meta["files"]["denoiser.onnx"]["sha256"]
    assert set(cal["effect"]["held_out"]) >= {"before", "after"}
    assert set(qc["tolerances"]) == set(meta["conditioning"]["feature_names"])
    assert qc["brain_outline"]["image_threshold"] == -0.7 and len(qc["intensity"]["ranges"]) == len(qc["intensity"]["percentiles"])
    assert (out / "calibration.png").stat().st_size > 0
    r = subprocess.run([sys.executable, "-m", "sbldm.model_card", str(out)], capture_output=True, text=True, cwd=TRAINING)
    assert r.returncode == 0, r.stderr[-2000:]
    card = (out / "README.md").read_text()
    assert "## Condition calibration" in card and "| mean generated / requested volume |" in card
    assert "## Quality control defaults" in card and "## Which model a user gets" in card
    assert "intensity Wasserstein-1" in card
    # evaluate/export keep the calibration while the denoiser is the same; a refit bumps the version
    cmd[2] = "export"
    r = subprocess.run(cmd + ["--purpose", "production", "--default-model", "true"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    m1 = json.load(open(out / "metadata.json"))
    assert m1["calibration"] == cal and m1["quality_control"] == qc
    assert m1["purpose"] == "production" and m1["default"] is True
    cmd[2] = "calibrate"
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    assert json.load(open(out / "metadata.json"))["calibration"]["version"] == 2
    cmd[2] = "export"
    r = subprocess.run(cmd + ["--purpose", "demo", "--default-model", "false"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    meta = json.load(open(out / "metadata.json"))
    assert meta["purpose"] == "demo" and meta["default"] is False

    # restore: a fresh work folder rebuilt from the model folder's fp16 weights resumes UNet training
    work2 = tmp_path / "work2"
    work2.mkdir()
    os.symlink(work / "data", work2 / "data")
    r = subprocess.run([sys.executable, os.path.join(TRAINING, "run.py"), "restore", "--work", str(work2), "--from-model",
                        str(out), "--threads", "1"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    assert (work2 / "latents.npz").exists() and (work2 / "vae" / "ckpt.pt").exists()
    r = subprocess.run([sys.executable, os.path.join(TRAINING, "run.py"), "unet", "--smoke", "--config", "tiny", "--resume",
                        "--work", str(work2), "--threads", "1", "--steps", "2"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "resumed at step 4" in r.stdout and "fresh AdamW" in r.stdout
    assert torch.load(work2 / "unet" / "ema_fp16.pt")["step"] == 6
    assert meta["volume"]["shape_dhw"] == [16, 16, 16]
    assert meta["graphs"]["denoiser"]["inputs"][0]["shape"] == ["B", 5, 16, 8, 8]
    assert meta["conditioning"]["null_condition"]["cond"] == [0.0] * 9
    assert meta["training"]["n_train"] == 6
    assert len(meta["conditioning"]["empirical_sample"]) == 6
    assert "conditioning_adherence" in meta["metrics"]
    # evaluation measures what the platform delivers: masks after the declared post-processing (and raw too)
    assert meta["volume"]["channels"][1]["postprocess"]["op"] == "largest_component"
    assert meta["metrics"]["conditioning_adherence"]["postprocess"] == "largest_component"
    assert "spearman_rho_volume" in meta["metrics"]["conditioning_adherence_raw_masks"]
    for fn, info in meta["files"].items():
        assert os.path.getsize(out / fn) == info["bytes"]
    # resume continues from the checkpoint
    cmd[2] = "unet"
    r = subprocess.run(cmd + ["--resume"], capture_output=True, text=True)
    assert r.returncode == 0 and "resumed at step 4" in r.stdout

    # decoder-only fine-tune: the encoder (hence latents.npz and the UNet trained on it) stays bit-identical,
    # the decoder changes, and the export records the fine-tune
    before = torch.load(work / "vae" / "ckpt.pt")
    lat_before = (work / "latents.npz").read_bytes()
    enc_sha = meta["files"]["encoder.onnx"]["sha256"]
    dec_sha = meta["files"]["decoder.onnx"]["sha256"]
    cmd[2] = "vae"
    r = subprocess.run(cmd + ["--decoder-only", "--steps", "3"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "encoder frozen" in r.stdout and "latents unchanged" in r.stdout
    after = torch.load(work / "vae" / "ckpt.pt")
    assert after["ft_step"] == 3 and after["step"] == before["step"]
    for k, v in before["model"].items():
        if k.startswith("encoder."):
            assert torch.equal(v, after["model"][k]), k
    assert any(not torch.equal(v, after["model"][k]) for k, v in before["model"].items() if k.startswith("decoder."))
    assert (work / "latents.npz").read_bytes() == lat_before
    vm = json.load(open(work / "vae" / "metrics.json"))
    assert vm["decoder_finetune"]["steps"] == 3 and "mask_volume_ratio_mean" in vm["held_out"]
    cmd[2] = "export"
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    meta2 = json.load(open(out / "metadata.json"))
    assert "calibration" not in meta2  # the resumed UNet is another denoiser: its calibration is not carried over
    assert meta2["training"]["vae"]["decoder_finetune"]["steps"] == 3
    assert meta2["files"]["encoder.onnx"]["sha256"] == enc_sha
    assert meta2["files"]["decoder.onnx"]["sha256"] != dec_sha

    # the model card compares variants recorded from other evaluated folders
    r = subprocess.run([sys.executable, "-m", "sbldm.model_card", str(out), "--add-variant", str(out), "--label", "again"],
                       capture_output=True, text=True, cwd=TRAINING)
    assert r.returncode == 0, r.stderr[-2000:]
    card = (out / "README.md").read_text()
    assert "| again: variant 'spatial' |" in card and "| this model: variant 'spatial' |" in card

    # the downstream segmentation experiment runs end to end on the smoke model and lands on the card
    r = subprocess.run([sys.executable, "-m", "sbldm.seg_experiment", "--work", str(work), "--model", str(out),
                        "--n-real", "2", "--n-synth", "0", "2", "--n-held", "2", "--seeds", "0", "1", "--steps", "2",
                        "--ddim-steps", "2", "--threads", "1"], capture_output=True, text=True, cwd=TRAINING)
    assert r.returncode == 0, r.stderr[-2000:]
    seg = json.load(open(out / "experiments" / "segmentation.json"))
    assert [a["arm"] for a in seg["arms"]] == ["real2", "real2+syn2"]
    assert all(len(a["seeds"]) == 2 and 0.0 <= a["dice_mean_over_seeds"] <= 1.0 for a in seg["arms"])
    assert (out / "experiments" / "segmentation.png").stat().st_size > 0
    r = subprocess.run([sys.executable, "-m", "sbldm.model_card", str(out)], capture_output=True, text=True, cwd=TRAINING)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "| real2+syn2 | 2 | 2 |" in (out / "README.md").read_text()
