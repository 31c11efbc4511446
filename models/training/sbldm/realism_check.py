"""Realism of what a model delivers, measured on its SHIPPED weights at its DEFAULT sampler settings with its
declared calibration (what the worker runs), against the held-out real phantoms (issue 14, section 5):
intensity Wasserstein-1 and per-plane continuity (sbldm/realism.py), brain-outline Dice vs the coarse brain mask.

  python -m sbldm.realism_check --model ../sbldm-phantom-64-fast --data WORK/data [--n 30] [--threads 2]

Writes <model>/experiments/realism.json; `python -m sbldm.model_card <model>` shows it. Uses the first n held-out
phantoms' features as requests (the conditions of `run.py evaluate`), noise subjects 0..n-1, seed 0.
"""
from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
import torch

from .calibration import apply_calibration
from .evaluate import sample_volumes
from .phantoms import load_split
from .qc import brain_outline_dice
from .realism import realism_metrics
from .sampler_study import load_shipped


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True)
    p.add_argument("--data", required=True, help="folder with the phantom shards (val_NNN.npz)")
    p.add_argument("--n", type=int, default=30)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    m = load_shipped(a.model)
    meta, sd = m["meta"], m["meta"]["sampler_defaults"]
    va = load_split(a.data, "val")
    n = min(a.n, len(va["feat_raw"]))
    req = va["feat_raw"][:n].astype(np.float64).copy()
    req[:, 0] /= m["max_v"]
    req[:, 1] /= m["max_a"]
    cal = meta.get("calibration")
    names = meta["conditioning"]["feature_names"]
    fed = np.asarray([apply_calibration(list(map(float, r)), cal, names)["fed"] if cal else r for r in req], np.float32)
    t0 = time.time()
    # the same sampling path as evaluate and calibrate (any sampler of the settings contract)
    imgs, _ = sample_volumes(m["vae"], m["unet"], m["scale"], fed, m["latent_cdhw"], sd["num_inference_steps"], sd.get("eta"),
                                 sd["guidance_scale"], 0, list(range(n)), batch=4, settings=sd)
    imgs = list(imgs)
    real = [v.astype(np.float32) for v in va["image"][:n]]
    out = dict(
        model=meta["name"], weights="weights/*_fp16.pt (fp32 modules)", n=n, sampler_defaults=sd,
        calibration_version=cal.get("version") if cal else None,
        realism=realism_metrics(imgs, real, m["brain"]),
        brain_outline_dice=dict(generated_mean=float(np.mean([brain_outline_dice(i, m["brain"]) for i in imgs])),
                                real_mean=float(np.mean([brain_outline_dice(r, m["brain"]) for r in real]))),
        wall_s=round(time.time() - t0, 1),
    )
    path = os.path.join(a.model, "experiments", "realism.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        json.dump(out, fh, indent=1)
    print(json.dumps(dict(realism_w1=out["realism"]["intensity_w1"]["pooled"], dice=out["brain_outline_dice"])))


if __name__ == "__main__":
    main()
