"""Reference diffusion samplers (DDPM, DDIM, DPM-Solver++(2M), UniPC) and the shared seeded Gaussian RNG.

This module is the Python twin of `packages/sampler` (TypeScript). Both implement the same
noise schedule, the same scheduler steps in the same floating-point operation order, and the same
counter-based RNG, so that a fixed seed gives the same samples in both languages (parity fixtures:
`packages/sampler/fixtures/*.json`, written by `scripts/make_sampler_fixtures.py`).

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

RNG (shared with TypeScript `packages/sampler/src/rng.ts`):
    Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011), a
    counter-based generator: block b of a stream with key (k0, k1) is philox(counter=[b_lo, b_hi, 0, 0],
    key). Its 4 uint32 words give 4 uniforms u = (w + 0.5) * 2^-32 in (0, 1) and, by Box-Muller
    (pairs (u0, u1) and (u2, u3)), 4 normals: r = sqrt(-2 ln u_even), z = r cos(2 pi u_odd), r sin(2 pi u_odd).
    Normal number n of a stream is lane n % 4 of block n // 4, so the sequence does not depend on how
    it is chunked. The uint32 words are bit-exact across languages; the normals go through libm
    log/cos/sin, which may differ by an ulp of float64 between platforms (invisible after rounding to
    float32 except for rare 1-ulp float32 differences).
    fork(stream_id): child key = first two words of philox([id_lo, id_hi, 0, 0x666f726b ("fork")], key).
    It depends only on the parent key and the id, so (seed, subject) gives the same noise in any order.
    Seeds and stream ids are integers in [0, 2^53 - 1] (JavaScript's safe integers).

Timestep spacing "leading" (diffusers' default for DDIM/DDPM): step_ratio = T // n,
timesteps = [ (n-1)*step_ratio, ..., step_ratio, 0 ] + steps_offset; the previous timestep of t is
t - step_ratio. For T = 1000, n = 50: 980, 960, ..., 20, 0. "trailing": round(T - i*T/n) - 1.

Final alpha: at the last step the "previous" timestep is negative; DDIM then uses alpha_bar_prev = 1
when set_alpha_to_one (diffusers' default, the step lands exactly on x0), else alpha_bar_0. DDPM
always uses 1.

Multistep solvers (DPM-Solver++(2M), Lu et al. 2022, arXiv 2211.01095; UniPC bh2 order 2, Zhao et al.
2023, arXiv 2302.04867): the notation blocks of packages/sampler/src/{multistep,dpmpp2m,unipc}.ts apply
here line by line. They step from timesteps[i] to timesteps[i+1] and, after the last timestep, to sigma = 0
(diffusers' final_sigmas_type "zero"); each update is a linear combination of float32 arrays with float64
coefficients, evaluated left to right in both languages.

Guidance interval (Kynkaanniemi et al. 2024, arXiv 2404.07724): `guidance_interval=(t_lo, t_hi)` in training
timesteps, inclusive; guided steps make one call on 2B rows, the others one call on the B conditional rows.

Differences from diffusers: betas and alpha_bar are float64 here (diffusers keeps float32), the
difference is ~1e-7 relative. Arrays are float32 between steps; each step computes in float64.
"""
from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Sequence, Union

import numpy as np

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

MAX_SAFE_INTEGER = 2**53 - 1
_M0 = np.uint64(0xD2511F53)
_M1 = np.uint64(0xCD9E8D57)
_W0 = 0x9E3779B9
_W1 = 0xBB67AE85
_MASK32 = np.uint64(0xFFFFFFFF)
_FORK_TAG = 0x666F726B  # "fork"
_TWO_PI = 2.0 * math.pi
_INV_2_32 = 2.0**-32


# ---------------------------------------------------------------------------------------------- RNG
def philox4x32_10(counters: np.ndarray, key: Sequence[int]) -> np.ndarray:
    """Philox4x32 with 10 rounds. counters: uint32 [N, 4]; key: two uint32. Returns uint32 [N, 4].

    Round (Salmon et al. 2011, Fig. 2): (hi0, lo0) = M0 * c0, (hi1, lo1) = M1 * c2,
    c' = [hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0]; the key is bumped by the Weyl constants
    (W0, W1) between rounds.
    """
    c = np.asarray(counters, dtype=np.uint32).reshape(-1, 4).astype(np.uint64)
    c0, c1, c2, c3 = c[:, 0], c[:, 1], c[:, 2], c[:, 3]
    k0, k1 = int(key[0]) & 0xFFFFFFFF, int(key[1]) & 0xFFFFFFFF
    for r in range(10):
        if r > 0:
            k0 = (k0 + _W0) & 0xFFFFFFFF
            k1 = (k1 + _W1) & 0xFFFFFFFF
        p0 = _M0 * c0  # < 2^64, exact in uint64
        p1 = _M1 * c2
        hi0, lo0 = p0 >> np.uint64(32), p0 & _MASK32
        hi1, lo1 = p1 >> np.uint64(32), p1 & _MASK32
        c0, c1, c2, c3 = hi1 ^ c1 ^ np.uint64(k0), lo1, hi0 ^ c3 ^ np.uint64(k1), lo0
    return np.stack([c0, c1, c2, c3], axis=1).astype(np.uint32)


