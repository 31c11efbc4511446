"""Noise schedule and the single-step schedulers DDIM and DDPM (twins of packages/sampler/src/{schedule,ddim,ddpm}.ts).

Notation (DDPM: Ho et al. 2020, arXiv 2006.11239; DDIM: Song et al. 2021, arXiv 2010.02502):
    T                 num_train_timesteps (1000)
    beta_t            betas[t], t = 0..T-1 (0-based, like diffusers)
    alpha_t           1 - beta_t
    alpha_bar_t       alphas_cumprod[t] = prod_{s<=t} alpha_s       (DDIM's "alpha_t")
    x_t               sample, the noisy latent at timestep t
    eps               predicted noise (model output for prediction_type "epsilon")
    x0                pred_original_sample, the model's estimate of the clean latent
    sigma_t           DDIM std_dev_t = eta * sqrt((1-alpha_bar_prev)/(1-alpha_bar_t) * (1-alpha_bar_t/alpha_bar_prev))
    z                 standard normal noise from the RNG

Timestep spacing "leading" (diffusers' default for DDIM/DDPM): step_ratio = T // n,
timesteps = [ (n-1)*step_ratio, ..., step_ratio, 0 ] + steps_offset; the previous timestep of t is
t - step_ratio. For T = 1000, n = 50: 980, 960, ..., 20, 0. "trailing": round(T - i*T/n) - 1.

Final alpha: at the last step the "previous" timestep is negative; DDIM then uses alpha_bar_prev = 1
when set_alpha_to_one (diffusers' default, the step lands exactly on x0), else alpha_bar_0. DDPM
always uses 1.

Differences from diffusers: betas and alpha_bar are float64 here (diffusers keeps float32), the
difference is ~1e-7 relative. Arrays are float32 between steps; each step computes in float64.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Dict, Optional

import numpy as np

from .philox import RngLike, draw_noise

__all__ = ["NoiseSchedule", "SBLDM_SCHEDULE", "DDIMScheduler", "DDPMScheduler"]


@dataclass(frozen=True)
class NoiseSchedule:
    """Training noise schedule + prediction type (what a model's metadata.json declares)."""

    num_train_timesteps: int = 1000
    beta_schedule: str = "scaled_linear"  # or "linear"
    beta_start: float = 0.002
    beta_end: float = 0.02
    prediction_type: str = "epsilon"  # or "v_prediction", "sample"

    def __post_init__(self) -> None:
        T = self.num_train_timesteps
        if not isinstance(T, int) or T < 2:
            raise ValueError(f"num_train_timesteps = {T!r} must be an integer >= 2")
        if self.beta_schedule not in ("scaled_linear", "linear"):
            raise ValueError(f"beta_schedule = {self.beta_schedule!r}; allowed: 'scaled_linear', 'linear'")
        if not (0.0 < self.beta_start <= self.beta_end < 1.0):
            raise ValueError(f"need 0 < beta_start ({self.beta_start}) <= beta_end ({self.beta_end}) < 1")
        if self.prediction_type not in ("epsilon", "v_prediction", "sample"):
            raise ValueError(f"prediction_type = {self.prediction_type!r}; allowed: 'epsilon', 'v_prediction', 'sample'")

    def betas(self) -> np.ndarray:
        T = self.num_train_timesteps
        if self.beta_schedule == "scaled_linear":
            # beta_t = linspace(sqrt(beta_start), sqrt(beta_end), T)^2 (the paper's / LDM's schedule)
            r = np.linspace(math.sqrt(self.beta_start), math.sqrt(self.beta_end), T, dtype=np.float64)
            return r * r
        return np.linspace(self.beta_start, self.beta_end, T, dtype=np.float64)

    def alphas_cumprod(self) -> np.ndarray:
        """alpha_bar_t = prod_{s<=t} (1 - beta_s), float64 [T], sequential product."""
        return np.cumprod(1.0 - self.betas())

    def add_noise(self, x0: np.ndarray, noise: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Forward process q(x_t | x0) (DDPM eq. 4): x_t = sqrt(alpha_bar_t) x0 + sqrt(1 - alpha_bar_t) eps.
        x0, noise: [B, ...]; t: int [B]. Works for numpy arrays; for torch use the same coefficients."""
        ab = self.alphas_cumprod()[np.asarray(t)]
        ab = ab.reshape((-1,) + (1,) * (np.ndim(x0) - 1))
        return (np.sqrt(ab) * x0 + np.sqrt(1.0 - ab) * noise).astype(np.float32)


#: The paper's schedule: T = 1000, scaled-linear betas 0.002 -> 0.02, epsilon prediction.
SBLDM_SCHEDULE = NoiseSchedule()


def _timesteps(T: int, n: int, spacing: str, steps_offset: int) -> np.ndarray:
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1 or n > T:
        raise ValueError(f"num_inference_steps = {n!r} must be an integer in [1, {T}] (num_train_timesteps)")
    if spacing == "leading":
        ratio = T // n
        ts = (np.arange(0, n) * ratio)[::-1] + steps_offset
    elif spacing == "trailing":
        ratio = T / n
        vals = T - np.arange(0, n) * ratio
        ts = np.round(vals).astype(np.int64) - 1  # numpy rounds half to even
    else:
        raise ValueError(f"timestep_spacing = {spacing!r}; allowed: 'leading', 'trailing'")
    ts = ts.astype(np.int64)
    if ts.max() > T - 1 or ts.min() < 0:
        raise ValueError(f"steps_offset = {steps_offset} puts timesteps outside [0, {T - 1}]")
    return ts


def _pred_x0_eps(pt: str, model_output: np.ndarray, x: np.ndarray, a_t: float):
    sa, sb = math.sqrt(a_t), math.sqrt(1.0 - a_t)
    if pt == "epsilon":
        eps = model_output
        x0 = (x - sb * eps) / sa  # DDIM eq. 12 "predicted x0"; DDPM eq. 15
    elif pt == "v_prediction":
        v = model_output
        x0 = sa * x - sb * v  # Salimans & Ho 2022, v = sqrt(ab) eps - sqrt(1-ab) x0
        eps = sa * v + sb * x
    else:
        x0 = model_output
        eps = (x - sa * x0) / sb
    return x0, eps


class _SchedulerBase:
    def __init__(self, schedule: NoiseSchedule = SBLDM_SCHEDULE, *, timestep_spacing: str = "leading",
                 steps_offset: int = 0, clip_sample: Optional[float] = None):
        self.schedule = schedule
        self.T = schedule.num_train_timesteps
        self.alphas_cumprod = schedule.alphas_cumprod()
        self.timestep_spacing = timestep_spacing
        self.steps_offset = int(steps_offset)
        if clip_sample is not None and not clip_sample > 0:
            raise ValueError(f"clip_sample = {clip_sample!r} must be None (no clipping) or > 0 (clip x0 to [-r, r])")
        self.clip_sample = clip_sample
        self.num_inference_steps: Optional[int] = None
        self._timesteps: Optional[np.ndarray] = None
        _timesteps(self.T, 1, timestep_spacing, 0)  # validates the spacing name

    init_noise_sigma = 1.0

    def set_timesteps(self, n: int) -> None:
        self._timesteps = _timesteps(self.T, n, self.timestep_spacing, self.steps_offset)
        self.num_inference_steps = int(n)

    @property
    def timesteps(self) -> np.ndarray:
        if self._timesteps is None:
            raise RuntimeError("timesteps are not set: call set_timesteps(num_inference_steps) first")
        return self._timesteps

    def _prepare(self, model_output, t, sample):
        if self._timesteps is None:
            raise RuntimeError("step() called before set_timesteps(num_inference_steps)")
        t = int(t)
        if t < 0 or t > self.T - 1:
            raise ValueError(f"timestep t = {t} is outside [0, {self.T - 1}]")
        mo = np.asarray(model_output, dtype=np.float64)
        x = np.asarray(sample, dtype=np.float64)
        if mo.shape != x.shape:
            raise ValueError(f"model_output shape {mo.shape} != sample shape {x.shape}")
        return mo, x, t, self.T // self.num_inference_steps

    def _clip(self, x0: np.ndarray) -> np.ndarray:
        if self.clip_sample is None:
            return x0
        r = float(self.clip_sample)
        return np.minimum(np.maximum(x0, -r), r)


class DDIMScheduler(_SchedulerBase):
    """DDIM (Song et al. 2021), eq. 12 with sigma_t(eta) from eq. 16."""

    def __init__(self, schedule: NoiseSchedule = SBLDM_SCHEDULE, *, eta: float = 0.0,
                 set_alpha_to_one: bool = True, **kw: Any):
        super().__init__(schedule, **kw)
        if not (0.0 <= eta <= 1.0):
            raise ValueError(f"eta = {eta} must be in [0, 1] (0: deterministic DDIM, 1: DDPM-like variance)")
        self.eta = float(eta)
        self.final_alpha_cumprod = 1.0 if set_alpha_to_one else float(self.alphas_cumprod[0])

    def step(self, model_output, t: int, sample, rng: Optional[RngLike] = None) -> Dict[str, np.ndarray]:
        mo, x, t, ratio = self._prepare(model_output, t, sample)
        # 1. previous timestep t - T//n (negative at the end: final alpha convention)
        prev_t = t - ratio
        a_t = float(self.alphas_cumprod[t])
        a_prev = float(self.alphas_cumprod[prev_t]) if prev_t >= 0 else self.final_alpha_cumprod
        # 2. predicted x0 and eps (eq. 12, first term)
        x0, eps = _pred_x0_eps(self.schedule.prediction_type, mo, x, a_t)
        x0 = self._clip(x0)
        # 3. sigma_t (eq. 16) scaled by eta
        variance = (1.0 - a_prev) / (1.0 - a_t) * (1.0 - a_t / a_prev)
        std = self.eta * math.sqrt(variance)
        # 4. direction pointing to x_t (eq. 12, second term)
        dir_coef = math.sqrt(max(0.0, 1.0 - a_prev - std * std))
        # 5. x_{t-1} = sqrt(alpha_bar_prev) x0 + dir + sigma_t z (eq. 12)
        prev = math.sqrt(a_prev) * x0 + dir_coef * eps
        if self.eta > 0:
            if rng is None:
                raise ValueError(f"eta = {self.eta} > 0 needs noise: pass rng to step()")
            prev = prev + std * draw_noise(rng, x.shape).astype(np.float64)
        return {"prev_sample": prev.astype(np.float32), "pred_original_sample": x0.astype(np.float32)}


class DDPMScheduler(_SchedulerBase):
    """Ancestral DDPM sampling (Ho et al. 2020): posterior q(x_{t-1} | x_t, x0), eqs. 6-7."""

    def __init__(self, schedule: NoiseSchedule = SBLDM_SCHEDULE, *, variance_type: str = "fixed_small", **kw: Any):
        super().__init__(schedule, **kw)
        if variance_type not in ("fixed_small", "fixed_large"):
            raise ValueError(f"variance_type = {variance_type!r}; allowed: 'fixed_small', 'fixed_large'")
        self.variance_type = variance_type

    def step(self, model_output, t: int, sample, rng: Optional[RngLike] = None) -> Dict[str, np.ndarray]:
        mo, x, t, ratio = self._prepare(model_output, t, sample)
        # 1. alphas at t and at the previous timestep (alpha_bar_prev = 1 past the end)
        prev_t = t - ratio
        a_t = float(self.alphas_cumprod[t])
        a_prev = float(self.alphas_cumprod[prev_t]) if prev_t >= 0 else 1.0
        b_t, b_prev = 1.0 - a_t, 1.0 - a_prev
        cur_alpha = a_t / a_prev
        cur_beta = 1.0 - cur_alpha
        # 2. predicted x0 (eq. 15)
        x0, _ = _pred_x0_eps(self.schedule.prediction_type, mo, x, a_t)
        x0 = self._clip(x0)
        # 3. posterior mean coefficients (eq. 7)
        c_x0 = math.sqrt(a_prev) * cur_beta / b_t
        c_xt = math.sqrt(cur_alpha) * b_prev / b_t
        prev = c_x0 * x0 + c_xt * x
        # 4. add sigma_t z for t > 0 (fixed_small: beta~_t of eq. 7; fixed_large: beta_t)
        if t > 0:
            if self.variance_type == "fixed_small":
                variance = max(b_prev / b_t * cur_beta, 1e-20)
            else:
                variance = cur_beta
            if rng is None:
                raise ValueError(f"DDPM step at t = {t} > 0 needs noise: pass rng to step()")
            prev = prev + math.sqrt(variance) * draw_noise(rng, x.shape).astype(np.float64)
        return {"prev_sample": prev.astype(np.float32), "pred_original_sample": x0.astype(np.float32)}
