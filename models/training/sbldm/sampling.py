"""Reference diffusion samplers (DDPM, DDIM, DPM-Solver++(2M), UniPC) and the shared seeded Gaussian RNG.

This module is the Python twin of `packages/sampler` (TypeScript). Both implement the same
noise schedule, the same scheduler steps in the same floating-point operation order, and the same
counter-based RNG, so that a fixed seed gives the same samples in both languages (parity fixtures:
`packages/sampler/fixtures/*.json`, written by `scripts/make_sampler_fixtures.py`).

Modules (each a twin of its TypeScript file):
    sbldm/philox.py      seeded Gaussian RNG (Philox4x32-10 + Box-Muller, per-subject forks)
    sbldm/schedulers.py  noise schedule, DDIM and DDPM steps; the notation block of all samplers
    sbldm/multistep.py   DPM-Solver++(2M) and UniPC
    sbldm/sampling.py    this file: scheduler by name, the sampling loop with classifier-free guidance,
                         and the ddim_sample / ddpm_sample / sample_with_settings entry points. It re-exports
                         the names of the modules above, so `from sbldm.sampling import X` keeps working.

Guidance interval (Kynkaanniemi et al. 2024, arXiv 2404.07724): `guidance_interval=(t_lo, t_hi)` in training
timesteps, inclusive; guided steps make one call on 2B rows, the others one call on the B conditional rows.
"""
from __future__ import annotations

import sys
from typing import Any, Callable, Optional, Sequence

import numpy as np

from .multistep import DPMSolverPP2MScheduler, UniPCScheduler
from .philox import MAX_SAFE_INTEGER, PhiloxGaussian, RngLike, draw_noise, philox4x32_10  # noqa: F401 (re-exported)
from .schedulers import SBLDM_SCHEDULE, DDIMScheduler, DDPMScheduler, NoiseSchedule, _SchedulerBase

__all__ = [
    "philox4x32_10",
    "PhiloxGaussian",
    "NoiseSchedule",
    "SBLDM_SCHEDULE",
    "DDIMScheduler",
    "DDPMScheduler",
    "DPMSolverPP2MScheduler",
    "UniPCScheduler",
    "SAMPLER_NAMES",
    "make_scheduler",
    "sample_loop",
    "sample_with_settings",
    "ddim_sample",
    "ddpm_sample",
]


SAMPLER_NAMES = ("ddim", "ddpm", "dpmpp_2m", "unipc")


def make_scheduler(sampler: str, schedule: NoiseSchedule = SBLDM_SCHEDULE, *, timestep_spacing: str = "leading",
                   steps_offset: int = 0, eta: Optional[float] = None, set_alpha_to_one: Optional[bool] = None,
                   clip_sample: Optional[float] = None):
    """Twin of TypeScript createScheduler: metadata / cohort sampler names -> scheduler."""
    common = dict(timestep_spacing=timestep_spacing, steps_offset=steps_offset, clip_sample=clip_sample)
    if sampler not in SAMPLER_NAMES:
        raise ValueError(f"sampler = {sampler!r}; allowed: {', '.join(map(repr, SAMPLER_NAMES))}")
    if sampler == "ddim":
        if eta is None:
            raise ValueError("sampler 'ddim' needs eta in [0, 1]")
        return DDIMScheduler(schedule, eta=eta, set_alpha_to_one=True if set_alpha_to_one is None else set_alpha_to_one, **common)
    # eta and set_alpha_to_one are DDIM's; the settings contract stores them for every sampler and documents
    # them as ignored by the others
    if sampler == "ddpm":
        return DDPMScheduler(schedule, **common)
    return DPMSolverPP2MScheduler(schedule, **common) if sampler == "dpmpp_2m" else UniPCScheduler(schedule, **common)


# ---------------------------------------------------------------------------------- sampling loop
def check_guidance_interval(interval: Any, T: int) -> None:
    """[t_lo, t_hi]: integers with 0 <= t_lo <= t_hi <= T - 1 (training timesteps, inclusive)."""
    ok = (isinstance(interval, (list, tuple)) and len(interval) == 2
          and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in interval)
          and 0 <= interval[0] <= interval[1] <= T - 1)
    if not ok:
        raise ValueError(f"guidance_interval = {interval!r} must be [t_lo, t_hi] with integers 0 <= t_lo <= t_hi <= {T - 1} "
                         "(training timesteps, inclusive), or None for guidance at every step")


def _is_torch(x: Any) -> bool:
    return type(x).__module__.startswith("torch")


