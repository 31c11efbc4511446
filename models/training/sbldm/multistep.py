"""Multistep solvers DPM-Solver++(2M) and UniPC (twins of packages/sampler/src/{multistep,dpmpp2m,unipc}.ts).

Multistep solvers (DPM-Solver++(2M), Lu et al. 2022, arXiv 2211.01095; UniPC bh2 order 2, Zhao et al.
2023, arXiv 2302.04867): the notation blocks of packages/sampler/src/{multistep,dpmpp2m,unipc}.ts apply
here line by line. They step from timesteps[i] to timesteps[i+1] and, after the last timestep, to sigma = 0
(diffusers' final_sigmas_type "zero"); each update is a linear combination of float32 arrays with float64
coefficients, evaluated left to right in both languages.
Notation of sbldm/schedulers.py (alpha_bar_t, x0, eps); alpha_i = sqrt(alpha_bar), sigma_i = sqrt(1 - alpha_bar),
lambda_i = log(alpha_i / sigma_i) at timesteps[i].
"""
from __future__ import annotations

import math
from typing import Any, Dict, Optional, Sequence

import numpy as np

from .philox import RngLike
from .schedulers import SBLDM_SCHEDULE, NoiseSchedule, _SchedulerBase

__all__ = ["DPMSolverPP2MScheduler", "UniPCScheduler"]


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
