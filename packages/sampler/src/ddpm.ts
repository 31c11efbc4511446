/**
 * Ancestral DDPM sampler (Ho, Jain, Abbeel, "Denoising Diffusion Probabilistic Models", NeurIPS 2020,
 * arXiv 2006.11239), sampling the posterior q(x_{t_prev} | x_t, x0) with x0 predicted by the model.
 *
 * Notation (code -> paper):
 *   a_t, a_prev      alphasCumprod[t], alphasCumprod[t - floor(T/n)] (1 past the end)  alpha_bar_t, alpha_bar_{t-1}
 *   curAlpha         a_t / a_prev            alpha_t (for n = T steps exactly 1 - beta_t)
 *   curBeta          1 - curAlpha            beta_t
 *   x0               predOriginalSample      eq. 15 solved for x0
 *   cX0, cXt         posterior mean coefficients of x0 and x_t   eq. 7, mu~_t
 *   variance         fixed_small: beta~_t = (1 - a_prev)/(1 - a_t) beta_t (eq. 7); fixed_large: beta_t
 *                    (both discussed in sec. 3.2); sigma_t = sqrt(variance)
 *
 * With n < T inference steps the same formulas run on the strided timesteps (diffusers' behaviour).
 * No noise is added at t = 0, as in Algorithm 2 (line 3: z = 0 if t = 1 in 1-based time).
 */
import { SamplerError } from './errors.ts';
import { type NoiseSource, drawNoise } from './rng.ts';
import type { NoiseScheduleConfig } from './schedule.ts';
import { SchedulerBase, type SchedulerOptions, type SchedulerStepOutput, clip, predX0Eps } from './scheduler.ts';

export type DDPMVarianceType = 'fixed_small' | 'fixed_large';

export interface DDPMOptions extends SchedulerOptions {
  varianceType?: DDPMVarianceType; // default 'fixed_small' (diffusers' default)
}

export class DDPMScheduler extends SchedulerBase {
  readonly varianceType: DDPMVarianceType;

  constructor(schedule: Readonly<NoiseScheduleConfig>, options: DDPMOptions = {}) {
    super(schedule, options);
    this.varianceType = options.varianceType ?? 'fixed_small';
    if (this.varianceType !== 'fixed_small' && this.varianceType !== 'fixed_large') {
      throw new SamplerError(
        'INVALID_CONFIG',
        `varianceType = '${String(this.varianceType)}'; allowed: 'fixed_small', 'fixed_large'`,
      );
    }
  }

  step(modelOutput: Float32Array, t: number, sample: Float32Array, rng?: NoiseSource): SchedulerStepOutput {
    const ratio = this.checkStep(modelOutput, t, sample);
    if (t > 0 && rng === undefined) {
      throw new SamplerError('NOISE_REQUIRED', `DDPM step at t = ${t} > 0 adds noise: pass an rng to step()`);
    }
    // 1. alphas at t and at the previous timestep
    const prevT = t - ratio;
    const aT = this.alphasCumprod[t]!;
    const aPrev = prevT >= 0 ? this.alphasCumprod[prevT]! : 1.0;
    const bT = 1.0 - aT;
    const bPrev = 1.0 - aPrev;
    const curAlpha = aT / aPrev;
    const curBeta = 1.0 - curAlpha;
    // 2. posterior mean coefficients mu~_t = cX0 x0 + cXt x_t (eq. 7)
    const cX0 = (Math.sqrt(aPrev) * curBeta) / bT;
    const cXt = (Math.sqrt(curAlpha) * bPrev) / bT;
    // 3. sigma_t (zero at t = 0)
    let sigma = 0;
    if (t > 0) {
      const variance = this.varianceType === 'fixed_small' ? Math.max((bPrev / bT) * curBeta, 1e-20) : curBeta;
      sigma = Math.sqrt(variance);
    }
    const noise = t > 0 ? drawNoise(rng!, sample.length) : undefined;
    const sqrtA = Math.sqrt(aT);
    const sqrtB = Math.sqrt(bT);

    const n = sample.length;
    const prev = new Float32Array(n);
    const x0Out = new Float32Array(n);
    const type = this.schedule.predictionType;
    for (let i = 0; i < n; i++) {
      // 4. predicted x0 (eq. 15), optional clipping
      const out = modelOutput[i]!;
      const x0 = clip(type === 'epsilon' ? (sample[i]! - sqrtB * out) / sqrtA : predX0Eps(type, out, sample[i]!, sqrtA, sqrtB)[0], this.clipSample);
      // 5. x_{t_prev} = mu~_t + sigma_t z (Algorithm 2, line 4)
      let v = cX0 * x0 + cXt * sample[i]!;
      if (noise !== undefined) v = v + sigma * noise[i]!;
      prev[i] = v;
      x0Out[i] = x0;
    }
    return { prevSample: prev, predOriginalSample: x0Out };
  }
}
