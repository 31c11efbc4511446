/**
 * DDIM sampler (Song, Meng, Ermon, "Denoising Diffusion Implicit Models", ICLR 2021, arXiv 2010.02502).
 *
 * Notation (code -> paper; the DDIM paper writes alpha for our alpha_bar):
 *   a_t      = alphasCumprod[t]                 alpha_bar_t (paper: alpha_t)
 *   a_prev   = alphasCumprod[t - floor(T/n)]    alpha_bar_{t_prev}; finalAlphaCumprod when t_prev < 0
 *   e        = model output                     eps_theta(x_t) (or v / x0, see predictionType)
 *   x0       = predOriginalSample               "predicted x0", eq. 12 first bracket
 *   std      = eta * sigma_t                    eq. 16
 *   z        = N(0, I) noise from the rng       eps_t in eq. 12
 *
 * Final alpha: at the last step t_prev < 0. With setAlphaToOne (default, as diffusers) alpha_bar_prev = 1,
 * so the last step returns x0 exactly; otherwise alpha_bar_0 is used (the sample keeps a trace of noise).
 *
 * eta = 0: deterministic DDIM; eta = 1: the DDPM posterior variance (the paper's SBLDM default). When
 * eta > 0 every step draws a noise tensor (also the last, where sigma is 0), as diffusers does.
 */
import { SamplerError } from './errors.ts';
import { type NoiseSource, drawNoise } from './rng.ts';
import type { NoiseScheduleConfig } from './schedule.ts';
import { SchedulerBase, type SchedulerOptions, type SchedulerStepOutput, clip, predX0Eps } from './scheduler.ts';

export interface DDIMOptions extends SchedulerOptions {
  /** Stochasticity in [0, 1]; required, because the paper (1) and diffusers (0) disagree on the default. */
  eta: number;
  /** alpha_bar used after the last step: 1 (true, default) or alpha_bar_0 (false). */
  setAlphaToOne?: boolean;
}

export class DDIMScheduler extends SchedulerBase {
  readonly eta: number;
  readonly finalAlphaCumprod: number;

  constructor(schedule: Readonly<NoiseScheduleConfig>, options: DDIMOptions) {
    super(schedule, options);
    if (!(options.eta >= 0 && options.eta <= 1)) {
      throw new SamplerError(
        'INVALID_CONFIG',
        `eta = ${options.eta} must be in [0, 1] (0: deterministic DDIM, 1: DDPM posterior variance)`,
      );
    }
    this.eta = options.eta;
    this.finalAlphaCumprod = (options.setAlphaToOne ?? true) ? 1.0 : this.alphasCumprod[0]!;
  }

  step(modelOutput: Float32Array, t: number, sample: Float32Array, rng?: NoiseSource): SchedulerStepOutput {
    const ratio = this.checkStep(modelOutput, t, sample);
    if (this.eta > 0 && rng === undefined) {
      throw new SamplerError('NOISE_REQUIRED', `eta = ${this.eta} > 0 adds noise at every step: pass an rng to step()`);
    }
    // 1. previous timestep and alphas (final alpha convention when t_prev < 0)
    const prevT = t - ratio;
    const aT = this.alphasCumprod[t]!;
    const aPrev = prevT >= 0 ? this.alphasCumprod[prevT]! : this.finalAlphaCumprod;
    const sqrtA = Math.sqrt(aT);
    const sqrtB = Math.sqrt(1.0 - aT);
    // 2. sigma_t (eq. 16): sqrt((1 - a_prev)/(1 - a_t)) * sqrt(1 - a_t/a_prev), scaled by eta
    const variance = ((1.0 - aPrev) / (1.0 - aT)) * (1.0 - aT / aPrev);
    const std = this.eta * Math.sqrt(variance);
    // 3. coefficient of the "direction pointing to x_t" (eq. 12): sqrt(1 - a_prev - sigma_t^2)
    const dirCoef = Math.sqrt(Math.max(0.0, 1.0 - aPrev - std * std));
    const sqrtAPrev = Math.sqrt(aPrev);
    const noise = this.eta > 0 ? drawNoise(rng!, sample.length) : undefined;

    const n = sample.length;
    const prev = new Float32Array(n);
    const x0Out = new Float32Array(n);
    const type = this.schedule.predictionType;
    for (let i = 0; i < n; i++) {
      // 4. predicted x0 and eps (eq. 12, first term; see predX0Eps), optional clipping
      const out = modelOutput[i]!;
      const x = sample[i]!;
      let x0: number;
      let eps: number;
      if (type === 'epsilon') {
        x0 = (x - sqrtB * out) / sqrtA;
        eps = out;
      } else {
        [x0, eps] = predX0Eps(type, out, x, sqrtA, sqrtB);
      }
      x0 = clip(x0, this.clipSample);
      // 5. x_{t-1} = sqrt(a_prev) x0 + sqrt(1 - a_prev - sigma^2) eps + sigma z (eq. 12)
      let v = sqrtAPrev * x0 + dirCoef * eps;
      if (noise !== undefined) v = v + std * noise[i]!;
      prev[i] = v;
      x0Out[i] = x0;
    }
    return { prevSample: prev, predOriginalSample: x0Out };
  }
}
