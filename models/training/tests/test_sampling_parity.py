"""Python side of the sampler parity fixtures (packages/sampler/fixtures/sampler.json).

The TypeScript sampler checks itself against the same JSON (packages/sampler/src/parity.test.ts).
Here: the Philox known answers (published Random123 vectors, not from our generator), the fixture
recomputed by the current code, the torch path equal to the numpy path, and the public helpers.
Run: /usr/bin/python3 -m pytest models/training/tests/test_sampling_parity.py -q
"""
from __future__ import annotations

import json
import math
import os
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(REPO, "models", "training"))
sys.path.insert(0, os.path.join(REPO, "models", "training", "scripts"))
from sbldm.sampling import (  # noqa: E402
    SBLDM_SCHEDULE,
    DDIMScheduler,
    DDPMScheduler,
    NoiseSchedule,
    PhiloxGaussian,
    ddim_sample,
    ddpm_sample,
    philox4x32_10,
)
import make_sampler_fixtures as mk  # noqa: E402

FIXTURE = os.path.join(REPO, "packages", "sampler", "fixtures", "sampler.json")
with open(FIXTURE) as fh:
    DOC = json.load(fh)
TOL = 1e-4


def test_philox_known_answers():
    # Random123 kat_vectors, "philox4x32 10": counter[4] key[2] -> output[4]
    kat = [
        ([0, 0, 0, 0], [0, 0], [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]),
        ([0xFFFFFFFF] * 4, [0xFFFFFFFF] * 2, [0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD]),
        ([0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344], [0xA4093822, 0x299F31D0],
         [0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1]),
    ]
    for ctr, key, want in kat:
        assert [int(w) for w in philox4x32_10(np.array([ctr], dtype=np.uint32), key)[0]] == want


def test_streams_match_fixture():
    for s in DOC["streams"]:
        r = PhiloxGaussian(s["seed"])
        if s["fork"] is not None:
            r = r.fork(s["fork"])
        assert list(r.key) == s["key"]
        assert [int(w) for w in r.uint32_words(0, 3)] == s["words"]
        np.testing.assert_allclose(r.normal64(13), s["normal64"], rtol=0, atol=1e-14)


def test_stream_is_chunk_and_order_independent():
    a = PhiloxGaussian(5)
    chunks = np.concatenate([a.normal(3), a.normal(1), a.normal(9)])
    assert np.array_equal(chunks, PhiloxGaussian(5).normal(13))
    root = PhiloxGaussian(99)
    s3 = root.fork(3).normal(8)
    root.normal(1000)
    assert np.array_equal(PhiloxGaussian(99).fork(3).normal(8), s3)
    with pytest.raises(ValueError, match="outside"):
        PhiloxGaussian(-1)
    with pytest.raises(ValueError, match="outside"):
        PhiloxGaussian(2**53)


def test_normal_statistics():
    z = PhiloxGaussian(2024).normal64(200_000)
    assert abs(z.mean()) < 0.01
    assert abs(z.var() - 1) < 0.015
    assert abs(np.mean(np.abs(z) > 2) - 0.0455) < 0.002


def test_schedule_closed_form():
    betas = SBLDM_SCHEDULE.betas()
    assert betas[0] == pytest.approx(0.002, abs=1e-17)
    assert betas[-1] == pytest.approx(0.02, abs=1e-17)
    ab = SBLDM_SCHEDULE.alphas_cumprod()
    assert ab[0] == pytest.approx(0.998, abs=1e-16)
    assert 7.4e-5 < ab[-1] < 7.5e-5
    s = DDIMScheduler(eta=0.0)
    s.set_timesteps(50)
    assert s.timesteps[0] == 980 and s.timesteps[-1] == 0 and len(s.timesteps) == 50
    s = DDIMScheduler(eta=0.0, timestep_spacing="trailing")
    s.set_timesteps(3)
    assert list(s.timesteps) == [999, 666, 332]


