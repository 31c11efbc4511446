/**
 * The reverse-diffusion loop (twin of `sample_loop` in models/training/sbldm/sampling.py).
 *
 * x_T ~ N(0, initNoiseSigma^2 I) from the rng, then for each t in scheduler.timesteps:
 *   eps = denoise(x_t, t, condition)                      (one call per step)
 *   with classifier-free guidance (Ho & Salimans 2022, arXiv 2207.12598, eq. 6 in eps form):
 *   eps = eps_null + s * (eps_cond - eps_null), both from ONE batched call on [x_t; x_t] with
 *   conditions [cond; null] (2B rows, conditional rows first)
 *   guidance limited to an interval of noise levels (Kynkaanniemi et al. 2024, "Applying guidance in a
 *   limited interval improves sample and distribution quality in diffusion models", arXiv 2404.07724,
 *   sec. 3): with guidanceInterval [tLo, tHi] (training timesteps, inclusive) the guided combination is
 *   used only while tLo <= t <= tHi; outside it eps = eps_cond from one call on the B conditional rows
 *   (guidance weight 1), so those steps cost half the rows
 *   x_{t_prev} = scheduler.step(eps, t, x_t, rng)
 * Noise draw order (fixed, shared with Python): x_T first, then each step's noise.
 */
import { SamplerError, SamplingCancelled } from './errors.ts';
import { type NoiseSource, drawNoise } from './rng.ts';
import type { DiffusionScheduler } from './scheduler.ts';

/** [B, C, D, H, W]; any rank >= 1 works, axis 0 is the batch. */
export type TensorShape = readonly number[];

export interface DenoiseInput {
  /** x_t, float32 flat C order, shape `shape` (batch 2B on guided steps, B otherwise). */
  xt: Float32Array;
  shape: TensorShape;
  /** Training timestep t (integer), the same for every row. */
  t: number;
  /** Condition rows, float32 [shape[0], K] ([cond; null] on guided steps), or undefined for an unconditional model. */
  condition: Float32Array | undefined;
}

/** The model: any async callable x_t, t, cond -> eps (same length as xt). */
export type Denoiser = (input: DenoiseInput) => Promise<Float32Array> | Float32Array;

export interface SampleProgress {
  /** 0-based index of the finished step. */
  stepIndex: number;
  totalSteps: number;
  t: number;
  /** x_{t_prev} after this step (do not modify). */
  sample: Float32Array;
  /** x0 estimate at this step. */
  predOriginalSample: Float32Array;
}

export interface SampleOptions {
  scheduler: DiffusionScheduler;
  denoise: Denoiser;
  shape: TensorShape;
  /** One rng for the batch, or one per batch item (item b's noise is then independent of the batch). */
  rng: NoiseSource;
  /** If given, calls scheduler.setTimesteps(numInferenceSteps); otherwise the scheduler must be set already. */
  numInferenceSteps?: number;
  /** Condition rows, float32 [B, K]. */
  condition?: Float32Array;
  /** The model's declared null condition, float32 [K] (broadcast to every row) or [B, K]. */
  nullCondition?: Float32Array;
  /** Guidance scale s; required with nullCondition (s = 1: conditional only, s = 0: unconditional). */
  guidanceScale?: number;
  /**
   * [tLo, tHi] in TRAINING timesteps (integers, inclusive): guidance only while tLo <= t <= tHi, one call
   * on the B conditional rows elsewhere. Undefined or null: guidance at every step. Needs guidance.
   */
  guidanceInterval?: GuidanceInterval | null;
  onStep?: (progress: SampleProgress) => void | Promise<void>;
  /** Checked before every step and after every denoiser call. */
  signal?: AbortSignal;
}

/** [tLo, tHi], training timesteps, inclusive. */
export type GuidanceInterval = readonly [tLo: number, tHi: number];

/** Whether the unconditional rows are evaluated at timestep t (always when there is no interval). */
export function guidanceActiveAt(t: number, interval: GuidanceInterval | null | undefined): boolean {
  return interval == null || (t >= interval[0] && t <= interval[1]);
}

/** Checks a guidance interval against the schedule's T; throws INVALID_ARGUMENT naming the value and the limit. */
export function checkGuidanceInterval(interval: unknown, numTrainTimesteps: number): asserts interval is GuidanceInterval {
  const T = numTrainTimesteps;
  const ok =
    Array.isArray(interval) &&
    interval.length === 2 &&
    interval.every((v) => Number.isInteger(v)) &&
    interval[0] >= 0 &&
    interval[0] <= interval[1] &&
    interval[1] <= T - 1;
  if (!ok) {
    throw new SamplerError(
      'INVALID_ARGUMENT',
      `guidanceInterval = ${JSON.stringify(interval)} must be [tLo, tHi] with integers 0 <= tLo <= tHi <= ${T - 1} ` +
        '(training timesteps, inclusive: guidance is used while tLo <= t <= tHi), or null for guidance at every step',
    );
  }
}

/**
 * Denoiser work of one sample() run: `calls` model calls, of which `guidedCalls` carry 2B rows and the rest
 * B rows; `rowsPerItem` = rows per batch item (2 per guided call, 1 otherwise). For cost estimates.
 */
export function denoiserCallPlan(
  timesteps: readonly number[],
  options: { guided: boolean; guidanceInterval?: GuidanceInterval | null },
): { calls: number; guidedCalls: number; rowsPerItem: number } {
  const guidedCalls = options.guided ? timesteps.filter((t) => guidanceActiveAt(t, options.guidanceInterval)).length : 0;
  return { calls: timesteps.length, guidedCalls, rowsPerItem: timesteps.length + guidedCalls };
}

