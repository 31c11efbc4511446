"""Write the sampler parity fixtures: packages/sampler/fixtures/sampler.json.

The TypeScript tests (packages/sampler/src/parity.test.ts) and the Python test
(models/training/tests/test_sampling_parity.py) both check themselves against this file:
RNG words and normals, schedule values, timesteps, single steps, and full sampling loops (DDIM, DDPM,
DPM-Solver++(2M), UniPC; guidance at every step or within an interval of timesteps) with a fake linear
denoiser defined identically in both languages:

    eps[b, j] = sqrt(1 - ab_t) / (1 - ab_t + 0.25 ab_t) * x[b, j] + 0.3 * cond[b, j % K]

(ab_t = alpha_bar_t; the cond term only if conditioned), computed in float64 and rounded to float32.
Without the cond term this is the exact epsilon-predictor for data x0 ~ N(0, 0.5^2 I), so samples
should come out with standard deviation ~0.5 (a statistical check in the TypeScript tests).

Run: /usr/bin/python3 models/training/scripts/make_sampler_fixtures.py
"""
from __future__ import annotations

import json
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(REPO, "models", "training"))
from sbldm.sampling import (  # noqa: E402
    DDIMScheduler,
    DDPMScheduler,
    NoiseSchedule,
    PhiloxGaussian,
    make_scheduler as scheduler_for_name,
    philox4x32_10,
    sample_loop,
)

OUT = os.path.join(REPO, "packages", "sampler", "fixtures", "sampler.json")


def fake_denoiser(alphas_cumprod: np.ndarray):
    """The fake model shared with TypeScript (see module docstring)."""

    def fn(x, t, cond=None):
        x = np.asarray(x, dtype=np.float32)
        B = x.shape[0]
        flat = x.reshape(B, -1).astype(np.float64)
        ab = float(alphas_cumprod[int(t[0])])
        a = math.sqrt(1.0 - ab) / (1.0 - ab + 0.25 * ab)
        out = a * flat
        if cond is not None:
            c = np.asarray(cond, dtype=np.float32).reshape(B, -1).astype(np.float64)
            K = c.shape[1]
            idx = np.arange(flat.shape[1]) % K
            out = out + 0.3 * c[:, idx]
        return out.astype(np.float32).reshape(x.shape)

    return fn


def f32list(a) -> list:
    return [float(v) for v in np.asarray(a, dtype=np.float32).reshape(-1)]


def f64list(a) -> list:
    return [float(v) for v in np.asarray(a, dtype=np.float64).reshape(-1)]


def schedule_dict(s: NoiseSchedule) -> dict:
    return {
        "numTrainTimesteps": s.num_train_timesteps,
        "betaSchedule": s.beta_schedule,
        "betaStart": s.beta_start,
        "betaEnd": s.beta_end,
        "predictionType": s.prediction_type,
    }


def make_scheduler(case: dict):
    sched = NoiseSchedule(**case["schedule_py"])
    common = dict(timestep_spacing=case["timestepSpacing"], steps_offset=case["stepsOffset"])
    if case["scheduler"] == "ddim":
        s = DDIMScheduler(sched, eta=case["eta"], set_alpha_to_one=case["setAlphaToOne"], **common)
    elif case["scheduler"] == "ddpm":
        s = DDPMScheduler(sched, variance_type=case["varianceType"], **common)
    else:
        s = scheduler_for_name(case["scheduler"], sched, **common)
    s.set_timesteps(case["numInferenceSteps"])
    return s