def test_step_before_set_timesteps_is_an_error():
    with pytest.raises(RuntimeError, match="before set_timesteps"):
        DDIMScheduler().step(np.zeros(4), 10, np.zeros(4))
    with pytest.raises(ValueError, match=r"\[1, 1000\]"):
        DDPMScheduler().set_timesteps(1001)


@pytest.mark.parametrize("case", DOC["loops"], ids=[c["name"] for c in DOC["loops"]])
def test_fixture_loops_reproduce(case):
    c = dict(case)
    sched = NoiseSchedule(num_train_timesteps=c["schedule"]["numTrainTimesteps"],
                          beta_schedule=c["schedule"]["betaSchedule"], beta_start=c["schedule"]["betaStart"],
                          beta_end=c["schedule"]["betaEnd"], prediction_type=c["schedule"]["predictionType"])
    again = mk.loop_case(
        c["name"], scheduler=c["scheduler"], shape=c["shape"], steps=c["numInferenceSteps"], seed=c["seed"],
        eta=c["eta"], subjects=c["subjects"],
        cond=None if c["condition"] is None else np.array(c["condition"], np.float32).reshape(c["shape"][0], -1),
        null_cond=None if c["nullCondition"] is None else np.array(c["nullCondition"], np.float32),
        guidance=c["guidanceScale"], schedule=sched, spacing=c["timestepSpacing"], offset=c["stepsOffset"],
        alpha_to_one=c["setAlphaToOne"], variance_type=c["varianceType"], interval=c.get("guidanceInterval"))
    assert again["timesteps"] == c["timesteps"]
    assert np.max(np.abs(np.array(again["result"]) - np.array(c["result"]))) <= TOL


def test_torch_denoiser_gives_the_numpy_result():
    torch = pytest.importorskip("torch")
    ab = SBLDM_SCHEDULE.alphas_cumprod()
    fn_np = mk.fake_denoiser(ab)

    def fn_torch(x, t, cond):
        assert isinstance(x, torch.Tensor) and isinstance(t, torch.Tensor) and t.dtype == torch.int64
        return torch.from_numpy(fn_np(x.numpy(), t.numpy(), cond.numpy()))

    cond = np.array([[0.5, -0.2, 0.1], [0.0, 0.9, -0.4]], np.float32)
    kw = dict(shape=(2, 1, 2, 3, 4), num_steps=10, eta=1.0, seed=3, guidance_scale=2.0,
              null_cond=np.zeros(3, np.float32), cond=cond, subjects=[4, 9])
    a = ddim_sample(fn_np, **kw)
    b = ddim_sample(fn_torch, use_torch=True, **kw)
    assert np.array_equal(a, b)
    # per-subject streams: subject 9 alone gives the same item
    alone = ddim_sample(fn_np, shape=(1, 1, 2, 3, 4), num_steps=10, eta=1.0, seed=3, guidance_scale=2.0,
                        null_cond=np.zeros(3, np.float32), cond=cond[1:], subjects=[9])
    assert np.array_equal(a[1:], alone)


def test_torch_module_is_detected_and_run_without_grad():
    torch = pytest.importorskip("torch")

    class Lin(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.tensor(0.1))

        def forward(self, x, t):
            assert not torch.is_grad_enabled()
            return self.w * x

    out = ddim_sample(Lin(), (1, 1, 2, 2, 2), num_steps=5, eta=0.0, seed=1)
    ref = ddim_sample(lambda x, t: np.float32(0.1) * x, (1, 1, 2, 2, 2), num_steps=5, eta=0.0, seed=1)
    assert isinstance(out, np.ndarray) and out.dtype == np.float32
    np.testing.assert_allclose(out, ref, atol=1e-6)


def test_ddpm_sample_statistics():
    # exact eps for N(0, 0.25) data; 50 strided DDPM steps give std 0.4263 (variance recursion, see TS test)
    fn = mk.fake_denoiser(SBLDM_SCHEDULE.alphas_cumprod())
    out = ddpm_sample(fn, (1, 1, 16, 16, 32), num_steps=50, seed=10)
    assert abs(float(np.sqrt(np.mean(out.astype(np.float64) ** 2))) - 0.4263) < 0.015
    out0 = ddim_sample(fn, (1, 1, 16, 16, 32), num_steps=50, eta=0.0, seed=10)
    assert abs(float(np.sqrt(np.mean(out0.astype(np.float64) ** 2))) - 0.4578) < 0.015