def sample_loop(
    scheduler: _SchedulerBase,
    denoise_fn: Callable[..., Any],
    shape: Sequence[int],
    rng: RngLike,
    *,
    cond: Optional[np.ndarray] = None,
    null_cond: Optional[np.ndarray] = None,
    guidance_scale: Optional[float] = None,
    guidance_interval: Optional[Sequence[int]] = None,
    use_torch: bool = False,
    device: Any = None,
    callback: Optional[Callable[[int, int, np.ndarray], None]] = None,
) -> np.ndarray:
    """Generic reverse-diffusion loop, the twin of TypeScript `sample()`.

    denoise_fn(x_t, t) -> eps, or denoise_fn(x_t, t, cond) when `cond` is given. x_t: float32 [B, ...],
    t: int64 [B] (numpy, or torch tensors when use_torch). Classifier-free guidance: when null_cond is
    given, ONE call sees the batch [x_t; x_t] with conditions [cond; null_cond] (2B rows, conditional
    first) and eps = eps_null + s * (eps_cond - eps_null). guidance_interval (t_lo, t_hi), training timesteps,
    inclusive: guidance only while t_lo <= t <= t_hi; other steps make one call on the B conditional rows
    (Kynkaanniemi et al. 2024). Scheduler timesteps must already be set.
    Draw order: x_T = noise(shape) first, then each step's noise. Returns float32 numpy x_0.
    """
    shape = tuple(int(s) for s in shape)
    B = shape[0]
    if (null_cond is None) != (guidance_scale is None):
        raise ValueError("classifier-free guidance needs both null_cond and guidance_scale (got only one)")
    if null_cond is not None and cond is None:
        raise ValueError("null_cond given without cond: guidance needs the conditional rows too")
    if guidance_interval is not None:
        if null_cond is None:
            raise ValueError(f"guidance_interval = {guidance_interval!r} given without guidance (null_cond, guidance_scale)")
        check_guidance_interval(guidance_interval, scheduler.T)
        lo, hi = int(guidance_interval[0]), int(guidance_interval[1])
    cond_np = None if cond is None else np.asarray(cond, dtype=np.float32).reshape(B, -1)
    if null_cond is not None:
        null_np = np.asarray(null_cond, dtype=np.float32)
        null_np = np.broadcast_to(null_np.reshape(-1, cond_np.shape[1]), cond_np.shape)
        cond_in = np.concatenate([cond_np, null_np], axis=0)
    else:
        cond_in = cond_np

    if use_torch:
        import torch

    def to_model(a: np.ndarray):
        if not use_torch:
            return a
        return torch.from_numpy(np.ascontiguousarray(a)).to(device)

    def from_model(a: Any) -> np.ndarray:
        if _is_torch(a):
            a = a.detach().to("cpu").float().numpy()
        return np.asarray(a, dtype=np.float32)

    x = draw_noise(rng, shape) * np.float32(scheduler.init_noise_sigma)
    timesteps = scheduler.timesteps
    cond_model = None if cond_in is None else to_model(cond_in)
    cond_model_plain = None if cond_np is None else (cond_model if null_cond is None else to_model(cond_np))
    for i, t in enumerate(timesteps):
        t = int(t)
        guided_now = null_cond is not None and (guidance_interval is None or lo <= t <= hi)
        x_in = np.concatenate([x, x], axis=0) if guided_now else x
        t_in = np.full((x_in.shape[0],), t, dtype=np.int64)
        c_model = cond_model if guided_now else cond_model_plain
        args = (to_model(x_in), to_model(t_in)) + (() if c_model is None else (c_model,))
        if use_torch:
            with torch.no_grad():  # sampling never needs gradients; keeps memory flat
                out = from_model(denoise_fn(*args))
        else:
            out = from_model(denoise_fn(*args))
        if out.shape != x_in.shape:
            raise ValueError(f"denoise_fn returned shape {out.shape}, expected {x_in.shape}")
        if guided_now:
            e_c = out[:B].astype(np.float64)
            e_n = out[B:].astype(np.float64)
            eps = (e_n + float(guidance_scale) * (e_c - e_n)).astype(np.float32)
        else:
            eps = out
        res = scheduler.step(eps, t, x, rng)
        x = res["prev_sample"]
        if callback is not None:
            callback(i, t, res["pred_original_sample"])
    return x


def _torch_setup(denoise_fn: Any, use_torch: Optional[bool], device: Any):
    """use_torch=None: True when denoise_fn is a torch.nn.Module (its device is then the default) or a
    device is given."""
    if use_torch is None:
        use_torch = device is not None
        torch = sys.modules.get("torch")
        if torch is not None and isinstance(denoise_fn, torch.nn.Module):
            use_torch = True
            if device is None:
                p = next(iter(denoise_fn.parameters()), None)
                device = None if p is None else p.device
    return bool(use_torch), device


def _make_rng(seed: int, subjects: Optional[Sequence[int]], rng: Optional[RngLike]) -> RngLike:
    if rng is not None:
        return rng
    root = PhiloxGaussian(seed)
    if subjects is None:
        return root
    return [root.fork(s) for s in subjects]


def _run(sched: _SchedulerBase, num_steps: int, denoise_fn: Callable[..., Any], shape: Sequence[int], *, seed: int,
         subjects: Optional[Sequence[int]], rng: Optional[RngLike], use_torch: Optional[bool], device: Any,
         **loop_kw: Any) -> np.ndarray:
    """What the entry points share: set the timesteps, pick numpy or torch, build the noise, run the loop."""
    sched.set_timesteps(num_steps)
    use_torch, device = _torch_setup(denoise_fn, use_torch, device)
    return sample_loop(sched, denoise_fn, shape, _make_rng(seed, subjects, rng), use_torch=use_torch, device=device,
                       **loop_kw)