def loop_case(name: str, *, scheduler: str, shape, steps: int, seed: int, eta: float = 0.0,
              subjects=None, cond=None, null_cond=None, guidance=None, schedule: NoiseSchedule = NoiseSchedule(),
              spacing: str = "leading", offset: int = 0, alpha_to_one: bool = True,
              variance_type: str = "fixed_small", interval=None) -> dict:
    case = {
        "name": name,
        "scheduler": scheduler,
        "schedule": schedule_dict(schedule),
        "schedule_py": dict(num_train_timesteps=schedule.num_train_timesteps, beta_schedule=schedule.beta_schedule,
                            beta_start=schedule.beta_start, beta_end=schedule.beta_end,
                            prediction_type=schedule.prediction_type),
        "shape": list(shape),
        "numInferenceSteps": steps,
        "seed": seed,
        "subjects": subjects,
        "eta": eta,
        "setAlphaToOne": alpha_to_one,
        "varianceType": variance_type,
        "timestepSpacing": spacing,
        "stepsOffset": offset,
        "condition": None if cond is None else f32list(cond),
        "nullCondition": None if null_cond is None else f32list(null_cond),
        "guidanceScale": guidance,
        "guidanceInterval": None if interval is None else [int(v) for v in interval],
    }
    s = make_scheduler(case)
    root = PhiloxGaussian(seed)
    rng = root if subjects is None else [root.fork(k) for k in subjects]
    x0s = []
    out = sample_loop(s, fake_denoiser(s.alphas_cumprod), shape, rng,
                      cond=None if cond is None else np.asarray(cond, dtype=np.float32),
                      null_cond=None if null_cond is None else np.asarray(null_cond, dtype=np.float32),
                      guidance_scale=guidance, guidance_interval=interval,
                      callback=lambda i, t, x0: x0s.append(x0))
    case["timesteps"] = [int(t) for t in s.timesteps]
    case["firstPredOriginalSample"] = f32list(x0s[0])
    case["result"] = f32list(out)
    del case["schedule_py"]
    return case