def test_guidance_arguments_must_come_together():
    fn = mk.fake_denoiser(SBLDM_SCHEDULE.alphas_cumprod())
    with pytest.raises(ValueError, match="both null_cond and guidance_scale"):
        ddim_sample(fn, (1, 1, 2, 2, 2), num_steps=2, guidance_scale=2.0, cond=np.zeros((1, 3), np.float32))


# ------------------------------------------------------------------ multistep solvers, guidance interval
from sbldm.sampling import (  # noqa: E402
    DPMSolverPP2MScheduler,
    UniPCScheduler,
    check_guidance_interval,
    make_scheduler,
    sample_loop,
    sample_with_settings,
)

COND2 = np.array([[0.5, -0.2, 0.1], [0.0, 0.9, -0.4]], np.float32)


def _counting(fn):
    calls = []

    def wrapped(x, t, cond):
        calls.append((int(t[0]), x.shape[0], np.asarray(cond).copy()))
        return fn(x, t, cond)

    return calls, wrapped


def test_guidance_interval_counts_rows():
    fn = mk.fake_denoiser(SBLDM_SCHEDULE.alphas_cumprod())
    calls, wrapped = _counting(fn)
    s = DDIMScheduler(eta=0.0)
    s.set_timesteps(10)  # 900, 800, ..., 0
    sample_loop(s, wrapped, (2, 1, 2, 3, 4), PhiloxGaussian(1), cond=COND2, null_cond=np.zeros(3, np.float32),
                guidance_scale=3.0, guidance_interval=(300, 700))
    assert [(t, r) for t, r, _ in calls] == [(900, 2), (800, 2), (700, 4), (600, 4), (500, 4), (400, 4), (300, 4),
                                              (200, 2), (100, 2), (0, 2)]
    assert np.array_equal(calls[0][2], COND2)
    assert np.array_equal(calls[2][2], np.concatenate([COND2, np.zeros((2, 3), np.float32)]))


@pytest.mark.parametrize("sampler", ["ddim", "dpmpp_2m", "unipc"])
def test_guidance_interval_limits(sampler):
    fn = mk.fake_denoiser(SBLDM_SCHEDULE.alphas_cumprod())
    kw = dict(sampler=sampler, num_steps=10, eta=1.0 if sampler == "ddim" else None, seed=4, cond=COND2)
    g = dict(null_cond=np.zeros(3, np.float32), guidance_scale=3.0)
    full = sample_with_settings(fn, (2, 1, 2, 3, 4), **kw, **g)
    assert np.array_equal(sample_with_settings(fn, (2, 1, 2, 3, 4), **kw, **g, guidance_interval=(0, 999)), full)
    none = sample_with_settings(fn, (2, 1, 2, 3, 4), **kw, **g, guidance_interval=(950, 999))
    assert np.array_equal(none, sample_with_settings(fn, (2, 1, 2, 3, 4), **kw))
    part = sample_with_settings(fn, (2, 1, 2, 3, 4), **kw, **g, guidance_interval=(300, 700))
    assert np.abs(part - full).max() > 1e-3 and np.abs(part - none).max() > 1e-3


def test_guidance_interval_is_checked():
    fn = mk.fake_denoiser(SBLDM_SCHEDULE.alphas_cumprod())
    with pytest.raises(ValueError, match="without guidance"):
        sample_with_settings(fn, (2, 1, 2, 2, 2), sampler="unipc", num_steps=3, cond=COND2, guidance_interval=(0, 5))
    for bad in [(700, 300), (-1, 5), (0, 1000), (1.5, 3), (1,), "x", (True, 3)]:
        with pytest.raises(ValueError, match=r"0 <= t_lo <= t_hi <= 999"):
            check_guidance_interval(bad, 1000)


