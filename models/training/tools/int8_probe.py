"""Would int8 make the worker's denoiser faster? A rerunnable probe (issue #5: >= 1.5x the PyTorch reference).

Static int8 quantisation of a model folder's denoiser.onnx with onnxruntime's own tool (QDQ, per-channel
int8 weights, uint8 activations, calibrated on the denoiser's real inputs along DDIM trajectories), then,
in one process with the same thread count:
  - speed: fp32 vs int8 denoiser calls, interleaved, median of `--reps` rounds;
  - quality: full DDIM samples (50 steps, guidance as the model declares) from the same seeds with each
    denoiser; relative latent difference, Dice between the decoded masks, and int8 / fp32 tumour volume.
Prints one JSON object on the last line.

Needs onnxruntime for Python, the same version as the worker's onnxruntime-node (1.30.0), and numpy; it
does not import torch, so a separate environment works:
  python3 -m venv --system-site-packages /tmp/ortq && /tmp/ortq/bin/pip install onnxruntime==1.30.0 onnx ml_dtypes
  /tmp/ortq/bin/python models/training/tools/int8_probe.py models/sbldm-phantom-64-fast
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np
import onnxruntime as ort
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from sbldm.sampling import ddim_sample  # noqa: E402  (numpy only)
from sbldm.spatial import render_spatial_condition  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", help="model folder (metadata.json, denoiser.onnx, decoder.onnx)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--calib", type=int, default=4, help="calibration trajectories (50 denoiser inputs each)")
    p.add_argument("--samples", type=int, default=6, help="volumes sampled with each denoiser for quality")
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--ops", default="Conv", help="op types to quantise (comma list)")
    a = p.parse_args()

    meta = json.load(open(os.path.join(a.model, "metadata.json")))
    conds = np.asarray(meta["conditioning"]["empirical_sample"], np.float32)
    scale = float(meta["latent"]["scale_factor"])
    cdhw = tuple(meta["latent"]["stacked_shape_cdhw"])
    sd = meta["sampler_defaults"]
    spatial = meta["conditioning"].get("spatial_channel")
    guidance = float(sd.get("guidance_scale", 1.0))
    so = ort.SessionOptions()
    so.intra_op_num_threads = a.threads

    def session(path):
        return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])

    def denoise_fn(sess, record=None):
        def fn(x_t, t, cond):
            x = x_t
            if spatial and spatial.get("present", True):
                sp = np.stack([render_spatial_condition(c, cdhw[1:], spatial.get("sharpness", 6.0)) for c in cond])
                x = np.concatenate([x_t, sp[:, None]], 1)
            feeds = dict(x_t=np.ascontiguousarray(x, np.float32), t=t.astype(np.int64), cond=np.asarray(cond, np.float32))
            if record is not None:
                record.append(feeds)
            return sess.run(None, feeds)[0]
        return fn

    def sample(sess, c, seed, record=None):
        cfg = guidance != 1.0
        return ddim_sample(denoise_fn(sess, record), (1,) + cdhw, num_steps=int(sd["num_inference_steps"]),
                           eta=float(sd["eta"]), seed=seed, subjects=[0], cond=c[None],
                           null_cond=np.zeros(9, np.float32) if cfg else None, guidance_scale=guidance if cfg else None)

    dec = session(os.path.join(a.model, "decoder.onnx"))

    def mask_of(z):
        zs = (z[0] / scale).transpose(1, 0, 2, 3).astype(np.float32)
        x = dec.run(None, dict(z=zs, slice_index=np.arange(zs.shape[0], dtype=np.int64)))[0]
        return x[:, 1] > 0

    fp32_path = os.path.join(a.model, "denoiser.onnx")
    fp32 = session(fp32_path)
    calib = []
    t0 = time.time()
    for i in range(a.calib):  # calibration conditions and seeds are disjoint from the quality ones below
        sample(fp32, conds[-1 - i], seed=10_000 + i, record=calib)
        print(f"calibration trajectory {i + 1}/{a.calib} ({time.time() - t0:.0f} s)", flush=True)

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.it = iter(calib[::2])

        def get_next(self):
            return next(self.it, None)

    tmp = tempfile.mkdtemp()
    pre, q8 = os.path.join(tmp, "pre.onnx"), os.path.join(tmp, "denoiser.int8.onnx")
    quant_pre_process(fp32_path, pre, skip_symbolic_shape=True)
    quantize_static(pre, q8, Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, op_types_to_quantize=a.ops.split(","))
    int8 = session(q8)
    print("quantised", a.ops, flush=True)

    feeds = calib[len(calib) // 2]
    times = {"fp32": [], "int8": []}
    for _ in range(a.reps):
        for name, s in (("fp32", fp32), ("int8", int8)):
            t1 = time.perf_counter()
            s.run(None, feeds)
            times[name].append(time.perf_counter() - t1)
    med = {k: float(np.median(v)) for k, v in times.items()}
    print(f"denoiser call: fp32 {med['fp32'] * 1e3:.0f} ms, int8 {med['int8'] * 1e3:.0f} ms", flush=True)

    rel, dices, ratios = [], [], []
    for i in range(a.samples):
        za, zb = sample(fp32, conds[i], seed=i), sample(int8, conds[i], seed=i)
        rel.append(float(np.abs(za - zb).mean() / np.abs(za).mean()))
        ma, mb = mask_of(za), mask_of(zb)
        dices.append(float(2 * (ma & mb).sum() / max(1, ma.sum() + mb.sum())))
        ratios.append(float(mb.sum() / max(1, ma.sum())))
        print(f"sample {i + 1}/{a.samples}: latent rel diff {rel[-1]:.3f}, mask Dice int8 vs fp32 {dices[-1]:.3f}, "
              f"volume ratio {ratios[-1]:.2f}", flush=True)
    print(json.dumps(dict(model=os.path.basename(os.path.normpath(a.model)), ort_version=ort.__version__,
                          threads=a.threads, ops=a.ops, fp32_ms=round(med["fp32"] * 1e3, 1),
                          int8_ms=round(med["int8"] * 1e3, 1), speedup=round(med["fp32"] / med["int8"], 3),
                          latent_rel_diff_mean=round(float(np.mean(rel)), 4),
                          mask_dice_vs_fp32_mean=round(float(np.mean(dices)), 4),
                          volume_ratio_mean=round(float(np.mean(ratios)), 3), n_samples=a.samples)))


if __name__ == "__main__":
    main()
