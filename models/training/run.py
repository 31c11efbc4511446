#!/usr/bin/env python3
"""One command per stage of the SBLDM pipeline, and one for everything.

  /usr/bin/python3 models/training/run.py prepare   [--n-train 720 --n-val 64 | --brats DIR --n-val 10]
  /usr/bin/python3 models/training/run.py vae       [--minutes 12]
  /usr/bin/python3 models/training/run.py restore   --from-model models/sbldm-phantom-64-fast [--unet-weights F]
  /usr/bin/python3 models/training/run.py unet      [--minutes 90] [--resume] [--config small|tiny|paper]
  /usr/bin/python3 models/training/run.py export    [--out models/sbldm-phantom-64]
  /usr/bin/python3 models/training/run.py evaluate  [--out models/sbldm-phantom-64]
  /usr/bin/python3 models/training/run.py calibrate [--out models/sbldm-phantom-64-fast] [--cal-conditions 48]
  /usr/bin/python3 models/training/run.py all
  /usr/bin/python3 models/training/run.py all --smoke      (CI: tiny config, a few phantoms/steps, ~1 min)

Every stage is resumable (existing shards are kept; training resumes from its last checkpoint with
--resume) and prints progress lines with rate and ETA. Work files live in models/training/.cache/
(git-ignored) unless --work is given.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

DEFAULT_WORK = os.path.join(HERE, ".cache")
DEFAULT_OUT = os.path.join(HERE, "..", "sbldm-phantom-64")


def log_to(path):
    def log(msg):
        line = f"[{time.strftime('%H:%M:%S')}] {msg}"
        print(line, flush=True)
        if path:
            with open(path, "a") as fh:
                fh.write(line + "\n")
    return log


def cmd_prepare(a):
    from sbldm import phantoms

    log = log_to(os.path.join(a.work, "prepare.log"))
    data = os.path.join(a.work, "data")
    if a.brats:
        phantoms.prepare_brats(a.brats, data, n_val=a.n_val, shape=(a.size,) * 3, log=log)
        return
    src = os.path.join(a.work, "src")
    phantoms.fetch_sources(src)
    shape = (a.size, a.size, a.size)
    phantoms.generate(src, data, a.n_train, a.n_val, seed=a.seed, procs=a.procs,
                      shard_size=a.shard_size, shape=shape, log=log)


def cmd_vae(a):
    from sbldm import train_vae

    train_vae.main(a)


def cmd_unet(a):
    from sbldm import train_unet

    train_unet.main(a)


def cmd_restore(a):
    from sbldm import restore

    if not a.from_model:
        raise SystemExit("restore: --from-model DIR is required (a model folder with weights/ and metadata.json)")
    restore.restore(a.from_model, a.work, unet_weights=a.unet_weights, log=log_to(os.path.join(a.work, "restore.log")))


def cmd_export(a):
    from sbldm import export

    export.main(a)


def cmd_evaluate(a):
    from sbldm import evaluate

    evaluate.main(a)


def cmd_calibrate(a):
    from sbldm import calibrate

    calibrate.main(a)


def build_parser():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("stage", choices=["prepare", "restore", "vae", "unet", "export", "evaluate", "calibrate", "all"])
    p.add_argument("--work", default=DEFAULT_WORK, help="work folder (data shards, checkpoints, logs)")
    p.add_argument("--out", default=DEFAULT_OUT, help="model folder written by export/evaluate")
    p.add_argument("--smoke", action="store_true", help="tiny config, few phantoms and steps (CI)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    # prepare
    p.add_argument("--n-train", type=int, default=720)
    p.add_argument("--n-val", type=int, default=64)
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--procs", type=int, default=2,
                   help="processes: prepare's phantom generators; calibrate's samplers (1 thread each, results cached in "
                        "<work>/calibrate_cache)")
    p.add_argument("--shard-size", type=int, default=50)
    p.add_argument("--brats", default=None, help="BraTS-style folder <case>/<case>_flair.nii.gz + _seg.nii.gz")
    # training
    p.add_argument("--config", default="small", help="model size: tiny | fast | small | paper (sbldm/unet3d.py)")
    p.add_argument("--minutes", type=float, default=None, help="wall-clock budget of a training stage")
    p.add_argument("--steps", type=int, default=None, help="step budget of a training stage")
    p.add_argument("--resume", action="store_true")
    p.add_argument("--batch", type=int, default=None, help="UNet batch size (default 2)")
    p.add_argument("--lr", type=float, default=None, help="UNet peak learning rate (default 3e-4)")
    p.add_argument("--lr-schedule", default="constant", choices=["constant", "cosine"],
                   help="UNet: constant after warm-up, or cosine decay to --lr-min over the --minutes budget (wall time)")
    p.add_argument("--lr-min", type=float, default=None, help="UNet: final learning rate of the cosine schedule (default lr/10)")
    # restore
    p.add_argument("--from-model", default=None, help="restore: model folder whose weights/ seed the work folder")
    p.add_argument("--unet-weights", default=None,
                   help="restore: fp16 UNet EMA weights to start from (default <from-model>/weights/unet_ema_fp16.pt)")
    p.add_argument("--decoder-only", action="store_true",
                   help="vae: fine-tune the decoder of the trained VAE, encoder frozen (latents stay valid)")
    p.add_argument("--ema-reset", action="store_true", help="on resume, restart the UNet EMA from the current weights")
    p.add_argument("--variant", default="spatial", choices=["spatial", "paper"],
                   help="UNet conditioning: 'spatial' (our choice: spatial channel + tumour-weighted loss + CFG) or "
                        "'paper' (9-vector added to the time embedding only)")
    # export / evaluate
    p.add_argument("--random", action="store_true", help="export random weights (fixture models)")
    p.add_argument("--purpose", default=None, choices=["production", "demo", "test-fixture"],
                   help="export: metadata `purpose` (default: keep the folder's current value, else demo; --random: test-fixture)")
    p.add_argument("--default-model", default=None, type=lambda v: {"true": True, "false": False}[v.lower()],
                   help="export: metadata `default` true|false (the model the platform offers first; default: keep)")
    p.add_argument("--n-samples", type=int, default=60)
    p.add_argument("--ddim-steps", type=int, default=50)
    p.add_argument("--default-ddim-steps", type=int, default=None,
                   help="DDIM steps written as the sampler default in metadata (default: --ddim-steps)")
    p.add_argument("--eta", type=float, default=0.0, help="DDIM eta (0 = deterministic; paper default 1)")
    p.add_argument("--guidance", type=float, default=2.0, help="classifier-free guidance scale (1 = off)")
    # calibrate (sampler settings: the model's metadata sampler_defaults)
    p.add_argument("--cal-conditions", type=int, default=48, help="calibrate: training-split conditions in the fit")
    p.add_argument("--cal-per-condition", type=int, default=5, help="calibrate: fed volumes per training condition")
    p.add_argument("--cal-scale-min", type=float, default=0.2, help="calibrate: smallest fed / requested volume")
    p.add_argument("--cal-scale-max", type=float, default=1.4, help="calibrate: largest fed / requested volume")
    p.add_argument("--cal-bins", type=int, default=14, help="calibrate: equal-count bins of the fed volume")
    p.add_argument("--cal-method", default="median", choices=["median", "mean_corrected", "mean"],
                   help="calibrate: bin statistic of the monotone fit (sbldm/calibrate.py FIT_METHODS)")
    return p


def main(argv=None):
    a = build_parser().parse_args(argv)
    if a.smoke:
        a.work = a.work if a.work != DEFAULT_WORK else os.path.join(DEFAULT_WORK, "smoke")
        a.n_train, a.n_val, a.size, a.shard_size = 6, 2, 16, 6
        a.config = "tiny"
        a.steps = a.steps or 4
        a.n_samples = min(a.n_samples, 2)
        a.ddim_steps = min(a.ddim_steps, 3)
        a.cal_conditions, a.cal_per_condition, a.cal_bins = min(a.cal_conditions, 4), min(a.cal_per_condition, 2), min(a.cal_bins, 4)
        if a.out == DEFAULT_OUT:
            a.out = os.path.join(a.work, "model")
    os.makedirs(a.work, exist_ok=True)
    stages = ["prepare", "vae", "unet", "export", "evaluate", "calibrate"] if a.stage == "all" else [a.stage]
    for s in stages:
        t0 = time.time()
        globals()[f"cmd_{s}"](a)
        print(f"== stage {s} done in {time.time() - t0:.1f} s", flush=True)


if __name__ == "__main__":
    main()