@pytest.mark.parametrize("cls", [DPMSolverPP2MScheduler, UniPCScheduler])
def test_multistep_steps_must_follow_the_timesteps(cls):
    s = cls()
    with pytest.raises(RuntimeError, match="before set_timesteps"):
        s.step(np.zeros(4), 900, np.zeros(4))
    s.set_timesteps(10)
    x = PhiloxGaussian(1).normal(8)
    with pytest.raises(ValueError, match=r"got t = 800 but expected t = 900 \(step 1 of 10\)"):
        s.step(x, 800, x)
    a = s.step(x, 900, x)["prev_sample"]
    with pytest.raises(ValueError, match=r"expected t = 800 \(step 2 of 10\)"):
        s.step(x, 700, x)
    with pytest.raises(ValueError, match="sample has 4 values but this trajectory started with 8"):
        s.step(np.zeros(4, np.float32), 800, np.zeros(4, np.float32))
    assert np.array_equal(s.step(x, 900, x)["prev_sample"], a)  # restart


def test_make_scheduler_names_and_refusals():
    assert isinstance(make_scheduler("dpmpp_2m"), DPMSolverPP2MScheduler)
    assert isinstance(make_scheduler("unipc", timestep_spacing="trailing"), UniPCScheduler)
    assert isinstance(make_scheduler("ddim", eta=0.0), DDIMScheduler)
    assert isinstance(make_scheduler("ddpm", eta=0.0), DDPMScheduler)
    with pytest.raises(ValueError, match="allowed: 'ddim', 'ddpm', 'dpmpp_2m', 'unipc'"):
        make_scheduler("euler")
    with pytest.raises(ValueError, match="needs eta"):
        make_scheduler("ddim")
    # DDIM-only options are ignored by the other samplers (the settings contract stores them for all)
    assert isinstance(make_scheduler("unipc", eta=1.0, set_alpha_to_one=False), UniPCScheduler)


def _gaussian_error(sampler, n):
    """Max |x0 - exact| on the exact eps of N(0, 0.5^2) data (see the TypeScript gaussianOdeError)."""
    ab = SBLDM_SCHEDULE.alphas_cumprod()
    s = make_scheduler(sampler, timestep_spacing="trailing", eta=0.0 if sampler == "ddim" else None)
    s.set_timesteps(n)
    out = sample_loop(s, mk.fake_denoiser(ab), (1, 1, 4, 4, 4), PhiloxGaussian(1)).astype(np.float64).ravel()
    t0, tl = int(s.timesteps[0]), int(s.timesteps[-1])
    g = lambda t: math.sqrt(ab[t] * 0.25 + 1 - ab[t])  # noqa: E731
    want = math.sqrt(ab[tl]) * 0.25 / g(tl) ** 2 * PhiloxGaussian(1).normal64(64) * g(tl) / g(t0)
    return float(np.abs(out - want).max())


def test_solvers_are_closer_to_the_exact_ode_solution_than_ddim():
    for n in (10, 20):
        e_ddim, e_dpm, e_uni = (_gaussian_error(k, n) for k in ("ddim", "dpmpp_2m", "unipc"))
        assert e_dpm < e_ddim / 4 and e_uni < e_dpm / 1.5


def test_torch_path_with_solver_and_interval_gives_the_numpy_result():
    torch = pytest.importorskip("torch")
    fn_np = mk.fake_denoiser(SBLDM_SCHEDULE.alphas_cumprod())

    def fn_torch(x, t, cond):
        return torch.from_numpy(fn_np(x.numpy(), t.numpy(), cond.numpy()))

    kw = dict(sampler="unipc", num_steps=12, seed=3, cond=COND2, null_cond=np.zeros(3, np.float32), guidance_scale=2.0,
              guidance_interval=(100, 600), subjects=[4, 9], timestep_spacing="trailing")
    a = sample_with_settings(fn_np, (2, 1, 2, 3, 4), **kw)
    b = sample_with_settings(fn_torch, (2, 1, 2, 3, 4), use_torch=True, **kw)
    assert np.array_equal(a, b)