def _check_safe_uint(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer in [0, 2^53-1], got {value!r}")
    value = int(value)
    if value < 0 or value > MAX_SAFE_INTEGER:
        raise ValueError(f"{name} = {value} is outside [0, 2^53-1] (the range both Python and JavaScript represent exactly)")
    return value


class PhiloxGaussian:
    """Seeded standard-normal stream (Philox4x32-10 + Box-Muller). See the module docstring."""

    def __init__(self, seed: int = 0, *, _key: Optional[Sequence[int]] = None):
        if _key is not None:
            self.key = (int(_key[0]) & 0xFFFFFFFF, int(_key[1]) & 0xFFFFFFFF)
        else:
            seed = _check_safe_uint("seed", seed)
            self.key = (seed & 0xFFFFFFFF, seed >> 32)
        self.position = 0  # index of the next normal in this stream

    def fork(self, stream_id: int) -> "PhiloxGaussian":
        """Independent child stream; depends only on (this key, stream_id), not on the position."""
        stream_id = _check_safe_uint("stream_id", stream_id)
        ctr = np.array([[stream_id & 0xFFFFFFFF, stream_id >> 32, 0, _FORK_TAG]], dtype=np.uint32)
        words = philox4x32_10(ctr, self.key)[0]
        return PhiloxGaussian(_key=(int(words[0]), int(words[1])))

    def uint32_words(self, first_block: int, n_blocks: int) -> np.ndarray:
        """Raw words of blocks [first_block, first_block + n_blocks), flattened (4 per block)."""
        b = np.arange(first_block, first_block + n_blocks, dtype=np.uint64)
        ctr = np.zeros((n_blocks, 4), dtype=np.uint32)
        ctr[:, 0] = (b & _MASK32).astype(np.uint32)
        ctr[:, 1] = (b >> np.uint64(32)).astype(np.uint32)
        return philox4x32_10(ctr, self.key).reshape(-1)

    def normal64(self, n: int) -> np.ndarray:
        """Next n normals as float64 (advances the stream by n)."""
        n = int(n)
        if n < 0:
            raise ValueError(f"n = {n} must be >= 0")
        if n == 0:
            return np.zeros(0, dtype=np.float64)
        start = self.position
        first_block = start // 4
        last_block = (start + n - 1) // 4
        words = self.uint32_words(first_block, last_block - first_block + 1).astype(np.float64)
        u = (words + 0.5) * _INV_2_32  # exact: in (0, 1)
        u_even, u_odd = u[0::2], u[1::2]
        r = np.sqrt(-2.0 * np.log(u_even))
        theta = _TWO_PI * u_odd
        z = np.empty_like(u)
        z[0::2] = r * np.cos(theta)
        z[1::2] = r * np.sin(theta)
        off = start - first_block * 4
        self.position = start + n
        return z[off:off + n]

    def normal(self, n: int) -> np.ndarray:
        """Next n normals rounded to float32."""
        return self.normal64(n).astype(np.float32)


RngLike = Union[PhiloxGaussian, Sequence[PhiloxGaussian]]


def draw_noise(rng: RngLike, shape: Sequence[int]) -> np.ndarray:
    """Noise of `shape` [B, ...] (float32). A single rng fills the whole tensor in C order; a list of B
    rngs fills item b from rng[b], so a subject's noise does not depend on the rest of the batch."""
    shape = tuple(int(s) for s in shape)
    total = int(np.prod(shape))
    if isinstance(rng, PhiloxGaussian):
        return rng.normal(total).reshape(shape)
    rngs = list(rng)
    if len(rngs) != shape[0]:
        raise ValueError(f"got {len(rngs)} per-item rngs for a batch of {shape[0]}; pass one per batch item or a single rng")
    per_item = total // shape[0]
    return np.stack([r.normal(per_item) for r in rngs]).reshape(shape)


# ------------------------------------------------------------------------------------- schedule
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


class _MultistepBase(_SchedulerBase):
    """Twin of MultistepSchedulerBase (multistep.ts): alpha_i, sigma_i, lambda_i of the timesteps plus the
    end point (1, 0, +inf) at index n; step() must follow `timesteps` in order (t = timesteps[0] restarts)."""

    def __init__(self, schedule: NoiseSchedule = SBLDM_SCHEDULE, **kw: Any):
        super().__init__(schedule, **kw)
        self.alpha_at: list = []
        self.sigma_at: list = []
        self.lambda_at: list = []
        self._next_index = 0
        self._history_len = -1

    def set_timesteps(self, n: int) -> None:
        super().set_timesteps(n)
        self.alpha_at, self.sigma_at, self.lambda_at = [], [], []
        for t in self._timesteps:
            ab = float(self.alphas_cumprod[int(t)])
            a, sg = math.sqrt(ab), math.sqrt(1.0 - ab)
            self.alpha_at.append(a)
            self.sigma_at.append(sg)
            self.lambda_at.append(math.log(a) - math.log(sg))
        self.alpha_at.append(1.0)
        self.sigma_at.append(0.0)
        self.lambda_at.append(math.inf)
        self._next_index = 0
        self._reset_history()

    def _reset_history(self) -> None:
        raise NotImplementedError

    def _enter_step(self, model_output, t, sample):
        mo, x, t, _ = self._prepare(model_output, t, sample)
        ts = self._timesteps
        if t == int(ts[0]):
            self._next_index = 0
            self._reset_history()
            self._history_len = x.size
        i = self._next_index
        if i >= len(ts) or int(ts[i]) != t:
            expected = (f"the trajectory is finished (restart with t = {int(ts[0])})" if i >= len(ts)
                        else f"expected t = {int(ts[i])} (step {i + 1} of {len(ts)})")
            raise ValueError(f"step() got t = {t} but {expected}: a multistep solver reuses the model outputs of "
                             f"earlier steps, so step() must follow scheduler.timesteps in order")
        if x.size != self._history_len:
            raise ValueError(f"sample has {x.size} values but this trajectory started with {self._history_len}")
        self._next_index = i + 1
        return i, mo, x

    def _data_prediction(self, mo: np.ndarray, x: np.ndarray, i: int) -> np.ndarray:
        """x0_i = x_theta(x_i, t_i) (float64 math, optional clip, rounded to float32)."""
        sa, sb = self.alpha_at[i], self.sigma_at[i]
        pt = self.schedule.prediction_type
        if pt == "epsilon":
            x0 = (x - sb * mo) / sa
        elif pt == "v_prediction":
            x0 = sa * x - sb * mo
        else:
            x0 = mo
        return self._clip(x0).astype(np.float32)


def _lin(coefs: Sequence[float], arrays: Sequence[np.ndarray]) -> np.ndarray:
    """sum_j c_j a_j in float64, left to right (TypeScript linearCombination), rounded to float32."""
    out = coefs[0] * np.asarray(arrays[0], dtype=np.float64)
    for c, a in zip(coefs[1:], arrays[1:]):
        out = out + c * np.asarray(a, dtype=np.float64)
    return out.astype(np.float32)


class DPMSolverPP2MScheduler(_MultistepBase):
    """DPM-Solver++(2M) (Lu et al. 2022, Algorithm 2), twin of dpmpp2m.ts. Deterministic (rng ignored)."""

    def _reset_history(self) -> None:
        self._prev_x0: Optional[np.ndarray] = None

    def step(self, model_output, t: int, sample, rng: Optional[RngLike] = None) -> Dict[str, np.ndarray]:
        # 1. step index (order checked), data prediction m0
        i, mo, x = self._enter_step(model_output, t, sample)
        m0 = self._data_prediction(mo, x, i)
        n = len(self._timesteps)
        if i == n - 1:
            # 2. last step, to sigma = 0: the x0 prediction exactly
            prev = m0.copy()
        else:
            a_next = self.alpha_at[i + 1]
            h = self.lambda_at[i + 1] - self.lambda_at[i]
            cx = self.sigma_at[i + 1] / self.sigma_at[i]
            # 3. A = -alpha_{i+1} (e^{-h} - 1)
            A = -a_next * math.expm1(-h)
            if self._prev_x0 is None:
                # 4a. first order (= DDIM eta 0)
                prev = _lin([cx, A], [x, m0])
            else:
                # 4b. second order: D = (1 + 1/(2 r0)) m0 - 1/(2 r0) m1
                r0 = (self.lambda_at[i] - self.lambda_at[i - 1]) / h
                prev = _lin([cx, A * (1.0 + 0.5 / r0), -A * (0.5 / r0)], [x, m0, self._prev_x0])
        # 5. keep m0 for the next step
        self._prev_x0 = m0
        return {"prev_sample": prev.reshape(x.shape), "pred_original_sample": m0.reshape(x.shape)}


def _uni_coefficients(h: float):
    """hPhi1, B, b1, b2 of UniP/UniC in data-prediction form with B(h) = e^h - 1 (unipc.ts)."""
    hh = -h
    h_phi1 = math.expm1(hh)
    B = h_phi1
    h_phi_k1 = h_phi1 / hh - 1.0
    b1 = h_phi_k1 / B
    h_phi_k2 = h_phi_k1 / hh - 0.5
    b2 = h_phi_k2 * 2.0 / B
    return h_phi1, B, b1, b2


class UniPCScheduler(_MultistepBase):
    """UniPC, order 2, bh2, data prediction (Zhao et al. 2023), twin of unipc.ts. Deterministic."""

    def _reset_history(self) -> None:
        self._history: list = []
        self._last_sample: Optional[np.ndarray] = None
        self._last_order = 0

    def step(self, model_output, t: int, sample, rng: Optional[RngLike] = None) -> Dict[str, np.ndarray]:
        # 1. step index, m_i from the uncorrected x_i
        i, mo, x = self._enter_step(model_output, t, sample)
        n = len(self._timesteps)
        mi = self._data_prediction(mo, x, i)
        xs = x
        # 2. UniC with the order of step i-1
        if i > 0 and self._last_sample is not None:
            m_prev = self._history[0]
            h = self.lambda_at[i] - self.lambda_at[i - 1]
            h_phi1, B, b1, b2 = _uni_coefficients(h)
            a_i = self.alpha_at[i]
            cx = self.sigma_at[i] / self.sigma_at[i - 1]
            K = a_i * B
            if self._last_order == 1:
                xs = _lin([cx, -a_i * h_phi1 + 0.5 * K, -0.5 * K], [self._last_sample, m_prev, mi])
            else:
                m_prev2 = self._history[1]
                rk = (self.lambda_at[i - 2] - self.lambda_at[i - 1]) / h
                rho0 = (b1 - b2) / (1.0 - rk)
                rho1 = (b2 - rk * b1) / (1.0 - rk)
                xs = _lin([cx, -a_i * h_phi1 + K * rho0 / rk + K * rho1, -(K * rho0) / rk, -K * rho1],
                          [self._last_sample, m_prev, m_prev2, mi])
        # 3. history and this predictor's order (first order at the first and the last step)
        self._history = [mi] + self._history[:1]
        order = min(2, n - i, i + 1)
        self._last_order = order
        self._last_sample = np.asarray(xs, dtype=np.float32)
        # 4. UniP
        if i == n - 1:
            prev = mi.copy()
        else:
            h = self.lambda_at[i + 1] - self.lambda_at[i]
            h_phi1, B, _, _ = _uni_coefficients(h)
            a_next = self.alpha_at[i + 1]
            cx = self.sigma_at[i + 1] / self.sigma_at[i]
            if order == 1:
                prev = _lin([cx, -a_next * h_phi1], [xs, mi])
            else:
                rk = (self.lambda_at[i - 1] - self.lambda_at[i]) / h
                K = a_next * B
                prev = _lin([cx, -a_next * h_phi1 + 0.5 * K / rk, -(0.5 * K) / rk], [xs, mi, self._history[1]])
        return {"prev_sample": prev.reshape(x.shape), "pred_original_sample": mi.reshape(x.shape)}


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
    sched.set_timesteps(num_steps)
    use_torch, device = _torch_setup(denoise_fn, use_torch, device)
    return sample_loop(sched, denoise_fn, shape, _make_rng(seed, subjects, rng), cond=cond, null_cond=null_cond,
                       guidance_scale=guidance_scale, guidance_interval=guidance_interval, use_torch=use_torch,
                       device=device, callback=callback)


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
    sched.set_timesteps(num_steps)
    use_torch, device = _torch_setup(denoise_fn, use_torch, device)
    return sample_loop(sched, denoise_fn, shape, _make_rng(seed, subjects, rng), cond=cond, null_cond=null_cond,
                       guidance_scale=guidance_scale, guidance_interval=guidance_interval, use_torch=use_torch,
                       device=device, callback=callback)


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
    sched.set_timesteps(num_steps)
    use_torch, device = _torch_setup(denoise_fn, use_torch, device)
    return sample_loop(sched, denoise_fn, shape, _make_rng(seed, subjects, rng), cond=cond, null_cond=null_cond,
                       guidance_scale=guidance_scale, guidance_interval=guidance_interval, use_torch=use_torch,
                       device=device, callback=callback)
