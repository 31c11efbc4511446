/**
 * What every scheduler shares (the diffusers contract): `setTimesteps(n)`, `timesteps`, and
 * `step(modelOutput, t, sample, rng?) -> { prevSample, predOriginalSample }`. A scheduler never sees a
 * model; tensors are flat float32 arrays in C order whose shape the caller knows ([B, C, D, H, W]).
 *
 * Notation: x_t = sample, alpha_bar_t = alphasCumprod[t], eps = predicted noise, x0 = predicted clean sample.
 */
import { SamplerError } from './errors.ts';
import type { NoiseSource } from './rng.ts';
import {
  type NoiseScheduleConfig,
  type PredictionType,
  type TimestepSpacing,
  makeAlphasCumprod,
  makeTimesteps,
} from './schedule.ts';

export interface SchedulerStepOutput {
  /** x_{t_prev}, float32, same length as the sample. */
  prevSample: Float32Array;
  /** x0 estimated at this step, float32 (after clipping if enabled). */
  predOriginalSample: Float32Array;
}

export interface DiffusionScheduler {
  readonly schedule: Readonly<NoiseScheduleConfig>;
  /** alpha_bar_t, float64 [T]. */
  readonly alphasCumprod: Float64Array;
  /** Standard deviation of the initial noise x_T (1 for DDPM and DDIM). */
  readonly initNoiseSigma: number;
  /** Inference timesteps, descending; throws before setTimesteps. */
  readonly timesteps: readonly number[];
  readonly numInferenceSteps: number | undefined;
  setTimesteps(numInferenceSteps: number): void;
  step(modelOutput: Float32Array, t: number, sample: Float32Array, rng?: NoiseSource): SchedulerStepOutput;
}

export interface SchedulerOptions {
  timestepSpacing?: TimestepSpacing; // default 'leading'
  stepsOffset?: number; // default 0 (diffusers' default; Stable Diffusion uses 1)
  /**
   * Clip x0 to [-clipSample, clipSample]; default undefined = no clipping. Latents are not bounded, so
   * latent diffusion leaves it off (diffusers' DDIM defaults to clipping at 1 for pixel-space models).
   */
  clipSample?: number;
}

export abstract class SchedulerBase implements DiffusionScheduler {
  readonly alphasCumprod: Float64Array;
  readonly initNoiseSigma = 1;
  readonly timestepSpacing: TimestepSpacing;
  readonly stepsOffset: number;
  readonly clipSample: number | undefined;
  private ts: number[] | undefined;

  constructor(
    readonly schedule: Readonly<NoiseScheduleConfig>,
    options: SchedulerOptions = {},
  ) {
    this.alphasCumprod = makeAlphasCumprod(schedule);
    this.timestepSpacing = options.timestepSpacing ?? 'leading';
    this.stepsOffset = options.stepsOffset ?? 0;
    if (!Number.isInteger(this.stepsOffset) || this.stepsOffset < 0) {
      throw new SamplerError('INVALID_CONFIG', `stepsOffset = ${this.stepsOffset} must be an integer >= 0`);
    }
    this.clipSample = options.clipSample;
    if (this.clipSample !== undefined && !(this.clipSample > 0)) {
      throw new SamplerError(
        'INVALID_CONFIG',
        `clipSample = ${this.clipSample} must be > 0 (x0 is clipped to [-clipSample, clipSample]) or undefined for no clipping`,
      );
    }
    makeTimesteps(schedule.numTrainTimesteps, 1, this.timestepSpacing, 0); // validates the spacing name now
  }

  get numTrainTimesteps(): number {
    return this.schedule.numTrainTimesteps;
  }

  get numInferenceSteps(): number | undefined {
    return this.ts?.length;
  }

  get timesteps(): readonly number[] {
    if (this.ts === undefined) {
      throw new SamplerError('TIMESTEPS_NOT_SET', 'timesteps are not set: call setTimesteps(numInferenceSteps) first');
    }
    return this.ts;
  }

  setTimesteps(numInferenceSteps: number): void {
    this.ts = makeTimesteps(this.numTrainTimesteps, numInferenceSteps, this.timestepSpacing, this.stepsOffset);
  }

  /** Checks shared by every step; returns floor(T / n), the distance to the previous timestep. */
  protected checkStep(modelOutput: Float32Array, t: number, sample: Float32Array): number {
    if (this.ts === undefined) {
      throw new SamplerError(
        'TIMESTEPS_NOT_SET',
        'step() called before setTimesteps(numInferenceSteps): the previous timestep depends on the number of steps',
      );
    }
    const T = this.numTrainTimesteps;
    if (!Number.isInteger(t) || t < 0 || t > T - 1) {
      throw new SamplerError('INVALID_ARGUMENT', `timestep t = ${t} must be an integer in [0, ${T - 1}]`);
    }
    if (modelOutput.length !== sample.length) {
      throw new SamplerError(
        'INVALID_ARGUMENT',
        `modelOutput has ${modelOutput.length} values but sample has ${sample.length}: they must have the same shape`,
      );
    }
    return Math.floor(T / this.ts.length);
  }

  abstract step(modelOutput: Float32Array, t: number, sample: Float32Array, rng?: NoiseSource): SchedulerStepOutput;
}

/**
 * x0 and eps from the model output at one element (float64).
 * epsilon: x0 = (x_t - sqrt(1 - alpha_bar_t) eps) / sqrt(alpha_bar_t)          (DDPM eq. 15, DDIM eq. 12)
 * v:       x0 = sqrt(alpha_bar_t) x_t - sqrt(1 - alpha_bar_t) v, eps = sqrt(alpha_bar_t) v + sqrt(1 - alpha_bar_t) x_t
 *          (Salimans & Ho 2022, arXiv 2202.00512, sec. 4)
 * sample:  x0 = output, eps = (x_t - sqrt(alpha_bar_t) x0) / sqrt(1 - alpha_bar_t)
 * The operation order matches `_pred_x0_eps` in models/training/sbldm/schedulers.py so float64 results are identical.
 */
export function predX0Eps(
  type: PredictionType,
  out: number,
  x: number,
  sqrtAlphaBar: number,
  sqrtOneMinusAlphaBar: number,
): [x0: number, eps: number] {
  if (type === 'epsilon') return [(x - sqrtOneMinusAlphaBar * out) / sqrtAlphaBar, out];
  if (type === 'v_prediction') {
    return [sqrtAlphaBar * x - sqrtOneMinusAlphaBar * out, sqrtAlphaBar * out + sqrtOneMinusAlphaBar * x];
  }
  return [out, (x - sqrtAlphaBar * out) / sqrtOneMinusAlphaBar];
}

export function clip(x: number, r: number | undefined): number {
  if (r === undefined) return x;
  return Math.min(Math.max(x, -r), r);
}
