/**
 * What the multistep exponential-integrator solvers share (DPM-Solver++(2M) in dpmpp2m.ts, UniPC in
 * unipc.ts): the noise levels of the inference timesteps in half log-SNR, the data prediction x0, and the
 * rule that step() follows `timesteps` in order (each step reuses the model outputs of earlier steps).
 * Twin of `_MultistepBase` in models/training/sbldm/multistep.py.
 *
 * Notation (Lu et al., DPM-Solver, arXiv 2206.00927, sec. 2-3; DPM-Solver++, arXiv 2211.01095, sec. 4):
 *   i = 0..n-1        index into `timesteps` (descending t); i = n is the end point (clean data)
 *   alphaAt[i]        alpha_i  = sqrt(alpha_bar_{t_i})          (1 at the end point)
 *   sigmaAt[i]        sigma_i  = sqrt(1 - alpha_bar_{t_i})      (0 at the end point)
 *   lambdaAt[i]       lambda_i = log(alpha_i) - log(sigma_i), the half log-SNR (+inf at the end point)
 *   h                 lambda_{i+1} - lambda_i, the step size in lambda (> 0: lambda grows as noise falls)
 *   x0 (x0_i)         x_theta(x_i, t_i), the data prediction = predOriginalSample
 *
 * The end point is diffusers' `final_sigmas_type = "zero"`: the last step returns the data prediction
 * x0_{n-1} (the h -> inf limit of every update below). It plays the role of DDIM's setAlphaToOne, so the
 * solvers have no such option.
 *
 * Timesteps come from this package's `makeTimesteps` (the same 'leading' / 'trailing' for every sampler).
 * diffusers' multistep schedulers define 'leading' differently (floor(T/(n+1)) * (n, ..., 1)): a cohort's
 * 'leading' here means the DDIM grid (n-1, ..., 0) * floor(T/n), whose last model call is at t = 0.
 */
import { SamplerError } from './errors.ts';
import type { NoiseSource } from './rng.ts';
import type { NoiseScheduleConfig } from './schedule.ts';
import { SchedulerBase, type SchedulerOptions, type SchedulerStepOutput, clip, predX0Eps } from './scheduler.ts';

export abstract class MultistepSchedulerBase extends SchedulerBase {
  /** alpha_i, sigma_i, lambda_i for i = 0..n (float64, n + 1 values; index n is the end point). */
  protected alphaAt = new Float64Array(0);
  protected sigmaAt = new Float64Array(0);
  protected lambdaAt = new Float64Array(0);
  /** Index of the step the next step() call must be (0 after setTimesteps). */
  private nextIndex = 0;
  /** Length of the sample the history belongs to. */
  private historyLength = -1;

  constructor(schedule: Readonly<NoiseScheduleConfig>, options: SchedulerOptions = {}) {
    super(schedule, options);
  }

  override setTimesteps(numInferenceSteps: number): void {
    super.setTimesteps(numInferenceSteps);
    const ts = this.timesteps;
    const n = ts.length;
    this.alphaAt = new Float64Array(n + 1);
    this.sigmaAt = new Float64Array(n + 1);
    this.lambdaAt = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) {
      const ab = this.alphasCumprod[ts[i]!]!;
      this.alphaAt[i] = Math.sqrt(ab);
      this.sigmaAt[i] = Math.sqrt(1.0 - ab);
      this.lambdaAt[i] = Math.log(this.alphaAt[i]!) - Math.log(this.sigmaAt[i]!);
    }
    this.alphaAt[n] = 1.0;
    this.sigmaAt[n] = 0.0;
    this.lambdaAt[n] = Number.POSITIVE_INFINITY;
    this.nextIndex = 0;
    this.resetHistory();
  }

  /** Forget the model outputs of earlier steps (a new trajectory starts). */
  protected abstract resetHistory(): void;

  /**
   * Checks a step() call and returns its index i. t = timesteps[0] starts a new trajectory (history
   * cleared); any other t must be the next timestep of the current one.
   */
  protected enterStep(modelOutput: Float32Array, t: number, sample: Float32Array): number {
    this.checkStep(modelOutput, t, sample);
    const ts = this.timesteps;
    if (t === ts[0]) {
      this.nextIndex = 0;
      this.resetHistory();
      this.historyLength = sample.length;
    }
    const i = this.nextIndex;
    if (i >= ts.length || ts[i] !== t) {
      const expected = i >= ts.length ? `the trajectory is finished (restart with t = ${ts[0]})` : `expected t = ${ts[i]} (step ${i + 1} of ${ts.length})`;
      throw new SamplerError(
        'INVALID_ARGUMENT',
        `step() got t = ${t} but ${expected}: a multistep solver reuses the model outputs of earlier steps, ` +
          `so step() must follow scheduler.timesteps in order (t = ${ts[0]} starts a new trajectory)`,
      );
    }
    if (sample.length !== this.historyLength) {
      throw new SamplerError(
        'INVALID_ARGUMENT',
        `sample has ${sample.length} values but this trajectory started with ${this.historyLength}: ` +
          `a multistep solver cannot change the tensor shape mid-trajectory (restart with t = ${ts[0]})`,
      );
    }
    this.nextIndex = i + 1;
    return i;
  }

  /**
   * x0_i = x_theta(x_i, t_i) from the model output (DPM-Solver++ sec. 4: the data prediction model;
   * see predX0Eps for the three prediction types), optionally clipped, rounded to float32.
   */
  protected dataPrediction(modelOutput: Float32Array, sample: Float32Array, i: number): Float32Array {
    const sqrtA = this.alphaAt[i]!;
    const sqrtB = this.sigmaAt[i]!;
    const type = this.schedule.predictionType;
    const n = sample.length;
    const x0 = new Float32Array(n);
    for (let k = 0; k < n; k++) {
      const v = type === 'epsilon' ? (sample[k]! - sqrtB * modelOutput[k]!) / sqrtA : predX0Eps(type, modelOutput[k]!, sample[k]!, sqrtA, sqrtB)[0];
      x0[k] = clip(v, this.clipSample);
    }
    return x0;
  }

  abstract override step(modelOutput: Float32Array, t: number, sample: Float32Array, rng?: NoiseSource): SchedulerStepOutput;
}

/** out[k] = c[0] * a[0][k] + c[1] * a[1][k] + ... in float64, left to right (the Python twin's order), as float32. */
export function linearCombination(coefficients: readonly number[], arrays: readonly Float32Array[]): Float32Array {
  const n = arrays[0]!.length;
  const out = new Float32Array(n);
  if (arrays.length === 2) {
    const [c0, c1] = coefficients as [number, number];
    const [a0, a1] = arrays as [Float32Array, Float32Array];
    for (let k = 0; k < n; k++) out[k] = c0 * a0[k]! + c1 * a1[k]!;
  } else if (arrays.length === 3) {
    const [c0, c1, c2] = coefficients as [number, number, number];
    const [a0, a1, a2] = arrays as [Float32Array, Float32Array, Float32Array];
    for (let k = 0; k < n; k++) out[k] = c0 * a0[k]! + c1 * a1[k]! + c2 * a2[k]!;
  } else {
    for (let k = 0; k < n; k++) {
      let v = coefficients[0]! * arrays[0]![k]!;
      for (let j = 1; j < arrays.length; j++) v = v + coefficients[j]! * arrays[j]![k]!;
      out[k] = v;
    }
  }
  return out;
}