def ddim_sample(
    denoise_fn: Callable[..., Any],
    shape: Sequence[int],
    num_steps: int = 50,
    eta: float = 1.0,
    seed: int = 0,
    guidance_scale: Optional[float] = None,
    null_cond: Optional[np.ndarray] = None,
    cond: Optional[np.ndarray] = None,
    *,
    schedule: NoiseSchedule = SBLDM_SCHEDULE,
    subjects: Optional[Sequence[int]] = None,
    rng: Optional[RngLike] = None,
    guidance_interval: Optional[Sequence[int]] = None,
    timestep_spacing: str = "leading",
    steps_offset: int = 0,
    set_alpha_to_one: bool = True,
    clip_sample: Optional[float] = None,
    use_torch: Optional[bool] = None,
    device: Any = None,
    callback: Optional[Callable[[int, int, np.ndarray], None]] = None,
) -> np.ndarray:
    """DDIM sampling (paper default: 50 steps, eta = 1). Returns float32 numpy [B, ...].

    Noise: PhiloxGaussian(seed) for the whole batch, or, with `subjects`, item b uses
    PhiloxGaussian(seed).fork(subjects[b]) (same as TypeScript `createRng(seed).fork(subject)`).
    use_torch: pass torch tensors (x_t float32, t int64, cond float32) to denoise_fn, under torch.no_grad().
    Default: True when denoise_fn is a torch.nn.Module (on its parameters' device) or `device` is given.
    The scheduler math always runs in numpy float64; the result is a float32 numpy array.
    """
    sched = DDIMScheduler(schedule, eta=eta, set_alpha_to_one=set_alpha_to_one,
                          timestep_spacing=timestep_spacing, steps_offset=steps_offset, clip_sample=clip_sample)
    return _run(sched, num_steps, denoise_fn, shape, seed=seed, subjects=subjects, rng=rng, cond=cond,
                null_cond=null_cond, guidance_scale=guidance_scale, guidance_interval=guidance_interval,
                use_torch=use_torch, device=device, callback=callback)


def ddpm_sample(
    denoise_fn: Callable[..., Any],
    shape: Sequence[int],
    num_steps: int = 1000,
    seed: int = 0,
    guidance_scale: Optional[float] = None,
    null_cond: Optional[np.ndarray] = None,
    cond: Optional[np.ndarray] = None,
    *,
    schedule: NoiseSchedule = SBLDM_SCHEDULE,
    subjects: Optional[Sequence[int]] = None,
    rng: Optional[RngLike] = None,
    guidance_interval: Optional[Sequence[int]] = None,
    variance_type: str = "fixed_small",
    timestep_spacing: str = "leading",
    steps_offset: int = 0,
    clip_sample: Optional[float] = None,
    use_torch: Optional[bool] = None,
    device: Any = None,
    callback: Optional[Callable[[int, int, np.ndarray], None]] = None,
) -> np.ndarray:
    """Ancestral DDPM sampling (paper: 1000 steps). Same RNG and conventions as ddim_sample."""
    sched = DDPMScheduler(schedule, variance_type=variance_type, timestep_spacing=timestep_spacing,
                          steps_offset=steps_offset, clip_sample=clip_sample)
    return _run(sched, num_steps, denoise_fn, shape, seed=seed, subjects=subjects, rng=rng, cond=cond,
                null_cond=null_cond, guidance_scale=guidance_scale, guidance_interval=guidance_interval,
                use_torch=use_torch, device=device, callback=callback)


def sample_with_settings(
    denoise_fn: Callable[..., Any],
    shape: Sequence[int],
    *,
    sampler: str,
    num_steps: int,
    eta: Optional[float] = None,
    seed: int = 0,
    subjects: Optional[Sequence[int]] = None,
    rng: Optional[RngLike] = None,
    cond: Optional[np.ndarray] = None,
    null_cond: Optional[np.ndarray] = None,
    guidance_scale: Optional[float] = None,
    guidance_interval: Optional[Sequence[int]] = None,
    schedule: NoiseSchedule = SBLDM_SCHEDULE,
    timestep_spacing: str = "leading",
    steps_offset: int = 0,
    set_alpha_to_one: Optional[bool] = None,
    use_torch: Optional[bool] = None,
    device: Any = None,
    callback: Optional[Callable[[int, int, np.ndarray], None]] = None,
) -> np.ndarray:
    """Sampling with the settings a model's metadata / a cohort names (sampler 'ddim' | 'ddpm' | 'dpmpp_2m' |
    'unipc', steps, eta (DDIM), guidance scale and interval, spacing): the Python side of the worker's
    createScheduler + sample(). Same noise conventions as ddim_sample."""
    sched = make_scheduler(sampler, schedule, timestep_spacing=timestep_spacing, steps_offset=steps_offset,
                           eta=eta, set_alpha_to_one=set_alpha_to_one)
    return _run(sched, num_steps, denoise_fn, shape, seed=seed, subjects=subjects, rng=rng, cond=cond,
                null_cond=null_cond, guidance_scale=guidance_scale, guidance_interval=guidance_interval,
                use_torch=use_torch, device=device, callback=callback)