def main() -> None:
    doc: dict = {"generator": "models/training/scripts/make_sampler_fixtures.py"}

    # 1. Philox known answers (Random123 kat_vectors) recomputed by our implementation
    kat_in = [([0, 0, 0, 0], [0, 0]), ([0xFFFFFFFF] * 4, [0xFFFFFFFF] * 2),
              ([0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344], [0xA4093822, 0x299F31D0])]
    doc["philoxKat"] = [
        {"counter": c, "key": k, "output": [int(w) for w in philox4x32_10(np.array([c], dtype=np.uint32), k)[0]]}
        for c, k in kat_in
    ]

    # 2. streams: words, normals, forks; a seed above 2^32 exercises the high key word
    streams = []
    for seed, fork in [(42, None), (42, 7), (0, None), (2**40 + 5, None), (2**40 + 5, 2**35 + 3)]:
        r = PhiloxGaussian(seed)
        if fork is not None:
            r = r.fork(fork)
        words = r.uint32_words(0, 3)
        streams.append({"seed": seed, "fork": fork, "key": list(r.key), "words": [int(w) for w in words],
                        "normal64": f64list(r.normal64(13))})
    doc["streams"] = streams

    # 3. schedules at selected timesteps (float64, exact in JSON)
    idx = [0, 1, 2, 499, 500, 998, 999]
    doc["schedules"] = []
    for s in [NoiseSchedule(), NoiseSchedule(beta_schedule="linear", beta_start=1e-4, beta_end=0.02)]:
        doc["schedules"].append({"schedule": schedule_dict(s), "index": idx, "betas": f64list(s.betas()[idx]),
                                 "alphasCumprod": f64list(s.alphas_cumprod()[idx])})

    # 4. single steps on a small tensor with a fixed model output
    g = PhiloxGaussian(123)
    x = g.normal(24)
    e = g.normal(24)
    steps = []
    for sched_name, kw, t, n in [("ddim", {"eta": 0.0}, 980, 50), ("ddim", {"eta": 1.0}, 500, 50),
                                 ("ddim", {"eta": 0.0}, 0, 50), ("ddpm", {}, 999, 1000), ("ddpm", {}, 0, 1000),
                                 ("ddpm", {"variance_type": "fixed_large"}, 600, 20)]:
        cls = DDIMScheduler if sched_name == "ddim" else DDPMScheduler
        s = cls(NoiseSchedule(), **kw)
        s.set_timesteps(n)
        rng = PhiloxGaussian(9)
        res = s.step(e, t, x, rng)
        steps.append({"scheduler": sched_name, "eta": kw.get("eta"), "varianceType": kw.get("variance_type"),
                      "t": t, "numInferenceSteps": n, "noiseSeed": 9,
                      "prevSample": f32list(res["prev_sample"]), "predOriginalSample": f32list(res["pred_original_sample"])})
    doc["stepInputs"] = {"sample": f32list(x), "modelOutput": f32list(e)}
    doc["steps"] = steps

    # 5. full loops
    B2cond = np.array([[0.5, -0.2, 0.1], [0.0, 0.9, -0.4]], dtype=np.float32)
    doc["loops"] = [
        loop_case("ddim_eta0_50", scheduler="ddim", shape=[1, 2, 4, 4, 4], steps=50, seed=7, eta=0.0),
        loop_case("ddim_eta1_50", scheduler="ddim", shape=[1, 2, 4, 4, 4], steps=50, seed=7, eta=1.0),
        loop_case("ddim_eta1_cfg_subjects", scheduler="ddim", shape=[2, 2, 3, 4, 4], steps=25, seed=11, eta=1.0,
                  subjects=[3, 12], cond=B2cond, null_cond=np.zeros(3, dtype=np.float32), guidance=2.5),
        loop_case("ddim_cond_noguidance", scheduler="ddim", shape=[2, 1, 2, 3, 4], steps=10, seed=1, eta=0.0,
                  cond=B2cond),
        loop_case("ddim_v_trailing_eta05", scheduler="ddim", shape=[1, 1, 3, 4, 4], steps=10, seed=5, eta=0.5,
                  schedule=NoiseSchedule(prediction_type="v_prediction"), spacing="trailing", alpha_to_one=False),
        loop_case("ddpm_20", scheduler="ddpm", shape=[1, 2, 2, 4, 4], steps=20, seed=3),
        loop_case("ddpm_100_linear_offset1", scheduler="ddpm", shape=[1, 1, 2, 2, 2], steps=100, seed=4,
                  schedule=NoiseSchedule(beta_schedule="linear", beta_start=1e-4, beta_end=0.02), offset=1),
        # multistep solvers and the guidance interval
        loop_case("dpmpp2m_leading_10", scheduler="dpmpp_2m", shape=[1, 2, 4, 4, 4], steps=10, seed=7),
        loop_case("dpmpp2m_trailing_cfg_subjects_15", scheduler="dpmpp_2m", shape=[2, 2, 3, 4, 4], steps=15, seed=11,
                  subjects=[3, 12], cond=B2cond, null_cond=np.zeros(3, dtype=np.float32), guidance=2.5, spacing="trailing"),
        loop_case("dpmpp2m_sample_linear_offset1_12", scheduler="dpmpp_2m", shape=[1, 1, 2, 4, 4], steps=12, seed=4,
                  schedule=NoiseSchedule(beta_schedule="linear", beta_start=1e-4, beta_end=0.02, prediction_type="sample"),
                  offset=1),
        loop_case("unipc_leading_10", scheduler="unipc", shape=[1, 2, 4, 4, 4], steps=10, seed=7),
        loop_case("unipc_trailing_cfg_interval_20", scheduler="unipc", shape=[2, 2, 3, 4, 4], steps=20, seed=11,
                  subjects=[3, 12], cond=B2cond, null_cond=np.zeros(3, dtype=np.float32), guidance=4.0,
                  spacing="trailing", interval=(200, 700)),
        loop_case("unipc_v_trailing_8", scheduler="unipc", shape=[1, 1, 3, 4, 4], steps=8, seed=5,
                  schedule=NoiseSchedule(prediction_type="v_prediction"), spacing="trailing"),
        loop_case("unipc_2", scheduler="unipc", shape=[1, 1, 2, 2, 2], steps=2, seed=2),
        loop_case("ddim_eta1_cfg_interval_25", scheduler="ddim", shape=[2, 2, 3, 4, 4], steps=25, seed=11, eta=1.0,
                  subjects=[3, 12], cond=B2cond, null_cond=np.zeros(3, dtype=np.float32), guidance=2.5,
                  interval=(0, 480)),
    ]
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as fh:
        json.dump(doc, fh, indent=None, separators=(",", ":"))
        fh.write("\n")
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