function checkShape(shape: TensorShape): number {
  if (shape.length < 1 || shape.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new SamplerError('INVALID_ARGUMENT', `shape = [${shape.join(', ')}] must be positive integers, batch first`);
  }
  return shape.reduce((a, b) => a * b, 1);
}

/** Runs the full loop and returns x_0 (float32, `shape`). */
export async function sample(options: SampleOptions): Promise<Float32Array> {
  const { scheduler, denoise, shape, rng, condition, nullCondition, guidanceScale, onStep, signal } = options;
  const interval = options.guidanceInterval ?? null;
  const size = checkShape(shape);
  const B = shape[0]!;
  if (Array.isArray(rng) && rng.length !== B) {
    throw new SamplerError(
      'INVALID_ARGUMENT',
      `rng is an array of ${rng.length} streams but the batch has B = ${B}: pass one per item or a single rng`,
    );
  }
  const guided = nullCondition !== undefined || guidanceScale !== undefined;
  if (guided && (nullCondition === undefined || guidanceScale === undefined || condition === undefined)) {
    throw new SamplerError(
      'INVALID_ARGUMENT',
      'classifier-free guidance needs condition, nullCondition and guidanceScale together ' +
        `(got condition: ${condition !== undefined}, nullCondition: ${nullCondition !== undefined}, guidanceScale: ${guidanceScale})`,
    );
  }
  if (guidanceScale !== undefined && !Number.isFinite(guidanceScale)) {
    throw new SamplerError('INVALID_ARGUMENT', `guidanceScale = ${guidanceScale} must be a finite number`);
  }
  if (interval !== null) {
    if (!guided) {
      throw new SamplerError(
        'INVALID_ARGUMENT',
        `guidanceInterval = ${JSON.stringify(interval)} given without guidance: it limits classifier-free guidance, ` +
          'so it needs condition, nullCondition and guidanceScale',
      );
    }
    checkGuidanceInterval(interval, scheduler.schedule.numTrainTimesteps);
  }
  let K = 0;
  if (condition !== undefined) {
    if (condition.length % B !== 0 || condition.length === 0) {
      throw new SamplerError(
        'INVALID_ARGUMENT',
        `condition has ${condition.length} values, not a [B = ${B}, K] matrix`,
      );
    }
    K = condition.length / B;
  }
  let condIn = condition;
  if (guided) {
    const nc = nullCondition!;
    if (nc.length !== K && nc.length !== B * K) {
      throw new SamplerError(
        'INVALID_ARGUMENT',
        `nullCondition has ${nc.length} values; expected K = ${K} (one row, broadcast) or B*K = ${B * K}`,
      );
    }
    condIn = new Float32Array(2 * B * K);
    condIn.set(condition!, 0);
    for (let b = 0; b < B; b++) condIn.set(nc.length === K ? nc : nc.subarray(b * K, (b + 1) * K), (B + b) * K);
  }

  if (options.numInferenceSteps !== undefined) scheduler.setTimesteps(options.numInferenceSteps);
  const timesteps = scheduler.timesteps; // throws TIMESTEPS_NOT_SET when neither was done
  const total = timesteps.length;
  const guidedShape = [2 * B, ...shape.slice(1)];
  const plainShape = [...shape];

  let x = drawNoise(rng, size);
  if (scheduler.initNoiseSigma !== 1) for (let i = 0; i < size; i++) x[i] = x[i]! * scheduler.initNoiseSigma;

  const checkAbort = (done: number): void => {
    if (signal?.aborted) throw new SamplingCancelled(done, total, signal.reason);
  };
  for (let i = 0; i < total; i++) {
    checkAbort(i);
    const t = timesteps[i]!;
    // guided step: 2B rows [x; x] with [cond; null]; otherwise (no guidance, or t outside the interval) B rows
    const guidedNow = guided && guidanceActiveAt(t, interval);
    const modelShape = guidedNow ? guidedShape : plainShape;
    const modelSize = guidedNow ? 2 * size : size;
    let xIn = x;
    if (guidedNow) {
      xIn = new Float32Array(modelSize);
      xIn.set(x, 0);
      xIn.set(x, size);
    }
    const out = await denoise({ xt: xIn, shape: modelShape, t, condition: guidedNow ? condIn : condition });
    checkAbort(i);
    if (!(out instanceof Float32Array) || out.length !== modelSize) {
      throw new SamplerError(
        'DENOISER_OUTPUT',
        `denoiser returned ${out instanceof Float32Array ? `${out.length} values` : typeof out} at t = ${t}; ` +
          `expected a Float32Array of ${modelSize} values (shape [${modelShape.join(', ')}])`,
      );
    }
    for (let j = 0; j < modelSize; j++) {
      if (!Number.isFinite(out[j]!)) {
        throw new SamplerError('DENOISER_OUTPUT', `denoiser returned a non-finite value (${out[j]}) at index ${j}, t = ${t}`);
      }
    }
    let eps = out;
    if (guidedNow) {
      const s = guidanceScale!;
      eps = new Float32Array(size);
      for (let j = 0; j < size; j++) {
        const eNull = out[size + j]!;
        eps[j] = eNull + s * (out[j]! - eNull);
      }
    }
    const res = scheduler.step(eps, t, x, rng);
    x = res.prevSample;
    if (onStep) await onStep({ stepIndex: i, totalSteps: total, t, sample: x, predOriginalSample: res.predOriginalSample });
  }
  return x;
}
