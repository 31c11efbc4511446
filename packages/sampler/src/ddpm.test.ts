import { describe, expect, it } from 'vitest';
import { DDPMScheduler } from './ddpm.ts';
import { createRng } from './rng.ts';
import { SBLDM_SCHEDULE, makeBetas } from './schedule.ts';
import { loadFixture, maxAbsDiff } from './testing/fixtures.ts';

const fx = loadFixture();
const x = Float32Array.from(fx.stepInputs.sample);
const e = Float32Array.from(fx.stepInputs.modelOutput);

describe('DDPMScheduler', () => {
  it('step before setTimesteps is an error', () => {
    expect(() => new DDPMScheduler(SBLDM_SCHEDULE).step(e, 10, x, createRng(0))).toThrow(/before setTimesteps/);
  });

  it('posterior mean coefficients equal eq. 7 with the betas (T steps, no noise term checked)', () => {
    // With model output = true eps and sample 0 noise: mean = c_x0 x0 + c_xt x_t; use x_t = 0, x0 from eps.
    const s = new DDPMScheduler(SBLDM_SCHEDULE);
    s.setTimesteps(1000);
    const ab = s.alphasCumprod;
    const beta = makeBetas(SBLDM_SCHEDULE);
    const t = 400;
    // x_t = 1, eps = 0 -> x0 = 1/sqrt(ab_t); mean = c_x0 / sqrt(ab_t) + c_xt
    const cX0 = (Math.sqrt(ab[t - 1]!) * beta[t]!) / (1 - ab[t]!);
    const cXt = (Math.sqrt(1 - beta[t]!) * (1 - ab[t - 1]!)) / (1 - ab[t]!);
    const n = 20000;
    const out = s.step(new Float32Array(n), t, new Float32Array(n).fill(1), createRng(3)).prevSample;
    let m = 0;
    let v = 0;
    for (const q of out) m += q / n;
    for (const q of out) v += (q - m) ** 2 / (n - 1);
    const sigma = Math.sqrt(((1 - ab[t - 1]!) / (1 - ab[t]!)) * beta[t]!);
    expect(m).toBeCloseTo(cX0 / Math.sqrt(ab[t]!) + cXt, 2);
    expect(Math.sqrt(v) / sigma).toBeCloseTo(1, 1);
  });

  it('t = 0 adds no noise and returns x0 (alpha_bar_prev = 1)', () => {
    const s = new DDPMScheduler(SBLDM_SCHEDULE);
    s.setTimesteps(1000);
    const res = s.step(e, 0, x); // no rng needed at t = 0
    expect(maxAbsDiff(res.prevSample, res.predOriginalSample)).toBeLessThan(1e-6);
  });

  it('matches the Python single steps (golden numbers)', () => {
    for (const g of fx.steps.filter((q) => q.scheduler === 'ddpm')) {
      const s = new DDPMScheduler(SBLDM_SCHEDULE, { varianceType: g.varianceType ?? 'fixed_small' });
      s.setTimesteps(g.numInferenceSteps);
      const res = s.step(e, g.t, x, createRng(g.noiseSeed));
      expect(maxAbsDiff(res.prevSample, g.prevSample)).toBeLessThan(1e-6);
      expect(maxAbsDiff(res.predOriginalSample, g.predOriginalSample)).toBeLessThan(1e-6);
    }
  });

  it('needs an rng for t > 0 and rejects unknown variance types', () => {
    const s = new DDPMScheduler(SBLDM_SCHEDULE);
    s.setTimesteps(20);
    expect(() => s.step(e, 950, x)).toThrow(expect.objectContaining({ code: 'NOISE_REQUIRED' }));
    expect(() => new DDPMScheduler(SBLDM_SCHEDULE, { varianceType: 'learned' as never })).toThrow(/varianceType = 'learned'/);
  });
});
