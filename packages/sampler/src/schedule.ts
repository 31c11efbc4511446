/**
 * Noise schedule shared by the DDPM and DDIM schedulers (twin of `NoiseSchedule` in
 * models/training/sbldm/schedulers.py).
 *
 * Notation (Ho et al. 2020, arXiv 2006.11239; Song et al. 2021, arXiv 2010.02502):
 *   T            numTrainTimesteps (1000); timesteps are 0-based, t = 0..T-1, like diffusers
 *   beta_t       betas[t]
 *   alpha_t      1 - beta_t
 *   alpha_bar_t  alphasCumprod[t] = prod_{s<=t} alpha_s   (the DDIM paper calls this alpha_t)
 *
 * All schedule values are float64 (diffusers stores float32; the difference is ~1e-7 relative).
 */
import { SamplerError } from './errors.ts';

export type BetaSchedule = 'scaled_linear' | 'linear';
/** What the model predicts: the noise eps, v = sqrt(alpha_bar) eps - sqrt(1 - alpha_bar) x0, or x0 itself. */
export type PredictionType = 'epsilon' | 'v_prediction' | 'sample';
/**
 * How n inference timesteps are picked from T (diffusers' `timestep_spacing`):
 * - 'leading' (diffusers' default for DDPM/DDIM): ratio = floor(T / n), timesteps = [(n-1)*ratio, ..., ratio, 0]
 *   + stepsOffset. For T = 1000, n = 50: 980, 960, ..., 20, 0. The highest timestep 999 is never visited.
 * - 'trailing' (Lin et al. 2024, "Common diffusion noise schedules are flawed"): round_half_even(T - i*T/n) - 1,
 *   i = 0..n-1. For T = 1000, n = 50: 999, 979, ..., 19.
 * In both cases the previous timestep of t is t - floor(T / n) (negative at the last step).
 */
export type TimestepSpacing = 'leading' | 'trailing';

export interface NoiseScheduleConfig {
  numTrainTimesteps: number;
  betaSchedule: BetaSchedule;
  betaStart: number;
  betaEnd: number;
  predictionType: PredictionType;
}

/** The paper's schedule: T = 1000, scaled-linear betas 0.002 -> 0.02, epsilon prediction. */
export const SBLDM_SCHEDULE: Readonly<NoiseScheduleConfig> = Object.freeze({
  numTrainTimesteps: 1000,
  betaSchedule: 'scaled_linear',
  betaStart: 0.002,
  betaEnd: 0.02,
  predictionType: 'epsilon',
});

export function validateSchedule(c: NoiseScheduleConfig): void {
  if (!Number.isInteger(c.numTrainTimesteps) || c.numTrainTimesteps < 2) {
    throw new SamplerError('INVALID_CONFIG', `numTrainTimesteps = ${c.numTrainTimesteps} must be an integer >= 2`);
  }
  if (c.betaSchedule !== 'scaled_linear' && c.betaSchedule !== 'linear') {
    throw new SamplerError('INVALID_CONFIG', `betaSchedule = '${String(c.betaSchedule)}'; allowed: 'scaled_linear', 'linear'`);
  }
  if (!(c.betaStart > 0 && c.betaStart <= c.betaEnd && c.betaEnd < 1)) {
    throw new SamplerError(
      'INVALID_CONFIG',
      `betaStart = ${c.betaStart}, betaEnd = ${c.betaEnd}: need 0 < betaStart <= betaEnd < 1`,
    );
  }
  if (c.predictionType !== 'epsilon' && c.predictionType !== 'v_prediction' && c.predictionType !== 'sample') {
    throw new SamplerError(
      'INVALID_CONFIG',
      `predictionType = '${String(c.predictionType)}'; allowed: 'epsilon', 'v_prediction', 'sample'`,
    );
  }
}

/** numpy.linspace(start, stop, n): start + i * step, last element exactly stop (same float64 ops). */
function linspace(start: number, stop: number, n: number): Float64Array {
  const out = new Float64Array(n);
  const step = (stop - start) / (n - 1);
  for (let i = 0; i < n; i++) out[i] = i * step + start;
  out[n - 1] = stop;
  return out;
}

/** beta_t, float64 [T]. scaled_linear: linspace(sqrt(beta_start), sqrt(beta_end), T)^2 (LDM / the paper). */
export function makeBetas(c: NoiseScheduleConfig): Float64Array {
  validateSchedule(c);
  if (c.betaSchedule === 'linear') return linspace(c.betaStart, c.betaEnd, c.numTrainTimesteps);
  const r = linspace(Math.sqrt(c.betaStart), Math.sqrt(c.betaEnd), c.numTrainTimesteps);
  for (let i = 0; i < r.length; i++) r[i] = r[i]! * r[i]!;
  return r;
}

/** alpha_bar_t = prod_{s<=t} (1 - beta_s), float64 [T], sequential product (as numpy.cumprod). */
export function makeAlphasCumprod(c: NoiseScheduleConfig): Float64Array {
  const betas = makeBetas(c);
  const out = new Float64Array(betas.length);
  let acc = 1;
  for (let i = 0; i < betas.length; i++) {
    acc *= 1.0 - betas[i]!;
    out[i] = acc;
  }
  return out;
}

/** Round half to even, as numpy.round. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** Inference timesteps, descending (see `TimestepSpacing`). */
export function makeTimesteps(
  numTrainTimesteps: number,
  numInferenceSteps: number,
  spacing: TimestepSpacing,
  stepsOffset: number,
): number[] {
  const T = numTrainTimesteps;
  const n = numInferenceSteps;
  if (!Number.isInteger(n) || n < 1 || n > T) {
    throw new SamplerError(
      'INVALID_ARGUMENT',
      `numInferenceSteps = ${n} must be an integer in [1, ${T}] (numTrainTimesteps): a step cannot be finer than one training timestep`,
    );
  }
  const ts: number[] = [];
  if (spacing === 'leading') {
    const ratio = Math.floor(T / n);
    for (let i = n - 1; i >= 0; i--) ts.push(i * ratio + stepsOffset);
  } else if (spacing === 'trailing') {
    const ratio = T / n;
    for (let i = 0; i < n; i++) ts.push(roundHalfEven(T - i * ratio) - 1);
  } else {
    throw new SamplerError('INVALID_CONFIG', `timestepSpacing = '${String(spacing)}'; allowed: 'leading', 'trailing'`);
  }
  if (ts[0]! > T - 1 || ts[ts.length - 1]! < 0) {
    throw new SamplerError(
      'INVALID_CONFIG',
      `stepsOffset = ${stepsOffset} puts timesteps outside [0, ${T - 1}] (first ${ts[0]}, last ${ts[ts.length - 1]})`,
    );
  }
  return ts;
}
